//! The simplest FMA roof probe there is, as a cross-check of `peak`'s search:
//! `vec4<f32>` chains of `fma(x, a, b)` in a plain `for` loop of 2048
//! iterations, 4, 8 or 16 chains, workgroups of 64 to 256, wall-clock timed,
//! best of five configurations. `chipbench run --filter peak_f32` must read
//! at least what this reads on the same adapter.
//!
//! `cargo run --release --example simple_peak -- [vulkan|gl]`

use std::time::Instant;

use chipbench::gpu::{
    in_order, storage_buffer_zeroed, Dispatch, Gpu, Kernel, KernelSpec, WallClockTimer,
};

const ITERATIONS: u32 = 2048;
/// Invocations per dispatch: enough to fill any CPU's vector lanes many times.
const INVOCATIONS: u32 = 1 << 14;

/// The probe with `chains` independent chains per invocation.
fn shader(chains: u32) -> String {
    let steps: String = (0..chains)
        .map(|c| format!("        x{c} = fma(x{c}, a, b);\n"))
        .collect();
    let inits: String = (0..chains)
        .map(|c| format!("    var x{c} = vec4<f32>(f32(id.x + {c}u) * 1e-9);\n"))
        .collect();
    let sum: Vec<String> = (0..chains).map(|c| format!("x{c}")).collect();
    format!(
        "@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
override WORKGROUP: u32 = 64u;
@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {{
    let a = vec4<f32>(0.5);
    let b = vec4<f32>(0.25);
{inits}    for (var i = 0u; i < {ITERATIONS}u; i++) {{
{steps}    }}
    out[id.x] = {};
}}
",
        sum.join(" + ")
    )
}

fn main() {
    let backend = std::env::args().nth(1);
    let gpu = Gpu::select(None, backend.as_deref()).expect("an adapter");
    let out = storage_buffer_zeroed(&gpu, "out", u64::from(INVOCATIONS) * 16);
    let mut best_flop_per_s: f64 = 0.0;
    for (chains, workgroup) in [(4, 64), (8, 64), (8, 256), (16, 128), (16, 256)] {
        let source = shader(chains);
        let constants = [("WORKGROUP".to_string(), f64::from(workgroup))];
        let kernel = Kernel::build(
            &gpu,
            &KernelSpec {
                label: "simple peak",
                source: &source,
                entry_point: "main",
                constants: &constants,
                bounds_checked: true,
                bindings: &in_order(&[&out]),
                workgroups: (INVOCATIONS / workgroup, 1, 1),
            },
        )
        .expect("the probe builds");
        let mut timer = WallClockTimer;
        kernel
            .sample(&gpu, &mut timer, 1)
            .expect("a warm-up dispatch");
        let started = Instant::now();
        let repeats = 20;
        kernel
            .sample(&gpu, &mut timer, repeats)
            .expect("a timed batch");
        let seconds = started.elapsed().as_secs_f64();
        let flop = 2.0 * 4.0 * f64::from(chains * ITERATIONS * INVOCATIONS * repeats);
        let flop_per_s = flop / seconds;
        println!(
            "{chains:>2} chains, workgroup {workgroup:>3}: {:.2} GFLOP/s",
            flop_per_s / 1e9
        );
        best_flop_per_s = best_flop_per_s.max(flop_per_s);
    }
    println!(
        "simple probe on {} ({}): best {:.2} GFLOP/s",
        gpu.summary.name,
        gpu.summary.backend,
        best_flop_per_s / 1e9
    );
}
