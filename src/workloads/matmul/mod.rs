//! Matrix multiply, C = A·B, row-major, any M, N, K ≥ 1, in f32 and in f16
//! (accumulating in f16 or in f32).
//!
//! Kernels live in `shaders/matmul*.wgsl`. Inputs are padded with zeros, K to
//! a multiple of 8 and N to a multiple of 4, so ragged sizes need no scalar
//! tail in any kernel; FLOPs and bytes are counted on the logical shape, never
//! the padding. Most kernels read A and B from storage buffers; the texture
//! kernels read the same padded matrices from 2D textures with one vec4 per
//! texel, which software adapters fetch far faster than per-lane buffer loads.
//!
//! One idea per file: `variants` (the kernels, their tile shapes, which a case
//! may run), `shader` (the module a variant is built from), `inputs` (the
//! seeded A and B, their rounding and padding), `prepare` (buffers, textures,
//! pipeline), `check` (C against the CPU reference), `coop` (the
//! cooperative-matrix kernels), `batched` (batches of products through the
//! buffer kernels, for other workloads: unfused attention).

mod batched;
mod check;
mod coop;
mod inputs;
mod prepare;
mod shader;
mod variants;

pub use batched::{batched_candidates, batched_kernel, BatchedProduct};
pub use inputs::{pad_matrix, MatmulInputs};
pub use prepare::{matmul_kernel, matrix_texture, reads_textures, Operand};

use super::{require_dtype, Candidate, Case, Dtype, Prepared, Unavailable, Work, Workload};
use crate::gpu::{Gpu, GpuError};
use coop::{coop_tile, is_coop, prepare_coop};
use inputs::Dims;
use variants::options;

/// The matmul workload.
pub struct Matmul;

/// Builds a matmul case `m × n × k` (A is m × k, B is k × n).
pub fn matmul_case(dtype: Dtype, m: u64, n: u64, k: u64) -> Case {
    Case {
        workload: "matmul".into(),
        dtype,
        shape: super::Shape::new(&[("m", m), ("n", n), ("k", k)]),
    }
}

/// Rows × columns of C that one workgroup of `variant` computes with
/// `constants` (as a report's measurement names them): the grain in which
/// work is done, whatever the logical shape. None for an unknown variant.
pub fn output_tile(variant: &str, constants: &[(String, f64)]) -> Option<(u64, u64)> {
    let tile = match coop_tile(variant) {
        Some(edge) => (edge, edge),
        None => variants::output_tile(variant, constants)?,
    };
    Some((u64::from(tile.0), u64::from(tile.1)))
}

/// The candidates of `case` on `gpu` that [`matmul_kernel`] builds over a
/// caller's operands: all but the cooperative-matrix kernels, which keep
/// their own tile-padded layout.
pub fn composable_candidates(case: &Case, gpu: &Gpu) -> Vec<Candidate> {
    let (candidates, _) = options(case, gpu);
    candidates.into_iter().filter(|c| !is_coop(c)).collect()
}

impl Workload for Matmul {
    fn family(&self) -> &'static str {
        "matmul"
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["m", "n", "k"]
    }

    fn work(&self, case: &Case) -> Work {
        let Dims { m, n, k } = Dims::of(case);
        let element = case.dtype.size_bytes();
        Work {
            flop: 2.0 * m as f64 * n as f64 * k as f64,
            bytes_read: (m * k + k * n) as u64 * element,
            bytes_written: (m * n) as u64 * element,
        }
    }

    fn buffers(&self, case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
        let d = Dims::of(case).vec4_layout();
        let element = case.dtype.size_bytes();
        let bytes = |rows: usize, cols: usize| (rows * cols) as u64 * element;
        vec![
            ("A".into(), bytes(d.m, d.k)),
            ("B".into(), bytes(d.k, d.n)),
            // C holds the accumulation dtype, at most f32.
            ("C".into(), (d.m * d.n) as u64 * 4),
        ]
    }

    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        require_dtype(gpu, case.dtype)?;
        Ok(options(case, gpu).0)
    }

    fn unavailable(&self, case: &Case, gpu: &Gpu) -> Vec<Unavailable> {
        options(case, gpu).1
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        if is_coop(candidate) {
            return prepare_coop(gpu, case, candidate, seed);
        }
        prepare::prepare(gpu, case, candidate, seed)
    }
}
