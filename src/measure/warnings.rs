//! Warnings about a measurement: kept as data (kind and numbers) in reports,
//! put in plain words with advice, as hyperfine gives them, when displayed.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Timing;
use crate::gpu::TimingMethod;
use crate::units::format_seconds;

/// Coefficient of variation above which a case is called noisy.
pub const NOISY_CV: f64 = 0.05;

/// Something about a measurement its reader should know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// Samples vary by more than `NOISY_CV`.
    Noisy {
        /// The coefficient of variation.
        cv: f64,
    },
    /// More than one sample in ten lies outside Tukey's fences.
    Outliers {
        /// How many.
        count: usize,
        /// Out of how many samples.
        samples: usize,
    },
    /// Warm-up ran out of budget before timings settled.
    WarmupNotConverged,
    /// Wall time per sample is far above GPU time: the host side (submission,
    /// synchronisation) rather than the kernel dominates what a user would see.
    ClocksDisagree {
        /// Median GPU time per operation, seconds.
        gpu_s: f64,
        /// Median wall time per operation, seconds.
        wall_s: f64,
    },
    /// GPU timestamps sometimes returned impossible values.
    RejectedSamples {
        /// How many samples were thrown away.
        count: usize,
    },
    /// A warning a version 1 report stored only as words.
    Text {
        /// The words.
        text: String,
    },
}

impl Warning {
    /// The warnings `timing` deserves.
    pub fn assess(timing: &Timing) -> Vec<Warning> {
        let s = &timing.summary;
        let mut warnings = Vec::new();
        if s.cv > NOISY_CV {
            warnings.push(Warning::Noisy { cv: s.cv });
        }
        // A few outliers are normal on a shared machine and the median shrugs
        // them off; more than one in ten says the run was disturbed.
        if s.outliers * 10 > timing.samples {
            warnings.push(Warning::Outliers {
                count: s.outliers,
                samples: timing.samples,
            });
        }
        if !timing.warmup_converged {
            warnings.push(Warning::WarmupNotConverged);
        }
        // Wall time includes one submit + wait per sample; beyond 1 ms of such
        // overhead per sample plus 50%, the clocks are telling different stories.
        let overhead_per_op_s = 1e-3 / f64::from(timing.repeats_per_sample);
        if timing.clock == TimingMethod::GpuTimestamp
            && timing.wall_median_s > 1.5 * s.median_s + overhead_per_op_s
        {
            warnings.push(Warning::ClocksDisagree {
                gpu_s: s.median_s,
                wall_s: timing.wall_median_s,
            });
        }
        if timing.rejected_samples > 0 {
            warnings.push(Warning::RejectedSamples {
                count: timing.rejected_samples,
            });
        }
        warnings
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Noisy { cv } => write!(
                f,
                "noisy: samples vary by {:.1}% (CV); other work on this machine may be competing \
                 for it, so rerun when it is idle",
                cv * 100.0
            ),
            Warning::Outliers { count, samples } => write!(
                f,
                "{count} of {samples} samples are statistical outliers; the median is robust to \
                 them, but interruptions or clock changes may have disturbed the run"
            ),
            Warning::WarmupNotConverged => f.write_str(
                "timings had not settled when warm-up ended; the device may still have been \
                 ramping its clocks, so consider --suite standard for a longer warm-up",
            ),
            Warning::ClocksDisagree { gpu_s, wall_s } => write!(
                f,
                "wall time per op ({}) is far above GPU time ({}): submission and sync overhead \
                 dominate at this size",
                format_seconds(*wall_s),
                format_seconds(*gpu_s)
            ),
            Warning::RejectedSamples { count } => write!(
                f,
                "{count} samples were rejected for impossible GPU timestamps; if this recurs, \
                 use --timer wall"
            ),
            Warning::Text { text } => f.write_str(text),
        }
    }
}
