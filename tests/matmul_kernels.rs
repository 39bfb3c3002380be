//! Every matmul variant on every backend, at ragged shapes, against the CPU reference.

mod common;

use chipbench::case::{Candidate, Case, Dtype};
use chipbench::gpu::{best_timer, Gpu};
use chipbench::reference::{Method, Verification};
use chipbench::report::Status;
use chipbench::runner::{jobs_for, measure};
use chipbench::workloads::{constant, matmul_case, Matmul, Workload};

/// Shapes that are not tile multiples in any dimension, plus the degenerate
/// 1×1×1. The last is wide and tall enough that every kernel runs several
/// workgroups along both axes, with a ragged one at each far edge (the
/// widest register-tiled workgroup covers 512 columns, the tallest 64 rows).
const RAGGED: [(u64, u64, u64); 6] = [
    (1, 1, 1),
    (3, 5, 7),
    (17, 33, 9),
    (65, 70, 129),
    (130, 67, 31),
    (150, 1030, 13),
];

/// Runs one dispatch of `candidate` and checks the output.
fn run_once(
    gpu: &Gpu,
    workload: &dyn Workload,
    case: &Case,
    candidate: &Candidate,
) -> Verification {
    let prepared = workload.prepare(gpu, case, candidate, 42).expect("prepare");
    let mut timer = best_timer(gpu).expect("timer");
    prepared.sample(gpu, timer.as_mut(), 1).expect("dispatch");
    prepared.verify(gpu).expect("read back")
}

/// Runs every candidate of `dtype` at every ragged shape and asserts each
/// output matches the reference exactly element by element.
fn check_every_candidate(gpu: &Gpu, dtype: Dtype) {
    for (m, n, k) in RAGGED {
        let case = matmul_case(dtype, m, n, k);
        let candidates = Matmul.candidates(&case, gpu).expect("supported dtype");
        assert!(candidates.len() >= 2, "{}: {candidates:?}", case.name());
        for candidate in &candidates {
            let verdict = run_once(gpu, &Matmul, &case, candidate);
            assert_eq!(verdict.method, Method::Exact);
            assert!(
                verdict.passed,
                "{} {} {:?} on {}: {verdict:?}",
                case.name(),
                candidate.variant,
                candidate.constants,
                gpu.summary.backend
            );
        }
    }
}

#[test]
fn every_variant_matches_the_reference_at_ragged_shapes() {
    for gpu in common::gpus() {
        check_every_candidate(&gpu, Dtype::F32);
    }
}

#[test]
fn every_f16_variant_matches_the_reference_where_the_adapter_has_f16() {
    for gpu in common::gpus() {
        let case = matmul_case(Dtype::F16, 8, 8, 8);
        if gpu.has(wgpu::Features::SHADER_F16) {
            check_every_candidate(&gpu, Dtype::F16);
        } else {
            let reason = Matmul.candidates(&case, &gpu).unwrap_err();
            assert!(reason.contains("SHADER_F16"), "{reason}");
        }
    }
}

#[test]
fn f16_variants_accumulate_in_f16_and_in_f32() {
    for gpu in common::gpus() {
        let case = matmul_case(Dtype::F16, 8, 8, 8);
        let Ok(candidates) = Matmul.candidates(&case, &gpu) else {
            continue;
        };
        let names: Vec<&str> = candidates.iter().map(|c| c.variant.as_str()).collect();
        assert!(names.contains(&"register_tiled_acc_f16"), "{names:?}");
        assert!(names.contains(&"register_tiled_acc_f32"), "{names:?}");
    }
}

#[test]
fn subgroup_variants_are_offered_only_with_subgroups_of_at_least_8_lanes() {
    for gpu in common::gpus() {
        let case = matmul_case(Dtype::F32, 64, 64, 64);
        let candidates = Matmul.candidates(&case, &gpu).unwrap();
        let subgroup: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.variant.contains("subgroup"))
            .collect();
        let (min, max) = gpu.summary.subgroup_size_range;
        // The subgroup kernels' workgroups have 64 invocations.
        let usable = gpu.has(wgpu::Features::SUBGROUP) && min >= 8 && max <= 64;
        assert_eq!(
            !subgroup.is_empty(),
            usable,
            "{} {:?}",
            gpu.summary.backend,
            (min, max)
        );
        if !usable {
            let why = Matmul.unavailable(&case, &gpu);
            assert!(
                why.iter()
                    .any(|u| u.variant == "texture_subgroup" && u.reason.contains("subgroup")),
                "{why:?}"
            );
        }
        for c in subgroup {
            let workgroup = constant(&c.constants, "WORKGROUP_SIZE");
            assert_eq!(workgroup % max, 0, "whole subgroups: {c:?}");
        }
        // lavapipe has them (8 lanes): the subgroup kernels must run there.
        if gpu.summary.backend == "vulkan" && gpu.summary.name.contains("llvmpipe") {
            assert!(usable, "lavapipe reports SUBGROUP with 8 lanes");
        }
    }
}

#[test]
fn workgroup_tiled_offers_each_tile_shape_that_fits_workgroup_memory() {
    for gpu in common::gpus() {
        let case = matmul_case(Dtype::F32, 64, 64, 64);
        let shapes: Vec<Vec<(String, f64)>> = Matmul
            .candidates(&case, &gpu)
            .unwrap()
            .into_iter()
            .filter(|c| c.variant == "workgroup_tiled")
            .map(|c| c.constants)
            .collect();
        // 64×64 and 128×128 outputs: 8.25 and 8.125 KiB fit every adapter
        // (WebGPU guarantees 16 KiB); 128×128 with 16 values of k needs
        // 16.25 KiB.
        let limit = gpu.device.limits().max_compute_workgroup_storage_size;
        let expected = if limit >= 16640 { 3 } else { 2 };
        assert_eq!(shapes.len(), expected, "{shapes:?} with {limit} bytes");
        for rows in [4.0, 8.0] {
            assert!(
                shapes.iter().any(|s| s.contains(&("WT_ROWS".into(), rows))),
                "{shapes:?}"
            );
        }
    }
}

#[test]
fn texture_variants_are_left_out_where_a_matrix_exceeds_the_texture_limit() {
    for gpu in common::gpus() {
        let rows = u64::from(gpu.device.limits().max_texture_dimension_2d) + 1;
        let names = |case| -> Vec<String> {
            Matmul
                .candidates(&case, &gpu)
                .unwrap()
                .into_iter()
                .map(|c| c.variant)
                .collect()
        };
        let tall = names(matmul_case(Dtype::F32, rows, 4, 4));
        assert!(!tall.iter().any(|v| v.contains("texture")), "{tall:?}");
        assert!(tall.iter().any(|v| v == "register_tiled"), "{tall:?}");
        let square = names(matmul_case(Dtype::F32, 64, 64, 64));
        assert!(square.iter().any(|v| v == "texture_tiled"), "{square:?}");
    }
}

#[test]
fn flop_and_byte_accounting_follow_the_logical_shape() {
    let work = Matmul.work(&matmul_case(Dtype::F32, 3, 5, 7));
    assert_eq!(work.flop, 2.0 * 3.0 * 5.0 * 7.0);
    assert_eq!(
        work.bytes_read,
        (3 * 7 + 7 * 5) * 4,
        "A and B once, no padding"
    );
    assert_eq!(work.bytes_written, 3 * 5 * 4);
    let work = Matmul.work(&matmul_case(Dtype::F16, 3, 5, 7));
    assert_eq!(work.flop, 2.0 * 3.0 * 5.0 * 7.0);
    assert_eq!(work.bytes_read, (3 * 7 + 7 * 5) * 2, "f16 inputs");
}

/// A matmul whose kernel never runs: the output stays zero.
const SKIPS_THE_KERNEL: common::TweakedMatmul = common::TweakedMatmul {
    never_dispatch: true,
    ..common::PLAIN
};

#[test]
fn a_wrong_result_is_a_failed_case_never_a_throughput() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 9, 13, 11);
    let job = jobs_for(gpu, Some(&SKIPS_THE_KERNEL), &case).remove(0);
    let mut timer = best_timer(gpu).unwrap();
    let m = measure(gpu, &job, &common::tiny_plan(), 1, timer.as_mut());
    assert_eq!(m.status, Status::Failed);
    assert!(
        m.reason.as_deref().unwrap().contains("wrong result"),
        "{:?}",
        m.reason
    );
    assert_eq!(m.gflop_per_s, None);
    assert_eq!(m.timing, None);
    assert!(!m.verification.unwrap().passed);
}

#[test]
fn a_measurement_has_consistent_timing_and_throughput() {
    for gpu in common::gpus() {
        let case = matmul_case(Dtype::F32, 40, 24, 56);
        let runnable = jobs_for(&gpu, Some(&Matmul), &case)
            .into_iter()
            .filter(|job| job.candidate.is_ok());
        for job in runnable {
            let mut timer = best_timer(&gpu).unwrap();
            let m = measure(&gpu, &job, &common::tiny_plan(), 1, timer.as_mut());
            assert_eq!(m.status, Status::Ok, "{:?}", m.reason);
            let timing = m.timing.expect("ok cases carry timing");
            assert_eq!(timing.samples, 3, "min_samples = max_samples = 3");
            let s = timing.summary;
            assert!(s.min_s > 0.0 && s.min_s <= s.median_s && s.median_s <= s.max_s);
            let gflop = m.gflop_per_s.unwrap();
            assert!(
                (gflop - 2.0 * 40.0 * 24.0 * 56.0 / s.median_s / 1e9).abs() < 1e-9 * gflop.max(1.0)
            );
            assert!(m.verification.unwrap().passed);
        }
    }
}

#[test]
fn a_device_error_becomes_a_failed_case_and_the_run_goes_on() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 8, 8, 8);
    let mut job = jobs_for(gpu, Some(&Matmul), &case).remove(0);
    // An override constant the shader does not declare is a pipeline validation error.
    let mut candidate = job.candidate.clone().unwrap();
    candidate.constants.push(("NO_SUCH_CONSTANT".into(), 1.0));
    job.candidate = Ok(candidate);
    let mut timer = best_timer(gpu).unwrap();
    let m = measure(gpu, &job, &common::tiny_plan(), 1, timer.as_mut());
    assert_eq!(m.status, Status::Failed);
    assert!(
        m.reason.as_deref().unwrap().contains("wgpu"),
        "{:?}",
        m.reason
    );
    // The same device still runs the next case.
    let job = jobs_for(gpu, Some(&Matmul), &case).remove(0);
    assert_eq!(
        measure(gpu, &job, &common::tiny_plan(), 1, timer.as_mut()).status,
        Status::Ok
    );
}
