//! Analysis: what a report's figures say about each other, as pure functions
//! of the report. The roofs the probes measured, the targets as a table of
//! (numerator, denominator, threshold) rows, bootstrap confidence intervals,
//! and the summary of verdicts a run stores when it ends.

mod bootstrap;
mod figures;
mod roofs;
mod summary;
mod targets;

pub use bootstrap::ratio_interval;
pub use figures::{best, rate_of, Rate};
pub use roofs::Roofs;
pub use summary::summarize;
pub use targets::{
    attempted, host_requests, Adapters, Against, Attempt, HostBaseline, Pick, Side, Target, TARGETS,
};
