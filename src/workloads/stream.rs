//! Memory bandwidth: BabelStream's copy, scale, add and triad
//! (`shaders/stream.wgsl`), one workload per kernel since each moves a
//! different number of arrays. Outputs are checked element by element.
//!
//! Each kernel has variants that move the same bytes, named by where they
//! read a and b from: `vec4` (storage buffers), `texture` (rgba32float
//! textures read with `textureLoad`) and `storage_texture` (read-only
//! rgba32float storage textures); software adapters fetch a texel with one
//! vector load instead of one scalar access per lane. All write c to a
//! storage buffer (a write-only storage texture was slower on lavapipe and
//! llvmpipe); `storage_texture_wide` writes it two vec4s per store, as
//! `vec4<u64>`, where the adapter has `SHADER_INT64`, since software adapters
//! store one scalar per lane. Each variant is tried at two sizes of work per
//! invocation and two workgroup sizes (see `Source::shapes`).

use bytemuck::{Pod, Zeroable};

use super::{
    constant, seeded_uniform, without_part, Candidate, Case, Dtype, Figure, KernelCase,
    OutputCheck, Prepared, Roof, Shape, Unavailable, Work, Workload,
};
use crate::gpu::{
    in_order, read_buffer, storage_buffer_init, storage_buffer_zeroed, texture_init,
    uniform_buffer, Gpu, GpuError, Kernel, KernelSpec,
};
use crate::reference::{check_elements, Verification};

const SHADER: &str = include_str!("../../shaders/stream.wgsl");
/// The line of `stream.wgsl` after which kernels need `SHADER_INT64`: the part
/// after it is compiled only for the wide variant.
const INT64_PART: &str = "// @int64-kernels";
/// Most workgroups along x before the grid wraps into y.
const MAX_GROUPS_X: u64 = 32768;
/// The scalar of scale and triad (BabelStream's).
const SCALAR: f32 = 0.4;
/// Texels per row of the texture variants' inputs (`TEXTURE_WIDTH` in the shader).
const TEXTURE_WIDTH: u64 = 4096;

/// Where a variant's kernels read a and b from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Storage buffers (variant `vec4`).
    Buffers,
    /// rgba32float textures read with `textureLoad` (variant `texture`).
    Textures,
    /// Read-only rgba32float storage textures (variant `storage_texture`).
    StorageTextures,
    /// As `StorageTextures`, c written two vec4s per `vec4<u64>` store
    /// (variant `storage_texture_wide`).
    StorageTexturesWide,
}

impl Source {
    const ALL: [Source; 4] = [
        Source::Buffers,
        Source::Textures,
        Source::StorageTextures,
        Source::StorageTexturesWide,
    ];

    /// The variant name, as candidates and reports carry it.
    fn variant(self) -> &'static str {
        match self {
            Source::Buffers => "vec4",
            Source::Textures => "texture",
            Source::StorageTextures => "storage_texture",
            Source::StorageTexturesWide => "storage_texture_wide",
        }
    }

    /// The shader's entry point for this source.
    fn entry_point(self) -> &'static str {
        match self {
            Source::Buffers => "from_buffers",
            Source::Textures => "from_textures",
            Source::StorageTextures => "from_storage_textures",
            Source::StorageTexturesWide => "from_storage_textures_wide",
        }
    }

    /// The (workgroup size, vec4s per invocation) pairs the candidates try:
    /// two shares of work per invocation (the wide form handles pairs) in
    /// workgroups of 256; the smaller share also in workgroups of 64 (GPUs
    /// that schedule small groups better; more, smaller tasks for a CPU
    /// adapter's threads), except for sampled textures, which won nowhere
    /// measured; and for storage buffers one vec4 per invocation, the usual
    /// GPU form. Few, because every candidate uploads its inputs and is
    /// screened: each costs seconds on a software adapter.
    fn shapes(self) -> &'static [(u64, u64)] {
        match self {
            Source::Buffers => &[(256, 1), (256, 4), (256, 8), (64, 4)],
            Source::Textures => &[(256, 4), (256, 8)],
            Source::StorageTextures => &[(256, 4), (256, 8), (64, 4)],
            Source::StorageTexturesWide => &[(256, 8), (256, 16), (64, 8)],
        }
    }

    /// The shader module's source: the int64 part only where it is used.
    fn shader(self) -> &'static str {
        match self {
            Source::StorageTexturesWide => SHADER,
            _ => without_part(SHADER, INT64_PART),
        }
    }

    /// The variant a candidate names.
    fn of(candidate: &Candidate) -> Source {
        Source::ALL
            .into_iter()
            .find(|source| source.variant() == candidate.variant)
            .unwrap_or_else(|| panic!("unknown stream variant {}", candidate.variant))
    }

    /// Why `gpu` cannot run this source's variant of `case`, if it cannot:
    /// the inputs exceed the largest 2D texture, the adapter binds too few
    /// storage textures, or has no 64-bit integers for the wide stores.
    fn unfit(self, gpu: &Gpu, case: &Case) -> Option<String> {
        let limits = gpu.device.limits();
        let extent = u64::from(limits.max_texture_dimension_2d);
        let rows = texture_rows(elements(case) / 4);
        match self {
            Source::Buffers => None,
            _ if TEXTURE_WIDTH > extent || rows > extent => Some(format!(
                "a {TEXTURE_WIDTH}×{rows} texture exceeds the adapter's largest 2D texture ({extent})"
            )),
            Source::StorageTextures | Source::StorageTexturesWide
                if limits.max_storage_textures_per_shader_stage < 2 =>
            {
                Some(format!(
                    "the adapter binds {} storage textures per shader stage; 2 are needed",
                    limits.max_storage_textures_per_shader_stage
                ))
            }
            Source::StorageTexturesWide if !gpu.has(wgpu::Features::SHADER_INT64) => {
                Some("the adapter lacks SHADER_INT64 (no 64-bit integers in shaders)".into())
            }
            _ => None,
        }
    }

    /// How the shader binds this source's input textures.
    fn texture_binding(self) -> wgpu::TextureUsages {
        match self {
            Source::StorageTextures | Source::StorageTexturesWide => {
                wgpu::TextureUsages::STORAGE_BINDING
            }
            _ => wgpu::TextureUsages::TEXTURE_BINDING,
        }
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
    /// Workload family name.
    fn family(self) -> &'static str {
        match self {
            StreamKernel::Copy => "stream_copy",
            StreamKernel::Scale => "stream_scale",
            StreamKernel::Add => "stream_add",
            StreamKernel::Triad => "stream_triad",
        }
    }

    /// The kernel's `STREAM_KERNEL` constant in the shader.
    fn shader_constant(self) -> f64 {
        match self {
            StreamKernel::Copy => 0.0,
            StreamKernel::Scale => 1.0,
            StreamKernel::Add => 2.0,
            StreamKernel::Triad => 3.0,
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

    /// The values c[i] may exactly take, in f32 arithmetic: one, except
    /// for triad, which a compiler may fuse into one FMA (a + s·b rounded
    /// once) or not (s·b rounded, then the sum).
    fn exact_results(self, a: f32, b: f32) -> [f32; 2] {
        let one = |x: f32| [x, x];
        match self {
            StreamKernel::Copy => one(a),
            StreamKernel::Scale => one(SCALAR * a),
            StreamKernel::Add => one(a + b),
            StreamKernel::Triad => [SCALAR.mul_add(b, a), a + SCALAR * b],
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
        workload: kernel.family().to_string(),
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

/// A [`TEXTURE_WIDTH`]-wide rgba32float texture of `rows` rows holding the
/// vec4s of `data` row after row, the rest zero, bound as `binding` says.
fn vec4_texture(
    gpu: &Gpu,
    label: &str,
    data: &[f32],
    rows: u64,
    binding: wgpu::TextureUsages,
) -> wgpu::Texture {
    let mut texels = data.to_vec();
    texels.resize((TEXTURE_WIDTH * rows * 4) as usize, 0.0);
    texture_init(
        gpu,
        label,
        wgpu::TextureFormat::Rgba32Float,
        (TEXTURE_WIDTH as u32, rows as u32),
        bytemuck::cast_slice(&texels),
        binding,
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
        self.0.family()
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["n"]
    }

    fn judged_by(&self) -> Figure {
        Figure::BytesPerS
    }

    fn roof(&self) -> Option<Roof> {
        Some(Roof::Bandwidth)
    }

    fn bounded_by(&self) -> &'static [Roof] {
        &[]
    }

    fn work(&self, case: &Case) -> Work {
        let n = elements(case);
        Work {
            flop: n as f64 * self.0.flop_per_element(),
            bytes_read: self.0.arrays_read() * n * 4,
            bytes_written: n * 4,
        }
    }

    fn buffers(&self, case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
        ["a", "b", "c"]
            .map(|name| (name.to_string(), elements(case) * 4))
            .to_vec()
    }

    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        let sources = Source::ALL
            .into_iter()
            .filter(|source| source.unfit(gpu, case).is_none());
        Ok(sources
            .flat_map(|source| {
                source
                    .shapes()
                    .iter()
                    .map(move |&(workgroup, per_invocation)| Candidate {
                        variant: source.variant().into(),
                        constants: vec![
                            ("STREAM_WORKGROUP".into(), workgroup as f64),
                            ("STREAM_VEC4S_PER_INVOCATION".into(), per_invocation as f64),
                        ],
                    })
            })
            .collect())
    }

    fn unavailable(&self, case: &Case, gpu: &Gpu) -> Vec<Unavailable> {
        Source::ALL
            .into_iter()
            .filter_map(|source| {
                source.unfit(gpu, case).map(|reason| Unavailable {
                    variant: source.variant().into(),
                    reason,
                })
            })
            .collect()
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
                // A whole number of vec4 pairs, for the wide stores.
                storage_buffer_zeroed(gpu, "c", (n * 4).next_multiple_of(32)),
                uniform_buffer(gpu, "params", bytemuck::bytes_of(&params)),
            ]
        })?;
        let source = Source::of(candidate);
        let vec4s_per_workgroup = u64::from(
            constant(&candidate.constants, "STREAM_WORKGROUP")
                * constant(&candidate.constants, "STREAM_VEC4S_PER_INVOCATION"),
        );
        let groups = count.div_ceil(vec4s_per_workgroup);
        let groups_x = groups.min(MAX_GROUPS_X);
        let mut constants = candidate.constants.clone();
        constants.push(("STREAM_KERNEL".into(), self.0.shader_constant()));
        let build = |bindings| {
            Kernel::build(
                gpu,
                &KernelSpec {
                    label: self.0.family(),
                    source: source.shader(),
                    entry_point: source.entry_point(),
                    constants: &constants,
                    // Every index is guarded by `count`; texels lie inside the textures.
                    bounds_checked: false,
                    bindings,
                    workgroups: (groups_x as u32, groups.div_ceil(groups_x) as u32, 1),
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
                build(&in_order(&[&a, &b, &c, &params]))?
            }
            Source::Textures | Source::StorageTextures | Source::StorageTexturesWide => {
                let rows = texture_rows(count);
                let binding = source.texture_binding();
                let [a, b] = gpu.catching(|| {
                    [
                        vec4_texture(gpu, "a", &a, rows, binding),
                        vec4_texture(gpu, "b", &b, rows, binding),
                    ]
                })?;
                let [a, b] = [a, b].map(|t| t.create_view(&Default::default()));
                // As stream.wgsl declares them: params at 3, a and b at 4 and 5
                // (textures) or 6 and 7 (storage textures), c at 2 (or 8 as pairs).
                let first = if source == Source::Textures { 4 } else { 6 };
                let c_binding = if source == Source::StorageTexturesWide {
                    8
                } else {
                    2
                };
                build(&[
                    (c_binding, c.as_entire_binding()),
                    (3, params.as_entire_binding()),
                    (first, wgpu::BindingResource::TextureView(&a)),
                    (first + 1, wgpu::BindingResource::TextureView(&b)),
                ])?
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
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let bytes = read_buffer(gpu, &self.c, self.a.len() as u64 * 4)?;
        let c: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(check_exact(self.kernel, &self.a, &self.b, c))
    }
}

/// Every kernel must be exact: c[i] must equal one of the values exact f32
/// arithmetic gives (see [`StreamKernel::exact_results`]); the error
/// reported is the distance to the nearer of them.
fn check_exact(kernel: StreamKernel, a: &[f32], b: &[f32], c: &[f32]) -> Verification {
    let nearest_exact = c.iter().zip(a.iter().zip(b)).map(|(&got, (&a, &b))| {
        let [first, second] = kernel.exact_results(a, b);
        let distance = |want: f32| (f64::from(got) - f64::from(want)).abs();
        if distance(first) <= distance(second) {
            first
        } else {
            second
        }
    });
    check_elements(
        c.iter().map(|&x| f64::from(x)),
        nearest_exact.map(f64::from),
        0.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triad_accepts_a_fused_or_unfused_result_and_nothing_else() {
        // Inputs whose FMA and multiply-then-add results differ.
        let (a, b) = (0.3f32, 0.7f32);
        let [fused, unfused] = StreamKernel::Triad.exact_results(a, b);
        assert_ne!(fused, unfused);
        let check = |c: f32| check_exact(StreamKernel::Triad, &[a], &[b], &[c]);
        assert!(check(fused).passed && check(unfused).passed);
        let beyond = |x: f32| f32::from_bits(x.to_bits() + 2);
        let wrong = check(beyond(fused.max(unfused)));
        assert!(!wrong.passed);
        assert!(wrong.max_abs_error.unwrap() > 0.0);
    }

    #[test]
    fn copy_scale_and_add_accept_only_their_one_result() {
        for kernel in [StreamKernel::Copy, StreamKernel::Scale, StreamKernel::Add] {
            let (a, b) = (0.3f32, 0.7f32);
            let [want, same] = kernel.exact_results(a, b);
            assert_eq!(want, same);
            let check = |c: f32| check_exact(kernel, &[a], &[b], &[c]).passed;
            assert!(check(want), "{kernel:?}");
            assert!(!check(f32::from_bits(want.to_bits() + 1)), "{kernel:?}");
        }
        assert!(!check_exact(StreamKernel::Copy, &[1.0], &[0.0], &[f32::NAN]).passed);
    }

    /// Texel addressing on the host and in the shader must agree, or the
    /// texture variants read the wrong elements.
    #[test]
    fn texture_width_matches_the_shader() {
        super::super::assert_shader_declares(SHADER, "stream.wgsl", "TEXTURE_WIDTH", TEXTURE_WIDTH);
    }
}
