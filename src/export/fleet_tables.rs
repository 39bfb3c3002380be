//! The tables of a fleet analysis, which the terminal, Markdown and HTML
//! share: the nodes with their verdicts and what decided them, the groups,
//! each group's cases with every node's share of the group median, and the
//! notes on the input.

use super::tables::Table;
use crate::fleet::{signed, FleetAnalysis, GroupAnalysis, Verdict};
use crate::units::format_seconds;

/// `89.7%`, or `-`.
fn percent(fraction: Option<f64>) -> String {
    fraction.map_or("-".into(), |f| format!("{:.1}%", f * 100.0))
}

/// Group `index` as tables name it: `1`, `2`, ...
pub(super) fn group_number(index: usize) -> String {
    (index + 1).to_string()
}

/// A case's median in its unit: `25.70 GFLOP/s` or `21.70 µs`.
fn figure(value: f64, unit: &str) -> String {
    match unit {
        "s" => format_seconds(value),
        _ => format!("{value:.2} {unit}"),
    }
}

/// One row per node: its group, verdict, aggregate share of the group
/// median and z, and what decided the verdict (for a pass, its slowest cases).
pub fn nodes_table(fleet: &FleetAnalysis) -> Table {
    let mut table = Table::new(
        "Nodes",
        &[
            ("node", false),
            ("group", true),
            ("verdict", false),
            ("of median", true),
            ("z", true),
            ("what decided it", false),
        ],
    );
    table.note = Some(format!(
        "Each node's cases against its group's median: the weighted median of its shares \
         (cases weighted by 1/σ², σ the largest of the case's 1.4826·MAD across nodes, the \
         node's own standard error, the group's typical σ and {:.0}% of the median) and of its \
         robust z-scores. Warn at {:.0}% \
         below with z ≤ −{}, fail at {:.0}% below with z ≤ −{}; a failed case always fails.",
        fleet.thresholds.noise_floor * 100.0,
        fleet.thresholds.warn_below * 100.0,
        fleet.thresholds.warn_z,
        fleet.thresholds.fail_below * 100.0,
        fleet.thresholds.fail_z,
    ));
    for node in &fleet.nodes {
        table.rows.push(vec![
            node.node.clone(),
            node.group.map_or("-".into(), group_number),
            node.verdict.words().into(),
            percent(node.aggregate.map(|a| a.fraction)),
            node.aggregate.map_or("-".into(), |a| signed(a.z)),
            node.decided_by(),
        ]);
    }
    if fleet.unnamed_missing > 0 {
        table.rows.push(vec![
            format!("({} unnamed)", fleet.unnamed_missing),
            "-".into(),
            Verdict::Missing.words().into(),
            "-".into(),
            "-".into(),
            "expected by --expect, but no report".into(),
        ]);
    }
    table
}

/// One row per group.
fn groups_table(fleet: &FleetAnalysis) -> Table {
    let mut table = Table::new(
        "Groups",
        &[
            ("group", true),
            ("chip · backend · driver", false),
            ("nodes", true),
            ("compared", false),
            ("schema", false),
            ("notes", false),
        ],
    );
    table.note = Some("Nodes are compared only within their group.".into());
    for (i, group) in fleet.groups.iter().enumerate() {
        let versions: Vec<String> = group.schema_versions.iter().map(u32::to_string).collect();
        table.rows.push(vec![
            group_number(i),
            group.key.to_string(),
            group.nodes.to_string(),
            if group.compared { "yes" } else { "no" }.into(),
            versions.join(", "),
            group.notes.join("; "),
        ]);
    }
    table
}

/// A group's cases: the median and spread across nodes, and each node's
/// share of the median with its z.
pub fn cases_table(fleet: &FleetAnalysis, index: usize, group: &GroupAnalysis) -> Table {
    let nodes: Vec<_> = fleet
        .nodes
        .iter()
        .filter(|n| n.group == Some(index))
        .collect();
    let mut columns: Vec<(&str, bool)> = vec![
        ("case", false),
        ("group median", true),
        ("σ (MAD)", true),
        ("nodes", true),
    ];
    columns.extend(nodes.iter().map(|n| (n.node.as_str(), true)));
    let mut table = Table::new("Cases", &columns);
    table.note = Some(format!(
        "Group {}: {}. Each node's figure as a share of the group median (z in brackets); \
         `-` where the node has no figure.",
        group_number(index),
        group.key
    ));
    for case in &group.cases {
        let reference = case.reference;
        let mut row = vec![
            case.case.clone(),
            figure(reference.median, &case.unit),
            percent(Some(reference.sigma / reference.median)),
            case.nodes_measured.to_string(),
        ];
        for node in &nodes {
            row.push(
                node.cases
                    .iter()
                    .find(|s| s.case == case.case)
                    .map_or("-".into(), |s| {
                        format!("{:.1}% ({})", s.fraction * 100.0, signed(s.z))
                    }),
            );
        }
        table.rows.push(row);
    }
    table
}

/// The notes on the input as a whole, one row each.
fn notes_table(fleet: &FleetAnalysis) -> Table {
    let mut table = Table::new("Notes", &[("note", false)]);
    for note in &fleet.notes {
        table.rows.push(vec![note.clone()]);
    }
    table
}

/// The tables of the fleet as a whole: nodes, groups, notes (each group's
/// cases are [`cases_table`]). Tables without rows are left out.
pub fn fleet_tables(fleet: &FleetAnalysis) -> Vec<Table> {
    let mut tables = vec![nodes_table(fleet), groups_table(fleet), notes_table(fleet)];
    tables.retain(|t| !t.rows.is_empty());
    tables
}

/// `10 nodes in 1 group: 9 pass, 0 warn, 1 fail, 0 missing`.
pub fn headline(fleet: &FleetAnalysis) -> String {
    let count = |verdict: Verdict| fleet.nodes.iter().filter(|n| n.verdict == verdict).count();
    let reported = fleet.nodes.iter().filter(|n| n.group.is_some()).count();
    format!(
        "{reported} node{} in {} group{}: {} pass, {} warn, {} fail, {} missing",
        if reported == 1 { "" } else { "s" },
        fleet.groups.len(),
        if fleet.groups.len() == 1 { "" } else { "s" },
        count(Verdict::Pass),
        count(Verdict::Warn),
        count(Verdict::Fail),
        count(Verdict::Missing) + fleet.unnamed_missing,
    )
}

/// `flagged: node07 (FAIL), node03 (WARN)`, or `every node passed`.
pub fn flagged_line(fleet: &FleetAnalysis) -> String {
    let flagged: Vec<String> = fleet
        .nodes
        .iter()
        .filter(|n| n.verdict.flagged())
        .map(|n| format!("{} ({})", n.node, n.verdict.words()))
        .chain((fleet.unnamed_missing > 0).then(|| {
            format!(
                "{} unnamed ({})",
                fleet.unnamed_missing,
                Verdict::Missing.words()
            )
        }))
        .collect();
    match flagged.is_empty() {
        true => "every node passed".into(),
        false => format!("flagged: {}", flagged.join(", ")),
    }
}
