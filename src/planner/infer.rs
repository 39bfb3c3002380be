//! Inference on N chips with tensor parallelism across all of them: time to
//! first token (the prefill of the prompts, compute-bound), inter-token
//! latency (one decode step: every weight and the KV cache read for one
//! token per sequence), throughput at a concurrency, and memory.

use serde::Serialize;

use super::cost::{OpCost, Precision, TimeShare};
use super::forward::{forward_pass, ledger_of, ForwardShape, OpTime};
use super::ops::ACTIVATION_BYTES;
use super::transformer::Transformer;
use super::PlanError;

/// What to serve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InferSpec {
    /// Prompt tokens per request.
    pub prompt: u64,
    /// Generated tokens per request.
    pub generate: u64,
    /// Requests served at once (one batch).
    pub concurrency: u64,
    /// Weight precision (and FP8 KV cache with FP8).
    pub precision: Precision,
}

impl InferSpec {
    /// Bytes per element of the KV cache: FP8 with FP8 weights, BF16 otherwise.
    pub fn kv_bytes(&self) -> f64 {
        match self.precision {
            Precision::Fp8 => 1.0,
            _ => ACTIVATION_BYTES,
        }
    }
}

/// Bytes per chip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InferenceMemory {
    /// This chip's share of the weights.
    pub weights_bytes: f64,
    /// This chip's share of the KV cache at the longest context.
    pub kv_cache_bytes: f64,
    /// Of it, the bytes one token of one request keeps (K and V of every layer).
    pub kv_bytes_per_token: f64,
    /// The prefill's largest intermediate tensors.
    pub activations_bytes: f64,
    /// All of it.
    pub total_bytes: f64,
    /// The chip's memory (None where its source gives none: then it is not checked).
    pub capacity_bytes: Option<f64>,
}

/// An inference plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InferencePlan {
    /// The model's name.
    pub model: String,
    /// The chip's name.
    pub chip: String,
    /// Chips, all in one tensor-parallel group.
    pub chips: u64,
    /// The request mix.
    pub spec: InferSpec,
    /// Time to first token: the prefill of `concurrency` prompts, seconds.
    pub ttft_s: f64,
    /// Mean time between generated tokens (a decode step at the mean context), seconds.
    pub itl_s: f64,
    /// Time from a request's arrival to its last token, seconds.
    pub request_s: f64,
    /// Generated tokens per second over all streams.
    pub throughput_tokens_per_s: f64,
    /// Generated tokens per second of one stream while decoding.
    pub stream_tokens_per_s: f64,
    /// FLOP/s per chip during prefill (causal attention counted as run).
    pub prefill_flop_per_s_per_chip: f64,
    /// Prefill FLOP/s as a share of the datasheet peak.
    pub prefill_mfu: f64,
    /// Memory per chip.
    pub memory: InferenceMemory,
    /// Prefill time by item and source.
    pub prefill_by_item: Vec<TimeShare>,
    /// Decode-step time by item and source.
    pub decode_by_item: Vec<TimeShare>,
    /// Each operation of the prefill, in the order it runs.
    pub prefill_ops: Vec<OpTime>,
    /// Each operation of the decode step at the mean context.
    pub decode_ops: Vec<OpTime>,
    /// What a reader must know about the times (see [`super::cost::Timed::notes`]).
    pub notes: Vec<String>,
}

/// Plans serving `spec` with `model` on `chips` chips of `cost`'s kind.
pub fn plan_inference(
    model: &Transformer,
    cost: &dyn OpCost,
    chips: u64,
    spec: &InferSpec,
) -> Result<InferencePlan, PlanError> {
    if chips == 0 {
        return Err(PlanError::Input("--chips must be at least 1".into()));
    }
    if spec.prompt == 0 || spec.generate == 0 || spec.concurrency == 0 {
        return Err(PlanError::Input(
            "--prompt, --generate and --concurrency must be at least 1".into(),
        ));
    }
    tensor_parallel_fits(model, chips)?;
    let facts = cost.chip();
    let memory = inference_memory(model, chips, spec, facts.memory_bytes);
    if let Some(capacity) = memory.capacity_bytes.filter(|&c| memory.total_bytes > c) {
        let needed = (1..=model.heads)
            .filter(|&n| tensor_parallel_fits(model, n).is_ok())
            .find(|&n| inference_memory(model, n, spec, Some(capacity)).total_bytes <= capacity);
        let hint = needed.map_or(
            "no tensor-parallel group of this chip holds it".to_string(),
            |n| format!("--chips {n} fits"),
        );
        return Err(PlanError::DoesNotFit(format!(
            "{} does not fit on {chips} × {}: {:.1} GB per chip (weights {:.1}, KV cache {:.1}, \
             activations {:.1}) of {:.1} GB; {hint}, or lower --concurrency or --precision",
            model.name,
            facts.name,
            memory.total_bytes / 1e9,
            memory.weights_bytes / 1e9,
            memory.kv_cache_bytes / 1e9,
            memory.activations_bytes / 1e9,
            capacity / 1e9,
        )));
    }
    let (c, p, g) = (
        spec.concurrency as f64,
        spec.prompt as f64,
        spec.generate as f64,
    );
    let prefill_ops = forward_pass(
        model,
        cost,
        &ForwardShape {
            sequences: spec.concurrency,
            new_tokens: spec.prompt,
            cached_tokens: 0.0,
        },
        c,
        chips,
        spec.precision,
        spec.kv_bytes(),
    )?;
    // Decode time grows linearly with the context, so the step at the mean
    // context is the mean step.
    let decode_ops = forward_pass(
        model,
        cost,
        &ForwardShape {
            sequences: spec.concurrency,
            new_tokens: 1,
            cached_tokens: p + g / 2.0 - 1.0,
        },
        c,
        chips,
        spec.precision,
        spec.kv_bytes(),
    )?;
    let (prefill, prefill_flop) = ledger_of(&prefill_ops);
    let (decode, _) = ledger_of(&decode_ops);
    let (ttft_s, itl_s) = (prefill.total(), decode.total());
    let request_s = ttft_s + g * itl_s;
    let prefill_flop_per_s_per_chip = prefill_flop / ttft_s;
    let (peak, _) = facts.peak_flop_per_s(spec.precision);
    let mut notes = prefill.notes().to_vec();
    notes.extend(
        decode
            .notes()
            .iter()
            .filter(|s| !notes.contains(s))
            .cloned()
            .collect::<Vec<_>>(),
    );
    Ok(InferencePlan {
        model: model.name.clone(),
        chip: facts.name.clone(),
        chips,
        spec: *spec,
        ttft_s,
        itl_s,
        request_s,
        throughput_tokens_per_s: c * g / request_s,
        stream_tokens_per_s: 1.0 / itl_s,
        prefill_flop_per_s_per_chip,
        prefill_mfu: prefill_flop_per_s_per_chip / peak,
        memory,
        prefill_by_item: prefill.shares(),
        decode_by_item: decode.shares(),
        prefill_ops,
        decode_ops,
        notes,
    })
}

/// Whether `chips` chips can split the model's heads.
fn tensor_parallel_fits(model: &Transformer, chips: u64) -> Result<(), PlanError> {
    let kv = model.kv_heads();
    if !model.heads.is_multiple_of(chips)
        || (!kv.is_multiple_of(chips) && !chips.is_multiple_of(kv))
    {
        return Err(PlanError::Input(format!(
            "tensor parallelism over {chips} chips does not split {}'s {} heads ({kv} key/value heads)",
            model.name, model.heads
        )));
    }
    Ok(())
}

/// Memory per chip of `chips` chips serving `spec`.
fn inference_memory(
    model: &Transformer,
    chips: u64,
    spec: &InferSpec,
    capacity_bytes: Option<f64>,
) -> InferenceMemory {
    let tp = chips as f64;
    let kv_heads = (model.kv_heads() as f64 / tp).max(1.0);
    let weights_bytes = model.total_params() as f64 * spec.precision.weight_bytes() / tp;
    let context = (spec.prompt + spec.generate) as f64;
    let kv_bytes_per_token =
        model.layers as f64 * 2.0 * kv_heads * model.head_dim() as f64 * spec.kv_bytes();
    let kv_cache_bytes = spec.concurrency as f64 * context * kv_bytes_per_token;
    let up_width = if model.gated_mlp { 2.0 } else { 1.0 } * model.d_ff as f64 / tp;
    let activations_bytes = (spec.concurrency * spec.prompt) as f64
        * (model.d_model as f64 + up_width)
        * ACTIVATION_BYTES;
    InferenceMemory {
        weights_bytes,
        kv_cache_bytes,
        kv_bytes_per_token,
        activations_bytes,
        total_bytes: weights_bytes + kv_cache_bytes + activations_bytes,
        capacity_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::fixture::test_chip;
    use crate::planner::transformer::resolve;

    fn spec(prompt: u64, generate: u64, concurrency: u64) -> InferSpec {
        InferSpec {
            prompt,
            generate,
            concurrency,
            precision: Precision::Bf16,
        }
    }

    #[test]
    fn one_stream_decodes_at_the_speed_of_reading_the_weights() {
        // Llama 3 8B on one chip at batch 1: each token reads the 15 GB of
        // BF16 weights (all but the embedding table, which is only indexed)
        // at 2 TB/s × 0.90, about 8.4 ms, plus a little KV cache.
        let model = resolve("llama3-8b").unwrap();
        let chip = test_chip();
        let plan = plan_inference(&model, &chip, 1, &spec(128, 128, 1)).unwrap();
        let read = model.total_params() - model.vocab * model.d_model;
        let weights_s = read as f64 * 2.0 / (2e12 * 0.90);
        assert!(
            plan.itl_s > weights_s && plan.itl_s < 1.05 * weights_s,
            "{}",
            plan.itl_s
        );
        // A long prompt's prefill is compute-bound: well above half the peak.
        let long = plan_inference(&model, &chip, 1, &spec(8192, 16, 1)).unwrap();
        assert!(
            long.prefill_mfu > 0.5 && long.prefill_mfu < 0.81,
            "{}",
            long.prefill_mfu
        );
    }

    #[test]
    fn the_kv_cache_is_two_tensors_per_layer_per_token() {
        // Llama 3 70B, BF16: 2 · 80 layers · 8 kv heads · 128 · 2 bytes = 320 KiB per token.
        let model = resolve("llama3-70b").unwrap();
        let memory = inference_memory(&model, 8, &spec(1000, 24, 4), Some(80e9));
        let per_token = 2.0 * 80.0 * 8.0 * 128.0 * 2.0;
        assert_eq!(memory.kv_cache_bytes, 4.0 * 1024.0 * per_token / 8.0);
    }

    #[test]
    fn int4_weights_decode_faster_and_a_model_too_big_says_how_many_chips() {
        let model = resolve("llama3-70b").unwrap();
        let chip = test_chip();
        let bf16 = plan_inference(&model, &chip, 4, &spec(512, 128, 1)).unwrap();
        let int4 = plan_inference(
            &model,
            &chip,
            4,
            &InferSpec {
                precision: Precision::Int4,
                ..spec(512, 128, 1)
            },
        )
        .unwrap();
        assert!(int4.itl_s < 0.5 * bf16.itl_s);
        let error = plan_inference(&model, &chip, 1, &spec(512, 128, 1))
            .unwrap_err()
            .to_string();
        assert!(error.contains("--chips 2 fits"), "{error}");
    }
}
