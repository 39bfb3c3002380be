//! Memory bandwidth: BabelStream's copy, scale, add and triad
//! (`shaders/stream.wgsl`), one workload per kernel since each moves a
//! different number of arrays. Outputs are checked element by element.

use bytemuck::{Pod, Zeroable};

use super::{
    seeded_uniform, Candidate, Case, Dtype, KernelCase, OutputCheck, Prepared, Shape, Work,
    Workload,
};
use crate::gpu::{
    in_order, read_buffer, storage_buffer_init, storage_buffer_zeroed, uniform_buffer, Gpu,
    GpuError, Kernel, KernelSpec,
};
use crate::reference::{check_elements, Verification};

const SHADER: &str = include_str!("../../shaders/stream.wgsl");
const WORKGROUP: u64 = 256;
/// Most workgroups along x before the grid wraps into y.
const MAX_GROUPS_X: u64 = 32768;
/// The scalar of scale and triad (BabelStream's).
const SCALAR: f32 = 0.4;

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

    fn candidates(&self, _case: &Case, _gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        Ok(vec![Candidate {
            variant: "vec4".into(),
            constants: vec![("STREAM_WORKGROUP".into(), WORKGROUP as f64)],
        }])
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
        let buffers = gpu.catching(|| {
            let params = Params {
                scalar: SCALAR,
                count: count as u32,
                _pad: [0; 2],
            };
            [
                storage_buffer_init(gpu, "a", bytemuck::cast_slice(&a)),
                storage_buffer_init(gpu, "b", bytemuck::cast_slice(&b)),
                storage_buffer_zeroed(gpu, "c", n * 4),
                uniform_buffer(gpu, "params", bytemuck::bytes_of(&params)),
            ]
        })?;
        let groups = count.div_ceil(WORKGROUP);
        let groups_x = groups.min(MAX_GROUPS_X);
        let kernel = Kernel::build(
            gpu,
            &KernelSpec {
                label: self.0.names().0,
                source: SHADER,
                entry_point: self.0.names().1,
                constants: &candidate.constants,
                bounds_checked: false,
                bindings: &in_order(&buffers.iter().collect::<Vec<_>>()),
                workgroups: (groups_x as u32, groups.div_ceil(groups_x) as u32, 1),
            },
        )?;
        let [_, _, c, _] = buffers;
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
