//! The kernel variants of `shaders/matmul.wgsl`, their tile shapes (as
//! `override` constants), and which of them a case may run on an adapter.

use super::coop::coop_options;
use super::inputs::Dims;
use crate::gpu::Gpu;
use crate::workloads::{constant, subgroups_of_at_least, Candidate, Case, Dtype, Unavailable};

/// Where a kernel reads A and B from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// Storage buffers at bindings 0 and 1.
    Buffers,
    /// Read-only storage textures at bindings 4 and 5, one vec4 of a padded
    /// row per texel.
    Textures,
}

/// How a kernel is written, and so how it is dispatched and what workgroup
/// memory it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// Generated from `shaders/matmul_register_tiled.wgsl`, loading A and B
    /// as the variant's `source` and `subgroups` say; no workgroup memory.
    /// Each invocation owns 8·`ROW_BLOCKS` rows × 2 vec4 columns, a workgroup
    /// `WORKGROUP_SIZE` of them side by side.
    RegisterTiled,
    /// `matmul_workgroup_tiled`: 16 × 16 invocations, each owning `WT_ROWS`
    /// rows × `WT_COLS` vec4 columns, staging A and B through workgroup memory.
    WorkgroupTiled,
}

impl Family {
    /// Workgroups `(x, y)` that cover an output of `m` rows and `n_vec4` vec4
    /// columns, given a candidate's constants.
    pub(super) fn workgroups(self, m: u32, n_vec4: u32, constants: &[(String, f64)]) -> (u32, u32) {
        let (rows, columns) = self.output_tile(constants);
        (n_vec4.div_ceil(columns / 4), m.div_ceil(rows))
    }

    /// Rows × columns of C one workgroup computes, given a candidate's
    /// constants. Every workgroup computes its whole tile (indices past the
    /// edge are clamped, not skipped), so this is the grain of the work done.
    pub(super) fn output_tile(self, constants: &[(String, f64)]) -> (u32, u32) {
        match self {
            // WORKGROUP_SIZE invocations side by side, each 8·ROW_BLOCKS rows × 2 vec4s.
            Family::RegisterTiled => (
                8 * constant(constants, "ROW_BLOCKS"),
                8 * constant(constants, "WORKGROUP_SIZE"),
            ),
            // 16 × 16 invocations, each WT_ROWS rows × WT_COLS vec4s.
            Family::WorkgroupTiled => (
                16 * constant(constants, "WT_ROWS"),
                64 * constant(constants, "WT_COLS"),
            ),
        }
    }

    /// Workgroup memory a tile shape needs, in bytes (a shape needing more
    /// than the adapter offers is not a candidate there). workgroup_tiled
    /// holds two tiles of 4-byte elements: the transposed A tile (16·WT_ROWS
    /// rows plus 4 floats of padding, per k) and the B tile (16·WT_COLS vec4s
    /// per k).
    fn workgroup_bytes(self, constants: &[(String, f64)]) -> u32 {
        match self {
            Family::RegisterTiled => 0,
            Family::WorkgroupTiled => {
                let (rows, cols, k) = (
                    constant(constants, "WT_ROWS"),
                    constant(constants, "WT_COLS"),
                    constant(constants, "WT_TILE_K"),
                );
                // The kernel holds at most 8 rows × 2 columns, rows in whole vec4s.
                debug_assert!(rows % 4 == 0 && rows <= 8 && cols <= 2, "{constants:?}");
                let floats = k * (16 * rows + 4) + k * 16 * cols * 4;
                floats * 4
            }
        }
    }
}

/// Named `override` constants and their values: one tile shape.
type Constants = &'static [(&'static str, f64)];

/// A kernel of the matmul module.
pub(super) struct Variant {
    /// Name in reports, e.g. `texture_tiled`.
    pub(super) name: &'static str,
    /// The WGSL entry point.
    pub(super) entry_point: &'static str,
    /// How it is written and dispatched.
    pub(super) family: Family,
    /// Where it reads A and B from.
    pub(super) source: Source,
    /// Needs subgroup operations (`SUBGROUP`, subgroups of at least 8 lanes).
    pub(super) subgroups: bool,
    /// Tile shapes f32 cases offer as candidates.
    shapes: &'static [Constants],
}

// Tile shapes of the register-tiled family, as (WORKGROUP_SIZE, ROW_BLOCKS).
/// One block of 8 rows (16 vec4 accumulators per invocation), k summed in
/// chained FMAs: suits GPUs.
const GPU_TILE: Constants = &[("WORKGROUP_SIZE", 64.0), ("ROW_BLOCKS", 1.0)];
/// Four blocks, k summed as a tree: suits software adapters, where each
/// loaded value of B then serves 32 rows and spilled accumulators cost far
/// less than loads.
const CPU_TILE: Constants = &[
    ("WORKGROUP_SIZE", 16.0),
    ("ROW_BLOCKS", 4.0),
    ("SUM_TREE", 1.0),
];
/// Four blocks, in workgroups that hold whole subgroups of up to 64 lanes.
const CPU_SUBGROUP_TILE: Constants = &[
    ("WORKGROUP_SIZE", 64.0),
    ("ROW_BLOCKS", 4.0),
    ("SUM_TREE", 1.0),
];
// Tile shapes of workgroup_tiled, as (WT_ROWS, WT_COLS, WT_TILE_K): 64 × 64
// outputs per workgroup (4 × 4 per invocation), and 128 × 128 (8 × 8) with 8
// or 16 values of k staged at a time (8.25, 8.125 and 16.25 KiB of
// workgroup memory).
const WT_64_K16: Constants = &[("WT_ROWS", 4.0), ("WT_COLS", 1.0), ("WT_TILE_K", 16.0)];
const WT_128_K8: Constants = &[("WT_ROWS", 8.0), ("WT_COLS", 2.0), ("WT_TILE_K", 8.0)];
const WT_128_K16: Constants = &[("WT_ROWS", 8.0), ("WT_COLS", 2.0), ("WT_TILE_K", 16.0)];
/// Two blocks for f16: four take over 2 s to compile on lavapipe.
const F16_TILE: Constants = &[("WORKGROUP_SIZE", 16.0), ("ROW_BLOCKS", 2.0)];
/// Two blocks for f16, in workgroups that hold whole subgroups.
const F16_SUBGROUP_TILE: Constants = &[("WORKGROUP_SIZE", 64.0), ("ROW_BLOCKS", 2.0)];

/// Every kernel of the matmul module, in the order candidates are offered.
pub(super) const VARIANTS: [Variant; 5] = [
    Variant {
        name: "register_tiled",
        entry_point: "matmul_register_tiled",
        family: Family::RegisterTiled,
        source: Source::Buffers,
        subgroups: false,
        shapes: &[GPU_TILE, CPU_TILE],
    },
    Variant {
        name: "workgroup_tiled",
        entry_point: "matmul_workgroup_tiled",
        family: Family::WorkgroupTiled,
        source: Source::Buffers,
        subgroups: false,
        shapes: &[WT_64_K16, WT_128_K8, WT_128_K16],
    },
    Variant {
        name: "texture_tiled",
        entry_point: "matmul_texture_tiled",
        family: Family::RegisterTiled,
        source: Source::Textures,
        subgroups: false,
        shapes: &[CPU_TILE, GPU_TILE],
    },
    Variant {
        name: "subgroup",
        entry_point: "matmul_subgroup",
        family: Family::RegisterTiled,
        source: Source::Buffers,
        subgroups: true,
        shapes: &[CPU_SUBGROUP_TILE],
    },
    Variant {
        name: "texture_subgroup",
        entry_point: "matmul_texture_subgroup",
        family: Family::RegisterTiled,
        source: Source::Textures,
        subgroups: true,
        shapes: &[CPU_SUBGROUP_TILE, GPU_TILE],
    },
];

/// The kernels f16 cases offer, with their tile shapes; each accumulates in
/// f16 and in f32.
const F16_VARIANTS: [(&str, &[Constants]); 2] = [
    ("register_tiled", &[F16_TILE]),
    ("texture_subgroup", &[F16_SUBGROUP_TILE]),
];

/// What a candidate runs: a kernel, the dtype it accumulates (and stores C)
/// in, and the tile shapes it is offered with.
pub(super) struct Offer {
    /// The candidate's variant name, e.g. `register_tiled_acc_f16`.
    pub(super) name: String,
    /// The kernel.
    pub(super) variant: &'static Variant,
    /// The dtype it accumulates and stores C in.
    pub(super) accumulate: Dtype,
    /// Tile shapes offered.
    shapes: &'static [Constants],
}

impl Offer {
    /// Each tile shape it is offered with, as a candidate's constants.
    pub(super) fn tile_constants(&self) -> impl Iterator<Item = Vec<(String, f64)>> + '_ {
        self.shapes
            .iter()
            .map(|shape| shape.iter().map(|(n, x)| (n.to_string(), *x)).collect())
    }
}

/// Every kernel × accumulation a case of `dtype` may run, before asking the
/// adapter. f32 cases accumulate in f32 under the kernel's name; f16 cases
/// name the accumulation: `register_tiled_acc_f16`, `register_tiled_acc_f32`.
pub(super) fn offers(dtype: Dtype) -> Vec<Offer> {
    match dtype {
        Dtype::F32 => VARIANTS
            .iter()
            .map(|variant| Offer {
                name: variant.name.to_string(),
                variant,
                accumulate: Dtype::F32,
                shapes: variant.shapes,
            })
            .collect(),
        Dtype::F16 => F16_VARIANTS
            .iter()
            .flat_map(|&(name, shapes)| {
                let variant = VARIANTS.iter().find(|v| v.name == name).expect("known");
                [Dtype::F16, Dtype::F32].map(|accumulate| Offer {
                    name: format!("{name}_acc_{accumulate}"),
                    variant,
                    accumulate,
                    shapes,
                })
            })
            .collect(),
    }
}

/// Rows × columns of C one workgroup of `variant` (a name as reports give
/// it, e.g. `texture_subgroup` or `register_tiled_acc_f32`) computes with
/// `constants`; None for a variant this chipbench does not know.
pub(super) fn output_tile(variant: &str, constants: &[(String, f64)]) -> Option<(u32, u32)> {
    [Dtype::F32, Dtype::F16]
        .into_iter()
        .flat_map(offers)
        .find(|offer| offer.name == variant)
        .map(|offer| offer.variant.family.output_tile(constants))
}

/// Whether `gpu` can hold `dims`' A and B as textures (one vec4 per texel).
fn textures_fit(gpu: &Gpu, dims: Dims) -> bool {
    let limit = gpu.device.limits().max_texture_dimension_2d as usize;
    let padded = dims.vec4_layout();
    [padded.m, padded.k, padded.k / 4, padded.n / 4]
        .iter()
        .all(|&extent| extent <= limit)
}

/// The candidates `gpu` can run for `case`, and the variants it cannot, with why.
pub(super) fn options(case: &Case, gpu: &Gpu) -> (Vec<Candidate>, Vec<Unavailable>) {
    let dims = Dims::of(case);
    // A subgroup kernel's lanes 0..7 hand out a block's 8 rows of A.
    let subgroup_size = subgroups_of_at_least(gpu, 8);
    let workgroup_limit = gpu.device.limits().max_compute_workgroup_storage_size;
    // On a software adapter, tiles of 8 rows are offered only to shapes of
    // at most 16 rows (decode), where a taller tile would be mostly padding.
    // Elsewhere their speed is a lottery of memory placement: on lavapipe,
    // one such kernel ran 512³ in 5 ms in one process and in 200 ms in
    // another (Intel Xeon), 1024³ at 32 GFLOP/s and then at 9 (AMD EPYC), so
    // autotune could crown one that a later run finds many times slower.
    // 32-row tiles ran the same shapes at 35–60 GFLOP/s in every process.
    let software = gpu.summary.is_software();
    let (mut candidates, mut unavailable) = coop_options(case, gpu);
    for offer in offers(case.dtype) {
        let variant = offer.variant;
        let missing = if variant.subgroups && subgroup_size.is_none() {
            Some("the adapter lacks SUBGROUP with subgroups of at least 8 lanes")
        } else if variant.source == Source::Textures && !textures_fit(gpu, dims) {
            Some("the matrices exceed the adapter's largest 2D texture")
        } else if variant.source == Source::Textures
            && gpu.device.limits().max_storage_textures_per_shader_stage < 2
        {
            Some("the adapter binds fewer than 2 storage textures per shader stage")
        } else {
            None
        };
        if let Some(reason) = missing {
            unavailable.push(Unavailable {
                variant: offer.name.clone(),
                reason: reason.into(),
            });
            continue;
        }
        // Tile shapes the adapter can run, and why the last one left out was.
        let mut left_out = None;
        let mut fitting = 0;
        for constants in offer.tile_constants() {
            if variant.family.workgroup_bytes(&constants) > workgroup_limit {
                left_out = Some(format!(
                    "no tile shape fits the adapter's {workgroup_limit} bytes of workgroup memory"
                ));
                continue;
            }
            // Subgroup kernels need whole subgroups in every workgroup.
            if let (true, Some(size)) = (variant.subgroups, subgroup_size) {
                if !constant(&constants, "WORKGROUP_SIZE").is_multiple_of(size) {
                    left_out = Some(format!(
                        "no tile shape's workgroup holds whole subgroups of up to {size} lanes"
                    ));
                    continue;
                }
            }
            if software && variant.family.output_tile(&constants).0 <= 8 && dims.m > 16 {
                continue;
            }
            fitting += 1;
            candidates.push(Candidate {
                variant: offer.name.clone(),
                constants,
            });
        }
        if let (0, Some(reason)) = (fitting, left_out) {
            unavailable.push(Unavailable {
                variant: offer.name.clone(),
                reason,
            });
        }
    }
    (candidates, unavailable)
}
