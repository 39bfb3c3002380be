//! One training layout on N chips: the step (compute, exposed communication,
//! pipeline bubble), memory per chip, and the run's totals.
//!
//! The step of a pipeline with m micro-batches is (m + (p − 1)/v) slots of
//! its slowest stage, a slot being one micro-batch's forward, backward and
//! recomputation on that stage plus the tensor-, context- and
//! expert-parallel collectives and pipeline sends it waits for; then the
//! data-parallel gradient exchange beyond what overlaps the last backward,
//! and the optimizer step.

use serde::Serialize;

use super::cost::{ChipFacts, Ledger, Link, MemoryKind, OpCost, Precision, TimeShare};
use super::memory::{
    activation_bytes_per_layer, model_state, LocalParams, ModelState, Recompute, GRADIENT_BYTES,
    WEIGHT_BYTES,
};
use super::ops::{
    backward_times, embedding_ops, forward_time, head_ops, layer_ops, recomputed_when_selective,
    Op, Slice, Work, ACTIVATION_BYTES,
};
use super::parallel::{
    all_gather_bytes, all_to_all_bytes, bubble_slots, in_flight, link_for, pipelined_exposed_s,
    ring_all_reduce_bytes, Layout,
};
use super::transformer::Transformer;
use super::PlanError;

/// Bytes the Adam step moves per parameter it updates: reads the FP32
/// gradient, master weight and two moments, writes the last three and the BF16 weight.
const ADAM_BYTES_PER_PARAM: f64 = 4.0 * 4.0 + 3.0 * 4.0 + 2.0;

/// Share of a large run's wall-clock time that trains, the rest lost to
/// failures, restarts and checkpointing: ByteDance's MegaScale reports an
/// effective training time rate above 90% over its production runs (Jiang
/// et al., NSDI 2024), and Llama 3 "higher than 90% effective training
/// time" with 466 job interruptions in a 54-day snapshot (arXiv 2407.21783,
/// §3.3.4).
pub const DEFAULT_GOODPUT: f64 = 0.90;

/// Where [`DEFAULT_GOODPUT`] comes from, as a plan's sources cite it.
pub(super) const DEFAULT_GOODPUT_SOURCE: &str =
    "effective training time above 90% in MegaScale (Jiang et al., NSDI 2024) \
     and Llama 3 (arXiv 2407.21783, §3.3.4)";

/// What to train and how, beside the layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainSpec {
    /// Tokens of the whole run.
    pub tokens: f64,
    /// Sequence length.
    pub seq: u64,
    /// Sequences per optimizer step, over all data-parallel replicas.
    pub global_batch: u64,
    /// Sequences per micro-batch on one replica.
    pub micro_batch: u64,
    /// Activation recomputation.
    pub recompute: Recompute,
    /// ZeRO stage: 0 none, 1 optimizer state, 2 and gradients, 3 and weights (FSDP).
    pub zero: u8,
    /// Matmul precision.
    pub precision: Precision,
    /// Sequence parallelism (Korthikanti et al. 2022, arXiv 2205.05198):
    /// norms, residuals and dropout split over the tensor-parallel group,
    /// which all-gathers before and reduce-scatters after attention and the
    /// MLP. Without it (Megatron-LM before 2022: Shoeybi et al. 2019, §3,
    /// "duplicate" them on every rank) those ops run on every token on every
    /// rank and the group all-reduces instead: the same bytes, half the calls.
    pub sequence_parallel: bool,
    /// Tensor-parallel all-gathers and reduce-scatters split into one piece
    /// per rank and pipelined with the matmuls they feed and drain
    /// (Transformer Engine's userbuffers, NeMo's `ub_tp_comm_overlap`):
    /// one piece of each stays exposed, the rest hide behind the matmuls
    /// ([`pipelined_exposed_s`]). Off, each waits on the matmul before it
    /// and the next waits on it. Needs sequence parallelism.
    pub tp_overlap: bool,
    /// Share of the window in which data-parallel traffic can hide (the last
    /// micro-batch's backward for gradients, the first one's forward for
    /// gathered weights) that it does hide: 1 overlaps fully, 0 not at all.
    pub dp_overlap: f64,
    /// Average power as a share of TDP, for energy.
    pub power_fraction: f64,
    /// Share of wall-clock time that trains, in (0, 1]: the run's days,
    /// chip-hours, energy and cost are its steps' time divided by it, since
    /// the time lost to failures, restarts and checkpointing still holds
    /// the chips (and, for energy, is taken to draw the same power
    /// fraction). Per-step figures (step time, tokens/s, FLOP/s, MFU) do
    /// not change.
    pub goodput: f64,
    /// Price of one chip-hour, for cost.
    pub price_per_chip_hour: Option<f64>,
}

impl TrainSpec {
    /// A plan's usual settings: micro-batches of one sequence, selective
    /// recomputation, sequence parallelism without tensor-parallel overlap, ZeRO 1, BF16,
    /// full overlap of data-parallel traffic, power at TDP, [`DEFAULT_GOODPUT`], no price.
    pub fn new(tokens: f64, seq: u64, global_batch: u64) -> TrainSpec {
        TrainSpec {
            tokens,
            seq,
            global_batch,
            micro_batch: 1,
            recompute: Recompute::Selective,
            zero: 1,
            precision: Precision::Bf16,
            sequence_parallel: true,
            tp_overlap: false,
            dp_overlap: 1.0,
            power_fraction: 1.0,
            goodput: DEFAULT_GOODPUT,
            price_per_chip_hour: None,
        }
    }
}

/// Time of one micro-batch through some work on one chip.
#[derive(Debug, Clone, Default, PartialEq)]
struct Part {
    forward_s: f64,
    backward_s: f64,
    /// Of forward and backward, the matmuls'.
    matmul_s: f64,
    communication_s: f64,
    compute: Ledger,
    communication: Ledger,
}

impl Part {
    fn add(&mut self, other: &Part, times: f64) {
        self.forward_s += other.forward_s * times;
        self.backward_s += other.backward_s * times;
        self.matmul_s += other.matmul_s * times;
        self.communication_s += other.communication_s * times;
        self.compute.merge(&other.compute, times);
        self.communication.merge(&other.communication, times);
    }

    fn compute_s(&self) -> f64 {
        self.forward_s + self.backward_s
    }

    fn slot_s(&self) -> f64 {
        self.compute_s() + self.communication_s
    }

    /// Adds the forward and backward (and recomputation) of `ops`.
    fn run(&mut self, ops: &[Op], cost: &dyn OpCost, precision: Precision, recompute: Recompute) {
        let share = cost.training_step();
        for op in ops {
            let before = self.compute_s();
            let forward = forward_time(op, cost, precision).in_training_step(share);
            self.forward_s += self.compute.add(op.name, &forward, 1.0);
            let again = match recompute {
                Recompute::None => false,
                Recompute::Selective => recomputed_when_selective(op),
                Recompute::Full => true,
            };
            if again {
                self.backward_s += self.compute.add(op.name, &forward, 1.0);
            }
            for timed in backward_times(op, cost, precision) {
                let timed = timed.in_training_step(share);
                self.backward_s += self.compute.add(op.name, &timed, 1.0);
            }
            if matches!(op.work, Work::Matmul(_)) {
                self.matmul_s += self.compute_s() - before;
            }
        }
    }

    /// Adds `count` collectives in which each chip sends `bytes` over `link`.
    fn send(&mut self, item: &str, cost: &dyn OpCost, link: Link, bytes: f64, count: f64) {
        self.send_exposed(item, cost, link, bytes, count, |seconds| seconds);
    }

    /// As [`Part::send`], of which `exposed` says what nothing hides.
    fn send_exposed(
        &mut self,
        item: &str,
        cost: &dyn OpCost,
        link: Link,
        bytes: f64,
        count: f64,
        exposed: impl Fn(f64) -> f64,
    ) {
        if count > 0.0 && bytes > 0.0 {
            let timed = cost.transfer(link, bytes);
            let total_s = timed.seconds * count;
            let times = count * exposed(total_s) / total_s;
            self.communication_s += self.communication.add(item, &timed, times);
        }
    }
}

/// Where a step's time goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTime {
    /// The whole step, seconds.
    pub total_s: f64,
    /// Forward, backward, recomputation and optimizer on the slowest stage.
    pub compute_s: f64,
    /// Communication nothing overlaps.
    pub exposed_communication_s: f64,
    /// Idle pipeline slots.
    pub bubble_s: f64,
    /// Of the exposed communication, the data-parallel part.
    pub data_parallel_exposed_s: f64,
    /// Data-parallel traffic before overlap.
    pub data_parallel_total_s: f64,
}

/// Bytes per chip on the fullest pipeline stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryUse {
    /// Which stage (`first`, `last`, `middle`, or `only`).
    pub stage: String,
    /// Weights, gradients and optimizer state.
    #[serde(flatten)]
    pub state: ModelState,
    /// Activations kept for the micro-batches in flight.
    pub activations_bytes: f64,
    /// All of it.
    pub total_bytes: f64,
    /// The chip's memory (None where its source gives none: then it is not checked).
    pub capacity_bytes: Option<f64>,
}

impl MemoryUse {
    /// Whether it fits (true where the capacity is unknown).
    pub fn fits(&self) -> bool {
        self.capacity_bytes.is_none_or(|c| self.total_bytes <= c)
    }
}

/// The run's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunTotals {
    /// Tokens trained on.
    pub tokens: f64,
    /// Optimizer steps.
    pub steps: f64,
    /// Wall-clock seconds: the steps' time ÷ goodput.
    pub wall_s: f64,
    /// Chip-hours over the wall-clock time.
    pub chip_hours: f64,
    /// Energy of the chips, kWh: chips × TDP × power fraction × wall-clock
    /// time (None without a TDP figure).
    pub energy_kwh: Option<f64>,
    /// The power fraction used.
    pub power_fraction: f64,
    /// The goodput used.
    pub goodput: f64,
    /// Cost at the given price per chip-hour.
    pub cost_usd: Option<f64>,
    /// Model FLOPs of the run (PaLM/Megatron convention).
    pub model_flop: f64,
    /// 6 · parameters (active, for a mixture of experts) · tokens.
    pub six_nd_flop: f64,
}

/// A training plan for one layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainPlan {
    /// The model's name.
    pub model: String,
    /// The chip's name.
    pub chip: String,
    /// Chips in the job.
    pub chips: u64,
    /// How they are split.
    pub layout: Layout,
    /// The inputs beside the layout.
    pub spec: TrainSpec,
    /// Micro-batches per replica per step.
    pub micro_batches: u64,
    /// The step.
    pub step: StepTime,
    /// Memory per chip.
    pub memory: MemoryUse,
    /// Tokens per step.
    pub tokens_per_step: f64,
    /// Tokens per second over the job.
    pub tokens_per_s: f64,
    /// Model FLOPs per step.
    pub model_flop_per_step: f64,
    /// Model FLOP/s per chip.
    pub flop_per_s_per_chip: f64,
    /// The peak MFU is measured against.
    pub peak_flop_per_s: f64,
    /// What that peak is: `datasheet`, or the probe that measured it.
    pub peak_kind: String,
    /// Model FLOPs utilisation.
    pub mfu: f64,
    /// The run.
    pub run: RunTotals,
    /// Seconds per step by item and source, largest first.
    pub time_by_item: Vec<TimeShare>,
    /// What a reader must know about the times (see [`super::cost::Timed::notes`]).
    pub notes: Vec<String>,
}

/// Layers per pipeline stage: as even as possible, the first and last
/// stages (embedding, output projection) given the fewer layers when the
/// count does not divide, as the Llama 3 run did (arXiv 2407.21783, §3.3.2).
pub fn layers_per_stage(layers: u64, pp: u64) -> Vec<u64> {
    let (base, mut extra) = (layers / pp, layers % pp);
    let mut stages = vec![base; pp as usize];
    let order = (1..pp.saturating_sub(1)).chain([0, pp - 1]);
    for stage in order {
        if extra == 0 {
            break;
        }
        stages[stage as usize] += 1;
        extra -= 1;
    }
    stages
}

/// Parameters on one chip of a stage with `layers` layers.
fn local_params(
    model: &Transformer,
    layout: &Layout,
    layers: u64,
    first: bool,
    last: bool,
) -> LocalParams {
    let (h, tp) = (model.d_model as f64, layout.tp as f64);
    let experts_here = model.experts / layout.ep;
    let expert_layer = if model.is_moe() {
        (experts_here * model.mlp_params()) as f64 / tp
    } else {
        0.0
    };
    let dense_layer = model.layer_params(experts_here) as f64 / tp - expert_layer;
    let table = (model.vocab * model.d_model) as f64 / tp;
    let mut dense = layers as f64 * dense_layer;
    if first {
        let positions = if model.learned_positions {
            model.context as f64 * h
        } else {
            0.0
        };
        dense += table + positions;
    }
    if last {
        dense += table + h;
    }
    let group = layout.dp * layout.cp;
    LocalParams {
        dense,
        expert: layers as f64 * expert_layer,
        dense_group: group,
        expert_group: (group / layout.ep).max(1),
        largest_layer: dense_layer + expert_layer,
    }
}

/// The plan of one layout. Errors for a layout or spec that cannot run;
/// a plan that does not fit in memory is returned (see [`MemoryUse::fits`]).
pub fn plan_training(
    model: &Transformer,
    cost: &dyn OpCost,
    chips: u64,
    layout: &Layout,
    spec: &TrainSpec,
) -> Result<TrainPlan, PlanError> {
    check_spec(spec, chips)?;
    layout.check(model, chips, spec.seq)?;
    check_links(layout, cost.chip())?;
    let replica_sequences = layout.dp * spec.micro_batch;
    if !spec.global_batch.is_multiple_of(replica_sequences) {
        return Err(PlanError::Layout {
            layout: layout.to_string(),
            reason: format!(
                "the global batch of {} sequences does not split into dp {} × micro-batch {}",
                spec.global_batch, layout.dp, spec.micro_batch
            ),
        });
    }
    let micro_batches = spec.global_batch / replica_sequences;
    let facts = cost.chip();
    let seq = spec.seq as f64;
    let slice = Slice {
        sequences: spec.micro_batch as f64,
        q_len: seq / layout.cp as f64,
        kv_len: seq,
        // Causal, with the sequence split so every context-parallel rank gets an equal share.
        pairs: seq * (seq + 1.0) / 2.0 / layout.cp as f64,
        tp: layout.tp as f64,
        ep: layout.ep as f64,
        sequence_parallel: spec.sequence_parallel,
        kv_bytes: ACTIVATION_BYTES,
    };
    let ops = layer_ops(model, &slice);
    let mut layer = Part::default();
    layer.run(&ops, cost, spec.precision, spec.recompute);
    layer_communication(&mut layer, model, cost, layout, &slice, spec);
    let mut embedding = Part::default();
    embedding.run(
        &embedding_ops(model, &slice),
        cost,
        spec.precision,
        Recompute::None,
    );
    let mut head = Part::default();
    let head_ops = head_ops(model, &slice, slice.tokens(), true);
    head.run(&head_ops, cost, spec.precision, Recompute::None);

    let stages = layers_per_stage(model.layers, layout.pp);
    let mut slowest: Option<(Part, f64)> = None;
    let mut memory: Option<MemoryUse> = None;
    let mut data_parallel = (0.0, 0.0, 0.0);
    let per_layer_activations = activation_bytes_per_layer(model, &slice, spec.recompute);
    for (index, &layers) in stages.iter().enumerate() {
        let (first, last) = (index == 0, index + 1 == stages.len());
        let mut stage = Part::default();
        stage.add(&layer, layers as f64);
        if first {
            stage.add(&embedding, 1.0);
        }
        if last {
            stage.add(&head, 1.0);
        }
        if layout.pp > 1 {
            // Each micro-batch's activations out and their gradient back, per
            // chunk, split over the tensor-parallel ranks: by sequence
            // parallelism, or before it by Megatron-LM's scatter/gather
            // (Narayanan et al. 2021, §4.1).
            let bytes = slice.tokens() / slice.tp * model.d_model as f64 * ACTIVATION_BYTES;
            let link = link_for(layout.pp_span(), facts.chips_per_node);
            stage.send(
                "pipeline send/receive",
                cost,
                link,
                bytes,
                2.0 * layout.v as f64,
            );
        }
        let params = local_params(model, layout, layers, first, last);
        let (exposed, total, optimizer) =
            data_parallel_time(cost, layout, &params, spec, micro_batches, &stage);
        let activations_bytes = stage_activations(
            model,
            spec.recompute,
            &slice,
            layers,
            per_layer_activations,
            in_flight(layout.pp, index as u64, micro_batches, layout.v),
            last,
        );
        let state = model_state(&params, spec.zero);
        let stage_memory = MemoryUse {
            stage: match (first, last) {
                (true, true) => "only",
                (true, false) => "first",
                (false, true) => "last",
                _ => "middle",
            }
            .to_string(),
            total_bytes: state.weights_bytes
                + state.gradients_bytes
                + state.optimizer_bytes
                + activations_bytes,
            state,
            activations_bytes,
            capacity_bytes: facts.memory_bytes,
        };
        if memory
            .as_ref()
            .is_none_or(|m| stage_memory.total_bytes > m.total_bytes)
        {
            memory = Some(stage_memory);
        }
        if exposed + optimizer > data_parallel.0 + data_parallel.2 {
            data_parallel = (exposed, total, optimizer);
        }
        let slot = stage.slot_s();
        if slowest.as_ref().is_none_or(|(_, s)| slot > *s) {
            slowest = Some((stage, slot));
        }
    }
    let (stage, slot_s) = slowest.expect("a pipeline has at least one stage");
    let memory = memory.expect("a pipeline has at least one stage");
    let (dp_exposed_s, dp_total_s, optimizer_s) = data_parallel;
    let m = micro_batches as f64;
    let bubble_s = bubble_slots(layout.pp, layout.v) * slot_s;
    let compute_s = m * stage.compute_s() + optimizer_s;
    let exposed_communication_s = m * stage.communication_s + dp_exposed_s;
    let total_s = compute_s + exposed_communication_s + bubble_s;

    let mut ledger = Ledger::default();
    ledger.merge(&stage.compute, m);
    ledger.merge(&stage.communication, m);
    let mut time_by_item = ledger.shares();
    for (item, seconds, source) in [
        (
            "optimizer step",
            optimizer_s,
            "bandwidth-bound Adam update, as the ops above",
        ),
        (
            "data-parallel exchange (exposed)",
            dp_exposed_s,
            "as the links above, less the overlap",
        ),
        ("pipeline bubble", bubble_s, "(p − 1)/v idle slots"),
    ] {
        if seconds > 0.0 {
            time_by_item.push(TimeShare {
                item: item.into(),
                seconds,
                source: source.into(),
            });
        }
    }
    time_by_item.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    debug_assert!((ledger.total() - m * slot_s).abs() <= 1e-9 * ledger.total().max(1.0));

    let tokens_per_step = (spec.global_batch * spec.seq) as f64;
    let model_flop_per_step = tokens_per_step * model.training_flop_per_token(spec.seq);
    let flop_per_s_per_chip = model_flop_per_step / total_s / chips as f64;
    let (peak_flop_per_s, _) = facts.peak_flop_per_s(spec.precision);
    let steps = spec.tokens / tokens_per_step;
    let wall_s = steps * total_s / spec.goodput;
    let chip_hours = chips as f64 * wall_s / 3600.0;
    let run = RunTotals {
        tokens: spec.tokens,
        steps,
        wall_s,
        chip_hours,
        energy_kwh: facts
            .tdp_w
            .map(|tdp_w| chip_hours * tdp_w * spec.power_fraction / 1000.0),
        power_fraction: spec.power_fraction,
        goodput: spec.goodput,
        cost_usd: spec.price_per_chip_hour.map(|price| price * chip_hours),
        model_flop: steps * model_flop_per_step,
        six_nd_flop: 6.0 * model.active_params() as f64 * spec.tokens,
    };
    Ok(TrainPlan {
        model: model.name.clone(),
        chip: facts.name.clone(),
        chips,
        layout: *layout,
        spec: spec.clone(),
        micro_batches,
        step: StepTime {
            total_s,
            compute_s,
            exposed_communication_s,
            bubble_s,
            data_parallel_exposed_s: dp_exposed_s,
            data_parallel_total_s: dp_total_s,
        },
        memory,
        tokens_per_step,
        tokens_per_s: tokens_per_step / total_s,
        model_flop_per_step,
        flop_per_s_per_chip,
        peak_flop_per_s,
        peak_kind: facts.peak_kind.clone(),
        mfu: flop_per_s_per_chip / peak_flop_per_s,
        run,
        time_by_item,
        notes: ledger.notes().to_vec(),
    })
}

/// Why a spec cannot be planned, if it cannot.
pub(super) fn check_spec(spec: &TrainSpec, chips: u64) -> Result<(), PlanError> {
    let problem = if chips == 0 {
        Some("--chips must be at least 1".to_string())
    } else if spec.tokens.is_nan() || spec.tokens <= 0.0 {
        Some("--tokens must be positive".to_string())
    } else if spec.seq < 2 {
        Some("--seq must be at least 2".to_string())
    } else if spec.global_batch == 0 || spec.micro_batch == 0 {
        Some("--global-batch and --micro-batch must be at least 1".to_string())
    } else if spec.zero > 3 {
        Some(format!("--zero {} (stages are 0, 1, 2, 3)", spec.zero))
    } else if spec.precision == Precision::Int4 {
        Some("INT4 is a weight format for inference; train in bf16 or fp8".to_string())
    } else if spec.tp_overlap && !spec.sequence_parallel {
        Some(
            "--tp-overlap pipelines sequence parallelism's all-gathers and reduce-scatters, \
             and sequence parallelism is off"
                .to_string(),
        )
    } else if !(0.0..=1.0).contains(&spec.dp_overlap) {
        Some("--dp-overlap must lie in [0, 1]".to_string())
    } else if spec.power_fraction.is_nan() || spec.power_fraction <= 0.0 {
        Some("--power-fraction must be positive".to_string())
    } else if !(spec.goodput > 0.0 && spec.goodput <= 1.0) {
        Some(format!(
            "--goodput {} (the share of wall-clock time that trains lies in (0, 1])",
            spec.goodput
        ))
    } else {
        None
    };
    problem.map_or(Ok(()), |p| Err(PlanError::Input(p)))
}

/// Whether the chip has a figure for every link the layout's groups talk over.
fn check_links(layout: &Layout, facts: &ChipFacts) -> Result<(), PlanError> {
    let groups = [
        ("tensor-parallel", layout.tp, layout.tp_span()),
        ("context-parallel", layout.cp, layout.cp_span()),
        ("expert-parallel", layout.ep, layout.ep_span()),
        ("data-parallel", layout.dp, layout.dp_span()),
        ("pipeline", layout.pp, layout.pp_span()),
    ];
    for (group, size, span) in groups {
        if size > 1 {
            facts.require_link(link_for(span, facts.chips_per_node), group)?;
        }
    }
    Ok(())
}

/// The tensor-, context- and expert-parallel collectives of one layer and micro-batch.
fn layer_communication(
    part: &mut Part,
    model: &Transformer,
    cost: &dyn OpCost,
    layout: &Layout,
    slice: &Slice,
    spec: &TrainSpec,
) {
    let per_node = cost.chip().chips_per_node;
    // Forward passes that send: the forward, and its repeat under full recomputation.
    let forwards = if spec.recompute == Recompute::Full {
        2.0
    } else {
        1.0
    };
    let h = model.d_model as f64;
    if layout.tp > 1 {
        // Unless overlapped, each waits on the matmul before it and the
        // next matmul waits on it (Megatron-LM's f and g operators, Shoeybi
        // et al. 2019, §3; with sequence parallelism g and its conjugate,
        // Korthikanti et al. 2022, §4.2.2).
        let tensor = slice.tokens() * h * ACTIVATION_BYTES;
        let link = link_for(layout.tp_span(), per_node);
        if slice.sequence_parallel {
            // An all-gather before and a reduce-scatter after attention and
            // the MLP (4 forward), the same swapped backward.
            let (window_s, chunks) = (part.matmul_s, layout.tp);
            part.send_exposed(
                "tensor-parallel all-gather/reduce-scatter",
                cost,
                link,
                all_gather_bytes(layout.tp, tensor),
                4.0 * (forwards + 1.0),
                |seconds| {
                    if spec.tp_overlap {
                        pipelined_exposed_s(seconds, window_s, chunks)
                    } else {
                        seconds
                    }
                },
            );
        } else {
            // An all-reduce after attention and after the MLP forward (g in
            // Shoeybi et al. 2019, Fig. 3), one before each backward (f).
            part.send(
                "tensor-parallel all-reduce",
                cost,
                link,
                ring_all_reduce_bytes(layout.tp, tensor),
                2.0 * (forwards + 1.0),
            );
        }
    }
    if layout.cp > 1 {
        // All-gather K and V of the whole sequence forward; reduce-scatter their gradients.
        let kv = slice.sequences
            * slice.kv_len
            * 2.0
            * slice.kv_heads(model)
            * model.head_dim() as f64
            * ACTIVATION_BYTES;
        part.send(
            "context-parallel K/V all-gather",
            cost,
            link_for(layout.cp_span(), per_node),
            all_gather_bytes(layout.cp, kv),
            forwards + 1.0,
        );
    }
    if layout.ep > 1 {
        // Dispatch and combine forward, both again backward.
        let routed = slice.tokens() * model.experts_per_token as f64 * h * ACTIVATION_BYTES
            / layout.tp as f64;
        part.send(
            "expert all-to-all",
            cost,
            link_for(layout.ep_span(), per_node),
            all_to_all_bytes(layout.ep, routed),
            2.0 * (forwards + 1.0),
        );
    }
}

/// Exposed and total seconds of a stage's data-parallel traffic per step,
/// and its optimizer step.
fn data_parallel_time(
    cost: &dyn OpCost,
    layout: &Layout,
    params: &LocalParams,
    spec: &TrainSpec,
    micro_batches: u64,
    stage: &Part,
) -> (f64, f64, f64) {
    let link = link_for(layout.dp_span(), cost.chip().chips_per_node);
    let groups = [
        (params.dense, params.dense_group),
        (params.expert, params.expert_group),
    ];
    // Seconds to exchange `per_param` bytes of every local parameter, by a collective
    // whose per-chip bytes `collective` gives.
    let exchange = |per_param: f64, collective: fn(u64, f64) -> f64| -> f64 {
        groups
            .iter()
            .filter(|(count, group)| *count > 0.0 && *group > 1)
            .map(|(count, group)| {
                cost.transfer(link, collective(*group, count * per_param))
                    .seconds
            })
            .sum()
    };
    let hide = |seconds: f64, window: f64| (seconds - spec.dp_overlap * window).max(0.0);
    let (exposed, total) = match spec.zero {
        0 => {
            let reduce = exchange(GRADIENT_BYTES, ring_all_reduce_bytes);
            (hide(reduce, stage.backward_s), reduce)
        }
        1 | 2 => {
            let reduce = exchange(GRADIENT_BYTES, all_gather_bytes);
            let gather = exchange(WEIGHT_BYTES, all_gather_bytes);
            (
                hide(reduce, stage.backward_s) + hide(gather, stage.forward_s),
                reduce + gather,
            )
        }
        _ => {
            // FSDP: weights gathered for each micro-batch's forward and backward.
            let reduce = exchange(GRADIENT_BYTES, all_gather_bytes);
            let gather = exchange(WEIGHT_BYTES, all_gather_bytes);
            let m = micro_batches as f64;
            (
                hide(reduce, stage.backward_s)
                    + m * (hide(gather, stage.forward_s) + hide(gather, stage.backward_s)),
                reduce + 2.0 * m * gather,
            )
        }
    };
    let updated = if spec.zero >= 1 {
        params.dense / params.dense_group as f64 + params.expert / params.expert_group as f64
    } else {
        params.total()
    };
    let optimizer = cost
        .memory_bound(MemoryKind::Other, updated * ADAM_BYTES_PER_PARAM)
        .seconds;
    (exposed, total, optimizer)
}

/// Activation bytes a stage's chip holds at its peak: `in_flight`
/// micro-batches through its `layers` layers, the layer being recomputed
/// under full recomputation, and on the last stage the logits.
fn stage_activations(
    model: &Transformer,
    recompute: Recompute,
    slice: &Slice,
    layers: u64,
    per_layer: f64,
    in_flight: f64,
    last: bool,
) -> f64 {
    let mut activations = layers as f64 * per_layer * in_flight;
    if recompute == Recompute::Full {
        // The layer being recomputed holds everything at once.
        activations += activation_bytes_per_layer(model, slice, Recompute::None);
    }
    if last {
        // BF16 logits and their FP32 softmax for the loss.
        activations += slice.tokens() * model.vocab as f64 / slice.tp * 6.0 * in_flight;
    }
    activations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::cost::{Source, Timed};
    use crate::planner::fixture::test_chip;
    use crate::planner::transformer::resolve;

    fn spec(tokens: f64, seq: u64, global_batch: u64) -> TrainSpec {
        TrainSpec::new(tokens, seq, global_batch)
    }

    /// A stand-in for a calibrated profile: datasheet times, said to be
    /// measured, with matmuls fitted in f32 standing in for BF16.
    struct Profiled(crate::planner::Datasheet);

    impl OpCost for Profiled {
        fn chip(&self) -> &crate::planner::ChipFacts {
            self.0.chip()
        }
        fn matmul(&self, shape: &crate::planner::cost::MatmulShape, p: Precision) -> Timed {
            Timed {
                seconds: self.0.matmul(shape, p).seconds,
                source: Source::Measured {
                    profile: "lavapipe.json".into(),
                    op_class: "matmul f32".into(),
                    held_out_error: Some(0.07),
                },
                notes: vec![
                    "substituted: profile has no BF16 matmul: timed from its f32 fit".into(),
                ],
            }
        }
        fn attention(
            &self,
            shape: &crate::planner::cost::AttentionShape,
            pass: crate::planner::cost::Pass,
        ) -> Timed {
            self.0.attention(shape, pass)
        }
        fn memory_bound(&self, kind: MemoryKind, bytes: f64) -> Timed {
            self.0.memory_bound(kind, bytes)
        }
        fn transfer(&self, link: Link, bytes: f64) -> Timed {
            self.0.transfer(link, bytes)
        }
    }

    #[test]
    fn a_measured_cost_is_attributed_and_its_substitution_reported() {
        let model = resolve("llama3-8b").unwrap();
        let profiled = Profiled(test_chip());
        let layout: Layout = "tp=8".parse().unwrap();
        let plan = plan_training(&model, &profiled, 8, &layout, &spec(1e9, 8192, 8)).unwrap();
        let mlp = plan
            .time_by_item
            .iter()
            .find(|t| t.item == "mlp up")
            .unwrap();
        assert!(
            mlp.source
                .starts_with("measured: matmul f32 model of lavapipe.json (held-out error 7.0%)"),
            "{}",
            mlp.source
        );
        assert_eq!(
            plan.notes,
            ["substituted: profile has no BF16 matmul: timed from its f32 fit"]
        );
        let text = crate::planner::render::training(&plan);
        assert!(
            text.contains("substituted: profile has no BF16 matmul"),
            "{text}"
        );
    }

    #[test]
    fn stages_share_layers_with_fewer_on_the_ends() {
        assert_eq!(layers_per_stage(126, 16)[0], 7);
        assert_eq!(layers_per_stage(126, 16)[15], 7);
        assert_eq!(layers_per_stage(126, 16)[1..15], [8; 14]);
        assert_eq!(layers_per_stage(12, 1), [12]);
        assert_eq!(layers_per_stage(10, 4), [2, 3, 3, 2]);
        assert_eq!(layers_per_stage(11, 4), [3, 3, 3, 2]);
    }

    #[test]
    fn the_step_adds_up_and_its_parts_are_consistent() {
        let model = resolve("llama3-70b").unwrap();
        let chip = test_chip();
        let layout: Layout = "tp=8,pp=4,dp=8".parse().unwrap();
        let plan = plan_training(&model, &chip, 256, &layout, &spec(1e12, 8192, 512)).unwrap();
        let step = &plan.step;
        let sum = step.compute_s + step.exposed_communication_s + step.bubble_s;
        assert!((sum - step.total_s).abs() < 1e-9 * step.total_s);
        assert_eq!(plan.micro_batches, 64);
        // The bubble is (p − 1)/m of the busy part.
        let busy = step.compute_s + step.exposed_communication_s
            - step.data_parallel_exposed_s
            - plan
                .time_by_item
                .iter()
                .find(|t| t.item == "optimizer step")
                .unwrap()
                .seconds;
        assert!((step.bubble_s / busy - 3.0 / 64.0).abs() < 1e-9);
        assert!(plan.mfu > 0.2 && plan.mfu < 0.8, "{}", plan.mfu);
        let items: f64 = plan.time_by_item.iter().map(|t| t.seconds).sum();
        assert!((items - step.total_s).abs() < 1e-6 * step.total_s);
    }

    #[test]
    fn without_sequence_parallelism_the_group_all_reduces_the_same_bytes_in_half_the_calls() {
        let model = resolve("llama3-70b").unwrap();
        let chip = test_chip();
        let layout: Layout = "tp=8".parse().unwrap();
        let item = |sequence_parallel: bool, name: &str| {
            let spec = TrainSpec {
                sequence_parallel,
                ..spec(1e9, 8192, 8)
            };
            let plan = plan_training(&model, &chip, 8, &layout, &spec).unwrap();
            let share = plan.time_by_item.iter().find(|t| t.item == name).unwrap();
            (share.seconds, plan.micro_batches as f64)
        };
        let (gathered, m) = item(true, "tensor-parallel all-gather/reduce-scatter");
        let (reduced, _) = item(false, "tensor-parallel all-reduce");
        // Per layer and micro-batch: 8 all-gathers/reduce-scatters against 4
        // all-reduces of twice their bytes; they differ by 4 latencies.
        let latency_s = chip.efficiencies.scale_up_latency_s.value;
        let per_layer = |seconds: f64| seconds / m / model.layers as f64;
        assert!((per_layer(gathered) - per_layer(reduced) - 4.0 * latency_s).abs() < 1e-12);
    }

    #[test]
    fn overlapped_tensor_parallel_collectives_expose_one_piece_in_eight() {
        let model = resolve("llama3-70b").unwrap();
        let chip = test_chip();
        let layout: Layout = "tp=8".parse().unwrap();
        let at = |tp_overlap: bool| {
            let spec = TrainSpec {
                tp_overlap,
                ..spec(1e9, 8192, 8)
            };
            plan_training(&model, &chip, 8, &layout, &spec).unwrap()
        };
        let (plain, overlapped) = (at(false), at(true));
        let seconds = |plan: &TrainPlan| {
            plan.time_by_item
                .iter()
                .find(|t| t.item == "tensor-parallel all-gather/reduce-scatter")
                .unwrap()
                .seconds
        };
        // At 8,192 tokens the layer's matmuls outlast its collectives, so
        // only the one piece of eight each collective cannot hide stays.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b;
        assert!(close(seconds(&overlapped), seconds(&plain) / 8.0));
        let saved = plain.step.total_s - overlapped.step.total_s;
        // One stage, no bubble: the step is shorter by exactly what was hidden.
        assert!(close(saved, seconds(&plain) - seconds(&overlapped)));
        assert_eq!(plain.step.compute_s, overlapped.step.compute_s);
        // It pipelines sequence parallelism's collectives: without them it is refused.
        let spec = TrainSpec {
            tp_overlap: true,
            sequence_parallel: false,
            ..spec(1e9, 8192, 8)
        };
        let error = plan_training(&model, &chip, 8, &layout, &spec).unwrap_err();
        assert!(
            error.to_string().contains("sequence parallelism is off"),
            "{error}"
        );
    }

    #[test]
    fn goodput_stretches_the_run_but_not_the_step() {
        let model = resolve("llama3-8b").unwrap();
        let chip = test_chip();
        let layout: Layout = "tp=8".parse().unwrap();
        let at = |goodput: f64| {
            let spec = TrainSpec {
                goodput,
                price_per_chip_hour: Some(2.0),
                ..spec(1e9, 8192, 8)
            };
            plan_training(&model, &chip, 8, &layout, &spec).unwrap()
        };
        let (ideal, half) = (at(1.0), at(0.5));
        // By hand: 1e9 tokens at 8 × 8,192 per step on 8 chips is
        // 8 · 1e9 / 65,536 · step / 3,600 chip-hours when every hour trains,
        // twice that when half of them do.
        let steps = 1e9 / (8.0 * 8192.0);
        let ideal_hours = 8.0 * steps * ideal.step.total_s / 3600.0;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b;
        assert!(close(ideal.run.chip_hours, ideal_hours));
        assert!(close(half.run.chip_hours, 2.0 * ideal_hours));
        assert!(close(half.run.wall_s, 2.0 * ideal.run.wall_s));
        // $2 a chip-hour; 500 W at full power.
        assert!(close(half.run.cost_usd.unwrap(), 2.0 * 2.0 * ideal_hours));
        assert!(close(half.run.energy_kwh.unwrap(), 2.0 * ideal_hours * 0.5));
        assert_eq!(half.step, ideal.step);
        assert_eq!(
            (half.tokens_per_s, half.flop_per_s_per_chip, half.mfu),
            (ideal.tokens_per_s, ideal.flop_per_s_per_chip, ideal.mfu)
        );
    }

    #[test]
    fn a_layout_that_does_not_cover_the_chips_is_refused() {
        let model = resolve("llama3-8b").unwrap();
        let chip = test_chip();
        let layout: Layout = "tp=8,dp=4".parse().unwrap();
        let error = plan_training(&model, &chip, 16, &layout, &spec(1e9, 8192, 64))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("tp·cp·pp·dp = 32 but --chips is 16"),
            "{error}"
        );
        let error = plan_training(&model, &chip, 0, &layout, &spec(1e9, 8192, 64))
            .unwrap_err()
            .to_string();
        assert!(error.contains("--chips must be at least 1"), "{error}");
    }
}
