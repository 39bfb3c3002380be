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
        println!("`chipbench chips ID` shows a chip's figures with their sources.");
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
    let figure = |name: &str, unit: &str, f: &Option<model::Sourced>| {
        f.as_ref().map_or(String::new(), |f| {
            format!(
                "  {name:<10} {:>16}  datasheet: {}\n",
                format_rate(f.value, unit),
                f.source
            )
        })
    };
    text += &figure("memory", "B/s", &Some(chip.memory_bytes_per_s.clone()));
    text += &figure("capacity", "B", &Some(chip.memory_capacity_bytes.clone()));
    text += &figure("TDP", "W", &chip.tdp_w);
    text += &figure("scale-up", "B/s", &chip.scale_up_bytes_per_s);
    text += &figure("scale-out", "B/s", &chip.scale_out_bytes_per_s);
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
