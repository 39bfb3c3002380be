//! One layer of the block as the stages it runs, each with the operation a
//! per-op predictor times it as (a matmul, attention, or one of the small
//! kernels measured alone, `parts`) and the work it does. The block's work is the sum
//! of its stages' over its layers, so the two can never disagree.

use super::parts::{elementwise_case, Elementwise};
use crate::case::{Case, Work};
use crate::reference::BlockDims;
use crate::reference::BlockPart;
use crate::workloads::attention::attention_work;
use crate::workloads::{attention_case, matmul_case, Matmul, Workload};

/// A stage of one layer, in the order the layer runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// LayerNorm before attention.
    LayerNorm1,
    /// The Q, K, V projection (a matmul).
    Qkv,
    /// Q, K, V plus bias, split into heads and into the KV cache.
    SplitHeads,
    /// Causal attention (fused prefill, or decode over the cache).
    Attention,
    /// Heads merged back into token rows.
    MergeHeads,
    /// The output projection (a matmul).
    OutProjection,
    /// Residual plus the output projection and its bias.
    Residual1,
    /// LayerNorm before the MLP.
    LayerNorm2,
    /// The MLP's up projection (a matmul).
    UpProjection,
    /// Its bias and GELU.
    Gelu,
    /// The MLP's down projection (a matmul).
    DownProjection,
    /// Residual plus the down projection and its bias.
    Residual2,
}

impl Step {
    /// Every stage of a layer, in order.
    pub const ALL: [Step; 12] = [
        Step::LayerNorm1,
        Step::Qkv,
        Step::SplitHeads,
        Step::Attention,
        Step::MergeHeads,
        Step::OutProjection,
        Step::Residual1,
        Step::LayerNorm2,
        Step::UpProjection,
        Step::Gelu,
        Step::DownProjection,
        Step::Residual2,
    ];

    /// The stage's name in reports (its time is the sum over layers).
    pub fn name(self) -> &'static str {
        match self {
            Step::LayerNorm1 => "ln1",
            Step::Qkv => "qkv",
            Step::SplitHeads => "split_heads",
            Step::Attention => "attention",
            Step::MergeHeads => "merge_heads",
            Step::OutProjection => "out_proj",
            Step::Residual1 => "residual1",
            Step::LayerNorm2 => "ln2",
            Step::UpProjection => "up_proj",
            Step::Gelu => "gelu",
            Step::DownProjection => "down_proj",
            Step::Residual2 => "residual2",
        }
    }
}

/// One stage of a layer: what it is, the operation that stands for it (op
/// kind and shape, as a case of the workload a profile times: `matmul`,
/// `attention` or `attention_decode`, or the small kernel's own
/// `elementwise_*` workload), and its work (matmuls 2·M·N·K FLOPs,
/// attention 4·d per unmasked pair and head, elementwise stages bytes only).
#[derive(Debug, Clone, PartialEq)]
pub struct BlockStage {
    /// Which stage.
    pub step: Step,
    /// The operation a per-op predictor times for it.
    pub op: Case,
    /// Its work per layer.
    pub work: Work,
}

/// A stage run by the small kernel `part` over `s` rows of `width` floats.
fn elementwise(step: Step, part: BlockPart, s: usize, width: usize) -> BlockStage {
    let op = elementwise_case(part, s, width);
    BlockStage {
        step,
        work: Elementwise(part).work(&op),
        op,
    }
}

/// A matmul stage of `m × n × k`.
fn matmul(step: Step, m: usize, n: usize, k: usize) -> BlockStage {
    let op = matmul_case(crate::case::Dtype::F32, m as u64, n as u64, k as u64);
    BlockStage {
        step,
        work: Matmul.work(&op),
        op,
    }
}

/// The stages of one layer of `dims`, in order.
pub fn block_stages(dims: &BlockDims) -> Vec<BlockStage> {
    let (s, d, ff) = (dims.tokens, dims.d_model, dims.d_ff);
    let attention = {
        let family = match dims.tokens {
            1 => "attention_decode",
            _ => "attention",
        };
        let op = attention_case(family, crate::case::Dtype::F32, dims.attention());
        BlockStage {
            step: Step::Attention,
            work: attention_work(&op),
            op,
        }
    };
    Step::ALL
        .into_iter()
        .map(|step| match step {
            Step::LayerNorm1 | Step::LayerNorm2 => elementwise(step, BlockPart::LayerNorm, s, d),
            Step::Qkv => matmul(step, s, 3 * d, d),
            // Q, K and V plus their bias copied into heads: timed as
            // merging heads the other way round, over three times the columns.
            Step::SplitHeads => {
                let mut stage = elementwise(step, BlockPart::MergeHeads, s, 3 * d);
                stage.work.bytes_read += 3 * d as u64 * 4;
                stage
            }
            Step::Attention => attention.clone(),
            Step::MergeHeads => elementwise(step, BlockPart::MergeHeads, s, d),
            Step::OutProjection => matmul(step, s, d, d),
            Step::Residual1 | Step::Residual2 => elementwise(step, BlockPart::BiasResidual, s, d),
            Step::UpProjection => matmul(step, s, ff, d),
            Step::Gelu => elementwise(step, BlockPart::BiasGelu, s, ff),
            Step::DownProjection => matmul(step, s, d, ff),
        })
        .collect()
}

/// The work of the whole stack: its stages' work, summed, times its layers.
pub fn block_work(dims: &BlockDims) -> Work {
    let layers = dims.layers as u64;
    let stages = block_stages(dims);
    Work {
        flop: layers as f64 * stages.iter().map(|s| s.work.flop).sum::<f64>(),
        bytes_read: layers * stages.iter().map(|s| s.work.bytes_read).sum::<u64>(),
        bytes_written: layers * stages.iter().map(|s| s.work.bytes_written).sum::<u64>(),
    }
}
