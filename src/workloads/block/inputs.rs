//! The block's seeded inputs: the residual stream it starts from and every
//! layer's parameters and KV cache, in magnitudes that keep LayerNorm and
//! GELU well conditioned (as a trained GPT-2's are): projections drawn in
//! ±1/√fan-in, so that a projection of unit-variance rows has variance 1/3;
//! biases in ±0.1; LayerNorm gains in 1 ± 0.1 and biases in ±0.1; the
//! cache's keys and values in ±1, the spread the projections give them.

use crate::reference::{BlockDims, BlockInputs, LayerWeights};
use crate::workloads::seeded_uniform;

/// Seeded values per layer: the streams each layer draws from are
/// `STREAMS_PER_LAYER · (layer + 1) + i`.
const STREAMS_PER_LAYER: u64 = 16;

/// `len` values of stream `stream` of `seed`, scaled by `scale` and shifted by `shift`.
fn drawn(seed: u64, stream: u64, len: usize, scale: f32, shift: f32) -> Vec<f32> {
    seeded_uniform(seed, stream, len)
        .into_iter()
        .map(|x| shift + scale * x)
        .collect()
}

/// The inputs of a block case of `dims`, drawn from `seed`.
pub fn block_inputs(dims: &BlockDims, seed: u64) -> BlockInputs {
    let (s, d, ff) = (dims.tokens, dims.d_model, dims.d_ff);
    let cache = dims.heads * dims.past() * dims.head_dim();
    let layers = (0..dims.layers as u64)
        .map(|layer| {
            let base = STREAMS_PER_LAYER * (layer + 1);
            let draw = |i: u64, len: usize, scale: f32, shift: f32| {
                drawn(seed, base + i, len, scale, shift)
            };
            let projection = |i: u64, fan_in: usize, fan_out: usize| {
                draw(i, fan_in * fan_out, 1.0 / (fan_in as f32).sqrt(), 0.0)
            };
            LayerWeights {
                ln1: [draw(0, d, 0.1, 1.0), draw(1, d, 0.1, 0.0)],
                qkv: projection(2, d, 3 * d),
                qkv_bias: draw(3, 3 * d, 0.1, 0.0),
                out: projection(4, d, d),
                out_bias: draw(5, d, 0.1, 0.0),
                ln2: [draw(6, d, 0.1, 1.0), draw(7, d, 0.1, 0.0)],
                up: projection(8, d, ff),
                up_bias: draw(9, ff, 0.1, 0.0),
                down: projection(10, ff, d),
                down_bias: draw(11, d, 0.1, 0.0),
                past_kv: [draw(12, cache, 1.0, 0.0), draw(13, cache, 1.0, 0.0)],
            }
        })
        .collect();
    BlockInputs {
        x: drawn(seed, 0, s * d, 1.0, 0.0),
        layers,
    }
}
