//! Autotune picks the fastest *verified* candidate: a fast wrong kernel never wins.

mod common;

use chipbench::case::{Case, Dtype};
use chipbench::gpu::{best_timer, Gpu};
use chipbench::measure::{TuneCache, SCREEN_FACTOR};
use chipbench::report::{Measurement, Status};
use chipbench::runner::{jobs_for, run_case, Job, Tuning};
use chipbench::workloads::{matmul_case, Workload};

/// Autotunes `case` of `workload` from an empty cache: the jobs, the one
/// measurement, and the cache it left.
fn autotune(
    gpu: &Gpu,
    workload: &'static dyn Workload,
    case: &Case,
) -> (Vec<Job>, Measurement, TuneCache) {
    let jobs = jobs_for(gpu, Some(workload), case);
    let mut timer = best_timer(gpu).unwrap();
    let mut cache = TuneCache::default();
    let mut tuning = Tuning::Autotune {
        cache: &mut cache,
        retune: false,
    };
    let mut measurements = run_case(
        gpu,
        &jobs,
        &common::tiny_plan(),
        1,
        timer.as_mut(),
        &mut tuning,
    );
    assert_eq!(measurements.len(), 1, "only the winner is measured in full");
    (jobs, measurements.remove(0), cache)
}

/// The fastest candidate there is, and wrong.
const WITH_A_BROKEN_CANDIDATE: common::TweakedMatmul = common::TweakedMatmul {
    broken_first: true,
    ..common::PLAIN
};

#[test]
fn a_fast_wrong_candidate_never_wins() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 20, 12, 36);
    let (jobs, m, cache) = autotune(gpu, &WITH_A_BROKEN_CANDIDATE, &case);
    assert_eq!(jobs[0].candidate.as_ref().unwrap().variant, "never_runs");
    assert_eq!(m.status, Status::Ok);
    assert_ne!(m.variant, "never_runs");
    let trials = &m.autotune.as_ref().unwrap().trials;
    let broken = trials.iter().find(|t| t.variant == "never_runs").unwrap();
    assert!(
        broken.median_s.is_none() && broken.failure.as_deref().unwrap().contains("wrong result")
    );
    assert_eq!(
        cache.choice(&gpu.summary, &case).unwrap().candidate.variant,
        m.variant,
        "the winner is cached"
    );
}

/// A correct candidate far slower than the rest.
const WITH_A_SLOW_CANDIDATE: common::TweakedMatmul = common::TweakedMatmul {
    slow_first: true,
    ..common::PLAIN
};

#[test]
fn a_candidate_that_cannot_win_is_screened_out_and_still_recorded() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 64, 64, 64);
    let (jobs, m, _) = autotune(gpu, &WITH_A_SLOW_CANDIDATE, &case);
    assert_eq!(jobs[0].candidate.as_ref().unwrap().variant, "slowed");
    assert_eq!(m.status, Status::Ok);
    assert_ne!(m.variant, "slowed");
    let trials = &m.autotune.as_ref().unwrap().trials;
    let slowed = trials.iter().find(|t| t.variant == "slowed").unwrap();
    assert!(slowed.screened_out, "{trials:?}");
    assert!(
        slowed.failure.is_none(),
        "screened out, not failed: {slowed:?}"
    );
    let fastest = trials[0].median_s.unwrap();
    assert!(
        slowed.median_s.unwrap() > SCREEN_FACTOR * fastest,
        "its screening time is kept: {trials:?}"
    );
    assert!(!trials[0].screened_out, "the winner had a full brief trial");
    assert_eq!(trials.len(), jobs.len(), "every candidate recorded");
}

/// A variant this adapter cannot run.
const WITH_AN_UNAVAILABLE_VARIANT: common::TweakedMatmul = common::TweakedMatmul {
    unavailable: &[("future_hardware", "the adapter lacks it")],
    ..common::PLAIN
};

#[test]
fn a_variant_that_cannot_run_is_reported_as_not_run() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 8, 8, 8);
    let (jobs, tuned, _) = autotune(gpu, &WITH_AN_UNAVAILABLE_VARIANT, &case);
    assert_eq!(tuned.status, Status::Ok);
    let trials = &tuned.autotune.as_ref().unwrap().trials;
    let not_run = trials
        .iter()
        .find(|t| t.variant == "future_hardware")
        .expect("listed");
    assert_eq!(not_run.median_s, None);
    assert_eq!(
        not_run.failure.as_deref(),
        Some("not run: the adapter lacks it")
    );
    assert!(not_run.unsupported, "a state, not a failure: {not_run:?}");
    assert!(
        trials
            .iter()
            .filter(|t| t.variant != "future_hardware")
            .all(|t| !t.unsupported),
        "{trials:?}"
    );

    let mut timer = best_timer(gpu).unwrap();
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

/// A first candidate whose scratch space no device can bind.
const WITH_AN_OVERSIZED_VARIANT: common::TweakedMatmul = common::TweakedMatmul {
    oversized_first: true,
    ..common::PLAIN
};

#[test]
fn a_variant_that_does_not_fit_is_unavailable_and_the_others_run() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 8, 8, 8);
    let (jobs, tuned, _) = autotune(gpu, &WITH_AN_OVERSIZED_VARIANT, &case);
    let oversized = jobs
        .iter()
        .find_map(|job| job.candidate.as_ref().err())
        .expect("the oversized variant is a job that cannot run");
    assert_eq!(oversized.variant, "oversized");
    assert!(
        oversized.reason.contains("scratch") && oversized.reason.contains("allows at most"),
        "the reason names the buffer and the limit: {}",
        oversized.reason
    );
    assert_eq!(tuned.status, Status::Ok, "the other variants still ran");
    assert_ne!(tuned.variant, "oversized");
    let trials = &tuned.autotune.as_ref().unwrap().trials;
    let not_run = trials.iter().find(|t| t.variant == "oversized").unwrap();
    assert!(not_run.unsupported && not_run.median_s.is_none());
}

/// A workload that offers no variant at all.
const WITH_NO_CANDIDATES: common::TweakedMatmul = common::TweakedMatmul {
    no_candidates: true,
    ..common::PLAIN
};

#[test]
fn a_workload_with_no_variant_is_unsupported_not_a_panic() {
    let gpu = &common::gpus()[0];
    let case = matmul_case(Dtype::F32, 8, 8, 8);
    let jobs = jobs_for(gpu, Some(&WITH_NO_CANDIDATES), &case);
    let mut timer = best_timer(gpu).unwrap();
    for tuning in [
        &mut Tuning::AllVariants,
        &mut Tuning::Autotune {
            cache: &mut TuneCache::default(),
            retune: false,
        },
    ] {
        let measured = run_case(gpu, &jobs, &common::tiny_plan(), 1, timer.as_mut(), tuning);
        assert_eq!(measured.len(), 1);
        assert_eq!(measured[0].status, Status::Unsupported);
        assert!(
            measured[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("no variant"),
            "{:?}",
            measured[0].reason
        );
    }
}
