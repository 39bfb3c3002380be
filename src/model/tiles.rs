//! Which workgroup tile a shape runs with: the winning variant's, as the
//! calibration measured it for each shape. A shape not measured takes its
//! autotune class's (dimensions rounded up to powers of two, as the tuning
//! cache lends a class's winner to a new shape); a shape of a class never
//! measured is searched afresh by autotune, so the model takes whichever
//! measured tile it predicts fastest (see `FittedForm::tile_of`).

use serde::{Deserialize, Serialize};

use super::Tile;

/// The tile one measured shape ran with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileEntry {
    /// The workload that ran it (`matmul`, `attention_decode_split`, ...).
    pub workload: String,
    /// The shape's dimensions (see `Op::dims`): `[m, n, k]` for matmul,
    /// `[b, hq, hkv, sq, skv, d, causal]` for attention.
    pub dims: Vec<u64>,
    /// The winning variant, e.g. `texture_subgroup`.
    pub variant: String,
    /// Its tile.
    pub tile: Tile,
}

/// The tiles a shape of `dims` may run with according to `table` (only
/// `workload`'s entries, if given), one per workload that measured it: its
/// own, else its class's; none for a shape of a class never measured.
pub fn tile_for<'a>(
    table: &'a [TileEntry],
    workload: Option<&str>,
    dims: &[u64],
) -> Vec<&'a TileEntry> {
    let class = |dims: &[u64]| -> Vec<u64> { dims.iter().map(|d| d.next_power_of_two()).collect() };
    let of_workload = || {
        table
            .iter()
            .filter(move |e| workload.is_none_or(|w| e.workload == w))
    };
    let exact = of_workload().filter(|e| e.dims == dims);
    let classed = of_workload().filter(|e| class(&e.dims) == class(dims));
    let mut found: Vec<&TileEntry> = Vec::new();
    for e in exact.chain(classed) {
        if !found.iter().any(|f| f.workload == e.workload) {
            found.push(e);
        }
    }
    found
}

/// Each distinct tile of `table` (of `workload`'s entries, if given) once,
/// the first shape that ran it: the choices autotune has on this chip.
pub fn distinct_tiles<'a>(table: &'a [TileEntry], workload: Option<&str>) -> Vec<&'a TileEntry> {
    let mut tiles: Vec<&TileEntry> = Vec::new();
    for e in table
        .iter()
        .filter(|e| workload.is_none_or(|w| e.workload == w))
    {
        if !tiles
            .iter()
            .any(|t| (t.variant.as_str(), t.tile) == (e.variant.as_str(), e.tile))
        {
            tiles.push(e);
        }
    }
    tiles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(m: u64, n: u64, k: u64, tile_m: u64) -> TileEntry {
        TileEntry {
            workload: "matmul".into(),
            dims: vec![m, n, k],
            variant: "v".into(),
            tile: Tile::new(tile_m, 8),
        }
    }

    #[test]
    fn own_then_class_else_none() {
        let table = [
            entry(512, 512, 512, 32),
            entry(300, 300, 300, 16),
            entry(8, 1024, 1024, 8),
        ];
        assert_eq!(tile_for(&table, None, &[300, 300, 300])[0].tile.rows, 16);
        // 500³ is in 512³'s class.
        assert_eq!(tile_for(&table, None, &[500, 500, 500])[0].tile.rows, 32);
        assert!(tile_for(&table, None, &[4, 2000, 900]).is_empty());
        // One entry per workload: split decode beside one-pass.
        let split = TileEntry {
            workload: "split".into(),
            ..entry(300, 300, 300, 4)
        };
        let both = [entry(300, 300, 300, 16), split];
        assert_eq!(tile_for(&both, None, &[300, 300, 300]).len(), 2);
        assert_eq!(
            tile_for(&both, Some("split"), &[300, 300, 300])[0]
                .tile
                .rows,
            4
        );
        assert_eq!(distinct_tiles(&table, None).len(), 3);
        assert_eq!(
            distinct_tiles(&[entry(1, 1, 1, 8), entry(2, 2, 2, 8)], None).len(),
            1
        );
    }
}
