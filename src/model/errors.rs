//! Error statistics of predictions against measurements, as pure functions
//! of the signed relative errors `predicted / measured − 1`.

use serde::{Deserialize, Serialize};

use crate::measure::percentile;

/// How far predictions fall from measurements, in fractions of the measured time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErrorStats {
    /// Predictions scored.
    pub count: usize,
    /// Mean absolute percentage error, as a fraction.
    pub mean_abs: f64,
    /// Median absolute error.
    pub median_abs: f64,
    /// 90th percentile of the absolute error.
    pub p90_abs: f64,
    /// The worst absolute error.
    pub max_abs: f64,
    /// Mean signed error: above 0 the predictions are too slow, below too fast.
    pub bias: f64,
}

impl ErrorStats {
    /// Statistics of `signed_errors` (each `predicted / measured − 1`); None when empty.
    pub fn of(signed_errors: &[f64]) -> Option<ErrorStats> {
        if signed_errors.is_empty() {
            return None;
        }
        let mut absolute: Vec<f64> = signed_errors.iter().map(|e| e.abs()).collect();
        absolute.sort_by(f64::total_cmp);
        let count = signed_errors.len();
        Some(ErrorStats {
            count,
            mean_abs: absolute.iter().sum::<f64>() / count as f64,
            median_abs: percentile(&absolute, 50.0),
            p90_abs: percentile(&absolute, 90.0),
            max_abs: absolute[count - 1],
            bias: signed_errors.iter().sum::<f64>() / count as f64,
        })
    }
}

/// `predicted / measured − 1`.
pub fn signed_error(predicted_s: f64, measured_s: f64) -> f64 {
    predicted_s / measured_s - 1.0
}

/// The interval of ratios `measured / predicted` that held-out errors put
/// 90% of measurements in (5th and 95th percentiles): a prediction `t` is
/// then `[t·low, t·high]`. None when there are no errors.
pub fn interval_ratios(signed_errors: &[f64]) -> Option<[f64; 2]> {
    if signed_errors.is_empty() {
        return None;
    }
    let mut ratios: Vec<f64> = signed_errors.iter().map(|e| 1.0 / (1.0 + e)).collect();
    ratios.sort_by(f64::total_cmp);
    Some([percentile(&ratios, 5.0), percentile(&ratios, 95.0)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_known_errors() {
        let s = ErrorStats::of(&[0.1, -0.2, 0.3, -0.4, 0.0]).unwrap();
        assert_eq!(s.count, 5);
        assert!((s.mean_abs - 0.2).abs() < 1e-12);
        assert!((s.median_abs - 0.2).abs() < 1e-12);
        assert!((s.max_abs - 0.4).abs() < 1e-12);
        assert!((s.p90_abs - 0.36).abs() < 1e-12);
        assert!((s.bias + 0.04).abs() < 1e-12);
        assert!(ErrorStats::of(&[]).is_none());
    }

    #[test]
    fn interval_covers_the_ratios() {
        let [low, high] = interval_ratios(&[0.0, 1.0, -0.5]).unwrap();
        assert!(low > 0.5 && low < 1.0 && high > 1.0 && high < 2.0);
    }
}
