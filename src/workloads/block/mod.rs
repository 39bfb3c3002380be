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
//! A candidate names two matmul kernels (variant and tile, from the matmul
//! workload's own candidates for the projections' shapes, so that autotune
//! picks among what it picks from for a matmul): one for the widening
//! projections (QKV and up, N = 3d and ff from K = d) and one for the
//! narrowing ones (output and down, N = d), as a framework picks a kernel
//! per GEMM shape; and the attention variant. Its variant reads
//! `widening/narrowing+attention` and each matmul's constants are prefixed
//! `wide.` and `narrow.` ([`BlockKernels`]). Both kernels read their
//! operands the same way, textures or buffers: the kernels that write the
//! activations write one form. On a software adapter, where each candidate
//! costs a compile and a screening of the whole stack, each kind tries the
//! one tile shape per variant that pads the token rows least, and every
//! variant of one kind is paired with every variant of the other; on a GPU
//! every tile is tried and both kinds share the variant (see
//! `Block::candidates`). The attention variant is the one autotune chose
//! for attention alone on both software backends in their standard reports
//! (`subgroup_loads` where the adapter has subgroups, else `uniform_loads`,
//! workgroups of 8, 32 keys a step: the first of the variant offered;
//! `tree` for decode), so that attention adds no dimension
//! to the search: compiling is slow there.
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
    elementwise_case, elementwise_kernel_of, part_name, part_workgroups, Elementwise,
    ELEMENTWISE_KERNELS, ELEMENTWISE_PREFIX, PART_HEAD_DIM,
};
pub use prepare::prepare_block;
pub use stages::{block_stages, block_work, BlockStage, Step};

use super::attention::{fused_candidates, texture_layouts, MAX_HEAD_DIM};
use super::attention_decode::one_pass_candidates;
use super::matmul::{composable_candidates, output_tile, reads_textures};
use super::{
    dimension, matmul_case, named_shape, Candidate, Case, Dtype, Prepared, Work, Workload,
};
use crate::case::variant_label;
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

/// The kernels a block candidate runs: the matmul candidate of the
/// widening projections (QKV and up), that of the narrowing ones (output
/// and down), and the attention variant.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockKernels {
    /// The matmul variant and tile of the QKV and up projections.
    pub widening: Candidate,
    /// The matmul variant and tile of the output and down projections.
    pub narrowing: Candidate,
    /// The attention variant.
    pub attention: String,
}

/// Prefixes of the widening and narrowing matmuls' constants in a block candidate.
const KIND_PREFIXES: [&str; 2] = ["wide.", "narrow."];

impl BlockKernels {
    /// The matmul kernel of `step`'s projection: the widening one for QKV
    /// and up (d to 3d and ff), the narrowing one for output and down (to
    /// d). A step that is no projection runs neither.
    pub fn projection(&self, step: Step) -> &Candidate {
        match step {
            Step::Qkv | Step::UpProjection => &self.widening,
            _ => &self.narrowing,
        }
    }

    /// The block candidate that runs these kernels:
    /// `texture_subgroup/texture_tiled+subgroup_loads` with constants
    /// `wide.WORKGROUP_SIZE`, ..., `narrow.WORKGROUP_SIZE`, ... (both halves
    /// written out even where they are the same kernel). [`split_candidate`]
    /// reads it back.
    pub fn candidate(&self) -> Candidate {
        let matmuls = [&self.widening, &self.narrowing];
        let constants = KIND_PREFIXES
            .iter()
            .zip(matmuls)
            .flat_map(|(prefix, matmul)| {
                matmul
                    .constants
                    .iter()
                    .map(move |(name, value)| (format!("{prefix}{name}"), *value))
            })
            .collect();
        Candidate {
            variant: format!(
                "{}/{}+{}",
                self.widening.variant, self.narrowing.variant, self.attention
            ),
            constants,
        }
    }
}

/// The kernels `candidate` runs, as [`BlockKernels::candidate`] names them;
/// an error for a candidate named otherwise (such as a block choice an
/// older chipbench left in the tuning cache: one matmul, unprefixed
/// constants), which is then no candidate of any case.
pub fn split_candidate(candidate: &Candidate) -> Result<BlockKernels, String> {
    let malformed = || {
        format!(
            "block candidate {} is not widening/narrowing+attention with wide. and narrow. constants",
            variant_label(&candidate.variant, &candidate.constants)
        )
    };
    let (matmuls, attention) = candidate.variant.split_once('+').ok_or_else(malformed)?;
    let (widening, narrowing) = matmuls.split_once('/').ok_or_else(malformed)?;
    let mut kinds = [widening, narrowing].map(|variant| Candidate {
        variant: variant.into(),
        constants: Vec::new(),
    });
    for (name, value) in &candidate.constants {
        let (kind, name) = KIND_PREFIXES
            .iter()
            .zip(&mut kinds)
            .find_map(|(prefix, kind)| Some((kind, name.strip_prefix(prefix)?)))
            .ok_or_else(malformed)?;
        kind.constants.push((name.into(), *value));
    }
    let [widening, narrowing] = kinds;
    Ok(BlockKernels {
        widening,
        narrowing,
        attention: attention.into(),
    })
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

/// Of `candidates`, one tile shape per variant: the one whose rows pad
/// `tokens` rows least (the first offered on a tie).
fn one_tile_per_variant(candidates: Vec<Candidate>, tokens: u64) -> Vec<Candidate> {
    let padded_rows = |c: &Candidate| {
        output_tile(&c.variant, &c.constants)
            .map_or(u64::MAX, |(rows, _)| tokens.next_multiple_of(rows))
    };
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        match kept.iter_mut().find(|k| k.variant == c.variant) {
            Some(k) if padded_rows(&c) < padded_rows(k) => *k = c,
            Some(_) => {}
            None => kept.push(c),
        }
    }
    kept
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

    /// Pairs of a widening and a narrowing kernel that read their operands
    /// the same way (see the module docs), joined to the attention variant.
    /// On a software adapter, which variant runs a projection fastest
    /// depends on its shape (lavapipe, 512 tokens: `texture_subgroup` for
    /// QKV and up, `texture_tiled` for output and down), so each kind
    /// chooses its variant; a stack's screening takes seconds there, so
    /// each kind keeps one tile per variant: 13 candidates where the adapter
    /// has subgroups (3 buffer variants squared plus 2 texture ones
    /// squared), 5 without. On a GPU, what a tile trades per shape is how
    /// many workgroups fill the waves, so each kind chooses its tile and
    /// both share the variant: 22 candidates at most, rather than every
    /// pair (52), as each is screened and checked against the CPU reference
    /// of a 12-layer stack.
    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        let dims = rules(case)?;
        let attention = attention_variant(&dims, gpu)?;
        let (s, d, ff) = (dims.tokens as u64, dims.d_model as u64, dims.d_ff as u64);
        let software = gpu.summary.is_software();
        // The matmul candidates that run both projections of a kind, given
        // as (N, K): on a software adapter, one tile per variant.
        let kind = |projections: [(u64, u64); 2]| {
            let [(n, k), (other_n, other_k)] = projections;
            let other = composable_candidates(&matmul_case(Dtype::F32, s, other_n, other_k), gpu);
            let both = composable_candidates(&matmul_case(Dtype::F32, s, n, k), gpu)
                .into_iter()
                .filter(|c| other.contains(c))
                .collect();
            match software {
                true => one_tile_per_variant(both, s),
                false => both,
            }
        };
        let widening = kind([(ff, d), (3 * d, d)]);
        let narrowing = kind([(d, ff), (d, d)]);
        let textures = |c: &Candidate| reads_textures(Dtype::F32, c);
        let mut candidates = Vec::new();
        for wide in &widening {
            for narrow in &narrowing {
                let paired = match software {
                    true => textures(wide) == textures(narrow),
                    false => wide.variant == narrow.variant,
                };
                if paired {
                    let kernels = BlockKernels {
                        widening: wide.clone(),
                        narrowing: narrow.clone(),
                        attention: attention.clone(),
                    };
                    candidates.push(kernels.candidate());
                }
            }
        }
        Ok(candidates)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn matmul(variant: &str, constants: &[(&str, f64)]) -> Candidate {
        Candidate {
            variant: variant.into(),
            constants: constants.iter().map(|(n, x)| (n.to_string(), *x)).collect(),
        }
    }

    #[test]
    fn a_block_candidate_names_both_kernels_and_splits_back_into_them() {
        let subgroup = matmul(
            "texture_subgroup",
            &[("WORKGROUP_SIZE", 64.0), ("ROW_BLOCKS", 4.0)],
        );
        let tiled = matmul(
            "texture_tiled",
            &[("WORKGROUP_SIZE", 16.0), ("ROW_BLOCKS", 4.0)],
        );
        let mixed = BlockKernels {
            widening: subgroup.clone(),
            narrowing: tiled.clone(),
            attention: "subgroup_loads".into(),
        };
        let candidate = mixed.candidate();
        assert_eq!(
            variant_label(&candidate.variant, &candidate.constants),
            "texture_subgroup/texture_tiled+subgroup_loads wide.workgroup_size=64 \
             wide.row_blocks=4 narrow.workgroup_size=16 narrow.row_blocks=4"
        );
        assert_eq!(split_candidate(&candidate), Ok(mixed));
        // One kernel for both kinds: the same constants under both prefixes.
        let same = BlockKernels {
            widening: tiled.clone(),
            narrowing: tiled,
            attention: "tree".into(),
        };
        assert_eq!(split_candidate(&same.candidate()), Ok(same));
    }

    #[test]
    fn a_block_candidate_named_otherwise_does_not_split() {
        // As an older chipbench named them: one matmul, unprefixed constants.
        let old = matmul("texture_tiled+subgroup_loads", &[("WORKGROUP_SIZE", 16.0)]);
        let unprefixed = matmul(
            "texture_tiled/texture_tiled+tree",
            &[("WORKGROUP_SIZE", 16.0)],
        );
        for candidate in [old, unprefixed, matmul("texture_tiled/texture_tiled", &[])] {
            let error = split_candidate(&candidate).expect_err(&candidate.variant);
            assert!(error.contains("widening/narrowing+attention"), "{error}");
        }
    }
}
