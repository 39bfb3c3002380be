//! HTML: one self-contained page to mail or archive. Plots are inline SVG,
//! styles are inline, there is no script, and a Content-Security-Policy
//! forbids the page any network fetch, so it shows the same anywhere.

use super::comparison::Comparison;
use super::fleet_plot::shares_plot;
use super::fleet_tables::{cases_table, flagged_line, fleet_tables, headline};
use super::model::ReportRows;
use super::plots::{roofline, throughput, Colouring, Plot};
use super::tables::{comparison_tables, facts, report_tables, Table};
use super::Exporter;
use crate::fleet::FleetAnalysis;
use crate::report::Status;

/// Writes one HTML page.
#[derive(Debug, Clone, Copy)]
pub struct Html;

/// The page's styles: system fonts only, tables that scroll rather than
/// overflow, plots scaled to the width.
const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; border-bottom: 1px solid #ccc; margin-top: 2.5rem; }
h3 { font-size: 1.1rem; margin-top: 1.8rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
figure.plot { margin: 1rem 0; } figure.plot svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption, p.note { color: #555; font-size: 0.9rem; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
";

impl Exporter for Html {
    fn reports(&self, reports: &[ReportRows]) -> String {
        let title = match reports {
            [_] => "chipbench report".to_string(),
            _ => format!("chipbench: {} reports", reports.len()),
        };
        let mut body = format!("<h1>{}</h1>\n", escape(&title));
        for (i, report) in reports.iter().enumerate() {
            body += &section(i, report);
        }
        page(&title, &body)
    }

    fn comparison(&self, comparison: &Comparison) -> String {
        let title = "chipbench compare";
        let mut body = format!("<h1>{title}</h1>\n");
        let named: Vec<(String, &ReportRows)> = comparison
            .reports
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("{} {}", Comparison::letter(i), r.header.backend), r))
            .collect();
        let tables = comparison_tables(comparison);
        let (legend, rest) = tables
            .split_first()
            .expect("a comparison names its reports");
        body += &table(legend);
        body += "<h2>Roofline</h2>\n";
        body += &figure(&roofline(&named, Colouring::ByReport));
        body += "<h2>Throughput against size</h2>\n";
        for plot in throughput(&named) {
            body += &figure(&plot);
        }
        for t in rest {
            body += &table(t);
        }
        page(title, &body)
    }

    fn fleet(&self, fleet: &FleetAnalysis) -> String {
        let title = "chipbench fleet";
        let mut body = format!(
            "<h1>{title}</h1>\n<p>{}; {}</p>\n",
            escape(&headline(fleet)),
            escape(&flagged_line(fleet))
        );
        for t in fleet_tables(fleet) {
            body += &table(&t);
        }
        for (i, group) in fleet.groups.iter().enumerate() {
            body += &format!(
                "<h2>Group {}: {}</h2>\n",
                i + 1,
                escape(&group.key.to_string())
            );
            body += &figure(&shares_plot(fleet, i, group));
            let cases = cases_table(fleet, i, group);
            if !cases.rows.is_empty() {
                body += &table(&cases);
            }
        }
        page(title, &body)
    }
}

/// One report: its facts, plots, then tables.
fn section(index: usize, report: &ReportRows) -> String {
    let mut out = format!(
        "<section class=\"report\" id=\"report-{index}\">\n<h2>{}</h2>\n",
        escape(&report.header.short_name())
    );
    let header_facts = facts(&report.header);
    out += &facts_list(header_facts.iter().map(|(l, v)| (*l, v.as_str())));
    out += "<h3>Roofline</h3>\n";
    let named = [(report.header.source.clone(), report)];
    out += &figure(&roofline(&named, Colouring::ByWorkload));
    let off_roofline: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| c.status == Status::Ok && c.arithmetic_intensity_flop_per_byte().is_none())
        .map(|c| c.case.as_str())
        .collect();
    if !off_roofline.is_empty() {
        out += &format!(
            "<p class=\"note\">Not on the roofline, having no floating-point work: {}.</p>\n",
            escape(&off_roofline.join(", "))
        );
    }
    let not_measured = report.not_measured().count();
    if not_measured > 0 {
        out += &format!(
            "<p class=\"note\">{not_measured} failed or unsupported case(s) are not plotted: \
             see Not measured below.</p>\n"
        );
    }
    out += "<h3>Throughput against size</h3>\n";
    for plot in throughput(&named) {
        out += &figure(&plot);
    }
    for t in report_tables(report) {
        out += &table(&t);
    }
    out + "</section>\n"
}

/// Labelled facts as a definition list.
pub(super) fn facts_list<'a>(facts: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::from("<dl class=\"facts\">\n");
    for (label, value) in facts {
        out += &format!("<dt>{}</dt><dd>{}</dd>\n", escape(label), escape(value));
    }
    out + "</dl>\n"
}

/// The page around `body`.
pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// A plot with its caption, or why it is missing.
pub(super) fn figure(plot: &Plot) -> String {
    match &plot.svg {
        Ok(svg) => format!(
            "<figure class=\"plot\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(&plot.caption)
        ),
        Err(why) => format!(
            "<p class=\"note\">{}: not drawn ({}).</p>\n",
            escape(&plot.caption),
            escape(why)
        ),
    }
}

/// A table under its heading.
pub(super) fn table(t: &Table) -> String {
    let mut out = format!("<h3>{}</h3>\n", escape(&t.title));
    if let Some(note) = &t.note {
        out += &format!("<p class=\"note\">{}</p>\n", escape(note));
    }
    out += "<div class=\"table\"><table>\n<thead><tr>";
    for heading in &t.headings {
        out += &format!("<th>{}</th>", escape(heading));
    }
    out += "</tr></thead>\n<tbody>\n";
    for row in &t.rows {
        out += "<tr>";
        for (cell, &numeric) in row.iter().zip(&t.numeric) {
            let class = if numeric { " class=\"num\"" } else { "" };
            out += &format!("<td{class}>{}</td>", escape(cell));
        }
        out += "</tr>\n";
    }
    out + "</tbody>\n</table></div>\n"
}

/// Text safe inside HTML elements and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
