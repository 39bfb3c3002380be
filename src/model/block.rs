//! A composed workload predicted from its parts: the `block` workload (a
//! transformer's layers run as one operation) timed as the sum of the
//! per-op predictions of its stages, and set beside what it measured. This
//! is the check that summing per-op times predicts a real composed workload
//! on the same chip, which is what a planner does.

use super::observe::fastest_confirmed_s;
use super::predict::{predict, Query};
use super::{ModelError, OpClass};
use crate::case::Case;
use crate::report::{Measurement, Report, Status};
use crate::workloads::{attention_dims, block_dims, block_stages, Block, Workload};

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
    /// Measured seconds: the fastest sample a second confirms, as for the
    /// fit points the profile was made from.
    pub measured_s: f64,
    /// `predicted / measured − 1`.
    pub signed_error: f64,
    /// Each stage's share.
    pub stages: Vec<StagePrediction>,
}

/// Every verified block case of `report`, predicted from `profile`'s op
/// classes. Empty when the report has none.
pub fn predict_blocks(
    profile: &crate::model::ChipProfile,
    report: &Report,
) -> Result<Vec<BlockError>, ModelError> {
    report
        .measurements
        .iter()
        .filter(|m| m.workload == Block.family() && m.status == Status::Ok)
        .filter_map(|m| {
            let samples = &m.timing.as_ref()?.samples_s;
            Some((m, fastest_confirmed_s(samples)?))
        })
        .map(|(m, measured_s)| predict_block(profile, m, measured_s))
        .collect()
}

/// `m`'s stages predicted one by one and summed over its layers.
fn predict_block(
    profile: &crate::model::ChipProfile,
    m: &Measurement,
    measured_s: f64,
) -> Result<BlockError, ModelError> {
    let case = Case {
        workload: m.workload.clone(),
        dtype: m.dtype,
        shape: m.shape.clone(),
    };
    let dims = block_dims(&case);
    let mut stages = Vec::new();
    for stage in block_stages(&dims) {
        let prediction = predict(profile, &query_for(&stage.op, &stage.work))?;
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
        signed_error: super::errors::signed_error(predicted_s, measured_s),
        stages,
    })
}

/// The query a profile times a stage's operation with: its matmul shape,
/// its attention dimensions, or a stream kernel moving the stage's bytes.
fn query_for(op: &Case, work: &crate::case::Work) -> Query {
    let dim = |name| op.shape.get(name).unwrap_or(1);
    match op.workload.as_str() {
        "matmul" => Query::Matmul {
            dtype: op.dtype,
            m: dim("m"),
            n: dim("n"),
            k: dim("k"),
        },
        family if family.starts_with("attention") => Query::Attention {
            dims: attention_dims(op),
            dtype: op.dtype,
        },
        _ => Query::Stream {
            bytes: work.bytes_read + work.bytes_written,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Dtype;
    use crate::reference::BlockDims;

    #[test]
    fn every_stage_is_asked_of_the_op_class_that_runs_it() {
        let dims = BlockDims {
            layers: 1,
            tokens: 128,
            kv_len: 128,
            d_model: 768,
            heads: 12,
            d_ff: 3072,
        };
        let classes: Vec<&str> = block_stages(&dims)
            .iter()
            .map(|s| match query_for(&s.op, &s.work) {
                Query::Matmul { m, k, .. } => {
                    assert_eq!((m, k % 768), (128, 0), "{}", s.op.name());
                    "matmul"
                }
                Query::Attention { dims, dtype } => {
                    assert!(dims.causal && dims.q_len == 128 && dtype == Dtype::F32);
                    "attention"
                }
                Query::Stream { bytes } => {
                    assert_eq!(bytes, s.work.bytes_read + s.work.bytes_written);
                    "stream"
                }
            })
            .collect();
        assert_eq!(classes.iter().filter(|c| **c == "matmul").count(), 4);
        assert_eq!(classes.iter().filter(|c| **c == "attention").count(), 1);
        assert_eq!(classes.iter().filter(|c| **c == "stream").count(), 7);
    }
}
