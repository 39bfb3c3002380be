//! A compute kernel ready to dispatch: pipeline, bound buffers, grid size.
//! Every workload's prepared state holds one and records it the same way.

use super::{Gpu, GpuError, SampleTime, StageTime, Timer};

/// What a prepared case dispatches: one [`Kernel`], or several run in order
/// as one operation ([`super::Stages`]).
pub trait Dispatch {
    /// Encodes `repeats` operations into `pass`.
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, repeats: u32);
    /// Seconds spent compiling the pipelines (0 for those from the cache).
    fn compile_s(&self) -> f64;
    /// Times one sample of `repeats` operations in one compute pass.
    fn sample(
        &self,
        gpu: &Gpu,
        timer: &mut dyn Timer,
        repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        timer.time(gpu, &|pass| self.record(pass, repeats))
    }
    /// GPU seconds per operation in each stage; None for a single kernel.
    fn stage_times(&self, _gpu: &Gpu, _repeats: u32) -> Result<Option<Vec<StageTime>>, GpuError> {
        Ok(None)
    }
}

/// A boxed operation dispatches as what it holds (a workload choosing
/// between one kernel and several at run time boxes them).
impl<D: Dispatch + ?Sized> Dispatch for Box<D> {
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, repeats: u32) {
        self.as_ref().record(pass, repeats);
    }

    fn compile_s(&self) -> f64 {
        self.as_ref().compile_s()
    }

    fn sample(
        &self,
        gpu: &Gpu,
        timer: &mut dyn Timer,
        repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        self.as_ref().sample(gpu, timer, repeats)
    }

    fn stage_times(&self, gpu: &Gpu, repeats: u32) -> Result<Option<Vec<StageTime>>, GpuError> {
        self.as_ref().stage_times(gpu, repeats)
    }
}

/// `buffers` as bindings 0, 1, 2, ... of a [`KernelSpec`].
pub fn in_order<'a>(buffers: &[&'a wgpu::Buffer]) -> Vec<(u32, wgpu::BindingResource<'a>)> {
    (0..)
        .zip(buffers.iter().map(|b| b.as_entire_binding()))
        .collect()
}

/// What a workload asks for when it builds a kernel.
pub struct KernelSpec<'a> {
    /// Debug label, also part of the pipeline cache key.
    pub label: &'a str,
    /// Complete WGSL source.
    pub source: &'a str,
    /// Entry point to run.
    pub entry_point: &'a str,
    /// `override` constants.
    pub constants: &'a [(String, f64)],
    /// False only for kernels whose indexing is clamped in range by
    /// construction (see [`Gpu::compute_pipeline`]).
    pub bounds_checked: bool,
    /// Resources of group 0 by binding number (see [`in_order`] for the
    /// usual buffers at 0, 1, 2, ...).
    pub bindings: &'a [(u32, wgpu::BindingResource<'a>)],
    /// Workgroups per dispatch, (x, y, z).
    pub workgroups: (u32, u32, u32),
}

/// A built kernel.
pub struct Kernel {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    workgroups: (u32, u32, u32),
    /// Seconds spent compiling its pipeline (0 when cached).
    pub compile_s: f64,
}

impl Kernel {
    /// Builds (or reuses) the pipeline and binds the buffers.
    pub fn build(gpu: &Gpu, spec: &KernelSpec<'_>) -> Result<Kernel, GpuError> {
        let constants: Vec<(&str, f64)> = spec
            .constants
            .iter()
            .map(|(name, value)| (name.as_str(), *value))
            .collect();
        let build = gpu.compute_pipeline(
            spec.label,
            spec.source,
            spec.entry_point,
            &constants,
            spec.bounds_checked,
        )?;
        let bind_group = gpu.bind(&build.pipeline, spec.bindings)?;
        Ok(Kernel {
            pipeline: build.pipeline,
            bind_group,
            workgroups: spec.workgroups,
            compile_s: build.compile_s,
        })
    }
}

impl Dispatch for Kernel {
    /// Encodes `repeats` identical dispatches into `pass`.
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, repeats: u32) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        let (x, y, z) = self.workgroups;
        for _ in 0..repeats {
            pass.dispatch_workgroups(x, y, z);
        }
    }

    fn compile_s(&self) -> f64 {
        self.compile_s
    }
}
