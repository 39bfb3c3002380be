//! `chipbench run`: pick an adapter, run a suite, journal each measurement,
//! write the report atomically, print it for the terminal.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use super::compare::Previous;
use super::history::RunHistory;
use super::report::{html_beside, print_written};
use super::Outcome;
use crate::analysis;
use crate::baseline;
use crate::cli::{RunArgs, TimerChoice};
use crate::export::{Exporter, ReportRows, Terminal};
use crate::gpu::{best_timer, Gpu, Timer, WallClockTimer};
use crate::measure::TuneCache;
use crate::paired;
use crate::report::{self, Journal, Report, Status, SuiteInfo, TimingInfo};
use crate::runner::{jobs_for, run_cases, Tuning};
use crate::suite::{Suite, SUITE_NAMES};
use crate::workloads::{self, matmul_case};

/// Environment variable that turns Mesa's on-disk shader cache off, so the
/// compile times a report records are cold ones.
const MESA_CACHE_ENV: &str = "MESA_SHADER_CACHE_DISABLE";

/// Runs `args`' suite and writes its report.
pub fn run(args: &RunArgs) -> Result<Outcome> {
    let shapes = args
        .shape
        .iter()
        .map(|s| parse_shape(s))
        .collect::<Result<Vec<_>>>()?;
    let mut external = Vec::new();
    for path in &args.external {
        external.extend(baseline::load_external(path)?);
    }
    let previous = args.compare.as_deref().map(Previous::load).transpose()?;
    let history = args
        .history
        .then(|| RunHistory::open(args.db.as_deref()))
        .transpose()?;
    if std::env::var_os(MESA_CACHE_ENV).is_none() {
        // Before any driver loads; nothing else runs yet.
        std::env::set_var(MESA_CACHE_ENV, "true");
    }
    let gpu = Gpu::select(args.adapter.as_deref(), args.backend.as_deref())?;

    let suite = choose_suite(args, &shapes, &gpu)?;
    if let Some(previous) = &previous {
        previous.check_overlap(&suite)?;
    }

    let mut timer: Box<dyn Timer> = match args.timer {
        TimerChoice::Auto => best_timer(&gpu)?,
        TimerChoice::Wall => Box::new(WallClockTimer),
    };
    let mut report = report_header(args, &gpu, &suite, timer.as_ref());
    let (report_path, mut journal) = open_journal(&args.out, &report)?;
    let html = html_beside(&report_path, args.html)?;
    let stop = stop_on_ctrl_c()?;

    let cache_path = args.tune_cache.clone().or_else(TuneCache::default_path);
    let mut cache = cache_path
        .as_deref()
        .map(TuneCache::load)
        .unwrap_or_default();
    let mut tuning = if args.all_variants {
        Tuning::AllVariants
    } else {
        Tuning::Autotune {
            cache: &mut cache,
            retune: args.retune,
        }
    };
    // One measurement per case when autotuning, one per variant otherwise.
    let expected_measurements: usize = match tuning {
        Tuning::AllVariants => suite
            .cases
            .iter()
            .map(|case| jobs_for(&gpu, workloads::by_family(&case.workload), case).len())
            .sum(),
        Tuning::Autotune { .. } => suite.cases.len(),
    };
    let progress = ProgressBar::new(expected_measurements as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}")
            .expect("a valid template"),
    );
    let completed = run_cases(
        &gpu,
        &suite.cases,
        &suite.plan,
        args.seed,
        timer.as_mut(),
        &mut tuning,
        &stop,
        &mut |measurement| -> Result<()> {
            journal.append(&measurement)?;
            progress.set_message(format!("{} {}", measurement.case, measurement.variant));
            progress.inc(1);
            report.measurements.push(measurement);
            Ok(())
        },
    )?;
    progress.finish_and_clear();
    if let (Tuning::Autotune { .. }, Some(path)) = (&tuning, &cache_path) {
        if let Err(error) = cache.save(path) {
            eprintln!(
                "warning: could not save the tuning cache {}: {error}",
                path.display()
            );
        }
    }
    report.baselines = external;
    let mut not_remeasured = Vec::new();
    if completed {
        let host = analysis::host_requests(&report)
            .iter()
            .map(|request| baseline::measure_host(request, args.seed))
            .collect::<Vec<_>>();
        report.baselines.splice(0..0, host);
        (report.paired, not_remeasured) =
            paired::measure_pairs(&gpu, &report, timer.as_mut(), args.seed);
    }
    report.summary = Some(analysis::summarize(&report, not_remeasured));

    report.partial = !completed;
    report.finished_utc =
        Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    journal.finish(&report_path, &report)?;
    let rows = ReportRows::of(&report, &report_path.display().to_string());
    print!("{}", Terminal.reports(std::slice::from_ref(&rows)));
    println!("report: {}", report_path.display());
    if let Some(html) = html {
        print_written(&html.write_reports(std::slice::from_ref(&rows))?);
    }
    if let Some(previous) = previous {
        previous.print_against(rows);
    }
    if let Some(history) = history {
        history.add(&report, &report_path)?;
    }

    Ok(outcome(&report))
}

/// The suite `args` asks for: the named one sized for the adapter, or the
/// `--shape` cases; filtered; every case checked against the device's limits.
fn choose_suite(args: &RunArgs, shapes: &[(u64, u64, u64)], gpu: &Gpu) -> Result<Suite> {
    let mut suite = if shapes.is_empty() {
        Suite::named(&args.suite, &gpu.summary).with_context(|| {
            format!(
                "unknown suite '{}' (expected one of: {})",
                args.suite,
                SUITE_NAMES.join(", ")
            )
        })?
    } else {
        let dtype = args.dtype;
        Suite::custom(
            shapes
                .iter()
                .map(|&(m, n, k)| matmul_case(dtype, m, n, k))
                .collect(),
        )
    };
    if let Some(pattern) = &args.filter {
        suite.filter(pattern);
        if suite.cases.is_empty() {
            bail!(
                "no case in suite '{}' matches --filter '{pattern}'",
                suite.name
            );
        }
    }
    // Shapes typed on the command line must fit some variant; a suite's case
    // whose variants do not fit is reported unavailable, and the run goes on.
    for case in suite.cases.iter().filter(|_| !shapes.is_empty()) {
        let jobs = jobs_for(gpu, workloads::by_family(&case.workload), case);
        if let Some(Err(unavailable)) = jobs
            .iter()
            .all(|job| job.candidate.is_err())
            .then(|| &jobs[0].candidate)
        {
            bail!("{}", unavailable.reason);
        }
    }
    Ok(suite)
}

/// The report before any measurement: where, on what, how.
fn report_header(args: &RunArgs, gpu: &Gpu, suite: &Suite, timer: &dyn Timer) -> Report {
    let suite = SuiteInfo {
        name: suite.name.clone(),
        scaled_for_software: suite.scaled_for_software,
        filter: args.filter.clone(),
        plan: suite.plan,
    };
    let timing = TimingInfo {
        method: timer.method(),
        timestamp_period_ns: timer.timestamp_period_ns(),
        mesa_shader_cache_disable: std::env::var(MESA_CACHE_ENV).ok(),
    };
    let mut report = Report::begin(gpu.summary.clone(), suite, args.seed, timing);
    if let Some(node) = &args.node {
        report.host.node = Some(node.clone());
    }
    report
}

/// A flag Ctrl-C sets; the runner stops between cases once it is set.
fn stop_on_ctrl_c() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let handler_stop = Arc::clone(&stop);
    ctrlc::set_handler(move || {
        eprintln!("\ninterrupted: finishing the current case, then writing a partial report");
        handler_stop.store(true, Ordering::SeqCst);
    })
    .context("cannot install the Ctrl-C handler")?;
    Ok(stop)
}

/// How the run ended, said on stderr where it is not plain success.
fn outcome(report: &Report) -> Outcome {
    let failed = report
        .measurements
        .iter()
        .filter(|m| m.status == Status::Failed)
        .count();
    if report.partial {
        eprintln!(
            "the run was interrupted; the report holds the {} finished measurements",
            report.measurements.len()
        );
        Outcome::Interrupted
    } else if failed > 0 {
        eprintln!("{failed} case(s) failed; see the status column");
        Outcome::CaseFailed
    } else {
        Outcome::Success
    }
}

/// Creates the output folder and the run's journal in it, failing before any
/// benchmark runs if the folder cannot be written.
fn open_journal(out: &Path, header: &Report) -> Result<(std::path::PathBuf, Journal)> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    let report_path = report::report_path(out, header);
    let journal = Journal::create(&report_path, header)
        .with_context(|| format!("cannot write to output folder {}", out.display()))?;
    Ok((report_path, journal))
}

/// Parses `MxNxK` (or `N` for a cube); every dimension must be at least 1.
pub fn parse_shape(text: &str) -> Result<(u64, u64, u64)> {
    let dims: Vec<u64> = text
        .split(['x', 'X', '×'])
        .map(|d| d.trim().parse::<u64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("invalid shape '{text}': expected MxNxK, e.g. 512x512x512"))?;
    let (m, n, k) = match dims[..] {
        [s] => (s, s, s),
        [m, n, k] => (m, n, k),
        _ => bail!("invalid shape '{text}': expected MxNxK, e.g. 512x512x512"),
    };
    if m == 0 || n == 0 || k == 0 {
        bail!("invalid shape '{text}': every dimension must be at least 1");
    }
    Ok((m, n, k))
}
