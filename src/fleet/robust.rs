//! Robust statistics across nodes, as pure functions: the median absolute
//! deviation scaled to a standard deviation (from `measure`, which the
//! history's drift shares), a weighted median, and the
//! standard error of a median from its samples' confidence interval.

use crate::measure::median;
use crate::measure::MAD_TO_SIGMA;

/// √(π/2) ≈ 1.2533: the standard error of a median of normal samples is this
/// many times the standard error of their mean.
const MEDIAN_SE_FACTOR: f64 = 1.2533;

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

/// The standard error of the median of `samples`, relative to that median,
/// from its distribution-free 95% confidence interval: the order statistics
/// at ranks n/2 ± 1.96·√n/2, their distance ÷ (2 × 1.96). For normal
/// samples this is the textbook 1.2533·σ/√n; for a run whose samples fall
/// in two clusters (a slow spell) it is as wide as the median's real
/// uncertainty, which a MAD would miss. None for fewer than two samples or
/// a median that is not positive.
pub fn median_se_fraction(samples: &[f64]) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let half_width = Z_95 * n.sqrt() / 2.0;
    let low = (n / 2.0 - half_width).floor().max(0.0) as usize;
    let high = ((n / 2.0 + half_width).ceil() as usize).min(sorted.len() - 1);
    let centre = median(&sorted);
    (centre > 0.0).then(|| (sorted[high] - sorted[low]) / (2.0 * Z_95) / centre)
}

/// The two-sided 95% point of the standard normal distribution.
const Z_95: f64 = 1.96;

/// The standard error of a median from a summary's median, MAD (unscaled)
/// and sample count, `1.2533 · 1.4826·MAD / √n / median`, for reports that
/// kept no raw samples (schema 1).
pub fn median_se_fraction_of_summary(median_s: f64, mad_s: f64, samples: usize) -> Option<f64> {
    (samples >= 2 && median_s > 0.0)
        .then(|| MEDIAN_SE_FACTOR * MAD_TO_SIGMA * mad_s / (samples as f64).sqrt() / median_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::mad_sigma;

    #[test]
    fn a_weighted_median_follows_the_weight() {
        assert_eq!(
            weighted_median(&[(1.0, 1.0), (2.0, 1.0), (3.0, 1.0)]),
            Some(2.0)
        );
        assert_eq!(weighted_median(&[(1.0, 1.0), (2.0, 1.0)]), Some(1.5));
        // the heavy value wins however far the light ones are
        assert_eq!(
            weighted_median(&[(0.5, 1.0), (1.0, 5.0), (9.0, 1.0), (10.0, 1.0)]),
            Some(1.0)
        );
        assert_eq!(
            weighted_median(&[(0.9, 3.0), (1.0, 1.0), (1.1, 1.0)]),
            Some(0.9)
        );
        assert_eq!(weighted_median(&[(1.0, 0.0)]), None);
        assert_eq!(weighted_median(&[]), None);
    }

    #[test]
    fn the_standard_error_of_a_median_comes_from_its_confidence_interval() {
        // 1..=100: ranks 50 ± 9.8 → the 41st and 61st values (0-based 40 and 60).
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        let se = median_se_fraction(&samples).unwrap();
        assert!((se - 20.0 / 3.92 / 50.5).abs() < 1e-12, "{se}");
        assert_eq!(median_se_fraction(&[1.0]), None);
        // Eight samples at 1.0 and four in a slow spell at 1.3: the MAD is
        // zero, the interval is not.
        let mut clustered = vec![1.0; 8];
        clustered.extend([1.3; 4]);
        assert_eq!(mad_sigma(&clustered), 0.0);
        let wide = median_se_fraction(&clustered).unwrap();
        assert!((wide - 0.3 / 3.92).abs() < 1e-12, "{wide}");
        let summary = median_se_fraction_of_summary(2.0, 0.1, 25).unwrap();
        assert!((summary - 1.2533 * 1.4826 * 0.1 / 5.0 / 2.0).abs() < 1e-12);
    }
}
