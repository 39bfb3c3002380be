// Memory bandwidth: BabelStream's four kernels over vec4<f32> arrays.
//
//   STREAM_KERNEL 0  copy:  c = a          2 arrays moved
//                 1  scale: c = s·a        2 arrays moved
//                 2  add:   c = a + b      3 arrays moved
//                 3  triad: c = a + s·b    3 arrays moved
//
// The kernel is an `override` constant, folded away when the pipeline is
// built, so copy and scale never touch b. Each kernel writes c only, from
// inputs it never writes, so repeating it leaves the same result the host
// checks.
//
// Entry points, one per place a and b are read from; all write c to a
// storage buffer (a write-only storage texture was slower on lavapipe and
// llvmpipe):
//   from_buffers               a, b: storage buffers.
//   from_textures              a, b: rgba32float textures read with textureLoad.
//   from_storage_textures      a, b: read-only rgba32float storage textures.
//   from_storage_textures_wide the same reads, c written two vec4s per store
//                              (after the int64 marker below).
// In both texture forms vec4 i is texel (i % TEXTURE_WIDTH, i / TEXTURE_WIDTH),
// the last row zero-padded. Software adapters read a texel with one vector
// load where a storage-buffer read is a scalar access per lane; lavapipe
// (Mesa 22.3) reads a storage texture fastest of the three.
//
// A workgroup handles STREAM_WORKGROUP · STREAM_VEC4S_PER_INVOCATION
// consecutive vec4s (or pairs of them, in the wide form), in stretches of
// STREAM_LANES · STREAM_VEC4S_PER_INVOCATION: each team of STREAM_LANES
// neighbouring invocations sweeps one stretch, every access of the team
// covering STREAM_LANES neighbouring vec4s (128 bytes, a whole GPU memory
// transaction). A CPU adapter runs a team as the 8 lanes of one vector and
// runs the teams of a workgroup one after another, so each then reads and
// writes one sequential stream per array instead of STREAM_WORKGROUP / 8
// interleaved ones (lavapipe triad: 8.9 → 10.3 GB/s). Workgroups form a 2D
// grid because one dimension holds at most 65535 of them; every index is
// guarded by `count`.

override STREAM_KERNEL: u32 = 3u;
override STREAM_WORKGROUP: u32 = 256u;
override STREAM_VEC4S_PER_INVOCATION: u32 = 1u;
const TEXTURE_WIDTH: u32 = 4096u;
// Invocations per team (STREAM_WORKGROUP is a multiple of it).
const STREAM_LANES: u32 = 8u;

struct Params {
    scalar: f32,
    count: u32,   // vec4s per array
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> params: Params;
// from_textures' a and b, in place of bindings 0 and 1.
@group(0) @binding(4) var a_texture: texture_2d<f32>;
@group(0) @binding(5) var b_texture: texture_2d<f32>;
// from_storage_textures' a and b.
@group(0) @binding(6) var a_storage: texture_storage_2d<rgba32float, read>;
@group(0) @binding(7) var b_storage: texture_storage_2d<rgba32float, read>;

// Whether the kernel reads b (add and triad).
fn reads_b() -> bool {
    return STREAM_KERNEL >= 2u;
}

// c[i] from a[i] and b[i] (b is zero where the kernel does not read it).
fn combine(a_i: vec4<f32>, b_i: vec4<f32>) -> vec4<f32> {
    switch STREAM_KERNEL {
        case 0u: { return a_i; }
        case 1u: { return params.scalar * a_i; }
        case 2u: { return a_i + b_i; }
        default: { return a_i + params.scalar * b_i; }
    }
}

// Where an invocation sits in the dispatch: every entry point's input.
struct Invocation {
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
}

// The r-th of the `per_invocation` items (vec4s, or pairs of them) this
// invocation handles.
fn element(at: Invocation, per_invocation: u32, r: u32) -> u32 {
    let workgroup = at.group.x + at.group.y * at.groups.x;
    let team = workgroup * (STREAM_WORKGROUP / STREAM_LANES) + at.local.x / STREAM_LANES;
    return (team * per_invocation + r) * STREAM_LANES + at.local.x % STREAM_LANES;
}

// The texel holding vec4 i in the texture forms.
fn texel(i: u32) -> vec2<u32> {
    return vec2<u32>(i % TEXTURE_WIDTH, i / TEXTURE_WIDTH);
}

// c[i] from a and b in storage buffers.
fn result_from_buffers(i: u32) -> vec4<f32> {
    var b_i = vec4<f32>();
    if (reads_b()) {
        b_i = b[i];
    }
    return combine(a[i], b_i);
}

// c[i] from a and b in textures.
fn result_from_textures(i: u32) -> vec4<f32> {
    var b_i = vec4<f32>();
    if (reads_b()) {
        b_i = textureLoad(b_texture, texel(i), 0);
    }
    return combine(textureLoad(a_texture, texel(i), 0), b_i);
}

// c[i] from a and b in storage textures.
fn result_from_storage_textures(i: u32) -> vec4<f32> {
    var b_i = vec4<f32>();
    if (reads_b()) {
        b_i = textureLoad(b_storage, texel(i));
    }
    return combine(textureLoad(a_storage, texel(i)), b_i);
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn from_buffers(at: Invocation) {
    for (var r = 0u; r < STREAM_VEC4S_PER_INVOCATION; r++) {
        let i = element(at, STREAM_VEC4S_PER_INVOCATION, r);
        if (i < params.count) {
            c[i] = result_from_buffers(i);
        }
    }
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn from_textures(at: Invocation) {
    for (var r = 0u; r < STREAM_VEC4S_PER_INVOCATION; r++) {
        let i = element(at, STREAM_VEC4S_PER_INVOCATION, r);
        if (i < params.count) {
            c[i] = result_from_textures(i);
        }
    }
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn from_storage_textures(at: Invocation) {
    for (var r = 0u; r < STREAM_VEC4S_PER_INVOCATION; r++) {
        let i = element(at, STREAM_VEC4S_PER_INVOCATION, r);
        if (i < params.count) {
            c[i] = result_from_storage_textures(i);
        }
    }
}

// @int64-kernels
// Everything below needs SHADER_INT64 and is compiled only for the wide form.
// It writes c as pairs of vec4s, the bits of each pair as one vec4<u64>:
// software adapters store a vector one scalar per lane, so the widest store
// WGSL has moves twice the bytes per scalar access. c is allocated to a whole
// number of pairs; when `count` is odd the last pair's second vec4 is read
// from the textures' zero padding and lands in that spare space.

@group(0) @binding(8) var<storage, read_write> c_pairs: array<vec4<u64>>;

// The bits of two f32 as one u64, `low` in the low half (memory order on a
// little-endian device; verification would catch any other).
fn pack(low: f32, high: f32) -> u64 {
    return u64(bitcast<u32>(low)) | (u64(bitcast<u32>(high)) << 32u);
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn from_storage_textures_wide(at: Invocation) {
    let pairs_per_invocation = STREAM_VEC4S_PER_INVOCATION / 2u;
    for (var r = 0u; r < pairs_per_invocation; r++) {
        let pair = element(at, pairs_per_invocation, r);
        if (pair < (params.count + 1u) / 2u) {
            let first = result_from_storage_textures(2u * pair);
            let second = result_from_storage_textures(2u * pair + 1u);
            c_pairs[pair] = vec4<u64>(
                pack(first.x, first.y),
                pack(first.z, first.w),
                pack(second.x, second.y),
                pack(second.z, second.w),
            );
        }
    }
}
