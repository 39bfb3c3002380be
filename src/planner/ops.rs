//! One transformer layer as the operations one chip runs, at their real
//! shapes: projections and MLP matmuls, fused attention, and the norms,
//! rotary embedding, activation and residual adds as bandwidth-bound
//! operations; for a mixture of experts the router and the chip's experts.
//! Also the embedding (first pipeline stage) and the output projection and
//! loss (last stage).

use super::cost::{AttentionShape, MatmulShape, MemoryKind, OpCost, Pass, Precision, Timed};
use super::transformer::Transformer;

/// Bytes of one activation element (BF16) outside the matmuls.
pub const ACTIVATION_BYTES: f64 = 2.0;

/// What one operation does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Work {
    /// A matmul whose B operand is a weight.
    Matmul(MatmulShape),
    /// Fused attention.
    Attention(AttentionShape),
    /// A bandwidth-bound operation: bytes moved forward and backward.
    Memory {
        /// What it is, for a cost that times each kind by its own kernel.
        kind: MemoryKind,
        /// Bytes read and written by the forward pass.
        forward_bytes: f64,
        /// Bytes read and written by the backward pass.
        backward_bytes: f64,
    },
}

/// One operation of a layer on one chip, `count` times (a chip's experts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Op {
    /// What people call it, e.g. `qkv projection`.
    pub name: &'static str,
    /// Its shape.
    pub work: Work,
    /// How many identical ones run.
    pub count: f64,
}

/// The share of one micro-batch's work one chip holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slice {
    /// Sequences in the micro-batch (or the inference batch).
    pub sequences: f64,
    /// Queries per sequence on this chip (the sequence ÷ context parallelism; 1 when decoding).
    pub q_len: f64,
    /// Keys per sequence each query sees at most.
    pub kv_len: f64,
    /// Unmasked query-key pairs per sequence and head on this chip.
    pub pairs: f64,
    /// Tensor-parallel degree.
    pub tp: f64,
    /// Expert-parallel degree.
    pub ep: f64,
    /// Activations outside the matmuls are split over the tensor-parallel
    /// group (sequence parallelism, for training); otherwise replicated.
    pub sequence_parallel: bool,
    /// Bytes per element of K and V.
    pub kv_bytes: f64,
}

impl Slice {
    /// Tokens whose matmuls this chip computes.
    pub fn tokens(&self) -> f64 {
        self.sequences * self.q_len
    }

    /// Tokens whose norms and residual adds this chip computes.
    pub fn elementwise_tokens(&self) -> f64 {
        if self.sequence_parallel {
            self.tokens() / self.tp
        } else {
            self.tokens()
        }
    }

    /// Key/value heads on this chip: split over tensor parallelism, or
    /// replicated where there are fewer than the group.
    pub fn kv_heads(&self, model: &Transformer) -> f64 {
        (model.kv_heads() as f64 / self.tp).max(1.0)
    }

    /// Experts of a layer whose weights this chip reads for this micro-batch:
    /// its share of the experts, fewer when few tokens are routed (each
    /// expert is hit with probability 1 − (1 − k/E)^tokens of the group).
    pub fn active_experts(&self, model: &Transformer) -> f64 {
        let (e, k) = (model.experts as f64, model.experts_per_token as f64);
        let tokens_in_group = self.tokens() * self.ep;
        (e / self.ep) * (1.0 - (1.0 - k / e).powf(tokens_in_group))
    }
}

fn matmul(name: &'static str, m: f64, n: f64, k: f64, count: f64) -> Op {
    Op {
        name,
        work: Work::Matmul(MatmulShape { m, n, k }),
        count,
    }
}

/// A bandwidth-bound op of `kind` on `elements` elements per pass: `reads
/// + writes` forward and `backward` element passes backward.
fn memory(name: &'static str, kind: MemoryKind, elements: f64, forward: f64, backward: f64) -> Op {
    Op {
        name,
        work: Work::Memory {
            kind,
            forward_bytes: elements * forward * ACTIVATION_BYTES,
            backward_bytes: elements * backward * ACTIVATION_BYTES,
        },
        count: 1.0,
    }
}

/// A norm over rows of `width` reads x and writes y forward; backward reads
/// x and dy and writes dx.
fn norm(name: &'static str, elements: f64, width: f64) -> Op {
    memory(name, MemoryKind::Norm { width }, elements, 2.0, 3.0)
}

/// A residual add reads two tensors and writes one, both ways.
fn residual(name: &'static str, elements: f64) -> Op {
    memory(name, MemoryKind::Residual, elements, 3.0, 3.0)
}

/// The forward operations of one layer on one chip for one micro-batch.
pub fn layer_ops(model: &Transformer, slice: &Slice) -> Vec<Op> {
    let (h, f) = (model.d_model as f64, model.d_ff as f64);
    let head_dim = model.head_dim() as f64;
    let tokens = slice.tokens();
    let stream = slice.elementwise_tokens() * h;
    let q_heads = model.heads as f64 / slice.tp;
    let kv_heads = slice.kv_heads(model);
    let mut ops = vec![
        norm("attention norm", stream, h),
        matmul(
            "qkv projection",
            tokens,
            (q_heads + 2.0 * kv_heads) * head_dim,
            h,
            1.0,
        ),
    ];
    if !model.learned_positions {
        // Rotary embedding rewrites Q and K; its backward rotates their gradients.
        let elements = tokens * (q_heads + kv_heads) * head_dim;
        ops.push(memory(
            "rotary embedding",
            MemoryKind::Other,
            elements,
            2.0,
            2.0,
        ));
    }
    ops.push(Op {
        name: "attention",
        work: Work::Attention(AttentionShape {
            sequences: slice.sequences,
            q_heads,
            kv_heads,
            head_dim,
            q_len: slice.q_len,
            kv_len: slice.kv_len,
            pairs: slice.pairs,
            kv_bytes: slice.kv_bytes,
        }),
        count: 1.0,
    });
    ops.push(matmul(
        "output projection",
        tokens,
        h,
        q_heads * head_dim,
        1.0,
    ));
    ops.push(residual("attention residual", stream));
    ops.push(norm("mlp norm", stream, h));
    let up_width = if model.gated_mlp { 2.0 } else { 1.0 } * f / slice.tp;
    // Gated: read gate and up, write their product; backward reads both and
    // the gradient, writes two gradients. Plain: read one, write one.
    let (act_forward, act_backward) = if model.gated_mlp {
        (3.0, 5.0)
    } else {
        (2.0, 3.0)
    };
    let routed_tokens = tokens * model.experts_per_token as f64;
    if model.is_moe() {
        let experts = slice.active_experts(model);
        let per_expert = routed_tokens / experts;
        ops.push(matmul(
            "router",
            slice.elementwise_tokens(),
            model.experts as f64,
            h,
            1.0,
        ));
        ops.push(matmul("expert up", per_expert, up_width, h, experts));
        ops.push(memory(
            "expert activation",
            MemoryKind::Activation,
            routed_tokens * f / slice.tp,
            act_forward,
            act_backward,
        ));
        ops.push(matmul("expert down", per_expert, h, f / slice.tp, experts));
    } else {
        ops.push(matmul("mlp up", tokens, up_width, h, 1.0));
        ops.push(memory(
            "mlp activation",
            MemoryKind::Activation,
            tokens * f / slice.tp,
            act_forward,
            act_backward,
        ));
        ops.push(matmul("mlp down", tokens, h, f / slice.tp, 1.0));
    }
    ops.push(residual("mlp residual", stream));
    ops
}

/// Whether selective recomputation drops this op's output and runs it
/// again in the backward pass (the norms and the MLP activation: see
/// [`super::memory::Recompute::Selective`]).
pub fn recomputed_when_selective(op: &Op) -> bool {
    matches!(
        op.name,
        "attention norm" | "mlp norm" | "mlp activation" | "expert activation"
    )
}

/// The first stage's extra work: the embedding lookup (and its gradient's scatter-add).
pub fn embedding_ops(model: &Transformer, slice: &Slice) -> Vec<Op> {
    let stream = slice.elementwise_tokens() * model.d_model as f64;
    vec![memory("embedding", MemoryKind::Other, stream, 2.0, 2.0)]
}

/// The last stage's extra work: the final norm, the vocabulary-parallel
/// output projection over `tokens` tokens, and (training) the loss over the logits.
pub fn head_ops(model: &Transformer, slice: &Slice, tokens: f64, loss: bool) -> Vec<Op> {
    let h = model.d_model as f64;
    let vocab = model.vocab as f64 / slice.tp;
    let mut ops = vec![
        norm("final norm", slice.elementwise_tokens() * h, h),
        matmul("logits", tokens, vocab, h, 1.0),
    ];
    if loss {
        // Softmax cross-entropy reads the logits forward; backward reads them
        // again and writes their gradient.
        ops.push(memory("loss", MemoryKind::Other, tokens * vocab, 1.0, 2.0));
    }
    ops
}

/// The time of an op's forward pass on `cost`.
pub fn forward_time(op: &Op, cost: &dyn OpCost, precision: Precision) -> Timed {
    let mut timed = match &op.work {
        Work::Matmul(shape) => cost.matmul(shape, precision),
        Work::Attention(shape) => cost.attention(shape, Pass::Forward),
        Work::Memory {
            kind,
            forward_bytes,
            ..
        } => cost.memory_bound(*kind, *forward_bytes),
    };
    timed.seconds *= op.count;
    timed
}

/// The time of an op's backward pass: a matmul's input gradient
/// (dY·Wᵀ, m×k from n) and weight gradient (Xᵀ·dY, k×n from m), twice its
/// forward FLOPs; attention's backward; a bandwidth-bound op's backward bytes.
/// Returns one [`Timed`] per kernel, so each keeps its source.
pub fn backward_times(op: &Op, cost: &dyn OpCost, precision: Precision) -> Vec<Timed> {
    let mut times = match &op.work {
        Work::Matmul(s) => vec![
            cost.matmul(
                &MatmulShape {
                    m: s.m,
                    n: s.k,
                    k: s.n,
                },
                precision,
            ),
            cost.matmul(
                &MatmulShape {
                    m: s.k,
                    n: s.n,
                    k: s.m,
                },
                precision,
            ),
        ],
        Work::Attention(shape) => vec![cost.attention(shape, Pass::Backward)],
        Work::Memory {
            kind,
            backward_bytes,
            ..
        } => vec![cost.memory_bound(*kind, *backward_bytes)],
    };
    for timed in &mut times {
        timed.seconds *= op.count;
    }
    times
}

/// FLOPs of an op's forward pass (attention as its unmasked pairs).
pub fn forward_flop(op: &Op) -> f64 {
    op.count
        * match &op.work {
            Work::Matmul(shape) => shape.flop(),
            Work::Attention(shape) => shape.flop(Pass::Forward),
            Work::Memory { .. } => 0.0,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::transformer::resolve;

    fn training_slice(seq: f64, tp: f64) -> Slice {
        Slice {
            sequences: 1.0,
            q_len: seq,
            kv_len: seq,
            pairs: seq * seq,
            tp,
            ep: 1.0,
            sequence_parallel: true,
            kv_bytes: 2.0,
        }
    }

    #[test]
    fn a_layers_matmul_flops_are_two_per_token_per_weight() {
        // The matmuls of one layer do 2 FLOPs per weight per token, split over tp.
        for name in ["gpt3-175b", "llama3-70b", "mixtral-8x7b"] {
            let model = resolve(name).unwrap();
            for tp in [1.0, 8.0] {
                let slice = training_slice(4096.0, tp);
                let matmul_flop: f64 = layer_ops(&model, &slice)
                    .iter()
                    .filter(|op| matches!(op.work, Work::Matmul(_)))
                    .map(forward_flop)
                    .sum();
                let per_layer = (model.active_matmul_params() - model.vocab * model.d_model) as f64
                    / model.layers as f64;
                let expected = 2.0 * per_layer * 4096.0 / tp;
                // The router runs on each chip's sequence-parallel share, so it
                // alone is split over tp; it is a 1e-4 share of the layer.
                assert!(
                    (matmul_flop / expected - 1.0).abs() < 1e-3,
                    "{name} tp {tp}: {matmul_flop:e} vs {expected:e}"
                );
            }
        }
    }

    #[test]
    fn attention_flops_are_four_per_pair_per_head_dimension() {
        let model = resolve("llama3-8b").unwrap();
        let slice = training_slice(8192.0, 1.0);
        let attention = layer_ops(&model, &slice)
            .into_iter()
            .find(|op| op.name == "attention")
            .unwrap();
        assert_eq!(forward_flop(&attention), 4.0 * 8192.0 * 8192.0 * 4096.0);
    }

    #[test]
    fn few_decode_tokens_touch_few_experts() {
        let mixtral = resolve("mixtral-8x7b").unwrap();
        let one_token = Slice {
            q_len: 1.0,
            ..training_slice(1.0, 1.0)
        };
        assert!((one_token.active_experts(&mixtral) - 2.0).abs() < 1e-9);
        let many = training_slice(4096.0, 1.0);
        assert!((many.active_experts(&mixtral) - 8.0).abs() < 1e-9);
    }
}
