//! An operation made of several kernels: every stage runs, in order, each
//! seeing what the one before wrote, and where the device can time inside a
//! pass each stage gets its own time.

mod common;

use chipbench::gpu::{
    best_timer, in_order, read_buffer, storage_buffer_init, storage_buffer_zeroed, Gpu, GpuError,
    Kernel, KernelSpec, Stages,
};
use chipbench::reference::{check_elements, Verification};
use chipbench::workloads::{OutputCheck, Prepared, StagedCase};

const SHADER: &str = "
@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn double(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x < arrayLength(&input) { output[id.x] = 2.0 * input[id.x]; }
}

@compute @workgroup_size(64)
fn add_one(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x < arrayLength(&input) { output[id.x] = input[id.x] + 1.0; }
}
";

const ELEMENTS: usize = 4096;

/// Reads `z` and expects 2·x + 1 for the x that went in.
struct TwiceThenOneMore {
    x: Vec<f32>,
    z: wgpu::Buffer,
}

impl OutputCheck for TwiceThenOneMore {
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        let bytes = read_buffer(gpu, &self.z, (ELEMENTS * 4) as u64)?;
        let z: &[f32] = bytemuck::cast_slice(&bytes);
        Ok(check_elements(
            z.iter().map(|&v| f64::from(v)),
            self.x.iter().map(|&v| 2.0 * f64::from(v) + 1.0),
            0.0,
        ))
    }
}

/// x → y = 2x → z = y + 1, as two stages.
fn two_stages(gpu: &Gpu) -> StagedCase<TwiceThenOneMore> {
    let x: Vec<f32> = (0..ELEMENTS).map(|i| i as f32 * 0.25).collect();
    let bytes = (ELEMENTS * 4) as u64;
    let x_buffer = storage_buffer_init(gpu, "x", bytemuck::cast_slice(&x));
    let y = storage_buffer_zeroed(gpu, "y", bytes);
    let z = storage_buffer_zeroed(gpu, "z", bytes);
    let kernel = |entry_point: &str, from: &wgpu::Buffer, to: &wgpu::Buffer| {
        Kernel::build(
            gpu,
            &KernelSpec {
                label: entry_point,
                source: SHADER,
                entry_point,
                constants: &[],
                bounds_checked: true,
                bindings: &in_order(&[from, to]),
                workgroups: ((ELEMENTS / 64) as u32, 1, 1),
            },
        )
        .unwrap()
    };
    let stages = Stages::new(vec![
        ("double".into(), kernel("double", &x_buffer, &y)),
        ("add_one".into(), kernel("add_one", &y, &z)),
    ]);
    StagedCase {
        kernel: stages,
        check: TwiceThenOneMore { x, z },
    }
}

#[test]
fn every_stage_runs_in_order_and_is_timed_where_the_device_can() {
    for gpu in common::gpus() {
        let case = two_stages(&gpu);
        let mut timer = best_timer(&gpu).unwrap();
        let sample = case.sample(&gpu, timer.as_mut(), 3).unwrap();
        assert!(sample.is_some_and(|s| s.headline_s() > 0.0));
        let verification = case.verify(&gpu).unwrap();
        assert!(
            verification.passed,
            "{}: the second stage must see the first's output: {verification:?}",
            gpu.summary.backend
        );

        let inside_passes =
            wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES;
        let times = case.stage_times(&gpu, 4).unwrap();
        if gpu.has(inside_passes) {
            let times = times.expect("a device with timestamps inside passes times each stage");
            let names: Vec<&str> = times.iter().map(|t| t.stage.as_str()).collect();
            assert_eq!(names, ["double", "add_one"]);
            assert!(times.iter().all(|t| t.seconds > 0.0), "{times:?}");
        } else {
            assert_eq!(times, None, "{}", gpu.summary.backend);
        }
    }
}
