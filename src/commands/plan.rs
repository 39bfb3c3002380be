//! `chipbench plan`: training or inference of a transformer on N chips of
//! a catalog chip or a calibrated profile (`model::chip_cost`).

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::report::print_written;
use super::Outcome;
use crate::cli::PlanArgs;
use crate::export::{plan_html, plan_markdown, Format, Outputs};
use crate::model;
use crate::planner::render::{inference_page, search_page, training_page, PlanPage};
use crate::planner::{
    plan_inference, plan_training, search_layouts, smallest_change, transformer, InferSpec, Layout,
    Pinned, PlanError, TrainSpec,
};

/// Tokens per step the default global batch aims at (about 4M, the scale
/// of GPT-3's 3.2M and Llama 3's first 4M-token batches).
const DEFAULT_BATCH_TOKENS: u64 = 1 << 22;

/// Plans what `args` asks and prints it as a table or JSON.
pub fn plan(args: &PlanArgs) -> Result<Outcome> {
    let model = transformer::resolve(&args.model)?;
    let wanted: Vec<(Format, &Path)> = [
        (Format::Markdown, args.md.as_deref()),
        (Format::Html, args.html.as_deref()),
    ]
    .into_iter()
    .filter_map(|(format, path)| path.map(|p| (format, p)))
    .collect();
    // Created before planning, so a path that cannot be written fails first.
    let outputs = Outputs::create(&wanted)?;
    let chip = model::chip_cost(&args.chip)?;
    let chip = chip.as_ref();
    if args.chips == 0 {
        return Err(PlanError::Input("--chips must be at least 1".into()).into());
    }
    if args.infer {
        let (Some(prompt), Some(generate)) = (args.prompt, args.generate) else {
            return Err(PlanError::Input("--infer needs --prompt and --generate".into()).into());
        };
        let spec = InferSpec {
            prompt,
            generate,
            concurrency: args.concurrency,
            precision: args.precision,
        };
        let plan = plan_inference(&model, chip, args.chips, &spec)?;
        return print(args.json, &plan, inference_page(&plan), outputs);
    }
    let Some(tokens) = args.tokens else {
        return Err(PlanError::Input("--train needs --tokens (e.g. 15.6T)".into()).into());
    };
    let seq = args.seq.unwrap_or(model.context);
    let global_batch = args.global_batch.unwrap_or_else(|| {
        (DEFAULT_BATCH_TOKENS / seq.max(1))
            .max(1)
            .next_power_of_two()
    });
    let defaults = TrainSpec::new(tokens, seq, global_batch);
    let spec = TrainSpec {
        micro_batch: args.micro_batch.unwrap_or(defaults.micro_batch),
        recompute: args.recompute.unwrap_or(defaults.recompute),
        zero: args.zero,
        precision: args.precision,
        dp_overlap: args.dp_overlap,
        tp_overlap: args.tp_overlap,
        power_fraction: args.power_fraction,
        goodput: args.goodput,
        price_per_chip_hour: args.price_per_chip_hour,
        ..defaults
    };
    let Some(layout) = &args.layout else {
        let pinned = Pinned {
            micro_batch: args.micro_batch,
            recompute: args.recompute,
        };
        let result = search_layouts(&model, chip, args.chips, &spec, pinned)?;
        return print(args.json, &result, search_page(&result), outputs);
    };
    let layout: Layout = layout.parse()?;
    let plan = plan_training(&model, chip, args.chips, &layout, &spec)?;
    if !plan.memory.fits() {
        let memory = &plan.memory;
        let hint = match smallest_change(&model, chip, &plan) {
            Some((change, fixed)) => format!(
                "the smallest change that fits: {change} ({:.1} GB, step {:.2} s)",
                fixed.memory.total_bytes / 1e9,
                fixed.step.total_s
            ),
            None => "no single change fits; leave out --layout to search".into(),
        };
        return Err(PlanError::DoesNotFit(format!(
            "layout {layout} does not fit: {:.1} GB per chip on the {} stage (weights {:.1}, \
             gradients {:.1}, optimizer {:.1}, activations {:.1}) of {:.1} GB; {hint}",
            memory.total_bytes / 1e9,
            memory.stage,
            memory.state.weights_bytes / 1e9,
            memory.state.gradients_bytes / 1e9,
            memory.state.optimizer_bytes / 1e9,
            memory.activations_bytes / 1e9,
            // Only a plan with a capacity can fail to fit.
            memory.capacity_bytes.unwrap_or_default() / 1e9,
        ))
        .into());
    }
    print(args.json, &plan, training_page(&plan), outputs)
}

/// Prints `value` as JSON, or `page` as text (with the files written);
/// writes `page` to each of `outputs`.
fn print<T: Serialize>(json: bool, value: &T, page: PlanPage, outputs: Outputs) -> Result<Outcome> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{}", page.text());
    }
    let written = outputs.write(|format| match format {
        Format::Html => plan_html(&page),
        _ => plan_markdown(&page),
    })?;
    if !json {
        // JSON on stdout stays one document.
        print_written(&written);
    }
    Ok(Outcome::Success)
}
