//! The fleet analysis: node runs grouped by chip, backend and driver; each
//! group's median and spread per case; each node scored against them (and
//! against its own history where given) and judged.

use std::collections::BTreeMap;

use serde::Serialize;

use super::history::{drift, EarlierFigures, HistoryDrift};
use super::node::{CaseOutcome, NodeRun};
use super::score::{Aggregate, CaseScore, Reference};
use super::verdict::{Finding, Thresholds, Verdict, MIN_NODES};
use super::{FleetError, GroupKey};
use crate::measure::mad_sigma;
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
    /// The group's typical spread across nodes: the median over its cases of
    /// σ ÷ median. No case is judged with a smaller σ, since a MAD from a
    /// few nodes can come out near zero by chance.
    pub pooled_sigma_fraction: f64,
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
    /// What decided the verdict, or for a pass its slowest cases.
    pub fn decided_by(&self) -> String {
        match self.findings.is_empty() {
            true => slowest(&self.cases),
            false => {
                let texts: Vec<&str> = self.findings.iter().map(|f| f.text.as_str()).collect();
                texts.join("; ")
            }
        }
    }
}

/// How many of the slowest cases a verdict names.
const SLOWEST_NAMED: usize = 3;

/// `slowest: stream_copy_f32_16777216 88.0%, z −6.1, ...`: the cases with
/// the lowest z, or empty where none was compared.
fn slowest(scores: &[CaseScore]) -> String {
    let mut sorted: Vec<&CaseScore> = scores.iter().collect();
    sorted.sort_by(|a, b| a.z.total_cmp(&b.z));
    let named: Vec<String> = sorted
        .iter()
        .take(SLOWEST_NAMED)
        .map(|s| s.words())
        .collect();
    match named.is_empty() {
        true => String::new(),
        false => format!("slowest: {}", named.join("; ")),
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
    options.thresholds.check().map_err(FleetError::Thresholds)?;
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
/// reported more than once, with a note per such node naming what was left
/// out; in label order.
fn newest_per_node(mut runs: Vec<NodeRun>, notes: &mut Vec<String>) -> Vec<NodeRun> {
    runs.sort_by(|a, b| {
        (&a.node, &b.started_utc, &b.source).cmp(&(&b.node, &a.started_utc, &a.source))
    });
    let mut kept: Vec<(NodeRun, Vec<String>)> = Vec::new();
    for run in runs {
        match kept.last_mut() {
            Some((newest, left_out)) if newest.node == run.node => left_out.push(run.source),
            _ => kept.push((run, Vec::new())),
        }
    }
    for (newest, left_out) in &kept {
        if !left_out.is_empty() {
            notes.push(format!(
                "node {} reported {} times: kept the newest, {} (started {}); left out {}",
                newest.node,
                left_out.len() + 1,
                newest.source,
                newest.started_utc,
                left_out.join(", ")
            ));
        }
    }
    kept.into_iter().map(|(run, _)| run).collect()
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
        let cases: Vec<CaseStats> = names
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
        let spreads: Vec<f64> = cases
            .iter()
            .map(|c: &CaseStats| c.reference.sigma / c.reference.median)
            .collect();
        GroupAnalysis {
            pooled_sigma_fraction: match spreads.is_empty() {
                true => 0.0,
                false => median(&spreads),
            },
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
    let floor = t.noise_floor.max(group.pooled_sigma_fraction);
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
                    floor,
                )),
                Some(CaseOutcome::Failed { .. }) => {}
                Some(CaseOutcome::Unsupported) | None => {
                    if stats.nodes_measured * 2 > peers.len() {
                        findings.push(Finding::new(
                            Verdict::Warn,
                            format!(
                                "{} not measured here ({}), measured on {} of {} nodes",
                                stats.case,
                                if case.is_some() {
                                    "unsupported"
                                } else {
                                    "absent"
                                },
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
                format!(
                    "its cases at {}; {}",
                    aggregate.words("the group median"),
                    slowest(&scores)
                ),
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
    findings.sort_by_key(|f| std::cmp::Reverse(f.level));
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

#[cfg(test)]
mod tests {
    use super::super::node::CaseFigure;
    use super::*;

    const CASES: [&str; 6] = [
        "matmul_a",
        "matmul_b",
        "peak_a",
        "stream_a",
        "stream_b",
        "latency_a",
    ];

    fn key(chip: &str) -> GroupKey {
        GroupKey {
            chip: chip.into(),
            backend: "vulkan".into(),
            driver: "d".into(),
            driver_info: "1".into(),
        }
    }

    /// Node `index`'s run: every case at 100 × `speed`, give or take a
    /// deterministic ±1% that differs by node and case (times for latency).
    fn run(index: usize, speed: f64) -> NodeRun {
        let cases = CASES
            .iter()
            .enumerate()
            .map(|(j, case)| {
                let wobble = 1.0 + 0.005 * (((index * 7 + j * 3) % 5) as f64 - 2.0);
                let latency = case.starts_with("latency");
                let rate = 100.0 * speed * wobble;
                CaseFigure {
                    case: case.to_string(),
                    unit: if latency { "s" } else { "GB/s" }.into(),
                    higher_is_better: !latency,
                    outcome: CaseOutcome::Measured {
                        figure: if latency { 1.0 / rate } else { rate },
                        median_se_fraction: Some(0.002),
                    },
                }
            })
            .collect();
        NodeRun {
            node: format!("n{index}"),
            source: format!("n{index}.json"),
            group: key("chip"),
            schema_version: 2,
            started_utc: "2026-12-02T08:00:00Z".into(),
            partial: false,
            cases,
        }
    }

    fn fleet(speeds: &[f64]) -> Vec<NodeRun> {
        speeds.iter().enumerate().map(|(i, &s)| run(i, s)).collect()
    }

    fn analysed(runs: Vec<NodeRun>, options: &Options) -> FleetAnalysis {
        analyse(runs, options, &EarlierFigures::new()).unwrap()
    }

    fn verdicts(analysis: &FleetAnalysis) -> Vec<(String, Verdict)> {
        analysis
            .nodes
            .iter()
            .map(|n| (n.node.clone(), n.verdict))
            .collect()
    }

    fn verdict_of(analysis: &FleetAnalysis, node: &str) -> Verdict {
        analysis
            .nodes
            .iter()
            .find(|n| n.node == node)
            .unwrap()
            .verdict
    }

    #[test]
    fn a_node_twelve_percent_slow_fails_and_its_peers_pass() {
        let mut speeds = vec![1.0; 8];
        speeds[5] = 0.88;
        let analysis = analysed(fleet(&speeds), &Options::default());
        for (node, verdict) in verdicts(&analysis) {
            let expected = if node == "n5" {
                Verdict::Fail
            } else {
                Verdict::Pass
            };
            assert_eq!(verdict, expected, "{node}: {analysis:#?}");
        }
        let slow = &analysis.nodes[5];
        let aggregate = slow.aggregate.unwrap();
        assert!((aggregate.fraction - 0.88).abs() < 0.01, "{aggregate:?}");
        assert!(slow.findings[0].text.contains("of the group median"));
        assert_eq!(analysis.worst(), Verdict::Fail);
    }

    #[test]
    fn a_node_seven_percent_slow_warns() {
        let mut speeds = vec![1.0; 6];
        speeds[0] = 0.93;
        let analysis = analysed(fleet(&speeds), &Options::default());
        assert_eq!(verdict_of(&analysis, "n0"), Verdict::Warn);
        assert_eq!(analysis.worst(), Verdict::Warn);
    }

    #[test]
    fn one_case_off_warns_at_most_and_a_wrong_answer_always_fails() {
        let mut runs = fleet(&[1.0; 7]);
        // n1: one case 30% slow; n2: one case wrong, the rest as its peers.
        runs[1].cases[3].outcome = CaseOutcome::Measured {
            figure: 70.0,
            median_se_fraction: Some(0.002),
        };
        runs[2].cases[0].outcome = CaseOutcome::Failed {
            reason: "wrong result: max error 1e-1 exceeds tolerance 1e-4".into(),
        };
        let analysis = analysed(runs, &Options::default());
        assert_eq!(verdict_of(&analysis, "n1"), Verdict::Warn);
        let n1 = &analysis.nodes[1];
        assert!(n1.findings[0].text.starts_with("stream_a 70.0%"), "{n1:#?}");
        assert!(n1.aggregate.unwrap().fraction > 0.98);
        assert_eq!(verdict_of(&analysis, "n2"), Verdict::Fail);
        assert!(analysis.nodes[2].findings[0]
            .text
            .contains("matmul_a failed: wrong result"));
        for other in ["n0", "n3", "n4", "n5", "n6"] {
            assert_eq!(verdict_of(&analysis, other), Verdict::Pass);
        }
    }

    #[test]
    fn identical_nodes_do_not_make_a_tiny_difference_a_failure() {
        let mut runs: Vec<NodeRun> = (0..5).map(|_| run(0, 1.0)).collect();
        for (i, r) in runs.iter_mut().enumerate() {
            r.node = format!("n{i}");
        }
        for case in &mut runs[4].cases {
            if let CaseOutcome::Measured { figure, .. } = &mut case.outcome {
                *figure *= if case.higher_is_better {
                    0.985
                } else {
                    1.0 / 0.985
                };
            }
        }
        let analysis = analysed(runs, &Options::default());
        assert_eq!(verdict_of(&analysis, "n4"), Verdict::Pass, "{analysis:#?}");
        let z = analysis.nodes[4].aggregate.unwrap().z;
        assert!((z + 1.5).abs() < 0.01, "σ is the 1% floor: z {z}");
    }

    #[test]
    fn too_few_nodes_are_listed_not_judged() {
        let analysis = analysed(fleet(&[1.0, 0.5]), &Options::default());
        assert_eq!(analysis.nodes.len(), 2);
        assert!(!analysis.groups[0].compared);
        assert!(analysis.groups[0].notes[0].contains("too few to compare"));
        for node in &analysis.nodes {
            assert_eq!(node.verdict, Verdict::Warn);
            assert!(node.aggregate.is_none());
        }
    }

    #[test]
    fn a_node_reported_twice_keeps_its_newest_run() {
        let mut runs = fleet(&[1.0, 1.0, 1.0, 1.0]);
        let mut old = run(3, 0.5);
        old.started_utc = "2026-12-01T08:00:00Z".into();
        old.source = "n3-old.json".into();
        runs.push(old);
        let analysis = analysed(runs, &Options::default());
        assert_eq!(analysis.nodes.len(), 4);
        assert!(analysis.nodes.iter().all(|n| n.verdict == Verdict::Pass));
        assert!(
            analysis.notes[0].contains("node n3 reported 2 times: kept the newest, n3.json"),
            "{:?}",
            analysis.notes
        );
    }

    #[test]
    fn expected_nodes_without_a_report_are_missing() {
        let named = Options {
            expected: Expected::Nodes(vec!["n0".into(), "n1".into(), "n2".into(), "n9".into()]),
            ..Options::default()
        };
        let analysis = analysed(fleet(&[1.0; 3]), &named);
        assert_eq!(verdict_of(&analysis, "n9"), Verdict::Missing);
        assert_eq!(analysis.worst(), Verdict::Missing);
        let counted = Options {
            expected: Expected::Count(5),
            ..Options::default()
        };
        let analysis = analysed(fleet(&[1.0; 3]), &counted);
        assert_eq!(analysis.unnamed_missing, 2);
        assert_eq!(analysis.worst(), Verdict::Missing);
        assert!(analysis.notes[0].starts_with("expected 5 nodes, found 3"));
    }

    #[test]
    fn groups_are_compared_apart_and_one_group_of_two_chips_is_refused() {
        let mut runs = fleet(&[1.0; 3]);
        let mut other: Vec<NodeRun> = fleet(&[0.5; 3]);
        for r in &mut other {
            r.group = key("other chip");
        }
        runs.extend(other);
        let analysis = analysed(runs.clone(), &Options::default());
        assert_eq!(analysis.groups.len(), 2);
        assert!(analysis.notes[0].starts_with("2 groups"));
        assert!(analysis.nodes.iter().all(|n| n.verdict == Verdict::Pass));
        let as_one = Options {
            group_as_one: true,
            ..Options::default()
        };
        let error = analyse(runs, &as_one, &EarlierFigures::new()).unwrap_err();
        assert!(matches!(error, FleetError::DifferentChips(ref chips) if chips.len() == 2));
    }

    #[test]
    fn a_group_mixing_schema_versions_says_so() {
        let mut runs = fleet(&[1.0; 3]);
        runs[0].schema_version = 1;
        let analysis = analysed(runs, &Options::default());
        assert_eq!(analysis.groups[0].schema_versions, [1, 2]);
        assert!(analysis.groups[0].notes[0].contains("mixes report schema versions 1 and 2"));
    }

    #[test]
    fn a_node_drifting_from_its_own_history_warns_even_when_the_fleet_drifted_with_it() {
        // Every node now runs 10% below what it ran before: peers cannot tell.
        let runs = fleet(&[0.9; 4]);
        let mut earlier = EarlierFigures::new();
        for before in fleet(&[1.0; 4]) {
            for case in &before.cases {
                let CaseOutcome::Measured { figure, .. } = case.outcome else {
                    unreachable!()
                };
                let history = [figure * 1.01, figure * 0.99, figure];
                earlier.add(&before.node, &before.group, &case.case, &history);
            }
        }
        let analysis = analyse(runs, &Options::default(), &earlier).unwrap();
        for node in &analysis.nodes {
            assert_eq!(node.verdict, Verdict::Warn, "{node:#?}");
            let history = node.history.as_ref().unwrap();
            assert!((history.aggregate.fraction - 0.9).abs() < 0.01);
            assert_eq!(history.earlier_runs, 3);
            assert!(node.findings[0].text.starts_with("vs own history: 9"));
        }
        let steady = analyse(fleet(&[1.0; 4]), &Options::default(), &earlier).unwrap();
        assert!(steady.nodes.iter().all(|n| n.verdict == Verdict::Pass));
    }
}
