//! The transformers the planner plans for: presets with their published
//! shapes, and model files (JSON) with the same fields.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::PlanError;

/// The normalization layer of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// RMSNorm: a scale per feature.
    #[default]
    Rms,
    /// LayerNorm: a scale and a bias per feature.
    Layer,
}

/// A decoder-only transformer: what the planner needs of its shape.
/// A model file is this as JSON; fields with defaults may be left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transformer {
    /// Preset id or the file's own name.
    pub name: String,
    /// Transformer blocks.
    pub layers: u64,
    /// Width of the residual stream.
    pub d_model: u64,
    /// Query heads.
    pub heads: u64,
    /// Key/value heads (grouped-query attention); default: `heads`.
    #[serde(default)]
    pub kv_heads: Option<u64>,
    /// Dimension of one head; default: `d_model / heads`.
    #[serde(default)]
    pub head_dim: Option<u64>,
    /// Hidden width of the MLP (of one expert, for a mixture of experts).
    pub d_ff: u64,
    /// Vocabulary size.
    pub vocab: u64,
    /// Gated MLP (SwiGLU: gate, up and down projections) instead of up and down.
    #[serde(default)]
    pub gated_mlp: bool,
    /// Experts per MoE layer; 1 for a dense model.
    #[serde(default = "one")]
    pub experts: u64,
    /// Experts each token is routed to.
    #[serde(default = "one")]
    pub experts_per_token: u64,
    /// The output projection shares the embedding's weights.
    #[serde(default)]
    pub tied_embeddings: bool,
    /// Linear layers carry biases (GPT-2, GPT-3).
    #[serde(default)]
    pub biases: bool,
    /// RMSNorm or LayerNorm.
    #[serde(default)]
    pub norm: Norm,
    /// Learned position embeddings (GPT-2, GPT-3) instead of rotary ones.
    #[serde(default)]
    pub learned_positions: bool,
    /// Pretraining sequence length: the default `--seq`, and the table size
    /// of learned positions.
    pub context: u64,
    /// Where the shape is published.
    #[serde(default)]
    pub source: String,
}

fn one() -> u64 {
    1
}

/// A preset: its id for `--model` and its shape.
fn preset(
    name: &str,
    shape: [u64; 7],
    gated_mlp: bool,
    gpt_style: bool,
    source: &str,
) -> Transformer {
    let [layers, d_model, heads, kv_heads, d_ff, vocab, context] = shape;
    Transformer {
        name: name.to_string(),
        layers,
        d_model,
        heads,
        kv_heads: Some(kv_heads),
        head_dim: None,
        d_ff,
        vocab,
        gated_mlp,
        experts: 1,
        experts_per_token: 1,
        tied_embeddings: gpt_style,
        biases: gpt_style,
        norm: if gpt_style { Norm::Layer } else { Norm::Rms },
        learned_positions: gpt_style,
        context,
        source: source.to_string(),
    }
}

/// Every preset, smallest first. Shapes as published: layers, d_model,
/// heads, kv_heads, d_ff, vocab, pretraining context.
pub fn presets() -> Vec<Transformer> {
    let mixtral = Transformer {
        experts: 8,
        experts_per_token: 2,
        ..preset(
            "mixtral-8x7b",
            [32, 4096, 32, 8, 14336, 32000, 32768],
            true,
            false,
            "Mixtral of Experts, arXiv 2401.04088, Table 1",
        )
    };
    vec![
        preset(
            "gpt2-124m",
            [12, 768, 12, 12, 3072, 50257, 1024],
            false,
            true,
            "GPT-2 small, Radford et al. 2019; Hugging Face gpt2 config",
        ),
        preset(
            "llama3-8b",
            [32, 4096, 32, 8, 14336, 128256, 8192],
            true,
            false,
            "The Llama 3 Herd of Models, arXiv 2407.21783, Table 3",
        ),
        mixtral,
        preset(
            "llama3-70b",
            [80, 8192, 64, 8, 28672, 128256, 8192],
            true,
            false,
            "The Llama 3 Herd of Models, arXiv 2407.21783, Table 3",
        ),
        preset(
            "gpt3-175b",
            [96, 12288, 96, 96, 49152, 50257, 2048],
            false,
            true,
            "Language Models are Few-Shot Learners, arXiv 2005.14165, Table 2.1",
        ),
        preset(
            "llama3-405b",
            [126, 16384, 128, 8, 53248, 128256, 8192],
            true,
            false,
            "The Llama 3 Herd of Models, arXiv 2407.21783, Table 3",
        ),
    ]
}

/// A preset by id, or the model file at that path (a name with `/` or a
/// `.json` suffix). An unknown name lists the presets.
pub fn resolve(name: &str) -> Result<Transformer, PlanError> {
    if let Some(model) = presets()
        .into_iter()
        .find(|m| m.name.eq_ignore_ascii_case(name))
    {
        return Ok(model);
    }
    let path = Path::new(name);
    if name.contains('/') || name.ends_with(".json") || path.is_file() {
        return from_file(path);
    }
    Err(PlanError::UnknownModel {
        name: name.to_string(),
        valid: presets()
            .iter()
            .map(|m| m.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Reads and checks a model file.
pub fn from_file(path: &Path) -> Result<Transformer, PlanError> {
    let error = |reason: String| PlanError::ModelFile {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let model: Transformer = serde_json::from_str(&text).map_err(|e| error(e.to_string()))?;
    model.check().map_err(error)?;
    Ok(model)
}

impl Transformer {
    /// Key/value heads.
    pub fn kv_heads(&self) -> u64 {
        self.kv_heads.unwrap_or(self.heads)
    }

    /// Dimension of one head.
    pub fn head_dim(&self) -> u64 {
        self.head_dim.unwrap_or(self.d_model / self.heads.max(1))
    }

    /// Width of all query heads together (`heads · head_dim`).
    pub fn d_attn(&self) -> u64 {
        self.heads * self.head_dim()
    }

    /// Width of all key (or value) heads together.
    pub fn d_kv(&self) -> u64 {
        self.kv_heads() * self.head_dim()
    }

    /// A mixture of experts.
    pub fn is_moe(&self) -> bool {
        self.experts > 1
    }

    /// Why these numbers make no transformer, if they do not.
    pub fn check(&self) -> Result<(), String> {
        let positive = [
            ("layers", self.layers),
            ("d_model", self.d_model),
            ("heads", self.heads),
            ("kv_heads", self.kv_heads()),
            ("head_dim", self.head_dim()),
            ("d_ff", self.d_ff),
            ("vocab", self.vocab),
            ("experts", self.experts),
            ("experts_per_token", self.experts_per_token),
            ("context", self.context),
        ];
        if let Some((field, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("{field} must be at least 1"));
        }
        if self.head_dim.is_none() && !self.d_model.is_multiple_of(self.heads) {
            return Err(format!(
                "d_model {} is not a multiple of heads {}; give head_dim",
                self.d_model, self.heads
            ));
        }
        if !self.heads.is_multiple_of(self.kv_heads()) {
            return Err(format!(
                "heads {} is not a multiple of kv_heads {}",
                self.heads,
                self.kv_heads()
            ));
        }
        if self.experts_per_token > self.experts {
            return Err(format!(
                "experts_per_token {} exceeds experts {}",
                self.experts_per_token, self.experts
            ));
        }
        Ok(())
    }

    /// Parameters of one block's attention (projections and their biases).
    fn attention_params(&self) -> u64 {
        let (h, q, kv) = (self.d_model, self.d_attn(), self.d_kv());
        let weights = h * q + 2 * h * kv + q * h;
        let biases = if self.biases { q + 2 * kv + h } else { 0 };
        weights + biases
    }

    /// Parameters of one MLP (one expert).
    pub fn mlp_params(&self) -> u64 {
        let (h, f) = (self.d_model, self.d_ff);
        let matrices = if self.gated_mlp { 3 } else { 2 };
        let biases = if self.biases {
            (matrices - 1) * f + h
        } else {
            0
        };
        matrices * h * f + biases
    }

    /// Parameters of one normalization layer.
    fn norm_params(&self) -> u64 {
        match self.norm {
            Norm::Rms => self.d_model,
            Norm::Layer => 2 * self.d_model,
        }
    }

    /// Parameters of one block with `experts` of its experts' MLPs counted.
    pub fn layer_params(&self, experts: u64) -> u64 {
        let router = if self.is_moe() {
            self.d_model * self.experts
        } else {
            0
        };
        self.attention_params() + router + experts * self.mlp_params() + 2 * self.norm_params()
    }

    /// Embedding table, position table, output projection and final norm.
    pub fn embedding_params(&self) -> u64 {
        let table = self.vocab * self.d_model;
        let positions = if self.learned_positions {
            self.context * self.d_model
        } else {
            0
        };
        let head = if self.tied_embeddings { 0 } else { table };
        table + positions + head + self.norm_params()
    }

    /// All parameters.
    pub fn total_params(&self) -> u64 {
        self.layers * self.layer_params(self.experts) + self.embedding_params()
    }

    /// Parameters one token passes through (all, for a dense model).
    pub fn active_params(&self) -> u64 {
        self.layers * self.layer_params(self.experts_per_token) + self.embedding_params()
    }

    /// Parameters of the matmuls one token passes through: what "6·N" means
    /// for model FLOPs (no embedding lookup, norms or biases; the output
    /// projection counted, tied or not).
    pub fn active_matmul_params(&self) -> u64 {
        let (h, f) = (self.d_model, self.d_ff);
        let attention = 2 * h * self.d_attn() + 2 * h * self.d_kv();
        let mlp = if self.gated_mlp { 3 } else { 2 } * h * f;
        let router = if self.is_moe() { h * self.experts } else { 0 };
        self.layers * (attention + router + self.experts_per_token * mlp) + self.vocab * h
    }

    /// Model FLOPs per token of training at sequence length `seq`, in the
    /// convention of PaLM (Chowdhery et al. 2022, App. B) and Megatron-LM
    /// (Narayanan et al. 2021): 6 · matmul parameters + 12 · layers ·
    /// d_attn · seq, attention counted without the causal mask's saving.
    pub fn training_flop_per_token(&self, seq: u64) -> f64 {
        6.0 * self.active_matmul_params() as f64
            + 12.0 * (self.layers * self.d_attn()) as f64 * seq as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(name: &str) -> Transformer {
        resolve(name).unwrap()
    }

    fn within(value: f64, published: f64, tolerance: f64) -> bool {
        (value / published - 1.0).abs() <= tolerance
    }

    #[test]
    fn parameter_counts_match_the_published_ones() {
        // Published: GPT-2 124M (124.44M with the tied head), GPT-3 175B,
        // Llama 3 8.03B / 70.6B / 405.9B (model cards), Mixtral 46.7B total
        // and 12.9B active (arXiv 2401.04088).
        let cases = [
            ("gpt2-124m", 124.44e6, 0.001),
            ("gpt3-175b", 175e9, 0.005),
            ("llama3-8b", 8.03e9, 0.001),
            ("llama3-70b", 70.6e9, 0.001),
            ("llama3-405b", 405.9e9, 0.001),
            ("mixtral-8x7b", 46.7e9, 0.001),
        ];
        for (name, published, tolerance) in cases {
            let total = model(name).total_params() as f64;
            assert!(within(total, published, tolerance), "{name}: {total}");
        }
        let mixtral = model("mixtral-8x7b");
        assert!(within(mixtral.active_params() as f64, 12.9e9, 0.002));
        assert_eq!(model("gpt2-124m").total_params(), 124_439_808);
    }

    #[test]
    fn six_n_d_reproduces_the_published_training_compute() {
        // GPT-3 175B on 300B tokens: 3.14e23 FLOPs (arXiv 2005.14165, Table D.1);
        // Llama 3 405B on 15.6T tokens: 3.8e25 FLOPs (arXiv 2407.21783, §3.2.1).
        let gpt3 = 6.0 * model("gpt3-175b").total_params() as f64 * 300e9;
        assert!(within(gpt3, 3.14e23, 0.01), "{gpt3:e}");
        let llama = 6.0 * model("llama3-405b").total_params() as f64 * 15.6e12;
        assert!(within(llama, 3.8e25, 0.01), "{llama:e}");
    }

    #[test]
    fn every_presets_model_flops_are_six_n_plus_attention() {
        // Per token: 6 · the matmul parameters a token passes through (6·N
        // less the embedding lookup, norms and biases, which do no matmul)
        // plus 12 · layers · d_attn · seq for attention.
        for model in presets() {
            let seq = model.context;
            let attention = 12.0 * (model.layers * model.d_attn() * seq) as f64;
            let matmul = model.training_flop_per_token(seq) - attention;
            let six_n = 6.0 * model.active_params() as f64;
            // The input embedding table is the gap: 6.5% of Llama 3 8B, less elsewhere.
            let embedding_share =
                (model.vocab * model.d_model) as f64 / model.active_params() as f64;
            assert!(
                matmul <= six_n && matmul >= six_n * (1.0 - embedding_share - 0.001),
                "{}: {matmul:e} vs 6N {six_n:e}",
                model.name
            );
        }
    }

    #[test]
    fn model_flops_per_token_match_megatrons_formula() {
        // Narayanan et al. 2021, eq. (3): per token 72·L·h²·(1 + s/(6h) + V/(12·L·h))
        // for a GPT with d_ff = 4h (biases, norms and positions left out).
        let gpt3 = model("gpt3-175b");
        let (l, h, s, v) = (96.0, 12288.0, 2048.0, 50257.0);
        let megatron = 72.0 * l * h * h * (1.0 + s / (6.0 * h) + v / (12.0 * l * h));
        let ours = gpt3.training_flop_per_token(2048);
        assert!(within(ours, megatron, 1e-9), "{ours:e} vs {megatron:e}");
    }

    #[test]
    fn an_unknown_name_lists_the_presets() {
        let error = resolve("llama9-1t").unwrap_err().to_string();
        assert!(error.contains("unknown model 'llama9-1t'"), "{error}");
        assert!(error.contains("llama3-405b") && error.contains("mixtral-8x7b"));
    }

    #[test]
    fn a_model_file_round_trips_and_a_malformed_one_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("tiny.json");
        std::fs::write(
            &good,
            r#"{"name": "tiny", "layers": 2, "d_model": 64, "heads": 4, "kv_heads": 2,
                "d_ff": 256, "vocab": 1000, "gated_mlp": true, "context": 128}"#,
        )
        .unwrap();
        let tiny = resolve(good.to_str().unwrap()).unwrap();
        assert_eq!((tiny.kv_heads(), tiny.head_dim()), (2, 16));
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"name": "bad", "layers": 2}"#).unwrap();
        let error = resolve(bad.to_str().unwrap()).unwrap_err().to_string();
        assert!(
            error.contains("bad.json") && error.contains("missing field"),
            "{error}"
        );
        let odd = dir.path().join("odd.json");
        std::fs::write(
            &odd,
            r#"{"name": "odd", "layers": 2, "d_model": 64, "heads": 4, "kv_heads": 3,
                "d_ff": 256, "vocab": 1000, "context": 128}"#,
        )
        .unwrap();
        let error = resolve(odd.to_str().unwrap()).unwrap_err().to_string();
        assert!(error.contains("not a multiple of kv_heads 3"), "{error}");
    }
}
