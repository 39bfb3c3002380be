// The small kernels of a transformer block (GPT-2 style, pre-LayerNorm),
// between the matmul and attention kernels that do its heavy work:
//
//   layer_norm:    per token row, (x − mean) / √(variance + ε) · gain + bias,
//                  written as the next matmul's A operand;
//   split_heads:   Q, K, V (the QKV matmul's output) plus their bias, split
//                  into heads and written to the textures attention reads
//                  (K and V at row `past` onwards of each head: the KV cache);
//   merge_heads:   attention's output, head after head, back to one row per
//                  token, written as the output projection's A operand;
//   bias_gelu:     the up projection's output plus its bias, through GELU
//                  (GPT-2's tanh form), written as the down projection's A;
//   bias_residual: residual + a projection's output + its bias, the next
//                  residual stream.
//
// f32 throughout, every row in whole vec4s. A kernel that writes a matmul's
// A operand stores it through `store_operand`, which the host takes from one
// of the two parts at the end of this file: `@operand-buffer` (a storage
// buffer, for matmul variants that read buffers) or `@operand-texture` (a
// storage texture of one vec4 per texel, for those that read textures).
//
// Dispatch: layer_norm one invocation per token row, WORKGROUP rows to a
// workgroup; the others walk the tokens × width vec4s of their output as one
// flat range, each workgroup a run of WORKGROUP · VEC4S_PER_INVOCATION
// vec4s, its invocations striding WORKGROUP apart (neighbouring invocations
// touch neighbouring vec4s, as a stream kernel does): x = ceil(tokens ·
// width / that), y = z = 1.

// Mirrors `BlockParams` in src/workloads/block/prepare.rs.
struct Params {
    tokens: u32,       // token rows this operation computes
    d4: u32,           // d_model / 4
    ff4: u32,          // d_ff / 4
    head_d4: u32,      // head dimension / 4
    kv_len: u32,       // rows of each head's K and V (cache included)
    past: u32,         // rows of the cache before this operation's tokens
    q_fold_log2: u32,  // Q's rows side by side per texture row, log2
    kv_fold_log2: u32, // K's and V's, likewise
    epsilon: f32,      // LayerNorm's ε
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> in0: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> in1: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> in2: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(6) var q_out: texture_storage_2d<rgba32float, write>;
@group(0) @binding(7) var k_out: texture_storage_2d<rgba32float, write>;
@group(0) @binding(8) var v_out: texture_storage_2d<rgba32float, write>;

// Mirrors WORKGROUP and VEC4S_PER_INVOCATION in prepare.rs.
const WORKGROUP: u32 = 64u;
const VEC4S_PER_INVOCATION: u32 = 8u;

// The flat index of this invocation's `step`-th vec4.
fn flat(wid: vec3<u32>, lid: u32, step: u32) -> u32 {
    return (wid.x * VEC4S_PER_INVOCATION + step) * WORKGROUP + lid;
}

// in0: x (tokens × d), in1: gain (d), in2: bias (d). Mean first, then the
// variance as the mean of squared deviations (no cancellation): three
// passes over the row, which stays in cache.
@compute @workgroup_size(WORKGROUP)
fn layer_norm(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row = gid.x;
    if (row >= params.tokens) {
        return;
    }
    let base = row * params.d4;
    let width = f32(params.d4 * 4u);
    var sum = vec4(0.0);
    for (var c = 0u; c < params.d4; c++) {
        sum += in0[base + c];
    }
    let mean = ((sum.x + sum.y) + (sum.z + sum.w)) / width;
    var squares = vec4(0.0);
    for (var c = 0u; c < params.d4; c++) {
        let deviation = in0[base + c] - mean;
        squares += deviation * deviation;
    }
    let variance = ((squares.x + squares.y) + (squares.z + squares.w)) / width;
    let scale = inverseSqrt(variance + params.epsilon);
    for (var c = 0u; c < params.d4; c++) {
        store_operand(row, c, params.d4, (in0[base + c] - mean) * scale * in1[c] + in2[c]);
    }
}

// The texel of vec4 `c` of row `row` of a head-major texture whose rows are
// folded 2^fold_log2 to a texture row (as attention_common.wgsl reads it).
fn head_texel(row: u32, c: u32, fold_log2: u32) -> vec2<u32> {
    let side = row & ((1u << fold_log2) - 1u);
    return vec2(side * params.head_d4 + c, row >> fold_log2);
}

// in0: Q, K, V side by side (tokens × 3d), in1: their bias (3d).
@compute @workgroup_size(WORKGROUP)
fn split_heads(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let width = 3u * params.d4;
    for (var step = 0u; step < VEC4S_PER_INVOCATION; step++) {
        let i = flat(wid, lid, step);
        if (i >= params.tokens * width) {
            return;
        }
        let token = i / width;
        let c = i % width;
        let value = in0[i] + in1[c];
        let part = c / params.d4;
        let within = c % params.d4;
        let head = within / params.head_d4;
        let column = within % params.head_d4;
        if (part == 0u) {
            textureStore(q_out, head_texel(head * params.tokens + token, column, params.q_fold_log2), value);
            continue;
        }
        let at = head_texel(head * params.kv_len + params.past + token, column, params.kv_fold_log2);
        if (part == 1u) {
            textureStore(k_out, at, value);
        } else {
            textureStore(v_out, at, value);
        }
    }
}

// in0: attention's output, heads × tokens × head dimension.
@compute @workgroup_size(WORKGROUP)
fn merge_heads(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    for (var step = 0u; step < VEC4S_PER_INVOCATION; step++) {
        let i = flat(wid, lid, step);
        if (i >= params.tokens * params.d4) {
            return;
        }
        let token = i / params.d4;
        let c = i % params.d4;
        let head = c / params.head_d4;
        let column = c % params.head_d4;
        let value = in0[(head * params.tokens + token) * params.head_d4 + column];
        store_operand(token, c, params.d4, value);
    }
}

// GELU, tanh form: x/2 · (1 + tanh(√(2/π) · (x + 0.044715·x³))).
fn gelu(x: vec4<f32>) -> vec4<f32> {
    let inner = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    return 0.5 * x * (1.0 + tanh(inner));
}

// in0: the up projection's output (tokens × d_ff), in1: its bias (d_ff).
@compute @workgroup_size(WORKGROUP)
fn bias_gelu(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    for (var step = 0u; step < VEC4S_PER_INVOCATION; step++) {
        let i = flat(wid, lid, step);
        if (i >= params.tokens * params.ff4) {
            return;
        }
        let c = i % params.ff4;
        store_operand(i / params.ff4, c, params.ff4, gelu(in0[i] + in1[c]));
    }
}

// in0: the residual stream, in1: a projection's output (both tokens × d),
// in2: the projection's bias (d); out: the next residual stream.
@compute @workgroup_size(WORKGROUP)
fn bias_residual(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    for (var step = 0u; step < VEC4S_PER_INVOCATION; step++) {
        let i = flat(wid, lid, step);
        if (i >= params.tokens * params.d4) {
            return;
        }
        out[i] = in0[i] + in1[i] + in2[i % params.d4];
    }
}

// @operand-buffer
// A matmul operand as a storage buffer: rows of `width4` vec4s.

@group(0) @binding(5) var<storage, read_write> operand: array<vec4<f32>>;

fn store_operand(row: u32, c: u32, width4: u32, value: vec4<f32>) {
    operand[row * width4 + c] = value;
}

// @operand-texture
// A matmul operand as a storage texture: texel (c, row) = vec4 c of the row.

@group(0) @binding(5) var operand: texture_storage_2d<rgba32float, write>;

fn store_operand(row: u32, c: u32, width4: u32, value: vec4<f32>) {
    textureStore(operand, vec2(c, row), value);
}
