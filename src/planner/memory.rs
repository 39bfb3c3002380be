//! Bytes per chip: weights, gradients, optimizer state (sharded by ZeRO)
//! and the activations a layer keeps for its backward pass (Korthikanti et
//! al. 2022, "Reducing Activation Recomputation in Large Transformer
//! Models", with sequence parallelism and fused attention).

use std::fmt;

use serde::Serialize;

use super::ops::{Slice, ACTIVATION_BYTES};
use super::transformer::Transformer;

/// Bytes per weight kept on the chip (BF16; an FP8 plan keeps BF16 weights
/// and casts them for its matmuls, as Transformer Engine does).
pub const WEIGHT_BYTES: f64 = 2.0;
/// Bytes per gradient: FP32, accumulated over micro-batches and reduced in
/// FP32 (Megatron-LM's main gradients; the Llama 3 paper, §3.3.4).
pub const GRADIENT_BYTES: f64 = 4.0;
/// Bytes of optimizer state per parameter: an FP32 master copy and Adam's
/// two FP32 moments.
pub const OPTIMIZER_BYTES: f64 = 12.0;

/// Activation recomputation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Recompute {
    /// Keep every activation the backward pass needs.
    None,
    /// Recompute the cheap elementwise outputs (both norms and the MLP
    /// activation) from their kept inputs; attention's scores are never kept
    /// by fused attention, which is Korthikanti's selective recomputation.
    Selective,
    /// Keep only each layer's input; run the layer's forward again in the backward.
    Full,
}

impl fmt::Display for Recompute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Recompute::None => "none",
            Recompute::Selective => "selective",
            Recompute::Full => "full",
        })
    }
}

/// Bytes one layer keeps on one chip for one micro-batch until its backward.
///
/// Kept, with sequence parallelism splitting what lies outside the
/// tensor-parallel matmuls: the layer input, the attention norm's output,
/// Q, K and V, attention's output, the residual sum, the MLP norm's output,
/// the MLP's up (and gate) outputs and the activation's output (for a
/// mixture of experts: the dispatched tokens and those per routed token).
/// For a GPT block (d_ff = 4h, no dropout) that is 32·s·b·h/t bytes:
/// Korthikanti's 34·s·b·h/t less the two dropout masks, with no 5·a·s²·b/t
/// because fused attention keeps no scores. Selective drops the norm and
/// activation outputs; full keeps the input alone (2·s·b·h/t).
pub fn activation_bytes_per_layer(model: &Transformer, slice: &Slice, recompute: Recompute) -> f64 {
    let (h, f) = (model.d_model as f64, model.d_ff as f64 / slice.tp);
    let head_dim = model.head_dim() as f64;
    let tokens = slice.tokens();
    let stream = slice.elementwise_tokens() * h;
    let q = tokens * model.heads as f64 / slice.tp * head_dim;
    let kv = 2.0 * tokens * slice.kv_heads(model) * head_dim;
    let up_width = if model.gated_mlp { 2.0 * f } else { f };
    let routed = tokens * model.experts_per_token as f64;
    let (mlp_input, mlp_tokens) = if model.is_moe() {
        (routed * h / slice.tp, routed)
    } else {
        (0.0, tokens)
    };
    let kept_inputs = stream + q + kv + q + stream + mlp_input + mlp_tokens * up_width;
    let recomputable = 2.0 * stream + mlp_tokens * f;
    let elements = match recompute {
        Recompute::None => kept_inputs + recomputable,
        Recompute::Selective => kept_inputs,
        Recompute::Full => stream,
    };
    elements * ACTIVATION_BYTES
}

/// Weights, gradients and optimizer state on one chip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelState {
    /// BF16 weights held (ZeRO-3: the chip's shard plus the layers being gathered).
    pub weights_bytes: f64,
    /// FP32 gradients (ZeRO-2 and 3: the chip's shard).
    pub gradients_bytes: f64,
    /// FP32 master weights and Adam moments (ZeRO-1 and up: the chip's shard).
    pub optimizer_bytes: f64,
}

/// Parameters on one chip, each kind with the data-parallel group its state is sharded over.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LocalParams {
    /// Dense parameters (attention, norms, embeddings, dense MLPs) on this chip.
    pub dense: f64,
    /// Expert parameters on this chip.
    pub expert: f64,
    /// Ranks sharing the dense parameters: dp · cp.
    pub dense_group: u64,
    /// Ranks sharing the expert parameters: dp · cp / ep.
    pub expert_group: u64,
    /// Parameters of the largest layer on this chip (what ZeRO-3 gathers at a time).
    pub largest_layer: f64,
}

impl LocalParams {
    /// Every parameter on the chip.
    pub fn total(&self) -> f64 {
        self.dense + self.expert
    }

    /// `per_param` bytes for each, divided over its group when `sharded`.
    fn bytes(&self, per_param: f64, sharded: bool) -> f64 {
        if sharded {
            per_param
                * (self.dense / self.dense_group as f64 + self.expert / self.expert_group as f64)
        } else {
            per_param * self.total()
        }
    }
}

/// Model state under ZeRO stage `zero`: 1 shards the optimizer state over
/// the data-parallel group, 2 also the gradients, 3 (FSDP) also the weights,
/// which are gathered a layer at a time (two layers held: one in use, one prefetched).
pub fn model_state(params: &LocalParams, zero: u8) -> ModelState {
    let gathered = if zero >= 3 {
        2.0 * params.largest_layer * WEIGHT_BYTES
    } else {
        0.0
    };
    ModelState {
        weights_bytes: params.bytes(WEIGHT_BYTES, zero >= 3) + gathered,
        gradients_bytes: params.bytes(GRADIENT_BYTES, zero >= 2),
        optimizer_bytes: params.bytes(OPTIMIZER_BYTES, zero >= 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::transformer::resolve;

    fn slice(seq: f64, batch: f64, tp: f64) -> Slice {
        Slice {
            sequences: batch,
            q_len: seq,
            kv_len: seq,
            pairs: seq * seq / 2.0,
            tp,
            ep: 1.0,
            sequence_parallel: true,
            kv_bytes: 2.0,
        }
    }

    /// Korthikanti et al. 2022, per layer with tensor and sequence
    /// parallelism: none 34·s·b·h/t + 5·a·s²·b/t; selective 34·s·b·h/t; full 2·s·b·h/t.
    fn korthikanti(s: f64, b: f64, h: f64, a: f64, t: f64, recompute: Recompute) -> f64 {
        match recompute {
            Recompute::None => 34.0 * s * b * h / t + 5.0 * a * s * s * b / t,
            Recompute::Selective => 34.0 * s * b * h / t,
            Recompute::Full => 2.0 * s * b * h / t,
        }
    }

    #[test]
    fn a_gpt_layer_keeps_korthikantis_bytes_less_dropout_and_scores() {
        let gpt3 = resolve("gpt3-175b").unwrap();
        let (s, b, h, a, t) = (2048.0, 1.0, 12288.0, 96.0, 8.0);
        let ours = activation_bytes_per_layer(&gpt3, &slice(s, b, t), Recompute::None);
        let dropout_masks = 2.0 * s * b * h / t;
        let scores = 5.0 * a * s * s * b / t;
        let paper = korthikanti(s, b, h, a, t, Recompute::None);
        assert_eq!(ours, paper - dropout_masks - scores);
        assert_eq!(ours, 32.0 * s * b * h / t);
        let full = activation_bytes_per_layer(&gpt3, &slice(s, b, t), Recompute::Full);
        assert_eq!(full, korthikanti(s, b, h, a, t, Recompute::Full));
        // Selective: the two norm outputs (2sbh/t each) and GeLU's output
        // (8sbh/t) recomputed.
        let selective = activation_bytes_per_layer(&gpt3, &slice(s, b, t), Recompute::Selective);
        assert_eq!(selective, ours - 12.0 * s * b * h / t);
    }

    #[test]
    fn a_llama_layer_counts_grouped_query_and_gated_tensors() {
        // Llama 3 405B, s = 8192, b = 1, t = 8: per token (12h + 4·d_kv + 6·d_ff)/t bytes.
        let llama = resolve("llama3-405b").unwrap();
        let per_token = (12.0 * 16384.0 + 4.0 * 1024.0 + 6.0 * 53248.0) / 8.0;
        let ours = activation_bytes_per_layer(&llama, &slice(8192.0, 1.0, 8.0), Recompute::None);
        assert_eq!(ours, 8192.0 * per_token);
    }

    #[test]
    fn zero_shards_optimizer_then_gradients_then_weights() {
        let params = LocalParams {
            dense: 1e9,
            expert: 0.0,
            dense_group: 4,
            expert_group: 4,
            largest_layer: 1e8,
        };
        let z0 = model_state(&params, 0);
        assert_eq!(
            (z0.weights_bytes, z0.gradients_bytes, z0.optimizer_bytes),
            (2e9, 4e9, 12e9)
        );
        let z1 = model_state(&params, 1);
        assert_eq!(z1.optimizer_bytes, 3e9);
        assert_eq!(model_state(&params, 2).gradients_bytes, 1e9);
        let z3 = model_state(&params, 3);
        assert_eq!(z3.weights_bytes, 0.5e9 + 2.0 * 1e8 * 2.0);
    }
}
