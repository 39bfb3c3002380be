//! A made-up chip for the planner's unit tests: round figures, so the
//! formulas can be checked by hand. Real chips come from the catalog
//! (`data/chips.toml`, through `src/model/`), which the planner cannot
//! import; the tests that check real chips live in `tests/`.

use super::cost::{ChipFacts, Cited, Datasheet, Efficiencies};

/// A chip of 1 PFLOP/s BF16 (2 FP8), 80 GB at 2 TB/s, 500 W, 400 GB/s
/// scale-up and 50 GB/s scale-out each way, 8 to a node; efficiencies 0.8
/// (matmul, links), 0.7 (attention), 0.9 (memory); 5 µs and 40 µs per collective.
pub fn test_chip() -> Datasheet {
    let cited = |value| Cited::new(value, "test figure");
    Datasheet {
        facts: ChipFacts {
            id: "test-chip".into(),
            name: "Test Chip".into(),
            bf16_flop_per_s: 1e15,
            fp8_flop_per_s: Some(2e15),
            peak_kind: "datasheet".into(),
            memory_bytes: Some(80e9),
            memory_bytes_per_s: 2e12,
            tdp_w: Some(500.0),
            scale_up_bytes_per_s: Some(400e9),
            scale_out_bytes_per_s: Some(50e9),
            chips_per_node: 8,
            source: "made up for tests".into(),
        },
        efficiencies: Efficiencies {
            matmul: cited(0.8),
            attention: cited(0.7),
            memory: cited(0.9),
            scale_up: cited(0.8),
            scale_out: cited(0.8),
            scale_up_latency_s: cited(5e-6),
            scale_out_latency_s: cited(40e-6),
            training_step: None,
        },
    }
}

/// [`test_chip`] without FP8 units.
pub fn test_chip_without_fp8() -> Datasheet {
    let mut chip = test_chip();
    chip.facts.fp8_flop_per_s = None;
    chip.facts.name = "Test Chip without FP8".into();
    chip
}
