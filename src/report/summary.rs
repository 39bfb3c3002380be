//! The run's figures of merit: ratios between measurements taken on the same
//! device in the same run, each against its target.

use super::{Measurement, Report, Status};
use crate::workloads::Dtype;

/// One ratio and whether it met its target.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    /// What is compared, e.g. `best f32 matmul 1024x1024x1024 / peak f32`.
    pub label: String,
    /// Numerator ÷ denominator.
    pub value: f64,
    /// The value it should reach (None for a ratio given for information).
    pub target: Option<f64>,
    /// The two figures behind it, in words.
    pub detail: String,
}

impl Ratio {
    /// Whether the target, if any, was reached.
    pub fn met(&self) -> bool {
        self.target.is_none_or(|target| self.value >= target)
    }
}

/// Target for the best f32 matmul against the f32 FMA roof.
const MATMUL_OF_PEAK_TARGET: f64 = 0.5;
/// Targets for chipbench's best matmul against an external (PyTorch) figure
/// at the same shape: f32 without TF32, and f16.
const MATMUL_OF_EXTERNAL_F32_TARGET: f64 = 0.6;
const MATMUL_OF_EXTERNAL_F16_TARGET: f64 = 0.4;
/// Target for stream triad against a host memcpy on a software adapter.
const TRIAD_OF_HOST_COPY_TARGET: f64 = 0.5;

/// The ratios `report` has the measurements for.
pub fn summarize(report: &Report) -> Vec<Ratio> {
    let mut ratios = Vec::new();
    let ok = |m: &&Measurement| m.status == Status::Ok;
    let best = |pred: &dyn Fn(&Measurement) -> bool, rate: fn(&Measurement) -> Option<f64>| {
        report
            .measurements
            .iter()
            .filter(ok)
            .filter(|m| pred(m))
            .filter_map(|m| rate(m).map(|r| (r, m)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    };
    let gflop = |m: &Measurement| m.gflop_per_s;
    let gb = |m: &Measurement| m.gb_per_s;

    // The best f32 matmul at the largest square size measured, against the
    // f32 peak probe and against the host's gemm at the same shape.
    let largest_square = report
        .measurements
        .iter()
        .filter(ok)
        .filter(|m| m.workload == "matmul" && m.dtype == Dtype::F32)
        .filter_map(|m| {
            let (m_, n, k) = (m.shape.get("m")?, m.shape.get("n")?, m.shape.get("k")?);
            (m_ == n && n == k).then_some(m_)
        })
        .max();
    let is_square = |size: u64| {
        move |m: &Measurement| {
            m.workload == "matmul" && m.dtype == Dtype::F32 && m.shape.sizes().all(|s| s == size)
        }
    };
    let best_matmul = largest_square.and_then(|size| Some((size, best(&is_square(size), gflop)?)));
    if let Some((size, (rate, matmul))) = best_matmul {
        if let Some((peak_rate, _)) =
            best(&|m| m.workload == "peak" && m.dtype == Dtype::F32, gflop)
        {
            ratios.push(Ratio {
                label: format!("best f32 matmul {size}³ / peak f32"),
                value: rate / peak_rate,
                target: Some(MATMUL_OF_PEAK_TARGET),
                detail: format!(
                    "{rate:.2} GFLOP/s ({}) vs {peak_rate:.2} GFLOP/s",
                    matmul.variant
                ),
            });
        }
        let host_gemm = report
            .baselines
            .iter()
            .find(|b| b.name == "host_gemm" && b.shape.sizes().all(|s| s == size))
            .and_then(|b| b.gflop_per_s);
        if let Some(host_rate) = host_gemm {
            ratios.push(Ratio {
                label: format!("best f32 matmul {size}³ / host gemm"),
                value: rate / host_rate,
                target: None,
                detail: format!("{rate:.2} vs {host_rate:.2} GFLOP/s on the host cores"),
            });
        }
    }

    // The best matmul at each shape an external baseline measured.
    for external in report
        .baselines
        .iter()
        .filter(|b| b.name == "external_matmul")
    {
        let same_case = |m: &Measurement| {
            m.workload == "matmul" && m.dtype == external.dtype && m.shape == external.shape
        };
        if let (Some((rate, matmul)), Some(external_rate)) =
            (best(&same_case, gflop), external.gflop_per_s)
        {
            ratios.push(Ratio {
                label: format!(
                    "best {} matmul {} / external",
                    external.dtype, external.shape
                ),
                value: rate / external_rate,
                target: Some(match external.dtype {
                    Dtype::F32 => MATMUL_OF_EXTERNAL_F32_TARGET,
                    Dtype::F16 => MATMUL_OF_EXTERNAL_F16_TARGET,
                }),
                detail: format!(
                    "{rate:.2} GFLOP/s ({}) vs {external_rate:.2} GFLOP/s, {}",
                    matmul.variant, external.description
                ),
            });
        }
    }

    // Stream triad against the host copying the same memory, where that memory is the host's.
    let host_copy = report.baselines.iter().find(|b| b.name == "host_memcpy");
    let triad = best(&|m| m.workload == "stream_triad", gb);
    if let (Some(copy), Some((rate, _)), true) = (host_copy, triad, report.adapter.is_software()) {
        let copy_rate = copy.gb_per_s.unwrap_or(f64::NAN);
        ratios.push(Ratio {
            label: "stream triad / host memcpy".into(),
            value: rate / copy_rate,
            target: Some(TRIAD_OF_HOST_COPY_TARGET),
            detail: format!("{rate:.2} GB/s vs {copy_rate:.2} GB/s"),
        });
    }
    ratios
}
