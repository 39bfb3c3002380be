//! The layout search: every (TP, CP, PP, DP, EP, interleaving, micro-batch,
//! recomputation) that can run the model on N chips, planned, the ones that
//! fit in memory ranked by step time. And, for a given layout that does not
//! fit, the smallest change that does.

use serde::Serialize;

use super::cost::OpCost;
use super::memory::Recompute;
use super::parallel::Layout;
use super::train::{check_spec, plan_training, TrainPlan, TrainSpec};
use super::transformer::Transformer;
use super::PlanError;

/// Layouts shown beside the chosen one.
pub const RUNNERS_UP: usize = 4;

/// What the search may vary; a `Some` pins that knob.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pinned {
    /// Micro-batch sequences (`--micro-batch`).
    pub micro_batch: Option<u64>,
    /// Recomputation (`--recompute`).
    pub recompute: Option<Recompute>,
}

/// The search's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    /// The fastest plan that fits.
    pub best: TrainPlan,
    /// The next fastest, one per layout.
    pub runners_up: Vec<TrainPlan>,
    /// Plans made.
    pub evaluated: usize,
    /// Of those, plans that fit in memory.
    pub fitting: usize,
}

/// Divisors of `n` in ascending order.
fn divisors(n: u64) -> Vec<u64> {
    (1..=n).filter(|d| n.is_multiple_of(*d)).collect()
}

/// Every layout of `chips` chips worth planning for this model and sequence:
/// tensor parallelism within a node, context parallelism only while each
/// chip keeps at least 1,024 tokens, up to 8 interleaved chunks.
fn layouts(model: &Transformer, chips: u64, seq: u64, per_node: u64) -> Vec<Layout> {
    let mut found = Vec::new();
    for tp in divisors(chips).into_iter().filter(|t| *t <= per_node) {
        for cp in divisors(chips / tp)
            .into_iter()
            .filter(|c| *c == 1 || seq / c >= 1024)
        {
            for pp in divisors(chips / (tp * cp))
                .into_iter()
                .filter(|p| *p <= model.layers)
            {
                let dp = chips / (tp * cp * pp);
                let eps = if model.is_moe() {
                    divisors(dp)
                } else {
                    vec![1]
                };
                for ep in eps {
                    for v in [1, 2, 4, 8] {
                        let layout = Layout {
                            tp,
                            pp,
                            dp,
                            cp,
                            ep,
                            v,
                        };
                        if layout.check(model, chips, seq).is_ok() {
                            found.push(layout);
                        }
                    }
                }
            }
        }
    }
    found
}

/// Plans every layout and knob setting the search may vary.
fn candidates(
    model: &Transformer,
    cost: &dyn OpCost,
    chips: u64,
    spec: &TrainSpec,
    pinned: Pinned,
) -> Vec<TrainPlan> {
    let recomputes = match pinned.recompute {
        Some(r) => vec![r],
        None => vec![Recompute::None, Recompute::Selective, Recompute::Full],
    };
    let mut plans = Vec::new();
    for layout in layouts(model, chips, spec.seq, cost.chip().chips_per_node) {
        if !spec.global_batch.is_multiple_of(layout.dp) {
            continue;
        }
        let per_replica = spec.global_batch / layout.dp;
        let micro_batches = match pinned.micro_batch {
            Some(mb) => vec![mb],
            None => [1, 2, 4, 8]
                .into_iter()
                .filter(|mb| per_replica.is_multiple_of(*mb))
                .collect(),
        };
        for &micro_batch in &micro_batches {
            for &recompute in &recomputes {
                let spec = TrainSpec {
                    micro_batch,
                    recompute,
                    ..spec.clone()
                };
                if let Ok(plan) = plan_training(model, cost, chips, &layout, &spec) {
                    plans.push(plan);
                }
            }
        }
    }
    plans
}

/// The fastest plans that fit, or why none does.
pub fn search_layouts(
    model: &Transformer,
    cost: &dyn OpCost,
    chips: u64,
    spec: &TrainSpec,
    pinned: Pinned,
) -> Result<SearchResult, PlanError> {
    // Checked once here: a bad spec fails every candidate alike.
    check_spec(spec, chips)?;
    let plans = candidates(model, cost, chips, spec, pinned);
    let evaluated = plans.len();
    let (mut fitting, other): (Vec<TrainPlan>, Vec<TrainPlan>) =
        plans.into_iter().partition(|p| p.memory.fits());
    if fitting.is_empty() {
        let leanest = other
            .iter()
            .min_by(|a, b| a.memory.total_bytes.total_cmp(&b.memory.total_bytes));
        return Err(PlanError::DoesNotFit(match leanest {
            Some(plan) => format!(
                "no layout of {chips} × {} fits {}: the leanest ({}, micro-batch {}, \
                 recompute {}, ZeRO {}) needs {:.1} GB per chip of {:.1} GB; \
                 add chips or raise --zero",
                cost.chip().name,
                model.name,
                plan.layout,
                plan.spec.micro_batch,
                plan.spec.recompute,
                plan.spec.zero,
                plan.memory.total_bytes / 1e9,
                // Only a plan with a capacity can fail to fit.
                plan.memory.capacity_bytes.unwrap_or_default() / 1e9,
            ),
            None => format!(
                "no layout of {chips} chips can run {} with a global batch of {} sequences of {} tokens \
                 (the batch must split over the data-parallel replicas)",
                model.name, spec.global_batch, spec.seq
            ),
        }));
    }
    let count = fitting.len();
    // Fastest first; among equals, the simpler layout (fewer stages, chunks, splits).
    fitting.sort_by(|a, b| {
        a.step
            .total_s
            .total_cmp(&b.step.total_s)
            .then_with(|| simplicity(&a.layout).cmp(&simplicity(&b.layout)))
    });
    let mut kept: Vec<TrainPlan> = Vec::new();
    for plan in fitting {
        if kept.len() > RUNNERS_UP {
            break;
        }
        if !kept.iter().any(|k| k.layout == plan.layout) {
            kept.push(plan);
        }
    }
    let best = kept.remove(0);
    Ok(SearchResult {
        best,
        runners_up: kept,
        evaluated,
        fitting: count,
    })
}

/// Orders equally fast layouts: fewer pipeline stages, chunks and tensor splits first.
fn simplicity(layout: &Layout) -> (u64, u64, u64, u64, u64) {
    (layout.pp, layout.v, layout.tp, layout.cp, layout.ep)
}

/// For a plan that does not fit: the one-knob change (recomputation, ZeRO,
/// micro-batch, interleaving, or moving a factor of two between data
/// parallelism and tensor or pipeline parallelism) that fits with the
/// shortest step, described as the option to pass.
pub fn smallest_change(
    model: &Transformer,
    cost: &dyn OpCost,
    plan: &TrainPlan,
) -> Option<(String, TrainPlan)> {
    let (layout, spec) = (plan.layout, &plan.spec);
    let mut tries: Vec<(String, Layout, TrainSpec)> = Vec::new();
    for recompute in [Recompute::Selective, Recompute::Full] {
        tries.push((
            format!("--recompute {recompute}"),
            layout,
            TrainSpec {
                recompute,
                ..spec.clone()
            },
        ));
    }
    for zero in spec.zero + 1..=3 {
        tries.push((
            format!("--zero {zero}"),
            layout,
            TrainSpec {
                zero,
                ..spec.clone()
            },
        ));
    }
    let mut micro_batch = spec.micro_batch / 2;
    while micro_batch >= 1 {
        tries.push((
            format!("--micro-batch {micro_batch}"),
            layout,
            TrainSpec {
                micro_batch,
                ..spec.clone()
            },
        ));
        micro_batch /= 2;
    }
    let mut moved = Vec::new();
    if layout.v > 1 {
        moved.push(Layout { v: 1, ..layout });
    }
    if layout.dp % 2 == 0 {
        moved.push(Layout {
            tp: layout.tp * 2,
            dp: layout.dp / 2,
            ..layout
        });
        moved.push(Layout {
            pp: layout.pp * 2,
            dp: layout.dp / 2,
            ..layout
        });
    }
    for changed in moved {
        tries.push((format!("--layout {changed}"), changed, spec.clone()));
    }
    tries
        .into_iter()
        .filter_map(|(change, layout, spec)| {
            plan_training(model, cost, plan.chips, &layout, &spec)
                .ok()
                .filter(|p| p.memory.fits())
                .map(|p| (change, p))
        })
        .min_by(|a, b| a.1.step.total_s.total_cmp(&b.1.step.total_s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::fixture::test_chip;
    use crate::planner::transformer::resolve;

    fn spec(seq: u64, global_batch: u64) -> TrainSpec {
        TrainSpec {
            recompute: Recompute::None,
            ..TrainSpec::new(1e10, seq, global_batch)
        }
    }

    #[test]
    fn a_small_model_on_one_node_trains_fastest_data_parallel_without_recomputation() {
        // GPT-2 124M fits on every chip many times over: splitting it only
        // adds communication and bubbles, recomputation only adds work, and
        // larger micro-batches fill the matmuls. The known optimum: dp = 8,
        // no recomputation.
        let model = resolve("gpt2-124m").unwrap();
        let chip = test_chip();
        let result = search_layouts(&model, &chip, 8, &spec(1024, 512), Pinned::default()).unwrap();
        assert_eq!(result.best.layout, "dp=8".parse::<Layout>().unwrap());
        assert_eq!(result.best.spec.recompute, Recompute::None);
        assert!(result.fitting > 20 && result.runners_up.len() == RUNNERS_UP);
        for other in &result.runners_up {
            assert!(other.step.total_s >= result.best.step.total_s);
            assert_ne!(other.layout, result.best.layout);
        }
    }

    #[test]
    fn a_model_too_big_for_the_chips_says_what_the_leanest_layout_needs() {
        let model = resolve("llama3-405b").unwrap();
        let chip = test_chip();
        let error = search_layouts(&model, &chip, 8, &spec(8192, 64), Pinned::default())
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("no layout of 8 × Test Chip fits llama3-405b"),
            "{error}"
        );
    }

    #[test]
    fn a_layout_that_does_not_fit_is_told_the_change_that_does() {
        // Llama 3 70B with tp=8 pp=4 and no recomputation holds too many activations.
        let model = resolve("llama3-70b").unwrap();
        let chip = test_chip();
        let layout: Layout = "tp=8,pp=4,dp=2".parse().unwrap();
        let plan = plan_training(
            &model,
            &chip,
            64,
            &layout,
            &TrainSpec {
                micro_batch: 4,
                ..spec(8192, 128)
            },
        )
        .unwrap();
        assert!(!plan.memory.fits(), "{}", plan.memory.total_bytes);
        let (change, fixed) = smallest_change(&model, &chip, &plan).unwrap();
        assert!(fixed.memory.fits());
        assert!(change.starts_with("--"), "{change}");
    }
}
