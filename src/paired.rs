//! The summary's target ratios measured again with their two sides in
//! alternation.
//!
//! The cases of a run are measured one after another, minutes apart. On a
//! shared machine (a cloud VM, a laptop with a busy browser) the speed of the
//! cores drifts over minutes, so a ratio of two figures taken at different
//! times can be off by a fifth either way. Here both sides are prepared again
//! and sampled in turn, one short sample of each per round, and the ratio is
//! taken between their medians: a slow spell then slows both alike. A sample
//! here lasts about 20 ms, longer than a suite's (about 1 ms), so for kernels
//! far shorter than that the two figures also differ by dispatch overhead.

use std::time::Instant;

use crate::analysis::{self, HostBaseline};
use crate::baseline::HostCopy;
use crate::case::Candidate;
use crate::gpu::{Gpu, Timer};
use crate::measure::Summary;
use crate::report::{Baseline, Measurement, NotRemeasured, Paired, Report};
use crate::workloads::{self, Prepared};

/// Rounds per ratio; each takes one sample of either side.
const ROUNDS: usize = 21;
/// Seconds one sample should last: long enough to time well, short enough
/// that both samples of a round see the machine in the same state.
const SAMPLE_S: f64 = 0.02;

/// Measures every target ratio of `report` (those with a threshold and a
/// verified figure on both sides) in alternation. A ratio whose sides cannot
/// be prepared again, or whose kernel answers wrongly, is listed as not
/// re-measured with the reason: the summary then judges the figures measured
/// apart.
pub fn measure_pairs(
    gpu: &Gpu,
    report: &Report,
    timer: &mut dyn Timer,
    seed: u64,
) -> (Vec<Paired>, Vec<NotRemeasured>) {
    let mut paired = Vec::new();
    let mut failures = Vec::new();
    for attempt in analysis::attempted(report)
        .into_iter()
        .filter(|a| a.threshold.is_some())
    {
        let Some(numerator) = analysis::best(attempt.numerator.iter().copied()) else {
            continue;
        };
        let denominator = match &attempt.denominator {
            analysis::Side::Measurements(side) => match analysis::best(side.iter().copied()) {
                Some(m) => Side::of_measurement(gpu, m, seed),
                None => continue,
            },
            analysis::Side::Baseline(b) if b.name == HostBaseline::Memcpy.name() => {
                Side::of_host_copy(b)
            }
            analysis::Side::Baseline(_) => continue,
        };
        let measured = Side::of_measurement(gpu, numerator, seed)
            .and_then(|numerator| alternate(gpu, timer, numerator, denominator?));
        match measured {
            Ok((numerator, denominator, rounds)) => paired.push(Paired {
                label: attempt.label,
                numerator: numerator.name,
                denominator: denominator.name,
                rounds,
                numerator_rate: numerator.rate,
                denominator_rate: denominator.rate,
                unit: numerator.unit.into(),
                numerator_samples_s: numerator.samples_s,
                denominator_samples_s: denominator.samples_s,
            }),
            Err(reason) => failures.push(NotRemeasured {
                label: attempt.label,
                reason,
            }),
        }
    }
    (paired, failures)
}

/// One side of a ratio, ready to sample.
struct Side {
    /// Case and variant, or the baseline's name.
    name: String,
    /// Units of work per operation (GFLOP or GB), so that rate = work ÷ seconds.
    work: f64,
    /// Unit of the rate: `GFLOP/s` or `GB/s`.
    unit: &'static str,
    /// Operations per sample.
    repeats: u32,
    /// What runs.
    operation: Operation,
}

enum Operation {
    /// A kernel, dispatched `repeats` times in one timed pass.
    Kernel(Box<dyn Prepared>),
    /// The host memcpy, run `repeats` times on the wall clock.
    HostCopy(HostCopy),
}

/// A side's figure after the rounds.
struct Rated {
    name: String,
    rate: f64,
    unit: &'static str,
    /// The kept samples, seconds per operation, in round order.
    samples_s: Vec<f64>,
}

impl Side {
    /// The kernel `m` measured, prepared again with the run's seed.
    fn of_measurement(gpu: &Gpu, m: &Measurement, seed: u64) -> Result<Side, String> {
        let workload = workloads::by_family(&m.workload)
            .ok_or_else(|| format!("unknown workload '{}'", m.workload))?;
        let case = m.case();
        let candidate = Candidate {
            variant: m.variant.clone(),
            constants: m.constants.clone(),
        };
        let rate = analysis::rate_of(m).ok_or("no rate was measured")?;
        if !rate.higher_is_better {
            return Err("its figure is a time, not a rate".into());
        }
        let (rate, unit) = (rate.value, rate.unit);
        let median_s = m.timing.as_ref().ok_or("no timing")?.summary.median_s;
        let prepared = workload
            .prepare(gpu, &case, &candidate, seed)
            .map_err(|e| e.to_string())?;
        Ok(Side {
            name: m.name(),
            work: rate * median_s,
            unit,
            repeats: repeats_for(median_s),
            operation: Operation::Kernel(prepared),
        })
    }

    /// The host memcpy baseline `b`, at its size.
    fn of_host_copy(b: &Baseline) -> Result<Side, String> {
        let bytes = b.shape.get("bytes").ok_or("the baseline has no size")?;
        let rate = b.gb_per_s.ok_or("the baseline has no bandwidth")?;
        Ok(Side {
            name: b.name.clone(),
            work: rate * b.median_s,
            unit: "GB/s",
            repeats: repeats_for(b.median_s),
            operation: Operation::HostCopy(HostCopy::new(bytes)),
        })
    }

    /// Seconds per operation over one sample; None for a rejected sample.
    fn sample(&mut self, gpu: &Gpu, timer: &mut dyn Timer) -> Result<Option<f64>, String> {
        let repeats = self.repeats;
        let seconds = match &mut self.operation {
            Operation::Kernel(prepared) => prepared
                .sample(gpu, timer, repeats)
                .map_err(|e| e.to_string())?
                .map(|t| t.headline_s()),
            Operation::HostCopy(copy) => {
                let started = Instant::now();
                for _ in 0..repeats {
                    copy.run();
                }
                Some(started.elapsed().as_secs_f64())
            }
        };
        Ok(seconds.map(|s| s / f64::from(repeats)))
    }

    /// Checks the side's output once more: a wrong answer voids the ratio.
    fn verify(&self, gpu: &Gpu) -> Result<(), String> {
        let verification = match &self.operation {
            Operation::Kernel(prepared) => prepared.verify(gpu).map_err(|e| e.to_string())?,
            Operation::HostCopy(copy) => copy.verify(),
        };
        match verification.passed {
            true => Ok(()),
            false => Err(format!("{} gave a wrong result when run again", self.name)),
        }
    }

    /// The side's rate at the median of `seconds`.
    fn rated(self, seconds: Vec<f64>) -> Result<Rated, String> {
        let summary = Summary::of(&seconds)
            .ok_or_else(|| format!("every round of {} lost a sample", self.name))?;
        Ok(Rated {
            rate: self.work / summary.median_s,
            name: self.name,
            unit: self.unit,
            samples_s: seconds,
        })
    }
}

/// Operations per sample for an operation that takes `median_s`.
fn repeats_for(median_s: f64) -> u32 {
    (SAMPLE_S / median_s.max(1e-9)).ceil().clamp(1.0, 100_000.0) as u32
}

/// Samples the two sides in turn for [`ROUNDS`] rounds (after one untimed
/// sample each), checks both outputs, and rates each at the median of its
/// samples. A round that lost a sample on either side (a rejected GPU
/// sample) is dropped whole, so the two sides' samples stay in step.
fn alternate(
    gpu: &Gpu,
    timer: &mut dyn Timer,
    mut numerator: Side,
    mut denominator: Side,
) -> Result<(Rated, Rated, usize), String> {
    let (mut top, mut bottom) = (Vec::new(), Vec::new());
    numerator.sample(gpu, timer)?;
    denominator.sample(gpu, timer)?;
    for _ in 0..ROUNDS {
        let first = numerator.sample(gpu, timer)?;
        let second = denominator.sample(gpu, timer)?;
        if let (Some(first), Some(second)) = (first, second) {
            top.push(first);
            bottom.push(second);
        }
    }
    numerator.verify(gpu)?;
    denominator.verify(gpu)?;
    let kept = top.len();
    Ok((numerator.rated(top)?, denominator.rated(bottom)?, kept))
}
