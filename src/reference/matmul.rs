//! Matmul reference: a full f64 product for small shapes, Freivalds' check for
//! large ones, and a tolerance that scales with K and the dtype's epsilon.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{check_elements, Method, Verification};
use crate::case::Dtype;

/// Largest M·N·K checked element by element; above it Freivalds' check runs
/// (O(MK + KN + MN) per round instead of O(MNK)).
const EXACT_CHECK_MAX_MACS: usize = 1 << 27;

/// Freivalds rounds: each misses a wrong product with probability ~0 for
/// random sign vectors unless errors cancel exactly, so three is ample.
const FREIVALDS_ROUNDS: u32 = 3;

/// C = A·B in f64 (A is m × k, B is k × n, row-major).
pub fn matmul_f64(a: &[f32], b: &[f32], m: usize, n: usize, k: usize) -> Vec<f64> {
    let mut c = vec![0.0f64; m * n];
    for i in 0..m {
        let row = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            let a_ip = f64::from(a[i * k + p]);
            for (out, &b_pj) in row.iter_mut().zip(&b[p * n..(p + 1) * n]) {
                *out += a_ip * f64::from(b_pj);
            }
        }
    }
    c
}

/// Largest per-element error accepted for a K-long dot product of values in
/// [-1, 1] accumulated in `dtype`: 4·K·ε. Rounding grows at most linearly in K.
/// In f32 a wrong kernel misses by O(1), orders of magnitude above this for
/// any K we run; accumulating in f16 the bound itself reaches 1 at K = 256,
/// so there it catches gross errors (wrong tiles, garbage, NaN) but not a
/// single missing product.
pub fn matmul_tolerance(k: usize, dtype: Dtype) -> f64 {
    4.0 * k as f64 * dtype.epsilon()
}

/// Checks C against A·B: exactly for small shapes, by Freivalds for large ones.
/// `seed` draws Freivalds' random vectors.
#[allow(clippy::too_many_arguments)]
pub fn check_matmul(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    m: usize,
    n: usize,
    k: usize,
    dtype: Dtype,
    seed: u64,
) -> Verification {
    if m * n * k <= EXACT_CHECK_MAX_MACS {
        exact(a, b, c, m, n, k, dtype)
    } else {
        freivalds(a, b, c, m, n, k, dtype, seed)
    }
}

fn exact(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    m: usize,
    n: usize,
    k: usize,
    dtype: Dtype,
) -> Verification {
    let reference = matmul_f64(a, b, m, n, k);
    check_elements(
        c.iter().map(|&x| f64::from(x)),
        reference,
        matmul_tolerance(k, dtype),
    )
}

/// Freivalds' check: for random sign vectors r, compares C·r with A·(B·r).
/// If every element of C were off by the per-element tolerance t in random
/// directions, an entry of C·r would be off by about t·√N; the check accepts
/// up to 6·t·√N, so a correct result passes and a single element off by more
/// than that fails.
#[allow(clippy::too_many_arguments)]
pub fn freivalds(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    m: usize,
    n: usize,
    k: usize,
    dtype: Dtype,
    seed: u64,
) -> Verification {
    let tolerance = 6.0 * matmul_tolerance(k, dtype) * (n as f64).sqrt();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xF4E1_7A15);
    let mut worst = Some(0.0f64);
    for _ in 0..FREIVALDS_ROUNDS {
        let r: Vec<f64> = (0..n)
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        let br = mat_vec(b, &r, k, n);
        let abr = mat_vec(a, &br, m, k);
        let cr = mat_vec(c, &r, m, n);
        let round = check_elements(cr, abr, tolerance).max_abs_error;
        worst = match (worst, round) {
            (Some(w), Some(e)) => Some(w.max(e)),
            _ => None,
        };
    }
    Verification {
        method: Method::Freivalds {
            rounds: FREIVALDS_ROUNDS,
        },
        max_abs_error: worst,
        tolerance,
        passed: worst.is_some_and(|e| e <= tolerance),
    }
}

/// y = X·v for a row-major `rows × cols` f32 matrix, in f64.
fn mat_vec(x: &[f32], v: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    (0..rows)
        .map(|i| {
            x[i * cols..(i + 1) * cols]
                .iter()
                .zip(v)
                .map(|(&xi, &vi)| f64::from(xi) * vi)
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    /// `len` values in [-1, 1] from `seed`.
    fn uniform(seed: u64, len: usize) -> Vec<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..len).map(|_| rng.random_range(-1.0f32..=1.0)).collect()
    }

    fn product(m: usize, n: usize, k: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let a = uniform(7, m * k);
        let b = uniform(8, k * n);
        let c = matmul_f64(&a, &b, m, n, k)
            .into_iter()
            .map(|x| x as f32)
            .collect();
        (a, b, c)
    }

    #[test]
    fn reference_matches_a_hand_computed_product() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        let c = matmul_f64(&[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0], 2, 2, 2);
        assert_eq!(c, vec![19.0, 22.0, 43.0, 50.0]);
        // Non-square: (1×3)·(3×2)
        let c = matmul_f64(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 1, 2, 3);
        assert_eq!(c, vec![22.0, 28.0]);
    }

    #[test]
    fn exact_and_freivalds_accept_a_correct_product() {
        let (a, b, c) = product(37, 29, 53);
        assert!(exact(&a, &b, &c, 37, 29, 53, Dtype::F32).passed);
        assert!(freivalds(&a, &b, &c, 37, 29, 53, Dtype::F32, 1).passed);
    }

    #[test]
    fn freivalds_catches_one_corrupted_element() {
        let (m, n, k) = (64, 48, 80);
        let (a, b, mut c) = product(m, n, k);
        c[17 * n + 5] += 0.25;
        let verdict = freivalds(&a, &b, &c, m, n, k, Dtype::F32, 99);
        assert!(!verdict.passed, "{verdict:?}");
        assert!(verdict.max_abs_error.unwrap() > verdict.tolerance);
        assert!(!exact(&a, &b, &c, m, n, k, Dtype::F32).passed);
    }

    #[test]
    fn nan_output_fails_without_a_number() {
        let (a, b, mut c) = product(8, 8, 8);
        c[3] = f32::NAN;
        for verdict in [
            exact(&a, &b, &c, 8, 8, 8, Dtype::F32),
            freivalds(&a, &b, &c, 8, 8, 8, Dtype::F32, 3),
        ] {
            assert!(!verdict.passed);
            assert_eq!(verdict.max_abs_error, None);
        }
    }

    #[test]
    fn tolerance_scales_with_k_and_epsilon() {
        assert_eq!(
            matmul_tolerance(2048, Dtype::F32),
            2.0 * matmul_tolerance(1024, Dtype::F32)
        );
        assert!(matmul_tolerance(64, Dtype::F16) > 1000.0 * matmul_tolerance(64, Dtype::F32));
    }
}
