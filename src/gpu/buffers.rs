//! Buffer and texture helpers: upload, zeroed output, uniform parameters, and readback.

use wgpu::util::DeviceExt;

use super::{one_line, Gpu, GpuError};

/// A storage buffer holding `data`, readable and writable by shaders and
/// copyable, so it can serve as input or output.
pub fn storage_buffer_init(gpu: &Gpu, label: &str, data: &[u8]) -> wgpu::Buffer {
    gpu.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: data,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        })
}

/// A zero-filled storage buffer of `size_bytes`.
pub fn storage_buffer_zeroed(gpu: &Gpu, label: &str, size_bytes: u64) -> wgpu::Buffer {
    gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: size_bytes,
        usage: wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_SRC
            | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// A uniform buffer holding `data` (kernel parameters such as shapes).
pub fn uniform_buffer(gpu: &Gpu, label: &str, data: &[u8]) -> wgpu::Buffer {
    gpu.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: data,
            usage: wgpu::BufferUsages::UNIFORM,
        })
}

/// Copies `size_bytes` of `source` (which needs `COPY_SRC`) back to the host.
pub fn read_buffer(gpu: &Gpu, source: &wgpu::Buffer, size_bytes: u64) -> Result<Vec<u8>, GpuError> {
    let staging = gpu.catching(|| {
        let staging = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: size_bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("readback"),
            });
        encoder.copy_buffer_to_buffer(source, 0, &staging, 0, size_bytes);
        gpu.queue.submit([encoder.finish()]);
        staging
    })?;
    with_mapped(gpu, &staging, <[u8]>::to_vec)
}

/// Maps `buffer` (which needs `MAP_READ`) once the GPU is done with it, hands
/// its bytes to `read`, and unmaps it again.
pub fn with_mapped<T>(
    gpu: &Gpu,
    buffer: &wgpu::Buffer,
    read: impl FnOnce(&[u8]) -> T,
) -> Result<T, GpuError> {
    let (sender, receiver) = std::sync::mpsc::channel();
    buffer.map_async(wgpu::MapMode::Read, .., move |result| {
        let _ = sender.send(result);
    });
    gpu.wait()?;
    receiver
        .recv()
        .map_err(|_| GpuError::Readback("map callback never ran".into()))?
        .map_err(|e| GpuError::Readback(one_line(&e.to_string())))?;
    let value = {
        let view = buffer
            .get_mapped_range(..)
            .map_err(|e| GpuError::Readback(one_line(&e.to_string())))?;
        read(&view)
    };
    buffer.unmap();
    Ok(value)
}

/// Bytes of one cache line on the CPUs software adapters run on.
const CACHE_LINE_BYTES: u32 = 64;

/// A `width × height` 2D texture of vec4 texels in `format` (rgba32float or
/// rgba16float), filled from `data`: rows of `width` texels one after another.
/// `binding` says how kernels bind it: `TEXTURE_BINDING` to read it with
/// `textureLoad`, `STORAGE_BINDING` as a read-only storage texture. Software
/// adapters fetch a texel as one vector load where a storage-buffer load is
/// a per-lane loop.
///
/// The texture is allocated one cache line wider than `width` (where the
/// device allows) and kernels never read the extra texels: software adapters
/// store a texture's rows one after another, so rows a power of two of bytes
/// apart map onto the same few cache sets and a kernel that reads down a
/// column evicts its own lines (lavapipe matmul 2048³: 21 → 29 GFLOP/s).
pub fn texture_init(
    gpu: &Gpu,
    label: &str,
    format: wgpu::TextureFormat,
    (width, height): (u32, u32),
    data: &[u8],
    binding: wgpu::TextureUsages,
) -> wgpu::Texture {
    let size = wgpu::Extent3d {
        width,
        height,
        depth_or_array_layers: 1,
    };
    let bytes_per_texel = format.block_copy_size(None).expect("a color format");
    let allocated = wgpu::Extent3d {
        width: (width + CACHE_LINE_BYTES / bytes_per_texel)
            .min(gpu.device.limits().max_texture_dimension_2d)
            .max(width),
        ..size
    };
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: allocated,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: binding | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    gpu.queue.write_texture(
        texture.as_image_copy(),
        data,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(width * bytes_per_texel),
            rows_per_image: None,
        },
        size,
    );
    texture
}
