// Matrix multiply C = A·B, row-major.
//
// Inputs are of element type T and accumulation (and the output C) of type
// Acc: the host prepends `alias T = ...;` and `alias Acc = ...;` (f32, or f16
// after `enable f16;`), so one source serves f32, f16 accumulating in f16, and
// f16 accumulating in f32.
//
// Every row is stored as whole vec4s: K is padded up to a multiple of 8 (the
// register-tiled kernels take 8 values of k per step) and N up to a multiple
// of 4 (A is M × K8, B is K8 × N4, C is M × N4). The padding of A and B is
// zero, so summing k over K8 adds nothing and no kernel needs a scalar tail.
// Every index below is clamped or guarded against these extents, which is
// what lets the host build these modules without runtime bounds checks.
//
// Buffer kernels read A and B from storage buffers (bindings 0 and 1); texture
// kernels read the same padded matrices from read-only storage textures
// (bindings 4 and 5) whose texels are the vec4s of a row. TEXEL_FORMAT is
// replaced by the host with rgba32float or rgba16float (WGSL has no alias for
// a texel format). On Mesa's llvmpipe and lavapipe, which run 8 invocations as
// the lanes of one AVX2 vector, every storage-buffer (and workgroup-memory)
// load becomes a loop of scalar loads, one per lane and component, whether or
// not the lanes read the same or neighbouring addresses; a texel fetch is one
// vector load per lane for all four components, roughly 10 times cheaper per
// value, and a storage-texture fetch is cheaper than a sampled-texture one.

struct Dims {
    m: u32,       // rows of A and C
    k_vec4: u32,  // K8 / 4: vec4s per row of A (even)
    n_vec4: u32,  // N4 / 4: vec4s per row of B and C
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<T>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<T>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<Acc>>;
@group(0) @binding(3) var<uniform> dims: Dims;
@group(0) @binding(4) var a_texture: texture_storage_2d<TEXEL_FORMAT, read>; // texel (kv, row) = a[row * K8/4 + kv]
@group(0) @binding(5) var b_texture: texture_storage_2d<TEXEL_FORMAT, read>; // texel (cv, k) = b[k * N4/4 + cv]

// ---------------------------------------------------------------------------
// The register-tiled family: register_tiled, texture_tiled, and (below the
// subgroup line) subgroup and texture_subgroup. No workgroup memory, no
// barriers. Each invocation owns 8·ROW_BLOCKS rows × 2 vec4 columns of C, held
// in named vec4s (arrays indexed in loops end up in memory on some compilers).
// The invocations of a workgroup share their rows and take neighbouring column
// pairs. Each iteration of the k loop covers 8 values of k: a Panel of B
// (rows k..k+7) for each of the invocation's two columns and, per block of 8
// rows, two vec4s of each row of A; the variants differ only in where those
// come from. Eight rather than four because CPU adapters blend every value a
// loop carries (the accumulators) with the loop's execution mask once per
// iteration, and reload and store it there: the more k an iteration covers,
// the fewer of those per FMA (lavapipe 1024³: 34 → 36 GFLOP/s).
// Dispatch: x = ceil(ceil(N4/8) / WORKGROUP_SIZE), y = ceil(M / (8·ROW_BLOCKS)).

override WORKGROUP_SIZE: u32 = 64u;
// Blocks of 8 rows per invocation, 1 to 4 (the kernels hold at most 4 blocks):
// more rows reuse each loaded B value more often, at the cost of registers
// (16 vec4 accumulators per block).
override ROW_BLOCKS: u32 = 1u;
// How the 8 steps of k are added into an accumulator: false, as eight chained
// FMAs (fewest instructions: GPUs); true, as a tree of products whose chain
// through the accumulator is one add long (CPU adapters, whose accumulators
// live in memory, otherwise run out of independent work: 20 → 27 GFLOP/s on
// lavapipe).
override SUM_TREE: bool = false;

// One vec4 of A (4 values of k) per row of a block of 8 rows.
struct Rows8 {
    r0: vec4<Acc>,
    r1: vec4<Acc>,
    r2: vec4<Acc>,
    r3: vec4<Acc>,
    r4: vec4<Acc>,
    r5: vec4<Acc>,
    r6: vec4<Acc>,
    r7: vec4<Acc>,
}

// An invocation's two neighbouring vec4s of one row of C.
struct Pair {
    left: vec4<Acc>,
    right: vec4<Acc>,
}

// One block of an invocation's accumulators: 8 rows × its 2 vec4 columns.
// Row by row, so that the code computes each row's two vec4s together while
// that row's values of A are at hand (on lavapipe this order spills fewer of
// them than column by column: 31 → 34 GFLOP/s at 1024³).
struct Block {
    r0: Pair,
    r1: Pair,
    r2: Pair,
    r3: Pair,
    r4: Pair,
    r5: Pair,
    r6: Pair,
    r7: Pair,
}

// Rows k..k+7 of B at one vec4 column.
struct Panel {
    k0: vec4<Acc>,
    k1: vec4<Acc>,
    k2: vec4<Acc>,
    k3: vec4<Acc>,
    k4: vec4<Acc>,
    k5: vec4<Acc>,
    k6: vec4<Acc>,
    k7: vec4<Acc>,
}

// acc + (a row of A at k..k+7, as `low` and `high` vec4s) · (B's 8 rows at one
// vec4 column).
fn fma_column(acc: vec4<Acc>, low: vec4<Acc>, high: vec4<Acc>, p: Panel) -> vec4<Acc> {
    if (SUM_TREE) {
        let k01 = fma(vec4(low.x), p.k0, vec4(low.y) * p.k1);
        let k23 = fma(vec4(low.z), p.k2, vec4(low.w) * p.k3);
        let k45 = fma(vec4(high.x), p.k4, vec4(high.y) * p.k5);
        let k67 = fma(vec4(high.z), p.k6, vec4(high.w) * p.k7);
        return acc + ((k01 + k23) + (k45 + k67));
    }
    let k0123 = fma(vec4(low.x), p.k0, fma(vec4(low.y), p.k1,
                fma(vec4(low.z), p.k2, fma(vec4(low.w), p.k3, acc))));
    return fma(vec4(high.x), p.k4, fma(vec4(high.y), p.k5,
           fma(vec4(high.z), p.k6, fma(vec4(high.w), p.k7, k0123))));
}

fn fma_pair(acc: Pair, low: vec4<Acc>, high: vec4<Acc>, left: Panel, right: Panel) -> Pair {
    return Pair(fma_column(acc.left, low, high, left), fma_column(acc.right, low, high, right));
}

// 8 steps of k for a block: its 8 rows of A (`low`: k..k+3, `high`:
// k+4..k+7) against both column panels.
fn fma_block(acc: Block, low: Rows8, high: Rows8, left: Panel, right: Panel) -> Block {
    return Block(
        fma_pair(acc.r0, low.r0, high.r0, left, right), fma_pair(acc.r1, low.r1, high.r1, left, right),
        fma_pair(acc.r2, low.r2, high.r2, left, right), fma_pair(acc.r3, low.r3, high.r3, left, right),
        fma_pair(acc.r4, low.r4, high.r4, left, right), fma_pair(acc.r5, low.r5, high.r5, left, right),
        fma_pair(acc.r6, low.r6, high.r6, left, right), fma_pair(acc.r7, low.r7, high.r7, left, right),
    );
}

fn zero_block() -> Block {
    let z = Pair(vec4<Acc>(0.0), vec4<Acc>(0.0));
    return Block(z, z, z, z, z, z, z, z);
}

// Row `row` of A, clamped into A: rows past M are computed, never stored.
fn a_row_buffer(row: u32, kv: u32) -> vec4<Acc> {
    return vec4<Acc>(a[min(row, dims.m - 1u) * dims.k_vec4 + kv]);
}

fn a_texel(row: u32, kv: u32) -> vec4<f32> {
    return textureLoad(a_texture, vec2(kv, min(row, dims.m - 1u)));
}

fn a_row_texture(row: u32, kv: u32) -> vec4<Acc> {
    return vec4<Acc>(a_texel(row, kv));
}

// Rows row0..row0+7 of A at vec4 kv.
fn a_rows_buffer(row0: u32, kv: u32) -> Rows8 {
    return Rows8(
        a_row_buffer(row0, kv), a_row_buffer(row0 + 1u, kv),
        a_row_buffer(row0 + 2u, kv), a_row_buffer(row0 + 3u, kv),
        a_row_buffer(row0 + 4u, kv), a_row_buffer(row0 + 5u, kv),
        a_row_buffer(row0 + 6u, kv), a_row_buffer(row0 + 7u, kv),
    );
}

fn a_rows_texture(row0: u32, kv: u32) -> Rows8 {
    return Rows8(
        a_row_texture(row0, kv), a_row_texture(row0 + 1u, kv),
        a_row_texture(row0 + 2u, kv), a_row_texture(row0 + 3u, kv),
        a_row_texture(row0 + 4u, kv), a_row_texture(row0 + 5u, kv),
        a_row_texture(row0 + 6u, kv), a_row_texture(row0 + 7u, kv),
    );
}

// B's rows 4kv..4kv+7 at vec4 column `col` (already clamped into B).
fn b_panel_buffer(kv: u32, col: u32) -> Panel {
    let n = dims.n_vec4;
    let i = kv * 4u * n + col;
    return Panel(
        vec4<Acc>(b[i]), vec4<Acc>(b[i + n]), vec4<Acc>(b[i + 2u * n]), vec4<Acc>(b[i + 3u * n]),
        vec4<Acc>(b[i + 4u * n]), vec4<Acc>(b[i + 5u * n]), vec4<Acc>(b[i + 6u * n]), vec4<Acc>(b[i + 7u * n]),
    );
}

fn b_texel(col: u32, k: u32) -> vec4<Acc> {
    return vec4<Acc>(textureLoad(b_texture, vec2(col, k)));
}

fn b_panel_texture(kv: u32, col: u32) -> Panel {
    let k = kv * 4u;
    return Panel(
        b_texel(col, k), b_texel(col, k + 1u), b_texel(col, k + 2u), b_texel(col, k + 3u),
        b_texel(col, k + 4u), b_texel(col, k + 5u), b_texel(col, k + 6u), b_texel(col, k + 7u),
    );
}

// Where an invocation's tile starts: its first row and first vec4 column.
struct TileOrigin {
    row0: u32,
    col0: u32,
}

fn tile_origin(group: vec3<u32>, local: u32) -> TileOrigin {
    return TileOrigin(group.y * ROW_BLOCKS * 8u, (group.x * WORKGROUP_SIZE + local) * 2u);
}

// Stores the two neighbouring vec4s of row `row` of C at `col`, skipping what
// lies outside C.
fn store_pair(row: u32, col: u32, pair: Pair) {
    if (row < dims.m && col < dims.n_vec4) {
        c[row * dims.n_vec4 + col] = pair.left;
        if (col + 1u < dims.n_vec4) {
            c[row * dims.n_vec4 + col + 1u] = pair.right;
        }
    }
}

fn store_block(acc: Block, row0: u32, col: u32) {
    store_pair(row0, col, acc.r0);
    store_pair(row0 + 1u, col, acc.r1);
    store_pair(row0 + 2u, col, acc.r2);
    store_pair(row0 + 3u, col, acc.r3);
    store_pair(row0 + 4u, col, acc.r4);
    store_pair(row0 + 5u, col, acc.r5);
    store_pair(row0 + 6u, col, acc.r6);
    store_pair(row0 + 7u, col, acc.r7);
}

// Stores the blocks in use (ROW_BLOCKS is a pipeline constant: the ifs fold away).
fn store_tile(t: TileOrigin, acc0: Block, acc1: Block, acc2: Block, acc3: Block) {
    store_block(acc0, t.row0, t.col0);
    if (ROW_BLOCKS > 1u) { store_block(acc1, t.row0 + 8u, t.col0); }
    if (ROW_BLOCKS > 2u) { store_block(acc2, t.row0 + 16u, t.col0); }
    if (ROW_BLOCKS > 3u) { store_block(acc3, t.row0 + 24u, t.col0); }
}

// register_tiled: A and B from storage buffers; each invocation loads its own
// rows of A (the same for the whole workgroup).
@compute @workgroup_size(WORKGROUP_SIZE)
fn matmul_register_tiled(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let t = tile_origin(group, local);
    // Columns past N4 are clamped to the last one: computed, never stored.
    let col_left = min(t.col0, dims.n_vec4 - 1u);
    let col_right = min(t.col0 + 1u, dims.n_vec4 - 1u);
    var acc0 = zero_block();
    var acc1 = zero_block();
    var acc2 = zero_block();
    var acc3 = zero_block();
    for (var kv = 0u; kv < dims.k_vec4; kv += 2u) {
        let left = b_panel_buffer(kv, col_left);
        let right = b_panel_buffer(kv, col_right);
        acc0 = fma_block(acc0, a_rows_buffer(t.row0, kv), a_rows_buffer(t.row0, kv + 1u), left, right);
        if (ROW_BLOCKS > 1u) { acc1 = fma_block(acc1, a_rows_buffer(t.row0 + 8u, kv), a_rows_buffer(t.row0 + 8u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 2u) { acc2 = fma_block(acc2, a_rows_buffer(t.row0 + 16u, kv), a_rows_buffer(t.row0 + 16u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 3u) { acc3 = fma_block(acc3, a_rows_buffer(t.row0 + 24u, kv), a_rows_buffer(t.row0 + 24u, kv + 1u), left, right); }
    }
    store_tile(t, acc0, acc1, acc2, acc3);
}

// texture_tiled: register_tiled reading A and B from textures.
@compute @workgroup_size(WORKGROUP_SIZE)
fn matmul_texture_tiled(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let t = tile_origin(group, local);
    let col_left = min(t.col0, dims.n_vec4 - 1u);
    let col_right = min(t.col0 + 1u, dims.n_vec4 - 1u);
    var acc0 = zero_block();
    var acc1 = zero_block();
    var acc2 = zero_block();
    var acc3 = zero_block();
    for (var kv = 0u; kv < dims.k_vec4; kv += 2u) {
        let left = b_panel_texture(kv, col_left);
        let right = b_panel_texture(kv, col_right);
        acc0 = fma_block(acc0, a_rows_texture(t.row0, kv), a_rows_texture(t.row0, kv + 1u), left, right);
        if (ROW_BLOCKS > 1u) { acc1 = fma_block(acc1, a_rows_texture(t.row0 + 8u, kv), a_rows_texture(t.row0 + 8u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 2u) { acc2 = fma_block(acc2, a_rows_texture(t.row0 + 16u, kv), a_rows_texture(t.row0 + 16u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 3u) { acc3 = fma_block(acc3, a_rows_texture(t.row0 + 24u, kv), a_rows_texture(t.row0 + 24u, kv + 1u), left, right); }
    }
    store_tile(t, acc0, acc1, acc2, acc3);
}

// ---------------------------------------------------------------------------
// workgroup_tiled: the classic GPU kernel. A workgroup of 16 × 16 invocations
// computes a (16·WT_ROWS) × (16·WT_COLS vec4s) tile of C, staging WT_TILE_K
// values of k of A and B through workgroup memory behind barriers. Each
// invocation owns WT_ROWS neighbouring rows × WT_COLS vec4 columns (16
// apart, so the 16 invocations of a row read neighbouring vec4s of B).
// A is staged transposed, k-major, as scalars (invocations that write
// neighbouring components of one vec4 would race: WGSL lets a component
// write touch the whole vector), so an invocation reads its WT_ROWS
// neighbouring rows at one k as whole vec4s' worth of neighbouring floats,
// which the 16 invocations sharing those rows read at once (a broadcast).
// Each k-row is padded by 4 floats, so the transposing writes for
// neighbouring k, tile rows + 4 floats apart, do not all land in one bank.
// Every slot either kernel reads is written (zero outside A or B) before the
// barrier, so the tiles need no zero-initialization; the padding is never
// read.
// Dispatch: x = ceil(N4 / (16·WT_COLS)), y = ceil(M / (16·WT_ROWS)).

// Rows of C per invocation: 4 or 8.
override WT_ROWS: u32 = 4u;
// vec4 columns of C per invocation: 1 or 2.
override WT_COLS: u32 = 1u;
// Values of k staged per step: 8, 16 or 32.
override WT_TILE_K: u32 = 16u;
const WT_SIDE: u32 = 16u; // invocations along each side of the workgroup

override WT_TILE_ROWS: u32 = WT_SIDE * WT_ROWS;
override WT_TILE_COLS: u32 = WT_SIDE * WT_COLS; // in vec4s
// Floats per k-row of the transposed A tile: its rows + 4 of padding.
override WT_A_STRIDE: u32 = WT_TILE_ROWS + 4u;

var<workgroup> wt_a: array<Acc, WT_TILE_K * WT_A_STRIDE>; // [k][row], padded
var<workgroup> wt_b: array<vec4<Acc>, WT_TILE_K * WT_TILE_COLS>; // [k][vec4 column]

// Stages k-values k0..k0+WT_TILE_K of the workgroup's rows of A (transposed)
// and columns of B; `local` (0..255) is this invocation's share of the work.
fn wt_stage(k0: u32, tile_row0: u32, tile_col0: u32, local: u32) {
    let a_vec4s = WT_TILE_ROWS * (WT_TILE_K / 4u);
    for (var i = local; i < a_vec4s; i += WT_SIDE * WT_SIDE) {
        let row = i / (WT_TILE_K / 4u);
        let kq = i % (WT_TILE_K / 4u);
        let kv = k0 / 4u + kq;
        var v = vec4<Acc>(0.0);
        if (tile_row0 + row < dims.m && kv < dims.k_vec4) {
            v = vec4<Acc>(a[(tile_row0 + row) * dims.k_vec4 + kv]);
        }
        for (var c = 0u; c < 4u; c++) {
            wt_a[(kq * 4u + c) * WT_A_STRIDE + row] = v[c];
        }
    }
    let b_vec4s = WT_TILE_K * WT_TILE_COLS;
    for (var i = local; i < b_vec4s; i += WT_SIDE * WT_SIDE) {
        let kk = i / WT_TILE_COLS;
        let col = tile_col0 + i % WT_TILE_COLS;
        var v = vec4<Acc>(0.0);
        if (k0 + kk < dims.k_vec4 * 4u && col < dims.n_vec4) {
            v = vec4<Acc>(b[(k0 + kk) * dims.n_vec4 + col]);
        }
        wt_b[i] = v;
    }
}

@compute @workgroup_size(16, 16)
fn matmul_workgroup_tiled(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let tile_row0 = group.y * WT_TILE_ROWS;
    let tile_col0 = group.x * WT_TILE_COLS;
    // At most 8 rows × 2 columns; loops run to WT_ROWS and WT_COLS, which
    // are constants once the pipeline is built.
    var acc: array<vec4<Acc>, 16>;
    for (var i = 0u; i < 16u; i++) {
        acc[i] = vec4<Acc>(0.0);
    }
    let k8 = dims.k_vec4 * 4u;
    for (var k0 = 0u; k0 < k8; k0 += WT_TILE_K) {
        wt_stage(k0, tile_row0, tile_col0, local);
        workgroupBarrier();
        for (var kk = 0u; kk < WT_TILE_K; kk++) {
            var b_k: array<vec4<Acc>, 2>;
            for (var j = 0u; j < WT_COLS; j++) {
                b_k[j] = wt_b[kk * WT_TILE_COLS + j * WT_SIDE + lid.x];
            }
            for (var q = 0u; q < WT_ROWS / 4u; q++) {
                let at = kk * WT_A_STRIDE + lid.y * WT_ROWS + q * 4u;
                let rows = vec4(wt_a[at], wt_a[at + 1u], wt_a[at + 2u], wt_a[at + 3u]);
                for (var r = 0u; r < 4u; r++) {
                    for (var j = 0u; j < WT_COLS; j++) {
                        let slot = (q * 4u + r) * WT_COLS + j;
                        acc[slot] = fma(vec4(rows[r]), b_k[j], acc[slot]);
                    }
                }
            }
        }
        workgroupBarrier();
    }

    for (var i = 0u; i < WT_ROWS; i++) {
        let row = tile_row0 + lid.y * WT_ROWS + i;
        for (var j = 0u; j < WT_COLS; j++) {
            let col = tile_col0 + j * WT_SIDE + lid.x;
            if (row < dims.m && col < dims.n_vec4) {
                c[row * dims.n_vec4 + col] = acc[i * WT_COLS + j];
            }
        }
    }
}

// @subgroup-kernels
// ---------------------------------------------------------------------------
// Everything below uses subgroup operations. naga validates a module as a
// whole, so the host appends this part only for subgroup variants, which it
// offers only on adapters with SUBGROUP whose subgroups have at least 8
// lanes, in workgroups that are a multiple of the largest subgroup.
//
// subgroup and texture_subgroup: the register-tiled kernels with A shared
// through the subgroup. All invocations of a workgroup, hence of a subgroup,
// share their rows; for each block of 8 rows, lane i of every subgroup loads
// row i % 8 and subgroupBroadcast hands each row to every lane, so a row of A
// costs one load per 8 lanes instead of one per lane. Every invocation runs
// every broadcast: there is no early exit anywhere in these kernels.
// WORKGROUP_SIZE must be a multiple of the subgroup size (no partial subgroups).

// All 8 rows of a block, from the lanes that loaded them (lane i: row i).
// The broadcast moves f32 (f16 subgroup operations are an extra device
// feature); the conversion to Acc comes after.
fn a_rows_broadcast(mine: vec4<f32>) -> Rows8 {
    return Rows8(
        vec4<Acc>(subgroupBroadcast(mine, 0u)), vec4<Acc>(subgroupBroadcast(mine, 1u)),
        vec4<Acc>(subgroupBroadcast(mine, 2u)), vec4<Acc>(subgroupBroadcast(mine, 3u)),
        vec4<Acc>(subgroupBroadcast(mine, 4u)), vec4<Acc>(subgroupBroadcast(mine, 5u)),
        vec4<Acc>(subgroupBroadcast(mine, 6u)), vec4<Acc>(subgroupBroadcast(mine, 7u)),
    );
}

// A block's 8 rows of A at vec4 kv, each loaded by one lane (my_row: this
// lane's row), from a storage buffer or a texture.
fn shared_rows_buffer(my_row: u32, kv: u32) -> Rows8 {
    return a_rows_broadcast(vec4<f32>(a_row_buffer(my_row, kv)));
}

fn shared_rows_texture(my_row: u32, kv: u32) -> Rows8 {
    return a_rows_broadcast(a_texel(my_row, kv));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn matmul_subgroup(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    let t = tile_origin(group, local);
    let col_left = min(t.col0, dims.n_vec4 - 1u);
    let col_right = min(t.col0 + 1u, dims.n_vec4 - 1u);
    let my_row = t.row0 + lane % 8u;
    var acc0 = zero_block();
    var acc1 = zero_block();
    var acc2 = zero_block();
    var acc3 = zero_block();
    for (var kv = 0u; kv < dims.k_vec4; kv += 2u) {
        let left = b_panel_buffer(kv, col_left);
        let right = b_panel_buffer(kv, col_right);
        acc0 = fma_block(acc0, shared_rows_buffer(my_row, kv), shared_rows_buffer(my_row, kv + 1u), left, right);
        if (ROW_BLOCKS > 1u) { acc1 = fma_block(acc1, shared_rows_buffer(my_row + 8u, kv), shared_rows_buffer(my_row + 8u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 2u) { acc2 = fma_block(acc2, shared_rows_buffer(my_row + 16u, kv), shared_rows_buffer(my_row + 16u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 3u) { acc3 = fma_block(acc3, shared_rows_buffer(my_row + 24u, kv), shared_rows_buffer(my_row + 24u, kv + 1u), left, right); }
    }
    store_tile(t, acc0, acc1, acc2, acc3);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn matmul_texture_subgroup(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    let t = tile_origin(group, local);
    let col_left = min(t.col0, dims.n_vec4 - 1u);
    let col_right = min(t.col0 + 1u, dims.n_vec4 - 1u);
    let my_row = t.row0 + lane % 8u;
    var acc0 = zero_block();
    var acc1 = zero_block();
    var acc2 = zero_block();
    var acc3 = zero_block();
    for (var kv = 0u; kv < dims.k_vec4; kv += 2u) {
        let left = b_panel_texture(kv, col_left);
        let right = b_panel_texture(kv, col_right);
        acc0 = fma_block(acc0, shared_rows_texture(my_row, kv), shared_rows_texture(my_row, kv + 1u), left, right);
        if (ROW_BLOCKS > 1u) { acc1 = fma_block(acc1, shared_rows_texture(my_row + 8u, kv), shared_rows_texture(my_row + 8u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 2u) { acc2 = fma_block(acc2, shared_rows_texture(my_row + 16u, kv), shared_rows_texture(my_row + 16u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 3u) { acc3 = fma_block(acc3, shared_rows_texture(my_row + 24u, kv), shared_rows_texture(my_row + 24u, kv + 1u), left, right); }
    }
    store_tile(t, acc0, acc1, acc2, acc3);
}
