//! Dispatch latency: the time one dispatch of an empty kernel takes within a
//! batch (`shaders/latency.wgsl`) — the per-dispatch overhead every small kernel pays.

use super::{
    Candidate, Case, Dtype, Figure, KernelCase, OutputCheck, Prepared, Roof, Shape, Work, Workload,
};
use crate::gpu::{in_order, read_buffer, storage_buffer_zeroed, Gpu, GpuError, Kernel, KernelSpec};
use crate::reference::{check_elements, Verification};

const SHADER: &str = include_str!("../../shaders/latency.wgsl");

/// The latency probe.
pub struct Latency;

/// The one latency case: a single workgroup of one invocation.
pub fn latency_case() -> Case {
    Case {
        workload: "latency".into(),
        dtype: Dtype::F32,
        shape: Shape::new(&[("workgroups", 1)]),
    }
}

impl Workload for Latency {
    fn family(&self) -> &'static str {
        "latency"
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["workgroups"]
    }

    fn judged_by(&self) -> Figure {
        Figure::Seconds
    }

    fn roof(&self) -> Option<Roof> {
        Some(Roof::DispatchOverhead)
    }

    fn bounded_by(&self) -> &'static [Roof] {
        &[]
    }

    fn work(&self, _case: &Case) -> Work {
        Work {
            flop: 0.0,
            bytes_read: 0,
            bytes_written: 0,
        }
    }

    fn buffers(&self, _case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
        vec![("sink".into(), 4)]
    }

    fn candidates(&self, _case: &Case, _gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        Ok(vec![Candidate::only("empty")])
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        _case: &Case,
        candidate: &Candidate,
        _seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        let sink = gpu.catching(|| storage_buffer_zeroed(gpu, "sink", 4))?;
        let kernel = Kernel::build(
            gpu,
            &KernelSpec {
                label: "latency_empty",
                source: SHADER,
                entry_point: "empty",
                constants: &candidate.constants,
                bounds_checked: true,
                bindings: &in_order(&[&sink]),
                workgroups: (1, 1, 1),
            },
        )?;
        Ok(Box::new(KernelCase {
            kernel,
            check: LatencyOutput { sink },
        }))
    }
}

struct LatencyOutput {
    sink: wgpu::Buffer,
}

impl OutputCheck for LatencyOutput {
    /// The sink must still be zero: the kernel ran and did nothing.
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let bytes = read_buffer(gpu, &self.sink, 4)?;
        let sink: &[u32] = bytemuck::cast_slice(&bytes);
        Ok(check_elements(
            sink.iter().map(|&x| f64::from(x)),
            [0.0],
            0.0,
        ))
    }
}
