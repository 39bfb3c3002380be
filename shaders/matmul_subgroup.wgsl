// The part of the matmul module that uses subgroup operations (read
// matmul.wgsl first). naga validates a module as a whole, so the host appends
// this file only for subgroup variants, which it offers only on adapters with
// SUBGROUP whose subgroups have at least 8 lanes, in workgroups that are a
// multiple of the largest subgroup.
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
