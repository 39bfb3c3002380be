//! The sampler: sizes the batch of dispatches per sample, warms up, then takes
//! samples until the plan's count and time budget are met.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::gpu::{GpuError, SampleTime, Timer};

/// How long and how often to sample one case.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SamplingPlan {
    /// Aim for samples of about this much GPU time, in seconds, by batching
    /// repeats; short samples are dominated by timer resolution and launch cost.
    pub target_sample_s: f64,
    /// Most repeated dispatches in one sample.
    pub max_repeats: u32,
    /// Time allowed for warm-up, in seconds.
    pub warmup_budget_s: f64,
    /// Time allowed for measured samples beyond `min_samples`, in seconds.
    pub measure_budget_s: f64,
    /// Samples always taken, whatever the budget.
    pub min_samples: usize,
    /// Samples never exceeded.
    pub max_samples: usize,
    /// Stop once the batch is sized, keeping the last sizing batch as the only
    /// sample and skipping warm-up: a rough time, from as few as two batches
    /// after the first dispatch, with which autotune screens out candidates
    /// that cannot win.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stop_after_sizing: bool,
}

/// What sampling produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    /// Dispatches per sample.
    pub repeats: u32,
    /// The measured samples (each for the whole batch of `repeats`).
    pub samples: Vec<SampleTime>,
    /// Samples thrown away because the clock gave an impossible reading.
    pub rejected: usize,
    /// Samples spent warming up.
    pub warmup_samples: usize,
    /// Whether two consecutive warm-up windows agreed within 2% before the budget ran out.
    pub warmup_converged: bool,
    /// Wall time of the very first dispatch, seconds: it includes any shader
    /// compilation the driver defers to first use (lavapipe does).
    pub first_dispatch_wall_s: f64,
}

/// Most samples per warm-up window.
const WARMUP_WINDOW: usize = 3;
/// Consecutive windows whose medians agree within this fraction end warm-up.
const WARMUP_AGREEMENT: f64 = 0.02;

/// One sample of `repeats` operations on the given clock; `Ok(None)` when
/// the clock gave an impossible reading.
pub type TakeSample<'a> = dyn Fn(&mut dyn Timer, u32) -> Result<Option<SampleTime>, GpuError> + 'a;

/// Samples an operation under `plan`; `take(timer, repeats)` times one sample.
pub fn sample(
    timer: &mut dyn Timer,
    plan: &SamplingPlan,
    take: &TakeSample<'_>,
) -> Result<Sampled, GpuError> {
    let mut clock = Clock {
        timer,
        take,
        rejected: 0,
        accepted: 0,
    };

    // The first dispatch pays for deferred compilation and cold caches: time
    // it on its own, then size the batch: grow repeats until one sample takes
    // about the target.
    let mut repeats = 1u32;
    let first = clock.take(repeats)?;
    let first_dispatch_wall_s = first.wall_s;
    // The last sizing batch and the repeats it ran.
    let mut sized = (repeats, first);
    for _ in 0..8 {
        let batch = clock.take(repeats)?;
        let t = batch.headline_s();
        sized = (repeats, batch);
        if t >= plan.target_sample_s / 2.0 || repeats >= plan.max_repeats {
            break;
        }
        let wanted = (f64::from(repeats) * plan.target_sample_s / t.max(1e-9)).ceil();
        repeats = (wanted.min(f64::from(plan.max_repeats)) as u32).max(repeats + 1);
    }
    let sample_s = sized.1.headline_s();
    if plan.stop_after_sizing {
        return Ok(Sampled {
            repeats: sized.0,
            samples: vec![sized.1],
            rejected: clock.rejected,
            warmup_samples: 0,
            warmup_converged: false,
            first_dispatch_wall_s,
        });
    }

    // Warm up until two consecutive windows agree (clocks ramp from idle).
    // Windows shrink for long samples so that two fit in the budget, and at
    // least two always run, or convergence could never be observed.
    let window_len =
        ((plan.warmup_budget_s / (2.0 * sample_s)).floor() as usize).clamp(1, WARMUP_WINDOW);
    let started = Instant::now();
    let mut previous: Option<f64> = None;
    let mut warmup_samples = 0;
    let mut warmup_converged = false;
    while started.elapsed().as_secs_f64() < plan.warmup_budget_s || warmup_samples < 2 * window_len
    {
        let mut window = Vec::with_capacity(window_len);
        for _ in 0..window_len {
            window.push(clock.take(repeats)?.headline_s());
        }
        warmup_samples += window_len;
        window.sort_by(f64::total_cmp);
        let median = window[window_len / 2];
        if previous.is_some_and(|p| (median - p).abs() <= WARMUP_AGREEMENT * p) {
            warmup_converged = true;
            break;
        }
        previous = Some(median);
    }

    // Measure.
    let started = Instant::now();
    let mut samples = Vec::new();
    while samples.len() < plan.min_samples
        || (samples.len() < plan.max_samples
            && started.elapsed().as_secs_f64() < plan.measure_budget_s)
    {
        samples.push(clock.take(repeats)?);
    }
    Ok(Sampled {
        repeats,
        samples,
        rejected: clock.rejected,
        warmup_samples,
        warmup_converged,
        first_dispatch_wall_s,
    })
}

/// A timer that retries rejected samples and gives up when the clock is
/// rejecting more often than not.
struct Clock<'a> {
    timer: &'a mut dyn Timer,
    take: &'a TakeSample<'a>,
    rejected: usize,
    accepted: usize,
}

impl Clock<'_> {
    fn take(&mut self, repeats: u32) -> Result<SampleTime, GpuError> {
        loop {
            match (self.take)(self.timer, repeats)? {
                Some(time) => {
                    self.accepted += 1;
                    return Ok(time);
                }
                None => {
                    self.rejected += 1;
                    if self.rejected > 5 + self.accepted {
                        return Err(GpuError::Readback(format!(
                            "GPU timestamps gave {} impossible readings (zero or non-increasing); \
                             rerun with --timer wall",
                            self.rejected
                        )));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::gpu::WallClockTimer;

    /// Three samples of about 1 ms, no warm-up or measuring budget.
    fn plan(stop_after_sizing: bool) -> SamplingPlan {
        SamplingPlan {
            target_sample_s: 1e-3,
            max_repeats: 100,
            warmup_budget_s: 0.0,
            measure_budget_s: 0.0,
            min_samples: 3,
            max_samples: 3,
            stop_after_sizing,
        }
    }

    /// Samples a made-up operation of `dispatch_s` per dispatch (10 ms for the
    /// first, which pays for compilation); returns the result and the batches
    /// taken.
    fn sample_fake(plan: &SamplingPlan, dispatch_s: f64) -> (Sampled, Vec<u32>) {
        let batches = RefCell::new(Vec::new());
        let take = |_: &mut dyn Timer, repeats: u32| {
            let first = batches.borrow().is_empty();
            batches.borrow_mut().push(repeats);
            let s = if first {
                10e-3
            } else {
                dispatch_s * f64::from(repeats)
            };
            Ok(Some(SampleTime {
                gpu_s: Some(s),
                wall_s: s,
            }))
        };
        let sampled = sample(&mut WallClockTimer, plan, &take).unwrap();
        (sampled, batches.into_inner())
    }

    #[test]
    fn stopping_after_sizing_keeps_the_sizing_batch_as_the_only_sample() {
        let (sampled, batches) = sample_fake(&plan(true), 2e-3);
        assert_eq!(batches, [1, 1], "the first dispatch, then one sizing batch");
        assert_eq!(sampled.samples.len(), 1);
        assert_eq!(
            sampled.samples[0].headline_s(),
            2e-3,
            "not the first dispatch"
        );
        assert_eq!((sampled.repeats, sampled.warmup_samples), (1, 0));
        // A short operation is batched first: the sample is the sized batch,
        // with the repeats it ran.
        let (sampled, batches) = sample_fake(&plan(true), 1e-4);
        assert_eq!(batches, [1, 1, 10]);
        assert_eq!(sampled.repeats, 10);
        assert!((sampled.samples[0].headline_s() - 1e-3).abs() < 1e-12);
    }

    #[test]
    fn a_full_plan_warms_up_and_takes_its_samples() {
        let (sampled, batches) = sample_fake(&plan(false), 2e-3);
        assert_eq!(
            batches.len(),
            2 + 2 + 3,
            "first, sizing, two warm-up windows, 3 samples"
        );
        assert_eq!(sampled.samples.len(), 3);
        assert_eq!(sampled.warmup_samples, 2);
    }
}
