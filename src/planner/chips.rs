//! The chips the planner knows now, in one place: datasheet figures and the
//! efficiencies applied to them, each with its source.
//!
//! The chip catalog (`data/chips.toml`, with the model branch) replaces this
//! table: `--chip` will then take any catalog id, and a calibrated profile
//! will take over from these efficiencies where it has measured the op class.

use super::cost::{ChipFacts, Cited, Datasheet, Efficiencies};
use super::PlanError;

const NVLINK_PROTOCOL: &str = "NCCL reaches 370 of NVLink's 450 GB/s line rate \
     (~20% protocol overhead), NVIDIA/nccl-tests#212";
const NDR_NIC: &str = "NCCL moves 46-48 GB/s per 400 Gb/s NDR NIC, NVIDIA/nccl-tests#290";
const NVLINK_LATENCY: &str = "small all-reduce on H100 over NVLink SHARP, NVIDIA/nccl#1259";
const NETWORK_LATENCY: &str = "small all-reduce across 2 nodes on NDR, NVIDIA/nccl#1244";
const CALCULON_HBM: &str = "large-op HBM efficiency of Calculon's A100 table, SC'23";

/// NVIDIA H100 SXM 80GB (H100 datasheet: 989 TFLOP/s dense BF16, 1,979
/// dense FP8, 80 GB HBM3 at 3.35 TB/s, 700 W; NVLink 4 at 900 GB/s both
/// directions; DGX H100: 8 GPUs, one 400 Gb/s ConnectX-7 per GPU).
fn h100_sxm() -> Datasheet {
    Datasheet {
        facts: ChipFacts {
            id: "h100-sxm".into(),
            name: "NVIDIA H100 SXM 80GB".into(),
            bf16_flop_per_s: 989e12,
            fp8_flop_per_s: Some(1979e12),
            memory_bytes: 80e9,
            memory_bytes_per_s: 3.35e12,
            tdp_w: 700.0,
            scale_up_bytes_per_s: 450e9,
            scale_out_bytes_per_s: 50e9,
            chips_per_node: 8,
            source: "NVIDIA H100 Tensor Core GPU datasheet; DGX H100 (8 GPUs, 400 Gb/s per GPU)"
                .into(),
        },
        efficiencies: Efficiencies {
            matmul: Cited::new(
                792.1 / 989.0,
                "best-shape BF16 GEMM 792.1 of 989 TFLOP/s, stas00/ml-engineering MAMF",
            ),
            attention: Cited::new(
                0.75,
                "FlashAttention-3 forward 740 TFLOP/s on H100, arXiv 2407.08608",
            ),
            memory: Cited::new(0.90, CALCULON_HBM),
            scale_up: Cited::new(370.0 / 450.0, NVLINK_PROTOCOL),
            scale_out: Cited::new(47.0 / 50.0, NDR_NIC),
            scale_up_latency_s: Cited::new(6e-6, NVLINK_LATENCY),
            scale_out_latency_s: Cited::new(46e-6, NETWORK_LATENCY),
        },
    }
}

/// NVIDIA A100 SXM 80GB (A100 datasheet: 312 TFLOP/s dense BF16, no FP8,
/// 80 GB HBM2e at 2.039 TB/s, 400 W; NVLink 3 at 600 GB/s both directions;
/// DGX A100: 8 GPUs, one 200 Gb/s HDR ConnectX-6 per GPU).
fn a100_sxm_80gb() -> Datasheet {
    Datasheet {
        facts: ChipFacts {
            id: "a100-sxm-80gb".into(),
            name: "NVIDIA A100 SXM 80GB".into(),
            bf16_flop_per_s: 312e12,
            fp8_flop_per_s: None,
            memory_bytes: 80e9,
            memory_bytes_per_s: 2.039e12,
            tdp_w: 400.0,
            scale_up_bytes_per_s: 300e9,
            scale_out_bytes_per_s: 25e9,
            chips_per_node: 8,
            source: "NVIDIA A100 Tensor Core GPU datasheet; DGX A100 (8 GPUs, 200 Gb/s per GPU)"
                .into(),
        },
        efficiencies: Efficiencies {
            matmul: Cited::new(
                267.9 / 312.0,
                "best-shape BF16 GEMM 267.9 of 312 TFLOP/s, stas00/ml-engineering MAMF",
            ),
            attention: Cited::new(
                0.73,
                "FlashAttention-2 forward up to 73% of A100 peak, arXiv 2307.08691",
            ),
            memory: Cited::new(0.90, CALCULON_HBM),
            scale_up: Cited::new(
                370.0 / 450.0,
                "H100 NVLink figure assumed for NVLink 3: NCCL reaches 370 of 450 GB/s, \
                 NVIDIA/nccl-tests#212",
            ),
            scale_out: Cited::new(
                47.0 / 50.0,
                "NDR figure assumed for HDR: NCCL moves 46-48 GB/s per 400 Gb/s NIC, \
                 NVIDIA/nccl-tests#290",
            ),
            scale_up_latency_s: Cited::new(6e-6, NVLINK_LATENCY),
            scale_out_latency_s: Cited::new(46e-6, NETWORK_LATENCY),
        },
    }
}

/// Every chip the planner knows, in the order `--chip` lists them.
pub fn all() -> Vec<Datasheet> {
    vec![h100_sxm(), a100_sxm_80gb()]
}

/// The chip with this id, or an error listing the known ones.
pub fn datasheet(id: &str) -> Result<Datasheet, PlanError> {
    let chips = all();
    let valid = chips
        .iter()
        .map(|c| c.facts.id.clone())
        .collect::<Vec<_>>()
        .join(", ");
    chips
        .into_iter()
        .find(|c| c.facts.id.eq_ignore_ascii_case(id))
        .ok_or(PlanError::UnknownChip {
            name: id.to_string(),
            valid,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chip_cites_every_efficiency_and_keeps_them_fractions() {
        for chip in all() {
            let e = &chip.efficiencies;
            for cited in [
                &e.matmul,
                &e.attention,
                &e.memory,
                &e.scale_up,
                &e.scale_out,
            ] {
                assert!(cited.value > 0.0 && cited.value <= 1.0, "{}", chip.facts.id);
                assert!(!cited.source.is_empty());
            }
        }
    }

    #[test]
    fn an_unknown_chip_lists_the_known_ones() {
        let error = datasheet("tpu-v9").unwrap_err().to_string();
        assert!(
            error.contains("h100-sxm") && error.contains("a100-sxm-80gb"),
            "{error}"
        );
        assert_eq!(datasheet("H100-SXM").unwrap().facts.bf16_flop_per_s, 989e12);
    }
}
