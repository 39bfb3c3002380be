//! `chipbench models` and `chipbench plan` through the real binary: the
//! tables and JSON people read, and one clear `error:` line for each kind
//! of bad input. Pure computation: no adapter is touched.

mod common;

use std::process::Output;

use common::{assert_clean_error, chipbench, stdout};

/// Runs `args`, asserts success and that stdout holds each of `expected`; returns stdout.
fn assert_prints(args: &[&str], expected: &[&str]) -> String {
    let output = chipbench(args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    for wanted in expected {
        assert!(text.contains(wanted), "{wanted} missing from:\n{text}");
    }
    text
}

const LLAMA_8K: [&str; 12] = [
    "plan",
    "--model",
    "llama3-405b",
    "--chip",
    "h100-sxm",
    "--chips",
    "8192",
    "--train",
    "--tokens",
    "15.6T",
    "--global-batch",
    "2048",
];

#[test]
fn models_lists_every_preset_with_its_parameter_counts() {
    assert_prints(
        &["models"],
        &[
            "gpt2-124m",
            "124 M",
            "gpt3-175b",
            "175 B",
            "llama3-8b",
            "8.03 B",
            "70.6 B",
            "406 B",
            "mixtral-8x7b",
            "46.7 B",
            "12.9 B",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_slice(&chipbench(&["models", "--json"]).stdout).unwrap();
    let llama = json
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "llama3-405b")
        .unwrap();
    assert_eq!(llama["total_params"], 405_853_388_800u64);
}

#[test]
fn a_training_plan_prints_its_step_mfu_run_and_sources() {
    let mut args = LLAMA_8K.to_vec();
    args.extend(["--layout", "tp=8,pp=16,dp=64", "--price-per-chip-hour", "2"]);
    assert_prints(
        &args,
        &[
            "step ",
            "pipeline bubble",
            "MFU",
            "chip-hours",
            "GWh",
            "$",
            "6·N·D",
            "MAMF",
            "sources",
            "at goodput 0.90 [1]",
            "[1] goodput (--goodput)",
            "MegaScale (Jiang et al., NSDI 2024)",
        ],
    );
    args.push("--json");
    let json: serde_json::Value = serde_json::from_slice(&chipbench(&args).stdout).unwrap();
    assert_eq!(json["layout"]["pp"], 16);
    assert!(json["mfu"].as_f64().unwrap() > 0.3);
    assert!(json["run"]["cost_usd"].as_f64().unwrap() > 1e7);
    assert_eq!(json["run"]["goodput"], 0.9);
}

#[test]
fn a_goodput_outside_0_to_1_is_refused() {
    let mut args = LLAMA_8K.to_vec();
    args.extend(["--layout", "tp=8,pp=16,dp=64", "--goodput", "1.5"]);
    assert_clean_error(
        &chipbench(&args),
        "--goodput 1.5 (the share of wall-clock time that trains lies in (0, 1])",
    );
    // Without a layout the search refuses it before planning any.
    let mut args = LLAMA_8K.to_vec();
    args.extend(["--goodput", "0"]);
    assert_clean_error(&chipbench(&args), "--goodput 0 (the share");
}

#[test]
fn without_a_layout_the_search_prints_its_choice_and_runners_up() {
    assert_prints(
        &[
            "plan",
            "--model",
            "llama3-8b",
            "--chip",
            "a100-sxm-80gb",
            "--chips",
            "64",
            "--train",
            "--tokens",
            "1T",
        ],
        &["Runners-up", "312 TFLOP/s"],
    );
}

#[test]
fn an_inference_plan_prints_latencies_throughput_and_memory() {
    assert_prints(
        &[
            "plan",
            "--model",
            "llama3-70b",
            "--chip",
            "h100-sxm",
            "--chips",
            "8",
            "--infer",
            "--prompt",
            "1024",
            "--generate",
            "256",
            "--concurrency",
            "16",
            "--precision",
            "fp8",
        ],
        &[
            "time to first token",
            "inter-token latency",
            "tokens/s",
            "KV cache",
        ],
    );
}

#[test]
fn fp8_on_a_chip_without_it_says_what_was_substituted() {
    assert_prints(
        &[
            "plan",
            "--model",
            "llama3-8b",
            "--chip",
            "a100-sxm-80gb",
            "--chips",
            "1",
            "--infer",
            "--prompt",
            "512",
            "--generate",
            "64",
            "--precision",
            "fp8",
        ],
        &["substituted: NVIDIA A100 SXM4 80GB has no FP8 tensor cores"],
    );
}

#[test]
fn an_unknown_preset_lists_the_valid_ones() {
    let mut args = LLAMA_8K.to_vec();
    args[2] = "llama9";
    assert_clean_error(
        &chipbench(&args),
        "unknown model 'llama9'; presets: gpt2-124m",
    );
}

#[test]
fn a_malformed_model_file_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\"name\": \"broken\", \"layers\": 2,").unwrap();
    let mut args = LLAMA_8K.to_vec();
    let path = path.to_str().unwrap().to_string();
    args[2] = &path;
    assert_clean_error(&chipbench(&args), "broken.json: EOF while parsing");
}

#[test]
fn zero_chips_is_refused() {
    let mut args = LLAMA_8K.to_vec();
    args[6] = "0";
    assert_clean_error(&chipbench(&args), "--chips must be at least 1");
}

#[test]
fn a_layout_that_does_not_multiply_to_the_chip_count_is_refused() {
    let mut args = LLAMA_8K.to_vec();
    args.extend(["--layout", "tp=8,pp=16,dp=32"]);
    assert_clean_error(&chipbench(&args), "tp·cp·pp·dp = 4096 but --chips is 8192");
}

#[test]
fn a_layout_that_does_not_fit_names_the_smallest_change_that_does() {
    let mut args = LLAMA_8K.to_vec();
    args.extend(["--layout", "tp=8,pp=16,dp=64", "--recompute", "none"]);
    assert_clean_error(&chipbench(&args), "does not fit");
    let err = String::from_utf8_lossy(&chipbench(&args).stderr).into_owned();
    assert!(err.contains("the smallest change that fits: --"), "{err}");
}

#[test]
fn a_model_no_layout_can_hold_is_refused() {
    let output = chipbench(&[
        "plan",
        "--model",
        "llama3-405b",
        "--chip",
        "h100-sxm",
        "--chips",
        "8",
        "--train",
        "--tokens",
        "1T",
    ]);
    assert_clean_error(
        &output,
        "no layout of 8 × NVIDIA H100 SXM5 80GB fits llama3-405b",
    );
    let output = chipbench(&[
        "plan",
        "--model",
        "llama3-405b",
        "--chip",
        "h100-sxm",
        "--chips",
        "4",
        "--infer",
        "--prompt",
        "128",
        "--generate",
        "128",
    ]);
    assert_clean_error(&output, "does not fit on 4");
}

#[test]
fn training_without_tokens_and_an_unknown_chip_are_refused() {
    let output = chipbench(&[
        "plan",
        "--model",
        "gpt2-124m",
        "--chip",
        "h100-sxm",
        "--chips",
        "8",
        "--train",
    ]);
    assert_clean_error(&output, "--train needs --tokens");
    let mut args = LLAMA_8K.to_vec();
    args[4] = "tpu-v9";
    assert_clean_error(
        &chipbench(&args),
        "unknown chip 'tpu-v9'; known: h100-sxm, h100-pcie, h200",
    );
}

/// The calibrated profile of `backend` committed under `reports/`.
fn committed_profile(backend: &str) -> String {
    let reports = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.contains(&format!("_{backend}_")) && name.ends_with(".profile.json")
        })
        .unwrap_or_else(|| panic!("a committed {backend} profile in reports/"))
        .display()
        .to_string()
}

fn gpt2_on(chip: &str, chips: &str) -> Output {
    chipbench(&[
        "plan",
        "--model",
        "gpt2-124m",
        "--chip",
        chip,
        "--chips",
        chips,
        "--infer",
        "--prompt",
        "256",
        "--generate",
        "1",
    ])
}

#[test]
fn a_calibrated_profile_times_the_plan_and_says_what_stood_in_for_bf16() {
    for (backend, class) in [("gl", "matmul_f32"), ("vulkan", "matmul_f16")] {
        let profile = committed_profile(backend);
        let output = gpt2_on(&profile, "1");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = stdout(&output);
        for wanted in [
            format!("measured: {class} model of"),
            "measured: stream model of".to_string(),
            format!("has no BF16 matmul model: BF16 matmuls timed by its {class} model"),
            "has no attention model: attention timed as QKᵀ and PV matmuls".to_string(),
            "capacity unknown".to_string(),
        ] {
            assert!(
                text.contains(&wanted),
                "{backend}: {wanted} missing from:\n{text}"
            );
        }
        assert!(
            !text.contains("datasheet"),
            "{backend}: every time measured:\n{text}"
        );
    }
}

#[test]
fn a_profile_without_links_refuses_a_plan_over_several_chips() {
    let output = gpt2_on(&committed_profile("gl"), "2");
    assert_clean_error(&output, "has no scale-out bandwidth figure");
}

#[test]
fn a_file_that_is_not_a_profile_is_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    std::fs::write(&path, "{\"schema_version\": 2}").unwrap();
    assert_clean_error(
        &gpt2_on(path.to_str().unwrap(), "1"),
        "no profile_version field: not a chipbench profile",
    );
    std::fs::write(&path, "not json").unwrap();
    assert_clean_error(&gpt2_on(path.to_str().unwrap(), "1"), "not JSON");
}

#[test]
fn any_catalog_chip_can_be_planned_and_cites_what_it_assumed() {
    let text = assert_prints(
        &[
            "plan",
            "--model",
            "llama3-70b",
            "--chip",
            "mi300x",
            "--chips",
            "8",
            "--infer",
            "--prompt",
            "1024",
            "--generate",
            "128",
        ],
        &[
            "AMD Instinct MI300X",
            "1.31 PFLOP/s BF16",
            "MAMF",
            "assumed from h100-sxm",
        ],
    );
    assert!(text.contains("KV cache"), "{text}");
    // A chip whose catalog entry has no FLOP/s figure is refused in one line.
    let mut args = LLAMA_8K.to_vec();
    args[4] = "m3-max";
    assert_clean_error(
        &chipbench(&args),
        "has no BF16 FLOP/s figure in the catalog",
    );
}

#[test]
fn a_mixture_of_experts_serves_with_its_router_experts_and_kv_cache() {
    let text = assert_prints(
        &[
            "plan",
            "--model",
            "mixtral-8x7b",
            "--chip",
            "h100-sxm",
            "--chips",
            "2",
            "--infer",
            "--prompt",
            "1024",
            "--generate",
            "256",
            "--concurrency",
            "16",
        ],
        &["router", "expert up", "expert down", "time to first token"],
    );
    // Mixtral: 32 layers × 2 (K, V) × 8 kv heads ÷ 2 chips × 128 × 2 bytes = 64 KiB per token.
    assert!(
        text.contains("KV cache             1.3 GB per chip: 64 KiB per token"),
        "{text}"
    );
}
