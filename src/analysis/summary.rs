//! The run's summary: every attempted target ratio with its value, bootstrap
//! interval and verdict, and the figures that exceed their roofs. Computed
//! once when a run ends and stored in the report.

use super::bootstrap::ratio_interval;
use super::figures::{baseline_rate, best, rate_of, Rate};
use super::roofs::Roofs;
use super::targets::{attempted, Attempt, Side};
use crate::report::{
    Measurement, NotRemeasured, RatioVerdict, Report, RoofFlag, RunSummary, Status, Verdict,
};

/// Judges `report`: its target ratios (on the alternating re-measurement
/// where the run made one, else on the figures measured apart), each with a
/// bootstrap 95% interval from the raw samples and a verdict, then the ratios
/// given for information, and every figure above its roof.
/// `not_remeasured` lists the ratios the run failed to measure again.
pub fn summarize(report: &Report, not_remeasured: Vec<NotRemeasured>) -> RunSummary {
    let roofs = Roofs::of(report);
    let roof_flags = roofs.flags(report);
    let mut ratios: Vec<RatioVerdict> = attempted(report)
        .into_iter()
        .map(|attempt| judge(report, attempt, &roof_flags))
        .collect();
    // Targets first, information after; each group in table order.
    ratios.sort_by_key(|r| r.threshold.is_none());
    RunSummary {
        ratios,
        roof_flags,
        not_remeasured,
    }
}

/// The verdict on one attempted ratio.
fn judge(report: &Report, attempt: Attempt<'_>, roof_flags: &[RoofFlag]) -> RatioVerdict {
    let numerator = best(attempt.numerator.iter().copied());
    let (denominator_name, denominator_rate, denominator_samples): (_, _, &[f64]) =
        match &attempt.denominator {
            Side::Measurements(side) => match best(side.iter().copied()) {
                Some(m) => (
                    m.name(),
                    rate_of(m),
                    m.timing.as_ref().map_or(&[], |t| &t.samples_s),
                ),
                None => (String::new(), None, &[]),
            },
            Side::Baseline(b) => (b.name.clone(), baseline_rate(b), &b.samples_s),
        };
    let mut verdict = RatioVerdict {
        label: attempt.label.clone(),
        numerator: numerator.map_or(String::new(), Measurement::name),
        denominator: denominator_name,
        value: None,
        ci95: None,
        numerator_rate: None,
        denominator_rate: None,
        unit: String::new(),
        alternating_rounds: None,
        measured_apart: None,
        threshold: attempt.threshold,
        verdict: Verdict::NotMeasured,
        note: None,
    };
    let (Some(numerator), Some(top), Some(bottom)) =
        (numerator, numerator.and_then(rate_of), denominator_rate)
    else {
        verdict.note = Some(why_not_measured(&attempt));
        return verdict;
    };
    let apart = ratio_of(top, bottom);
    verdict.unit = top.unit.into();
    verdict.measured_apart = Some(apart);
    let remeasured = report
        .paired
        .iter()
        .find(|p| p.label == attempt.label && p.numerator == numerator.name());
    let (value, interval) = match remeasured {
        Some(paired) => {
            verdict.alternating_rounds = Some(paired.rounds);
            verdict.numerator_rate = Some(paired.numerator_rate);
            verdict.denominator_rate = Some(paired.denominator_rate);
            let value = paired.ratio();
            let samples = (&paired.numerator_samples_s, &paired.denominator_samples_s);
            (
                value,
                ratio_interval(value, samples.0, samples.1, true, report.seed),
            )
        }
        None => {
            verdict.numerator_rate = Some(top.value);
            verdict.denominator_rate = Some(bottom.value);
            let samples = numerator.timing.as_ref().map_or(&[][..], |t| &t.samples_s);
            let interval = ratio_interval(apart, samples, denominator_samples, false, report.seed);
            (apart, interval)
        }
    };
    verdict.value = Some(value);
    verdict.ci95 = interval;
    verdict.verdict = match attempt.threshold {
        None => Verdict::Information,
        Some(_) if attempt.against_roof && value > 1.0 => {
            verdict.note = Some(roof_below_kernel(&verdict, roof_flags));
            Verdict::RoofBelowKernel
        }
        Some(threshold) => match interval {
            Some([low, _]) if low >= threshold => Verdict::Met,
            Some([_, high]) if high < threshold => Verdict::NotMet,
            Some(_) => Verdict::Inconclusive,
            None if value >= threshold => Verdict::Met,
            None => Verdict::NotMet,
        },
    };
    verdict
}

/// Numerator ÷ denominator, as a ratio of goodness: for seconds, the
/// denominator's time over the numerator's.
fn ratio_of(top: Rate, bottom: Rate) -> f64 {
    if top.higher_is_better {
        top.value / bottom.value
    } else {
        bottom.value / top.value
    }
}

/// Why a ratio has no value: the first failure on its sides, else the first
/// unsupported variant, in words.
fn why_not_measured(attempt: &Attempt<'_>) -> String {
    let denominator: &[&Measurement] = match &attempt.denominator {
        Side::Measurements(side) => side,
        Side::Baseline(_) => &[],
    };
    let why = why_unverified(&attempt.numerator).or_else(|| why_unverified(denominator));
    match why {
        Some(m) => format!(
            "not measured: {} {}: {}",
            m.name(),
            match m.status {
                Status::Unsupported => "unsupported",
                _ => "failed",
            },
            m.reason.as_deref().unwrap_or("no reason given")
        ),
        None => "not measured: a side has no figure".into(),
    }
}

/// The measurement that says why a side has no verified figure: its first
/// failure, else its first entry; None if one verified or the side is empty.
fn why_unverified<'a>(side: &[&'a Measurement]) -> Option<&'a Measurement> {
    if side.iter().any(|m| m.status == Status::Ok) {
        return None;
    }
    side.iter()
        .find(|m| m.status == Status::Failed)
        .or(side.first())
        .copied()
}

/// The words for a ratio to a roof above 100%.
fn roof_below_kernel(verdict: &RatioVerdict, roof_flags: &[RoofFlag]) -> String {
    let others = roof_flags
        .iter()
        .filter(|f| f.roof == verdict.denominator && f.measurement != verdict.numerator)
        .count();
    format!(
        "the roof probe {} read below the kernel {}, so the roof is not trustworthy and the \
         target is not judged{}",
        verdict.denominator,
        verdict.numerator,
        match others {
            0 => String::new(),
            n => format!(" ({n} other figures exceed it too)"),
        }
    )
}
