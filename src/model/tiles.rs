//! Which workgroup tile a shape runs with: the winning variant's, as the
//! calibration measured it for each shape. A shape not measured takes its
//! autotune class's (dimensions rounded up to powers of two, as the tuning
//! cache lends a class's winner to a new shape); a shape of a class never
//! measured is searched afresh by autotune, so the model takes whichever
//! measured tile it predicts fastest (see `FittedForm::tile_of`).

use serde::{Deserialize, Serialize};

/// The tile one measured shape ran with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TileEntry {
    /// Rows of A and C.
    pub m: u64,
    /// Columns of B and C.
    pub n: u64,
    /// The inner dimension.
    pub k: u64,
    /// The winning variant, e.g. `texture_subgroup`.
    pub variant: String,
    /// Rows of C per workgroup.
    pub tile_m: u64,
    /// Columns of C per workgroup.
    pub tile_n: u64,
}

/// The tile `m × n × k` runs with according to `table`: its own, else its
/// class's; None for a shape of a class never measured.
pub fn tile_for(table: &[TileEntry], m: u64, n: u64, k: u64) -> Option<&TileEntry> {
    let class = |a: u64, b: u64, c: u64| [a, b, c].map(u64::next_power_of_two);
    table
        .iter()
        .find(|e| (e.m, e.n, e.k) == (m, n, k))
        .or_else(|| {
            table
                .iter()
                .find(|e| class(e.m, e.n, e.k) == class(m, n, k))
        })
}

/// Each distinct tile of `table` once (the first shape that ran it): the
/// choices autotune has on this chip.
pub fn distinct_tiles(table: &[TileEntry]) -> Vec<&TileEntry> {
    let mut tiles: Vec<&TileEntry> = Vec::new();
    for e in table {
        if !tiles.iter().any(|t| {
            (t.variant.as_str(), t.tile_m, t.tile_n) == (e.variant.as_str(), e.tile_m, e.tile_n)
        }) {
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
            m,
            n,
            k,
            variant: "v".into(),
            tile_m,
            tile_n: 8,
        }
    }

    #[test]
    fn own_then_class_else_none() {
        let table = [
            entry(512, 512, 512, 32),
            entry(300, 300, 300, 16),
            entry(8, 1024, 1024, 8),
        ];
        assert_eq!(tile_for(&table, 300, 300, 300).unwrap().tile_m, 16);
        // 500³ is in 512³'s class.
        assert_eq!(tile_for(&table, 500, 500, 500).unwrap().tile_m, 32);
        assert!(tile_for(&table, 4, 2000, 900).is_none());
        assert_eq!(distinct_tiles(&table).len(), 3);
        assert_eq!(
            distinct_tiles(&[entry(1, 1, 1, 8), entry(2, 2, 2, 8)]).len(),
            1
        );
    }
}
