//! Parallel layouts and their formulas: the pipeline bubble, the bytes each
//! collective sends per chip, and which link a group's traffic crosses.
//!
//! Ranks are ordered tensor, context, expert (inside data), data, pipeline,
//! innermost first (Megatron-LM's order): a group whose ranks span no more
//! than a node talks over the scale-up link, a wider one over scale-out.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::cost::Link;
use super::transformer::Transformer;
use super::PlanError;

/// How N chips split a training job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Layout {
    /// Tensor parallel (with sequence parallelism), within a node.
    pub tp: u64,
    /// Pipeline stages.
    pub pp: u64,
    /// Data-parallel replicas.
    pub dp: u64,
    /// Context parallel: the sequence split across chips.
    pub cp: u64,
    /// Expert parallel: experts spread over this many data-parallel ranks.
    pub ep: u64,
    /// Interleaved virtual stages per pipeline stage.
    pub v: u64,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            tp: 1,
            pp: 1,
            dp: 1,
            cp: 1,
            ep: 1,
            v: 1,
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tp={},pp={},dp={},cp={},ep={},v={}",
            self.tp, self.pp, self.dp, self.cp, self.ep, self.v
        )
    }
}

impl FromStr for Layout {
    type Err = PlanError;

    /// `tp=8,pp=16,dp=64`: keys tp, pp, dp, cp, ep, v; a key left out is 1.
    fn from_str(text: &str) -> Result<Layout, PlanError> {
        let bad = |reason: String| PlanError::Input(format!("--layout '{text}': {reason}"));
        let mut layout = Layout::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("'{part}' is not KEY=VALUE")))?;
            let value: u64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| bad(format!("'{part}': the value must be a whole number ≥ 1")))?;
            let slot = match key.trim() {
                "tp" => &mut layout.tp,
                "pp" => &mut layout.pp,
                "dp" => &mut layout.dp,
                "cp" => &mut layout.cp,
                "ep" => &mut layout.ep,
                "v" => &mut layout.v,
                other => {
                    return Err(bad(format!(
                        "unknown key '{other}' (tp, pp, dp, cp, ep, v)"
                    )))
                }
            };
            *slot = value;
        }
        Ok(layout)
    }
}

impl Layout {
    /// Chips the layout occupies: tp · cp · pp · dp (experts split the data-parallel ranks).
    pub fn chips(&self) -> u64 {
        self.tp * self.cp * self.pp * self.dp
    }

    /// Why this layout cannot run `model` on `chips` chips at sequence
    /// length `seq`, if it cannot.
    pub fn check(&self, model: &Transformer, chips: u64, seq: u64) -> Result<(), PlanError> {
        let fail = |reason: String| {
            Err(PlanError::Layout {
                layout: self.to_string(),
                reason,
            })
        };
        if self.chips() != chips {
            return fail(format!(
                "tp·cp·pp·dp = {} but --chips is {chips}",
                self.chips()
            ));
        }
        if !model.heads.is_multiple_of(self.tp) {
            return fail(format!(
                "tp {} does not divide the {} attention heads",
                self.tp, model.heads
            ));
        }
        let kv = model.kv_heads();
        if !kv.is_multiple_of(self.tp) && !self.tp.is_multiple_of(kv) {
            return fail(format!(
                "tp {} neither divides nor is a multiple of the {kv} key/value heads",
                self.tp
            ));
        }
        // Each chunk holds at least one layer, but the first may hold only the
        // embedding and the last only the output projection and loss, as
        // Llama 3's did (arXiv 2407.21783, §3.3.2).
        if self.pp * self.v > model.layers + 2 {
            return fail(format!(
                "pp·v = {} chunks for {} layers (at most layers + 2: one chunk of the \
                 embedding alone, one of the output alone)",
                self.pp * self.v,
                model.layers
            ));
        }
        if self.v > 1 && self.pp == 1 {
            return fail("interleaving (v > 1) needs pipeline stages (pp > 1)".into());
        }
        if !seq.is_multiple_of(self.cp) || seq / self.cp < 2 {
            return fail(format!(
                "cp {} does not split the sequence of {seq} tokens",
                self.cp
            ));
        }
        if self.ep > 1 && !model.is_moe() {
            return fail(format!("ep {} for a dense model", self.ep));
        }
        if !self.dp.is_multiple_of(self.ep) || !model.experts.is_multiple_of(self.ep) {
            return fail(format!(
                "ep {} must divide dp {} and the {} experts",
                self.ep, self.dp, model.experts
            ));
        }
        Ok(())
    }

    /// Ranks spanned by the tensor-parallel group.
    pub fn tp_span(&self) -> u64 {
        self.tp
    }

    /// Ranks spanned by the context-parallel group.
    pub fn cp_span(&self) -> u64 {
        self.tp * self.cp
    }

    /// Ranks spanned by the expert-parallel group.
    pub fn ep_span(&self) -> u64 {
        self.tp * self.cp * self.ep
    }

    /// Ranks spanned by the data-parallel group.
    pub fn dp_span(&self) -> u64 {
        self.tp * self.cp * self.dp
    }

    /// Ranks spanned by a pipeline (all of them).
    pub fn pp_span(&self) -> u64 {
        self.chips()
    }
}

/// The link a group spanning `span` consecutive ranks talks over.
pub fn link_for(span: u64, chips_per_node: u64) -> Link {
    if span <= chips_per_node {
        Link::ScaleUp
    } else {
        Link::ScaleOut
    }
}

/// Idle micro-batch slots of a 1F1B pipeline per step: (p − 1) / v
/// (Narayanan et al., SC'21: interleaving v chunks per stage divides the bubble by v).
pub fn bubble_slots(pp: u64, v: u64) -> f64 {
    (pp as f64 - 1.0) / v as f64
}

/// The bubble's share of a step with m micro-batches: (p − 1)/(m + p − 1)
/// without interleaving, (p − 1)/(v·m + p − 1) with v chunks.
pub fn bubble_fraction(pp: u64, micro_batches: u64, v: u64) -> f64 {
    let slots = bubble_slots(pp, v);
    slots / (micro_batches as f64 + slots)
}

/// Bytes each chip sends in a ring all-reduce of `bytes` over `n` chips: 2·(n − 1)/n · bytes.
pub fn ring_all_reduce_bytes(n: u64, bytes: f64) -> f64 {
    2.0 * (n as f64 - 1.0) / n as f64 * bytes
}

/// Bytes each chip sends in a ring all-gather or reduce-scatter whose full
/// tensor is `bytes`: (n − 1)/n · bytes.
pub fn all_gather_bytes(n: u64, bytes: f64) -> f64 {
    (n as f64 - 1.0) / n as f64 * bytes
}

/// Bytes each chip sends in an all-to-all of the `bytes` it holds: all but its own share.
pub fn all_to_all_bytes(n: u64, bytes: f64) -> f64 {
    (n as f64 - 1.0) / n as f64 * bytes
}

/// Seconds left exposed of `comm_s` of collectives, each split into
/// `chunks` pieces pipelined with the matmul it feeds or drains, the
/// matmuls together taking `window_s`: one piece has nothing to hide
/// behind (the first an all-gather must deliver, the last a reduce-scatter
/// must send), and the rest hide as far as the matmuls last (Transformer
/// Engine's userbuffers overlap; Wang et al., "Overlap Communication with
/// Dependent Computation via Decomposition", ASPLOS 2023).
pub fn pipelined_exposed_s(comm_s: f64, window_s: f64, chunks: u64) -> f64 {
    let piece = comm_s / chunks as f64;
    piece + (comm_s - piece - window_s).max(0.0)
}

/// How many micro-batches' activations pipeline stage `stage` (0 first)
/// holds at its peak: p − stage with 1F1B (at most m), times
/// 1 + (p − 1)/(p·v) when interleaved (Korthikanti et al. 2022, §4.2.3).
pub fn in_flight(pp: u64, stage: u64, micro_batches: u64, v: u64) -> f64 {
    let p = pp as f64;
    let interleave = if v > 1 {
        1.0 + (p - 1.0) / (p * v as f64)
    } else {
        1.0
    };
    ((p - stage as f64) * interleave).min(micro_batches as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::transformer::resolve;

    #[test]
    fn the_bubble_matches_hand_worked_schedules() {
        // 4 stages, 8 micro-batches, 1F1B: 3 idle slots of 11 = 27.3%.
        assert!((bubble_fraction(4, 8, 1) - 3.0 / 11.0).abs() < 1e-12);
        // Interleaved with 2 chunks: 1.5 slots of 9.5.
        assert!((bubble_fraction(4, 8, 2) - 1.5 / 9.5).abs() < 1e-12);
        assert_eq!(bubble_fraction(1, 8, 1), 0.0);
        assert_eq!(bubble_slots(16, 4), 3.75);
    }

    #[test]
    fn collectives_send_the_textbook_bytes() {
        // 4 chips all-reducing 100 bytes: each sends 2·3/4·100 = 150.
        assert_eq!(ring_all_reduce_bytes(4, 100.0), 150.0);
        assert_eq!(ring_all_reduce_bytes(1, 100.0), 0.0);
        // All-gather of a 100-byte tensor over 4: each sends its 25 bytes to 3 peers.
        assert_eq!(all_gather_bytes(4, 100.0), 75.0);
        // An all-reduce is a reduce-scatter then an all-gather.
        assert_eq!(
            ring_all_reduce_bytes(8, 64.0),
            2.0 * all_gather_bytes(8, 64.0)
        );
        assert_eq!(all_to_all_bytes(8, 80.0), 70.0);
    }

    #[test]
    fn a_pipelined_collective_exposes_one_piece_or_what_outlasts_the_matmul() {
        // 8 ms in 8 pieces beside a 20 ms matmul: 1 ms exposed.
        assert_eq!(pipelined_exposed_s(8.0, 20.0, 8), 1.0);
        // Beside a 3 ms matmul: 1 ms, plus the 4 ms of the other 7 that outlast it.
        assert_eq!(pipelined_exposed_s(8.0, 3.0, 8), 5.0);
        // One piece: nothing overlaps.
        assert_eq!(pipelined_exposed_s(8.0, 20.0, 1), 8.0);
    }

    #[test]
    fn in_flight_micro_batches_follow_korthikanti() {
        assert_eq!(in_flight(16, 0, 32, 1), 16.0);
        assert_eq!(in_flight(16, 0, 8, 1), 8.0);
        assert_eq!(in_flight(16, 15, 32, 1), 1.0);
        assert!((in_flight(4, 0, 64, 2) - 4.0 * (1.0 + 3.0 / 8.0)).abs() < 1e-12);
    }

    #[test]
    fn layouts_parse_and_say_what_is_wrong() {
        let layout: Layout = "tp=8,pp=16,dp=64".parse().unwrap();
        assert_eq!(layout.chips(), 8192);
        assert_eq!(layout.to_string(), "tp=8,pp=16,dp=64,cp=1,ep=1,v=1");
        assert!("tp=0".parse::<Layout>().is_err());
        assert!("tp=8,xp=2"
            .parse::<Layout>()
            .unwrap_err()
            .to_string()
            .contains("xp"));
        let llama = resolve("llama3-405b").unwrap();
        let error = layout.check(&llama, 4096, 8192).unwrap_err().to_string();
        assert!(
            error.contains("tp·cp·pp·dp = 8192 but --chips is 4096"),
            "{error}"
        );
        assert!(layout.check(&llama, 8192, 8192).is_ok());
        let odd: Layout = "tp=3,dp=2".parse().unwrap();
        assert!(odd.check(&llama, 6, 8192).is_err());
    }

    #[test]
    fn groups_within_a_node_use_the_scale_up_link() {
        let layout: Layout = "tp=8,cp=2,pp=4,dp=2".parse().unwrap();
        assert_eq!(link_for(layout.tp_span(), 8), Link::ScaleUp);
        assert_eq!(link_for(layout.cp_span(), 8), Link::ScaleOut);
    }
}
