//! Runs a suite on one GPU: for each case and kernel variant, prepare, sample,
//! verify, and hand the finished measurement to the caller at once (which
//! journals it), so nothing measured is lost if the run stops.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::gpu::{Gpu, GpuError, Timer};
use crate::measure::{sample, SamplingPlan, Timing, Warning};
use crate::report::{Measurement, Status};
use crate::workloads::{self, Candidate, Case, Workload};

/// One unit of work: a case with the variant to run, or why it cannot run.
pub struct Job {
    /// The workload that computes the case (None when the case names no known workload).
    pub workload: Option<&'static dyn Workload>,
    /// The case.
    pub case: Case,
    /// The variant, or the reason the adapter cannot run the case.
    pub candidate: Result<Candidate, String>,
}

/// Expands `cases` into one job per variant each can run on `gpu`.
pub fn plan_jobs(gpu: &Gpu, cases: &[Case]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for case in cases {
        let workload = workloads::by_family(&case.workload);
        jobs.extend(jobs_for(gpu, workload, case));
    }
    jobs
}

/// The jobs for one case of `workload`: one per variant, or one unsupported job.
pub fn jobs_for(gpu: &Gpu, workload: Option<&'static dyn Workload>, case: &Case) -> Vec<Job> {
    let candidates = match workload {
        Some(workload) => workload.candidates(case, gpu),
        None => Err(format!("unknown workload '{}'", case.workload)),
    };
    let job = |candidate| Job {
        workload,
        case: case.clone(),
        candidate,
    };
    match candidates {
        Ok(list) => list.into_iter().map(|c| job(Ok(c))).collect(),
        Err(reason) => vec![job(Err(reason))],
    }
}

/// Runs `jobs` in order, calling `finished` with each measurement as soon as it
/// is made. Stops early, between jobs, once `stop` is set. Returns whether every
/// job ran.
pub fn run_jobs<E>(
    gpu: &Gpu,
    jobs: &[Job],
    plan: &SamplingPlan,
    seed: u64,
    timer: &mut dyn Timer,
    stop: &AtomicBool,
    finished: &mut dyn FnMut(Measurement) -> Result<(), E>,
) -> Result<bool, E> {
    for job in jobs {
        if stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        finished(measure(gpu, job, plan, seed, timer))?;
    }
    Ok(true)
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
        variant: job
            .candidate
            .as_ref()
            .map(|c| c.variant.clone())
            .unwrap_or_default(),
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
    };
    let (workload, candidate) = match (job.workload, &job.candidate) {
        (Some(workload), Ok(candidate)) => (workload, candidate),
        (_, Err(reason)) => {
            measurement.reason = Some(reason.clone());
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
    workloads::check_fits(gpu, workload, &job.case)?;
    let prepared = workload.prepare(gpu, &job.case, candidate, seed)?;
    measurement.compile_s = Some(prepared.compile_s());
    let sampled = sample(gpu, timer, plan, &|pass, repeats| {
        prepared.record(pass, repeats)
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
    let median_s = timing.summary.median_s;
    // Rates only where there is work to rate: latency moves nothing.
    let bytes = (measurement.bytes_read + measurement.bytes_written) as f64;
    measurement.gflop_per_s = (measurement.flop > 0.0).then(|| measurement.flop / median_s / 1e9);
    measurement.gb_per_s = (bytes > 0.0).then(|| bytes / median_s / 1e9);
    measurement.warnings = Warning::assess(&timing, timer.method())
        .iter()
        .map(ToString::to_string)
        .collect();
    measurement.timing = Some(timing);
    measurement.status = Status::Ok;
    Ok(())
}
