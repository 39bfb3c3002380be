// Matrix multiply C = A·B on cooperative matrices (tensor cores / simdgroup
// matrices), row-major: A is M × K, B is K × N, C is M × N.
//
// Written against naga's experimental WGSL extension `wgpu_cooperative_matrix`
// (wgpu feature EXPERIMENTAL_COOPERATIVE_MATRIX, naga capability
// COOPERATIVE_MATRIX). It runs only where the adapter exposes cooperative
// matrices, e.g. Vulkan with VK_KHR_cooperative_matrix (NVIDIA) or Metal on
// Apple7+/Mac2+. Even then an entry point runs only if its shape is in
// Adapter::cooperative_matrix_properties() (8x8x8 f32·f32+f32 for
// matmul_coop_f32, 16x16x16 f16·f16+f32 for matmul_coop_f16); wgpu's own
// docs warn that NVIDIA and AMD Vulkan drivers mainly list f16 inputs at
// 16x16, so the host picks by that list. Software adapters (lavapipe,
// llvmpipe) expose none, so
// tests/coop_matrix_shader.rs checks it offline instead: naga parses and
// validates it and emits SPIR-V for each entry point. wgpu validates the whole
// module, so the device also needs SHADER_F16 (the f16 entry point's buffers
// live in this module too), even to use matmul_coop_f32 alone.
//
// Syntax, as naga 30 implements it:
//   coop_mat8x8<T, R> / coop_mat16x16<T, R>: T is f32 or f16, R the role in
//     "A * B + C" (A, B or C).
//   coopLoadT<coop_mat…<T, R>>(&buf[first], stride): row-major load (the
//     plain coopLoad is column-major); stride is in elements between rows.
//   coopStoreT(m, &buf[first], stride): row-major store.
//   coopMultiplyAdd(a, b, c): a·b + c, with a in role A, b in B, c in C.
//   coop_mat…<T, C>(): the zero matrix.
//
// Host contract: M, N and K are padded up to a multiple of the tile size
// (8 for matmul_coop_f32, 16 for matmul_coop_f16) and the padding of A and B
// is zero. No index below is guarded: a whole tile is always in bounds.
// Dims holds the padded sizes; the row strides of A, B and C are k, n and n.
// Dispatch: x = N / TILE, y = M / TILE; one workgroup per tile of C.
//
// A cooperative matrix belongs to a whole subgroup, so a workgroup must be
// exactly one subgroup: WORKGROUP_SIZE defaults to 32 (NVIDIA, Apple) and the
// host overrides it with the adapter's subgroup size where that differs.
// Every cooperative operation sits in uniform control flow: the tile origin
// comes from workgroup_id and the loop bound from the uniform Dims.
//
// naga 30 workaround: its WGSL front end pushes the statement of a coopStore
// without first emitting the expressions computed in its arguments, so a
// runtime stride such as `dims.n` written inline is never evaluated before the
// store and the SPIR-V backend panics ("Expression [N] is not cached!").
// Hence the stride and the first element of the tile of C are bound with `let`
// before the K loop (the loop statement emits them), and coopStoreT only
// receives names.

enable f16;
enable wgpu_cooperative_matrix;

struct Dims {
    m: u32,     // rows of A and C (padded)
    n: u32,     // columns of B and C (padded)
    k: u32,     // columns of A, rows of B (padded)
    _pad: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

// The f16 entry point reads the same bindings as f16. Each entry point uses
// only one of the pairs, so the bindings do not collide within a pipeline.
@group(0) @binding(0) var<storage, read> a_f16: array<f16>;
@group(0) @binding(1) var<storage, read> b_f16: array<f16>;

override WORKGROUP_SIZE: u32 = 32u;

// ---------------------------------------------------------------------------
// f32 inputs, f32 accumulation, 8 × 8 × 8 tiles.

const TILE_F32: u32 = 8u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn matmul_coop_f32(@builtin(workgroup_id) group: vec3<u32>) {
    let row0 = group.y * TILE_F32;
    let col0 = group.x * TILE_F32;
    let k = dims.k;
    let n = dims.n;
    let c_first = row0 * n + col0;

    var acc = coop_mat8x8<f32, C>();
    for (var k0 = 0u; k0 < k; k0 += TILE_F32) {
        // A[row0 .. row0+8, k0 .. k0+8] and B[k0 .. k0+8, col0 .. col0+8].
        let a_tile = coopLoadT<coop_mat8x8<f32, A>>(&a[row0 * k + k0], k);
        let b_tile = coopLoadT<coop_mat8x8<f32, B>>(&b[k0 * n + col0], n);
        acc = coopMultiplyAdd(a_tile, b_tile, acc);
    }
    coopStoreT(acc, &c[c_first], n);
}

// ---------------------------------------------------------------------------
// f16 inputs, f32 accumulation, 16 × 16 × 16 tiles (the shape NVIDIA tensor
// cores expose for f16 × f16 + f32 through VK_KHR_cooperative_matrix). naga 30
// accepts A and B of f16 with an accumulator of f32: coopMultiplyAdd checks
// only the roles of its operands and takes its result type from C.

const TILE_F16: u32 = 16u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn matmul_coop_f16(@builtin(workgroup_id) group: vec3<u32>) {
    let row0 = group.y * TILE_F16;
    let col0 = group.x * TILE_F16;
    let k = dims.k;
    let n = dims.n;
    let c_first = row0 * n + col0;

    var acc = coop_mat16x16<f32, C>();
    for (var k0 = 0u; k0 < k; k0 += TILE_F16) {
        let a_tile = coopLoadT<coop_mat16x16<f16, A>>(&a_f16[row0 * k + k0], k);
        let b_tile = coopLoadT<coop_mat16x16<f16, B>>(&b_f16[k0 * n + col0], n);
        acc = coopMultiplyAdd(a_tile, b_tile, acc);
    }
    coopStoreT(acc, &c[c_first], n);
}
