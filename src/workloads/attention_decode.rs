//! Attention for short query lengths (`shaders/attention_decode.wgsl`): one
//! workgroup per K/V head reads K and V once for all the query heads that
//! share them. Two families, so that a run shows both side by side:
//! `attention_decode` makes one pass over all keys per workgroup;
//! `attention_decode_split` splits the keys among `SPLITS` workgroups
//! (flash-decoding), each writing a partial that a second kernel merges, a
//! [`StagedCase`] whose split count autotune chooses. Both are judged by
//! bytes per second: decode is bound by reading K and V.

use super::attention::{
    attention_dims, attention_source, attention_work, candidates_of, no_scratch, recorded_constant,
    texture_layouts, AttentionFamily, AttentionTile, Bound, Built, Operands, Params,
};
use super::{constant, Candidate, Case, Dtype, Figure};
use crate::gpu::{storage_buffer_zeroed, Gpu, GpuError, Kernel, KernelSpec, Stages};
use crate::reference::{AttentionDims, AttentionInputs};

const SHADER: &str = include_str!("../../shaders/attention_decode.wgsl");
const TREE_PART: &str = "// @tree-reduction";
const SUBGROUP_PART: &str = "// @subgroup-reduction";

/// Invocations per workgroup (`DECODE_WORKGROUP`): at least d/4 for d ≤ 256.
const WORKGROUP: f64 = 64.0;
/// Keys a workgroup scores at a time (`DECODE_WORKGROUP · KEYS_PER_INVOCATION`).
const STRETCH: usize = 64 * 8;
/// Split counts the split family offers; autotune picks one.
const SPLIT_COUNTS: [u32; 3] = [4, 16, 64];
/// Invocations per workgroup of `decode_merge`.
const MERGE_WORKGROUP: u32 = 64;
/// Most workgroups along x before a grid wraps into y.
const MAX_GROUPS_X: u32 = 65535;

/// How a variant reduces over its workgroup: `tree` (workgroup memory) or
/// `subgroup` (subgroup operations, then one slot per subgroup).
fn reductions(gpu: &Gpu) -> Vec<&'static str> {
    match gpu.has(wgpu::Features::SUBGROUP) {
        true => vec!["subgroup", "tree"],
        false => vec!["tree"],
    }
}

/// The shader with the common part and the reduction `variant` names.
fn source_for(variant: &str) -> String {
    let (common, rest) = SHADER.split_once(TREE_PART).expect("tree part");
    let (tree, subgroup) = rest.split_once(SUBGROUP_PART).expect("subgroup part");
    let part = if variant.ends_with("subgroup") {
        subgroup
    } else {
        tree
    };
    format!("{common}{part}")
}

/// Query rows a decode workgroup serves, as the components of vec4s.
const ROWS_PER_WORKGROUP: usize = 4;

/// Workgroups (x = splits, y = B·Hkv, z = row groups of 4) of the decode kernels.
fn grid(dims: &AttentionDims, splits: u32) -> (u32, u32, u32) {
    (
        splits,
        (dims.batch * dims.kv_heads) as u32,
        dims.rows_per_kv_head().div_ceil(ROWS_PER_WORKGROUP) as u32,
    )
}

/// The decode kernel `entry_point` of `candidate` (of the family named
/// `family`) at `dims` over `bound`: writing O, or with `partials` the
/// split partials instead.
#[allow(clippy::too_many_arguments)]
pub(super) fn decode_kernel(
    gpu: &Gpu,
    (family, dtype): (&str, Dtype),
    dims: &AttentionDims,
    candidate: &Candidate,
    entry_point: &str,
    splits: u32,
    bound: &Bound<'_>,
    partials: Option<(&wgpu::Buffer, &wgpu::Buffer)>,
) -> Result<Kernel, GpuError> {
    let [q, k, v] = bound.qkv;
    let mut bindings = vec![
        (4, bound.params.as_entire_binding()),
        (5, wgpu::BindingResource::TextureView(q)),
        (6, wgpu::BindingResource::TextureView(k)),
        (7, wgpu::BindingResource::TextureView(v)),
    ];
    match partials {
        Some((o, ml)) => bindings.extend([(8, o.as_entire_binding()), (9, ml.as_entire_binding())]),
        None => bindings.push((3, bound.o.as_entire_binding())),
    }
    Kernel::build(
        gpu,
        &KernelSpec {
            label: &format!("{family}_{dtype}_{}", candidate.variant),
            source: &attention_source(dtype, dims, &source_for(&candidate.variant)),
            entry_point,
            constants: &candidate.constants,
            // Every index is clamped into its buffer or texture (see the shader).
            bounds_checked: false,
            bindings: &bindings,
            workgroups: grid(dims, splits),
        },
    )
}

/// What every decode kernel binds: O and the parameters, Q/K/V as textures.
type Uploaded = (Operands, [wgpu::TextureView; 3]);

/// [`decode_kernel`] of `case`'s family over what [`upload`] uploaded.
fn uploaded_kernel(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    (entry_point, splits): (&str, u32),
    (operands, textures): &Uploaded,
    partials: Option<(&wgpu::Buffer, &wgpu::Buffer)>,
) -> Result<Kernel, GpuError> {
    let [q, k, v] = textures;
    let bound = Bound {
        params: &operands.params,
        o: &operands.check.o,
        qkv: [q, k, v],
    };
    let family = (case.workload.as_str(), case.dtype);
    let dims = attention_dims(case);
    decode_kernel(
        gpu,
        family,
        &dims,
        candidate,
        entry_point,
        splits,
        &bound,
        partials,
    )
}

/// Uploads what every decode variant reads: O zeroed, parameters for
/// `split_len` keys per split, Q/K/V as textures.
fn upload(
    gpu: &Gpu,
    case: &Case,
    inputs: AttentionInputs,
    split_len: usize,
    seed: u64,
) -> Result<Uploaded, GpuError> {
    let dims = attention_dims(case);
    let layouts = texture_layouts(&dims, gpu).map_err(|message| GpuError::Wgpu {
        kind: "validation",
        message,
    })?;
    let operands = Operands::new(
        gpu,
        case,
        inputs,
        Params::of(&dims, split_len).folded(layouts),
        seed,
    )?;
    let textures = operands.textures(gpu, layouts)?;
    Ok((operands, textures))
}

/// One-pass decode attention.
pub const ATTENTION_DECODE: AttentionFamily = AttentionFamily {
    name: "attention_decode",
    judged_by: Figure::BytesPerS,
    work: attention_work,
    scratch: no_scratch,
    candidates: one_pass_candidates,
    build: build_decode,
    tile: |_constants| Some(decode_tile(1)),
};

/// The decode kernels' tile: 4 query rows (the components of a vec4) and a
/// stretch of [`STRETCH`] keys per step, in `splits` workgroups per row.
fn decode_tile(splits: u64) -> AttentionTile {
    AttentionTile {
        rows: ROWS_PER_WORKGROUP as u64,
        keys: STRETCH as u64,
        splits,
    }
}

/// One candidate per reduction the adapter can do.
pub(super) fn one_pass_candidates(
    _dtype: Dtype,
    dims: &AttentionDims,
    gpu: &Gpu,
) -> Result<Vec<Candidate>, String> {
    texture_layouts(dims, gpu)?;
    Ok(reductions(gpu)
        .into_iter()
        .flat_map(|reduction| candidates_of(&[(reduction, &[("DECODE_WORKGROUP", WORKGROUP)])]))
        .map(|mut candidate| {
            candidate.constants.push(rows_constant(dims));
            candidate
        })
        .collect())
}

/// `ROWS`: how many of a workgroup's 4 query rows exist in some workgroup,
/// the group's heads × Sq up to 4 (1 for multi-head decode), so that the
/// kernel never loads or computes the others. A fact of the shape, not a
/// choice of the tuner.
fn rows_constant(dims: &AttentionDims) -> (String, f64) {
    let rows = dims.rows_per_kv_head().min(ROWS_PER_WORKGROUP);
    ("ROWS".into(), rows as f64)
}

/// Prepares a one-pass decode of `inputs`.
fn build_decode(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
    seed: u64,
) -> Result<Built, GpuError> {
    let kv_len = attention_dims(case).kv_len;
    let uploaded = upload(gpu, case, inputs, kv_len, seed)?;
    let kernel = uploaded_kernel(gpu, case, candidate, ("decode", 1), &uploaded, None)?;
    Ok((Box::new(kernel), uploaded.0.check))
}

/// Query rows × splits of a split case: the partials' count.
fn partial_count(case: &Case, splits: u32) -> u64 {
    let dims = attention_dims(case);
    (dims.batch * dims.q_heads * dims.q_len) as u64 * u64::from(splits)
}

/// Split-KV decode attention with a merge pass. Its work is the one-pass
/// work: the partials (a few per cent of K/V's bytes at most at the suites'
/// shapes) are left out, since the split count is the tuner's.
pub const ATTENTION_DECODE_SPLIT: AttentionFamily = AttentionFamily {
    name: "attention_decode_split",
    judged_by: Figure::BytesPerS,
    work: attention_work,
    scratch: split_scratch,
    candidates: split_candidates,
    build: build_split,
    tile: |constants| recorded_constant(constants, "SPLITS").map(decode_tile),
};

/// The partials a split candidate writes and the merge reads.
fn split_scratch(case: &Case, candidate: &Candidate) -> Vec<(String, u64)> {
    let splits = constant(&candidate.constants, "SPLITS");
    let d = attention_dims(case).head_dim as u64;
    vec![
        (
            "partial outputs".into(),
            partial_count(case, splits) * d * 4,
        ),
        ("partial statistics".into(), partial_count(case, splits) * 8),
    ]
}

/// One candidate per split count of at least one stretch of keys per split
/// (and always the fewest), with the best reduction the adapter has.
fn split_candidates(
    _dtype: Dtype,
    dims: &AttentionDims,
    gpu: &Gpu,
) -> Result<Vec<Candidate>, String> {
    texture_layouts(dims, gpu)?;
    let reduction = reductions(gpu)[0];
    let variant = format!("split_{reduction}");
    let counts = SPLIT_COUNTS
        .iter()
        .filter(|&&s| s == SPLIT_COUNTS[0] || dims.kv_len.div_ceil(s as usize) >= STRETCH);
    Ok(counts
        .map(|&splits| Candidate {
            variant: variant.clone(),
            constants: vec![
                ("DECODE_WORKGROUP".into(), WORKGROUP),
                ("SPLITS".into(), f64::from(splits)),
                rows_constant(dims),
            ],
        })
        .collect())
}

/// Prepares a split decode of `inputs`: partial and merge stages.
fn build_split(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
    seed: u64,
) -> Result<Built, GpuError> {
    let dims = attention_dims(case);
    let splits = constant(&candidate.constants, "SPLITS");
    let split_len = dims.kv_len.div_ceil(splits as usize);
    let uploaded = upload(gpu, case, inputs, split_len, seed)?;
    let count = partial_count(case, splits);
    let (partial_o, partial_ml) = gpu.catching(|| {
        (
            storage_buffer_zeroed(gpu, "partial outputs", count * dims.head_dim as u64 * 4),
            storage_buffer_zeroed(gpu, "partial statistics", count * 8),
        )
    })?;
    let partial = uploaded_kernel(
        gpu,
        case,
        candidate,
        ("decode_partial", splits),
        &uploaded,
        Some((&partial_o, &partial_ml)),
    )?;
    let operands = uploaded.0;
    let merge_groups = ((dims.batch * dims.q_heads * dims.q_len * dims.head_dim / 4) as u32)
        .div_ceil(MERGE_WORKGROUP);
    let merge_x = merge_groups.min(MAX_GROUPS_X);
    let merge = Kernel::build(
        gpu,
        &KernelSpec {
            label: &format!("{}_{}_merge", case.workload, case.dtype),
            source: &attention_source(case.dtype, &dims, &source_for("tree")),
            entry_point: "decode_merge",
            constants: &[("SPLITS".into(), f64::from(splits))],
            // Every index is guarded by O's length.
            bounds_checked: false,
            bindings: &[
                (3, operands.check.o.as_entire_binding()),
                (4, operands.params.as_entire_binding()),
                (8, partial_o.as_entire_binding()),
                (9, partial_ml.as_entire_binding()),
            ],
            workgroups: (merge_x, merge_groups.div_ceil(merge_x), 1),
        },
    )?;
    let stages = Stages::new(vec![("partial".into(), partial), ("merge".into(), merge)]);
    Ok((Box::new(stages), operands.check))
}
