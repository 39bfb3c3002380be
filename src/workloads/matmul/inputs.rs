//! A matmul's inputs: the seeded A and B every path multiplies (GPU kernels,
//! cooperative-matrix kernels, the host gemm baseline), rounded to the case's
//! dtype once, here, and the zero-padded layouts kernels read them in.

use half::f16;

use crate::workloads::{seeded_uniform, Case, Dtype};

/// The dimensions of a matmul: A is m × k, B is k × n, C is m × n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Dims {
    pub(super) m: usize,
    pub(super) n: usize,
    pub(super) k: usize,
}

impl Dims {
    /// A case's logical dimensions. Panics on a shape without m, n and k,
    /// which `workloads::validate` refuses before any case is built.
    pub(super) fn of(case: &Case) -> Dims {
        let dim = |name| {
            case.shape
                .get(name)
                .unwrap_or_else(|| panic!("matmul case lacks {name}")) as usize
        };
        Dims {
            m: dim("m"),
            n: dim("n"),
            k: dim("k"),
        }
    }

    /// The dimensions `matmul.wgsl` stores the matrices at: every row in whole
    /// vec4s, K rounded up to a multiple of 8 (the register-tiled kernels take
    /// two vec4s of k per step) and N to a multiple of 4; M as it is.
    pub(super) fn vec4_layout(self) -> Dims {
        Dims {
            m: self.m,
            n: self.n.next_multiple_of(4),
            k: self.k.next_multiple_of(8),
        }
    }

    /// Every dimension rounded up to whole `tile`s (cooperative-matrix kernels).
    pub(super) fn whole_tiles(self, tile: usize) -> Dims {
        Dims {
            m: self.m.next_multiple_of(tile),
            n: self.n.next_multiple_of(tile),
            k: self.k.next_multiple_of(tile),
        }
    }
}

/// A and B of a matmul case, drawn from its seed and rounded to its dtype:
/// what the GPU kernels multiply and what the host gemm baseline multiplies,
/// so the two compute the same product and are checked against one reference.
pub struct MatmulInputs {
    /// A, m × k, row-major; every value representable in the dtype.
    pub a: Vec<f32>,
    /// B, k × n, row-major; every value representable in the dtype.
    pub b: Vec<f32>,
    /// The dtype every value is representable in.
    dtype: Dtype,
    /// The logical dimensions.
    pub(super) dims: Dims,
}

impl MatmulInputs {
    /// `seeded_uniform(seed, 0, m·k)` as A and `(seed, 1, k·n)` as B, in
    /// [-1, 1], each value rounded to the nearest `dtype` value.
    pub fn draw(dtype: Dtype, m: usize, n: usize, k: usize, seed: u64) -> MatmulInputs {
        let round = |values: Vec<f32>| match dtype {
            Dtype::F32 => values,
            Dtype::F16 => values
                .into_iter()
                .map(|x| f16::from_f32(x).to_f32())
                .collect(),
        };
        MatmulInputs {
            a: round(seeded_uniform(seed, 0, m * k)),
            b: round(seeded_uniform(seed, 1, k * n)),
            dtype,
            dims: Dims { m, n, k },
        }
    }

    /// A as a `padded.m × padded.k` and B as a `padded.k × padded.n` matrix,
    /// zero outside the inputs, as the dtype's bytes: what a kernel uploads.
    pub(super) fn padded_bytes(&self, padded: Dims) -> [Vec<u8>; 2] {
        let Dims { m, n, k } = self.dims;
        [
            self.as_bytes(&pad_matrix(&self.a, (m, k), (padded.m, padded.k))),
            self.as_bytes(&pad_matrix(&self.b, (k, n), (padded.k, padded.n))),
        ]
    }

    /// `values` (already representable in the dtype) as the dtype's bytes.
    fn as_bytes(&self, values: &[f32]) -> Vec<u8> {
        match self.dtype {
            Dtype::F32 => bytemuck::cast_slice(values).to_vec(),
            Dtype::F16 => {
                let halves: Vec<f16> = values.iter().map(|&x| f16::from_f32(x)).collect();
                bytemuck::cast_slice(&halves).to_vec()
            }
        }
    }
}

/// Copies a `rows × cols` row-major matrix into a zeroed `rows_padded ×
/// cols_padded` one.
pub fn pad_matrix(
    data: &[f32],
    (rows, cols): (usize, usize),
    (rows_padded, cols_padded): (usize, usize),
) -> Vec<f32> {
    debug_assert!(rows <= rows_padded && cols <= cols_padded);
    let mut out = vec![0.0; rows_padded * cols_padded];
    for (r, row) in data.chunks(cols).take(rows).enumerate() {
        out[r * cols_padded..r * cols_padded + cols].copy_from_slice(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_inputs_are_the_f32_draw_rounded_and_padding_is_zero() {
        let (m, n, k) = (3, 5, 7);
        let wide = MatmulInputs::draw(Dtype::F32, m, n, k, 9);
        let narrow = MatmulInputs::draw(Dtype::F16, m, n, k, 9);
        for (x, y) in wide.a.iter().zip(&narrow.a) {
            assert_eq!(f16::from_f32(*x).to_f32(), *y);
        }
        let layout = Dims { m, n, k }.vec4_layout();
        assert_eq!((layout.n, layout.k), (8, 8));
        let [a, b] = wide.padded_bytes(layout);
        let a: &[f32] = bytemuck::cast_slice(&a);
        let b: &[f32] = bytemuck::cast_slice(&b);
        assert_eq!((a.len(), b.len()), (m * 8, 8 * 8));
        assert_eq!(&a[8..8 + k], &wide.a[k..2 * k]);
        assert!(a[k..8].iter().all(|&x| x == 0.0));
        assert!(b[k * 8..].iter().all(|&x| x == 0.0));
        let [a16, _] = narrow.padded_bytes(layout);
        assert_eq!(a16.len(), m * 8 * 2);
    }
}
