//! An operation made of several kernels run in order, each reading what the
//! one before it wrote (attention's unfused path: scores, softmax, P·V).
//! Sampled like a single kernel, every stage of every repeat in one compute
//! pass; where the device can write timestamps inside a pass, the time of
//! each stage too.

use serde::{Deserialize, Serialize};

use super::{ticks_to_seconds, with_mapped, Dispatch, Gpu, GpuError, Kernel};

/// One stage's share of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTime {
    /// The stage's name, e.g. `softmax`.
    pub stage: String,
    /// GPU seconds per operation spent in it.
    pub seconds: f64,
}

/// Kernels dispatched one after another, as one operation. WebGPU makes
/// each dispatch see the writes of the ones before it in the same pass.
pub struct Stages {
    stages: Vec<(String, Kernel)>,
}

/// Most timestamps a query set may hold (wgpu's limit).
const MAX_QUERIES: u32 = 4096;

impl Stages {
    /// The operation that runs `stages`, named, in order.
    pub fn new(stages: Vec<(String, Kernel)>) -> Stages {
        Stages { stages }
    }
}

impl Dispatch for Stages {
    /// Encodes `repeats` operations, each every stage in order.
    fn record(&self, pass: &mut wgpu::ComputePass<'_>, repeats: u32) {
        for _ in 0..repeats {
            for (_, kernel) in &self.stages {
                kernel.record(pass, 1);
            }
        }
    }

    /// Seconds spent compiling every stage's pipeline.
    fn compile_s(&self) -> f64 {
        self.stages.iter().map(|(_, k)| k.compile_s).sum()
    }

    /// GPU seconds per operation in each stage, over `repeats` operations in
    /// one pass with a timestamp between stages; stages of the same name
    /// are reported once, their times summed, in the order they first run. None where the device
    /// cannot write timestamps inside a pass, or a timestamp was impossible.
    fn stage_times(&self, gpu: &Gpu, repeats: u32) -> Result<Option<Vec<StageTime>>, GpuError> {
        let needed =
            wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES;
        if !gpu.has(needed) || self.stages.is_empty() {
            return Ok(None);
        }
        let per_repeat = self.stages.len() as u32;
        let repeats = repeats.clamp(1, (MAX_QUERIES - 1) / per_repeat);
        let count = per_repeat * repeats + 1;
        let bytes = u64::from(count) * 8;
        let (queries, resolved, readback) = gpu.catching(|| {
            let buffer = |label, usage| {
                gpu.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: bytes,
                    usage,
                    mapped_at_creation: false,
                })
            };
            (
                gpu.device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("stage timestamps"),
                    ty: wgpu::QueryType::Timestamp,
                    count,
                }),
                buffer(
                    "stage timestamps resolved",
                    wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                ),
                buffer(
                    "stage timestamps readback",
                    wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                ),
            )
        })?;
        gpu.catching(|| {
            let mut encoder = gpu
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("stage times"),
                });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("stage times"),
                    timestamp_writes: None,
                });
                pass.write_timestamp(&queries, 0);
                let mut index = 1;
                for _ in 0..repeats {
                    for (_, kernel) in &self.stages {
                        kernel.record(&mut pass, 1);
                        pass.write_timestamp(&queries, index);
                        index += 1;
                    }
                }
            }
            encoder.resolve_query_set(&queries, 0..count, &resolved, 0);
            encoder.copy_buffer_to_buffer(&resolved, 0, &readback, 0, bytes);
            gpu.queue.submit([encoder.finish()]);
        })?;
        gpu.wait()?;
        let ticks: Vec<u64> = with_mapped(gpu, &readback, |b| bytemuck::cast_slice(b).to_vec())?;
        let period_ns = f64::from(gpu.queue.get_timestamp_period());
        let mut seconds = vec![0.0; self.stages.len()];
        for (i, pair) in ticks.windows(2).enumerate() {
            let Some(s) = ticks_to_seconds(pair[0], pair[1], period_ns) else {
                return Ok(None);
            };
            seconds[i % self.stages.len()] += s / f64::from(repeats);
        }
        // Stages sharing a name (one kernel in each layer of a stack) are
        // one stage of the operation: their times add up.
        let mut merged: Vec<StageTime> = Vec::new();
        for ((stage, _), seconds) in self.stages.iter().zip(seconds) {
            match merged.iter_mut().find(|t| &t.stage == stage) {
                Some(time) => time.seconds += seconds,
                None => merged.push(StageTime {
                    stage: stage.clone(),
                    seconds,
                }),
            }
        }
        Ok(Some(merged))
    }
}
