//! Command-line definitions: one subcommand per verb.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::case::Dtype;
use crate::planner::{Precision, Recompute};

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
    /// Plan training or inference of a transformer on N chips: time, MFU, energy, cost.
    Plan(PlanArgs),
    /// List the model presets `plan --model` knows, with their parameter counts.
    Models {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
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
        /// Also print every shape's held-out error, the model's beside two factors', worst first.
        #[arg(long)]
        residuals: bool,
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

/// Options of `chipbench predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// A profile file (from `calibrate`), or a chip id of the catalog.
    pub profile: String,
    /// What to predict: matmul, attention or stream.
    #[arg(required_unless_present = "report")]
    pub op: Option<String>,
    /// Its shape: matmul MxNxK (or N); attention as case names write it,
    /// b1_hq32_hkv8_sq1024_skv1024_d128 (b and hkv optional; sq1 is decode);
    /// stream BYTES moved.
    #[arg(required_unless_present = "report")]
    pub shape: Option<String>,
    /// Element type of a matmul or attention.
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
    /// Also write the report as a self-contained HTML page beside the JSON.
    #[arg(long)]
    pub html: bool,
    /// End with a comparison against an earlier report (read and checked before measuring).
    #[arg(long, value_name = "PREVIOUS.json")]
    pub compare: Option<PathBuf>,
}

/// Options of `chipbench plan`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("mode").required(true).args(["train", "infer"]))]
pub struct PlanArgs {
    /// Model: a preset (see `chipbench models`) or a JSON model file.
    #[arg(long, value_name = "PRESET|FILE")]
    pub model: String,
    /// Chip: h100-sxm or a100-sxm-80gb.
    #[arg(long)]
    pub chip: String,
    /// Number of chips.
    #[arg(long, value_name = "N")]
    pub chips: u64,
    /// Plan a training run.
    #[arg(long)]
    pub train: bool,
    /// Plan serving.
    #[arg(long)]
    pub infer: bool,
    /// Training tokens, e.g. 15.6T, 300B, 2e12.
    #[arg(long, value_name = "T", value_parser = parse_count)]
    pub tokens: Option<f64>,
    /// Training sequence length (default: the model's pretraining context).
    #[arg(long, value_name = "S")]
    pub seq: Option<u64>,
    /// Sequences per optimizer step (default: about 4M tokens' worth).
    #[arg(long, value_name = "SEQUENCES")]
    pub global_batch: Option<u64>,
    /// Sequences per micro-batch (default 1 with --layout; searched without).
    #[arg(long, value_name = "SEQUENCES")]
    pub micro_batch: Option<u64>,
    /// Parallel layout, e.g. tp=8,pp=16,dp=64,cp=1,ep=1,v=1 (left out: searched).
    #[arg(long)]
    pub layout: Option<String>,
    /// Activation recomputation (default selective with --layout; searched without).
    #[arg(long, value_enum)]
    pub recompute: Option<Recompute>,
    /// ZeRO stage: 0, 1 (optimizer state sharded), 2 (and gradients), 3 (and weights: FSDP).
    #[arg(long, default_value_t = 1)]
    pub zero: u8,
    /// Matmul precision (int4: weight-only, inference).
    #[arg(long, value_enum, default_value_t = Precision::Bf16)]
    pub precision: Precision,
    /// Share of data-parallel traffic's overlap window that hides it (0 to 1).
    #[arg(long, default_value_t = 1.0)]
    pub dp_overlap: f64,
    /// Average power as a share of TDP, for energy (1.0: an upper bound).
    #[arg(long, default_value_t = 1.0)]
    pub power_fraction: f64,
    /// Price of one chip-hour in USD, for cost.
    #[arg(long, value_name = "USD")]
    pub price_per_chip_hour: Option<f64>,
    /// Prompt tokens per request (inference).
    #[arg(long, value_name = "P")]
    pub prompt: Option<u64>,
    /// Generated tokens per request (inference).
    #[arg(long, value_name = "G")]
    pub generate: Option<u64>,
    /// Requests served at once (inference).
    #[arg(long, value_name = "C", default_value_t = 1)]
    pub concurrency: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `15.6T`, `300B`, `2e12`, `4M`: a count with an optional SI suffix.
pub fn parse_count(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (number, scale) = match text.char_indices().last() {
        Some((at, suffix)) if suffix.is_ascii_alphabetic() => {
            let scale = match suffix.to_ascii_uppercase() {
                'K' => 1e3,
                'M' => 1e6,
                'B' | 'G' => 1e9,
                'T' => 1e12,
                'P' => 1e15,
                other => return Err(format!("unknown suffix '{other}' (K, M, B, T, P)")),
            };
            (&text[..at], scale)
        }
        _ => (text, 1.0),
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(|v| v * scale)
        .ok_or_else(|| format!("'{text}' is not a positive count such as 15.6T or 2e12"))
}

/// `--timer` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimerChoice {
    /// GPU timestamps if the adapter has them, else wall clock.
    Auto,
    /// Wall clock around submit + wait.
    Wall,
}
