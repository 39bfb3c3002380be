//! The terminal: what `run` and `show` print. One aligned table of cases
//! and baselines under a one-line heading, the warnings in words, then the
//! summary's ratios with interval and verdict; comparisons as the Markdown's
//! padded tables, which read as tables in a terminal too.

use super::comparison::Comparison;
use super::fleet_tables::{flagged_line, group_number, headline, nodes_table};
use super::markdown::Markdown;
use super::model::{AutotuneRow, CaseRow, ReportRows, TargetRow, WarningOrigin};
use super::tables::{column_widths, pad_row, rate, spread, verification_cells, Table};
use super::Exporter;
use crate::fleet::FleetAnalysis;
use crate::reference::Verification;
use crate::report::{Status, Verdict};
use crate::units::format_seconds;

/// Writes plain text for a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Terminal;

impl Exporter for Terminal {
    fn reports(&self, reports: &[ReportRows]) -> String {
        let sections: Vec<String> = reports.iter().map(report).collect();
        sections.join("\n")
    }

    fn comparison(&self, comparison: &Comparison) -> String {
        Markdown.comparison(comparison)
    }

    /// The headline, each group with its notes, the nodes' table, the
    /// fleet's notes, and the flagged nodes last (where a log's tail shows them).
    fn fleet(&self, fleet: &FleetAnalysis) -> String {
        let mut out = format!("chipbench fleet: {}\n", headline(fleet));
        for (i, group) in fleet.groups.iter().enumerate() {
            out += &format!(
                "group {}: {} ({} node{}, {} case{} compared)\n",
                group_number(i),
                group.key,
                group.nodes,
                if group.nodes == 1 { "" } else { "s" },
                group.cases.len(),
                if group.cases.len() == 1 { "" } else { "s" },
            );
            for note in &group.notes {
                out += &format!("  note: {note}\n");
            }
        }
        out += &aligned(&nodes_table(fleet));
        for note in &fleet.notes {
            out += &format!("note: {note}\n");
        }
        out + &flagged_line(fleet) + "\n"
    }
}

/// One report: heading, table, warnings, summary.
fn report(report: &ReportRows) -> String {
    let h = &report.header;
    let mut out = format!(
        "{} ({}, {}) · suite {} · timing {}{}\n",
        h.chip,
        h.backend,
        h.driver,
        h.suite,
        h.timing_words(),
        if h.partial { " · PARTIAL" } else { "" },
    );
    out += &aligned(&table(report));
    let warnings = |origin: WarningOrigin| -> String {
        report
            .warnings
            .iter()
            .filter(|w| w.origin == origin)
            .map(|w| format!("warning: {}: {}\n", w.subject, w.text))
            .collect()
    };
    out += &warnings(WarningOrigin::Measurement);
    if !report.targets.is_empty() {
        out += "summary (same device, same run):\n";
    }
    for target in &report.targets {
        out += &format!("  {}\n", target_line(target));
    }
    out += &warnings(WarningOrigin::Summary);
    if h.judged_now && !report.targets.is_empty() {
        out += &format!(
            "(verdicts judged now by chipbench {}: this report stored none)\n",
            env!("CARGO_PKG_VERSION")
        );
    }
    out
}

/// One row per case, then one per baseline.
fn table(report: &ReportRows) -> Table {
    let mut table = Table::new(
        "Cases",
        &[
            ("case", false),
            ("variant", false),
            ("median", true),
            ("GFLOP/s", true),
            ("GB/s", true),
            ("spread", true),
            ("verified", false),
            ("status", false),
        ],
    );
    for row in &report.cases {
        let timing = row.timing.as_ref();
        let variant = match report.autotune_of(row) {
            Some(a) => format!("{}{}", row.variant, autotune_note(a)),
            None => row.variant.clone(),
        };
        table.rows.push(vec![
            row.case.clone(),
            variant,
            timing.map_or("-".into(), |t| {
                // Rows timed on another clock than the report's (transfers) say so.
                let other_clock = t.clock != report.header.timing_method;
                let mark = if other_clock { " (wall)" } else { "" };
                format!("{}{mark}", format_seconds(t.summary.median_s))
            }),
            rate(row.gflop_per_s),
            rate(row.gb_per_s),
            spread(timing.map(|t| t.summary.cv)),
            verified(row.verification.as_ref()),
            status(row),
        ]);
    }
    for b in &report.baselines {
        table.rows.push(vec![
            b.label(),
            if b.is_external() { "external" } else { "host" }.into(),
            format_seconds(b.median_s),
            rate(b.gflop_per_s),
            rate(b.gb_per_s),
            spread(b.cv),
            verified(b.verification.as_ref()),
            "baseline".into(),
        ]);
    }
    table
}

/// ` (best of 9, 2 screened out)`: how autotune chose a variant; from the
/// cache `…, cached` (reports from before trials were cached: `tuned,
/// cached`), naming the case tuned on where it is another.
fn autotune_note(a: &AutotuneRow) -> String {
    let mut how = Vec::new();
    if !a.trials.is_empty() {
        how.push(format!("best of {}", a.trials.len()));
    }
    let screened_out = a.screened_out();
    if screened_out > 0 {
        how.push(format!("{screened_out} screened out"));
    }
    if a.from_cache {
        match a.tuned_elsewhere() {
            Some(case) => how.push(format!("tuned on {case}")),
            None if a.trials.is_empty() => how.push("tuned".into()),
            None => {}
        }
        how.push("cached".into());
    }
    match how.is_empty() {
        true => String::new(),
        false => format!(" ({})", how.join(", ")),
    }
}

/// `yes exact 3.1e-6`, or `-` where there was no check.
fn verified(verification: Option<&Verification>) -> String {
    verification.map_or("-".into(), |v| verification_cells(v).join(" "))
}

/// `ok`, `FAILED: why` or `unsupported: why`.
fn status(row: &CaseRow) -> String {
    let reason = row.reason.as_deref().unwrap_or("");
    match row.status {
        Status::Ok => "ok".into(),
        Status::Failed => format!("FAILED: {reason}"),
        Status::Unsupported => format!("unsupported: {reason}"),
    }
}

/// Columns padded to their widest cell (numbers to the right) under a rule
/// of dashes, two spaces apart, no trailing blanks.
pub(super) fn aligned(t: &Table) -> String {
    let widths = column_widths(&t.headings, &t.rows, 0);
    let line = |cells: &[String]| -> String {
        format!(
            "{}\n",
            pad_row(cells, &widths, &t.numeric).join("  ").trim_end()
        )
    };
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    let mut out = line(&t.headings) + &line(&rule);
    for row in &t.rows {
        out += &line(row);
    }
    out
}

/// `best f32 matmul 512³ / peak f32: 42.9% (95% CI …); target ≥ 50%: NOT met`.
fn target_line(t: &TargetRow) -> String {
    let target = t
        .target
        .map_or("-".into(), |t| format!("{:.0}%", t * 100.0));
    let Some(value) = t.value else {
        return format!("{}: {}; target ≥ {target}: NOT met", t.label, t.detail);
    };
    let line = format!("{}: {:.1}% ({})", t.label, value * 100.0, t.detail);
    let verdict = match t.verdict {
        None => return line,
        Some(Verdict::Inconclusive) => "inconclusive (the 95% interval straddles it)",
        Some(Verdict::RoofBelowKernel) => "NOT judged: the roof read below the kernel",
        Some(verdict) => verdict.words(),
    };
    format!("{line}; target ≥ {target}: {verdict}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis;
    use crate::export::model::tests::committed_on;
    use crate::report::Report;

    /// The rows of the committed Vulkan report with both target ratios.
    fn vulkan() -> (Report, ReportRows) {
        let (path, report) = committed_on("vulkan");
        let rows = ReportRows::of(&report, &path.display().to_string());
        (report, rows)
    }

    /// The cells of the table line that starts with `case`.
    fn cells<'a>(text: &'a str, case: &str) -> Vec<&'a str> {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{case} ")))
            .unwrap_or_else(|| panic!("a line for {case} in\n{text}"));
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }

    #[test]
    fn the_table_holds_each_cases_median_and_rates() {
        let (report, rows) = vulkan();
        let text = Terminal.reports(std::slice::from_ref(&rows));
        for m in &report.measurements {
            let cells = cells(&text, &m.case);
            let timing = m.timing.as_ref().unwrap();
            let median = format_seconds(timing.summary.median_s);
            match timing.clock == report.timing.method {
                true => assert_eq!(cells[2], median, "{}", m.case),
                false => assert_eq!(cells[2], format!("{median} (wall)"), "{}", m.case),
            }
            let rate = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.2}"));
            assert_eq!(cells[3], rate(m.gflop_per_s), "{}", m.case);
            assert_eq!(cells[4], rate(m.gb_per_s), "{}", m.case);
            assert_eq!(cells.last(), Some(&"ok"), "{}", m.case);
            if let Some(a) = &m.autotune {
                assert!(
                    cells[1].contains(&format!("(best of {}", a.trials.len())),
                    "{}",
                    cells[1]
                );
            }
        }
        assert!(
            text.contains("(wall)"),
            "transfers are timed on the wall clock"
        );
        for b in &report.baselines {
            let cells = cells(&text, &format!("{}_{}_{}", b.name, b.dtype, b.shape));
            assert_eq!(cells[2], format_seconds(b.median_s));
            assert_eq!(cells.last(), Some(&"baseline"));
        }
    }

    #[test]
    fn a_summary_line_carries_its_interval_and_verdict() {
        let (mut report, _) = vulkan();
        let mut summary = analysis::summarize(&report, Vec::new());
        let ratio = &mut summary.ratios[0];
        (ratio.value, ratio.ci95) = (Some(0.543), Some([0.445, 0.714]));
        (ratio.threshold, ratio.verdict) = (Some(0.5), Verdict::Inconclusive);
        let label = ratio.label.clone();
        report.summary = Some(summary);
        let text = Terminal.reports(&[ReportRows::of(&report, "stored.json")]);
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("  {label}: ")))
            .unwrap();
        assert!(
            line.starts_with(&format!("  {label}: 54.3% (95% CI 44.5–71.4%; ")),
            "{line}"
        );
        assert!(
            line.ends_with("; target ≥ 50%: inconclusive (the 95% interval straddles it)"),
            "{line}"
        );
        assert!(
            !text.contains("judged now"),
            "this report stored its verdicts"
        );
    }

    #[test]
    fn verdicts_judged_now_are_said_to_be() {
        let (_, rows) = vulkan();
        let text = Terminal.reports(std::slice::from_ref(&rows));
        for t in rows.targets.iter().filter(|t| t.target.is_some()) {
            let line = text
                .lines()
                .find(|l| l.starts_with(&format!("  {}: ", t.label)))
                .unwrap();
            let verdict = t.verdict.unwrap().words();
            assert!(line.ends_with(&format!(": {verdict}")), "{line}");
        }
        assert!(text.ends_with("this report stored none)\n"), "{text}");
    }

    #[test]
    fn a_failed_case_shows_failed_with_its_reason() {
        let (_, mut rows) = vulkan();
        let case = &mut rows.cases[0];
        case.status = Status::Failed;
        case.reason = Some("wrong result: C[3][5] is 7.0, expected 6.0".into());
        let name = case.case.clone();
        let text = Terminal.reports(&[rows]);
        assert_eq!(
            cells(&text, &name).last(),
            Some(&"FAILED: wrong result: C[3][5] is 7.0, expected 6.0")
        );
    }

    #[test]
    fn summary_warnings_follow_the_summary() {
        let (_, mut rows) = vulkan();
        rows.warnings.push(crate::export::WarningRow {
            subject: "matmul_f32_512x512x512 texture_subgroup".into(),
            text: "reads 80.00 GFLOP/s, above its roof".into(),
            origin: WarningOrigin::Summary,
        });
        let text = Terminal.reports(std::slice::from_ref(&rows));
        let (before, after) = text.split_once("summary (same device, same run):").unwrap();
        for w in &rows.warnings {
            let line = format!("warning: {}: {}\n", w.subject, w.text);
            let part = match w.origin {
                WarningOrigin::Measurement => before,
                WarningOrigin::Summary => after,
            };
            assert!(part.contains(&line), "{line}");
        }
        rows.targets.clear();
        assert!(!Terminal.reports(&[rows]).contains("summary (same device"));
    }
}
