//! The roof probes (peak, stream, latency, transfer) on every backend: each
//! produces a verified result, counts its work right, and reports a missing
//! feature as unsupported rather than as a number.

mod common;

use chipbench::case::{Case, Dtype};
use chipbench::gpu::best_timer;
use chipbench::report::Status;
use chipbench::runner::{jobs_for, measure};
use chipbench::workloads::{
    self, latency_case, peak_case, stream_case, transfer_case, Direction, StreamKernel,
};

fn small_cases() -> Vec<Case> {
    let mut cases = vec![
        peak_case(Dtype::F32, 256, 64),
        peak_case(Dtype::F16, 256, 64),
        latency_case(),
    ];
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
                let f16_without_support = case.dtype == Dtype::F16 && !gpu.summary.shader_f16;
                if f16_without_support {
                    assert_eq!(
                        m.status,
                        Status::Unsupported,
                        "{} on {}",
                        m.case,
                        gpu.summary.backend
                    );
                    assert!(m.reason.as_deref().unwrap().contains("SHADER_F16"));
                    assert_eq!(m.gflop_per_s, None, "unsupported is not a number");
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
                    "{} ×{}",
                    c.variant,
                    workloads::constant(&c.constants, "STREAM_VEC4S_PER_INVOCATION")
                ),
                Err(u) => format!("{}: {}", u.variant, u.reason),
            })
            .collect();
        let mut expected: Vec<String> = ["vec4", "texture", "storage_texture"]
            .into_iter()
            .flat_map(|source| [4, 8].map(|per_invocation| format!("{source} ×{per_invocation}")))
            .collect();
        if gpu.has(wgpu::Features::SHADER_INT64) {
            expected.extend([8, 16].map(|n| format!("storage_texture_wide ×{n}")));
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
    // 2 vec4 FMA chains = 16 FLOP per invocation per iteration.
    assert_eq!(
        work(&peak_case(Dtype::F32, 256, 64)).flop,
        256.0 * 64.0 * 16.0
    );
    // Iterations come in whole loop bodies of 64, the count that runs.
    let rounded = peak_case(Dtype::F32, 256, 100);
    assert_eq!(rounded.shape.get("iterations"), Some(128));
    assert_eq!(work(&rounded).flop, 256.0 * 128.0 * 16.0);
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
