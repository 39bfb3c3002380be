//! Attention reference: O = softmax(Q·Kᵀ·scale + mask)·V in f64 with a stable
//! softmax, row by row, and the tolerance a kernel's output must meet.
//!
//! The tolerance follows FlashAttention's tests, which accept up to twice
//! the error of a naive implementation in the kernel's own precision against
//! an upcast reference: here the naive implementation runs on the CPU
//! ([`naive_row`]), and since the CPU's `exp` is correctly rounded where a
//! GPU's `exp2` may be off by 3 + 2·|x| ulp (WGSL's bound), the allowance for
//! that is added on top ([`exp_allowance`]).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{within_twice_naive, Method, Verification};
use crate::case::Dtype;

/// Largest B·Hq·Sq·Skv·d checked over the whole output; above it, sampled rows.
const FULL_CHECK_MAX_MACS: usize = 1 << 25;

/// Query rows a sampled check compares (besides the first and last).
const SAMPLED_ROWS: usize = 30;

/// The logical shape of an attention case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttentionDims {
    /// Batch size B.
    pub batch: usize,
    /// Query heads Hq.
    pub q_heads: usize,
    /// Key/value heads Hkv (Hq is a multiple of it).
    pub kv_heads: usize,
    /// Query length Sq.
    pub q_len: usize,
    /// Key/value length Skv.
    pub kv_len: usize,
    /// Head dimension d.
    pub head_dim: usize,
    /// Causal mask, aligned bottom-right: query i sees keys j ≤ i + Skv − Sq.
    pub causal: bool,
}

impl AttentionDims {
    /// The K/V head query head `q_head` reads (grouped-query attention).
    pub fn kv_head_of(&self, q_head: usize) -> usize {
        q_head / (self.q_heads / self.kv_heads)
    }

    /// Query rows that read one K/V head: the group's query heads × Sq.
    pub fn rows_per_kv_head(&self) -> usize {
        self.q_heads / self.kv_heads.max(1) * self.q_len
    }

    /// How many keys (0, 1, ... in order) query row `row` sees:
    /// clamp(row + Skv − Sq + 1, 0, Skv) under the causal mask, else Skv.
    pub fn visible_keys(&self, row: usize) -> usize {
        match self.causal {
            true => (row + self.kv_len + 1)
                .saturating_sub(self.q_len)
                .min(self.kv_len),
            false => self.kv_len,
        }
    }

    /// Unmasked (query, key) pairs of one (batch, head): Σ over rows of
    /// [`Self::visible_keys`]; Sq·Skv without a mask, Sq·Skv − Sq·(Sq−1)/2
    /// under a causal one when Sq ≤ Skv, Skv·(Skv+1)/2 when Sq > Skv.
    pub fn unmasked_pairs(&self) -> u64 {
        let (sq, skv) = (self.q_len as u64, self.kv_len as u64);
        match (self.causal, sq <= skv) {
            (false, _) => sq * skv,
            (true, true) => sq * skv - sq * (sq - 1) / 2,
            (true, false) => skv * (skv + 1) / 2,
        }
    }
}

/// Q, K and V as the kernel saw them (values representable in its dtype),
/// row-major: Q is B × Hq × Sq × d, K and V are B × Hkv × Skv × d.
#[derive(Debug, Clone)]
pub struct AttentionInputs {
    /// Queries.
    pub q: Vec<f32>,
    /// Keys.
    pub k: Vec<f32>,
    /// Values.
    pub v: Vec<f32>,
}

/// One query row's place: (batch, query head, query index).
type Row = (usize, usize, usize);

/// The scores of one row, q·k/√d, one per visible key, in f64.
fn scores_f64(dims: &AttentionDims, inputs: &AttentionInputs, (b, h, i): Row) -> Vec<f64> {
    let d = dims.head_dim;
    let scale = 1.0 / (d as f64).sqrt();
    let q = &inputs.q[((b * dims.q_heads + h) * dims.q_len + i) * d..][..d];
    let kv_base = (b * dims.kv_heads + dims.kv_head_of(h)) * dims.kv_len * d;
    (0..dims.visible_keys(i))
        .map(|j| {
            let k = &inputs.k[kv_base + j * d..][..d];
            q.iter()
                .zip(k)
                .map(|(&x, &y)| f64::from(x) * f64::from(y))
                .sum::<f64>()
                * scale
        })
        .collect()
}

/// One row of O in f64: max-subtracted softmax of the visible scores times V;
/// a row that sees no key is 0.
pub fn reference_row(dims: &AttentionDims, inputs: &AttentionInputs, row: Row) -> Vec<f64> {
    let d = dims.head_dim;
    let scores = scores_f64(dims, inputs, row);
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
    let sum: f64 = weights.iter().sum();
    let (b, h, _) = row;
    let kv_base = (b * dims.kv_heads + dims.kv_head_of(h)) * dims.kv_len * d;
    let mut out = vec![0.0; d];
    for (j, w) in weights.iter().enumerate() {
        for (o, &v) in out.iter_mut().zip(&inputs.v[kv_base + j * d..][..d]) {
            *o += w / sum * f64::from(v);
        }
    }
    out
}

/// One row of O as a naive (unfused, max-subtracted) implementation in
/// `dtype` computes it: scores as f32 dot products (rounded to f16 for f16,
/// as an f16 score matrix holds them), softmax in f32, weights rounded to
/// `dtype`, then the weighted sum in f32 rounded to `dtype`.
pub fn naive_row(
    dims: &AttentionDims,
    inputs: &AttentionInputs,
    dtype: Dtype,
    row: Row,
) -> Vec<f64> {
    let round = |x: f32| match dtype {
        Dtype::F32 => x,
        Dtype::F16 => half::f16::from_f32(x).to_f32(),
    };
    let d = dims.head_dim;
    let (b, h, i) = row;
    let scale = 1.0 / (d as f32).sqrt();
    let q = &inputs.q[((b * dims.q_heads + h) * dims.q_len + i) * d..][..d];
    let kv_base = (b * dims.kv_heads + dims.kv_head_of(h)) * dims.kv_len * d;
    let scores: Vec<f32> = (0..dims.visible_keys(i))
        .map(|j| {
            let k = &inputs.k[kv_base + j * d..][..d];
            round(q.iter().zip(k).map(|(x, y)| x * y).sum::<f32>() * scale)
        })
        .collect();
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
    let sum: f32 = weights.iter().sum();
    let mut out = vec![0.0f32; d];
    for (j, w) in weights.iter().enumerate() {
        let p = round(w / sum);
        for (o, &v) in out.iter_mut().zip(&inputs.v[kv_base + j * d..][..d]) {
            *o += p * v;
        }
    }
    out.into_iter().map(|x| f64::from(round(x))).collect()
}

/// What a kernel's `exp2` may add to an output element beyond the naive
/// implementation's error: WGSL allows 3 + 2·|x| ulp of f32 for exp2(x), so
/// each weight p = 2^x (x ≤ 0, the row's maximum at 0) is off by at most
/// that relative error, and the output, a p-weighted mean of values in
/// [−1, 1], by at most the p-weighted mean of it, twice (numerator and sum).
/// That mean of |x| is below log2(Skv) + 2 (the weights' entropy in bits
/// bounds it), so the allowance is 2·(3 + 2·(log2(Skv) + 2))·ε of f32.
pub fn exp_allowance(kv_len: usize) -> f64 {
    let mean_abs_x = (kv_len.max(2) as f64).log2() + 2.0;
    2.0 * (3.0 + 2.0 * mean_abs_x) * f64::from(f32::EPSILON)
}

/// Checks `o` (B × Hq × Sq × d, as f32) against the f64 reference: every
/// row for small cases, else the first, the last and [`SAMPLED_ROWS`] rows
/// drawn from `seed`. An element passes within twice the naive
/// implementation's largest error on the rows checked, plus
/// [`exp_allowance`]; NaN or infinity fails.
pub fn check_attention(
    dims: &AttentionDims,
    inputs: &AttentionInputs,
    o: &[f32],
    dtype: Dtype,
    seed: u64,
) -> Verification {
    let rows_total = dims.batch * dims.q_heads * dims.q_len;
    let row_at = |index: usize| -> Row {
        let (bh, i) = (index / dims.q_len, index % dims.q_len);
        (bh / dims.q_heads, bh % dims.q_heads, i)
    };
    let full = rows_total * dims.kv_len * dims.head_dim <= FULL_CHECK_MAX_MACS;
    let indices: Vec<usize> = if full {
        (0..rows_total).collect()
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xA77E_0710);
        let mut picked = vec![0, rows_total - 1];
        picked.extend((0..SAMPLED_ROWS).map(|_| rng.random_range(0..rows_total)));
        picked
    };
    let d = dims.head_dim;
    let elements = indices.iter().flat_map(|&index| {
        let row = row_at(index);
        let want = reference_row(dims, inputs, row);
        let naive = naive_row(dims, inputs, dtype, row);
        let got = o[index * d..][..d].iter().map(|&x| f64::from(x));
        got.zip(want).zip(naive).map(|((g, w), n)| (g, w, n))
    });
    let method = match full {
        true => Method::Exact,
        false => Method::Sampled {
            rows: indices.len() as u32,
        },
    };
    within_twice_naive(elements, exp_allowance(dims.kv_len), method)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(q_len: usize, kv_len: usize, causal: bool) -> AttentionDims {
        AttentionDims {
            batch: 1,
            q_heads: 2,
            kv_heads: 1,
            q_len,
            kv_len,
            head_dim: 4,
            causal,
        }
    }

    #[test]
    fn pair_count_is_the_sum_of_visible_keys() {
        for (sq, skv) in [
            (1, 1),
            (1, 9),
            (5, 5),
            (4, 9),
            (9, 4),
            (1024, 1024),
            (7, 257),
        ] {
            for causal in [false, true] {
                let d = dims(sq, skv, causal);
                let summed: u64 = (0..sq).map(|i| d.visible_keys(i) as u64).sum();
                assert_eq!(d.unmasked_pairs(), summed, "{d:?}");
            }
        }
        // Bottom-right: the last query row sees every key; with Sq > Skv the
        // first Sq − Skv rows see none.
        assert_eq!(dims(4, 9, true).visible_keys(3), 9);
        assert_eq!(dims(4, 9, true).visible_keys(0), 6);
        assert_eq!(dims(9, 4, true).visible_keys(4), 0);
        assert_eq!(dims(9, 4, true).visible_keys(5), 1);
    }

    #[test]
    fn one_key_returns_its_value_and_no_key_returns_zero() {
        let inputs = AttentionInputs {
            q: vec![0.5; 2 * 3 * 4],
            k: vec![0.25; 2 * 4],
            v: (0..8).map(|x| x as f32).collect(),
        };
        let d = dims(3, 2, true);
        assert_eq!(d.visible_keys(0), 0);
        assert_eq!(reference_row(&d, &inputs, (0, 0, 0)), vec![0.0; 4]);
        assert_eq!(
            reference_row(&d, &inputs, (0, 1, 1)),
            vec![0.0, 1.0, 2.0, 3.0]
        );
        // Equal scores: the mean of both value rows.
        assert_eq!(
            reference_row(&d, &inputs, (0, 1, 2)),
            vec![2.0, 3.0, 4.0, 5.0]
        );
    }

    #[test]
    fn check_accepts_the_reference_and_catches_a_wrong_element() {
        let d = AttentionDims {
            batch: 2,
            q_heads: 4,
            kv_heads: 2,
            q_len: 5,
            kv_len: 7,
            head_dim: 8,
            causal: true,
        };
        let draw = |seed, len| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..len).map(|_| rng.random_range(-1.0f32..=1.0)).collect()
        };
        let inputs = AttentionInputs {
            q: draw(1, 2 * 4 * 5 * 8),
            k: draw(2, 2 * 2 * 7 * 8),
            v: draw(3, 2 * 2 * 7 * 8),
        };
        let mut o: Vec<f32> = (0..2 * 4 * 5)
            .flat_map(|r| reference_row(&d, &inputs, (r / 20, r / 5 % 4, r % 5)))
            .map(|x| x as f32)
            .collect();
        assert!(check_attention(&d, &inputs, &o, Dtype::F32, 1).passed);
        o[37] += 1e-3;
        assert!(!check_attention(&d, &inputs, &o, Dtype::F32, 1).passed);
        o[37] = f32::NAN;
        assert_eq!(
            check_attention(&d, &inputs, &o, Dtype::F32, 1).max_abs_error,
            None
        );
    }
}
