//! The cooperative-matrix matmul variants (`shaders/matmul_coop.wgsl`): tensor
//! cores reached from WGSL, on adapters that expose `EXPERIMENTAL_COOPERATIVE_MATRIX`
//! with the tile shape a variant needs. Everywhere else they are reported as
//! not run, with the reason; the shader itself is validated offline by naga
//! in `tests/coop_matrix_shader.rs`.

use bytemuck::{Pod, Zeroable};

use super::check::MatmulCheck;
use super::inputs::{Dims, MatmulInputs};
use crate::gpu::{
    in_order, storage_buffer_init, storage_buffer_zeroed, uniform_buffer, Gpu, GpuError, Kernel,
    KernelSpec,
};
use crate::workloads::{Candidate, Case, Dtype, KernelCase, Prepared, Unavailable};

const SHADER: &str = include_str!("../../../shaders/matmul_coop.wgsl");

/// One cooperative-matrix kernel: its input type, tile edge, and the shape
/// the adapter must list (as `AdapterSummary::cooperative_matrix` spells it).
struct CoopVariant {
    name: &'static str,
    entry_point: &'static str,
    input: Dtype,
    tile: usize,
    needed_shape: &'static str,
}

const COOP_VARIANTS: [CoopVariant; 2] = [
    CoopVariant {
        name: "coop_matrix_8x8",
        entry_point: "matmul_coop_f32",
        input: Dtype::F32,
        tile: 8,
        needed_shape: "8x8x8 f32→f32",
    },
    CoopVariant {
        name: "coop_matrix_16x16",
        entry_point: "matmul_coop_f16",
        input: Dtype::F16,
        tile: 16,
        needed_shape: "16x16x16 f16→f32",
    },
];

fn variant(name: &str) -> Option<&'static CoopVariant> {
    COOP_VARIANTS.iter().find(|v| v.name == name)
}

/// The square tile of C one workgroup of cooperative-matrix variant `name`
/// computes, as its edge; None for other variants.
pub(super) fn coop_tile(name: &str) -> Option<u32> {
    variant(name).map(|v| v.tile as u32)
}

/// Whether `candidate` is a cooperative-matrix variant (prepared here).
pub(super) fn is_coop(candidate: &Candidate) -> bool {
    variant(&candidate.variant).is_some()
}

/// The cooperative-matrix variants for `case` that can run on `gpu`, and
/// those that cannot with the reason.
pub(super) fn coop_options(case: &Case, gpu: &Gpu) -> (Vec<Candidate>, Vec<Unavailable>) {
    let mut runnable = Vec::new();
    let mut unavailable = Vec::new();
    for v in COOP_VARIANTS.iter().filter(|v| v.input == case.dtype) {
        let s = &gpu.summary;
        let (min_subgroup, max_subgroup) = s.subgroup_size_range;
        let missing = if !gpu.has(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX) {
            Some("the adapter exposes no cooperative matrix (EXPERIMENTAL_COOPERATIVE_MATRIX); the kernel is validated offline by naga".to_string())
        } else if !gpu.has(wgpu::Features::SHADER_F16) {
            Some("the shader module declares f16 and the adapter lacks SHADER_F16".to_string())
        } else if !s
            .cooperative_matrix
            .iter()
            .any(|shape| shape == v.needed_shape)
        {
            Some(format!(
                "the adapter's cooperative-matrix shapes ({}) do not include {}",
                s.cooperative_matrix.join(", "),
                v.needed_shape
            ))
        } else if min_subgroup != max_subgroup || min_subgroup == 0 {
            Some(format!(
                "a workgroup must be one subgroup, and the adapter's subgroup size varies ({min_subgroup}-{max_subgroup})"
            ))
        } else {
            None
        };
        match missing {
            Some(reason) => unavailable.push(Unavailable {
                variant: v.name.into(),
                reason,
            }),
            None => runnable.push(Candidate {
                variant: v.name.into(),
                constants: vec![("WORKGROUP_SIZE".into(), f64::from(min_subgroup))],
            }),
        }
    }
    (runnable, unavailable)
}

/// Mirrors `struct Dims` in the shader: padded sizes.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct DimsUniform {
    m: u32,
    n: u32,
    k: u32,
    _pad: u32,
}

/// Uploads `case`'s inputs padded to whole tiles in the variant's input type
/// and builds the kernel.
pub(super) fn prepare_coop(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    seed: u64,
) -> Result<Box<dyn Prepared>, GpuError> {
    let v = variant(&candidate.variant).expect("prepare_coop is given coop variants only");
    let dims = Dims::of(case);
    let padded = dims.whole_tiles(v.tile);
    // Inputs as the kernel sees them: f16 cases are rounded to f16 first.
    let inputs = MatmulInputs::draw(v.input, dims.m, dims.n, dims.k, seed);
    let [a, b] = inputs.padded_bytes(padded);
    let buffers = gpu.catching(|| {
        let uniform = DimsUniform {
            m: padded.m as u32,
            n: padded.n as u32,
            k: padded.k as u32,
            _pad: 0,
        };
        [
            storage_buffer_init(gpu, "A", &a),
            storage_buffer_init(gpu, "B", &b),
            storage_buffer_zeroed(gpu, "C", (padded.m * padded.n * 4) as u64),
            uniform_buffer(gpu, "dims", bytemuck::bytes_of(&uniform)),
        ]
    })?;
    let kernel = Kernel::build(
        gpu,
        &KernelSpec {
            label: &format!("matmul_{}", v.name),
            source: SHADER,
            entry_point: v.entry_point,
            constants: &candidate.constants,
            bounds_checked: true,
            bindings: &in_order(&buffers.iter().collect::<Vec<_>>()),
            workgroups: ((padded.n / v.tile) as u32, (padded.m / v.tile) as u32, 1),
        },
    )?;
    let [_, _, c, _] = buffers;
    // Both variants accumulate in f32, so the f32 tolerance applies.
    Ok(Box::new(KernelCase {
        kernel,
        check: MatmulCheck {
            inputs,
            c,
            c_row_len: padded.n,
            accumulate: Dtype::F32,
            seed,
        },
    }))
}
