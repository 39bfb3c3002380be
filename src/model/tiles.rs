//! Which workgroup tile a shape runs with: the winning variant's, as the
//! calibration measured it for each shape. A shape not measured takes its
//! autotune class's (dimensions rounded up to powers of two, as the tuning
//! cache lends a class's winner to a new shape), else the nearest measured
//! shape's on a log scale.

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

/// The tile `m × n × k` runs with according to `table`: its own, its
/// class's, else the nearest shape's; None for an empty table.
pub fn tile_for(table: &[TileEntry], m: u64, n: u64, k: u64) -> Option<&TileEntry> {
    let class = |a: u64, b: u64, c: u64| {
        [a, b, c].map(u64::next_power_of_two)
    };
    let log_distance = |e: &TileEntry| {
        [(e.m, m), (e.n, n), (e.k, k)]
            .iter()
            .map(|&(a, b)| ((a as f64).ln() - (b as f64).ln()).powi(2))
            .sum::<f64>()
    };
    table
        .iter()
        .find(|e| (e.m, e.n, e.k) == (m, n, k))
        .or_else(|| table.iter().find(|e| class(e.m, e.n, e.k) == class(m, n, k)))
        .or_else(|| table.iter().min_by(|a, b| log_distance(a).total_cmp(&log_distance(b))))
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
    fn own_then_class_then_nearest() {
        let table = [entry(512, 512, 512, 32), entry(300, 300, 300, 16), entry(8, 1024, 1024, 8)];
        assert_eq!(tile_for(&table, 300, 300, 300).unwrap().tile_m, 16);
        // 500³ is in 512³'s class, though nearer 300³... not on a log scale: class wins.
        assert_eq!(tile_for(&table, 500, 500, 500).unwrap().tile_m, 32);
        assert_eq!(tile_for(&table, 4, 2000, 900).unwrap().tile_m, 8);
        assert!(tile_for(&[], 1, 1, 1).is_none());
    }
}
