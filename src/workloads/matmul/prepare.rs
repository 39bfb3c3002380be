//! Preparing a variant of the matmul module: inputs uploaded in the vec4
//! layout as buffers or textures, C and the dimensions uniform allocated, the
//! pipeline built. [`matmul_kernel`] builds the kernel over operands the
//! caller owns, so that an operation made of several kernels (the
//! transformer block) runs the same verified matmuls on its own activations.

use super::batched::DimsUniform;
use super::check::MatmulCheck;
use super::inputs::{Dims, MatmulInputs};
use super::shader::{module_source, texel_format};
use super::variants::{offers, Offer, Source};
use crate::gpu::{
    storage_buffer_init, storage_buffer_zeroed, texture_init, uniform_buffer, Gpu, GpuError,
    Kernel, KernelSpec,
};
use crate::workloads::{Candidate, Case, Dtype, KernelCase, Prepared};

/// Where a matmul kernel reads A or B from: a storage buffer, or a
/// read-only storage texture of one vec4 of a row per texel (see
/// [`matrix_texture`]), as the candidate's variant reads them.
pub enum Operand<'a> {
    /// Rows of whole vec4s, one after another.
    Buffer(&'a wgpu::Buffer),
    /// Texel (c, row) = vec4 c of the row.
    Texture(&'a wgpu::TextureView),
}

/// The offer `candidate` names for `dtype`. Panics on a variant the matmul
/// module lacks: candidates come from [`super::Matmul`]'s own list.
fn offer_of(dtype: Dtype, candidate: &Candidate) -> Offer {
    offers(dtype)
        .into_iter()
        .find(|o| o.name == candidate.variant)
        .unwrap_or_else(|| panic!("unknown matmul variant {}", candidate.variant))
}

/// Whether `candidate` (a matmul candidate of `dtype`) reads A and B from
/// textures rather than storage buffers.
pub fn reads_textures(dtype: Dtype, candidate: &Candidate) -> bool {
    offer_of(dtype, candidate).variant.source == Source::Textures
}

/// A `rows × cols` matrix of `dtype` (`cols` a multiple of 4) as the
/// texture kernels read it, `cols / 4` texels wide, filled from `data`
/// (zeros where a kernel writes it): bound read-only by matmul kernels and
/// writable by kernels that produce an operand.
pub fn matrix_texture(
    gpu: &Gpu,
    dtype: Dtype,
    label: &str,
    (rows, cols): (usize, usize),
    data: &[u8],
) -> wgpu::Texture {
    texture_init(
        gpu,
        label,
        texel_format(dtype).0,
        ((cols / 4) as u32, rows as u32),
        data,
        wgpu::TextureUsages::STORAGE_BINDING,
    )
}

/// The kernel of `candidate` computing C = A·B for an `m × n × k` product
/// whose operands are stored in the vec4 layout (K padded to 8, N to 4,
/// padding zero): A and B where the variant reads them, C a buffer of `m`
/// rows of the padded N in the accumulation dtype.
#[allow(clippy::too_many_arguments)]
pub fn matmul_kernel(
    gpu: &Gpu,
    dtype: Dtype,
    candidate: &Candidate,
    (m, n, k): (usize, usize, usize),
    a: Operand<'_>,
    b: Operand<'_>,
    c: &wgpu::Buffer,
) -> Result<Kernel, GpuError> {
    let offer = offer_of(dtype, candidate);
    let variant = offer.variant;
    let dims = Dims { m, n, k };
    let padded = dims.vec4_layout();
    // A batch of one product.
    let uniform = DimsUniform::of(dims, 1);
    let dims_buffer = gpu.catching(|| uniform_buffer(gpu, "dims", bytemuck::bytes_of(&uniform)))?;
    // A and B at bindings 0 and 1 (buffers) or 4 and 5 (textures), as
    // matmul.wgsl declares them; C and dims at 2 and 3.
    let mut bindings = vec![
        (2, c.as_entire_binding()),
        (3, dims_buffer.as_entire_binding()),
    ];
    for (operand, (buffer_at, texture_at)) in [(a, (0, 4)), (b, (1, 5))] {
        match (operand, variant.source) {
            (Operand::Buffer(buffer), Source::Buffers) => {
                bindings.push((buffer_at, buffer.as_entire_binding()))
            }
            (Operand::Texture(view), Source::Textures) => {
                bindings.push((texture_at, wgpu::BindingResource::TextureView(view)))
            }
            _ => panic!(
                "{} reads its operands from {:?}",
                offer.name, variant.source
            ),
        }
    }
    let (x, y) = variant
        .family
        .workgroups(m as u32, (padded.n / 4) as u32, &candidate.constants);
    Kernel::build(
        gpu,
        &KernelSpec {
            label: &format!("matmul_{dtype}_{}", offer.name),
            source: &module_source(dtype, offer.accumulate, variant.subgroups),
            entry_point: variant.entry_point,
            constants: &candidate.constants,
            bounds_checked: false,
            bindings: &bindings,
            workgroups: (x, y, 1),
        },
    )
}

/// Uploads the inputs and builds the kernel of the matmul module `candidate` names.
pub(super) fn prepare(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    seed: u64,
) -> Result<Box<dyn Prepared>, GpuError> {
    let dims = Dims::of(case);
    let padded = dims.vec4_layout();
    let offer = offer_of(case.dtype, candidate);
    let inputs = MatmulInputs::draw(case.dtype, dims.m, dims.n, dims.k, seed);
    let [a_padded, b_padded] = inputs.padded_bytes(padded);
    let c_bytes = (dims.m * padded.n) as u64 * offer.accumulate.size_bytes();
    let c = gpu.catching(|| storage_buffer_zeroed(gpu, "C", c_bytes))?;
    let check = MatmulCheck {
        inputs,
        c,
        c_row_len: padded.n,
        accumulate: offer.accumulate,
        seed,
    };
    let shape = (dims.m, dims.n, dims.k);
    let kernel = match offer.variant.source {
        Source::Buffers => {
            let [a, b] = gpu.catching(|| {
                [
                    storage_buffer_init(gpu, "A", &a_padded),
                    storage_buffer_init(gpu, "B", &b_padded),
                ]
            })?;
            let (a, b) = (Operand::Buffer(&a), Operand::Buffer(&b));
            matmul_kernel(gpu, case.dtype, candidate, shape, a, b, &check.c)?
        }
        Source::Textures => {
            let [a, b] = gpu.catching(|| {
                [
                    matrix_texture(gpu, case.dtype, "A", (padded.m, padded.k), &a_padded),
                    matrix_texture(gpu, case.dtype, "B", (padded.k, padded.n), &b_padded),
                ]
                .map(|t| t.create_view(&Default::default()))
            })?;
            let (a, b) = (Operand::Texture(&a), Operand::Texture(&b));
            matmul_kernel(gpu, case.dtype, candidate, shape, a, b, &check.c)?
        }
    };
    Ok(Box::new(KernelCase { kernel, check }))
}
