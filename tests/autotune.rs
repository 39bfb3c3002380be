//! Autotune picks the fastest *verified* candidate: a fast wrong kernel never wins.

mod common;

use chipbench::gpu::{best_timer, Gpu, GpuError};
use chipbench::measure::TuneCache;
use chipbench::report::Status;
use chipbench::runner::{jobs_for, run_case, Tuning};
use chipbench::workloads::{
    matmul_case, Candidate, Case, Dtype, Matmul, Prepared, Unavailable, Work, Workload,
};

/// Matmul plus a `never_runs` candidate that dispatches nothing: the fastest
/// candidate there is, and wrong.
struct WithABrokenCandidate;

impl Workload for WithABrokenCandidate {
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
        let mut candidates = Matmul.candidates(case, gpu)?;
        let mut broken = candidates[0].clone();
        broken.variant = "never_runs".into();
        candidates.insert(0, broken);
        Ok(candidates)
    }
    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        if candidate.variant == "never_runs" {
            let mut real = candidate.clone();
            real.variant = Matmul.candidates(case, gpu).unwrap()[0].variant.clone();
            return Ok(Box::new(common::NeverDispatched(
                Matmul.prepare(gpu, case, &real, seed)?,
            )));
        }
        Matmul.prepare(gpu, case, candidate, seed)
    }
}

#[test]
fn a_fast_wrong_candidate_never_wins() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 20, 12, 36);
    let plan = common::tiny_plan();
    let mut cache = TuneCache::default();
    let mut timer = best_timer(gpu).unwrap();
    let jobs = jobs_for(gpu, Some(&WithABrokenCandidate), &case);
    assert_eq!(jobs[0].candidate.as_ref().unwrap().variant, "never_runs");
    let mut tuning = Tuning::Autotune {
        cache: &mut cache,
        retune: false,
    };
    let measurements = run_case(gpu, &jobs, &plan, 1, timer.as_mut(), &mut tuning);
    assert_eq!(measurements.len(), 1, "only the winner is measured in full");
    let m = &measurements[0];
    assert_eq!(m.status, Status::Ok);
    assert_ne!(m.variant, "never_runs");
    let trials = &m.autotune.as_ref().unwrap().trials;
    let broken = trials.iter().find(|t| t.variant == "never_runs").unwrap();
    assert!(
        broken.median_s.is_none() && broken.failure.as_deref().unwrap().contains("wrong result")
    );
    assert_eq!(
        cache.choice(&gpu.summary, &case).unwrap().variant,
        m.variant,
        "the winner is cached"
    );
}

/// Matmul plus a variant this adapter cannot run.
struct WithAnUnavailableVariant;

impl Workload for WithAnUnavailableVariant {
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
    fn unavailable(&self, _case: &Case, _gpu: &Gpu) -> Vec<Unavailable> {
        vec![Unavailable {
            variant: "future_hardware".into(),
            reason: "the adapter lacks it".into(),
        }]
    }
    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        Matmul.prepare(gpu, case, candidate, seed)
    }
}

#[test]
fn a_variant_that_cannot_run_is_reported_as_not_run() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 8, 8, 8);
    let jobs = jobs_for(gpu, Some(&WithAnUnavailableVariant), &case);
    let mut timer = best_timer(gpu).unwrap();

    let mut cache = TuneCache::default();
    let mut tuning = Tuning::Autotune {
        cache: &mut cache,
        retune: false,
    };
    let tuned = run_case(
        gpu,
        &jobs,
        &common::tiny_plan(),
        1,
        timer.as_mut(),
        &mut tuning,
    );
    assert_eq!(tuned.len(), 1);
    assert_eq!(tuned[0].status, Status::Ok);
    let trials = &tuned[0].autotune.as_ref().unwrap().trials;
    let not_run = trials
        .iter()
        .find(|t| t.variant == "future_hardware")
        .expect("listed");
    assert_eq!(not_run.median_s, None);
    assert_eq!(
        not_run.failure.as_deref(),
        Some("not run: the adapter lacks it")
    );

    let every = run_case(
        gpu,
        &jobs,
        &common::tiny_plan(),
        1,
        timer.as_mut(),
        &mut Tuning::AllVariants,
    );
    let row = every
        .iter()
        .find(|m| m.variant == "future_hardware")
        .expect("a row of its own");
    assert_eq!(row.status, Status::Unsupported);
    assert_eq!(row.gflop_per_s, None);
    assert!(every.iter().filter(|m| m.status == Status::Ok).count() >= 2);
}
