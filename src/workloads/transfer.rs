//! Host ↔ device transfer bandwidth: uploads with `Queue::write_buffer`, and
//! downloads by copying into a mappable buffer and reading it on the host.
//! Both are timed on the wall clock around submit + wait (a transfer is not a
//! compute pass, so pass timestamps cannot see it), and the data is checked
//! byte for byte.

use std::sync::Mutex;
use std::time::Instant;

use super::{
    seeded_uniform, Candidate, Case, Dtype, Figure, Prepared, Roof, Shape, Work, Workload,
};
use crate::gpu::{
    read_buffer, storage_buffer_init, storage_buffer_zeroed, with_mapped, Gpu, GpuError,
    SampleTime, Timer,
};
use crate::reference::{check_elements, Verification};

/// Which way the data goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Host → device.
    Upload,
    /// Device → host.
    Download,
}

/// The transfer workload for one direction.
pub struct Transfer(pub Direction);

/// `transfer_upload` and `transfer_download`.
pub const TRANSFERS: [Transfer; 2] = [Transfer(Direction::Upload), Transfer(Direction::Download)];

impl Direction {
    fn family(self) -> &'static str {
        match self {
            Direction::Upload => "transfer_upload",
            Direction::Download => "transfer_download",
        }
    }
}

/// A transfer case moving `bytes` (a multiple of 4).
pub fn transfer_case(direction: Direction, bytes: u64) -> Case {
    Case {
        workload: direction.family().into(),
        dtype: Dtype::F32,
        shape: Shape::new(&[("bytes", bytes)]),
    }
}

fn bytes(case: &Case) -> u64 {
    case.shape
        .get("bytes")
        .expect("transfer case lacks bytes")
        .next_multiple_of(4)
}

impl Workload for Transfer {
    fn family(&self) -> &'static str {
        self.0.family()
    }

    fn dimensions(&self) -> &'static [&'static str] {
        &["bytes"]
    }

    /// Bytes written to the device for uploads, read from it for downloads.
    fn judged_by(&self) -> Figure {
        Figure::BytesPerS
    }

    fn bounded_by(&self) -> &'static [Roof] {
        &[]
    }

    fn work(&self, case: &Case) -> Work {
        let bytes = bytes(case);
        let (bytes_read, bytes_written) = match self.0 {
            Direction::Upload => (0, bytes),
            Direction::Download => (bytes, 0),
        };
        Work {
            flop: 0.0,
            bytes_read,
            bytes_written,
        }
    }

    fn buffers(&self, case: &Case, _candidate: &Candidate) -> Vec<(String, u64)> {
        vec![("device copy".into(), bytes(case))]
    }

    fn candidates(&self, _case: &Case, _gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        let variant = match self.0 {
            Direction::Upload => "write_buffer",
            Direction::Download => "map_read",
        };
        Ok(vec![Candidate::only(variant)])
    }

    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        _candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        let bytes = bytes(case);
        let data = seeded_uniform(seed, 0, (bytes / 4) as usize);
        match self.0 {
            Direction::Upload => {
                let device = gpu.catching(|| storage_buffer_zeroed(gpu, "upload target", bytes))?;
                Ok(Box::new(Upload { data, device }))
            }
            Direction::Download => {
                let (device, staging) = gpu.catching(|| {
                    let device =
                        storage_buffer_init(gpu, "download source", bytemuck::cast_slice(&data));
                    let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("download staging"),
                        size: bytes,
                        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    });
                    (device, staging)
                })?;
                let received = Mutex::new(vec![0.0; data.len()]);
                Ok(Box::new(Download {
                    data,
                    device,
                    staging,
                    received,
                }))
            }
        }
    }
}

struct Upload {
    data: Vec<f32>,
    device: wgpu::Buffer,
}

impl Prepared for Upload {
    fn sample(
        &self,
        gpu: &Gpu,
        _timer: &mut dyn Timer,
        repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        on_wall_clock(|| {
            gpu.catching(|| {
                for _ in 0..repeats {
                    gpu.queue
                        .write_buffer(&self.device, 0, bytemuck::cast_slice(&self.data));
                }
                gpu.queue.submit([]);
            })?;
            gpu.wait()
        })
    }

    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let bytes = read_buffer(gpu, &self.device, self.data.len() as u64 * 4)?;
        let got: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(same_values(got, &self.data))
    }

    fn compile_s(&self) -> f64 {
        0.0
    }
}

struct Download {
    data: Vec<f32>,
    device: wgpu::Buffer,
    staging: wgpu::Buffer,
    /// What the host last received.
    received: Mutex<Vec<f32>>,
}

impl Download {
    /// Copies the device buffer to the staging buffer, maps it and copies it
    /// into host memory: one complete download.
    fn download_once(&self, gpu: &Gpu) -> Result<(), GpuError> {
        let size = self.data.len() as u64 * 4;
        gpu.catching(|| {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            encoder.copy_buffer_to_buffer(&self.device, 0, &self.staging, 0, size);
            gpu.queue.submit([encoder.finish()]);
        })?;
        with_mapped(gpu, &self.staging, |bytes| {
            let mut received = self.received.lock().expect("download buffer");
            received.copy_from_slice(bytemuck::cast_slice(bytes));
        })
    }
}

impl Prepared for Download {
    fn sample(
        &self,
        gpu: &Gpu,
        _timer: &mut dyn Timer,
        repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        on_wall_clock(|| {
            for _ in 0..repeats {
                self.download_once(gpu)?;
            }
            Ok(())
        })
    }

    fn verify(&self, _gpu: &Gpu) -> Result<Verification, GpuError> {
        Ok(same_values(
            &self.received.lock().expect("download buffer"),
            &self.data,
        ))
    }

    fn compile_s(&self) -> f64 {
        0.0
    }
}

/// Times `transfer` on the host's wall clock: one sample.
fn on_wall_clock(
    transfer: impl FnOnce() -> Result<(), GpuError>,
) -> Result<Option<SampleTime>, GpuError> {
    let started = Instant::now();
    transfer()?;
    Ok(Some(SampleTime {
        gpu_s: None,
        wall_s: started.elapsed().as_secs_f64(),
    }))
}

/// Exact comparison: a transfer must not change a bit.
fn same_values(got: &[f32], want: &[f32]) -> Verification {
    check_elements(
        got.iter().map(|&x| f64::from(x)),
        want.iter().map(|&x| f64::from(x)),
        0.0,
    )
}
