//! The tables a person reads, built once from the row model and laid out by
//! each text format in its own syntax (Markdown pipes, HTML elements), so the
//! Markdown and the HTML show the same cells; and the cells themselves
//! (rates, spreads, checks, padding), which the terminal's table shares.

use super::comparison::Comparison;
use super::model::{check_word, status_word, CaseRow, Header, Metric, ReportRows};
use crate::reference::Verification;
use crate::units::format_seconds;

/// A titled table of cells; numeric columns are right-aligned.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// What the table shows.
    pub title: String,
    /// A sentence under the title saying how to read it, if it needs one.
    pub note: Option<String>,
    /// Column headings.
    pub headings: Vec<String>,
    /// Which columns hold numbers.
    pub numeric: Vec<bool>,
    /// The cells, row by row.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with `columns`, each a heading and whether it holds numbers.
    pub(super) fn new(title: &str, columns: &[(&str, bool)]) -> Table {
        Table {
            title: title.to_string(),
            note: None,
            headings: columns.iter().map(|(h, _)| h.to_string()).collect(),
            numeric: columns.iter().map(|&(_, n)| n).collect(),
            rows: Vec::new(),
        }
    }
}

/// `25.70 GFLOP/s`, `10.39 GB/s` or `21.70 µs`.
fn figure(metric: Metric, value: f64) -> String {
    match metric {
        Metric::Time => format_seconds(value),
        Metric::FlopRate | Metric::ByteRate => format!("{value:.2} {}", metric.unit()),
    }
}

/// `12.30`: a rate without its unit (the column says it), or `-`.
pub(super) fn rate(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.2}"))
}

/// `42.9%`.
fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// `±6.4%`, or `-`.
pub(super) fn spread(fraction: Option<f64>) -> String {
    fraction.map_or("-".into(), |f| format!("±{:.1}%", f * 100.0))
}

/// `yes`, `exact`, `3.1e-6`: whether a check passed, how it was done, the
/// largest error.
pub(super) fn verification_cells(v: &Verification) -> [String; 3] {
    [
        if v.passed { "yes" } else { "NO" }.into(),
        check_word(v).into(),
        v.max_abs_error.map_or("NaN".into(), |e| format!("{e:.1e}")),
    ]
}

/// Each column's width in characters: its widest cell or heading, at least `min`.
pub(super) fn column_widths(headings: &[String], rows: &[Vec<String>], min: usize) -> Vec<usize> {
    let mut widths: Vec<usize> = headings
        .iter()
        .map(|h| h.chars().count().max(min))
        .collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    widths
}

/// A row's cells padded to their columns' `widths`: numbers to the right,
/// text to the left.
pub(super) fn pad_row(cells: &[String], widths: &[usize], numeric: &[bool]) -> Vec<String> {
    cells
        .iter()
        .zip(widths)
        .zip(numeric)
        .map(|((cell, &width), &numeric)| match numeric {
            true => format!("{cell:>width$}"),
            false => format!("{cell:<width$}"),
        })
        .collect()
}

/// The header's facts, label and value.
pub fn facts(header: &Header) -> Vec<(&'static str, String)> {
    vec![
        ("report", header.source.clone()),
        ("chip", format!("{} ({})", header.chip, header.device_type)),
        ("backend", header.backend.clone()),
        ("driver", header.driver.clone()),
        ("host", header.host.clone()),
        (
            "timing",
            match header.timestamp_period_ns {
                Some(period) => format!("{} ({period} ns per tick)", header.timing_words()),
                None => header.timing_words().into(),
            },
        ),
        ("suite", header.suite.clone()),
        (
            "run",
            format!(
                "{} to {}{}",
                header.started_utc,
                header.finished_utc.as_deref().unwrap_or("(unfinished)"),
                if header.partial {
                    ", PARTIAL: not every case finished"
                } else {
                    ""
                }
            ),
        ),
        (
            "written by",
            format!(
                "chipbench {} (wgpu {}), schema {}",
                header.tool_version, header.wgpu_version, header.schema_version
            ),
        ),
    ]
}

/// A report's tables: cases, what was not measured, roofs, baselines, the
/// summary's targets, autotune, warnings. Tables without rows are left out.
pub fn report_tables(report: &ReportRows) -> Vec<Table> {
    let mut tables = vec![
        cases(&report.cases),
        not_measured(report),
        roofs(report),
        baselines(report),
        targets(report),
        autotune(report),
        warnings(report),
    ];
    tables.retain(|t| !t.rows.is_empty());
    tables
}

fn cases(rows: &[CaseRow]) -> Table {
    let mut table = Table::new(
        "Cases",
        &[
            ("case", false),
            ("variant", false),
            ("status", false),
            ("median", true),
            ("p10", true),
            ("p90", true),
            ("CV", true),
            ("GFLOP/s", true),
            ("GB/s", true),
            ("FLOP/byte", true),
            ("verified", false),
            ("check", false),
            ("max error", true),
        ],
    );
    table.note = Some(
        "Times are per operation; p10 and p90 bound the middle 80% of the samples; \
         rates are at the median time."
            .into(),
    );
    for row in rows {
        let summary = row.timing.as_ref().map(|t| &t.summary);
        let [verified, check, max_error] = row
            .verification
            .as_ref()
            .map_or(["-", "-", "-"].map(String::from), verification_cells);
        let time = |pick: fn(&crate::measure::Summary) -> f64| {
            summary.map_or("-".into(), |s| format_seconds(pick(s)))
        };
        table.rows.push(vec![
            row.case.clone(),
            row.variant.clone(),
            row.status_word().into(),
            time(|s| s.median_s),
            time(|s| s.p10_s),
            time(|s| s.p90_s),
            spread(summary.map(|s| s.cv)),
            rate(row.gflop_per_s),
            rate(row.gb_per_s),
            row.arithmetic_intensity_flop_per_byte()
                .map_or("-".into(), |ai| format!("{ai:.3}")),
            verified,
            check,
            max_error,
        ]);
    }
    table
}

fn not_measured(report: &ReportRows) -> Table {
    let mut table = Table::new(
        "Not measured",
        &[
            ("case", false),
            ("variant", false),
            ("status", false),
            ("why", false),
        ],
    );
    table.note = Some("Failed and unsupported cases: no figure, not plotted.".into());
    for row in report.not_measured() {
        table.rows.push(vec![
            row.case.clone(),
            row.variant.clone(),
            row.status_word().into(),
            row.reason.clone().unwrap_or_default(),
        ]);
    }
    table
}

fn roofs(report: &ReportRows) -> Table {
    let mut table = Table::new(
        "Roofs",
        &[("roof", false), ("rate", true), ("measured by", false)],
    );
    table.note = Some("What this device reached on its own probes: the roofline's lines.".into());
    for roof in &report.roofs.compute {
        table.rows.push(vec![
            format!("compute {}", roof.dtype),
            figure(Metric::FlopRate, roof.gflop_per_s),
            roof.source.clone(),
        ]);
    }
    if let Some(roof) = &report.roofs.bandwidth {
        table.rows.push(vec![
            "bandwidth".into(),
            figure(Metric::ByteRate, roof.gb_per_s),
            roof.source.clone(),
        ]);
    }
    table
}

fn baselines(report: &ReportRows) -> Table {
    let mut table = Table::new(
        "Baselines",
        &[
            ("baseline", false),
            ("what", false),
            ("median", true),
            ("CV", true),
            ("GFLOP/s", true),
            ("GB/s", true),
        ],
    );
    for b in &report.baselines {
        table.rows.push(vec![
            b.label(),
            b.description.clone(),
            format_seconds(b.median_s),
            spread(b.cv),
            rate(b.gflop_per_s),
            rate(b.gb_per_s),
        ]);
    }
    table
}

fn targets(report: &ReportRows) -> Table {
    // The interval column only where a report carries intervals (schema 2 on).
    let with_interval = report
        .targets
        .iter()
        .any(|t| t.ci_low.is_some() && t.ci_high.is_some());
    let mut columns = vec![("ratio", false), ("value", true)];
    if with_interval {
        columns.push(("95% CI", true));
    }
    columns.extend([("target", true), ("verdict", false), ("from", false)]);
    let mut table = Table::new("Summary", &columns);
    table.note = Some("Ratios between figures of the same device in the same run.".into());
    for t in &report.targets {
        let mut row = vec![
            t.label.clone(),
            t.value.map_or("not measured".into(), percent),
        ];
        if with_interval {
            row.push(match (t.ci_low, t.ci_high) {
                (Some(low), Some(high)) => format!("{} – {}", percent(low), percent(high)),
                _ => "-".into(),
            });
        }
        row.extend([
            t.target
                .map_or("-".into(), |target| format!("≥ {}", percent(target))),
            t.verdict.map_or("-".into(), |v| v.words().into()),
            t.detail.clone(),
        ]);
        table.rows.push(row);
    }
    table
}

fn autotune(report: &ReportRows) -> Table {
    let mut table = Table::new(
        "Autotune",
        &[
            ("case", false),
            ("candidate", false),
            ("time", true),
            ("× winner", true),
            ("state", false),
        ],
    );
    table.note = Some(
        "Every candidate's brief trial, fastest first; a screened-out candidate's time is \
         its one screening batch. The winner was then measured in full."
            .into(),
    );
    for a in &report.autotune {
        let winner_s = a
            .trials
            .iter()
            .find(|t| t.candidate == a.winner)
            .and_then(|t| t.median_s);
        let mut how = vec![format!("class {}", a.shape_class)];
        if a.from_cache {
            how.push(match a.tuned_elsewhere() {
                Some(case) => format!("cached, tuned on {case}"),
                None => "cached".into(),
            });
        }
        if a.trials.is_empty() {
            table.rows.push(vec![
                format!("{} ({})", a.case, how.join(", ")),
                format!("{} (winner; no trials recorded)", a.winner),
                "-".into(),
                "-".into(),
                "-".into(),
            ]);
        }
        for (i, t) in a.trials.iter().enumerate() {
            let case = match i {
                0 => format!("{} ({})", a.case, how.join(", ")),
                _ => String::new(),
            };
            let candidate = match t.candidate == a.winner {
                true => format!("{} (winner)", t.candidate),
                false => t.candidate.clone(),
            };
            let state = match &t.failure {
                Some(why) => format!("{}: {why}", t.state.words()),
                None => t.state.words().into(),
            };
            table.rows.push(vec![
                case,
                candidate,
                t.median_s.map_or("-".into(), format_seconds),
                match (t.median_s, winner_s) {
                    (Some(time), Some(winner)) => format!("{:.2}", time / winner),
                    _ => "-".into(),
                },
                state,
            ]);
        }
    }
    table
}

fn warnings(report: &ReportRows) -> Table {
    let mut table = Table::new("Warnings", &[("case", false), ("warning", false)]);
    for w in &report.warnings {
        table.rows.push(vec![w.subject.clone(), w.text.clone()]);
    }
    table
}

/// A comparison's tables: which report is which, the matched cases with
/// each report's figure, ratio and verdict, and the unmatched cases.
pub fn comparison_tables(comparison: &Comparison) -> Vec<Table> {
    let letters: Vec<char> = (0..comparison.reports.len())
        .map(Comparison::letter)
        .collect();
    let mut reports = Table::new(
        "Reports",
        &[
            ("", false),
            ("report", false),
            ("chip", false),
            ("backend", false),
            ("driver", false),
            ("timing", false),
            ("suite", false),
        ],
    );
    for (letter, r) in letters.iter().zip(&comparison.reports) {
        let h = &r.header;
        reports.rows.push(vec![
            letter.to_string(),
            h.source.clone(),
            h.chip.clone(),
            h.backend.clone(),
            h.driver.clone(),
            h.timing_words().into(),
            h.suite.clone(),
        ]);
    }

    let mut columns: Vec<(String, bool)> = vec![("case".into(), false), ("better".into(), false)];
    for (i, letter) in letters.iter().enumerate() {
        columns.push((letter.to_string(), true));
        if i > 0 {
            columns.push((format!("{letter}/A"), true));
            columns.push((format!("{letter} vs A"), false));
        }
    }
    let mut cases = Table {
        title: "Cases".into(),
        note: Some(
            "Each report's figure (rate at the median time, or the median time) ± its spread \
             (the larger of CV and half the p10–p90 width); within noise when the difference is \
             inside the two spreads combined."
                .into(),
        ),
        headings: columns.iter().map(|(h, _)| h.clone()).collect(),
        numeric: columns.iter().map(|&(_, n)| n).collect(),
        rows: Vec::new(),
    };
    for case in &comparison.cases {
        let mut row = vec![
            case.case.clone(),
            match case.metric.higher_is_better() {
                true => "higher".into(),
                false => "lower".into(),
            },
        ];
        for (i, side) in case.sides.iter().enumerate() {
            row.push(match side.figure {
                Some(value) => format!("{} {}", figure(case.metric, value), spread(side.spread)),
                None => status_word(side.status).into(),
            });
            if i > 0 {
                row.push(
                    case.ratio_to_first(i)
                        .map_or("-".into(), |r| format!("{r:.3}×")),
                );
                row.push(case.verdict(i).map_or("-".into(), |v| v.words().into()));
            }
        }
        cases.rows.push(row);
    }

    let mut not_measured = Table::new(
        "Not measured",
        &[
            ("case", false),
            ("report", false),
            ("status", false),
            ("why", false),
        ],
    );
    not_measured.note = Some("Matched cases a report has no figure for.".into());
    for case in &comparison.cases {
        for (letter, side) in letters.iter().zip(&case.sides) {
            if side.figure.is_none() {
                not_measured.rows.push(vec![
                    case.case.clone(),
                    letter.to_string(),
                    status_word(side.status).into(),
                    side.reason.clone().unwrap_or_default(),
                ]);
            }
        }
    }

    let mut unmatched = Table::new("Unmatched cases", &[("case", false), ("only in", false)]);
    unmatched.note = Some("Cases not in every report: not compared.".into());
    for u in &comparison.unmatched {
        let present: Vec<String> = u
            .present_in
            .iter()
            .map(|&i| letters[i].to_string())
            .collect();
        unmatched
            .rows
            .push(vec![u.case.clone(), present.join(", ")]);
    }
    let mut tables = vec![reports, cases, not_measured, unmatched];
    tables.retain(|t| !t.rows.is_empty());
    tables
}
