//! One forward pass of a whole model on one chip of a tensor-parallel
//! group, as the operations it runs and the predicted time of each: what an
//! inference plan sums into time to first token and inter-token latency,
//! and what a measured composed workload (the `block` check) can be held
//! against op by op.

use serde::Serialize;

use super::cost::{Ledger, MemoryKind, OpCost, Precision, Timed};
use super::ops::{
    embedding_ops, forward_flop, forward_time, head_ops, layer_ops, Op, Slice, Work,
    ACTIVATION_BYTES,
};
use super::parallel::{link_for, ring_all_reduce_bytes};
use super::transformer::Transformer;
use super::PlanError;

/// The tokens of one forward pass: `sequences` each adding `new_tokens`
/// after `cached_tokens` already in the KV cache. A prefill has none
/// cached; a decode step adds one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ForwardShape {
    /// Sequences in the batch.
    pub sequences: u64,
    /// Tokens each sequence adds in this pass (the prompt, or 1 when decoding).
    pub new_tokens: u64,
    /// Tokens each sequence has in the KV cache before the pass.
    pub cached_tokens: f64,
}

impl ForwardShape {
    /// What one chip of `tp` holds of this pass, K and V stored in `kv_bytes` per element.
    pub fn slice(&self, tp: u64, kv_bytes: f64) -> Slice {
        let (q, cached) = (self.new_tokens as f64, self.cached_tokens);
        Slice {
            sequences: self.sequences as f64,
            q_len: q,
            kv_len: cached + q,
            // Causal: the i-th new token sees the cache and the i new tokens up to itself.
            pairs: q * cached + q * (q + 1.0) / 2.0,
            tp: tp as f64,
            ep: 1.0,
            sequence_parallel: false,
            kv_bytes,
        }
    }
}

/// What bounds an operation's kind of work, as a plan's chart groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// A matrix multiplication.
    Matmul,
    /// Fused attention.
    Attention,
    /// Norms, activations, residual adds, the KV cache write: bytes moved.
    MemoryBound,
    /// A collective between chips.
    Communication,
}

impl OpKind {
    /// Every kind, in the order charts stack them.
    pub const ALL: [OpKind; 4] = [
        OpKind::Matmul,
        OpKind::Attention,
        OpKind::MemoryBound,
        OpKind::Communication,
    ];

    /// `matmul`, `attention`, `memory-bound`, `communication`.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Matmul => "matmul",
            OpKind::Attention => "attention",
            OpKind::MemoryBound => "memory-bound",
            OpKind::Communication => "communication",
        }
    }

    fn of(work: &Work) -> OpKind {
        match work {
            Work::Matmul(_) => OpKind::Matmul,
            Work::Attention(_) => OpKind::Attention,
            Work::Memory { .. } => OpKind::MemoryBound,
        }
    }
}

/// One operation of a forward pass, over all the layers it runs in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpTime {
    /// What people call it, e.g. `qkv projection`.
    pub name: String,
    /// Its kind of work.
    pub kind: OpKind,
    /// How many times it runs in the pass (layers × identical copies).
    pub runs: f64,
    /// FLOPs of all its runs on this chip (0 for bandwidth-bound ops).
    pub flop: f64,
    /// Predicted seconds of all its runs, where they came from, and notes.
    pub time: Timed,
}

/// Every operation of one forward pass of `model` on one chip of a
/// `chips`-way tensor-parallel group, in the order they run, each with its
/// predicted time; logits are computed for `head_tokens` tokens (the last
/// of each sequence when serving).
pub fn forward_pass(
    model: &Transformer,
    cost: &dyn OpCost,
    shape: &ForwardShape,
    head_tokens: f64,
    chips: u64,
    precision: Precision,
    kv_bytes: f64,
) -> Result<Vec<OpTime>, PlanError> {
    let slice = shape.slice(chips, kv_bytes);
    let layers = model.layers as f64;
    let timed = |op: &Op, runs: f64| OpTime {
        name: op.name.to_string(),
        kind: OpKind::of(&op.work),
        runs: runs * op.count,
        flop: forward_flop(op) * runs,
        time: scaled(forward_time(op, cost, precision), runs),
    };
    let mut ops: Vec<OpTime> = embedding_ops(model, &slice)
        .iter()
        .map(|op| timed(op, 1.0))
        .collect();
    ops.extend(layer_ops(model, &slice).iter().map(|op| timed(op, layers)));
    // The KV cache written for the new tokens.
    let cache =
        slice.tokens() * 2.0 * slice.kv_heads(model) * model.head_dim() as f64 * slice.kv_bytes;
    ops.push(OpTime {
        name: "kv cache write".into(),
        kind: OpKind::MemoryBound,
        runs: layers,
        flop: 0.0,
        time: scaled(cost.memory_bound(MemoryKind::Other, cache), layers),
    });
    if chips > 1 {
        // Without sequence parallelism: an all-reduce after attention and after the MLP.
        let facts = cost.chip();
        let link = link_for(chips, facts.chips_per_node);
        facts.require_link(link, "tensor-parallel")?;
        let bytes = ring_all_reduce_bytes(
            chips,
            slice.tokens() * model.d_model as f64 * ACTIVATION_BYTES,
        );
        ops.push(OpTime {
            name: "tensor-parallel all-reduce".into(),
            kind: OpKind::Communication,
            runs: 2.0 * layers,
            flop: 0.0,
            time: scaled(cost.transfer(link, bytes), 2.0 * layers),
        });
    }
    ops.extend(
        head_ops(model, &slice, head_tokens, false)
            .iter()
            .map(|op| timed(op, 1.0)),
    );
    Ok(ops)
}

/// `timed` run `times` times.
fn scaled(mut timed: Timed, times: f64) -> Timed {
    timed.seconds *= times;
    timed
}

/// The pass's seconds by item and source, and the FLOPs one chip does.
pub fn ledger_of(ops: &[OpTime]) -> (Ledger, f64) {
    let mut ledger = Ledger::default();
    for op in ops {
        ledger.add(&op.name, &op.time, 1.0);
    }
    (ledger, ops.iter().map(|op| op.flop).sum())
}

/// Seconds of `ops` by kind, in [`OpKind::ALL`]'s order, kinds without time left out.
pub fn seconds_by_kind(ops: &[OpTime]) -> Vec<(OpKind, f64)> {
    OpKind::ALL
        .into_iter()
        .map(|kind| {
            let seconds = ops
                .iter()
                .filter(|op| op.kind == kind)
                .map(|op| op.time.seconds)
                .sum();
            (kind, seconds)
        })
        .filter(|(_, seconds)| *seconds > 0.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::fixture::test_chip;
    use crate::planner::transformer::resolve;

    #[test]
    fn a_prefill_pass_lists_every_op_once_with_its_runs_and_time() {
        let model = resolve("gpt2-124m").unwrap();
        let shape = ForwardShape {
            sequences: 2,
            new_tokens: 256,
            cached_tokens: 0.0,
        };
        let ops = forward_pass(&model, &test_chip(), &shape, 2.0, 1, Precision::Bf16, 2.0).unwrap();
        let names: Vec<&str> = ops.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names.first(), Some(&"embedding"));
        assert_eq!(names.last(), Some(&"logits"));
        let qkv = ops.iter().find(|o| o.name == "qkv projection").unwrap();
        assert_eq!(qkv.runs, 12.0);
        // 2 FLOPs per weight per token: 512 tokens × 768 × 2304 weights, 12 layers.
        assert_eq!(qkv.flop, 12.0 * 2.0 * 512.0 * 768.0 * 2304.0);
        assert!(qkv.time.seconds > 0.0);
        let attention = ops.iter().find(|o| o.name == "attention").unwrap();
        // Causal pairs: 256·257/2 per sequence and head, 4 FLOPs per pair per head dimension.
        let pairs = 256.0 * 257.0 / 2.0;
        assert_eq!(attention.flop, 12.0 * 4.0 * 2.0 * 12.0 * 64.0 * pairs);
        assert!(!names.contains(&"tensor-parallel all-reduce"));
    }

    #[test]
    fn a_decode_step_sees_the_cache_and_itself() {
        let shape = ForwardShape {
            sequences: 1,
            new_tokens: 1,
            cached_tokens: 512.0,
        };
        let slice = shape.slice(1, 2.0);
        assert_eq!(
            (slice.q_len, slice.kv_len, slice.pairs),
            (1.0, 513.0, 513.0)
        );
    }
}
