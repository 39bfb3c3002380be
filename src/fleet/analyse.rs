//! The fleet analysis: node runs grouped by chip, backend and driver; each
//! group's median and spread per case; each node scored against them (and
//! against its own history where given) and judged.

use std::collections::BTreeMap;

use serde::Serialize;

use super::history::{drift, EarlierFigures, HistoryDrift};
use super::node::{CaseOutcome, NodeRun};
use super::robust::mad_sigma;
use super::score::{Aggregate, CaseScore, Reference};
use super::verdict::{Finding, Thresholds, Verdict, MIN_NODES};
use super::{FleetError, GroupKey};
use crate::measure::median;

/// Which nodes should have reported.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Expected {
    /// Whatever reported is the fleet.
    #[default]
    Any,
    /// This many nodes (`--expect N`): fewer is a failure, though unnamed.
    Count(usize),
    /// These nodes by label (`--expect-nodes`): each one without a report is missing.
    Nodes(Vec<String>),
}

/// How to analyse.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// When a node is slow enough to warn or fail.
    pub thresholds: Thresholds,
    /// Compare every report as one group (refused when the chips differ).
    pub group_as_one: bool,
    /// Which nodes should have reported.
    pub expected: Expected,
}

/// What the fleet's reports say, node by node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetAnalysis {
    /// The thresholds the nodes were judged with.
    pub thresholds: Thresholds,
    /// The groups, each compared on its own.
    pub groups: Vec<GroupAnalysis>,
    /// Every node: those that reported, group by group in label order, then
    /// the expected ones that did not.
    pub nodes: Vec<NodeVerdict>,
    /// Nodes missing by count (`--expect N`) that cannot be named.
    pub unnamed_missing: usize,
    /// What the reader should know about the input as a whole (duplicates
    /// left out, nodes expected or not).
    pub notes: Vec<String>,
}

/// One group of nodes: same chip, backend and driver.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupAnalysis {
    /// Chip, backend and driver.
    pub key: GroupKey,
    /// How many nodes it has.
    pub nodes: usize,
    /// Whether it had enough nodes for robust statistics ([`MIN_NODES`]).
    pub compared: bool,
    /// Schema versions of its reports, ascending.
    pub schema_versions: Vec<u32>,
    /// Each case measured on at least [`MIN_NODES`] of its nodes.
    pub cases: Vec<CaseStats>,
    /// What the reader should know about the group (versions mixed, too few nodes).
    pub notes: Vec<String>,
}

/// One case across a group's nodes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseStats {
    /// Case name.
    pub case: String,
    /// `GFLOP/s`, `GB/s` or `s`.
    pub unit: String,
    /// Whether a larger figure is better.
    pub higher_is_better: bool,
    /// Nodes that measured it.
    pub nodes_measured: usize,
    /// The group's median and its 1.4826·MAD across nodes.
    pub reference: Reference,
}

/// How one node came out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeVerdict {
    /// The node's label.
    pub node: String,
    /// Index into [`FleetAnalysis::groups`] (None for a missing node).
    pub group: Option<usize>,
    /// The report it came from (None for a missing node).
    pub source: Option<String>,
    /// Pass, warn, fail or missing.
    pub verdict: Verdict,
    /// What decided the verdict (empty for a pass).
    pub findings: Vec<Finding>,
    /// Its cases against the group's medians, taken together.
    pub aggregate: Option<Aggregate>,
    /// Each case against the group's median, in the report's order.
    pub cases: Vec<CaseScore>,
    /// Against its own earlier figures, where given.
    pub history: Option<HistoryDrift>,
}

impl NodeVerdict {
    /// Its compared cases, slowest (lowest z) first.
    pub fn worst_cases(&self) -> Vec<&CaseScore> {
        let mut cases: Vec<&CaseScore> = self.cases.iter().collect();
        cases.sort_by(|a, b| a.z.total_cmp(&b.z));
        cases
    }
}

impl FleetAnalysis {
    /// The worst verdict of any node, a node missing by count being a missing one.
    pub fn worst(&self) -> Verdict {
        let worst = self.nodes.iter().map(|n| n.verdict).max();
        match self.unnamed_missing {
            0 => worst.unwrap_or(Verdict::Pass),
            _ => Verdict::Missing,
        }
    }
}

/// Analyses `runs` (one per report) with `options`; `earlier` holds each
/// node's own earlier figures (empty: no history).
pub fn analyse(
    runs: Vec<NodeRun>,
    options: &Options,
    earlier: &EarlierFigures,
) -> Result<FleetAnalysis, FleetError> {
    options
        .thresholds
        .check()
        .map_err(FleetError::Thresholds)?;
    let mut notes = Vec::new();
    let grouped = group(runs, options.group_as_one)?;
    let mut groups = Vec::new();
    let mut nodes = Vec::new();
    for (index, (key, runs)) in grouped.into_iter().enumerate() {
        let runs = newest_per_node(runs, &mut notes);
        let group = GroupAnalysis::of(key, &runs);
        for run in &runs {
            nodes.push(judge(run, index, &group, &runs, options, earlier));
        }
        groups.push(group);
    }
    let found: Vec<String> = {
        let mut labels: Vec<String> = nodes.iter().map(|n| n.node.clone()).collect();
        labels.sort();
        labels.dedup();
        labels
    };
    let mut unnamed_missing = 0;
    match &options.expected {
        Expected::Any => {}
        Expected::Count(count) => {
            if found.len() < *count {
                unnamed_missing = count - found.len();
                notes.push(format!(
                    "expected {count} nodes, found {}: {unnamed_missing} missing \
                     (name them with --expect-nodes to list which)",
                    found.len()
                ));
            } else if found.len() > *count {
                notes.push(format!(
                    "found {} nodes, more than the {count} expected",
                    found.len()
                ));
            }
        }
        Expected::Nodes(expected) => {
            for name in expected.iter().filter(|e| !found.contains(e)) {
                nodes.push(NodeVerdict {
                    node: name.clone(),
                    group: None,
                    source: None,
                    verdict: Verdict::Missing,
                    findings: vec![Finding::new(Verdict::Missing, "expected, but no report")],
                    aggregate: None,
                    cases: Vec::new(),
                    history: None,
                });
            }
            let unexpected: Vec<&str> = found
                .iter()
                .filter(|f| !expected.contains(f))
                .map(String::as_str)
                .collect();
            if !unexpected.is_empty() {
                notes.push(format!(
                    "reported but not in --expect-nodes: {}",
                    unexpected.join(", ")
                ));
            }
        }
    }
    if groups.len() > 1 {
        notes.insert(
            0,
            format!(
                "{} groups (chip, backend, driver), each compared on its own",
                groups.len()
            ),
        );
    }
    Ok(FleetAnalysis {
        thresholds: options.thresholds,
        groups,
        nodes,
        unnamed_missing,
        notes,
    })
}

/// `runs` by group, in key order; one group under a merged key with
/// `as_one`, refused when the chips differ.
fn group(runs: Vec<NodeRun>, as_one: bool) -> Result<BTreeMap<GroupKey, Vec<NodeRun>>, FleetError> {
    if runs.is_empty() {
        return Err(FleetError::NothingToAnalyse);
    }
    let mut grouped: BTreeMap<GroupKey, Vec<NodeRun>> = BTreeMap::new();
    if as_one {
        let keys: Vec<&GroupKey> = runs.iter().map(|r| &r.group).collect();
        let Some(key) = GroupKey::merged(&keys) else {
            let mut chips: Vec<String> = runs.iter().map(|r| r.group.chip.clone()).collect();
            chips.sort();
            chips.dedup();
            return Err(FleetError::DifferentChips(chips));
        };
        grouped.insert(key, runs);
    } else {
        for run in runs {
            grouped.entry(run.group.clone()).or_default().push(run);
        }
    }
    Ok(grouped)
}

/// One run per node, the newest (by start time, then by source) where a node
/// reported twice, with a note naming what was left out; in label order.
fn newest_per_node(mut runs: Vec<NodeRun>, notes: &mut Vec<String>) -> Vec<NodeRun> {
    runs.sort_by(|a, b| {
        (&a.node, &b.started_utc, &b.source).cmp(&(&b.node, &a.started_utc, &a.source))
    });
    let mut kept: Vec<NodeRun> = Vec::new();
    for run in runs {
        match kept.last() {
            Some(newest) if newest.node == run.node => notes.push(format!(
                "node {} reported twice: kept the newest, {} (started {}); left out {} (started {})",
                run.node, newest.source, newest.started_utc, run.source, run.started_utc
            )),
            _ => kept.push(run),
        }
    }
    kept
}

impl GroupAnalysis {
    /// The group `key` of `runs` (one per node): each case measured on at
    /// least [`MIN_NODES`] nodes with its median and spread.
    fn of(key: GroupKey, runs: &[NodeRun]) -> GroupAnalysis {
        let mut versions: Vec<u32> = runs.iter().map(|r| r.schema_version).collect();
        versions.sort();
        versions.dedup();
        let mut notes = Vec::new();
        if versions.len() > 1 {
            let listed: Vec<String> = versions.iter().map(u32::to_string).collect();
            notes.push(format!(
                "mixes report schema versions {}: the older are read by migration, and \
                 version 1 kept no raw samples, so their noise comes from their summaries",
                listed.join(" and ")
            ));
        }
        let compared = runs.len() >= MIN_NODES;
        if !compared {
            notes.push(format!(
                "{} node{}: too few to compare (robust statistics need {MIN_NODES}); \
                 listed, not judged against each other",
                runs.len(),
                if runs.len() == 1 { "" } else { "s" }
            ));
        }
        let mut names: Vec<&str> = Vec::new();
        for run in runs {
            for case in &run.cases {
                if !names.contains(&case.case.as_str()) {
                    names.push(&case.case);
                }
            }
        }
        let cases = names
            .into_iter()
            .filter_map(|name| {
                let measured: Vec<(f64, &super::node::CaseFigure)> = runs
                    .iter()
                    .filter_map(|run| {
                        let case = run.case(name)?;
                        match case.outcome {
                            CaseOutcome::Measured { figure, .. } => Some((figure, case)),
                            _ => None,
                        }
                    })
                    .collect();
                if measured.len() < MIN_NODES {
                    return None;
                }
                let figures: Vec<f64> = measured.iter().map(|&(f, _)| f).collect();
                let first = measured[0].1;
                Some(CaseStats {
                    case: name.to_string(),
                    unit: first.unit.clone(),
                    higher_is_better: first.higher_is_better,
                    nodes_measured: measured.len(),
                    reference: Reference {
                        median: median(&figures),
                        sigma: mad_sigma(&figures),
                    },
                })
            })
            .collect();
        GroupAnalysis {
            nodes: runs.len(),
            key,
            compared,
            schema_versions: versions,
            cases,
            notes,
        }
    }
}

/// The verdict on `run`, node of `group` (index `index`) with `peers` (all
/// of the group's runs, itself included).
fn judge(
    run: &NodeRun,
    index: usize,
    group: &GroupAnalysis,
    peers: &[NodeRun],
    options: &Options,
    earlier: &EarlierFigures,
) -> NodeVerdict {
    let t = &options.thresholds;
    let mut findings = Vec::new();
    for case in &run.cases {
        if let CaseOutcome::Failed { reason } = &case.outcome {
            findings.push(Finding::new(
                Verdict::Fail,
                format!("{} failed: {reason}", case.case),
            ));
        }
    }
    let mut scores = Vec::new();
    if group.compared {
        for stats in &group.cases {
            let case = run.case(&stats.case);
            match case.map(|c| &c.outcome) {
                Some(&CaseOutcome::Measured {
                    figure,
                    median_se_fraction,
                }) => scores.push(CaseScore::of(
                    &stats.case,
                    figure,
                    stats.higher_is_better,
                    stats.reference,
                    median_se_fraction,
                    t.noise_floor,
                )),
                Some(CaseOutcome::Failed { .. }) => {}
                Some(CaseOutcome::Unsupported) | None => {
                    if stats.nodes_measured * 2 > peers.len() {
                        findings.push(Finding::new(
                            Verdict::Warn,
                            format!(
                                "{} not measured here ({}), measured on {} of {} nodes",
                                stats.case,
                                if case.is_some() { "unsupported" } else { "absent" },
                                stats.nodes_measured,
                                peers.len()
                            ),
                        ));
                    }
                }
            }
        }
    } else {
        findings.push(Finding::new(
            Verdict::Warn,
            format!(
                "not compared: its group has {} node{} (needs {MIN_NODES})",
                peers.len(),
                if peers.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    let aggregate = Aggregate::of(&scores);
    if let Some(aggregate) = &aggregate {
        if let Some(level) = t.judge(aggregate) {
            findings.push(Finding::new(
                level,
                format!("its cases at {} of the group median", aggregate.words()),
            ));
        }
    }
    for score in &scores {
        if t.case_far_off(score.fraction, score.z) {
            findings.push(Finding::new(
                Verdict::Warn,
                format!("{} of the group median", score.words()),
            ));
        }
    }
    let history = drift(run, earlier, t.noise_floor);
    if let Some(history) = &history {
        if t.judge(&history.aggregate).is_some() {
            findings.push(Finding::new(Verdict::Warn, history.words()));
        }
    }
    findings.sort_by(|a, b| b.level.cmp(&a.level));
    NodeVerdict {
        node: run.node.clone(),
        group: Some(index),
        source: Some(run.source.clone()),
        verdict: findings.first().map_or(Verdict::Pass, |f| f.level),
        findings,
        aggregate,
        cases: scores,
        history,
    }
}
