//! The per-chip performance model: from calibration reports to a
//! [`ChipProfile`] (roofs, one fitted model per op class, its held-out error
//! beside three baselines' and the measurement's own noise), predictions
//! from a profile, and the chip catalog's datasheet profiles.
//!
//! One idea per file: `observe` (reports → fit points, and what was left
//! out), `form` (the model forms: time from a shape and parameters), `fit`
//! (robust least squares on log time), `errors` (error statistics),
//! `crossval` (held-out folds), `baselines` (roofline, two factors, nearest
//! neighbour), `noise` (repeat spread across runs), `profile` (the versioned
//! schema), `calibrate` (reports → profile), `predict` (profile → time),
//! `catalog` (`data/chips.toml`), `plan_cost` (a catalog chip or a profile
//! as the planner's `OpCost`).
//!
//! Sits above `analysis` (it reads a report's roofs) and below `commands`.

mod baselines;
mod block;
mod calibrate;
mod catalog;
mod crossval;
mod errors;
mod fit;
mod form;
mod noise;
mod observe;
mod plan_cost;
mod predict;
mod profile;
mod tiles;

pub use baselines::{NearestNeighbour, Roofline100, TwoFactor};
pub use block::{predict_blocks, BlockError, StagePrediction};
pub use calibrate::{calibrate, one_chip, MIN_POINTS};
pub use catalog::{catalog, Catalog, CatalogChip, MeasuredGemm, Sourced};
pub use crossval::{held_out, Fold, Method, Predictor, FOLDS};
pub use errors::ErrorStats;
pub use fit::{
    factor_of, fit_form, nelder_mead, robust_loss, FittedForm, ModelMethod, VariantFactors,
    HUBER_DELTA,
};
pub use form::{Bound, Context, Estimate, Form, RoofRates, TiledRoofline};
pub use noise::{repeat_spread, NoiseFloor};
pub use observe::{
    attention_family_of, excluded_counts, family_of, observe, Excluded, Observations, NOISY_SPREAD,
};
pub use plan_cost::{catalog_cost, chip_cost, ProfileCost};
pub use predict::{
    class_errors, predict, predict_in, predict_report, CaseError, Kernel, Prediction, Query,
};
pub use profile::{
    load_profile, named_parameters, ChipProfile, FoldScore, Identity, MissingClass, OpClassProfile,
    Parameter, ProfileRoofs, Provenance, Residual, ShapeRange, SourceReport, PROFILE_VERSION,
};
pub use tiles::{tile_for, TileEntry};

use serde::{Deserialize, Serialize};

use crate::case::Dtype;
use crate::reference::AttentionDims;

/// A kind of operation the model predicts, each with its own fitted form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpClass {
    /// Matrix multiply in f32.
    MatmulF32,
    /// Matrix multiply with f16 inputs.
    MatmulF16,
    /// Fused attention over a whole prompt (prefill).
    AttentionPrefill,
    /// Attention of one new token against a long cache (decode).
    AttentionDecode,
    /// Streaming memory kernels (copy, scale, add, triad).
    Stream,
    /// The small kernels between a transformer's matmuls (LayerNorm, bias
    /// and GELU, bias and residual, heads merged), each measured as itself.
    Elementwise,
}

impl OpClass {
    /// Every op class, in the order profiles list them.
    pub const ALL: [OpClass; 6] = [
        OpClass::MatmulF32,
        OpClass::MatmulF16,
        OpClass::AttentionPrefill,
        OpClass::AttentionDecode,
        OpClass::Stream,
        OpClass::Elementwise,
    ];

    /// The matmul class of `dtype`.
    pub fn matmul(dtype: Dtype) -> OpClass {
        match dtype {
            Dtype::F32 => OpClass::MatmulF32,
            Dtype::F16 => OpClass::MatmulF16,
        }
    }

    /// `matmul_f32`, as profiles and tables name it.
    pub fn name(self) -> &'static str {
        match self {
            OpClass::MatmulF32 => "matmul_f32",
            OpClass::MatmulF16 => "matmul_f16",
            OpClass::AttentionPrefill => "attention_prefill",
            OpClass::AttentionDecode => "attention_decode",
            OpClass::Stream => "stream",
            OpClass::Elementwise => "elementwise",
        }
    }
}

impl std::fmt::Display for OpClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one workgroup of the winning kernel takes at a time, as the model
/// reads it: the work a shape really costs is counted on whole tiles, and
/// the number of workgroups decides how evenly they fill the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tile {
    /// Rows of C (matmul), or query rows (attention).
    pub rows: u64,
    /// Columns of C (matmul), or keys per step of the key loop (attention).
    pub columns: u64,
    /// Workgroups sharing one row's reduction (split-KV decode); 1 otherwise.
    pub splits: u64,
}

impl Tile {
    /// A tile of `rows` × `columns` whose workgroups each reduce in full.
    pub fn new(rows: u64, columns: u64) -> Tile {
        Tile {
            rows,
            columns,
            splits: 1,
        }
    }
}

impl std::fmt::Display for Tile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}×{}", self.rows, self.columns)?;
        if self.splits > 1 {
            write!(f, " in {} splits", self.splits)?;
        }
        Ok(())
    }
}

/// What an operation is, as far as the model forms need to know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// C = A·B with A m×k and B k×n, elements of `element_bytes`.
    Matmul {
        /// Rows of A and C.
        m: u64,
        /// Columns of B and C.
        n: u64,
        /// The inner dimension.
        k: u64,
        /// Bytes per input element.
        element_bytes: u64,
    },
    /// O = softmax(Q·Kᵀ·scale + mask)·V over batch × query heads.
    Attention {
        /// Batch, heads, lengths, head dimension and mask.
        dims: AttentionDims,
        /// Bytes per element of Q, K, V and O.
        element_bytes: u64,
    },
    /// A streaming kernel moving `bytes` (read + written) over arrays of
    /// `array_bytes` each.
    Stream {
        /// Bytes read and written per operation.
        bytes: f64,
        /// Bytes of one array: what decides which cache level holds them.
        array_bytes: f64,
        /// Workgroups it launches, where each costs a start of its own (an
        /// elementwise kernel); 0 where not counted (the stream probes).
        workgroups: f64,
    },
}

impl Op {
    /// The work in FLOPs on the logical shape: 2·M·N·K (matmul), 4·d per
    /// unmasked (query, key) pair per batch and query head (attention); 0
    /// for streams, which are judged by bytes.
    pub fn flop(&self) -> f64 {
        match *self {
            Op::Matmul { m, n, k, .. } => 2.0 * m as f64 * n as f64 * k as f64,
            Op::Attention { dims, .. } => {
                4.0 * (dims.batch * dims.q_heads * dims.head_dim) as f64
                    * dims.unmasked_pairs() as f64
            }
            Op::Stream { .. } => 0.0,
        }
    }

    /// Bytes the operation must move at least once: A and B read, C written
    /// (matmul); Q read and O written, K and V read once per K/V head
    /// (attention); the arrays read and written (stream).
    pub fn bytes(&self) -> f64 {
        match *self {
            Op::Matmul {
                m,
                n,
                k,
                element_bytes,
            } => ((m * k + k * n + m * n) * element_bytes) as f64,
            Op::Attention {
                dims,
                element_bytes,
            } => {
                let q = dims.batch * dims.q_heads * dims.q_len * dims.head_dim;
                let kv = dims.batch * dims.kv_heads * dims.kv_len * dims.head_dim;
                ((2 * q + 2 * kv) as u64 * element_bytes) as f64
            }
            Op::Stream { bytes, .. } => bytes,
        }
    }

    /// The bytes whose fit in a cache the forms' cache terms weigh: a
    /// stream's one array, or everything an op moves once (a matmul's
    /// operands, attention's Q, K, V and O).
    pub fn cached_bytes(&self) -> f64 {
        match *self {
            Op::Stream { array_bytes, .. } => array_bytes,
            _ => self.bytes(),
        }
    }

    /// What the extrapolation split sorts by: FLOPs for matmul and prefill,
    /// bytes for decode (one query row) and streams.
    pub fn size(&self) -> f64 {
        match self {
            Op::Matmul { .. } => self.flop(),
            Op::Attention { dims, .. } if dims.q_len > 1 => self.flop(),
            Op::Attention { .. } | Op::Stream { .. } => self.bytes(),
        }
    }

    /// The dimensions by name, as ranges and warnings name them: `m`, `n`,
    /// `k`; `b`, `hq`, `hkv`, `sq`, `skv`, `d`, `causal`; `array_bytes`.
    pub fn named_dims(&self) -> Vec<(&'static str, f64)> {
        match *self {
            Op::Matmul { m, n, k, .. } => vec![("m", m as f64), ("n", n as f64), ("k", k as f64)],
            Op::Attention { dims, .. } => vec![
                ("b", dims.batch as f64),
                ("hq", dims.q_heads as f64),
                ("hkv", dims.kv_heads as f64),
                ("sq", dims.q_len as f64),
                ("skv", dims.kv_len as f64),
                ("d", dims.head_dim as f64),
                ("causal", f64::from(u8::from(dims.causal))),
            ],
            Op::Stream { array_bytes, .. } => vec![("array_bytes", array_bytes)],
        }
    }

    /// The sizes that decide which kernel and tile run a shape (stream: none).
    pub fn dims(&self) -> Vec<u64> {
        match self {
            Op::Stream { .. } => Vec::new(),
            _ => self.named_dims().iter().map(|&(_, v)| v as u64).collect(),
        }
    }

    /// The dimensions on a log scale (a switch as 0 or 1), for nearest-neighbour distances.
    pub fn log_dims(&self) -> Vec<f64> {
        self.named_dims()
            .iter()
            .map(|&(name, v)| match crate::case::SWITCHES.contains(&name) {
                true => v,
                false => v.ln(),
            })
            .collect()
    }
}

/// One measured case, as a fit sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The case name: repeats of one shape in several reports share it, and
    /// leave-one-shape-out holds them out together.
    pub case: String,
    /// The family leave-one-family-out holds out together: `skinny`,
    /// `square`, `long_k`, `short_k`, `ragged` (matmul) or the stream kernel.
    pub family: String,
    /// The operation.
    pub op: Op,
    /// The workload that ran it: one shape may be measured by several
    /// (one-pass and split decode), each with its own kernels to pick from.
    pub workload: String,
    /// The winning kernel variant (empty where it does not matter).
    pub variant: String,
    /// What one workgroup of the winning variant takes at a time (matmul,
    /// attention); None where the op has no tiles.
    pub tile: Option<Tile>,
    /// Median time per operation, seconds.
    pub time_s: f64,
}

/// Errors of the model layer: each one line for the user.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Reading or writing a file.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// Nothing to fit.
    #[error("{0}")]
    NoData(String),
    /// Reports of different chips given together.
    #[error("{0}")]
    Mixed(String),
    /// A profile file that is not one, or of a version this chipbench does not read.
    #[error("{path}: {message}")]
    BadProfile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A prediction the profile cannot make.
    #[error("{0}")]
    CannotPredict(String),
    /// The catalog, or a chip id not in it.
    #[error("{0}")]
    Catalog(String),
}
