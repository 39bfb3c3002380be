//! Attention, O = softmax(Q·Kᵀ/√d + mask)·V over batch × query heads, with
//! grouped-query heads (query head h reads K/V head h / (Hq/Hkv)) and an
//! optional causal mask aligned bottom-right (query i sees keys
//! j ≤ i + Skv − Sq). Four families share the shape, the inputs, the work
//! count and the output check kept here:
//!
//! - `attention`: fused, flash-style (`shaders/attention.wgsl`), this file;
//! - `attention_unfused`: scores, softmax, P·V as three kernels
//!   (`attention_unfused.rs`), the baseline the fused kernels must beat;
//! - `attention_decode` and `attention_decode_split`: for short Sq, one pass
//!   over K/V per K/V head, or split-KV with a merge (`attention_decode.rs`).
//!
//! Each family is an [`AttentionFamily`]: what sets it apart (its figure,
//! work, scratch, candidates and kernels) as data, the [`Workload`] methods
//! implemented once for all four.
//!
//! Shapes name their dimensions: `b1_hq32_hkv8_sq1_skv4096_d128_causal`.
//! d must be a multiple of 4 (rows are read as vec4s) and at most 256;
//! a shape that breaks a rule is `unsupported`, with the rule in words.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::attention_decode::{ATTENTION_DECODE, ATTENTION_DECODE_SPLIT};
use super::attention_unfused::ATTENTION_UNFUSED;
use super::{
    constant, dimension, named_shape, require_dtype, seeded_uniform, subgroups_of_at_least,
    with_element_type, Candidate, Case, Dtype, Figure, KernelCase, OutputCheck, Prepared, Work,
    Workload,
};
use crate::gpu::{
    read_buffer, storage_buffer_init, storage_buffer_zeroed, texture_init, uniform_buffer,
    Dispatch, Gpu, GpuError, Kernel, KernelSpec, WallClockTimer,
};
use crate::reference::{check_attention, AttentionDims, AttentionInputs, Verification};

const SHADER: &str = include_str!("../../shaders/attention.wgsl");
/// What every attention shader shares, prepended to each.
const COMMON: &str = include_str!("../../shaders/attention_common.wgsl");

/// Dimensions of every attention shape, in order: batch, query heads, K/V
/// heads, query length, K/V length, head dimension, causal (a switch, 0 or 1).
pub const ATTENTION_DIMENSIONS: [&str; 7] = ["b", "hq", "hkv", "sq", "skv", "d", "causal"];

/// The attention families.
const FAMILIES: [&AttentionFamily; 4] = [
    &ATTENTION,
    &ATTENTION_UNFUSED,
    &ATTENTION_DECODE,
    &ATTENTION_DECODE_SPLIT,
];

/// The attention families' names: fused, unfused, one-pass decode, split decode.
pub const ATTENTION_FAMILIES: [&str; 4] = [
    ATTENTION.name,
    ATTENTION_UNFUSED.name,
    ATTENTION_DECODE.name,
    ATTENTION_DECODE_SPLIT.name,
];

/// Largest head dimension the kernels hold.
pub const MAX_HEAD_DIM: usize = 256;

/// An attention case of `family` (`attention`, `attention_unfused`,
/// `attention_decode`, `attention_decode_split`) at `dims`.
pub fn attention_case(family: &str, dtype: Dtype, dims: AttentionDims) -> Case {
    let sizes = [
        dims.batch,
        dims.q_heads,
        dims.kv_heads,
        dims.q_len,
        dims.kv_len,
        dims.head_dim,
        usize::from(dims.causal),
    ];
    Case {
        workload: family.into(),
        dtype,
        shape: named_shape(&ATTENTION_DIMENSIONS, &sizes),
    }
}

/// The dimensions of an attention case.
pub fn attention_dims(case: &Case) -> AttentionDims {
    let dim = |name| dimension(case, name);
    AttentionDims {
        batch: dim("b"),
        q_heads: dim("hq"),
        kv_heads: dim("hkv"),
        q_len: dim("sq"),
        kv_len: dim("skv"),
        head_dim: dim("d"),
        causal: dim("causal") != 0,
    }
}

/// Why no attention kernel can run `case`, if none can: a shape rule it
/// breaks, or f16 without `SHADER_F16`.
pub(super) fn unrunnable(case: &Case, gpu: &Gpu) -> Result<AttentionDims, String> {
    require_dtype(gpu, case.dtype)?;
    let dims = attention_dims(case);
    if !dims.q_heads.is_multiple_of(dims.kv_heads) {
        return Err(format!(
            "hq ({}) must be a multiple of hkv ({}): each K/V head serves a whole group of query heads",
            dims.q_heads, dims.kv_heads
        ));
    }
    if !dims.head_dim.is_multiple_of(4) || dims.head_dim > MAX_HEAD_DIM {
        return Err(format!(
            "d ({}) must be a multiple of 4 (rows are read as vec4s) and at most {MAX_HEAD_DIM}",
            dims.head_dim
        ));
    }
    Ok(dims)
}

/// The work every attention family does: 4·d FLOPs per unmasked (query,
/// key) pair per (batch, query head) (two d-long products: q·k and p·v); Q
/// read and O written once, K and V read once per K/V head.
pub(super) fn attention_work(case: &Case) -> Work {
    let dims = attention_dims(case);
    let element = case.dtype.size_bytes();
    let heads = (dims.batch * dims.q_heads) as f64;
    let q_elements = (dims.batch * dims.q_heads * dims.q_len * dims.head_dim) as u64;
    let kv_elements = (dims.batch * dims.kv_heads * dims.kv_len * dims.head_dim) as u64;
    Work {
        flop: 4.0 * heads * dims.head_dim as f64 * dims.unmasked_pairs() as f64,
        bytes_read: (q_elements + 2 * kv_elements) * element,
        bytes_written: q_elements * element,
    }
}

/// Q, K, V and O as (description, bytes), the buffers every family binds.
pub(super) fn operand_buffers(case: &Case) -> Vec<(String, u64)> {
    let dims = attention_dims(case);
    let element = case.dtype.size_bytes();
    let q = (dims.batch * dims.q_heads * dims.q_len * dims.head_dim) as u64 * element;
    let kv = (dims.batch * dims.kv_heads * dims.kv_len * dims.head_dim) as u64 * element;
    vec![
        ("Q".into(), q),
        ("K".into(), kv),
        ("V".into(), kv),
        ("O".into(), q),
    ]
}

/// Seeded inputs in [-1, 1], rounded to the case's dtype.
pub fn attention_inputs(case: &Case, seed: u64) -> AttentionInputs {
    let dims = attention_dims(case);
    let q_len = dims.batch * dims.q_heads * dims.q_len * dims.head_dim;
    let kv_len = dims.batch * dims.kv_heads * dims.kv_len * dims.head_dim;
    AttentionInputs {
        q: round_to(case.dtype, seeded_uniform(seed, 0, q_len)),
        k: round_to(case.dtype, seeded_uniform(seed, 1, kv_len)),
        v: round_to(case.dtype, seeded_uniform(seed, 2, kv_len)),
    }
}

/// `values` rounded to the nearest value `dtype` holds.
pub fn round_to(dtype: Dtype, values: Vec<f32>) -> Vec<f32> {
    match dtype {
        Dtype::F32 => values,
        Dtype::F16 => values
            .into_iter()
            .map(|x| f16::from_f32(x).to_f32())
            .collect(),
    }
}

/// `values` (representable in `dtype`) as `dtype`'s bytes.
fn as_bytes(dtype: Dtype, values: &[f32]) -> Vec<u8> {
    match dtype {
        Dtype::F32 => bytemuck::cast_slice(values).to_vec(),
        Dtype::F16 => {
            let halves: Vec<f16> = values.iter().map(|&x| f16::from_f32(x)).collect();
            bytemuck::cast_slice(&halves).to_vec()
        }
    }
}

/// Elements per row of the unfused path's score matrix: Skv rounded up to a
/// multiple of 8, so that the matrix is a matmul input (K padded to 8) as
/// well as an output (N padded to 4).
pub(super) fn score_row_len(kv_len: usize) -> usize {
    kv_len.next_multiple_of(8)
}

/// Mirrors `struct Params` of the attention shaders (declared alike in each).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct Params {
    q_heads: u32,
    group: u32,
    q_len: u32,
    kv_len: u32,
    causal: u32,
    scale_log2: f32,
    split_len: u32,
    kv_len4: u32,
    d4: u32,
    q_fold_log2: u32,
    kv_fold_log2: u32,
    _pad: u32,
}

impl Params {
    /// The parameters of `dims`; `split_len` is the decode kernels' keys per split.
    pub(super) fn of(dims: &AttentionDims, split_len: usize) -> Params {
        Params {
            q_heads: dims.q_heads as u32,
            group: (dims.q_heads / dims.kv_heads) as u32,
            q_len: dims.q_len as u32,
            kv_len: dims.kv_len as u32,
            causal: u32::from(dims.causal),
            scale_log2: (std::f64::consts::LOG2_E / (dims.head_dim as f64).sqrt()) as f32,
            split_len: split_len as u32,
            kv_len4: (score_row_len(dims.kv_len) / 4) as u32,
            d4: (dims.head_dim / 4) as u32,
            q_fold_log2: 0,
            kv_fold_log2: 0,
            _pad: 0,
        }
    }

    /// These parameters for kernels reading textures laid out as `layouts`.
    pub(super) fn folded(self, (q, kv): (TextureLayout, TextureLayout)) -> Params {
        Params {
            q_fold_log2: q.fold_log2,
            kv_fold_log2: kv.fold_log2,
            ..self
        }
    }
}

/// WGSL for an attention shader: `body` after the element type, the head
/// dimension in vec4s (`const D4`, which sizes arrays) and
/// `attention_common.wgsl`, with the texel format of the dtype.
pub(super) fn attention_source(dtype: Dtype, dims: &AttentionDims, body: &str) -> String {
    let texel_format = match dtype {
        Dtype::F32 => "rgba32float",
        Dtype::F16 => "rgba16float",
    };
    let source = format!("const D4: u32 = {}u;\n{COMMON}{body}", dims.head_dim / 4);
    with_element_type(dtype, &source.replace("TEXEL_FORMAT", texel_format))
}

/// The buffers of one prepared case: O zeroed, the parameters, and the
/// inputs kept for the check (uploaded by [`Operands::buffers`] or
/// [`Operands::textures`], as the kernels read them).
pub(super) struct Operands {
    pub params: wgpu::Buffer,
    pub check: AttentionCheck,
}

/// How Q, K and V rows are folded into textures: `fold` rows side by side
/// in each texture row (a power of two), so that long inputs stay within the
/// adapter's largest 2D texture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TextureLayout {
    /// log2 of the rows per texture row.
    pub fold_log2: u32,
    /// Texels per texture row.
    pub width: u32,
    /// Texture rows.
    pub height: u32,
}

impl TextureLayout {
    /// The layout of `rows` rows of `d4` texels within `max_extent`, if any fits.
    pub(super) fn of(rows: usize, d4: usize, max_extent: u32) -> Option<TextureLayout> {
        let max = max_extent as usize;
        (0..20).find_map(|fold_log2| {
            let (width, height) = (d4 << fold_log2, rows.div_ceil(1 << fold_log2));
            (width <= max && height <= max).then_some(TextureLayout {
                fold_log2,
                width: width as u32,
                height: height as u32,
            })
        })
    }
}

/// The layouts of Q's and of K's (and V's) textures for `dims` on `gpu`, or
/// why they do not fit.
pub(super) fn texture_layouts(
    dims: &AttentionDims,
    gpu: &Gpu,
) -> Result<(TextureLayout, TextureLayout), String> {
    let limits = gpu.device.limits();
    if limits.max_storage_textures_per_shader_stage < 3 {
        return Err(format!(
            "the adapter binds {} storage textures per shader stage; 3 are needed",
            limits.max_storage_textures_per_shader_stage
        ));
    }
    let d4 = dims.head_dim / 4;
    let extent = limits.max_texture_dimension_2d;
    let q_rows = dims.batch * dims.q_heads * dims.q_len;
    let kv_rows = dims.batch * dims.kv_heads * dims.kv_len;
    match (
        TextureLayout::of(q_rows, d4, extent),
        TextureLayout::of(kv_rows, d4, extent),
    ) {
        (Some(q), Some(kv)) => Ok((q, kv)),
        _ => Err(format!(
            "Q, K and V do not fold into the adapter's largest 2D texture ({extent})"
        )),
    }
}

impl Operands {
    /// Zeroes O for `case` and uploads `params`; `inputs` are kept for the check.
    pub(super) fn new(
        gpu: &Gpu,
        case: &Case,
        inputs: AttentionInputs,
        params: Params,
        seed: u64,
    ) -> Result<Operands, GpuError> {
        let dims = attention_dims(case);
        let dtype = case.dtype;
        let o_bytes = inputs.q.len() as u64 * dtype.size_bytes();
        let (o, params) = gpu.catching(|| {
            (
                storage_buffer_zeroed(gpu, "O", o_bytes),
                uniform_buffer(gpu, "attention params", bytemuck::bytes_of(&params)),
            )
        })?;
        Ok(Operands {
            params,
            check: AttentionCheck {
                dims,
                dtype,
                inputs,
                o,
                seed,
            },
        })
    }

    /// Q, K and V as storage buffers of the case's dtype.
    pub(super) fn buffers(&self, gpu: &Gpu) -> Result<[wgpu::Buffer; 3], GpuError> {
        let inputs = self.inputs();
        let [q, k, v] = [("Q", &inputs.q), ("K", &inputs.k), ("V", &inputs.v)]
            .map(|(label, values)| self.upload(gpu, label, values));
        Ok([q?, k?, v?])
    }

    /// The inputs the output is checked against.
    pub(super) fn inputs(&self) -> &AttentionInputs {
        &self.check.inputs
    }

    /// `values` (in the layout of the caller's choosing) as a storage buffer
    /// of the case's dtype.
    pub(super) fn upload(
        &self,
        gpu: &Gpu,
        label: &str,
        values: &[f32],
    ) -> Result<wgpu::Buffer, GpuError> {
        let bytes = as_bytes(self.check.dtype, values);
        gpu.catching(|| storage_buffer_init(gpu, label, &bytes))
    }

    /// Q, K and V as read-only storage textures (rgba32float, or rgba16float
    /// for f16), rows folded by `layouts` (Q's, then K's and V's).
    pub(super) fn textures(
        &self,
        gpu: &Gpu,
        (q_layout, kv_layout): (TextureLayout, TextureLayout),
    ) -> Result<[wgpu::TextureView; 3], GpuError> {
        let (dtype, inputs) = (self.check.dtype, &self.check.inputs);
        let format = match dtype {
            Dtype::F32 => wgpu::TextureFormat::Rgba32Float,
            Dtype::F16 => wgpu::TextureFormat::Rgba16Float,
        };
        let texture = |label, values: &[f32], layout: TextureLayout| {
            let mut padded = values.to_vec();
            padded.resize(layout.width as usize * layout.height as usize * 4, 0.0);
            texture_init(
                gpu,
                label,
                format,
                (layout.width, layout.height),
                &as_bytes(dtype, &padded),
                wgpu::TextureUsages::STORAGE_BINDING,
            )
            .create_view(&Default::default())
        };
        gpu.catching(|| {
            [
                texture("Q", &inputs.q, q_layout),
                texture("K", &inputs.k, kv_layout),
                texture("V", &inputs.v, kv_layout),
            ]
        })
    }
}

/// Checks O against the f64 reference (see [`check_attention`]).
pub struct AttentionCheck {
    dims: AttentionDims,
    dtype: Dtype,
    inputs: AttentionInputs,
    /// The output, B × Hq × Sq × d in the case's dtype.
    pub o: wgpu::Buffer,
    seed: u64,
}

impl AttentionCheck {
    /// O read back, as f32.
    fn output(&self, gpu: &Gpu) -> Result<Vec<f32>, GpuError> {
        let count = self.inputs.q.len();
        let bytes = read_buffer(gpu, &self.o, count as u64 * self.dtype.size_bytes())?;
        Ok(match self.dtype {
            Dtype::F32 => bytemuck::cast_slice(&bytes).to_vec(),
            Dtype::F16 => bytemuck::cast_slice::<u8, f16>(&bytes)
                .iter()
                .map(|x| x.to_f32())
                .collect(),
        })
    }
}

impl OutputCheck for AttentionCheck {
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let o = self.output(gpu)?;
        Ok(check_attention(
            &self.dims,
            &self.inputs,
            &o,
            self.dtype,
            self.seed,
        ))
    }
}

/// Candidates as (variant, its constants) rows.
pub(super) fn candidates_of(rows: &[(&str, &[(&str, f64)])]) -> Vec<Candidate> {
    rows.iter()
        .map(|(variant, constants)| Candidate {
            variant: variant.to_string(),
            constants: constants.iter().map(|(n, x)| (n.to_string(), *x)).collect(),
        })
        .collect()
}

/// Keys per step of `attention.wgsl` (`KEY_TILE`) where a candidate does
/// not say: what every fused kernel ran before the constant was offered.
const DEFAULT_KEY_TILE: u64 = 16;

/// Keys per step of the fused candidate with `constants`.
fn key_tile(constants: &[(String, f64)]) -> u64 {
    recorded_constant(constants, "KEY_TILE").unwrap_or(DEFAULT_KEY_TILE)
}
/// Query rows each invocation of `attention.wgsl` owns.
const ROWS_PER_INVOCATION: u32 = 4;

/// The fused variants: where K/V tiles live (`uniform_loads`: read from
/// textures at addresses the whole workgroup shares; `workgroup_tiles`:
/// staged in workgroup memory behind barriers; `subgroup_loads`: read once
/// per subgroup and handed out by subgroup broadcast, where the adapter has
/// subgroups of at least 8 lanes), in workgroups of `WORKGROUP_SIZE`
/// invocations of 4 query rows each, `KEY_TILE` keys per step (32 where
/// the tiles are not staged: staged, 32 keys of d = 128 fill lavapipe's
/// workgroup memory). The first of a variant is the one the block runs:
/// 32 keys, which autotune picks for every prefill of the standard suite on
/// both software backends.
const FUSED: [(&str, &[(&str, f64)]); 6] = [
    (
        "uniform_loads",
        &[("WORKGROUP_SIZE", 8.0), ("STAGED", 0.0), ("KEY_TILE", 32.0)],
    ),
    (
        "uniform_loads",
        &[("WORKGROUP_SIZE", 8.0), ("STAGED", 0.0), ("KEY_TILE", 16.0)],
    ),
    (
        "workgroup_tiles",
        &[("WORKGROUP_SIZE", 8.0), ("STAGED", 1.0), ("KEY_TILE", 16.0)],
    ),
    (
        "subgroup_loads",
        &[("WORKGROUP_SIZE", 8.0), ("STAGED", 0.0), ("KEY_TILE", 32.0)],
    ),
    (
        "subgroup_loads",
        &[("WORKGROUP_SIZE", 8.0), ("STAGED", 0.0), ("KEY_TILE", 16.0)],
    ),
    (
        "subgroup_loads",
        &[
            ("WORKGROUP_SIZE", 16.0),
            ("STAGED", 0.0),
            ("KEY_TILE", 16.0),
        ],
    ),
];

/// The variant offered where no other fits in workgroup memory (d = 256 in
/// lavapipe's 32 KiB).
const FUSED_NARROW: [(&str, &[(&str, f64)]); 1] = [(
    "uniform_loads",
    &[("WORKGROUP_SIZE", 4.0), ("STAGED", 0.0), ("KEY_TILE", 16.0)],
)];

/// The line of `attention.wgsl` where the loads of the subgroup variant
/// begin (the part before it, from `TILE_PART` on, serves the others).
const SUBGROUP_PART: &str = "// @subgroup-loads";
const TILE_PART: &str = "// @tile-loads";

/// `attention.wgsl` with the load functions `variant` uses.
fn fused_source(variant: &str) -> String {
    let (common, rest) = SHADER.split_once(TILE_PART).expect("tile part");
    let (tiles, subgroup) = rest.split_once(SUBGROUP_PART).expect("subgroup part");
    match variant {
        "subgroup_loads" => format!("{common}{subgroup}"),
        _ => format!("{common}{tiles}"),
    }
}

/// Workgroup memory `attention.wgsl` takes: the accumulators (4 rows of d
/// f32 per invocation) and, staged, both K/V tiles.
fn fused_workgroup_bytes(head_dim: usize, constants: &[(String, f64)]) -> u64 {
    let invocations = u64::from(constant(constants, "WORKGROUP_SIZE"));
    let d = head_dim as u64;
    let tiles = match constant(constants, "STAGED") {
        0 => 2 * 4,
        _ => 2 * key_tile(constants) * d,
    };
    (invocations * u64::from(ROWS_PER_INVOCATION) * d + tiles) * 4
}

/// The fused variants' candidates that fit `gpu` (see [`FUSED`]).
pub(super) fn fused_candidates(
    _dtype: Dtype,
    dims: &AttentionDims,
    gpu: &Gpu,
) -> Result<Vec<Candidate>, String> {
    texture_layouts(dims, gpu)?;
    let limit = u64::from(gpu.device.limits().max_compute_workgroup_storage_size);
    let subgroup = subgroups_of_at_least(gpu, 8);
    let fits = |c: &Candidate| {
        let whole_subgroups = match (c.variant.as_str(), subgroup) {
            ("subgroup_loads", Some(size)) => {
                constant(&c.constants, "WORKGROUP_SIZE").is_multiple_of(size)
            }
            ("subgroup_loads", None) => false,
            _ => true,
        };
        whole_subgroups && fused_workgroup_bytes(dims.head_dim, &c.constants) <= limit
    };
    let mut fitting: Vec<Candidate> = candidates_of(&FUSED).into_iter().filter(fits).collect();
    if fitting.is_empty() {
        fitting = candidates_of(&FUSED_NARROW)
            .into_iter()
            .filter(fits)
            .collect();
    }
    match fitting.is_empty() {
        true => Err(format!(
            "no fused variant fits d = {} in the adapter's {limit} bytes of workgroup memory",
            dims.head_dim
        )),
        false => Ok(fitting),
    }
}

/// The fused, flash-style attention workload.
pub const ATTENTION: AttentionFamily = AttentionFamily {
    name: "attention",
    judged_by: Figure::FlopPerS,
    work: attention_work,
    scratch: no_scratch,
    candidates: fused_candidates,
    build: build_fused,
    tile: fused_tile,
};

/// One attention family: what sets it apart from the others, as data; the
/// [`Workload`] methods they share are implemented once, here.
pub struct AttentionFamily {
    /// Family name, the first part of its case names.
    pub name: &'static str,
    /// The figure its cases are judged by.
    pub(super) judged_by: Figure,
    /// Work per operation.
    pub(super) work: fn(&Case) -> Work,
    /// Buffers a candidate needs beyond Q, K, V and O, as (description, bytes).
    pub(super) scratch: fn(&Case, &Candidate) -> Vec<(String, u64)>,
    /// The candidates `gpu` can run for a shape that keeps the rules.
    pub(super) candidates: fn(Dtype, &AttentionDims, &Gpu) -> Result<Vec<Candidate>, String>,
    /// Uploads inputs and builds a candidate's kernels.
    pub(super) build: Build,
    /// The tile a candidate's kernel works in, from its constants (see
    /// [`attention_tile`]); None where it has none.
    pub(super) tile: fn(&[(String, f64)]) -> Option<AttentionTile>,
}

/// What one workgroup of an attention kernel takes at a time: the model
/// reads it to count the work a shape really costs (rows and keys rounded
/// up to whole tiles, causal tiles past the diagonal skipped) and how many
/// workgroups share the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttentionTile {
    /// Query rows one workgroup owns.
    pub rows: u64,
    /// Keys it scores per step of its loop (a partial step costs a whole one).
    pub keys: u64,
    /// Workgroups sharing one row's keys (split-KV decode), 1 for one pass.
    pub splits: u64,
}

/// The tile of `family`'s kernel with `constants`, as [`AttentionTile`]
/// describes it; None for the unfused family (three kernels, no one tile),
/// a family that is not attention's, or constants that do not say it.
pub fn attention_tile(family: &str, constants: &[(String, f64)]) -> Option<AttentionTile> {
    let family = FAMILIES.iter().find(|f| f.name == family)?;
    (family.tile)(constants)
}

/// A named constant of a recorded candidate, if it has it.
pub(super) fn recorded_constant(constants: &[(String, f64)], name: &str) -> Option<u64> {
    constants
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v as u64)
}

/// The fused kernel's tile: 4 query rows per invocation, its [`key_tile`] keys per step.
fn fused_tile(constants: &[(String, f64)]) -> Option<AttentionTile> {
    Some(AttentionTile {
        rows: recorded_constant(constants, "WORKGROUP_SIZE")? * u64::from(ROWS_PER_INVOCATION),
        keys: key_tile(constants),
        splits: 1,
    })
}

/// How a family builds a candidate's kernels for inputs of the caller's choosing.
pub(super) type Build =
    fn(&Gpu, &Case, &Candidate, AttentionInputs, u64) -> Result<Built, GpuError>;

/// No scratch space (every family but the unfused and split ones).
pub(super) fn no_scratch(_case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
    Vec::new()
}

impl Workload for AttentionFamily {
    fn family(&self) -> &'static str {
        self.name
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &ATTENTION_DIMENSIONS
    }

    fn work(&self, case: &Case) -> Work {
        (self.work)(case)
    }

    fn judged_by(&self) -> Figure {
        self.judged_by
    }

    fn buffers(&self, case: &Case, candidate: &Candidate) -> Vec<(String, u64)> {
        let mut buffers = operand_buffers(case);
        buffers.extend((self.scratch)(case, candidate));
        buffers
    }

    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        (self.candidates)(case.dtype, &unrunnable(case, gpu)?, gpu)
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        prepare_attention(gpu, case, candidate, attention_inputs(case, seed), seed)
    }
}

/// What a prepared attention case runs (one kernel or several), and the
/// check of its output.
pub(super) type Built = (Box<dyn Dispatch>, AttentionCheck);

/// Builds `candidate` of `case`'s attention family on `inputs`.
fn build(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
    seed: u64,
) -> Result<Built, GpuError> {
    let family = FAMILIES
        .iter()
        .find(|f| f.name == case.workload)
        .unwrap_or_else(|| panic!("{} is not an attention family", case.workload));
    (family.build)(gpu, case, candidate, inputs, seed)
}

/// Prepares `candidate` of any attention family on `inputs` of the
/// caller's choosing (tests scale Q so that a naive exp would overflow).
pub fn prepare_attention(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
    seed: u64,
) -> Result<Box<dyn Prepared>, GpuError> {
    let (kernel, check) = build(gpu, case, candidate, inputs, seed)?;
    Ok(Box::new(KernelCase { kernel, check }))
}

/// Runs `candidate` once on `inputs` and returns O (B × Hq × Sq × d) as
/// f32, so that tests can hold two kernels' outputs against each other.
pub fn attention_output(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
) -> Result<Vec<f32>, GpuError> {
    let (kernel, check) = build(gpu, case, candidate, inputs, 0)?;
    kernel.sample(gpu, &mut WallClockTimer, 1)?;
    check.output(gpu)
}

/// Uploads `inputs` and builds `attention.wgsl` for `candidate`.
fn build_fused(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
    seed: u64,
) -> Result<Built, GpuError> {
    let dims = attention_dims(case);
    let layouts = texture_layouts(&dims, gpu).map_err(|reason| GpuError::Wgpu {
        kind: "validation",
        message: reason,
    })?;
    let params = Params::of(&dims, 0).folded(layouts);
    let operands = Operands::new(gpu, case, inputs, params, seed)?;
    let [q, k, v] = operands.textures(gpu, layouts)?;
    let bound = Bound {
        params: &operands.params,
        o: &operands.check.o,
        qkv: [&q, &k, &v],
    };
    let kernel = fused_kernel(gpu, case.dtype, &dims, candidate, &bound)?;
    Ok((Box::new(kernel), operands.check))
}

/// What an attention kernel binds, wherever it came from: the parameters
/// (the [`Params`] of its dims, folded as its textures are), O, and Q, K
/// and V as read-only storage textures.
pub(super) struct Bound<'a> {
    pub params: &'a wgpu::Buffer,
    pub o: &'a wgpu::Buffer,
    pub qkv: [&'a wgpu::TextureView; 3],
}

/// The fused kernel of `candidate` at `dims` over `bound`.
pub(super) fn fused_kernel(
    gpu: &Gpu,
    dtype: Dtype,
    dims: &AttentionDims,
    candidate: &Candidate,
    bound: &Bound<'_>,
) -> Result<Kernel, GpuError> {
    let rows_per_workgroup = constant(&candidate.constants, "WORKGROUP_SIZE") * ROWS_PER_INVOCATION;
    let staged = constant(&candidate.constants, "STAGED") != 0;
    let tile_vec4s = if staged {
        key_tile(&candidate.constants) * dims.head_dim as u64 / 4
    } else {
        1
    };
    let mut constants = candidate.constants.clone();
    constants.push(("TILE_VEC4S".into(), tile_vec4s as f64));
    let [q, k, v] = bound.qkv;
    Kernel::build(
        gpu,
        &KernelSpec {
            label: &format!("attention_{dtype}_{}", candidate.variant),
            source: &attention_source(dtype, dims, &fused_source(&candidate.variant)),
            entry_point: "attention_fused",
            constants: &constants,
            // Every index is clamped into its buffer (see the shader).
            bounds_checked: false,
            bindings: &[
                (3, bound.o.as_entire_binding()),
                (4, bound.params.as_entire_binding()),
                (5, wgpu::BindingResource::TextureView(q)),
                (6, wgpu::BindingResource::TextureView(k)),
                (7, wgpu::BindingResource::TextureView(v)),
            ],
            workgroups: (
                (dims.q_len as u32).div_ceil(rows_per_workgroup),
                (dims.batch * dims.q_heads) as u32,
                1,
            ),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llama_decode(causal: bool) -> AttentionDims {
        AttentionDims {
            batch: 1,
            q_heads: 32,
            kv_heads: 8,
            q_len: 1,
            kv_len: 4096,
            head_dim: 128,
            causal,
        }
    }

    #[test]
    fn names_say_every_dimension_and_the_mask() {
        let case = attention_case("attention", Dtype::F32, llama_decode(true));
        assert_eq!(
            case.name(),
            "attention_f32_b1_hq32_hkv8_sq1_skv4096_d128_causal"
        );
        let case = attention_case("attention_unfused", Dtype::F16, llama_decode(false));
        assert_eq!(
            case.name(),
            "attention_unfused_f16_b1_hq32_hkv8_sq1_skv4096_d128"
        );
        assert_eq!(attention_dims(&case), llama_decode(false));
        assert!(super::super::validate(&case).is_ok());
        let on_twice = Case {
            shape: case.shape.clone().with("causal", 2),
            ..case
        };
        assert!(super::super::validate(&on_twice).is_err());
    }

    #[test]
    fn work_counts_unmasked_pairs_and_each_kv_head_once() {
        let s = 1024;
        let prefill = |causal| AttentionDims {
            q_len: s,
            kv_len: s,
            ..llama_decode(causal)
        };
        let full = attention_work(&attention_case("attention", Dtype::F32, prefill(false)));
        let causal = attention_work(&attention_case("attention", Dtype::F32, prefill(true)));
        let per_pair = 4.0 * 32.0 * 128.0;
        assert_eq!(full.flop, per_pair * (s * s) as f64);
        assert_eq!(causal.flop, per_pair * (s * (s + 1) / 2) as f64);
        // Q and O for 32 heads, K and V for 8.
        let element = 4;
        assert_eq!(full.bytes_read, ((32 + 2 * 8) * s * 128 * element) as u64);
        assert_eq!(full.bytes_written, (32 * s * 128 * element) as u64);
    }

    #[test]
    fn long_inputs_fold_into_textures() {
        let layout = TextureLayout::of(32 * 8192, 32, 16384).unwrap();
        assert_eq!(layout.fold_log2, 4);
        assert_eq!((layout.width, layout.height), (512, 16384));
        assert_eq!(TextureLayout::of(10, 32, 16384).unwrap().fold_log2, 0);
        assert_eq!(TextureLayout::of(1 << 30, 64, 4096), None);
    }
}
