//! What the fleet analysis reads from one report: the node it stands for,
//! its group, and each case's figure with the standard error of its median,
//! as plain data (a synthetic fleet or a test builds it without files).

use serde::Serialize;

use super::robust::{median_se_fraction, median_se_fraction_of_summary};
use super::GroupKey;
use crate::analysis::{best, rate_of};
use crate::report::{Measurement, Report, Status};

/// One node's run: one report, reduced to what comparing nodes needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRun {
    /// The node's label (`run --node`, the scheduler's name, else the host name).
    pub node: String,
    /// Where the report came from (its path), for messages.
    pub source: String,
    /// Chip, backend and driver: nodes are compared only within a group.
    pub group: GroupKey,
    /// The schema version the report was written in (1 is read by migration).
    pub schema_version: u32,
    /// When the run started, RFC 3339 UTC: the newest of two runs of a node wins.
    pub started_utc: String,
    /// Whether the run did not finish every case.
    pub partial: bool,
    /// One entry per case, in the report's order.
    pub cases: Vec<CaseFigure>,
}

/// How one case of a node's run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CaseOutcome {
    /// Timed and verified.
    Measured {
        /// The figure the case is judged by, in `CaseFigure::unit`.
        figure: f64,
        /// Standard error of the median time, as a fraction of it (None
        /// where the report kept too few samples to say).
        median_se_fraction: Option<f64>,
    },
    /// A wrong answer or a GPU error: never a figure, always a failed node.
    Failed {
        /// Why, as the report says.
        reason: String,
    },
    /// The adapter could not run it.
    Unsupported,
}

/// One case of a node's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseFigure {
    /// Case name, e.g. `stream_copy_f32_16777216`.
    pub case: String,
    /// `GFLOP/s`, `GB/s` or `s`.
    pub unit: String,
    /// Whether a larger figure is better (false for times).
    pub higher_is_better: bool,
    /// Its figure, or why there is none.
    pub outcome: CaseOutcome,
}

impl NodeRun {
    /// The node run `report` (read from `source`) stands for. A case with
    /// several variants (`--all-variants`) is its best verified one; a case
    /// with none verified is failed where any variant failed.
    pub fn of(report: &Report, source: &str) -> NodeRun {
        let mut names: Vec<&str> = Vec::new();
        for m in &report.measurements {
            if !names.contains(&m.case.as_str()) {
                names.push(&m.case);
            }
        }
        let cases = names
            .into_iter()
            .map(|name| {
                let variants: Vec<&Measurement> = report
                    .measurements
                    .iter()
                    .filter(|m| m.case == name)
                    .collect();
                case_figure(&variants)
            })
            .collect();
        NodeRun {
            node: report.host.node_label().to_string(),
            source: source.to_string(),
            group: GroupKey::of(report),
            schema_version: report.schema_version,
            started_utc: report.started_utc.clone(),
            partial: report.partial,
            cases,
        }
    }

    /// The case named `case`, if the run has it.
    pub fn case(&self, case: &str) -> Option<&CaseFigure> {
        self.cases.iter().find(|c| c.case == case)
    }
}

/// One case from its variants' measurements (at least one).
fn case_figure(variants: &[&Measurement]) -> CaseFigure {
    let first = variants[0];
    let judged = best(variants.iter().copied());
    let rate = judged.and_then(rate_of).or_else(|| rate_of(first));
    let outcome = match judged.zip(rate) {
        Some((m, rate)) => CaseOutcome::Measured {
            figure: rate.value,
            median_se_fraction: median_se(m),
        },
        None => match variants.iter().find(|m| m.status == Status::Failed) {
            Some(failed) => CaseOutcome::Failed {
                reason: failed
                    .reason
                    .clone()
                    .unwrap_or_else(|| "failed, no reason recorded".into()),
            },
            None => CaseOutcome::Unsupported,
        },
    };
    CaseFigure {
        case: first.case.clone(),
        unit: rate.map_or("", |r| r.unit).to_string(),
        higher_is_better: rate.is_none_or(|r| r.higher_is_better),
        outcome,
    }
}

/// The relative standard error of `m`'s median time: from its raw samples,
/// else (schema 1) from its summary.
fn median_se(m: &Measurement) -> Option<f64> {
    let timing = m.timing.as_ref()?;
    median_se_fraction(&timing.samples_s).or_else(|| {
        let s = &timing.summary;
        median_se_fraction_of_summary(s.median_s, s.mad_s, timing.samples)
    })
}
