//! The planner's training-step efficiency, fitted on published runs and
//! judged on runs it was not fitted on (`data/published_runs.toml`).
//!
//! A catalog chip's per-op rates are what its kernels reach alone in a
//! benchmark loop (the best measured GEMM, FlashAttention, 90% of HBM); a
//! training step on a cluster sustains less (clocks under sustained power,
//! gaps between kernels, stragglers), by an amount no benchmark in the
//! catalog measures. So it is fitted: per chip, one share of those rates
//! that the planner's per-op times are divided by
//! (`training_step_efficiency` in `data/chips.toml`), chosen to minimise
//! the squared log error of the predicted step time over that chip's
//! calibration runs. The held-out runs (Llama 3's Table 4, Megatron-LM's
//! 1T GPT, Nemotron-4 340B) are never used to fit.
//!
//! What it checks (run with `--nocapture` to see every run): the figure in
//! the catalog is the one this fit gives (so it cannot drift from the
//! data), the calibration residuals are what its source says, and how far
//! the held-out runs land.

mod published;

use chipbench::model::{catalog, catalog_cost};
use chipbench::planner::{Cited, Datasheet};
use published::{published, Published};

/// `chip` from the catalog, its per-op times divided by `share` (None:
/// the catalog's rates alone, as benchmarks measure them).
fn cost(chip: &str, share: Option<f64>) -> Datasheet {
    let catalog = catalog().unwrap();
    let mut cost = catalog_cost(&catalog, catalog.chip(chip).unwrap()).unwrap();
    cost.efficiencies.training_step = share.map(|s| Cited::new(s, "trial"));
    cost
}

/// ln(predicted step ÷ published step) of each run at `share`.
fn log_errors(runs: &[&Published], chip: &str, share: Option<f64>) -> Vec<f64> {
    let cost = cost(chip, share);
    runs.iter()
        .map(|run| (run.plan(&cost).step.total_s / run.published_step_s()).ln())
        .collect()
}

/// The share in [0.2, 1] minimising the sum of squared log errors (golden
/// section: the step time falls monotonically as the share rises).
fn fit(runs: &[&Published], chip: &str) -> f64 {
    let loss = |share: f64| -> f64 {
        log_errors(runs, chip, Some(share))
            .iter()
            .map(|e| e * e)
            .sum()
    };
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    let (mut low, mut high) = (0.2, 1.0);
    while high - low > 1e-5 {
        let a = high - golden * (high - low);
        let b = low + golden * (high - low);
        if loss(a) < loss(b) {
            high = b;
        } else {
            low = a;
        }
    }
    (low + high) / 2.0
}

/// Throughput errors (published step ÷ predicted − 1) of `runs` on the catalog chip at `share`.
fn throughput_errors(runs: &[&Published], chip: &str, share: Option<f64>) -> Vec<f64> {
    log_errors(runs, chip, share)
        .iter()
        .map(|e| (-e).exp() - 1.0)
        .collect()
}

/// The mean absolute value, and the lowest and highest, of `errors`.
fn spread(errors: &[f64]) -> (f64, f64, f64) {
    let mean = errors.iter().map(|e| e.abs()).sum::<f64>() / errors.len() as f64;
    let low = errors.iter().copied().fold(f64::INFINITY, f64::min);
    let high = errors.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (mean, low, high)
}

/// Prints each run's throughput error at the catalog's rates alone and
/// with `share`; returns the latter.
fn report(label: &str, runs: &[&Published], chip: &str, share: f64) -> Vec<f64> {
    let before = throughput_errors(runs, chip, None);
    let after = throughput_errors(runs, chip, Some(share));
    for ((run, b), a) in runs.iter().zip(&before).zip(&after) {
        println!(
            "  {label:11} {:26} {:5} GPUs  published step {:8.3} s  catalog rates alone {:+6.1}%  with the fit {:+6.1}%",
            run.run.id,
            run.run.gpus,
            run.published_step_s(),
            100.0 * b,
            100.0 * a
        );
    }
    after
}

#[test]
fn the_training_step_efficiency_is_fitted_on_calibration_runs_and_judged_on_held_out_ones() {
    let all = published();
    let catalog = catalog().unwrap();
    for chip in ["h100-sxm", "a100-sxm-80gb"] {
        let (calibration, held_out): (Vec<&Published>, Vec<&Published>) = all
            .iter()
            .filter(|p| p.run.chip == chip)
            .partition(|p| !p.run.held_out);
        let share = fit(&calibration, chip);
        let stored = catalog
            .chip(chip)
            .unwrap()
            .training_step_efficiency
            .clone()
            .expect("a fitted training-step efficiency in data/chips.toml");
        println!(
            "{chip}: fitted {share:.4} on {} calibration runs (catalog: {:.3})",
            calibration.len(),
            stored.value
        );
        let residuals = report("calibration", &calibration, chip, share);
        let (mean, low, high) = spread(&residuals);
        println!(
            "  residuals {:+.1}% to {:+.1}%, mean |e| {:.1}%",
            100.0 * low,
            100.0 * high,
            100.0 * mean
        );
        let held = report("held out", &held_out, chip, share);
        // The catalog holds this fit, and its source states this spread.
        assert!((stored.value - share).abs() < 0.001, "{chip}: {stored:?}");
        let stated = format!(
            "residuals {:.1}% to {:+.1}% of throughput, mean |e| {:.1}%",
            100.0 * low,
            100.0 * high,
            100.0 * mean
        );
        assert!(
            stored.source.contains(&stated),
            "{chip}: '{stated}' not in {}",
            stored.source
        );
        // Every held-out run within 25%: Llama 3's 128K row, the farthest, lands +21%.
        for (run, error) in held_out.iter().zip(&held) {
            assert!(error.abs() < 0.25, "{}: {error}", run.run.id);
        }
    }
}
