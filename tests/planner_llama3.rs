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
//! same distance above (+30 to +36%). So the tests count causal attention.
//!
//! What it shows (run with `--nocapture`): the schedule reproduces how
//! throughput falls from 8,192 to 16,384 GPUs, but all three rows land
//! about a third above the published figures, outside the 15% the planner
//! aims for, by a margin nearly the same in rows whose communication,
//! bubble and attention shares differ widely: a loss per FLOP the
//! catalog's best-shape GEMM and attention figures do not hold (README,
//! "Checked against published runs"). Its throughput is an upper bound;
//! the tests assert that: above the published figure, by less than 40%,
//! and the scaling within 15%.

use chipbench::model::chip_cost;
use chipbench::planner::{plan_training, transformer, Layout, Recompute, TrainPlan, TrainSpec};

const TOKENS: f64 = 15.6e12;
/// The long-context stage, "approximately 800B training tokens" in six
/// steps from 8K to 128K (§3.4.2), planned at 128K as Table 4's third row.
const LONG_CONTEXT_TOKENS: f64 = 800e9;
const SEQ: u64 = 8192;
const LONG_SEQ: u64 = 131_072;
/// 16M tokens per batch: 2,048 sequences of 8,192 (or 128 of 131,072).
const BATCH_TOKENS: u64 = 16 * 1024 * 1024;
/// Interleaved chunks per pipeline rank, from §3.3.2 as above.
const LLAMA3_V: &str = "v=8";

/// The plan of one Table 4 layout at sequence length `seq`, printed.
fn plan(chips_in_job: u64, layout: &str, seq: u64, tokens: f64) -> TrainPlan {
    let model = transformer::resolve("llama3-405b").unwrap();
    let h100 = chip_cost("h100-sxm").unwrap();
    let layout: Layout = format!("{layout},{LLAMA3_V}").parse().unwrap();
    // "we could pretrain Llama 3 on sequences of 8K tokens without
    // activation checkpointing" (§3.3.2), with FSDP sharding optimizer
    // state and gradients but not resharding weights after the forward:
    // ZeRO 2.
    let spec = TrainSpec {
        recompute: Recompute::None,
        zero: 2,
        ..TrainSpec::new(tokens, seq, BATCH_TOKENS / seq)
    };
    let plan = plan_training(&model, h100.as_ref(), chips_in_job, &layout, &spec).unwrap();
    assert!(plan.memory.fits(), "{:?}", plan.memory);
    println!(
        "{chips_in_job} GPUs {layout}, seq {seq}: {:.0} TFLOP/s per GPU as the paper counts them \
         ({:.0} as the planner does), step {:.2} s \
         (compute {:.2} + exposed communication {:.2} + bubble {:.2}), {:.1} GB per GPU, \
         {:.2}M GPU-hours for {:.1}T tokens",
        papers_tflop_per_gpu(&plan),
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
    plan
}

/// Per-GPU TFLOP/s counted as Llama 3 evidently counts them (see the
/// module's notes): 6 · matmul parameters + 6 · layers · d_attn · seq per
/// token, attention over the causal pairs only.
fn papers_tflop_per_gpu(plan: &TrainPlan) -> f64 {
    let model = transformer::resolve("llama3-405b").unwrap();
    let seq = plan.spec.seq as f64;
    let per_token = 6.0 * model.active_matmul_params() as f64
        + 6.0 * (model.layers * model.d_attn()) as f64 * seq;
    plan.tokens_per_step * per_token / plan.step.total_s / plan.chips as f64 / 1e12
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
            format!(
                " — outside the {:.0}% target: a loss per FLOP the catalog's figures do not hold",
                100.0 * target
            )
        }
    );
    off
}

#[test]
fn the_papers_schedule_reproduces_the_fall_from_8k_to_16k_gpus() {
    let eight = plan(8192, "tp=8,cp=1,pp=16,dp=64", SEQ, TOKENS);
    let sixteen = plan(16384, "tp=8,cp=1,pp=16,dp=128", SEQ, TOKENS);
    let scaling = off(
        "per-GPU TFLOP/s at 16,384 ÷ at 8,192 GPUs (×1000)",
        1000.0 * papers_tflop_per_gpu(&sixteen) / papers_tflop_per_gpu(&eight),
        1000.0 * 400.0 / 430.0,
        0.15,
    );
    assert!(scaling.abs() <= 0.15, "{scaling}");
}

#[test]
fn per_gpu_throughput_is_an_upper_bound_of_the_published_one() {
    for (chips, layout, seq, published) in [
        (8192, "tp=8,cp=1,pp=16,dp=64", SEQ, 430.0),
        (16384, "tp=8,cp=1,pp=16,dp=128", SEQ, 400.0),
        (16384, "tp=8,cp=16,pp=16,dp=8", LONG_SEQ, 380.0),
    ] {
        let plan = plan(chips, layout, seq, TOKENS);
        let over = off(
            &format!("TFLOP/s per GPU on {chips} GPUs at seq {seq}"),
            papers_tflop_per_gpu(&plan),
            published,
            0.15,
        );
        assert!(over > 0.0 && over < 0.40, "{chips}: {over}");
    }
}

#[test]
fn the_runs_gpu_hours_are_a_lower_bound_of_the_published_ones() {
    // 15.6T tokens: the long-context stage's 800B at Table 4's 128K layout,
    // the rest at its 16,384-GPU 8K layout. Left out, so the plan is a lower
    // bound: the first 2.87T tokens ran at 4M- and 8M-token batches (§3.4.1),
    // whose fewer micro-batches per replica leave more pipeline bubble; the
    // long-context stage's shorter steps before 128K; annealing; and
    // interruptions (above 90% effective training time, §3.3.4).
    let short = plan(
        16384,
        "tp=8,cp=1,pp=16,dp=128",
        SEQ,
        TOKENS - LONG_CONTEXT_TOKENS,
    );
    let long = plan(
        16384,
        "tp=8,cp=16,pp=16,dp=8",
        LONG_SEQ,
        LONG_CONTEXT_TOKENS,
    );
    let hours = short.run.chip_hours + long.run.chip_hours;
    let under = off("GPU-hours", hours, 30.84e6, 0.20);
    assert!(under < 0.0 && under > -0.40, "{under}");
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
