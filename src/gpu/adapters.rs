//! Adapter discovery and selection: every adapter wgpu finds on every backend,
//! described in the terms that matter for compute, and the rule that picks one.

use serde::{Deserialize, Serialize};

use super::GpuError;

/// The command that installs Mesa's software adapters on Debian/Ubuntu, quoted in
/// every message about a missing adapter or backend.
pub const INSTALL_HINT: &str =
    "apt-get update && apt-get install -y mesa-vulkan-drivers libvulkan1 libegl1 libgl1-mesa-dri";

/// What one adapter is and what it offers a compute workload. Shown by
/// `chipbench devices` and copied into every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterSummary {
    /// Position in `chipbench devices` (enumeration order over all backends).
    pub index: usize,
    /// `vulkan`, `metal`, `dx12` or `gl`.
    pub backend: String,
    /// The adapter's own name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// `discrete`, `integrated`, `virtual`, `cpu` or `other`.
    pub device_type: String,
    /// PCI vendor id (0 where the backend does not say).
    pub vendor_id: u32,
    /// PCI device id (0 where the backend does not say).
    pub device_id: u32,
    /// Driver name, e.g. `llvmpipe`.
    pub driver: String,
    /// Driver version string, e.g. `Mesa 22.3.6`.
    pub driver_info: String,
    /// Largest workgroup memory a compute shader may declare, in bytes.
    pub max_workgroup_storage_bytes: u32,
    /// Most invocations in one workgroup.
    pub max_invocations_per_workgroup: u32,
    /// Largest storage buffer binding, in bytes.
    pub max_storage_binding_bytes: u64,
    /// Largest buffer, in bytes.
    pub max_buffer_bytes: u64,
    /// Most workgroups in one dispatch dimension.
    pub max_workgroups_per_dimension: u32,
    /// Whether WGSL `f16` is available (`SHADER_F16`).
    pub shader_f16: bool,
    /// Whether WGSL `u64`/`i64` are available (`SHADER_INT64`); absent from
    /// reports written before it was recorded, read there as false.
    #[serde(default)]
    pub shader_int64: bool,
    /// Whether subgroup operations are available (`SUBGROUP`).
    pub subgroup: bool,
    /// Smallest and largest subgroup size the adapter reports (0 where unknown).
    pub subgroup_size_range: (u32, u32),
    /// Whether GPU timestamps can be written around passes (`TIMESTAMP_QUERY`).
    pub timestamp_query: bool,
    /// Cooperative-matrix (tensor core) shapes the adapter offers to WGSL, as
    /// `MxNxK A/B-type→C-type` (empty without `EXPERIMENTAL_COOPERATIVE_MATRIX`).
    pub cooperative_matrix: Vec<String>,
}

impl AdapterSummary {
    /// Describes `adapter`, which sits at `index` in the full enumeration.
    pub fn describe(index: usize, adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        let limits = adapter.limits();
        let features = adapter.features();
        AdapterSummary {
            index,
            backend: backend_name(info.backend).to_string(),
            name: info.name,
            device_type: device_type_name(info.device_type).to_string(),
            vendor_id: info.vendor,
            device_id: info.device,
            driver: info.driver,
            driver_info: info.driver_info,
            max_workgroup_storage_bytes: limits.max_compute_workgroup_storage_size,
            max_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
            max_storage_binding_bytes: limits.max_storage_buffer_binding_size,
            max_buffer_bytes: limits.max_buffer_size,
            max_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            shader_f16: features.contains(wgpu::Features::SHADER_F16),
            shader_int64: features.contains(wgpu::Features::SHADER_INT64),
            subgroup: features.contains(wgpu::Features::SUBGROUP),
            subgroup_size_range: (info.subgroup_min_size, info.subgroup_max_size),
            timestamp_query: features.contains(wgpu::Features::TIMESTAMP_QUERY),
            cooperative_matrix: if features
                .contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX)
            {
                adapter
                    .cooperative_matrix_properties()
                    .iter()
                    .map(|p| {
                        format!(
                            "{}x{}x{} {:?}→{:?}",
                            p.m_size, p.n_size, p.k_size, p.ab_type, p.cr_type
                        )
                        .to_lowercase()
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// True for adapters that run on the host CPU (lavapipe, llvmpipe, WARP):
    /// suites scale their shapes down for them.
    pub fn is_software(&self) -> bool {
        self.device_type == "cpu"
    }

    /// Preference when no adapter is named: discrete > integrated > virtual >
    /// software > other, then Vulkan/Metal/DX12 before GL. Lower is better.
    fn preference_rank(&self) -> (u8, u8) {
        let kind = match self.device_type.as_str() {
            "discrete" => 0,
            "integrated" => 1,
            "virtual" => 2,
            "cpu" => 3,
            _ => 4,
        };
        let backend = match self.backend.as_str() {
            "vulkan" | "metal" | "dx12" => 0,
            _ => 1,
        };
        (kind, backend)
    }
}

#[cfg(test)]
impl AdapterSummary {
    /// Lavapipe on this project's reference machine, for tests that need an
    /// adapter without opening one.
    pub(crate) fn example() -> AdapterSummary {
        AdapterSummary {
            index: 0,
            backend: "vulkan".into(),
            name: "llvmpipe (LLVM 15.0.6, 256 bits)".into(),
            device_type: "cpu".into(),
            vendor_id: 0x10005,
            device_id: 0,
            driver: "llvmpipe".into(),
            driver_info: "Mesa 22.3.6".into(),
            max_workgroup_storage_bytes: 32768,
            max_invocations_per_workgroup: 1024,
            max_storage_binding_bytes: 128 << 20,
            max_buffer_bytes: 2 << 30,
            max_workgroups_per_dimension: 65535,
            shader_f16: true,
            shader_int64: true,
            subgroup: true,
            subgroup_size_range: (8, 8),
            timestamp_query: true,
            cooperative_matrix: Vec::new(),
        }
    }
}

/// Lower-case name of a backend as used on the command line and in reports.
fn backend_name(backend: wgpu::Backend) -> &'static str {
    match backend {
        wgpu::Backend::Vulkan => "vulkan",
        wgpu::Backend::Metal => "metal",
        wgpu::Backend::Dx12 => "dx12",
        wgpu::Backend::Gl => "gl",
        wgpu::Backend::BrowserWebGpu => "webgpu",
        wgpu::Backend::Noop => "noop",
    }
}

fn device_type_name(device_type: wgpu::DeviceType) -> &'static str {
    match device_type {
        wgpu::DeviceType::DiscreteGpu => "discrete",
        wgpu::DeviceType::IntegratedGpu => "integrated",
        wgpu::DeviceType::VirtualGpu => "virtual",
        wgpu::DeviceType::Cpu => "cpu",
        wgpu::DeviceType::Other => "other",
    }
}

/// Parses a `--backend` value into the canonical name used in summaries.
fn parse_backend(name: &str) -> Result<&'static str, GpuError> {
    match name.to_ascii_lowercase().as_str() {
        "vulkan" | "vk" => Ok("vulkan"),
        "metal" => Ok("metal"),
        "dx12" | "d3d12" => Ok("dx12"),
        "gl" | "gles" | "opengl" => Ok("gl"),
        _ => Err(GpuError::UnknownBackend(name.to_string())),
    }
}

/// One wgpu instance over every backend this build has, and the adapters it found.
pub struct AdapterList {
    /// Kept alive for as long as any adapter from it is in use.
    pub instance: wgpu::Instance,
    /// Adapters in enumeration order; `summaries[i]` describes `adapters[i]`.
    pub adapters: Vec<wgpu::Adapter>,
    /// One summary per adapter.
    pub summaries: Vec<AdapterSummary>,
}

impl AdapterList {
    /// Enumerates every adapter on every backend compiled into this build.
    pub fn enumerate() -> Self {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: wgpu::Backends::all(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
        let summaries = adapters
            .iter()
            .enumerate()
            .map(|(index, adapter)| AdapterSummary::describe(index, adapter))
            .collect();
        AdapterList {
            instance,
            adapters,
            summaries,
        }
    }

    /// Picks an adapter: `wanted` is an index or a case-insensitive substring of the
    /// name; `backend` restricts the search. With neither, the preferred adapter wins.
    pub fn select(&self, wanted: Option<&str>, backend: Option<&str>) -> Result<usize, GpuError> {
        if self.summaries.is_empty() {
            return Err(GpuError::NoAdapter);
        }
        let backends = backend.map(parse_backend).transpose()?;
        let in_backend = |s: &&AdapterSummary| backends.is_none_or(|b| s.backend == b);
        let mut eligible: Vec<&AdapterSummary> = self.summaries.iter().filter(in_backend).collect();
        if eligible.is_empty() {
            return Err(GpuError::NoAdapterOnBackend(
                backend.unwrap_or_default().to_string(),
            ));
        }
        if let Some(wanted) = wanted {
            eligible.retain(|s| match wanted.parse::<usize>() {
                Ok(index) => s.index == index,
                Err(_) => s.name.to_lowercase().contains(&wanted.to_lowercase()),
            });
            if eligible.is_empty() {
                return Err(GpuError::UnknownAdapter {
                    wanted: wanted.to_string(),
                    available: self.available_list(),
                });
            }
        }
        eligible.sort_by_key(|s| (s.preference_rank(), s.index));
        Ok(eligible[0].index)
    }

    /// `0: name (backend), 1: ...` for error messages.
    pub fn available_list(&self) -> String {
        self.summaries
            .iter()
            .map(|s| format!("{}: {} ({})", s.index, s.name, s.backend))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
