//! Checking a matmul kernel's C: read back, padding dropped, compared with the
//! CPU product of the inputs the kernel saw.

use half::f16;

use super::inputs::{Dims, MatmulInputs};
use crate::gpu::{read_buffer, Gpu, GpuError};
use crate::reference::{check_matmul, Verification};
use crate::workloads::{Dtype, OutputCheck};

/// What checking one kernel's output needs.
pub(super) struct MatmulCheck {
    /// A and B as the kernel saw them (unpadded, in f32), and their dimensions.
    pub(super) inputs: MatmulInputs,
    /// C as the kernel wrote it: M rows of `c_row_len` elements.
    pub(super) c: wgpu::Buffer,
    /// Elements per row of C in `c` (N and its padding).
    pub(super) c_row_len: usize,
    /// The dtype C was accumulated and stored in, whose tolerance applies.
    pub(super) accumulate: Dtype,
    /// Seed of the reference's random checks.
    pub(super) seed: u64,
}

impl OutputCheck for MatmulCheck {
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let Dims { m, n, k } = self.inputs.dims;
        let bytes = read_buffer(
            gpu,
            &self.c,
            (m * self.c_row_len) as u64 * self.accumulate.size_bytes(),
        )?;
        let padded: Vec<f32> = match self.accumulate {
            Dtype::F32 => bytemuck::cast_slice(&bytes).to_vec(),
            Dtype::F16 => bytemuck::cast_slice::<u8, f16>(&bytes)
                .iter()
                .map(|x| x.to_f32())
                .collect(),
        };
        let c: Vec<f32> = padded
            .chunks(self.c_row_len)
            .flat_map(|row| row[..n].iter().copied())
            .collect();
        Ok(check_matmul(
            &self.inputs.a,
            &self.inputs.b,
            &c,
            m,
            n,
            k,
            self.accumulate,
            self.seed,
        ))
    }
}
