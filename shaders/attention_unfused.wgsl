// Unfused attention, the baseline the fused kernels must beat: kernels run
// in order, the score matrix written to memory between them. Two variants
// share the softmax:
//
//   tiled (this file's own batched matmuls):
//     scores:  S = Q·Kᵀ, every (query, key) pair (the mask is applied by the
//              softmax);
//     softmax: see below;
//     pv:      O = P·V.
//   through the matmul kernels (matmul.wgsl, a batch of products, one per
//   (batch, query head), reading B of K/V head h / (Hq/Hkv)):
//     transpose: Kᵀ, per K/V head, in the layout of a matmul's B;
//     scores:    S = Q·Kᵀ (matmul; Q uploaded with rows padded to d8);
//     softmax;
//     pv:        O = P·V (matmul; V uploaded with each head padded to
//                Skv8 rows of zeros).
//
//   softmax: per row, the max over visible keys, p = 2^((s − max)·log2(e)/√d)
//            (the scale folded in here), the sum, then p / sum in place;
//            masked keys and padding become 0, and a row that sees no key is
//            all 0.
//
// The host prepends `attention_common.wgsl` (T, D4, the parameters, O); Q,
// K and V are storage buffers of T here, laid out alike; S is f32, B·Hq × Sq
// rows of kv_len4 vec4s (Skv padded to a multiple of 8, so that S, and P in
// its place, is a matmul input, K padded to 8, as well as an output, N
// padded to 4). Every index is clamped or guarded, so the host builds this
// module without runtime bounds checks.

@group(0) @binding(0) var<storage, read> q: array<vec4<T>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<T>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<T>>;
@group(0) @binding(10) var<storage, read_write> s: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read_write> k_transposed: array<vec4<T>>;

// Invocations per workgroup of each kernel.
override SCORES_WORKGROUP: u32 = 64u;
override SOFTMAX_WORKGROUP: u32 = 64u;
override PV_WORKGROUP: u32 = 64u;
override TRANSPOSE_WORKGROUP: u32 = 64u;

// Query rows each scores or pv invocation computes (written out below).
const TILE_ROWS: u32 = 4u;

// The first element of K/V head of query head `bh` (= batch · Hq + head).
fn kv_base_of(bh: u32) -> u32 {
    let batch = bh / params.q_heads;
    let head = bh % params.q_heads;
    let kv_heads = params.q_heads / params.group;
    return (batch * kv_heads + head / params.group) * params.kv_len * D4;
}

// Each invocation: 4 query rows × 4 keys (one vec4 of S per row); keys past
// Skv (the row's padding) are scored as the last key, and the softmax zeroes them.
// Dispatch: x = ceil(kv_len4 / SCORES_WORKGROUP), y = ceil(Sq / 4), z = B·Hq.
@compute @workgroup_size(SCORES_WORKGROUP)
fn scores(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let key4 = wid.x * SCORES_WORKGROUP + lid;
    if (key4 >= params.kv_len4) {
        return;
    }
    let bh = wid.z;
    let row0 = wid.y * TILE_ROWS;
    let kv_base = kv_base_of(bh);
    let q_base = bh * params.q_len * D4;
    let last_key = params.kv_len - 1u;
    let last_row = params.q_len - 1u;
    let k0 = kv_base + min(key4 * 4u, last_key) * D4;
    let k1 = kv_base + min(key4 * 4u + 1u, last_key) * D4;
    let k2 = kv_base + min(key4 * 4u + 2u, last_key) * D4;
    let k3 = kv_base + min(key4 * 4u + 3u, last_key) * D4;
    let q0 = q_base + min(row0, last_row) * D4;
    let q1 = q_base + min(row0 + 1u, last_row) * D4;
    let q2 = q_base + min(row0 + 2u, last_row) * D4;
    let q3 = q_base + min(row0 + 3u, last_row) * D4;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    for (var c = 0u; c < params.d4; c++) {
        let x0 = vec4<f32>(k[k0 + c]);
        let x1 = vec4<f32>(k[k1 + c]);
        let x2 = vec4<f32>(k[k2 + c]);
        let x3 = vec4<f32>(k[k3 + c]);
        let y0 = vec4<f32>(q[q0 + c]);
        let y1 = vec4<f32>(q[q1 + c]);
        let y2 = vec4<f32>(q[q2 + c]);
        let y3 = vec4<f32>(q[q3 + c]);
        a0 += vec4(dot(y0, x0), dot(y0, x1), dot(y0, x2), dot(y0, x3));
        a1 += vec4(dot(y1, x0), dot(y1, x1), dot(y1, x2), dot(y1, x3));
        a2 += vec4(dot(y2, x0), dot(y2, x1), dot(y2, x2), dot(y2, x3));
        a3 += vec4(dot(y3, x0), dot(y3, x1), dot(y3, x2), dot(y3, x3));
    }
    let out = (bh * params.q_len + row0) * params.kv_len4 + key4;
    let stride = params.kv_len4;
    s[out] = a0;
    if (row0 + 1u < params.q_len) {
        s[out + stride] = a1;
    }
    if (row0 + 2u < params.q_len) {
        s[out + 2u * stride] = a2;
    }
    if (row0 + 3u < params.q_len) {
        s[out + 3u * stride] = a3;
    }
}

var<workgroup> partial: array<f32, SOFTMAX_WORKGROUP>;

// The sum (or max) of every invocation's `value`, as every invocation sees it.
fn workgroup_reduce(value: f32, lid: u32, take_max: bool) -> f32 {
    partial[lid] = value;
    workgroupBarrier();
    for (var half = SOFTMAX_WORKGROUP / 2u; half > 0u; half /= 2u) {
        if (lid < half) {
            let other = partial[lid + half];
            partial[lid] = select(partial[lid] + other, max(partial[lid], other), take_max);
        }
        workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
}

// One workgroup per score row (SOFTMAX_WORKGROUP a power of two).
// Dispatch: x = Sq, y = B·Hq.
@compute @workgroup_size(SOFTMAX_WORKGROUP)
fn softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let row = wid.x;
    let base = (wid.y * params.q_len + row) * params.kv_len4;
    // Keys below `visible` are seen by this row.
    var visible = params.kv_len;
    if (params.causal != 0u) {
        let last = i32(row) + i32(params.kv_len) - i32(params.q_len);
        visible = u32(clamp(last + 1, 0, i32(params.kv_len)));
    }
    var row_max = NO_SCORE;
    for (var j4 = lid; j4 < params.kv_len4; j4 += SOFTMAX_WORKGROUP) {
        let x = s[base + j4];
        let keys = vec4(j4 * 4u) + vec4(0u, 1u, 2u, 3u);
        let shown = select(vec4(NO_SCORE), x, keys < vec4(visible));
        row_max = max(row_max, max(max(shown.x, shown.y), max(shown.z, shown.w)));
    }
    row_max = workgroup_reduce(row_max, lid, true);
    var sum = 0.0;
    for (var j4 = lid; j4 < params.kv_len4; j4 += SOFTMAX_WORKGROUP) {
        let keys = vec4(j4 * 4u) + vec4(0u, 1u, 2u, 3u);
        let x = (s[base + j4] - row_max) * params.scale_log2;
        let p = select(vec4(0.0), exp2(x), keys < vec4(visible));
        s[base + j4] = p;
        sum += p.x + p.y + p.z + p.w;
    }
    sum = workgroup_reduce(sum, lid, false);
    let inverse = select(0.0, 1.0 / sum, sum > 0.0);
    for (var j4 = lid; j4 < params.kv_len4; j4 += SOFTMAX_WORKGROUP) {
        s[base + j4] *= inverse;
    }
}

// Each invocation: 4 query rows × one vec4 of O.
// Dispatch: x = ceil(ceil(Sq / 4) · D4 / PV_WORKGROUP), y = B·Hq.
@compute @workgroup_size(PV_WORKGROUP)
fn pv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let index = wid.x * PV_WORKGROUP + lid;
    let c = index % D4;
    let row0 = (index / D4) * TILE_ROWS;
    if (row0 >= params.q_len) {
        return;
    }
    let bh = wid.y;
    let kv_base = kv_base_of(bh) + c;
    let last_key = params.kv_len - 1u;
    let last_row = params.q_len - 1u;
    let stride = params.kv_len4;
    let p0 = (bh * params.q_len + row0) * stride;
    let p1 = (bh * params.q_len + min(row0 + 1u, last_row)) * stride;
    let p2 = (bh * params.q_len + min(row0 + 2u, last_row)) * stride;
    let p3 = (bh * params.q_len + min(row0 + 3u, last_row)) * stride;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    for (var j4 = 0u; j4 < stride; j4++) {
        // P's padding past Skv is 0, so the clamped V rows add nothing.
        let v0 = vec4<f32>(v[kv_base + min(j4 * 4u, last_key) * D4]);
        let v1 = vec4<f32>(v[kv_base + min(j4 * 4u + 1u, last_key) * D4]);
        let v2 = vec4<f32>(v[kv_base + min(j4 * 4u + 2u, last_key) * D4]);
        let v3 = vec4<f32>(v[kv_base + min(j4 * 4u + 3u, last_key) * D4]);
        let x0 = s[p0 + j4];
        let x1 = s[p1 + j4];
        let x2 = s[p2 + j4];
        let x3 = s[p3 + j4];
        a0 += x0.x * v0 + x0.y * v1 + x0.z * v2 + x0.w * v3;
        a1 += x1.x * v0 + x1.y * v1 + x1.z * v2 + x1.w * v3;
        a2 += x2.x * v0 + x2.y * v1 + x2.z * v2 + x2.w * v3;
        a3 += x3.x * v0 + x3.y * v1 + x3.z * v2 + x3.w * v3;
    }
    let out = (bh * params.q_len + row0) * D4 + c;
    o[out] = vec4<T>(a0);
    if (row0 + 1u < params.q_len) {
        o[out + D4] = vec4<T>(a1);
    }
    if (row0 + 2u < params.q_len) {
        o[out + 2u * D4] = vec4<T>(a2);
    }
    if (row0 + 3u < params.q_len) {
        o[out + 3u * D4] = vec4<T>(a3);
    }
}

// Kᵀ of every K/V head as a matmul's B: d8 rows (d rounded up to a multiple
// of 8) of kv_len4 vec4s (Skv8 keys), zero past d and past Skv. Each
// invocation writes one vec4: 4 keys at one index of d.
// Dispatch: x = ceil(d8 · kv_len4 / TRANSPOSE_WORKGROUP), y = B·Hkv.
@compute @workgroup_size(TRANSPOSE_WORKGROUP)
fn transpose_k(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let index = wid.x * TRANSPOSE_WORKGROUP + lid;
    let stride = params.kv_len4;
    let d8 = (params.d4 + 1u) / 2u * 8u;
    if (index >= d8 * stride) {
        return;
    }
    let i = index / stride;
    let key4 = index % stride;
    let base = wid.y * params.kv_len * D4 + i / 4u;
    var keys = vec4<T>(0.0);
    if (i < params.d4 * 4u) {
        for (var e = 0u; e < 4u; e++) {
            let key = key4 * 4u + e;
            if (key < params.kv_len) {
                keys[e] = k[base + key * D4][i % 4u];
            }
        }
    }
    k_transposed[wid.y * d8 * stride + index] = keys;
}
