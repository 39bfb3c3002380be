//! Matrix multiply, C = A·B, f32, row-major, any M, N, K ≥ 1.
//!
//! Kernels live in `shaders/matmul.wgsl`. Buffers pad each row to whole vec4s
//! (zeros), so ragged sizes need no scalar tail in any kernel; FLOPs and bytes
//! are counted on the logical shape, never the padding.

use bytemuck::{Pod, Zeroable};

use super::{seeded_uniform, Candidate, Case, Dtype, Prepared, Work, Workload};
use crate::gpu::{
    read_buffer, storage_buffer_init, storage_buffer_zeroed, uniform_buffer, Gpu, GpuError, Kernel,
    KernelSpec, SampleTime, Timer,
};
use crate::reference::{self, Verification};

const SHADER: &str = include_str!("../../shaders/matmul.wgsl");

/// The matmul workload.
pub struct Matmul;

/// Workgroups `(x, y)` that cover an output of `m` rows and `n_vec4` vec4
/// columns, given the candidate's `override` constants.
type WorkgroupCount = fn(m: u32, n_vec4: u32, constants: &[(String, f64)]) -> (u32, u32);

/// A kernel in `matmul.wgsl`: its entry point, its default `override`
/// constants, and how many workgroups cover an M × N4 output.
struct Variant {
    name: &'static str,
    entry_point: &'static str,
    constants: &'static [(&'static str, f64)],
    workgroups: WorkgroupCount,
}

const VARIANTS: [Variant; 2] = [
    Variant {
        name: "register_tiled",
        entry_point: "matmul_register_tiled",
        constants: &[("RT_WORKGROUP", 64.0)],
        workgroups: |m, n_vec4, constants| {
            let invocations = constant(constants, "RT_WORKGROUP");
            (n_vec4.div_ceil(2).div_ceil(invocations), m.div_ceil(8))
        },
    },
    Variant {
        name: "workgroup_tiled",
        entry_point: "matmul_workgroup_tiled",
        constants: &[],
        workgroups: |m, n_vec4, _| (n_vec4.div_ceil(16), m.div_ceil(64)),
    },
];

fn constant(constants: &[(String, f64)], name: &str) -> u32 {
    constants
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v as u32)
        .unwrap_or_else(|| panic!("matmul candidate lacks constant {name}"))
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
    fn n_padded(self) -> usize {
        self.n.next_multiple_of(4)
    }
    fn k_padded(self) -> usize {
        self.k.next_multiple_of(4)
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
        let bytes = |rows: usize, cols: usize| (rows * cols) as u64 * 4;
        vec![
            ("A".into(), bytes(d.m, d.k_padded())),
            ("B".into(), bytes(d.k_padded(), d.n_padded())),
            ("C".into(), bytes(d.m, d.n_padded())),
        ]
    }

    fn candidates(&self, case: &Case, _gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        if case.dtype != Dtype::F32 {
            return Err(format!("matmul {} kernels are not written yet", case.dtype));
        }
        Ok(VARIANTS
            .iter()
            .map(|v| Candidate {
                variant: v.name.into(),
                constants: v
                    .constants
                    .iter()
                    .map(|(n, x)| (n.to_string(), *x))
                    .collect(),
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
        let dims = Dims::of(case);
        let variant = VARIANTS
            .iter()
            .find(|v| v.name == candidate.variant)
            .unwrap_or_else(|| panic!("unknown matmul variant {}", candidate.variant));
        let a = seeded_uniform(seed, 0, dims.m * dims.k);
        let b = seeded_uniform(seed, 1, dims.k * dims.n);

        let (m, n_vec4) = (dims.m as u32, (dims.n_padded() / 4) as u32);
        let uniform = DimsUniform {
            m,
            k_vec4: (dims.k_padded() / 4) as u32,
            n_vec4,
            _pad: 0,
        };
        let buffers = gpu.catching(|| {
            let a_buffer = storage_buffer_init(
                gpu,
                "A",
                bytemuck::cast_slice(&pad(&a, dims.m, dims.k, dims.m, dims.k_padded())),
            );
            let b_buffer = storage_buffer_init(
                gpu,
                "B",
                bytemuck::cast_slice(&pad(&b, dims.k, dims.n, dims.k_padded(), dims.n_padded())),
            );
            let c_buffer = storage_buffer_zeroed(gpu, "C", (dims.m * dims.n_padded() * 4) as u64);
            let uniform_buffer = uniform_buffer(gpu, "dims", bytemuck::bytes_of(&uniform));
            [a_buffer, b_buffer, c_buffer, uniform_buffer]
        })?;
        let (x, y) = (variant.workgroups)(m, n_vec4, &candidate.constants);
        let kernel = Kernel::build(
            gpu,
            &KernelSpec {
                label: &format!("matmul_{}", variant.name),
                source: SHADER,
                entry_point: variant.entry_point,
                constants: &candidate.constants,
                bounds_checked: false,
                buffers: &buffers.iter().collect::<Vec<_>>(),
                workgroups: (x, y, 1),
            },
        )?;
        let [_, _, c, _] = buffers;
        Ok(Box::new(PreparedMatmul {
            dims,
            a,
            b,
            c,
            kernel,
            seed,
        }))
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

struct PreparedMatmul {
    dims: Dims,
    a: Vec<f32>,
    b: Vec<f32>,
    c: wgpu::Buffer,
    kernel: Kernel,
    seed: u64,
}

impl Prepared for PreparedMatmul {
    fn sample(
        &self,
        gpu: &Gpu,
        timer: &mut dyn Timer,
        repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        self.kernel.sample(gpu, timer, repeats)
    }

    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let Dims { m, n, k } = self.dims;
        let n_padded = self.dims.n_padded();
        let bytes = read_buffer(gpu, &self.c, (m * n_padded * 4) as u64)?;
        let padded: &[f32] = bytemuck::cast_slice(&bytes);
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
            Dtype::F32,
            self.seed,
        ))
    }

    fn compile_s(&self) -> f64 {
        self.kernel.compile_s
    }
}
