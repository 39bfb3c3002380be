//! One case of one node held against a reference (its group's median, or its
//! own earlier figures): the fraction of the reference it reached, a robust
//! z-score with a noise floor, and a weight that is smaller the noisier the
//! case; and the node's aggregate over its cases.

use serde::Serialize;

use super::robust::weighted_median;

/// A reference a case is held against: a median and its spread.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reference {
    /// The reference figure (a median), in the case's unit.
    pub median: f64,
    /// Its spread as a standard deviation (1.4826·MAD), in the case's unit.
    pub sigma: f64,
}

/// One case of one node, scored against a reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseScore {
    /// Case name.
    pub case: String,
    /// The node's figure, in the case's unit.
    pub figure: f64,
    /// Performance as a fraction of the reference: figure ÷ median for a
    /// rate, median ÷ figure for a time, so below 1 is always slower.
    pub fraction: f64,
    /// (fraction − 1) ÷ σ_eff: how many noise widths from the reference.
    pub z: f64,
    /// The σ the z was taken with, as a fraction of the median: the largest
    /// of the reference's spread, the node's own standard error and the floor.
    pub sigma_fraction: f64,
    /// 1 ÷ σ_eff²: a case noisy across nodes or within its own run weighs less.
    pub weight: f64,
}

impl CaseScore {
    /// Scores `figure` (standard error of its median `own_se`, a fraction)
    /// against `reference`, σ never under `floor` of the median.
    pub fn of(
        case: &str,
        figure: f64,
        higher_is_better: bool,
        reference: Reference,
        own_se: Option<f64>,
        floor: f64,
    ) -> CaseScore {
        let fraction = match higher_is_better {
            true => figure / reference.median,
            false => reference.median / figure,
        };
        let sigma_fraction = (reference.sigma / reference.median)
            .max(own_se.unwrap_or(0.0))
            .max(floor);
        CaseScore {
            case: case.to_string(),
            figure,
            fraction,
            z: (fraction - 1.0) / sigma_fraction,
            sigma_fraction,
            weight: sigma_fraction.powi(-2),
        }
    }

    /// `stream_copy_f32_16777216 88.0%, z −6.1`.
    pub fn words(&self) -> String {
        format!(
            "{} {:.1}%, z {}",
            self.case,
            self.fraction * 100.0,
            signed(self.z)
        )
    }
}

/// `−6.1` or `+2.0`, with a true minus sign.
pub fn signed(value: f64) -> String {
    let text = format!("{value:+.1}");
    text.replacen('-', "−", 1)
}

/// A node's cases taken together: the weighted medians of their fractions
/// and of their z-scores. A median, so one odd case cannot decide it; weighted,
/// so the quiet cases count for more than the noisy ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Aggregate {
    /// Weighted median of the cases' fractions of the reference.
    pub fraction: f64,
    /// Weighted median of the cases' z-scores.
    pub z: f64,
    /// How many cases it is over.
    pub cases: usize,
}

impl Aggregate {
    /// The aggregate of `scores`; None when there are none.
    pub fn of(scores: &[CaseScore]) -> Option<Aggregate> {
        let pairs = |pick: fn(&CaseScore) -> f64| -> Vec<(f64, f64)> {
            scores.iter().map(|s| (pick(s), s.weight)).collect()
        };
        Some(Aggregate {
            fraction: weighted_median(&pairs(|s| s.fraction))?,
            z: weighted_median(&pairs(|s| s.z))?,
            cases: scores.len(),
        })
    }

    /// `89.7% of the group median (weighted median of 16 cases), z −5.2`,
    /// the reference named by `of`.
    pub fn words(&self, of: &str) -> String {
        format!(
            "{:.1}% of {of} (weighted median of {} case{}), z {}",
            self.fraction * 100.0,
            self.cases,
            if self.cases == 1 { "" } else { "s" },
            signed(self.z)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR: f64 = 0.01;

    #[test]
    fn identical_peers_do_not_make_a_one_percent_difference_huge() {
        let identical = Reference {
            median: 100.0,
            sigma: 0.0,
        };
        let score = CaseScore::of("c", 99.0, true, identical, None, FLOOR);
        assert!((score.fraction - 0.99).abs() < 1e-12);
        assert!((score.z + 1.0).abs() < 1e-9, "the floor: {}", score.z);
    }

    #[test]
    fn a_time_below_the_median_is_faster() {
        let reference = Reference {
            median: 10e-6,
            sigma: 0.5e-6,
        };
        let score = CaseScore::of("latency", 12.5e-6, false, reference, None, FLOOR);
        assert!((score.fraction - 0.8).abs() < 1e-12);
        assert!((score.z + 4.0).abs() < 1e-9, "σ 5%: {}", score.z);
    }

    #[test]
    fn a_case_noisy_in_its_own_run_weighs_less_and_scores_milder() {
        let reference = Reference {
            median: 100.0,
            sigma: 2.0,
        };
        let quiet = CaseScore::of("c", 90.0, true, reference, Some(0.005), FLOOR);
        let noisy = CaseScore::of("c", 90.0, true, reference, Some(0.08), FLOOR);
        assert!((quiet.z + 5.0).abs() < 1e-9);
        assert!((noisy.z + 1.25).abs() < 1e-9);
        assert!(noisy.weight < quiet.weight / 10.0);
    }

    #[test]
    fn one_odd_case_does_not_move_the_aggregate() {
        let reference = Reference {
            median: 100.0,
            sigma: 2.0,
        };
        let mut figures = vec![100.0, 101.0, 99.0, 100.5, 99.5];
        figures.push(60.0);
        let scores: Vec<CaseScore> = figures
            .iter()
            .map(|&f| CaseScore::of("c", f, true, reference, None, FLOOR))
            .collect();
        let aggregate = Aggregate::of(&scores).unwrap();
        assert!(aggregate.fraction > 0.99, "{aggregate:?}");
        assert_eq!(aggregate.cases, 6);
        assert_eq!(signed(-6.14), "−6.1");
        assert_eq!(signed(2.0), "+2.0");
    }
}
