//! The GPU as chipbench sees it: one adapter opened with everything it offers,
//! buffers and pipelines made on it, and wgpu's errors turned into values.

mod adapters;
mod buffers;
mod kernel;
mod stages;
mod timer;

pub use adapters::{AdapterList, AdapterSummary, INSTALL_HINT};
pub use buffers::{
    read_buffer, storage_buffer_init, storage_buffer_zeroed, texture_init, uniform_buffer,
    with_mapped,
};
pub use kernel::{in_order, Dispatch, Kernel, KernelSpec};
pub use stages::{StageTime, Stages};
pub use timer::{best_timer, ticks_to_seconds, SampleTime, Timer, TimingMethod, WallClockTimer};

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Everything that can go wrong between chipbench and the GPU.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No adapter on any backend.
    #[error("no GPU adapter found on any backend; install Mesa's software adapters with: {INSTALL_HINT}")]
    NoAdapter,
    /// `--backend` named something that is not a backend.
    #[error("unknown backend '{0}' (expected vulkan, metal, dx12 or gl)")]
    UnknownBackend(String),
    /// `--backend` named a backend with no adapter on this machine.
    #[error("no adapter on backend '{0}'; run `chipbench devices` to see what is available ({INSTALL_HINT} installs Mesa's)")]
    NoAdapterOnBackend(String),
    /// `--adapter` matched nothing.
    #[error("no adapter matches '{wanted}'; available: {available}")]
    UnknownAdapter {
        /// What the user asked for.
        wanted: String,
        /// Every adapter found, one `index: name (backend)` each.
        available: String,
    },
    /// The adapter refused to open a device.
    #[error("could not open a device on '{adapter}': {message}")]
    RequestDevice {
        /// Adapter name.
        adapter: String,
        /// wgpu's message.
        message: String,
    },
    /// A validation, out-of-memory or internal error reported by wgpu.
    #[error("wgpu {kind} error: {message}")]
    Wgpu {
        /// `validation`, `out-of-memory` or `internal`.
        kind: &'static str,
        /// wgpu's description, folded onto one line.
        message: String,
    },
    /// Mapping a buffer for readback failed, or the device was lost while waiting.
    #[error("GPU readback failed: {0}")]
    Readback(String),
    /// A shape needs a buffer larger than the device allows.
    #[error("{what} needs a {needed_bytes}-byte buffer but the device allows at most {limit_bytes} bytes")]
    TooLarge {
        /// Which buffer, e.g. `matmul B (4096×4096 f32)`.
        what: String,
        /// Bytes the buffer would need.
        needed_bytes: u64,
        /// The device's limit for a storage binding.
        limit_bytes: u64,
    },
}

/// A device opened on one adapter with every feature and limit the adapter
/// offers, so workloads can use all of it.
pub struct Gpu {
    /// The adapter, as reported.
    pub summary: AdapterSummary,
    /// The logical device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// Pipelines already built in this process, by source, entry point and constants.
    pipelines: Mutex<HashMap<String, wgpu::ComputePipeline>>,
}

/// A compute pipeline and what building it cost.
pub struct PipelineBuild {
    /// The pipeline.
    pub pipeline: wgpu::ComputePipeline,
    /// Wall time spent compiling (shader module plus pipeline), in seconds; 0 when cached.
    pub compile_s: f64,
}

/// Features chipbench asks for when the adapter has them.
fn wanted_features() -> wgpu::Features {
    wgpu::Features::SHADER_F16
        | wgpu::Features::SUBGROUP
        | wgpu::Features::TIMESTAMP_QUERY
        | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES
        | wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX
        | wgpu::Features::SHADER_INT64
}

impl Gpu {
    /// Opens the adapter at `index` of `list`.
    pub fn open(list: &AdapterList, index: usize) -> Result<Gpu, GpuError> {
        let adapter = &list.adapters[index];
        let summary = list.summaries[index].clone();
        let required_features = adapter.features() & wanted_features();
        let descriptor = wgpu::DeviceDescriptor {
            label: Some("chipbench"),
            required_features,
            required_limits: adapter.limits(),
            // SAFETY: the only experimental feature requested is cooperative
            // matrix, used by one matmul variant whose results are verified
            // like every other kernel's, so a driver or wgpu bug shows up as a
            // failed case rather than a figure.
            experimental_features: if required_features
                .contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX)
            {
                unsafe { wgpu::ExperimentalFeatures::enabled() }
            } else {
                wgpu::ExperimentalFeatures::disabled()
            },
            ..Default::default()
        };
        let (device, queue) =
            pollster::block_on(adapter.request_device(&descriptor)).map_err(|e| {
                GpuError::RequestDevice {
                    adapter: summary.name.clone(),
                    message: one_line(&e.to_string()),
                }
            })?;
        // Errors outside our error scopes would otherwise panic inside wgpu.
        device.on_uncaptured_error(std::sync::Arc::new(|error: wgpu::Error| {
            eprintln!(
                "warning: uncaptured wgpu error: {}",
                one_line(&error.to_string())
            );
        }));
        Ok(Gpu {
            summary,
            device,
            queue,
            pipelines: Mutex::default(),
        })
    }

    /// Opens the adapter chosen by `--adapter` / `--backend` (see [`AdapterList::select`]).
    pub fn select(wanted: Option<&str>, backend: Option<&str>) -> Result<Gpu, GpuError> {
        let list = AdapterList::enumerate();
        let index = list.select(wanted, backend)?;
        Gpu::open(&list, index)
    }

    /// Whether the device has `feature`.
    pub fn has(&self, feature: wgpu::Features) -> bool {
        self.device.features().contains(feature)
    }

    /// Runs `body` inside validation, out-of-memory and internal error scopes and
    /// returns the first error any of them caught, so a bad kernel or an
    /// allocation the device cannot make becomes a failed case, not a crash.
    pub fn catching<T>(&self, body: impl FnOnce() -> T) -> Result<T, GpuError> {
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let memory = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let internal = self.device.push_error_scope(wgpu::ErrorFilter::Internal);
        let value = body();
        let errors = [
            pollster::block_on(internal.pop()),
            pollster::block_on(memory.pop()),
            pollster::block_on(validation.pop()),
        ];
        match errors.into_iter().flatten().next() {
            None => Ok(value),
            Some(error) => Err(wgpu_error(error)),
        }
    }

    /// Blocks until all submitted work has finished.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| GpuError::Readback(one_line(&e.to_string())))
    }

    /// Compiles `wgsl` and builds a compute pipeline for `entry_point` with the
    /// given `override` constants, or returns the one this process already built.
    /// The build records the wall time compilation took (shader module plus
    /// pipeline, which is where drivers compile).
    ///
    /// `bounds_checked: false` drops wgpu's runtime bounds checks; only kernels
    /// whose indexing is clamped in range by construction (and covered by
    /// ragged-shape tests) may ask for that.
    pub fn compute_pipeline(
        &self,
        label: &str,
        wgsl: &str,
        entry_point: &str,
        constants: &[(&str, f64)],
        bounds_checked: bool,
    ) -> Result<PipelineBuild, GpuError> {
        let key = format!("{label}|{entry_point}|{constants:?}|{bounds_checked}|{wgsl}");
        if let Some(pipeline) = self.pipelines.lock().expect("pipeline cache").get(&key) {
            return Ok(PipelineBuild {
                pipeline: pipeline.clone(),
                compile_s: 0.0,
            });
        }
        let started = Instant::now();
        let pipeline = self.catching(|| {
            let source = wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(wgsl.into()),
            };
            let module = if bounds_checked {
                self.device.create_shader_module(source)
            } else {
                // SAFETY: callers pass `bounds_checked: false` only for kernels whose
                // every index is clamped or guarded against the buffer extents.
                unsafe {
                    self.device.create_shader_module_trusted(
                        source,
                        wgpu::ShaderRuntimeChecks::unchecked(),
                    )
                }
            };
            self.device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(label),
                    layout: None,
                    module: &module,
                    entry_point: Some(entry_point),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants,
                        zero_initialize_workgroup_memory: false,
                    },
                    cache: None,
                })
        })?;
        let compile_s = started.elapsed().as_secs_f64();
        self.pipelines
            .lock()
            .expect("pipeline cache")
            .insert(key, pipeline.clone());
        Ok(PipelineBuild {
            pipeline,
            compile_s,
        })
    }

    /// Binds each `(binding, resource)` to group 0 of `pipeline`.
    pub fn bind(
        &self,
        pipeline: &wgpu::ComputePipeline,
        bindings: &[(u32, wgpu::BindingResource<'_>)],
    ) -> Result<wgpu::BindGroup, GpuError> {
        self.catching(|| {
            let entries: Vec<wgpu::BindGroupEntry> = bindings
                .iter()
                .map(|(binding, resource)| wgpu::BindGroupEntry {
                    binding: *binding,
                    resource: resource.clone(),
                })
                .collect();
            self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &pipeline.get_bind_group_layout(0),
                entries: &entries,
            })
        })
    }

    /// Fails with [`GpuError::TooLarge`] if a storage buffer of `bytes` cannot be bound.
    pub fn check_buffer_fits(&self, what: &str, bytes: u64) -> Result<(), GpuError> {
        let limits = self.device.limits();
        let limit_bytes = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if bytes > limit_bytes {
            return Err(GpuError::TooLarge {
                what: what.to_string(),
                needed_bytes: bytes,
                limit_bytes,
            });
        }
        Ok(())
    }
}

fn wgpu_error(error: wgpu::Error) -> GpuError {
    let kind = match error {
        wgpu::Error::OutOfMemory { .. } => "out-of-memory",
        wgpu::Error::Validation { .. } => "validation",
        wgpu::Error::Internal { .. } => "internal",
    };
    GpuError::Wgpu {
        kind,
        message: one_line(&error.to_string()),
    }
}

/// Folds a multi-line message (wgpu's are) onto one line.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
