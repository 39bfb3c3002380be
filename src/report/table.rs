//! The terminal table: one row per measurement, warnings in words beneath.

use super::{summarize, Report, Status};
use crate::reference::{Method, Verification};
use crate::workloads::variant_label;

/// `1.23 ms`, `456.7 µs`, `12.0 ns`: three significant figures in a fitting unit.
pub fn format_seconds(seconds: f64) -> String {
    let (value, unit) = if seconds >= 1.0 {
        (seconds, "s")
    } else if seconds >= 1e-3 {
        (seconds * 1e3, "ms")
    } else if seconds >= 1e-6 {
        (seconds * 1e6, "µs")
    } else {
        (seconds * 1e9, "ns")
    };
    let decimals = if value >= 100.0 {
        1
    } else if value >= 10.0 {
        2
    } else {
        3
    };
    format!("{value:.decimals$} {unit}")
}

/// `yes exact 3.1e-6`: whether a check passed, how it was done, the largest error.
fn verified_cell(verification: Option<&Verification>) -> String {
    let Some(v) = verification else {
        return "-".into();
    };
    let method = match v.method {
        Method::Exact => "exact",
        Method::Freivalds { .. } => "freivalds",
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
    let ratios = summarize(report);
    if !ratios.is_empty() {
        out += "summary (same device, same run):\n";
    }
    for ratio in ratios {
        out += &match ratio.value {
            Some(value) => format!(
                "  {}: {:.1}% ({})",
                ratio.label,
                value * 100.0,
                ratio.detail
            ),
            None => format!("  {}: {}", ratio.label, ratio.detail),
        };
        if let Some(target) = ratio.target {
            let verdict = if ratio.met() { "met" } else { "NOT met" };
            out += &format!("; target ≥ {:.0}%: {verdict}", target * 100.0);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_seconds;

    #[test]
    fn seconds_pick_a_unit() {
        assert_eq!(format_seconds(1.5), "1.500 s");
        assert_eq!(format_seconds(0.0123), "12.30 ms");
        assert_eq!(format_seconds(456.7e-6), "456.7 µs");
        assert_eq!(format_seconds(12e-9), "12.00 ns");
    }
}
