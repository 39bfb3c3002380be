//! The report schema: what one run measured and the context needed to trust
//! it, as written to JSON. Version history at [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};

use crate::case::{Case, Dtype, Shape};
use crate::gpu::{AdapterSummary, StageTime, TimingMethod};
use crate::measure::{AutotuneRecord, SamplingPlan, Timing, Warning};
use crate::reference::Verification;

use super::Host;

/// Version of the report format; bumped on any incompatible change.
///
/// - 1: the first.
/// - 2: raw per-operation sample times (`Timing::samples_s`, `Baseline::samples_s`,
///   `Paired`'s per-round samples), warnings as data, the summary's verdicts
///   stored at run time with bootstrap confidence intervals (`summary`). A version 1
///   report is read through [`super::load`], which migrates it.
pub const SCHEMA_VERSION: u32 = 2;

/// Everything one `chipbench run` measured, and the context needed to trust it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// chipbench version.
    pub tool_version: String,
    /// wgpu version chipbench was built with.
    pub wgpu_version: String,
    /// When the run started, RFC 3339 UTC.
    pub started_utc: String,
    /// When the run ended, RFC 3339 UTC (None while it is running).
    pub finished_utc: Option<String>,
    /// True when the run did not finish every case (interrupted, or recovered from a journal).
    pub partial: bool,
    /// The machine.
    pub host: Host,
    /// The adapter measured.
    pub adapter: AdapterSummary,
    /// The suite and how it was sized.
    pub suite: SuiteInfo,
    /// Seed of every input and random check.
    pub seed: u64,
    /// How time was taken.
    pub timing: TimingInfo,
    /// One entry per (case, variant), in the order run.
    pub measurements: Vec<Measurement>,
    /// Host baselines timed in the same run, and figures measured elsewhere
    /// (`--external`), for the summary's ratios.
    pub baselines: Vec<Baseline>,
    /// The summary's target ratios measured again with their two sides in
    /// alternation (absent from reports written before chipbench measured them).
    #[serde(default)]
    pub paired: Vec<Paired>,
    /// The summary's ratios and their verdicts, judged once when the run
    /// ended, so that a later chipbench with other targets does not change
    /// what this run was told. None for a run still going, and for version 1
    /// reports, which stored none (a display then judges them anew and says so).
    #[serde(default)]
    pub summary: Option<RunSummary>,
}

impl Report {
    /// The report of a run starting now on this host: the header a journal
    /// begins with, before any measurement.
    pub fn begin(
        adapter: AdapterSummary,
        suite: SuiteInfo,
        seed: u64,
        timing: TimingInfo,
    ) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            wgpu_version: WGPU_VERSION.into(),
            started_utc: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            finished_utc: None,
            partial: true,
            host: Host::detect(),
            adapter,
            suite,
            seed,
            timing,
            measurements: Vec::new(),
            baselines: Vec::new(),
            paired: Vec::new(),
            summary: None,
        }
    }
}

/// The wgpu version this binary was built against (kept in step with Cargo.toml).
const WGPU_VERSION: &str = "30";

/// What the run's figures say against each other and against their targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// One per ratio: the targets, then ratios given for information.
    pub ratios: Vec<RatioVerdict>,
    /// Figures that cannot all be right: a kernel faster than its roof.
    pub roof_flags: Vec<RoofFlag>,
    /// Ratios the run could not measure again in alternation, and why.
    pub not_remeasured: Vec<NotRemeasured>,
}

/// One ratio between two figures of the run, with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatioVerdict {
    /// What is compared, e.g. `best f32 matmul 512³ / peak f32`.
    pub label: String,
    /// The numerator: case and variant.
    pub numerator: String,
    /// The denominator: case and variant, or a baseline's name.
    pub denominator: String,
    /// Numerator ÷ denominator (None when a side has no verified figure).
    pub value: Option<f64>,
    /// Bootstrap 95% confidence interval of `value`, from the raw samples.
    pub ci95: Option<[f64; 2]>,
    /// The numerator's figure, in `unit`.
    pub numerator_rate: Option<f64>,
    /// The denominator's figure, in `unit`.
    pub denominator_rate: Option<f64>,
    /// Unit of both figures: `GFLOP/s`, `GB/s` or `s`.
    pub unit: String,
    /// Rounds of alternating re-measurement behind `value` (None: the figures
    /// are those measured apart).
    pub alternating_rounds: Option<usize>,
    /// The ratio of the figures measured apart, beside the alternating one.
    pub measured_apart: Option<f64>,
    /// The value the ratio should reach (None: given for information).
    pub threshold: Option<f64>,
    /// Met, not met, inconclusive, ...
    pub verdict: Verdict,
    /// Why there is no value, or why the verdict is what it is, in words.
    pub note: Option<String>,
}

/// The verdict on one ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole confidence interval reaches the threshold.
    Met,
    /// The whole confidence interval falls short of the threshold.
    NotMet,
    /// The interval straddles the threshold: the run cannot tell.
    Inconclusive,
    /// A side has no verified figure: not met.
    NotMeasured,
    /// The ratio is to a roof that read below the kernel: the roof is wrong,
    /// so the ratio says nothing (never met).
    RoofBelowKernel,
    /// No threshold: given for information.
    Information,
}

impl Verdict {
    /// The verdict in words, as tables print it (empty for information).
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "NOT met",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NotMeasured => "not measured",
            Verdict::RoofBelowKernel => "roof below kernel",
            Verdict::Information => "",
        }
    }

    /// Whether a target was reached (information counts as reached).
    pub fn met(self) -> bool {
        matches!(self, Verdict::Met | Verdict::Information)
    }
}

/// A measured figure above the roof the run measured for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoofFlag {
    /// The measurement: case and variant.
    pub measurement: String,
    /// Its figure, in `unit`.
    pub rate: f64,
    /// The roof's probe: case and variant.
    pub roof: String,
    /// The roof's figure, in `unit`.
    pub roof_rate: f64,
    /// `GFLOP/s` (a compute roof) or `GB/s` (the bandwidth roof).
    pub unit: String,
}

/// A target ratio that could not be measured again in alternation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotRemeasured {
    /// The ratio's label.
    pub label: String,
    /// Why, in words.
    pub reason: String,
}

/// A target ratio measured again with its two sides in alternation, one
/// sample of each per round, so that a slow spell of a shared machine slows
/// both alike instead of whichever happened to run during it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    /// The summary ratio it measures, e.g. `best f32 matmul 1024³ / peak f32`.
    pub label: String,
    /// The numerator: case and variant, e.g. `matmul_f32_1024x1024x1024 texture_subgroup`.
    pub numerator: String,
    /// The denominator: case and variant, or the host baseline's name.
    pub denominator: String,
    /// Rounds in which both sides kept their sample (a rejected GPU sample,
    /// impossible timestamps, is dropped).
    pub rounds: usize,
    /// The numerator's rate at the median of its samples, in `unit`.
    pub numerator_rate: f64,
    /// The denominator's rate at the median of its samples, in `unit`.
    pub denominator_rate: f64,
    /// Unit of both rates: `GFLOP/s` or `GB/s`.
    pub unit: String,
    /// The numerator's kept samples, seconds per operation, in round order
    /// (empty in version 1 reports).
    #[serde(default)]
    pub numerator_samples_s: Vec<f64>,
    /// The denominator's kept samples, seconds per operation, in round order.
    #[serde(default)]
    pub denominator_samples_s: Vec<f64>,
}

impl Paired {
    /// Numerator ÷ denominator.
    pub fn ratio(&self) -> f64 {
        self.numerator_rate / self.denominator_rate
    }
}

/// A figure the GPU's is held against: the host's own (memcpy, gemm), timed
/// in the same run, or one measured elsewhere (`--external`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// `host_memcpy`, `host_gemm`, `external_matmul`.
    pub name: String,
    /// What was timed, in words.
    pub description: String,
    /// Element type.
    pub dtype: Dtype,
    /// Problem size.
    pub shape: Shape,
    /// Samples taken (None for external figures).
    pub samples: Option<usize>,
    /// Median time per operation, seconds.
    pub median_s: f64,
    /// Coefficient of variation of the samples (None for external figures).
    pub cv: Option<f64>,
    /// FLOP/s at the median, in GFLOP/s (None for pure data movement).
    pub gflop_per_s: Option<f64>,
    /// Bytes read + written per second at the median, in GB/s.
    pub gb_per_s: Option<f64>,
    /// The output checked against the CPU reference, where there is one to check.
    pub verification: Option<Verification>,
    /// Every sample, seconds per operation (empty for external figures and
    /// in version 1 reports).
    #[serde(default)]
    pub samples_s: Vec<f64>,
}

/// Which suite ran, and whether its shapes were scaled for a software adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuiteInfo {
    /// `quick`, `standard`, or `custom` for `--shape`.
    pub name: String,
    /// True when sizes were scaled down because the adapter runs on the CPU.
    pub scaled_for_software: bool,
    /// `--filter` pattern, if any.
    pub filter: Option<String>,
    /// The sampling plan every case ran under.
    pub plan: SamplingPlan,
}

/// The clock behind every time in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingInfo {
    /// GPU timestamps or wall clock.
    pub method: TimingMethod,
    /// Nanoseconds per GPU timestamp tick (None for wall clock).
    pub timestamp_period_ns: Option<f64>,
    /// Mesa's shader cache setting during the run (`MESA_SHADER_CACHE_DISABLE`),
    /// which decides whether compile times are cold.
    pub mesa_shader_cache_disable: Option<String>,
}

/// The state of one measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Timed and verified.
    Ok,
    /// Verification failed or the GPU raised an error: no throughput.
    Failed,
    /// The adapter cannot run this case (a missing feature): no throughput.
    Unsupported,
}

impl Status {
    /// `ok`, `failed` or `unsupported`, as the report writes it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Unsupported => "unsupported",
        }
    }
}

/// One case run with one kernel variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Case name, e.g. `matmul_f32_512x512x512`.
    pub case: String,
    /// Workload family.
    pub workload: String,
    /// Kernel variant (empty when unsupported before any variant was chosen).
    pub variant: String,
    /// `override` constants the variant ran with.
    pub constants: Vec<(String, f64)>,
    /// Element type.
    pub dtype: Dtype,
    /// Problem dimensions.
    pub shape: Shape,
    /// FLOPs per operation.
    pub flop: f64,
    /// Bytes read per operation.
    pub bytes_read: u64,
    /// Bytes written per operation.
    pub bytes_written: u64,
    /// ok, failed or unsupported.
    pub status: Status,
    /// Why it failed or is unsupported.
    pub reason: Option<String>,
    /// Seconds spent compiling the pipeline (0 when reused from earlier in the run).
    pub compile_s: Option<f64>,
    /// Sample statistics, per operation.
    pub timing: Option<Timing>,
    /// Throughput at the median time, in GFLOP/s (ok cases only).
    pub gflop_per_s: Option<f64>,
    /// Memory traffic at the median time, in GB/s (ok cases only).
    pub gb_per_s: Option<f64>,
    /// How the output was checked.
    pub verification: Option<Verification>,
    /// What its reader should know about it (noisy, outliers, ...), as data;
    /// displays put them in words.
    pub warnings: Vec<Warning>,
    /// How the variant was chosen, when autotune chose it.
    pub autotune: Option<AutotuneRecord>,
    /// For an operation made of several kernels, the GPU time of each, where
    /// the device can time inside a pass (absent otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<StageTime>,
}

impl Measurement {
    /// `matmul_f32_512x512x512 texture_subgroup`: its case and variant, as one
    /// line names it.
    pub fn name(&self) -> String {
        format!("{} {}", self.case, self.variant)
    }

    /// The case it measured: its workload, dtype and shape.
    pub fn case(&self) -> Case {
        Case {
            workload: self.workload.clone(),
            dtype: self.dtype,
            shape: self.shape.clone(),
        }
    }

    /// GFLOP/s and GB/s at a median time of `median_s`, each only where there
    /// is work to rate (latency moves nothing).
    pub fn rates_at(&self, median_s: f64) -> (Option<f64>, Option<f64>) {
        let bytes = (self.bytes_read + self.bytes_written) as f64;
        (
            (self.flop > 0.0).then(|| self.flop / median_s / 1e9),
            (bytes > 0.0).then(|| bytes / median_s / 1e9),
        )
    }
}
