//! Autotune: time every candidate of a case briefly, keep the fastest verified
//! one, and remember the choice per adapter and shape class so the next run
//! skips the search.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SamplingPlan;
use crate::gpu::AdapterSummary;
use crate::workloads::{Candidate, Case};

/// One candidate's brief trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Variant name.
    pub variant: String,
    /// Its `override` constants.
    pub constants: Vec<(String, f64)>,
    /// Median time per operation over the brief trial, seconds (None if it failed).
    pub median_s: Option<f64>,
    /// Why the trial failed (wrong result or GPU error), if it did.
    pub failure: Option<String>,
}

/// How a measurement's variant was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutotuneRecord {
    /// The class of shapes the choice applies to (see [`shape_class`]).
    pub shape_class: String,
    /// True when the choice came from the cache and no candidate was tried.
    pub from_cache: bool,
    /// Every candidate tried, fastest first; empty when cached.
    pub trials: Vec<Trial>,
}

/// The plan of a brief trial: no warm-up beyond batch sizing, three samples.
pub fn trial_plan(plan: &SamplingPlan) -> SamplingPlan {
    SamplingPlan {
        warmup_budget_s: 0.0,
        measure_budget_s: 0.0,
        min_samples: 3,
        max_samples: 3,
        ..*plan
    }
}

/// Cases whose dimensions round up to the same powers of two share a tuning
/// choice: `matmul_f32_512x512x512` for 509×257×383.
pub fn shape_class(case: &Case) -> String {
    let rounded: Vec<String> = case
        .shape
        .sizes()
        .map(|s| s.next_power_of_two().to_string())
        .collect();
    format!("{}_{}_{}", case.workload, case.dtype, rounded.join("x"))
}

/// Tuning choices by adapter, then shape class. Stored as JSON.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TuneCache {
    /// `adapter key → shape class → winning candidate`.
    choices: BTreeMap<String, BTreeMap<String, Candidate>>,
}

/// Identifies an adapter for tuning: name, backend, driver, and chipbench's
/// version (new kernels may change the best choice).
fn adapter_key(adapter: &AdapterSummary) -> String {
    format!(
        "{} | {} | {} {} | chipbench {}",
        adapter.name,
        adapter.backend,
        adapter.driver,
        adapter.driver_info,
        env!("CARGO_PKG_VERSION")
    )
}

impl TuneCache {
    /// The default cache file: `$XDG_CACHE_HOME/chipbench/autotune.json`, else
    /// `~/.cache/chipbench/autotune.json`.
    pub fn default_path() -> Option<PathBuf> {
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))
            .map(|dir| dir.join("chipbench").join("autotune.json"))
    }

    /// Reads the cache at `path`; a missing or unreadable cache is an empty one
    /// (it only saves time, and is rebuilt by the next search).
    pub fn load(path: &Path) -> TuneCache {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Writes the cache to `path` (atomically), creating its folder.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let file = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer_pretty(&file, self)?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// The remembered choice for `case` on `adapter`.
    pub fn choice(&self, adapter: &AdapterSummary, case: &Case) -> Option<&Candidate> {
        self.choices
            .get(&adapter_key(adapter))?
            .get(&shape_class(case))
    }

    /// Remembers `winner` for `case`'s shape class on `adapter`.
    pub fn remember(&mut self, adapter: &AdapterSummary, case: &Case, winner: Candidate) {
        self.choices
            .entry(adapter_key(adapter))
            .or_default()
            .insert(shape_class(case), winner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{matmul_case, Dtype};

    #[test]
    fn ragged_shapes_share_the_class_of_their_power_of_two() {
        assert_eq!(
            shape_class(&matmul_case(Dtype::F32, 509, 257, 383)),
            "matmul_f32_512x512x512"
        );
        assert_eq!(
            shape_class(&matmul_case(Dtype::F32, 512, 512, 512)),
            "matmul_f32_512x512x512"
        );
        assert_ne!(
            shape_class(&matmul_case(Dtype::F32, 513, 512, 512)),
            shape_class(&matmul_case(Dtype::F32, 512, 512, 512))
        );
    }
}
