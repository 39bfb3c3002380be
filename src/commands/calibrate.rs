//! `chipbench calibrate REPORT...`: fit a chip profile to calibration
//! reports, write it, and print its fit-quality table.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::Outcome;
use crate::model::{self, ChipProfile, Form, NoiseFloor, OpClassProfile, FOLDS};
use crate::report::{load, profile_path};
use crate::units::{format_percent, format_rate, format_seconds};

/// Fits a profile to `reports` and writes it to `out` (by default beside
/// the first report, `NAME.profile.json`); with `residuals`, also prints
/// every shape's held-out error.
pub fn calibrate(reports: &[PathBuf], out: Option<&Path>, residuals: bool) -> Result<Outcome> {
    let mut loaded = Vec::new();
    for path in reports {
        loaded.push((path.display().to_string(), load(path)?));
    }
    let profile = model::calibrate(&loaded)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| profile_path(&reports[0]));
    profile
        .save(&out)
        .with_context(|| format!("cannot write the profile {}", out.display()))?;
    print!("{}", render_profile(&profile));
    if residuals {
        for class in &profile.op_classes {
            print!("{}", render_residuals(class));
        }
    }
    println!("profile: {}", out.display());
    Ok(Outcome::Success)
}

/// The profile in words: roofs, each op class's parameters and its held-out
/// error beside the baselines', the noise floor, what was left out.
pub fn render_profile(profile: &ChipProfile) -> String {
    let mut text = format!(
        "{} ({}, {}), {:?} from {} report(s)\n",
        profile.identity.device,
        profile.identity.backend,
        profile.identity.driver,
        profile.provenance,
        profile.sources.len()
    );
    let roofs = &profile.roofs;
    let peaks: Vec<String> = roofs
        .peak_flop_per_s
        .iter()
        .map(|r| format!("{} {}", r.precision, format_rate(r.flop_per_s, "FLOP/s")))
        .collect();
    text += &format!("roofs: peak {}", peaks.join(", "));
    if let Some(bw) = roofs.memory_bytes_per_s {
        text += &format!("; memory {}", format_rate(bw, "B/s"));
    }
    if let Some(t) = roofs.dispatch_overhead_s {
        text += &format!("; dispatch {}", format_seconds(t));
    }
    text += "\n";
    if !roofs.bandwidth_by_size.is_empty() {
        let points: Vec<String> = roofs
            .bandwidth_by_size
            .iter()
            .map(|b| {
                format!(
                    "{} {}",
                    format_rate(b.array_bytes, "B"),
                    format_rate(b.bytes_per_s, "B/s")
                )
            })
            .collect();
        text += &format!("bandwidth by array size: {}\n", points.join(", "));
    }
    for class in &profile.op_classes {
        text += &render_class(class);
    }
    for m in &profile.missing {
        text += &format!("{}: no model ({})\n", m.op_class, m.reason);
    }
    let spread = |noise: &NoiseFloor| {
        format!(
            "{} on average, median {}, 90th percentile {} ({} cases, {} pairs)",
            format_percent(noise.mean),
            format_percent(noise.median),
            format_percent(noise.p90),
            noise.cases,
            noise.pairs
        )
    };
    match &profile.noise_floor {
        Some(noise) => {
            text += &format!(
                "noise floor: the same case in different runs differs by {}; errors below it mean nothing\n",
                spread(noise)
            )
        }
        None => text += "noise floor: unknown across runs (give two or more reports of the chip to measure it)\n",
    }
    if let Some(noise) = &profile.pass_noise_floor {
        text += &format!(
            "within a run: the same case in two passes, each on fresh buffers, differs by {}\n",
            spread(noise)
        );
    }
    if !profile.excluded.is_empty() {
        text += &format!(
            "left out of the fit: {}\n",
            model::excluded_counts(&profile.excluded)
        );
    }
    text
}

/// A parameter's value in the unit its name ends with.
fn format_parameter(name: &str, value: f64) -> String {
    if name.ends_with("bytes_per_s") {
        format_rate(value, "B/s")
    } else if name.ends_with("_bytes") {
        format_rate(value, "B")
    } else if name.ends_with("_s") {
        format_seconds(value)
    } else {
        format!("{value:.3}")
    }
}

/// One op class: its form and parameters, then the held-out table.
fn render_class(class: &OpClassProfile) -> String {
    let params: Vec<String> = class
        .parameters
        .iter()
        .map(|p| format!("{}={}", p.name, format_parameter(&p.name, p.value)))
        .collect();
    let mut text = format!(
        "\n{}: {:?} fitted on {} shapes ({} points): {}\n",
        class.op_class,
        class.form,
        class.shapes,
        class.points,
        params.join(" ")
    );
    if class.relative_efficiency.len() > 1 {
        let factors: Vec<String> = class
            .relative_efficiency
            .iter()
            .map(|(variant, factor)| format!("{variant} {factor:.2}"))
            .collect();
        let (what, whose) = match class.form {
            Form::KernelStream => ("bandwidth", "kernel"),
            _ => ("compute efficiency", "variant"),
        };
        text += &format!(
            "  {what} relative to the most measured {whose}: {}\n",
            factors.join(", ")
        );
    }
    if class.quality.is_empty() {
        return text;
    }
    text += &format!(
        "  {:<32} {:<18} {:>4} {:>7} {:>7} {:>7} {:>7} {:>7}  {}\n",
        "held-out fold", "method", "n", "mean", "median", "p90", "max", "bias", "mean ÷ model's"
    );
    for fold in FOLDS {
        let model_mean = class.score(fold, "model").map(|e| e.mean_abs);
        for score in class.quality.iter().filter(|s| s.fold == fold) {
            let Some(e) = score.errors else {
                text += &format!(
                    "  {:<32} {:<18} (no split)\n",
                    fold.to_string(),
                    score.method
                );
                continue;
            };
            let ratio = match model_mean {
                Some(m) if score.method != "model" && m > 0.0 => format!("{:.1}×", e.mean_abs / m),
                _ => String::new(),
            };
            text += &format!(
                "  {:<32} {:<18} {:>4} {:>7} {:>7} {:>7} {:>7} {:>7}  {}\n",
                fold.to_string(),
                score.method,
                e.count,
                format_percent(e.mean_abs),
                format_percent(e.median_abs),
                format_percent(e.p90_abs),
                format_percent(e.max_abs),
                format!("{:+.1}%", 100.0 * e.bias),
                ratio
            );
        }
    }
    text
}

/// Every fitted point of `class` predicted with its shape held out, the
/// worst first: where the model misses, beside two factors on the same fold.
pub fn render_residuals(class: &OpClassProfile) -> String {
    let mut rows: Vec<&model::Residual> = class.residuals.iter().collect();
    let model_error = |r: &model::Residual| r.error("model").unwrap_or(0.0).abs();
    rows.sort_by(|a, b| model_error(b).total_cmp(&model_error(a)));
    let mut text = format!(
        "\n{} held out one shape at a time, worst first:\n  {:<52} {:<12} {:<22} {:>10} {:>8} {:>8}\n",
        class.op_class, "case", "family", "variant, tile", "measured", "model", "2 factors"
    );
    let percent = |e: Option<f64>| e.map_or("-".to_string(), |e| format!("{:+.1}%", 100.0 * e));
    for r in rows {
        let kernel = match r.tile {
            Some(tile) => format!("{} {tile}", r.variant),
            None => r.variant.clone(),
        };
        text += &format!(
            "  {:<52} {:<12} {:<22} {:>10} {:>8} {:>8}\n",
            r.case,
            r.family,
            kernel,
            format_seconds(r.measured_s),
            percent(r.error("model")),
            percent(r.error("two factors"))
        );
    }
    text
}
