// Compute roof: long independent FMA chains per invocation, in element type T
// (the host prepends `alias T = f32;` or `enable f16; alias T = f16;`).
//
// Each invocation runs four independent vec4 chains x ← x·a + b, seeded from
// its invocation id so nothing is uniform, with a and b from a uniform so
// nothing folds, and stores their sum so every chain is kept. Per invocation
// and iteration: 4 chains × 4 lanes × 1 FMA = 32 FLOP.
//
// With a = 0.5 and b = 0.25 every chain converges to exactly 0.5 within a few
// dozen iterations in any precision, so every result is exactly 16 × 0.5 = 8:
// the host checks all of them.

override PEAK_ITERATIONS: u32 = 1024u;
override PEAK_WORKGROUP: u32 = 64u;

struct Params {
    a: f32,
    b: f32,
    _pad0: f32,
    _pad1: f32,
}

@group(0) @binding(0) var<storage, read_write> result: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(PEAK_WORKGROUP)
fn peak(@builtin(global_invocation_id) id: vec3<u32>) {
    let seed = T(f32(id.x & 1023u) * 0.0009765625);
    let a = vec4<T>(T(params.a));
    let b = vec4<T>(T(params.b));
    var x0 = vec4<T>(seed, seed + T(0.125), seed + T(0.25), seed + T(0.375));
    var x1 = x0 + vec4<T>(T(0.5));
    var x2 = x0 - vec4<T>(T(0.5));
    var x3 = x0 * vec4<T>(T(0.5));
    for (var i = 0u; i < PEAK_ITERATIONS; i++) {
        x0 = fma(x0, a, b);
        x1 = fma(x1, a, b);
        x2 = fma(x2, a, b);
        x3 = fma(x3, a, b);
    }
    let s = x0 + x1 + x2 + x3;
    result[id.x] = f32(s.x + s.y + s.z + s.w);
}
