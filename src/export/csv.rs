//! CSV: one row per case with every numeric field at full precision (a
//! number reads back as the report's own), for spreadsheets and scripts.

use super::comparison::Comparison;
use super::model::{status_word, CaseRow, ReportRows};
use super::Exporter;
use crate::gpu::TimingMethod;
use crate::reference::Method;

/// Writes comma-separated values (RFC 4180 quoting, `\n` line ends).
#[derive(Debug, Clone, Copy)]
pub struct Csv;

/// The columns of a report's CSV, in order.
const CASE_COLUMNS: [&str; 36] = [
    "report",
    "case",
    "workload",
    "variant",
    "dtype",
    "shape",
    "status",
    "reason",
    "flop",
    "bytes_read",
    "bytes_written",
    "arithmetic_intensity_flop_per_byte",
    "compile_s",
    "clock",
    "samples",
    "rejected_samples",
    "repeats_per_sample",
    "warmup_samples",
    "warmup_converged",
    "median_s",
    "min_s",
    "p10_s",
    "p90_s",
    "max_s",
    "mean_s",
    "mad_s",
    "cv",
    "outliers",
    "wall_median_s",
    "first_dispatch_wall_s",
    "gflop_per_s",
    "gb_per_s",
    "verification",
    "max_abs_error",
    "tolerance",
    "verified",
];

impl Exporter for Csv {
    fn reports(&self, reports: &[ReportRows]) -> String {
        let mut out = line(CASE_COLUMNS.iter().map(|c| c.to_string()));
        for report in reports {
            for row in &report.cases {
                out += &line(case_fields(&report.header.source, row));
            }
        }
        out
    }

    fn comparison(&self, comparison: &Comparison) -> String {
        let mut header = vec![
            "case".to_string(),
            "workload".into(),
            "dtype".into(),
            "unit".into(),
        ];
        for i in 0..comparison.reports.len() {
            let letter = Comparison::letter(i);
            for field in ["report", "variant", "status", "figure", "relative_spread"] {
                header.push(format!("{letter}_{field}"));
            }
            if i > 0 {
                header.push(format!("{letter}_ratio_to_A"));
                header.push(format!("{letter}_verdict"));
            }
        }
        let mut out = line(header.into_iter());
        for case in &comparison.cases {
            let mut fields = vec![
                case.case.clone(),
                case.workload.clone(),
                case.dtype.to_string(),
                case.metric.unit().to_string(),
            ];
            for (i, side) in case.sides.iter().enumerate() {
                fields.push(comparison.reports[i].header.source.clone());
                fields.push(side.variant.clone());
                fields.push(status_word(side.status).into());
                fields.push(number(side.figure));
                fields.push(number(side.spread));
                if i > 0 {
                    fields.push(number(case.ratio_to_first(i)));
                    fields.push(case.verdict(i).map_or(String::new(), |v| v.words().into()));
                }
            }
            out += &line(fields.into_iter());
        }
        out
    }
}

/// A number as Rust prints it (the shortest text that reads back exactly),
/// or an empty field.
fn number(value: Option<f64>) -> String {
    value.map_or(String::new(), |v| v.to_string())
}

/// The fields of one case, in [`CASE_COLUMNS`] order.
fn case_fields(source: &str, row: &CaseRow) -> impl Iterator<Item = String> {
    let timing = row.timing.as_ref();
    let summary = timing.map(|t| t.summary);
    let verification = row.verification.as_ref();
    let count = |n: Option<usize>| n.map_or(String::new(), |n| n.to_string());
    let fields: [String; CASE_COLUMNS.len()] = [
        source.to_string(),
        row.case.clone(),
        row.workload.clone(),
        row.variant.clone(),
        row.dtype.to_string(),
        row.shape.clone(),
        row.status_word().into(),
        row.reason.clone().unwrap_or_default(),
        row.flop.to_string(),
        row.bytes_read.to_string(),
        row.bytes_written.to_string(),
        number(row.arithmetic_intensity_flop_per_byte()),
        number(row.compile_s),
        timing.map_or(String::new(), |t| {
            match t.clock {
                TimingMethod::GpuTimestamp => "gpu_timestamp",
                TimingMethod::Wall => "wall",
            }
            .into()
        }),
        count(timing.map(|t| t.samples)),
        count(timing.map(|t| t.rejected_samples)),
        timing.map_or(String::new(), |t| t.repeats_per_sample.to_string()),
        count(timing.map(|t| t.warmup_samples)),
        timing.map_or(String::new(), |t| t.warmup_converged.to_string()),
        number(summary.map(|s| s.median_s)),
        number(summary.map(|s| s.min_s)),
        number(summary.map(|s| s.p10_s)),
        number(summary.map(|s| s.p90_s)),
        number(summary.map(|s| s.max_s)),
        number(summary.map(|s| s.mean_s)),
        number(summary.map(|s| s.mad_s)),
        number(summary.map(|s| s.cv)),
        count(summary.map(|s| s.outliers)),
        number(timing.map(|t| t.wall_median_s)),
        number(timing.and_then(|t| t.first_dispatch_wall_s)),
        number(row.gflop_per_s),
        number(row.gb_per_s),
        verification.map_or(String::new(), |v| {
            match v.method {
                Method::Exact => "exact",
                Method::Freivalds { .. } => "freivalds",
            }
            .into()
        }),
        number(verification.and_then(|v| v.max_abs_error)),
        number(verification.map(|v| v.tolerance)),
        verification.map_or(String::new(), |v| v.passed.to_string()),
    ];
    fields.into_iter()
}

/// One CSV line; a field holding a comma, quote or line break is quoted.
fn line(fields: impl Iterator<Item = String>) -> String {
    let quoted: Vec<String> = fields
        .map(|f| match f.contains([',', '"', '\n', '\r']) {
            true => format!("\"{}\"", f.replace('"', "\"\"")),
            false => f,
        })
        .collect();
    quoted.join(",") + "\n"
}
