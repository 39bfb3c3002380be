//! CPU references: what each kernel's output must be, and how close is close
//! enough. A case whose output fails here is `failed`, never a throughput.

mod attention;
mod block;
mod gemm;
mod matmul;

pub use attention::{
    check_attention, exp_allowance, naive_row, reference_row, AttentionDims, AttentionInputs,
};
pub use block::{
    check_block, check_block_part, BlockDims, BlockInputs, BlockPart, LayerWeights,
    LAYER_NORM_EPSILON,
};
pub use gemm::{gemm_into, GemmElement};
pub use matmul::{check_matmul, freivalds, matmul_f64, matmul_tolerance};

use serde::{Deserialize, Serialize};

/// How an output was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Every element against a full CPU reference accumulated in f64.
    Exact,
    /// Freivalds' randomized check: C·r against A·(B·r) for random sign vectors r.
    Freivalds {
        /// Independent random vectors tried.
        rounds: u32,
    },
    /// Whole rows of the output, drawn at random (with the first and the
    /// last), each element against a CPU reference accumulated in f64.
    Sampled {
        /// Rows checked.
        rows: u32,
    },
}

/// The outcome of checking one output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// How it was checked.
    pub method: Method,
    /// Largest absolute deviation found (per element for `exact`, per entry of
    /// C·r for `freivalds`); None when the output held NaN or infinity.
    pub max_abs_error: Option<f64>,
    /// The largest deviation that still passes.
    pub tolerance: f64,
    /// Whether the output passed.
    pub passed: bool,
}

/// Compares `got` with `want` element by element: passes when no element of
/// `got` is NaN or infinite and none deviates by more than `tolerance`.
pub fn check_elements(
    got: impl IntoIterator<Item = f64>,
    want: impl IntoIterator<Item = f64>,
    tolerance: f64,
) -> Verification {
    let max_abs_error = max_deviation(got.into_iter(), want.into_iter());
    Verification {
        method: Method::Exact,
        max_abs_error,
        tolerance,
        passed: max_abs_error.is_some_and(|e| e <= tolerance),
    }
}

/// Largest |got − want|; None if any `got` is NaN or infinite.
fn max_deviation(got: impl Iterator<Item = f64>, want: impl Iterator<Item = f64>) -> Option<f64> {
    let mut worst = 0.0f64;
    for (g, w) in got.zip(want) {
        if !g.is_finite() {
            return None;
        }
        worst = worst.max((g - w).abs());
    }
    Some(worst)
}

/// The verdict on elements given as (device, reference, naive
/// same-precision implementation) triples, checked by `method`: passes
/// when no device element is NaN or infinite and none deviates from the
/// reference by more than twice the naive implementation's largest
/// deviation plus `allowance` (FlashAttention's criterion, and room for
/// what the device's math functions may add).
fn within_twice_naive(
    elements: impl Iterator<Item = (f64, f64, f64)>,
    allowance: f64,
    method: Method,
) -> Verification {
    let (mut naive_error, mut worst) = (0.0f64, Some(0.0f64));
    for (got, want, naive) in elements {
        naive_error = naive_error.max((naive - want).abs());
        worst = match got.is_finite() {
            true => worst.map(|w| w.max((got - want).abs())),
            false => None,
        };
    }
    let tolerance = 2.0 * naive_error + allowance;
    Verification {
        method,
        max_abs_error: worst,
        tolerance,
        passed: worst.is_some_and(|e| e <= tolerance),
    }
}
