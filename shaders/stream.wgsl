// Memory bandwidth: BabelStream's four kernels over vec4<f32> arrays.
// One invocation per vec4, guarded by `count`; the grid is 2D because one
// dimension holds at most 65535 workgroups.
//
//   copy:  c = a          2 arrays moved
//   scale: c = s·a        2 arrays moved
//   add:   c = a + b      3 arrays moved
//   triad: c = a + s·b    3 arrays moved
//
// Each kernel writes c only, from inputs it never writes, so repeating it
// leaves the same result the host checks. Every kernel binds all four
// resources (copy and scale name b without reading it), so one layout serves all
// kernels of a variant.
//
// Two variants of each kernel, both writing c to a storage buffer:
//   vec4    (copy, scale, add, triad): a and b are storage buffers.
//   texture (copy_texture, ...): a and b are rgba32float 2D textures, one vec4
//           per texel, vec4 i at texel (i % width, i / width); width is a
//           multiple of STREAM_WORKGROUP and the last row is zero-padded.
//           Software adapters fetch a texel with one vector load where a
//           storage access becomes one scalar access per lane.

override STREAM_WORKGROUP: u32 = 256u;

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
// The texture variant's a and b, in place of bindings 0 and 1.
@group(0) @binding(4) var a_texture: texture_2d<f32>;
@group(0) @binding(5) var b_texture: texture_2d<f32>;

// This invocation's vec4 index in the 2D grid.
fn element(id: vec3<u32>, groups: vec3<u32>) -> u32 {
    return id.x + id.y * groups.x * STREAM_WORKGROUP;
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn copy(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    _ = &b;
    let i = element(id, groups);
    if (i < params.count) {
        c[i] = a[i];
    }
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn scale(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    _ = &b;
    let i = element(id, groups);
    if (i < params.count) {
        c[i] = params.scalar * a[i];
    }
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn add(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = element(id, groups);
    if (i < params.count) {
        c[i] = a[i] + b[i];
    }
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn triad(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = element(id, groups);
    if (i < params.count) {
        c[i] = a[i] + params.scalar * b[i];
    }
}

// The texture variant is dispatched as (width / STREAM_WORKGROUP, rows)
// workgroups, so an invocation's id.xy is its texel, always inside the
// texture, and `element` is its vec4 index y·width + x, guarded by `count`
// (the padding of the last row is never written to c).

@compute @workgroup_size(STREAM_WORKGROUP)
fn copy_texture(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    _ = b_texture;
    let i = element(id, groups);
    if (i < params.count) {
        c[i] = textureLoad(a_texture, id.xy, 0);
    }
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn scale_texture(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    _ = b_texture;
    let i = element(id, groups);
    if (i < params.count) {
        c[i] = params.scalar * textureLoad(a_texture, id.xy, 0);
    }
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn add_texture(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = element(id, groups);
    if (i < params.count) {
        c[i] = textureLoad(a_texture, id.xy, 0) + textureLoad(b_texture, id.xy, 0);
    }
}

@compute @workgroup_size(STREAM_WORKGROUP)
fn triad_texture(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = element(id, groups);
    if (i < params.count) {
        c[i] = textureLoad(a_texture, id.xy, 0) + params.scalar * textureLoad(b_texture, id.xy, 0);
    }
}
