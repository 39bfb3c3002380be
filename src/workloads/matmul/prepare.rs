//! Preparing a variant of the matmul module: inputs uploaded in the vec4
//! layout as buffers or textures, C and the dimensions uniform allocated, the
//! pipeline built.

use super::batched::DimsUniform;
use super::check::MatmulCheck;
use super::inputs::{Dims, MatmulInputs};
use super::shader::{module_source, texel_format};
use super::variants::{offers, Source};
use crate::gpu::{
    in_order, storage_buffer_init, storage_buffer_zeroed, texture_init, uniform_buffer, Gpu,
    GpuError, Kernel, KernelSpec,
};
use crate::workloads::{Candidate, Case, KernelCase, Prepared};

/// Uploads the inputs and builds the kernel of the matmul module `candidate` names.
pub(super) fn prepare(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    seed: u64,
) -> Result<Box<dyn Prepared>, GpuError> {
    let dims = Dims::of(case);
    let padded = dims.vec4_layout();
    let offer = offers(case.dtype)
        .into_iter()
        .find(|o| o.name == candidate.variant)
        .unwrap_or_else(|| panic!("unknown matmul variant {}", candidate.variant));
    let variant = offer.variant;
    let inputs = MatmulInputs::draw(case.dtype, dims.m, dims.n, dims.k, seed);
    let [a_padded, b_padded] = inputs.padded_bytes(padded);

    let (m, n_vec4) = (dims.m as u32, (padded.n / 4) as u32);
    let k_vec4 = (padded.k / 4) as u32;
    // A batch of one product.
    let uniform = DimsUniform::of(dims, 1);
    let c_bytes = (dims.m * padded.n) as u64 * offer.accumulate.size_bytes();
    let (c, dims_buffer) = gpu.catching(|| {
        (
            storage_buffer_zeroed(gpu, "C", c_bytes),
            uniform_buffer(gpu, "dims", bytemuck::bytes_of(&uniform)),
        )
    })?;
    let source = module_source(case.dtype, offer.accumulate, variant.subgroups);
    let label = format!("matmul_{}_{}", case.dtype, offer.name);
    let (x, y) = variant.family.workgroups(m, n_vec4, &candidate.constants);
    let check = MatmulCheck {
        inputs,
        c,
        c_row_len: padded.n,
        accumulate: offer.accumulate,
        seed,
    };
    // A and B as the variant reads them: buffers at bindings 0 and 1, or
    // textures at 4 and 5 (as matmul.wgsl declares them); C and dims at 2 and 3.
    let (a, b, views);
    let mut bindings = vec![
        (2, check.c.as_entire_binding()),
        (3, dims_buffer.as_entire_binding()),
    ];
    match variant.source {
        Source::Buffers => {
            [a, b] = gpu.catching(|| {
                [
                    storage_buffer_init(gpu, "A", &a_padded),
                    storage_buffer_init(gpu, "B", &b_padded),
                ]
            })?;
            bindings.extend(in_order(&[&a, &b]));
        }
        Source::Textures => {
            let texture = |label, extent, data: &[u8]| {
                texture_init(
                    gpu,
                    label,
                    texel_format(case.dtype).0,
                    extent,
                    data,
                    wgpu::TextureUsages::STORAGE_BINDING,
                )
            };
            views = gpu.catching(|| {
                [
                    texture("A", (k_vec4, m), &a_padded),
                    texture("B", (n_vec4, k_vec4 * 4), &b_padded),
                ]
                .map(|t| t.create_view(&Default::default()))
            })?;
            bindings.extend([
                (4, wgpu::BindingResource::TextureView(&views[0])),
                (5, wgpu::BindingResource::TextureView(&views[1])),
            ]);
        }
    }
    let kernel = Kernel::build(
        gpu,
        &KernelSpec {
            label: &label,
            source: &source,
            entry_point: variant.entry_point,
            constants: &candidate.constants,
            bounds_checked: false,
            bindings: &bindings,
            workgroups: (x, y, 1),
        },
    )?;
    Ok(Box::new(KernelCase { kernel, check }))
}
