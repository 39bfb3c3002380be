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
// resources (copy and scale name b without reading it), so one layout serves all.

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
