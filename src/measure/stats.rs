//! Robust statistics over a slice of sample times, as pure functions.

use serde::{Deserialize, Serialize};

/// A summary of sample times, all in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Middle value: the headline figure, robust to stragglers.
    pub median_s: f64,
    /// Fastest sample.
    pub min_s: f64,
    /// 10th percentile (linear interpolation).
    pub p10_s: f64,
    /// 90th percentile (linear interpolation).
    pub p90_s: f64,
    /// Slowest sample.
    pub max_s: f64,
    /// Arithmetic mean.
    pub mean_s: f64,
    /// Median absolute deviation from the median (unscaled).
    pub mad_s: f64,
    /// Coefficient of variation: standard deviation / mean (0 for one sample).
    pub cv: f64,
    /// Samples outside Tukey's fences (1.5 × IQR beyond the quartiles).
    pub outliers: usize,
}

impl Summary {
    /// How much the samples spread, relative to the median: the larger of
    /// the coefficient of variation and half the p10–p90 width over the
    /// median, so neither a few stragglers nor a broad middle is missed.
    /// None for a zero median.
    pub fn relative_spread(&self) -> Option<f64> {
        (self.median_s > 0.0).then(|| {
            self.cv
                .max((self.p90_s - self.p10_s) / (2.0 * self.median_s))
        })
    }

    /// Summarises `samples`; None when there are none.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len() as f64;
        let mean = sorted.iter().sum::<f64>() / n;
        let variance = if sorted.len() > 1 {
            sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        let median = percentile(&sorted, 50.0);
        let mut deviations: Vec<f64> = sorted.iter().map(|x| (x - median).abs()).collect();
        deviations.sort_by(f64::total_cmp);
        let (q1, q3) = (percentile(&sorted, 25.0), percentile(&sorted, 75.0));
        let fence = 1.5 * (q3 - q1);
        Some(Summary {
            median_s: median,
            min_s: sorted[0],
            p10_s: percentile(&sorted, 10.0),
            p90_s: percentile(&sorted, 90.0),
            max_s: sorted[sorted.len() - 1],
            mean_s: mean,
            mad_s: percentile(&deviations, 50.0),
            cv: if mean > 0.0 {
                variance.sqrt() / mean
            } else {
                0.0
            },
            outliers: sorted
                .iter()
                .filter(|&&x| x < q1 - fence || x > q3 + fence)
                .count(),
        })
    }
}

/// The `p`th percentile of sorted data, interpolating linearly between ranks.
/// `sorted` must be non-empty and in ascending order.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

/// Median of non-empty `values`, in any order.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    percentile(&sorted, 50.0)
}

/// 1.4826: the median absolute deviation of normal data times this is its
/// standard deviation, so a MAD reads on the same scale as σ.
pub const MAD_TO_SIGMA: f64 = 1.4826;

/// The median absolute deviation of non-empty `values` from their median,
/// scaled to a standard deviation (`1.4826·MAD`).
pub fn mad_sigma(values: &[f64]) -> f64 {
    let centre = median(values);
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    MAD_TO_SIGMA * median(&deviations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mad_of_known_values_is_scaled_to_sigma() {
        // median 3, deviations 2 1 0 1 2 → MAD 1
        assert!((mad_sigma(&[1.0, 2.0, 3.0, 4.0, 5.0]) - MAD_TO_SIGMA).abs() < 1e-12);
        assert_eq!(mad_sigma(&[7.0, 7.0, 7.0]), 0.0);
        // one wild value does not move it
        assert!((mad_sigma(&[1.0, 2.0, 3.0, 4.0, 500.0]) - MAD_TO_SIGMA).abs() < 1e-12);
    }

    #[test]
    fn summary_of_known_samples() {
        let s = Summary::of(&[5.0, 1.0, 4.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.median_s, 3.0);
        assert_eq!(s.min_s, 1.0);
        assert_eq!(s.max_s, 5.0);
        assert_eq!(s.mean_s, 3.0);
        assert_eq!(s.mad_s, 1.0);
        assert!((s.p10_s - 1.4).abs() < 1e-12);
        assert!((s.p90_s - 4.6).abs() < 1e-12);
        // sample standard deviation of 1..5 is sqrt(2.5)
        assert!((s.cv - 2.5f64.sqrt() / 3.0).abs() < 1e-12);
        assert_eq!(s.outliers, 0);
    }

    #[test]
    fn one_straggler_moves_the_mean_not_the_median() {
        let mut samples = vec![1.0; 19];
        samples.push(100.0);
        let s = Summary::of(&samples).unwrap();
        assert_eq!(s.median_s, 1.0);
        assert_eq!(s.mad_s, 0.0);
        assert!(s.mean_s > 5.0);
        assert_eq!(s.outliers, 1);
    }

    #[test]
    fn empty_and_single() {
        assert!(Summary::of(&[]).is_none());
        let s = Summary::of(&[2.5]).unwrap();
        assert_eq!((s.median_s, s.p10_s, s.p90_s, s.cv), (2.5, 2.5, 2.5, 0.0));
    }
}
