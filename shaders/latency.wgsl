// Dispatch latency: a kernel that does nothing but exist. One workgroup of one
// invocation; the store never happens (no invocation id is 0xFFFFFFFF) but
// keeps a binding so the pipeline has a layout like any real kernel's.

@group(0) @binding(0) var<storage, read_write> sink: array<u32>;

@compute @workgroup_size(1)
fn empty(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x == 0xFFFFFFFFu) {
        sink[0] = 1u;
    }
}
