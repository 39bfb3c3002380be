//! Matrix multiply, C = A·B, row-major, any M, N, K ≥ 1, in f32 and in f16
//! (accumulating in f16 or in f32).
//!
//! Kernels live in `shaders/matmul.wgsl`. Inputs are padded with zeros, K to a
//! multiple of 8 and N to a multiple of 4, so ragged sizes need no scalar tail
//! in any kernel; FLOPs and bytes are counted on the logical shape, never the
//! padding. Most kernels read A and
//! B from storage buffers; the texture kernels read the same padded matrices
//! from 2D textures with one vec4 per texel, which software adapters fetch far
//! faster than per-lane buffer loads.

use bytemuck::{Pod, Zeroable};
use half::f16;

use super::matmul_coop::{coop_options, is_coop, prepare_coop};
use super::{
    constant, require_dtype, seeded_uniform, with_element_type, without_part, Candidate, Case,
    Dtype, KernelCase, OutputCheck, Prepared, Unavailable, Work, Workload,
};
use crate::gpu::{
    in_order, read_buffer, storage_buffer_init, storage_buffer_zeroed, texture_init,
    uniform_buffer, Gpu, GpuError, Kernel, KernelSpec,
};
use crate::reference::{self, Verification};

const SHADER: &str = include_str!("../../shaders/matmul.wgsl");

/// The line of `matmul.wgsl` after which kernels use subgroup operations: the
/// part after it is compiled only for subgroup variants.
const SUBGROUP_PART: &str = "// @subgroup-kernels";

/// The matmul workload.
pub struct Matmul;

/// Where a kernel reads A and B from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Storage buffers at bindings 0 and 1.
    Buffers,
    /// Read-only storage textures at bindings 4 and 5, one vec4 of a padded
    /// row per texel.
    Textures,
}

/// Named `override` constants and their values: one tile shape.
type Constants = &'static [(&'static str, f64)];

/// Workgroups `(x, y)` that cover an output of `m` rows and `n_vec4` vec4
/// columns, given a candidate's constants.
type WorkgroupCount = fn(m: u32, n_vec4: u32, constants: &[(String, f64)]) -> (u32, u32);

/// A kernel in `matmul.wgsl`.
struct Variant {
    name: &'static str,
    entry_point: &'static str,
    source: Source,
    /// Needs subgroup operations (`SUBGROUP`, subgroups of at least 8 lanes).
    subgroups: bool,
    /// Tile shapes f32 cases offer as candidates.
    shapes: &'static [Constants],
    workgroups: WorkgroupCount,
    /// Workgroup memory a tile shape needs, in bytes (a shape needing more
    /// than the adapter offers is not a candidate there).
    workgroup_bytes: fn(constants: &[(String, f64)]) -> u32,
}

/// Kernels without workgroup memory.
fn no_workgroup_memory(_: &[(String, f64)]) -> u32 {
    0
}

/// workgroup_tiled's two tiles, for 4-byte elements: the transposed A tile
/// (16·WT_ROWS rows plus 4 floats of padding, per k) and the B tile
/// (16·WT_COLS vec4s per k).
fn workgroup_tiled_bytes(constants: &[(String, f64)]) -> u32 {
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

/// Workgroups for the register-tiled family: each invocation owns
/// 8·`ROW_BLOCKS` rows × 2 vec4 columns, a workgroup `WORKGROUP_SIZE` of them
/// side by side.
fn register_tiles(m: u32, n_vec4: u32, constants: &[(String, f64)]) -> (u32, u32) {
    let invocations = constant(constants, "WORKGROUP_SIZE");
    let rows = 8 * constant(constants, "ROW_BLOCKS");
    (n_vec4.div_ceil(2).div_ceil(invocations), m.div_ceil(rows))
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

const VARIANTS: [Variant; 5] = [
    Variant {
        name: "register_tiled",
        entry_point: "matmul_register_tiled",
        source: Source::Buffers,
        subgroups: false,
        shapes: &[GPU_TILE, CPU_TILE],
        workgroups: register_tiles,
        workgroup_bytes: no_workgroup_memory,
    },
    Variant {
        name: "workgroup_tiled",
        entry_point: "matmul_workgroup_tiled",
        source: Source::Buffers,
        subgroups: false,
        shapes: &[WT_64_K16, WT_128_K8, WT_128_K16],
        workgroups: |m, n_vec4, constants| {
            let (rows, cols) = (
                constant(constants, "WT_ROWS"),
                constant(constants, "WT_COLS"),
            );
            (n_vec4.div_ceil(16 * cols), m.div_ceil(16 * rows))
        },
        workgroup_bytes: workgroup_tiled_bytes,
    },
    Variant {
        name: "texture_tiled",
        entry_point: "matmul_texture_tiled",
        source: Source::Textures,
        subgroups: false,
        shapes: &[CPU_TILE, GPU_TILE],
        workgroups: register_tiles,
        workgroup_bytes: no_workgroup_memory,
    },
    Variant {
        name: "subgroup",
        entry_point: "matmul_subgroup",
        source: Source::Buffers,
        subgroups: true,
        shapes: &[CPU_SUBGROUP_TILE],
        workgroups: register_tiles,
        workgroup_bytes: no_workgroup_memory,
    },
    Variant {
        name: "texture_subgroup",
        entry_point: "matmul_texture_subgroup",
        source: Source::Textures,
        subgroups: true,
        shapes: &[CPU_SUBGROUP_TILE, GPU_TILE],
        workgroups: register_tiles,
        workgroup_bytes: no_workgroup_memory,
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
struct Offer {
    name: String,
    variant: &'static Variant,
    accumulate: Dtype,
    shapes: &'static [Constants],
}

/// Every kernel × accumulation a case of `dtype` may run, before asking the
/// adapter. f32 cases accumulate in f32 under the kernel's name; f16 cases
/// name the accumulation: `register_tiled_acc_f16`, `register_tiled_acc_f32`.
fn offers(dtype: Dtype) -> Vec<Offer> {
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

/// The largest subgroup subgroup kernels may meet: `Some` only where the
/// adapter has `SUBGROUP` and every subgroup it may choose has at least 8
/// lanes (a kernel's lanes 0..7 hand out a block's 8 rows of A). Sizes are
/// powers of two, so a workgroup that is a multiple of the largest holds
/// whole subgroups of any size the driver picks.
fn largest_subgroup_size(gpu: &Gpu) -> Option<u32> {
    let (min, max) = gpu.summary.subgroup_size_range;
    (gpu.has(wgpu::Features::SUBGROUP) && min >= 8).then_some(max)
}

/// The format of texture kernels' inputs for `dtype`, and its WGSL name.
fn texel_format(dtype: Dtype) -> (wgpu::TextureFormat, &'static str) {
    match dtype {
        Dtype::F32 => (wgpu::TextureFormat::Rgba32Float, "rgba32float"),
        Dtype::F16 => (wgpu::TextureFormat::Rgba16Float, "rgba16float"),
    }
}

/// Whether `gpu` can hold `dims`' A and B as textures (one vec4 per texel).
fn textures_fit(gpu: &Gpu, dims: Dims) -> bool {
    let limit = gpu.device.limits().max_texture_dimension_2d as usize;
    [
        dims.m,
        dims.k_padded(),
        dims.k_padded() / 4,
        dims.n_padded() / 4,
    ]
    .iter()
    .all(|&extent| extent <= limit)
}

/// The logical dimensions of a matmul case.
#[derive(Debug, Clone, Copy)]
struct Dims {
    m: usize,
    n: usize,
    k: usize,
}

impl Dims {
    fn of(case: &Case) -> Dims {
        let dim = |name| {
            case.shape
                .get(name)
                .unwrap_or_else(|| panic!("matmul case lacks {name}")) as usize
        };
        Dims {
            m: dim("m"),
            n: dim("n"),
            k: dim("k"),
        }
    }
    /// N rounded up to whole vec4s.
    fn n_padded(self) -> usize {
        self.n.next_multiple_of(4)
    }
    /// K rounded up to a multiple of 8: the register-tiled kernels take two
    /// vec4s of k per step.
    fn k_padded(self) -> usize {
        self.k.next_multiple_of(8)
    }
}

/// Mirrors `struct Dims` in the shader.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct DimsUniform {
    m: u32,
    k_vec4: u32,
    n_vec4: u32,
    _pad: u32,
}

/// Builds a matmul case `m × n × k` (A is m × k, B is k × n).
pub fn matmul_case(dtype: Dtype, m: u64, n: u64, k: u64) -> Case {
    Case {
        workload: "matmul".into(),
        dtype,
        shape: super::Shape::new(&[("m", m), ("n", n), ("k", k)]),
    }
}

impl Workload for Matmul {
    fn family(&self) -> &'static str {
        "matmul"
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["m", "n", "k"]
    }

    fn work(&self, case: &Case) -> Work {
        let Dims { m, n, k } = Dims::of(case);
        let element = case.dtype.size_bytes();
        Work {
            flop: 2.0 * m as f64 * n as f64 * k as f64,
            bytes_read: (m * k + k * n) as u64 * element,
            bytes_written: (m * n) as u64 * element,
        }
    }

    fn buffers(&self, case: &Case) -> Vec<(String, u64)> {
        let d = Dims::of(case);
        let element = case.dtype.size_bytes();
        let bytes = |rows: usize, cols: usize| (rows * cols) as u64 * element;
        vec![
            ("A".into(), bytes(d.m, d.k_padded())),
            ("B".into(), bytes(d.k_padded(), d.n_padded())),
            // C holds the accumulation dtype, at most f32.
            ("C".into(), (d.m * d.n_padded()) as u64 * 4),
        ]
    }

    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        require_dtype(gpu, case.dtype)?;
        Ok(options(case, gpu).0)
    }

    fn unavailable(&self, case: &Case, gpu: &Gpu) -> Vec<Unavailable> {
        options(case, gpu).1
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        if is_coop(candidate) {
            return prepare_coop(gpu, case, candidate, seed);
        }
        prepare(gpu, case, candidate, seed)
    }
}

/// The candidates `gpu` can run for `case`, and the variants it cannot, with why.
fn options(case: &Case, gpu: &Gpu) -> (Vec<Candidate>, Vec<Unavailable>) {
    let dims = Dims::of(case);
    let subgroup_size = largest_subgroup_size(gpu);
    let workgroup_limit = gpu.device.limits().max_compute_workgroup_storage_size;
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
        for shape in offer.shapes {
            let constants: Vec<(String, f64)> =
                shape.iter().map(|(n, x)| (n.to_string(), *x)).collect();
            if (variant.workgroup_bytes)(&constants) > workgroup_limit {
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

/// Uploads the inputs and builds a kernel of `matmul.wgsl` for `candidate`.
fn prepare(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    seed: u64,
) -> Result<Box<dyn Prepared>, GpuError> {
    let dims = Dims::of(case);
    let offer = offers(case.dtype)
        .into_iter()
        .find(|o| o.name == candidate.variant)
        .unwrap_or_else(|| panic!("unknown matmul variant {}", candidate.variant));
    let variant = offer.variant;
    let inputs = Inputs::draw(dims, case.dtype, seed);

    let (m, n_vec4) = (dims.m as u32, (dims.n_padded() / 4) as u32);
    let k_vec4 = (dims.k_padded() / 4) as u32;
    let uniform = DimsUniform {
        m,
        k_vec4,
        n_vec4,
        _pad: 0,
    };
    let c_bytes = (dims.m * dims.n_padded()) as u64 * offer.accumulate.size_bytes();
    let (c, dims_buffer) = gpu.catching(|| {
        (
            storage_buffer_zeroed(gpu, "C", c_bytes),
            uniform_buffer(gpu, "dims", bytemuck::bytes_of(&uniform)),
        )
    })?;
    let body = match variant.subgroups {
        true => SHADER,
        false => without_part(SHADER, SUBGROUP_PART),
    };
    let (texel_format, texel_format_name) = texel_format(case.dtype);
    let source = with_element_type(
        case.dtype,
        &format!("alias Acc = {};\n{body}", offer.accumulate)
            .replace("TEXEL_FORMAT", texel_format_name),
    );
    let label = format!("matmul_{}_{}", case.dtype, offer.name);
    let (x, y) = (variant.workgroups)(m, n_vec4, &candidate.constants);
    let check = MatmulCheck {
        dims,
        a: inputs.a,
        b: inputs.b,
        c,
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
                    storage_buffer_init(gpu, "A", &inputs.a_padded),
                    storage_buffer_init(gpu, "B", &inputs.b_padded),
                ]
            })?;
            bindings.extend(in_order(&[&a, &b]));
        }
        Source::Textures => {
            let texture = |label, extent, data: &[u8]| {
                texture_init(
                    gpu,
                    label,
                    texel_format,
                    extent,
                    data,
                    wgpu::TextureUsages::STORAGE_BINDING,
                )
            };
            views = gpu.catching(|| {
                [
                    texture("A", (k_vec4, m), &inputs.a_padded),
                    texture("B", (n_vec4, k_vec4 * 4), &inputs.b_padded),
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

/// A and B as a case's kernels read them (rows padded to whole vec4s, in the
/// case's dtype, as bytes) and as the CPU reference reads them (the same
/// values, unpadded, in f32).
struct Inputs {
    a: Vec<f32>,
    b: Vec<f32>,
    a_padded: Vec<u8>,
    b_padded: Vec<u8>,
}

impl Inputs {
    /// Seeded inputs in [-1, 1], rounded to `dtype`.
    fn draw(dims: Dims, dtype: Dtype, seed: u64) -> Inputs {
        let round = |values: Vec<f32>| match dtype {
            Dtype::F32 => values,
            Dtype::F16 => values
                .into_iter()
                .map(|x| f16::from_f32(x).to_f32())
                .collect(),
        };
        let a = round(seeded_uniform(seed, 0, dims.m * dims.k));
        let b = round(seeded_uniform(seed, 1, dims.k * dims.n));
        let a_padded = as_bytes(dtype, &pad(&a, dims.m, dims.k, dims.m, dims.k_padded()));
        let b_padded = as_bytes(
            dtype,
            &pad(&b, dims.k, dims.n, dims.k_padded(), dims.n_padded()),
        );
        Inputs {
            a,
            b,
            a_padded,
            b_padded,
        }
    }
}

/// `values` (already representable in `dtype`) as `dtype`'s bytes.
fn as_bytes(dtype: Dtype, values: &[f32]) -> Vec<u8> {
    match dtype {
        Dtype::F32 => bytemuck::cast_slice(values).to_vec(),
        Dtype::F16 => {
            let halves: Vec<f16> = values.iter().map(|&x| f16::from_f32(x)).collect();
            bytemuck::cast_slice(&halves).to_vec()
        }
    }
}

/// Copies a `rows × cols` row-major matrix into a zeroed `rows_padded × cols_padded` one.
fn pad(data: &[f32], rows: usize, cols: usize, rows_padded: usize, cols_padded: usize) -> Vec<f32> {
    let mut padded = vec![0.0; rows_padded * cols_padded];
    for r in 0..rows {
        padded[r * cols_padded..r * cols_padded + cols]
            .copy_from_slice(&data[r * cols..(r + 1) * cols]);
    }
    padded
}

/// Checks C against the CPU product of the inputs the kernel saw, with the
/// tolerance of the dtype it accumulated in.
struct MatmulCheck {
    dims: Dims,
    a: Vec<f32>,
    b: Vec<f32>,
    c: wgpu::Buffer,
    accumulate: Dtype,
    seed: u64,
}

impl OutputCheck for MatmulCheck {
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let Dims { m, n, k } = self.dims;
        let n_padded = self.dims.n_padded();
        let bytes = read_buffer(
            gpu,
            &self.c,
            (m * n_padded) as u64 * self.accumulate.size_bytes(),
        )?;
        let padded: Vec<f32> = match self.accumulate {
            Dtype::F32 => bytemuck::cast_slice(&bytes).to_vec(),
            Dtype::F16 => bytemuck::cast_slice::<u8, f16>(&bytes)
                .iter()
                .map(|x| x.to_f32())
                .collect(),
        };
        let c: Vec<f32> = (0..m)
            .flat_map(|r| padded[r * n_padded..r * n_padded + n].iter().copied())
            .collect();
        Ok(reference::check_matmul(
            &self.a,
            &self.b,
            &c,
            m,
            n,
            k,
            self.accumulate,
            self.seed,
        ))
    }
}
