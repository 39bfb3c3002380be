//! The model on synthetic measurements whose truth is known: calibration
//! recovers the parameters it was generated with, through noise, and the
//! held-out folds score it near the noise while the baselines miss.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use chipbench::model::{
    factor_of, family_of, held_out, ErrorStats, FittedForm, Fold, Form, ModelMethod, Op, Point,
    RoofRates, TiledRoofline, TwoFactor,
};
use chipbench::suite::calibrate_matmul_shapes;

const ROOFS: RoofRates = RoofRates {
    flop_per_s: 70e9,
    bytes_per_s: 10e9,
    overhead_s: 1e-5,
};

/// overhead, efficiency, workgroups in flight, K½, memory efficiency.
const TRUTH: [f64; 5] = [2e-5, 0.45, 4.0, 24.0, 0.7];

/// The efficiency of the kernel with 8-row tiles, relative to the other's.
const SLOW_VARIANT_FACTOR: f64 = 0.6;

/// The calibrate suite's f32 shapes timed by the tiled roofline at
/// [`TRUTH`] with the faster of two kernels (tiles of 32 × 128, or 8 × 128
/// at [`SLOW_VARIANT_FACTOR`] the efficiency), each time scaled by `exp(noise)` with noise
/// uniform in ±`noise`.
fn synthetic(noise: f64, seed: u64) -> Vec<Point> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    calibrate_matmul_shapes(1)
        .into_iter()
        .map(|s| {
            let op = Op::Matmul {
                m: s.m,
                n: s.n,
                k: s.k,
                element_bytes: 4,
            };
            // Two kernels: 32-row tiles, and 8-row tiles at 0.6 the
            // efficiency (less padding, more tiles to fill the device);
            // each shape runs the faster, as autotune picks.
            let time = |tile: (u64, u64), factor: f64| {
                let roofs = RoofRates {
                    flop_per_s: ROOFS.flop_per_s * factor,
                    ..ROOFS
                };
                Form::TiledRoofline
                    .estimate(&TRUTH, &roofs, &op, Some(tile))
                    .time_s
            };
            let wide = time((32, 128), 1.0);
            let narrow = time((8, 128), SLOW_VARIANT_FACTOR);
            let (variant, tile, exact) = if narrow < wide {
                ("register_tiled", (8, 128), narrow)
            } else {
                ("texture_tiled", (32, 128), wide)
            };
            Point {
                case: format!("matmul_f32_{}x{}x{}", s.m, s.n, s.k),
                family: family_of(s.m, s.n, s.k).into(),
                op,
                variant: variant.into(),
                tile: Some(tile),
                time_s: exact * rng.random_range(-noise..=noise).exp(),
            }
        })
        .collect()
}

fn errors(method: &dyn chipbench::model::Method, points: &[Point], fold: Fold) -> ErrorStats {
    let signed: Vec<f64> = held_out(method, points, fold)
        .iter()
        .map(|h| h.signed_error)
        .collect();
    ErrorStats::of(&signed).unwrap()
}

#[test]
fn calibration_recovers_known_parameters_through_noise() {
    let points = synthetic(0.03, 7);
    let fitted = FittedForm::fit(Form::TiledRoofline, ROOFS, &points);
    let p = &fitted.params;
    let close = |i: usize, tolerance: f64| {
        let relative = (p[i] / TRUTH[i] - 1.0).abs();
        assert!(
            relative < tolerance,
            "parameter {i}: {} against {} ({p:?})",
            p[i],
            TRUTH[i]
        );
    };
    // The fit's pull towards the probe's overhead (1e-5) costs a little here.
    close(TiledRoofline::OVERHEAD, 0.2);
    close(TiledRoofline::COMPUTE_EFFICIENCY, 0.05);
    close(TiledRoofline::K_HALF, 0.25);
    assert_eq!(p[TiledRoofline::WORKGROUPS_IN_FLIGHT], TRUTH[2], "{p:?}");
    let slow = factor_of(&fitted.variant_factors, "register_tiled");
    assert!(
        (slow / SLOW_VARIANT_FACTOR - 1.0).abs() < 0.05,
        "{:?}",
        fitted.variant_factors
    );
}

#[test]
fn held_out_error_of_the_true_form_is_the_noise_and_two_factors_miss() {
    let points = synthetic(0.03, 11);
    let model = ModelMethod {
        form: Form::TiledRoofline,
        roofs: ROOFS,
    };
    let model_errors = errors(&model, &points, Fold::LeaveOneShapeOut);
    // Noise uniform in ±3% has a mean absolute value of 1.5%.
    assert!(model_errors.mean_abs < 0.03, "{model_errors:?}");
    let baseline = errors(&TwoFactor(ROOFS), &points, Fold::LeaveOneShapeOut);
    assert!(
        baseline.mean_abs > 2.0 * model_errors.mean_abs,
        "{baseline:?}"
    );
    // Without noise the form is all but exact where the training points
    // decide every parameter; leaving a family out may leave one to the
    // fit's pull towards neutral values (K½ without short K, the narrow
    // kernel's efficiency without the skinny shapes it wins), which costs
    // there.
    let exact = synthetic(0.0, 1);
    for (fold, mean, max) in [
        (Fold::LeaveOneShapeOut, 0.01, 0.05),
        (Fold::Extrapolation, 0.01, 0.05),
        (Fold::LeaveOneFamilyOut, 0.03, 0.25),
    ] {
        let e = errors(&model, &exact, fold);
        assert!(e.mean_abs < mean && e.max_abs < max, "{fold}: {e:?}");
    }
}
