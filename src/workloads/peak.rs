//! The compute roof: independent FMA chains (`shaders/peak.wgsl`), f32 and f16.
//! What the best kernel of any workload should be compared with.

use bytemuck::{Pod, Zeroable};

use super::{
    require_dtype, with_element_type, Candidate, Case, Dtype, KernelCase, OutputCheck, Prepared,
    Roof, Shape, Work, Workload,
};
use crate::gpu::{
    in_order, read_buffer, storage_buffer_zeroed, uniform_buffer, Gpu, GpuError, Kernel, KernelSpec,
};
use crate::reference::{check_elements, Verification};

const SHADER: &str = include_str!("../../shaders/peak.wgsl");
const WORKGROUP: u32 = 64;
/// FLOP per invocation per iteration: 2 vec4 chains of one FMA each.
const FLOP_PER_ITERATION: f64 = 2.0 * 4.0 * 2.0;
/// Every chain converges to b / (1 − a) = 0.5; each invocation stores 8 of them summed.
const CHAIN_A: f32 = 0.5;
const CHAIN_B: f32 = 0.25;
const EXPECTED_RESULT: f64 = 4.0;
/// Iterations the shader's loop body runs written out (`STEPS_PER_LOOP`);
/// iteration counts are multiples of it, and at least one body converges
/// every chain in f32 and f16.
pub const ITERATIONS_PER_LOOP: u64 = 64;

/// The peak-FMA probe.
pub struct Peak;

/// A peak case: `invocations` (a multiple of 64) each running `iterations`
/// steps, rounded up to a whole number of `ITERATIONS_PER_LOOP`.
pub fn peak_case(dtype: Dtype, invocations: u64, iterations: u64) -> Case {
    let iterations = iterations.max(1).next_multiple_of(ITERATIONS_PER_LOOP);
    Case {
        workload: "peak".into(),
        dtype,
        shape: Shape::new(&[("invocations", invocations), ("iterations", iterations)]),
    }
}

fn dims(case: &Case) -> (u64, u64) {
    let get = |name| {
        case.shape
            .get(name)
            .unwrap_or_else(|| panic!("peak case lacks {name}"))
    };
    (get("invocations"), get("iterations"))
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    a: f32,
    b: f32,
    _pad: [f32; 2],
}

impl Workload for Peak {
    fn family(&self) -> &'static str {
        "peak"
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["invocations", "iterations"]
    }

    fn roof(&self) -> Option<Roof> {
        Some(Roof::Compute)
    }

    fn bounded_by(&self) -> &'static [Roof] {
        &[]
    }

    fn work(&self, case: &Case) -> Work {
        let (invocations, iterations) = dims(case);
        Work {
            flop: invocations as f64 * iterations as f64 * FLOP_PER_ITERATION,
            bytes_read: 0,
            bytes_written: invocations * 4,
        }
    }

    fn buffers(&self, case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
        vec![("result".into(), dims(case).0 * 4)]
    }

    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        require_dtype(gpu, case.dtype)?;
        Ok(vec![Candidate {
            variant: "fma_chains".into(),
            constants: vec![
                ("PEAK_ITERATIONS".into(), dims(case).1 as f64),
                ("PEAK_WORKGROUP".into(), f64::from(WORKGROUP)),
            ],
        }])
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        _seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        let invocations = dims(case).0.next_multiple_of(u64::from(WORKGROUP));
        let buffers = gpu.catching(|| {
            let params = Params {
                a: CHAIN_A,
                b: CHAIN_B,
                _pad: [0.0; 2],
            };
            [
                storage_buffer_zeroed(gpu, "result", invocations * 4),
                uniform_buffer(gpu, "params", bytemuck::bytes_of(&params)),
            ]
        })?;
        let kernel = Kernel::build(
            gpu,
            &KernelSpec {
                label: &format!("peak_{}", case.dtype),
                source: &with_element_type(case.dtype, SHADER),
                entry_point: "peak",
                constants: &candidate.constants,
                bounds_checked: true,
                bindings: &in_order(&buffers.iter().collect::<Vec<_>>()),
                workgroups: ((invocations / u64::from(WORKGROUP)) as u32, 1, 1),
            },
        )?;
        let [result, _] = buffers;
        Ok(Box::new(KernelCase {
            kernel,
            check: PeakOutput {
                result,
                invocations,
            },
        }))
    }
}

struct PeakOutput {
    result: wgpu::Buffer,
    invocations: u64,
}

impl OutputCheck for PeakOutput {
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let bytes = read_buffer(gpu, &self.result, self.invocations * 4)?;
        let results: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(check_elements(
            results.iter().map(|&x| f64::from(x)),
            std::iter::repeat(EXPECTED_RESULT),
            0.0,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The FLOP count assumes the shader's loop body runs exactly
    /// `ITERATIONS_PER_LOOP` iterations; the converged result cannot tell.
    #[test]
    fn loop_body_length_matches_the_shader() {
        super::super::assert_shader_declares(
            SHADER,
            "peak.wgsl",
            "STEPS_PER_LOOP",
            ITERATIONS_PER_LOOP,
        );
        let eight_step_calls = SHADER.matches("c = eight_steps(c, a, b);").count() as u64;
        assert_eq!(eight_step_calls * 8, ITERATIONS_PER_LOOP);
    }
}
