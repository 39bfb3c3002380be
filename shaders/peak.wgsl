// Compute roof: independent multiply-add chains x ← x·a + b.
//
// The host prepends the element type T (`alias T = f32;`, or `enable f16;
// alias T = f16;`) and the vector width: V is T, vec2<T> or vec4<T>, VI and
// VF32 are the i32 and f32 vectors of that width, WIDTH its lane count and
// LANES the lane offsets (VI(0, 1, ...)).
//
// The case fixes the total work: a number of lanes (scalar chains across the
// dispatch) each running PEAK_ITERATIONS steps. A candidate maps the lanes
// onto invocations × PEAK_CHAINS chains of V: invocation i's chain k holds
// lanes (i · PEAK_CHAINS + k) · WIDTH onwards. Chains past PEAK_CHAINS are
// written out but guarded by the override constant, so the compiler drops
// them; there is one shader module per width, and every other choice is a
// constant of its pipeline.
//
// The loop form (PEAK_UNROLLED): a plain loop of single steps, or
// STEPS_PER_TRIP steps written out per trip (Mesa's software adapters do not
// unroll loops that reach them as SPIR-V, and their per-trip bookkeeping can
// cost more than a few steps).
//
// Each step is one `fma` (PEAK_FUSED) or a multiply and an add (which the
// compiler may fuse or not). With a = 0.5 the product is exact, so both forms
// round once and give the same bits.
//
// Verification: lane g starts at 0.5 ± 2^e, with e = min_exponent +
// g mod exponent_period and the sign flipping every exponent_period lanes, so
// neighbouring lanes differ and nothing is uniform; a and b come from a
// uniform, so nothing folds. With a = 0.5 and b = 0.25 the distance to 0.5
// halves exactly each step: a lane holds 0.5 + (±2^e)·2^-n (rounded to T)
// after n steps, and exactly 0.5 once that falls below half an ulp. Every lane
// is stored and the host checks each against the same recurrence run for the
// case's iteration count: exact, and for counts short of convergence it
// tells how many steps each lane ran.

override PEAK_ITERATIONS: u32 = 4096u;
override PEAK_WORKGROUP: u32 = 64u;
// Chains of V per invocation, 1 to MAX_CHAINS.
override PEAK_CHAINS: u32 = 4u;
override PEAK_FUSED: bool = true;
override PEAK_UNROLLED: bool = false;
const MAX_CHAINS: u32 = 16u;
const STEPS_PER_TRIP: u32 = 16u;

struct Params {
    a: f32,
    b: f32,
    // Invocations that hold lanes (the grid may round up past them).
    invocations: u32,
    exponent_period: u32,
    min_exponent: i32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read_write> result: array<VF32>;
@group(0) @binding(1) var<uniform> params: Params;

struct Chains {
    x0: V, x1: V, x2: V, x3: V, x4: V, x5: V, x6: V, x7: V,
    x8: V, x9: V, x10: V, x11: V, x12: V, x13: V, x14: V, x15: V,
}

// One step of one chain.
fn op(x: V, a: V, b: V) -> V {
    if (PEAK_FUSED) {
        return fma(x, a, b);
    }
    return x * a + b;
}

// One step of chain k, if it is in use.
fn chain_step(k: u32, x: V, a: V, b: V) -> V {
    if (k < PEAK_CHAINS) {
        return op(x, a, b);
    }
    return x;
}

// One step of every chain in use.
fn step(c: Chains, a: V, b: V) -> Chains {
    return Chains(
        chain_step(0u, c.x0, a, b), chain_step(1u, c.x1, a, b),
        chain_step(2u, c.x2, a, b), chain_step(3u, c.x3, a, b),
        chain_step(4u, c.x4, a, b), chain_step(5u, c.x5, a, b),
        chain_step(6u, c.x6, a, b), chain_step(7u, c.x7, a, b),
        chain_step(8u, c.x8, a, b), chain_step(9u, c.x9, a, b),
        chain_step(10u, c.x10, a, b), chain_step(11u, c.x11, a, b),
        chain_step(12u, c.x12, a, b), chain_step(13u, c.x13, a, b),
        chain_step(14u, c.x14, a, b), chain_step(15u, c.x15, a, b),
    );
}

// The starting values of the WIDTH lanes from `first_lane` on (a multiple of
// WIDTH, as exponent_period is).
fn seed(first_lane: u32) -> V {
    let e = VI(i32(first_lane % params.exponent_period)) + LANES + params.min_exponent;
    let distance = ldexp(V(T(1.0)), e);
    let negative = (first_lane / params.exponent_period) % 2u == 1u;
    return V(T(0.5)) + select(distance, -distance, negative);
}

// The starting values of invocation i's chains.
fn start(i: u32) -> Chains {
    let first = i * PEAK_CHAINS;
    return Chains(
        seed(first * WIDTH), seed((first + 1u) * WIDTH),
        seed((first + 2u) * WIDTH), seed((first + 3u) * WIDTH),
        seed((first + 4u) * WIDTH), seed((first + 5u) * WIDTH),
        seed((first + 6u) * WIDTH), seed((first + 7u) * WIDTH),
        seed((first + 8u) * WIDTH), seed((first + 9u) * WIDTH),
        seed((first + 10u) * WIDTH), seed((first + 11u) * WIDTH),
        seed((first + 12u) * WIDTH), seed((first + 13u) * WIDTH),
        seed((first + 14u) * WIDTH), seed((first + 15u) * WIDTH),
    );
}

// Stores chain k of invocation i, if it is in use.
fn store_chain(i: u32, k: u32, x: V) {
    if (k < PEAK_CHAINS) {
        result[i * PEAK_CHAINS + k] = VF32(x);
    }
}

// Stores every chain in use of invocation i.
fn store(i: u32, c: Chains) {
    store_chain(i, 0u, c.x0); store_chain(i, 1u, c.x1);
    store_chain(i, 2u, c.x2); store_chain(i, 3u, c.x3);
    store_chain(i, 4u, c.x4); store_chain(i, 5u, c.x5);
    store_chain(i, 6u, c.x6); store_chain(i, 7u, c.x7);
    store_chain(i, 8u, c.x8); store_chain(i, 9u, c.x9);
    store_chain(i, 10u, c.x10); store_chain(i, 11u, c.x11);
    store_chain(i, 12u, c.x12); store_chain(i, 13u, c.x13);
    store_chain(i, 14u, c.x14); store_chain(i, 15u, c.x15);
}

// Where an invocation sits in the dispatch: a 2D grid of workgroups, since
// one dimension holds at most 65535 of them.
struct Invocation {
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
}

// The invocation's index across the grid.
fn index(at: Invocation) -> u32 {
    return (at.group.x + at.group.y * at.groups.x) * PEAK_WORKGROUP + at.local;
}

@compute @workgroup_size(PEAK_WORKGROUP)
fn peak(at: Invocation) {
    let i = index(at);
    if (i >= params.invocations) {
        return;
    }
    let a = V(T(params.a));
    let b = V(T(params.b));
    var c = start(i);
    if (PEAK_UNROLLED) {
        for (var n = 0u; n < PEAK_ITERATIONS / STEPS_PER_TRIP; n++) {
            // STEPS_PER_TRIP = 16 steps.
            c = step(c, a, b); c = step(c, a, b); c = step(c, a, b); c = step(c, a, b);
            c = step(c, a, b); c = step(c, a, b); c = step(c, a, b); c = step(c, a, b);
            c = step(c, a, b); c = step(c, a, b); c = step(c, a, b); c = step(c, a, b);
            c = step(c, a, b); c = step(c, a, b); c = step(c, a, b); c = step(c, a, b);
        }
    } else {
        for (var n = 0u; n < PEAK_ITERATIONS; n++) {
            c = step(c, a, b);
        }
    }
    store(i, c);
}
