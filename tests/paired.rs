//! The summary's target ratios, measured again with both sides in
//! alternation, on every backend: each side keeps the rate it was measured
//! at apart (same unit, per operation), and the summary judges the target on
//! the alternating figure.

mod common;

use chipbench::analysis::summarize;
use chipbench::baseline::host_memcpy;
use chipbench::case::{Case, Dtype};
use chipbench::gpu::best_timer;
use chipbench::paired::measure_pairs;
use chipbench::report::{Measurement, Status, Verdict};
use chipbench::runner::{jobs_for, measure};
use chipbench::workloads::{self, matmul_case, peak_case, stream_case, StreamKernel};

#[test]
fn target_ratios_are_measured_again_in_alternation() {
    for gpu in common::gpus() {
        let mut timer = best_timer(&gpu).unwrap();
        let measured = |case: Case, timer: &mut dyn chipbench::gpu::Timer| -> Measurement {
            let workload = workloads::by_family(&case.workload);
            let job = jobs_for(&gpu, workload, &case)
                .into_iter()
                .find(|job| job.candidate.is_ok())
                .expect("a runnable variant");
            let m = measure(&gpu, &job, &common::tiny_plan(), 3, timer);
            assert_eq!(m.status, Status::Ok, "{}: {:?}", m.case, m.reason);
            m
        };
        let matmul = measured(matmul_case(Dtype::F32, 48, 48, 48), timer.as_mut());
        let peak = measured(peak_case(Dtype::F32, 1024, 256), timer.as_mut());
        let triad = measured(stream_case(StreamKernel::Triad, 4 * 5000), timer.as_mut());

        let mut report = common::empty_report(&gpu);
        report.baselines = vec![host_memcpy(triad.bytes_written)];
        report.measurements = vec![matmul.clone(), peak.clone(), triad.clone()];

        // Before the re-measurement, targets are judged on the figures
        // measured apart, and the summary says so.
        let apart_ratios = summarize(&report, Vec::new()).ratios;
        let matmul_of_peak = matmul.gflop_per_s.unwrap() / peak.gflop_per_s.unwrap();
        assert_eq!(apart_ratios[0].value, Some(matmul_of_peak));
        assert_eq!(apart_ratios[0].alternating_rounds, None);
        assert_eq!(apart_ratios[0].measured_apart, Some(matmul_of_peak));

        let (paired, failures) = measure_pairs(&gpu, &report, timer.as_mut(), 3);
        assert!(failures.is_empty(), "{failures:?}");
        // The triad is held against the host's memcpy only where the GPU's
        // memory is the host's.
        let software = gpu.summary.is_software();
        assert_eq!(paired.len(), if software { 2 } else { 1 });
        let of_peak = &paired[0];
        assert_eq!(of_peak.label, "best f32 matmul 48³ / peak f32");
        assert_eq!(of_peak.unit, "GFLOP/s");
        assert_eq!(of_peak.numerator, matmul.name());
        assert_eq!(of_peak.denominator, peak.name());
        assert!(of_peak.rounds > 10, "{} rounds kept", of_peak.rounds);
        let mut apart = vec![
            (of_peak, of_peak.numerator_rate, matmul.gflop_per_s.unwrap()),
            (of_peak, of_peak.denominator_rate, peak.gflop_per_s.unwrap()),
        ];
        if software {
            let of_copy = &paired[1];
            assert_eq!(of_copy.label, "stream triad / host memcpy");
            assert_eq!(of_copy.unit, "GB/s");
            assert_eq!(of_copy.numerator, triad.name());
            assert_eq!(of_copy.denominator, "host_memcpy");
            let copy_rate = report.baselines[0].gb_per_s.unwrap();
            apart.push((of_copy, of_copy.numerator_rate, triad.gb_per_s.unwrap()));
            apart.push((of_copy, of_copy.denominator_rate, copy_rate));
        }

        // Each side is rated per operation in the unit it was measured in:
        // within a factor of a few of its figure measured apart, where a
        // per-sample time or a wrong unit would be off by its repeat count
        // or by a thousand.
        for (pair, alternating, separate) in apart {
            let factor = alternating / separate;
            assert!(
                (0.2..5.0).contains(&factor),
                "{} on {}: {alternating} vs {separate}",
                pair.label,
                gpu.summary.backend
            );
        }

        report.paired = paired.clone();
        let ratios = summarize(&report, Vec::new()).ratios;
        for paired in &paired {
            let ratio = ratios.iter().find(|r| r.label == paired.label).unwrap();
            assert_eq!(
                ratio.value,
                Some(paired.ratio()),
                "judged on the alternating figure"
            );
            assert_eq!(ratio.alternating_rounds, Some(paired.rounds));
            assert_eq!(paired.numerator_samples_s.len(), paired.rounds);
            assert_eq!(paired.denominator_samples_s.len(), paired.rounds);
            // The interval comes from the rounds' raw samples and holds the figure.
            let [low, high] = ratio.ci95.expect("an interval from the raw samples");
            assert!(low <= paired.ratio() && paired.ratio() <= high, "{ratio:?}");
            assert_ne!(ratio.verdict, Verdict::NotMeasured);
        }
    }
}
