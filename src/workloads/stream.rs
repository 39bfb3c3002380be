//! Memory bandwidth: BabelStream's copy, scale, add and triad
//! (`shaders/stream.wgsl`), one workload per kernel since each moves a
//! different number of arrays. Outputs are checked element by element.
//!
//! Each kernel has two variants that move the same bytes: `vec4` reads a and
//! b from storage buffers, `texture` from rgba32float 2D textures (one vec4
//! per texel), which software adapters fetch with one vector load instead of
//! one scalar access per lane. Both write c to a storage buffer: a write-only
//! storage texture was slower on lavapipe and llvmpipe.

use bytemuck::{Pod, Zeroable};

use super::{
    seeded_uniform, Candidate, Case, Dtype, KernelCase, OutputCheck, Prepared, Shape, Unavailable,
    Work, Workload,
};
use crate::gpu::{
    in_order, read_buffer, storage_buffer_init, storage_buffer_zeroed, texture_init,
    uniform_buffer, Gpu, GpuError, Kernel, KernelSpec,
};
use crate::reference::{check_elements, Verification};

const SHADER: &str = include_str!("../../shaders/stream.wgsl");
const WORKGROUP: u64 = 256;
/// Most workgroups along x before the grid wraps into y.
const MAX_GROUPS_X: u64 = 32768;
/// The scalar of scale and triad (BabelStream's).
const SCALAR: f32 = 0.4;
/// Texels per row of the texture variant's inputs: a power of two and a
/// multiple of [`WORKGROUP`], so one workgroup row covers part of one texture row.
const TEXTURE_WIDTH: u64 = 4096;

/// Where a variant's kernels read a and b from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Storage buffers (variant `vec4`).
    Buffers,
    /// rgba32float textures, [`TEXTURE_WIDTH`] texels wide (variant `texture`).
    Textures,
}

impl Source {
    /// The variant name, as candidates and reports carry it.
    fn variant(self) -> &'static str {
        match self {
            Source::Buffers => "vec4",
            Source::Textures => "texture",
        }
    }

    /// The variant a candidate names.
    fn of(candidate: &Candidate) -> Source {
        [Source::Buffers, Source::Textures]
            .into_iter()
            .find(|source| source.variant() == candidate.variant)
            .unwrap_or_else(|| panic!("unknown stream variant {}", candidate.variant))
    }
}

/// One BabelStream kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKernel {
    /// c = a
    Copy,
    /// c = s·a
    Scale,
    /// c = a + b
    Add,
    /// c = a + s·b
    Triad,
}

impl StreamKernel {
    /// Workload family name, and the kernel's entry point in the shader.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            StreamKernel::Copy => ("stream_copy", "copy"),
            StreamKernel::Scale => ("stream_scale", "scale"),
            StreamKernel::Add => ("stream_add", "add"),
            StreamKernel::Triad => ("stream_triad", "triad"),
        }
    }

    /// Input arrays read per element (c is always the one written).
    fn arrays_read(self) -> u64 {
        match self {
            StreamKernel::Copy | StreamKernel::Scale => 1,
            StreamKernel::Add | StreamKernel::Triad => 2,
        }
    }

    /// FLOPs per element.
    fn flop_per_element(self) -> f64 {
        match self {
            StreamKernel::Copy => 0.0,
            StreamKernel::Scale | StreamKernel::Add => 1.0,
            StreamKernel::Triad => 2.0,
        }
    }

    /// What c[i] must be, computed in f64 from the f32 inputs.
    fn expected(self, a: f32, b: f32) -> f64 {
        let (a, b, s) = (f64::from(a), f64::from(b), f64::from(SCALAR));
        match self {
            StreamKernel::Copy => a,
            StreamKernel::Scale => s * a,
            StreamKernel::Add => a + b,
            StreamKernel::Triad => a + s * b,
        }
    }
}

/// The stream workload for one kernel.
pub struct Stream(pub StreamKernel);

/// `stream_copy`, `stream_scale`, `stream_add`, `stream_triad`.
pub const STREAM_KERNELS: [Stream; 4] = [
    Stream(StreamKernel::Copy),
    Stream(StreamKernel::Scale),
    Stream(StreamKernel::Add),
    Stream(StreamKernel::Triad),
];

/// A stream case over arrays of `elements` f32 (a multiple of 4).
pub fn stream_case(kernel: StreamKernel, elements: u64) -> Case {
    Case {
        workload: kernel.names().0.to_string(),
        dtype: Dtype::F32,
        shape: Shape::new(&[("n", elements)]),
    }
}

fn elements(case: &Case) -> u64 {
    case.shape
        .get("n")
        .expect("stream case lacks n")
        .next_multiple_of(4)
}

/// Texture rows holding `count` vec4s, the last one padded.
fn texture_rows(count: u64) -> u64 {
    count.div_ceil(TEXTURE_WIDTH)
}

/// Why `gpu` cannot run `case`'s texture variant, if it cannot: its inputs
/// exceed the largest 2D texture, or its rows (one per workgroup row) the
/// largest dispatch.
fn textures_unfit(gpu: &Gpu, case: &Case) -> Option<Unavailable> {
    let limits = gpu.device.limits();
    let extent = u64::from(limits.max_texture_dimension_2d);
    let rows = texture_rows(elements(case) / 4);
    let reason = if TEXTURE_WIDTH > extent || rows > extent {
        format!(
            "a {TEXTURE_WIDTH}×{rows} texture exceeds the adapter's largest 2D texture ({extent})"
        )
    } else if rows > u64::from(limits.max_compute_workgroups_per_dimension) {
        format!("{rows} workgroup rows exceed the adapter's largest dispatch")
    } else {
        return None;
    };
    Some(Unavailable {
        variant: Source::Textures.variant().into(),
        reason,
    })
}

/// A [`TEXTURE_WIDTH`]-wide rgba32float texture of `rows` rows holding the
/// vec4s of `data` row after row, the rest zero.
fn vec4_texture(gpu: &Gpu, label: &str, data: &[f32], rows: u64) -> wgpu::Texture {
    let mut texels = data.to_vec();
    texels.resize((TEXTURE_WIDTH * rows * 4) as usize, 0.0);
    texture_init(
        gpu,
        label,
        wgpu::TextureFormat::Rgba32Float,
        (TEXTURE_WIDTH as u32, rows as u32),
        bytemuck::cast_slice(&texels),
    )
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    scalar: f32,
    count: u32,
    _pad: [u32; 2],
}

impl Workload for Stream {
    fn family(&self) -> &'static str {
        self.0.names().0
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["n"]
    }

    fn work(&self, case: &Case) -> Work {
        let n = elements(case);
        Work {
            flop: n as f64 * self.0.flop_per_element(),
            bytes_read: self.0.arrays_read() * n * 4,
            bytes_written: n * 4,
        }
    }

    fn buffers(&self, case: &Case) -> Vec<(String, u64)> {
        ["a", "b", "c"]
            .map(|name| (name.to_string(), elements(case) * 4))
            .to_vec()
    }

    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        let mut sources = vec![Source::Buffers];
        if textures_unfit(gpu, case).is_none() {
            sources.push(Source::Textures);
        }
        Ok(sources
            .into_iter()
            .map(|source| Candidate {
                variant: source.variant().into(),
                constants: vec![("STREAM_WORKGROUP".into(), WORKGROUP as f64)],
            })
            .collect())
    }

    fn unavailable(&self, case: &Case, gpu: &Gpu) -> Vec<Unavailable> {
        textures_unfit(gpu, case).into_iter().collect()
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        let n = elements(case);
        let a = seeded_uniform(seed, 0, n as usize);
        let b = seeded_uniform(seed, 1, n as usize);
        let count = n / 4;
        let [c, params] = gpu.catching(|| {
            let params = Params {
                scalar: SCALAR,
                count: count as u32,
                _pad: [0; 2],
            };
            [
                storage_buffer_zeroed(gpu, "c", n * 4),
                uniform_buffer(gpu, "params", bytemuck::bytes_of(&params)),
            ]
        })?;
        let (family, entry_point) = self.0.names();
        let source = Source::of(candidate);
        let build = |entry_point: &str, bindings, workgroups: (u64, u64)| {
            Kernel::build(
                gpu,
                &KernelSpec {
                    label: family,
                    source: SHADER,
                    entry_point,
                    constants: &candidate.constants,
                    // Every index is guarded by `count`; texels lie inside the textures.
                    bounds_checked: false,
                    bindings,
                    workgroups: (workgroups.0 as u32, workgroups.1 as u32, 1),
                },
            )
        };
        let kernel = match source {
            Source::Buffers => {
                let [a, b] = gpu.catching(|| {
                    [
                        storage_buffer_init(gpu, "a", bytemuck::cast_slice(&a)),
                        storage_buffer_init(gpu, "b", bytemuck::cast_slice(&b)),
                    ]
                })?;
                let groups = count.div_ceil(WORKGROUP);
                let groups_x = groups.min(MAX_GROUPS_X);
                build(
                    entry_point,
                    &in_order(&[&a, &b, &c, &params]),
                    (groups_x, groups.div_ceil(groups_x)),
                )?
            }
            Source::Textures => {
                let rows = texture_rows(count);
                let [a, b] = gpu.catching(|| {
                    [
                        vec4_texture(gpu, "a", &a, rows),
                        vec4_texture(gpu, "b", &b, rows),
                    ]
                })?;
                let [a, b] = [a, b].map(|t| t.create_view(&Default::default()));
                // As stream.wgsl declares them: c and params at 2 and 3, a and b at 4 and 5;
                // one workgroup row per texture row.
                build(
                    &format!("{entry_point}_texture"),
                    &[
                        (2, c.as_entire_binding()),
                        (3, params.as_entire_binding()),
                        (4, wgpu::BindingResource::TextureView(&a)),
                        (5, wgpu::BindingResource::TextureView(&b)),
                    ],
                    (TEXTURE_WIDTH / WORKGROUP, rows),
                )?
            }
        };
        Ok(Box::new(KernelCase {
            kernel,
            check: StreamOutput {
                kernel: self.0,
                a,
                b,
                c,
            },
        }))
    }
}

struct StreamOutput {
    kernel: StreamKernel,
    a: Vec<f32>,
    b: Vec<f32>,
    c: wgpu::Buffer,
}

impl OutputCheck for StreamOutput {
    /// Copy, scale and add must be exact; triad may be fused into one FMA,
    /// so it may differ from a·s + b rounded twice by one rounding (≤ 2 ulp of 2).
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let bytes = read_buffer(gpu, &self.c, self.a.len() as u64 * 4)?;
        let c: &[f32] = bytemuck::cast_slice(&bytes);
        let kernel = self.kernel;
        let tolerance = match kernel {
            StreamKernel::Triad => 4.0 * f64::from(f32::EPSILON),
            _ => 0.0,
        };
        let rounded = |x: f64| f64::from(x as f32);
        Ok(check_elements(
            c.iter().map(|&x| f64::from(x)),
            self.a
                .iter()
                .zip(&self.b)
                .map(|(&a, &b)| rounded(kernel.expected(a, b))),
            tolerance,
        ))
    }
}
