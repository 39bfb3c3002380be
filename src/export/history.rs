//! The result history in the terminal: the measurements `history show`
//! lists, and a report against its chip's history (`compare --history`),
//! laid out as the terminal's aligned tables.

use super::tables::{rate, spread, Table};
use super::terminal::aligned;
use crate::history::{
    HistoryComparison, MeasurementRow, DRIFT_FLOOR, RUNS_FOR_A_SPREAD, SPREADS_OF_NOISE,
};
use crate::units::format_seconds;

/// One line per stored measurement, oldest run first, under a count of runs.
pub fn history_rows(rows: &[MeasurementRow]) -> String {
    if rows.is_empty() {
        return "no measurements in the history match\n".into();
    }
    let mut table = Table::new(
        "history",
        &[
            ("run", true),
            ("started", false),
            ("node", false),
            ("adapter", false),
            ("backend", false),
            ("case", false),
            ("variant", false),
            ("figure", true),
            ("unit", false),
            ("spread", true),
            ("samples", true),
            ("status", false),
        ],
    );
    for row in rows {
        table.rows.push(vec![
            row.run_id.to_string(),
            row.started_utc.clone() + if row.partial { " (partial)" } else { "" },
            row.node.clone(),
            row.adapter.clone(),
            row.backend.clone(),
            row.case.clone(),
            row.variant.clone(),
            figure(row.figure, row.figure_unit.as_deref()),
            row.figure_unit.clone().unwrap_or_else(|| "-".into()),
            spread(row.spread),
            row.samples.map_or("-".into(), |n| n.to_string()),
            row.status.clone(),
        ]);
    }
    let mut runs: Vec<i64> = rows.iter().map(|r| r.run_id).collect();
    runs.dedup();
    format!(
        "{}{} measurement(s) of {} run(s)\n",
        aligned(&table),
        rows.len(),
        runs.len()
    )
}

/// A report against its chip's history: a heading naming the chip, the
/// earlier runs and any other driver among them, a row per case, and the
/// cases that drifted.
pub fn history_comparison(c: &HistoryComparison) -> String {
    let mut out = format!(
        "{} against the history of {} ({}, {}): ",
        c.source, c.adapter, c.backend, c.driver
    );
    if c.earlier_runs == 0 {
        return out + "no earlier runs of this chip\n";
    }
    out += &format!(
        "{} earlier run(s) on {} node(s)\n",
        c.earlier_runs, c.earlier_nodes
    );
    for (driver, runs) in &c.other_drivers {
        out += &format!("note: {runs} earlier run(s) used another driver, {driver}; figures may differ for that reason alone\n");
    }
    for (cpu, runs) in &c.other_host_cpus {
        out += &format!("note: {runs} earlier run(s) ran on another host CPU, {cpu}; a software adapter's figures are its CPU's\n");
    }
    let mut table = Table::new(
        "against history",
        &[
            ("case", false),
            ("this run", true),
            ("unit", false),
            ("history median", true),
            ("spread across runs", true),
            ("runs", true),
            ("noise", true),
            ("change", true),
            ("verdict", false),
        ],
    );
    for case in &c.cases {
        let unit = case.unit.as_deref();
        table.rows.push(vec![
            case.case.clone(),
            figure(case.figure, unit),
            unit.unwrap_or("-").into(),
            figure(case.history_median, unit),
            spread(case.history_spread),
            case.earlier_runs.to_string(),
            spread(case.noise),
            case.change
                .map_or("-".into(), |change| format!("{:+.1}%", change * 100.0)),
            case.verdict.words().into(),
        ]);
    }
    out += &aligned(&table);
    let drifted: Vec<&str> = c
        .cases
        .iter()
        .filter(|case| case.verdict.drifted())
        .map(|case| case.case.as_str())
        .collect();
    out += &format!(
        "drifted (changed by more than the noise: the larger of {:.0}% and, with {RUNS_FOR_A_SPREAD} or more earlier runs, \
         {SPREADS_OF_NOISE} robust spreads across them, else the runs' own spreads combined): {}\n",
        DRIFT_FLOOR * 100.0,
        match drifted.is_empty() {
            true => "none".to_string(),
            false => format!("{} of {} cases: {}", drifted.len(), c.cases.len(), drifted.join(", ")),
        }
    );
    out
}

/// A figure in `unit`: a time as a time, a rate with two decimals.
fn figure(value: Option<f64>, unit: Option<&str>) -> String {
    match (value, unit) {
        (Some(seconds), Some("s")) => format_seconds(seconds),
        (value, _) => rate(value),
    }
}
