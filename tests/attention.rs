//! Every attention kernel on every backend against the f64 reference:
//! ragged lengths, grouped-query heads, causal masks with Sq < Skv and fully
//! masked rows, scores whose naive exp overflows, d = 80, f16, and the split
//! decode against the one-pass one.

mod common;

use chipbench::case::{Candidate, Case, Dtype};
use chipbench::gpu::{best_timer, Gpu};
use chipbench::reference::{AttentionDims, AttentionInputs, Verification};
use chipbench::workloads::{attention_case, attention_inputs, by_family, prepare_attention};

/// A shape with `hq` query heads over `hkv` K/V heads, batch 2.
fn dims(hq: usize, hkv: usize, sq: usize, skv: usize, d: usize, causal: bool) -> AttentionDims {
    AttentionDims {
        batch: 2,
        q_heads: hq,
        kv_heads: hkv,
        q_len: sq,
        kv_len: skv,
        head_dim: d,
        causal,
    }
}

/// Runs one operation of `candidate` on `inputs` and checks the output.
fn run_once(gpu: &Gpu, case: &Case, candidate: &Candidate, inputs: AttentionInputs) -> Verification {
    let prepared = prepare_attention(gpu, case, candidate, inputs, 7).expect("prepare");
    let mut timer = best_timer(gpu).expect("timer");
    prepared.sample(gpu, timer.as_mut(), 1).expect("dispatch");
    prepared.verify(gpu).expect("read back")
}

/// Every candidate of `family` at each of `shapes` passes, on every backend.
fn every_candidate_passes(family: &str, dtype: Dtype, shapes: &[AttentionDims], scale_q: f32) {
    let workload = by_family(family).expect("known family");
    for gpu in common::gpus() {
        if dtype == Dtype::F16 && !gpu.has(wgpu::Features::SHADER_F16) {
            continue;
        }
        for &shape in shapes {
            let case = attention_case(family, dtype, shape);
            let candidates = workload.candidates(&case, &gpu).expect("runnable");
            assert!(!candidates.is_empty(), "{}", case.name());
            for candidate in &candidates {
                let mut inputs = attention_inputs(&case, 11);
                inputs.q.iter_mut().for_each(|x| *x *= scale_q);
                let started = std::time::Instant::now();
                let verdict = run_once(&gpu, &case, candidate, inputs);
                eprintln!("{} {} {:?} {}: {:.2}s", case.name(), candidate.variant, candidate.constants, gpu.summary.backend, started.elapsed().as_secs_f64());
                assert!(
                    verdict.passed,
                    "{} {} {:?} on {}: {verdict:?}",
                    case.name(),
                    candidate.variant,
                    candidate.constants,
                    gpu.summary.backend
                );
            }
        }
    }
}

/// Ragged lengths, GQA, causal with Sq < Skv and Sq > Skv (fully masked rows), d = 80.
fn prefill_shapes() -> Vec<AttentionDims> {
    vec![
        dims(2, 2, 1, 1, 4, false),
        dims(2, 2, 64, 64, 64, false),
        dims(4, 2, 37, 257, 64, true),
        dims(2, 1, 65, 65, 80, true),
        dims(2, 2, 19, 9, 16, true),
        dims(2, 2, 70, 33, 128, false),
        dims(1, 1, 9, 12, 256, true),
    ]
}

#[test]
fn fused_kernels_match_the_reference() {
    every_candidate_passes("attention", Dtype::F32, &prefill_shapes(), 1.0);
}

#[test]
fn unfused_kernels_match_the_reference() {
    every_candidate_passes("attention_unfused", Dtype::F32, &prefill_shapes(), 1.0);
}

/// Decode shapes: Sq = 1 and a few rows, GQA and multi-head, causal with
/// Sq < Skv, ragged K/V lengths beyond one stretch of keys.
fn decode_shapes() -> Vec<AttentionDims> {
    vec![
        dims(8, 2, 1, 1025, 64, false),
        dims(4, 4, 1, 257, 128, true),
        dims(2, 1, 3, 300, 80, true),
        dims(6, 2, 5, 9, 16, true),
    ]
}

#[test]
fn one_pass_decode_matches_the_reference() {
    every_candidate_passes("attention_decode", Dtype::F32, &decode_shapes(), 1.0);
}

#[test]
fn split_decode_matches_the_reference() {
    every_candidate_passes("attention_decode_split", Dtype::F32, &decode_shapes(), 1.0);
}
