//! Shared test setup: the adapters under test, one per backend we test.
//!
//! Tests run real kernels on every backend present. A backend that is missing
//! is skipped with a line naming it and how to install it, unless
//! `CHIPBENCH_REQUIRE` (e.g. `vulkan,gl`, as CI sets it) lists it: then the test
//! fails. With no adapter at all, tests fail with the install line.

#![allow(dead_code)] // each test binary uses a different part of this module

use chipbench::gpu::{AdapterList, Gpu, GpuError, SampleTime, Timer, INSTALL_HINT};
use chipbench::measure::SamplingPlan;
use chipbench::reference::Verification;
use chipbench::workloads::Prepared;

/// Backends the tests exercise, in order.
pub const TESTED_BACKENDS: [&str; 2] = ["vulkan", "gl"];

/// Backends that must be present, from `CHIPBENCH_REQUIRE`.
fn required() -> Vec<String> {
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
    }
}

/// A prepared case whose kernel never runs (an empty pass is timed instead),
/// so its output keeps its initial contents: the fastest possible wrong kernel.
pub struct NeverDispatched(pub Box<dyn Prepared>);

impl Prepared for NeverDispatched {
    fn sample(
        &self,
        gpu: &Gpu,
        timer: &mut dyn Timer,
        _repeats: u32,
    ) -> Result<Option<SampleTime>, GpuError> {
        timer.time(gpu, &|_pass| {})
    }
    fn verify(&self, gpu: &Gpu) -> Result<Verification, GpuError> {
        self.0.verify(gpu)
    }
    fn compile_s(&self) -> f64 {
        self.0.compile_s()
    }
}
