//! Timing one sample: a single submission whose compute pass holds a batch of
//! dispatches. Two clocks implement [`Timer`]: GPU timestamps written at the
//! pass's start and end, and the host's wall clock around submit + wait.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{with_mapped, Gpu, GpuError};

/// How a report's times were taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimingMethod {
    /// `TIMESTAMP_QUERY` pass timestamps: GPU execution time only.
    GpuTimestamp,
    /// Host wall clock around submit + wait: includes submission and sync overhead.
    Wall,
}

/// The times of one sample, for the whole batch of dispatches in it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleTime {
    /// GPU time between the pass's timestamps, in seconds (None for the wall clock).
    pub gpu_s: Option<f64>,
    /// Host wall time around submit + wait, in seconds; always recorded.
    pub wall_s: f64,
}

impl SampleTime {
    /// The time that counts: GPU time where there is one, else wall time.
    pub fn headline_s(&self) -> f64 {
        self.gpu_s.unwrap_or(self.wall_s)
    }
}

/// A clock for samples. `record` encodes the batch into the compute pass.
pub trait Timer {
    /// Which clock this is.
    fn method(&self) -> TimingMethod;
    /// GPU nanoseconds per timestamp tick (None for the wall clock).
    fn timestamp_period_ns(&self) -> Option<f64>;
    /// Runs one sample. `Ok(None)` is a rejected sample: the clock gave an
    /// impossible reading (zero, wrapped or non-increasing timestamps).
    fn time(
        &mut self,
        gpu: &Gpu,
        record: &dyn Fn(&mut wgpu::ComputePass<'_>),
    ) -> Result<Option<SampleTime>, GpuError>;
}

/// Picks GPU timestamps where the device has them, else the wall clock.
pub fn best_timer(gpu: &Gpu) -> Result<Box<dyn Timer>, GpuError> {
    if gpu.has(wgpu::Features::TIMESTAMP_QUERY) {
        Ok(Box::new(GpuTimestampTimer::new(gpu)?))
    } else {
        Ok(Box::new(WallClockTimer))
    }
}

/// Encodes one compute pass around `record`, optionally with timestamp writes.
fn encode_pass(
    gpu: &Gpu,
    timestamp_writes: Option<wgpu::ComputePassTimestampWrites<'_>>,
    record: &dyn Fn(&mut wgpu::ComputePass<'_>),
) -> wgpu::CommandBuffer {
    let mut encoder = gpu
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("sample"),
        });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("sample"),
            timestamp_writes,
        });
        record(&mut pass);
    }
    encoder.finish()
}

/// Host wall clock around submit + wait.
pub struct WallClockTimer;

impl Timer for WallClockTimer {
    fn method(&self) -> TimingMethod {
        TimingMethod::Wall
    }

    fn timestamp_period_ns(&self) -> Option<f64> {
        None
    }

    fn time(
        &mut self,
        gpu: &Gpu,
        record: &dyn Fn(&mut wgpu::ComputePass<'_>),
    ) -> Result<Option<SampleTime>, GpuError> {
        let work = gpu.catching(|| encode_pass(gpu, None, record))?;
        let started = Instant::now();
        gpu.catching(|| gpu.queue.submit([work]))?;
        gpu.wait()?;
        Ok(Some(SampleTime {
            gpu_s: None,
            wall_s: started.elapsed().as_secs_f64(),
        }))
    }
}

/// GPU timestamps at the start and end of the pass, resolved in an encoder of
/// their own after the work (resolving in the same encoder returns zeros on
/// some Vulkan drivers). Wall time is taken around the same submission.
pub struct GpuTimestampTimer {
    queries: wgpu::QuerySet,
    resolved: wgpu::Buffer,
    readback: wgpu::Buffer,
    period_ns: f64,
}

const TIMESTAMP_BYTES: u64 = 2 * std::mem::size_of::<u64>() as u64;

impl GpuTimestampTimer {
    /// Needs `TIMESTAMP_QUERY` on the device.
    pub fn new(gpu: &Gpu) -> Result<Self, GpuError> {
        gpu.catching(|| GpuTimestampTimer {
            queries: gpu.device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("pass timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            }),
            resolved: gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("timestamps resolved"),
                size: TIMESTAMP_BYTES,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            readback: gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("timestamps readback"),
                size: TIMESTAMP_BYTES,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            period_ns: f64::from(gpu.queue.get_timestamp_period()),
        })
    }

    fn read_ticks(&self, gpu: &Gpu) -> Result<[u64; 2], GpuError> {
        with_mapped(gpu, &self.readback, |bytes| {
            let words: &[u64] = bytemuck::cast_slice(bytes);
            [words[0], words[1]]
        })
    }
}

impl Timer for GpuTimestampTimer {
    fn method(&self) -> TimingMethod {
        TimingMethod::GpuTimestamp
    }

    fn timestamp_period_ns(&self) -> Option<f64> {
        Some(self.period_ns)
    }

    fn time(
        &mut self,
        gpu: &Gpu,
        record: &dyn Fn(&mut wgpu::ComputePass<'_>),
    ) -> Result<Option<SampleTime>, GpuError> {
        let (work, resolve) = gpu.catching(|| {
            let writes = wgpu::ComputePassTimestampWrites {
                query_set: &self.queries,
                beginning_of_pass_write_index: Some(0),
                end_of_pass_write_index: Some(1),
            };
            let work = encode_pass(gpu, Some(writes), record);
            let mut encoder = gpu
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("resolve"),
                });
            encoder.resolve_query_set(&self.queries, 0..2, &self.resolved, 0);
            encoder.copy_buffer_to_buffer(&self.resolved, 0, &self.readback, 0, TIMESTAMP_BYTES);
            (work, encoder.finish())
        })?;
        let started = Instant::now();
        gpu.catching(|| gpu.queue.submit([work, resolve]))?;
        gpu.wait()?;
        let wall_s = started.elapsed().as_secs_f64();
        let [start, end] = self.read_ticks(gpu)?;
        Ok(
            ticks_to_seconds(start, end, self.period_ns).map(|gpu_s| SampleTime {
                gpu_s: Some(gpu_s),
                wall_s,
            }),
        )
    }
}

/// Seconds between two timestamps, or None where the pair is impossible
/// (a zero, a wrap, or no forward progress): such a sample is rejected, never 0 s.
pub fn ticks_to_seconds(start: u64, end: u64, period_ns: f64) -> Option<f64> {
    if start == 0 || end == 0 || end <= start {
        return None;
    }
    Some((end - start) as f64 * period_ns * 1e-9)
}

#[cfg(test)]
mod tests {
    use super::ticks_to_seconds;

    #[test]
    fn impossible_timestamp_pairs_are_rejected_not_zero() {
        assert_eq!(ticks_to_seconds(0, 100, 1.0), None, "zero start");
        assert_eq!(ticks_to_seconds(100, 0, 1.0), None, "zero end");
        assert_eq!(ticks_to_seconds(100, 100, 1.0), None, "no progress");
        assert_eq!(ticks_to_seconds(u64::MAX - 5, 10, 1.0), None, "wrapped");
        let s = ticks_to_seconds(1_000, 3_000, 2.5).unwrap();
        assert!(
            (s - 5e-6).abs() < 1e-15,
            "2000 ticks of 2.5 ns is 5 µs, got {s}"
        );
    }
}
