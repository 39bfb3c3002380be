//! A node against its own earlier figures, so that a slow drift is seen even
//! when the whole fleet drifts with it. The earlier figures are plain data
//! (filled from the result history's database, or by hand in a test).

use std::collections::BTreeMap;

use serde::Serialize;

use super::node::{CaseOutcome, NodeRun};
use super::score::{Aggregate, CaseScore, Reference};
use super::GroupKey;
use crate::measure::mad_sigma;
use crate::measure::median;

/// Earlier figures of each node: (node label, group, case) → the case's
/// figures in earlier runs, oldest first, in the unit the case is judged by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EarlierFigures {
    figures: BTreeMap<(String, GroupKey, String), Vec<f64>>,
}

impl EarlierFigures {
    /// No history.
    pub fn new() -> EarlierFigures {
        EarlierFigures::default()
    }

    /// Adds `figures` (oldest first) of `case` on `node` in `group`, after
    /// any already there.
    pub fn add(&mut self, node: &str, group: &GroupKey, case: &str, figures: &[f64]) {
        self.figures
            .entry((node.to_string(), group.clone(), case.to_string()))
            .or_default()
            .extend_from_slice(figures);
    }

    /// The earlier figures of `case` on `node` in `group`, oldest first.
    pub fn of(&self, node: &str, group: &GroupKey, case: &str) -> &[f64] {
        self.figures
            .get(&(node.to_string(), group.clone(), case.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// True when there is no earlier figure at all.
    pub fn is_empty(&self) -> bool {
        self.figures.is_empty()
    }
}

/// A node's figures against its own earlier ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryDrift {
    /// The cases taken together: fraction of their earlier medians, and z.
    pub aggregate: Aggregate,
    /// The most earlier runs any case had.
    pub earlier_runs: usize,
    /// Each case against the median of its earlier figures.
    pub cases: Vec<CaseScore>,
}

impl HistoryDrift {
    /// `vs own history: 91.0% of its earlier medians (weighted median of 12
    /// cases), z −5.0, over up to 6 earlier runs`.
    pub fn words(&self) -> String {
        format!(
            "vs own history: {}, over up to {} earlier run{}",
            self.aggregate.words("its earlier medians"),
            self.earlier_runs,
            if self.earlier_runs == 1 { "" } else { "s" }
        )
    }
}

/// `run` against its earlier figures in `earlier`: each measured case as a
/// fraction of the median of its earlier figures, with a σ from their MAD
/// where there are three or more (else the node's own standard error and the
/// floor). None when no case has an earlier figure.
pub fn drift(run: &NodeRun, earlier: &EarlierFigures, floor: f64) -> Option<HistoryDrift> {
    let mut cases = Vec::new();
    let mut earlier_runs = 0;
    for case in &run.cases {
        let CaseOutcome::Measured {
            figure,
            median_se_fraction,
        } = case.outcome
        else {
            continue;
        };
        let before = earlier.of(&run.node, &run.group, &case.case);
        if before.is_empty() {
            continue;
        }
        earlier_runs = earlier_runs.max(before.len());
        let reference = Reference {
            median: median(before),
            sigma: if before.len() >= 3 {
                mad_sigma(before)
            } else {
                0.0
            },
        };
        cases.push(CaseScore::of(
            &case.case,
            figure,
            case.higher_is_better,
            reference,
            median_se_fraction,
            floor,
        ));
    }
    Some(HistoryDrift {
        aggregate: Aggregate::of(&cases)?,
        earlier_runs,
        cases,
    })
}
