//! CSV: one row per case with every numeric field at full precision (a
//! number reads back as the report's own), for spreadsheets and scripts.

use super::comparison::Comparison;
use super::model::{check_word, status_word, CaseRow, ReportRows};
use super::Exporter;
use crate::fleet::FleetAnalysis;
use crate::gpu::TimingMethod;

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

    fn fleet(&self, fleet: &FleetAnalysis) -> String {
        let mut out = line(FLEET_COLUMNS.iter().map(|c| c.to_string()));
        for node in &fleet.nodes {
            let group = node.group.map(|i| (i, &fleet.groups[i].key));
            let node_fields = [
                group.map_or(String::new(), |(i, _)| (i + 1).to_string()),
                group.map_or(String::new(), |(_, k)| k.chip.clone()),
                group.map_or(String::new(), |(_, k)| k.backend.clone()),
                group.map_or(String::new(), |(_, k)| {
                    format!("{} {}", k.driver, k.driver_info)
                }),
                node.node.clone(),
                node.verdict.words().to_lowercase(),
                number(node.aggregate.map(|a| a.fraction)),
                number(node.aggregate.map(|a| a.z)),
            ];
            if node.cases.is_empty() {
                let empty = std::iter::repeat_n(String::new(), 5);
                out += &line(node_fields.iter().cloned().chain(empty));
            }
            for score in &node.cases {
                let case_fields = [
                    score.case.clone(),
                    score.figure.to_string(),
                    score.fraction.to_string(),
                    score.z.to_string(),
                    score.sigma_fraction.to_string(),
                ];
                out += &line(node_fields.iter().cloned().chain(case_fields));
            }
        }
        out
    }
}

/// The columns of a fleet's CSV: one row per node and compared case.
const FLEET_COLUMNS: [&str; 13] = [
    "group",
    "chip",
    "backend",
    "driver",
    "node",
    "verdict",
    "node_share_of_median",
    "node_z",
    "case",
    "figure",
    "share_of_median",
    "z",
    "sigma_fraction",
];

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
        verification.map_or(String::new(), |v| check_word(v).into()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::comparison::Verdict;
    use crate::export::model::tests::{committed, committed_on};

    /// Splits CSV text into records of fields, undoing the quoting.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let (mut record, mut field) = (Vec::new(), String::new());
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, c) => field.push(c),
            }
        }
        records
    }

    /// The field named `column` of `record`, under `header`.
    fn field<'a>(header: &[String], record: &'a [String], column: &str) -> &'a str {
        let i = header.iter().position(|h| h == column).unwrap();
        &record[i]
    }

    #[test]
    fn every_case_reads_back_with_the_reports_own_numbers() {
        for (path, report) in committed() {
            let rows = ReportRows::of(&report, &path.display().to_string());
            let records = parse(&Csv.reports(&[rows]));
            let (header, body) = records.split_first().unwrap();
            assert_eq!(header, &CASE_COLUMNS.map(String::from));
            assert_eq!(body.len(), report.measurements.len(), "one row per case");
            for (record, m) in body.iter().zip(&report.measurements) {
                assert_eq!(record.len(), CASE_COLUMNS.len());
                assert_eq!(field(header, record, "case"), m.case);
                let read = |column: &str| -> Option<f64> {
                    let text = field(header, record, column);
                    (!text.is_empty()).then(|| text.parse().unwrap())
                };
                let summary = m.timing.as_ref().map(|t| t.summary);
                assert_eq!(read("median_s"), summary.map(|s| s.median_s), "{}", m.case);
                assert_eq!(read("p10_s"), summary.map(|s| s.p10_s));
                assert_eq!(read("p90_s"), summary.map(|s| s.p90_s));
                assert_eq!(read("cv"), summary.map(|s| s.cv));
                assert_eq!(read("gflop_per_s"), m.gflop_per_s);
                assert_eq!(read("gb_per_s"), m.gb_per_s);
                assert_eq!(read("flop"), Some(m.flop));
                assert_eq!(read("bytes_read"), Some(m.bytes_read as f64));
                assert_eq!(read("compile_s"), m.compile_s);
            }
        }
    }

    #[test]
    fn fields_with_commas_and_quotes_are_quoted() {
        let text = line(["a,b".to_string(), "say \"hi\"".into(), "plain".into()].into_iter());
        assert_eq!(text, "\"a,b\",\"say \"\"hi\"\"\",plain\n");
        assert_eq!(parse(&text), vec![vec!["a,b", "say \"hi\"", "plain"]]);
    }

    #[test]
    fn a_comparison_has_each_reports_figure_ratio_and_verdict() {
        let (path, report) = committed_on("vulkan");
        let rows = ReportRows::of(&report, &path.display().to_string());
        let comparison = Comparison::of(vec![rows.clone(), rows]).unwrap();
        let records = parse(&Csv.comparison(&comparison));
        let (header, body) = records.split_first().unwrap();
        assert_eq!(body.len(), comparison.cases.len());
        for (record, case) in body.iter().zip(&comparison.cases) {
            let a: Option<f64> = field(header, record, "A_figure").parse().ok();
            assert_eq!(a, case.sides[0].figure);
            if a.is_some() {
                assert_eq!(field(header, record, "B_ratio_to_A"), "1");
                assert_eq!(
                    field(header, record, "B_verdict"),
                    Verdict::WithinNoise.words()
                );
            }
        }
    }
}
