//! The row model every format is fed by: one report's facts as rows of
//! numbers (times in seconds, rates in GFLOP/s and GB/s), never as formatted
//! prose, so each format decides how to show them and tests can hold what a
//! format wrote against the report it came from.

use crate::analysis;
use crate::case::{variant_label, Dtype, Figure};
use crate::gpu::TimingMethod;
use crate::measure::Timing;
use crate::reference::{Method, Verification};
use crate::report::{Measurement, RatioVerdict, Report, RunSummary, Status, Verdict};
use crate::workloads;

/// What a case's headline figure measures, and so which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Floating-point throughput in GFLOP/s: more is better.
    FlopRate,
    /// Memory traffic in GB/s: more is better.
    ByteRate,
    /// Time per operation in seconds: less is better (cases that do neither
    /// arithmetic nor memory traffic, such as the empty dispatch).
    Time,
}

impl Metric {
    /// The metric of a workload: the figure the workload says it is judged
    /// by (a workload this chipbench does not know: FLOP/s where it does
    /// arithmetic, else time). Decided by the workload, never by the outcome,
    /// so a failed case and its passing twin in another report are judged alike.
    pub fn of_workload(workload: &str, flop: f64) -> Metric {
        match workloads::by_family(workload).map(|w| w.judged_by()) {
            Some(Figure::FlopPerS) => Metric::FlopRate,
            Some(Figure::BytesPerS) => Metric::ByteRate,
            Some(Figure::Seconds) => Metric::Time,
            None if flop > 0.0 => Metric::FlopRate,
            None => Metric::Time,
        }
    }

    /// The unit figures of this metric are in.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::FlopRate => "GFLOP/s",
            Metric::ByteRate => "GB/s",
            Metric::Time => "s",
        }
    }

    /// True where a larger figure is better (rates), false for times.
    pub fn higher_is_better(self) -> bool {
        self != Metric::Time
    }
}

/// The facts a reader needs to trust a report: what ran where, and how it was timed.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The file the report came from, as named on the command line.
    pub source: String,
    /// The adapter's name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub chip: String,
    /// `vulkan`, `metal`, `dx12` or `gl`.
    pub backend: String,
    /// `discrete`, `integrated`, `virtual`, `cpu` or `other`.
    pub device_type: String,
    /// Driver name and version, e.g. `llvmpipe Mesa 22.3.6`.
    pub driver: String,
    /// Host name, CPU model and operating system.
    pub host: String,
    /// How times were taken.
    pub timing_method: TimingMethod,
    /// GPU nanoseconds per timestamp tick (None for the wall clock).
    pub timestamp_period_ns: Option<f64>,
    /// Suite name, with `(sizes scaled for a software adapter)` where they were.
    pub suite: String,
    /// When the run started, RFC 3339 UTC.
    pub started_utc: String,
    /// When it ended (None for a run that never finished: a journal).
    pub finished_utc: Option<String>,
    /// True when the run did not finish every case.
    pub partial: bool,
    /// True when the report stored no verdicts (schema 1, or a journal),
    /// so the targets were judged by this chipbench when the rows were made.
    pub judged_now: bool,
    /// The report's schema version.
    pub schema_version: u32,
    /// The chipbench version that wrote it.
    pub tool_version: String,
    /// The wgpu version that chipbench was built with.
    pub wgpu_version: String,
}

impl Header {
    /// The timing method in words.
    pub fn timing_words(&self) -> &'static str {
        match self.timing_method {
            TimingMethod::GpuTimestamp => "GPU timestamps",
            TimingMethod::Wall => "wall clock",
        }
    }

    /// `llvmpipe (LLVM 15.0.6, 256 bits), vulkan`: the chip and backend, as
    /// plot legends and comparison columns name a report.
    pub fn short_name(&self) -> String {
        format!("{}, {}", self.chip, self.backend)
    }
}

/// One measurement: a case run with one kernel variant.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    /// Case name, e.g. `matmul_f32_512x512x512`.
    pub case: String,
    /// Workload, e.g. `matmul` or `stream_triad`.
    pub workload: String,
    /// Variant with its `override` constants, e.g. `texture_tiled workgroup_size=16`.
    pub variant: String,
    /// Element type.
    pub dtype: Dtype,
    /// Dimensions, e.g. `512x512x512`.
    pub shape: String,
    /// ok, failed or unsupported.
    pub status: Status,
    /// Why it failed or is unsupported.
    pub reason: Option<String>,
    /// What its headline figure measures.
    pub metric: Metric,
    /// FLOPs per operation.
    pub flop: f64,
    /// Bytes read per operation.
    pub bytes_read: u64,
    /// Bytes written per operation.
    pub bytes_written: u64,
    /// Seconds compiling the pipeline.
    pub compile_s: Option<f64>,
    /// Sample statistics per operation, in seconds.
    pub timing: Option<Timing>,
    /// Throughput at the median time.
    pub gflop_per_s: Option<f64>,
    /// Memory traffic at the median time.
    pub gb_per_s: Option<f64>,
    /// How the output was checked.
    pub verification: Option<Verification>,
}

impl CaseRow {
    fn of(m: &Measurement) -> CaseRow {
        CaseRow {
            case: m.case.clone(),
            workload: m.workload.clone(),
            variant: variant_label(&m.variant, &m.constants),
            dtype: m.dtype,
            shape: m.shape.to_string(),
            status: m.status,
            reason: m.reason.clone(),
            metric: Metric::of_workload(&m.workload, m.flop),
            flop: m.flop,
            bytes_read: m.bytes_read,
            bytes_written: m.bytes_written,
            compile_s: m.compile_s,
            timing: m.timing.clone(),
            gflop_per_s: m.gflop_per_s,
            gb_per_s: m.gb_per_s,
            verification: m.verification.clone(),
        }
    }

    /// Bytes moved per operation, read and written.
    pub fn bytes(&self) -> u64 {
        self.bytes_read + self.bytes_written
    }

    /// Work per operation in the units of the metric's numerator: FLOP for
    /// a FLOP rate, bytes for a byte rate, none for a time. Throughput
    /// plots put it on their size axis.
    pub fn work(&self) -> Option<f64> {
        match self.metric {
            Metric::FlopRate => Some(self.flop),
            Metric::ByteRate => Some(self.bytes() as f64),
            Metric::Time => None,
        }
    }

    /// The figure a reader looks at first, in [`Metric::unit`]: the rate at
    /// the median time, or the median time itself. None unless verified.
    pub fn figure(&self) -> Option<f64> {
        self.figure_at(self.timing.as_ref()?.summary.median_s)
    }

    /// The figure at the 90th and 10th percentile times, low then high: the
    /// band within which 80% of the samples lie.
    pub fn figure_band(&self) -> Option<(f64, f64)> {
        let summary = &self.timing.as_ref()?.summary;
        let (a, b) = (
            self.figure_at(summary.p90_s)?,
            self.figure_at(summary.p10_s)?,
        );
        Some((a.min(b), a.max(b)))
    }

    /// The figure a time per operation of `time_s` gives, for a verified case.
    fn figure_at(&self, time_s: f64) -> Option<f64> {
        if self.status != Status::Ok || time_s <= 0.0 {
            return None;
        }
        match self.metric {
            Metric::FlopRate => Some(self.flop / time_s / 1e9),
            Metric::ByteRate => Some(self.bytes() as f64 / time_s / 1e9),
            Metric::Time => Some(time_s),
        }
    }

    /// How much the samples spread, relative to the median: the larger of
    /// the coefficient of variation and half the p10–p90 width over the
    /// median, so neither a few stragglers nor a broad middle is missed.
    pub fn relative_spread(&self) -> Option<f64> {
        self.timing.as_ref()?.summary.relative_spread()
    }

    /// FLOPs per byte moved: where the case sits on the roofline. None for a
    /// case without arithmetic or memory traffic, which has no place there.
    pub fn arithmetic_intensity_flop_per_byte(&self) -> Option<f64> {
        (self.flop > 0.0 && self.bytes() > 0).then(|| self.flop / self.bytes() as f64)
    }

    /// `ok`, `failed` or `unsupported`.
    pub fn status_word(&self) -> &'static str {
        status_word(self.status)
    }
}

/// `exact`, `freivalds` or `sampled`: how an output was checked, as reports name it.
pub fn check_word(verification: &Verification) -> &'static str {
    match verification.method {
        Method::Exact => "exact",
        Method::Freivalds { .. } => "freivalds",
        Method::Sampled { .. } => "sampled",
    }
}

/// `ok`, `failed` or `unsupported`.
pub fn status_word(status: Status) -> &'static str {
    status.word()
}

/// A host or external figure the run measured beside the GPU cases.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineRow {
    /// `host_memcpy`, `host_gemm` or `external_matmul`.
    pub name: String,
    /// What was timed, in words.
    pub description: String,
    /// Element type.
    pub dtype: Dtype,
    /// Dimensions.
    pub shape: String,
    /// Median time per operation.
    pub median_s: f64,
    /// Coefficient of variation (None for external figures).
    pub cv: Option<f64>,
    /// Throughput at the median.
    pub gflop_per_s: Option<f64>,
    /// Memory traffic at the median.
    pub gb_per_s: Option<f64>,
    /// How the host's output was checked (None for external figures).
    pub verification: Option<Verification>,
}

impl BaselineRow {
    /// `host_gemm_f32_512x512x512`: name, element type and shape, as tables name it.
    pub fn label(&self) -> String {
        format!("{}_{}_{}", self.name, self.dtype, self.shape)
    }

    /// True for a figure given with `--external`, false for one the host measured.
    pub fn is_external(&self) -> bool {
        self.name.starts_with("external_")
    }
}

/// The compute roof of one element type: the best verified peak probe.
#[derive(Debug, Clone, PartialEq)]
pub struct ComputeRoof {
    /// Element type of the probe.
    pub dtype: Dtype,
    /// Its rate.
    pub gflop_per_s: f64,
    /// The case and variant that reached it.
    pub source: String,
}

/// The bandwidth roof: the best verified stream kernel.
#[derive(Debug, Clone, PartialEq)]
pub struct BandwidthRoof {
    /// Its rate.
    pub gb_per_s: f64,
    /// The case and variant that reached it.
    pub source: String,
}

/// The roofs a report measured for itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Roofs {
    /// One per element type with a verified peak probe.
    pub compute: Vec<ComputeRoof>,
    /// None without a verified stream case.
    pub bandwidth: Option<BandwidthRoof>,
}

impl Roofs {
    /// The roofs the analysis finds in `report`: the best verified probe of
    /// each kind.
    fn of(report: &Report) -> Roofs {
        let roofs = analysis::Roofs::of(report);
        Roofs {
            compute: roofs
                .compute
                .iter()
                .filter_map(|(dtype, m)| {
                    Some(ComputeRoof {
                        dtype: *dtype,
                        gflop_per_s: m.gflop_per_s?,
                        source: m.name(),
                    })
                })
                .collect(),
            bandwidth: roofs.bandwidth.and_then(|m| {
                Some(BandwidthRoof {
                    gb_per_s: m.gb_per_s?,
                    source: m.name(),
                })
            }),
        }
    }
}

/// The state of one autotune candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialState {
    /// Verified and timed briefly.
    Timed,
    /// Over the screening factor slower than the fastest: its time is its one screening batch.
    ScreenedOut,
    /// Ran and gave a wrong result or a GPU error.
    Failed,
    /// The adapter cannot run it.
    Unsupported,
}

impl TrialState {
    /// The state in words.
    pub fn words(self) -> &'static str {
        match self {
            TrialState::Timed => "timed",
            TrialState::ScreenedOut => "screened out",
            TrialState::Failed => "failed",
            TrialState::Unsupported => "unsupported",
        }
    }
}

/// One candidate autotune tried.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRow {
    /// Variant with its constants.
    pub candidate: String,
    /// Its brief time per operation (None if it did not run through).
    pub median_s: Option<f64>,
    /// How it fared.
    pub state: TrialState,
    /// Why it failed or cannot run.
    pub failure: Option<String>,
}

/// How autotune chose one case's variant.
#[derive(Debug, Clone, PartialEq)]
pub struct AutotuneRow {
    /// The case.
    pub case: String,
    /// The variant measured, with its constants.
    pub winner: String,
    /// The class of shapes the choice applies to.
    pub shape_class: String,
    /// True when the choice came from the tuning cache.
    pub from_cache: bool,
    /// The case whose trials chose it, where recorded.
    pub tuned_on: Option<String>,
    /// Every candidate, fastest first.
    pub trials: Vec<TrialRow>,
}

impl AutotuneRow {
    /// The case whose trials chose the variant, where that is another case
    /// (a choice from the cache for the same class of shapes).
    pub fn tuned_elsewhere(&self) -> Option<&str> {
        self.tuned_on.as_deref().filter(|case| *case != self.case)
    }

    /// How many candidates were screened out.
    pub fn screened_out(&self) -> usize {
        self.trials
            .iter()
            .filter(|t| t.state == TrialState::ScreenedOut)
            .count()
    }
}

/// One line of the summary: a ratio between two figures of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    /// What is compared, e.g. `best f32 matmul 512³ / peak f32`.
    pub label: String,
    /// The ratio (None when a side was not measured).
    pub value: Option<f64>,
    /// Lower end of the ratio's 95% confidence interval, where the report has one.
    pub ci_low: Option<f64>,
    /// Upper end of that interval.
    pub ci_high: Option<f64>,
    /// The value it should reach (None for a ratio given for information).
    pub target: Option<f64>,
    /// The verdict on the target (None for a ratio given for information).
    pub verdict: Option<Verdict>,
    /// The figures behind the ratio, or why there are none, in words.
    pub detail: String,
}

impl TargetRow {
    /// A ratio of the run's summary, with its interval and verdict.
    fn of(ratio: &RatioVerdict) -> TargetRow {
        TargetRow {
            label: ratio.label.clone(),
            value: ratio.value,
            ci_low: ratio.ci95.map(|[low, _]| low),
            ci_high: ratio.ci95.map(|[_, high]| high),
            target: ratio.threshold,
            verdict: (ratio.verdict != Verdict::Information).then_some(ratio.verdict),
            detail: ratio_detail(ratio),
        }
    }
}

/// The figures behind a ratio, or why there are none, in words:
/// `95% CI 41.2–44.0%; 30.66 GFLOP/s (matmul… texture_subgroup) vs 71.48
/// GFLOP/s in 21 alternating rounds; measured apart: 42.4%`.
fn ratio_detail(r: &RatioVerdict) -> String {
    if r.value.is_none() {
        return r.note.clone().unwrap_or_else(|| "not measured".into());
    }
    let interval = r.ci95.map_or(String::new(), |[low, high]| {
        format!("95% CI {:.1}–{:.1}%; ", low * 100.0, high * 100.0)
    });
    let rate = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2} {}", r.unit));
    let how = match (r.alternating_rounds, r.measured_apart) {
        (Some(rounds), Some(apart)) => format!(
            " in {rounds} alternating rounds; measured apart: {:.1}%",
            apart * 100.0
        ),
        _ => ", measured apart".into(),
    };
    let mut detail = format!(
        "{interval}{} ({}) vs {}{how}",
        rate(r.numerator_rate),
        r.numerator,
        rate(r.denominator_rate),
    );
    if let (Verdict::RoofBelowKernel, Some(note)) = (r.verdict, &r.note) {
        detail += &format!("; {note}");
    }
    detail
}

/// Where a warning comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningOrigin {
    /// How one measurement went (noise, outliers, warm-up).
    Measurement,
    /// The summary: a figure above its roof, or a ratio not measured again.
    Summary,
}

/// A warning, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningRow {
    /// What it is about: a case and variant, or a summary ratio.
    pub subject: String,
    /// The warning.
    pub text: String,
    /// Where it comes from.
    pub origin: WarningOrigin,
}

/// Everything the formats show of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRows {
    /// What ran where, and how it was timed.
    pub header: Header,
    /// One per measurement, in run order.
    pub cases: Vec<CaseRow>,
    /// Host and external figures.
    pub baselines: Vec<BaselineRow>,
    /// The measured roofs.
    pub roofs: Roofs,
    /// One per autotuned measurement.
    pub autotune: Vec<AutotuneRow>,
    /// The summary's ratios.
    pub targets: Vec<TargetRow>,
    /// Every measurement's warnings.
    pub warnings: Vec<WarningRow>,
}

impl ReportRows {
    /// The rows of `report`, read from the file named `source`.
    pub fn of(report: &Report, source: &str) -> ReportRows {
        let cases: Vec<CaseRow> = report.measurements.iter().map(CaseRow::of).collect();
        // A report that stored no verdicts (schema 1) is judged now.
        let summary = report
            .summary
            .clone()
            .unwrap_or_else(|| analysis::summarize(report, Vec::new()));
        ReportRows {
            header: header(report, source),
            roofs: Roofs::of(report),
            cases,
            baselines: report
                .baselines
                .iter()
                .map(|b| BaselineRow {
                    name: b.name.clone(),
                    description: b.description.clone(),
                    dtype: b.dtype,
                    shape: b.shape.to_string(),
                    median_s: b.median_s,
                    cv: b.cv,
                    gflop_per_s: b.gflop_per_s,
                    gb_per_s: b.gb_per_s,
                    verification: b.verification.clone(),
                })
                .collect(),
            autotune: report
                .measurements
                .iter()
                .filter_map(autotune_row)
                .collect(),
            targets: summary.ratios.iter().map(TargetRow::of).collect(),
            warnings: report
                .measurements
                .iter()
                .flat_map(|m| {
                    m.warnings.iter().map(|w| WarningRow {
                        subject: m.name(),
                        text: w.to_string(),
                        origin: WarningOrigin::Measurement,
                    })
                })
                .chain(summary_warnings(&summary))
                .collect(),
        }
    }

    /// Cases that were not measured (failed or unsupported): listed, never plotted.
    pub fn not_measured(&self) -> impl Iterator<Item = &CaseRow> {
        self.cases.iter().filter(|c| c.status != Status::Ok)
    }

    /// How autotune chose `case`'s variant, where it did: one measurement
    /// per autotuned case, so the case and its variant find it.
    pub fn autotune_of(&self, case: &CaseRow) -> Option<&AutotuneRow> {
        self.autotune
            .iter()
            .find(|a| a.case == case.case && a.winner == case.variant)
    }
}

/// The summary's figures above their roofs and ratios not measured again, in words.
fn summary_warnings(summary: &RunSummary) -> impl Iterator<Item = WarningRow> + '_ {
    let above_roofs = summary.roof_flags.iter().map(|flag| WarningRow {
        subject: flag.measurement.clone(),
        text: format!(
            "reads {:.2} {unit}, above its roof {} ({:.2} {unit}): the roof probe read low, so \
             ratios to that roof are not trustworthy",
            flag.rate,
            flag.roof,
            flag.roof_rate,
            unit = flag.unit
        ),
        origin: WarningOrigin::Summary,
    });
    let not_remeasured = summary.not_remeasured.iter().map(|failure| WarningRow {
        subject: failure.label.clone(),
        text: format!(
            "could not be re-measured: {}; judged on the figures measured apart",
            failure.reason
        ),
        origin: WarningOrigin::Summary,
    });
    above_roofs.chain(not_remeasured)
}

fn header(report: &Report, source: &str) -> Header {
    let adapter = &report.adapter;
    let host = &report.host;
    Header {
        source: source.to_string(),
        chip: adapter.name.clone(),
        backend: adapter.backend.clone(),
        device_type: adapter.device_type.clone(),
        driver: format!("{} {}", adapter.driver, adapter.driver_info)
            .trim()
            .to_string(),
        host: format!(
            "{}{} ({}, {} logical CPUs; {} {})",
            host.hostname,
            host.node
                .as_deref()
                .map(|node| format!(", node {node}"))
                .unwrap_or_default(),
            host.cpu,
            host.logical_cpus,
            host.os,
            host.kernel
        ),
        timing_method: report.timing.method,
        timestamp_period_ns: report.timing.timestamp_period_ns,
        suite: format!(
            "{}{}",
            report.suite.name,
            if report.suite.scaled_for_software {
                " (sizes scaled for a software adapter)"
            } else {
                ""
            }
        ),
        started_utc: report.started_utc.clone(),
        finished_utc: report.finished_utc.clone(),
        partial: report.partial,
        judged_now: report.summary.is_none(),
        schema_version: report.schema_version,
        tool_version: report.tool_version.clone(),
        wgpu_version: report.wgpu_version.clone(),
    }
}

fn autotune_row(m: &Measurement) -> Option<AutotuneRow> {
    let record = m.autotune.as_ref()?;
    Some(AutotuneRow {
        case: m.case.clone(),
        winner: variant_label(&m.variant, &m.constants),
        shape_class: record.shape_class.clone(),
        from_cache: record.from_cache,
        tuned_on: record.tuned_on.clone(),
        trials: record
            .trials
            .iter()
            .map(|t| TrialRow {
                candidate: variant_label(&t.variant, &t.constants),
                median_s: t.median_s,
                state: if t.unsupported {
                    TrialState::Unsupported
                } else if t.failure.is_some() {
                    TrialState::Failed
                } else if t.screened_out {
                    TrialState::ScreenedOut
                } else {
                    TrialState::Timed
                },
                failure: t.failure.clone(),
            })
            .collect(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::load;
    use std::path::PathBuf;

    /// The committed reports, newest name last.
    pub(crate) fn committed() -> Vec<(PathBuf, Report)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        crate::report::report_files(&dir)
            .unwrap()
            .into_iter()
            .map(|p| {
                let report = load(&p).unwrap();
                (p, report)
            })
            .collect()
    }

    /// A committed report on `backend` with both target ratios.
    pub(crate) fn committed_on(backend: &str) -> (PathBuf, Report) {
        committed()
            .into_iter()
            .find(|(_, r)| r.adapter.backend == backend && r.paired.len() == 2)
            .expect("a committed report on the backend")
    }

    #[test]
    fn figures_are_the_reports_rates_and_times() {
        for (path, report) in committed() {
            let rows = ReportRows::of(&report, &path.display().to_string());
            assert_eq!(rows.cases.len(), report.measurements.len());
            for (row, m) in rows.cases.iter().zip(&report.measurements) {
                let expected = match row.metric {
                    Metric::FlopRate => m.gflop_per_s,
                    Metric::ByteRate => m.gb_per_s,
                    Metric::Time => m.timing.as_ref().map(|t| t.summary.median_s),
                };
                match (row.figure(), expected) {
                    (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-9 * b, "{}", m.case),
                    (a, b) => assert_eq!(a, b, "{}", m.case),
                }
                if let (Some((low, high)), Some(figure)) = (row.figure_band(), row.figure()) {
                    assert!(low <= figure && figure <= high, "{}", m.case);
                }
            }
        }
    }

    #[test]
    fn roofs_are_the_best_peak_per_dtype_and_the_best_stream() {
        let (path, report) = committed_on("vulkan");
        let rows = ReportRows::of(&report, &path.display().to_string());
        let best = |pred: &dyn Fn(&Measurement) -> bool, rate: &dyn Fn(&Measurement) -> f64| {
            report
                .measurements
                .iter()
                .filter(|m| m.status == Status::Ok && pred(m))
                .map(rate)
                .fold(f64::NAN, f64::max)
        };
        let f32_roof = rows.roofs.compute.iter().find(|r| r.dtype == Dtype::F32);
        assert_eq!(
            f32_roof.unwrap().gflop_per_s,
            best(&|m| m.workload == "peak" && m.dtype == Dtype::F32, &|m| m
                .gflop_per_s
                .unwrap())
        );
        assert_eq!(
            rows.roofs.bandwidth.unwrap().gb_per_s,
            best(&|m| m.workload.starts_with("stream_"), &|m| m
                .gb_per_s
                .unwrap())
        );
    }

    #[test]
    fn targets_carry_a_verdict_and_no_interval_in_schema_1() {
        let (path, report) = committed_on("vulkan");
        let rows = ReportRows::of(&report, &path.display().to_string());
        let with_target: Vec<_> = rows.targets.iter().filter(|t| t.target.is_some()).collect();
        assert_eq!(with_target.len(), 2);
        for t in with_target {
            let met = t.value.unwrap() >= t.target.unwrap();
            let expected = if met { Verdict::Met } else { Verdict::NotMet };
            assert_eq!(t.verdict, Some(expected));
            assert_eq!((t.ci_low, t.ci_high), (None, None));
        }
    }

    #[test]
    fn metrics_know_which_way_is_better() {
        assert_eq!(Metric::of_workload("matmul", 2.0), Metric::FlopRate);
        assert_eq!(Metric::of_workload("stream_triad", 2.0), Metric::ByteRate);
        assert_eq!(
            Metric::of_workload("transfer_upload", 0.0),
            Metric::ByteRate
        );
        assert_eq!(Metric::of_workload("latency", 0.0), Metric::Time);
        assert!(Metric::FlopRate.higher_is_better() && !Metric::Time.higher_is_better());
    }
}
