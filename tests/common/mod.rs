//! Shared test setup: the adapters under test, one per backend we test.
//!
//! Tests run real kernels on every backend present. A backend that is missing
//! is skipped with a line naming it and how to install it, unless
//! `CHIPBENCH_REQUIRE` (e.g. `vulkan,gl`, as CI sets it) lists it: then the test
//! fails. With no adapter at all, tests fail with the install line.

#![allow(dead_code)] // each test binary uses a different part of this module

use chipbench::case::{Candidate, Case, Work};
use chipbench::gpu::{AdapterList, Gpu, GpuError, SampleTime, Timer, INSTALL_HINT};
use chipbench::measure::SamplingPlan;
use chipbench::reference::Verification;
use chipbench::report::{Report, SuiteInfo, TimingInfo};
use chipbench::workloads::{Matmul, Prepared, Unavailable, Workload};

/// Backends the tests exercise, in order.
pub const TESTED_BACKENDS: [&str; 2] = ["vulkan", "gl"];

/// Backends that must be present, from `CHIPBENCH_REQUIRE`.
pub fn required() -> Vec<String> {
    std::env::var("CHIPBENCH_REQUIRE")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The backends present here that tests should run on, enforcing `CHIPBENCH_REQUIRE`.
pub fn backends() -> Vec<&'static str> {
    let list = AdapterList::enumerate();
    assert!(!list.summaries.is_empty(), "no GPU adapter found on any backend; install Mesa's software adapters with: {INSTALL_HINT}");
    let required = required();
    let mut present = Vec::new();
    for backend in TESTED_BACKENDS {
        if list.summaries.iter().any(|s| s.backend == backend) {
            present.push(backend);
        } else {
            assert!(
                !required.iter().any(|r| r == backend),
                "CHIPBENCH_REQUIRE lists {backend} but no {backend} adapter was found; install it with: {INSTALL_HINT}"
            );
            eprintln!(
                "skipped backend {backend}: no adapter found; install it with: {INSTALL_HINT}"
            );
        }
    }
    assert!(
        !present.is_empty(),
        "no vulkan or gl adapter found; install with: {INSTALL_HINT}"
    );
    present
}

/// A committed reference report (`reports/*.json`) of the quick suite on `backend`.
pub fn committed_quick(backend: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    chipbench::report::report_files(&dir)
        .unwrap()
        .into_iter()
        .find(|p| {
            let report = chipbench::report::load(p).unwrap();
            report.adapter.backend == backend && report.suite.name == "quick"
        })
        .expect("a committed quick report")
}

/// Opens the preferred adapter on each tested backend that is present.
pub fn gpus() -> Vec<Gpu> {
    backends()
        .into_iter()
        .map(|backend| Gpu::select(None, Some(backend)).expect("open the adapter"))
        .collect()
}

/// The shortest plan that still exercises every step: no warm-up budget,
/// three samples of at most four dispatches.
pub fn tiny_plan() -> SamplingPlan {
    SamplingPlan {
        target_sample_s: 1e-4,
        max_repeats: 4,
        warmup_budget_s: 0.0,
        measure_budget_s: 0.0,
        min_samples: 3,
        max_samples: 3,
        stop_after_sizing: false,
    }
}

/// A prepared case that runs its kernel `dispatches_per_repeat` times for
/// every dispatch asked for: 0 never runs it (an empty pass is timed, and the
/// output keeps its initial contents: the fastest possible wrong kernel), 64
/// makes a correct candidate far slower than any other.
pub struct Rescaled {
    pub inner: Box<dyn Prepared>,
    pub dispatches_per_repeat: u32,
}

/// How much slower the `slowed` candidate of [`TweakedMatmul`] is.
pub const SLOWDOWN: u32 = 64;

impl Prepared for Rescaled {
    fn sample(
        &self,
        gpu: &Gpu,
        timer: &mut dyn Timer,
        repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        self.inner
            .sample(gpu, timer, repeats * self.dispatches_per_repeat)
    }
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        self.inner.verify(gpu)
    }
    fn compile_s(&self) -> f64 {
        self.inner.compile_s()
    }
}

/// Matmul with test-only faults, for testing what the runner does with
/// kernels that misbehave or cannot run. Used as a `const`, so `&'static`.
pub struct TweakedMatmul {
    /// Every candidate's kernel never runs: its output stays zero.
    pub never_dispatch: bool,
    /// An extra first candidate, `never_runs`, whose kernel never runs: the
    /// fastest candidate there is, and wrong.
    pub broken_first: bool,
    /// An extra first candidate, `slowed`, that runs the first real
    /// candidate's kernel [`SLOWDOWN`] times per dispatch: correct and slow.
    pub slow_first: bool,
    /// An extra first candidate, `oversized`, that asks for scratch space
    /// far beyond any device's binding limit.
    pub oversized_first: bool,
    /// No candidate at all.
    pub no_candidates: bool,
    /// Variants reported as unable to run here, as (name, reason).
    pub unavailable: &'static [(&'static str, &'static str)],
}

/// Scratch bytes the `oversized` candidate asks for: 1 TiB.
pub const OVERSIZED_SCRATCH_BYTES: u64 = 1 << 40;

/// Matmul as it is.
pub const PLAIN: TweakedMatmul = TweakedMatmul {
    never_dispatch: false,
    broken_first: false,
    slow_first: false,
    oversized_first: false,
    no_candidates: false,
    unavailable: &[],
};

impl Workload for TweakedMatmul {
    fn family(&self) -> &'static str {
        Matmul.family()
    }
    fn dimensions(&self) -> &'static [&'static str] {
        Matmul.dimensions()
    }
    fn work(&self, case: &Case) -> Work {
        Matmul.work(case)
    }
    fn buffers(&self, case: &Case, candidate: &Candidate) -> Vec<(String, u64)> {
        let mut buffers = Matmul.buffers(case, candidate);
        if candidate.variant == "oversized" {
            buffers.push(("scratch".into(), OVERSIZED_SCRATCH_BYTES));
        }
        buffers
    }
    fn candidates(&self, case: &Case, gpu: &Gpu) -> Result<Vec<Candidate>, String> {
        if self.no_candidates {
            return Ok(Vec::new());
        }
        let mut candidates = Matmul.candidates(case, gpu)?;
        for (wanted, name) in [
            (self.slow_first, "slowed"),
            (self.broken_first, "never_runs"),
            (self.oversized_first, "oversized"),
        ] {
            if wanted {
                let mut extra = candidates[0].clone();
                extra.variant = name.into();
                candidates.insert(0, extra);
            }
        }
        Ok(candidates)
    }
    fn unavailable(&self, _case: &Case, _gpu: &Gpu) -> Vec<Unavailable> {
        self.unavailable
            .iter()
            .map(|(variant, reason)| Unavailable {
                variant: variant.to_string(),
                reason: reason.to_string(),
            })
            .collect()
    }
    fn prepare(
        &self,
        gpu: &Gpu,
        case: &Case,
        candidate: &Candidate,
        seed: u64,
    ) -> Result<Box<dyn Prepared>, GpuError> {
        // The extra candidates run the first real candidate's kernel.
        let (own_kernel, dispatches_per_repeat) = match candidate.variant.as_str() {
            "never_runs" => (false, 0),
            "slowed" => (false, SLOWDOWN),
            "oversized" => panic!("the oversized candidate must never be prepared"),
            _ => (true, if self.never_dispatch { 0 } else { 1 }),
        };
        let kernel = match own_kernel {
            true => candidate.clone(),
            false => Matmul.candidates(case, gpu).expect("f32 matmul")[0].clone(),
        };
        Ok(Box::new(Rescaled {
            inner: Matmul.prepare(gpu, case, &kernel, seed)?,
            dispatches_per_repeat,
        }))
    }
}

/// An empty report of a run on `gpu` under the tiny plan, to put
/// measurements in.
pub fn empty_report(gpu: &Gpu) -> Report {
    let suite = SuiteInfo {
        name: "test".into(),
        scaled_for_software: gpu.summary.is_software(),
        filter: None,
        plan: tiny_plan(),
    };
    let timing = TimingInfo {
        method: chipbench::gpu::TimingMethod::GpuTimestamp,
        timestamp_period_ns: None,
        mesa_shader_cache_disable: None,
    };
    Report::begin(gpu.summary.clone(), suite, 3, timing)
}

/// Runs the binary with its tuning cache in a private folder, never the user's.
pub fn chipbench(args: &[&str]) -> std::process::Output {
    chipbench_with(args, &[])
}

/// [`chipbench`] with more environment variables set.
pub fn chipbench_with(args: &[&str], env: &[(&str, &std::path::Path)]) -> std::process::Output {
    let cache = tempfile::tempdir().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_chipbench"))
        .args(args)
        .env("XDG_CACHE_HOME", cache.path())
        .envs(env.iter().map(|&(name, value)| (name, value)))
        .output()
        .expect("run chipbench")
}

/// Everything the binary wrote on stdout.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Everything the binary wrote on stderr.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `error:` lines on stderr.
pub fn our_errors(output: &std::process::Output) -> Vec<String> {
    stderr(output)
        .lines()
        .filter(|l| l.starts_with("error: "))
        .map(String::from)
        .collect()
}

/// Asserts a clean failure: exit code 1, exactly one `error:` line containing
/// `expected`, and no panic or backtrace.
pub fn assert_clean_error(output: &std::process::Output, expected: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(1), "stderr: {err}");
    let errors = our_errors(output);
    assert_eq!(errors.len(), 1, "one error line, got: {err}");
    assert!(
        errors[0].contains(expected),
        "expected '{expected}' in: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace") && !err.contains("internal error"),
        "{err}"
    );
}
