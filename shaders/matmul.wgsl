// Matrix multiply C = A·B in f32, row-major.
//
// Every row is stored as whole vec4s: the leading dimensions are padded up to a
// multiple of 4 (A is M × K4, B is K4 × N4, C is M × N4) and the padding of A
// and B is zero, so summing k over K4 adds nothing and no kernel needs a
// scalar tail. Every index below is clamped or guarded against these extents,
// which is what lets the host build these modules without runtime bounds checks.

struct Dims {
    m: u32,       // rows of A and C
    k_vec4: u32,  // K4 / 4: vec4s per row of A
    n_vec4: u32,  // N4 / 4: vec4s per row of B and C
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> dims: Dims;

// ---------------------------------------------------------------------------
// register_tiled: no workgroup memory, no barriers.
// Each invocation owns an 8-row × 8-column block of C (two vec4 columns), held
// in 16 named vec4 accumulators (arrays indexed in loops end up in memory on
// some compilers). All
// invocations of a workgroup share the same 8 rows, so loads of A are uniform
// across the workgroup and neighbouring invocations read neighbouring vec4s of B.
// Dispatch: x = ceil(ceil(N4/8) / RT_WORKGROUP), y = ceil(M / 8).

override RT_WORKGROUP: u32 = 64u;
const RT_ROWS: u32 = 8u;

@compute @workgroup_size(RT_WORKGROUP)
fn matmul_register_tiled(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let row0 = group.y * RT_ROWS;
    let col0 = (group.x * RT_WORKGROUP + local) * 2u;
    if (col0 >= dims.n_vec4) {
        return;
    }
    let col1 = min(col0 + 1u, dims.n_vec4 - 1u);
    let n = dims.n_vec4;
    let last_row = dims.m - 1u;

    // Rows past M are clamped to the last row: computed, never stored.
    let a0 = min(row0 + 0u, last_row) * dims.k_vec4;
    let a1 = min(row0 + 1u, last_row) * dims.k_vec4;
    let a2 = min(row0 + 2u, last_row) * dims.k_vec4;
    let a3 = min(row0 + 3u, last_row) * dims.k_vec4;
    let a4 = min(row0 + 4u, last_row) * dims.k_vec4;
    let a5 = min(row0 + 5u, last_row) * dims.k_vec4;
    let a6 = min(row0 + 6u, last_row) * dims.k_vec4;
    let a7 = min(row0 + 7u, last_row) * dims.k_vec4;

    var c00 = vec4<f32>(0.0);
    var c01 = vec4<f32>(0.0);
    var c10 = vec4<f32>(0.0);
    var c11 = vec4<f32>(0.0);
    var c20 = vec4<f32>(0.0);
    var c21 = vec4<f32>(0.0);
    var c30 = vec4<f32>(0.0);
    var c31 = vec4<f32>(0.0);
    var c40 = vec4<f32>(0.0);
    var c41 = vec4<f32>(0.0);
    var c50 = vec4<f32>(0.0);
    var c51 = vec4<f32>(0.0);
    var c60 = vec4<f32>(0.0);
    var c61 = vec4<f32>(0.0);
    var c70 = vec4<f32>(0.0);
    var c71 = vec4<f32>(0.0);

    for (var kv = 0u; kv < dims.k_vec4; kv++) {
        let k = kv * 4u;
        let b00 = b[k * n + col0];
        let b01 = b[k * n + col1];
        let b10 = b[(k + 1u) * n + col0];
        let b11 = b[(k + 1u) * n + col1];
        let b20 = b[(k + 2u) * n + col0];
        let b21 = b[(k + 2u) * n + col1];
        let b30 = b[(k + 3u) * n + col0];
        let b31 = b[(k + 3u) * n + col1];
        let v0 = a[a0 + kv];
        c00 = fma(vec4(v0.x), b00, fma(vec4(v0.y), b10, fma(vec4(v0.z), b20, fma(vec4(v0.w), b30, c00))));
        c01 = fma(vec4(v0.x), b01, fma(vec4(v0.y), b11, fma(vec4(v0.z), b21, fma(vec4(v0.w), b31, c01))));
        let v1 = a[a1 + kv];
        c10 = fma(vec4(v1.x), b00, fma(vec4(v1.y), b10, fma(vec4(v1.z), b20, fma(vec4(v1.w), b30, c10))));
        c11 = fma(vec4(v1.x), b01, fma(vec4(v1.y), b11, fma(vec4(v1.z), b21, fma(vec4(v1.w), b31, c11))));
        let v2 = a[a2 + kv];
        c20 = fma(vec4(v2.x), b00, fma(vec4(v2.y), b10, fma(vec4(v2.z), b20, fma(vec4(v2.w), b30, c20))));
        c21 = fma(vec4(v2.x), b01, fma(vec4(v2.y), b11, fma(vec4(v2.z), b21, fma(vec4(v2.w), b31, c21))));
        let v3 = a[a3 + kv];
        c30 = fma(vec4(v3.x), b00, fma(vec4(v3.y), b10, fma(vec4(v3.z), b20, fma(vec4(v3.w), b30, c30))));
        c31 = fma(vec4(v3.x), b01, fma(vec4(v3.y), b11, fma(vec4(v3.z), b21, fma(vec4(v3.w), b31, c31))));
        let v4 = a[a4 + kv];
        c40 = fma(vec4(v4.x), b00, fma(vec4(v4.y), b10, fma(vec4(v4.z), b20, fma(vec4(v4.w), b30, c40))));
        c41 = fma(vec4(v4.x), b01, fma(vec4(v4.y), b11, fma(vec4(v4.z), b21, fma(vec4(v4.w), b31, c41))));
        let v5 = a[a5 + kv];
        c50 = fma(vec4(v5.x), b00, fma(vec4(v5.y), b10, fma(vec4(v5.z), b20, fma(vec4(v5.w), b30, c50))));
        c51 = fma(vec4(v5.x), b01, fma(vec4(v5.y), b11, fma(vec4(v5.z), b21, fma(vec4(v5.w), b31, c51))));
        let v6 = a[a6 + kv];
        c60 = fma(vec4(v6.x), b00, fma(vec4(v6.y), b10, fma(vec4(v6.z), b20, fma(vec4(v6.w), b30, c60))));
        c61 = fma(vec4(v6.x), b01, fma(vec4(v6.y), b11, fma(vec4(v6.z), b21, fma(vec4(v6.w), b31, c61))));
        let v7 = a[a7 + kv];
        c70 = fma(vec4(v7.x), b00, fma(vec4(v7.y), b10, fma(vec4(v7.z), b20, fma(vec4(v7.w), b30, c70))));
        c71 = fma(vec4(v7.x), b01, fma(vec4(v7.y), b11, fma(vec4(v7.z), b21, fma(vec4(v7.w), b31, c71))));
    }

    store_pair(row0 + 0u, col0, c00, c01);
    store_pair(row0 + 1u, col0, c10, c11);
    store_pair(row0 + 2u, col0, c20, c21);
    store_pair(row0 + 3u, col0, c30, c31);
    store_pair(row0 + 4u, col0, c40, c41);
    store_pair(row0 + 5u, col0, c50, c51);
    store_pair(row0 + 6u, col0, c60, c61);
    store_pair(row0 + 7u, col0, c70, c71);
}

// Stores two neighbouring vec4s of row `row` of C, skipping what lies outside it.
fn store_pair(row: u32, col: u32, left: vec4<f32>, right: vec4<f32>) {
    if (row < dims.m) {
        c[row * dims.n_vec4 + col] = left;
        if (col + 1u < dims.n_vec4) {
            c[row * dims.n_vec4 + col + 1u] = right;
        }
    }
}

// ---------------------------------------------------------------------------
// workgroup_tiled: a 64 × 64 tile of C per workgroup of 16 × 16 invocations,
// K staged through workgroup memory 16 at a time behind barriers. Each
// invocation owns 4 rows × one vec4 column of the tile (16 outputs).
// Dispatch: x = ceil(N4/4 / 16), y = ceil(M / 64).

const WT_TILE_M: u32 = 64u;
const WT_TILE_N_VEC4: u32 = 16u;
const WT_TILE_K: u32 = 16u;

var<workgroup> tile_a: array<f32, WT_TILE_M * WT_TILE_K>;           // [row][k]
var<workgroup> tile_b: array<vec4<f32>, WT_TILE_K * WT_TILE_N_VEC4>; // [k][vec4 column]

@compute @workgroup_size(16, 16)
fn matmul_workgroup_tiled(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let tile_row0 = group.y * WT_TILE_M;
    let tile_col0 = group.x * WT_TILE_N_VEC4;
    let n = dims.n_vec4;

    // What this invocation stages: one vec4 of A (row local/4, k-vec4 local%4)
    // and one vec4 of B (k-row local/16, column local%16).
    let a_tile_row = local / 4u;
    let a_kv = local % 4u;
    let a_row = min(tile_row0 + a_tile_row, dims.m - 1u);
    let b_tile_k = local / WT_TILE_N_VEC4;
    let b_tile_col = local % WT_TILE_N_VEC4;
    let b_col = min(tile_col0 + b_tile_col, n - 1u);

    var acc: array<vec4<f32>, 4>;
    let k_tiles = (dims.k_vec4 * 4u + WT_TILE_K - 1u) / WT_TILE_K;
    for (var t = 0u; t < k_tiles; t++) {
        let kv = t * (WT_TILE_K / 4u) + a_kv;
        var av = vec4<f32>(0.0);
        if (kv < dims.k_vec4) {
            av = a[a_row * dims.k_vec4 + kv];
        }
        let a_base = a_tile_row * WT_TILE_K + a_kv * 4u;
        tile_a[a_base] = av.x;
        tile_a[a_base + 1u] = av.y;
        tile_a[a_base + 2u] = av.z;
        tile_a[a_base + 3u] = av.w;

        let k = t * WT_TILE_K + b_tile_k;
        var bv = vec4<f32>(0.0);
        if (k < dims.k_vec4 * 4u) {
            bv = b[k * n + b_col];
        }
        tile_b[b_tile_k * WT_TILE_N_VEC4 + b_tile_col] = bv;
        workgroupBarrier();

        for (var kk = 0u; kk < WT_TILE_K; kk++) {
            let bk = tile_b[kk * WT_TILE_N_VEC4 + lid.x];
            for (var r = 0u; r < 4u; r++) {
                acc[r] = fma(vec4(tile_a[(lid.y * 4u + r) * WT_TILE_K + kk]), bk, acc[r]);
            }
        }
        workgroupBarrier();
    }

    let col = tile_col0 + lid.x;
    if (col < n) {
        for (var r = 0u; r < 4u; r++) {
            let row = tile_row0 + lid.y * 4u + r;
            if (row < dims.m) {
                c[row * n + col] = acc[r];
            }
        }
    }
}
