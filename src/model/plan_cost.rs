//! The planner's chip costs, from this layer's two sources of chip figures
//! (the planner holds none and imports only `units`; this layer imports it):
//!
//! - a catalog chip as a [`Datasheet`]: datasheet roofs times efficiencies,
//!   each the chip's own published measurement where the catalog has one
//!   (its best measured GEMM, attention, NCCL bandwidth and latency), else
//!   the median over the catalog's chips that publish it, said to be assumed;
//! - a calibrated [`ChipProfile`] as a [`ProfileCost`]: each matmul, stream
//!   and attention time from the profile's fitted per-op-class models
//!   ([`Source::Measured`], with the held-out error), and in words whatever
//!   stood in for what was asked (f16 or f32 fits for BF16, matmuls for
//!   attention) or lies outside what the model was fitted on.
//!
//! [`chip_cost`] resolves `--chip`: a profile file, or a catalog id.

use std::path::Path;

use super::form::Context;
use super::predict::{predict_in, Query};
use super::profile::{load_profile, ChipProfile, Provenance};
use super::{catalog, Catalog, CatalogChip, Fold, ModelError, OpClass};
use crate::case::Dtype;
use crate::measure::median;
use crate::planner::cost::{
    format_rate, AttentionShape, MatmulShape, Pass, ATTENTION_BACKWARD_FLOP_RATIO,
};
use crate::planner::ops::ACTIVATION_BYTES;
use crate::planner::{
    ChipFacts, Cited, Datasheet, Efficiencies, Link, MemoryKind, OpCost, Precision, Source, Timed,
};
use crate::reference::BlockPart;
use crate::workloads::{part_name, part_workgroups};

/// The fraction of HBM bandwidth a large streaming operation reaches, for
/// every catalog chip (the catalog has no measured stream figures).
const MEMORY_EFFICIENCY: f64 = 0.90;
/// Where [`MEMORY_EFFICIENCY`] comes from.
const MEMORY_EFFICIENCY_SOURCE: &str =
    "large-op HBM efficiency of Calculon's A100 table (Isaev et al., SC'23), assumed for every catalog chip";

/// The chip `--chip` names: a profile file (calibrated, or a datasheet
/// profile written by `chipbench chips ID --out`), or a catalog id.
pub fn chip_cost(name: &str) -> Result<Box<dyn OpCost>, ModelError> {
    let catalog = catalog()?;
    let path = Path::new(name);
    if path.exists() {
        let profile = load_profile(path)?;
        if let (Provenance::Datasheet, Some(id)) =
            (profile.provenance, profile.identity.catalog_id.as_deref())
        {
            return Ok(Box::new(catalog_cost(&catalog, catalog.chip(id)?)?));
        }
        return Ok(Box::new(ProfileCost::new(profile, name)?));
    }
    match catalog
        .chip
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(name))
    {
        Some(chip) => Ok(Box::new(catalog_cost(&catalog, chip)?)),
        None => Err(ModelError::Catalog(format!(
            "unknown chip '{name}'; known: {}, or a profile file written by `chipbench calibrate`",
            catalog
                .chip
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `chip` as datasheet roofs times cited efficiencies.
pub fn catalog_cost(catalog: &Catalog, chip: &CatalogChip) -> Result<Datasheet, ModelError> {
    let bf16 = chip.peak("bf16").ok_or_else(|| {
        ModelError::Catalog(format!(
            "{} ({}) has no BF16 FLOP/s figure in the catalog: it cannot be planned for",
            chip.name, chip.id
        ))
    })?;
    let facts = ChipFacts {
        id: chip.id.clone(),
        name: chip.name.clone(),
        bf16_flop_per_s: bf16.value,
        fp8_flop_per_s: chip.peak("fp8").map(|p| p.value),
        peak_kind: "datasheet".into(),
        memory_bytes: Some(chip.memory_capacity_bytes.value),
        memory_bytes_per_s: chip.memory_bytes_per_s.value,
        tdp_w: chip.tdp_w.as_ref().map(|f| f.value),
        scale_up_bytes_per_s: scale_up_one_way(chip),
        scale_out_bytes_per_s: chip.scale_out_bytes_per_s.as_ref().map(|f| f.value),
        chips_per_node: chip.chips_per_node.as_ref().map_or(1, |f| f.value as u64),
        source: format!(
            "catalog chip {}: `chipbench chips {}` gives each figure's source",
            chip.id, chip.id
        ),
    };
    let matmul = own_or_assumed(
        catalog,
        chip,
        "best measured BF16 GEMM ÷ peak",
        gemm_efficiency,
    );
    let attention = own_or_assumed(
        catalog,
        chip,
        "measured attention ÷ BF16 peak",
        attention_efficiency,
    );
    let efficiencies = PartialEfficiencies {
        matmul: matmul.clone(),
        attention: attention.unwrap_or_else(|| Cited {
            value: matmul.as_ref().map_or(1.0, |m| m.value),
            source: "assumed equal to the matmul efficiency: no measured attention in the catalog"
                .into(),
        }),
        memory: Cited::new(MEMORY_EFFICIENCY, MEMORY_EFFICIENCY_SOURCE),
        scale_up: own_or_assumed(catalog, chip, "NCCL ÷ scale-up line rate", |c| {
            link_efficiency(&c.measured_scale_up_bytes_per_s, scale_up_one_way(c))
        }),
        scale_out: own_or_assumed(catalog, chip, "NCCL ÷ scale-out line rate", |c| {
            link_efficiency(
                &c.measured_scale_out_bytes_per_s,
                c.scale_out_bytes_per_s.as_ref().map(|f| f.value),
            )
        }),
        scale_up_latency_s: own_or_assumed(catalog, chip, "scale-up collective latency", |c| {
            c.scale_up_latency_s.as_ref().map(cited)
        }),
        scale_out_latency_s: own_or_assumed(catalog, chip, "scale-out collective latency", |c| {
            c.scale_out_latency_s.as_ref().map(cited)
        }),
        training_step: own_or_assumed(catalog, chip, "training-step efficiency", |c| {
            c.training_step_efficiency.as_ref().map(cited)
        }),
    }
    .complete()
    .ok_or_else(|| {
        ModelError::Catalog("the catalog publishes no measured GEMM, link or latency".into())
    })?;
    Ok(Datasheet {
        facts,
        efficiencies,
    })
}

/// Efficiencies each of which may still be missing.
struct PartialEfficiencies {
    matmul: Option<Cited>,
    attention: Cited,
    memory: Cited,
    scale_up: Option<Cited>,
    scale_out: Option<Cited>,
    scale_up_latency_s: Option<Cited>,
    scale_out_latency_s: Option<Cited>,
    training_step: Option<Cited>,
}

impl PartialEfficiencies {
    /// All of them, or None where the whole catalog lacks one.
    fn complete(self) -> Option<Efficiencies> {
        Some(Efficiencies {
            matmul: self.matmul?,
            attention: self.attention,
            memory: self.memory,
            scale_up: self.scale_up?,
            scale_out: self.scale_out?,
            scale_up_latency_s: self.scale_up_latency_s?,
            scale_out_latency_s: self.scale_out_latency_s?,
            training_step: self.training_step,
        })
    }
}

/// Scale-up bandwidth one way: the catalog gives both directions together.
fn scale_up_one_way(chip: &CatalogChip) -> Option<f64> {
    chip.scale_up_bytes_per_s.as_ref().map(|f| f.value / 2.0)
}

fn cited(figure: &super::Sourced) -> Cited {
    Cited::new(figure.value, &figure.source)
}

/// A published BF16 GEMM of `chip` ÷ its BF16 peak: the best-shape figure
/// where one is cited (a sustained maximum found by searching shapes,
/// stas00's MAMF), else the fastest measured shape.
fn gemm_efficiency(chip: &CatalogChip) -> Option<Cited> {
    let peak = chip.peak("bf16")?.value;
    let bf16 = || chip.measured_gemm.iter().filter(|g| g.precision == "bf16");
    let best = bf16()
        .find(|g| g.shape == "best shape")
        .or_else(|| bf16().max_by(|a, b| a.flop_per_s.total_cmp(&b.flop_per_s)))?;
    Some(Cited {
        value: best.flop_per_s / peak,
        source: format!(
            "{} of {} BF16 GEMM measured ({}), {}",
            format_rate(best.flop_per_s, "FLOP/s"),
            format_rate(peak, "FLOP/s"),
            best.shape,
            best.source
        ),
    })
}

/// Published fused attention of `chip` ÷ its BF16 peak.
fn attention_efficiency(chip: &CatalogChip) -> Option<Cited> {
    let measured = chip.measured_attention_flop_per_s.as_ref()?;
    Some(Cited {
        value: measured.value / chip.peak("bf16")?.value,
        source: measured.source.clone(),
    })
}

/// A published collective bandwidth ÷ the link's line rate one way.
fn link_efficiency(measured: &Option<super::Sourced>, line_rate: Option<f64>) -> Option<Cited> {
    let (measured, line_rate) = (measured.as_ref()?, line_rate?);
    Some(Cited {
        value: measured.value / line_rate,
        source: measured.source.clone(),
    })
}

/// `figure` of `chip` where the catalog publishes it; else the median of
/// the chips that do, its source saying it is assumed and from which chips.
fn own_or_assumed(
    catalog: &Catalog,
    chip: &CatalogChip,
    what: &str,
    figure: impl Fn(&CatalogChip) -> Option<Cited>,
) -> Option<Cited> {
    if let Some(own) = figure(chip) {
        return Some(own);
    }
    let others: Vec<(&str, Cited)> = catalog
        .chip
        .iter()
        .filter_map(|c| figure(c).map(|f| (c.id.as_str(), f)))
        .collect();
    let source = match others.as_slice() {
        [] => return None,
        [(id, only)] => format!(
            "assumed from {id} (the catalog has no figure of {}): {}",
            chip.id, only.source
        ),
        many => format!(
            "assumed: median {what} of the catalog's chips that publish it ({}); {} has none",
            many.iter()
                .map(|(id, f)| format!("{id} {:.2}", f.value))
                .collect::<Vec<_>>()
                .join(", "),
            chip.id
        ),
    };
    let values: Vec<f64> = others.iter().map(|(_, f)| f.value).collect();
    Some(Cited {
        value: median(&values),
        source,
    })
}

/// A calibrated profile as the planner's cost: every time from one of its
/// fitted models, with what stood in for what.
#[derive(Debug, Clone)]
pub struct ProfileCost {
    profile: ChipProfile,
    /// The profile's file name, as notes and sources show it.
    name: String,
    /// The matmul class standing in for BF16 (f16 where calibrated, else f32).
    matmul_class: OpClass,
    facts: ChipFacts,
}

impl ProfileCost {
    /// `profile` (read from `name`) as a cost, or why it cannot time a plan
    /// (no matmul or stream model, no bandwidth).
    pub fn new(profile: ChipProfile, name: &str) -> Result<ProfileCost, ModelError> {
        let cannot = |why: String| ModelError::BadProfile {
            path: name.to_string(),
            message: format!("cannot time a plan: {why}"),
        };
        let matmul_class = [OpClass::MatmulF16, OpClass::MatmulF32]
            .into_iter()
            .find(|&c| profile.class(c).is_ok())
            .ok_or_else(|| cannot("it has no matmul model".into()))?;
        profile
            .class(OpClass::Stream)
            .map_err(|e| cannot(e.to_string()))?;
        let matmul = profile.class(matmul_class)?;
        let precision = match matmul_class {
            OpClass::MatmulF16 => "f16",
            _ => "f32",
        };
        let peak_kind = profile
            .roofs
            .peak_flop_per_s
            .iter()
            .find(|r| r.precision == precision)
            .map_or_else(
                || "the matmul model's peak".to_string(),
                |r| format!("{} {precision}: {}", r.kind, r.source),
            );
        let roofs = &profile.roofs;
        let identity = &profile.identity;
        let facts = ChipFacts {
            id: name.to_string(),
            name: format!("{} ({})", identity.device, identity.backend),
            bf16_flop_per_s: matmul.peak_flop_per_s,
            fp8_flop_per_s: None,
            peak_kind,
            memory_bytes: roofs.memory_capacity_bytes,
            memory_bytes_per_s: roofs
                .memory_bytes_per_s
                .ok_or_else(|| cannot("it has no memory bandwidth".into()))?,
            tdp_w: roofs.tdp_w,
            scale_up_bytes_per_s: roofs.scale_up_bytes_per_s.map(|both| both / 2.0),
            scale_out_bytes_per_s: roofs.scale_out_bytes_per_s,
            chips_per_node: 1,
            source: format!("profile {name}, calibrated from chipbench reports"),
        };
        // Notes name the file, not the folder it was given with.
        let shown = Path::new(name)
            .file_name()
            .map_or(name.to_string(), |f| f.to_string_lossy().into_owned());
        Ok(ProfileCost {
            profile,
            name: shown,
            matmul_class,
            facts,
        })
    }

    /// The time of `query` by the model of its class, with its source and
    /// an extrapolation note where the query leaves the fitted range. Every
    /// op of a plan runs in a stack of layers whose weights alone are
    /// megabytes (GPT-2 124M) to gigabytes a layer, so none finds its data
    /// left in a cache by its previous run: the stack is taken as larger
    /// than any cache ([`Context::Stack`]), as the `block` check takes its
    /// layer's bytes.
    fn measured(&self, query: &Query) -> Timed {
        let context = Context::Stack {
            working_set_bytes: f64::INFINITY,
        };
        match predict_in(&self.profile, query, context) {
            Ok(prediction) => {
                let mut timed = Timed::plain(prediction.time_s, self.source(prediction.class));
                if !prediction.warnings.is_empty() {
                    timed.notes.push(format!(
                        "extrapolated: the {} model of {} is used beyond the shapes it was fitted on ({})",
                        prediction.class,
                        self.name,
                        self.range(prediction.class)
                    ));
                }
                timed
            }
            // The classes asked for were checked in `new`.
            Err(error) => Timed {
                seconds: f64::INFINITY,
                source: self.source(OpClass::Stream),
                notes: vec![format!("error: {error}")],
            },
        }
    }

    fn source(&self, class: OpClass) -> Source {
        Source::Measured {
            profile: self.name.clone(),
            op_class: class.name().to_string(),
            held_out_error: self
                .profile
                .class(class)
                .ok()
                .and_then(|c| c.score(Fold::LeaveOneShapeOut, "model"))
                .map(|e| e.median_abs),
        }
    }

    /// `m 1–1024, n 32–2048, k 8–8192`: where `class` was fitted.
    fn range(&self, class: OpClass) -> String {
        let Some(range) = self
            .profile
            .class(class)
            .ok()
            .and_then(|c| c.range.as_ref())
        else {
            return "no range recorded".into();
        };
        range
            .dimensions
            .iter()
            .map(|(name, low, high)| format!("{name} {low}–{high}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The dtype of the class standing in for BF16.
    fn dtype(&self) -> Dtype {
        match self.matmul_class {
            OpClass::MatmulF16 => Dtype::F16,
            _ => Dtype::F32,
        }
    }

    /// A matmul of `shape` by the stand-in class's model.
    fn matmul_time(&self, shape: &MatmulShape) -> Timed {
        let whole = |x: f64| x.round().max(1.0) as u64;
        self.measured(&Query::Matmul {
            dtype: self.dtype(),
            m: whole(shape.m),
            n: whole(shape.n),
            k: whole(shape.k),
            kernel: None,
        })
    }

    /// What stood in for a `precision` matmul, in words.
    fn matmul_note(&self, precision: Precision) -> String {
        let (class, how) = match self.matmul_class {
            OpClass::MatmulF16 => (
                "matmul_f16",
                "WGSL f16 inputs with f32 sums, as chipbench ran them",
            ),
            _ => (
                "matmul_f32",
                "WGSL f32 on a backend without f16 shaders or tensor cores",
            ),
        };
        let warning = match precision.compute() {
            Precision::Fp8 => {
                " (warning: FP8 tensor cores, where the chip has them, would be faster)"
            }
            _ => "",
        };
        format!(
            "substituted: {} has no {} matmul model: {precision} matmuls timed by its {class} model ({how}){warning}",
            self.name,
            precision.compute()
        )
    }
}

impl OpCost for ProfileCost {
    fn chip(&self) -> &ChipFacts {
        &self.facts
    }

    fn matmul(&self, shape: &MatmulShape, precision: Precision) -> Timed {
        let mut timed = self.matmul_time(shape);
        timed.notes.insert(0, self.matmul_note(precision));
        timed
    }

    /// Two matmuls per key/value head: QKᵀ (the head group's queries
    /// against the keys) and PV, scaled to the unmasked share of the pairs;
    /// backward 2.5× forward. The profile has no attention model (chipbench's
    /// forms do not yet cover attention), and the plan says so.
    fn attention(&self, shape: &AttentionShape, pass: Pass) -> Timed {
        let group_rows = shape.q_len * shape.q_heads / shape.kv_heads;
        let scores = self.matmul_time(&MatmulShape {
            m: group_rows,
            n: shape.kv_len,
            k: shape.head_dim,
        });
        let values = self.matmul_time(&MatmulShape {
            m: group_rows,
            n: shape.head_dim,
            k: shape.kv_len,
        });
        let unmasked = shape.pairs / (shape.q_len * shape.kv_len);
        let passes = match pass {
            Pass::Forward => 1.0,
            Pass::Backward => ATTENTION_BACKWARD_FLOP_RATIO,
        };
        let mut notes = vec![format!(
            "substituted: {} has no attention model: attention timed as QKᵀ and PV matmuls per key/value head by its {} model, the masked share skipped, backward {ATTENTION_BACKWARD_FLOP_RATIO}× forward",
            self.name, self.matmul_class
        )];
        notes.extend(scores.notes.iter().chain(&values.notes).cloned());
        notes.dedup();
        Timed {
            seconds: (scores.seconds + values.seconds)
                * shape.sequences
                * shape.kv_heads
                * unmasked
                * passes,
            source: scores.source,
            notes,
        }
    }

    /// A norm, activation or residual add by the profile's own kernel of
    /// that kind where it measured them (its `elementwise` class), over
    /// arrays of the bytes each of its passes moves and with the workgroups
    /// chipbench's kernel would launch for its elements
    /// (`workloads::part_workgroups`: a norm's rows, the others' elements
    /// as one row); anything else, or a profile without that class, as a
    /// stream kernel moving the bytes.
    fn memory_bound(&self, kind: MemoryKind, bytes: f64) -> Timed {
        let kernel = match kind {
            MemoryKind::Norm { width } => Some((BlockPart::LayerNorm, 2.0, Some(width))),
            MemoryKind::Activation => Some((BlockPart::BiasGelu, 2.0, None)),
            MemoryKind::Residual => Some((BlockPart::BiasResidual, 3.0, None)),
            MemoryKind::Other => None,
        };
        let whole = |bytes: f64| bytes.round().max(1.0) as u64;
        match kernel {
            Some((part, arrays, row_width)) if self.profile.class(OpClass::Elementwise).is_ok() => {
                let array_bytes = bytes / arrays;
                let elements = whole(array_bytes / ACTIVATION_BYTES) as usize;
                let width = row_width.map_or(elements, |w| (w as usize).max(1));
                let workgroups = part_workgroups(part, elements.div_ceil(width), width);
                self.measured(&Query::Elementwise {
                    kernel: part_name(part).into(),
                    bytes: whole(bytes),
                    array_bytes: whole(array_bytes),
                    workgroups,
                })
            }
            _ => self.measured(&Query::Stream {
                bytes: whole(bytes),
            }),
        }
    }

    fn transfer(&self, link: Link, bytes: f64) -> Timed {
        // Reached only where the profile's roofs carry the link (see require_link).
        let rate = self.facts.link_bytes_per_s(link).unwrap_or(0.0);
        Timed::plain(
            bytes / rate,
            Source::Datasheet {
                figure: format!("{link} {} (profile roofs)", format_rate(rate, "B/s")),
                efficiency: 1.0,
                efficiency_source: "line rate: the profile has no measured collective".into(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_chip_with_a_bf16_peak_gets_cited_efficiencies() {
        let catalog = catalog().unwrap();
        for chip in &catalog.chip {
            let Ok(cost) = catalog_cost(&catalog, chip) else {
                assert!(chip.peak("bf16").is_none(), "{}", chip.id);
                continue;
            };
            let e = &cost.efficiencies;
            for cited in [
                &e.matmul,
                &e.attention,
                &e.memory,
                &e.scale_up,
                &e.scale_out,
            ] {
                assert!(
                    cited.value > 0.0 && cited.value <= 1.0,
                    "{}: {cited:?}",
                    chip.id
                );
                assert!(!cited.source.is_empty());
            }
        }
    }

    #[test]
    fn a_chip_without_its_own_measurement_says_whose_it_assumed() {
        let catalog = catalog().unwrap();
        let h200 = catalog_cost(&catalog, catalog.chip("h200").unwrap()).unwrap();
        let matmul = &h200.efficiencies.matmul;
        assert!(
            matmul
                .source
                .starts_with("assumed: median best measured BF16 GEMM")
                && matmul.source.contains("h100-sxm 0.80"),
            "{}",
            matmul.source
        );
        let h100 = catalog_cost(&catalog, catalog.chip("h100-sxm").unwrap()).unwrap();
        assert!((h100.efficiencies.matmul.value - 792.1 / 989.4).abs() < 1e-9);
        assert!((h100.facts.scale_up_bytes_per_s.unwrap() - 450e9).abs() < 1.0);
        assert!((h100.efficiencies.scale_up.value - 370.0 / 450.0).abs() < 1e-9);
        assert!(h200
            .efficiencies
            .scale_up
            .source
            .starts_with("assumed from h100-sxm"));
        let step = |cost: &Datasheet| cost.efficiencies.training_step.clone().unwrap();
        assert!(step(&h100).source.starts_with("fitted on 6 published H100"));
        assert!(
            step(&h200)
                .source
                .starts_with("assumed: median training-step efficiency"),
            "{}",
            step(&h200).source
        );
    }

    /// The committed gl profile (matmul_f32 and stream models only).
    fn gl_profile() -> (ProfileCost, ChipProfile) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("reports/vm_llvmpipe-llvm-15-0-6-256-bits_gl_20261202T064447Z.profile.json");
        let profile = load_profile(&path).unwrap();
        (
            ProfileCost::new(profile.clone(), path.to_str().unwrap()).unwrap(),
            profile,
        )
    }

    #[test]
    fn a_forward_pass_on_a_profile_is_the_sum_of_its_models_predictions() {
        use crate::planner::{forward_pass, transformer, ForwardShape};
        let (cost, profile) = gl_profile();
        let model = transformer::resolve("gpt2-124m").unwrap();
        let shape = ForwardShape {
            sequences: 1,
            new_tokens: 128,
            cached_tokens: 0.0,
        };
        let ops = forward_pass(&model, &cost, &shape, 1.0, 1, Precision::Bf16, 2.0).unwrap();
        let qkv = ops.iter().find(|o| o.name == "qkv projection").unwrap();
        let query = Query::Matmul {
            dtype: Dtype::F32,
            m: 128,
            n: 2304,
            k: 768,
            kernel: None,
        };
        // In a stack: its operands evicted by the rest of the layer.
        let stack = Context::Stack {
            working_set_bytes: f64::INFINITY,
        };
        let one = predict_in(&profile, &query, stack).unwrap();
        assert!((qkv.time.seconds / (12.0 * one.time_s) - 1.0).abs() < 1e-12);
        let alone = predict_in(&profile, &query, Context::Alone).unwrap();
        assert!(one.time_s >= alone.time_s);
        assert!(qkv.time.notes[0].starts_with("substituted: vm_llvmpipe"));
        assert!(qkv.time.notes[0].contains("timed by its matmul_f32 model"));
        // n = 2304 lies beyond the 2048 the model was fitted on.
        assert!(qkv.time.notes[1].starts_with("extrapolated: the matmul_f32 model"));
        for op in &ops {
            assert!(
                matches!(op.time.source, Source::Measured { .. }),
                "{}: {}",
                op.name,
                op.time.source
            );
            assert!(
                op.time.seconds.is_finite() && op.time.seconds > 0.0,
                "{}",
                op.name
            );
        }
    }

    #[test]
    fn attention_on_a_profile_is_two_matmuls_per_kv_head_over_the_unmasked_pairs() {
        let (cost, _) = gl_profile();
        let shape = AttentionShape {
            sequences: 2.0,
            q_heads: 12.0,
            kv_heads: 12.0,
            head_dim: 64.0,
            q_len: 256.0,
            kv_len: 256.0,
            pairs: 256.0 * 257.0 / 2.0,
            kv_bytes: 2.0,
        };
        let scores = cost.matmul_time(&MatmulShape {
            m: 256.0,
            n: 256.0,
            k: 64.0,
        });
        let values = cost.matmul_time(&MatmulShape {
            m: 256.0,
            n: 64.0,
            k: 256.0,
        });
        let expected = (scores.seconds + values.seconds) * 24.0 * 257.0 / 512.0;
        let forward = cost.attention(&shape, Pass::Forward);
        assert!((forward.seconds / expected - 1.0).abs() < 1e-12);
        let backward = cost.attention(&shape, Pass::Backward);
        assert!((backward.seconds / forward.seconds - 2.5).abs() < 1e-12);
        assert!(forward.notes[0].contains("has no attention model"));
    }

    #[test]
    fn an_unknown_chip_lists_the_catalog() {
        let error = chip_cost("tpu-v9").err().unwrap().to_string();
        assert!(
            error.starts_with("unknown chip 'tpu-v9'; known: h100-sxm, h100-pcie"),
            "{error}"
        );
    }
}
