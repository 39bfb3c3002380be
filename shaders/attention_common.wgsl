// What every attention shader shares (`attention.wgsl`, `attention_unfused.wgsl`,
// `attention_decode.wgsl`): the host prepends it to each, after
// `alias T = ...;` (f32, or f16 after `enable f16;`) and `const D4: u32 = d / 4;`,
// and replaces TEXEL_FORMAT with rgba32float or rgba16float.
//
// Q is B × Hq × Sq × d, K and V are B × Hkv × Skv × d, O like Q, all rows of
// whole vec4s. The fused and decode kernels read Q, K and V from read-only
// storage textures: a texel is a vec4 of a row, and 2^fold_log2 rows lie
// side by side in each texture row (so long inputs fit the largest 2D
// texture). Software adapters fetch a texel with one vector load, where a
// storage-buffer load is a scalar load per lane and component.

// Mirrors `Params` in src/workloads/attention.rs.
struct Params {
    q_heads: u32,     // Hq
    group: u32,       // Hq / Hkv: query heads per K/V head
    q_len: u32,       // Sq
    kv_len: u32,      // Skv
    causal: u32,      // 1: causal mask
    scale_log2: f32,  // log2(e) / √d
    split_len: u32,   // keys per split (decode kernels)
    kv_len4: u32,     // score row stride in vec4s, Skv8 / 4 (unfused kernels)
    d4: u32,          // d / 4, as D4: loops over d read it here, so that no
                      // compiler sees their trip count and writes them out
    q_fold_log2: u32, // Q's rows side by side per texture row, log2
    kv_fold_log2: u32,// K's and V's, likewise
    _pad: u32,
}

@group(0) @binding(3) var<storage, read_write> o: array<vec4<T>>;
@group(0) @binding(4) var<uniform> params: Params;
@group(0) @binding(5) var q_texture: texture_storage_2d<TEXEL_FORMAT, read>;
@group(0) @binding(6) var k_texture: texture_storage_2d<TEXEL_FORMAT, read>;
@group(0) @binding(7) var v_texture: texture_storage_2d<TEXEL_FORMAT, read>;

// The running max before any key: finite, so 2^(m_old − m_new) is 0 or 1,
// never NaN (f32 always: no f16 sentinel overflows).
const NO_SCORE: f32 = -3.0e38;

// The texel holding vec4 `c` of row `row` of a texture whose rows are
// folded 2^fold_log2 to a texture row.
fn texel(row: u32, c: u32, fold_log2: u32) -> vec2<u32> {
    let side = row & ((1u << fold_log2) - 1u);
    return vec2(side * D4 + c, row >> fold_log2);
}

// Which of the query rows with indices `rows` (within Sq) see key `j`:
// keys past Skv never; under the causal mask (bottom-right aligned) keys
// j ≤ row + Skv − Sq.
fn visible(rows: vec4<u32>, j: u32) -> vec4<bool> {
    let last = vec4<i32>(rows) + i32(params.kv_len) - i32(params.q_len);
    return vec4(j < params.kv_len) & (vec4(params.causal == 0u) | (vec4(i32(j)) <= last));
}

// Per row, the largest of 4 keys' scores (one key per column).
fn column_max(s: mat4x4<f32>) -> vec4<f32> {
    return max(max(s[0], s[1]), max(s[2], s[3]));
}

// Per row, the sum of 4 keys' weights.
fn column_sum(p: mat4x4<f32>) -> vec4<f32> {
    return (p[0] + p[1]) + (p[2] + p[3]);
}

// The weights 2^(s − m) of 4 keys; a pair the mask hides (score NO_SCORE)
// weighs 0 even while its row has seen no key (m still NO_SCORE, where
// 2^(s − m) would be 1).
fn weights_of(s: mat4x4<f32>, m: vec4<f32>) -> mat4x4<f32> {
    let none = vec4(0.0);
    return mat4x4(
        select(exp2(s[0] - m), none, s[0] == vec4(NO_SCORE)),
        select(exp2(s[1] - m), none, s[1] == vec4(NO_SCORE)),
        select(exp2(s[2] - m), none, s[2] == vec4(NO_SCORE)),
        select(exp2(s[3] - m), none, s[3] == vec4(NO_SCORE)),
    );
}
