//! Batched products through the matmul module's buffer kernels, for other
//! workloads (unfused attention's Q·Kᵀ and P·V): C[z] = A[z]·B[z / b_share]
//! for every z of a batch, in one dispatch whose workgroup z is the product.
//! The caller's buffers hold the matrices in the padded layout the matmul
//! workload uploads (A: M × K8, B: K8 × N4, C: M × N4, zero padding), each
//! stored whole after the one before it; `b_share` consecutive products read
//! one B (grouped-query attention's query heads sharing a K/V head).

use bytemuck::{Pod, Zeroable};

use super::shader::module_source;
use super::variants::{options, Source, VARIANTS};
use super::{matmul_case, Dims};
use crate::gpu::{in_order, uniform_buffer, Gpu, GpuError, Kernel, KernelSpec};
use crate::workloads::{Candidate, Dtype};

/// Mirrors `struct Dims` in `matmul.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct DimsUniform {
    m: u32,
    k_vec4: u32,
    n_vec4: u32,
    b_share: u32,
}

impl DimsUniform {
    /// The uniform of products of logical size `dims` (padded here), `b_share`
    /// of them reading each B.
    pub(super) fn of(dims: Dims, b_share: usize) -> DimsUniform {
        let padded = dims.vec4_layout();
        DimsUniform {
            m: padded.m as u32,
            k_vec4: (padded.k / 4) as u32,
            n_vec4: (padded.n / 4) as u32,
            b_share: b_share as u32,
        }
    }
}

/// One batch of f32 products and the buffers they read and write.
pub struct BatchedProduct<'a> {
    /// Products in the batch (workgroups along z).
    pub batches: usize,
    /// Consecutive products that read one B; divides `batches`.
    pub b_share: usize,
    /// Rows of each A and C.
    pub m: usize,
    /// Columns of each B and C (C's rows are N4 long).
    pub n: usize,
    /// Columns of each A, rows of each B (stored K8 long and deep).
    pub k: usize,
    /// The As, `batches` × M × K8.
    pub a: &'a wgpu::Buffer,
    /// The Bs, `batches / b_share` × K8 × N4.
    pub b: &'a wgpu::Buffer,
    /// The Cs, `batches` × M × N4.
    pub c: &'a wgpu::Buffer,
}

/// The kernels a batched product may run on `gpu`, as candidates of the
/// matmul workload: the buffer-fed ones without subgroups (the texture
/// kernels read one matrix per texture), at the tile shapes `gpu` can run,
/// workgroup_tiled at its 64 × 64 shape only (the 128-wide ones are for
/// square products far larger than attention's, and each costs a compile).
pub fn batched_candidates(gpu: &Gpu) -> Vec<Candidate> {
    let buffer_fed = |name: &str| {
        VARIANTS
            .iter()
            .any(|v| v.name == name && v.source == Source::Buffers && !v.subgroups)
    };
    let mut seen_workgroup_tiled = false;
    options(&matmul_case(Dtype::F32, 1, 1, 1), gpu)
        .0
        .into_iter()
        .filter(|c| buffer_fed(&c.variant))
        .filter(|c| match c.variant.as_str() {
            "workgroup_tiled" => !std::mem::replace(&mut seen_workgroup_tiled, true),
            _ => true,
        })
        .collect()
}

/// The kernel computing `product` with `candidate` (one of
/// [`batched_candidates`]). Its pipeline is the matmul workload's (same
/// label, module and constants), so each is compiled once per process.
pub fn batched_kernel(
    gpu: &Gpu,
    candidate: &Candidate,
    product: &BatchedProduct,
) -> Result<Kernel, GpuError> {
    let variant = VARIANTS
        .iter()
        .find(|v| v.name == candidate.variant && v.source == Source::Buffers && !v.subgroups)
        .unwrap_or_else(|| panic!("{} is no batched matmul kernel", candidate.variant));
    let dims = Dims {
        m: product.m,
        n: product.n,
        k: product.k,
    };
    let uniform = DimsUniform::of(dims, product.b_share);
    let dims_buffer = gpu.catching(|| uniform_buffer(gpu, "dims", bytemuck::bytes_of(&uniform)))?;
    let (x, y) = variant
        .family
        .workgroups(uniform.m, uniform.n_vec4, &candidate.constants);
    let mut bindings = in_order(&[product.a, product.b, product.c]);
    bindings.push((3, dims_buffer.as_entire_binding()));
    Kernel::build(
        gpu,
        &KernelSpec {
            label: &format!("matmul_{}_{}", Dtype::F32, variant.name),
            source: &module_source(Dtype::F32, Dtype::F32, false),
            entry_point: variant.entry_point,
            constants: &candidate.constants,
            // Every index is clamped or guarded (see matmul.wgsl).
            bounds_checked: false,
            bindings: &bindings,
            workgroups: (x, y, product.batches as u32),
        },
    )
}
