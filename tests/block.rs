//! The transformer block on every backend: prefill (with a KV cache before
//! the prompt, and enough tokens that the check samples rows) and a decode
//! step against the f64 reference, through a matmul variant that reads
//! buffers and one that reads textures, and through every candidate whose
//! widening and narrowing projections run different kernels (every
//! candidate's name splitting back into its kernels); a block missing a
//! stage fails the check; each stage is timed once over every layer where
//! the device times inside passes; the work of one layer is the
//! hand-counted sum of its stages; each of its small kernels alone (the
//! `elementwise_*` workloads a calibration measures) matches the reference.

mod common;

use chipbench::case::{Candidate, Case};
use chipbench::gpu::{best_timer, Gpu};
use chipbench::reference::{BlockDims, Method, Verification};
use chipbench::workloads::{
    block_case, block_stages, block_work, elementwise_case, prepare_block, split_candidate,
    validate, Block, Step, Workload, ELEMENTWISE_KERNELS,
};

/// Two layers of a narrow block: d_model 64 in 2 heads of 32, d_ff 128.
fn narrow(tokens: usize, kv_len: usize) -> BlockDims {
    BlockDims {
        layers: 2,
        tokens,
        kv_len,
        d_model: 64,
        heads: 2,
        d_ff: 128,
    }
}

/// One operation of `candidate` with the stages of `omit` left out, checked.
fn run_once(gpu: &Gpu, case: &Case, candidate: &Candidate, omit: &[Step]) -> Verification {
    let prepared = prepare_block(gpu, case, candidate, 5, omit).expect("prepare");
    let mut timer = best_timer(gpu).expect("timer");
    prepared.sample(gpu, timer.as_mut(), 2).expect("dispatch");
    prepared.verify(gpu).expect("read back")
}

/// One whole operation of `candidate`, which must pass its check.
fn verified(gpu: &Gpu, case: &Case, candidate: &Candidate) -> Verification {
    let verdict = run_once(gpu, case, candidate, &[]);
    assert!(
        verdict.passed,
        "{} {} on {}: {verdict:?}",
        case.name(),
        candidate.variant,
        gpu.summary.backend
    );
    verdict
}

/// The first candidate whose matmul reads textures and the first whose
/// matmul reads buffers (the two ways the block writes matmul operands).
fn both_operand_kinds(candidates: &[Candidate]) -> Vec<&Candidate> {
    let textures = candidates.iter().find(|c| c.variant.starts_with("texture"));
    let buffers = candidates
        .iter()
        .find(|c| !c.variant.starts_with("texture"));
    textures.into_iter().chain(buffers).collect()
}

#[test]
fn prefill_and_decode_match_the_reference() {
    // A prompt of 40 tokens after 8 cached ones (sampled rows), and one
    // decode step against a cache of 32.
    let shapes = [(narrow(40, 48), true), (narrow(1, 33), false)];
    for gpu in common::gpus() {
        for (dims, sampled) in shapes {
            let case = block_case(dims);
            let candidates = Block.candidates(&case, &gpu).expect("runnable");
            let chosen = both_operand_kinds(&candidates);
            assert_eq!(chosen.len(), 2, "{}: {candidates:?}", gpu.summary.backend);
            for candidate in chosen {
                let verdict = verified(&gpu, &case, candidate);
                assert_eq!(
                    matches!(verdict.method, Method::Sampled { .. }),
                    sampled,
                    "{verdict:?}"
                );
            }
        }
    }
}

#[test]
fn widening_and_narrowing_projections_may_run_different_kernels() {
    for gpu in common::gpus() {
        for dims in [narrow(40, 48), narrow(1, 33)] {
            let case = block_case(dims);
            let candidates = Block.candidates(&case, &gpu).expect("runnable");
            let mut mixed = Vec::new();
            for candidate in &candidates {
                let kernels = split_candidate(candidate).expect("a candidate splits");
                assert_eq!(&kernels.candidate(), candidate);
                if kernels.widening != kernels.narrowing {
                    mixed.push(candidate);
                }
            }
            assert!(
                !mixed.is_empty(),
                "{} on {}: {candidates:?}",
                case.name(),
                gpu.summary.backend
            );
            for candidate in mixed {
                verified(&gpu, &case, candidate);
            }
        }
    }
}

#[test]
fn a_block_missing_a_stage_fails_the_check() {
    let case = block_case(narrow(9, 12));
    for gpu in common::gpus() {
        let candidate = &Block.candidates(&case, &gpu).expect("runnable")[0];
        assert!(run_once(&gpu, &case, candidate, &[]).passed);
        for missing in [
            Step::Residual1,
            Step::Residual2,
            Step::Gelu,
            Step::SplitHeads,
        ] {
            let verdict = run_once(&gpu, &case, candidate, &[missing]);
            assert!(
                !verdict.passed,
                "{} without {missing:?} on {}: {verdict:?}",
                case.name(),
                gpu.summary.backend
            );
        }
    }
}

#[test]
fn the_work_of_a_layer_is_the_hand_counted_sum_of_its_stages() {
    let (s, d, h, ff) = (512usize, 768usize, 12usize, 3072usize);
    let gpt2 = |layers, tokens, kv_len| BlockDims {
        layers,
        tokens,
        kv_len,
        d_model: d,
        heads: h,
        d_ff: ff,
    };
    let matmuls = |s: usize| 2.0 * (s * d * 3 * d + s * d * d + 2 * s * d * ff) as f64;
    // Causal prefill: query i sees keys 0..=i, s·(s+1)/2 pairs per head.
    let prefill_pairs = (s * (s + 1) / 2) as f64;
    let attention = |pairs: f64| 4.0 * h as f64 * (d / h) as f64 * pairs;
    let one_layer = block_work(&gpt2(1, s, s));
    assert_eq!(one_layer.flop, matmuls(s) + attention(prefill_pairs));
    let twelve = block_work(&gpt2(12, s, s));
    assert_eq!(twelve.flop, 12.0 * one_layer.flop);
    assert_eq!(twelve.bytes_read, 12 * one_layer.bytes_read);
    // Decode: one token sees the whole cache of 512.
    let decode = block_work(&gpt2(1, 1, 512));
    assert_eq!(decode.flop, matmuls(1) + attention(512.0));
    // Bytes: every weight read once per layer (the matmuls' B) dominates decode.
    let weights_bytes = 4 * (d * 3 * d + d * d + 2 * d * ff) as u64;
    assert!(decode.bytes_read > weights_bytes);
    assert!(decode.bytes_read < weights_bytes + 4 * 4 * 512 * d as u64);
}

#[test]
fn stages_name_the_op_a_predictor_times() {
    let stages = block_stages(&BlockDims {
        layers: 12,
        tokens: 128,
        kv_len: 128,
        d_model: 768,
        heads: 12,
        d_ff: 3072,
    });
    let ops: Vec<String> = stages.iter().map(|s| s.op.name()).collect();
    assert_eq!(stages.len(), Step::ALL.len());
    for op in [
        "matmul_f32_128x2304x768",
        "matmul_f32_128x768x768",
        "matmul_f32_128x3072x768",
        "matmul_f32_128x768x3072",
        "attention_f32_b1_hq12_hkv12_sq128_skv128_d64_causal",
        "elementwise_layer_norm_f32_128x768",
        "elementwise_bias_residual_f32_128x768",
        "elementwise_bias_gelu_f32_128x3072",
        "elementwise_merge_heads_f32_128x768",
        // Splitting Q, K and V into heads, timed as merging three times the columns.
        "elementwise_merge_heads_f32_128x2304",
    ] {
        assert!(ops.iter().any(|o| o == op), "{op} not in {ops:?}");
    }
    let decode = block_stages(&BlockDims {
        tokens: 1,
        kv_len: 512,
        ..narrow(1, 1)
    });
    assert!(decode.iter().any(|s| s.op.workload == "attention_decode"));
}

#[test]
fn shapes_that_break_a_rule_are_refused_with_the_rule() {
    let case = block_case(narrow(40, 48));
    assert_eq!(case.name(), "block_f32_l2_s40_kv48_d64_h2_ff128");
    assert!(validate(&case).is_ok());
    let gpu = &common::gpus()[0];
    for (name, size, rule) in [
        ("kv", 39, "at least s"),
        ("h", 3, "multiple of h"),
        ("ff", 100, "multiples of 8"),
    ] {
        let broken = Case {
            shape: case.shape.clone().with(name, size),
            ..case.clone()
        };
        let error = Block.candidates(&broken, gpu).expect_err(name);
        assert!(error.contains(rule), "{error}");
    }
}

#[test]
fn each_stage_is_timed_once_over_every_layer() {
    let case = block_case(narrow(9, 9));
    let inside_passes =
        wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES;
    for gpu in common::gpus() {
        let candidate = &Block.candidates(&case, &gpu).expect("runnable")[0];
        let prepared = prepare_block(&gpu, &case, candidate, 5, &[]).expect("prepare");
        let Some(times) = prepared.stage_times(&gpu, 2).expect("timed") else {
            assert!(!gpu.has(inside_passes), "{}", gpu.summary.backend);
            continue;
        };
        // Two layers, twelve stages each: one time per stage, both layers' summed.
        let names: Vec<&str> = times.iter().map(|t| t.stage.as_str()).collect();
        let expected: Vec<&str> = Step::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, expected, "{}", gpu.summary.backend);
        assert!(times.iter().all(|t| t.seconds > 0.0), "{times:?}");
    }
}

#[test]
fn each_small_kernel_alone_matches_the_reference() {
    // Odd row counts; 128 and 192 floats: two and three heads of 64 to merge.
    for gpu in common::gpus() {
        for kernel in &ELEMENTWISE_KERNELS {
            for (tokens, width) in [(3, 128), (1, 192)] {
                let case = elementwise_case(kernel.0, tokens, width);
                assert!(validate(&case).is_ok(), "{}", case.name());
                let candidate = &kernel.candidates(&case, &gpu).expect("runnable")[0];
                let prepared = kernel.prepare(&gpu, &case, candidate, 7).expect("prepare");
                let mut timer = best_timer(&gpu).expect("timer");
                prepared.sample(&gpu, timer.as_mut(), 2).expect("dispatch");
                let verdict = prepared.verify(&gpu).expect("read back");
                assert!(
                    verdict.passed,
                    "{} on {}: {verdict:?}",
                    case.name(),
                    gpu.summary.backend
                );
            }
        }
        // Heads of 64 cannot split 100 floats.
        let merge = &ELEMENTWISE_KERNELS[3];
        let error = merge
            .candidates(&elementwise_case(merge.0, 2, 100), &gpu)
            .expect_err("d not a multiple of 64");
        assert!(error.contains("multiple of 64"), "{error}");
    }
}
