// Compute roof: independent FMA chains per invocation, in element type T
// (the host prepends `alias T = f32;` or `enable f16; alias T = f16;`).
//
// Each invocation runs two independent vec4 chains x ← x·a + b (eight scalar
// chains: enough to hide FMA latency on a CPU's vector units, few enough to
// stay in registers), seeded from its invocation id so nothing is uniform,
// with a and b from a uniform so nothing folds, and stores their sum so every
// chain is kept. Per invocation and iteration: 2 chains × 4 lanes × 1 FMA =
// 16 FLOP.
//
// The loop body is STEPS_PER_LOOP iterations written out (through calls the
// compiler inlines): lavapipe does not unroll loops that reach it as SPIR-V,
// and its per-iteration loop bookkeeping costs more than a few FMAs (a plain
// one-step loop measured 22 GFLOP/s there, this form about 80).
// PEAK_ITERATIONS is a multiple of STEPS_PER_LOOP.
//
// With a = 0.5 and b = 0.25 every chain converges to exactly 0.5 within a few
// dozen iterations in any precision, so every result is exactly 8 × 0.5 = 4:
// the host checks all of them.

override PEAK_ITERATIONS: u32 = 1024u;
override PEAK_WORKGROUP: u32 = 64u;
const STEPS_PER_LOOP: u32 = 64u;

struct Params {
    a: f32,
    b: f32,
    _pad0: f32,
    _pad1: f32,
}

@group(0) @binding(0) var<storage, read_write> result: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

struct Chains {
    x0: vec4<T>,
    x1: vec4<T>,
}

// One iteration of both chains.
fn step(c: Chains, a: vec4<T>, b: vec4<T>) -> Chains {
    return Chains(fma(c.x0, a, b), fma(c.x1, a, b));
}

// Eight iterations, written out.
fn eight_steps(c0: Chains, a: vec4<T>, b: vec4<T>) -> Chains {
    let c1 = step(c0, a, b);
    let c2 = step(c1, a, b);
    let c3 = step(c2, a, b);
    let c4 = step(c3, a, b);
    let c5 = step(c4, a, b);
    let c6 = step(c5, a, b);
    let c7 = step(c6, a, b);
    return step(c7, a, b);
}

@compute @workgroup_size(PEAK_WORKGROUP)
fn peak(@builtin(global_invocation_id) id: vec3<u32>) {
    let seed = T(f32(id.x & 1023u) * 0.0009765625);
    let a = vec4<T>(T(params.a));
    let b = vec4<T>(T(params.b));
    let x0 = vec4<T>(seed, seed + T(0.125), seed + T(0.25), seed + T(0.375));
    var c = Chains(x0, x0 - vec4<T>(T(0.5)));
    for (var i = 0u; i < PEAK_ITERATIONS / STEPS_PER_LOOP; i++) {
        // STEPS_PER_LOOP = 8 × 8 iterations.
        c = eight_steps(c, a, b);
        c = eight_steps(c, a, b);
        c = eight_steps(c, a, b);
        c = eight_steps(c, a, b);
        c = eight_steps(c, a, b);
        c = eight_steps(c, a, b);
        c = eight_steps(c, a, b);
        c = eight_steps(c, a, b);
    }
    let s = c.x0 + c.x1;
    result[id.x] = f32(s.x + s.y + s.z + s.w);
}
