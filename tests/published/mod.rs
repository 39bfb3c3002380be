//! Published training runs (`data/published_runs.toml`) as plans, shared by
//! the tests that check the planner against them: each run's shape, layout
//! and settings, what it measured, and how its source counts FLOPs.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::BTreeMap;

use chipbench::planner::{
    plan_training, transformer, Layout, OpCost, Recompute, TrainPlan, TrainSpec, Transformer,
};
use clap::ValueEnum;
use serde::Deserialize;

const RUNS_TOML: &str = include_str!("../../data/published_runs.toml");

/// The data file: runs, and the shapes they name that are not presets.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunsFile {
    run: Vec<Run>,
    shape: BTreeMap<String, Transformer>,
}

/// How a source counts the FLOPs behind its per-GPU TFLOP/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlopCount {
    /// Narayanan et al. 2021, §5.1: 96·B·s·l·h²·(1 + s/6h + V/16lh) per
    /// step, the forward that full recomputation repeats included.
    #[serde(rename = "megatron_2021")]
    Megatron2021,
    /// 6 · matmul parameters + 6 · layers · d_attn · seq per token:
    /// attention over the causal pairs (Llama 3's Table 4, see
    /// tests/planner_llama3.rs).
    Causal,
}

/// One published run, as the data file holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// Short id.
    pub id: String,
    /// Never fitted on.
    #[serde(default)]
    pub held_out: bool,
    /// Catalog chip id.
    pub chip: String,
    /// GPUs in the job.
    pub gpus: u64,
    /// A preset id or a key of the file's shapes.
    pub model: String,
    /// `tp=..,pp=..,dp=..`.
    pub layout: String,
    /// Sequence length.
    pub seq: u64,
    /// Sequences per step.
    pub global_batch: u64,
    /// `none`, `selective` or `full`.
    pub recompute: String,
    /// Sequence parallelism (default on).
    #[serde(default = "on")]
    pub sequence_parallel: bool,
    /// Tensor-parallel collectives pipelined with the matmuls (default
    /// off: only where the run's configuration says so).
    #[serde(default)]
    pub tp_overlap: bool,
    /// ZeRO stage (default 1, Megatron's distributed optimizer).
    #[serde(default = "zero_one")]
    pub zero: u8,
    /// Seconds per step, where the source gives it.
    pub published_step_s: Option<f64>,
    /// Per-GPU TFLOP/s as the source counts them, where it gives that instead.
    pub published_tflop_per_s_per_gpu: Option<f64>,
    /// How the source counts them.
    pub flop_count: Option<FlopCount>,
    /// Where it was published.
    pub source: String,
}

fn on() -> bool {
    true
}

fn zero_one() -> u8 {
    1
}

/// A run with its model resolved.
#[derive(Debug, Clone)]
pub struct Published {
    /// The run.
    pub run: Run,
    /// Its model.
    pub model: Transformer,
}

/// Every run in the data file.
pub fn published() -> Vec<Published> {
    let file: RunsFile = toml::from_str(RUNS_TOML)
        .unwrap_or_else(|e| panic!("data/published_runs.toml: {}", e.message()));
    file.run
        .into_iter()
        .map(|run| {
            let model = file
                .shape
                .get(&run.model)
                .cloned()
                .unwrap_or_else(|| transformer::resolve(&run.model).expect(&run.model));
            Published { run, model }
        })
        .collect()
}

/// The run `id`.
pub fn published_run(id: &str) -> Published {
    published()
        .into_iter()
        .find(|p| p.run.id == id)
        .unwrap_or_else(|| panic!("no run {id} in data/published_runs.toml"))
}

impl Published {
    /// The run's settings, for a run of `tokens`.
    pub fn spec(&self, tokens: f64) -> TrainSpec {
        TrainSpec {
            recompute: Recompute::from_str(&self.run.recompute, true).expect("recompute"),
            sequence_parallel: self.run.sequence_parallel,
            tp_overlap: self.run.tp_overlap,
            zero: self.run.zero,
            ..TrainSpec::new(tokens, self.run.seq, self.run.global_batch)
        }
    }

    /// The run planned on `cost` at its layout, over `tokens`.
    pub fn plan_tokens(&self, cost: &dyn OpCost, tokens: f64) -> TrainPlan {
        let layout: Layout = self.run.layout.parse().expect("layout");
        assert_eq!(layout.chips(), self.run.gpus, "{}", self.run.id);
        // Memory is not checked: the run ran (the planner puts NeMo's 405B
        // recipe 3% over 80 GB, keeping FP32 gradients).
        plan_training(
            &self.model,
            cost,
            self.run.gpus,
            &layout,
            &self.spec(tokens),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", self.run.id))
    }

    /// The run's step planned on `cost` (the step does not depend on the tokens).
    pub fn plan(&self, cost: &dyn OpCost) -> TrainPlan {
        self.plan_tokens(cost, 1e12)
    }

    /// FLOPs of one step as the source counts them.
    pub fn flop_per_step(&self) -> Option<f64> {
        let model = &self.model;
        let (b, s) = (self.run.global_batch as f64, self.run.seq as f64);
        Some(match self.run.flop_count? {
            FlopCount::Megatron2021 => {
                let (l, h, v) = (
                    model.layers as f64,
                    model.d_model as f64,
                    model.vocab as f64,
                );
                96.0 * b * s * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h))
            }
            FlopCount::Causal => {
                let per_token = 6.0 * model.active_matmul_params() as f64
                    + 6.0 * (model.layers * model.d_attn()) as f64 * s;
                b * s * per_token
            }
        })
    }

    /// Per-GPU TFLOP/s as the source counts them, for a step of `step_s`.
    pub fn tflop_per_s_per_gpu(&self, step_s: f64) -> Option<f64> {
        Some(self.flop_per_step()? / step_s / self.run.gpus as f64 / 1e12)
    }

    /// The published step, seconds: as given, or from the per-GPU TFLOP/s
    /// and the source's FLOP count.
    pub fn published_step_s(&self) -> f64 {
        self.run.published_step_s.unwrap_or_else(|| {
            let tflop = self
                .run
                .published_tflop_per_s_per_gpu
                .expect("a published figure");
            self.flop_per_step().expect("a FLOP count") / (tflop * 1e12 * self.run.gpus as f64)
        })
    }

    /// How far a predicted step of `step_s` puts the throughput from the
    /// published one: published step ÷ predicted − 1 (above 0: the plan is
    /// faster than the run was).
    pub fn throughput_error(&self, step_s: f64) -> f64 {
        self.published_step_s() / step_s - 1.0
    }
}
