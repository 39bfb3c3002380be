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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Dtype, Shape};
    use crate::gpu::{AdapterSummary, TimingMethod};
    use crate::measure::{SamplingPlan, Summary, Timing};
    use crate::report::{Baseline, SuiteInfo, TimingInfo};

    fn plan() -> SamplingPlan {
        SamplingPlan {
            target_sample_s: 1e-3,
            max_repeats: 10,
            warmup_budget_s: 0.0,
            measure_budget_s: 0.0,
            min_samples: 21,
            max_samples: 21,
            stop_after_sizing: false,
        }
    }

    /// 21 samples around `median_s`, spread by ± `spread` of it.
    fn samples(median_s: f64, spread: f64) -> Vec<f64> {
        (0..21)
            .map(|i| median_s * (1.0 + spread * (i as f64 / 10.0 - 1.0)))
            .collect()
    }

    /// A verified measurement of `flop` and `bytes` per operation taking `median_s`.
    fn ok(
        workload: &str,
        dtype: Dtype,
        dims: &[(&str, u64)],
        flop: f64,
        bytes: u64,
        median_s: f64,
    ) -> Measurement {
        let samples_s = samples(median_s, 0.02);
        let summary = Summary::of(&samples_s).unwrap();
        Measurement {
            case: format!("{workload}_{dtype}_{}", Shape::new(dims)),
            workload: workload.into(),
            variant: "v".into(),
            constants: Vec::new(),
            dtype,
            shape: Shape::new(dims),
            flop,
            bytes_read: bytes,
            bytes_written: 0,
            status: Status::Ok,
            reason: None,
            compile_s: Some(0.0),
            gflop_per_s: (flop > 0.0).then(|| flop / summary.median_s / 1e9),
            gb_per_s: (bytes > 0).then(|| bytes as f64 / summary.median_s / 1e9),
            timing: Some(Timing {
                clock: TimingMethod::GpuTimestamp,
                samples: 21,
                rejected_samples: 0,
                repeats_per_sample: 1,
                warmup_samples: 0,
                warmup_converged: true,
                summary,
                wall_median_s: summary.median_s,
                first_dispatch_wall_s: None,
                samples_s,
            }),
            verification: None,
            warnings: Vec::new(),
            autotune: None,
            stages: Vec::new(),
        }
    }

    fn matmul(size: u64, gflop_per_s: f64) -> Measurement {
        let flop = 2.0 * (size * size * size) as f64;
        let dims = [("m", size), ("n", size), ("k", size)];
        ok(
            "matmul",
            Dtype::F32,
            &dims,
            flop,
            3 * size * size * 4,
            flop / gflop_per_s / 1e9,
        )
    }

    fn peak(gflop_per_s: f64) -> Measurement {
        let dims = [("invocations", 1024), ("iterations", 1024)];
        ok("peak", Dtype::F32, &dims, 1e9, 0, 1.0 / gflop_per_s)
    }

    fn triad(gb_per_s: f64) -> Measurement {
        let bytes = 3 << 20;
        ok(
            "stream_triad",
            Dtype::F32,
            &[("elements", 1 << 18)],
            0.0,
            bytes,
            bytes as f64 / gb_per_s / 1e9,
        )
    }

    fn memcpy(gb_per_s: f64) -> Baseline {
        let bytes = 1u64 << 20;
        let median_s = 2.0 * bytes as f64 / gb_per_s / 1e9;
        Baseline {
            name: "host_memcpy".into(),
            description: "memcpy".into(),
            dtype: Dtype::F32,
            shape: Shape::new(&[("bytes", bytes)]),
            samples: Some(21),
            median_s,
            cv: Some(0.01),
            gflop_per_s: None,
            gb_per_s: Some(gb_per_s),
            verification: None,
            samples_s: samples(median_s, 0.02),
        }
    }

    /// A software adapter's report: a 256³ and a 512³ matmul at `matmul_rate`,
    /// the peak probe at 100 GFLOP/s, a triad at `triad_rate` against a 20 GB/s memcpy.
    fn report(matmul_rate: f64, triad_rate: f64) -> Report {
        let suite = SuiteInfo {
            name: "quick".into(),
            scaled_for_software: true,
            filter: None,
            plan: plan(),
        };
        let timing = TimingInfo {
            method: TimingMethod::GpuTimestamp,
            timestamp_period_ns: Some(1.0),
            mesa_shader_cache_disable: None,
        };
        let mut report = Report::begin(AdapterSummary::example(), suite, 1, timing);
        report.measurements = vec![
            matmul(256, matmul_rate),
            matmul(512, matmul_rate),
            peak(100.0),
            triad(triad_rate),
        ];
        report.baselines = vec![memcpy(20.0)];
        report
    }

    fn fail(report: &mut Report, pred: impl Fn(&Measurement) -> bool) {
        for m in report.measurements.iter_mut().filter(|m| pred(m)) {
            m.status = Status::Failed;
            m.reason = Some("wrong result: max error 1.0e0 exceeds tolerance 0.0e0".into());
            m.gflop_per_s = None;
            m.gb_per_s = None;
            m.timing = None;
        }
    }

    fn ratio<'a>(summary: &'a RunSummary, label_start: &str) -> &'a RatioVerdict {
        summary
            .ratios
            .iter()
            .find(|r| r.label.starts_with(label_start) && r.threshold.is_some())
            .unwrap_or_else(|| panic!("no {label_start} in {:?}", summary.ratios))
    }

    #[test]
    fn clear_figures_get_clear_verdicts_with_intervals() {
        let summary = summarize(&report(70.0, 8.0), Vec::new());
        let matmul = ratio(&summary, "best f32 matmul 512³ / peak f32");
        assert!((matmul.value.unwrap() - 0.7).abs() < 1e-9, "{matmul:?}");
        let [low, high] = matmul.ci95.unwrap();
        assert!(low < 0.7 && 0.7 < high && high - low < 0.05, "{matmul:?}");
        assert_eq!(matmul.verdict, Verdict::Met);
        let triad = ratio(&summary, "stream triad / host memcpy");
        assert!((triad.value.unwrap() - 0.4).abs() < 1e-9);
        assert_eq!(triad.verdict, Verdict::NotMet);
        assert!(summary.roof_flags.is_empty());
        // Targets first, then the ratios for information.
        assert!(summary.ratios[0].threshold.is_some());
    }

    #[test]
    fn an_interval_that_straddles_the_threshold_is_inconclusive() {
        let summary = summarize(&report(50.3, 10.1), Vec::new());
        assert_eq!(ratio(&summary, "best f32").verdict, Verdict::Inconclusive);
        assert_eq!(
            ratio(&summary, "stream triad").verdict,
            Verdict::Inconclusive
        );
        assert!(!Verdict::Inconclusive.met());
    }

    #[test]
    fn a_kernel_above_its_roof_is_flagged_and_never_met() {
        let summary = summarize(&report(111.3, 10.0), Vec::new());
        let matmul = ratio(&summary, "best f32 matmul");
        assert_eq!(matmul.verdict, Verdict::RoofBelowKernel);
        assert!(!matmul.verdict.met());
        assert!(
            matmul.note.as_deref().unwrap().contains("not trustworthy"),
            "{matmul:?}"
        );
        let flagged: Vec<&str> = summary
            .roof_flags
            .iter()
            .map(|f| f.measurement.as_str())
            .collect();
        assert_eq!(
            flagged,
            ["matmul_f32_256x256x256 v", "matmul_f32_512x512x512 v"]
        );
        assert_eq!(summary.roof_flags[0].roof, "peak_f32_1024x1024 v");
    }

    #[test]
    fn an_f16_kernel_is_bound_by_the_better_of_the_f16_and_f32_peaks() {
        let mut report = report(70.0, 10.0);
        let mut f16_peak = peak(10.0);
        f16_peak.dtype = Dtype::F16;
        f16_peak.case = "peak_f16_1024x1024".into();
        let mut f16_matmul = matmul(256, 50.0);
        f16_matmul.dtype = Dtype::F16;
        report.measurements.extend([f16_peak, f16_matmul.clone()]);
        let summary = summarize(&report, Vec::new());
        assert!(summary.roof_flags.is_empty(), "{:?}", summary.roof_flags);
        // Above the f32 peak too: flagged, against the f32 peak.
        f16_matmul.gflop_per_s = Some(150.0);
        report.measurements.push(f16_matmul);
        let summary = summarize(&report, Vec::new());
        assert_eq!(summary.roof_flags.len(), 1, "{:?}", summary.roof_flags);
        assert_eq!(summary.roof_flags[0].roof, "peak_f32_1024x1024 v");
    }

    #[test]
    fn a_kernel_above_the_bandwidth_roof_is_flagged() {
        let mut report = report(70.0, 10.0);
        // 1 GB per operation in 10 ms: 100 GB/s against a 10 GB/s triad.
        let mut fast = matmul(64, 1.0);
        fast.gb_per_s = Some(100.0);
        report.measurements.push(fast);
        let summary = summarize(&report, Vec::new());
        assert_eq!(summary.roof_flags.len(), 1, "{:?}", summary.roof_flags);
        assert_eq!(summary.roof_flags[0].unit, "GB/s");
        assert_eq!(summary.roof_flags[0].roof, "stream_triad_f32_262144 v");
    }

    #[test]
    fn a_target_whose_side_failed_is_not_measured_and_says_why() {
        let mut report = report(70.0, 10.0);
        fail(&mut report, |m| m.workload == "peak");
        fail(&mut report, |m| m.workload == "stream_triad");
        let summary = summarize(&report, Vec::new());
        for (label, culprit) in [
            ("best f32 matmul", "peak_f32"),
            ("stream triad", "stream_triad"),
        ] {
            let r = ratio(&summary, label);
            assert_eq!((r.value, r.verdict), (None, Verdict::NotMeasured), "{r:?}");
            let note = r.note.as_deref().unwrap();
            assert!(
                note.contains(culprit) && note.contains("failed: wrong result"),
                "{note}"
            );
        }
    }

    #[test]
    fn the_matmul_target_is_judged_at_the_largest_size_even_when_it_failed() {
        let mut report = report(70.0, 10.0);
        fail(&mut report, |m| m.shape.get("m") == Some(512));
        let summary = summarize(&report, Vec::new());
        let r = ratio(&summary, "best f32 matmul");
        assert_eq!(r.label, "best f32 matmul 512³ / peak f32");
        assert_eq!(r.value, None, "a smaller size must not stand in: {r:?}");
        assert!(r
            .note
            .as_deref()
            .unwrap()
            .contains("matmul_f32_512x512x512"));
    }

    #[test]
    fn a_side_the_run_did_not_attempt_leaves_its_target_out() {
        let mut report = report(70.0, 10.0);
        report.measurements.retain(|m| m.workload == "matmul");
        let summary = summarize(&report, Vec::new());
        assert!(
            summary.ratios.iter().all(|r| r.threshold.is_none()),
            "{:?}",
            summary.ratios
        );
    }

    #[test]
    fn the_reason_given_is_a_failure_before_an_unsupported_variant() {
        let mut report = report(70.0, 10.0);
        fail(&mut report, |m| m.workload == "peak");
        let mut unsupported = report.measurements[2].clone();
        unsupported.variant = "future_hardware".into();
        unsupported.status = Status::Unsupported;
        unsupported.reason = Some("the adapter lacks it".into());
        report.measurements.insert(2, unsupported);
        let summary = summarize(&report, Vec::new());
        let note = ratio(&summary, "best f32 matmul").note.clone().unwrap();
        assert!(
            note.contains("peak_f32_1024x1024 v failed: wrong result"),
            "{note}"
        );
    }

    /// An attention measurement of `workload` at Sq = Skv = `length` (Sq = 1
    /// for the decode families), d 64, judged at `rate` (GFLOP/s or GB/s).
    fn attention(workload: &str, length: u64, causal: u64, rate: f64) -> Measurement {
        let sq = if workload.contains("decode") {
            1
        } else {
            length
        };
        let dims = [
            ("b", 1),
            ("hq", 8),
            ("hkv", 8),
            ("sq", sq),
            ("skv", length),
            ("d", 64),
            ("causal", causal),
        ];
        let (flop, bytes) = (1e9, 1_000_000_000);
        ok(workload, Dtype::F32, &dims, flop, bytes, 1.0 / rate)
    }

    /// A stream copy of `elements` f32 values at `gb_per_s`.
    fn copy(elements: u64, gb_per_s: f64) -> Measurement {
        let bytes = 8 * elements;
        let dims = [("elements", elements)];
        let median_s = bytes as f64 / gb_per_s / 1e9;
        ok("stream_copy", Dtype::F32, &dims, 0.0, bytes, median_s)
    }

    #[test]
    fn attention_targets_are_judged_at_the_longest_length_against_their_pairs() {
        let mut report = report(40.0, 10.0);
        report.measurements.extend([
            attention("attention", 256, 0, 30.0),
            attention("attention", 512, 0, 30.0),
            attention("attention_unfused", 512, 0, 10.0),
            attention("attention", 512, 1, 21.0),
            attention("attention_decode", 8192, 0, 3.0),
            attention("attention_decode_split", 8192, 0, 6.0),
            attention("attention_decode", 1024, 0, 9.0),
            copy(1 << 18, 10.0),
            // A copy the caches serve, faster than memory allows.
            copy(1 << 12, 40.0),
        ]);
        let summary = summarize(&report, Vec::new());
        let shape = "b1_hq8_hkv8_sq512_skv512_d64";
        let fused = ratio(
            &summary,
            &format!("best f32 attention {shape} / attention unfused"),
        );
        assert!((fused.value.unwrap() - 3.0).abs() < 1e-9, "{fused:?}");
        assert_eq!(fused.verdict, Verdict::Met);
        let matmul = ratio(
            &summary,
            &format!("best f32 attention {shape} / best f32 matmul"),
        );
        assert!((matmul.value.unwrap() - 0.75).abs() < 1e-9, "{matmul:?}");
        let causal = ratio(&summary, &format!("best f32 attention {shape}_causal"));
        assert!((causal.value.unwrap() - 0.7).abs() < 1e-9, "{causal:?}");
        assert_eq!(causal.verdict, Verdict::NotMet);
        // Decode: the faster of one-pass and split at the longest Skv only.
        let decode = ratio(
            &summary,
            "best f32 attention_decode or attention_decode_split",
        );
        assert!(decode.label.contains("skv8192"), "{decode:?}");
        // Against the copy of the largest arrays, not the cache-served one.
        assert!(decode.label.ends_with("/ stream copy"), "{decode:?}");
        assert!((decode.value.unwrap() - 0.6).abs() < 1e-9, "{decode:?}");
        assert!(summary.ratios.iter().all(|r| !r.label.contains("sq256")));
    }
}
