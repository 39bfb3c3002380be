//! The planner against a published run: Llama 3 405B on H100 80GB.
//!
//! Published (The Llama 3 Herd of Models, arXiv 2407.21783, Table 4): with
//! TP 8, CP 1, PP 16, sequences of 8,192 tokens and 16M tokens per batch,
//! 8,192 GPUs (DP 64, 32 sequences per replica) reached 430 TFLOP/s per GPU
//! (43% BF16 MFU) and 16,384 GPUs (DP 128, 16 per replica) 400 (41%). The
//! Llama 3.1 model card: 30.84M H100 GPU-hours to train on 15.6T tokens.
//!
//! The pipeline schedule is the paper's (§3.3.2): interleaved, "V pipeline
//! stages on one pipeline rank", bubble (PP − 1)/(V·M), one Transformer
//! layer taken from the first and the last stages so that "the first model
//! chunk on the first stage has only the embedding, and the last model
//! chunk on the last stage has only output projection and loss". A chunk
//! is therefore one layer, 126 layers and those two chunks make 128 = PP·V,
//! so V = 8; M is the sequences per replica (micro-batches of one). ZeRO 1
//! and selective recomputation as the planner's defaults; chip figures from
//! the catalog, each cited. Nothing here is fitted to the published figures.
//!
//! What it shows (run with `--nocapture`): the schedule reproduces how
//! throughput falls from 8,192 to 16,384 GPUs, but both land about 35%
//! above the published figures, outside the 15% the planner aims for. Its
//! step is a sum of best-case operation times (datasheet roofs × best-shape
//! efficiencies, communication hidden wherever it can be); what a real
//! step loses beyond that sum (kernel tails and launch gaps, communication
//! slowing the compute it overlaps, document-mask imbalance, stragglers) it
//! does not model, so its throughput is an upper bound. The tests assert
//! that: above the published figure, by less than 40%, and the scaling
//! within 15%.

use chipbench::model::chip_cost;
use chipbench::planner::{plan_training, transformer, Layout, TrainPlan, TrainSpec};

const TOKENS: f64 = 15.6e12;
const SEQ: u64 = 8192;
/// 16M tokens per batch: 2,048 sequences of 8,192.
const GLOBAL_BATCH: u64 = 2048;
/// Interleaved chunks per pipeline rank, from §3.3.2 as above.
const LLAMA3_V: &str = "v=8";

/// The plan of one Table 4 layout, printed.
fn plan(chips_in_job: u64, layout: &str) -> TrainPlan {
    let model = transformer::resolve("llama3-405b").unwrap();
    let h100 = chip_cost("h100-sxm").unwrap();
    let layout: Layout = format!("{layout},{LLAMA3_V}").parse().unwrap();
    let spec = TrainSpec::new(TOKENS, SEQ, GLOBAL_BATCH);
    let plan = plan_training(&model, h100.as_ref(), chips_in_job, &layout, &spec).unwrap();
    assert!(plan.memory.fits(), "{:?}", plan.memory);
    println!(
        "{chips_in_job} GPUs {layout}: {:.0} TFLOP/s per GPU, MFU {:.1}%, step {:.2} s \
         (compute {:.2} + exposed communication {:.2} + bubble {:.2}), {:.1} GB per GPU, \
         {:.2}M GPU-hours for 15.6T tokens",
        plan.flop_per_s_per_chip / 1e12,
        100.0 * plan.mfu,
        plan.step.total_s,
        plan.step.compute_s,
        plan.step.exposed_communication_s,
        plan.step.bubble_s,
        plan.memory.total_bytes / 1e9,
        plan.run.chip_hours / 1e6
    );
    plan
}

/// How far `value` lands from `published`, printed with whether it meets the 15% target.
fn off(what: &str, value: f64, published: f64) -> f64 {
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
        if off.abs() <= 0.15 {
            ""
        } else {
            " — outside the 15% target: the planner's step is a sum of best-case op times"
        }
    );
    off
}

#[test]
fn the_papers_schedule_reproduces_the_fall_from_8k_to_16k_gpus() {
    let eight = plan(8192, "tp=8,cp=1,pp=16,dp=64");
    let sixteen = plan(16384, "tp=8,cp=1,pp=16,dp=128");
    let scaling = off(
        "per-GPU TFLOP/s at 16,384 ÷ at 8,192 GPUs (×1000)",
        1000.0 * sixteen.flop_per_s_per_chip / eight.flop_per_s_per_chip,
        1000.0 * 400.0 / 430.0,
    );
    assert!(scaling.abs() <= 0.15, "{scaling}");
}

#[test]
fn per_gpu_throughput_is_an_upper_bound_of_the_published_one() {
    for (chips, layout, published) in [
        (8192, "tp=8,cp=1,pp=16,dp=64", 430.0),
        (16384, "tp=8,cp=1,pp=16,dp=128", 400.0),
    ] {
        let plan = plan(chips, layout);
        let over = off(
            &format!("TFLOP/s per GPU on {chips} GPUs"),
            plan.flop_per_s_per_chip / 1e12,
            published,
        );
        assert!(over > 0.0 && over < 0.40, "{chips}: {over}");
    }
}

#[test]
fn the_runs_gpu_hours_are_a_lower_bound_of_the_published_ones() {
    // The whole 15.6T tokens at the 16,384-GPU layout. The published hours
    // also hold what one layout leaves out: the first 2.87T tokens at 4M and
    // 8M-token batches, long-context stages up to 128K tokens, annealing
    // (§3.4) and interruptions (above 90% effective training time, §3.3.4).
    let plan = plan(16384, "tp=8,cp=1,pp=16,dp=128");
    let under = off("GPU-hours", plan.run.chip_hours, 30.84e6);
    assert!(under < 0.0 && under > -0.40, "{under}");
    let flops = off("6·N·D FLOPs", plan.run.six_nd_flop, 3.8e25);
    assert!(flops.abs() < 0.01);
    println!("model FLOPs (with attention): {:.3e}", plan.run.model_flop);
}
