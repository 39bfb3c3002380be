//! Finding the chips that are off: the reports of many nodes, grouped by
//! chip, backend and driver, each node held against its group's median with
//! robust statistics (median, scaled MAD, a noise floor), its cases weighted
//! by how noisy they are, and judged pass, warn or fail; optionally against
//! its own earlier figures as well. And synthetic fleets built from a real
//! report, with the detection and false-alarm rates they give.
//!
//! Inside, imports go one way: `robust`, `group` ← `node`, `score` ←
//! `verdict`, `history` ← `analyse` ← `collect`, `synthetic` ← `rates`.

mod analyse;
mod collect;
mod group;
mod history;
mod node;
mod rates;
mod robust;
mod score;
mod synthetic;
mod verdict;

pub use analyse::{
    analyse, CaseStats, Expected, FleetAnalysis, GroupAnalysis, NodeVerdict, Options,
};
pub use collect::collect;
pub use group::GroupKey;
pub use history::{EarlierFigures, HistoryDrift};
pub use node::{CaseFigure, CaseOutcome, NodeRun};
pub use rates::{measure_rates, Rates, Trial};
pub use robust::weighted_median;
pub use score::{signed, Aggregate, CaseScore, Reference};
pub use synthetic::{synthesize, FleetSpec, NoiseModel};
pub use verdict::{Finding, Thresholds, Verdict, MIN_NODES};

use crate::report::ReportError;

/// Why a fleet could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// A path named on the command line does not exist.
    #[error("{0} does not exist")]
    NotFound(String),
    /// A folder holds no report.
    #[error("{0}: no chipbench reports in this folder")]
    NoReports(String),
    /// A folder could not be listed.
    #[error("{path}: {source}")]
    Unreadable {
        /// The folder.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A file is not a report, or of a newer schema.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// No report at all.
    #[error("no reports to analyse")]
    NothingToAnalyse,
    /// `--group-as-one` over reports of several chips.
    #[error(
        "--group-as-one: the reports are of {} chips ({}); nodes are compared only with the same chip",
        .0.len(),
        .0.join(", ")
    )]
    DifferentChips(Vec<String>),
    /// Thresholds that cannot work.
    #[error("{0}")]
    Thresholds(String),
    /// A report a synthetic fleet cannot be built from.
    #[error("{0}")]
    Source(String),
}
