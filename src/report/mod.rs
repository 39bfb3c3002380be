//! Reports: the versioned JSON schema, the journal a run appends to as it
//! goes, atomic writing, and renderers.

mod host;
mod journal;
mod store;
mod summary;
mod table;

pub use host::Host;
pub use journal::Journal;
pub use store::{load, report_path, write_atomic};
pub use summary::{figure_of_merit, summarize, target_pairs, Denominator, Ratio, TargetPair};
pub use table::{format_seconds, render_table};

use serde::{Deserialize, Serialize};

use crate::baseline::Baseline;
use crate::gpu::{AdapterSummary, TimingMethod};
use crate::measure::{AutotuneRecord, SamplingPlan, Timing};
use crate::reference::Verification;
use crate::workloads::{Dtype, Shape};

/// Version of the report format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

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
    /// Host baselines timed in the same run (for the summary's ratios).
    pub baselines: Vec<Baseline>,
    /// The summary's target ratios measured again with their two sides in
    /// alternation (absent from reports written before chipbench measured them).
    #[serde(default)]
    pub paired: Vec<Paired>,
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
}

impl Paired {
    /// Numerator ÷ denominator.
    pub fn ratio(&self) -> f64 {
        self.numerator_rate / self.denominator_rate
    }
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
    /// Plain-words warnings about this measurement.
    pub warnings: Vec<String>,
    /// How the variant was chosen, when autotune chose it.
    pub autotune: Option<AutotuneRecord>,
}

impl Measurement {
    /// `matmul_f32_512x512x512 texture_subgroup`: its case and variant, as one
    /// line names it.
    pub fn name(&self) -> String {
        format!("{} {}", self.case, self.variant)
    }
}

/// Errors reading or writing reports.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read, written or renamed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A file is not a chipbench report (or journal).
    #[error("{path} is not a valid chipbench report: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// A report from a newer chipbench.
    #[error("{path} has schema version {found}; this chipbench reads up to {SCHEMA_VERSION}")]
    NewerSchema {
        /// The file.
        path: String,
        /// Its schema version.
        found: u32,
    },
}

impl ReportError {
    fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
