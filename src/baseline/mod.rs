//! Host baselines timed in the same run as the GPU cases, so a ratio between
//! the two compares like with like: a host memory copy beside `stream` (on a
//! software adapter the GPU's memory is the host's).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::measure::Summary;
use crate::workloads::Shape;

/// One host measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// `host_memcpy`.
    pub name: String,
    /// What was timed, in words.
    pub description: String,
    /// Problem size.
    pub shape: Shape,
    /// Samples taken.
    pub samples: usize,
    /// Median time per operation, seconds.
    pub median_s: f64,
    /// Coefficient of variation of the samples.
    pub cv: f64,
    /// FLOP/s at the median, in GFLOP/s (None for pure data movement).
    pub gflop_per_s: Option<f64>,
    /// Bytes read + written per second at the median, in GB/s.
    pub gb_per_s: Option<f64>,
}

/// Times a host `memcpy` of `bytes` (one thread, `copy_from_slice`): bytes read
/// plus bytes written per second, the host's answer to `stream_copy`.
pub fn host_memcpy(bytes: u64) -> Baseline {
    let words = (bytes / 4) as usize;
    let source: Vec<f32> = (0..words).map(|i| i as f32).collect();
    let mut destination = vec![0.0f32; words];
    // First touch and warm-up, then at least 10 samples or 0.5 s.
    destination.copy_from_slice(&source);
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 10 || (times.len() < 100 && started.elapsed().as_secs_f64() < 0.5) {
        let t = Instant::now();
        destination.copy_from_slice(std::hint::black_box(&source));
        std::hint::black_box(&mut destination);
        times.push(t.elapsed().as_secs_f64());
    }
    assert_eq!(destination, source, "memcpy copied");
    let summary = Summary::of(&times).expect("samples were taken");
    Baseline {
        name: "host_memcpy".into(),
        description: "host memory copy, one thread (copy_from_slice)".into(),
        shape: Shape::new(&[("bytes", bytes)]),
        samples: times.len(),
        median_s: summary.median_s,
        cv: summary.cv,
        gflop_per_s: None,
        gb_per_s: Some(2.0 * bytes as f64 / summary.median_s / 1e9),
    }
}
