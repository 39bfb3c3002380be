//! Command-line definitions: one subcommand per verb.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::case::Dtype;
use crate::fleet::Thresholds;
use crate::planner::{Precision, Recompute, DEFAULT_GOODPUT};

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
    /// after): each figure, its ratio to the first report's, and a verdict;
    /// or, with --history, one report against its chip's earlier runs.
    Compare(CompareArgs),
    /// The result history: add reports to an SQLite database, list what it holds.
    History(HistoryArgs),
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
    /// Find the nodes of a fleet that are off: each node's reports against
    /// its group's (same chip, backend, driver) median, with robust
    /// statistics; a verdict per node and an exit code a health check can use.
    #[command(after_help = FLEET_EXIT_CODES)]
    Fleet(FleetArgs),
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
    /// Write CSV, one row per case with every numeric field (for `fleet`, one per node and case), to FILE.
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
    /// Two or more saved reports; the first is the one the others are held
    /// against. With --history, one.
    #[arg(required = true, value_name = "REPORT")]
    pub reports: Vec<PathBuf>,
    /// Hold the report against its chip's earlier runs in the history (same
    /// adapter and backend, any node; other drivers and host CPUs named): each case's
    /// change from their median, and whether it drifted beyond their spread.
    #[arg(long, conflicts_with_all = ["html", "md", "csv"])]
    pub history: bool,
    /// The history database (with --history).
    #[arg(long, value_name = "FILE", requires = "history", help = DB_HELP)]
    pub db: Option<PathBuf>,
    /// Where to write, besides the table on stdout.
    #[command(flatten)]
    pub outputs: OutputArgs,
}

/// What `chipbench fleet`'s exit code says.
pub const FLEET_EXIT_CODES: &str = "Exit codes: 0 every node passed; 4 at least one node warned \
and none failed; 5 at least one node failed or an expected node is missing; 1 error (bad input: \
one `error:` line); 2 usage.";

/// Options of `chipbench fleet`; thresholds in percent of the group median
/// and in robust z-scores (defaults: [`Thresholds::default`]).
#[derive(Debug, clap::Args)]
pub struct FleetArgs {
    /// Reports, or folders of reports, one or more per node.
    #[arg(required = true, value_name = "REPORT-OR-FOLDER")]
    pub paths: Vec<PathBuf>,
    /// Where to write, besides the table on stdout.
    #[command(flatten)]
    pub outputs: OutputArgs,
    /// Print the analysis as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// How many nodes should have reported: fewer fails (exit 5).
    #[arg(long, value_name = "N", conflicts_with = "expect_nodes")]
    pub expect: Option<usize>,
    /// The nodes that should have reported, by label: each without a report is listed as missing (exit 5).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub expect_nodes: Vec<String>,
    /// Compare every report as one group even where backends or drivers
    /// differ (refused when the chips differ).
    #[arg(long)]
    pub group_as_one: bool,
    /// Also hold each node against its own earlier runs in this history
    /// database (`chipbench history add`): a drift the whole fleet shares warns.
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Warn when a node's cases are this many percent below the group median...
    #[arg(long, value_name = "PCT", default_value_t = Thresholds::default().warn_below * 100.0)]
    pub warn_below: f64,
    /// ... with a robust z-score at or below minus this.
    #[arg(long, value_name = "Z", default_value_t = Thresholds::default().warn_z)]
    pub warn_z: f64,
    /// Fail when a node's cases are this many percent below the group median...
    #[arg(long, value_name = "PCT", default_value_t = Thresholds::default().fail_below * 100.0)]
    pub fail_below: f64,
    /// ... with a robust z-score at or below minus this.
    #[arg(long, value_name = "Z", default_value_t = Thresholds::default().fail_z)]
    pub fail_z: f64,
    /// Warn when one case alone is this many percent below its median...
    #[arg(long, value_name = "PCT", default_value_t = Thresholds::default().case_below * 100.0)]
    pub case_below: f64,
    /// ... with its own z-score at or below minus this.
    #[arg(long, value_name = "Z", default_value_t = Thresholds::default().case_z)]
    pub case_z: f64,
    /// The smallest σ a case is judged with, in percent of its median.
    #[arg(long, value_name = "PCT", default_value_t = Thresholds::default().noise_floor * 100.0)]
    pub noise_floor: f64,
}

impl FleetArgs {
    /// The thresholds the flags give, as fractions.
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            warn_below: self.warn_below / 100.0,
            warn_z: self.warn_z,
            fail_below: self.fail_below / 100.0,
            fail_z: self.fail_z,
            case_below: self.case_below / 100.0,
            case_z: self.case_z,
            noise_floor: self.noise_floor / 100.0,
        }
    }
}

impl CompareArgs {
    /// Two or more reports, or exactly one with `--history`: a usage error
    /// (exit code 2, as clap's own) otherwise.
    pub fn check_count(&self) -> Result<(), clap::Error> {
        use clap::CommandFactory;
        let message = match (self.history, self.reports.len()) {
            (true, 1) | (false, 2..) => return Ok(()),
            (true, _) => "compare --history takes one report",
            (false, _) => "compare needs two or more reports (or one with --history)",
        };
        let mut command = Cli::command();
        command.build();
        let compare = command
            .find_subcommand_mut("compare")
            .expect("compare is a subcommand");
        Err(compare.error(clap::error::ErrorKind::WrongNumberOfValues, message))
    }
}

/// `--db`'s help, with the default path.
const DB_HELP: &str = "The history database [default: $XDG_DATA_HOME/chipbench/history.sqlite, \
                       else ~/.local/share/chipbench/history.sqlite]";

/// Options of `chipbench history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The history database.
    #[arg(long, value_name = "FILE", global = true, help = DB_HELP)]
    pub db: Option<PathBuf>,
    /// What to do with it.
    #[command(subcommand)]
    pub action: HistoryAction,
}

/// `history`'s verbs.
#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Add reports (files, or folders of them) to the history, one
    /// transaction each; the same run twice is refused.
    Add {
        /// Reports (`.json`, or an interrupted run's `.journal.jsonl`), or folders of reports.
        #[arg(required = true, value_name = "REPORT")]
        reports: Vec<PathBuf>,
    },
    /// List the stored measurements, oldest run first.
    Show(HistoryShowArgs),
}

/// Options of `chipbench history show`.
#[derive(Debug, clap::Args)]
pub struct HistoryShowArgs {
    /// Only adapters whose name contains PATTERN (case-insensitive).
    #[arg(long, value_name = "PATTERN")]
    pub chip: Option<String>,
    /// Only cases whose name contains PATTERN (case-insensitive).
    #[arg(long = "case", value_name = "PATTERN")]
    pub case_pattern: Option<String>,
    /// Only runs of this node label (exactly).
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
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
    /// Predict every case of this report and print the error case by case
    /// and overall. Repeatable: runs of one chip, each case judged by its
    /// fastest over the runs, as `calibrate` takes its fit points.
    #[arg(long, value_name = "REPORT", conflicts_with_all = ["op", "shape"])]
    pub report: Vec<PathBuf>,
}

/// Options of `chipbench run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Suite to run: `quick` (seconds), `standard` (minutes), `calibrate` (a
    /// per-chip model's measurements) or `block` (GPT-2 layers, prefill and decode).
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
    /// Which node of a fleet this run stands for, kept in the report and its
    /// file name (default: what Slurm or a Kubernetes Indexed Job says, else
    /// the host name)
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// Add the finished (or interrupted) run to the result history, after
    /// its report is written (the database is checked before measuring).
    #[arg(long)]
    pub history: bool,
    /// The history database (with --history).
    #[arg(long, value_name = "FILE", requires = "history", help = DB_HELP)]
    pub db: Option<PathBuf>,
}

/// Options of `chipbench plan`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("mode").required(true).args(["train", "infer"]))]
pub struct PlanArgs {
    /// Model: a preset (see `chipbench models`) or a JSON model file.
    #[arg(long, value_name = "PRESET|FILE")]
    pub model: String,
    /// Chip: a catalog id (see `chipbench chips`) or a profile file written by `chipbench calibrate`.
    #[arg(long, value_name = "CHIP-ID|PROFILE")]
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
    /// Pipeline tensor-parallel all-gathers and reduce-scatters with the
    /// matmuls beside them, as Transformer Engine's userbuffers do (NeMo's
    /// `ub_tp_comm_overlap`): one piece of each stays exposed.
    #[arg(long)]
    pub tp_overlap: bool,
    /// Average power as a share of TDP, for energy (1.0: an upper bound).
    #[arg(long, default_value_t = 1.0)]
    pub power_fraction: f64,
    /// Share of wall-clock time that trains, above 0 and at most 1: days,
    /// chip-hours, energy and cost count the time lost to failures,
    /// restarts and checkpointing (default: MegaScale's and Llama 3's
    /// effective training time).
    #[arg(long, value_name = "F", default_value_t = DEFAULT_GOODPUT)]
    pub goodput: f64,
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
    /// Also write the plan as Markdown to FILE.
    #[arg(long, value_name = "FILE")]
    pub md: Option<PathBuf>,
    /// Also write the plan as a self-contained HTML page, its time breakdowns as charts, to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
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
