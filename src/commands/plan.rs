//! `chipbench plan`: training or inference of a transformer on N chips of
//! a catalog chip or a calibrated profile (`model::chip_cost`).

use anyhow::Result;
use serde::Serialize;

use super::Outcome;
use crate::cli::PlanArgs;
use crate::model;
use crate::planner::{
    plan_inference, plan_training, render, search_layouts, smallest_change, transformer, InferSpec,
    Layout, Pinned, PlanError, TrainSpec,
};

/// Tokens per step the default global batch aims at (about 4M, the scale
/// of GPT-3's 3.2M and Llama 3's first 4M-token batches).
const DEFAULT_BATCH_TOKENS: u64 = 1 << 22;

/// Plans what `args` asks and prints it as a table or JSON.
pub fn plan(args: &PlanArgs) -> Result<Outcome> {
    let model = transformer::resolve(&args.model)?;
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
        return print(args.json, &plan, || render::inference(&plan));
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
        power_fraction: args.power_fraction,
        price_per_chip_hour: args.price_per_chip_hour,
        ..defaults
    };
    let Some(layout) = &args.layout else {
        let pinned = Pinned {
            micro_batch: args.micro_batch,
            recompute: args.recompute,
        };
        let result = search_layouts(&model, chip, args.chips, &spec, pinned)?;
        return print(args.json, &result, || render::search(&result));
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
    print(args.json, &plan, || render::training(&plan))
}

/// Prints `value` as JSON, or the text `render` makes.
fn print<T: Serialize>(json: bool, value: &T, render: impl FnOnce() -> String) -> Result<Outcome> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{}", render());
    }
    Ok(Outcome::Success)
}
