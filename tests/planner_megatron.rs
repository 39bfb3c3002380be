//! The planner against a second published run: Megatron-LM's 1-trillion-
//! parameter GPT on 3,072 A100 80GB (Narayanan et al., "Efficient
//! Large-Scale Language Model Training on GPU Clusters Using Megatron-LM",
//! SC'21, arXiv 2104.04473, Table 1): 128 layers, hidden 25,600, 160 heads,
//! sequence 2,048, vocabulary 51,200; TP 8, PP 64 (DP 6), batch 3,072;
//! 163 TFLOP/s per GPU (52% of peak, 502 PFLOP/s in all). The run is
//! `megatron-1t` in `data/published_runs.toml`, held out of the fit of the
//! A100's training-step efficiency (which the table's nine other rows give,
//! tests/published_runs.rs).
//!
//! The paper counts FLOPs its own way (§5.1): 96·B·s·l·h²·(1 + s/6h +
//! V/16lh) per iteration, which includes the forward pass that full
//! activation recomputation runs again. So the planner is given full
//! recomputation and micro-batches of one sequence, and its predicted step
//! time is turned into TFLOP/s with that same count. No sequence
//! parallelism, which came a year later (Korthikanti et al. 2022): the
//! tensor-parallel group all-reduces, unoverlapped (the f and g operators of Shoeybi et al. 2019, §3), and runs norms
//! and residuals on every token on every rank. No interleaving (the table
//! names none); ZeRO 1 is the planner's default. Chip figures from the
//! catalog, each cited.
//!
//! With the catalog's rates alone the plan landed 24% above the published
//! figure; with the fitted training-step efficiency it lands within the 15%
//! the planner aims for (12% below), and the test asserts that. One 2021
//! cost it leaves out is unfused attention (the 2,048² score matrix
//! written, soft-maxed and dropped out through HBM, before FlashAttention),
//! about 2% of this step by its bytes. Run with `--nocapture`.

mod published;

use chipbench::model::chip_cost;
use published::published_run;

#[test]
fn a_trillion_parameter_gpt_on_3072_a100s_lands_within_15_percent() {
    let run = published_run("megatron-1t");
    let plan = run.plan(chip_cost(&run.run.chip).unwrap().as_ref());
    assert!(plan.memory.fits(), "{:?}", plan.memory);
    let tflop_per_gpu = run.tflop_per_s_per_gpu(plan.step.total_s).unwrap();
    let off = run.throughput_error(plan.step.total_s);
    println!(
        "GPT 1T on {} A100 {}: step {:.2} s (compute {:.2} + exposed communication {:.2} + \
         bubble {:.2}), {:.1} GB per GPU; TFLOP/s per GPU as the paper counts them: published 163, \
         planner {tflop_per_gpu:.0} ({:+.1}%)",
        run.run.gpus,
        plan.layout,
        plan.step.total_s,
        plan.step.compute_s,
        plan.step.exposed_communication_s,
        plan.step.bubble_s,
        plan.memory.total_bytes / 1e9,
        100.0 * off,
    );
    for share in &plan.time_by_item {
        println!("  {:>8.3} s  {}", share.seconds, share.item);
    }
    assert!(off.abs() < 0.15, "{off}");
}
