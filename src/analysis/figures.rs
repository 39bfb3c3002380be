//! A measurement's figure of merit: the rate its workload is judged by.

use crate::case::Figure;
use crate::report::{Baseline, Measurement, Status};
use crate::workloads;

/// A figure and its unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// The figure, in `unit`.
    pub value: f64,
    /// `GFLOP/s`, `GB/s` or `s`.
    pub unit: &'static str,
    /// Whether a larger value is better (false for seconds).
    pub higher_is_better: bool,
}

/// The figure `m`'s workload is judged by, where it was measured. A workload
/// this chipbench does not know is judged by FLOP/s where it has them, else
/// by bytes per second.
pub fn rate_of(m: &Measurement) -> Option<Rate> {
    let figure = match workloads::by_family(&m.workload) {
        Some(workload) => workload.judged_by(),
        None if m.gflop_per_s.is_some() => Figure::FlopPerS,
        None => Figure::BytesPerS,
    };
    match figure {
        Figure::FlopPerS => m.gflop_per_s.map(|v| rate(v, "GFLOP/s")),
        Figure::BytesPerS => m.gb_per_s.map(|v| rate(v, "GB/s")),
        Figure::Seconds => m.timing.as_ref().map(|t| Rate {
            value: t.summary.median_s,
            unit: "s",
            higher_is_better: false,
        }),
    }
}

/// A baseline's figure: GFLOP/s where it does arithmetic, else GB/s.
pub fn baseline_rate(b: &Baseline) -> Option<Rate> {
    match (b.gflop_per_s, b.gb_per_s) {
        (Some(v), _) => Some(rate(v, "GFLOP/s")),
        (None, Some(v)) => Some(rate(v, "GB/s")),
        (None, None) => None,
    }
}

fn rate(value: f64, unit: &'static str) -> Rate {
    Rate {
        value,
        unit,
        higher_is_better: true,
    }
}

/// The verified measurement with the best figure among `measurements`.
pub fn best<'a>(
    measurements: impl IntoIterator<Item = &'a Measurement>,
) -> Option<&'a Measurement> {
    measurements
        .into_iter()
        .filter(|m| m.status == Status::Ok)
        .filter_map(|m| rate_of(m).map(|r| (r, m)))
        .max_by(|(a, _), (b, _)| {
            let order = a.value.total_cmp(&b.value);
            if a.higher_is_better {
                order
            } else {
                order.reverse()
            }
        })
        .map(|(_, m)| m)
}
