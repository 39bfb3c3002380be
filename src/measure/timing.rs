//! The per-case timing record: sample statistics per operation, on the
//! headline clock and on the wall clock beside it.

use serde::{Deserialize, Serialize};

use super::{Sampled, Summary};
use crate::gpu::TimingMethod;

/// How one case was timed, all times per single operation (sample time ÷ repeats).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// The clock behind `summary`: GPU timestamps, or the wall clock where the
    /// adapter has none or the operation happens on the host (transfers).
    pub clock: TimingMethod,
    /// Measured samples.
    pub samples: usize,
    /// Samples thrown away for impossible timestamps.
    pub rejected_samples: usize,
    /// Dispatches batched into each sample.
    pub repeats_per_sample: u32,
    /// Samples spent warming up.
    pub warmup_samples: usize,
    /// Whether warm-up reached a steady state within its budget.
    pub warmup_converged: bool,
    /// Statistics on the report's clock (GPU timestamps, or wall where none).
    #[serde(flatten)]
    pub summary: Summary,
    /// Median wall time per operation around submit + wait, for comparison.
    pub wall_median_s: f64,
    /// Wall time of the first dispatch, including shader compilation a driver
    /// defers to first use (where pipeline creation, `compile_s`, is near zero).
    /// Absent in reports written before it was recorded.
    #[serde(default)]
    pub first_dispatch_wall_s: Option<f64>,
    /// Every measured sample on the report's clock, seconds per operation, in
    /// the order taken: what a model fit or a bootstrap interval needs (empty
    /// in version 1 reports).
    #[serde(default)]
    pub samples_s: Vec<f64>,
}

impl Timing {
    /// Summarises what the sampler produced; None if it produced no samples.
    pub fn of(sampled: &Sampled) -> Option<Timing> {
        let per_op = |s: f64| s / f64::from(sampled.repeats);
        let headline: Vec<f64> = sampled
            .samples
            .iter()
            .map(|s| per_op(s.headline_s()))
            .collect();
        let wall: Vec<f64> = sampled.samples.iter().map(|s| per_op(s.wall_s)).collect();
        let on_gpu_clock = sampled.samples.iter().all(|s| s.gpu_s.is_some());
        Some(Timing {
            clock: if on_gpu_clock {
                TimingMethod::GpuTimestamp
            } else {
                TimingMethod::Wall
            },
            samples: sampled.samples.len(),
            rejected_samples: sampled.rejected,
            repeats_per_sample: sampled.repeats,
            warmup_samples: sampled.warmup_samples,
            warmup_converged: sampled.warmup_converged,
            summary: Summary::of(&headline)?,
            wall_median_s: Summary::of(&wall)?.median_s,
            first_dispatch_wall_s: Some(sampled.first_dispatch_wall_s),
            samples_s: headline,
        })
    }
}
