//! Command-line definitions: one subcommand per verb.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::case::Dtype;

/// Measures what a GPU actually delivers on AI workloads, every result verified.
#[derive(Debug, Parser)]
#[command(name = "chipbench", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every adapter wgpu finds, on every backend.
    Devices {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run a suite on one adapter and write a report.
    Run(RunArgs),
    /// Print a saved report (or an interrupted run's journal) as a table.
    Show {
        /// The report's `.json` file, or a `.journal.jsonl` left by an interrupted run.
        report: PathBuf,
    },
    /// Turn saved reports into HTML (with plots), Markdown or CSV; Markdown on
    /// stdout when no file is named.
    Report(ReportArgs),
    /// Compare reports case by case (other chips, backends, or before and
    /// after): each figure, its ratio to the first report's, and a verdict.
    Compare(CompareArgs),
}

/// Files `report` and `compare` write; each is created before anything else
/// is done, so a path that cannot be written fails at once.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Write a self-contained HTML page with plots to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write Markdown tables to FILE.
    #[arg(long, value_name = "FILE")]
    pub md: Option<PathBuf>,
    /// Write CSV, one row per case with every numeric field, to FILE.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// Options of `chipbench report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Saved reports (`.json`, or an interrupted run's `.journal.jsonl`).
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Where to write.
    #[command(flatten)]
    pub outputs: OutputArgs,
}

/// Options of `chipbench compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Two or more saved reports; the first is the one the others are held against.
    #[arg(required = true, num_args = 2.., value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Where to write, besides the table on stdout.
    #[command(flatten)]
    pub outputs: OutputArgs,
}

/// Options of `chipbench run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Suite to run: `quick` (seconds) or `standard` (minutes).
    #[arg(long, default_value = "quick")]
    pub suite: String,
    /// Run only cases whose name contains PATTERN, e.g. `512x512` or `matmul_f32`.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Folder the report is written to.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
    /// Adapter to use: its index in `chipbench devices`, or part of its name.
    #[arg(long, value_name = "INDEX|NAME")]
    pub adapter: Option<String>,
    /// Restrict adapters to one backend: vulkan, metal, dx12 or gl.
    #[arg(long)]
    pub backend: Option<String>,
    /// Instead of the suite's cases, run matmul at these shapes (MxNxK, or N for N×N×N). Repeatable.
    #[arg(long, value_name = "MxNxK")]
    pub shape: Vec<String>,
    /// Merge figures measured elsewhere on the same device (e.g. by
    /// scripts/torch_baseline.py) into the report, with ratios against them.
    #[arg(long, value_name = "FILE")]
    pub external: Vec<PathBuf>,
    /// Element type of the `--shape` matmul cases: f32, or f16 where the adapter has SHADER_F16.
    #[arg(long, value_enum, default_value_t = Dtype::F32)]
    pub dtype: Dtype,
    /// Seed of the random inputs and checks.
    #[arg(long, default_value_t = 0x5EED)]
    pub seed: u64,
    /// Measure every kernel variant in full instead of autotuning to the fastest.
    #[arg(long)]
    pub all_variants: bool,
    /// Search for the fastest variant again even where the tuning cache has a choice.
    #[arg(long, conflicts_with = "all_variants")]
    pub retune: bool,
    /// Tuning cache file (default: ~/.cache/chipbench/autotune.json).
    #[arg(long, value_name = "FILE")]
    pub tune_cache: Option<PathBuf>,
    /// Clock: GPU timestamps where available (auto), or the host wall clock.
    #[arg(long, value_enum, default_value_t = TimerChoice::Auto)]
    pub timer: TimerChoice,
    /// Also write the report as a self-contained HTML page beside the JSON.
    #[arg(long)]
    pub html: bool,
    /// End with a comparison against an earlier report (read and checked before measuring).
    #[arg(long, value_name = "PREVIOUS.json")]
    pub compare: Option<PathBuf>,
}

/// `--timer` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimerChoice {
    /// GPU timestamps if the adapter has them, else wall clock.
    Auto,
    /// Wall clock around submit + wait.
    Wall,
}
