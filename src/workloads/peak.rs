//! The compute roof: independent multiply-add chains (`shaders/peak.wgsl`),
//! f32 and f16. What the best kernel of any workload should be compared with.
//!
//! A case fixes the total work, `lanes` scalar chains of `iterations` steps
//! each (one FMA, 2 FLOP, per lane and step), so every candidate does the
//! same FLOPs and autotune compares their times. A candidate maps the lanes
//! onto invocations × chains × vector width (scalar, vec2, vec4), with a
//! workgroup size, a loop form (a plain loop or a written-out body) and an
//! `fma()` or a multiply and an add: what reaches the roof differs between
//! GPUs and between the CPUs that software adapters run on, so it is searched
//! on the device rather than fixed.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::{
    constant, require_dtype, with_element_type, Candidate, Case, Dtype, KernelCase, OutputCheck,
    Prepared, Roof, Shape, Work, Workload,
};
use crate::gpu::{
    in_order, read_buffer, storage_buffer_zeroed, uniform_buffer, Gpu, GpuError, Kernel, KernelSpec,
};
use crate::reference::{check_elements, Verification};

const SHADER: &str = include_str!("../../shaders/peak.wgsl");
/// The recurrence x ← x·a + b every chain runs: a power of two keeps the
/// product exact, so fused and unfused steps agree, and the chain converges
/// to b / (1 − a) = 0.5.
const CHAIN_A: f32 = 0.5;
const CHAIN_B: f32 = 0.25;
/// Most chains of one invocation (`MAX_CHAINS` in the shader).
const MAX_CHAINS: u64 = 16;
/// Steps per trip of the written-out loop (`STEPS_PER_TRIP` in the shader);
/// iteration counts are multiples of it.
pub const ITERATIONS_PER_TRIP: u64 = 16;
/// The largest workgroup candidates use.
const MAX_WORKGROUP: u64 = 256;
/// Lane counts are multiples of this, so every candidate's invocations fill
/// whole workgroups: most chains × widest vector × largest workgroup.
pub const LANES_PER_BLOCK: u64 = MAX_CHAINS * 4 * MAX_WORKGROUP;
/// Most workgroups along x before the grid wraps into y.
const MAX_GROUPS_X: u64 = 32768;

/// The peak-FMA probe.
pub struct Peak;

/// A peak case: `lanes` scalar chains (rounded up to a multiple of
/// [`LANES_PER_BLOCK`]) each running `iterations` steps (rounded up to a
/// multiple of [`ITERATIONS_PER_TRIP`]).
pub fn peak_case(dtype: Dtype, lanes: u64, iterations: u64) -> Case {
    Case {
        workload: "peak".into(),
        dtype,
        shape: Shape::new(&[
            ("lanes", lanes.max(1).next_multiple_of(LANES_PER_BLOCK)),
            (
                "iterations",
                iterations.max(1).next_multiple_of(ITERATIONS_PER_TRIP),
            ),
        ]),
    }
}

fn dims(case: &Case) -> (u64, u64) {
    let get = |name| {
        case.shape
            .get(name)
            .unwrap_or_else(|| panic!("peak case lacks {name}"))
    };
    (get("lanes"), get("iterations"))
}

/// A candidate's vector type: the lanes one chain carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Width {
    Scalar,
    Vec2,
    Vec4,
}

impl Width {
    const ALL: [Width; 3] = [Width::Scalar, Width::Vec2, Width::Vec4];

    fn lanes(self) -> u64 {
        match self {
            Width::Scalar => 1,
            Width::Vec2 => 2,
            Width::Vec4 => 4,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Width::Scalar => "scalar",
            Width::Vec2 => "vec2",
            Width::Vec4 => "vec4",
        }
    }

    /// The declarations `peak.wgsl` expects for this width (see its header).
    fn prelude(self) -> &'static str {
        match self {
            Width::Scalar => {
                "alias V = T;\nalias VI = i32;\nalias VF32 = f32;\nconst WIDTH = 1u;\nconst LANES = 0i;\n"
            }
            Width::Vec2 => {
                "alias V = vec2<T>;\nalias VI = vec2<i32>;\nalias VF32 = vec2<f32>;\nconst WIDTH = 2u;\nconst LANES = VI(0, 1);\n"
            }
            Width::Vec4 => {
                "alias V = vec4<T>;\nalias VI = vec4<i32>;\nalias VF32 = vec4<f32>;\nconst WIDTH = 4u;\nconst LANES = VI(0, 1, 2, 3);\n"
            }
        }
    }
}

/// One point of the search: the variant names the width, the rest are
/// override constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Config {
    width: Width,
    chains: u64,
    workgroup: u64,
    /// [`ITERATIONS_PER_TRIP`] steps written out per trip of the loop, or one.
    unrolled: bool,
    fused: bool,
}

/// The search, lean because every candidate is compiled and screened (on a
/// software adapter a compile costs a good part of a second):
/// - the plain configuration that reaches the roof on simple hardware and
///   on Mesa's software adapters: vec4 `fma` chains in a plain loop, 4, 8 or
///   16 chains, workgroups of 64 to 256;
/// - a written-out body, for compilers whose per-trip overhead is costly at
///   few chains (2 and 4 vec4 chains);
/// - scalar and vec2 chains, for GPUs whose compilers schedule scalars best
///   or need more invocations in flight;
/// - a multiply and an add, for compilers whose `fma()` is slow.
const CONFIGS: [Config; 14] = {
    const fn c(width: Width, chains: u64, workgroup: u64, unrolled: bool, fused: bool) -> Config {
        Config {
            width,
            chains,
            workgroup,
            unrolled,
            fused,
        }
    }
    use Width::{Scalar, Vec2, Vec4};
    const LOOP: bool = false;
    const UNROLLED: bool = true;
    const FMA: bool = true;
    const MUL_ADD: bool = false;
    [
        c(Vec4, 4, 64, LOOP, FMA),
        c(Vec4, 4, 256, LOOP, FMA),
        c(Vec4, 8, 64, LOOP, FMA),
        c(Vec4, 8, 128, LOOP, FMA),
        c(Vec4, 8, 256, LOOP, FMA),
        c(Vec4, 16, 64, LOOP, FMA),
        c(Vec4, 16, 256, LOOP, FMA),
        c(Vec4, 2, 64, UNROLLED, FMA),
        c(Vec4, 4, 64, UNROLLED, FMA),
        c(Vec4, 8, 64, LOOP, MUL_ADD),
        c(Vec2, 8, 64, LOOP, FMA),
        c(Vec2, 8, 256, LOOP, FMA),
        c(Scalar, 8, 64, LOOP, FMA),
        c(Scalar, 16, 256, LOOP, FMA),
    ]
};

impl Config {
    fn candidate(self, iterations: u64) -> Candidate {
        let flag = |on| if on { 1.0 } else { 0.0 };
        Candidate {
            variant: self.width.name().into(),
            constants: vec![
                ("PEAK_CHAINS".into(), self.chains as f64),
                ("PEAK_WORKGROUP".into(), self.workgroup as f64),
                ("PEAK_UNROLLED".into(), flag(self.unrolled)),
                ("PEAK_FUSED".into(), flag(self.fused)),
                ("PEAK_ITERATIONS".into(), iterations as f64),
            ],
        }
    }
}

/// The width a candidate's variant names.
fn width_of(candidate: &Candidate) -> Width {
    Width::ALL
        .into_iter()
        .find(|width| width.name() == candidate.variant)
        .unwrap_or_else(|| panic!("unknown peak variant {}", candidate.variant))
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    a: f32,
    b: f32,
    invocations: u32,
    exponent_period: u32,
    min_exponent: i32,
    _pad: [u32; 3],
}

/// Where the lanes start: lane g at 0.5 ± 2^e, e = `MIN_EXPONENT` + g mod
/// the dtype's period, the sign flipping every period. The f32 period keeps
/// 0.5 + 2^e exact in f64 (the reference's arithmetic) and leaves lanes short
/// of convergence after 64 steps; f16 stays within its range.
const MIN_EXPONENT: i32 = -4;

fn exponent_period(dtype: Dtype) -> u32 {
    match dtype {
        Dtype::F32 => 48,
        Dtype::F16 => 16,
    }
}

/// `x` rounded to the nearest value of `dtype` (ties to even).
fn round_to(dtype: Dtype, x: f64) -> f64 {
    match dtype {
        Dtype::F32 => f64::from(x as f32),
        Dtype::F16 => f16::from_f64(x).to_f64(),
    }
}

/// What each lane holds after `iterations` steps, for lanes 0 to 2·period − 1
/// (lane g holds entry g mod 2·period): the shader's recurrence in exact
/// arithmetic rounded to `dtype` after each operation (every step's exact
/// value fits an f64).
fn expected_lanes(dtype: Dtype, iterations: u64) -> Vec<f64> {
    let period = exponent_period(dtype);
    let (a, b) = (f64::from(CHAIN_A), f64::from(CHAIN_B));
    (0..2 * period)
        .map(|g| {
            let distance = 2f64.powi(MIN_EXPONENT + (g % period) as i32);
            let sign = if g >= period { -1.0 } else { 1.0 };
            let mut x = round_to(dtype, 0.5 + sign * distance);
            for _ in 0..iterations {
                let next = round_to(dtype, x * a + b);
                if next == x {
                    break; // converged: every further step leaves it there
                }
                x = next;
            }
            x
        })
        .collect()
}

impl Workload for Peak {
    fn family(&self) -> &'static str {
        "peak"
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["lanes", "iterations"]
    }

    fn roof(&self) -> Option<Roof> {
        Some(Roof::Compute)
    }

    fn bounded_by(&self) -> &'static [Roof] {
        &[]
    }

    fn work(&self, case: &Case) -> Work {
        let (lanes, iterations) = dims(case);
        Work {
            flop: 2.0 * lanes as f64 * iterations as f64,
            bytes_read: 0,
            bytes_written: lanes * 4,
        }
    }

    fn buffers(&self, case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
        vec![("result".into(), dims(case).0 * 4)]
    }

    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        require_dtype(gpu, case.dtype)?;
        let limits = gpu.device.limits();
        let largest = u64::from(
            limits
                .max_compute_invocations_per_workgroup
                .min(limits.max_compute_workgroup_size_x),
        );
        Ok(CONFIGS
            .into_iter()
            .filter(|config| config.workgroup <= largest)
            .map(|config| config.candidate(dims(case).1))
            .collect())
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        _seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        let (lanes, iterations) = dims(case);
        let width = width_of(candidate);
        let chains = u64::from(constant(&candidate.constants, "PEAK_CHAINS"));
        let workgroup = u64::from(constant(&candidate.constants, "PEAK_WORKGROUP"));
        let invocations = lanes / (chains * width.lanes());
        let groups = invocations.div_ceil(workgroup);
        let groups_x = groups.min(MAX_GROUPS_X);
        let buffers = gpu.catching(|| {
            let params = Params {
                a: CHAIN_A,
                b: CHAIN_B,
                invocations: invocations as u32,
                exponent_period: exponent_period(case.dtype),
                min_exponent: MIN_EXPONENT,
                _pad: [0; 3],
            };
            [
                storage_buffer_zeroed(gpu, "result", lanes * 4),
                uniform_buffer(gpu, "params", bytemuck::bytes_of(&params)),
            ]
        })?;
        let source = with_element_type(case.dtype, &format!("{}{SHADER}", width.prelude()));
        let kernel = Kernel::build(
            gpu,
            &KernelSpec {
                label: &format!("peak_{}_{}", case.dtype, candidate.variant),
                source: &source,
                entry_point: "peak",
                constants: &candidate.constants,
                bounds_checked: true,
                bindings: &in_order(&buffers.iter().collect::<Vec<_>>()),
                workgroups: (groups_x as u32, groups.div_ceil(groups_x) as u32, 1),
            },
        )?;
        let [result, _] = buffers;
        Ok(Box::new(KernelCase {
            kernel,
            check: PeakOutput {
                result,
                lanes,
                expected: expected_lanes(case.dtype, iterations),
            },
        }))
    }
}

struct PeakOutput {
    result: wgpu::Buffer,
    lanes: u64,
    /// What lane g must hold is entry g mod its length.
    expected: Vec<f64>,
}

impl OutputCheck for PeakOutput {
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let bytes = read_buffer(gpu, &self.result, self.lanes * 4)?;
        let results: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(check_elements(
            results.iter().map(|&x| f64::from(x)),
            self.expected.iter().copied().cycle(),
            0.0,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's loop and chain bounds must be the shader's, or the FLOP
    /// count and the lane layout are wrong.
    #[test]
    fn constants_match_the_shader() {
        let declares =
            |name, value| super::super::assert_shader_declares(SHADER, "peak.wgsl", name, value);
        declares("STEPS_PER_TRIP", ITERATIONS_PER_TRIP);
        declares("MAX_CHAINS", MAX_CHAINS);
        let steps_per_trip = SHADER.matches("c = step(c, a, b);").count() as u64 - 1;
        assert_eq!(steps_per_trip, ITERATIONS_PER_TRIP, "the loop form has one");
        let chains_stepped = SHADER.matches("chain_step(").count() as u64 - 1;
        assert_eq!(chains_stepped, MAX_CHAINS, "besides its definition");
    }

    /// Every configuration fits the lane block, so each one's invocations
    /// fill whole workgroups, and none is listed twice.
    #[test]
    fn every_config_fills_whole_workgroups_once() {
        for (i, config) in CONFIGS.iter().enumerate() {
            assert!((1..=MAX_CHAINS).contains(&config.chains));
            assert!(config.workgroup <= MAX_WORKGROUP);
            let lanes_per_workgroup = config.chains * config.width.lanes() * config.workgroup;
            assert_eq!(LANES_PER_BLOCK % lanes_per_workgroup, 0, "{config:?}");
            assert!(!CONFIGS[..i].contains(config), "{config:?} twice");
            assert_eq!(width_of(&config.candidate(64)), config.width);
        }
    }

    /// The search holds the plain configuration: vec4 fma chains in a plain
    /// loop, 4, 8 and 16 chains, workgroups of 64 and 256.
    #[test]
    fn the_plain_configuration_is_searched() {
        for chains in [4, 8, 16] {
            for workgroup in [64, 256] {
                let plain = Config {
                    width: Width::Vec4,
                    chains,
                    workgroup,
                    unrolled: false,
                    fused: true,
                };
                assert!(CONFIGS.contains(&plain), "{plain:?}");
            }
        }
    }

    /// Short of convergence, what a lane holds tells how many steps it ran:
    /// a kernel running a trip more or less fails verification.
    #[test]
    fn lanes_short_of_convergence_count_the_steps() {
        let at = |n| expected_lanes(Dtype::F32, n);
        assert_ne!(at(64), at(64 - ITERATIONS_PER_TRIP));
        assert_ne!(at(64), at(64 + ITERATIONS_PER_TRIP));
        // A lane whose start is 2^43 away is 2^-21 away after 64 steps.
        let period = exponent_period(Dtype::F32) as usize;
        assert_eq!(at(64)[period - 1], 0.5 + 2f64.powi(-21));
        // All converge to 0.5 at a suite's iteration count, in both dtypes.
        for dtype in [Dtype::F32, Dtype::F16] {
            assert!(expected_lanes(dtype, 4096).iter().all(|&x| x == 0.5));
            let starts = expected_lanes(dtype, 0);
            assert!(starts.iter().all(|&x| x != 0.5 && x.is_finite()));
        }
    }
}
