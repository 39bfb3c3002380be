//! Synthetic fleets built from one real report: each node a copy of it with
//! its raw samples resampled and realistic noise added, one node optionally
//! made slower, so that the analysis can be checked against a fleet whose
//! odd node is known.
//!
//! The noise model, per node and case:
//! - the case's raw samples are resampled with replacement (a bootstrap: the
//!   run's own sample-to-sample noise, and the uncertainty of its median);
//! - every time of the node's run is divided by a speed
//!   `(1 + d)·(1 + j)·(1 − s)`, where `d` is the node's drift, drawn once per
//!   node uniformly from ±`node_drift` (a machine, or a run, a little faster
//!   or slower as a whole), `j` the case's jitter, drawn per node and case
//!   from a normal of σ `case_jitter` (one kernel landing differently in one
//!   run), and `s` the slowdown of the slow node (0 for the others);
//! - the median, spread and rates are computed again from the new samples.
//!   Only measurements change: baselines, the summary and the host are the
//!   source's, the node label is `node01`, `node02`, ..., and autotune
//!   records are left out (a synthetic node searched nothing).

use rand::Rng;

use super::FleetError;
use crate::measure::Summary;
use crate::report::{Report, Status};

/// The noise a synthetic node's run gets (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseModel {
    /// A node's whole run is faster or slower by a factor drawn uniformly from 1 ± this.
    pub node_drift: f64,
    /// Each case of each node moves again by a normal factor of this σ.
    pub case_jitter: f64,
}

impl Default for NoiseModel {
    /// ±2% per node and run, 1% per case.
    fn default() -> Self {
        NoiseModel {
            node_drift: 0.02,
            case_jitter: 0.01,
        }
    }
}

/// What fleet to build.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FleetSpec {
    /// How many nodes.
    pub nodes: usize,
    /// The index of the node made slower, if any.
    pub slow_node: Option<usize>,
    /// How much slower it is: 0.10 is 10% less throughput (times ÷ 0.9).
    pub slowdown: f64,
    /// The noise every node gets.
    pub noise: NoiseModel,
}

impl FleetSpec {
    /// The label of node `index`: `node01`, `node02`, ...
    pub fn node_name(index: usize) -> String {
        format!("node{:02}", index + 1)
    }
}

/// The fleet `spec` describes, built from `source` with `rng`. A source
/// whose verified measurements kept no raw samples (schema 1) cannot be
/// resampled and is refused.
pub fn synthesize(
    source: &Report,
    spec: &FleetSpec,
    rng: &mut impl Rng,
) -> Result<Vec<Report>, FleetError> {
    let without_samples = source.measurements.iter().find(|m| {
        m.status == Status::Ok && m.timing.as_ref().is_none_or(|t| t.samples_s.is_empty())
    });
    if let Some(m) = without_samples {
        return Err(FleetError::Source(format!(
            "the source report (schema version {}) kept no raw samples for {}: \
             a synthetic fleet needs a report of schema 2 or later",
            source.schema_version, m.case
        )));
    }
    Ok((0..spec.nodes)
        .map(|index| {
            let drift = spec.noise.node_drift * (2.0 * rng.random::<f64>() - 1.0);
            let slowdown = match spec.slow_node == Some(index) {
                true => spec.slowdown,
                false => 0.0,
            };
            let mut report = source.clone();
            report.host.node = Some(FleetSpec::node_name(index));
            for m in &mut report.measurements {
                m.autotune = None;
                let Some(timing) = m.timing.as_mut().filter(|_| m.status == Status::Ok) else {
                    continue;
                };
                let jitter = spec.noise.case_jitter * standard_normal(rng);
                let speed = (1.0 + drift) * (1.0 + jitter) * (1.0 - slowdown);
                let samples: Vec<f64> = (0..timing.samples_s.len())
                    .map(|_| timing.samples_s[rng.random_range(0..timing.samples_s.len())] / speed)
                    .collect();
                timing.summary = Summary::of(&samples).expect("a source case has samples");
                timing.wall_median_s /= speed;
                timing.samples_s = samples;
                let median_s = timing.summary.median_s;
                (m.gflop_per_s, m.gb_per_s) = m.rates_at(median_s);
            }
            report
        })
        .collect())
}

/// A draw from the standard normal distribution (Box–Muller).
fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // in (0, 1]: its logarithm is finite
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn standard_normal_draws_have_mean_zero_and_unit_spread() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let draws: Vec<f64> = (0..20_000).map(|_| standard_normal(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let variance = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((variance - 1.0).abs() < 0.05, "{variance}");
    }
}
