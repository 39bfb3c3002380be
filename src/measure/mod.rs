//! Measurement: how samples are taken (sampler), summarised (stats, timing),
//! and judged (warnings). Knows nothing of workloads beyond a closure that
//! records a batch of dispatches.

mod sampler;
mod stats;
mod timing;
mod warnings;

pub use sampler::{sample, Sampled, SamplingPlan};
pub use stats::{percentile, Summary};
pub use timing::Timing;
pub use warnings::{Warning, NOISY_CV};
