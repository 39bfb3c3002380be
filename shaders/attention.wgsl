// Fused attention, flash-style: O = softmax(Q·Kᵀ/√d + mask)·V with K and V
// streamed in tiles of KEY_TILE keys and an online softmax (a running max m
// and sum l per query row; the accumulator is rescaled by 2^(m_old − m_new)
// whenever the max grows, and divided by l once at the end). Scores never
// leave the invocation. Under the causal mask (bottom-right aligned: query i
// sees keys j ≤ i + Skv − Sq) a workgroup stops at the last key its last row
// sees: tiles entirely above the diagonal are skipped, never masked, and only
// tiles that cross it test each (row, key) pair.
//
// The host prepends `attention_common.wgsl` (the element type T, D4 = d / 4,
// the parameters, O, and Q, K and V as textures). The softmax statistics and
// the accumulator are f32 whatever T is. Scores are kept in base 2 (scaled by
// log2(e)/√d), so exp becomes exp2.
//
// Every index is clamped into its buffer or texture (rows past Sq are
// computed and not stored; keys past Skv are read clamped and masked), which
// is what lets the host build this module without runtime bounds checks.
//
// Dispatch: x = ceil(Sq / (4 · WORKGROUP_SIZE)), y = B · Hq.

// Invocations per workgroup. Each owns 4 query rows, held as the four
// components of vec4s (scores, max, sum), so that no per-row state needs an
// array indexed in a loop: compilers either write such loops out (minutes
// on llvmpipe) or turn each access into a chain of selects. Invocation i
// owns rows i, i + WORKGROUP_SIZE, i + 2·WORKGROUP_SIZE, i + 3·WORKGROUP_SIZE
// of the workgroup's 4·WORKGROUP_SIZE consecutive rows, and every
// invocation reads the same key at the same time.
override WORKGROUP_SIZE: u32 = 8u;
// Where K/V tiles live: false, read straight from storage at addresses every
// invocation of the workgroup shares; true, staged in workgroup memory by
// the whole workgroup, behind barriers.
override STAGED: bool = false;
// Keys per step of the online softmax: 16, or 32 (written out below, the
// second 16 behind `KEY_TILE > 16u`, which the pipeline's constants fold):
// each step reloads the rows of Q and updates the accumulators once, so a
// longer step does that half as often per key, for twice the scores.
override KEY_TILE: u32 = 16u;
// The K/V tiles of the staged variant: KEY_TILE · D4 vec4s each (the host
// sets 1 for the others, which never touch them).
override TILE_VEC4S: u32 = 16u * D4;

// The output accumulators, 4 rows × D4 vec4s per invocation (invocation i's
// row r at (4i + r)·D4): too many for registers, and addressed by the loop
// over d.
var<workgroup> acc: array<vec4<f32>, WORKGROUP_SIZE * 4u * D4>;
var<workgroup> k_tile: array<vec4<f32>, TILE_VEC4S>;
var<workgroup> v_tile: array<vec4<f32>, TILE_VEC4S>;

// Vec4 `c` of 8 keys (or values), j0..j0+7: half of 16 keys.
struct Tile8 {
    t0: vec4<f32>,
    t1: vec4<f32>,
    t2: vec4<f32>,
    t3: vec4<f32>,
    t4: vec4<f32>,
    t5: vec4<f32>,
    t6: vec4<f32>,
    t7: vec4<f32>,
}

// The texel of vec4 `c` of key (or value) j, clamped into K.
fn kv_texel(kv_row: u32, j: u32, c: u32) -> vec2<u32> {
    return texel(kv_row + min(j, params.kv_len - 1u), c, params.kv_fold_log2);
}

// Loads keys j0..j0+KEY_TILE-1 of K and V into workgroup memory.
fn stage_tile(kv_row: u32, j0: u32, lid: u32) {
    for (var i = lid; i < KEY_TILE * params.d4; i += WORKGROUP_SIZE) {
        let j = min(j0 + i / params.d4, params.kv_len - 1u);
        let c = i % params.d4;
        let at = texel(kv_row + j, c, params.kv_fold_log2);
        k_tile[(i / params.d4) * D4 + c] = textureLoad(k_texture, at);
        v_tile[(i / params.d4) * D4 + c] = textureLoad(v_texture, at);
    }
}

// `s` (4 keys from j0, one per column; 4 rows) scaled to base 2, with the
// pairs the mask hides set to NO_SCORE (`all`: the mask hides none).
fn shown(s: mat4x4<f32>, rows: vec4<u32>, j0: u32, all: bool) -> mat4x4<f32> {
    let scale = params.scale_log2;
    return mat4x4(
        select(vec4(NO_SCORE), s[0] * scale, vec4(all) | visible(rows, j0)),
        select(vec4(NO_SCORE), s[1] * scale, vec4(all) | visible(rows, j0 + 1u)),
        select(vec4(NO_SCORE), s[2] * scale, vec4(all) | visible(rows, j0 + 2u)),
        select(vec4(NO_SCORE), s[3] * scale, vec4(all) | visible(rows, j0 + 3u)),
    );
}

fn fused_body(wid: vec3<u32>, lid: u32) {
    let batch = wid.y / params.q_heads;
    let head = wid.y % params.q_heads;
    let kv_heads = params.q_heads / params.group;
    let kv_row = (batch * kv_heads + head / params.group) * params.kv_len;
    let q_base = wid.y * params.q_len;
    let block = WORKGROUP_SIZE * 4u;
    let row0 = wid.x * block;
    let rows = vec4(row0 + lid) + vec4(0u, 1u, 2u, 3u) * WORKGROUP_SIZE;
    let q_rows = vec4(q_base) + min(rows, vec4(params.q_len - 1u));
    let mine = lid * 4u * D4;

    // Keys below full_end are seen by every row of the workgroup; keys from
    // key_end on by none of them.
    var key_end = params.kv_len;
    var full_end = params.kv_len;
    if (params.causal != 0u) {
        let offset = i32(params.kv_len) - i32(params.q_len);
        let last_row = min(row0 + block, params.q_len) - 1u;
        key_end = u32(clamp(i32(last_row) + offset + 1, 0, i32(params.kv_len)));
        full_end = u32(clamp(i32(row0) + offset + 1, 0, i32(params.kv_len)));
    }

    for (var c = 0u; c < 4u * params.d4; c++) {
        acc[mine + (c / params.d4) * D4 + c % params.d4] = vec4<f32>(0.0);
    }
    var m = vec4(NO_SCORE);
    var l = vec4(0.0);
    for (var j0 = 0u; j0 < key_end; j0 += KEY_TILE) {
        if (STAGED) {
            stage_tile(kv_row, j0, lid);
            workgroupBarrier();
        }
        // Scores of the 4 rows against the tile's 16 (or 32) keys, 4 keys
        // per matrix: column t of s_g holds key 4g + t, row r query row r.
        let wide = KEY_TILE > 16u;
        var s0 = mat4x4<f32>();
        var s1 = mat4x4<f32>();
        var s2 = mat4x4<f32>();
        var s3 = mat4x4<f32>();
        var s4 = mat4x4<f32>();
        var s5 = mat4x4<f32>();
        var s6 = mat4x4<f32>();
        var s7 = mat4x4<f32>();
        for (var c = 0u; c < params.d4; c++) {
            let fold = params.q_fold_log2;
            // Rows of Q at vec4 c, as the rows of a matrix.
            let q_c = transpose(mat4x4(
                textureLoad(q_texture, texel(q_rows.x, c, fold)),
                textureLoad(q_texture, texel(q_rows.y, c, fold)),
                textureLoad(q_texture, texel(q_rows.z, c, fold)),
                textureLoad(q_texture, texel(q_rows.w, c, fold)),
            ));
            let low = tile_at(true, kv_row, j0, c);
            let high = tile_at(true, kv_row, j0 + 8u, c);
            s0 += q_c * mat4x4(low.t0, low.t1, low.t2, low.t3);
            s1 += q_c * mat4x4(low.t4, low.t5, low.t6, low.t7);
            s2 += q_c * mat4x4(high.t0, high.t1, high.t2, high.t3);
            s3 += q_c * mat4x4(high.t4, high.t5, high.t6, high.t7);
            if (wide) {
                let low2 = tile_at(true, kv_row, j0 + 16u, c);
                let high2 = tile_at(true, kv_row, j0 + 24u, c);
                s4 += q_c * mat4x4(low2.t0, low2.t1, low2.t2, low2.t3);
                s5 += q_c * mat4x4(low2.t4, low2.t5, low2.t6, low2.t7);
                s6 += q_c * mat4x4(high2.t0, high2.t1, high2.t2, high2.t3);
                s7 += q_c * mat4x4(high2.t4, high2.t5, high2.t6, high2.t7);
            }
        }
        // Scaled to base 2; pairs the mask hides (only in tiles that cross
        // the diagonal or the end) become NO_SCORE.
        let all = j0 + KEY_TILE <= full_end;
        s0 = shown(s0, rows, j0, all);
        s1 = shown(s1, rows, j0 + 4u, all);
        s2 = shown(s2, rows, j0 + 8u, all);
        s3 = shown(s3, rows, j0 + 12u, all);
        var m_new = max(m, max(max(column_max(s0), column_max(s1)), max(column_max(s2), column_max(s3))));
        if (wide) {
            s4 = shown(s4, rows, j0 + 16u, all);
            s5 = shown(s5, rows, j0 + 20u, all);
            s6 = shown(s6, rows, j0 + 24u, all);
            s7 = shown(s7, rows, j0 + 28u, all);
            m_new = max(m_new, max(max(column_max(s4), column_max(s5)), max(column_max(s6), column_max(s7))));
        }
        let alpha = exp2(m - m_new);
        let p0 = weights_of(s0, m_new);
        let p1 = weights_of(s1, m_new);
        let p2 = weights_of(s2, m_new);
        let p3 = weights_of(s3, m_new);
        var tile_sum = (column_sum(p0) + column_sum(p1)) + (column_sum(p2) + column_sum(p3));
        var w4 = mat4x4<f32>();
        var w5 = mat4x4<f32>();
        var w6 = mat4x4<f32>();
        var w7 = mat4x4<f32>();
        if (wide) {
            let p4 = weights_of(s4, m_new);
            let p5 = weights_of(s5, m_new);
            let p6 = weights_of(s6, m_new);
            let p7 = weights_of(s7, m_new);
            tile_sum += (column_sum(p4) + column_sum(p5)) + (column_sum(p6) + column_sum(p7));
            w4 = transpose(p4);
            w5 = transpose(p5);
            w6 = transpose(p6);
            w7 = transpose(p7);
        }
        l = l * alpha + tile_sum;
        m = m_new;
        // Transposed, the weights' columns are rows: (V_g · p_gᵀ) column r
        // is Σ_t p[r][t] · v_t, row r's share of the tile.
        let w0 = transpose(p0);
        let w1 = transpose(p1);
        let w2 = transpose(p2);
        let w3 = transpose(p3);
        for (var c = 0u; c < params.d4; c++) {
            let low = tile_at(false, kv_row, j0, c);
            let high = tile_at(false, kv_row, j0 + 8u, c);
            var share = (mat4x4(low.t0, low.t1, low.t2, low.t3) * w0
                + mat4x4(low.t4, low.t5, low.t6, low.t7) * w1)
                + (mat4x4(high.t0, high.t1, high.t2, high.t3) * w2
                + mat4x4(high.t4, high.t5, high.t6, high.t7) * w3);
            if (wide) {
                let low2 = tile_at(false, kv_row, j0 + 16u, c);
                let high2 = tile_at(false, kv_row, j0 + 24u, c);
                share += (mat4x4(low2.t0, low2.t1, low2.t2, low2.t3) * w4
                    + mat4x4(low2.t4, low2.t5, low2.t6, low2.t7) * w5)
                    + (mat4x4(high2.t0, high2.t1, high2.t2, high2.t3) * w6
                    + mat4x4(high2.t4, high2.t5, high2.t6, high2.t7) * w7);
            }
            let a = mine + c;
            acc[a] = fma(acc[a], vec4(alpha.x), share[0]);
            acc[a + D4] = fma(acc[a + D4], vec4(alpha.y), share[1]);
            acc[a + 2u * D4] = fma(acc[a + 2u * D4], vec4(alpha.z), share[2]);
            acc[a + 3u * D4] = fma(acc[a + 3u * D4], vec4(alpha.w), share[3]);
        }
        if (STAGED) {
            workgroupBarrier();
        }
    }

    // A row that sees no key outputs 0.
    let inverse = select(vec4(0.0), 1.0 / l, l > vec4(0.0));
    let o_rows = (vec4(q_base) + rows) * D4;
    for (var c = 0u; c < params.d4; c++) {
        if (rows.x < params.q_len) {
            o[o_rows.x + c] = vec4<T>(acc[mine + c] * inverse.x);
        }
        if (rows.y < params.q_len) {
            o[o_rows.y + c] = vec4<T>(acc[mine + D4 + c] * inverse.y);
        }
        if (rows.z < params.q_len) {
            o[o_rows.z + c] = vec4<T>(acc[mine + 2u * D4 + c] * inverse.z);
        }
        if (rows.w < params.q_len) {
            o[o_rows.w + c] = vec4<T>(acc[mine + 3u * D4 + c] * inverse.w);
        }
    }
}

// @tile-loads
// K and V vec4s loaded by every invocation: from the textures at addresses
// the whole workgroup shares, or from the staged tiles.

fn kv_at(is_key: bool, kv_row: u32, j0: u32, t: u32, c: u32) -> vec4<f32> {
    if (STAGED) {
        // Tiles start at multiples of KEY_TILE: j0 is one of its 8-key parts.
        let at = (j0 % KEY_TILE + t) * D4 + c;
        return select(v_tile[at], k_tile[at], is_key);
    }
    let at = kv_texel(kv_row, j0 + t, c);
    if (is_key) {
        return textureLoad(k_texture, at);
    }
    return textureLoad(v_texture, at);
}

fn tile_at(is_key: bool, kv_row: u32, j0: u32, c: u32) -> Tile8 {
    return Tile8(
        kv_at(is_key, kv_row, j0, 0u, c), kv_at(is_key, kv_row, j0, 1u, c),
        kv_at(is_key, kv_row, j0, 2u, c), kv_at(is_key, kv_row, j0, 3u, c),
        kv_at(is_key, kv_row, j0, 4u, c), kv_at(is_key, kv_row, j0, 5u, c),
        kv_at(is_key, kv_row, j0, 6u, c), kv_at(is_key, kv_row, j0, 7u, c),
    );
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn attention_fused(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    fused_body(wid, lid);
}

// @subgroup-loads
// K and V vec4s loaded once per subgroup: lane t (mod 8) of each subgroup
// loads key j0 + t and the others take it by subgroupBroadcast. Needs
// subgroups of at least 8 lanes and workgroups of whole subgroups (the host
// checks both); no particular size is assumed.

var<private> lane: u32;

fn tile_at(is_key: bool, kv_row: u32, j0: u32, c: u32) -> Tile8 {
    let at = kv_texel(kv_row, j0 + lane % 8u, c);
    var mine: vec4<f32>;
    if (is_key) {
        mine = textureLoad(k_texture, at);
    } else {
        mine = textureLoad(v_texture, at);
    }
    return Tile8(
        subgroupBroadcast(mine, 0u), subgroupBroadcast(mine, 1u),
        subgroupBroadcast(mine, 2u), subgroupBroadcast(mine, 3u),
        subgroupBroadcast(mine, 4u), subgroupBroadcast(mine, 5u),
        subgroupBroadcast(mine, 6u), subgroupBroadcast(mine, 7u),
    );
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn attention_fused(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(subgroup_invocation_id) subgroup_lane: u32,
) {
    lane = subgroup_lane;
    fused_body(wid, lid);
}
