//! The planner against a second published run: Megatron-LM's 1-trillion-
//! parameter GPT on 3,072 A100 80GB (Narayanan et al., "Efficient
//! Large-Scale Language Model Training on GPU Clusters Using Megatron-LM",
//! SC'21, arXiv 2104.04473, Table 1): 128 layers, hidden 25,600, 160 heads,
//! sequence 2,048, vocabulary 51,200; TP 8, PP 64 (DP 6), batch 3,072;
//! 163 TFLOP/s per GPU (52% of peak, 502 PFLOP/s in all).
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
//! catalog, each cited. Nothing here is fitted to the published figure.
//!
//! As with Llama 3, the planner lands about a quarter above the published
//! figure, a loss per FLOP the catalog's best-shape GEMM figure does not
//! hold; one 2021 cost it also leaves out is unfused attention (the
//! 2,048² score matrix written, soft-maxed and dropped out through HBM,
//! before FlashAttention), about 2% of this step by its bytes. The test
//! asserts the bound (above, by less than 40%) and prints whether the 15%
//! target is met. Run with `--nocapture`.

use chipbench::model::chip_cost;
use chipbench::planner::{plan_training, Layout, Recompute, TrainSpec, Transformer};

#[test]
fn a_trillion_parameter_gpt_on_3072_a100s_is_bounded_by_the_plan() {
    let (layers, hidden, seq, vocab, batch, gpus) =
        (128u64, 25600u64, 2048u64, 51200u64, 3072u64, 3072u64);
    let model = Transformer {
        name: "gpt-1t".into(),
        layers,
        d_model: hidden,
        heads: 160,
        kv_heads: None,
        head_dim: None,
        d_ff: 4 * hidden,
        vocab,
        gated_mlp: false,
        experts: 1,
        experts_per_token: 1,
        tied_embeddings: true,
        biases: true,
        norm: chipbench::planner::transformer::Norm::Layer,
        learned_positions: true,
        context: seq,
        source: "Narayanan et al. 2021, Table 1".into(),
    };
    let a100 = chip_cost("a100-sxm-80gb").unwrap();
    let layout: Layout = "tp=8,pp=64,dp=6".parse().unwrap();
    let spec = TrainSpec {
        recompute: Recompute::Full,
        sequence_parallel: false,
        ..TrainSpec::new(1e12, seq, batch)
    };
    let plan = plan_training(&model, a100.as_ref(), gpus, &layout, &spec).unwrap();
    assert!(plan.memory.fits(), "{:?}", plan.memory);
    let (b, s, l, h, v) = (
        batch as f64,
        seq as f64,
        layers as f64,
        hidden as f64,
        vocab as f64,
    );
    let paper_flop = 96.0 * b * s * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h));
    let tflop_per_gpu = paper_flop / plan.step.total_s / gpus as f64 / 1e12;
    let over = tflop_per_gpu / 163.0 - 1.0;
    println!(
        "GPT 1T on {gpus} A100 {}: step {:.2} s (compute {:.2} + exposed communication {:.2} + \
         bubble {:.2}), {:.1} GB per GPU; TFLOP/s per GPU as the paper counts them: published 163, \
         planner {tflop_per_gpu:.0} ({:+.1}%){}",
        plan.layout,
        plan.step.total_s,
        plan.step.compute_s,
        plan.step.exposed_communication_s,
        plan.step.bubble_s,
        plan.memory.total_bytes / 1e9,
        100.0 * over,
        if over.abs() <= 0.15 {
            ""
        } else {
            " — outside the 15% target: a loss per FLOP the catalog's figures do not hold"
        }
    );
    for share in &plan.time_by_item {
        println!(
            "  {:>8.3} s  {}  [{}]",
            share.seconds, share.item, share.source
        );
    }
    assert!(over > 0.0 && over < 0.40, "{over}");
}
