//! Workloads: what a benchmark case computes. Each family lives in one file and
//! implements [`Workload`]; the sampler, runner and reports know only the trait.

mod inputs;
mod latency;
mod matmul;
mod matmul_coop;
mod peak;
mod stream;
mod transfer;

pub use inputs::seeded_uniform;
pub use latency::{latency_case, Latency};
pub use matmul::{matmul_case, Matmul};
pub use peak::{peak_case, Peak, ITERATIONS_PER_TRIP, LANES_PER_BLOCK};
pub use stream::{stream_case, Stream, StreamKernel, STREAM_KERNELS};
pub use transfer::{transfer_case, Direction, Transfer, TRANSFERS};

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::gpu::{Gpu, GpuError, Kernel, SampleTime, Timer};
use crate::reference::Verification;

/// Element type of a case's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// IEEE binary32.
    F32,
    /// IEEE binary16 (needs `SHADER_F16`).
    F16,
}

impl Dtype {
    /// Machine epsilon: the gap between 1 and the next representable value.
    pub fn epsilon(self) -> f64 {
        match self {
            Dtype::F32 => f64::from(f32::EPSILON),
            Dtype::F16 => 2f64.powi(-10),
        }
    }

    /// Bytes per element.
    pub fn size_bytes(self) -> u64 {
        match self {
            Dtype::F32 => 4,
            Dtype::F16 => 2,
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dtype::F32 => "f32",
            Dtype::F16 => "f16",
        })
    }
}

/// Named problem dimensions in the order the workload documents them,
/// e.g. `m, n, k` for matmul. Serialized as a JSON object in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape(Vec<(String, u64)>);

impl Shape {
    /// A shape from `(name, size)` pairs.
    pub fn new(dims: &[(&str, u64)]) -> Self {
        Shape(
            dims.iter()
                .map(|(name, size)| (name.to_string(), *size))
                .collect(),
        )
    }

    /// The size of dimension `name`, if the shape has it.
    pub fn get(&self, name: &str) -> Option<u64> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, size)| *size)
    }

    /// The sizes in order.
    pub fn sizes(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(|(_, size)| *size)
    }
}

impl fmt::Display for Shape {
    /// `512x512x512`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sizes: Vec<String> = self.sizes().map(|s| s.to_string()).collect();
        f.write_str(&sizes.join("x"))
    }
}

impl Serialize for Shape {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, size) in &self.0 {
            map.serialize_entry(name, size)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of dimension names to sizes")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Shape, A::Error> {
                let mut dims = Vec::new();
                while let Some(entry) = map.next_entry::<String, u64>()? {
                    dims.push(entry);
                }
                Ok(Shape(dims))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// One thing to measure: a workload family at a dtype and shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Workload family, e.g. `matmul`.
    pub workload: String,
    /// Element type.
    pub dtype: Dtype,
    /// Problem dimensions.
    pub shape: Shape,
}

impl Case {
    /// `matmul_f32_512x512x512`: the name `--filter` matches and tables show.
    pub fn name(&self) -> String {
        format!("{}_{}_{}", self.workload, self.dtype, self.shape)
    }
}

/// The work a case does per operation, for throughput figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Work {
    /// Floating-point operations (an FMA counts as 2).
    pub flop: f64,
    /// Bytes the operation must read at least once.
    pub bytes_read: u64,
    /// Bytes the operation writes.
    pub bytes_written: u64,
}

/// One way to run a case: a kernel variant and its `override` constants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Variant name, e.g. `register_tiled`.
    pub variant: String,
    /// WGSL `override` constants and their values.
    pub constants: Vec<(String, f64)>,
}

/// `texture_tiled workgroup_size=16 row_blocks=4`: a variant with its
/// constants in one line (names lowercased), telling apart the tile shapes of
/// one variant, as tables and benchmark names show it.
pub fn variant_label(variant: &str, constants: &[(String, f64)]) -> String {
    let mut label = variant.to_string();
    for (name, value) in constants {
        label += &format!(" {}={value}", name.to_lowercase());
    }
    label
}

/// A variant that cannot run here, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// Variant name (empty when no variant of the case can run).
    pub variant: String,
    /// Why, in words.
    pub reason: String,
}

/// A case ready to run on one device: inputs uploaded, pipeline built.
pub trait Prepared {
    /// Takes one sample of `repeats` back-to-back operations. Kernels run them
    /// as dispatches in one compute pass timed by `timer` (see
    /// [`crate::gpu::Kernel::sample`]); host-side operations such as transfers time
    /// themselves. `Ok(None)` is a rejected sample (impossible timestamps).
    fn sample(
        &self,
        gpu: &Gpu,
        timer: &mut dyn Timer,
        repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError>;
    /// Reads the output back and checks it against the CPU reference.
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError>;
    /// Seconds spent compiling the pipeline (0 when it came from the cache).
    fn compile_s(&self) -> f64;
}

/// How a compute case's output is checked once its kernel has run.
pub trait OutputCheck {
    /// Reads the output back and compares it with the CPU reference.
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError>;
}

/// The usual prepared case: one kernel sampled as batched dispatches, and
/// what checking its output needs.
pub struct KernelCase<C> {
    /// The kernel to dispatch.
    pub kernel: Kernel,
    /// The output check.
    pub check: C,
}

impl<C: OutputCheck> Prepared for KernelCase<C> {
    fn sample(
        &self,
        gpu: &Gpu,
        timer: &mut dyn Timer,
        repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        self.kernel.sample(gpu, timer, repeats)
    }

    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        self.check.verify(gpu)
    }

    fn compile_s(&self) -> f64 {
        self.kernel.compile_s
    }
}

/// A family of kernels computing one operation.
pub trait Workload: Sync {
    /// Family name, e.g. `matmul`; the first part of every case name.
    fn family(&self) -> &'static str;
    /// Names of the dimensions every case's shape has, in order (`m, n, k`).
    fn dimensions(&self) -> &'static [&'static str];
    /// Work per operation for `case`.
    fn work(&self, case: &Case) -> Work;
    /// Storage buffers `case` needs, as (description, bytes), so a shape the
    /// device cannot hold is refused before anything runs.
    fn buffers(&self, case: &Case) -> Vec<(String, u64)>;
    /// Variants able to run `case` on `gpu`; `Err(reason)` when none can
    /// (for example f16 without `SHADER_F16`): the case is then `unsupported`.
    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String>;
    /// Variants that exist but cannot run on `gpu` (hardware this adapter
    /// lacks, e.g. cooperative matrix): reported as not run, never measured.
    fn unavailable(&self, _case: &Case, _gpu: &Gpu) -> Vec<Unavailable> {
        Vec::new()
    }
    /// Uploads inputs drawn from `seed` and builds `candidate`'s pipeline.
    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError>;
}

/// Every workload chipbench knows.
pub fn all() -> [&'static dyn Workload; 9] {
    [
        &Matmul,
        &Peak,
        &STREAM_KERNELS[0],
        &STREAM_KERNELS[1],
        &STREAM_KERNELS[2],
        &STREAM_KERNELS[3],
        &Latency,
        &TRANSFERS[0],
        &TRANSFERS[1],
    ]
}

/// The workload named `family`, if any.
pub fn by_family(family: &str) -> Option<&'static dyn Workload> {
    all().into_iter().find(|w| w.family() == family)
}

/// Checks a case from outside (a file, the command line): a known workload,
/// exactly its dimensions, each at least 1.
pub fn validate(case: &Case) -> Result<&'static dyn Workload, String> {
    let workload =
        by_family(&case.workload).ok_or_else(|| format!("unknown workload '{}'", case.workload))?;
    let names: Vec<&str> = case.shape.0.iter().map(|(name, _)| name.as_str()).collect();
    if names != workload.dimensions() {
        return Err(format!(
            "a {} shape has dimensions {}, not {}",
            case.workload,
            workload.dimensions().join(", "),
            names.join(", ")
        ));
    }
    if case.shape.sizes().any(|s| s == 0) {
        return Err(format!("shape {} has a zero dimension", case.shape));
    }
    Ok(workload)
}

/// Fails if any of `case`'s buffers exceeds what `gpu` can bind.
pub fn check_fits(gpu: &Gpu, workload: &dyn Workload, case: &Case) -> Result<(), GpuError> {
    for (what, bytes) in workload.buffers(case) {
        gpu.check_buffer_fits(&format!("{} {what}", case.name()), bytes)?;
    }
    Ok(())
}

/// The value of `override` constant `name` among a candidate's `constants`.
/// Panics if it is missing: every candidate a workload offers names the
/// constants its own dispatch arithmetic reads.
pub fn constant(constants: &[(String, f64)], name: &str) -> u32 {
    constants
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v as u32)
        .unwrap_or_else(|| panic!("candidate lacks constant {name}"))
}

/// `shader` up to the line `marker`: the part after it needs a device
/// feature (naga validates a module as a whole), so it is compiled only for
/// the variants that use it.
pub fn without_part<'a>(shader: &'a str, marker: &str) -> &'a str {
    shader
        .split_once(marker)
        .unwrap_or_else(|| panic!("shader lacks the line {marker}"))
        .0
}

/// WGSL that declares the element type `T` for a dtype-generic shader:
/// shaders in `shaders/` written against `T` get this prepended.
pub fn with_element_type(dtype: Dtype, body: &str) -> String {
    let prelude = match dtype {
        Dtype::F32 => "alias T = f32;\n",
        Dtype::F16 => "enable f16;\nalias T = f16;\n",
    };
    format!("{prelude}{body}")
}

/// Err with the reason when `gpu` cannot run kernels of `dtype`.
pub fn require_dtype(gpu: &Gpu, dtype: Dtype) -> Result<(), String> {
    match dtype {
        Dtype::F16 if !gpu.has(wgpu::Features::SHADER_F16) => {
            Err("the adapter lacks SHADER_F16 (no f16 in shaders)".into())
        }
        _ => Ok(()),
    }
}

/// Asserts that `shader` (the WGSL file `file`) declares `const NAME: u32 =
/// VALUEu;` with the value the host uses too: the two copies must agree.
#[cfg(test)]
fn assert_shader_declares(shader: &str, file: &str, name: &str, value: u64) {
    let declared = format!("const {name}: u32 = {value}u;");
    assert!(shader.contains(&declared), "{file} must declare {declared}");
}
