//! Runs a suite on one GPU: for each case, choose the kernel variant (or take
//! them all), prepare, sample, verify, and hand each finished measurement to
//! the caller at once (which journals it), so nothing measured is lost if the
//! run stops.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::case::{Candidate, Case};
use crate::gpu::{Gpu, GpuError, Timer};
use crate::measure::{
    sample, screening_plan, shape_class, trial_plan, AutotuneRecord, SamplingPlan, Timing, Trial,
    TuneCache, Warning, SCREEN_FACTOR,
};
use crate::report::{Measurement, Status};
use crate::workloads::{self, Unavailable, Workload};

/// One unit of work: a case with the variant to run, or why it cannot run.
pub struct Job {
    /// The workload that computes the case (None when the case names no known workload).
    pub workload: Option<&'static dyn Workload>,
    /// The case.
    pub case: Case,
    /// The variant, or why the adapter cannot run it.
    pub candidate: Result<Candidate, Unavailable>,
}

/// The jobs for one case of `workload`: one per variant that can run, one per
/// variant that cannot (hardware the adapter lacks, or buffers beyond its
/// limits: reported as not run, with why), or a single unsupported job when
/// the workload offers no variant at all.
pub fn jobs_for(gpu: &Gpu, workload: Option<&'static dyn Workload>, case: &Case) -> Vec<Job> {
    let job = |candidate| Job {
        workload,
        case: case.clone(),
        candidate,
    };
    let unsupported = |reason| {
        vec![job(Err(Unavailable {
            variant: String::new(),
            reason,
        }))]
    };
    let Some(workload) = workload else {
        return unsupported(format!("unknown workload '{}'", case.workload));
    };
    match workload.candidates(case, gpu) {
        Ok(list) if list.is_empty() => unsupported(format!(
            "no variant of {} can run this case",
            workload.family()
        )),
        Ok(list) => list
            .into_iter()
            .map(
                |candidate| match workloads::check_fits(gpu, workload, case, &candidate) {
                    Ok(()) => job(Ok(candidate)),
                    Err(too_large) => job(Err(Unavailable {
                        variant: candidate.variant,
                        reason: too_large.to_string(),
                    })),
                },
            )
            .chain(
                workload
                    .unavailable(case, gpu)
                    .into_iter()
                    .map(|u| job(Err(u))),
            )
            .collect(),
        Err(reason) => unsupported(reason),
    }
}

/// How a case with several candidate variants is run.
pub enum Tuning<'a> {
    /// Measure every variant in full: one measurement each.
    AllVariants,
    /// Try every variant briefly, measure the fastest verified one in full,
    /// and remember the choice in `cache` (consulted first unless `retune`).
    Autotune {
        /// Choices from earlier runs, updated with this run's.
        cache: &'a mut TuneCache,
        /// Search again even where the cache has a choice.
        retune: bool,
    },
}

/// Runs `cases` in order, calling `finished` with each measurement as soon as
/// it is made. Stops early, between cases, once `stop` is set. Returns whether
/// every case ran.
#[allow(clippy::too_many_arguments)]
pub fn run_cases<E>(
    gpu: &Gpu,
    cases: &[Case],
    plan: &SamplingPlan,
    seed: u64,
    timer: &mut dyn Timer,
    tuning: &mut Tuning<'_>,
    stop: &AtomicBool,
    finished: &mut dyn FnMut(Measurement) -> Result<(), E>,
) -> Result<bool, E> {
    for case in cases {
        if stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        let jobs = jobs_for(gpu, workloads::by_family(&case.workload), case);
        for measurement in run_case(gpu, &jobs, plan, seed, timer, tuning) {
            finished(measurement)?;
        }
    }
    Ok(true)
}

/// Runs the jobs of one case (see [`jobs_for`]) under `tuning`: one
/// measurement per job, or one for the autotuned winner.
pub fn run_case(
    gpu: &Gpu,
    jobs: &[Job],
    plan: &SamplingPlan,
    seed: u64,
    timer: &mut dyn Timer,
    tuning: &mut Tuning<'_>,
) -> Vec<Measurement> {
    match tuning {
        Tuning::Autotune { cache, retune } if jobs.len() > 1 => {
            vec![autotune(gpu, jobs, plan, seed, timer, cache, *retune)]
        }
        _ => jobs
            .iter()
            .map(|job| measure(gpu, job, plan, seed, timer))
            .collect(),
    }
}

/// Picks the fastest verified job (from the cache, or by screening every job
/// and briefly timing those that could win) and measures it in full,
/// recording how it was chosen; variants that cannot run here are recorded as
/// trials not run.
fn autotune(
    gpu: &Gpu,
    jobs: &[Job],
    plan: &SamplingPlan,
    seed: u64,
    timer: &mut dyn Timer,
    cache: &mut TuneCache,
    retune: bool,
) -> Measurement {
    let case = &jobs[0].case;
    let cached = (!retune)
        .then(|| cache.choice(&gpu.summary, case))
        .flatten()
        .and_then(|choice| {
            let job = jobs
                .iter()
                .find(|job| job.candidate.as_ref() == Ok(&choice.candidate))?;
            Some((job, choice))
        });
    if let Some((job, choice)) = cached {
        let mut measurement = measure(gpu, job, plan, seed, timer);
        measurement.autotune = Some(AutotuneRecord {
            shape_class: shape_class(case),
            from_cache: true,
            tuned_on: Some(choice.tuned_on),
            trials: choice.trials,
        });
        return measurement;
    }

    let (runnable, unavailable): (Vec<&Job>, Vec<&Job>) =
        jobs.iter().partition(|job| job.candidate.is_ok());
    let screening = screening_plan(plan);
    let brief = trial_plan(plan);
    let mut trial_of = |job: &Job, plan: &SamplingPlan| trial(measure(gpu, job, plan, seed, timer));
    let screened: Vec<(Trial, &Job)> = runnable
        .into_iter()
        .map(|job| (trial_of(job, &screening), job))
        .collect();
    let fastest = screened
        .iter()
        .filter_map(|(screen, _)| screen.median_s)
        .min_by(f64::total_cmp);
    // Those that could win get a brief trial; the rest keep their screening
    // (a failure stays one: it is never tried again).
    let mut trials: Vec<(Trial, &Job)> = screened
        .into_iter()
        .map(|(screen, job)| match (screen.median_s, fastest) {
            (Some(estimate), Some(fastest)) if estimate <= SCREEN_FACTOR * fastest => {
                (trial_of(job, &brief), job)
            }
            (Some(_), _) => (
                Trial {
                    screened_out: true,
                    ..screen
                },
                job,
            ),
            (None, _) => (screen, job),
        })
        .collect();
    let by_time = |a: &(Trial, &Job), b: &(Trial, &Job)| {
        let key = |t: &Trial| t.median_s.unwrap_or(f64::INFINITY);
        key(&a.0).total_cmp(&key(&b.0))
    };
    trials.sort_by(by_time);
    // A brief trial can land in a moment of interference: the two fastest
    // run again and keep their better time, so one slow moment cannot pick
    // the winner.
    for (trial, job) in trials.iter_mut().filter(|(t, _)| !t.screened_out).take(2) {
        if let (Some(first), Some(again)) = (trial.median_s, trial_of(job, &brief).median_s) {
            trial.median_s = Some(first.min(again));
        }
    }
    trials.sort_by(by_time);
    // The fastest verified candidate; if none verified, the first one is
    // measured in full so its failure is reported like any other; if none
    // can run here, the first that cannot says why.
    let winner = trials.first().map_or(&jobs[0], |(_, job)| *job);
    let mut measurement = measure(gpu, winner, plan, seed, timer);
    trials.extend(unavailable.into_iter().filter_map(|job| {
        let not_run = job.candidate.as_ref().err()?;
        let trial = Trial {
            variant: not_run.variant.clone(),
            constants: Vec::new(),
            median_s: None,
            failure: Some(format!("not run: {}", not_run.reason)),
            screened_out: false,
            unsupported: true,
        };
        Some((trial, job))
    }));
    let trials: Vec<Trial> = trials.into_iter().map(|(trial, _)| trial).collect();
    if measurement.status == Status::Ok {
        if let Ok(candidate) = &winner.candidate {
            cache.remember(&gpu.summary, case, candidate.clone(), trials.clone());
        }
    }
    measurement.autotune = Some(AutotuneRecord {
        shape_class: shape_class(case),
        from_cache: false,
        tuned_on: Some(case.name()),
        trials,
    });
    measurement
}

/// A screening's or brief trial's outcome, as the autotune record keeps it.
fn trial(measurement: Measurement) -> Trial {
    let median_s = measurement.timing.as_ref().map(|t| t.summary.median_s);
    Trial {
        variant: measurement.variant,
        constants: measurement.constants,
        median_s,
        failure: measurement.reason.filter(|_| median_s.is_none()),
        screened_out: false,
        unsupported: false,
    }
}

/// Measures one job. GPU errors and wrong answers become a failed measurement.
pub fn measure(
    gpu: &Gpu,
    job: &Job,
    plan: &SamplingPlan,
    seed: u64,
    timer: &mut dyn Timer,
) -> Measurement {
    let work = job.workload.map(|w| w.work(&job.case));
    let mut measurement = Measurement {
        case: job.case.name(),
        workload: job.case.workload.clone(),
        variant: match &job.candidate {
            Ok(candidate) => candidate.variant.clone(),
            Err(unavailable) => unavailable.variant.clone(),
        },
        constants: job
            .candidate
            .as_ref()
            .map(|c| c.constants.clone())
            .unwrap_or_default(),
        dtype: job.case.dtype,
        shape: job.case.shape.clone(),
        flop: work.map_or(0.0, |w| w.flop),
        bytes_read: work.map_or(0, |w| w.bytes_read),
        bytes_written: work.map_or(0, |w| w.bytes_written),
        status: Status::Unsupported,
        reason: None,
        compile_s: None,
        timing: None,
        gflop_per_s: None,
        gb_per_s: None,
        verification: None,
        warnings: Vec::new(),
        autotune: None,
        stages: Vec::new(),
    };
    let (workload, candidate) = match (job.workload, &job.candidate) {
        (Some(workload), Ok(candidate)) => (workload, candidate),
        (_, Err(unavailable)) => {
            measurement.reason = Some(unavailable.reason.clone());
            return measurement;
        }
        (None, Ok(_)) => unreachable!("jobs_for gives unknown workloads no candidate"),
    };
    measurement.status = Status::Failed;
    if let Err(error) = run_and_verify(
        gpu,
        workload,
        job,
        candidate,
        plan,
        seed,
        timer,
        &mut measurement,
    ) {
        measurement.reason = Some(error.to_string());
    }
    measurement
}

/// Fills `measurement` with timing and verification; Err for GPU errors.
#[allow(clippy::too_many_arguments)]
fn run_and_verify(
    gpu: &Gpu,
    workload: &dyn Workload,
    job: &Job,
    candidate: &Candidate,
    plan: &SamplingPlan,
    seed: u64,
    timer: &mut dyn Timer,
    measurement: &mut Measurement,
) -> Result<(), GpuError> {
    workloads::check_fits(gpu, workload, &job.case, candidate)?;
    let prepared = workload.prepare(gpu, &job.case, candidate, seed)?;
    measurement.compile_s = Some(prepared.compile_s());
    let sampled = sample(timer, plan, &|timer, repeats| {
        prepared.sample(gpu, timer, repeats)
    })?;
    let verification = prepared.verify(gpu)?;
    let passed = verification.passed;
    if !passed {
        measurement.reason = Some(match verification.max_abs_error {
            Some(error) => format!(
                "wrong result: max error {error:.3e} exceeds tolerance {:.3e}",
                verification.tolerance
            ),
            None => "wrong result: output contains NaN or infinity".to_string(),
        });
    }
    measurement.verification = Some(verification);
    if !passed {
        return Ok(());
    }
    let timing = Timing::of(&sampled).expect("the sampler always takes at least one sample");
    (measurement.gflop_per_s, measurement.gb_per_s) = measurement.rates_at(timing.summary.median_s);
    measurement.warnings = Warning::assess(&timing);
    measurement.stages = prepared
        .stage_times(gpu, timing.repeats_per_sample)?
        .unwrap_or_default();
    measurement.timing = Some(timing);
    measurement.status = Status::Ok;
    Ok(())
}
