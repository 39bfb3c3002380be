//! Host baselines: a library that times what it is asked to on the host, in
//! the same run as the GPU cases, so a ratio between the two compares like
//! with like: a host memory copy beside `stream` (on a software adapter the
//! GPU's memory is the host's), and the `gemm` crate on every host core beside
//! a matmul shape. Which ones a run needs is the analysis' call
//! (`analysis::host_requests`). Figures measured elsewhere (PyTorch on the
//! same GPU) come in through [`load_external`].

mod external;

pub use external::{load_external, BaselineFileError};

use std::time::Instant;

use half::f16;

use crate::case::{Dtype, Shape};
use crate::measure::Summary;
use crate::reference::{check_elements, check_matmul, gemm_into, Verification};
use crate::report::Baseline;
use crate::workloads::MatmulInputs;

/// A host measurement a run asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRequest {
    /// A one-thread `memcpy` of `bytes`, the host's answer to `stream_copy`.
    Memcpy {
        /// Bytes copied per operation.
        bytes: u64,
    },
    /// C = A·B on every host core, from the inputs the GPU case used.
    Gemm {
        /// Element type of A, B and C.
        dtype: Dtype,
        /// Rows of A and C.
        m: usize,
        /// Columns of B and C.
        n: usize,
        /// Columns of A, rows of B.
        k: usize,
    },
}

/// Times `request` on the host; `seed` draws the same inputs the GPU case drew.
pub fn measure_host(request: &HostRequest, seed: u64) -> Baseline {
    match *request {
        HostRequest::Memcpy { bytes } => host_memcpy(bytes),
        HostRequest::Gemm { dtype, m, n, k } => host_gemm(dtype, m, n, k, seed),
    }
}

/// Samples `operation` (after one untimed call) at least 10 times or for 0.5 s;
/// returns the summary and every sample, in seconds.
fn time_host(mut operation: impl FnMut()) -> (Summary, Vec<f64>) {
    operation();
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 10 || (times.len() < 100 && started.elapsed().as_secs_f64() < 0.5) {
        let t = Instant::now();
        operation();
        times.push(t.elapsed().as_secs_f64());
    }
    (Summary::of(&times).expect("samples were taken"), times)
}

/// Times C = A·B (row-major, in `dtype`) with the `gemm` crate on all host
/// cores, from the same seeded inputs the GPU case used (rounded to `dtype`
/// as it rounds them), and checks the result.
pub fn host_gemm(dtype: Dtype, m: usize, n: usize, k: usize, seed: u64) -> Baseline {
    let MatmulInputs { a, b, .. } = MatmulInputs::draw(dtype, m, n, k, seed);
    let (summary, samples, a, b, c) = match dtype {
        Dtype::F32 => {
            let mut c = vec![0.0f32; m * n];
            let (summary, samples) = time_host(|| gemm_into(&a, &b, &mut c, m, n, k));
            (summary, samples, a, b, c)
        }
        Dtype::F16 => {
            let narrow =
                |values: &[f32]| -> Vec<f16> { values.iter().map(|&x| f16::from_f32(x)).collect() };
            let widen =
                |values: &[f16]| -> Vec<f32> { values.iter().map(|x| x.to_f32()).collect() };
            let (a, b) = (narrow(&a), narrow(&b));
            let mut c = vec![f16::ZERO; m * n];
            let (summary, samples) = time_host(|| gemm_into(&a, &b, &mut c, m, n, k));
            (summary, samples, widen(&a), widen(&b), widen(&c))
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Baseline {
        name: "host_gemm".into(),
        description: format!("gemm crate, {dtype}, {threads} host threads"),
        shape: Shape::new(&[("m", m as u64), ("n", n as u64), ("k", k as u64)]),
        dtype,
        samples: Some(samples.len()),
        median_s: summary.median_s,
        cv: Some(summary.cv),
        gflop_per_s: Some(2.0 * (m * n * k) as f64 / summary.median_s / 1e9),
        gb_per_s: None,
        verification: Some(check_matmul(&a, &b, &c, m, n, k, dtype, seed)),
        samples_s: samples,
    }
}

/// Times a host `memcpy` of `bytes` (one thread, `copy_from_slice`): bytes read
/// plus bytes written per second, the host's answer to `stream_copy`.
pub fn host_memcpy(bytes: u64) -> Baseline {
    let mut copy = HostCopy::new(bytes);
    let (summary, samples) = time_host(|| copy.run());
    Baseline {
        name: "host_memcpy".into(),
        description: "host memory copy, one thread (copy_from_slice)".into(),
        shape: Shape::new(&[("bytes", bytes)]),
        dtype: Dtype::F32,
        samples: Some(samples.len()),
        median_s: summary.median_s,
        cv: Some(summary.cv),
        gflop_per_s: None,
        gb_per_s: Some(2.0 * bytes as f64 / summary.median_s / 1e9),
        verification: Some(copy.verify()),
        samples_s: samples,
    }
}

/// Two host arrays of the same size, and the copy of one onto the other.
pub struct HostCopy {
    source: Vec<f32>,
    destination: Vec<f32>,
}

impl HostCopy {
    /// Arrays of `bytes` each (rounded down to whole f32s).
    pub fn new(bytes: u64) -> HostCopy {
        let words = (bytes / 4) as usize;
        HostCopy {
            source: (0..words).map(|i| i as f32).collect(),
            destination: vec![0.0; words],
        }
    }

    /// Copies the source onto the destination once.
    pub fn run(&mut self) {
        self.destination
            .copy_from_slice(std::hint::black_box(&self.source));
        std::hint::black_box(&mut self.destination);
    }

    /// Checks that the destination holds the source.
    pub fn verify(&self) -> Verification {
        check_elements(
            self.destination.iter().map(|&x| f64::from(x)),
            self.source.iter().map(|&x| f64::from(x)),
            0.0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Method;
    use crate::workloads::seeded_uniform;

    #[test]
    fn host_gemm_multiplies_in_each_dtype_and_is_checked() {
        for dtype in [Dtype::F32, Dtype::F16] {
            let baseline = host_gemm(dtype, 19, 11, 37, 7);
            assert_eq!(baseline.dtype, dtype);
            assert!(baseline.description.contains(&format!("{dtype},")));
            let verification = baseline.verification.unwrap();
            assert_eq!(verification.method, Method::Exact);
            assert!(verification.passed, "{dtype}: {verification:?}");
            let flop = 2.0 * 19.0 * 11.0 * 37.0;
            assert_eq!(
                baseline.gflop_per_s.unwrap(),
                flop / baseline.median_s / 1e9
            );
        }
    }

    #[test]
    fn a_wrong_host_product_fails_its_check() {
        let (m, n, k) = (5, 6, 7);
        let a = seeded_uniform(3, 0, m * k);
        let b = seeded_uniform(3, 1, k * n);
        let mut c = vec![0.0f32; m * n];
        gemm_into(&a, &b, &mut c, m, n, k);
        assert!(check_matmul(&a, &b, &c, m, n, k, Dtype::F32, 3).passed);
        c[m * n - 1] += 0.01;
        assert!(!check_matmul(&a, &b, &c, m, n, k, Dtype::F32, 3).passed);
    }
}
