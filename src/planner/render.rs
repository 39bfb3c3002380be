//! Plans for people: training and inference plans and the search as a
//! neutral [`PlanPage`] (facts, breakdowns, tables, sources) that the
//! terminal prints from here and `export` writes as Markdown and HTML; and
//! the model list. Every time row names its source through a numbered legend.

use std::fmt::Write;

use super::cost::{format_rate, TimeShare};
use super::forward::{seconds_by_kind, OpTime};
use super::infer::InferencePlan;
use super::search::SearchResult;
use super::train::{TrainPlan, DEFAULT_GOODPUT, DEFAULT_GOODPUT_SOURCE};
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

/// A plan as a neutral page: what the terminal prints here and
/// `export` writes as Markdown or HTML (with its breakdowns drawn as charts),
/// so every format shows the same figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanPage {
    /// What is planned, e.g. `llama3-405b training on 16384 × NVIDIA H100 SXM5 80GB`.
    pub title: String,
    /// Labelled lines: layout, step, throughput, memory, run, ...
    pub facts: Vec<(String, String)>,
    /// Where the time goes, one chart each.
    pub breakdowns: Vec<Breakdown>,
    /// Tables: time by item with cited sources, runners-up.
    pub tables: Vec<PlanTable>,
    /// The numbered sources the tables cite as `[n]`.
    pub sources: Vec<String>,
    /// What a reader must know about the figures (`substituted: ...`).
    pub notes: Vec<String>,
}

/// A whole split into its parts, in seconds: a stacked bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    /// What the whole is, e.g. `Step time`.
    pub title: String,
    /// Each part's name and seconds, in stacking order.
    pub parts_s: Vec<(String, f64)>,
}

/// A table of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTable {
    /// What it shows.
    pub title: String,
    /// Column headings.
    pub headings: Vec<String>,
    /// Which columns hold numbers.
    pub numeric: Vec<bool>,
    /// The cells, row by row.
    pub rows: Vec<Vec<String>>,
}

impl PlanPage {
    /// The page as terminal text: title, aligned facts, tables, sources, notes.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.title);
        let width = self
            .facts
            .iter()
            .map(|(label, _)| label.chars().count())
            .max()
            .unwrap_or(0);
        for (label, value) in &self.facts {
            let _ = writeln!(out, "{label:<width$}  {value}");
        }
        for t in &self.tables {
            out.push('\n');
            if !t.title.is_empty() {
                let _ = writeln!(out, "{}", t.title);
            }
            let rows: Vec<Vec<String>> = std::iter::once(t.headings.clone())
                .chain(t.rows.iter().cloned())
                .collect();
            out.push_str(&table(&rows));
        }
        if !self.sources.is_empty() || !self.notes.is_empty() {
            out.push_str("\nsources\n");
        }
        for (i, source) in self.sources.iter().enumerate() {
            let _ = writeln!(out, "  [{}] {source}", i + 1);
        }
        for note in &self.notes {
            let _ = writeln!(out, "{note}");
        }
        out
    }
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
}

/// Time by item: seconds, share of `whole`, item, cited source.
fn time_table(
    title: &str,
    item: &str,
    shares: &[TimeShare],
    whole: f64,
    legend: &mut Legend,
) -> PlanTable {
    let mut rows = Vec::new();
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
    PlanTable {
        title: title.into(),
        headings: vec!["time".into(), "share".into(), item.into(), "source".into()],
        numeric: vec![true, true, false, false],
        rows,
    }
}

/// A training plan as a page.
pub fn training_page(plan: &TrainPlan) -> PlanPage {
    let (step, spec, memory, run) = (&plan.step, &plan.spec, &plan.memory, &plan.run);
    let cost = run
        .cost_usd
        .map_or("cost: give --price-per-chip-hour".to_string(), |usd| {
            format!("${}", format_count(usd))
        });
    let mut legend = Legend::default();
    let goodput_source = legend.cite(&format!(
        "goodput (--goodput): the share of wall-clock time that trains; the rest, lost to \
         failures, restarts and checkpointing, still holds the chips. Default \
         {DEFAULT_GOODPUT:.2}: {DEFAULT_GOODPUT_SOURCE}"
    ));
    let facts = [
        (
            "layout",
            format!(
                "{} · micro-batch {} × {} per step · recompute {} · ZeRO {} · {}{}",
                plan.layout,
                spec.micro_batch,
                plan.micro_batches,
                spec.recompute,
                spec.zero,
                spec.precision,
                if spec.tp_overlap {
                    " · tensor-parallel collectives overlapped"
                } else {
                    ""
                }
            ),
        ),
        (
            "step",
            format!(
                "{} = compute {} + exposed communication {} + pipeline bubble {}",
                format_seconds(step.total_s),
                format_seconds(step.compute_s),
                format_seconds(step.exposed_communication_s),
                format_seconds(step.bubble_s)
            ),
        ),
        (
            "throughput",
            format!(
                "{} tokens/s · {} per chip · MFU {:.1}% of the {} peak ({})",
                format_count(plan.tokens_per_s),
                format_rate(plan.flop_per_s_per_chip, "FLOP/s"),
                100.0 * plan.mfu,
                format_rate(plan.peak_flop_per_s, "FLOP/s"),
                plan.peak_kind
            ),
        ),
        (
            "memory",
            format!(
                "{} ({} stage): weights {} · gradients {} · optimizer {} · activations {}{}",
                of_capacity(memory.total_bytes, memory.capacity_bytes),
                memory.stage,
                gb(memory.state.weights_bytes),
                gb(memory.state.gradients_bytes),
                gb(memory.state.optimizer_bytes),
                gb(memory.activations_bytes),
                if memory.fits() {
                    ""
                } else {
                    " — DOES NOT FIT"
                }
            ),
        ),
        (
            "run",
            format!(
                "{} tokens in {} steps at goodput {:.2} {goodput_source}: {} · {} chip-hours · \
                 {} (TDP × {:.2}) · {cost}",
                format_count(run.tokens),
                format_count(run.steps),
                run.goodput,
                format_duration(run.wall_s),
                format_count(run.chip_hours),
                run.energy_kwh
                    .map_or("energy: no TDP figure".to_string(), format_energy),
                run.power_fraction
            ),
        ),
        (
            "FLOPs",
            format!(
                "model {:.3e} (6·matmul params + 12·layers·d_attn·seq per token) · 6·N·D {:.3e}",
                run.model_flop, run.six_nd_flop
            ),
        ),
    ];
    let time = time_table(
        "Where a step goes",
        "per step, slowest stage",
        &plan.time_by_item,
        step.total_s,
        &mut legend,
    );
    PlanPage {
        title: format!("{} training on {} × {}", plan.model, plan.chips, plan.chip),
        facts: facts.map(|(l, v)| (l.to_string(), v)).to_vec(),
        breakdowns: vec![Breakdown {
            title: format!("Step time, {}", format_seconds(step.total_s)),
            parts_s: vec![
                ("compute".into(), step.compute_s),
                ("exposed communication".into(), step.exposed_communication_s),
                ("pipeline bubble".into(), step.bubble_s),
            ],
        }],
        tables: vec![time],
        sources: legend.0,
        notes: plan.notes.clone(),
    }
}

/// A training plan as text.
pub fn training(plan: &TrainPlan) -> String {
    training_page(plan).text()
}

/// The chosen plan's page, then the runners-up in one table.
pub fn search_page(result: &SearchResult) -> PlanPage {
    let mut page = training_page(&result.best);
    page.facts.push((
        "search".into(),
        format!(
            "chosen from {} plans ({} fit in memory)",
            result.evaluated, result.fitting
        ),
    ));
    let rows = std::iter::once(&result.best)
        .chain(&result.runners_up)
        .map(|plan| {
            vec![
                plan.layout.to_string(),
                plan.spec.micro_batch.to_string(),
                plan.spec.recompute.to_string(),
                format_seconds(plan.step.total_s),
                format!("{:.1}%", 100.0 * plan.mfu),
                gb(plan.memory.total_bytes),
            ]
        })
        .collect();
    page.tables.push(PlanTable {
        title: "Runners-up".into(),
        headings: [
            "layout",
            "micro-batch",
            "recompute",
            "step",
            "MFU",
            "memory GB",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![false, true, false, true, true, true],
        rows,
    });
    page
}

/// The search's choice and runners-up as text.
pub fn search(result: &SearchResult) -> String {
    search_page(result).text()
}

/// An inference plan as a page.
pub fn inference_page(plan: &InferencePlan) -> PlanPage {
    let (spec, memory) = (&plan.spec, &plan.memory);
    let facts =
        [
            (
                "requests",
                format!(
                    "{} at once · prompt {} tokens · generate {} tokens",
                    spec.concurrency, spec.prompt, spec.generate
                ),
            ),
            (
                "time to first token",
                format!(
                    "{} (prefill of {}: {} per chip, {:.1}% of peak)",
                    format_seconds(plan.ttft_s),
                    plural(spec.concurrency, "prompt"),
                    format_rate(plan.prefill_flop_per_s_per_chip, "FLOP/s"),
                    100.0 * plan.prefill_mfu
                ),
            ),
            (
                "inter-token latency",
                format!(
                "{} (a decode step at the mean context {}: weights and KV cache read per token)",
                format_seconds(plan.itl_s),
                spec.prompt + spec.generate / 2
            ),
            ),
            (
                "throughput",
                format!(
                    "{} tokens/s generated ({} × {:.1} tokens/s); a request takes {}",
                    format_count(plan.throughput_tokens_per_s),
                    plural(spec.concurrency, "stream"),
                    plan.stream_tokens_per_s,
                    format_seconds(plan.request_s)
                ),
            ),
            (
                "KV cache",
                format!(
                "{} GB per chip: {:.0} KiB per token (K and V of every layer, {}) × {} tokens × {}",
                gb(memory.kv_cache_bytes),
                memory.kv_bytes_per_token / 1024.0,
                if spec.kv_bytes() == 1.0 { "FP8" } else { "BF16" },
                spec.prompt + spec.generate,
                plural(spec.concurrency, "request"),
            ),
            ),
            (
                "memory",
                format!(
                    "{}: weights {} · KV cache {} · activations {}",
                    of_capacity(memory.total_bytes, memory.capacity_bytes),
                    gb(memory.weights_bytes),
                    gb(memory.kv_cache_bytes),
                    gb(memory.activations_bytes)
                ),
            ),
        ];
    let mut legend = Legend::default();
    let tables = vec![
        time_table(
            "Where the time to first token goes",
            "prefill",
            &plan.prefill_by_item,
            plan.ttft_s,
            &mut legend,
        ),
        time_table(
            "Where a decode step goes",
            "decode step",
            &plan.decode_by_item,
            plan.itl_s,
            &mut legend,
        ),
    ];
    let by_kind = |ops: &[OpTime]| {
        seconds_by_kind(ops)
            .into_iter()
            .map(|(kind, s)| (kind.name().to_string(), s))
            .collect()
    };
    PlanPage {
        title: format!(
            "{} inference on {} × {}, tensor parallel {}, {}",
            plan.model, plan.chips, plan.chip, plan.chips, spec.precision
        ),
        facts: facts.map(|(l, v)| (l.to_string(), v)).to_vec(),
        breakdowns: vec![
            Breakdown {
                title: format!("Time to first token, {}", format_seconds(plan.ttft_s)),
                parts_s: by_kind(&plan.prefill_ops),
            },
            Breakdown {
                title: format!("Inter-token latency, {}", format_seconds(plan.itl_s)),
                parts_s: by_kind(&plan.decode_ops),
            },
        ],
        tables,
        sources: legend.0,
        notes: plan.notes.clone(),
    }
}

/// An inference plan as text.
pub fn inference(plan: &InferencePlan) -> String {
    inference_page(plan).text()
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
