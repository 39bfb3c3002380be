//! Measurement: how samples are taken (sampler), summarised (stats, timing),
//! judged (warnings), and which kernel variant is worth taking them of (autotune). Knows nothing of workloads beyond a closure that
//! records a batch of dispatches.

mod autotune;
mod sampler;
mod stats;
mod timing;
mod warnings;

pub use autotune::{
    screening_plan, shape_class, trial_plan, AutotuneRecord, Trial, TuneCache, SCREEN_FACTOR,
};
pub use sampler::{sample, Sampled, SamplingPlan};
pub use stats::{mad_sigma, median, percentile, Summary, MAD_TO_SIGMA};
pub use timing::Timing;
pub use warnings::Warning;
