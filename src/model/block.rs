//! A composed workload predicted from its parts: the `block` workload (a
//! transformer's layers run as one operation) timed as the sum of the
//! per-op predictions of its stages, and set beside what it measured. This
//! is the check that summing per-op times predicts a real composed workload
//! on the same chip, which is what a planner does.

use super::form::Context;
use super::observe::fastest_confirmed_s;
use super::predict::{predict_in, Kernel, Query};
use super::{ModelError, OpClass, Tile};
use crate::case::{Candidate, Case};
use crate::report::{Measurement, Report, Status};
use crate::workloads::{
    attention_dims, block_dims, block_stages, elementwise_kernel_of, output_tile, part_name,
    split_candidate, Block, Workload,
};

/// One stage of a block: its predicted time over all layers, and the time
/// the device measured for it where it records stage times.
#[derive(Debug, Clone, PartialEq)]
pub struct StagePrediction {
    /// The stage's name, as the report writes it (`qkv`, `attention`...).
    pub stage: String,
    /// The op class that predicted it.
    pub class: OpClass,
    /// Predicted seconds, summed over the layers.
    pub predicted_s: f64,
    /// Measured seconds per operation, where the report has stage times.
    pub measured_s: Option<f64>,
}

/// A block case of a report, predicted as the sum of its stages.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockError {
    /// The case.
    pub case: String,
    /// Predicted seconds: the sum of its stages' predictions.
    pub predicted_s: f64,
    /// Measured seconds: the fastest sample a second confirms, the fastest
    /// over its measurements, as for the fit points the profile was made from.
    pub measured_s: f64,
    /// Measurements of the case: runs, and passes within a run (the
    /// calibrate suite measures the block in both of its passes).
    pub measurements: usize,
    /// How far the slowest measurement's time lies above the fastest's
    /// (each its own fastest confirmed sample), as a fraction: the noise of
    /// the machine the error has to be read against. 0 for one measurement.
    pub spread: f64,
    /// `predicted / measured − 1`.
    pub signed_error: f64,
    /// Each stage's share.
    pub stages: Vec<StagePrediction>,
}

/// Every verified block case of `reports` (runs of one chip), predicted
/// from `profile`'s op classes and set beside its fastest run. Empty when
/// the reports have none.
pub fn predict_blocks(
    profile: &crate::model::ChipProfile,
    reports: &[Report],
) -> Result<Vec<BlockError>, ModelError> {
    // Each case's measurements, each with its own time.
    let mut by_case: Vec<Vec<(&Measurement, f64)>> = Vec::new();
    let measured = reports
        .iter()
        .flat_map(|r| &r.measurements)
        .filter(|m| m.workload == Block.family() && m.status == Status::Ok)
        .filter_map(|m| Some((m, fastest_confirmed_s(&m.timing.as_ref()?.samples_s)?)));
    for (m, seconds) in measured {
        match by_case.iter_mut().find(|each| each[0].0.case == m.case) {
            Some(each) => each.push((m, seconds)),
            None => by_case.push(vec![(m, seconds)]),
        }
    }
    by_case
        .iter()
        .map(|each| predict_block(profile, each))
        .collect()
}

/// A block case's stages predicted one by one and summed over its layers,
/// beside the fastest of its measurements (`each`, one or more, each with
/// its time).
fn predict_block(
    profile: &crate::model::ChipProfile,
    each: &[(&Measurement, f64)],
) -> Result<BlockError, ModelError> {
    let &(m, measured_s) = each
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a case has a measurement");
    let slowest_s = each.iter().map(|(_, s)| *s).fold(measured_s, f64::max);
    let dims = block_dims(&m.case());
    let elementwise = profile.class(OpClass::Elementwise).is_ok();
    // Between two runs of a stage the rest of its layer passes through the
    // caches: every stage's reads and writes, the layer's weights among them.
    let layer = block_stages(&dims);
    let working_set_bytes = layer
        .iter()
        .map(|s| (s.work.bytes_read + s.work.bytes_written) as f64)
        .sum();
    let context = Context::Stack { working_set_bytes };
    // The matmul kernels the block ran (an unreadable choice, such as one
    // an older chipbench named otherwise, leaves each projection to the
    // kernel autotune would pick for it alone).
    let kernels = split_candidate(&Candidate {
        variant: m.variant.clone(),
        constants: m.constants.clone(),
    })
    .ok();
    let mut stages = Vec::new();
    for stage in layer {
        let ran = kernels.as_ref().map(|k| k.projection(stage.step));
        let query = query_for(&stage.op, &stage.work, elementwise, ran);
        let prediction = predict_in(profile, &query, context)?;
        let name = stage.step.name();
        stages.push(StagePrediction {
            stage: name.to_string(),
            class: prediction.class,
            predicted_s: prediction.time_s * dims.layers as f64,
            measured_s: m.stages.iter().find(|s| s.stage == name).map(|s| s.seconds),
        });
    }
    let predicted_s = stages.iter().map(|s| s.predicted_s).sum();
    Ok(BlockError {
        case: m.case.clone(),
        predicted_s,
        measured_s,
        measurements: each.len(),
        spread: slowest_s / measured_s - 1.0,
        signed_error: super::errors::signed_error(predicted_s, measured_s),
        stages,
    })
}

/// The query a profile times a stage's operation with: its matmul shape,
/// its attention dimensions, or its small kernel moving the stage's bytes;
/// a stream kernel moving them where the profile has no `elementwise`
/// class (`elementwise` false: calibrated before those kernels were measured).
/// A matmul is timed as run by `matmul_kernel`, where known.
fn query_for(
    op: &Case,
    work: &crate::case::Work,
    elementwise: bool,
    matmul_kernel: Option<&Candidate>,
) -> Query {
    let dim = |name| op.shape.get(name).unwrap_or(1);
    let bytes = work.bytes_read + work.bytes_written;
    match op.workload.as_str() {
        "matmul" => Query::Matmul {
            dtype: op.dtype,
            m: dim("m"),
            n: dim("n"),
            k: dim("k"),
            kernel: matmul_kernel.and_then(|c| {
                let (rows, columns) = output_tile(&c.variant, &c.constants)?;
                Some(Kernel {
                    variant: c.variant.clone(),
                    tile: Tile::new(rows, columns),
                })
            }),
        },
        family if family.starts_with("attention") => Query::Attention {
            dims: attention_dims(op),
            dtype: op.dtype,
        },
        _ => match elementwise_kernel_of(op) {
            Some((part, workgroups)) if elementwise => Query::Elementwise {
                kernel: part_name(part).to_string(),
                bytes,
                array_bytes: dim("s") * dim("d") * op.dtype.size_bytes(),
                workgroups,
            },
            _ => Query::Stream { bytes },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Dtype;
    use crate::reference::BlockDims;
    use crate::workloads::Step;

    /// The class each stage of a prefill layer is asked of, with the
    /// profile's `elementwise` class or without it.
    fn classes(elementwise: bool) -> Vec<String> {
        let dims = BlockDims {
            layers: 1,
            tokens: 128,
            kv_len: 128,
            d_model: 768,
            heads: 12,
            d_ff: 3072,
        };
        block_stages(&dims)
            .iter()
            .map(|s| match query_for(&s.op, &s.work, elementwise, None) {
                Query::Matmul { m, k, .. } => {
                    assert_eq!((m, k % 768), (128, 0), "{}", s.op.name());
                    "matmul".to_string()
                }
                Query::Attention { dims, dtype } => {
                    assert!(dims.causal && dims.q_len == 128 && dtype == Dtype::F32);
                    "attention".to_string()
                }
                Query::Stream { bytes } => {
                    assert_eq!(bytes, s.work.bytes_read + s.work.bytes_written);
                    "stream".to_string()
                }
                Query::Elementwise {
                    kernel,
                    bytes,
                    array_bytes,
                    workgroups,
                } => {
                    // A LayerNorm's workgroup per row; the others' per 256 floats.
                    let rows = match s.step {
                        Step::LayerNorm1 | Step::LayerNorm2 => 128,
                        _ => 0,
                    };
                    assert!(workgroups == rows || workgroups > 128, "{}", s.step.name());
                    assert_eq!(bytes, s.work.bytes_read + s.work.bytes_written);
                    let width = match s.step {
                        Step::Gelu => 3072,
                        Step::SplitHeads => 3 * 768,
                        _ => 768,
                    };
                    assert_eq!(array_bytes, 128 * width * 4, "{}", s.step.name());
                    kernel
                }
            })
            .collect()
    }

    #[test]
    fn a_projection_is_timed_by_the_matmul_kernel_the_block_ran() {
        let dims = BlockDims {
            layers: 1,
            tokens: 256,
            kv_len: 256,
            d_model: 768,
            heads: 12,
            d_ff: 3072,
        };
        let candidate = Candidate {
            variant: "texture_subgroup/texture_tiled+subgroup_loads".into(),
            constants: [("WORKGROUP_SIZE", 64.0), ("ROW_BLOCKS", 4.0)]
                .iter()
                .flat_map(|&(name, value)| {
                    ["wide.", "narrow."].map(|kind| (format!("{kind}{name}"), value))
                })
                .collect(),
        };
        let kernels = split_candidate(&candidate).unwrap();
        let mut seen = Vec::new();
        for stage in block_stages(&dims) {
            let ran = Some(kernels.projection(stage.step));
            if let Query::Matmul {
                kernel: Some(kernel),
                ..
            } = query_for(&stage.op, &stage.work, true, ran)
            {
                let constants = &kernels.projection(stage.step).constants;
                let (rows, columns) = output_tile(&kernel.variant, constants).unwrap();
                assert_eq!(kernel.tile, Tile::new(rows, columns));
                seen.push((stage.step.name(), kernel.variant));
            }
        }
        let [wide, narrow] = ["texture_subgroup", "texture_tiled"].map(String::from);
        assert_eq!(
            seen,
            [
                ("qkv", wide.clone()),
                ("out_proj", narrow.clone()),
                ("up_proj", wide),
                ("down_proj", narrow),
            ]
        );
    }

    #[test]
    fn every_stage_is_asked_of_the_op_class_that_runs_it() {
        let count = |classes: &[String], name: &str| classes.iter().filter(|c| *c == name).count();
        let old = classes(false);
        assert_eq!(count(&old, "matmul"), 4);
        assert_eq!(count(&old, "attention"), 1);
        assert_eq!(count(&old, "stream"), 7);
        let new = classes(true);
        assert_eq!(count(&new, "stream"), 0);
        assert_eq!(count(&new, "layer_norm"), 2);
        assert_eq!(count(&new, "bias_residual"), 2);
        assert_eq!(count(&new, "merge_heads"), 2);
        assert_eq!(count(&new, "bias_gelu"), 1);
    }
}
