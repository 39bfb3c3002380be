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
    /// Fit a chip profile (a model per op class, with its held-out error) to
    /// reports of one chip, e.g. from `run --suite calibrate`.
    Calibrate {
        /// Reports of one adapter through one backend; two or more also measure the noise floor.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Where the profile goes (default: beside the first report, NAME.profile.json).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Predict an operation's time from a profile, or every case of a report.
    Predict(PredictArgs),
    /// List the chip catalog with the source of every figure, or show one chip.
    Chips {
        /// A chip id: show its figures with their sources.
        id: Option<String>,
        /// Write the chip's datasheet profile to FILE.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Options of `chipbench predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// A profile file (from `calibrate`), or a chip id of the catalog.
    pub profile: String,
    /// What to predict: matmul, attention or stream.
    #[arg(required_unless_present = "report")]
    pub op: Option<String>,
    /// Its shape: matmul MxNxK (or N), attention SQxSKV, stream BYTES moved.
    #[arg(required_unless_present = "report")]
    pub shape: Option<String>,
    /// Element type of a matmul.
    #[arg(long, value_enum, default_value_t = Dtype::F32)]
    pub dtype: Dtype,
    /// Causal attention.
    #[arg(long)]
    pub causal: bool,
    /// Predict every case of this report and print the error case by case and overall.
    #[arg(long, value_name = "REPORT", conflicts_with_all = ["op", "shape"])]
    pub report: Option<PathBuf>,
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
}

/// `--timer` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimerChoice {
    /// GPU timestamps if the adapter has them, else wall clock.
    Auto,
    /// Wall clock around submit + wait.
    Wall,
}
