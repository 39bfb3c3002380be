//! Workloads: what a benchmark case computes. Each family lives in one file and
//! implements [`Workload`]; the sampler, runner and reports know only the trait.

mod attention;
mod attention_decode;
mod attention_unfused;
mod block;
mod inputs;
mod latency;
mod matmul;
mod peak;
mod stream;
mod transfer;

pub use attention::{
    attention_case, attention_dims, attention_inputs, attention_output, attention_tile,
    prepare_attention, round_to, AttentionFamily, AttentionTile, ATTENTION, ATTENTION_FAMILIES,
};
pub use attention_decode::{ATTENTION_DECODE, ATTENTION_DECODE_SPLIT};
pub use attention_unfused::ATTENTION_UNFUSED;
pub use block::{
    block_case, block_dims, block_stages, block_work, elementwise_case, elementwise_kernel_of,
    part_name, part_workgroups, prepare_block, split_candidate, Block, BlockKernels, BlockStage,
    Elementwise, Step, BLOCK_DIMENSIONS, ELEMENTWISE_KERNELS, ELEMENTWISE_PREFIX, PART_HEAD_DIM,
};
pub use inputs::seeded_uniform;
pub use latency::{latency_case, Latency};
pub use matmul::{matmul_case, output_tile, Matmul, MatmulInputs};
pub use peak::{peak_case, Peak, ITERATIONS_PER_TRIP, LANES_PER_BLOCK};
pub use stream::{stream_case, Stream, StreamKernel, STREAM_KERNELS};
pub use transfer::{transfer_case, Direction, Transfer, TRANSFERS};

use crate::case::{Candidate, Case, Dtype, Figure, Roof, Shape, Work, SWITCHES};
use crate::gpu::{Dispatch, Gpu, GpuError, Kernel, SampleTime, StageTime, Stages, Timer};
use crate::reference::Verification;

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
    /// GPU seconds per operation in each kernel of an operation made of
    /// several, over `repeats` operations; None for a single kernel, or
    /// where the device cannot time inside a pass.
    fn stage_times(&self, _gpu: &Gpu, _repeats: u32) -> Result<Option<Vec<StageTime>>, GpuError> {
        Ok(None)
    }
}

/// How a compute case's output is checked once its kernel has run.
pub trait OutputCheck {
    /// Reads the output back and compares it with the CPU reference.
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError>;
}

/// The usual prepared case: what it dispatches (one [`Kernel`], or several
/// run in order as one operation, [`Stages`]: see [`StagedCase`]), sampled as
/// a batch of operations in one pass, and what checking its output needs.
pub struct KernelCase<C, K = Kernel> {
    /// What runs: one kernel, or several in order.
    pub kernel: K,
    /// The output check.
    pub check: C,
}

/// An operation made of several kernels run in order (scores, softmax, then
/// P·V), with the time of each stage where the device can tell it.
pub type StagedCase<C> = KernelCase<C, Stages>;

impl<C: OutputCheck, K: Dispatch> Prepared for KernelCase<C, K> {
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
        self.kernel.compile_s()
    }

    fn stage_times(&self, gpu: &Gpu, repeats: u32) -> Result<Option<Vec<StageTime>>, GpuError> {
        self.kernel.stage_times(gpu, repeats)
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
    /// The figure a case is judged by (FLOP/s unless the workload says otherwise).
    fn judged_by(&self) -> Figure {
        Figure::FlopPerS
    }
    /// The roof this workload measures, if it is a probe of one.
    fn roof(&self) -> Option<Roof> {
        None
    }
    /// The roofs its figures cannot exceed: a figure above one says the roof
    /// probe read low. Kernels are bound by both; probes and host transfers
    /// by none.
    fn bounded_by(&self) -> &'static [Roof] {
        &[Roof::Compute, Roof::Bandwidth]
    }
    /// Storage buffers `candidate` needs to run `case` (inputs, outputs and
    /// any scratch space between its kernels), as (description, bytes), so a
    /// variant the device cannot hold is reported unavailable before anything runs.
    fn buffers(&self, case: &Case, candidate: &Candidate) -> Vec<(String, u64)>;
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
pub fn all() -> [&'static dyn Workload; 18] {
    [
        &Matmul,
        &ATTENTION,
        &ATTENTION_UNFUSED,
        &ATTENTION_DECODE,
        &ATTENTION_DECODE_SPLIT,
        &Block,
        &ELEMENTWISE_KERNELS[0],
        &ELEMENTWISE_KERNELS[1],
        &ELEMENTWISE_KERNELS[2],
        &ELEMENTWISE_KERNELS[3],
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
/// exactly its dimensions, each at least 1 (a switch such as `causal`: 0 or 1).
pub fn validate(case: &Case) -> Result<&'static dyn Workload, String> {
    let workload =
        by_family(&case.workload).ok_or_else(|| format!("unknown workload '{}'", case.workload))?;
    let names: Vec<&str> = case.shape.names().collect();
    if names != workload.dimensions() {
        return Err(format!(
            "a {} shape has dimensions {}, not {}",
            case.workload,
            workload.dimensions().join(", "),
            names.join(", ")
        ));
    }
    for (name, size) in case.shape.names().zip(case.shape.sizes()) {
        match SWITCHES.contains(&name) {
            true if size > 1 => {
                return Err(format!("{name} is a switch: 0 or 1, not {size}"));
            }
            false if size == 0 => {
                return Err(format!("shape {} has a zero dimension", case.shape));
            }
            _ => {}
        }
    }
    Ok(workload)
}

/// Fails if any buffer `candidate` needs for `case` exceeds what `gpu` can bind.
pub fn check_fits(
    gpu: &Gpu,
    workload: &dyn Workload,
    case: &Case,
    candidate: &Candidate,
) -> Result<(), GpuError> {
    for (what, bytes) in workload.buffers(case, candidate) {
        gpu.check_buffer_fits(&format!("{} {what}", case.name()), bytes)?;
    }
    Ok(())
}

/// A shape of the dimensions `names`, sized `sizes` in the same order.
fn named_shape(names: &[&str], sizes: &[usize]) -> Shape {
    let named: Vec<(&str, u64)> = names
        .iter()
        .zip(sizes)
        .map(|(&name, &size)| (name, size as u64))
        .collect();
    Shape::new(&named)
}

/// The size of dimension `name` of `case`. Panics on a shape without it,
/// which [`validate`] refuses before any case is built.
fn dimension(case: &Case, name: &str) -> usize {
    case.shape
        .get(name)
        .unwrap_or_else(|| panic!("{} case lacks {name}", case.workload)) as usize
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

/// The largest subgroup `gpu` may run kernels in, where it has `SUBGROUP`
/// and every subgroup it may choose has at least `lanes` lanes: a workgroup
/// that is a multiple of it holds whole subgroups of any size the driver
/// picks (sizes are powers of two).
pub fn subgroups_of_at_least(gpu: &Gpu, lanes: u32) -> Option<u32> {
    let (min, max) = gpu.summary.subgroup_size_range;
    (gpu.has(wgpu::Features::SUBGROUP) && min >= lanes).then_some(max)
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
