//! Fitting a form's parameters: least squares on log time (relative error,
//! so a 10 µs case weighs as much as a 1 s one), made robust to outliers with
//! Huber's loss, minimised by Nelder–Mead over the logarithms of the free
//! parameters (all of them positive). Pure functions.

use super::crossval::{Method, Predictor};
use super::form::{Context, Estimate, Form, RoofRates, TiledRoofline};
use super::tiles::{distinct_tiles, tile_for, TileEntry};
use super::{Op, Point, Tile};

/// Log residuals beyond this (about 10%) count linearly, not squared, so a
/// disturbed case cannot drag the fit.
pub const HUBER_DELTA: f64 = 0.1;

/// A pull of each log parameter towards its starting value: a factor of 3
/// away costs about what a 10% residual on one point does, so the data
/// decide what they can, and parameters they cannot (memory efficiency when
/// nothing is memory-bound, K½ without short K) stay near neutral values
/// instead of drifting to whatever a fold's few points happen to favour.
const PRIOR_WEIGHT: f64 = 1e-2;

/// Huber's loss of log residuals `ln(predicted / measured)`, summed.
pub fn robust_loss(log_residuals: impl IntoIterator<Item = f64>) -> f64 {
    log_residuals
        .into_iter()
        .map(|r| {
            let a = r.abs();
            if a <= HUBER_DELTA {
                0.5 * r * r
            } else {
                HUBER_DELTA * (a - 0.5 * HUBER_DELTA)
            }
        })
        .sum()
}

/// Minimises `f` from `start` by Nelder–Mead with initial steps `step` in
/// every coordinate, for at most `iterations` steps; restarts once from the
/// best point found, which frees a simplex collapsed early. Returns the
/// minimum and its value.
pub fn nelder_mead(
    f: &dyn Fn(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    iterations: usize,
) -> (Vec<f64>, f64) {
    let mut best = start.to_vec();
    let mut value = f(&best);
    for _ in 0..2 {
        (best, value) = simplex_search(f, &best, step, iterations);
    }
    (best, value)
}

fn simplex_search(
    f: &dyn Fn(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    iterations: usize,
) -> (Vec<f64>, f64) {
    let dims = start.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = (0..=dims)
        .map(|i| {
            let mut x = start.to_vec();
            if i > 0 {
                x[i - 1] += step;
            }
            let v = f(&x);
            (x, v)
        })
        .collect();
    for _ in 0..iterations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        if (simplex[dims].1 - simplex[0].1).abs() < 1e-12 {
            break;
        }
        let centroid: Vec<f64> = (0..dims)
            .map(|j| simplex[..dims].iter().map(|(x, _)| x[j]).sum::<f64>() / dims as f64)
            .collect();
        let toward = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[dims].0)
                .map(|(c, w)| c + t * (w - c))
                .collect()
        };
        let reflected = toward(-1.0);
        let reflected_value = f(&reflected);
        if reflected_value < simplex[0].1 {
            let expanded = toward(-2.0);
            let expanded_value = f(&expanded);
            simplex[dims] = if expanded_value < reflected_value {
                (expanded, expanded_value)
            } else {
                (reflected, reflected_value)
            };
        } else if reflected_value < simplex[dims - 1].1 {
            simplex[dims] = (reflected, reflected_value);
        } else {
            let contracted = toward(if reflected_value < simplex[dims].1 {
                -0.5
            } else {
                0.5
            });
            let contracted_value = f(&contracted);
            if contracted_value < simplex[dims].1.min(reflected_value) {
                simplex[dims] = (contracted, contracted_value);
            } else {
                let best = simplex[0].0.clone();
                for (x, v) in simplex.iter_mut().skip(1) {
                    for (xi, bi) in x.iter_mut().zip(&best) {
                        *xi = bi + 0.5 * (*xi - bi);
                    }
                    *v = f(x);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0)
}

/// Each winning kernel's compute efficiency (bandwidth, for the kernel
/// stream) relative to the most measured kernel's (1 for that one), keyed by [`kernel_key`]: a variant at one tile
/// shape. At one tile shape a texture-fed kernel and one reading storage
/// buffers differ by 2× on a software adapter, and one variant at two tile
/// shapes by up to 40×.
pub type VariantFactors = Vec<(String, f64)>;

/// The key a kernel's factor is kept under: `texture_subgroup 32×512`, its
/// variant and tile (the variant alone where the op has no tiles).
pub fn kernel_key(variant: &str, tile: Option<Tile>) -> String {
    match tile {
        Some(tile) => format!("{variant} {tile}"),
        None => variant.to_string(),
    }
}

/// The factor among `factors` of `variant` at `tile` (its [`kernel_key`]);
/// profiles of version 2 keyed factors by the variant alone, so the
/// variant's factor where the kernel's is absent; 1 for a kernel not in them.
pub fn factor_of(factors: &[(String, f64)], variant: &str, tile: Option<Tile>) -> f64 {
    let find = |k: &str| factors.iter().find(|(v, _)| v == k).map(|(_, f)| *f);
    find(&kernel_key(variant, tile))
        .or_else(|| find(variant))
        .unwrap_or(1.0)
}

/// The robust loss of `form` with `params` and variant `factors` over `points`.
pub fn form_loss(
    form: Form,
    params: &[f64],
    factors: &[(String, f64)],
    roofs: &RoofRates,
    points: &[Point],
) -> f64 {
    robust_loss(points.iter().map(|p| {
        let factor = factor_of(factors, &p.variant, p.tile);
        (form
            .estimate_kernel(params, roofs, &p.op, p.tile, factor, Context::Alone)
            .time_s
            / p.time_s)
            .ln()
    }))
}

/// Fits the parameters of `form` at indices `free` to `points`, the others
/// held at their values in `start`, and a relative efficiency for each of
/// `variants` but the first (whose factor is 1); returns the parameters,
/// the factors and the loss.
pub fn fit_parameters(
    form: Form,
    roofs: &RoofRates,
    points: &[Point],
    start: &[f64],
    free: &[usize],
    variants: &[String],
) -> (Vec<f64>, VariantFactors, f64) {
    let mut origin: Vec<f64> = free.iter().map(|&i| start[i].ln()).collect();
    origin.extend(std::iter::repeat_n(0.0, variants.len().saturating_sub(1)));
    let unpack = |x: &[f64]| {
        let mut params = start.to_vec();
        for (&i, xi) in free.iter().zip(x) {
            params[i] = xi.exp();
        }
        let factors: VariantFactors = variants
            .iter()
            .enumerate()
            .map(|(j, v)| {
                (
                    v.clone(),
                    if j == 0 {
                        1.0
                    } else {
                        x[free.len() + j - 1].exp()
                    },
                )
            })
            .collect();
        (params, factors)
    };
    let objective = |x: &[f64]| {
        let prior: f64 = x.iter().zip(&origin).map(|(a, b)| (a - b).powi(2)).sum();
        let (params, factors) = unpack(x);
        form_loss(form, &params, &factors, roofs, points) + PRIOR_WEIGHT * prior
    };
    let (best, value) = nelder_mead(&objective, &origin, 0.5, 400 * origin.len());
    let (params, factors) = unpack(&best);
    (params, factors, value)
}

/// Counts of workgroups in flight tried when fitting a tiled form: every
/// count to 16, then steps of about 12% to twice the most workgroups any
/// point launches (beyond that, more in flight only rescales the efficiency).
fn in_flight_grid(form: Form, points: &[Point]) -> Vec<f64> {
    let most_tiles = points
        .iter()
        .filter_map(|p| form.workgroups(&p.op, p.tile))
        .fold(1.0, f64::max);
    let mut grid: Vec<f64> = (1..=16).map(f64::from).collect();
    while *grid.last().expect("non-empty") < 2.0 * most_tiles {
        let next = (grid.last().expect("non-empty") * 1.125).round();
        grid.push(next);
    }
    grid
}

/// The kernels among `points` ([`kernel_key`]), most measured first (ties
/// in the order met).
fn kernels_by_count(points: &[Point]) -> Vec<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for p in points {
        let key = kernel_key(&p.variant, p.tile);
        match counts.iter_mut().find(|(v, _)| *v == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.into_iter().map(|(v, _)| v).collect()
}

/// Fits `form` to `points` on `roofs`: every parameter by Nelder–Mead, except
/// a tiled form's workgroups in flight, a whole number, tried over a grid
/// with the others fitted at each; a form with kernel factors also fits
/// each kernel's relative efficiency.
pub fn fit_form(form: Form, roofs: &RoofRates, points: &[Point]) -> (Vec<f64>, VariantFactors) {
    let start = form.initial(roofs);
    match form.is_tiled() {
        true => {
            // Every parameter but workgroups in flight, the cache term's
            // among them where the form has one.
            let free: Vec<usize> = (0..start.len())
                .filter(|&i| i != TiledRoofline::WORKGROUPS_IN_FLIGHT)
                .collect();
            let variants = kernels_by_count(points);
            let (params, factors, _) = in_flight_grid(form, points)
                .into_iter()
                .map(|in_flight| {
                    let mut start = start.clone();
                    start[TiledRoofline::WORKGROUPS_IN_FLIGHT] = in_flight;
                    fit_parameters(form, roofs, points, &start, &free, &variants)
                })
                .min_by(|a, b| a.2.total_cmp(&b.2))
                .expect("a non-empty grid");
            (params, factors)
        }
        false => {
            let free: Vec<usize> = (0..start.len()).collect();
            let kernels = match form.has_kernel_factors() {
                true => kernels_by_count(points),
                false => Vec::new(),
            };
            let (params, factors, _) = fit_parameters(form, roofs, points, &start, &free, &kernels);
            (params, factors)
        }
    }
}

/// The model as a cross-validation [`Method`]: `form` fitted on the training
/// points, each new shape run with the tile [`tile_for`] picks among them.
pub struct ModelMethod {
    /// The form fitted.
    pub form: Form,
    /// The probes' roofs it scales.
    pub roofs: RoofRates,
}

/// A form with fitted parameters, and the tiles of the shapes it was fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedForm {
    /// The form.
    pub form: Form,
    /// Its parameters, in [`Form::parameter_names`] order.
    pub params: Vec<f64>,
    /// Each winning kernel's compute efficiency (bandwidth, for the kernel
    /// stream) relative to the most measured one's.
    pub variant_factors: VariantFactors,
    /// The roofs it scales.
    pub roofs: RoofRates,
    /// The tile each measured shape ran with.
    pub tiles: Vec<TileEntry>,
    /// Where the ops it predicts run: alone, as it was fitted, or in a stack.
    pub context: Context,
}

impl FittedForm {
    /// Fits `form` to `points`.
    pub fn fit(form: Form, roofs: RoofRates, points: &[Point]) -> FittedForm {
        let (params, variant_factors) = fit_form(form, &roofs, points);
        FittedForm {
            form,
            params,
            variant_factors,
            roofs,
            tiles: tile_table(points),
            context: Context::Alone,
        }
    }

    /// The predicted time of `op`, run with the tile [`FittedForm::tile_of`]
    /// picks among every workload's.
    pub fn estimate(&self, op: &Op) -> Estimate {
        self.estimate_by(op, None)
    }

    /// The predicted time of `op` run by `workload`'s kernels (any
    /// workload's, the fastest, when None).
    pub fn estimate_by(&self, op: &Op, workload: Option<&str>) -> Estimate {
        match self.tile_of(op, workload) {
            Some(entry) => self.estimate_with(op, entry),
            None => self
                .form
                .estimate(&self.params, &self.roofs, op, None, self.context),
        }
    }

    /// The predicted time of `op` run with `entry`'s variant and tile.
    fn estimate_with(&self, op: &Op, entry: &TileEntry) -> Estimate {
        self.estimate_tiled(op, &entry.variant, entry.tile)
    }

    /// The predicted time of `op` run by `variant` with `tile`: its relative
    /// efficiency where the fit measured it, else the most measured kernel's.
    pub fn estimate_tiled(&self, op: &Op, variant: &str, tile: Tile) -> Estimate {
        let factor = factor_of(&self.variant_factors, variant, Some(tile));
        self.form.estimate_kernel(
            &self.params,
            &self.roofs,
            op,
            Some(tile),
            factor,
            self.context,
        )
    }

    /// The predicted time of `op` run by `kernel`, a kernel without tiles
    /// (an elementwise kernel, which is what the op is): its own relative
    /// efficiency where the fit measured it, else the most measured kernel's.
    pub fn estimate_kernel(&self, op: &Op, kernel: &str) -> Estimate {
        let factor = factor_of(&self.variant_factors, kernel, None);
        self.form
            .estimate_kernel(&self.params, &self.roofs, op, None, factor, self.context)
    }

    /// The tile `op` runs with (among `workload`'s, if given): its own or its
    /// autotune class's where the calibration measured them ([`tile_for`]);
    /// for a class never measured, any measured variant and tile. Where
    /// several qualify (one per workload, or every one for a new class),
    /// the one this model predicts fastest, as autotune, or a user choosing
    /// between workloads, would pick. None for streams.
    pub fn tile_of(&self, op: &Op, workload: Option<&str>) -> Option<&TileEntry> {
        if !self.form.is_tiled() {
            return None;
        }
        let mut choices = tile_for(&self.tiles, workload, &op.dims());
        if choices.is_empty() {
            choices = distinct_tiles(&self.tiles, workload);
        }
        choices.into_iter().min_by(|a, b| {
            let time = |e: &TileEntry| self.estimate_with(op, e).time_s;
            time(a).total_cmp(&time(b))
        })
    }
}

/// Each tiled shape among `points` once, with the variant and tile it ran with.
fn tile_table(points: &[Point]) -> Vec<TileEntry> {
    let mut table: Vec<TileEntry> = Vec::new();
    for p in points {
        let (Some(tile), dims) = (p.tile, p.op.dims()) else {
            continue;
        };
        if !table
            .iter()
            .any(|e| e.dims == dims && e.workload == p.workload)
        {
            table.push(TileEntry {
                workload: p.workload.clone(),
                dims,
                variant: p.variant.clone(),
                tile,
            });
        }
    }
    table
}

impl Predictor for FittedForm {
    /// A tiled op's time with the tile this fit picks for it (the one that
    /// ran is what autotune chose, not part of the op); an elementwise op's
    /// with its own kernel (which is what the op is).
    fn time_s(&self, point: &Point) -> f64 {
        match self.form {
            Form::KernelStream => self.estimate_kernel(&point.op, &point.variant).time_s,
            _ => self.estimate_by(&point.op, Some(&point.workload)).time_s,
        }
    }
}

impl Method for ModelMethod {
    fn name(&self) -> &'static str {
        "model"
    }

    fn fit(&self, train: &[Point]) -> Box<dyn Predictor + '_> {
        Box::new(FittedForm::fit(self.form, self.roofs, train))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_the_minimum_of_a_bowl() {
        let f = |x: &[f64]| (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2);
        let (x, v) = nelder_mead(&f, &[0.0, 0.0], 1.0, 1000);
        assert!(
            (x[0] - 3.0).abs() < 1e-4 && (x[1] + 1.0).abs() < 1e-4,
            "{x:?}"
        );
        assert!(v < 1e-8);
    }

    #[test]
    fn a_kernel_factor_falls_back_to_its_variant_then_to_one() {
        let factors = vec![
            ("texture_subgroup 32×512".to_string(), 0.5),
            ("texture_tiled".to_string(), 0.25),
        ];
        let factor = |v: &str, rows| factor_of(&factors, v, Some(Tile::new(rows, 512)));
        assert_eq!(factor("texture_subgroup", 32), 0.5);
        assert_eq!(factor("texture_subgroup", 8), 1.0);
        // A version 2 profile keyed by the variant alone.
        assert_eq!(factor("texture_tiled", 8), 0.25);
    }

    #[test]
    fn a_kernel_stream_fits_each_kernels_own_bandwidth() {
        // "copy" at 8 GB/s (the most measured), "norm" at 2 GB/s, both
        // after 10 µs of overhead, on arrays of 1–64 MiB.
        let point = |kernel: &str, rate: f64, mib: f64| {
            let bytes = 2.0 * mib * 1024.0 * 1024.0;
            Point {
                case: format!("{kernel}_{mib}"),
                family: kernel.into(),
                op: Op::Stream {
                    bytes,
                    array_bytes: bytes / 2.0,
                    workgroups: 0.0,
                },
                workload: format!("elementwise_{kernel}"),
                variant: kernel.into(),
                tile: None,
                time_s: 1e-5 + bytes / rate,
            }
        };
        let mut points: Vec<Point> = [1.0, 4.0, 16.0, 64.0]
            .map(|mib| point("copy", 8e9, mib))
            .to_vec();
        points.extend([2.0, 32.0].map(|mib| point("norm", 2e9, mib)));
        let roofs = RoofRates {
            flop_per_s: 1e12,
            bytes_per_s: 8e9,
            overhead_s: 1e-5,
        };
        let fitted = FittedForm::fit(Form::KernelStream, roofs, &points);
        assert_eq!(factor_of(&fitted.variant_factors, "copy", None), 1.0);
        let norm = factor_of(&fitted.variant_factors, "norm", None);
        assert!((norm - 0.25).abs() < 0.02, "{norm}");
        // A size neither measured: each kernel at its own bandwidth.
        let unseen = point("norm", 2e9, 8.0);
        let predicted = fitted.estimate_kernel(&unseen.op, "norm").time_s;
        assert!(
            (predicted / unseen.time_s - 1.0).abs() < 0.05,
            "{predicted}"
        );
        assert!((fitted.time_s(&unseen) - predicted).abs() < 1e-12);
    }

    #[test]
    fn huber_loss_is_quadratic_near_zero_and_linear_beyond_delta() {
        assert!((robust_loss([0.05]) - 0.00125).abs() < 1e-15);
        let (a, b) = (robust_loss([1.0]), robust_loss([2.0]));
        assert!((b - a - HUBER_DELTA).abs() < 1e-12);
    }
}
