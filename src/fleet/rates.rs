//! How often the analysis finds a slow node, and how often it flags a node
//! that is not slow, over many random synthetic fleets built from one real
//! report.

use std::ops::RangeInclusive;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::analyse::{analyse, Options};
use super::history::EarlierFigures;
use super::node::NodeRun;
use super::synthetic::{synthesize, FleetSpec, NoiseModel};
use super::verdict::{Thresholds, Verdict};
use super::FleetError;
use crate::report::Report;

/// The experiment: how many fleets, of how many nodes, how slow the slow
/// node is, the noise, the thresholds judged with, and the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// Fleets with a slow node; as many again without one.
    pub fleets: usize,
    /// Nodes per fleet, drawn uniformly from this range.
    pub nodes: RangeInclusive<usize>,
    /// The slow node's slowdown (0.10: 10% less throughput).
    pub slowdown: f64,
    /// The noise every node gets.
    pub noise: NoiseModel,
    /// The thresholds the fleets are judged with.
    pub thresholds: Thresholds,
    /// Seed of every draw: the same trial gives the same rates.
    pub seed: u64,
}

impl Default for Trial {
    /// 200 fleets of 8 to 16 nodes, one node 10% slow, the default noise and thresholds.
    fn default() -> Self {
        Trial {
            fleets: 200,
            nodes: 8..=16,
            slowdown: 0.10,
            noise: NoiseModel::default(),
            thresholds: Thresholds::default(),
            seed: 21,
        }
    }
}

/// What a trial found, counted over fleets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rates {
    /// Fleets with a slow node, and as many without.
    pub fleets: usize,
    /// Fleets whose slow node was flagged (warn or fail).
    pub detected: usize,
    /// Fleets whose slow node failed (a subset of `detected`).
    pub detected_as_fail: usize,
    /// Fleets with a slow node where some other node was flagged too.
    pub others_flagged: usize,
    /// Fleets without a slow node where some node was flagged.
    pub clean_flagged: usize,
}

impl Rates {
    /// Share of slow nodes flagged.
    pub fn detection_rate(&self) -> f64 {
        self.detected as f64 / self.fleets as f64
    }

    /// Share of fleets, with or without a slow node, in which a node that is
    /// not slow was flagged.
    pub fn false_alarm_rate(&self) -> f64 {
        (self.others_flagged + self.clean_flagged) as f64 / (2 * self.fleets) as f64
    }
}

/// Runs `trial` on fleets built from `source`: each round draws a node count,
/// builds a fleet with one slow node (at a random place) and one without,
/// and analyses both.
pub fn measure_rates(source: &Report, trial: &Trial) -> Result<Rates, FleetError> {
    let mut rng = ChaCha8Rng::seed_from_u64(trial.seed);
    let options = Options {
        thresholds: trial.thresholds,
        ..Options::default()
    };
    let mut rates = Rates {
        fleets: trial.fleets,
        ..Rates::default()
    };
    for _ in 0..trial.fleets {
        let nodes = rng.random_range(trial.nodes.clone());
        let slow = rng.random_range(0..nodes);
        let spec = FleetSpec {
            nodes,
            slow_node: Some(slow),
            slowdown: trial.slowdown,
            noise: trial.noise,
        };
        let with_slow = verdicts_of(source, &spec, &options, &mut rng)?;
        let slow_verdict = with_slow[slow];
        rates.detected += usize::from(slow_verdict.flagged());
        rates.detected_as_fail += usize::from(slow_verdict == Verdict::Fail);
        let others = with_slow.iter().enumerate().filter(|&(i, _)| i != slow);
        rates.others_flagged += usize::from(others.into_iter().any(|(_, v)| v.flagged()));
        let clean = FleetSpec {
            slow_node: None,
            ..spec
        };
        let without = verdicts_of(source, &clean, &options, &mut rng)?;
        rates.clean_flagged += usize::from(without.iter().any(|v| v.flagged()));
    }
    Ok(rates)
}

/// The verdict on each node of the fleet `spec` describes, by node index.
fn verdicts_of(
    source: &Report,
    spec: &FleetSpec,
    options: &Options,
    rng: &mut impl Rng,
) -> Result<Vec<Verdict>, FleetError> {
    let runs: Vec<NodeRun> = synthesize(source, spec, rng)?
        .iter()
        .map(|report| NodeRun::of(report, report.host.node_label()))
        .collect();
    let analysis = analyse(runs, options, &EarlierFigures::new())?;
    Ok((0..spec.nodes)
        .map(|i| {
            let name = FleetSpec::node_name(i);
            analysis
                .nodes
                .iter()
                .find(|n| n.node == name)
                .map_or(Verdict::Missing, |n| n.verdict)
        })
        .collect())
}
