//! The run's figures of merit: ratios between measurements taken on the same
//! device in the same run, each against its target.

use super::{Measurement, Report, Status};
use crate::baseline::Baseline;
use crate::workloads::Dtype;

/// One ratio and whether it met its target.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    /// What is compared, e.g. `best f32 matmul 1024x1024x1024 / peak f32`.
    pub label: String,
    /// Numerator ÷ denominator.
    pub value: f64,
    /// The value it should reach (None for a ratio given for information).
    pub target: Option<f64>,
    /// The two figures behind it, in words.
    pub detail: String,
}

impl Ratio {
    /// Whether the target, if any, was reached.
    pub fn met(&self) -> bool {
        self.target.is_none_or(|target| self.value >= target)
    }
}

/// Target for the best f32 matmul against the f32 FMA roof.
const MATMUL_OF_PEAK_TARGET: f64 = 0.5;
/// Targets for chipbench's best matmul against an external (PyTorch) figure
/// at the same shape: f32 without TF32, and f16.
const MATMUL_OF_EXTERNAL_F32_TARGET: f64 = 0.6;
const MATMUL_OF_EXTERNAL_F16_TARGET: f64 = 0.4;
/// Target for stream triad against a host memcpy on a software adapter.
const TRIAD_OF_HOST_COPY_TARGET: f64 = 0.5;

/// The denominator of a target ratio: a GPU measurement or a host baseline.
#[derive(Debug, Clone, Copy)]
pub enum Denominator<'a> {
    /// Another measurement of the same run (the peak probe).
    Measurement(&'a Measurement),
    /// A host baseline of the same run (the host memcpy).
    Baseline(&'a Baseline),
}

/// A ratio with a target, and the two figures behind it.
#[derive(Debug, Clone)]
pub struct TargetPair<'a> {
    /// What is compared, as the summary says it.
    pub label: String,
    /// The measurement on top: the best matmul, the stream triad.
    pub numerator: &'a Measurement,
    /// What it is held against.
    pub denominator: Denominator<'a>,
    /// The value the ratio should reach.
    pub target: f64,
}

impl TargetPair<'_> {
    /// The denominator's figure of merit and unit.
    pub fn denominator_rate(&self) -> Option<(f64, &'static str)> {
        match self.denominator {
            Denominator::Measurement(m) => figure_of_merit(m),
            Denominator::Baseline(b) => baseline_figure_of_merit(b),
        }
    }
}

/// A measurement's figure of merit and its unit: GB/s for the bandwidth
/// probe (`stream_*`), GFLOP/s for everything else.
pub fn figure_of_merit(m: &Measurement) -> Option<(f64, &'static str)> {
    if m.workload.starts_with("stream_") {
        m.gb_per_s.map(|r| (r, "GB/s"))
    } else {
        m.gflop_per_s.map(|r| (r, "GFLOP/s"))
    }
}

/// A baseline's figure of merit, as [`figure_of_merit`] gives a measurement's.
fn baseline_figure_of_merit(b: &Baseline) -> Option<(f64, &'static str)> {
    match (b.gflop_per_s, b.gb_per_s) {
        (Some(r), _) => Some((r, "GFLOP/s")),
        (None, Some(r)) => Some((r, "GB/s")),
        (None, None) => None,
    }
}

/// The ratios with targets that `report` has the measurements for: the best
/// f32 matmul at the largest square size against the f32 peak probe, and on
/// a software adapter the stream triad against the host memcpy.
pub fn target_pairs(report: &Report) -> Vec<TargetPair<'_>> {
    let mut pairs = Vec::new();
    let peak = best(report, |m| m.workload == "peak" && m.dtype == Dtype::F32);
    if let (Some((size, matmul)), Some(peak)) = (best_square_matmul(report), peak) {
        pairs.push(TargetPair {
            label: format!("best f32 matmul {size}³ / peak f32"),
            numerator: matmul,
            denominator: Denominator::Measurement(peak),
            target: MATMUL_OF_PEAK_TARGET,
        });
    }
    let host_copy = report.baselines.iter().find(|b| b.name == "host_memcpy");
    let triad = best(report, |m| m.workload == "stream_triad");
    if let (Some(copy), Some(triad), true) = (host_copy, triad, report.adapter.is_software()) {
        pairs.push(TargetPair {
            label: "stream triad / host memcpy".into(),
            numerator: triad,
            denominator: Denominator::Baseline(copy),
            target: TRIAD_OF_HOST_COPY_TARGET,
        });
    }
    pairs
}

/// The verified measurement with the highest rate among those `pred` picks.
fn best(report: &Report, pred: impl Fn(&Measurement) -> bool) -> Option<&Measurement> {
    report
        .measurements
        .iter()
        .filter(|m| m.status == Status::Ok && pred(m))
        .filter_map(|m| figure_of_merit(m).map(|(r, _)| (r, m)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, m)| m)
}

/// The best f32 matmul at the largest square size measured, with that size.
fn best_square_matmul(report: &Report) -> Option<(u64, &Measurement)> {
    let is_f32_matmul = |m: &Measurement| m.workload == "matmul" && m.dtype == Dtype::F32;
    let size = report
        .measurements
        .iter()
        .filter(|m| m.status == Status::Ok && is_f32_matmul(m))
        .filter_map(|m| {
            let (m_, n, k) = (m.shape.get("m")?, m.shape.get("n")?, m.shape.get("k")?);
            (m_ == n && n == k).then_some(m_)
        })
        .max()?;
    let best = best(report, |m| {
        is_f32_matmul(m) && m.shape.sizes().all(|s| s == size)
    })?;
    Some((size, best))
}

/// The ratios `report` has the measurements for. A target ratio re-measured
/// in alternation (see [`super::Paired`]) is judged on that figure, which a slow
/// spell of a shared machine cannot tilt; the separately measured ratio is
/// given beside it.
pub fn summarize(report: &Report) -> Vec<Ratio> {
    let mut ratios = Vec::new();
    for pair in target_pairs(report) {
        let (Some((numerator, unit)), Some((denominator, _))) =
            (figure_of_merit(pair.numerator), pair.denominator_rate())
        else {
            continue;
        };
        // Numerator ÷ denominator as measured in the run, each on its own.
        let separate = numerator / denominator;
        let remeasured = report
            .paired
            .iter()
            .find(|p| p.label == pair.label && p.numerator == pair.numerator.name());
        let ratio = match remeasured {
            Some(paired) => Ratio {
                label: pair.label,
                value: paired.ratio(),
                target: Some(pair.target),
                detail: format!(
                    "{:.2} {unit} ({}) vs {:.2} {unit} in {} alternating rounds; measured apart: {:.1}%",
                    paired.numerator_rate,
                    pair.numerator.variant,
                    paired.denominator_rate,
                    paired.rounds,
                    separate * 100.0,
                    unit = paired.unit,
                ),
            },
            None => Ratio {
                detail: format!(
                    "{numerator:.2} {unit} ({}) vs {denominator:.2} {unit}, measured apart",
                    pair.numerator.variant
                ),
                label: pair.label,
                value: separate,
                target: Some(pair.target),
            },
        };
        ratios.push(ratio);
    }

    // For information: the best square matmul against the host's gemm.
    if let Some((size, matmul)) = best_square_matmul(report) {
        let host_gemm = report
            .baselines
            .iter()
            .find(|b| b.name == "host_gemm" && b.shape.sizes().all(|s| s == size))
            .and_then(|b| b.gflop_per_s);
        if let (Some(rate), Some(host_rate)) = (matmul.gflop_per_s, host_gemm) {
            ratios.push(Ratio {
                label: format!("best f32 matmul {size}³ / host gemm"),
                value: rate / host_rate,
                target: None,
                detail: format!("{rate:.2} vs {host_rate:.2} GFLOP/s on the host cores"),
            });
        }
    }

    // The best matmul at each shape an external baseline measured.
    for external in report
        .baselines
        .iter()
        .filter(|b| b.name == "external_matmul")
    {
        let same_case = |m: &Measurement| {
            m.workload == "matmul" && m.dtype == external.dtype && m.shape == external.shape
        };
        let matmul = best(report, same_case);
        if let (Some(matmul), Some(rate), Some(external_rate)) = (
            matmul,
            matmul.and_then(|m| m.gflop_per_s),
            external.gflop_per_s,
        ) {
            ratios.push(Ratio {
                label: format!(
                    "best {} matmul {} / external",
                    external.dtype, external.shape
                ),
                value: rate / external_rate,
                target: Some(match external.dtype {
                    Dtype::F32 => MATMUL_OF_EXTERNAL_F32_TARGET,
                    Dtype::F16 => MATMUL_OF_EXTERNAL_F16_TARGET,
                }),
                detail: format!(
                    "{rate:.2} GFLOP/s ({}) vs {external_rate:.2} GFLOP/s, {}",
                    matmul.variant, external.description
                ),
            });
        }
    }
    ratios
}
