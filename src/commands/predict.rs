//! `chipbench predict PROFILE OP SHAPE` and `chipbench predict PROFILE
//! --report REPORT`: predicted times from a profile (a file, or a catalog
//! chip id), or every case of another report against what it measured.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::run::parse_shape;
use super::Outcome;
use crate::case::Dtype;
use crate::model::{self, ChipProfile, Query};
use crate::reference::AttentionDims;
use crate::report::{load, Report};
use crate::units::{format_percent, format_rate, format_seconds};

/// What `chipbench predict` was asked.
#[derive(Debug, Clone)]
pub struct PredictRequest<'a> {
    /// A profile file, or a catalog chip id.
    pub profile: &'a str,
    /// `matmul`, `attention` or `stream`.
    pub op: Option<&'a str>,
    /// The shape: `MxNxK`, attention `hq32_hkv8_sq1024_skv1024_d128`, stream bytes.
    pub shape: Option<&'a str>,
    /// Element type of a matmul.
    pub dtype: Dtype,
    /// Causal attention.
    pub causal: bool,
    /// Reports (runs of one chip) whose every case is predicted; none: predict `op` at `shape`.
    pub reports: &'a [PathBuf],
}

/// Prints the prediction `request` asks for.
pub fn predict(request: &PredictRequest) -> Result<Outcome> {
    let profile = open_profile(request.profile)?;
    if !request.reports.is_empty() {
        return predict_reports(&profile, request.reports);
    }
    let (Some(op), Some(shape)) = (request.op, request.shape) else {
        bail!("say what to predict: OP SHAPE (matmul MxNxK, attention hq32_hkv8_sq1024_skv1024_d128, stream BYTES), or --report REPORT");
    };
    let query = parse_query(op, shape, request.dtype, request.causal)?;
    let p = model::predict(&profile, &query)?;
    println!(
        "{} {shape}: {} ({}), bound by {}",
        p.class,
        format_seconds(p.time_s),
        format_rate(p.rate, p.unit),
        p.bound
    );
    match p.interval_s {
        Some([low, high]) => println!(
            "  90% of held-out measurements fell within {} – {} of such a prediction",
            format_seconds(low),
            format_seconds(high)
        ),
        None => println!("  no interval: a datasheet profile has no held-out error"),
    }
    if let Some(tile) = &p.tile {
        println!("  expected workgroup tile: {tile}");
    }
    for warning in &p.warnings {
        println!("  warning: {warning}");
    }
    Ok(Outcome::Success)
}

/// The profile file at `name`, or the catalog chip `name` as a datasheet profile.
fn open_profile(name: &str) -> Result<ChipProfile> {
    let path = Path::new(name);
    if !path.exists() {
        if let Ok(chip) = model::catalog()?.chip(name) {
            return Ok(chip.profile());
        }
        bail!("{name}: no such profile file, nor a chip id of the catalog (see `chipbench chips`)");
    }
    Ok(model::load_profile(path)?)
}

/// The query `op shape` names.
fn parse_query(op: &str, shape: &str, dtype: Dtype, causal: bool) -> Result<Query> {
    match op {
        "matmul" => {
            let (m, n, k) = parse_shape(shape)?;
            Ok(Query::Matmul {
                dtype,
                m,
                n,
                k,
                kernel: None,
            })
        }
        "attention" => Ok(Query::Attention {
            dims: parse_attention_shape(shape, causal)?,
            dtype,
        }),
        "stream" => {
            let bytes: u64 = shape
                .trim()
                .parse()
                .ok()
                .filter(|&b| b > 0)
                .with_context(|| {
                    format!("invalid stream size '{shape}': expected bytes moved, e.g. 201326592")
                })?;
            Ok(Query::Stream { bytes })
        }
        other => bail!("unknown op '{other}' (expected matmul, attention or stream)"),
    }
}

/// Attention dimensions as case names write them, `b1_hq32_hkv8_sq1024_skv1024_d128`
/// with `_causal` (or `--causal`) for the mask: `hq`, `sq`, `skv` and `d`
/// are needed; `b` is 1 and `hkv` is `hq` unless given.
fn parse_attention_shape(shape: &str, causal: bool) -> Result<AttentionDims> {
    let expected = "expected named dimensions such as hq32_hkv8_sq1024_skv1024_d128 (b and hkv optional, _causal for the mask)";
    let mut named: Vec<(&str, usize)> = Vec::new();
    let mut causal = causal;
    for part in shape.split('_') {
        if part == "causal" {
            causal = true;
            continue;
        }
        let digits = part
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(part.len());
        let (name, value) = part.split_at(digits);
        let known = ["b", "hq", "hkv", "sq", "skv", "d"].contains(&name);
        match value.parse::<usize>() {
            Ok(v) if known && v > 0 && !named.iter().any(|(n, _)| *n == name) => {
                named.push((name, v))
            }
            _ => bail!("invalid attention shape '{shape}' at '{part}': {expected}"),
        }
    }
    let get = |name: &str| named.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let need = |name: &str| {
        get(name)
            .with_context(|| format!("invalid attention shape '{shape}': no {name}; {expected}"))
    };
    let q_heads = need("hq")?;
    let kv_heads = get("hkv").unwrap_or(q_heads);
    if !q_heads.is_multiple_of(kv_heads) {
        bail!("invalid attention shape '{shape}': hq ({q_heads}) must be a multiple of hkv ({kv_heads})");
    }
    Ok(AttentionDims {
        batch: get("b").unwrap_or(1),
        q_heads,
        kv_heads,
        q_len: need("sq")?,
        kv_len: need("skv")?,
        head_dim: need("d")?,
        causal,
    })
}

/// Every case of the reports at `paths` predicted, case by case and
/// overall, each case measured as its fastest over the runs.
fn predict_reports(profile: &ChipProfile, paths: &[PathBuf]) -> Result<Outcome> {
    let loaded = paths
        .iter()
        .map(|path| Ok((path.display().to_string(), load(path)?)))
        .collect::<Result<Vec<_>>>()?;
    model::one_chip(&loaded)?;
    for (path, _) in loaded.iter().filter(|(_, r)| profile.fitted_on(r)) {
        println!(
            "note: the profile was fitted to {path}: its cases are the fit's own points \
             (in-sample), not a held-out check; its block cases are held out (no fit uses them)"
        );
    }
    let reports: Vec<Report> = loaded.into_iter().map(|(_, r)| r).collect();
    let (cases, excluded) = model::predict_report(profile, &reports)?;
    let blocks = model::predict_blocks(profile, &reports)?;
    if cases.is_empty() && blocks.is_empty() {
        bail!(
            "{}: no usable case of the report has an op class in the profile",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!(
        "{:<36} {:>11} {:>11} {:>8}",
        "case", "predicted", "measured", "error"
    );
    for c in &cases {
        println!(
            "{:<36} {:>11} {:>11} {:>8}",
            c.case,
            format_seconds(c.predicted_s),
            format_seconds(c.measured_s),
            format!("{:+.1}%", 100.0 * c.signed_error)
        );
    }
    let mut classes: Vec<model::OpClass> = cases.iter().map(|c| c.class).collect();
    classes.dedup();
    for class in classes.into_iter().map(Some).chain([None]) {
        if let Some(e) = model::class_errors(&cases, class) {
            println!(
                "{}: {} cases, mean error {}, median {}, p90 {}, max {}, bias {:+.1}%",
                class.map_or("overall".to_string(), |c| c.to_string()),
                e.count,
                format_percent(e.mean_abs),
                format_percent(e.median_abs),
                format_percent(e.p90_abs),
                format_percent(e.max_abs),
                100.0 * e.bias
            );
        }
    }
    for block in &blocks {
        print_block(block);
    }
    let excluded: Vec<_> = excluded
        .into_iter()
        .filter(|e| !blocks.iter().any(|b| e.measurement.starts_with(&b.case)))
        .collect();
    if !excluded.is_empty() {
        println!("not predicted: {}", model::excluded_counts(&excluded));
    }
    Ok(Outcome::Success)
}

/// A composed case: predicted as the sum of its stages' per-op predictions,
/// each stage beside the time the device measured for it where it has one.
fn print_block(block: &model::BlockError) {
    println!();
    let runs = match block.measurements {
        1 => String::new(),
        n => format!(
            " (the fastest of {n} measurements, the slowest {:.1}% above it)",
            100.0 * block.spread
        ),
    };
    println!(
        "{}: predicted {} as the sum of its stages, measured {}{runs}, error {:+.1}%",
        block.case,
        format_seconds(block.predicted_s),
        format_seconds(block.measured_s),
        100.0 * block.signed_error
    );
    println!(
        "  {:<12} {:<18} {:>11} {:>11}",
        "stage", "predicted by", "predicted", "measured"
    );
    for stage in &block.stages {
        println!(
            "  {:<12} {:<18} {:>11} {:>11}",
            stage.stage,
            stage.class.to_string(),
            format_seconds(stage.predicted_s),
            stage.measured_s.map_or("-".into(), format_seconds)
        );
    }
}
