// The template of the register-tiled family's entry points (read matmul.wgsl
// first): the host writes one copy per variant, filling in the words that
// start with a dollar sign, which differ only in how a kernel loads A and B:
//   ENTRY_POINT     the entry point's name;
//   LANE_PARAMETER  the subgroup lane builtin for subgroup kernels, else empty;
//   LANE_ROW        for subgroup kernels the declaration of my_row, the row of
//                   a block this lane loads (t.row0 + lane % 8u), else empty;
//   FIRST_A_ROW     the row of A this invocation loads from for its first
//                   block: t.row0 (it loads all 8 rows of each block itself),
//                   or my_row (it loads one and the subgroup shares them,
//                   matmul_subgroup.wgsl);
//   A_ROWS          a block's 8 rows of A at vec4 kv, from that row: a_rows_buffer,
//                   a_rows_texture, shared_rows_buffer or shared_rows_texture;
//   B_PANEL         B's 8 rows at a vec4 column: b_panel_buffer or b_panel_texture.
// Every invocation runs every load, subgroup broadcasts included: there is no
// early exit.

@compute @workgroup_size(WORKGROUP_SIZE)
fn $ENTRY_POINT(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) local: u32,$LANE_PARAMETER
) {
    select_product(group.z);
    let t = tile_origin(group, local);
    // Columns past N4 are clamped to the last one: computed, never stored.
    let col_left = min(t.col0, dims.n_vec4 - 1u);
    let col_right = min(t.col0 + 1u, dims.n_vec4 - 1u);$LANE_ROW
    var acc0 = zero_block();
    var acc1 = zero_block();
    var acc2 = zero_block();
    var acc3 = zero_block();
    for (var kv = 0u; kv < dims.k_vec4; kv += 2u) {
        let left = $B_PANEL(kv, col_left);
        let right = $B_PANEL(kv, col_right);
        acc0 = fma_block(acc0, $A_ROWS($FIRST_A_ROW, kv), $A_ROWS($FIRST_A_ROW, kv + 1u), left, right);
        if (ROW_BLOCKS > 1u) { acc1 = fma_block(acc1, $A_ROWS($FIRST_A_ROW + 8u, kv), $A_ROWS($FIRST_A_ROW + 8u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 2u) { acc2 = fma_block(acc2, $A_ROWS($FIRST_A_ROW + 16u, kv), $A_ROWS($FIRST_A_ROW + 16u, kv + 1u), left, right); }
        if (ROW_BLOCKS > 3u) { acc3 = fma_block(acc3, $A_ROWS($FIRST_A_ROW + 24u, kv), $A_ROWS($FIRST_A_ROW + 24u, kv + 1u), left, right); }
    }
    store_tile(t, acc0, acc1, acc2, acc3);
}
