// Attention for short query lengths (decode: Sq = 1 against a long K/V),
// one workgroup per K/V head and stretch of keys, so that K and V are read
// once for all the query heads that share them (grouped-query attention).
//
//   decode:         one pass over all keys per workgroup, O written directly;
//   decode_partial: split-KV (flash-decoding): workgroup s of SPLITS takes
//                   keys [s·split_len, (s+1)·split_len) and writes a partial
//                   (max m, sum l, unnormalized output);
//   decode_merge:   per query row, rescales the partials to their common max
//                   and divides by the combined sum.
//
// A workgroup serves 4 query rows of its K/V head (the group's heads × Sq
// rows, 4 at a time), held as the components of vec4s. It walks its keys
// STRETCH = DECODE_WORKGROUP · KEYS_PER_INVOCATION at a time: each
// invocation scores KEYS_PER_INVOCATION consecutive keys (K read by one
// invocation per key; consecutive, so an invocation walks one stretch of
// memory rather than keys 64 rows apart: on lavapipe grouped decode read
// 6.6 against 5.6 GB/s, faster in 4 of 4 alternating process pairs),
// the workgroup reduces the stretch's max and sum (through workgroup
// memory, or subgroup operations where the adapter has them, never assuming
// a subgroup size), then each invocation accumulates P·V for 4 vec4s of d
// over a share of the stretch's keys (V read once per key and vec4; each
// weight read once for 16 products). The shares are summed once, at the
// end. Under the causal mask (bottom-right) keys past the last row's
// diagonal are never visited.
//
// The host prepends `attention_common.wgsl`, then keeps the common part of
// this file and one of its two reduction parts (`@tree-reduction` or
// `@subgroup-reduction`). Every index is clamped into its buffer or texture,
// so the host builds it without runtime bounds checks.
//
// Dispatch (decode, decode_partial): x = SPLITS, y = B · Hkv,
// z = ceil(Hq/Hkv · Sq / 4). decode_merge: 64 invocations per workgroup,
// one per (query row, vec4 of d), x · y workgroups covering them.

// Partials of decode_partial: per query row and split, D4 vec4s of output
// and (m, l).
@group(0) @binding(8) var<storage, read_write> partial_o: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> partial_ml: array<vec2<f32>>;

// Invocations per workgroup: a power of two, at least D4 (each invocation
// accumulates at most one vec4 of d).
override DECODE_WORKGROUP: u32 = 64u;
// Splits of the keys (decode_partial and decode_merge; decode takes all).
override SPLITS: u32 = 1u;
// Rows of the 4 that exist in some workgroup: min(4, the group's heads ×
// Sq), set by the host. Rows past it exist in none (multi-head decode has
// one), so their Q is never loaded and their scores and outputs never
// computed: the constant folds those columns away.
override ROWS: u32 = 4u;

// Keys each invocation scores per stretch (written out below).
const KEYS_PER_INVOCATION: u32 = 8u;

// A stretch's scores, then its weights, per key (4 rows each).
var<workgroup> weights: array<vec4<f32>, DECODE_WORKGROUP * KEYS_PER_INVOCATION>;
// Each invocation's accumulators (4 vec4s of d × 4 rows) for the final sum
// of shares.
var<workgroup> shares: array<mat4x4<f32>, DECODE_WORKGROUP * 4u>;

// The 4 query rows a workgroup serves, as global rows of Q and O, their
// index within Sq, and whether each exists (the last group may be short).
struct Rows {
    global: vec4<u32>,
    q_index: vec4<u32>,
    exists: vec4<bool>,
}

fn rows_of(wid: vec3<u32>) -> Rows {
    let kv_heads = params.q_heads / params.group;
    let batch = wid.y / kv_heads;
    let kv_head = wid.y % kv_heads;
    let per_kv_head = params.group * params.q_len;
    let local = vec4(wid.z * 4u) + vec4(0u, 1u, 2u, 3u);
    let clamped = min(local, vec4(per_kv_head - 1u));
    let head = vec4(kv_head * params.group) + clamped / params.q_len;
    let q_index = clamped % params.q_len;
    let global = (vec4(batch * params.q_heads) + head) * params.q_len + q_index;
    return Rows(global, q_index, local < vec4(per_kv_head));
}

// Scores of 4 keys (columns) for the 4 rows, scaled to base 2, with the
// pairs the mask hides, and keys outside [.., end), set to NO_SCORE.
fn hide(s: mat4x4<f32>, q_index: vec4<u32>, j: vec4<u32>, end: u32) -> mat4x4<f32> {
    let scale = params.scale_log2;
    return mat4x4(
        select(vec4(NO_SCORE), s[0] * scale, visible(q_index, j.x) & vec4(j.x < end)),
        select(vec4(NO_SCORE), s[1] * scale, visible(q_index, j.y) & vec4(j.y < end)),
        select(vec4(NO_SCORE), s[2] * scale, visible(q_index, j.z) & vec4(j.z < end)),
        select(vec4(NO_SCORE), s[3] * scale, visible(q_index, j.w) & vec4(j.w < end)),
    );
}

// `a` with column r (row r's output) scaled by alpha[r], for the ROWS
// rows that exist.
fn rescale(a: mat4x4<f32>, alpha: vec4<f32>) -> mat4x4<f32> {
    return mat4x4(
        a[0] * alpha.x,
        select(a[1], a[1] * alpha.y, ROWS > 1u),
        select(a[2], a[2] * alpha.z, ROWS > 2u),
        select(a[3], a[3] * alpha.w, ROWS > 3u),
    );
}

// a + value ⊗ p: column r gains p[r] · value, for the ROWS rows that exist.
fn accumulate(a: mat4x4<f32>, value: vec4<f32>, p: vec4<f32>) -> mat4x4<f32> {
    return mat4x4(
        fma(value, vec4(p.x), a[0]),
        select(a[1], fma(value, vec4(p.y), a[1]), ROWS > 1u),
        select(a[2], fma(value, vec4(p.z), a[2]), ROWS > 2u),
        select(a[3], fma(value, vec4(p.w), a[3]), ROWS > 3u),
    );
}

// Row `r`'s vec4 `cc` of Q, or 0 for a row past ROWS (never loaded).
fn q_at(r: u32, row: u32, cc: u32, fold: u32) -> vec4<f32> {
    if (r >= ROWS) {
        return vec4(0.0);
    }
    return textureLoad(q_texture, texel(row, cc, fold));
}

// The reduced state of one workgroup over keys [begin, end): its rows,
// running max and sum per row, and (in invocations with `owns`) the
// unnormalized output of the 4 rows at vec4s c0 .. c0+3 of d (a_k: column
// r is row r at c0 + k).
struct Reduced {
    rows: Rows,
    m: vec4<f32>,
    l: vec4<f32>,
    a0: mat4x4<f32>,
    a1: mat4x4<f32>,
    a2: mat4x4<f32>,
    a3: mat4x4<f32>,
    c0: u32,
    owns: bool,
}

// The workgroup's rows, computed once by its first invocation. Software
// adapters run a workgroup's invocations as coroutines that yield at each
// barrier, and LLVM recomputes arithmetic that lives across a yield rather
// than keeping it: the divisions in `rows_of` (and any by a runtime divisor)
// ran again in every step of the inner loops, 8 scalar divisions per vector
// division (scripts/jit_profile.sh on lavapipe: 32 divisions in each step of
// the scores loop). A value loaded from workgroup memory is kept.
var<workgroup> workgroup_rows: Rows;

// Vec4s of d each P·V invocation accumulates (4), and the groups of them
// that cover d: constants, so that splitting the invocations among them
// divides by a constant.
const GROUPS: u32 = (D4 + 3u) / 4u;

fn attend(wid: vec3<u32>, lid: u32, begin: u32, stop: u32) -> Reduced {
    if (lid == 0u) {
        workgroup_rows = rows_of(wid);
    }
    let rows = workgroupUniformLoad(&workgroup_rows);
    let kv_row = wid.y * params.kv_len;
    var end = stop;
    if (params.causal != 0u) {
        let last = max(max(rows.q_index.x, rows.q_index.y), max(rows.q_index.z, rows.q_index.w));
        let seen = clamp(i32(last) + i32(params.kv_len) - i32(params.q_len) + 1, 0, i32(params.kv_len));
        end = min(end, u32(seen));
    }
    // P·V: invocation = group + groups · share, where a group is 4 vec4s
    // of d and `shares_count` shares split the keys.
    let shares_count = DECODE_WORKGROUP / GROUPS;
    let group = lid % GROUPS;
    let share = lid / GROUPS;
    let owns = share < shares_count;
    let c0 = group * 4u;
    let c = min(vec4(c0) + vec4(0u, 1u, 2u, 3u), vec4(params.d4 - 1u));
    let stretch = DECODE_WORKGROUP * KEYS_PER_INVOCATION;
    let fold = params.q_fold_log2;
    let kv_fold = params.kv_fold_log2;
    var m = vec4(NO_SCORE);
    var l = vec4(0.0);
    var a0 = mat4x4<f32>();
    var a1 = mat4x4<f32>();
    var a2 = mat4x4<f32>();
    var a3 = mat4x4<f32>();
    for (var s0 = begin; s0 < end; s0 += stretch) {
        // Scores of this invocation's 8 keys (KEYS_PER_INVOCATION), each
        // vec4 of Q loaded once for all of them.
        let j_low = vec4(s0 + lid * KEYS_PER_INVOCATION) + vec4(0u, 1u, 2u, 3u);
        let j_high = j_low + 4u;
        let last_key = vec4(params.kv_len - 1u);
        let low_rows = vec4(kv_row) + min(j_low, last_key);
        let high_rows = vec4(kv_row) + min(j_high, last_key);
        var low = mat4x4<f32>();
        var high = mat4x4<f32>();
        for (var cc = 0u; cc < params.d4; cc++) {
            let q_cc = transpose(mat4x4(
                q_at(0u, rows.global.x, cc, fold),
                q_at(1u, rows.global.y, cc, fold),
                q_at(2u, rows.global.z, cc, fold),
                q_at(3u, rows.global.w, cc, fold),
            ));
            low += q_cc * mat4x4(
                textureLoad(k_texture, texel(low_rows.x, cc, kv_fold)),
                textureLoad(k_texture, texel(low_rows.y, cc, kv_fold)),
                textureLoad(k_texture, texel(low_rows.z, cc, kv_fold)),
                textureLoad(k_texture, texel(low_rows.w, cc, kv_fold)),
            );
            high += q_cc * mat4x4(
                textureLoad(k_texture, texel(high_rows.x, cc, kv_fold)),
                textureLoad(k_texture, texel(high_rows.y, cc, kv_fold)),
                textureLoad(k_texture, texel(high_rows.z, cc, kv_fold)),
                textureLoad(k_texture, texel(high_rows.w, cc, kv_fold)),
            );
        }
        low = hide(low, rows.q_index, j_low, end);
        high = hide(high, rows.q_index, j_high, end);
        let m_new = max(m, reduce4(max(column_max(low), column_max(high)), true, lid));
        let p_low = weights_of(low, m_new);
        let p_high = weights_of(high, m_new);
        for (var t = 0u; t < 4u; t++) {
            weights[lid * KEYS_PER_INVOCATION + t] = p_low[t];
            weights[lid * KEYS_PER_INVOCATION + t + 4u] = p_high[t];
        }
        // reduce4 ends with a barrier: every weight is written.
        let alpha = exp2(m - m_new);
        l = l * alpha + reduce4(column_sum(p_low) + column_sum(p_high), false, lid);
        m = m_new;
        a0 = rescale(a0, alpha);
        a1 = rescale(a1, alpha);
        a2 = rescale(a2, alpha);
        a3 = rescale(a3, alpha);
        if (owns) {
            for (var slot = share; slot < stretch; slot += shares_count) {
                let p = weights[slot];
                let key = kv_row + min(s0 + slot, params.kv_len - 1u);
                a0 = accumulate(a0, textureLoad(v_texture, texel(key, c.x, kv_fold)), p);
                a1 = accumulate(a1, textureLoad(v_texture, texel(key, c.y, kv_fold)), p);
                a2 = accumulate(a2, textureLoad(v_texture, texel(key, c.z, kv_fold)), p);
                a3 = accumulate(a3, textureLoad(v_texture, texel(key, c.w, kv_fold)), p);
            }
        }
        workgroupBarrier();
    }
    // Sum the shares of each group of d.
    shares[lid * 4u] = a0;
    shares[lid * 4u + 1u] = a1;
    shares[lid * 4u + 2u] = a2;
    shares[lid * 4u + 3u] = a3;
    workgroupBarrier();
    if (owns && share == 0u) {
        for (var other = 1u; other < shares_count; other++) {
            let at = (other * GROUPS + group) * 4u;
            a0 += shares[at];
            a1 += shares[at + 1u];
            a2 += shares[at + 2u];
            a3 += shares[at + 3u];
        }
    }
    return Reduced(rows, m, l, a0, a1, a2, a3, c0, owns && share == 0u);
}

// Writes the rows' output vec4 `c` (column r of `a`: row r): a / l, or 0
// for a row that saw no key.
fn store(rows: Rows, c: u32, a: mat4x4<f32>, l: vec4<f32>) {
    if (c >= params.d4) {
        return;
    }
    let inverse = select(vec4(0.0), 1.0 / l, l > vec4(0.0));
    if (rows.exists.x) { o[rows.global.x * D4 + c] = vec4<T>(a[0] * inverse.x); }
    if (rows.exists.y) { o[rows.global.y * D4 + c] = vec4<T>(a[1] * inverse.y); }
    if (rows.exists.z) { o[rows.global.z * D4 + c] = vec4<T>(a[2] * inverse.z); }
    if (rows.exists.w) { o[rows.global.w * D4 + c] = vec4<T>(a[3] * inverse.w); }
}

fn decode_body(wid: vec3<u32>, lid: u32) {
    let r = attend(wid, lid, 0u, params.kv_len);
    let rows = r.rows;
    if (r.owns) {
        store(rows, r.c0, r.a0, r.l);
        store(rows, r.c0 + 1u, r.a1, r.l);
        store(rows, r.c0 + 2u, r.a2, r.l);
        store(rows, r.c0 + 3u, r.a3, r.l);
    }
}

// Writes the rows' partial output vec4 `c` (unnormalized) for this split.
fn store_partial(rows: Rows, split: u32, c: u32, a: mat4x4<f32>) {
    if (c >= params.d4) {
        return;
    }
    let at = (rows.global * SPLITS + split) * D4 + c;
    if (rows.exists.x) { partial_o[at.x] = a[0]; }
    if (rows.exists.y) { partial_o[at.y] = a[1]; }
    if (rows.exists.z) { partial_o[at.z] = a[2]; }
    if (rows.exists.w) { partial_o[at.w] = a[3]; }
}

fn decode_partial_body(wid: vec3<u32>, lid: u32) {
    let begin = min(wid.x * params.split_len, params.kv_len);
    let stop = min(begin + params.split_len, params.kv_len);
    let r = attend(wid, lid, begin, stop);
    let rows = r.rows;
    if (r.owns) {
        store_partial(rows, wid.x, r.c0, r.a0);
        store_partial(rows, wid.x, r.c0 + 1u, r.a1);
        store_partial(rows, wid.x, r.c0 + 2u, r.a2);
        store_partial(rows, wid.x, r.c0 + 3u, r.a3);
    }
    if (lid == 0u) {
        let at = rows.global * SPLITS + wid.x;
        if (rows.exists.x) { partial_ml[at.x] = vec2(r.m.x, r.l.x); }
        if (rows.exists.y) { partial_ml[at.y] = vec2(r.m.y, r.l.y); }
        if (rows.exists.z) { partial_ml[at.z] = vec2(r.m.z, r.l.z); }
        if (rows.exists.w) { partial_ml[at.w] = vec2(r.m.w, r.l.w); }
    }
}

@compute @workgroup_size(64)
fn decode_merge(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let index = (wid.y * groups.x + wid.x) * 64u + lid;
    let rows = arrayLength(&o) / D4;
    if (index >= rows * params.d4) {
        return;
    }
    let row = index / params.d4;
    let c = index % params.d4;
    var m = NO_SCORE;
    for (var s = 0u; s < SPLITS; s++) {
        m = max(m, partial_ml[row * SPLITS + s].x);
    }
    var l = 0.0;
    var acc = vec4(0.0);
    for (var s = 0u; s < SPLITS; s++) {
        let ml = partial_ml[row * SPLITS + s];
        let weight = exp2(ml.x - m);
        l += ml.y * weight;
        acc += partial_o[(row * SPLITS + s) * D4 + c] * weight;
    }
    o[row * D4 + c] = vec4<T>(acc * select(0.0, 1.0 / l, l > 0.0));
}

// @tree-reduction
// The sum (or max) over the workgroup, through workgroup memory.

var<workgroup> slots: array<vec4<f32>, DECODE_WORKGROUP>;

fn reduce4(value: vec4<f32>, take_max: bool, lid: u32) -> vec4<f32> {
    slots[lid] = value;
    workgroupBarrier();
    for (var half = DECODE_WORKGROUP / 2u; half > 0u; half /= 2u) {
        if (lid < half) {
            let other = slots[lid + half];
            slots[lid] = select(slots[lid] + other, max(slots[lid], other), take_max);
        }
        workgroupBarrier();
    }
    let total = slots[0];
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(DECODE_WORKGROUP)
fn decode(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    decode_body(wid, lid);
}

@compute @workgroup_size(DECODE_WORKGROUP)
fn decode_partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    decode_partial_body(wid, lid);
}

// @subgroup-reduction
// The sum (or max) over the workgroup: within each subgroup by subgroup
// operations, then across subgroups through one slot each (whatever the
// subgroup size; `subgroup_id` names the slot).

var<workgroup> slots: array<vec4<f32>, DECODE_WORKGROUP>;
var<private> subgroup_slot: u32;
var<private> subgroup_count: u32;
var<private> subgroup_lane: u32;

fn reduce4(value: vec4<f32>, take_max: bool, lid: u32) -> vec4<f32> {
    let part = select(subgroupAdd(value), subgroupMax(value), take_max);
    if (subgroup_lane == 0u) {
        slots[subgroup_slot] = part;
    }
    workgroupBarrier();
    var total = slots[0];
    for (var i = 1u; i < subgroup_count; i++) {
        total = select(total + slots[i], max(total, slots[i]), take_max);
    }
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(DECODE_WORKGROUP)
fn decode(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(subgroup_id) subgroup: u32,
    @builtin(num_subgroups) subgroups: u32,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    subgroup_slot = subgroup;
    subgroup_count = subgroups;
    subgroup_lane = lane;
    decode_body(wid, lid);
}

@compute @workgroup_size(DECODE_WORKGROUP)
fn decode_partial(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(subgroup_id) subgroup: u32,
    @builtin(num_subgroups) subgroups: u32,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    subgroup_slot = subgroup;
    subgroup_count = subgroups;
    subgroup_lane = lane;
    decode_partial_body(wid, lid);
}
