//! Bootstrap confidence intervals for a ratio of two medians, as a pure
//! function of the raw samples.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::measure::median;

/// Resamples drawn; enough for a stable 95% percentile interval.
const RESAMPLES: usize = 2000;
/// Fewer samples than this on a side give no interval.
const MIN_SAMPLES: usize = 5;

/// The 95% percentile-bootstrap interval of `ratio`, a ratio of two rates
/// whose operations took `numerator_s` and `denominator_s` seconds (so the
/// ratio scales as median(denominator) ÷ median(numerator)). Samples taken
/// in alternation (`paired`, equal lengths) are resampled by round, keeping
/// each round's two samples together, so that a slow spell that slowed both
/// stays one. None with fewer than five samples on a side.
pub fn ratio_interval(
    ratio: f64,
    numerator_s: &[f64],
    denominator_s: &[f64],
    paired: bool,
    seed: u64,
) -> Option<[f64; 2]> {
    if numerator_s.len() < MIN_SAMPLES || denominator_s.len() < MIN_SAMPLES {
        return None;
    }
    let paired = paired && numerator_s.len() == denominator_s.len();
    let scale = median(denominator_s) / median(numerator_s);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draws: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let (top, bottom) = if paired {
                let rounds: Vec<usize> = (0..numerator_s.len())
                    .map(|_| rng.random_range(0..numerator_s.len()))
                    .collect();
                (
                    rounds.iter().map(|&i| numerator_s[i]).collect(),
                    rounds.iter().map(|&i| denominator_s[i]).collect(),
                )
            } else {
                (
                    resample(&mut rng, numerator_s),
                    resample(&mut rng, denominator_s),
                )
            };
            ratio * (median(&bottom) / median(&top)) / scale
        })
        .collect();
    draws.sort_by(f64::total_cmp);
    let at = |q: f64| draws[((draws.len() - 1) as f64 * q).round() as usize];
    Some([at(0.025), at(0.975)])
}

fn resample(rng: &mut ChaCha8Rng, samples: &[f64]) -> Vec<f64> {
    (0..samples.len())
        .map(|_| samples[rng.random_range(0..samples.len())])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples around `center` with a relative spread of ± `spread`.
    fn samples(center: f64, spread: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| center * (1.0 + spread * ((i as f64 / (n - 1) as f64) * 2.0 - 1.0)))
            .collect()
    }

    #[test]
    fn the_interval_holds_the_ratio_and_narrows_with_less_spread() {
        // Numerator twice as fast: ratio of rates 2.
        let wide = ratio_interval(
            2.0,
            &samples(1.0, 0.2, 21),
            &samples(2.0, 0.2, 21),
            false,
            1,
        )
        .unwrap();
        let narrow = ratio_interval(
            2.0,
            &samples(1.0, 0.01, 21),
            &samples(2.0, 0.01, 21),
            false,
            1,
        )
        .unwrap();
        assert!(wide[0] < 2.0 && 2.0 < wide[1], "{wide:?}");
        assert!(narrow[0] < 2.0 && 2.0 < narrow[1], "{narrow:?}");
        assert!(narrow[1] - narrow[0] < (wide[1] - wide[0]) / 5.0);
        assert!(narrow[0] > 1.95 && narrow[1] < 2.05, "{narrow:?}");
    }

    #[test]
    fn rounds_taken_together_cancel_a_drift_both_sides_saw() {
        // Both sides slow down together across the rounds: paired
        // resampling sees a steady ratio, independent resampling does not.
        let drift: Vec<f64> = (0..21).map(|i| 1.0 + 0.03 * i as f64).collect();
        let top: Vec<f64> = drift.iter().map(|d| 1.0 * d).collect();
        let bottom: Vec<f64> = drift.iter().map(|d| 2.0 * d).collect();
        let paired = ratio_interval(2.0, &top, &bottom, true, 3).unwrap();
        let apart = ratio_interval(2.0, &top, &bottom, false, 3).unwrap();
        assert!(paired[1] - paired[0] < 1e-9, "{paired:?}");
        assert!(apart[1] - apart[0] > 0.1, "{apart:?}");
    }

    #[test]
    fn too_few_samples_give_no_interval() {
        assert_eq!(ratio_interval(1.0, &[1.0; 4], &[1.0; 21], false, 1), None);
    }
}
