//! The measurement's own noise floor: how far two measurements of the same
//! case in different runs differ. A model error below it means nothing.

use serde::{Deserialize, Serialize};

use crate::measure::percentile;

/// How far repeat measurements of one case in different runs differ, as
/// `|a − b| / ((a + b) / 2)` over every pair of runs of every case measured
/// more than once.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NoiseFloor {
    /// Pairs compared.
    pub pairs: usize,
    /// Cases measured in more than one run.
    pub cases: usize,
    /// Mean relative difference.
    pub mean: f64,
    /// Median relative difference.
    pub median: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// The repeat spread of `measurements`, each (case, run index, seconds);
/// None when no case was measured in two runs.
pub fn repeat_spread(measurements: &[(String, usize, f64)]) -> Option<NoiseFloor> {
    let mut differences = Vec::new();
    let mut cases = 0;
    let mut seen: Vec<&str> = Vec::new();
    for (case, _, _) in measurements {
        if seen.contains(&case.as_str()) {
            continue;
        }
        seen.push(case);
        let times: Vec<(usize, f64)> = measurements
            .iter()
            .filter(|(c, _, _)| c == case)
            .map(|(_, run, t)| (*run, *t))
            .collect();
        let before = differences.len();
        for (i, &(run_a, a)) in times.iter().enumerate() {
            for &(run_b, b) in &times[i + 1..] {
                if run_a != run_b {
                    differences.push((a - b).abs() / ((a + b) / 2.0));
                }
            }
        }
        cases += usize::from(differences.len() > before);
    }
    if differences.is_empty() {
        return None;
    }
    let mut sorted = differences.clone();
    sorted.sort_by(f64::total_cmp);
    Some(NoiseFloor {
        pairs: differences.len(),
        cases,
        mean: differences.iter().sum::<f64>() / differences.len() as f64,
        median: percentile(&sorted, 50.0),
        p90: percentile(&sorted, 90.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_of_runs_of_one_case() {
        let m = |case: &str, run, t| (case.to_string(), run, t);
        // a: 1.0 and 1.2 differ by 0.2/1.1; b measured once; c: 2 and 2.
        let spread = repeat_spread(&[
            m("a", 0, 1.0),
            m("a", 1, 1.2),
            m("b", 0, 5.0),
            m("c", 0, 2.0),
            m("c", 1, 2.0),
        ])
        .unwrap();
        assert_eq!((spread.pairs, spread.cases), (2, 2));
        assert!((spread.mean - 0.2 / 1.1 / 2.0).abs() < 1e-12);
        assert!(repeat_spread(&[m("a", 0, 1.0), m("b", 0, 1.0)]).is_none());
    }
}
