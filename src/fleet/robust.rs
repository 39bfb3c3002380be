//! Robust statistics across nodes, as pure functions: the median absolute
//! deviation scaled to a standard deviation, a weighted median, and the
//! standard error of a median from its samples.

use crate::measure::median;

/// 1.4826: the median absolute deviation of normal data times this is its
/// standard deviation, so a MAD reads on the same scale as σ.
pub const MAD_TO_SIGMA: f64 = 1.4826;

/// √(π/2) ≈ 1.2533: the standard error of a median of normal samples is this
/// many times the standard error of their mean.
const MEDIAN_SE_FACTOR: f64 = 1.2533;

/// The median absolute deviation of non-empty `values` from their median,
/// scaled to a standard deviation (`1.4826·MAD`).
pub fn mad_sigma(values: &[f64]) -> f64 {
    let centre = median(values);
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    MAD_TO_SIGMA * median(&deviations)
}

/// The weighted median of `(value, weight)` pairs: the value where the
/// cumulative weight, in value order, reaches half the total; the midpoint
/// of two values when it falls exactly between them. Pairs of zero or
/// non-finite weight are left out; None when nothing is left.
pub fn weighted_median(pairs: &[(f64, f64)]) -> Option<f64> {
    let mut kept: Vec<(f64, f64)> = pairs
        .iter()
        .copied()
        .filter(|&(v, w)| v.is_finite() && w.is_finite() && w > 0.0)
        .collect();
    kept.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = kept.iter().map(|&(_, w)| w).sum();
    let half = total / 2.0;
    let mut cumulative = 0.0;
    for (i, &(value, weight)) in kept.iter().enumerate() {
        cumulative += weight;
        let exactly_half = (cumulative - half).abs() <= 1e-12 * total;
        if exactly_half && i + 1 < kept.len() {
            return Some((value + kept[i + 1].0) / 2.0);
        }
        if cumulative >= half {
            return Some(value);
        }
    }
    None
}

/// The standard error of the median of `samples`, relative to that median:
/// `1.2533 · 1.4826·MAD / √n / median`, a robust estimate that a few
/// stragglers do not inflate. None for fewer than two samples or a median
/// that is not positive.
pub fn median_se_fraction(samples: &[f64]) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let centre = median(samples);
    (centre > 0.0).then(|| {
        MEDIAN_SE_FACTOR * mad_sigma(samples) / (samples.len() as f64).sqrt() / centre
    })
}

/// The same estimate from a summary's median, MAD (unscaled) and sample
/// count, for reports that kept no raw samples (schema 1).
pub fn median_se_fraction_of_summary(median_s: f64, mad_s: f64, samples: usize) -> Option<f64> {
    (samples >= 2 && median_s > 0.0).then(|| {
        MEDIAN_SE_FACTOR * MAD_TO_SIGMA * mad_s / (samples as f64).sqrt() / median_s
    })
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
    fn a_weighted_median_follows_the_weight() {
        assert_eq!(weighted_median(&[(1.0, 1.0), (2.0, 1.0), (3.0, 1.0)]), Some(2.0));
        assert_eq!(weighted_median(&[(1.0, 1.0), (2.0, 1.0)]), Some(1.5));
        // the heavy value wins however far the light ones are
        assert_eq!(
            weighted_median(&[(0.5, 1.0), (1.0, 5.0), (9.0, 1.0), (10.0, 1.0)]),
            Some(1.0)
        );
        assert_eq!(weighted_median(&[(0.9, 3.0), (1.0, 1.0), (1.1, 1.0)]), Some(0.9));
        assert_eq!(weighted_median(&[(1.0, 0.0)]), None);
        assert_eq!(weighted_median(&[]), None);
    }

    #[test]
    fn the_standard_error_of_a_median_shrinks_with_more_samples() {
        let few: Vec<f64> = (0..10).map(|i| 1.0 + 0.01 * f64::from(i % 5)).collect();
        let many: Vec<f64> = (0..1000).map(|i| 1.0 + 0.01 * f64::from(i % 5)).collect();
        let (few, many) = (
            median_se_fraction(&few).unwrap(),
            median_se_fraction(&many).unwrap(),
        );
        assert!((few / many - 10.0).abs() < 1e-9, "√100 = 10: {few} / {many}");
        assert_eq!(median_se_fraction(&[1.0]), None);
        let summary = median_se_fraction_of_summary(1.02, 0.01, 10).unwrap();
        assert!((summary - few).abs() < 1e-12);
    }
}
