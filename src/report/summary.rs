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
    /// Numerator ÷ denominator; None when the run attempted both sides but
    /// one has no verified figure (a target not measured is not met).
    pub value: Option<f64>,
    /// The value it should reach (None for a ratio given for information).
    pub target: Option<f64>,
    /// The two figures behind it, or why there are none, in words.
    pub detail: String,
}

impl Ratio {
    /// Whether the target, if any, was reached.
    pub fn met(&self) -> bool {
        self.target
            .is_none_or(|target| self.value.is_some_and(|value| value >= target))
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

/// One side of a target ratio, as the run attempted it.
enum Side<'a> {
    /// GPU measurements, in any state: the best verified one counts.
    Measurements(Vec<&'a Measurement>),
    /// A host baseline of the same run.
    Baseline(&'a Baseline),
}

/// A target ratio the run's measurements call for, with what it attempted
/// on each side.
struct Attempt<'a> {
    label: String,
    target: f64,
    numerator: Vec<&'a Measurement>,
    denominator: Side<'a>,
}

/// The target ratios the run attempted: the f32 matmul at the largest square
/// size against the f32 peak probe, and on a software adapter the stream
/// triad against the host memcpy (measured whenever a stream case was).
fn attempted_targets(report: &Report) -> Vec<Attempt<'_>> {
    let attempts = |pred: &dyn Fn(&Measurement) -> bool| -> Vec<&Measurement> {
        report.measurements.iter().filter(|m| pred(m)).collect()
    };
    let mut targets = Vec::new();
    if let Some(size) = largest_square_matmul(report) {
        targets.push(Attempt {
            label: format!("best f32 matmul {size}³ / peak f32"),
            target: MATMUL_OF_PEAK_TARGET,
            numerator: attempts(&|m| square_f32_matmul_size(m) == Some(size)),
            denominator: Side::Measurements(attempts(&|m| {
                m.workload == "peak" && m.dtype == Dtype::F32
            })),
        });
    }
    let host_copy = report.baselines.iter().find(|b| b.name == "host_memcpy");
    if let (Some(copy), true) = (host_copy, report.adapter.is_software()) {
        targets.push(Attempt {
            label: "stream triad / host memcpy".into(),
            target: TRIAD_OF_HOST_COPY_TARGET,
            numerator: attempts(&|m| m.workload == "stream_triad"),
            denominator: Side::Baseline(copy),
        });
    }
    targets
}

/// The ratios with targets that `report` has the figures for: those of
/// `attempted_targets` with a verified measurement on every side.
pub fn target_pairs(report: &Report) -> Vec<TargetPair<'_>> {
    attempted_targets(report)
        .into_iter()
        .filter_map(|attempt| {
            let denominator = match attempt.denominator {
                Side::Measurements(side) => Denominator::Measurement(best(side)?),
                Side::Baseline(baseline) => Denominator::Baseline(baseline),
            };
            Some(TargetPair {
                label: attempt.label,
                numerator: best(attempt.numerator)?,
                denominator,
                target: attempt.target,
            })
        })
        .collect()
}

/// The verified measurement with the highest rate among `measurements`.
fn best<'a>(measurements: impl IntoIterator<Item = &'a Measurement>) -> Option<&'a Measurement> {
    measurements
        .into_iter()
        .filter(|m| m.status == Status::Ok)
        .filter_map(|m| figure_of_merit(m).map(|(r, _)| (r, m)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, m)| m)
}

/// The size of an f32 matmul case that is square (N×N×N).
fn square_f32_matmul_size(m: &Measurement) -> Option<u64> {
    if m.workload != "matmul" || m.dtype != Dtype::F32 {
        return None;
    }
    let (m_, n, k) = (m.shape.get("m")?, m.shape.get("n")?, m.shape.get("k")?);
    (m_ == n && n == k).then_some(m_)
}

/// The largest square f32 matmul the run attempted, whatever came of it:
/// the size the matmul target is judged at.
fn largest_square_matmul(report: &Report) -> Option<u64> {
    report
        .measurements
        .iter()
        .filter_map(square_f32_matmul_size)
        .max()
}

/// The best verified f32 matmul at the largest square size attempted, with
/// that size; None when nothing at that size verified (a smaller size does
/// not stand in for it).
fn best_square_matmul(report: &Report) -> Option<(u64, &Measurement)> {
    let size = largest_square_matmul(report)?;
    let best = best(
        report
            .measurements
            .iter()
            .filter(|m| square_f32_matmul_size(m) == Some(size)),
    )?;
    Some((size, best))
}

/// The target ratios the run attempted on every side but could not form,
/// because a side has no verified figure: each as a ratio without a value,
/// saying why.
fn unmeasured_targets(report: &Report) -> Vec<Ratio> {
    attempted_targets(report)
        .into_iter()
        .filter_map(|attempt| {
            let denominator: &[&Measurement] = match &attempt.denominator {
                Side::Measurements(side) if side.is_empty() => return None,
                Side::Measurements(side) => side,
                Side::Baseline(_) => &[],
            };
            if attempt.numerator.is_empty() {
                return None;
            }
            let why = why_unverified(&attempt.numerator).or_else(|| why_unverified(denominator))?;
            Some(Ratio {
                label: attempt.label,
                value: None,
                target: Some(attempt.target),
                detail: format!(
                    "not measured: {} {}: {}",
                    why.name(),
                    match why.status {
                        Status::Unsupported => "unsupported",
                        _ => "failed",
                    },
                    why.reason.as_deref().unwrap_or("no reason given")
                ),
            })
        })
        .collect()
}

/// The measurement that says why a side has no verified figure: its first
/// failure, else its first unsupported variant; None if a measurement
/// verified, or the side holds none.
fn why_unverified<'a>(side: &[&'a Measurement]) -> Option<&'a Measurement> {
    if side.iter().any(|m| m.status == Status::Ok) {
        return None;
    }
    side.iter()
        .find(|m| m.status == Status::Failed)
        .or(side.first())
        .copied()
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
                value: Some(paired.ratio()),
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
                value: Some(separate),
                target: Some(pair.target),
            },
        };
        ratios.push(ratio);
    }
    ratios.extend(unmeasured_targets(report));

    // For information: the best square matmul against the host's gemm.
    if let Some((size, matmul)) = best_square_matmul(report) {
        let host_gemm = report
            .baselines
            .iter()
            .find(|b| {
                b.name == "host_gemm" && b.dtype == Dtype::F32 && b.shape.sizes().all(|s| s == size)
            })
            .and_then(|b| b.gflop_per_s);
        if let (Some(rate), Some(host_rate)) = (matmul.gflop_per_s, host_gemm) {
            ratios.push(Ratio {
                label: format!("best f32 matmul {size}³ / host gemm"),
                value: Some(rate / host_rate),
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
        let matmul = best(report.measurements.iter().filter(|m| same_case(m)));
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
                value: Some(rate / external_rate),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::load;

    /// A committed reference report with both target pairs measured.
    fn reference() -> Report {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|entry| load(&entry.unwrap().path()).ok())
            .find(|report| {
                let ratios = summarize(report);
                report.adapter.is_software()
                    && ratios.iter().filter(|r| r.target.is_some()).count() == 2
            })
            .expect("a reference report with both targets")
    }

    fn fail(report: &mut Report, pred: impl Fn(&Measurement) -> bool) {
        for m in report.measurements.iter_mut().filter(|m| pred(m)) {
            m.status = Status::Failed;
            m.reason = Some("wrong result: max error 1.0e0 exceeds tolerance 0.0e0".into());
            m.gflop_per_s = None;
            m.gb_per_s = None;
        }
    }

    fn ratio<'a>(ratios: &'a [Ratio], label_start: &str) -> &'a Ratio {
        ratios
            .iter()
            .find(|r| r.label.starts_with(label_start) && r.target.is_some())
            .unwrap_or_else(|| panic!("no {label_start} in {ratios:?}"))
    }

    #[test]
    fn a_target_whose_side_failed_is_not_measured_and_not_met() {
        let mut report = reference();
        fail(&mut report, |m| {
            m.workload == "peak" && m.dtype == Dtype::F32
        });
        fail(&mut report, |m| m.workload == "stream_triad");
        let ratios = summarize(&report);
        for label in ["best f32 matmul", "stream triad / host memcpy"] {
            let r = ratio(&ratios, label);
            assert_eq!(r.value, None, "{r:?}");
            assert!(!r.met());
            assert!(r.detail.starts_with("not measured: "), "{}", r.detail);
            assert!(r.detail.contains("failed: wrong result"), "{}", r.detail);
        }
        assert!(ratio(&ratios, "best f32 matmul")
            .detail
            .contains("peak_f32"));
        assert!(ratio(&ratios, "stream triad")
            .detail
            .contains("stream_triad"));
    }

    #[test]
    fn the_matmul_target_is_judged_at_the_largest_size_run_even_when_it_failed() {
        let mut report = reference();
        let largest = largest_square_matmul(&report).unwrap();
        let before = summarize(&report);
        assert!(ratio(&before, &format!("best f32 matmul {largest}³"))
            .value
            .is_some());

        fail(&mut report, |m| square_f32_matmul_size(m) == Some(largest));
        let after = summarize(&report);
        let r = ratio(&after, "best f32 matmul");
        assert_eq!(r.label, format!("best f32 matmul {largest}³ / peak f32"));
        assert_eq!(r.value, None, "a smaller size must not stand in: {r:?}");
        assert!(
            r.detail.contains(&format!("matmul_f32_{largest}x")),
            "{}",
            r.detail
        );
    }

    #[test]
    fn a_side_the_run_did_not_attempt_leaves_its_target_out() {
        let mut report = reference();
        report.measurements.retain(|m| m.workload != "peak");
        report.measurements.retain(|m| m.workload != "stream_triad");
        // Even where the side it did attempt failed.
        let largest = largest_square_matmul(&report).unwrap();
        fail(&mut report, |m| square_f32_matmul_size(m) == Some(largest));
        let ratios = summarize(&report);
        assert!(ratios.iter().all(|r| r.target.is_none()), "{ratios:?}");
    }

    #[test]
    fn the_reason_given_is_a_failure_before_an_unsupported_variant() {
        let mut report = reference();
        let peak = report
            .measurements
            .iter()
            .position(|m| m.workload == "peak" && m.dtype == Dtype::F32)
            .unwrap();
        fail(&mut report, |m| {
            m.workload == "peak" && m.dtype == Dtype::F32
        });
        let mut unsupported = report.measurements[peak].clone();
        unsupported.variant = "future_hardware".into();
        unsupported.status = Status::Unsupported;
        unsupported.reason = Some("the adapter lacks it".into());
        report.measurements.insert(peak, unsupported);
        let ratios = summarize(&report);
        let detail = &ratio(&ratios, "best f32 matmul").detail;
        assert!(
            detail.contains("fma_chains failed: wrong result"),
            "{detail}"
        );
    }
}
