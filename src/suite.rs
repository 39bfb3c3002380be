//! Named suites: which cases run, and how long each is sampled. Sizes scale
//! down on software adapters, which are about 100× slower than a GPU.

use crate::case::{Case, Dtype};
use crate::gpu::AdapterSummary;
use crate::measure::SamplingPlan;
use crate::reference::AttentionDims;
use crate::workloads::{
    attention_case, latency_case, matmul_case, peak_case, stream_case, transfer_case, Direction,
    StreamKernel, ATTENTION_FAMILIES,
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
pub const SUITE_NAMES: [&str; 2] = ["quick", "standard"];

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
/// dimension and mask, in the fused and unfused families; decode (Sq = 1)
/// at each K/V length and head layout, one-pass and split.
struct AttentionSizes {
    /// Sq = Skv of the prefill cases.
    prefill_lengths: &'static [u64],
    /// (B, Hq, Hkv) of the prefill cases.
    prefill_heads: (u64, u64, u64),
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
    prefill_heads: (1, 8, 8),
    head_dims: &[64],
    masks: &[false, true],
    decode_lengths: &[1024],
    decode_heads: &[(1, 32, 8)],
};
const ATTENTION_QUICK_GPU: AttentionSizes = AttentionSizes {
    prefill_lengths: &[1024],
    prefill_heads: (1, 32, 32),
    head_dims: &[64],
    masks: &[false, true],
    decode_lengths: &[4096],
    decode_heads: &[(1, 32, 8)],
};
const ATTENTION_STANDARD_SOFTWARE: AttentionSizes = AttentionSizes {
    prefill_lengths: &[256, 512, 1024],
    prefill_heads: (1, 8, 8),
    head_dims: &[64, 128],
    masks: &[false, true],
    decode_lengths: &[1024, 8192],
    decode_heads: &[(1, 32, 8), (1, 8, 8)],
};
const ATTENTION_STANDARD_GPU: AttentionSizes = AttentionSizes {
    prefill_lengths: &[512, 2048, 8192],
    prefill_heads: (1, 32, 32),
    head_dims: &[64, 128],
    masks: &[false, true],
    decode_lengths: &[1024, 8192, 32768],
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
        let mut cases = Vec::new();
        for &length in self.prefill_lengths {
            for &d in self.head_dims {
                for &causal in self.masks {
                    for family in [fused, unfused] {
                        let shape = dims(self.prefill_heads, length, length, d, causal);
                        cases.push(attention_case(family, Dtype::F32, shape));
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
        let (invocations, iterations) = if software {
            (16384, 4096)
        } else {
            (1 << 20, 4096)
        };
        for dtype in [Dtype::F32, Dtype::F16] {
            cases.push(peak_case(dtype, invocations, iterations));
        }
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
