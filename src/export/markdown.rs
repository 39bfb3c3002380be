//! Markdown: the report's tables for pasting into an issue, columns padded
//! so the text reads as a table in a terminal too.

use super::comparison::Comparison;
use super::fleet_tables::{cases_table, flagged_line, fleet_tables, headline};
use super::model::ReportRows;
use super::tables::{column_widths, comparison_tables, facts, pad_row, report_tables, Table};
use super::Exporter;
use crate::fleet::FleetAnalysis;

/// Writes GitHub-flavoured Markdown.
#[derive(Debug, Clone, Copy)]
pub struct Markdown;

impl Exporter for Markdown {
    fn reports(&self, reports: &[ReportRows]) -> String {
        let mut out = String::new();
        for report in reports {
            let h = &report.header;
            out += &format!("## chipbench: {}\n\n", h.short_name());
            for (label, value) in facts(h) {
                out += &format!("- **{label}**: {}\n", cell(&value));
            }
            out.push('\n');
            for t in report_tables(report) {
                out += &table(&t);
            }
        }
        out
    }

    fn comparison(&self, comparison: &Comparison) -> String {
        let mut out = String::from("## chipbench compare\n\n");
        for t in comparison_tables(comparison) {
            out += &table(&t);
        }
        out
    }

    fn fleet(&self, fleet: &FleetAnalysis) -> String {
        let mut out = format!(
            "## chipbench fleet\n\n{}; {}\n\n",
            headline(fleet),
            flagged_line(fleet)
        );
        for t in fleet_tables(fleet) {
            out += &table(&t);
        }
        for (i, group) in fleet.groups.iter().enumerate() {
            let cases = cases_table(fleet, i, group);
            if !cases.rows.is_empty() {
                out += &table(&cases);
            }
        }
        out
    }
}

/// A cell's text with the characters that would end a cell or a line escaped.
pub(super) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `### title`, its note, and the table with padded columns.
pub(super) fn table(t: &Table) -> String {
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|row| row.iter().map(|c| cell(c)).collect())
        .collect();
    let widths = column_widths(&t.headings, &rows, 3);
    let line = |cells: &[String]| -> String {
        format!("| {} |\n", pad_row(cells, &widths, &t.numeric).join(" | "))
    };
    let rule: Vec<String> = widths
        .iter()
        .zip(&t.numeric)
        .map(|(&w, &numeric)| match numeric {
            true => format!("{}:", "-".repeat(w - 1)),
            false => "-".repeat(w),
        })
        .collect();
    let mut out = format!("### {}\n\n", t.title);
    if let Some(note) = &t.note {
        out += &format!("{note}\n\n");
    }
    out += &line(&t.headings);
    out += &line(&rule);
    for row in &rows {
        out += &line(row);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::model::tests::committed_on;
    use crate::report::Verdict;
    use crate::units::format_seconds;

    /// The cells of the Markdown table under `### title`, row by row, the
    /// heading row first.
    fn cells(markdown: &str, title: &str) -> Vec<Vec<String>> {
        markdown
            .split(&format!("### {title}\n"))
            .nth(1)
            .unwrap()
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter(|l| !l.starts_with("| ---") && !l.starts_with("| :"))
            .map(|l| {
                l.trim_matches('|')
                    .split(" | ")
                    .map(|c| c.trim().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_cases_table_holds_the_reports_medians_and_rates() {
        let (path, report) = committed_on("vulkan");
        let markdown = Markdown.reports(&[ReportRows::of(&report, &path.display().to_string())]);
        let table = cells(&markdown, "Cases");
        let (heading, rows) = table.split_first().unwrap();
        let column = |name: &str| heading.iter().position(|h| h == name).unwrap();
        assert_eq!(rows.len(), report.measurements.len());
        for (row, m) in rows.iter().zip(&report.measurements) {
            assert_eq!(row[column("case")], m.case);
            let timing = m.timing.as_ref().unwrap();
            assert_eq!(
                row[column("median")],
                format_seconds(timing.summary.median_s)
            );
            assert_eq!(row[column("p10")], format_seconds(timing.summary.p10_s));
            let rate = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.2}"));
            assert_eq!(row[column("GFLOP/s")], rate(m.gflop_per_s));
            assert_eq!(row[column("GB/s")], rate(m.gb_per_s));
        }
    }

    #[test]
    fn the_summary_table_holds_every_target_with_its_verdict() {
        let (path, report) = committed_on("vulkan");
        let rows = ReportRows::of(&report, &path.display().to_string());
        let markdown = Markdown.reports(std::slice::from_ref(&rows));
        let table = cells(&markdown, "Summary");
        let (heading, body) = table.split_first().unwrap();
        assert!(
            !heading.contains(&"95% CI".to_string()),
            "no intervals in schema 1"
        );
        let column = |name: &str| heading.iter().position(|h| h == name).unwrap();
        assert_eq!(body.len(), rows.targets.len());
        for (row, target) in body.iter().zip(&rows.targets) {
            assert_eq!(row[column("ratio")], target.label);
            let value = format!("{:.1}%", target.value.unwrap() * 100.0);
            assert_eq!(row[column("value")], value);
            let verdict = target.verdict.map_or("-", |v| v.words());
            assert_eq!(row[column("verdict")], verdict);
        }
    }

    #[test]
    fn an_interval_and_a_stored_verdict_are_shown_where_a_report_has_them() {
        let (path, report) = committed_on("vulkan");
        let mut rows = ReportRows::of(&report, &path.display().to_string());
        let first = &mut rows.targets[0];
        (first.ci_low, first.ci_high) = (Some(0.412), Some(0.497));
        first.verdict = Some(Verdict::Inconclusive);
        let markdown = Markdown.reports(&[rows]);
        let table = cells(&markdown, "Summary");
        let interval = table[0].iter().position(|h| h == "95% CI").unwrap();
        assert_eq!(table[1][interval], "41.2% – 49.7%");
        assert!(
            table[1].contains(&"inconclusive".to_string()),
            "{:?}",
            table[1]
        );
        assert_eq!(table[2][interval], "-", "a ratio without one");
    }

    #[test]
    fn a_pipe_in_a_cell_does_not_end_it() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }
}
