//! The block's small kernels alone: LayerNorm, bias + GELU, bias +
//! residual and the merge of heads (`shaders/block.wgsl`), each a workload
//! of its own (`elementwise_layer_norm`...) over `s` token rows of `d`
//! floats, so that a calibration measures the kernels a transformer runs
//! between its matmuls as they are, rather than as a stream copy moving the
//! same bytes: on the software adapters they run 3–11× below the stream
//! probe's bandwidth (a LayerNorm's two workgroup reductions, GELU's
//! `tanh`, index arithmetic on every element).
//!
//! Outputs that a matmul reads next (LayerNorm, GELU, the merged heads) are
//! written to a storage buffer here; inside a block they go where its
//! matmul variant reads them, a buffer or a texture. Heads are 64 wide, as
//! in GPT-2 and Llama. Splitting heads (which writes the textures attention
//! reads) is not measured alone: a predictor times it as merging three
//! times the columns, the same copy the other way round.

use super::prepare::{block_source, BlockParams, WORKGROUP};
use crate::case::{Candidate, Case, Dtype, Figure, Work};
use crate::gpu::{
    read_buffer, storage_buffer_init, storage_buffer_zeroed, uniform_buffer, Gpu, GpuError, Kernel,
    KernelSpec,
};
use crate::reference::{check_block_part, BlockPart, Verification, LAYER_NORM_EPSILON};
use crate::workloads::{
    dimension, named_shape, seeded_uniform, KernelCase, OutputCheck, Prepared, Workload,
};

/// Width of a head, for [`BlockPart::MergeHeads`].
pub const PART_HEAD_DIM: usize = 64;

/// Most token rows a case may have: rows are a dispatch dimension.
const MAX_TOKENS: usize = 65_535;

/// One of the block's small kernels as a workload.
pub struct Elementwise(pub BlockPart);

/// Each of the block's small kernels measured alone.
pub const ELEMENTWISE_KERNELS: [Elementwise; 4] = [
    Elementwise(BlockPart::LayerNorm),
    Elementwise(BlockPart::BiasGelu),
    Elementwise(BlockPart::BiasResidual),
    Elementwise(BlockPart::MergeHeads),
];

/// The prefix of every elementwise workload's family.
pub const ELEMENTWISE_PREFIX: &str = "elementwise_";

/// The kernel's name: its `block.wgsl` entry point, the family's suffix,
/// and what a profile keys its relative efficiency by.
pub fn part_name(part: BlockPart) -> &'static str {
    match part {
        BlockPart::LayerNorm => "layer_norm",
        BlockPart::BiasGelu => "bias_gelu",
        BlockPart::BiasResidual => "bias_residual",
        BlockPart::MergeHeads => "merge_heads",
    }
}

/// The grid `part` dispatches over `tokens` rows of `width` floats: a
/// workgroup per row for LayerNorm (its reductions); for the others x
/// covers a row's vec4s 64 at a time, y the rows (as `block.wgsl` says).
fn part_grid(part: BlockPart, tokens: usize, width: usize) -> (u32, u32, u32) {
    match part {
        BlockPart::LayerNorm => (tokens as u32, 1, 1),
        _ => ((width as u32 / 4).div_ceil(WORKGROUP), tokens as u32, 1),
    }
}

/// Workgroups `part` launches over `tokens` rows of `width` floats (see
/// `part_grid`). On a software adapter each costs a fixed start (a
/// LayerNorm's barriers many), which a model of these kernels counts beside
/// their bytes.
pub fn part_workgroups(part: BlockPart, tokens: usize, width: usize) -> u64 {
    let (x, y, z) = part_grid(part, tokens, width);
    u64::from(x) * u64::from(y) * u64::from(z)
}

/// The kernel and the workgroups it launches for an `elementwise_*` case;
/// None for a case of another workload.
pub fn elementwise_kernel_of(case: &Case) -> Option<(BlockPart, u64)> {
    let part = ELEMENTWISE_KERNELS
        .iter()
        .find(|k| k.family() == case.workload)?
        .0;
    let (s, d) = (case.shape.get("s")?, case.shape.get("d")?);
    Some((part, part_workgroups(part, s as usize, d as usize)))
}

/// The case of `part` over `tokens` rows of `width` floats (f32).
pub fn elementwise_case(part: BlockPart, tokens: usize, width: usize) -> Case {
    Case {
        workload: Elementwise(part).family().into(),
        dtype: Dtype::F32,
        shape: named_shape(&["s", "d"], &[tokens, width]),
    }
}

impl Elementwise {
    /// Arrays of a whole case (`s × d` floats) it reads, and vectors of `d`.
    fn reads(&self) -> (usize, usize) {
        match self.0 {
            BlockPart::LayerNorm => (1, 2),
            BlockPart::BiasGelu => (1, 1),
            BlockPart::BiasResidual => (2, 1),
            BlockPart::MergeHeads => (1, 0),
        }
    }

    /// Why no kernel can run `case`, if none can.
    fn rules(&self, case: &Case) -> Result<(usize, usize), String> {
        if case.dtype != Dtype::F32 {
            return Err("the block's small kernels are f32 only".into());
        }
        let (s, d) = (dimension(case, "s"), dimension(case, "d"));
        let multiple = match self.0 {
            BlockPart::MergeHeads => PART_HEAD_DIM,
            _ => 4,
        };
        if !d.is_multiple_of(multiple) {
            return Err(format!(
                "d ({d}) must be a multiple of {multiple}: rows are read in vec4s{}",
                match self.0 {
                    BlockPart::MergeHeads => " and split into heads of 64",
                    _ => "",
                }
            ));
        }
        if s > MAX_TOKENS {
            return Err(format!(
                "s ({s}) must be at most {MAX_TOKENS}: token rows are a dispatch dimension"
            ));
        }
        Ok((s, d))
    }
}

impl Workload for Elementwise {
    fn family(&self) -> &'static str {
        match self.0 {
            BlockPart::LayerNorm => "elementwise_layer_norm",
            BlockPart::BiasGelu => "elementwise_bias_gelu",
            BlockPart::BiasResidual => "elementwise_bias_residual",
            BlockPart::MergeHeads => "elementwise_merge_heads",
        }
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["s", "d"]
    }

    fn judged_by(&self) -> Figure {
        Figure::BytesPerS
    }

    /// Bytes only: each input read once, the output written once.
    fn work(&self, case: &Case) -> Work {
        let (s, d) = (dimension(case, "s") as u64, dimension(case, "d") as u64);
        let (arrays, vectors) = self.reads();
        Work {
            flop: 0.0,
            bytes_read: (arrays as u64 * s * d + vectors as u64 * d) * 4,
            bytes_written: s * d * 4,
        }
    }

    fn buffers(&self, case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
        let rows = dimension(case, "s") as u64 * dimension(case, "d") as u64 * 4;
        vec![("input".into(), rows), ("output".into(), rows)]
    }

    fn candidates(&self, case: &Case, _gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        self.rules(case)?;
        Ok(vec![Candidate::only("buffer")])
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        _candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        let (s, d) = (dimension(case, "s"), dimension(case, "d"));
        let (arrays, vectors) = self.reads();
        // Rows in ±1; a gain near 1 and biases in ±0.1, as the block's.
        let mut inputs: Vec<Vec<f32>> = (0..arrays as u64)
            .map(|i| seeded_uniform(seed, i, s * d))
            .collect();
        inputs.extend((0..vectors as u64).map(|i| {
            let shift = match (self.0, i) {
                (BlockPart::LayerNorm, 0) => 1.0,
                _ => 0.0,
            };
            seeded_uniform(seed, 8 + i, d)
                .into_iter()
                .map(|x| shift + 0.1 * x)
                .collect()
        }));
        let d4 = (d / 4) as u32;
        let params = BlockParams {
            tokens: s as u32,
            d4,
            ff4: d4,
            head_d4: (PART_HEAD_DIM / 4) as u32,
            kv_len: s as u32,
            past: 0,
            q_fold_log2: 0,
            kv_fold_log2: 0,
            epsilon: LAYER_NORM_EPSILON as f32,
            _pad: [0; 3],
        };
        let (params, input_buffers, output) = gpu.catching(|| {
            (
                uniform_buffer(gpu, "block params", bytemuck::bytes_of(&params)),
                inputs
                    .iter()
                    .map(|values| storage_buffer_init(gpu, "input", bytemuck::cast_slice(values)))
                    .collect::<Vec<_>>(),
                storage_buffer_zeroed(gpu, "output", (s * d * 4) as u64),
            )
        })?;
        // As block.wgsl binds them: inputs from 1, the residual stream's
        // output at 4, a matmul operand at 5.
        let mut bindings = vec![(0, params.as_entire_binding())];
        bindings.extend(
            input_buffers
                .iter()
                .zip(1..)
                .map(|(b, i)| (i, b.as_entire_binding())),
        );
        let output_binding = match self.0 {
            BlockPart::BiasResidual => 4,
            _ => 5,
        };
        bindings.push((output_binding, output.as_entire_binding()));
        let workgroups = part_grid(self.0, s, d);
        let source = block_source(false);
        let kernel = Kernel::build(
            gpu,
            &KernelSpec {
                label: self.family(),
                source: &source,
                entry_point: part_name(self.0),
                constants: &[],
                bounds_checked: true,
                bindings: &bindings,
                workgroups,
            },
        )?;
        Ok(Box::new(KernelCase {
            kernel,
            check: PartCheck {
                part: self.0,
                width: d,
                inputs,
                output,
            },
        }))
    }
}

/// Checks a kernel's output against the f64 reference.
struct PartCheck {
    part: BlockPart,
    width: usize,
    inputs: Vec<Vec<f32>>,
    output: wgpu::Buffer,
}

impl OutputCheck for PartCheck {
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let bytes = read_buffer(gpu, &self.output, self.inputs[0].len() as u64 * 4)?;
        let out: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(check_block_part(
            self.part,
            self.width,
            PART_HEAD_DIM,
            &self.inputs,
            out,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kernel_counts_its_inputs_once_and_its_output_once() {
        let work = |part| Elementwise(part).work(&elementwise_case(part, 2, 8));
        // 2 × 8 floats per array, 8 per vector, 4 bytes each.
        assert_eq!(work(BlockPart::LayerNorm).bytes_read, (16 + 16) * 4);
        assert_eq!(work(BlockPart::BiasGelu).bytes_read, (16 + 8) * 4);
        assert_eq!(work(BlockPart::BiasResidual).bytes_read, (32 + 8) * 4);
        assert_eq!(work(BlockPart::MergeHeads).bytes_read, 16 * 4);
        for part in ELEMENTWISE_KERNELS.map(|k| k.0) {
            assert_eq!(work(part).bytes_written, 16 * 4);
            assert!(Elementwise(part).family().starts_with(ELEMENTWISE_PREFIX));
            assert!(Elementwise(part).family().ends_with(part_name(part)));
        }
        // LayerNorm: a workgroup per row; the others 64 vec4s of a row each.
        let case = elementwise_case(BlockPart::LayerNorm, 3, 768);
        assert_eq!(
            elementwise_kernel_of(&case),
            Some((BlockPart::LayerNorm, 3))
        );
        let case = elementwise_case(BlockPart::BiasGelu, 3, 3072);
        assert_eq!(
            elementwise_kernel_of(&case),
            Some((BlockPart::BiasGelu, 36))
        );
    }
}
