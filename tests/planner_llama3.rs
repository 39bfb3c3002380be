//! The planner against a published run: Llama 3 405B on H100 80GB.
//!
//! Published (The Llama 3 Herd of Models, arXiv 2407.21783, Table 4), 16M
//! tokens per batch: with TP 8, CP 1, PP 16 and sequences of 8,192 tokens,
//! 8,192 GPUs (DP 64, 32 sequences per replica) reached 430 TFLOP/s per GPU
//! and 16,384 GPUs (DP 128, 16 per replica) 400; with CP 16 and sequences
//! of 131,072 (DP 8, 16 per replica), 380. The Llama 3.1 model card: 30.84M
//! H100 GPU-hours to train on 15.6T tokens.
//!
//! The pipeline schedule is the paper's (§3.3.2): interleaved, "V pipeline
//! stages on one pipeline rank", bubble (PP − 1)/(V·M), one Transformer
//! layer taken from the first and the last stages so that "the first model
//! chunk on the first stage has only the embedding, and the last model
//! chunk on the last stage has only output projection and loss". A chunk
//! is therefore one layer, 126 layers and those two chunks make 128 = PP·V,
//! so V = 8; M is the sequences per replica (micro-batches of one). No
//! activation recomputation and ZeRO 2, as §3.3.2 describes (see [`plan`]).
//! Chip figures from the catalog, each cited. Nothing here is fitted to the
//! published figures.
//!
//! How the paper counts FLOPs it does not say; its 128K row does. Counted
//! as PaLM and Megatron-LM count them (attention over every query-key pair,
//! 12·L·d·s per token), the planner's 128K figure lands 91% above the
//! published one against 36% for the 8K rows: at 128K attention is 57% of
//! that count, and half of it is masked work no causal kernel does. Counted
//! over the pairs a causal mask keeps (6·L·d·s), all three rows land the
//! same distance above (+30 to +36% at the catalog's rates alone). So the
//! tests count causal attention.
//!
//! The three layouts are held-out runs of `data/published_runs.toml`
//! (`llama3-405b-*`): the H100's training-step efficiency is fitted on
//! other published H100 runs (NVIDIA's DGX Cloud recipes, see
//! tests/published_runs.rs), never on these.
//!
//! The paper describes no overlap of tensor-parallel communication with
//! the matmuls, so these plans charge it in full; the DGX Cloud runs the
//! efficiency is fitted on overlap it, as their recipes say.
//!
//! What it shows (run with `--nocapture`): the schedule reproduces how
//! throughput falls from 8,192 to 16,384 GPUs. With the catalog's rates
//! alone all three rows landed about a third above the published figures;
//! with the fitted efficiency the 8K rows land 7–8% above and the 128K row
//! 11%, within the 15% the planner aims for. The GPU-hours, at the plan's
//! default goodput of 0.90 (MegaScale's and Llama 3's effective training
//! time), land 6% below the published ones, within the 20% target; the
//! steps alone (goodput 1) land 15% below. The tests assert those targets:
//! above the published throughput by less than 15%, below the published
//! hours by less than 20%, the scaling within 15%.

mod published;

use chipbench::model::chip_cost;
use chipbench::planner::{TrainPlan, DEFAULT_GOODPUT};
use published::{published_run, Published};

const TOKENS: f64 = 15.6e12;
/// The long-context stage, "approximately 800B training tokens" in six
/// steps from 8K to 128K (§3.4.2), planned at 128K as Table 4's third row.
const LONG_CONTEXT_TOKENS: f64 = 800e9;
/// Table 4's rows in `data/published_runs.toml`.
const EIGHT_K_ON_8192: &str = "llama3-405b-8k-8192";
const EIGHT_K_ON_16384: &str = "llama3-405b-8k-16384";
const LONG_ON_16384: &str = "llama3-405b-128k-16384";

/// The plan of the Table 4 row `id` over `tokens`, printed.
fn plan(id: &str, tokens: f64) -> (Published, TrainPlan) {
    let run = published_run(id);
    let plan = run.plan_tokens(chip_cost(&run.run.chip).unwrap().as_ref(), tokens);
    assert!(plan.memory.fits(), "{:?}", plan.memory);
    println!(
        "{} GPUs {}, seq {}: {:.0} TFLOP/s per GPU as the paper counts them \
         ({:.0} as the planner does), step {:.2} s \
         (compute {:.2} + exposed communication {:.2} + bubble {:.2}), {:.1} GB per GPU, \
         {:.2}M GPU-hours for {:.1}T tokens",
        plan.chips,
        plan.layout,
        plan.spec.seq,
        papers_tflop_per_gpu(&run, &plan),
        plan.flop_per_s_per_chip / 1e12,
        plan.step.total_s,
        plan.step.compute_s,
        plan.step.exposed_communication_s,
        plan.step.bubble_s,
        plan.memory.total_bytes / 1e9,
        plan.run.chip_hours / 1e6,
        tokens / 1e12
    );
    for share in plan.time_by_item.iter().take(8) {
        println!("  {:>8.3} s  {}", share.seconds, share.item);
    }
    (run, plan)
}

/// Per-GPU TFLOP/s counted as Llama 3 evidently counts them (see the
/// module's notes): 6 · matmul parameters + 6 · layers · d_attn · seq per
/// token, attention over the causal pairs only.
fn papers_tflop_per_gpu(run: &Published, plan: &TrainPlan) -> f64 {
    run.tflop_per_s_per_gpu(plan.step.total_s).unwrap()
}

/// How far `value` lands from `published`, printed with whether it meets `target`.
fn off(what: &str, value: f64, published: f64, target: f64) -> f64 {
    let off = value / published - 1.0;
    let show = |x: f64| {
        if x >= 1e6 {
            format!("{x:.3e}")
        } else {
            format!("{x:.0}")
        }
    };
    println!(
        "{what}: published {}, planner {} ({:+.1}%){}",
        show(published),
        show(value),
        100.0 * off,
        if off.abs() <= target {
            String::new()
        } else {
            format!(" — outside the {:.0}% target", 100.0 * target)
        }
    );
    off
}

#[test]
fn the_papers_schedule_reproduces_the_fall_from_8k_to_16k_gpus() {
    let (eight_run, eight) = plan(EIGHT_K_ON_8192, TOKENS);
    let (sixteen_run, sixteen) = plan(EIGHT_K_ON_16384, TOKENS);
    let scaling = off(
        "per-GPU TFLOP/s at 16,384 ÷ at 8,192 GPUs (×1000)",
        1000.0 * papers_tflop_per_gpu(&sixteen_run, &sixteen)
            / papers_tflop_per_gpu(&eight_run, &eight),
        1000.0 * 400.0 / 430.0,
        0.15,
    );
    assert!(scaling.abs() <= 0.15, "{scaling}");
}

#[test]
fn per_gpu_throughput_lands_above_the_published_one_by_less_than_15_percent() {
    for id in [EIGHT_K_ON_8192, EIGHT_K_ON_16384, LONG_ON_16384] {
        let (run, plan) = plan(id, TOKENS);
        let over = off(
            &format!("TFLOP/s per GPU, {id}"),
            papers_tflop_per_gpu(&run, &plan),
            run.run.published_tflop_per_s_per_gpu.unwrap(),
            0.15,
        );
        assert!(over > 0.0 && over < 0.15, "{id}: {over}");
    }
}

#[test]
fn the_runs_gpu_hours_land_below_the_published_ones_by_less_than_20_percent() {
    // 15.6T tokens: the long-context stage's 800B at Table 4's 128K layout,
    // the rest at its 16,384-GPU 8K layout, at the default goodput (0.90),
    // as a user gets the plan: Llama 3 reports "higher than 90% effective
    // training time" (§3.3.4), so this term may overstate the hours a
    // little. Left out, so the plan is otherwise a lower bound: the first
    // 2.87T tokens ran at 4M- and 8M-token batches (§3.4.1), whose fewer
    // micro-batches per replica leave more pipeline bubble; the
    // long-context stage's shorter steps before 128K; and annealing.
    let (_, short) = plan(EIGHT_K_ON_16384, TOKENS - LONG_CONTEXT_TOKENS);
    let (_, long) = plan(LONG_ON_16384, LONG_CONTEXT_TOKENS);
    assert!([&short, &long]
        .iter()
        .all(|p| p.run.goodput == DEFAULT_GOODPUT));
    let hours = short.run.chip_hours + long.run.chip_hours;
    off(
        "GPU-hours of the steps alone (goodput 1)",
        hours * DEFAULT_GOODPUT,
        30.84e6,
        0.20,
    );
    let under = off(
        &format!("GPU-hours at the default goodput {DEFAULT_GOODPUT:.2}"),
        hours,
        30.84e6,
        0.20,
    );
    assert!(under < 0.0 && under > -0.20, "{under}");
    let flops = off(
        "6·N·D FLOPs",
        short.run.six_nd_flop + long.run.six_nd_flop,
        3.8e25,
        0.01,
    );
    assert!(flops.abs() < 0.01);
    println!(
        "model FLOPs (with attention): {:.3e}",
        short.run.model_flop + long.run.model_flop
    );
}
