//! Predictions from a profile: the time of one operation, its throughput,
//! the term that bounds it, an interval from the held-out errors, and a
//! warning outside the calibrated range; or every case of another report
//! against what it measured.

use super::crossval::Predictor;
use super::errors::{signed_error, ErrorStats};
use super::fit::FittedForm;
use super::form::{Bound, Context, RoofRates};
use super::observe::{observe, Excluded};
use super::profile::{ChipProfile, OpClassProfile};
use super::{ModelError, Op, OpClass, Tile};
use crate::case::Dtype;
use crate::reference::AttentionDims;
use crate::report::Report;

/// What to predict.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// C = A·B, A m×k, B k×n.
    Matmul {
        /// Input element type.
        dtype: Dtype,
        /// Rows of A and C.
        m: u64,
        /// Columns of B and C.
        n: u64,
        /// The inner dimension.
        k: u64,
        /// The kernel it is known to run (a composed workload's own
        /// choice); None: the one autotune would pick, as the calibration
        /// saw it (see `FittedForm::tile_of`).
        kernel: Option<Kernel>,
    },
    /// Attention: fused prefill when the query length is above 1, decode
    /// when it is 1.
    Attention {
        /// Batch, heads, lengths, head dimension and mask.
        dims: AttentionDims,
        /// Element type of Q, K, V and O.
        dtype: Dtype,
    },
    /// A stream kernel moving `bytes` in all over three arrays (triad's two
    /// reads and a write).
    Stream {
        /// Bytes read and written.
        bytes: u64,
    },
    /// One of a transformer's small kernels (`layer_norm`, `bias_gelu`,
    /// `bias_residual`, `merge_heads`: what the calibrate suite's
    /// `elementwise_*` workloads measure) moving `bytes`.
    Elementwise {
        /// The kernel.
        kernel: String,
        /// Bytes read and written.
        bytes: u64,
        /// Bytes of its largest array (the rows it reads).
        array_bytes: u64,
        /// Workgroups it launches.
        workgroups: u64,
    },
}

/// A tiled kernel: its variant and the tile its constants give it.
#[derive(Debug, Clone, PartialEq)]
pub struct Kernel {
    /// The variant, e.g. `texture_subgroup`.
    pub variant: String,
    /// Its workgroup tile.
    pub tile: Tile,
}

/// A predicted time.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The op class whose model predicted it.
    pub class: OpClass,
    /// Predicted seconds per operation.
    pub time_s: f64,
    /// Throughput at that time: FLOP/s (matmul, prefill) or bytes/s (decode, stream).
    pub rate: f64,
    /// `FLOP/s` or `B/s`.
    pub unit: &'static str,
    /// The term that bounds it.
    pub bound: Bound,
    /// Seconds: where 90% of held-out measurements fell around their
    /// prediction (None for a datasheet profile, which has no held-out error).
    pub interval_s: Option<[f64; 2]>,
    /// The tile the kernel is expected to run with, in words (matmul).
    pub tile: Option<String>,
    /// Where the prediction leaves what the model was fitted on.
    pub warnings: Vec<String>,
}

/// The fitted form of `class` in `profile`, ready to predict.
fn fitted(profile: &ChipProfile, class: &OpClassProfile) -> FittedForm {
    FittedForm {
        form: class.form,
        params: class.params(),
        variant_factors: class.relative_efficiency.clone(),
        roofs: RoofRates {
            flop_per_s: class.peak_flop_per_s,
            bytes_per_s: class.bytes_per_s,
            overhead_s: profile.roofs.dispatch_overhead_s.unwrap_or(0.0),
        },
        tiles: class.tiles.clone(),
        context: Context::Alone,
    }
}

/// Predicts `query` with `profile`, the op run alone (see [`predict_in`]).
pub fn predict(profile: &ChipProfile, query: &Query) -> Result<Prediction, ModelError> {
    predict_in(profile, query, Context::Alone)
}

/// Predicts `query` with `profile`, the op run in `context`.
pub fn predict_in(
    profile: &ChipProfile,
    query: &Query,
    context: Context,
) -> Result<Prediction, ModelError> {
    let (class, op) = match *query {
        Query::Elementwise {
            bytes,
            array_bytes,
            workgroups,
            ..
        } => (
            OpClass::Elementwise,
            Op::Stream {
                bytes: bytes as f64,
                array_bytes: array_bytes as f64,
                workgroups: workgroups as f64,
            },
        ),
        Query::Matmul { dtype, m, n, k, .. } => (
            OpClass::matmul(dtype),
            Op::Matmul {
                m,
                n,
                k,
                element_bytes: dtype.size_bytes(),
            },
        ),
        Query::Attention { dims, dtype } => (
            match dims.q_len {
                1 => OpClass::AttentionDecode,
                _ => OpClass::AttentionPrefill,
            },
            Op::Attention {
                dims,
                element_bytes: dtype.size_bytes(),
            },
        ),
        Query::Stream { bytes } => (
            OpClass::Stream,
            Op::Stream {
                bytes: bytes as f64,
                array_bytes: bytes as f64 / 3.0,
                workgroups: 0.0,
            },
        ),
    };
    let model = profile.class(class)?;
    let fitted = FittedForm {
        context,
        ..fitted(profile, model)
    };
    let (estimate, tile) = match query {
        Query::Elementwise { kernel, .. } => (fitted.estimate_kernel(&op, kernel), None),
        Query::Matmul {
            kernel: Some(kernel),
            ..
        } => (
            fitted.estimate_tiled(&op, &kernel.variant, kernel.tile),
            Some(format!("{} ({})", kernel.tile, kernel.variant)),
        ),
        _ => (
            fitted.estimate(&op),
            fitted
                .tile_of(&op, None)
                .map(|e| format!("{} ({})", e.tile, e.variant)),
        ),
    };
    let (rate, unit) = match class {
        OpClass::AttentionDecode | OpClass::Stream | OpClass::Elementwise => {
            (op.bytes() / estimate.time_s, "B/s")
        }
        _ => (op.flop() / estimate.time_s, "FLOP/s"),
    };
    Ok(Prediction {
        class,
        time_s: estimate.time_s,
        rate,
        unit,
        bound: estimate.bound,
        interval_s: model
            .interval_ratios
            .map(|[low, high]| [estimate.time_s * low, estimate.time_s * high]),
        tile,
        warnings: range_warnings(model, &op),
    })
}

/// A warning for each dimension of `op` (and its work) outside the range
/// `model` was fitted on.
fn range_warnings(model: &OpClassProfile, op: &Op) -> Vec<String> {
    let Some(range) = &model.range else {
        return Vec::new();
    };
    let mut warnings: Vec<String> = range
        .dimensions
        .iter()
        .zip(op.named_dims().into_iter().map(|(_, v)| v))
        .filter(|((_, low, high), v)| v < low || v > high)
        .map(|((name, low, high), v)| {
            format!("{name} = {v} is outside the calibrated range {low}–{high}: an extrapolation")
        })
        .collect();
    let size = op.size();
    if size < range.size[0] || size > range.size[1] {
        warnings.push(format!(
            "the work ({size:.3e}) is outside the calibrated range {:.3e}–{:.3e}",
            range.size[0], range.size[1]
        ));
    }
    warnings
}

/// One case of a report, predicted.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseError {
    /// The case.
    pub case: String,
    /// Its op class.
    pub class: OpClass,
    /// Predicted seconds.
    pub predicted_s: f64,
    /// Measured seconds (the median).
    pub measured_s: f64,
    /// `predicted / measured − 1`.
    pub signed_error: f64,
}

/// Every usable case of `report` that `profile` has a model for, predicted
/// and compared with what was measured (none where no case has a class in
/// the profile); and the cases left out, with why.
pub fn predict_report(
    profile: &ChipProfile,
    reports: &[Report],
) -> Result<(Vec<CaseError>, Vec<Excluded>), ModelError> {
    let seen = observe(reports);
    let mut scored = Vec::new();
    for observed in &seen.points {
        let Ok(model) = profile.class(observed.class) else {
            continue;
        };
        let predicted_s = fitted(profile, model).time_s(&observed.point);
        scored.push(CaseError {
            case: observed.point.case.clone(),
            class: observed.class,
            predicted_s,
            measured_s: observed.point.time_s,
            signed_error: signed_error(predicted_s, observed.point.time_s),
        });
    }
    Ok((scored, seen.excluded))
}

/// The error statistics of `cases` of `class` (all classes when None).
pub fn class_errors(cases: &[CaseError], class: Option<OpClass>) -> Option<ErrorStats> {
    let errors: Vec<f64> = cases
        .iter()
        .filter(|c| class.is_none_or(|k| c.class == k))
        .map(|c| c.signed_error)
        .collect();
    ErrorStats::of(&errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An f32 matmul of `size`³.
    fn f32_cube(size: u64) -> Op {
        Op::Matmul {
            m: size,
            n: size,
            k: size,
            element_bytes: 4,
        }
    }

    /// A matmul model with a cache of `cache_bytes`, operands beyond it
    /// computed at half the rate, that knows the tile of `op`.
    fn model_for(op: &Op, tile: Tile, cache_bytes: f64) -> FittedForm {
        let Op::Matmul { m, n, k, .. } = *op else {
            unreachable!("a matmul")
        };
        FittedForm {
            form: crate::model::Form::TiledRoofline,
            params: vec![0.0, 1.0, 1.0, 0.0, 1.0, cache_bytes, 0.5],
            variant_factors: Vec::new(),
            roofs: RoofRates {
                flop_per_s: 1e12,
                bytes_per_s: 1e15,
                overhead_s: 0.0,
            },
            tiles: vec![super::super::tiles::TileEntry {
                workload: "matmul".into(),
                dims: vec![m, n, k],
                variant: "v".into(),
                tile,
            }],
            context: Context::Alone,
        }
    }

    /// How much slower `op` runs in a stack moving `working_set_bytes`
    /// than alone.
    fn slowdown_in_stack(alone: &FittedForm, op: &Op, working_set_bytes: f64) -> f64 {
        let in_stack = FittedForm {
            context: Context::Stack { working_set_bytes },
            ..alone.clone()
        };
        in_stack.estimate(op).time_s / alone.estimate(op).time_s
    }

    #[test]
    fn an_op_that_reads_its_operands_once_finds_only_what_survives_the_stack() {
        // A 64³ matmul (48 KiB of operands) on one 64×64 tile reads each
        // operand once; a cache of 1 MB.
        let op = f32_cube(64);
        let alone = model_for(&op, Tile::new(64, 64), 1e6);
        // A stack that fits the cache changes nothing; one 1000× beyond it
        // leaves the op computing at the uncached rate.
        assert_eq!(slowdown_in_stack(&alone, &op, 40e3), 1.0);
        let large = slowdown_in_stack(&alone, &op, 1e9);
        assert!((large - 2.0).abs() < 0.01, "{large}");
    }

    #[test]
    fn an_op_that_rereads_its_operands_pays_the_stack_only_on_its_first_reads() {
        // A 256³ matmul (768 KiB of operands, within a 10 MB cache) on
        // 16×16 tiles reads A and B 16 times each: 1 byte in 11 of its
        // traffic is a first read. Behind a stack far beyond the cache those
        // run at half the rate, the rereads as alone: about 9% slower, where
        // computing all of it at the uncached rate would be 2×.
        let op = f32_cube(256);
        let alone = model_for(&op, Tile::new(16, 16), 1e7);
        let slowdown = slowdown_in_stack(&alone, &op, 1e9);
        assert!((1.08..1.10).contains(&slowdown), "{slowdown}");
    }
}
