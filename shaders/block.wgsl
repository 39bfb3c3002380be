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
// Dispatch: layer_norm one workgroup per token; the others x = vec4
// columns / 64 (rounded up), y = tokens.

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

const WORKGROUP: u32 = 64u;

var<workgroup> partial: array<f32, WORKGROUP>;

// The sum of `value` over the workgroup (called in uniform control flow).
fn workgroup_sum(value: f32, lid: u32) -> f32 {
    partial[lid] = value;
    workgroupBarrier();
    for (var half = WORKGROUP / 2u; half > 0u; half /= 2u) {
        if (lid < half) {
            partial[lid] += partial[lid + half];
        }
        workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
}

// in0: x (tokens × d), in1: gain (d), in2: bias (d). Mean first, then the
// variance as the mean of squared deviations (no cancellation).
@compute @workgroup_size(WORKGROUP)
fn layer_norm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let row = wid.x;
    let base = row * params.d4;
    let width = f32(params.d4 * 4u);
    var sum = 0.0;
    for (var c = lid; c < params.d4; c += WORKGROUP) {
        let x = in0[base + c];
        sum += (x.x + x.y) + (x.z + x.w);
    }
    let mean = workgroup_sum(sum, lid) / width;
    var squares = 0.0;
    for (var c = lid; c < params.d4; c += WORKGROUP) {
        let deviation = in0[base + c] - mean;
        squares += dot(deviation, deviation);
    }
    let scale = inverseSqrt(workgroup_sum(squares, lid) / width + params.epsilon);
    for (var c = lid; c < params.d4; c += WORKGROUP) {
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
fn split_heads(@builtin(global_invocation_id) gid: vec3<u32>) {
    let width = 3u * params.d4;
    let c = gid.x;
    let token = gid.y;
    if (c >= width || token >= params.tokens) {
        return;
    }
    let value = in0[token * width + c] + in1[c];
    let part = c / params.d4;
    let within = c % params.d4;
    let head = within / params.head_d4;
    let column = within % params.head_d4;
    if (part == 0u) {
        textureStore(q_out, head_texel(head * params.tokens + token, column, params.q_fold_log2), value);
        return;
    }
    let at = head_texel(head * params.kv_len + params.past + token, column, params.kv_fold_log2);
    if (part == 1u) {
        textureStore(k_out, at, value);
    } else {
        textureStore(v_out, at, value);
    }
}

// in0: attention's output, heads × tokens × head dimension.
@compute @workgroup_size(WORKGROUP)
fn merge_heads(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    let token = gid.y;
    if (c >= params.d4 || token >= params.tokens) {
        return;
    }
    let head = c / params.head_d4;
    let column = c % params.head_d4;
    let value = in0[(head * params.tokens + token) * params.head_d4 + column];
    store_operand(token, c, params.d4, value);
}

// GELU, tanh form: x/2 · (1 + tanh(√(2/π) · (x + 0.044715·x³))).
fn gelu(x: vec4<f32>) -> vec4<f32> {
    let inner = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    return 0.5 * x * (1.0 + tanh(inner));
}

// in0: the up projection's output (tokens × d_ff), in1: its bias (d_ff).
@compute @workgroup_size(WORKGROUP)
fn bias_gelu(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    let token = gid.y;
    if (c >= params.ff4 || token >= params.tokens) {
        return;
    }
    store_operand(token, c, params.ff4, gelu(in0[token * params.ff4 + c] + in1[c]));
}

// in0: the residual stream, in1: a projection's output (both tokens × d),
// in2: the projection's bias (d); out: the next residual stream.
@compute @workgroup_size(WORKGROUP)
fn bias_residual(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    let token = gid.y;
    if (c >= params.d4 || token >= params.tokens) {
        return;
    }
    let at = token * params.d4 + c;
    out[at] = in0[at] + in1[at] + in2[c];
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
