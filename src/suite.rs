//! Named suites: which cases run, and how long each is sampled. Sizes scale
//! down on software adapters, which are about 100× slower than a GPU.

use crate::case::{Case, Dtype};
use crate::gpu::AdapterSummary;
use crate::measure::SamplingPlan;
use crate::workloads::{
    latency_case, matmul_case, peak_case, stream_case, transfer_case, Direction, StreamKernel,
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

impl Suite {
    /// The suite called `name`, sized for `adapter`: scaled down for a
    /// software adapter, and stream arrays kept within its binding limit.
    pub fn named(name: &str, adapter: &AdapterSummary) -> Option<Suite> {
        let software = adapter.is_software();
        let (sizes, plan) = match (name, software) {
            ("quick", false) => (QUICK_GPU, quick_plan()),
            ("quick", true) => (QUICK_SOFTWARE, quick_plan()),
            ("standard", false) => (STANDARD_GPU, standard_plan()),
            ("standard", true) => (STANDARD_SOFTWARE, standard_plan()),
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
        // Lanes (scalar chains) × iterations: 2^24 × 4096 on a GPU, 2^17 ×
        // 4096 on a software adapter (about 1 GFLOP), where f16 runs about
        // ten times slower than f32: a quarter of the iterations keeps its
        // search to seconds.
        let lanes = if software { 1 << 17 } else { 1 << 24 };
        cases.push(peak_case(Dtype::F32, lanes, 4096));
        cases.push(peak_case(
            Dtype::F16,
            lanes,
            if software { 1024 } else { 4096 },
        ));
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
