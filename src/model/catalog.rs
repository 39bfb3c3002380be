//! The chip catalog, `data/chips.toml` (compiled in): datasheet figures and
//! published measurements of chips chipbench cannot run on, each with its
//! source, and the datasheet profile each yields so that any chip can be
//! planned for.

use serde::Deserialize;

use super::form::Form;
use super::profile::{
    named_parameters, ChipProfile, CitedPoint, Identity, MissingClass, OpClassProfile,
    ProfileRoofs, Provenance, SourcedRate, PROFILE_VERSION,
};
use super::{ModelError, OpClass};

/// The catalog as compiled into the binary.
const CATALOG_TOML: &str = include_str!("../../data/chips.toml");

/// Every chip of the catalog.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// The chips, in the file's order.
    pub chip: Vec<CatalogChip>,
}

/// A figure and the document or URL it comes from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    /// The figure, in the unit its field names.
    pub value: f64,
    /// Where it comes from.
    pub source: String,
}

/// A datasheet peak for one precision.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcedPeak {
    /// `fp32`, `tf32`, `bf16` (dense BF16/FP16), `fp8`.
    pub precision: String,
    /// Dense FLOP/s (no sparsity).
    pub value: f64,
    /// Where it comes from.
    pub source: String,
}

/// A published measured GEMM throughput.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredGemm {
    /// Precision, as in [`SourcedPeak::precision`].
    pub precision: String,
    /// `MxNxK`, or `best shape` for a search over shapes.
    pub shape: String,
    /// Measured FLOP/s.
    pub flop_per_s: f64,
    /// Where it was published.
    pub source: String,
}

/// One chip of the catalog.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogChip {
    /// Short id, e.g. `h100-sxm`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Vendor.
    pub vendor: String,
    /// Dense peak FLOP/s per precision.
    pub peak_flop_per_s: Vec<SourcedPeak>,
    /// Memory bandwidth, bytes per second.
    pub memory_bytes_per_s: Sourced,
    /// Memory capacity, bytes.
    pub memory_capacity_bytes: Sourced,
    /// Thermal design power (or total board power), watts.
    pub tdp_w: Option<Sourced>,
    /// Scale-up bandwidth per chip (NVLink, Infinity Fabric, ICI, ...), bytes per second.
    pub scale_up_bytes_per_s: Option<Sourced>,
    /// Scale-out bandwidth per chip (network), bytes per second.
    pub scale_out_bytes_per_s: Option<Sourced>,
    /// Published measured GEMM throughput.
    #[serde(default)]
    pub measured_gemm: Vec<MeasuredGemm>,
    /// Chips in one scale-up domain (a node: NVLink/NVSwitch, Infinity
    /// Fabric, an ICI pod), which the planner's groups stay within.
    pub chips_per_node: Option<Sourced>,
    /// Published fused-attention forward throughput (BF16), FLOP/s.
    pub measured_attention_flop_per_s: Option<Sourced>,
    /// Published collective bus bandwidth over the scale-up link, one
    /// direction, bytes per second.
    pub measured_scale_up_bytes_per_s: Option<Sourced>,
    /// Published collective bus bandwidth per chip over the network, one
    /// direction, bytes per second.
    pub measured_scale_out_bytes_per_s: Option<Sourced>,
    /// Published time of a small collective over the scale-up link, seconds.
    pub scale_up_latency_s: Option<Sourced>,
    /// Published time of a small collective over the network, seconds.
    pub scale_out_latency_s: Option<Sourced>,
    /// Share of its per-op rates the chip sustains over a whole training
    /// step, fitted on published training runs (`data/published_runs.toml`).
    pub training_step_efficiency: Option<Sourced>,
}

/// The compiled-in catalog.
pub fn catalog() -> Result<Catalog, ModelError> {
    toml::from_str(CATALOG_TOML).map_err(|e| ModelError::Catalog(format!("data/chips.toml: {e}")))
}

impl Catalog {
    /// The chip `id`, or an error listing the ids there are.
    pub fn chip(&self, id: &str) -> Result<&CatalogChip, ModelError> {
        self.chip.iter().find(|c| c.id == id).ok_or_else(|| {
            let ids: Vec<&str> = self.chip.iter().map(|c| c.id.as_str()).collect();
            ModelError::Catalog(format!(
                "unknown chip id '{id}' (the catalog has: {})",
                ids.join(", ")
            ))
        })
    }
}

/// The catalog precision whose peak a matmul of each op class runs at:
/// f32 matmul at FP32 (no TF32), f16 at dense BF16/FP16.
fn precision_of(class: OpClass) -> Option<&'static str> {
    match class {
        OpClass::MatmulF32 => Some("fp32"),
        OpClass::MatmulF16 => Some("bf16"),
        _ => None,
    }
}

impl CatalogChip {
    /// Datasheet peak FLOP/s of `precision`.
    pub fn peak(&self, precision: &str) -> Option<&SourcedPeak> {
        self.peak_flop_per_s
            .iter()
            .find(|p| p.precision == precision)
    }

    /// The chip as a profile of provenance `datasheet`: matmul as the two
    /// factor form at the datasheet peak, its compute efficiency the best
    /// cited measurement ÷ that peak where one is cited (else 1: the
    /// datasheet taken at its word), memory at the datasheet bandwidth;
    /// stream at the datasheet bandwidth.
    pub fn profile(&self) -> ChipProfile {
        let bandwidth = self.memory_bytes_per_s.value;
        let mut op_classes = Vec::new();
        let mut missing = Vec::new();
        for class in OpClass::ALL {
            let model = match precision_of(class) {
                Some(precision) => self.matmul_model(class, precision, bandwidth),
                None if class == OpClass::Stream => Some(two_factor(
                    class,
                    1.0,
                    bandwidth,
                    1.0,
                    format!("datasheet bandwidth ({})", self.memory_bytes_per_s.source),
                    Vec::new(),
                )),
                None => None,
            };
            match model {
                Some(m) => op_classes.push(m),
                None => missing.push(MissingClass {
                    op_class: class,
                    reason: "the catalog has no figure for it".into(),
                }),
            }
        }
        let sourced = |field: &str, figure: &Option<Sourced>| {
            figure
                .as_ref()
                .map(|f| (field.to_string(), f.source.clone()))
        };
        ChipProfile {
            profile_version: PROFILE_VERSION,
            provenance: Provenance::Datasheet,
            identity: Identity {
                vendor: self.vendor.clone(),
                device: self.name.clone(),
                backend: String::new(),
                driver: String::new(),
                chipbench_version: env!("CARGO_PKG_VERSION").into(),
                catalog_id: Some(self.id.clone()),
            },
            sources: Vec::new(),
            roofs: ProfileRoofs {
                peak_flop_per_s: self
                    .peak_flop_per_s
                    .iter()
                    .map(|p| SourcedRate {
                        precision: p.precision.clone(),
                        flop_per_s: p.value,
                        kind: "datasheet".into(),
                        source: p.source.clone(),
                    })
                    .collect(),
                memory_bytes_per_s: Some(bandwidth),
                bandwidth_by_size: Vec::new(),
                dispatch_overhead_s: None,
                memory_capacity_bytes: Some(self.memory_capacity_bytes.value),
                tdp_w: self.tdp_w.as_ref().map(|f| f.value),
                scale_up_bytes_per_s: self.scale_up_bytes_per_s.as_ref().map(|f| f.value),
                scale_out_bytes_per_s: self.scale_out_bytes_per_s.as_ref().map(|f| f.value),
                sources: [
                    Some((
                        "memory_bytes_per_s".to_string(),
                        self.memory_bytes_per_s.source.clone(),
                    )),
                    Some((
                        "memory_capacity_bytes".to_string(),
                        self.memory_capacity_bytes.source.clone(),
                    )),
                    sourced("tdp_w", &self.tdp_w),
                    sourced("scale_up_bytes_per_s", &self.scale_up_bytes_per_s),
                    sourced("scale_out_bytes_per_s", &self.scale_out_bytes_per_s),
                ]
                .into_iter()
                .flatten()
                .collect(),
            },
            op_classes,
            missing,
            excluded: Vec::new(),
            noise_floor: None,
            pass_noise_floor: None,
        }
    }

    /// The matmul model of `class` at `precision`'s peak, if the catalog has it.
    fn matmul_model(
        &self,
        class: OpClass,
        precision: &str,
        bandwidth: f64,
    ) -> Option<OpClassProfile> {
        let peak = self.peak(precision)?;
        let cited: Vec<CitedPoint> = self
            .measured_gemm
            .iter()
            .filter(|g| g.precision == precision)
            .map(|g| CitedPoint {
                shape: g.shape.clone(),
                flop_per_s: g.flop_per_s,
                source: g.source.clone(),
            })
            .collect();
        let best = cited.iter().map(|c| c.flop_per_s).fold(0.0, f64::max);
        let (efficiency, note) = if best > 0.0 {
            (
                best / peak.value,
                format!(
                    "peak from the datasheet ({}); compute efficiency measured: the best cited GEMM, {:.1} TFLOP/s",
                    peak.source,
                    best / 1e12
                ),
            )
        } else {
            (
                1.0,
                format!(
                    "datasheet only ({}): no measured GEMM cited, efficiency taken as 100%",
                    peak.source
                ),
            )
        };
        Some(two_factor(
            class, peak.value, bandwidth, efficiency, note, cited,
        ))
    }
}

/// A datasheet model: the two-factor form with `compute_efficiency` and
/// memory at 100%.
fn two_factor(
    class: OpClass,
    peak_flop_per_s: f64,
    bytes_per_s: f64,
    compute_efficiency: f64,
    note: String,
    cited: Vec<CitedPoint>,
) -> OpClassProfile {
    let form = Form::TwoFactor;
    OpClassProfile {
        op_class: class,
        form,
        parameters: named_parameters(form, &[compute_efficiency, 1.0]),
        peak_flop_per_s,
        bytes_per_s,
        points: 0,
        shapes: 0,
        range: None,
        quality: Vec::new(),
        interval_ratios: None,
        relative_efficiency: Vec::new(),
        tiles: Vec::new(),
        residuals: Vec::new(),
        cited,
        note: Some(note),
    }
}
