//! The profile schema: one chip as seen through one backend, as JSON. Its
//! version is checked on load; a profile of a version this chipbench cannot
//! read is refused.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::errors::ErrorStats;
use super::form::Form;
use super::noise::NoiseFloor;
use super::observe::Excluded;
use super::tiles::TileEntry;
use super::{Fold, ModelError, OpClass, Tile};

/// Version of the profile format; bumped on any incompatible change.
/// - 1: the first.
/// - 2: attention prefill and decode forms; a tile entry keeps the shape's
///   dimensions and a tile with its splits.
/// - 3: the tiled roofline's cache term (`cache_bytes`, `uncached_rate`).
///   Version 2 profiles still load: their matmul models, without those
///   parameters, predict as they did.
pub const PROFILE_VERSION: u32 = 3;

/// The oldest version [`load_profile`] reads.
const OLDEST_READABLE: u32 = 2;

/// Where a profile's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Fitted to chipbench reports of the chip.
    Calibrated,
    /// From the catalog: datasheet figures, and published measurements where cited.
    Datasheet,
}

/// A model of one chip through one backend: roofs, one fitted model per op
/// class with its held-out error, and where every figure came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChipProfile {
    /// [`PROFILE_VERSION`] of the writer.
    pub profile_version: u32,
    /// Calibrated or datasheet.
    pub provenance: Provenance,
    /// Which chip, through what.
    pub identity: Identity,
    /// The reports it was fitted to (empty for a datasheet profile).
    pub sources: Vec<SourceReport>,
    /// The chip's limits.
    pub roofs: ProfileRoofs,
    /// One fitted model per op class with data.
    pub op_classes: Vec<OpClassProfile>,
    /// Op classes without a model, and why.
    pub missing: Vec<MissingClass>,
    /// Measurements left out of the fit, with why.
    pub excluded: Vec<Excluded>,
    /// How far repeat measurements of one case in different runs differ
    /// (None with a single report).
    pub noise_floor: Option<NoiseFloor>,
    /// How far the passes of one run over the same case differ, each on
    /// fresh buffers (the calibrate suite measures its fitted shapes twice):
    /// on a software adapter a kernel's speed depends on where its buffers
    /// land, so this floor is there even in a single report. None where no
    /// case was measured twice in a run, or in a profile written before it.
    #[serde(default)]
    pub pass_noise_floor: Option<NoiseFloor>,
}

/// Which chip, through what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// Vendor, e.g. `NVIDIA`, or the PCI vendor id in hex for a measured adapter.
    pub vendor: String,
    /// Device name.
    pub device: String,
    /// wgpu backend (`vulkan`, `gl`, ...); empty for a datasheet profile.
    pub backend: String,
    /// Driver name and version; empty for a datasheet profile.
    pub driver: String,
    /// chipbench version that wrote the profile.
    pub chipbench_version: String,
    /// Catalog id, for a datasheet profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<String>,
}

/// A report a profile was fitted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceReport {
    /// The file, as given.
    pub path: String,
    /// When its run started.
    pub started_utc: String,
    /// Its suite.
    pub suite: String,
    /// Its chipbench version.
    pub tool_version: String,
}

/// A figure and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcedRate {
    /// What it is rated for: a precision (`f32`, `f16`, `fp32`, `bf16`, ...).
    pub precision: String,
    /// The figure, FLOP/s.
    pub flop_per_s: f64,
    /// `measured` (a chipbench probe or a cited measurement) or `datasheet`.
    pub kind: String,
    /// The probe case, or the document or URL.
    pub source: String,
}

/// Bandwidth measured on arrays of one size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BandwidthPoint {
    /// Bytes of one array.
    pub array_bytes: f64,
    /// The best stream kernel's bytes moved per second.
    pub bytes_per_s: f64,
}

/// The chip's limits.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProfileRoofs {
    /// Peak FLOP/s per precision.
    pub peak_flop_per_s: Vec<SourcedRate>,
    /// Memory bandwidth on arrays beyond the caches, bytes per second.
    pub memory_bytes_per_s: Option<f64>,
    /// Bandwidth against array size (calibrated profiles).
    pub bandwidth_by_size: Vec<BandwidthPoint>,
    /// Cost of one empty dispatch, seconds.
    pub dispatch_overhead_s: Option<f64>,
    /// Memory capacity, bytes (datasheet).
    pub memory_capacity_bytes: Option<f64>,
    /// Thermal design power, watts (datasheet).
    pub tdp_w: Option<f64>,
    /// Scale-up (NVLink, Infinity Fabric, ICI ...) bandwidth per chip, bytes per second.
    pub scale_up_bytes_per_s: Option<f64>,
    /// Scale-out (network) bandwidth per chip, bytes per second.
    pub scale_out_bytes_per_s: Option<f64>,
    /// Where each datasheet figure above comes from: (field, source).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<(String, String)>,
}

impl ProfileRoofs {
    /// Peak FLOP/s for `precision`, if the profile has it.
    pub fn peak(&self, precision: &str) -> Option<f64> {
        self.peak_flop_per_s
            .iter()
            .find(|r| r.precision == precision)
            .map(|r| r.flop_per_s)
    }
}

/// A named fitted parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// Its name, with its unit (see [`Form::parameter_names`]).
    pub name: String,
    /// Its value.
    pub value: f64,
}

/// `values` named by `form`'s parameter names, in order.
pub fn named_parameters(form: Form, values: &[f64]) -> Vec<Parameter> {
    form.parameter_names()
        .iter()
        .zip(values)
        .map(|(name, value)| Parameter {
            name: name.to_string(),
            value: *value,
        })
        .collect()
}

/// The range of shapes a model was fitted on: a prediction outside it is
/// an extrapolation, and says so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapeRange {
    /// Per dimension (`m`, `n`, `k` or `array_bytes`): (name, least, greatest).
    pub dimensions: Vec<(String, f64, f64)>,
    /// Least and greatest work: FLOPs (matmul) or bytes (stream).
    pub size: [f64; 2],
}

/// One method's held-out error under one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldScore {
    /// The fold.
    pub fold: Fold,
    /// `model`, `roofline at 100%`, `two factors`, `nearest neighbour`.
    pub method: String,
    /// The errors; None where the fold had no split (one family only).
    pub errors: Option<ErrorStats>,
}

/// A published measured point a datasheet profile cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedPoint {
    /// Its shape, e.g. `8192x8192x8192`, or `best shape`.
    pub shape: String,
    /// The throughput, FLOP/s.
    pub flop_per_s: f64,
    /// The document or URL.
    pub source: String,
}

/// The fitted model of one op class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpClassProfile {
    /// The class.
    pub op_class: OpClass,
    /// The form.
    pub form: Form,
    /// Its parameters, in the form's order.
    pub parameters: Vec<Parameter>,
    /// The peak FLOP/s the form scales (the probe's, or the datasheet's).
    pub peak_flop_per_s: f64,
    /// The bandwidth the form scales, bytes per second.
    pub bytes_per_s: f64,
    /// Points fitted (all repeats).
    pub points: usize,
    /// Distinct shapes fitted.
    pub shapes: usize,
    /// Where the model was fitted.
    pub range: Option<ShapeRange>,
    /// Held-out errors of the model and the baselines, per fold.
    pub quality: Vec<FoldScore>,
    /// Ratios measured / predicted that held 90% of the leave-one-shape-out
    /// predictions (5th, 95th percentiles): a prediction's interval.
    pub interval_ratios: Option<[f64; 2]>,
    /// Each winning kernel variant's compute efficiency relative to the most
    /// measured one's (matmul; the compute efficiency parameter is that one's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relative_efficiency: Vec<(String, f64)>,
    /// The tile each measured shape ran with (matmul, attention).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiles: Vec<TileEntry>,
    /// Each fitted point's leave-one-shape-out error, per method: where the
    /// model misses, shape by shape.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub residuals: Vec<Residual>,
    /// Published measured points behind a datasheet model's efficiency.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cited: Vec<CitedPoint>,
    /// For a datasheet model: which of its figures are measured and which datasheet, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl OpClassProfile {
    /// The parameters as a vector, in the form's order.
    pub fn params(&self) -> Vec<f64> {
        self.parameters.iter().map(|p| p.value).collect()
    }

    /// The error of `method` under `fold`, if scored.
    pub fn score(&self, fold: Fold, method: &str) -> Option<ErrorStats> {
        self.quality
            .iter()
            .find(|s| s.fold == fold && s.method == method)
            .and_then(|s| s.errors)
    }
}

/// One fitted point predicted with its shape held out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Residual {
    /// The case.
    pub case: String,
    /// Its family (as leave-one-family-out holds them out).
    pub family: String,
    /// The winning variant.
    pub variant: String,
    /// Its tile.
    pub tile: Option<Tile>,
    /// The measured time, seconds.
    pub measured_s: f64,
    /// (method, `predicted / measured − 1`) for the model and each baseline.
    pub errors: Vec<(String, f64)>,
}

impl Residual {
    /// `method`'s signed error, if scored.
    pub fn error(&self, method: &str) -> Option<f64> {
        self.errors
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, e)| *e)
    }
}

/// An op class the profile has no model for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingClass {
    /// The class.
    pub op_class: OpClass,
    /// Why, in words.
    pub reason: String,
}

impl ChipProfile {
    /// The model of `class`, or an error that says why the profile has none.
    pub fn class(&self, class: OpClass) -> Result<&OpClassProfile, ModelError> {
        if let Some(found) = self.op_classes.iter().find(|c| c.op_class == class) {
            return Ok(found);
        }
        let why = self
            .missing
            .iter()
            .find(|m| m.op_class == class)
            .map(|m| format!(": {}", m.reason))
            .unwrap_or_default();
        Err(ModelError::CannotPredict(format!(
            "the profile has no {class} op class{why}"
        )))
    }

    /// Whether `report` is one this profile was fitted to: its cases are
    /// then the fit's own points, not a held-out check.
    pub fn fitted_on(&self, report: &crate::report::Report) -> bool {
        self.sources
            .iter()
            .any(|s| s.started_utc == report.started_utc && s.suite == report.suite.name)
    }

    /// Writes the profile to `path` (never over an existing file).
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        Ok(crate::report::write_json_atomic(path, self)?)
    }
}

/// Reads the profile at `path`, refusing one of a version it cannot read.
pub fn load_profile(path: &Path) -> Result<ChipProfile, ModelError> {
    let bad = |message: String| ModelError::BadProfile {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let version = value
        .get("profile_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| bad("no profile_version field: not a chipbench profile".into()))?;
    if !(u64::from(OLDEST_READABLE)..=u64::from(PROFILE_VERSION)).contains(&version) {
        return Err(bad(format!(
            "profile version {version}; this chipbench reads versions {OLDEST_READABLE} to {PROFILE_VERSION}"
        )));
    }
    serde_json::from_value(value).map_err(|e| bad(format!("not a valid profile: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_2_profiles_load_and_others_are_refused() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("reports/vm_llvmpipe-llvm-15-0-6-256-bits_vulkan_20261202T085907Z.profile.json");
        let profile = load_profile(&committed).expect("a version 2 profile loads");
        assert_eq!(profile.profile_version, 2);
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.profile.json");
        std::fs::write(&first, r#"{"profile_version": 1}"#).unwrap();
        let refused = load_profile(&first).unwrap_err().to_string();
        assert!(refused.contains("reads versions 2 to 3"), "{refused}");
    }
}
