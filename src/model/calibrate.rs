//! Reports → [`ChipProfile`]: the roofs, one model per op class fitted on
//! every usable point, its held-out error on every fold beside the three
//! baselines', and the repeat spread across the reports.

use super::baselines::{NearestNeighbour, Roofline100, TwoFactor};
use super::crossval::{held_out, HeldOut, Method, FOLDS};
use super::errors::{interval_ratios, ErrorStats};
use super::fit::{FittedForm, ModelMethod};
use super::form::{Form, RoofRates};
use super::noise::repeat_spread;
use super::observe::{excluded_counts, fastest_per_case, observe, Observations};
use super::profile::{
    named_parameters, BandwidthPoint, ChipProfile, FoldScore, Identity, MissingClass,
    OpClassProfile, ProfileRoofs, Provenance, Residual, ShapeRange, SourceReport, SourcedRate,
    PROFILE_VERSION,
};
use super::{Fold, ModelError, Op, OpClass, Point};
use crate::report::Report;

/// Distinct shapes an op class needs before it is fitted: fewer cannot
/// tell its parameters apart, let alone leave one out.
pub const MIN_POINTS: usize = 6;

/// That `reports` (each with the path it was read from) are at least one,
/// all of one adapter through one backend and driver: what a profile is
/// fitted to, and what a profile's predictions are judged against. Returns the first.
pub fn one_chip(reports: &[(String, Report)]) -> Result<&(String, Report), ModelError> {
    let head = reports
        .first()
        .ok_or_else(|| ModelError::NoData("no report given".into()))?;
    let (first_path, first) = head;
    let chip = |r: &Report| {
        format!(
            "{} ({}, {})",
            r.adapter.name, r.adapter.backend, r.adapter.driver_info
        )
    };
    match reports.iter().find(|(_, r)| chip(r) != chip(first)) {
        Some((path, other)) => Err(ModelError::Mixed(format!(
            "{first_path} measured {} but {path} measured {}: a profile is fitted to, and judged against, one chip through one backend",
            chip(first),
            chip(other)
        ))),
        None => Ok(head),
    }
}

/// Fits a profile to `reports` (each with the path it was read from), all
/// of one adapter through one backend and driver.
pub fn calibrate(reports: &[(String, Report)]) -> Result<ChipProfile, ModelError> {
    let (first_path, first) = one_chip(reports)?;
    let just_reports: Vec<Report> = reports.iter().map(|(_, r)| r.clone()).collect();
    let seen = observe(&just_reports);
    let mut op_classes = Vec::new();
    let mut missing = Vec::new();
    for class in OpClass::ALL {
        let points = fastest_per_case(
            seen.points
                .iter()
                .filter(|o| o.class == class)
                .map(|o| o.point.clone()),
        );
        let shapes = distinct_cases(&points);
        if shapes < MIN_POINTS {
            missing.push(MissingClass {
                op_class: class,
                reason: missing_reason(class, &seen, shapes),
            });
            continue;
        }
        op_classes.push(fit_class(class, &roofs_for(class, &seen, &points), &points));
    }
    if op_classes.is_empty() {
        return Err(ModelError::NoData(format!(
            "no usable case in {}: no op class has the {MIN_POINTS} usable shapes a fit needs ({} usable measurements; {})",
            if reports.len() == 1 {
                first_path.clone()
            } else {
                format!("{} reports", reports.len())
            },
            seen.points.len(),
            if seen.excluded.is_empty() {
                "no measurement of an op class".to_string()
            } else {
                format!("left out: {}", excluded_counts(&seen.excluded))
            }
        )));
    }
    let runs: Vec<(String, usize, f64)> = seen
        .points
        .iter()
        .map(|o| (o.point.case.clone(), o.run, o.point.time_s))
        .collect();
    Ok(ChipProfile {
        profile_version: PROFILE_VERSION,
        provenance: Provenance::Calibrated,
        identity: Identity {
            vendor: format!("0x{:04x}", first.adapter.vendor_id),
            device: first.adapter.name.clone(),
            backend: first.adapter.backend.clone(),
            driver: format!("{} {}", first.adapter.driver, first.adapter.driver_info)
                .trim()
                .to_string(),
            chipbench_version: env!("CARGO_PKG_VERSION").into(),
            catalog_id: None,
        },
        sources: reports
            .iter()
            .map(|(path, r)| SourceReport {
                path: path.clone(),
                started_utc: r.started_utc.clone(),
                suite: r.suite.name.clone(),
                tool_version: r.tool_version.clone(),
            })
            .collect(),
        roofs: profile_roofs(&seen),
        op_classes,
        missing,
        excluded: seen.excluded.clone(),
        noise_floor: repeat_spread(&runs),
        pass_noise_floor: repeat_spread(&seen.passes),
    })
}

fn distinct_cases(points: &[Point]) -> usize {
    let mut cases: Vec<&str> = points.iter().map(|p| p.case.as_str()).collect();
    cases.sort_unstable();
    cases.dedup();
    cases.len()
}

/// Why `class` has no model: no measurements, unsupported here, or too few usable.
fn missing_reason(class: OpClass, seen: &Observations, shapes: usize) -> String {
    let left_out: Vec<_> = seen
        .excluded
        .iter()
        .filter(|e| e.measurement.starts_with(class.name()))
        .collect();
    match (shapes, left_out.first(), class) {
        (0, None, OpClass::AttentionPrefill | OpClass::AttentionDecode) => {
            "the reports have no attention measurements".into()
        }
        (0, None, _) => format!("the reports have no {class} measurements"),
        (0, Some(first), _) if left_out.iter().all(|e| e.reason == "unsupported") => {
            format!("the adapter cannot run it: {}", first.detail)
        }
        _ => format!(
            "{shapes} usable shapes ({} measurements left out), fewer than the {MIN_POINTS} a fit needs",
            left_out.len()
        ),
    }
}

/// The roofs `class`'s form scales: the probe's peak of its dtype (for f16
/// the larger of the f16 and f32 roofs, as kernels that accumulate in f32
/// compute in f32), the stream bandwidth on the largest arrays, the empty
/// dispatch's time. A roof the reports lack falls back to the best figure
/// the class's own points reached, so efficiencies stay relative to it.
fn roofs_for(class: OpClass, seen: &Observations, points: &[Point]) -> RoofRates {
    let peak = |name: &str| {
        seen.peak_flop_per_s
            .iter()
            .find(|(p, _)| p == name)
            .map(|(_, v)| *v)
    };
    let dtype_of_points = points.iter().find_map(|p| match p.op {
        Op::Matmul { element_bytes, .. } | Op::Attention { element_bytes, .. } => {
            Some(element_bytes)
        }
        Op::Stream { .. } => None,
    });
    let peak_flop_per_s = match (class, dtype_of_points) {
        (OpClass::Stream | OpClass::Elementwise, _) => None,
        (OpClass::MatmulF16, _) | (_, Some(2)) => match (peak("f16"), peak("f32")) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        },
        _ => peak("f32"),
    };
    let best = |rate: &dyn Fn(&Point) -> f64| points.iter().map(rate).fold(0.0, f64::max);
    RoofRates {
        flop_per_s: peak_flop_per_s.unwrap_or_else(|| best(&|p| p.op.flop() / p.time_s).max(1.0)),
        bytes_per_s: seen
            .bandwidth_by_size
            .last()
            .map(|&(_, rate)| rate)
            .unwrap_or_else(|| best(&|p| p.op.bytes() / p.time_s)),
        overhead_s: seen.dispatch_overhead_s.unwrap_or(1e-5),
    }
}

/// The form of each op class.
fn form_of(class: OpClass) -> Form {
    match class {
        OpClass::Stream => Form::CachedStream,
        OpClass::Elementwise => Form::KernelStream,
        OpClass::AttentionPrefill => Form::TiledAttention,
        OpClass::AttentionDecode => Form::TiledDecode,
        OpClass::MatmulF32 | OpClass::MatmulF16 => Form::TiledRoofline,
    }
}

/// The model of `class` fitted on `points`, scored on every fold with the baselines.
fn fit_class(class: OpClass, roofs: &RoofRates, points: &[Point]) -> OpClassProfile {
    let form = form_of(class);
    let fitted = FittedForm::fit(form, *roofs, points);
    let model = ModelMethod {
        form,
        roofs: *roofs,
    };
    let methods: [&dyn Method; 4] = [
        &model,
        &Roofline100(*roofs),
        &TwoFactor(*roofs),
        &NearestNeighbour,
    ];
    let mut quality = Vec::new();
    let mut interval = None;
    let mut residuals: Vec<Residual> = Vec::new();
    for fold in FOLDS {
        for method in methods {
            let predictions = held_out(method, points, fold);
            let errors: Vec<f64> = predictions.iter().map(|h| h.signed_error).collect();
            if fold == Fold::LeaveOneShapeOut {
                record_residuals(&mut residuals, method.name(), &predictions, points);
            }
            if fold == Fold::LeaveOneShapeOut && method.name() == model.name() {
                interval = interval_ratios(&errors);
            }
            quality.push(FoldScore {
                fold,
                method: method.name().into(),
                errors: ErrorStats::of(&errors),
            });
        }
    }
    OpClassProfile {
        op_class: class,
        form,
        parameters: named_parameters(form, &fitted.params),
        peak_flop_per_s: roofs.flop_per_s,
        bytes_per_s: roofs.bytes_per_s,
        points: points.len(),
        shapes: distinct_cases(points),
        range: range_of(points),
        quality,
        interval_ratios: interval,
        relative_efficiency: fitted.variant_factors,
        tiles: fitted.tiles,
        residuals,
        cited: Vec::new(),
        note: None,
    }
}

/// Adds `method`'s leave-one-shape-out `predictions` to `residuals`, one
/// per point held out (the folds hold out and predict points in the same
/// order for every method, so the n-th prediction of a case is its n-th
/// point's).
fn record_residuals(
    residuals: &mut Vec<Residual>,
    method: &str,
    predictions: &[HeldOut],
    points: &[Point],
) {
    let mut seen: Vec<&str> = Vec::new();
    for h in predictions {
        let repeat = seen.iter().filter(|c| **c == h.case).count();
        seen.push(&h.case);
        let existing = residuals
            .iter()
            .enumerate()
            .filter(|(_, r)| r.case == h.case)
            .nth(repeat)
            .map(|(i, _)| i);
        let index = existing.unwrap_or_else(|| {
            let point = points
                .iter()
                .filter(|p| p.case == h.case)
                .nth(repeat)
                .expect("a held-out point");
            residuals.push(Residual {
                case: h.case.clone(),
                family: point.family.clone(),
                variant: point.variant.clone(),
                tile: point.tile,
                measured_s: point.time_s,
                errors: Vec::new(),
            });
            residuals.len() - 1
        });
        residuals[index]
            .errors
            .push((method.to_string(), h.signed_error));
    }
}

/// The least and greatest of each dimension and of the work among `points`.
pub(super) fn range_of(points: &[Point]) -> Option<ShapeRange> {
    let first = points.first()?;
    let mut dimensions: Vec<(String, f64, f64)> = first
        .op
        .named_dims()
        .into_iter()
        .map(|(name, v)| (name.to_string(), v, v))
        .collect();
    let mut size = [first.op.size(), first.op.size()];
    for p in points {
        for (range, (_, v)) in dimensions.iter_mut().zip(p.op.named_dims()) {
            range.1 = range.1.min(v);
            range.2 = range.2.max(v);
        }
        size = [size[0].min(p.op.size()), size[1].max(p.op.size())];
    }
    Some(ShapeRange { dimensions, size })
}

/// The profile's roofs from what the probes measured.
fn profile_roofs(seen: &Observations) -> ProfileRoofs {
    ProfileRoofs {
        peak_flop_per_s: seen
            .peak_flop_per_s
            .iter()
            .map(|(precision, flop_per_s)| SourcedRate {
                precision: precision.clone(),
                flop_per_s: *flop_per_s,
                kind: "measured".into(),
                source: format!("chipbench peak_{precision} probe"),
            })
            .collect(),
        memory_bytes_per_s: seen.bandwidth_by_size.last().map(|&(_, rate)| rate),
        bandwidth_by_size: seen
            .bandwidth_by_size
            .iter()
            .map(|&(array_bytes, bytes_per_s)| BandwidthPoint {
                array_bytes,
                bytes_per_s,
            })
            .collect(),
        dispatch_overhead_s: seen.dispatch_overhead_s,
        ..ProfileRoofs::default()
    }
}
