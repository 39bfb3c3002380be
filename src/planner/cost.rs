//! Where the planner gets the time of one operation on one chip, and where
//! each figure came from.
//!
//! [`OpCost`] is the seam: the planner asks it for matmuls, attention,
//! bandwidth-bound operations and link transfers at their real shapes and
//! never looks at how the answer was made. [`Datasheet`] answers from a
//! chip's datasheet figures times efficiencies it cites; `src/model/`
//! builds one from each catalog chip, and implements the trait for a
//! calibrated `ChipProfile` with its fitted per-op-class models (saying
//! [`Source::Measured`]). The planner itself holds no chip figures.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::PlanError;
use crate::units::with_prefix;

/// Numeric precision of a plan's matrix multiplications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// BF16 inputs, FP32 accumulation.
    Bf16,
    /// FP8 inputs (E4M3/E5M2) on chips with FP8 tensor cores.
    Fp8,
    /// 4-bit weights dequantized to BF16 inside the kernel (inference only).
    Int4,
}

impl Precision {
    /// Bytes per weight element read by a matmul.
    pub fn weight_bytes(self) -> f64 {
        match self {
            Precision::Bf16 => 2.0,
            Precision::Fp8 => 1.0,
            Precision::Int4 => 0.5,
        }
    }

    /// Bytes per activation element read by a matmul.
    pub fn activation_bytes(self) -> f64 {
        match self {
            Precision::Fp8 => 1.0,
            Precision::Bf16 | Precision::Int4 => 2.0,
        }
    }

    /// The tensor-core rate a matmul in this precision runs at: weight-only
    /// INT4 multiplies in BF16.
    pub fn compute(self) -> Precision {
        match self {
            Precision::Int4 => Precision::Bf16,
            other => other,
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::Bf16 => "BF16",
            Precision::Fp8 => "FP8",
            Precision::Int4 => "INT4 weights",
        })
    }
}

/// A chip's link to its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// Within a node (NVLink, Infinity Fabric, ICI).
    ScaleUp,
    /// Between nodes (InfiniBand, RoCE), per chip.
    ScaleOut,
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Link::ScaleUp => "scale-up",
            Link::ScaleOut => "scale-out",
        })
    }
}

/// A figure and where it was published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cited {
    /// The figure (a fraction for an efficiency, seconds for a latency).
    pub value: f64,
    /// Where it comes from, specific enough to look up.
    pub source: String,
}

impl Cited {
    /// A figure with its source.
    pub fn new(value: f64, source: &str) -> Cited {
        Cited {
            value,
            source: source.to_string(),
        }
    }
}

/// What a chip is: the roofs the planner divides by and the figures MFU,
/// memory fit, energy and links are judged against. A figure the source
/// does not give is None, and what needs it says so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChipFacts {
    /// Short id, e.g. `h100-sxm`, or the profile file.
    pub id: String,
    /// Full name, e.g. `NVIDIA H100 SXM5 80GB`.
    pub name: String,
    /// Peak FLOP/s of a BF16 matmul (dense tensor cores; for a calibrated
    /// profile, the measured peak of the precision standing in for BF16).
    pub bf16_flop_per_s: f64,
    /// Dense FP8 tensor-core peak, FLOP/s; None where the chip has no FP8 units.
    pub fp8_flop_per_s: Option<f64>,
    /// What the peaks are: `datasheet`, or which probe measured them.
    pub peak_kind: String,
    /// Memory capacity per chip, bytes.
    pub memory_bytes: Option<f64>,
    /// Memory bandwidth per chip, bytes/s.
    pub memory_bytes_per_s: f64,
    /// Board power, watts.
    pub tdp_w: Option<f64>,
    /// Scale-up bandwidth per chip, one direction, bytes/s.
    pub scale_up_bytes_per_s: Option<f64>,
    /// Scale-out bandwidth per chip, one direction, bytes/s.
    pub scale_out_bytes_per_s: Option<f64>,
    /// Chips sharing one scale-up domain (a node).
    pub chips_per_node: u64,
    /// Where these figures come from.
    pub source: String,
}

impl ChipFacts {
    /// The datasheet peak a matmul of `precision` runs against, and the
    /// precision actually used when the chip lacks it (FP8 on a chip without
    /// FP8 units runs at the BF16 rate).
    pub fn peak_flop_per_s(&self, precision: Precision) -> (f64, Precision) {
        match precision.compute() {
            Precision::Fp8 => match self.fp8_flop_per_s {
                Some(peak) => (peak, Precision::Fp8),
                None => (self.bf16_flop_per_s, Precision::Bf16),
            },
            _ => (self.bf16_flop_per_s, Precision::Bf16),
        }
    }

    /// Bandwidth of `link` per chip, one direction, bytes/s, if known.
    pub fn link_bytes_per_s(&self, link: Link) -> Option<f64> {
        match link {
            Link::ScaleUp => self.scale_up_bytes_per_s,
            Link::ScaleOut => self.scale_out_bytes_per_s,
        }
    }

    /// The bandwidth of `link`, or why a plan whose `group` talks over it
    /// cannot be timed.
    pub fn require_link(&self, link: Link, group: &str) -> Result<f64, PlanError> {
        self.link_bytes_per_s(link).ok_or_else(|| {
            PlanError::Input(format!(
                "{} has no {link} bandwidth figure ({}), which the {group} traffic needs; \
                 plan fewer chips or another chip",
                self.name, self.source
            ))
        })
    }
}

/// Where a time came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// A datasheet figure times an efficiency, each with where it comes from.
    Datasheet {
        /// The roof, e.g. `989 TFLOP/s BF16`.
        figure: String,
        /// The fraction of the roof assumed reached.
        efficiency: f64,
        /// Where that fraction was published.
        efficiency_source: String,
    },
    /// A fitted model of measured times (a calibrated `ChipProfile`).
    Measured {
        /// The profile the figure came from.
        profile: String,
        /// The op class whose model answered, e.g. `matmul_f16`.
        op_class: String,
        /// That model's median absolute error on shapes held out of its fit
        /// (None where the profile scored none).
        held_out_error: Option<f64>,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Datasheet {
                figure,
                efficiency,
                efficiency_source,
            } => write!(
                f,
                "datasheet {figure} × {efficiency:.2} ({efficiency_source})"
            ),
            Source::Measured {
                profile,
                op_class,
                held_out_error,
            } => match held_out_error {
                Some(error) => write!(
                    f,
                    "measured: {op_class} model of {profile} (held-out error {:.1}%)",
                    error * 100.0
                ),
                None => write!(f, "measured: {op_class} model of {profile} (not scored)"),
            },
        }
    }
}

/// The time of one operation, where it came from, and what stood in for
/// what was asked where the chip could not answer it as asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timed {
    /// Seconds.
    pub seconds: f64,
    /// Where the figure came from.
    pub source: Source,
    /// What a reader must know about the figure, each a sentence starting
    /// with what kind of note it is: `substituted: ` (FP8 timed at the BF16
    /// rate, BF16 by an f32 fit) or `extrapolated: ` (a shape outside what
    /// a profile was fitted on).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Timed {
    /// `seconds` from `source`, with nothing to note.
    pub fn plain(seconds: f64, source: Source) -> Timed {
        Timed {
            seconds,
            source,
            notes: Vec::new(),
        }
    }

    /// This time inside a training step that sustains `share` of the op's
    /// rate ([`OpCost::training_step`]): slower by 1/share, its source
    /// saying so. Unchanged where `share` is None.
    pub fn in_training_step(self, share: Option<&Cited>) -> Timed {
        let Some(share) = share else {
            return self;
        };
        let source = match self.source {
            Source::Datasheet {
                figure,
                efficiency,
                efficiency_source,
            } => Source::Datasheet {
                figure,
                efficiency: efficiency * share.value,
                efficiency_source: format!(
                    "{efficiency_source}; × {:.3} sustained in a training step: {}",
                    share.value, share.source
                ),
            },
            measured => measured,
        };
        Timed {
            seconds: self.seconds / share.value,
            source,
            notes: self.notes,
        }
    }
}

/// Seconds by item and source, so every figure in a plan says where it came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ledger {
    seconds: BTreeMap<(String, String), f64>,
    notes: Vec<String>,
}

/// Seconds of one item, from one source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeShare {
    /// The operation or collective.
    pub item: String,
    /// Seconds.
    pub seconds: f64,
    /// Where the figure came from.
    pub source: String,
}

impl Ledger {
    /// Adds `times` × `timed` under `item`; returns the seconds added.
    pub fn add(&mut self, item: &str, timed: &Timed, times: f64) -> f64 {
        let seconds = timed.seconds * times;
        *self
            .seconds
            .entry((item.to_string(), timed.source.to_string()))
            .or_default() += seconds;
        self.note(timed.notes.iter());
        seconds
    }

    /// Adds `other` × `times`.
    pub fn merge(&mut self, other: &Ledger, times: f64) {
        for (key, seconds) in &other.seconds {
            *self.seconds.entry(key.clone()).or_default() += seconds * times;
        }
        self.note(other.notes.iter());
    }

    fn note<'a>(&mut self, notes: impl Iterator<Item = &'a String>) {
        for note in notes {
            if !self.notes.contains(note) {
                self.notes.push(note.clone());
            }
        }
    }

    /// All seconds.
    pub fn total(&self) -> f64 {
        self.seconds.values().sum()
    }

    /// What a reader must know about the figures (see [`Timed::notes`]), each once.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// One share per item and source, largest first.
    pub fn shares(&self) -> Vec<TimeShare> {
        let mut shares: Vec<TimeShare> = self
            .seconds
            .iter()
            .map(|((item, source), seconds)| TimeShare {
                item: item.clone(),
                seconds: *seconds,
                source: source.clone(),
            })
            .collect();
        shares.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
        shares
    }
}

/// A matrix multiplication C (m×n) = A (m×k) · B (k×n); B holds the weights.
/// Dimensions are f64 because per-chip shares (tokens per expert) need not be whole.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MatmulShape {
    /// Rows of A and C (tokens).
    pub m: f64,
    /// Columns of B and C (output features).
    pub n: f64,
    /// The reduction dimension (input features).
    pub k: f64,
}

impl MatmulShape {
    /// 2·m·n·k.
    pub fn flop(&self) -> f64 {
        2.0 * self.m * self.n * self.k
    }

    /// Bytes read and written: A and B once in `precision`, C once in BF16.
    pub fn bytes(&self, precision: Precision) -> f64 {
        self.m * self.k * precision.activation_bytes()
            + self.k * self.n * precision.weight_bytes()
            + self.m * self.n * 2.0
    }
}

/// Fused attention (FlashAttention-style: scores never written to memory)
/// over `sequences` × `q_heads`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AttentionShape {
    /// Sequences in the batch.
    pub sequences: f64,
    /// Query heads on this chip.
    pub q_heads: f64,
    /// Key/value heads on this chip (fewer with grouped-query attention).
    pub kv_heads: f64,
    /// Dimension of one head.
    pub head_dim: f64,
    /// Queries per sequence on this chip.
    pub q_len: f64,
    /// Keys per sequence.
    pub kv_len: f64,
    /// Unmasked query-key pairs per sequence and head on this chip.
    pub pairs: f64,
    /// Bytes per element of K and V (BF16 2, an FP8 cache 1).
    pub kv_bytes: f64,
}

/// Forward or backward pass of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The forward pass.
    Forward,
    /// The backward pass (input and weight gradients).
    Backward,
}

/// FLOPs of fused attention's backward pass per forward FLOP: five
/// matmuls of the forward's two sizes, with the scores recomputed
/// (FlashAttention-2, Dao 2023, §3.2 counts backward as 2.5× forward).
pub const ATTENTION_BACKWARD_FLOP_RATIO: f64 = 2.5;

impl AttentionShape {
    /// 4 · sequences · heads · head_dim · pairs (two matmuls of 2 FLOPs a pair), or 2.5× that backward.
    pub fn flop(&self, pass: Pass) -> f64 {
        let forward = 4.0 * self.sequences * self.q_heads * self.head_dim * self.pairs;
        match pass {
            Pass::Forward => forward,
            Pass::Backward => ATTENTION_BACKWARD_FLOP_RATIO * forward,
        }
    }

    /// Bytes moved: forward reads Q, K, V and writes O; backward reads Q, K,
    /// V, O and dO and writes dQ, dK and dV (twice the forward's traffic).
    pub fn bytes(&self, pass: Pass) -> f64 {
        let q_and_o = 2.0 * self.sequences * self.q_heads * self.q_len * self.head_dim * 2.0;
        let k_and_v =
            2.0 * self.sequences * self.kv_heads * self.kv_len * self.head_dim * self.kv_bytes;
        match pass {
            Pass::Forward => q_and_o + k_and_v,
            Pass::Backward => 2.0 * (q_and_o + k_and_v),
        }
    }
}

/// Where the planner gets the time of one operation on one chip, and says
/// where the figure came from.
///
/// Implemented by [`Datasheet`] (a catalog chip, built in `src/model/`) and
/// by a calibrated `ChipProfile` (its measured per-op-class models, in
/// `src/model/`). A profile calibrated at a precision other than the one
/// asked (f32 on a backend without tensor cores, asked for BF16) must say so
/// in [`Timed::notes`], never answer silently.
pub trait OpCost {
    /// The chip's figures (peaks for MFU, capacity, TDP, links).
    fn chip(&self) -> &ChipFacts;
    /// One matrix multiplication at `precision`.
    fn matmul(&self, shape: &MatmulShape, precision: Precision) -> Timed;
    /// One fused attention pass (BF16 arithmetic; K/V bytes as the shape says).
    fn attention(&self, shape: &AttentionShape, pass: Pass) -> Timed;
    /// An elementwise or reduction operation of `kind` bound by memory,
    /// moving `bytes`.
    fn memory_bound(&self, kind: MemoryKind, bytes: f64) -> Timed;
    /// One collective step: each chip sends `bytes` over `link` (latency
    /// included). Plans check [`ChipFacts::require_link`] before asking.
    fn transfer(&self, link: Link, bytes: f64) -> Timed;
    /// The share of the rates above that a whole training step sustains
    /// on this chip (clocks under sustained power, gaps between kernels,
    /// stragglers), which a training plan divides its per-op times by;
    /// None where nothing measures it, and the ops run at their rates.
    fn training_step(&self) -> Option<&Cited> {
        None
    }
}

/// What a bandwidth-bound operation is. A calibrated profile that measured
/// a transformer's small kernels one by one times each kind with its own
/// (a LayerNorm's reductions run well below a copy's bandwidth on some
/// chips); a datasheet times every kind by its bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MemoryKind {
    /// A LayerNorm or RMSNorm over rows of `width` elements: each row
    /// reduced, then scaled.
    Norm {
        /// Elements per row (d_model).
        width: f64,
    },
    /// The MLP's activation: GELU, or a gated MLP's product.
    Activation,
    /// A residual add.
    Residual,
    /// Anything else: rotary embedding, the embedding lookup, the loss, KV
    /// cache writes, the optimizer's update.
    Other,
}

/// The efficiencies a [`Datasheet`] multiplies the roofs by, each cited.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Efficiencies {
    /// Fraction of the tensor-core peak a large matmul reaches.
    pub matmul: Cited,
    /// Fraction of the BF16 peak fused attention reaches.
    pub attention: Cited,
    /// Fraction of the memory bandwidth a large streaming operation reaches.
    pub memory: Cited,
    /// Fraction of the scale-up line rate a collective reaches.
    pub scale_up: Cited,
    /// Fraction of the scale-out line rate a collective reaches.
    pub scale_out: Cited,
    /// Fixed time of one collective over the scale-up link, seconds.
    pub scale_up_latency_s: Cited,
    /// Fixed time of one collective over the scale-out link, seconds.
    pub scale_out_latency_s: Cited,
    /// Share of the rates above that a whole training step sustains
    /// ([`OpCost::training_step`]); None where nothing measures it.
    pub training_step: Option<Cited>,
}

/// Times from datasheet roofs times cited efficiencies: a roofline,
/// max(FLOPs / (peak × e), bytes / (bandwidth × e_mem)), with no fitted
/// shape effects (tile and wave quantization, short-K ramps): figures for
/// large, well-shaped operations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Datasheet {
    /// The chip.
    pub facts: ChipFacts,
    /// The efficiencies applied to its roofs.
    pub efficiencies: Efficiencies,
}

/// `989 TFLOP/s`, `3.35 TB/s`, `439 TFLOP/s`: a rate to three significant
/// figures with an SI prefix.
pub fn format_rate(value: f64, unit: &str) -> String {
    let prefixes = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M")];
    format!("{}{unit}", with_prefix(value, &prefixes))
}

impl Datasheet {
    fn source(&self, figure: String, efficiency: &Cited) -> Source {
        Source::Datasheet {
            figure,
            efficiency: efficiency.value,
            efficiency_source: efficiency.source.clone(),
        }
    }

    /// The slower of a compute term and a memory term, with the binding one's source.
    fn roofline(&self, compute_s: f64, compute: Source, bytes: f64) -> Timed {
        let memory_s = bytes / (self.facts.memory_bytes_per_s * self.efficiencies.memory.value);
        let (seconds, source) = if compute_s >= memory_s {
            (compute_s, compute)
        } else {
            (memory_s, self.memory_source())
        };
        Timed::plain(seconds, source)
    }

    fn memory_source(&self) -> Source {
        self.source(
            format_rate(self.facts.memory_bytes_per_s, "B/s"),
            &self.efficiencies.memory,
        )
    }
}

impl OpCost for Datasheet {
    fn chip(&self) -> &ChipFacts {
        &self.facts
    }

    fn matmul(&self, shape: &MatmulShape, precision: Precision) -> Timed {
        let (peak, used) = self.facts.peak_flop_per_s(precision);
        let efficiency = &self.efficiencies.matmul;
        let compute = self.source(
            format!("{} {used}", format_rate(peak, "FLOP/s")),
            efficiency,
        );
        let mut timed = self.roofline(
            shape.flop() / (peak * efficiency.value),
            compute,
            shape.bytes(precision),
        );
        if used != precision.compute() {
            timed.notes.push(format!(
                "substituted: {} has no {} tensor cores: {precision} matmuls timed at the {used} rate",
                self.facts.name,
                precision.compute()
            ));
        }
        timed
    }

    fn attention(&self, shape: &AttentionShape, pass: Pass) -> Timed {
        let peak = self.facts.bf16_flop_per_s;
        let efficiency = &self.efficiencies.attention;
        let compute = self.source(format!("{} BF16", format_rate(peak, "FLOP/s")), efficiency);
        self.roofline(
            shape.flop(pass) / (peak * efficiency.value),
            compute,
            shape.bytes(pass),
        )
    }

    fn memory_bound(&self, _kind: MemoryKind, bytes: f64) -> Timed {
        Timed::plain(
            bytes / (self.facts.memory_bytes_per_s * self.efficiencies.memory.value),
            self.memory_source(),
        )
    }

    fn transfer(&self, link: Link, bytes: f64) -> Timed {
        let (efficiency, latency) = match link {
            Link::ScaleUp => (
                &self.efficiencies.scale_up,
                &self.efficiencies.scale_up_latency_s,
            ),
            Link::ScaleOut => (
                &self.efficiencies.scale_out,
                &self.efficiencies.scale_out_latency_s,
            ),
        };
        // A link without a figure is refused before planning (require_link);
        // were it asked anyway, it would take forever rather than nothing.
        let rate = self.facts.link_bytes_per_s(link).unwrap_or(0.0);
        Timed::plain(
            latency.value + bytes / (rate * efficiency.value),
            Source::Datasheet {
                figure: format!(
                    "{link} {} + {:.0} µs ({})",
                    format_rate(rate, "B/s"),
                    latency.value * 1e6,
                    latency.source
                ),
                efficiency: efficiency.value,
                efficiency_source: efficiency.source.clone(),
            },
        )
    }

    fn training_step(&self) -> Option<&Cited> {
        self.efficiencies.training_step.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::fixture::{test_chip, test_chip_without_fp8};

    #[test]
    fn a_large_matmul_is_compute_bound_at_the_cited_efficiency() {
        let chip = test_chip();
        let shape = MatmulShape {
            m: 8192.0,
            n: 8192.0,
            k: 8192.0,
        };
        let timed = chip.matmul(&shape, Precision::Bf16);
        assert!((timed.seconds - shape.flop() / (1e15 * 0.8)).abs() < 1e-12);
        assert!(timed
            .source
            .to_string()
            .contains("1.00 PFLOP/s BF16 × 0.80"));
        assert!(timed.notes.is_empty());
    }

    #[test]
    fn a_one_token_matmul_is_bound_by_reading_the_weights() {
        let chip = test_chip();
        let shape = MatmulShape {
            m: 1.0,
            n: 8192.0,
            k: 8192.0,
        };
        let timed = chip.matmul(&shape, Precision::Bf16);
        let weights_s = 8192.0 * 8192.0 * 2.0 / (2e12 * 0.9);
        assert!((timed.seconds / weights_s - 1.0).abs() < 1e-3);
        assert!(timed.source.to_string().contains("2.00 TB/s"));
    }

    #[test]
    fn fp8_on_a_chip_without_fp8_says_what_it_substituted() {
        let shape = MatmulShape {
            m: 4096.0,
            n: 4096.0,
            k: 4096.0,
        };
        let fp8 = test_chip_without_fp8().matmul(&shape, Precision::Fp8);
        assert_eq!(
            fp8.notes,
            ["substituted: Test Chip without FP8 has no FP8 tensor cores: FP8 matmuls timed at the BF16 rate"]
        );
        let with_fp8 = test_chip().matmul(&shape, Precision::Fp8);
        assert!(with_fp8.notes.is_empty());
        assert!((fp8.seconds / with_fp8.seconds - 2.0).abs() < 1e-9);
    }

    #[test]
    fn attention_backward_is_two_and_a_half_forwards() {
        let shape = AttentionShape {
            sequences: 1.0,
            q_heads: 8.0,
            kv_heads: 1.0,
            head_dim: 128.0,
            q_len: 4096.0,
            kv_len: 4096.0,
            pairs: 4096.0 * 4097.0 / 2.0,
            kv_bytes: 2.0,
        };
        assert_eq!(shape.flop(Pass::Forward), 4.0 * 8.0 * 128.0 * shape.pairs);
        assert_eq!(shape.flop(Pass::Backward), 2.5 * shape.flop(Pass::Forward));
    }

    #[test]
    fn a_transfer_is_latency_plus_bytes_over_the_effective_link() {
        let chip = test_chip();
        let t = chip.transfer(Link::ScaleOut, 1e9);
        assert!((t.seconds - (40e-6 + 1e9 / (50e9 * 0.8))).abs() < 1e-12);
    }

    #[test]
    fn a_missing_link_is_refused_by_name() {
        let mut chip = test_chip();
        chip.facts.scale_out_bytes_per_s = None;
        let error = chip
            .facts
            .require_link(Link::ScaleOut, "data-parallel")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("Test Chip has no scale-out bandwidth figure"),
            "{error}"
        );
        assert!(chip.transfer(Link::ScaleOut, 1.0).seconds.is_infinite());
    }

    #[test]
    fn rates_are_written_with_a_prefix() {
        assert_eq!(format_rate(989e12, "FLOP/s"), "989 TFLOP/s");
        assert_eq!(format_rate(3.35e12, "B/s"), "3.35 TB/s");
        assert_eq!(format_rate(450e9, "B/s"), "450 GB/s");
        assert_eq!(format_rate(438.697e12, "FLOP/s"), "439 TFLOP/s");
    }
}
