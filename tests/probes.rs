//! The roof probes (peak, stream, latency, transfer) on every backend: each
//! produces a verified result, counts its work right, and reports a missing
//! feature as unsupported rather than as a number; a wrong peak kernel fails.

mod common;

use chipbench::case::{Candidate, Case, Dtype};
use chipbench::gpu::best_timer;
use chipbench::report::{Measurement, Status};
use chipbench::runner::{jobs_for, measure, Job};
use chipbench::workloads::{
    self, latency_case, peak_case, stream_case, transfer_case, Direction, Peak, StreamKernel,
    Workload, ITERATIONS_PER_TRIP, LANES_PER_BLOCK,
};

fn small_cases() -> Vec<Case> {
    let mut cases = vec![latency_case()];
    for kernel in [
        StreamKernel::Copy,
        StreamKernel::Scale,
        StreamKernel::Add,
        StreamKernel::Triad,
    ] {
        // Neither a multiple of a workgroup's share (256 invocations × 4 to 16
        // vec4s, in stretches of 8 invocations) nor of the texture variant's
        // row (4096 vec4s), in one row and over three: every vec4 must be
        // written once, the guards must hold and the padded last row must
        // stay unwritten.
        for vec4s in [1001, 2 * 4096 + 1001] {
            cases.push(stream_case(kernel, 4 * vec4s));
        }
    }
    for direction in [Direction::Upload, Direction::Download] {
        cases.push(transfer_case(direction, 1 << 16));
    }
    cases
}

#[test]
fn every_probe_is_verified_on_every_backend() {
    for gpu in common::gpus() {
        for case in small_cases() {
            let workload = workloads::by_family(&case.workload);
            for job in jobs_for(&gpu, workload, &case) {
                let mut timer = best_timer(&gpu).unwrap();
                let unavailable = job.candidate.as_ref().err().map(|u| u.reason.clone());
                let m = measure(&gpu, &job, &common::tiny_plan(), 3, timer.as_mut());
                if let Some(reason) = unavailable {
                    assert_eq!(m.status, Status::Unsupported, "{}", m.case);
                    assert_eq!(m.reason.as_deref(), Some(reason.as_str()));
                    assert_eq!(m.gb_per_s, None, "unsupported is not a number");
                    continue;
                }
                assert_eq!(
                    m.status,
                    Status::Ok,
                    "{} on {}: {:?}",
                    m.case,
                    gpu.summary.backend,
                    m.reason
                );
                assert!(m.verification.as_ref().unwrap().passed);
                assert!(m.timing.as_ref().unwrap().summary.median_s > 0.0);
            }
        }
    }
}

#[test]
fn every_stream_variant_is_a_candidate_or_says_why_not() {
    for gpu in common::gpus() {
        let case = stream_case(StreamKernel::Triad, 4 * 1001);
        let candidates: Vec<String> = jobs_for(&gpu, workloads::by_family(&case.workload), &case)
            .into_iter()
            .map(|job| match job.candidate {
                Ok(c) => format!(
                    "{} {}×{}",
                    c.variant,
                    workloads::constant(&c.constants, "STREAM_WORKGROUP"),
                    workloads::constant(&c.constants, "STREAM_VEC4S_PER_INVOCATION")
                ),
                Err(u) => format!("{}: {}", u.variant, u.reason),
            })
            .collect();
        let mut expected: Vec<String> = [
            "vec4 256×1",
            "vec4 256×4",
            "vec4 256×8",
            "vec4 64×4",
            "texture 256×4",
            "texture 256×8",
            "storage_texture 256×4",
            "storage_texture 256×8",
            "storage_texture 64×4",
        ]
        .map(String::from)
        .to_vec();
        if gpu.has(wgpu::Features::SHADER_INT64) {
            expected.extend(
                ["256×8", "256×16", "64×8"].map(|shape| format!("storage_texture_wide {shape}")),
            );
        } else {
            expected.push(
                "storage_texture_wide: the adapter lacks SHADER_INT64 (no 64-bit integers in shaders)"
                    .into(),
            );
        }
        assert_eq!(candidates, expected, "on {}", gpu.summary.backend);
    }
}

#[test]
fn probes_count_their_work() {
    let work = |case: &Case| workloads::by_family(&case.workload).unwrap().work(case);
    // One FMA (2 FLOP) per lane and iteration, whatever the candidate.
    let peak = peak_case(Dtype::F32, 1 << 14, 64);
    assert_eq!(work(&peak).flop, 2.0 * 16384.0 * 64.0);
    // Lanes come in blocks that fill every candidate's workgroups, iterations
    // in whole trips of the written-out loop: the counts that run.
    let rounded = peak_case(Dtype::F32, 20000, 100);
    assert_eq!(rounded.shape.get("lanes"), Some(2 * LANES_PER_BLOCK));
    assert_eq!(rounded.shape.get("iterations"), Some(112));
    assert_eq!(work(&rounded).flop, 2.0 * 32768.0 * 112.0);
    let n = 4096u64;
    let copy = work(&stream_case(StreamKernel::Copy, n));
    assert_eq!(
        (copy.bytes_read, copy.bytes_written, copy.flop),
        (4 * n, 4 * n, 0.0)
    );
    let triad = work(&stream_case(StreamKernel::Triad, n));
    assert_eq!(
        (triad.bytes_read, triad.bytes_written, triad.flop),
        (8 * n, 4 * n, 2.0 * n as f64)
    );
    let add = work(&stream_case(StreamKernel::Add, n));
    assert_eq!((add.bytes_read, add.flop), (8 * n, n as f64));
    let upload = work(&transfer_case(Direction::Upload, 1 << 20));
    assert_eq!((upload.bytes_read, upload.bytes_written), (0, 1 << 20));
    let download = work(&transfer_case(Direction::Download, 1 << 20));
    assert_eq!((download.bytes_read, download.bytes_written), (1 << 20, 0));
    let latency = work(&latency_case());
    assert_eq!(
        (latency.flop, latency.bytes_read + latency.bytes_written),
        (0.0, 0)
    );
}

#[test]
fn latency_and_transfers_report_no_flop_rate() {
    let gpu = &common::gpus()[0];
    for case in [latency_case(), transfer_case(Direction::Upload, 1 << 16)] {
        let job = jobs_for(gpu, workloads::by_family(&case.workload), &case).remove(0);
        let mut timer = best_timer(gpu).unwrap();
        let m = measure(gpu, &job, &common::tiny_plan(), 3, timer.as_mut());
        assert_eq!(m.status, Status::Ok, "{:?}", m.reason);
        assert_eq!(m.gflop_per_s, None, "{}: nothing to rate in FLOP/s", m.case);
    }
}

/// A peak case short of convergence: in f32, lanes that start far from 0.5
/// are still on their way after 64 steps, so what each holds tells how many
/// steps it ran (see `shaders/peak.wgsl`).
fn peak_counting_steps(dtype: Dtype) -> Case {
    peak_case(dtype, LANES_PER_BLOCK, 64)
}

/// Measures one peak candidate of `case` briefly.
fn measure_peak(gpu: &chipbench::gpu::Gpu, case: &Case, candidate: Candidate) -> Measurement {
    let job = Job {
        workload: Some(&Peak),
        case: case.clone(),
        candidate: Ok(candidate),
    };
    let mut timer = best_timer(gpu).unwrap();
    measure(gpu, &job, &common::tiny_plan(), 3, timer.as_mut())
}

/// Every peak candidate runs every lane exactly the case's iterations, on
/// every backend and dtype present: each lane's value is checked exactly, and
/// in f32 it depends on the number of steps, so the work every candidate
/// does is the `2 · lanes · iterations` FLOPs counted. f16 is unsupported,
/// with the reason, exactly where the adapter lacks SHADER_F16.
#[test]
fn every_peak_candidate_does_the_work_counted_on_every_backend() {
    for gpu in common::gpus() {
        for dtype in [Dtype::F32, Dtype::F16] {
            let case = peak_counting_steps(dtype);
            let on = format!("{} on {}", case.name(), gpu.summary.backend);
            let jobs = jobs_for(&gpu, Some(&Peak), &case);
            if dtype == Dtype::F16 && !gpu.summary.shader_f16 {
                assert_eq!(jobs.len(), 1, "{on}: one unsupported job");
                let m = measure(
                    &gpu,
                    &jobs[0],
                    &common::tiny_plan(),
                    3,
                    best_timer(&gpu).unwrap().as_mut(),
                );
                assert_eq!(m.status, Status::Unsupported, "{on}");
                assert!(m.reason.as_deref().unwrap().contains("SHADER_F16"), "{on}");
                assert_eq!(m.gflop_per_s, None, "{on}: unsupported is not a number");
                continue;
            }
            let candidates = Peak.candidates(&case, &gpu).unwrap();
            assert!(candidates.len() > 1, "{on}: peak is autotuned");
            for candidate in candidates {
                let m = measure_peak(&gpu, &case, candidate);
                let what = format!("{on}: {} {:?}", m.variant, m.constants);
                assert_eq!(m.status, Status::Ok, "{what}: {:?}", m.reason);
                let verification = m.verification.as_ref().unwrap();
                assert!(verification.passed && verification.max_abs_error == Some(0.0));
                assert_eq!(m.flop, 2.0 * LANES_PER_BLOCK as f64 * 64.0, "{what}");
                assert!(m.gflop_per_s.unwrap() > 0.0, "{what}");
            }
        }
    }
}

/// The same candidate's kernel with a trip of steps more or fewer than the
/// case counts, and a kernel that never ran, fail verification.
#[test]
fn a_wrong_peak_result_fails_verification() {
    let case = peak_counting_steps(Dtype::F32);
    for gpu in common::gpus() {
        let first = Peak.candidates(&case, &gpu).unwrap().remove(0);
        let never_ran = Peak.prepare(&gpu, &case, &first, 3).unwrap();
        assert!(!never_ran.verify(&gpu).unwrap().passed);
        for iterations in [64 - ITERATIONS_PER_TRIP, 64 + ITERATIONS_PER_TRIP] {
            let mut wrong = first.clone();
            for (name, value) in &mut wrong.constants {
                if name == "PEAK_ITERATIONS" {
                    *value = iterations as f64;
                }
            }
            assert_ne!(wrong, first, "the candidate names its iterations");
            let m = measure_peak(&gpu, &case, wrong);
            assert_eq!(m.status, Status::Failed, "{iterations} steps passed");
            assert!(m.reason.unwrap().contains("wrong result"));
            assert_eq!(m.gflop_per_s, None);
        }
    }
}
