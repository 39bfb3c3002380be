//! A plan ([`PlanPage`], the planner's neutral page) as Markdown or as a
//! self-contained HTML page whose breakdowns are drawn as stacked-bar SVG
//! charts, through the same tables, page and plot code as reports.
//!
//! The planner builds the page and imports only `units`; this layer imports
//! the planner's page model, so the planner stays free of formats.

use super::html;
use super::markdown;
use super::plots::breakdown;
use super::tables::Table;
use crate::planner::render::{PlanPage, PlanTable};

impl From<&PlanTable> for Table {
    fn from(t: &PlanTable) -> Table {
        Table {
            title: t.title.clone(),
            note: None,
            headings: t.headings.clone(),
            numeric: t.numeric.clone(),
            rows: t.rows.clone(),
        }
    }
}

/// The sources and notes of `page` as one table.
fn sources_table(page: &PlanPage) -> Table {
    let mut rows: Vec<Vec<String>> = page
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| vec![format!("[{}]", i + 1), s.clone()])
        .collect();
    rows.extend(page.notes.iter().map(|n| vec!["note".into(), n.clone()]));
    Table {
        title: "Sources".into(),
        note: None,
        headings: vec!["".into(), "source".into()],
        numeric: vec![false, false],
        rows,
    }
}

/// The page's tables, then its sources and notes.
fn tables(page: &PlanPage) -> Vec<Table> {
    page.tables
        .iter()
        .map(Table::from)
        .chain([sources_table(page)])
        .collect()
}

/// `page` as GitHub-flavoured Markdown.
pub fn plan_markdown(page: &PlanPage) -> String {
    let mut out = format!("## {}\n\n", markdown::cell(&page.title));
    for (label, value) in &page.facts {
        out += &format!("- **{label}**: {}\n", markdown::cell(value));
    }
    out.push('\n');
    for b in &page.breakdowns {
        let total: f64 = b.parts_s.iter().map(|(_, s)| s).sum();
        let parts: Vec<String> = b
            .parts_s
            .iter()
            .map(|(name, s)| format!("{name} {:.1}%", 100.0 * s / total))
            .collect();
        out += &format!(
            "- **{}**: {}\n",
            markdown::cell(&b.title),
            parts.join(" · ")
        );
    }
    out.push('\n');
    for t in tables(page) {
        out += &markdown::table(&t);
    }
    out
}

/// `page` as one self-contained HTML page, each breakdown a chart.
pub fn plan_html(page: &PlanPage) -> String {
    let mut body = format!("<h1>{}</h1>\n", html::escape(&page.title));
    body += &html::facts_list(
        page.facts
            .iter()
            .map(|(label, value)| (label.as_str(), value.as_str())),
    );
    for b in &page.breakdowns {
        body += &html::figure(&breakdown(&b.title, &b.parts_s));
    }
    for t in tables(page) {
        body += &html::table(&t);
    }
    html::page(&page.title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::render::Breakdown;

    fn page() -> PlanPage {
        PlanPage {
            title: "m training on 8 × chip <x>".into(),
            facts: vec![("step".into(), "3 s = compute 2 s + bubble 1 s".into())],
            breakdowns: vec![Breakdown {
                title: "Step time, 3 s".into(),
                parts_s: vec![("compute".into(), 2.0), ("pipeline bubble".into(), 1.0)],
            }],
            tables: vec![PlanTable {
                title: "Where a step goes".into(),
                headings: vec!["time".into(), "item".into()],
                numeric: vec![true, false],
                rows: vec![vec!["2 s".into(), "mlp | up".into()]],
            }],
            sources: vec!["datasheet 1 PFLOP/s".into()],
            notes: vec!["substituted: f32 for BF16".into()],
        }
    }

    #[test]
    fn markdown_has_the_facts_shares_tables_and_sources() {
        let md = plan_markdown(&page());
        assert!(md.starts_with("## m training on 8 × chip <x>\n"));
        assert!(md.contains("- **step**: 3 s = compute 2 s + bubble 1 s"));
        assert!(md.contains("compute 66.7% · pipeline bubble 33.3%"));
        assert!(md.contains("mlp \\| up"), "{md}");
        assert!(md.contains("| [1]  | datasheet 1 PFLOP/s"), "{md}");
        assert!(md.contains("substituted: f32 for BF16"));
    }

    #[test]
    fn html_draws_each_breakdown_as_a_chart_of_its_parts() {
        let page_html = plan_html(&page());
        assert!(page_html.contains("<h1>m training on 8 × chip &lt;x&gt;</h1>"));
        assert_eq!(page_html.matches("<figure class=\"plot\">").count(), 1);
        assert!(page_html.contains("compute: 2 s (66.7%)"), "{page_html}");
        assert!(page_html.contains("pipeline bubble: 1 s (33.3%)"));
        assert!(page_html.contains("<td>mlp | up</td>"));
    }
}
