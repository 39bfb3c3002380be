//! Named suites: which cases run, and how long each is sampled. Sizes scale
//! down on software adapters, which are about 100× slower than a GPU.

use crate::case::{Case, Dtype};
use crate::gpu::AdapterSummary;
use crate::measure::SamplingPlan;
use crate::reference::{AttentionDims, BlockDims, BlockPart};
use crate::workloads::{
    attention_case, block_case, elementwise_case, latency_case, matmul_case, peak_case,
    stream_case, transfer_case, Direction, StreamKernel, ATTENTION_FAMILIES, ELEMENTWISE_KERNELS,
};

/// A list of cases and the sampling plan they run under.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    /// `quick`, `standard` or `custom`.
    pub name: String,
    /// Cases in run order.
    pub cases: Vec<Case>,
    /// How each case is sampled.
    pub plan: SamplingPlan,
    /// True when sizes were scaled down for a software adapter.
    pub scaled_for_software: bool,
}

/// Names accepted by `--suite`.
pub const SUITE_NAMES: [&str; 4] = ["quick", "standard", "calibrate", "block"];

/// Square sizes and one ragged shape per suite, for a GPU and for a software adapter.
struct Sizes {
    squares: &'static [u64],
    ragged: (u64, u64, u64),
}

const QUICK_GPU: Sizes = Sizes {
    squares: &[256, 512, 1024, 2048],
    ragged: (1023, 1021, 1019),
};
const QUICK_SOFTWARE: Sizes = Sizes {
    squares: &[64, 128, 256, 512],
    ragged: (509, 257, 383),
};
const STANDARD_GPU: Sizes = Sizes {
    squares: &[512, 1024, 2048, 4096],
    ragged: (4095, 4093, 4091),
};
const STANDARD_SOFTWARE: Sizes = Sizes {
    squares: &[128, 256, 512, 1024],
    ragged: (1023, 1021, 1019),
};

/// Attention shapes of a suite: prefill (Sq = Skv) at each length, head
/// layout, head dimension and mask, in the fused family and (where the suite
/// compares them) the unfused one; decode (Sq = 1) at each K/V length and
/// head layout, one-pass and split.
struct AttentionSizes {
    /// Sq = Skv of the prefill cases.
    prefill_lengths: &'static [u64],
    /// (B, Hq, Hkv) of the prefill cases.
    prefill_heads: &'static [(u64, u64, u64)],
    /// Also run the unfused baseline at every prefill shape.
    unfused: bool,
    /// Head dimensions of the prefill cases.
    head_dims: &'static [u64],
    /// Causal mask off and on, or off only.
    masks: &'static [bool],
    /// Skv of the decode cases.
    decode_lengths: &'static [u64],
    /// (B, Hq, Hkv) of the decode cases: Llama-like grouped heads, plain multi-head.
    decode_heads: &'static [(u64, u64, u64)],
}

const ATTENTION_QUICK_SOFTWARE: AttentionSizes = AttentionSizes {
    prefill_lengths: &[512],
    prefill_heads: &[(1, 8, 8)],
    unfused: true,
    head_dims: &[64],
    masks: &[false, true],
    decode_lengths: &[1024],
    decode_heads: &[(1, 32, 8)],
};
const ATTENTION_QUICK_GPU: AttentionSizes = AttentionSizes {
    prefill_lengths: &[1024],
    prefill_heads: &[(1, 32, 32)],
    unfused: true,
    head_dims: &[64],
    masks: &[false, true],
    decode_lengths: &[4096],
    decode_heads: &[(1, 32, 8)],
};
const ATTENTION_STANDARD_SOFTWARE: AttentionSizes = AttentionSizes {
    prefill_lengths: &[256, 512, 1024],
    prefill_heads: &[(1, 8, 8)],
    unfused: true,
    head_dims: &[64, 128],
    masks: &[false, true],
    decode_lengths: &[1024, 8192],
    decode_heads: &[(1, 32, 8), (1, 8, 8)],
};
const ATTENTION_STANDARD_GPU: AttentionSizes = AttentionSizes {
    prefill_lengths: &[512, 2048, 8192],
    prefill_heads: &[(1, 32, 32)],
    unfused: true,
    head_dims: &[64, 128],
    masks: &[false, true],
    decode_lengths: &[1024, 8192, 32768],
    decode_heads: &[(1, 32, 8), (1, 32, 32)],
};

/// The calibrate suite's attention: fused prefill at powers of two and odd
/// lengths (whole and partial tiles of query rows and keys), d 64 and 128,
/// causal and not, plain and grouped (a group of 4, as Llama's) heads;
/// decode from short to long caches, both layouts, one-pass and split.
const ATTENTION_CALIBRATE_SOFTWARE: AttentionSizes = AttentionSizes {
    prefill_lengths: &[128, 200, 256, 384, 512, 768],
    prefill_heads: &[(1, 8, 8), (1, 8, 2)],
    unfused: false,
    head_dims: &[64, 128],
    masks: &[false, true],
    decode_lengths: &[512, 1024, 2048, 4096, 8192, 16384],
    decode_heads: &[(1, 32, 8), (1, 8, 8)],
};
const ATTENTION_CALIBRATE_GPU: AttentionSizes = AttentionSizes {
    prefill_lengths: &[512, 800, 1024, 2048, 2800, 4096],
    prefill_heads: &[(1, 32, 32), (1, 32, 8)],
    unfused: false,
    head_dims: &[64, 128],
    masks: &[false, true],
    decode_lengths: &[1024, 2048, 4096, 8192, 16384, 32768],
    decode_heads: &[(1, 32, 8), (1, 32, 32)],
};

impl AttentionSizes {
    /// Every attention case of these sizes, f32, prefill then decode.
    fn cases(&self) -> Vec<Case> {
        let [fused, unfused, decode, split] = ATTENTION_FAMILIES;
        let dims =
            |(b, hq, hkv): (u64, u64, u64), sq: u64, skv: u64, d: u64, causal| AttentionDims {
                batch: b as usize,
                q_heads: hq as usize,
                kv_heads: hkv as usize,
                q_len: sq as usize,
                kv_len: skv as usize,
                head_dim: d as usize,
                causal,
            };
        let prefill_families: &[&str] = match self.unfused {
            true => &[fused, unfused],
            false => &[fused],
        };
        let mut cases = Vec::new();
        for &length in self.prefill_lengths {
            for &heads in self.prefill_heads {
                for &d in self.head_dims {
                    for &causal in self.masks {
                        for &family in prefill_families {
                            let shape = dims(heads, length, length, d, causal);
                            cases.push(attention_case(family, Dtype::F32, shape));
                        }
                    }
                }
            }
        }
        for &length in self.decode_lengths {
            for &heads in self.decode_heads {
                for family in [decode, split] {
                    let shape = dims(heads, 1, length, 128, false);
                    cases.push(attention_case(family, Dtype::F32, shape));
                }
            }
        }
        cases
    }
}

impl Suite {
    /// The suite called `name`, sized for `adapter`: scaled down for a
    /// software adapter, and stream arrays kept within its binding limit.
    pub fn named(name: &str, adapter: &AdapterSummary) -> Option<Suite> {
        let software = adapter.is_software();
        if name == "calibrate" {
            return Some(calibrate(adapter));
        }
        if name == "block" {
            return Some(block_suite(software));
        }
        let (sizes, attention, plan) = match (name, software) {
            ("quick", false) => (QUICK_GPU, ATTENTION_QUICK_GPU, quick_plan()),
            ("quick", true) => (QUICK_SOFTWARE, ATTENTION_QUICK_SOFTWARE, quick_plan()),
            ("standard", false) => (STANDARD_GPU, ATTENTION_STANDARD_GPU, standard_plan()),
            ("standard", true) => (
                STANDARD_SOFTWARE,
                ATTENTION_STANDARD_SOFTWARE,
                standard_plan(),
            ),
            _ => return None,
        };
        let mut cases: Vec<Case> = sizes
            .squares
            .iter()
            .map(|&s| matmul_case(Dtype::F32, s, s, s))
            .collect();
        let (m, n, k) = sizes.ragged;
        cases.push(matmul_case(Dtype::F32, m, n, k));
        // f16 at the two largest sizes (f16 inputs; variants accumulate in f16 or f32).
        for &s in sizes.squares.iter().rev().take(2).rev() {
            cases.push(matmul_case(Dtype::F16, s, s, s));
        }
        cases.extend(attention.cases());
        if name == "quick" {
            // The smallest prefill of the block suite: 29 s on lavapipe from
            // a cold tuning cache, within quick's budget of about 3 minutes.
            cases.push(block_suite(software).cases[0].clone());
        }
        cases.extend(peak_cases(software));
        let stream_elements = large_array_bytes(adapter) / 4;
        for kernel in [
            StreamKernel::Copy,
            StreamKernel::Scale,
            StreamKernel::Add,
            StreamKernel::Triad,
        ] {
            cases.push(stream_case(kernel, stream_elements));
        }
        cases.push(latency_case());
        for direction in [Direction::Upload, Direction::Download] {
            cases.push(transfer_case(direction, large_array_bytes(adapter)));
        }
        Some(Suite {
            name: name.to_string(),
            cases,
            plan,
            scaled_for_software: software,
        })
    }

    /// A suite of the user's own cases, sampled like `quick`.
    pub fn custom(cases: Vec<Case>) -> Suite {
        Suite {
            name: "custom".into(),
            cases,
            plan: quick_plan(),
            scaled_for_software: false,
        }
    }

    /// Keeps only cases whose name contains `pattern`.
    pub fn filter(&mut self, pattern: &str) {
        self.cases.retain(|case| case.name().contains(pattern));
    }
}

/// The compute roofs, f32 and f16: 2²⁰ invocations × 4096 iterations on a
/// GPU, 16384 × 4096 on a software adapter.
fn peak_cases(software: bool) -> [Case; 2] {
    // Lanes (scalar chains) × iterations: 2^24 × 4096 on a GPU, 2^17 × 4096
    // on a software adapter (about 1 GFLOP), where f16 runs about ten times
    // slower than f32: a quarter of the iterations keeps its search to seconds.
    let lanes = if software { 1 << 17 } else { 1 << 24 };
    [
        peak_case(Dtype::F32, lanes, 4096),
        peak_case(Dtype::F16, lanes, if software { 1024 } else { 4096 }),
    ]
}

/// Bytes of a stream array or a transfer: far beyond any last-level cache
/// (64 MiB on a software adapter, 256 MiB on a GPU), but never more than one
/// storage binding holds.
fn large_array_bytes(adapter: &AdapterSummary) -> u64 {
    let wanted_bytes: u64 = if adapter.is_software() {
        64 << 20
    } else {
        256 << 20
    };
    let limit = adapter
        .max_storage_binding_bytes
        .min(adapter.max_buffer_bytes);
    if wanted_bytes <= limit {
        wanted_bytes
    } else {
        1 << limit.ilog2()
    }
}

/// The `calibrate` suite: what a per-chip model fit needs (see
/// [`calibrate_matmul_shapes`]) at matmul f32 and f16, attention prefill and
/// decode (see `ATTENTION_CALIBRATE_SOFTWARE`), a transformer's small
/// kernels (see [`elementwise_cases`]), stream copy and triad
/// from cache-sized to memory-sized arrays (bandwidth depends on size), the
/// dispatch latency and the compute roofs, and the `block` suite's cases
/// (not fitted: the check of what the fit predicts), then the matmul,
/// attention, elementwise and block shapes once more;
/// under a short sampling plan, so that it takes minutes on a software adapter.
fn calibrate(adapter: &AdapterSummary) -> Suite {
    let software = adapter.is_software();
    let scale = if software { 1 } else { 4 };
    let matmuls = |dtype: Dtype| {
        calibrate_matmul_shapes(scale)
            .into_iter()
            .filter(move |shape| dtype == Dtype::F32 || shape.in_f16)
            .map(move |s| matmul_case(dtype, s.m, s.n, s.k))
    };
    // The block check's cases, measured beside the fit points in both
    // passes, so that the check compares the composed workload with its
    // parts as this process found the machine: two calibrate runs of one
    // software adapter differ by more than the check's 15%. Each pass
    // measures them right after the f32 matmuls, which end with the
    // block's own projections (three quarters of its time), not a minute
    // later: the machine's speed drifts by 10-15% over minutes.
    let repeated: Vec<Case> = matmuls(Dtype::F32)
        .chain(block_suite(software).cases)
        .chain(matmuls(Dtype::F16))
        .chain(
            match software {
                true => ATTENTION_CALIBRATE_SOFTWARE,
                false => ATTENTION_CALIBRATE_GPU,
            }
            .cases(),
        )
        .chain(elementwise_cases(software))
        .collect();
    let mut cases = repeated.clone();
    cases.extend(peak_cases(software));
    let largest_elements = large_array_bytes(adapter) / 4;
    for kernel in [StreamKernel::Copy, StreamKernel::Triad] {
        // Seven sizes a factor 4 apart, ending at the largest array.
        for step in (0..7).rev() {
            cases.push(stream_case(kernel, largest_elements >> (2 * step)));
        }
    }
    cases.push(latency_case());
    // A second pass over the fitted shapes and the block, minutes after the
    // first (and cheap: autotune's choices are cached by then), so that a
    // shape slowed by other work in one pass is likely undisturbed in the other.
    cases.extend(repeated);
    Suite {
        name: "calibrate".into(),
        cases,
        plan: calibrate_plan(),
        scaled_for_software: software,
    }
}

/// The calibrate suite's elementwise cases: each of the block's small
/// kernels (LayerNorm, bias + GELU, bias + residual, heads merged) over
/// token rows from one (a decode step) to a long prompt, at GPT-2 124M's
/// width and a wider model's (d_model 768 and 2048; GELU's rows four times
/// wider, as d_ff is); on a software adapter, arrays of at most 4M floats.
pub fn elementwise_cases(software: bool) -> Vec<Case> {
    let tokens: &[usize] = match software {
        true => &[1, 16, 128, 512, 2048],
        false => &[1, 16, 128, 512, 2048, 8192],
    };
    let mut cases = Vec::new();
    for kernel in ELEMENTWISE_KERNELS {
        let widen = match kernel.0 {
            BlockPart::BiasGelu => 4,
            _ => 1,
        };
        for d_model in [768, 2048] {
            for &s in tokens {
                let width = widen * d_model;
                if !software || s * width <= 1 << 22 {
                    cases.push(elementwise_case(kernel.0, s, width));
                }
            }
        }
    }
    cases
}

/// Layers of the `block` suite's cases: GPT-2 124M's 12 on a GPU, the whole
/// forward pass between embedding and LM head; one on a software adapter,
/// where a layer of a 512-token prefill takes a second per operation and
/// two layers made the suite take 8 minutes from a cold tuning cache on
/// lavapipe (the tests chain two layers).
const BLOCK_LAYERS_GPU: usize = 12;
const BLOCK_LAYERS_SOFTWARE: usize = 1;

/// A block case of `layers` GPT-2 124M layers (d_model 768, 12 heads of 64,
/// d_ff 3072) computing `tokens` token rows against `kv_len` keys.
fn gpt2_block(layers: usize, tokens: usize, kv_len: usize) -> Case {
    block_case(BlockDims {
        layers,
        tokens,
        kv_len,
        d_model: 768,
        heads: 12,
        d_ff: 3072,
    })
}

/// The `block` suite: GPT-2 124M's layers (d_model 768, 12 heads of 64,
/// d_ff 3072), batch 1, f32: prefill of 128, 256 and 512 tokens, and one
/// decode step against a KV cache of 512 (511 earlier tokens and its own);
/// sampled like `quick`. Software adapters run [`BLOCK_LAYERS_SOFTWARE`]
/// layers at the same widths.
fn block_suite(software: bool) -> Suite {
    let layers = match software {
        true => BLOCK_LAYERS_SOFTWARE,
        false => BLOCK_LAYERS_GPU,
    };
    let mut cases: Vec<Case> = [128, 256, 512].map(|s| gpt2_block(layers, s, s)).to_vec();
    cases.push(gpt2_block(layers, 1, 512));
    Suite {
        name: "block".into(),
        cases,
        plan: quick_plan(),
        scaled_for_software: software,
    }
}

/// A matmul shape of the calibrate suite, and whether f16 runs it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalibrateShape {
    /// Rows of A and C.
    pub m: u64,
    /// Columns of B and C.
    pub n: u64,
    /// The inner dimension.
    pub k: u64,
    /// Also run in f16 (a subset, as f16 is slow where it is emulated).
    pub in_f16: bool,
}

/// The calibrate suite's matmul shapes, their large dimensions multiplied by
/// `scale` (1 on a software adapter, 4 on a GPU; decode's M and short K stay
/// as they are): squares at powers of two and odd sizes; skinny shapes with M
/// from 1 to 64 as in decode; long and short K; sweeps of M and N that cross
/// whole workgroup tiles and waves of them; ragged shapes.
pub fn calibrate_matmul_shapes(scale: u64) -> Vec<CalibrateShape> {
    let s = scale;
    let both = |m, n, k| CalibrateShape {
        m,
        n,
        k,
        in_f16: true,
    };
    let f32_only = |m, n, k| CalibrateShape {
        m,
        n,
        k,
        in_f16: false,
    };
    let mut shapes = Vec::new();
    // Squares: powers of two, then odd sizes between them.
    for size in [32, 64, 128, 256, 512, 1024] {
        shapes.push(both(size * s, size * s, size * s));
    }
    for size in [48, 96, 200, 333, 700] {
        shapes.push(f32_only(size * s, size * s, size * s));
    }
    shapes.push(both(1000 * s, 1000 * s, 1000 * s));
    // Skinny, as in decode: M of 1 to 64 against a wide B.
    for m in [1, 2, 4, 8, 16, 32, 64] {
        shapes.push(both(m, 1024 * s, 1024 * s));
    }
    shapes.push(both(1, 2048 * s, 512 * s));
    shapes.push(f32_only(16, 2048 * s, 512 * s));
    shapes.push(both(8, 512 * s, 2048 * s));
    // Skinny with weights far beyond any cache (64 and 96 MiB of f32 on a
    // software adapter, 4× on a GPU): a decode step's projections find
    // their weights in memory, since the rest of the layer has passed
    // through the caches since, not where a product repeated alone leaves
    // them. The model's cache term learns that rate from these.
    for (m, n) in [(1, 4096), (1, 6144), (16, 4096)] {
        shapes.push(f32_only(m, n * s, 4096));
    }
    // Long K.
    shapes.push(both(64 * s, 64 * s, 8192 * s));
    shapes.push(both(128 * s, 128 * s, 4096 * s));
    shapes.push(f32_only(256 * s, 256 * s, 2048 * s));
    shapes.push(f32_only(96 * s, 160 * s, 4096 * s));
    // Short K.
    for k in [8, 16, 32, 64] {
        shapes.push(both(512 * s, 512 * s, k));
    }
    shapes.push(f32_only(1024 * s, 1024 * s, 32));
    // Sweeps across whole tiles and waves: M in steps of 32 rows, N past 512.
    for m in [96, 160, 224, 288, 352] {
        shapes.push(if m == 160 || m == 288 {
            both(m * s, 512 * s, 512 * s)
        } else {
            f32_only(m * s, 512 * s, 512 * s)
        });
    }
    for n in [520, 600, 768, 1040] {
        shapes.push(both(256 * s, n * s, 256 * s));
    }
    // Ragged.
    shapes.push(both(509 * s, 257 * s, 383 * s));
    shapes.push(f32_only(333 * s, 555 * s, 777 * s));
    shapes.push(both(100 * s, 1000 * s, 300 * s));
    shapes.push(f32_only(777 * s, 129 * s, 511 * s));
    shapes.push(f32_only(1023 * s, 1021 * s, 1019 * s));
    // A transformer layer's projections at GPT-2 124M's widths (d 768, d_ff
    // 3072, ×scale), as the `block` suite runs them: QKV, output, up and
    // down, for a decode step and prefills of 128 and 512 tokens. Their
    // weights (up to 9 MiB) are larger than any operand above, and a model
    // that never saw such sizes misjudged them by 3× (README, "Transformer block").
    let (d, ff) = (768 * s, 3072 * s);
    for tokens in [1, 128 * s, 512 * s] {
        for (n, k) in [(3 * d, d), (d, d), (ff, d), (d, ff)] {
            shapes.push(f32_only(tokens, n, k));
        }
    }
    shapes
}

/// Sampling for `calibrate`: short, since a fit needs many shapes more than
/// long samples of each, but at least 10 samples, so that on a shared
/// machine some of them run undisturbed (the model reads the fastest).
fn calibrate_plan() -> SamplingPlan {
    SamplingPlan {
        target_sample_s: 1e-3,
        max_repeats: 1000,
        warmup_budget_s: 0.1,
        measure_budget_s: 0.3,
        min_samples: 10,
        max_samples: 100,
        stop_after_sizing: false,
    }
}

fn quick_plan() -> SamplingPlan {
    SamplingPlan {
        target_sample_s: 1e-3,
        max_repeats: 1000,
        warmup_budget_s: 0.3,
        measure_budget_s: 0.5,
        min_samples: 10,
        max_samples: 200,
        stop_after_sizing: false,
    }
}

fn standard_plan() -> SamplingPlan {
    SamplingPlan {
        target_sample_s: 1e-3,
        max_repeats: 10_000,
        warmup_budget_s: 1.0,
        measure_budget_s: 2.0,
        min_samples: 10,
        max_samples: 1000,
        stop_after_sizing: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_suite_is_gpt2_prefill_and_a_decode_step() {
        let names: Vec<String> = block_suite(false).cases.iter().map(Case::name).collect();
        assert_eq!(
            names,
            [
                "block_f32_l12_s128_kv128_d768_h12_ff3072",
                "block_f32_l12_s256_kv256_d768_h12_ff3072",
                "block_f32_l12_s512_kv512_d768_h12_ff3072",
                "block_f32_l12_s1_kv512_d768_h12_ff3072",
            ]
        );
        let software = block_suite(true);
        assert!(software.scaled_for_software);
        assert!(software.cases.iter().all(|c| c.shape.get("l") == Some(1)));
        for case in &software.cases {
            assert!(crate::workloads::validate(case).is_ok(), "{}", case.name());
        }
    }

    #[test]
    fn calibrate_measures_the_block_in_both_passes_beside_its_parts() {
        let suite = Suite::named("calibrate", &AdapterSummary::example()).unwrap();
        let names: Vec<String> = suite.cases.iter().map(Case::name).collect();
        let count = |name: &str| names.iter().filter(|n| *n == name).count();
        for block in block_suite(true).cases {
            assert_eq!(count(&block.name()), 2, "{}", block.name());
        }
        // The block's parts are measured in both passes too, its
        // projections (the last f32 shapes) right before it in each.
        assert_eq!(count("matmul_f32_128x2304x768"), 2);
        let last = calibrate_matmul_shapes(1).pop().unwrap();
        let last = matmul_case(Dtype::F32, last.m, last.n, last.k).name();
        let first_block = block_suite(true).cases[0].name();
        let before: Vec<&String> = names
            .windows(2)
            .filter(|pair| pair[1] == first_block)
            .map(|pair| &pair[0])
            .collect();
        assert_eq!(before, [&last, &last]);
        assert!(names
            .iter()
            .any(|n| n.starts_with("elementwise_layer_norm")));
    }

    #[test]
    fn calibrate_shapes_cover_what_moves_a_matmul() {
        let shapes = calibrate_matmul_shapes(1);
        let f16 = shapes.iter().filter(|s| s.in_f16).count();
        assert!(
            (30..=60).contains(&shapes.len()),
            "{} f32 shapes",
            shapes.len()
        );
        assert!((30..=60).contains(&f16), "{f16} f16 shapes");
        let any = |test: &dyn Fn(&CalibrateShape) -> bool| shapes.iter().any(test);
        assert!(
            any(&|s| s.m == 1) && any(&|s| s.m == 64 && s.n >= 1024),
            "decode"
        );
        assert!(any(&|s| s.k >= 16 * s.m.max(s.n)), "long K");
        assert!(any(&|s| s.k <= 8), "short K");
        assert!(
            any(&|s| (s.m, s.n, s.k) == (512, 768, 3072)),
            "a GPT-2 layer's down projection"
        );
        assert!(
            any(&|s| s.m == s.n && s.n == s.k && !s.m.is_power_of_two()),
            "odd squares"
        );
        // Decode's M and short K stay as they are on a GPU; the rest grow.
        let gpu = calibrate_matmul_shapes(4);
        assert!(gpu.iter().any(|s| s.m == 1 && s.n == 4096));
        assert!(gpu.iter().any(|s| s.k == 8 && s.m == 2048));
    }
}
