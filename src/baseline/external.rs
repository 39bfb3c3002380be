//! Baselines measured outside chipbench (e.g. `scripts/torch_baseline.py` on
//! the same GPU) and merged into a run's report with `--external FILE`.

use std::path::Path;

use serde::Deserialize;

use crate::case::{Case, Dtype, Shape};
use crate::report::Baseline;
use crate::workloads;

/// The file `scripts/torch_baseline.py` writes.
#[derive(Debug, Deserialize)]
struct ExternalFile {
    /// What produced the figures, e.g. `pytorch 2.5, CUDA 12.4, CUDA events, TF32 off`.
    source: String,
    /// The device they were measured on.
    device: String,
    entries: Vec<ExternalEntry>,
}

#[derive(Debug, Deserialize)]
struct ExternalEntry {
    workload: String,
    dtype: Dtype,
    shape: Shape,
    median_s: f64,
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("external figures file {path}: {message}")]
pub struct BaselineFileError {
    path: String,
    message: String,
}

/// Reads a baseline file, computing each entry's rate from chipbench's own
/// work accounting so both sides count FLOPs the same way.
pub fn load_external(path: &Path) -> Result<Vec<Baseline>, BaselineFileError> {
    let error = |message: String| BaselineFileError {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    let file: ExternalFile = serde_json::from_str(&text).map_err(|e| error(e.to_string()))?;
    file.entries
        .into_iter()
        .map(|entry| {
            let case = Case {
                workload: entry.workload.clone(),
                dtype: entry.dtype,
                shape: entry.shape.clone(),
            };
            let workload = workloads::validate(&case).map_err(error)?;
            if !(entry.median_s.is_finite() && entry.median_s > 0.0) {
                return Err(error(format!(
                    "median_s must be a positive number, got {}",
                    entry.median_s
                )));
            }
            let work = workload.work(&case);
            let bytes = (work.bytes_read + work.bytes_written) as f64;
            Ok(Baseline {
                name: format!("external_{}", entry.workload),
                description: format!("{} on {}", file.source, file.device),
                dtype: entry.dtype,
                shape: entry.shape,
                samples: None,
                median_s: entry.median_s,
                cv: None,
                gflop_per_s: (work.flop > 0.0).then(|| work.flop / entry.median_s / 1e9),
                gb_per_s: (bytes > 0.0).then(|| bytes / entry.median_s / 1e9),
                verification: None,
                samples_s: Vec::new(),
            })
        })
        .collect()
}
