//! Markdown: the report's tables for pasting into an issue, columns padded
//! so the text reads as a table in a terminal too.

use super::comparison::Comparison;
use super::model::ReportRows;
use super::tables::{comparison_tables, facts, report_tables, Table};
use super::Exporter;

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
}

/// A cell's text with the characters that would end a cell or a line escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `### title`, its note, and the table with padded columns.
fn table(t: &Table) -> String {
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|row| row.iter().map(|c| cell(c)).collect())
        .collect();
    let mut widths: Vec<usize> = t
        .headings
        .iter()
        .map(|h| h.chars().count().max(3))
        .collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .zip(&t.numeric)
            .map(|((c, &w), &numeric)| match numeric {
                true => format!("{c:>w$}"),
                false => format!("{c:<w$}"),
            })
            .collect();
        format!("| {} |\n", padded.join(" | "))
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
