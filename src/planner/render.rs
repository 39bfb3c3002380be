//! Tables for people: training and inference plans, the search, the model
//! list. Every time row names its source through a numbered legend.

use std::fmt::Write;

use super::cost::{format_rate, TimeShare};
use super::infer::InferencePlan;
use super::search::SearchResult;
use super::train::TrainPlan;
use super::transformer::Transformer;
use crate::units::{format_seconds, with_prefix};

/// `1.37 M`, `951 k`, `15.6 T`: three significant figures and a prefix.
pub fn format_count(value: f64) -> String {
    let prefixes = [(1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")];
    with_prefix(value, &prefixes).trim_end().to_string()
}

/// Bytes as GB (10⁹) with one decimal.
fn gb(bytes: f64) -> String {
    format!("{:.1}", bytes / 1e9)
}

/// `12.3 of 80.0 GB per chip`, or `12.3 GB per chip (capacity unknown)`.
fn of_capacity(total_bytes: f64, capacity_bytes: Option<f64>) -> String {
    match capacity_bytes {
        Some(capacity) => format!("{} of {} GB per chip", gb(total_bytes), gb(capacity)),
        None => format!(
            "{} GB per chip (capacity unknown: not checked)",
            gb(total_bytes)
        ),
    }
}

/// `18.2 GWh`, `350 MWh`, `12.0 kWh`.
fn format_energy(kwh: f64) -> String {
    if kwh >= 1e6 {
        format!("{:.1} GWh", kwh / 1e6)
    } else if kwh >= 1e3 {
        format!("{:.1} MWh", kwh / 1e3)
    } else {
        format!("{kwh:.1} kWh")
    }
}

/// `135.2 days`, `7.3 hours`, `12.0 min`.
fn format_duration(seconds: f64) -> String {
    if seconds >= 2.0 * 86400.0 {
        format!("{:.1} days", seconds / 86400.0)
    } else if seconds >= 2.0 * 3600.0 {
        format!("{:.1} hours", seconds / 3600.0)
    } else if seconds >= 120.0 {
        format!("{:.1} min", seconds / 60.0)
    } else {
        format_seconds(seconds)
    }
}

/// `1 prompt`, `16 prompts`.
fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Columns padded to their widest cell, two spaces apart.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
    out
}

/// Numbered sources, in the order rows first cite them.
#[derive(Default)]
struct Legend(Vec<String>);

impl Legend {
    fn cite(&mut self, source: &str) -> String {
        let index = match self.0.iter().position(|s| s == source) {
            Some(i) => i,
            None => {
                self.0.push(source.to_string());
                self.0.len() - 1
            }
        };
        format!("[{}]", index + 1)
    }

    fn render(&self, notes: &[String]) -> String {
        let mut out = String::from("sources\n");
        for (i, source) in self.0.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {source}", i + 1);
        }
        for note in notes {
            let _ = writeln!(out, "{note}");
        }
        out
    }
}

/// Rows of time by item: seconds, share of `whole`, item, cited source.
fn time_rows(title: &str, shares: &[TimeShare], whole: f64, legend: &mut Legend) -> String {
    let mut rows = vec![vec![
        "time".to_string(),
        "share".into(),
        title.to_string(),
        "source".into(),
    ]];
    for share in shares.iter().filter(|s| s.seconds > 0.0) {
        let source =
            if share.source.starts_with("datasheet") || share.source.starts_with("measured") {
                legend.cite(&share.source)
            } else {
                share.source.clone()
            };
        rows.push(vec![
            format_seconds(share.seconds),
            format!("{:.1}%", 100.0 * share.seconds / whole),
            share.item.clone(),
            source,
        ]);
    }
    table(&rows)
}

/// A training plan as text.
pub fn training(plan: &TrainPlan) -> String {
    let mut out = String::new();
    let (step, spec, memory, run) = (&plan.step, &plan.spec, &plan.memory, &plan.run);
    let _ = writeln!(
        out,
        "{} training on {} × {}",
        plan.model, plan.chips, plan.chip
    );
    let _ = writeln!(
        out,
        "layout      {} · micro-batch {} × {} per step · recompute {} · ZeRO {} · {}",
        plan.layout,
        spec.micro_batch,
        plan.micro_batches,
        spec.recompute,
        spec.zero,
        spec.precision
    );
    let _ = writeln!(
        out,
        "step        {} = compute {} + exposed communication {} + pipeline bubble {}",
        format_seconds(step.total_s),
        format_seconds(step.compute_s),
        format_seconds(step.exposed_communication_s),
        format_seconds(step.bubble_s)
    );
    let _ = writeln!(
        out,
        "throughput  {} tokens/s · {} per chip · MFU {:.1}% of the {} peak ({})",
        format_count(plan.tokens_per_s),
        format_rate(plan.flop_per_s_per_chip, "FLOP/s"),
        100.0 * plan.mfu,
        format_rate(plan.peak_flop_per_s, "FLOP/s"),
        plan.peak_kind
    );
    let _ =
        writeln!(
        out,
        "memory      {} ({} stage): weights {} · gradients {} · optimizer {} · activations {}{}",
        of_capacity(memory.total_bytes, memory.capacity_bytes),
        memory.stage,
        gb(memory.state.weights_bytes),
        gb(memory.state.gradients_bytes),
        gb(memory.state.optimizer_bytes),
        gb(memory.activations_bytes),
        if memory.fits() { "" } else { " — DOES NOT FIT" }
    );
    let cost = run
        .cost_usd
        .map_or("cost: give --price-per-chip-hour".to_string(), |usd| {
            format!("${}", format_count(usd))
        });
    let _ = writeln!(
        out,
        "run         {} tokens in {} steps: {} · {} chip-hours · {} (TDP × {:.2}) · {cost}",
        format_count(run.tokens),
        format_count(run.steps),
        format_duration(run.wall_s),
        format_count(run.chip_hours),
        run.energy_kwh
            .map_or("energy: no TDP figure".to_string(), format_energy),
        run.power_fraction
    );
    let _ = writeln!(
        out,
        "FLOPs       model {:.3e} (6·matmul params + 12·layers·d_attn·seq per token) · 6·N·D {:.3e}",
        run.model_flop, run.six_nd_flop
    );
    let mut legend = Legend::default();
    out.push('\n');
    out.push_str(&time_rows(
        "per step, slowest stage",
        &plan.time_by_item,
        step.total_s,
        &mut legend,
    ));
    out.push('\n');
    out.push_str(&legend.render(&plan.notes));
    out
}

/// The chosen plan, then the runners-up in one table.
pub fn search(result: &SearchResult) -> String {
    let mut out = training(&result.best);
    let _ = writeln!(
        out,
        "\nchosen from {} plans ({} fit in memory); runners-up:",
        result.evaluated, result.fitting
    );
    let mut rows = vec![vec![
        "layout".to_string(),
        "micro-batch".into(),
        "recompute".into(),
        "step".into(),
        "MFU".into(),
        "memory GB".into(),
    ]];
    for plan in std::iter::once(&result.best).chain(&result.runners_up) {
        rows.push(vec![
            plan.layout.to_string(),
            plan.spec.micro_batch.to_string(),
            plan.spec.recompute.to_string(),
            format_seconds(plan.step.total_s),
            format!("{:.1}%", 100.0 * plan.mfu),
            gb(plan.memory.total_bytes),
        ]);
    }
    out.push_str(&table(&rows));
    out
}

/// An inference plan as text.
pub fn inference(plan: &InferencePlan) -> String {
    let (spec, memory) = (&plan.spec, &plan.memory);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} inference on {} × {}, tensor parallel {}, {}",
        plan.model, plan.chips, plan.chip, plan.chips, spec.precision
    );
    let _ = writeln!(
        out,
        "requests             {} at once · prompt {} tokens · generate {} tokens",
        spec.concurrency, spec.prompt, spec.generate
    );
    let _ = writeln!(
        out,
        "time to first token  {} (prefill of {}: {} per chip, {:.1}% of peak)",
        format_seconds(plan.ttft_s),
        plural(spec.concurrency, "prompt"),
        format_rate(plan.prefill_flop_per_s_per_chip, "FLOP/s"),
        100.0 * plan.prefill_mfu
    );
    let _ = writeln!(
        out,
        "inter-token latency  {} (a decode step at the mean context {}: weights and KV cache read per token)",
        format_seconds(plan.itl_s),
        spec.prompt + spec.generate / 2
    );
    let _ = writeln!(
        out,
        "throughput           {} tokens/s generated ({} × {:.1} tokens/s); a request takes {}",
        format_count(plan.throughput_tokens_per_s),
        plural(spec.concurrency, "stream"),
        plan.stream_tokens_per_s,
        format_seconds(plan.request_s)
    );
    let _ = writeln!(
        out,
        "memory               {}: weights {} · KV cache {} · activations {}",
        of_capacity(memory.total_bytes, memory.capacity_bytes),
        gb(memory.weights_bytes),
        gb(memory.kv_cache_bytes),
        gb(memory.activations_bytes)
    );
    let mut legend = Legend::default();
    out.push('\n');
    out.push_str(&time_rows(
        "prefill",
        &plan.prefill_by_item,
        plan.ttft_s,
        &mut legend,
    ));
    out.push('\n');
    out.push_str(&time_rows(
        "decode step",
        &plan.decode_by_item,
        plan.itl_s,
        &mut legend,
    ));
    out.push('\n');
    out.push_str(&legend.render(&plan.notes));
    out
}

/// The presets with their shapes and parameter counts.
pub fn models(models: &[Transformer]) -> String {
    let mut rows = vec![[
        "model", "layers", "d_model", "heads", "kv", "d_ff", "vocab", "experts", "params",
        "active", "source",
    ]
    .map(String::from)
    .to_vec()];
    for m in models {
        let experts = if m.is_moe() {
            format!("{} (top {})", m.experts, m.experts_per_token)
        } else {
            "-".into()
        };
        rows.push(vec![
            m.name.clone(),
            m.layers.to_string(),
            m.d_model.to_string(),
            m.heads.to_string(),
            m.kv_heads().to_string(),
            m.d_ff.to_string(),
            m.vocab.to_string(),
            experts,
            format_count(m.total_params() as f64),
            format_count(m.active_params() as f64),
            m.source.clone(),
        ]);
    }
    table(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_durations_read_naturally() {
        assert_eq!(format_count(1.37e6), "1.37 M");
        assert_eq!(format_count(951_000.0), "951 k");
        assert_eq!(format_count(15.6e12), "15.6 T");
        assert_eq!(format_count(405.85e9), "406 B");
        assert_eq!(format_count(12.0), "12.0");
        assert_eq!(format_count(1.5), "1.50");
        assert_eq!(format_duration(86400.0 * 54.0), "54.0 days");
        assert_eq!(format_duration(3.0 * 3600.0), "3.0 hours");
        assert_eq!(format_energy(18.2e6), "18.2 GWh");
    }

    #[test]
    fn a_table_aligns_its_columns() {
        let rows = vec![
            vec!["a".to_string(), "bb".into()],
            vec!["ccc".to_string(), "d".into()],
        ];
        assert_eq!(table(&rows), "  a    bb\n  ccc  d\n");
    }
}
