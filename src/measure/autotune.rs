//! Autotune: screen every candidate of a case with one timed batch, time
//! those that could win briefly, keep the fastest verified one, and remember
//! the choice per adapter, for the case's exact shape and for its shape class,
//! so the next run skips the search: a case tuned before gets its own winner
//! back, and a new shape borrows its class's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SamplingPlan;
use crate::case::{Candidate, Case};
use crate::gpu::AdapterSummary;

/// One candidate's brief trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Variant name.
    pub variant: String,
    /// Its `override` constants.
    pub constants: Vec<(String, f64)>,
    /// Time per operation, seconds: the brief trial's median, or for a
    /// candidate screened out, its one screening batch (None if it failed).
    pub median_s: Option<f64>,
    /// Why the trial failed (wrong result or GPU error), if it did.
    pub failure: Option<String>,
    /// True when screening found it over [`SCREEN_FACTOR`] times slower than
    /// the fastest candidate, so it got no brief trial (false in older reports).
    #[serde(default)]
    pub screened_out: bool,
    /// True when the adapter cannot run the variant at all (a missing
    /// feature or limit; `failure` says which), as opposed to a variant that
    /// ran and failed (false in older reports).
    #[serde(default)]
    pub unsupported: bool,
}

/// A candidate whose screening batch is more than this many times slower than
/// the fastest one's cannot win and gets no brief trial. Generous, because a
/// single batch on a shared machine can run at half speed: on lavapipe the
/// candidates it drops are 5 to 60 times slower (1024³: 0.34 to 4.2 s per
/// operation against 0.07 s), and timing each in full cost a minute a shape.
pub const SCREEN_FACTOR: f64 = 4.0;

/// The plan of a screening: one batch after the first dispatch (which pays for
/// compilation), verified like any other.
pub fn screening_plan(plan: &SamplingPlan) -> SamplingPlan {
    SamplingPlan {
        stop_after_sizing: true,
        ..trial_plan(plan)
    }
}

/// How a measurement's variant was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutotuneRecord {
    /// The class of shapes the choice applies to (see [`shape_class`]).
    pub shape_class: String,
    /// True when the choice came from the cache and no candidate was tried.
    pub from_cache: bool,
    /// The case whose trials chose the variant: this case after a search; from
    /// the cache, this case or, for a shape not tuned before, another of its
    /// class. None in reports written before it was recorded.
    #[serde(default)]
    pub tuned_on: Option<String>,
    /// Every candidate screened, fastest first: this run's, or from the cache
    /// the trials of the search that chose it (on the case `tuned_on` names).
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

/// Cases whose dimensions round up to the same powers of two, with the same
/// switches (a causal mask runs other tiles than none), share a shape class,
/// `matmul_f32_512x512x512` for 509×257×383: a shape not tuned before borrows
/// its class's choice.
pub fn shape_class(case: &Case) -> String {
    format!(
        "{}_{}_{}",
        case.workload,
        case.dtype,
        case.shape.rounded_to_powers_of_two()
    )
}

/// Whether `case`'s sizes are its class's own, all powers of two: the case
/// that best stands for its class.
fn is_class_shape(case: &Case) -> bool {
    case.shape.extents().all(u64::is_power_of_two)
}

/// A remembered winner, the case whose trials chose it, and those trials, so
/// a run that takes the choice from the cache still reports every
/// candidate's time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The case name (`matmul_f32_512x512x512`) the trials ran on.
    pub tuned_on: String,
    /// The winning candidate.
    pub candidate: Candidate,
    /// Every candidate's trial, fastest first.
    pub trials: Vec<Trial>,
}

/// One adapter's choices.
#[derive(Debug, Default, Serialize, Deserialize)]
struct AdapterChoices {
    /// Case name → the choice of that case's own trials.
    by_case: BTreeMap<String, Choice>,
    /// Shape class → the choice new shapes of the class borrow.
    by_class: BTreeMap<String, Choice>,
}

/// Tuning choices by adapter. Stored as JSON.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TuneCache {
    /// Adapter key → its choices.
    adapters: BTreeMap<String, AdapterChoices>,
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

    /// Reads the cache at `path`; a missing, unreadable or older-format cache
    /// is an empty one (it only saves time, and is rebuilt by the next search).
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

    /// The remembered choice for `case` on `adapter`: the winner of its own
    /// trials, else its shape class's.
    pub fn choice(&self, adapter: &AdapterSummary, case: &Case) -> Option<Choice> {
        let choices = self.adapters.get(&adapter_key(adapter))?;
        choices
            .by_case
            .get(&case.name())
            .or_else(|| choices.by_class.get(&shape_class(case)))
            .cloned()
    }

    /// Remembers `winner` of `case`'s `trials` on `adapter`, for the case
    /// and, where the class has no choice yet, or this case stands for it
    /// better (see `is_class_shape`) or chose it before, for its shape class.
    pub fn remember(
        &mut self,
        adapter: &AdapterSummary,
        case: &Case,
        winner: Candidate,
        trials: Vec<Trial>,
    ) {
        let choices = self.adapters.entry(adapter_key(adapter)).or_default();
        let choice = Choice {
            tuned_on: case.name(),
            candidate: winner,
            trials,
        };
        let class = shape_class(case);
        let held = choices.by_class.get(&class);
        if held.is_none_or(|c| c.tuned_on == choice.tuned_on || is_class_shape(case)) {
            choices.by_class.insert(class, choice.clone());
        }
        choices.by_case.insert(choice.tuned_on.clone(), choice);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Dtype;
    use crate::workloads::matmul_case;

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

    #[test]
    fn a_causal_mask_is_a_class_of_its_own() {
        use crate::reference::AttentionDims;
        use crate::workloads::attention_case;
        let dims = |q_len, causal| AttentionDims {
            batch: 1,
            q_heads: 8,
            kv_heads: 2,
            q_len,
            kv_len: q_len,
            head_dim: 64,
            causal,
        };
        let full = attention_case("attention", Dtype::F32, dims(1000, false));
        let causal = attention_case("attention", Dtype::F32, dims(1000, true));
        assert_eq!(
            shape_class(&causal),
            "attention_f32_b1_hq8_hkv2_sq1024_skv1024_d64_causal"
        );
        assert_ne!(shape_class(&full), shape_class(&causal));
        assert!(is_class_shape(&attention_case(
            "attention",
            Dtype::F32,
            dims(1024, false)
        )));
    }

    fn candidate(variant: &str) -> Candidate {
        Candidate {
            variant: variant.into(),
            constants: vec![("WORKGROUP_SIZE".into(), 64.0)],
        }
    }

    #[test]
    fn each_tuned_case_gets_its_own_winner_back_and_new_shapes_borrow_the_class_shape() {
        let adapter = AdapterSummary::example();
        let aligned = matmul_case(Dtype::F32, 512, 512, 512);
        let ragged = matmul_case(Dtype::F32, 509, 257, 383);
        let unseen = matmul_case(Dtype::F32, 500, 500, 500);
        // Either order: a later case of the class must not overwrite an
        // earlier one's own winner, and the power-of-two case stands for the
        // class.
        for aligned_first in [true, false] {
            let mut cache = TuneCache::default();
            let tuned = [(&aligned, "wide"), (&ragged, "narrow")];
            for (case, variant) in if aligned_first {
                tuned
            } else {
                [tuned[1], tuned[0]]
            } {
                cache.remember(&adapter, case, candidate(variant), Vec::new());
            }
            let choice = |case| cache.choice(&adapter, case).unwrap();
            assert_eq!(choice(&aligned).candidate, candidate("wide"));
            assert_eq!(choice(&ragged).candidate, candidate("narrow"));
            assert_eq!(choice(&ragged).tuned_on, "matmul_f32_509x257x383");
            assert_eq!(choice(&unseen).candidate, candidate("wide"));
            assert_eq!(choice(&unseen).tuned_on, "matmul_f32_512x512x512");
        }
    }

    #[test]
    fn a_choice_keeps_its_trials_through_the_cache_file() {
        let adapter = AdapterSummary::example();
        let case = matmul_case(Dtype::F32, 509, 257, 383);
        let trials = vec![
            Trial {
                variant: "wide".into(),
                constants: candidate("wide").constants,
                median_s: Some(0.25),
                failure: None,
                screened_out: false,
                unsupported: false,
            },
            Trial {
                variant: "narrow".into(),
                constants: Vec::new(),
                median_s: None,
                failure: Some("not run: no subgroups".into()),
                screened_out: false,
                unsupported: false,
            },
        ];
        let mut cache = TuneCache::default();
        cache.remember(&adapter, &case, candidate("wide"), trials.clone());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("autotune.json");
        cache.save(&path).unwrap();
        let loaded = TuneCache::load(&path);
        for case in [&case, &matmul_case(Dtype::F32, 500, 500, 500)] {
            let choice = loaded.choice(&adapter, case).unwrap();
            assert_eq!(choice.trials, trials, "{}", case.name());
            assert_eq!(choice.tuned_on, "matmul_f32_509x257x383");
        }
    }

    #[test]
    fn a_retuned_case_replaces_its_choice_and_other_adapters_keep_theirs() {
        let adapter = AdapterSummary::example();
        let other = AdapterSummary {
            name: "another".into(),
            ..AdapterSummary::example()
        };
        let ragged = matmul_case(Dtype::F32, 509, 257, 383);
        let unseen = matmul_case(Dtype::F32, 500, 500, 500);
        let mut cache = TuneCache::default();
        cache.remember(&adapter, &ragged, candidate("first"), Vec::new());
        cache.remember(&adapter, &ragged, candidate("second"), Vec::new());
        assert_eq!(
            cache.choice(&adapter, &ragged).unwrap().candidate,
            candidate("second")
        );
        assert_eq!(
            cache.choice(&adapter, &unseen).unwrap().candidate,
            candidate("second"),
            "the class follows the retuned case that chose it"
        );
        assert_eq!(cache.choice(&other, &ragged), None);
    }
}
