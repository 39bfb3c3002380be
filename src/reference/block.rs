//! Transformer block reference: the forward pass of a stack of GPT-2 style
//! layers (pre-LayerNorm; causal multi-head attention over a KV cache; an
//! MLP with GELU; residual adds), written once over the precision it runs
//! in: f64 is the reference, f32 the naive same-precision implementation
//! whose error sets the tolerance, as for attention (FlashAttention's
//! tests accept twice the error of a naive implementation in the kernel's
//! precision against an upcast reference). Errors compound over the layers
//! in both the same way, so the tolerance grows with the stack by itself.
//!
//! Large cases compare sampled token rows of the output: the last layer
//! computes its attention, projections and MLP only for those rows (every
//! layer before it, and the last layer's K and V, need every row).

use std::ops::{Add, AddAssign, Div, Mul, Sub};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::attention::exp_allowance;
use super::gemm::{gemm_into, GemmElement};
use super::{within_twice_naive, AttentionDims, Method, Verification};

/// Most token rows checked in full; above it, sampled rows.
const FULL_CHECK_MAX_ROWS: usize = 32;

/// Token rows a sampled check compares (besides the first and the last).
const SAMPLED_ROWS: usize = 14;

/// LayerNorm's ε (GPT-2's).
pub const LAYER_NORM_EPSILON: f64 = 1e-5;

/// The shape of a block case: a stack of `layers` layers over `tokens` new
/// token rows, each attending to `kv_len` keys (the KV cache's `kv_len −
/// tokens` earlier rows, then the new ones, causally), batch 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockDims {
    /// Layers in the stack.
    pub layers: usize,
    /// Token rows computed (the prompt in prefill, 1 in decode).
    pub tokens: usize,
    /// Keys each head holds once the tokens are in: the cache plus the tokens.
    pub kv_len: usize,
    /// Width of the residual stream.
    pub d_model: usize,
    /// Attention heads (each d_model / heads wide).
    pub heads: usize,
    /// Width of the MLP's hidden layer.
    pub d_ff: usize,
}

impl BlockDims {
    /// Width of one head.
    pub fn head_dim(&self) -> usize {
        self.d_model / self.heads
    }

    /// Rows of the KV cache before this operation's tokens.
    pub fn past(&self) -> usize {
        self.kv_len - self.tokens
    }

    /// The attention one layer runs: causal (bottom-right), one K/V head
    /// per query head.
    pub fn attention(&self) -> AttentionDims {
        AttentionDims {
            batch: 1,
            q_heads: self.heads,
            kv_heads: self.heads,
            q_len: self.tokens,
            kv_len: self.kv_len,
            head_dim: self.head_dim(),
            causal: true,
        }
    }
}

/// One layer's parameters and its KV cache, row-major, as the kernels saw them.
#[derive(Debug, Clone)]
pub struct LayerWeights {
    /// Gain and bias of the LayerNorm before attention (d_model each).
    pub ln1: [Vec<f32>; 2],
    /// Q, K and V projections side by side, d_model × 3·d_model.
    pub qkv: Vec<f32>,
    /// Their bias, 3·d_model.
    pub qkv_bias: Vec<f32>,
    /// The output projection, d_model × d_model.
    pub out: Vec<f32>,
    /// Its bias.
    pub out_bias: Vec<f32>,
    /// Gain and bias of the LayerNorm before the MLP.
    pub ln2: [Vec<f32>; 2],
    /// The up projection, d_model × d_ff.
    pub up: Vec<f32>,
    /// Its bias.
    pub up_bias: Vec<f32>,
    /// The down projection, d_ff × d_model.
    pub down: Vec<f32>,
    /// Its bias.
    pub down_bias: Vec<f32>,
    /// The cache's earlier keys and values, heads × past × head_dim each.
    pub past_kv: [Vec<f32>; 2],
}

/// The residual stream a block starts from (tokens × d_model) and its layers.
#[derive(Debug, Clone)]
pub struct BlockInputs {
    /// The input rows.
    pub x: Vec<f32>,
    /// Every layer's parameters.
    pub layers: Vec<LayerWeights>,
}

/// A precision the forward pass runs in.
trait Real:
    GemmElement
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + AddAssign
    + PartialOrd
{
    fn of(x: f64) -> Self;
    fn wide(self) -> f64;
    fn exp(self) -> Self;
    fn tanh(self) -> Self;
    fn sqrt(self) -> Self;
}

macro_rules! real {
    ($t:ty) => {
        impl Real for $t {
            fn of(x: f64) -> Self {
                x as $t
            }
            fn wide(self) -> f64 {
                self as f64
            }
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
        }
    };
}
real!(f32);
real!(f64);

fn widen<R: Real>(values: &[f32]) -> Vec<R> {
    values.iter().map(|&x| R::of(f64::from(x))).collect()
}

/// `a` (m × k) times `b` (k × n, f32 weights) plus `bias` (n), in R.
fn project<R: Real>(a: &[R], b: &[f32], bias: &[f32], m: usize, k: usize) -> Vec<R> {
    let n = bias.len();
    let mut c = vec![R::ZERO; m * n];
    gemm_into(a, &widen::<R>(b), &mut c, m, n, k);
    for row in c.chunks_mut(n) {
        for (x, &b) in row.iter_mut().zip(bias) {
            *x += R::of(f64::from(b));
        }
    }
    c
}

/// Each row of `x` normalized, times `gain`, plus `bias`.
fn layer_norm<R: Real>(x: &[R], [gain, bias]: &[Vec<f32>; 2]) -> Vec<R> {
    let width = gain.len();
    let n = R::of(width as f64);
    let epsilon = R::of(LAYER_NORM_EPSILON);
    x.chunks(width)
        .flat_map(|row| {
            let mean = row.iter().fold(R::ZERO, |s, &v| s + v) / n;
            let variance = row
                .iter()
                .fold(R::ZERO, |s, &v| s + (v - mean) * (v - mean))
                / n;
            let scale = R::ONE / (variance + epsilon).sqrt();
            row.iter()
                .zip(gain.iter().zip(bias))
                .map(move |(&v, (&g, &b))| {
                    (v - mean) * scale * R::of(f64::from(g)) + R::of(f64::from(b))
                })
        })
        .collect()
}

/// GELU, the tanh form GPT-2 uses.
fn gelu<R: Real>(x: R) -> R {
    let inner = R::of((2.0 / std::f64::consts::PI).sqrt()) * (x + R::of(0.044715) * x * x * x);
    R::of(0.5) * x * (R::ONE + inner.tanh())
}

/// Causal attention of token rows `rows` over every key, heads merged back
/// into rows of d_model: `qkv` holds every token's Q, K and V side by side;
/// keys before the tokens come from the cache.
fn attend<R: Real>(dims: &BlockDims, qkv: &[R], past_kv: &[Vec<f32>; 2], rows: &[usize]) -> Vec<R> {
    let (d, hd, past) = (dims.d_model, dims.head_dim(), dims.past());
    let scale = R::of(1.0 / (hd as f64).sqrt());
    let cache = [widen::<R>(&past_kv[0]), widen::<R>(&past_kv[1])];
    let mut out = vec![R::ZERO; rows.len() * d];
    for (r, &t) in rows.iter().enumerate() {
        for h in 0..dims.heads {
            // Key (which 0) or value (1) j of head h.
            let kv = |which: usize, j: usize| -> &[R] {
                match j < past {
                    true => &cache[which][(h * past + j) * hd..][..hd],
                    false => &qkv[(j - past) * 3 * d + (which + 1) * d + h * hd..][..hd],
                }
            };
            let q = &qkv[t * 3 * d + h * hd..][..hd];
            let scores: Vec<R> = (0..=past + t)
                .map(|j| {
                    q.iter()
                        .zip(kv(0, j))
                        .fold(R::ZERO, |s, (&a, &b)| s + a * b)
                        * scale
                })
                .collect();
            let max = scores
                .iter()
                .copied()
                .fold(scores[0], |m, s| if s > m { s } else { m });
            let weights: Vec<R> = scores.iter().map(|&s| (s - max).exp()).collect();
            let sum = weights.iter().fold(R::ZERO, |s, &w| s + w);
            let o = &mut out[r * d + h * hd..][..hd];
            for (j, &w) in weights.iter().enumerate() {
                let p = w / sum;
                for (o, &v) in o.iter_mut().zip(kv(1, j)) {
                    *o += p * v;
                }
            }
        }
    }
    out
}

/// One layer over the residual stream `x` (every token row), returning the
/// next stream at token rows `rows`.
fn layer<R: Real>(dims: &BlockDims, w: &LayerWeights, x: &[R], rows: &[usize]) -> Vec<R> {
    let (d, ff, tokens) = (dims.d_model, dims.d_ff, dims.tokens);
    let n = rows.len();
    let qkv = project(&layer_norm(x, &w.ln1), &w.qkv, &w.qkv_bias, tokens, d);
    let attended = attend(dims, &qkv, &w.past_kv, rows);
    let projected = project(&attended, &w.out, &w.out_bias, n, d);
    let mut stream: Vec<R> = rows
        .iter()
        .flat_map(|&t| &x[t * d..][..d])
        .zip(projected)
        .map(|(&x, o)| x + o)
        .collect();
    let hidden: Vec<R> = project(&layer_norm(&stream, &w.ln2), &w.up, &w.up_bias, n, d)
        .into_iter()
        .map(gelu)
        .collect();
    let down = project(&hidden, &w.down, &w.down_bias, n, ff);
    for (s, m) in stream.iter_mut().zip(down) {
        *s += m;
    }
    stream
}

/// The stack's output at token rows `rows` (rows × d_model), in precision R.
fn forward<R: Real>(dims: &BlockDims, inputs: &BlockInputs, rows: &[usize]) -> Vec<R> {
    let every: Vec<usize> = (0..dims.tokens).collect();
    let mut x = widen::<R>(&inputs.x);
    for (index, weights) in inputs.layers.iter().enumerate() {
        let last = index + 1 == inputs.layers.len();
        x = layer(dims, weights, &x, if last { rows } else { &every });
    }
    x
}

/// One of the block's small kernels (`shaders/block.wgsl`), checked alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockPart {
    /// Rows normalized, times a gain, plus a bias.
    LayerNorm,
    /// Rows plus a bias, through GELU.
    BiasGelu,
    /// A residual plus a projection's output plus its bias.
    BiasResidual,
    /// Heads (heads × tokens × head dimension) merged back into token rows.
    MergeHeads,
}

/// Absolute deviation allowed beyond twice the naive error where a kernel
/// calls `tanh` or `inverseSqrt`: Vulkan lets devices compute them to a few
/// ULP, or to absolute errors near 2⁻¹¹ for `tanh` of small arguments, of
/// which software adapters use a small part; outputs here are of order 1.
const DEVICE_MATH_ALLOWANCE: f64 = 1e-5;

/// What `part` computes over rows of `width` from `inputs` (see
/// [`check_block_part`]), in precision R.
fn part_output<R: Real>(
    part: BlockPart,
    width: usize,
    head_dim: usize,
    inputs: &[Vec<f32>],
) -> Vec<R> {
    let x = widen::<R>(&inputs[0]);
    let bias = |i: usize, c: usize| R::of(f64::from(inputs[i][c % width]));
    match part {
        BlockPart::LayerNorm => layer_norm(&x, &[inputs[1].clone(), inputs[2].clone()]),
        BlockPart::BiasGelu => x
            .iter()
            .enumerate()
            .map(|(i, &v)| gelu(v + bias(1, i)))
            .collect(),
        BlockPart::BiasResidual => x
            .iter()
            .zip(widen::<R>(&inputs[1]))
            .enumerate()
            .map(|(i, (&a, b))| a + b + bias(2, i))
            .collect(),
        BlockPart::MergeHeads => {
            let tokens = x.len() / width;
            (0..x.len())
                .map(|i| {
                    let (token, c) = (i / width, i % width);
                    let (head, column) = (c / head_dim, c % head_dim);
                    x[(head * tokens + token) * head_dim + column]
                })
                .collect()
        }
    }
}

/// Checks `out` of `part` over rows of `width` (heads of `head_dim` for
/// [`BlockPart::MergeHeads`]) computed from `inputs` (in order as the
/// kernel binds them: the rows, then gain and bias, a bias, or the
/// projection and its bias) against the f64 reference: every element
/// within twice the naive f32 implementation's largest error, plus
/// [`DEVICE_MATH_ALLOWANCE`] for the kernels that call `tanh` or
/// `inverseSqrt`. A copy must be exact.
pub fn check_block_part(
    part: BlockPart,
    width: usize,
    head_dim: usize,
    inputs: &[Vec<f32>],
    out: &[f32],
) -> Verification {
    let want = part_output::<f64>(part, width, head_dim, inputs);
    let naive = part_output::<f32>(part, width, head_dim, inputs);
    let allowance = match part {
        BlockPart::LayerNorm | BlockPart::BiasGelu => DEVICE_MATH_ALLOWANCE,
        BlockPart::BiasResidual | BlockPart::MergeHeads => 0.0,
    };
    let elements = out
        .iter()
        .zip(want)
        .zip(naive)
        .map(|((&g, w), n)| (f64::from(g), w, n.wide()));
    within_twice_naive(elements, allowance, Method::Exact)
}

/// Checks `out` (tokens × d_model, as f32) against the f64 reference: every
/// row for up to [`FULL_CHECK_MAX_ROWS`] tokens, else the first, the last
/// and [`SAMPLED_ROWS`] rows drawn from `seed`. An element passes within
/// twice the naive f32 implementation's largest error on the rows checked,
/// plus attention's allowance for the device's `exp2` (see
/// [`exp_allowance`]); NaN or infinity fails.
pub fn check_block(dims: &BlockDims, inputs: &BlockInputs, out: &[f32], seed: u64) -> Verification {
    let tokens = dims.tokens;
    let full = tokens <= FULL_CHECK_MAX_ROWS;
    let rows: Vec<usize> = if full {
        (0..tokens).collect()
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xB10C);
        let mut picked = vec![0, tokens - 1];
        picked.extend((0..SAMPLED_ROWS).map(|_| rng.random_range(0..tokens)));
        picked.sort_unstable();
        picked.dedup();
        picked
    };
    let want = forward::<f64>(dims, inputs, &rows);
    let naive = forward::<f32>(dims, inputs, &rows);
    let d = dims.d_model;
    let got = rows.iter().flat_map(|&t| &out[t * d..][..d]);
    let elements = got
        .zip(want)
        .zip(naive)
        .map(|((&g, w), n)| (f64::from(g), w, n.wide()));
    let method = match full {
        true => Method::Exact,
        false => Method::Sampled {
            rows: rows.len() as u32,
        },
    };
    within_twice_naive(elements, exp_allowance(dims.kv_len), method)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two rows of 128 floats and two vectors of 128, all distinct.
    fn inputs(arrays: usize, vectors: usize) -> Vec<Vec<f32>> {
        let value = |i: usize| ((i * 37 % 101) as f32 - 50.0) / 50.0;
        let mut all: Vec<Vec<f32>> = (0..arrays)
            .map(|a| (0..256).map(|i| value(i + 7 * a)).collect())
            .collect();
        all.extend((0..vectors).map(|v| (0..128).map(|i| 1.0 + 0.1 * value(i + v)).collect()));
        all
    }

    #[test]
    fn a_small_kernel_passes_at_f32_rounding_and_fails_a_wrong_element() {
        for (part, arrays, vectors) in [
            (BlockPart::LayerNorm, 1, 2),
            (BlockPart::BiasGelu, 1, 1),
            (BlockPart::BiasResidual, 2, 1),
            (BlockPart::MergeHeads, 1, 0),
        ] {
            let inputs = inputs(arrays, vectors);
            let right: Vec<f32> = part_output::<f64>(part, 128, 64, &inputs)
                .into_iter()
                .map(|x| x as f32)
                .collect();
            let verdict = check_block_part(part, 128, 64, &inputs, &right);
            assert!(verdict.passed, "{part:?}: {verdict:?}");
            let mut wrong = right.clone();
            wrong[200] += 1e-3;
            let verdict = check_block_part(part, 128, 64, &inputs, &wrong);
            assert!(!verdict.passed, "{part:?}: {verdict:?}");
        }
    }

    #[test]
    fn merging_heads_puts_each_head_at_its_columns() {
        // Two tokens, two heads of 64: input row (head h, token t).
        let input: Vec<f32> = (0..256).map(|i| i as f32).collect();
        let merged = part_output::<f64>(BlockPart::MergeHeads, 128, 64, &[input]);
        // Token 1, column 64 is head 1's token 1, column 0: row 3 of the input.
        assert_eq!(merged[128 + 64], 3.0 * 64.0);
        assert_eq!(merged[0], 0.0);
        assert_eq!(merged[64], 2.0 * 64.0);
    }
}
