//! Held-out error: a method is fitted on some points and scored on points
//! it never saw, in three kinds of fold. Leave one shape out (every repeat
//! of one case held out at a time), leave one family out (skinny, square,
//! long K, short K, ragged, held out whole), and extrapolation (fitted on
//! the smaller shapes, scored on the largest quarter by FLOPs or bytes).

use serde::{Deserialize, Serialize};

use super::errors::signed_error;
use super::Point;

/// A way to predict times, fitted on measured points.
pub trait Method {
    /// The name tables and profiles give it.
    fn name(&self) -> &'static str;
    /// Fits on `train` (never empty) and returns what predicts other points.
    fn fit(&self, train: &[Point]) -> Box<dyn Predictor + '_>;
}

/// A fitted method.
pub trait Predictor {
    /// Predicted seconds per operation of `point`'s op (its measured time unread).
    fn time_s(&self, point: &Point) -> f64;
}

/// A kind of held-out split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fold {
    /// Each shape held out in turn, fitted on all the others.
    LeaveOneShapeOut,
    /// Each family held out in turn, fitted on the other families.
    LeaveOneFamilyOut,
    /// Fitted on the shapes below the largest quarter by size, scored on that quarter.
    Extrapolation,
}

/// Every fold, in the order tables show them.
pub const FOLDS: [Fold; 3] = [
    Fold::LeaveOneShapeOut,
    Fold::LeaveOneFamilyOut,
    Fold::Extrapolation,
];

impl std::fmt::Display for Fold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Fold::LeaveOneShapeOut => "leave one shape out",
            Fold::LeaveOneFamilyOut => "leave one family out",
            Fold::Extrapolation => "extrapolation (largest quarter)",
        })
    }
}

/// The held-out splits of `points` under `fold`: (training, held out), each
/// with both sides non-empty.
fn splits(points: &[Point], fold: Fold) -> Vec<(Vec<Point>, Vec<Point>)> {
    let split_by = |held: &dyn Fn(&Point) -> bool| -> (Vec<Point>, Vec<Point>) {
        let (out, train): (Vec<Point>, Vec<Point>) = points.iter().cloned().partition(held);
        (train, out)
    };
    let keep = |pairs: Vec<(Vec<Point>, Vec<Point>)>| {
        pairs
            .into_iter()
            .filter(|(train, out)| !train.is_empty() && !out.is_empty())
            .collect()
    };
    match fold {
        Fold::LeaveOneShapeOut => keep(
            distinct(points.iter().map(|p| p.case.clone()))
                .into_iter()
                .map(|case| split_by(&|p: &Point| p.case == case))
                .collect(),
        ),
        Fold::LeaveOneFamilyOut => keep(
            distinct(points.iter().map(|p| p.family.clone()))
                .into_iter()
                .map(|family| split_by(&|p: &Point| p.family == family))
                .collect(),
        ),
        Fold::Extrapolation => {
            let mut shapes: Vec<(String, f64)> = distinct(points.iter().map(|p| p.case.clone()))
                .into_iter()
                .map(|case| {
                    let size = points
                        .iter()
                        .find(|p| p.case == case)
                        .expect("a case of points");
                    (case, size.op.size())
                })
                .collect();
            shapes.sort_by(|a, b| a.1.total_cmp(&b.1));
            let held = shapes.len().div_ceil(4);
            let largest: Vec<String> = shapes
                .split_off(shapes.len() - held)
                .into_iter()
                .map(|s| s.0)
                .collect();
            keep(vec![split_by(&|p: &Point| largest.contains(&p.case))])
        }
    }
}

/// Each value once, in the order first met.
fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// One held-out prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOut {
    /// The case predicted.
    pub case: String,
    /// `predicted / measured − 1`.
    pub signed_error: f64,
}

/// `method`'s held-out predictions of `points` under `fold`.
pub fn held_out(method: &dyn Method, points: &[Point], fold: Fold) -> Vec<HeldOut> {
    let mut predictions = Vec::new();
    for (train, out) in splits(points, fold) {
        let fitted = method.fit(&train);
        predictions.extend(out.iter().map(|p| HeldOut {
            case: p.case.clone(),
            signed_error: signed_error(fitted.time_s(p), p.time_s),
        }));
    }
    predictions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Op;

    fn point(case: &str, family: &str, size: u64, time_s: f64) -> Point {
        Point {
            case: case.into(),
            family: family.into(),
            op: Op::Matmul {
                m: size,
                n: 1,
                k: 1,
                element_bytes: 4,
            },
            workload: String::new(),
            variant: String::new(),
            tile: None,
            time_s,
        }
    }

    /// Predicts the mean time of its training points.
    struct MeanOfTraining;
    struct Constant(f64);
    impl Predictor for Constant {
        fn time_s(&self, _: &Point) -> f64 {
            self.0
        }
    }
    impl Method for MeanOfTraining {
        fn name(&self) -> &'static str {
            "mean"
        }
        fn fit(&self, train: &[Point]) -> Box<dyn Predictor + '_> {
            Box::new(Constant(
                train.iter().map(|p| p.time_s).sum::<f64>() / train.len() as f64,
            ))
        }
    }

    /// On times 1, 2, 3, 4 the mean of the others is known for each fold.
    #[test]
    fn folds_hold_out_what_they_say_and_score_it() {
        let points = vec![
            point("a", "x", 1, 1.0),
            point("b", "x", 2, 2.0),
            point("c", "y", 3, 3.0),
            point("d", "y", 4, 4.0),
        ];
        let shape = held_out(&MeanOfTraining, &points, Fold::LeaveOneShapeOut);
        // a is predicted by (2+3+4)/3 = 3: error +200%.
        assert_eq!(shape.len(), 4);
        assert!((shape[0].signed_error - 2.0).abs() < 1e-12);
        assert!((shape[3].signed_error - (2.0 / 4.0 - 1.0)).abs() < 1e-12);
        let family = held_out(&MeanOfTraining, &points, Fold::LeaveOneFamilyOut);
        // Family x is predicted by 3.5.
        assert!((family[0].signed_error - 2.5).abs() < 1e-12);
        assert!((family[1].signed_error - 0.75).abs() < 1e-12);
        // The largest quarter of four shapes is d, predicted by 2.
        let extrapolated = held_out(&MeanOfTraining, &points, Fold::Extrapolation);
        assert_eq!(extrapolated.len(), 1);
        assert_eq!(extrapolated[0].case, "d");
        assert!((extrapolated[0].signed_error + 0.5).abs() < 1e-12);
    }

    #[test]
    fn repeats_of_a_shape_are_held_out_together() {
        let points = vec![
            point("a", "x", 1, 1.0),
            point("a", "x", 1, 1.2),
            point("b", "x", 2, 2.0),
        ];
        let shape = held_out(&MeanOfTraining, &points, Fold::LeaveOneShapeOut);
        // Both repeats of a are predicted by b alone.
        assert!((shape[0].signed_error - 1.0).abs() < 1e-12);
        // A single family leaves nothing to train on: no fold.
        assert!(held_out(&MeanOfTraining, &points, Fold::LeaveOneFamilyOut).is_empty());
    }
}
