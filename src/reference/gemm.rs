//! The host's matrix product: the `gemm` crate on every core, for the host
//! baseline (f32, f16) and for references of whole models (f64, and f32 as
//! the naive same-precision implementation their tolerance is measured on).

use half::f16;

/// An element type the `gemm` crate multiplies, with the scale factors its
/// call takes.
pub trait GemmElement: Copy + 'static {
    /// 0 in the type.
    const ZERO: Self;
    /// 1 in the type.
    const ONE: Self;
}

impl GemmElement for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl GemmElement for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl GemmElement for f16 {
    const ZERO: Self = f16::ZERO;
    const ONE: Self = f16::ONE;
}

/// c = a·b with the `gemm` crate on every host core; a, b and c are m×k,
/// k×n and m×n, row-major, of f64, f32 or f16.
pub fn gemm_into<T: GemmElement>(a: &[T], b: &[T], c: &mut [T], m: usize, n: usize, k: usize) {
    assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n);
    // SAFETY: a, b and c are m×k, k×n and m×n row-major (row stride = columns,
    // column stride 1), as asserted, alive and unaliased for the call.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            T::ZERO, // alpha: c is not read
            T::ONE,  // beta: scales a·b
            false,
            false,
            false,
            gemm::Parallelism::Rayon(0),
        )
    }
}
