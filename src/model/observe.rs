//! From reports to what a fit sees: one [`Point`] per usable measurement of
//! an op class, the roofs the probes measured, and every measurement left out
//! with why (failed, unsupported, noisy, a variant whose tile is unknown).

use serde::{Deserialize, Serialize};

use super::{Op, OpClass, Point, Tile};
use crate::analysis::Roofs;
use crate::measure::median;
use crate::reference::AttentionDims;
use crate::report::{Measurement, Report, Status};
use crate::workloads::{
    attention_tile, elementwise_kernel_of, output_tile, ATTENTION_DECODE_SPLIT, ATTENTION_UNFUSED,
    ELEMENTWISE_PREFIX,
};

/// A shape none of whose samples a second one confirms within this fraction
/// is too noisy to fit.
pub const NOISY_SPREAD: f64 = 0.15;

/// The time a fit reads from a shape's samples: the fastest that a second
/// sample confirms (within [`NOISY_SPREAD`]), so that one glitch of the clock
/// cannot stand for the kernel. On a shared machine other work only ever
/// slows a kernel (on a software adapter a descheduled worker thread doubles
/// a dispatch), so the fastest confirmed sample is the nearest to the
/// kernel's own time; the median moves with the load. None when no two
/// samples agree that closely.
pub fn fastest_confirmed_s(samples_s: &[f64]) -> Option<f64> {
    let mut sorted = samples_s.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
        .windows(2)
        .find(|pair| pair[1] <= pair[0] * (1.0 + NOISY_SPREAD))
        .map(|pair| pair[0])
}

/// A measurement of an op class left out of the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    /// Case and variant.
    pub measurement: String,
    /// `failed`, `unsupported`, `noisy`, `no_timing` or `unknown_variant`.
    pub reason: String,
    /// The details, in words.
    pub detail: String,
}

/// One usable point and the run it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Its op class.
    pub class: OpClass,
    /// Index of its report among those given.
    pub run: usize,
    /// The point.
    pub point: Point,
}

/// What reports hold for a fit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observations {
    /// Usable points of every op class.
    pub points: Vec<Observed>,
    /// Measurements of op classes left out, with why.
    pub excluded: Vec<Excluded>,
    /// Peak FLOP/s per dtype name (`f32`, `f16`): the median over reports of
    /// each report's best compute probe, at its fastest sample.
    pub peak_flop_per_s: Vec<(String, f64)>,
    /// Best stream bandwidth at each array size, (array bytes, bytes per
    /// second), medians over reports, by size.
    pub bandwidth_by_size: Vec<(f64, f64)>,
    /// The empty dispatch's fastest time, median over reports.
    pub dispatch_overhead_s: Option<f64>,
    /// Each pass of a case measured more than once in one run (the
    /// calibrate suite's two passes, each on fresh buffers): (the case and
    /// its run, the pass, its fastest confirmed seconds).
    pub passes: Vec<(String, usize, f64)>,
}

/// The family leave-one-family-out holds out together: `skinny` (M or N at
/// most 64 and a quarter of the other, as in decode), `square`, `long_k` (K
/// at least 4 × the larger of M and N), `short_k` (K at most 64 and a
/// quarter of the smaller), else `ragged` (any other rectangle, odd sizes).
pub fn family_of(m: u64, n: u64, k: u64) -> &'static str {
    let (small, large) = (m.min(n), m.max(n));
    if small <= 64 && large >= 4 * small {
        "skinny"
    } else if m == n && n == k {
        "square"
    } else if k >= 4 * large {
        "long_k"
    } else if k <= 64 && 4 * k <= small {
        "short_k"
    } else {
        "ragged"
    }
}

/// The family leave-one-family-out holds out together for attention:
/// prefill by mask and head layout (`full_mha`, `causal_gqa`, ...), so that
/// a causal shape is predicted from full ones and grouped heads from plain
/// ones; decode by head layout and kernel (`mha_one_pass`, `gqa_split`).
pub fn attention_family_of(dims: &AttentionDims, split: bool, decode: bool) -> String {
    let heads = if dims.kv_heads < dims.q_heads {
        "gqa"
    } else {
        "mha"
    };
    match decode {
        true => format!("{heads}_{}", if split { "split" } else { "one_pass" }),
        false => format!("{}_{heads}", if dims.causal { "causal" } else { "full" }),
    }
}

/// An attention measurement's dimensions, if its shape names them all.
fn attention_dims_of(m: &Measurement) -> Option<AttentionDims> {
    let dim = |name| m.shape.get(name).map(|v| v as usize);
    Some(AttentionDims {
        batch: dim("b")?,
        q_heads: dim("hq")?,
        kv_heads: dim("hkv")?,
        q_len: dim("sq")?,
        kv_len: dim("skv")?,
        head_dim: dim("d")?,
        causal: dim("causal")? != 0,
    })
}

/// `noisy: 3, unsupported: 30`: how many measurements were left out, by
/// reason, most frequent first.
pub fn excluded_counts(excluded: &[Excluded]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for e in excluded {
        match counts.iter_mut().find(|(reason, _)| *reason == e.reason) {
            Some((_, n)) => *n += 1,
            None => counts.push((&e.reason, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let words: Vec<String> = counts.iter().map(|(r, c)| format!("{r}: {c}")).collect();
    words.join(", ")
}

/// The op class of a workload family, if the model covers it (attention
/// prefill is the fused kernel's; the unfused baseline is not modelled).
fn class_of(workload: &str, dtype: crate::case::Dtype) -> Option<OpClass> {
    if workload == "matmul" {
        Some(OpClass::matmul(dtype))
    } else if workload.starts_with("stream_") {
        Some(OpClass::Stream)
    } else if workload.starts_with(ELEMENTWISE_PREFIX) {
        Some(OpClass::Elementwise)
    } else if workload == ATTENTION_UNFUSED.name {
        None
    } else if workload.starts_with("attention_decode") {
        Some(OpClass::AttentionDecode)
    } else if workload.starts_with("attention") {
        Some(OpClass::AttentionPrefill)
    } else {
        None
    }
}

/// Every usable point, exclusion and roof of `reports`.
pub fn observe(reports: &[Report]) -> Observations {
    let mut out = Observations::default();
    let mut peaks: Vec<(String, f64)> = Vec::new();
    let mut bandwidths: Vec<(f64, f64)> = Vec::new();
    let mut overheads = Vec::new();
    for (run, report) in reports.iter().enumerate() {
        let roofs = Roofs::of(report);
        for (dtype, probe) in &roofs.compute {
            if let Some(t) = &probe.timing {
                peaks.push((dtype.to_string(), probe.flop / t.summary.min_s));
            }
        }
        if let Some(t) = roofs.dispatch_overhead.and_then(|m| m.timing.as_ref()) {
            overheads.push(t.summary.min_s);
        }
        let mut best_at_size: Vec<(f64, f64)> = Vec::new();
        // Each usable measurement: its name, samples and point.
        let mut measured: Vec<(String, Vec<f64>, Observed)> = Vec::new();
        for m in &report.measurements {
            let Some(class) = class_of(&m.workload, m.dtype) else {
                continue;
            };
            let exclude = |reason: &str, detail: String| Excluded {
                measurement: m.name(),
                reason: reason.into(),
                detail,
            };
            let reason_text = || m.reason.clone().unwrap_or_default();
            let timing = match (m.status, &m.timing) {
                (Status::Failed, _) => {
                    out.excluded.push(exclude("failed", reason_text()));
                    continue;
                }
                (Status::Unsupported, _) => {
                    out.excluded.push(exclude("unsupported", reason_text()));
                    continue;
                }
                (Status::Ok, None) => {
                    out.excluded
                        .push(exclude("no_timing", "no timing recorded".into()));
                    continue;
                }
                (Status::Ok, Some(t)) => t,
            };
            // Version 1 reports kept no samples: their minimum stands in.
            let samples = if timing.samples_s.is_empty() {
                vec![timing.summary.min_s; 2]
            } else {
                timing.samples_s.clone()
            };
            if samples.is_empty() {
                out.excluded
                    .push(exclude("no_timing", "no samples recorded".into()));
                continue;
            }
            // The measurement's own figure; its shape's point is decided
            // below, over every pass of the run.
            let own_s = fastest_confirmed_s(&samples);
            let time_s = own_s.unwrap_or(f64::INFINITY);
            let dim = |name| m.shape.get(name).unwrap_or(1);
            // The kernel that ran it: an elementwise workload's kernel is
            // what the op is (LayerNorm or GELU), so it keys the factor.
            let mut variant = m.variant.clone();
            let (op, tile, family) = match class {
                OpClass::MatmulF32 | OpClass::MatmulF16 => {
                    let (mm, n, k) = (dim("m"), dim("n"), dim("k"));
                    let Some(tile) = output_tile(&m.variant, &m.constants) else {
                        out.excluded.push(exclude(
                            "unknown_variant",
                            format!("this chipbench does not know variant {}'s tile", m.variant),
                        ));
                        continue;
                    };
                    let op = Op::Matmul {
                        m: mm,
                        n,
                        k,
                        element_bytes: m.dtype.size_bytes(),
                    };
                    let tile = Tile::new(tile.0, tile.1);
                    (op, Some(tile), family_of(mm, n, k).to_string())
                }
                OpClass::Stream => {
                    let array_bytes = (dim("n") * m.dtype.size_bytes()) as f64;
                    let bytes = (m.bytes_read + m.bytes_written) as f64;
                    if let Some(own_s) = own_s {
                        best_at_size.push((array_bytes, bytes / own_s));
                    }
                    let op = Op::Stream {
                        bytes,
                        array_bytes,
                        workgroups: 0.0,
                    };
                    let kernel = m.workload.trim_start_matches("stream_").to_string();
                    (op, None, kernel)
                }
                OpClass::Elementwise => {
                    let array_bytes = (dim("s") * dim("d") * m.dtype.size_bytes()) as f64;
                    let bytes = (m.bytes_read + m.bytes_written) as f64;
                    let workgroups = elementwise_kernel_of(&m.case()).map_or(0, |(_, w)| w) as f64;
                    let op = Op::Stream {
                        bytes,
                        array_bytes,
                        workgroups,
                    };
                    variant = m
                        .workload
                        .trim_start_matches(ELEMENTWISE_PREFIX)
                        .to_string();
                    (op, None, variant.clone())
                }
                OpClass::AttentionPrefill | OpClass::AttentionDecode => {
                    let (Some(dims), Some(tile)) = (
                        attention_dims_of(m),
                        attention_tile(&m.workload, &m.constants),
                    ) else {
                        out.excluded.push(exclude(
                            "unknown_variant",
                            format!(
                                "this chipbench does not know the tile of {} {}",
                                m.workload, m.variant
                            ),
                        ));
                        continue;
                    };
                    let op = Op::Attention {
                        dims,
                        element_bytes: m.dtype.size_bytes(),
                    };
                    let tile = Tile {
                        rows: tile.rows,
                        columns: tile.keys,
                        splits: tile.splits,
                    };
                    let split = m.workload == ATTENTION_DECODE_SPLIT.name;
                    let decode = class == OpClass::AttentionDecode;
                    (op, Some(tile), attention_family_of(&dims, split, decode))
                }
            };
            measured.push((
                m.name(),
                samples,
                Observed {
                    class,
                    run,
                    point: Point {
                        case: m.case.clone(),
                        family,
                        op,
                        workload: m.workload.clone(),
                        variant,
                        tile,
                        time_s,
                    },
                },
            ));
        }
        // A case measured twice in one run (the calibrate suite's second
        // pass) is one point: the fastest confirmed of all its samples, with
        // the variant and tile of the pass that ran it.
        while let Some((name, samples, first)) = measured.pop() {
            let case = first.point.case.clone();
            let mut passes = vec![(samples, first)];
            while let Some(i) = measured.iter().position(|(_, _, o)| o.point.case == case) {
                let (_, samples, other) = measured.swap_remove(i);
                passes.push((samples, other));
            }
            if passes.len() > 1 {
                // Each pass's own figure, as set above (infinite where no
                // sample of it is confirmed).
                let own = passes
                    .iter()
                    .map(|(_, o)| o.point.time_s)
                    .filter(|s| s.is_finite());
                for (pass, seconds) in own.enumerate() {
                    out.passes
                        .push((format!("{case} of run {run}"), pass, seconds));
                }
            }
            let pooled: Vec<f64> = passes.iter().flat_map(|(s, _)| s.iter().copied()).collect();
            let Some(time_s) = fastest_confirmed_s(&pooled) else {
                out.excluded.push(Excluded {
                    measurement: name,
                    reason: "noisy".into(),
                    detail: format!(
                        "no sample of it is confirmed by a second within {:.0}%",
                        100.0 * NOISY_SPREAD
                    ),
                });
                continue;
            };
            let (_, mut fastest) = passes
                .into_iter()
                .find(|(s, _)| s.contains(&time_s))
                .expect("the pass holding the sample");
            fastest.point.time_s = time_s;
            out.points.push(fastest);
        }
        // This run's best kernel at each array size.
        for (size, _) in medians_by_key(&best_at_size, |a, b| a == b) {
            let best = best_at_size
                .iter()
                .filter(|&&(s, _)| s == size)
                .map(|&(_, rate)| rate)
                .fold(0.0, f64::max);
            bandwidths.push((size, best));
        }
    }
    out.peak_flop_per_s = medians_by_key(&peaks, |a, b| a == b);
    out.bandwidth_by_size = medians_by_key(&bandwidths, |a, b| a == b);
    out.bandwidth_by_size.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.dispatch_overhead_s = (!overheads.is_empty()).then(|| median(&overheads));
    out
}

/// Each case of `points` once, at its fastest across runs (with the variant
/// and tile of that run): on a shared machine other work only ever slows a
/// kernel, so of several runs of a shape the fastest is the nearest to the
/// kernel's own time, as within a run its fastest sample is.
pub fn fastest_per_case(points: impl IntoIterator<Item = Point>) -> Vec<Point> {
    let mut fastest: Vec<Point> = Vec::new();
    for p in points {
        match fastest.iter_mut().find(|f| f.case == p.case) {
            Some(f) if p.time_s < f.time_s => *f = p,
            Some(_) => {}
            None => fastest.push(p),
        }
    }
    fastest
}

/// For each distinct key of `pairs`, in order first met, the median of its values.
fn medians_by_key<K: Clone>(pairs: &[(K, f64)], same: impl Fn(&K, &K) -> bool) -> Vec<(K, f64)> {
    let mut keys: Vec<K> = Vec::new();
    for (k, _) in pairs {
        if !keys.iter().any(|seen| same(seen, k)) {
            keys.push(k.clone());
        }
    }
    keys.into_iter()
        .map(|k| {
            let values: Vec<f64> = pairs
                .iter()
                .filter(|(other, _)| same(other, &k))
                .map(|(_, v)| *v)
                .collect();
            let m = median(&values);
            (k, m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fastest_sample_a_second_confirms() {
        assert_eq!(fastest_confirmed_s(&[3.0, 1.0, 1.1, 2.0]), Some(1.0));
        // A lone glitch below the rest is passed over.
        assert_eq!(fastest_confirmed_s(&[0.5, 1.0, 1.1]), Some(1.0));
        assert_eq!(fastest_confirmed_s(&[1.0, 2.0, 4.0]), None);
        assert_eq!(fastest_confirmed_s(&[1.0]), None);
    }

    #[test]
    fn families_of_the_calibrate_shapes() {
        assert_eq!(family_of(1, 1024, 1024), "skinny");
        assert_eq!(family_of(64, 1024, 1024), "skinny");
        assert_eq!(family_of(512, 512, 512), "square");
        assert_eq!(family_of(64, 64, 8192), "long_k");
        assert_eq!(family_of(512, 512, 16), "short_k");
        assert_eq!(family_of(509, 257, 383), "ragged");
        assert_eq!(family_of(96, 512, 512), "ragged");
    }
}
