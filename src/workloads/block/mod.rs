//! The forward pass of a small transformer, measured as one operation: a
//! stack of GPT-2 style layers (pre-LayerNorm; causal multi-head attention
//! with a KV cache; an MLP with GELU; residual adds), batch 1, f32, built
//! from chipbench's own verified kernels: the matmul module's for the QKV,
//! output, up and down projections; the fused attention kernel for prefill
//! and the one-pass decode kernel for a single token against the cache;
//! `shaders/block.wgsl` for LayerNorm, head splitting and merging, bias,
//! GELU and residual adds. Embeddings, the final LayerNorm and the LM head
//! are left out: a 12-layer case at GPT-2 124M's widths is the whole of its
//! forward pass between them.
//!
//! Shapes name their dimensions, `l12_s512_kv512_d768_h12_ff3072`: layers,
//! tokens computed (s = kv: prefill of a prompt; s = 1: one decode step),
//! keys each head holds (the cache plus the tokens), d_model, heads, d_ff.
//!
//! A candidate is a matmul variant and tile (the matmul workload's own
//! candidates for the up and down projections' shapes, so that autotune
//! picks among what it picks from for a matmul) run by every projection,
//! joined by `+` to the attention variant. On a software adapter, where
//! each candidate costs a compile and a screening of the whole stack, only
//! the first tile shape the matmul workload offers for each variant is
//! tried. The attention variant is the one autotune chose for attention
//! alone on both software backends in their standard reports
//! (`subgroup_loads` where the adapter has subgroups, else `uniform_loads`,
//! workgroups of 8; `tree` for decode), so that the search stays one
//! dimension long: compiling is slow there.
//!
//! One file per idea: `stages` (a layer as stages, each with the op a
//! predictor times it as, and the work), `inputs` (seeded weights and
//! cache), `prepare` (buffers, kernels, the check), `parts` (the small
//! kernels alone, as workloads a calibration measures).

mod inputs;
mod parts;
mod prepare;
mod stages;

pub use parts::{
    elementwise_case, part_name, Elementwise, ELEMENTWISE_KERNELS, ELEMENTWISE_PREFIX,
    PART_HEAD_DIM,
};
pub use prepare::prepare_block;
pub use stages::{block_stages, block_work, BlockStage, Step};

use super::attention::{fused_candidates, texture_layouts, MAX_HEAD_DIM};
use super::attention_decode::one_pass_candidates;
use super::matmul::{composable_candidates, output_tile};
use super::{
    dimension, matmul_case, named_shape, Candidate, Case, Dtype, Prepared, Work, Workload,
};
use crate::gpu::{Gpu, GpuError};
use crate::reference::BlockDims;

/// Dimensions of every block shape, in order: layers, tokens computed, keys
/// per head, d_model, heads, d_ff.
pub const BLOCK_DIMENSIONS: [&str; 6] = ["l", "s", "kv", "d", "h", "ff"];

/// The block case of `dims` (f32).
pub fn block_case(dims: BlockDims) -> Case {
    let sizes = [
        dims.layers,
        dims.tokens,
        dims.kv_len,
        dims.d_model,
        dims.heads,
        dims.d_ff,
    ];
    Case {
        workload: "block".into(),
        dtype: Dtype::F32,
        shape: named_shape(&BLOCK_DIMENSIONS, &sizes),
    }
}

/// The dimensions of a block case.
pub fn block_dims(case: &Case) -> BlockDims {
    let dim = |name| dimension(case, name);
    BlockDims {
        layers: dim("l"),
        tokens: dim("s"),
        kv_len: dim("kv"),
        d_model: dim("d"),
        heads: dim("h"),
        d_ff: dim("ff"),
    }
}

/// The matmul candidate and the attention variant a block candidate joins.
pub(super) fn split_candidate(candidate: &Candidate) -> (Candidate, String) {
    let (matmul, attention) = candidate
        .variant
        .split_once('+')
        .unwrap_or_else(|| panic!("block candidate {} names no attention", candidate.variant));
    let matmul = Candidate {
        variant: matmul.into(),
        constants: candidate.constants.clone(),
    };
    (matmul, attention.into())
}

/// Why no block can run `case`, if none can: a shape rule it breaks, or a
/// dtype other than f32.
fn rules(case: &Case) -> Result<BlockDims, String> {
    if case.dtype != Dtype::F32 {
        return Err(
            "a block runs in f32 only (its LayerNorm, GELU and cache kernels are f32)".into(),
        );
    }
    let dims = block_dims(case);
    if dims.kv_len < dims.tokens {
        return Err(format!(
            "kv ({}) must be at least s ({}): the keys include the tokens' own",
            dims.kv_len, dims.tokens
        ));
    }
    if !dims.d_model.is_multiple_of(dims.heads) {
        return Err(format!(
            "d ({}) must be a multiple of h ({}): heads split d_model evenly",
            dims.d_model, dims.heads
        ));
    }
    let head = dims.head_dim();
    if !head.is_multiple_of(4) || head > MAX_HEAD_DIM {
        return Err(format!(
            "d / h ({head}) must be a multiple of 4 and at most {MAX_HEAD_DIM} (attention's rule)"
        ));
    }
    if !dims.d_model.is_multiple_of(8) || !dims.d_ff.is_multiple_of(8) {
        return Err(format!(
            "d ({}) and ff ({}) must be multiples of 8: activations are matmul operands, whose rows the kernels read 8 at a time",
            dims.d_model, dims.d_ff
        ));
    }
    Ok(dims)
}

/// The attention variant every block candidate on `gpu` runs (see the module docs).
fn attention_variant(dims: &BlockDims, gpu: &Gpu) -> Result<String, String> {
    let attention = dims.attention();
    texture_layouts(&attention, gpu)?;
    let (offered, preferred) = match dims.tokens {
        1 => (one_pass_candidates(Dtype::F32, &attention, gpu)?, "tree"),
        _ => (
            fused_candidates(Dtype::F32, &attention, gpu)?,
            "subgroup_loads",
        ),
    };
    let chosen = offered
        .iter()
        .find(|c| c.variant == preferred)
        .unwrap_or(&offered[0]);
    Ok(chosen.variant.clone())
}

/// The transformer block workload.
pub struct Block;

impl Workload for Block {
    fn family(&self) -> &'static str {
        "block"
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &BLOCK_DIMENSIONS
    }

    /// The sum of its stages' work over its layers (see [`block_stages`]).
    fn work(&self, case: &Case) -> Work {
        block_work(&block_dims(case))
    }

    fn buffers(&self, case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
        let dims = block_dims(case);
        let (s, d, ff) = (dims.tokens as u64, dims.d_model as u64, dims.d_ff as u64);
        vec![
            ("QKV".into(), s * 3 * d * 4),
            ("up projection output".into(), s * ff * 4),
            ("W_qkv".into(), d * 3 * d * 4),
            ("W_up".into(), d * ff * 4),
        ]
    }

    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        let dims = rules(case)?;
        let attention = attention_variant(&dims, gpu)?;
        let (s, d, ff) = (dims.tokens as u64, dims.d_model as u64, dims.d_ff as u64);
        let down = composable_candidates(&matmul_case(Dtype::F32, s, d, ff), gpu);
        let mut matmuls: Vec<Candidate> =
            composable_candidates(&matmul_case(Dtype::F32, s, ff, d), gpu)
                .into_iter()
                .filter(|c| down.contains(c))
                .collect();
        if gpu.summary.is_software() {
            // A software adapter tries one tile shape per variant: the one
            // whose rows pad the s token rows least (the first offered on a tie).
            let padded_rows = |c: &Candidate| {
                output_tile(&c.variant, &c.constants)
                    .map_or(u64::MAX, |(rows, _)| s.next_multiple_of(rows))
            };
            let mut kept: Vec<Candidate> = Vec::new();
            for c in matmuls {
                match kept.iter_mut().find(|k| k.variant == c.variant) {
                    Some(k) if padded_rows(&c) < padded_rows(k) => *k = c,
                    Some(_) => {}
                    None => kept.push(c),
                }
            }
            matmuls = kept;
        }
        Ok(matmuls
            .into_iter()
            .map(|c| Candidate {
                variant: format!("{}+{attention}", c.variant),
                constants: c.constants,
            })
            .collect())
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        prepare_block(gpu, case, candidate, seed, &[])
    }
}
