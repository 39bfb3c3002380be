//! The targets, as data: each row names its numerator (which measurements of
//! the run), its denominator (a roof, a host baseline, a figure measured
//! elsewhere) and its threshold. A workload's figure (FLOP/s, bytes/s,
//! seconds) comes from the workload itself, never from its name. Adding a
//! target is one row of [`TARGETS`].

use crate::baseline::HostRequest;
use crate::case::{Dtype, Roof};
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
    /// Only on a software adapter, where the host's figure is the device's limit.
    pub software_only: bool,
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
        software_only: false,
    },
    Target {
        numerator: Pick::Every {
            workload: "stream_triad",
        },
        denominator: Against::Host(HostBaseline::Memcpy),
        threshold: Some(0.5),
        software_only: true,
    },
    // PyTorch on the same GPU: f32 without TF32, and f16.
    Target {
        numerator: Pick::AtBaselineShapes {
            workload: "matmul",
            dtype: Dtype::F32,
        },
        denominator: Against::External,
        threshold: Some(0.6),
        software_only: false,
    },
    Target {
        numerator: Pick::AtBaselineShapes {
            workload: "matmul",
            dtype: Dtype::F16,
        },
        denominator: Against::External,
        threshold: Some(0.4),
        software_only: false,
    },
    Target {
        numerator: Pick::LargestSquare {
            workload: "matmul",
            dtype: Dtype::F32,
        },
        denominator: Against::Host(HostBaseline::Gemm),
        threshold: None,
        software_only: false,
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
    TARGETS
        .iter()
        .filter(|t| !t.software_only || report.adapter.is_software())
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
                Against::Roof(_) => return Vec::new(),
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
