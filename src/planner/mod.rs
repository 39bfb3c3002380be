//! The planner: a transformer → its operations at their real shapes → the
//! time of each on one chip ([`OpCost`]) → a parallel layout (tensor,
//! sequence, context, pipeline, data and expert parallelism, ZeRO,
//! recomputation) → the step on N chips → run totals (days, chip-hours,
//! energy, cost). Inference: time to first token, inter-token latency and
//! throughput at a concurrency.
//!
//! Every time figure carries where it came from ([`Source`]): a datasheet
//! figure times a cited efficiency ([`Datasheet`]), or a measured per-chip
//! profile. Both reach the planner through the [`OpCost`] trait, built in
//! `src/model/` from the chip catalog (`data/chips.toml`) or a calibrated
//! `ChipProfile`: the planner holds no chip figures and imports only `units`.
//!
//! Files, one idea each: [`transformer`] (presets and model files), [`ops`]
//! (one layer's operations), [`cost`] (the cost interface and the datasheet
//! implementation), [`forward`] (one forward pass, op by op), [`parallel`]
//! (layouts and the communication and bubble formulas), [`memory`] (bytes
//! per chip), [`train`] (a training step), [`search`] (the layout search),
//! [`infer`] (inference), [`render`] (tables for people).

pub mod cost;
#[cfg(test)]
mod fixture;
pub mod forward;
pub mod infer;
pub mod memory;
pub mod ops;
pub mod parallel;
pub mod render;
pub mod search;
pub mod train;
pub mod transformer;

pub use cost::{
    ChipFacts, Cited, Datasheet, Efficiencies, Link, MemoryKind, OpCost, Precision, Source, Timed,
};
pub use forward::{forward_pass, ForwardShape, OpKind, OpTime};
pub use infer::{plan_inference, InferSpec, InferencePlan};
pub use memory::Recompute;
pub use parallel::Layout;
pub use search::{search_layouts, smallest_change, Pinned, SearchResult};
pub use train::{plan_training, TrainPlan, TrainSpec, DEFAULT_GOODPUT};
pub use transformer::Transformer;

/// What can go wrong while planning: bad input, or a plan that cannot run.
/// Each message is one line that says what to change.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// `--model` named neither a preset nor a readable file.
    #[error("unknown model '{name}'; presets: {valid} (or a path to a JSON model file)")]
    UnknownModel { name: String, valid: String },
    /// A model file that could not be read or parsed, or describes an impossible model.
    #[error("model file {path}: {reason}")]
    ModelFile { path: String, reason: String },
    /// A model whose numbers do not make a transformer.
    #[error("model {name}: {reason}")]
    InvalidModel { name: String, reason: String },
    /// `--chip` named no chip the planner knows.
    #[error("unknown chip '{name}'; known: {valid}")]
    UnknownChip { name: String, valid: String },
    /// A plan's input that cannot be used (zero chips, a malformed layout, ...).
    #[error("{0}")]
    Input(String),
    /// A layout that cannot run this model on these chips.
    #[error("layout {layout}: {reason}")]
    Layout { layout: String, reason: String },
    /// A plan that does not fit in the chips' memory, with the smallest change that fits.
    #[error("{0}")]
    DoesNotFit(String),
}
