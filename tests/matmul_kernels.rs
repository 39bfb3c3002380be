//! Every matmul variant on every backend, at ragged shapes, against the CPU reference.

mod common;

use chipbench::gpu::{best_timer, Gpu, GpuError, SampleTime, Timer};
use chipbench::measure::SamplingPlan;
use chipbench::reference::{Method, Verification};
use chipbench::report::Status;
use chipbench::runner::{jobs_for, measure};
use chipbench::workloads::{matmul_case, Candidate, Case, Dtype, Matmul, Prepared, Work, Workload};

/// Shapes that are not tile multiples in any dimension, plus the degenerate 1×1×1.
const RAGGED: [(u64, u64, u64); 5] = [
    (1, 1, 1),
    (3, 5, 7),
    (17, 33, 9),
    (65, 70, 129),
    (130, 67, 31),
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

#[test]
fn every_variant_matches_the_reference_at_ragged_shapes() {
    for gpu in common::gpus() {
        for (m, n, k) in RAGGED {
            let case = matmul_case(Dtype::F32, m, n, k);
            let candidates = Matmul
                .candidates(&case, &gpu)
                .expect("f32 matmul runs everywhere");
            assert!(
                candidates.len() >= 2,
                "register- and workgroup-tiled variants"
            );
            for candidate in &candidates {
                let verdict = run_once(&gpu, &Matmul, &case, candidate);
                assert_eq!(verdict.method, Method::Exact);
                assert!(
                    verdict.passed,
                    "{} {} on {}: {verdict:?}",
                    case.name(),
                    candidate.variant,
                    gpu.summary.backend
                );
            }
        }
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
}

/// A matmul whose kernel never runs: the output stays zero.
struct SkipsTheKernel;

struct NeverDispatched(Box<dyn Prepared>);

impl Prepared for NeverDispatched {
    fn sample(
        &self,
        gpu: &Gpu,
        timer: &mut dyn Timer,
        _repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        timer.time(gpu, &|_pass| {})
    }
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        self.0.verify(gpu)
    }
    fn compile_s(&self) -> f64 {
        self.0.compile_s()
    }
}

impl Workload for SkipsTheKernel {
    fn family(&self) -> &'static str {
        "matmul"
    }
    fn dimensions(&self) -> &'static [&'static str] {
        Matmul.dimensions()
    }
    fn work(&self, case: &Case) -> Work {
        Matmul.work(case)
    }
    fn buffers(&self, case: &Case) -> Vec<(String, u64)> {
        Matmul.buffers(case)
    }
    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        Matmul.candidates(case, gpu)
    }
    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        Ok(Box::new(NeverDispatched(
            Matmul.prepare(gpu, case, candidate, seed)?,
        )))
    }
}

fn tiny_plan() -> SamplingPlan {
    SamplingPlan {
        target_sample_s: 1e-4,
        max_repeats: 4,
        warmup_budget_s: 0.0,
        measure_budget_s: 0.0,
        min_samples: 3,
        max_samples: 3,
    }
}

#[test]
fn a_wrong_result_is_a_failed_case_never_a_throughput() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 9, 13, 11);
    let job = jobs_for(gpu, Some(&SkipsTheKernel), &case).remove(0);
    let mut timer = best_timer(gpu).unwrap();
    let m = measure(gpu, &job, &tiny_plan(), 1, timer.as_mut());
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
        for job in jobs_for(&gpu, Some(&Matmul), &case) {
            let mut timer = best_timer(&gpu).unwrap();
            let m = measure(&gpu, &job, &tiny_plan(), 1, timer.as_mut());
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
    let m = measure(gpu, &job, &tiny_plan(), 1, timer.as_mut());
    assert_eq!(m.status, Status::Failed);
    assert!(
        m.reason.as_deref().unwrap().contains("wgpu"),
        "{:?}",
        m.reason
    );
    // The same device still runs the next case.
    let job = jobs_for(gpu, Some(&Matmul), &case).remove(0);
    assert_eq!(
        measure(gpu, &job, &tiny_plan(), 1, timer.as_mut()).status,
        Status::Ok
    );
}
