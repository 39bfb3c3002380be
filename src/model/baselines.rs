//! What the model must beat, fitted and scored on the same folds: the
//! roofline at 100% efficiency, the two-factor form (peak × one fitted
//! efficiency, bandwidth × another), and a nearest-neighbour lookup (the
//! throughput of the nearest measured shape, on a log scale of dimensions).

use super::crossval::{Method, Predictor};
use super::fit::fit_form;
use super::form::{Context, Form, RoofRates};
use super::Point;

/// `max(FLOPs / P, bytes / BW)`: the probes' roofs taken at face value.
pub struct Roofline100(pub RoofRates);

/// `max(FLOPs / (P·e), bytes / (BW·e_m))` with `e` and `e_m` fitted.
pub struct TwoFactor(pub RoofRates);

/// The nearest training shape's throughput applied to the new shape's work.
pub struct NearestNeighbour;

struct FormPredictor {
    form: Form,
    params: Vec<f64>,
    roofs: RoofRates,
}

impl Predictor for FormPredictor {
    fn time_s(&self, point: &Point) -> f64 {
        self.form
            .estimate(&self.params, &self.roofs, &point.op, None, Context::Alone)
            .time_s
    }
}

impl Method for Roofline100 {
    fn name(&self) -> &'static str {
        "roofline at 100%"
    }

    fn fit(&self, _train: &[Point]) -> Box<dyn Predictor + '_> {
        Box::new(FormPredictor {
            form: Form::TwoFactor,
            params: vec![1.0, 1.0],
            roofs: self.0,
        })
    }
}

impl Method for TwoFactor {
    fn name(&self) -> &'static str {
        "two factors"
    }

    fn fit(&self, train: &[Point]) -> Box<dyn Predictor + '_> {
        Box::new(FormPredictor {
            form: Form::TwoFactor,
            params: fit_form(Form::TwoFactor, &self.0, train).0,
            roofs: self.0,
        })
    }
}

struct Lookup(Vec<Point>);

impl Predictor for Lookup {
    fn time_s(&self, point: &Point) -> f64 {
        let here = point.op.log_dims();
        let distance = |p: &Point| {
            p.op.log_dims()
                .iter()
                .zip(&here)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
        };
        let nearest = self
            .0
            .iter()
            .min_by(|a, b| distance(a).total_cmp(&distance(b)))
            .expect("trained on at least one point");
        nearest.time_s * point.op.size() / nearest.op.size()
    }
}

impl Method for NearestNeighbour {
    fn name(&self) -> &'static str {
        "nearest neighbour"
    }

    fn fit(&self, train: &[Point]) -> Box<dyn Predictor + '_> {
        Box::new(Lookup(train.to_vec()))
    }
}
