//! Reports side by side: cases matched by workload, dtype and shape, each
//! later report's figure as a ratio to the first's, and a verdict that knows
//! which way is better and counts both reports' spread (as nvbench's compare
//! does): a difference within the two measurements' combined spread is noise.

use anyhow::{bail, Result};

use super::model::{CaseRow, Metric, ReportRows};
use crate::case::Dtype;
use crate::report::Status;

/// How a figure compares with the first report's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Better beyond the noise: a higher rate, or a shorter time.
    Faster,
    /// Worse beyond the noise.
    Slower,
    /// The difference is within the combined spread of the two measurements.
    WithinNoise,
}

impl Verdict {
    /// How `figure` (spread `spread`, both relative) compares with `first`
    /// (spread `first_spread`) under `metric`. Within noise when the relative
    /// difference is at most the two spreads combined in quadrature, as for
    /// independent errors; otherwise faster or slower as the metric's
    /// direction says.
    pub fn judge(
        metric: Metric,
        first: f64,
        first_spread: f64,
        figure: f64,
        spread: f64,
    ) -> Verdict {
        let change = figure / first - 1.0;
        let noise = first_spread.hypot(spread);
        if change.abs() <= noise {
            Verdict::WithinNoise
        } else if (change > 0.0) == metric.higher_is_better() {
            Verdict::Faster
        } else {
            Verdict::Slower
        }
    }

    /// The verdict in words.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Faster => "faster",
            Verdict::Slower => "slower",
            Verdict::WithinNoise => "within noise",
        }
    }
}

/// One report's measurement of a matched case.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// Variant with its constants.
    pub variant: String,
    /// ok, failed or unsupported.
    pub status: Status,
    /// Why it failed or is unsupported.
    pub reason: Option<String>,
    /// The headline figure, in the case's metric (None unless verified).
    pub figure: Option<f64>,
    /// The samples' relative spread (see [`CaseRow::relative_spread`]).
    pub spread: Option<f64>,
}

impl Side {
    fn of(row: &CaseRow) -> Side {
        Side {
            variant: row.variant.clone(),
            status: row.status,
            reason: row.reason.clone(),
            figure: row.figure(),
            spread: row.relative_spread(),
        }
    }
}

/// A case every report has, with each report's figure.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedCase {
    /// Case name, e.g. `matmul_f32_512x512x512`.
    pub case: String,
    /// Workload.
    pub workload: String,
    /// Element type.
    pub dtype: Dtype,
    /// What the figures measure, and so which way is better.
    pub metric: Metric,
    /// One per report, in the order given.
    pub sides: Vec<Side>,
}

impl ComparedCase {
    /// Report `index`'s figure over the first report's.
    pub fn ratio_to_first(&self, index: usize) -> Option<f64> {
        Some(self.sides[index].figure? / self.sides[0].figure?)
    }

    /// Report `index`'s verdict against the first report (None for the
    /// first itself, or where either side has no figure).
    pub fn verdict(&self, index: usize) -> Option<Verdict> {
        if index == 0 {
            return None;
        }
        let (first, other) = (&self.sides[0], &self.sides[index]);
        Some(Verdict::judge(
            self.metric,
            first.figure?,
            first.spread.unwrap_or(0.0),
            other.figure?,
            other.spread.unwrap_or(0.0),
        ))
    }
}

/// A case that not every report has: listed, never dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmatchedCase {
    /// Case name.
    pub case: String,
    /// Indices of the reports that have it.
    pub present_in: Vec<usize>,
}

/// Reports compared case by case.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The reports, the first being the one the others are held against.
    pub reports: Vec<ReportRows>,
    /// Cases every report has, in the first report's order.
    pub cases: Vec<ComparedCase>,
    /// Cases some report lacks.
    pub unmatched: Vec<UnmatchedCase>,
}

/// Cases are the same when workload, dtype and shape are.
type Key<'a> = (&'a str, Dtype, &'a str);

fn key(row: &CaseRow) -> Key<'_> {
    (&row.workload, row.dtype, &row.shape)
}

impl Comparison {
    /// Matches `reports`' cases. Where a report measured a case with several
    /// variants (`--all-variants`), its best verified one stands for it.
    /// Fails when no case is in every report: there is nothing to compare.
    pub fn of(reports: Vec<ReportRows>) -> Result<Comparison> {
        let mut keys: Vec<Key<'_>> = Vec::new();
        for row in reports.iter().flat_map(|r| &r.cases) {
            if !keys.contains(&key(row)) {
                keys.push(key(row));
            }
        }
        let mut cases = Vec::new();
        let mut unmatched = Vec::new();
        for k in keys {
            let picks: Vec<Option<&CaseRow>> = reports.iter().map(|r| best_of(r, k)).collect();
            let first = picks
                .iter()
                .flatten()
                .next()
                .expect("a key comes from a row");
            if picks.iter().all(Option::is_some) {
                cases.push(ComparedCase {
                    case: first.case.clone(),
                    workload: first.workload.clone(),
                    dtype: first.dtype,
                    metric: first.metric,
                    sides: picks.iter().flatten().map(|row| Side::of(row)).collect(),
                });
            } else {
                unmatched.push(UnmatchedCase {
                    case: first.case.clone(),
                    present_in: (0..picks.len()).filter(|&i| picks[i].is_some()).collect(),
                });
            }
        }
        if cases.is_empty() {
            let sources: Vec<&str> = reports.iter().map(|r| r.header.source.as_str()).collect();
            bail!(
                "{} have no case in common (cases match by workload, dtype and shape)",
                sources.join(" and ")
            );
        }
        Ok(Comparison {
            reports,
            cases,
            unmatched,
        })
    }

    /// `A`, `B`, `C`...: how tables and legends name report `index`.
    pub fn letter(index: usize) -> char {
        char::from(b'A' + (index % 26) as u8)
    }
}

/// The row that stands for case `k` in `report`: its best verified
/// measurement, else its first.
fn best_of<'a>(report: &'a ReportRows, k: Key<'_>) -> Option<&'a CaseRow> {
    let mut rows = report.cases.iter().filter(|row| key(row) == k);
    let first = rows.clone().next()?;
    let better = |a: f64, b: f64| match first.metric.higher_is_better() {
        true => a.total_cmp(&b),
        false => b.total_cmp(&a),
    };
    Some(
        rows.by_ref()
            .filter_map(|row| row.figure().map(|f| (f, row)))
            .max_by(|a, b| better(a.0, b.0))
            .map_or(first, |(_, row)| row),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::model::tests::{committed, committed_on};

    #[test]
    fn a_rate_is_faster_when_higher_and_a_time_when_lower() {
        use Verdict::*;
        assert_eq!(
            Verdict::judge(Metric::FlopRate, 10.0, 0.01, 12.0, 0.01),
            Faster
        );
        assert_eq!(
            Verdict::judge(Metric::FlopRate, 10.0, 0.01, 8.0, 0.01),
            Slower
        );
        assert_eq!(
            Verdict::judge(Metric::ByteRate, 10.0, 0.01, 12.0, 0.01),
            Faster
        );
        assert_eq!(
            Verdict::judge(Metric::Time, 10e-6, 0.01, 12e-6, 0.01),
            Slower
        );
        assert_eq!(
            Verdict::judge(Metric::Time, 10e-6, 0.01, 8e-6, 0.01),
            Faster
        );
    }

    #[test]
    fn a_difference_within_the_combined_spread_is_noise() {
        // 4.9% apart: spreads of 3% and 4% combine to 5%, noise; 3% and 3% to 4.2%, not.
        assert_eq!(
            Verdict::judge(Metric::FlopRate, 100.0, 0.03, 104.9, 0.04),
            Verdict::WithinNoise
        );
        assert_eq!(
            Verdict::judge(Metric::FlopRate, 100.0, 0.03, 104.9, 0.03),
            Verdict::Faster
        );
        // Either side's spread alone widens the band.
        assert_eq!(
            Verdict::judge(Metric::Time, 1.0, 0.0, 0.9, 0.2),
            Verdict::WithinNoise
        );
        assert_eq!(
            Verdict::judge(Metric::Time, 1.0, 0.0, 1.0, 0.0),
            Verdict::WithinNoise
        );
    }

    #[test]
    fn a_report_against_itself_is_within_noise_everywhere() {
        let (path, report) = committed_on("vulkan");
        let rows = ReportRows::of(&report, &path.display().to_string());
        let comparison = Comparison::of(vec![rows.clone(), rows]).unwrap();
        assert!(comparison.unmatched.is_empty());
        for case in &comparison.cases {
            if case.sides[0].figure.is_some() {
                assert_eq!(case.ratio_to_first(1), Some(1.0));
                assert_eq!(case.verdict(1), Some(Verdict::WithinNoise));
            }
        }
    }

    #[test]
    fn cases_one_report_lacks_are_listed_with_the_reports_that_have_them() {
        let (path, report) = committed_on("vulkan");
        let all = ReportRows::of(&report, &path.display().to_string());
        let mut fewer = all.clone();
        let dropped = fewer.cases.remove(0);
        let comparison = Comparison::of(vec![all.clone(), fewer]).unwrap();
        assert_eq!(comparison.cases.len(), all.cases.len() - 1);
        assert_eq!(
            comparison.unmatched,
            vec![UnmatchedCase {
                case: dropped.case,
                present_in: vec![0]
            }]
        );
    }

    #[test]
    fn reports_with_no_case_in_common_are_an_error() {
        let (path, report) = committed_on("vulkan");
        let a = ReportRows::of(&report, "a.json");
        let mut b = ReportRows::of(&report, "b.json");
        b.cases.retain(|c| c.workload == "matmul");
        let mut a_only = a.clone();
        a_only.cases.retain(|c| c.workload != "matmul");
        let error = Comparison::of(vec![a_only, b]).unwrap_err().to_string();
        assert_eq!(
            error,
            "a.json and b.json have no case in common (cases match by workload, dtype and shape)",
            "{path:?}"
        );
    }

    #[test]
    fn lavapipe_against_llvmpipe_gl_matches_every_quick_case() {
        let reports = committed();
        let gl = reports
            .iter()
            .find(|(_, r)| r.adapter.backend == "gl")
            .unwrap();
        let vulkan = reports
            .iter()
            .find(|(_, r)| r.adapter.backend == "vulkan" && r.suite.name == gl.1.suite.name)
            .unwrap();
        let comparison = Comparison::of(vec![
            ReportRows::of(&vulkan.1, "vulkan.json"),
            ReportRows::of(&gl.1, "gl.json"),
        ])
        .unwrap();
        assert_eq!(comparison.cases.len(), gl.1.measurements.len());
        let f16 = comparison
            .cases
            .iter()
            .find(|c| c.case == "matmul_f16_512x512x512")
            .unwrap();
        assert_eq!(f16.sides[1].status, Status::Unsupported, "GL lacks f16");
        assert_eq!((f16.ratio_to_first(1), f16.verdict(1)), (None, None));
    }
}
