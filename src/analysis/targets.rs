//! The targets, as data: each row names its numerator (which measurements of
//! the run), its denominator (a roof, a host baseline, a figure measured
//! elsewhere) and its threshold. A workload's figure (FLOP/s, bytes/s,
//! seconds) comes from the workload itself, never from its name. Adding a
//! target is one row of [`TARGETS`].

use crate::baseline::HostRequest;
use crate::case::{Dtype, Roof, Shape};
use crate::report::{Baseline, Measurement, Report, Status};

/// Which measurements of a run the numerator of a ratio is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pick {
    /// `workload` in `dtype` at the largest square shape the run attempted
    /// (whatever came of it: a smaller size never stands in).
    LargestSquare {
        /// Workload family.
        workload: &'static str,
        /// Element type.
        dtype: Dtype,
    },
    /// Every case of `workload`.
    Every {
        /// Workload family.
        workload: &'static str,
    },
    /// `workload` in `dtype` at each shape a baseline of the denominator's
    /// kind has (one ratio per such baseline).
    AtBaselineShapes {
        /// Workload family.
        workload: &'static str,
        /// Element type.
        dtype: Dtype,
    },
    /// Cases of any of `workloads` in `dtype` whose shapes have the sizes
    /// `matching` gives, at the largest size of dimension `along` among
    /// them: one ratio per shape there (the best of those workloads at it),
    /// e.g. fused attention at the longest prefill length, per head dimension.
    Longest {
        /// Workload families, judged together (one-pass and split decode).
        workloads: &'static [&'static str],
        /// Element type.
        dtype: Dtype,
        /// The dimension whose largest size is picked.
        along: &'static str,
        /// Sizes the shape must have, as (dimension, size).
        matching: &'static [(&'static str, u64)],
    },
}

/// What the numerator is held against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Against {
    /// The run's roof of this kind (for compute, of the numerator's dtype).
    Roof(Roof),
    /// A host baseline timed in the same run.
    Host(HostBaseline),
    /// A figure measured elsewhere (`--external`) at the numerator's shape.
    External,
    /// `workload` at the numerator's shape, with the sizes `changed` gives
    /// in place of the numerator's (none: the very shape), in any variant.
    SameShape {
        /// Workload family.
        workload: &'static str,
        /// Dimensions set apart from the numerator's, as (dimension, size).
        changed: &'static [(&'static str, u64)],
    },
    /// The best case of `workload` in the run, at any shape, in the
    /// numerator's dtype where `same_dtype`.
    Best {
        /// Workload family.
        workload: &'static str,
        /// Only cases of the numerator's dtype.
        same_dtype: bool,
    },
    /// `workload` at the shape of the run that moves the most bytes, in any
    /// variant: a bandwidth from memory, where a suite measures the stream
    /// kernels from cache-sized arrays up (the calibrate suite's copy of a
    /// cache-sized array runs faster than any memory allows).
    Largest {
        /// Workload family.
        workload: &'static str,
    },
}

/// The adapters a target applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapters {
    /// Every adapter.
    All,
    /// Software adapters only, where the host's figure is the device's limit
    /// or the CPU decides what wins.
    Software,
    /// GPUs (anything but a software adapter) only.
    Hardware,
}

/// The host baselines chipbench times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostBaseline {
    /// A one-thread memcpy of the largest stream array.
    Memcpy,
    /// The `gemm` crate at the numerator's shape and dtype.
    Gemm,
}

impl HostBaseline {
    /// The baseline's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            HostBaseline::Memcpy => "host_memcpy",
            HostBaseline::Gemm => "host_gemm",
        }
    }
}

/// One row of the target table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The numerator.
    pub numerator: Pick,
    /// The denominator.
    pub denominator: Against,
    /// The value the ratio should reach; None for a ratio given for information.
    pub threshold: Option<f64>,
    /// The adapters it applies to.
    pub adapters: Adapters,
}

/// Fused attention at the longest prefill length of the run, f32, without
/// a mask (one ratio per head dimension).
const FUSED_PREFILL: Pick = Pick::Longest {
    workloads: &["attention"],
    dtype: Dtype::F32,
    along: "sq",
    matching: &[("causal", 0)],
};

/// Decode (one-pass or split, whichever is faster) at the longest K/V length.
const DECODE: Pick = Pick::Longest {
    workloads: &["attention_decode", "attention_decode_split"],
    dtype: Dtype::F32,
    along: "skv",
    matching: &[("sq", 1)],
};

/// Decode's K/V bandwidth (one-pass or split, whichever is faster) at the
/// longest K/V length ÷ the run's stream copy of its largest arrays (both
/// beyond the caches).
const fn decode_against_copy(threshold: f64, adapters: Adapters) -> Target {
    Target {
        numerator: DECODE,
        denominator: Against::Largest {
            workload: "stream_copy",
        },
        threshold: Some(threshold),
        adapters,
    }
}

/// Split decode ÷ one-pass decode at the longest K/V length.
const fn split_against_one_pass(threshold: Option<f64>, adapters: Adapters) -> Target {
    Target {
        numerator: Pick::Longest {
            workloads: &["attention_decode_split"],
            dtype: Dtype::F32,
            along: "skv",
            matching: &[("sq", 1)],
        },
        denominator: Against::SameShape {
            workload: "attention_decode",
            changed: &[],
        },
        threshold,
        adapters,
    }
}

/// The targets every run is judged by, then the ratios given for information.
pub const TARGETS: &[Target] = &[
    Target {
        numerator: Pick::LargestSquare {
            workload: "matmul",
            dtype: Dtype::F32,
        },
        denominator: Against::Roof(Roof::Compute),
        threshold: Some(0.5),
        adapters: Adapters::All,
    },
    Target {
        numerator: Pick::Every {
            workload: "stream_triad",
        },
        denominator: Against::Host(HostBaseline::Memcpy),
        threshold: Some(0.5),
        adapters: Adapters::Software,
    },
    // Fused attention must beat its unfused baseline twice over, reach 60%
    // of the best matmul, and skip what the causal mask hides (80% of the
    // unmasked throughput on the halved FLOP count).
    Target {
        numerator: FUSED_PREFILL,
        denominator: Against::SameShape {
            workload: "attention_unfused",
            changed: &[],
        },
        threshold: Some(2.0),
        adapters: Adapters::All,
    },
    Target {
        numerator: FUSED_PREFILL,
        denominator: Against::Best {
            workload: "matmul",
            same_dtype: true,
        },
        threshold: Some(0.6),
        adapters: Adapters::All,
    },
    Target {
        numerator: Pick::Longest {
            workloads: &["attention"],
            dtype: Dtype::F32,
            along: "sq",
            matching: &[("causal", 1)],
        },
        denominator: Against::SameShape {
            workload: "attention",
            changed: &[("causal", 0)],
        },
        threshold: Some(0.8),
        adapters: Adapters::All,
    },
    // Decode reads K and V near the copy bandwidth.
    decode_against_copy(0.5, Adapters::Software),
    decode_against_copy(0.7, Adapters::Hardware),
    // PyTorch on the same GPU: f32 without TF32, and f16.
    Target {
        numerator: Pick::AtBaselineShapes {
            workload: "matmul",
            dtype: Dtype::F32,
        },
        denominator: Against::External,
        threshold: Some(0.6),
        adapters: Adapters::All,
    },
    Target {
        numerator: Pick::AtBaselineShapes {
            workload: "matmul",
            dtype: Dtype::F16,
        },
        denominator: Against::External,
        threshold: Some(0.4),
        adapters: Adapters::All,
    },
    // Split-KV decode should win where B·Hkv is small (too few workgroups
    // to fill a GPU); a software adapter's few cores are filled either way.
    split_against_one_pass(Some(1.0), Adapters::Hardware),
    split_against_one_pass(None, Adapters::Software),
    Target {
        numerator: Pick::LargestSquare {
            workload: "matmul",
            dtype: Dtype::F32,
        },
        denominator: Against::Host(HostBaseline::Gemm),
        threshold: None,
        adapters: Adapters::All,
    },
];

/// One side of a ratio as the run attempted it.
#[derive(Debug, Clone)]
pub enum Side<'a> {
    /// GPU measurements in any state: the best verified one counts.
    Measurements(Vec<&'a Measurement>),
    /// A baseline of the same run, or measured elsewhere.
    Baseline(&'a Baseline),
}

/// A target row applied to one report: the label it is shown under and what
/// the run attempted on each side.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// `best f32 matmul 512³ / peak f32`.
    pub label: String,
    /// The row's threshold.
    pub threshold: Option<f64>,
    /// The measurements the numerator is the best of.
    pub numerator: Vec<&'a Measurement>,
    /// The denominator.
    pub denominator: Side<'a>,
    /// Whether the denominator is a roof (a ratio above 1 then says the roof is wrong).
    pub against_roof: bool,
}

/// The ratios `report` attempted: every row of [`TARGETS`] whose two sides
/// the run tried, whatever came of them.
pub fn attempted(report: &Report) -> Vec<Attempt<'_>> {
    let software = report.adapter.is_software();
    TARGETS
        .iter()
        .filter(|t| match t.adapters {
            Adapters::All => true,
            Adapters::Software => software,
            Adapters::Hardware => !software,
        })
        .flat_map(|target| attempts_of(target, report))
        .filter(|a| {
            !a.numerator.is_empty()
                && !matches!(&a.denominator, Side::Measurements(side) if side.is_empty())
        })
        .collect()
}

fn attempts_of<'a>(target: &Target, report: &'a Report) -> Vec<Attempt<'a>> {
    let of = |workload: &str, dtype: Option<Dtype>| -> Vec<&'a Measurement> {
        report
            .measurements
            .iter()
            .filter(|m| m.workload == workload && dtype.is_none_or(|d| m.dtype == d))
            .collect()
    };
    let (numerators, dtype): (Vec<Numerator<'a>>, _) = match target.numerator {
        Pick::LargestSquare { workload, dtype } => {
            let all = of(workload, Some(dtype));
            let Some(size) = all.iter().filter_map(|m| square_size(m)).max() else {
                return Vec::new();
            };
            let at_size = all
                .into_iter()
                .filter(|m| square_size(m) == Some(size))
                .collect();
            let name = format!("best {dtype} {workload} {size}³");
            (vec![Numerator::of(name, at_size)], Some(dtype))
        }
        Pick::Every { workload } => {
            let name = workload.replace('_', " ");
            (vec![Numerator::of(name, of(workload, None))], None)
        }
        Pick::AtBaselineShapes { workload, dtype } => {
            let kind = match target.denominator {
                Against::External => format!("external_{workload}"),
                Against::Host(host) => host.name().to_string(),
                Against::Roof(_)
                | Against::SameShape { .. }
                | Against::Best { .. }
                | Against::Largest { .. } => return Vec::new(),
            };
            let list = report
                .baselines
                .iter()
                .filter(|b| b.name == kind && b.dtype == dtype)
                .map(|b| {
                    let same_shape = of(workload, Some(dtype))
                        .into_iter()
                        .filter(|m| m.shape == b.shape)
                        .collect();
                    Numerator {
                        name: format!("best {dtype} {workload} {}", b.shape),
                        measurements: same_shape,
                        baseline: Some(b),
                    }
                })
                .collect();
            (list, Some(dtype))
        }
        Pick::Longest {
            workloads,
            dtype,
            along,
            matching,
        } => {
            let candidates: Vec<&Measurement> = report
                .measurements
                .iter()
                .filter(|m| workloads.contains(&m.workload.as_str()) && m.dtype == dtype)
                .filter(|m| {
                    matching
                        .iter()
                        .all(|&(d, size)| m.shape.get(d) == Some(size))
                })
                .collect();
            let Some(longest) = candidates.iter().filter_map(|m| m.shape.get(along)).max() else {
                return Vec::new();
            };
            let mut shapes: Vec<&Shape> = Vec::new();
            for m in &candidates {
                if m.shape.get(along) == Some(longest) && !shapes.contains(&&m.shape) {
                    shapes.push(&m.shape);
                }
            }
            let list = shapes
                .into_iter()
                .map(|shape| {
                    let at_shape = candidates
                        .iter()
                        .copied()
                        .filter(|m| &m.shape == shape)
                        .collect();
                    let name = format!("best {dtype} {} {shape}", workloads.join(" or "));
                    Numerator::of(name, at_shape)
                })
                .collect();
            (list, Some(dtype))
        }
    };
    numerators
        .into_iter()
        .filter_map(
            |Numerator {
                 name,
                 measurements: numerator,
                 baseline,
             }| {
                let (denominator, against) = match target.denominator {
                    Against::Roof(roof) => {
                        let probes = report
                            .measurements
                            .iter()
                            .filter(|m| {
                                super::roofs::probe_of(m) == Some(roof)
                                    && (roof != Roof::Compute || dtype.is_none_or(|d| m.dtype == d))
                            })
                            .collect();
                        (Side::Measurements(probes), roof_name(roof, dtype))
                    }
                    Against::External => (Side::Baseline(baseline?), "external".to_string()),
                    Against::SameShape { workload, changed } => {
                        let mut shape = numerator.first()?.shape.clone();
                        for &(dimension, size) in changed {
                            shape = shape.with(dimension, size);
                        }
                        let side = of(workload, dtype)
                            .into_iter()
                            .filter(|m| m.shape == shape)
                            .collect();
                        let name = match changed {
                            [] => workload.replace('_', " "),
                            _ => format!("{} {shape}", workload.replace('_', " ")),
                        };
                        (Side::Measurements(side), name)
                    }
                    Against::Best {
                        workload,
                        same_dtype,
                    } => {
                        let side = of(workload, dtype.filter(|_| same_dtype));
                        let name = match (same_dtype, dtype) {
                            (true, Some(dtype)) => format!("best {dtype} {workload}"),
                            _ => format!("best {}", workload.replace('_', " ")),
                        };
                        (Side::Measurements(side), name)
                    }
                    Against::Largest { workload } => {
                        let all = of(workload, None);
                        let moved = |m: &Measurement| m.bytes_read + m.bytes_written;
                        let most = all.iter().map(|m| moved(m)).max()?;
                        let side = all.into_iter().filter(|m| moved(m) == most).collect();
                        (Side::Measurements(side), workload.replace('_', " "))
                    }
                    Against::Host(host) => {
                        let found = report.baselines.iter().find(|b| {
                            b.name == host.name()
                                && match host {
                                    HostBaseline::Memcpy => true,
                                    HostBaseline::Gemm => numerator
                                        .first()
                                        .is_some_and(|m| m.dtype == b.dtype && m.shape == b.shape),
                                }
                        })?;
                        (Side::Baseline(found), host.name().replace('_', " "))
                    }
                };
                Some(Attempt {
                    label: format!("{name} / {against}"),
                    threshold: target.threshold,
                    numerator,
                    denominator,
                    against_roof: matches!(target.denominator, Against::Roof(_)),
                })
            },
        )
        .collect()
}

/// The numerator of one ratio: how the label names it, the measurements it
/// is the best of, and the baseline whose shape chose them (if one did).
struct Numerator<'a> {
    name: String,
    measurements: Vec<&'a Measurement>,
    baseline: Option<&'a Baseline>,
}

impl<'a> Numerator<'a> {
    fn of(name: String, measurements: Vec<&'a Measurement>) -> Self {
        Numerator {
            name,
            measurements,
            baseline: None,
        }
    }
}

/// `peak f32`, `stream roof`, `dispatch overhead`: how a roof is named in a label.
fn roof_name(roof: Roof, dtype: Option<Dtype>) -> String {
    match (roof, dtype) {
        (Roof::Compute, Some(dtype)) => format!("peak {dtype}"),
        (Roof::Compute, None) => "peak".into(),
        (Roof::Bandwidth, _) => "stream roof".into(),
        (Roof::DispatchOverhead, _) => "dispatch overhead".into(),
    }
}

/// N for a case whose dimensions `m`, `n`, `k` are all N.
fn square_size(m: &Measurement) -> Option<u64> {
    let (rows, n, k) = (m.shape.get("m")?, m.shape.get("n")?, m.shape.get("k")?);
    (rows == n && n == k).then_some(rows)
}

/// The host baselines `report`'s targets need: a memcpy of the largest
/// array any bandwidth probe wrote (whenever one was attempted, so that a
/// failed probe still has its target line), and the host gemm at every shape
/// and dtype of a verified case of a workload held against it.
pub fn host_requests(report: &Report) -> Vec<HostRequest> {
    let mut requests = Vec::new();
    for target in TARGETS {
        let Against::Host(host) = target.denominator else {
            continue;
        };
        let workload = match target.numerator {
            Pick::LargestSquare { workload, .. }
            | Pick::Every { workload }
            | Pick::AtBaselineShapes { workload, .. } => workload,
            Pick::Longest { .. } => continue,
        };
        match host {
            HostBaseline::Memcpy => {
                let largest = report
                    .measurements
                    .iter()
                    .filter(|m| super::roofs::probe_of(m) == Some(Roof::Bandwidth))
                    .map(|m| m.bytes_written)
                    .max();
                requests.extend(largest.map(|bytes| HostRequest::Memcpy { bytes }));
            }
            HostBaseline::Gemm => {
                for m in report
                    .measurements
                    .iter()
                    .filter(|m| m.workload == workload && m.status == Status::Ok)
                {
                    let dim = |name| m.shape.get(name).map(|d| d as usize);
                    if let (Some(rows), Some(n), Some(k)) = (dim("m"), dim("n"), dim("k")) {
                        requests.push(HostRequest::Gemm {
                            dtype: m.dtype,
                            m: rows,
                            n,
                            k,
                        });
                    }
                }
            }
        }
    }
    let mut unique = Vec::new();
    for request in requests {
        if !unique.contains(&request) {
            unique.push(request);
        }
    }
    unique
}
