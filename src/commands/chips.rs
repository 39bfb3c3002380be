//! `chipbench chips [ID]`: the chip catalog, with the source of every figure;
//! `--out FILE` writes a chip's datasheet profile.

use std::path::Path;

use anyhow::{bail, Result};

use super::Outcome;
use crate::model::{self, CatalogChip};
use crate::units::format_rate;

/// Lists the catalog, or shows chip `id` with its sources (and writes its
/// datasheet profile to `out`).
pub fn chips(id: Option<&str>, out: Option<&Path>) -> Result<Outcome> {
    let catalog = model::catalog()?;
    let Some(id) = id else {
        if out.is_some() {
            bail!("--out writes one chip's profile: name the chip, e.g. `chipbench chips h100-sxm --out h100.json`");
        }
        println!(
            "{:<14} {:<34} {:>14} {:>14} {:>12} {:>9}  measured GEMM",
            "id", "name", "fp32", "bf16/fp16", "memory", "capacity"
        );
        for chip in &catalog.chip {
            let peak = |p: &str| {
                chip.peak(p)
                    .map_or("-".into(), |x| format_rate(x.value, "FLOP/s"))
            };
            println!(
                "{:<14} {:<34} {:>14} {:>14} {:>12} {:>9}  {}",
                chip.id,
                chip.name,
                peak("fp32"),
                peak("bf16"),
                format_rate(chip.memory_bytes_per_s.value, "B/s"),
                format_rate(chip.memory_capacity_bytes.value, "B"),
                chip.measured_gemm.len()
            );
        }
        println!("sources:");
        for chip in &catalog.chip {
            println!("  {}: {}", chip.id, sources_of(chip).join("; "));
        }
        println!("`chipbench chips ID` shows each figure of a chip with its source.");
        return Ok(Outcome::Success);
    };
    let chip = catalog.chip(id)?;
    print!("{}", render_chip(chip));
    if let Some(out) = out {
        chip.profile().save(out)?;
        println!("datasheet profile: {}", out.display());
    }
    Ok(Outcome::Success)
}

/// The documents `chip`'s figures come from, each once, with its URL where
/// a figure gives one (a source's notes in parentheses, which differ from
/// figure to figure, left out).
fn sources_of(chip: &CatalogChip) -> Vec<String> {
    let all = chip
        .peak_flop_per_s
        .iter()
        .map(|p| &p.source)
        .chain([
            &chip.memory_bytes_per_s.source,
            &chip.memory_capacity_bytes.source,
        ])
        .chain(
            [
                &chip.tdp_w,
                &chip.scale_up_bytes_per_s,
                &chip.scale_out_bytes_per_s,
                &chip.chips_per_node,
                &chip.measured_attention_flop_per_s,
                &chip.measured_scale_up_bytes_per_s,
                &chip.measured_scale_out_bytes_per_s,
                &chip.scale_up_latency_s,
                &chip.scale_out_latency_s,
            ]
            .into_iter()
            .flatten()
            .map(|f| &f.source),
        )
        .chain(chip.measured_gemm.iter().map(|g| &g.source));
    // (document, its text with a URL where any figure gives one)
    let mut sources: Vec<(String, String)> = Vec::new();
    for text in all.flat_map(|s| {
        without_notes(s)
            .split("; ")
            .map(str::to_string)
            .collect::<Vec<_>>()
    }) {
        let name = text.split(", http").next().unwrap_or(&text).to_string();
        match sources
            .iter_mut()
            .find(|(n, _)| name.starts_with(n.as_str()) || n.starts_with(&name))
        {
            Some((_, kept)) if text.contains("http") && !kept.contains("http") => *kept = text,
            Some(_) => {}
            None => sources.push((name, text)),
        }
    }
    sources.into_iter().map(|(_, text)| text).collect()
}

/// `text` without its parenthesised notes.
fn without_notes(text: &str) -> String {
    let mut kept = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    kept.replace("  ", " ")
        .replace(" ,", ",")
        .trim()
        .to_string()
}

/// Every figure of `chip`, each with its source.
fn render_chip(chip: &CatalogChip) -> String {
    let mut text = format!("{} ({}, {})\n", chip.name, chip.id, chip.vendor);
    for p in &chip.peak_flop_per_s {
        text += &format!(
            "  peak {:<5} {:>16}  datasheet: {}\n",
            p.precision,
            format_rate(p.value, "FLOP/s"),
            p.source
        );
    }
    let figure = |name: &str, value: String, kind: &str, source: &str| {
        format!("  {name:<10} {value:>16}  {kind}: {source}\n")
    };
    let rate = |name: &str, unit: &str, kind: &str, f: &Option<model::Sourced>| {
        f.as_ref().map_or(String::new(), |f| {
            figure(name, format_rate(f.value, unit), kind, &f.source)
        })
    };
    text += &rate(
        "memory",
        "B/s",
        "datasheet",
        &Some(chip.memory_bytes_per_s.clone()),
    );
    text += &rate(
        "capacity",
        "B",
        "datasheet",
        &Some(chip.memory_capacity_bytes.clone()),
    );
    text += &rate("TDP", "W", "datasheet", &chip.tdp_w);
    text += &rate("scale-up", "B/s", "datasheet", &chip.scale_up_bytes_per_s);
    text += &rate("scale-out", "B/s", "datasheet", &chip.scale_out_bytes_per_s);
    if let Some(node) = &chip.chips_per_node {
        text += &figure(
            "node",
            format!("{} chips", node.value),
            "datasheet",
            &node.source,
        );
    }
    text += &rate(
        "attention",
        "FLOP/s",
        "measured",
        &chip.measured_attention_flop_per_s,
    );
    text += &rate(
        "NCCL up",
        "B/s",
        "measured",
        &chip.measured_scale_up_bytes_per_s,
    );
    text += &rate(
        "NCCL out",
        "B/s",
        "measured",
        &chip.measured_scale_out_bytes_per_s,
    );
    for (name, latency) in [
        ("lat. up", &chip.scale_up_latency_s),
        ("lat. out", &chip.scale_out_latency_s),
    ] {
        if let Some(l) = latency {
            text += &figure(
                name,
                format!("{:.0} µs", l.value * 1e6),
                "measured",
                &l.source,
            );
        }
    }
    for g in &chip.measured_gemm {
        text += &format!(
            "  GEMM {:<5} {:>16}  measured at {}: {}\n",
            g.precision,
            format_rate(g.flop_per_s, "FLOP/s"),
            g.shape,
            g.source
        );
    }
    text
}
