//! A block case on the device: the seeded inputs uploaded (every layer's
//! weights where the matmul variants read them, its KV cache as the
//! textures attention reads), the activations between stages allocated
//! once and reused by every layer, and each layer's stages built as kernels
//! of the matmul module, the attention kernels and `shaders/block.wgsl`, run
//! in order as one [`StagedCase`].
//!
//! The residual stream ping-pongs between two buffers and the first layer
//! reads the input, which nothing writes: every repeat of the operation
//! computes the same output.

use bytemuck::{Pod, Zeroable};

use super::inputs::block_inputs;
use super::stages::Step;
use super::{block_dims, split_candidate};
use crate::case::{Candidate, Case, Dtype};
use crate::gpu::{
    read_buffer, storage_buffer_init, storage_buffer_zeroed, texture_init, uniform_buffer, Gpu,
    GpuError, Kernel, KernelSpec, Stages,
};
use crate::reference::{
    check_block, BlockDims, BlockInputs, LayerWeights, Verification, LAYER_NORM_EPSILON,
};
use crate::workloads::attention::{
    fused_candidates, fused_kernel, texture_layouts, Bound, Params, TextureLayout,
};
use crate::workloads::attention_decode::{decode_kernel, one_pass_candidates};
use crate::workloads::matmul::{matmul_kernel, matrix_texture, reads_textures, Operand};
use crate::workloads::{without_part, OutputCheck, Prepared, StagedCase};

const SHADER: &str = include_str!("../../../shaders/block.wgsl");
const OPERAND_BUFFER: &str = "// @operand-buffer";
const OPERAND_TEXTURE: &str = "// @operand-texture";

/// Invocations per workgroup of every `block.wgsl` kernel (`WORKGROUP`).
pub(super) const WORKGROUP: u32 = 64;

/// Mirrors `struct Params` of `block.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct BlockParams {
    pub tokens: u32,
    pub d4: u32,
    pub ff4: u32,
    pub head_d4: u32,
    pub kv_len: u32,
    pub past: u32,
    pub q_fold_log2: u32,
    pub kv_fold_log2: u32,
    pub epsilon: f32,
    pub _pad: [u32; 3],
}

/// `block.wgsl` with the `store_operand` that writes matmul operands as
/// `textures` or buffers.
pub(super) fn block_source(textures: bool) -> String {
    let (common, rest) = SHADER.split_once(OPERAND_BUFFER).expect("buffer part");
    let part = match textures {
        true => rest.split_once(OPERAND_TEXTURE).expect("texture part").1,
        false => without_part(rest, OPERAND_TEXTURE),
    };
    format!("{common}{part}")
}

/// A matmul operand: a buffer or a texture, as the matmul variant reads it.
enum Matrix {
    Buffer(wgpu::Buffer),
    Texture(wgpu::TextureView),
}

impl Matrix {
    /// A `rows × cols` matrix holding `values` (zeros when empty).
    fn new(
        gpu: &Gpu,
        textures: bool,
        label: &str,
        (rows, cols): (usize, usize),
        values: &[f32],
    ) -> Matrix {
        let zeros;
        let values = match values.is_empty() {
            true => {
                zeros = vec![0.0f32; rows * cols];
                &zeros
            }
            false => values,
        };
        let data = bytemuck::cast_slice(values);
        match textures {
            true => Matrix::Texture(
                matrix_texture(gpu, Dtype::F32, label, (rows, cols), data)
                    .create_view(&Default::default()),
            ),
            false => Matrix::Buffer(storage_buffer_init(gpu, label, data)),
        }
    }

    fn operand(&self) -> Operand<'_> {
        match self {
            Matrix::Buffer(b) => Operand::Buffer(b),
            Matrix::Texture(t) => Operand::Texture(t),
        }
    }

    /// As a binding of `block.wgsl`'s `operand`.
    fn binding(&self) -> wgpu::BindingResource<'_> {
        match self {
            Matrix::Buffer(b) => b.as_entire_binding(),
            Matrix::Texture(t) => wgpu::BindingResource::TextureView(t),
        }
    }
}

/// One layer's parameters and KV cache on the device.
struct Layer {
    qkv: Matrix,
    out: Matrix,
    up: Matrix,
    down: Matrix,
    /// ln1 gain, ln1 bias, qkv bias, out bias, ln2 gain, ln2 bias, up bias, down bias.
    vectors: [wgpu::Buffer; 8],
    /// K and V, heads × kv_len rows, folded as attention reads them.
    kv: [wgpu::TextureView; 2],
}

/// A head-major texture of `rows` rows of `head_d4` texels folded by
/// `layout`, holding `values` (fewer than all rows: the rest are zero).
fn head_texture(
    gpu: &Gpu,
    label: &str,
    layout: TextureLayout,
    values: &[f32],
) -> wgpu::TextureView {
    let mut padded = values.to_vec();
    padded.resize(layout.width as usize * layout.height as usize * 4, 0.0);
    texture_init(
        gpu,
        label,
        wgpu::TextureFormat::Rgba32Float,
        (layout.width, layout.height),
        bytemuck::cast_slice(&padded),
        wgpu::TextureUsages::STORAGE_BINDING,
    )
    .create_view(&Default::default())
}

impl Layer {
    fn upload(
        gpu: &Gpu,
        dims: &BlockDims,
        textures: bool,
        kv_layout: TextureLayout,
        w: &LayerWeights,
    ) -> Layer {
        let (d, ff, hd, past, kv) = (
            dims.d_model,
            dims.d_ff,
            dims.head_dim(),
            dims.past(),
            dims.kv_len,
        );
        let buffer =
            |label, values: &[f32]| storage_buffer_init(gpu, label, bytemuck::cast_slice(values));
        // The cache's rows of each head at the start of its kv_len rows.
        let cache = |values: &[f32]| -> Vec<f32> {
            let mut rows = vec![0.0; dims.heads * kv * hd];
            for h in 0..dims.heads {
                rows[h * kv * hd..][..past * hd]
                    .copy_from_slice(&values[h * past * hd..][..past * hd]);
            }
            rows
        };
        Layer {
            qkv: Matrix::new(gpu, textures, "W_qkv", (d, 3 * d), &w.qkv),
            out: Matrix::new(gpu, textures, "W_out", (d, d), &w.out),
            up: Matrix::new(gpu, textures, "W_up", (d, ff), &w.up),
            down: Matrix::new(gpu, textures, "W_down", (ff, d), &w.down),
            vectors: [
                buffer("ln1 gain", &w.ln1[0]),
                buffer("ln1 bias", &w.ln1[1]),
                buffer("qkv bias", &w.qkv_bias),
                buffer("out bias", &w.out_bias),
                buffer("ln2 gain", &w.ln2[0]),
                buffer("ln2 bias", &w.ln2[1]),
                buffer("up bias", &w.up_bias),
                buffer("down bias", &w.down_bias),
            ],
            kv: [
                head_texture(gpu, "K cache", kv_layout, &cache(&w.past_kv[0])),
                head_texture(gpu, "V cache", kv_layout, &cache(&w.past_kv[1])),
            ],
        }
    }
}

/// The activations every layer reuses.
struct Activations {
    input: wgpu::Buffer,
    /// The residual stream after attention, and after the MLP.
    streams: [wgpu::Buffer; 2],
    qkv: wgpu::Buffer,
    q: wgpu::TextureView,
    attended: wgpu::Buffer,
    projected: wgpu::Buffer,
    up: wgpu::Buffer,
    /// A operand of the QKV, output and up projections (tokens × d_model).
    operand_d: Matrix,
    /// A operand of the down projection (tokens × d_ff).
    operand_ff: Matrix,
}

/// Checks the final residual stream against the f64 reference.
pub struct BlockCheck {
    dims: BlockDims,
    inputs: BlockInputs,
    output: wgpu::Buffer,
    seed: u64,
}

impl OutputCheck for BlockCheck {
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let count = self.dims.tokens * self.dims.d_model;
        let bytes = read_buffer(gpu, &self.output, count as u64 * 4)?;
        let out: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(check_block(&self.dims, &self.inputs, out, self.seed))
    }
}

/// Prepares `candidate` of block case `case` from inputs drawn from `seed`,
/// leaving out the stages of `omit` in every layer: a wrong composition
/// (such as a missing residual add), which the check must catch.
pub fn prepare_block(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    seed: u64,
    omit: &[Step],
) -> Result<Box<dyn Prepared>, GpuError> {
    let dims = block_dims(case);
    let attention_dims = dims.attention();
    let invalid = |message: String| GpuError::Wgpu {
        kind: "validation",
        message,
    };
    let kernels = split_candidate(candidate).map_err(invalid)?;
    let textures = reads_textures(Dtype::F32, &kernels.widening);
    if reads_textures(Dtype::F32, &kernels.narrowing) != textures {
        return Err(invalid(format!(
            "{}: one kernel reads textures, the other buffers, but the activations have one form",
            candidate.variant
        )));
    }
    let layouts = texture_layouts(&attention_dims, gpu).map_err(invalid)?;
    let attention_candidate = match dims.tokens {
        1 => one_pass_candidates(Dtype::F32, &attention_dims, gpu),
        _ => fused_candidates(Dtype::F32, &attention_dims, gpu),
    }
    .map_err(invalid)?
    .into_iter()
    .find(|c| c.variant == kernels.attention)
    .ok_or_else(|| invalid(format!("no attention variant {} here", kernels.attention)))?;
    let inputs = block_inputs(&dims, seed);
    let (s, d, ff) = (dims.tokens, dims.d_model, dims.d_ff);
    let block_params = BlockParams {
        tokens: s as u32,
        d4: (d / 4) as u32,
        ff4: (ff / 4) as u32,
        head_d4: (dims.head_dim() / 4) as u32,
        kv_len: dims.kv_len as u32,
        past: dims.past() as u32,
        q_fold_log2: layouts.0.fold_log2,
        kv_fold_log2: layouts.1.fold_log2,
        epsilon: LAYER_NORM_EPSILON as f32,
        _pad: [0; 3],
    };
    let (params, attention_params, acts, layers) = gpu.catching(|| {
        let zeroed =
            |label, elements: usize| storage_buffer_zeroed(gpu, label, elements as u64 * 4);
        let acts = Activations {
            input: storage_buffer_init(gpu, "x", bytemuck::cast_slice(&inputs.x)),
            streams: [
                zeroed("stream after attention", s * d),
                zeroed("stream after MLP", s * d),
            ],
            qkv: zeroed("QKV", s * 3 * d),
            q: head_texture(gpu, "Q", layouts.0, &[]),
            attended: zeroed("attention output", s * d),
            projected: zeroed("projection output", s * d),
            up: zeroed("up projection output", s * ff),
            operand_d: Matrix::new(gpu, textures, "operand d", (s, d), &[]),
            operand_ff: Matrix::new(gpu, textures, "operand ff", (s, ff), &[]),
        };
        let layers: Vec<Layer> = inputs
            .layers
            .iter()
            .map(|w| Layer::upload(gpu, &dims, textures, layouts.1, w))
            .collect();
        (
            uniform_buffer(gpu, "block params", bytemuck::bytes_of(&block_params)),
            uniform_buffer(
                gpu,
                "attention params",
                bytemuck::bytes_of(&Params::of(&attention_dims, dims.kv_len).folded(layouts)),
            ),
            acts,
            layers,
        )
    })?;
    let source = block_source(textures);
    let small = |entry_point: &str, bindings: &[(u32, wgpu::BindingResource<'_>)], workgroups| {
        let mut all = vec![(0, params.as_entire_binding())];
        all.extend(bindings.iter().cloned());
        Kernel::build(
            gpu,
            &KernelSpec {
                label: &format!("block_{entry_point}"),
                source: &source,
                entry_point,
                constants: &[],
                bounds_checked: true,
                bindings: &all,
                workgroups,
            },
        )
    };
    let columns = |vec4s: usize| ((vec4s as u32).div_ceil(WORKGROUP), s as u32, 1);
    let projection = |step, (m, n, k), a: &Matrix, b: &Matrix, c: &wgpu::Buffer| {
        matmul_kernel(
            gpu,
            Dtype::F32,
            kernels.projection(step),
            (m, n, k),
            a.operand(),
            b.operand(),
            c,
        )
    };
    let mut stages = Vec::new();
    for (index, layer) in layers.iter().enumerate() {
        let x = match index {
            0 => &acts.input,
            _ => &acts.streams[1],
        };
        let [ln1_gain, ln1_bias, qkv_bias, out_bias, ln2_gain, ln2_bias, up_bias, down_bias] =
            &layer.vectors;
        let bound = Bound {
            params: &attention_params,
            o: &acts.attended,
            qkv: [&acts.q, &layer.kv[0], &layer.kv[1]],
        };
        for step in Step::ALL.into_iter().filter(|step| !omit.contains(step)) {
            let kernel = match step {
                Step::LayerNorm1 | Step::LayerNorm2 => {
                    let (input, gain, bias) = match step {
                        Step::LayerNorm1 => (x, ln1_gain, ln1_bias),
                        _ => (&acts.streams[0], ln2_gain, ln2_bias),
                    };
                    small(
                        "layer_norm",
                        &[
                            (1, input.as_entire_binding()),
                            (2, gain.as_entire_binding()),
                            (3, bias.as_entire_binding()),
                            (5, acts.operand_d.binding()),
                        ],
                        (s as u32, 1, 1),
                    )?
                }
                Step::Qkv => {
                    projection(step, (s, 3 * d, d), &acts.operand_d, &layer.qkv, &acts.qkv)?
                }
                Step::SplitHeads => small(
                    "split_heads",
                    &[
                        (1, acts.qkv.as_entire_binding()),
                        (2, qkv_bias.as_entire_binding()),
                        (6, wgpu::BindingResource::TextureView(&acts.q)),
                        (7, wgpu::BindingResource::TextureView(&layer.kv[0])),
                        (8, wgpu::BindingResource::TextureView(&layer.kv[1])),
                    ],
                    columns(3 * d / 4),
                )?,
                Step::Attention => match dims.tokens {
                    1 => decode_kernel(
                        gpu,
                        ("block_attention_decode", Dtype::F32),
                        &attention_dims,
                        &attention_candidate,
                        "decode",
                        1,
                        &bound,
                        None,
                    )?,
                    _ => fused_kernel(
                        gpu,
                        Dtype::F32,
                        &attention_dims,
                        &attention_candidate,
                        &bound,
                    )?,
                },
                Step::MergeHeads => small(
                    "merge_heads",
                    &[
                        (1, acts.attended.as_entire_binding()),
                        (5, acts.operand_d.binding()),
                    ],
                    columns(d / 4),
                )?,
                Step::OutProjection => projection(
                    step,
                    (s, d, d),
                    &acts.operand_d,
                    &layer.out,
                    &acts.projected,
                )?,
                Step::Residual1 | Step::Residual2 => {
                    let (input, bias, output) = match step {
                        Step::Residual1 => (x, out_bias, &acts.streams[0]),
                        _ => (&acts.streams[0], down_bias, &acts.streams[1]),
                    };
                    small(
                        "bias_residual",
                        &[
                            (1, input.as_entire_binding()),
                            (2, acts.projected.as_entire_binding()),
                            (3, bias.as_entire_binding()),
                            (4, output.as_entire_binding()),
                        ],
                        columns(d / 4),
                    )?
                }
                Step::UpProjection => {
                    projection(step, (s, ff, d), &acts.operand_d, &layer.up, &acts.up)?
                }
                Step::Gelu => small(
                    "bias_gelu",
                    &[
                        (1, acts.up.as_entire_binding()),
                        (2, up_bias.as_entire_binding()),
                        (5, acts.operand_ff.binding()),
                    ],
                    columns(ff / 4),
                )?,
                Step::DownProjection => projection(
                    step,
                    (s, d, ff),
                    &acts.operand_ff,
                    &layer.down,
                    &acts.projected,
                )?,
            };
            stages.push((step.name().to_string(), kernel));
        }
    }
    let check = BlockCheck {
        dims,
        inputs,
        output: acts.streams[1].clone(),
        seed,
    };
    Ok(Box::new(StagedCase {
        kernel: Stages::new(stages),
        check,
    }))
}
