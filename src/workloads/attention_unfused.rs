//! Unfused attention (`shaders/attention_unfused.wgsl`), the baseline the
//! fused kernels must beat: S = Q·Kᵀ for every (query, key) pair, a row
//! softmax in place (the scale folded in, masked keys to 0), then O = P·V,
//! as a [`StagedCase`] of kernels, each timed where the device can. Two
//! kinds of variant, so that the baseline is the best unfused path there is
//! (autotune picks):
//! - `tiled`: this file's own register-tiled batched matmuls (4 query rows ×
//!   4 keys, and 4 rows × one vec4 of d, per invocation);
//! - `matmul_*` (f32): the matmul family's buffer kernels
//!   ([`batched_candidates`]), one dispatch per product for the batch of
//!   (batch, query head) pairs, query head h reading K/V head h / (Hq/Hkv).
//!   Kᵀ is written by a transpose stage (`k_transposed`, scratch: d8 × Skv8
//!   per K/V head, written once and read once by the scores product); Q is
//!   uploaded with rows padded to d8 and V with each head padded to Skv8
//!   rows, the layouts a matmul's A and B are uploaded in.
//!
//! The score matrix (B·Hq·Sq·Skv8 f32, rows padded to a multiple of 8 so
//! that it is a matmul's output and, as P, its input) is scratch space every
//! variant declares, so a case whose scores do not fit a binding is reported
//! unavailable, and its traffic is counted: written by the scores kernel,
//! read and written by the softmax, read by P·V.

use super::attention::{
    attention_dims, attention_source, attention_work, candidates_of, score_row_len,
    AttentionFamily, Built, Operands, Params,
};
use super::matmul::{batched_candidates, batched_kernel, pad_matrix, BatchedProduct};
use super::{Candidate, Case, Dtype, Figure, Work};
use crate::gpu::KernelSpec;
use crate::gpu::{storage_buffer_zeroed, Gpu, GpuError, Kernel, Stages};
use crate::reference::{AttentionDims, AttentionInputs};

const SHADER: &str = include_str!("../../shaders/attention_unfused.wgsl");

/// Invocations per workgroup of each kernel (a power of two for the softmax).
const WORKGROUP: f64 = 64.0;
/// Query rows per invocation of the tiled scores and P·V kernels (`TILE_ROWS`).
const TILE_ROWS: usize = 4;
/// What the names of the variants through the matmul kernels start with,
/// before the matmul variant's name.
const MATMUL_PREFIX: &str = "matmul_";

/// Bytes of the score matrix: B·Hq·Sq rows of Skv8 f32.
fn scores_bytes(dims: &AttentionDims) -> u64 {
    (dims.batch * dims.q_heads * dims.q_len * score_row_len(dims.kv_len) * 4) as u64
}

/// Bytes of Kᵀ in a matmul's B layout: B·Hkv heads of d8 × Skv8 elements.
fn k_transposed_bytes(dims: &AttentionDims, dtype: Dtype) -> u64 {
    let elements =
        dims.batch * dims.kv_heads * dims.head_dim.next_multiple_of(8) * score_row_len(dims.kv_len);
    elements as u64 * dtype.size_bytes()
}

/// The matmul family's candidate a variant runs its products with, if it
/// goes through the matmul kernels.
fn matmul_candidate(candidate: &Candidate) -> Option<Candidate> {
    candidate
        .variant
        .strip_prefix(MATMUL_PREFIX)
        .map(|variant| Candidate {
            variant: variant.into(),
            constants: candidate.constants.clone(),
        })
}

/// The unfused attention workload.
pub const ATTENTION_UNFUSED: AttentionFamily = AttentionFamily {
    name: "attention_unfused",
    judged_by: Figure::FlopPerS,
    work: unfused_work,
    scratch: |case, candidate| {
        let dims = attention_dims(case);
        let mut scratch = vec![("scores".into(), scores_bytes(&dims))];
        if matmul_candidate(candidate).is_some() {
            let bytes = k_transposed_bytes(&dims, case.dtype);
            scratch.push(("k_transposed".into(), bytes));
        }
        scratch
    },
    candidates: unfused_candidates,
    build: |gpu, case, candidate, inputs, seed| match matmul_candidate(candidate) {
        Some(matmul) => build_through_matmul(gpu, case, &matmul, inputs, seed),
        None => build_tiled(gpu, case, candidate, inputs, seed),
    },
    tile: |_constants| None,
};

/// `tiled`, and in f32 the matmul family's batched kernels (P is f32, which
/// an f16 product's A could not be).
fn unfused_candidates(
    dtype: Dtype,
    _dims: &AttentionDims,
    gpu: &Gpu,
) -> Result<Vec<Candidate>, String> {
    let mut candidates = candidates_of(&[(
        "tiled",
        &[
            ("SCORES_WORKGROUP", WORKGROUP),
            ("SOFTMAX_WORKGROUP", WORKGROUP),
            ("PV_WORKGROUP", WORKGROUP),
        ],
    )]);
    if dtype == Dtype::F32 {
        candidates.extend(batched_candidates(gpu).into_iter().map(|matmul| Candidate {
            variant: format!("{MATMUL_PREFIX}{}", matmul.variant),
            ..matmul
        }));
    }
    Ok(candidates)
}

/// The fused work plus the score matrix's round trips: written once, read
/// and written by the softmax, read once more. (A variant's own extra
/// traffic, such as Kᵀ, is its cost, not the operation's work.)
fn unfused_work(case: &Case) -> Work {
    let scores = scores_bytes(&attention_dims(case));
    let fused = attention_work(case);
    Work {
        bytes_read: fused.bytes_read + 2 * scores,
        bytes_written: fused.bytes_written + 2 * scores,
        ..fused
    }
}

/// Builds the kernels of `attention_unfused.wgsl` for one case: its
/// parameters, module and output, and the score matrix.
struct UnfusedModule<'a> {
    gpu: &'a Gpu,
    case: &'a Case,
    dims: AttentionDims,
    operands: Operands,
    source: String,
    scores: wgpu::Buffer,
}

impl<'a> UnfusedModule<'a> {
    /// Zeroes O and the scores and uploads the parameters for `case`.
    fn new(
        gpu: &'a Gpu,
        case: &'a Case,
        inputs: AttentionInputs,
        seed: u64,
    ) -> Result<UnfusedModule<'a>, GpuError> {
        let dims = attention_dims(case);
        let operands = Operands::new(gpu, case, inputs, Params::of(&dims, 0), seed)?;
        let scores = gpu.catching(|| storage_buffer_zeroed(gpu, "scores", scores_bytes(&dims)))?;
        let source = attention_source(case.dtype, &dims, SHADER);
        Ok(UnfusedModule {
            gpu,
            case,
            dims,
            operands,
            source,
            scores,
        })
    }

    /// The kernel of `entry_point` with `constants`, binding the parameters
    /// and `buffers` (layouts come from the entry points).
    fn kernel(
        &self,
        entry_point: &str,
        constants: &[(String, f64)],
        buffers: &[(u32, &wgpu::Buffer)],
        workgroups: (u32, u32, u32),
    ) -> Result<Kernel, GpuError> {
        let mut bindings = vec![(4, self.operands.params.as_entire_binding())];
        bindings.extend(buffers.iter().map(|(at, b)| (*at, b.as_entire_binding())));
        Kernel::build(
            self.gpu,
            &KernelSpec {
                label: &format!("attention_unfused_{}_{entry_point}", self.case.dtype),
                source: &self.source,
                entry_point,
                constants,
                // Every index is clamped or guarded (see the shader).
                bounds_checked: false,
                bindings: &bindings,
                workgroups,
            },
        )
    }

    /// The softmax over the score rows, in place.
    fn softmax(&self, constants: &[(String, f64)]) -> Result<Kernel, GpuError> {
        let rows = (self.dims.q_len as u32, self.heads(), 1);
        self.kernel("softmax", constants, &[(10, &self.scores)], rows)
    }

    /// B·Hq: the (batch, query head) pairs.
    fn heads(&self) -> u32 {
        (self.dims.batch * self.dims.q_heads) as u32
    }

    /// vec4s per score row.
    fn row_vec4s(&self) -> u32 {
        (score_row_len(self.dims.kv_len) / 4) as u32
    }
}

/// Uploads `inputs` and builds the tiled variant: the three kernels of
/// `attention_unfused.wgsl`.
fn build_tiled(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
    seed: u64,
) -> Result<Built, GpuError> {
    let module = UnfusedModule::new(gpu, case, inputs, seed)?;
    let [q, k, v] = module.operands.buffers(gpu)?;
    let dims = &module.dims;
    let constants = &candidate.constants;
    let (heads, workgroup) = (module.heads(), WORKGROUP as u32);
    let row_tiles = dims.q_len.div_ceil(TILE_ROWS) as u32;
    let d4 = (dims.head_dim / 4) as u32;
    let scores = &module.scores;
    let stages = Stages::new(vec![
        (
            "scores".into(),
            module.kernel(
                "scores",
                constants,
                &[(0, &q), (1, &k), (10, scores)],
                (module.row_vec4s().div_ceil(workgroup), row_tiles, heads),
            )?,
        ),
        ("softmax".into(), module.softmax(constants)?),
        (
            "pv".into(),
            module.kernel(
                "pv",
                constants,
                &[(2, &v), (3, &module.operands.check.o), (10, scores)],
                ((row_tiles * d4).div_ceil(workgroup), heads, 1),
            )?,
        ),
    ]);
    Ok((Box::new(stages), module.operands.check))
}

/// Uploads `inputs` (Q and V padded as a matmul's A and B) and builds the
/// variant through the matmul kernels of `matmul`: transpose K, S = Q·Kᵀ,
/// softmax, O = P·V.
fn build_through_matmul(
    gpu: &Gpu,
    case: &Case,
    matmul: &Candidate,
    inputs: AttentionInputs,
    seed: u64,
) -> Result<Built, GpuError> {
    let module = UnfusedModule::new(gpu, case, inputs, seed)?;
    let dims = module.dims;
    let (d, d8, skv8) = (
        dims.head_dim,
        dims.head_dim.next_multiple_of(8),
        score_row_len(dims.kv_len),
    );
    let inputs = module.operands.inputs();
    let q_rows = inputs.q.len() / d;
    let q = module.operands.upload(
        gpu,
        "Q rows padded to d8",
        &pad_matrix(&inputs.q, (q_rows, d), (q_rows, d8)),
    )?;
    let k = module.operands.upload(gpu, "K", &inputs.k)?;
    let head = dims.kv_len * d;
    let v_padded: Vec<f32> = inputs
        .v
        .chunks(head)
        .flat_map(|v| pad_matrix(v, (dims.kv_len, d), (skv8, d)))
        .collect();
    let v = module
        .operands
        .upload(gpu, "V heads padded to Skv8", &v_padded)?;
    let k_transposed =
        gpu.catching(|| storage_buffer_zeroed(gpu, "Kᵀ", k_transposed_bytes(&dims, case.dtype)))?;
    let kv_heads = (dims.batch * dims.kv_heads) as u32;
    let transposed_vec4s = (d8 as u32) * module.row_vec4s();
    let product = |a, b, c, (n, k)| {
        batched_kernel(
            gpu,
            matmul,
            &BatchedProduct {
                batches: dims.batch * dims.q_heads,
                b_share: dims.q_heads / dims.kv_heads,
                m: dims.q_len,
                n,
                k,
                a,
                b,
                c,
            },
        )
    };
    let stages = Stages::new(vec![
        (
            "transpose".into(),
            module.kernel(
                "transpose_k",
                &[],
                &[(1, &k), (11, &k_transposed)],
                (transposed_vec4s.div_ceil(WORKGROUP as u32), kv_heads, 1),
            )?,
        ),
        (
            "scores".into(),
            product(&q, &k_transposed, &module.scores, (skv8, d8))?,
        ),
        ("softmax".into(), module.softmax(&[])?),
        (
            "pv".into(),
            product(&module.scores, &v, &module.operands.check.o, (d, skv8))?,
        ),
    ]);
    Ok((Box::new(stages), module.operands.check))
}
