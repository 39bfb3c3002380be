//! The terminal table: one row per measurement, warnings in words beneath.

use super::{RatioVerdict, Report, RunSummary, Status, Verdict};
use crate::case::variant_label;
use crate::reference::{Method, Verification};
use crate::units::format_seconds;

/// `yes exact 3.1e-6`: whether a check passed, how it was done, the largest error.
fn verified_cell(verification: Option<&Verification>) -> String {
    let Some(v) = verification else {
        return "-".into();
    };
    let method = match v.method {
        Method::Exact => "exact",
        Method::Freivalds { .. } => "freivalds",
        Method::Sampled { .. } => "sampled",
    };
    let error = v
        .max_abs_error
        .map_or("NaN".to_string(), |e| format!("{e:.1e}"));
    format!("{} {method} {error}", if v.passed { "yes" } else { "NO" })
}

/// Renders `report` as an aligned text table with a heading and warnings.
pub fn render_table(report: &Report) -> String {
    let headers = [
        "case", "variant", "median", "GFLOP/s", "GB/s", "spread", "verified", "status",
    ];
    let rate = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.2}"));
    let mut rows: Vec<[String; 8]> = report
        .measurements
        .iter()
        .map(|m| {
            let timing = m.timing.as_ref();
            let verified = verified_cell(m.verification.as_ref());
            let status = match m.status {
                Status::Ok => "ok".to_string(),
                Status::Failed => format!("FAILED: {}", m.reason.as_deref().unwrap_or("")),
                Status::Unsupported => {
                    format!("unsupported: {}", m.reason.as_deref().unwrap_or(""))
                }
            };
            let mut variant = variant_label(&m.variant, &m.constants);
            // How autotune chose it: `best of 9, 2 screened out`, and from
            // the cache `..., cached` (reports before trials were cached:
            // `tuned, cached`), naming the case tuned on where it is another.
            if let Some(a) = &m.autotune {
                let mut how = Vec::new();
                if !a.trials.is_empty() {
                    how.push(format!("best of {}", a.trials.len()));
                }
                let screened_out = a.trials.iter().filter(|t| t.screened_out).count();
                if screened_out > 0 {
                    how.push(format!("{screened_out} screened out"));
                }
                if a.from_cache {
                    match a.tuned_on.as_ref().filter(|case| **case != m.case) {
                        Some(case) => how.push(format!("tuned on {case}")),
                        None if a.trials.is_empty() => how.push("tuned".into()),
                        None => {}
                    }
                    how.push("cached".into());
                }
                variant += &format!(" ({})", how.join(", "));
            }
            [
                m.case.clone(),
                variant,
                timing.map_or("-".into(), |t| {
                    // Mark rows timed on another clock than the report's (transfers).
                    let other_clock = t.clock != report.timing.method;
                    let mark = if other_clock { " (wall)" } else { "" };
                    format!("{}{mark}", format_seconds(t.summary.median_s))
                }),
                rate(m.gflop_per_s),
                rate(m.gb_per_s),
                timing.map_or("-".into(), |t| format!("±{:.1}%", t.summary.cv * 100.0)),
                verified,
                status,
            ]
        })
        .collect();
    rows.extend(report.baselines.iter().map(|b| {
        [
            format!("{}_{}_{}", b.name, b.dtype, b.shape),
            if b.name.starts_with("external_") {
                "external"
            } else {
                "host"
            }
            .into(),
            format_seconds(b.median_s),
            rate(b.gflop_per_s),
            rate(b.gb_per_s),
            b.cv.map_or("-".into(), |cv| format!("±{:.1}%", cv * 100.0)),
            verified_cell(b.verification.as_ref()),
            "baseline".into(),
        ]
    }));

    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                // numbers right-aligned, text left-aligned; the last column is not padded
                if (2..=5).contains(&i) {
                    format!("{cell:>w$}")
                } else if i == cells.len() - 1 {
                    cell.clone()
                } else {
                    format!("{cell:<w$}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };

    let mut out = format!(
        "{} ({}, {} {}) · suite {}{} · timing {}{}\n",
        report.adapter.name,
        report.adapter.backend,
        report.adapter.driver,
        report.adapter.driver_info,
        report.suite.name,
        if report.suite.scaled_for_software {
            " (sizes scaled for a software adapter)"
        } else {
            ""
        },
        match report.timing.method {
            crate::gpu::TimingMethod::GpuTimestamp => "gpu timestamps",
            crate::gpu::TimingMethod::Wall => "wall clock",
        },
        if report.partial { " · PARTIAL" } else { "" },
    );
    out += &line(&headers.map(String::from));
    out.push('\n');
    out += &line(&widths.map(|w| "-".repeat(w)));
    out.push('\n');
    for row in &rows {
        out += &line(row);
        out.push('\n');
    }
    for m in &report.measurements {
        for warning in &m.warnings {
            out += &format!("warning: {} {}: {warning}\n", m.case, m.variant);
        }
    }
    if let Some(summary) = &report.summary {
        out += &render_summary(summary);
    }
    out
}

/// The summary's lines: each ratio with its interval and verdict, then the
/// figures above their roofs and the ratios not measured again, in words.
pub fn render_summary(summary: &RunSummary) -> String {
    let mut out = String::new();
    if !summary.ratios.is_empty() {
        out += "summary (same device, same run):\n";
    }
    for ratio in &summary.ratios {
        out += &format!("  {}\n", ratio_line(ratio));
    }
    for flag in &summary.roof_flags {
        out += &format!(
            "warning: {} reads {:.2} {unit}, above its roof {} ({:.2} {unit}): the roof probe \
             read low, so ratios to that roof are not trustworthy\n",
            flag.measurement,
            flag.rate,
            flag.roof,
            flag.roof_rate,
            unit = flag.unit
        );
    }
    for failure in &summary.not_remeasured {
        out += &format!(
            "warning: could not re-measure {}: {}; judged on the figures measured apart\n",
            failure.label, failure.reason
        );
    }
    out
}

/// `best f32 matmul 512³ / peak f32: 42.9% (95% CI 41.2–44.0%; ...); target ≥ 50%: NOT met`.
fn ratio_line(r: &RatioVerdict) -> String {
    let Some(value) = r.value else {
        let note = r.note.as_deref().unwrap_or("not measured");
        return format!(
            "{}: {note}; target ≥ {}: NOT met",
            r.label,
            percent(r.threshold)
        );
    };
    let interval = r.ci95.map_or(String::new(), |[low, high]| {
        format!("95% CI {:.1}–{:.1}%; ", low * 100.0, high * 100.0)
    });
    let rate = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.2} {}", r.unit));
    let how = match (r.alternating_rounds, r.measured_apart) {
        (Some(rounds), Some(apart)) => format!(
            " in {rounds} alternating rounds; measured apart: {:.1}%",
            apart * 100.0
        ),
        _ => ", measured apart".into(),
    };
    let mut line = format!(
        "{}: {:.1}% ({interval}{} ({}) vs {}{how})",
        r.label,
        value * 100.0,
        rate(r.numerator_rate),
        r.numerator,
        rate(r.denominator_rate),
    );
    let verdict = match r.verdict {
        Verdict::Information => return line,
        Verdict::Met => "met".to_string(),
        Verdict::NotMet => "NOT met".to_string(),
        Verdict::Inconclusive => "inconclusive (the 95% interval straddles it)".to_string(),
        Verdict::NotMeasured => "not measured".to_string(),
        Verdict::RoofBelowKernel => format!(
            "NOT judged: {}",
            r.note
                .as_deref()
                .unwrap_or("the roof read below the kernel")
        ),
    };
    line += &format!("; target ≥ {}: {verdict}", percent(r.threshold));
    line
}

fn percent(threshold: Option<f64>) -> String {
    threshold.map_or("-".into(), |t| format!("{:.0}%", t * 100.0))
}
