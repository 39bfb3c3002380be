//! Every attention kernel on every backend against the f64 reference:
//! ragged lengths (Skv = 257, 1025), grouped-query heads, causal masks with
//! Sq < Skv and with fully masked rows (Sq > Skv: they must read 0, never
//! NaN), scores whose naive exp overflows, d = 80 and 256, f16 where the
//! adapter has it, and the split decode against the one-pass one.

mod common;

use chipbench::case::{Candidate, Case, Dtype};
use chipbench::gpu::{best_timer, Gpu};
use chipbench::reference::{exp_allowance, AttentionDims, AttentionInputs, Verification};
use chipbench::workloads::{
    attention_case, attention_inputs, attention_output, by_family, prepare_attention,
    ATTENTION_FAMILIES,
};

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
fn run_once(
    gpu: &Gpu,
    case: &Case,
    candidate: &Candidate,
    inputs: AttentionInputs,
) -> Verification {
    let prepared = prepare_attention(gpu, case, candidate, inputs, 7).expect("prepare");
    let mut timer = best_timer(gpu).expect("timer");
    prepared.sample(gpu, timer.as_mut(), 1).expect("dispatch");
    prepared.verify(gpu).expect("read back")
}

/// Every candidate of `family` at each of `shapes`, with Q scaled by
/// `q_scale`, passes on every backend (f16 where the adapter has it).
fn every_candidate_passes(family: &str, dtype: Dtype, shapes: &[AttentionDims], q_scale: f32) {
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
                inputs.q.iter_mut().for_each(|x| *x *= q_scale);
                let verdict = run_once(&gpu, &case, candidate, inputs);
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

/// Prefill shapes: one row and one key; GQA with causal Sq < Skv and a
/// ragged Skv; d = 80; Sq > Skv under the causal mask (rows 0..9 see no key);
/// a ragged K/V length past 1024; d = 128 and 256.
fn prefill_shapes() -> Vec<AttentionDims> {
    vec![
        dims(2, 2, 1, 1, 4, false),
        dims(4, 2, 37, 257, 64, true),
        dims(2, 1, 65, 65, 80, true),
        dims(2, 2, 19, 9, 16, true),
        dims(2, 1, 17, 1025, 32, false),
        dims(2, 2, 70, 33, 128, false),
        dims(1, 1, 9, 12, 256, true),
    ]
}

/// Decode shapes: Sq = 1 and a few rows, GQA and multi-head (one row of a
/// workgroup's four computed), groups of 3, causal with Sq < Skv, K/V
/// lengths past one stretch of keys.
fn decode_shapes() -> Vec<AttentionDims> {
    vec![
        dims(8, 2, 1, 1025, 64, false),
        dims(4, 4, 1, 257, 128, true),
        dims(2, 1, 3, 300, 80, true),
        dims(6, 2, 5, 9, 16, true),
        // Three rows of a workgroup's four exist (ROWS = 3).
        dims(6, 2, 1, 520, 32, false),
    ]
}

/// A few shapes of each kind for the f16 and large-score checks.
fn few(family: &str) -> Vec<AttentionDims> {
    match family {
        "attention" | "attention_unfused" => {
            vec![dims(4, 2, 37, 257, 64, true), dims(2, 2, 19, 9, 16, true)]
        }
        _ => vec![dims(8, 2, 1, 1025, 64, false), dims(2, 1, 3, 300, 80, true)],
    }
}

#[test]
fn fused_kernels_match_the_reference() {
    every_candidate_passes("attention", Dtype::F32, &prefill_shapes(), 1.0);
}

#[test]
fn unfused_kernels_match_the_reference() {
    every_candidate_passes("attention_unfused", Dtype::F32, &prefill_shapes(), 1.0);
}

#[test]
fn one_pass_decode_matches_the_reference() {
    every_candidate_passes("attention_decode", Dtype::F32, &decode_shapes(), 1.0);
}

#[test]
fn split_decode_matches_the_reference() {
    every_candidate_passes("attention_decode_split", Dtype::F32, &decode_shapes(), 1.0);
}

#[test]
fn every_family_matches_the_reference_in_f16() {
    for family in ATTENTION_FAMILIES {
        every_candidate_passes(family, Dtype::F16, &few(family), 1.0);
    }
}

/// How much larger than the others Q's values are in the overflow test.
const Q_SCALE: f32 = 300.0;

/// Q × [`Q_SCALE`] puts scores in the hundreds: exp of them overflows f32 (past
/// 88.7), so only a max-subtracted softmax survives.
#[test]
fn scores_whose_exp_overflows_stay_finite_and_right() {
    let shape = few("attention")[0];
    let case = attention_case("attention", Dtype::F32, shape);
    let mut inputs = attention_inputs(&case, 11);
    inputs.q.iter_mut().for_each(|x| *x *= Q_SCALE);
    let d = shape.head_dim;
    let largest = (0..shape.kv_len)
        .map(|j| {
            let dot: f32 = (0..d).map(|c| inputs.q[c] * inputs.k[j * d + c]).sum();
            dot / (d as f32).sqrt()
        })
        .fold(f32::MIN, f32::max);
    assert!(largest.exp().is_infinite(), "scores too small: {largest}");
    for family in ATTENTION_FAMILIES {
        every_candidate_passes(family, Dtype::F32, &few(family), Q_SCALE);
    }
}

/// The split decode (partials merged) and the one-pass decode agree with
/// each other, not only with the reference, for every split count.
#[test]
fn split_and_one_pass_decode_agree() {
    let [_, _, one_pass, split] = ATTENTION_FAMILIES;
    for gpu in common::gpus() {
        for shape in decode_shapes() {
            let case = attention_case(one_pass, Dtype::F32, shape);
            let inputs = attention_inputs(&case, 5);
            let first = by_family(one_pass)
                .unwrap()
                .candidates(&case, &gpu)
                .unwrap()[0]
                .clone();
            let whole = attention_output(&gpu, &case, &first, inputs.clone()).unwrap();
            let split_case = attention_case(split, Dtype::F32, shape);
            for candidate in by_family(split)
                .unwrap()
                .candidates(&split_case, &gpu)
                .unwrap()
            {
                let parts =
                    attention_output(&gpu, &split_case, &candidate, inputs.clone()).unwrap();
                let worst = whole
                    .iter()
                    .zip(&parts)
                    .map(|(a, b)| f64::from((a - b).abs()))
                    .fold(0.0, f64::max);
                assert!(
                    worst <= 2.0 * exp_allowance(shape.kv_len),
                    "{} {:?} on {}: differs by {worst}",
                    split_case.name(),
                    candidate.constants,
                    gpu.summary.backend
                );
            }
        }
    }
}

/// A head dimension the kernels cannot read is a clear error naming the
/// rule, and so is a query head count that is not a multiple of the K/V heads.
#[test]
fn unreadable_shapes_are_refused_with_the_rule() {
    let gpu = &common::gpus()[0];
    for family in ATTENTION_FAMILIES {
        let workload = by_family(family).unwrap();
        let odd_d = attention_case(family, Dtype::F32, dims(2, 2, 4, 4, 6, false));
        let reason = workload.candidates(&odd_d, gpu).unwrap_err();
        assert!(reason.contains("multiple of 4"), "{family}: {reason}");
        let odd_heads = attention_case(family, Dtype::F32, dims(3, 2, 4, 4, 8, false));
        let reason = workload.candidates(&odd_heads, gpu).unwrap_err();
        assert!(reason.contains("multiple of hkv"), "{family}: {reason}");
    }
}

/// The unfused path declares its score matrix (rows of Skv padded to 8),
/// and the variants through the matmul kernels their Kᵀ (d8 × Skv8 per K/V
/// head), so a variant whose scratch exceeds a binding is reported
/// unavailable before anything runs.
#[test]
fn unfused_declares_its_scratch() {
    let shape = dims(4, 2, 37, 257, 68, true);
    let case = attention_case("attention_unfused", Dtype::F32, shape);
    let workload = by_family("attention_unfused").unwrap();
    let candidates = workload.candidates(&case, &common::gpus()[0]).unwrap();
    let scratch = |variant: &str, what: &str| {
        let candidate = candidates.iter().find(|c| c.variant.starts_with(variant));
        let buffers = workload.buffers(&case, candidate.expect(variant));
        buffers
            .into_iter()
            .find(|(name, _)| name == what)
            .map(|(_, bytes)| bytes)
    };
    let scores = Some((2 * 4 * 37 * 264 * 4) as u64);
    assert_eq!(scratch("tiled", "scores"), scores);
    assert_eq!(scratch("tiled", "k_transposed"), None);
    assert_eq!(scratch("matmul_", "scores"), scores);
    assert_eq!(
        scratch("matmul_", "k_transposed"),
        Some((2 * 2 * 72 * 264 * 4) as u64)
    );
}

/// f16 cases offer only the tiled variant: P is f32, which the matmul
/// kernels' A could not be in an f16 product.
#[test]
fn unfused_f16_runs_only_its_own_kernels() {
    let case = attention_case(
        "attention_unfused",
        Dtype::F16,
        dims(4, 2, 37, 257, 64, true),
    );
    let workload = by_family("attention_unfused").unwrap();
    for gpu in common::gpus() {
        if !gpu.has(wgpu::Features::SHADER_F16) {
            continue;
        }
        let candidates = workload.candidates(&case, &gpu).unwrap();
        let variants: Vec<String> = candidates.into_iter().map(|c| c.variant).collect();
        assert_eq!(variants, ["tiled"], "{}", gpu.summary.backend);
    }
}
