//! Unfused attention (`shaders/attention_unfused.wgsl`), the baseline the
//! fused kernels must beat: S = Q·Kᵀ·scale for every (query, key) pair, a
//! row softmax in place (masked keys to 0), then O = P·V, as a
//! [`StagedCase`] of three kernels, each timed where the device can. Its
//! batched matmuls are its own simple register-tiled kernels (4 query rows
//! × 4 keys, and 4 rows × one vec4 of d, per invocation). The score matrix
//! (B·Hq·Sq·Skv f32, rows padded to whole vec4s) is scratch space the
//! variant declares, so a case whose scores do not fit a binding is
//! reported unavailable, and its traffic is counted: written by the scores
//! kernel, read and written by the softmax, read by P·V.

use super::attention::{
    attention_dims, attention_source, attention_work, candidates_of, AttentionFamily, Built,
    Operands, Params,
};
use super::{Candidate, Case, Figure, Work};
use crate::gpu::{storage_buffer_zeroed, Gpu, GpuError, Kernel, KernelSpec, Stages};
use crate::reference::{AttentionDims, AttentionInputs};

const SHADER: &str = include_str!("../../shaders/attention_unfused.wgsl");

/// Invocations per workgroup of each kernel (a power of two for the softmax).
const WORKGROUP: f64 = 64.0;
/// Query rows per invocation of the scores and P·V kernels (`TILE_ROWS`).
const TILE_ROWS: usize = 4;

/// Bytes of the score matrix: B·Hq·Sq rows of Skv padded to whole vec4s, f32.
fn scores_bytes(dims: &AttentionDims) -> u64 {
    (dims.batch * dims.q_heads * dims.q_len * dims.kv_len.next_multiple_of(4) * 4) as u64
}

/// The unfused attention workload.
pub const ATTENTION_UNFUSED: AttentionFamily = AttentionFamily {
    name: "attention_unfused",
    judged_by: Figure::FlopPerS,
    work: unfused_work,
    scratch: |case, _candidate| vec![("scores".into(), scores_bytes(&attention_dims(case)))],
    candidates: |_dims, _gpu| {
        Ok(candidates_of(&[(
            "tiled",
            &[
                ("SCORES_WORKGROUP", WORKGROUP),
                ("SOFTMAX_WORKGROUP", WORKGROUP),
                ("PV_WORKGROUP", WORKGROUP),
            ],
        )]))
    },
    build: build_unfused,
    tile: |_constants| None,
};

/// The fused work plus the score matrix's round trips: written once, read
/// and written by the softmax, read once more.
fn unfused_work(case: &Case) -> Work {
    let scores = scores_bytes(&attention_dims(case));
    let fused = attention_work(case);
    Work {
        bytes_read: fused.bytes_read + 2 * scores,
        bytes_written: fused.bytes_written + 2 * scores,
        ..fused
    }
}

/// Uploads `inputs` and builds the three kernels of `attention_unfused.wgsl`.
fn build_unfused(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
    seed: u64,
) -> Result<Built, GpuError> {
    let dims = attention_dims(case);
    let params = Params::of(&dims, 0);
    let operands = Operands::new(gpu, case, inputs, params, seed)?;
    let [q, k, v] = operands.buffers(gpu)?;
    let scores = gpu.catching(|| storage_buffer_zeroed(gpu, "scores", scores_bytes(&dims)))?;
    let source = attention_source(case.dtype, &dims, SHADER);
    let heads = (dims.batch * dims.q_heads) as u32;
    let workgroup = WORKGROUP as u32;
    let row_tiles = dims.q_len.div_ceil(TILE_ROWS) as u32;
    // Each kernel binds what it reads and writes (layouts come from the
    // entry points): scores Q, K, S; softmax S; pv V, S, O.
    let kernel = |entry_point: &str, buffers: &[(u32, &wgpu::Buffer)], workgroups| {
        let mut bindings = vec![(4, operands.params.as_entire_binding())];
        bindings.extend(buffers.iter().map(|(at, b)| (*at, b.as_entire_binding())));
        Kernel::build(
            gpu,
            &KernelSpec {
                label: &format!("attention_unfused_{}_{entry_point}", case.dtype),
                source: &source,
                entry_point,
                constants: &candidate.constants,
                // Every index is clamped or guarded (see the shader).
                bounds_checked: false,
                bindings: &bindings,
                workgroups,
            },
        )
    };
    let kv_len4 = dims.kv_len.div_ceil(4) as u32;
    let d4 = (dims.head_dim / 4) as u32;
    let stages = Stages::new(vec![
        (
            "scores".into(),
            kernel(
                "scores",
                &[(0, &q), (1, &k), (10, &scores)],
                (kv_len4.div_ceil(workgroup), row_tiles, heads),
            )?,
        ),
        (
            "softmax".into(),
            kernel("softmax", &[(10, &scores)], (dims.q_len as u32, heads, 1))?,
        ),
        (
            "pv".into(),
            kernel(
                "pv",
                &[(2, &v), (3, &operands.check.o), (10, &scores)],
                ((row_tiles * d4).div_ceil(workgroup), heads, 1),
            )?,
        ),
    ]);
    Ok((Box::new(stages), operands.check))
}
