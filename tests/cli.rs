//! End-to-end tests through the real binary: the commands a user types, the
//! report they get, and one clear line for every kind of bad input.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_clean_error, chipbench, stderr};

use chipbench::report::{load, Report, Status};

fn reports_in(dir: &Path) -> Vec<PathBuf> {
    chipbench::report::report_files(dir).unwrap()
}

#[test]
fn devices_lists_every_backend_as_json() {
    let backends = common::backends();
    let output = chipbench(&["devices", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let adapters: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let adapters = adapters.as_array().unwrap();
    for backend in backends {
        let adapter = adapters
            .iter()
            .find(|a| a["backend"] == backend)
            .expect("listed");
        for field in [
            "name",
            "device_type",
            "driver",
            "max_workgroup_storage_bytes",
            "max_invocations_per_workgroup",
            "max_storage_binding_bytes",
            "max_buffer_bytes",
            "shader_f16",
            "subgroup",
            "timestamp_query",
        ] {
            assert!(!adapter[field].is_null(), "{field} missing for {backend}");
        }
        assert!(adapter["max_storage_binding_bytes"].as_u64().unwrap() > 0);
    }
    let text = chipbench(&["devices"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("TIMESTAMP_QUERY"));
}

#[test]
fn run_writes_a_verified_report_that_show_prints() {
    for backend in common::backends() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_str().unwrap();
        let output = chipbench(&[
            "run",
            "--backend",
            backend,
            "--shape",
            "33x17x65",
            "--all-variants",
            "--out",
            out,
        ]);
        assert!(output.status.success(), "{backend}: {}", stderr(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("matmul_f32_33x17x65"), "{stdout}");

        let files = reports_in(dir.path());
        assert_eq!(files.len(), 1, "one report, journal removed: {files:?}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no journal or temp file left"
        );
        let report: Report = load(&files[0]).unwrap();
        assert!(!report.partial);
        assert_eq!(report.adapter.backend, backend);
        assert_eq!(report.suite.name, "custom");
        let (ran, not_run): (Vec<_>, Vec<_>) = report
            .measurements
            .iter()
            .partition(|m| m.status != Status::Unsupported);
        assert!(ran.len() >= 2, "every variant measured");
        // Variants for hardware this adapter lacks are rows that say so.
        assert!(
            not_run.iter().any(|m| m.variant.starts_with("coop_matrix")),
            "{not_run:?}"
        );
        assert!(not_run
            .iter()
            .all(|m| m.reason.is_some() && m.gflop_per_s.is_none()));
        for m in ran {
            assert_eq!(m.status, Status::Ok, "{:?}", m.reason);
            assert_eq!(m.flop, 2.0 * 33.0 * 17.0 * 65.0);
            assert!(m.verification.as_ref().unwrap().passed);
            assert!(m.timing.as_ref().unwrap().samples >= 10);
            assert!(m.gflop_per_s.unwrap() > 0.0);
        }

        let shown = chipbench(&["show", files[0].to_str().unwrap()]);
        assert!(shown.status.success());
        let shown = String::from_utf8_lossy(&shown.stdout);
        assert!(
            shown.contains("matmul_f32_33x17x65") && shown.contains("register_tiled"),
            "{shown}"
        );
    }
}

#[test]
fn the_report_schema_has_every_documented_field() {
    let dir = tempfile::tempdir().unwrap();
    let output = chipbench(&[
        "run",
        "--shape",
        "8",
        "--filter",
        "8x8x8",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&reports_in(dir.path())[0]).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for field in [
        "schema_version",
        "tool_version",
        "wgpu_version",
        "started_utc",
        "finished_utc",
        "partial",
        "host",
        "adapter",
        "suite",
        "seed",
        "timing",
        "measurements",
        "baselines",
        "paired",
        "summary",
    ] {
        assert!(json.get(field).is_some(), "top-level {field}");
    }
    assert_eq!(json["schema_version"], 2);
    for field in ["ratios", "roof_flags", "not_remeasured"] {
        assert!(json["summary"].get(field).is_some(), "summary.{field}");
    }
    for field in ["os", "cpu", "logical_cpus"] {
        assert!(json["host"].get(field).is_some(), "host.{field}");
    }
    assert!(json["timing"]["method"] == "gpu_timestamp" || json["timing"]["method"] == "wall");
    let m = &json["measurements"][0];
    for field in [
        "case",
        "workload",
        "variant",
        "dtype",
        "shape",
        "flop",
        "bytes_read",
        "bytes_written",
        "status",
        "compile_s",
        "timing",
        "gflop_per_s",
        "gb_per_s",
        "verification",
    ] {
        assert!(m.get(field).is_some(), "measurement.{field}");
    }
    for field in [
        "samples",
        "repeats_per_sample",
        "median_s",
        "min_s",
        "p10_s",
        "p90_s",
        "mean_s",
        "mad_s",
        "cv",
        "wall_median_s",
        "first_dispatch_wall_s",
        "clock",
        "samples_s",
    ] {
        assert!(m["timing"].get(field).is_some(), "timing.{field}");
    }
    for field in ["method", "max_abs_error", "tolerance", "passed"] {
        assert!(
            m["verification"].get(field).is_some(),
            "verification.{field}"
        );
    }
    assert_eq!(m["shape"], serde_json::json!({"m": 8, "n": 8, "k": 8}));
    let host_gemm = json["baselines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "host_gemm")
        .expect("a host gemm at the shape");
    assert!(host_gemm["samples_s"].as_array().unwrap().len() >= 10);
}

#[test]
fn autotune_records_every_trial_then_reuses_its_choice() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let cache = dir.path().join("tune.json");
    let run = |extra: &[&str]| -> Report {
        let mut args = vec![
            "run",
            "--shape",
            "24x20x28",
            "--out",
            out.to_str().unwrap(),
            "--tune-cache",
            cache.to_str().unwrap(),
        ];
        args.extend(extra);
        let output = chipbench(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let newest = reports_in(&out)
            .into_iter()
            .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
            .unwrap();
        let report = load(&newest).unwrap();
        std::fs::remove_file(newest).unwrap();
        report
    };

    let searched = run(&[]);
    assert_eq!(
        searched.measurements.len(),
        1,
        "autotune measures the winner only"
    );
    let winner = &searched.measurements[0];
    let record = winner.autotune.as_ref().expect("autotune record");
    assert!(!record.from_cache);
    assert!(
        record.trials.len() >= 2,
        "every candidate tried: {record:?}"
    );
    assert!(
        record.trials.iter().all(|t| t.median_s.is_some()
            || t.failure
                .as_deref()
                .is_some_and(|f| f.starts_with("not run"))),
        "every runnable candidate verified: {record:?}"
    );
    assert_eq!(
        record.trials[0].variant, winner.variant,
        "the fastest trial wins"
    );
    // Fastest first; trials without a time (failed, not run) last.
    let order = |t: &chipbench::measure::Trial| t.median_s.unwrap_or(f64::INFINITY);
    assert!(
        record
            .trials
            .windows(2)
            .all(|w| order(&w[0]) <= order(&w[1])),
        "fastest first"
    );
    assert!(cache.exists(), "choice saved");

    let cached = run(&[]);
    let searched_trials = &winner.autotune.as_ref().unwrap().trials;
    let record = cached.measurements[0].autotune.as_ref().unwrap();
    assert!(record.from_cache);
    assert_eq!(
        &record.trials, searched_trials,
        "a cached choice reports the trials that made it"
    );
    assert_eq!(cached.measurements[0].variant, winner.variant);
    assert_eq!(
        record.tuned_on.as_deref(),
        Some(winner.case.as_str()),
        "the case's own trials chose it"
    );

    let retuned = run(&["--retune"]);
    assert!(
        !retuned.measurements[0]
            .autotune
            .as_ref()
            .unwrap()
            .from_cache
    );
}

#[test]
fn an_external_baseline_is_merged_with_a_ratio_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("torch.json");
    std::fs::write(
        &file,
        r#"{"source": "test figures", "device": "test", "entries": [
            {"workload": "matmul", "dtype": "f32", "shape": {"m": 16, "n": 16, "k": 16}, "median_s": 0.001}]}"#,
    )
    .unwrap();
    let out = dir.path().join("reports");
    let output = chipbench(&[
        "run",
        "--shape",
        "16",
        "--external",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = load(&reports_in(&out)[0]).unwrap();
    let external = report
        .baselines
        .iter()
        .find(|b| b.name == "external_matmul")
        .expect("merged");
    assert!(
        (external.gflop_per_s.unwrap() - 2.0 * 16f64.powi(3) / 0.001 / 1e9).abs() < 1e-12,
        "rate from chipbench's own FLOP count"
    );
    assert!(report
        .baselines
        .iter()
        .any(|b| b.name == "host_gemm" && b.verification.as_ref().unwrap().passed));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("best f32 matmul 16x16x16 / external") && stdout.contains("target ≥ 60%"),
        "{stdout}"
    );
}

#[test]
fn a_second_run_never_overwrites_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    for _ in 0..2 {
        let output = chipbench(&["run", "--shape", "4", "--out", out, "--timer", "wall"]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(reports_in(dir.path()).len(), 2);
}

#[test]
fn an_interrupted_run_keeps_every_finished_measurement() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let mut args = vec!["run", "--out", out];
    // Many cases, so the run is still going when it is interrupted.
    for _ in 0..40 {
        args.extend(["--shape", "96x96x96"]);
    }
    let child = Command::new(env!("CARGO_BIN_EXE_chipbench"))
        .args(&args)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for at least two measurements in the journal, then press Ctrl-C.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let journal = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(".journal.jsonl"));
        let lines = journal.map_or(0, |j| std::fs::read_to_string(j).unwrap().lines().count());
        if lines >= 3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never journaled a measurement"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    let report = load(&reports_in(dir.path())[0]).unwrap();
    assert!(report.partial);
    assert!(
        report.measurements.len() >= 2 && report.measurements.len() < 40,
        "{}",
        report.measurements.len()
    );
    assert!(report.measurements.iter().all(|m| m.status == Status::Ok));
}

#[test]
fn a_journal_left_by_a_killed_run_can_be_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let output = chipbench(&[
        "run",
        "--shape",
        "12x8x4",
        "--all-variants",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let report = load(&reports_in(dir.path())[0]).unwrap();
    // Rebuild the journal a run killed mid-write would leave: header, two
    // measurements, and a last line cut short.
    let mut header = report.clone();
    header.measurements.clear();
    let mut journal = serde_json::to_string(&header).unwrap() + "\n";
    for m in &report.measurements[..2] {
        journal += &(serde_json::to_string(m).unwrap() + "\n");
    }
    journal += "{\"case\": \"matmul_f32_12x";
    let path = dir.path().join("killed.journal.jsonl");
    std::fs::write(&path, journal).unwrap();

    let recovered = load(&path).unwrap();
    assert!(recovered.partial);
    assert_eq!(recovered.measurements, report.measurements[..2].to_vec());
    let shown = chipbench(&["show", path.to_str().unwrap()]);
    assert!(shown.status.success());
    assert!(String::from_utf8_lossy(&shown.stdout).contains("PARTIAL"));
}

#[test]
fn bad_input_gets_one_clear_line_and_a_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    assert_clean_error(
        &chipbench(&["run", "--adapter", "no-such-gpu", "--out", out]),
        "no adapter matches 'no-such-gpu'",
    );
    assert_clean_error(
        &chipbench(&["run", "--adapter", "99", "--out", out]),
        "no adapter matches '99'",
    );
    assert_clean_error(
        &chipbench(&["run", "--backend", "glide", "--out", out]),
        "unknown backend 'glide'",
    );
    assert_clean_error(
        &chipbench(&["run", "--shape", "0x4x4", "--out", out]),
        "at least 1",
    );
    assert_clean_error(
        &chipbench(&["run", "--shape", "4x4", "--out", out]),
        "expected MxNxK",
    );
    assert_clean_error(
        &chipbench(&["run", "--shape", "100000x100000x4", "--out", out]),
        "the device allows at most",
    );
    assert_clean_error(
        &chipbench(&["run", "--suite", "huge", "--out", out]),
        "unknown suite 'huge'",
    );
    assert_clean_error(
        &chipbench(&["run", "--filter", "no-such-case", "--out", out]),
        "matches --filter",
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "bad input writes nothing"
    );

    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let unwritable = file.join("reports");
    assert_clean_error(
        &chipbench(&["run", "--shape", "4", "--out", unwritable.to_str().unwrap()]),
        "cannot create output folder",
    );

    assert_clean_error(
        &chipbench(&["show", dir.path().join("missing.json").to_str().unwrap()]),
        "missing.json",
    );
    let malformed = dir.path().join("malformed.json");
    std::fs::write(&malformed, "{\"schema_version\": 1, \"measurements\": 3}").unwrap();
    assert_clean_error(
        &chipbench(&["show", malformed.to_str().unwrap()]),
        "is not a valid chipbench report",
    );
    let not_json = dir.path().join("notes.json");
    std::fs::write(&not_json, "hello").unwrap();
    assert_clean_error(
        &chipbench(&["show", not_json.to_str().unwrap()]),
        "is not a valid chipbench report",
    );
    let bad_baseline = dir.path().join("baseline.json");
    std::fs::write(&bad_baseline, r#"{"source": "x", "device": "y", "entries": [{"workload": "matmul", "dtype": "f32", "shape": {"m": 4, "n": 4}, "median_s": 1}]}"#).unwrap();
    assert_clean_error(
        &chipbench(&[
            "run",
            "--shape",
            "4",
            "--out",
            out,
            "--external",
            bad_baseline.to_str().unwrap(),
        ]),
        "dimensions m, n, k",
    );
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, "{\"schema_version\": 3}").unwrap();
    assert_clean_error(
        &chipbench(&["show", newer.to_str().unwrap()]),
        "schema version 3; this chipbench reads up to 2",
    );
    let foreign = dir.path().join("foreign.json");
    std::fs::write(&foreign, "{\"measurements\": []}").unwrap();
    assert_clean_error(
        &chipbench(&["show", foreign.to_str().unwrap()]),
        "not a chipbench report",
    );
}

#[test]
fn the_committed_reference_reports_still_load_and_show() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let committed = reports_in(&dir);
    assert!(!committed.is_empty(), "reports/ holds reference reports");
    for path in committed {
        let report = load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!report.measurements.is_empty());
        let shown = chipbench(&["show", path.to_str().unwrap()]);
        assert!(shown.status.success(), "{}", stderr(&shown));
        let stdout = String::from_utf8_lossy(&shown.stdout);
        if report.schema_version == 1 {
            // Version 1 stored no verdicts: they are judged now, and it says so.
            assert!(report.summary.is_none());
            assert!(stdout.contains("target ≥ 50%"), "{stdout}");
            assert!(stdout.contains("judged now"), "{stdout}");
        }
    }
}

#[test]
fn a_report_keeps_raw_samples_and_the_verdicts_of_its_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let output = chipbench(&[
        "run", "--suite", "quick", "--filter", "peak_f32", "--out", out,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = load(&reports_in(dir.path())[0]).unwrap();
    assert_eq!(report.schema_version, 2);
    let timing = report.measurements[0].timing.as_ref().unwrap();
    assert_eq!(timing.samples_s.len(), timing.samples, "every sample kept");
    assert!(timing.samples_s.contains(&timing.summary.min_s));
    assert!(report.summary.is_some(), "verdicts stored at run time");
    let shown = chipbench(&["show", &reports_in(dir.path())[0].to_string_lossy()]);
    assert!(!String::from_utf8_lossy(&shown.stdout).contains("judged now"));
}

/// A copy of the report at `from` in `dir`, keeping only the measurements
/// `keep` accepts.
fn trimmed_copy(from: &Path, dir: &Path, keep: impl Fn(&serde_json::Value) -> bool) -> PathBuf {
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(from).unwrap()).unwrap();
    json["measurements"]
        .as_array_mut()
        .unwrap()
        .retain(|m| keep(m));
    let path = dir.join(format!("trimmed-{}.json", next_id()));
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
    path
}

/// A name part no two calls in a test share.
fn next_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn report_writes_html_markdown_and_csv_and_prints_markdown_without_files() {
    let dir = tempfile::tempdir().unwrap();
    let vulkan = common::committed_quick("vulkan");
    let report = load(&vulkan).unwrap();
    let [html, md, csv] = ["r.html", "r.md", "r.csv"].map(|f| dir.path().join(f));
    let output = chipbench(&[
        "report",
        vulkan.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--md",
        md.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for (format, path) in [("html", &html), ("markdown", &md), ("csv", &csv)] {
        assert!(
            stdout.contains(&format!("{format}: {}", path.display())),
            "{stdout}"
        );
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.matches("<svg").count() >= 2);
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(csv_text.lines().count(), 1 + report.measurements.len());
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(markdown.contains("### Summary") && markdown.contains("### Autotune"));

    let printed = chipbench(&["report", vulkan.to_str().unwrap()]);
    assert!(printed.status.success());
    assert_eq!(String::from_utf8_lossy(&printed.stdout), markdown);
}

#[test]
fn compare_prints_each_figure_ratio_and_verdict_and_lists_unmatched_cases() {
    let dir = tempfile::tempdir().unwrap();
    let vulkan = common::committed_quick("vulkan");
    let gl = trimmed_copy(&common::committed_quick("gl"), dir.path(), |m| {
        m["workload"] != "latency"
    });
    let html = dir.path().join("compare.html");
    let output = chipbench(&[
        "compare",
        vulkan.to_str().unwrap(),
        gl.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let row = stdout
        .lines()
        .find(|l| l.starts_with("| matmul_f32_512x512x512 "))
        .expect("a row per matched case");
    assert!(row.contains("GFLOP/s") && row.contains('×'), "{row}");
    assert!(
        ["faster", "slower", "within noise"]
            .iter()
            .any(|v| row.contains(v)),
        "{row}"
    );
    let unmatched = stdout.split("### Unmatched cases").nth(1).expect("listed");
    assert!(unmatched.contains("| latency_f32_1 "), "{stdout}");
    assert!(stdout.contains(&format!("html: {}", html.display())));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("A vulkan: cases f32") && page.contains("B gl: cases f32"),
        "both rooflines"
    );
}

#[test]
fn bad_input_to_report_and_compare_gets_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let vulkan = common::committed_quick("vulkan");
    let not_json = dir.path().join("notes.json");
    std::fs::write(&not_json, "hello").unwrap();
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, "{\"schema_version\": 99}").unwrap();
    let path = |p: &Path| p.to_str().unwrap().to_string();
    for command in ["report", "compare"] {
        let missing = dir.path().join("missing.json");
        let output = chipbench(&[command, &path(&vulkan), &path(&missing)]);
        assert_clean_error(&output, "missing.json: No such file");
        assert_eq!(
            stderr(&output).matches("No such file").count(),
            1,
            "said once"
        );
        assert_clean_error(
            &chipbench(&[command, &path(&vulkan), &path(&not_json)]),
            "is not a valid chipbench report",
        );
        assert_clean_error(
            &chipbench(&[command, &path(&vulkan), &path(&newer)]),
            "schema version 99",
        );
        let unwritable = dir.path().join("no-such-folder").join("out.html");
        assert_clean_error(
            &chipbench(&[
                command,
                &path(&vulkan),
                &path(&vulkan),
                "--html",
                &path(&unwritable),
            ]),
            "cannot create",
        );
    }
    let copy = dir.path().join("copy.json");
    std::fs::copy(&vulkan, &copy).unwrap();
    assert_clean_error(
        &chipbench(&[
            "report",
            &path(&copy),
            "--md",
            &path(&dir.path().join(".").join("copy.json")),
        ]),
        "is a report being read; it is not overwritten",
    );
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&vulkan).unwrap(),
        "the report is intact"
    );
    let twice = dir.path().join("twice.md");
    assert_clean_error(
        &chipbench(&[
            "report",
            &path(&vulkan),
            "--md",
            &path(&twice),
            "--csv",
            &path(&twice),
        ]),
        "is named for two outputs",
    );
    let matmul_only = trimmed_copy(&vulkan, dir.path(), |m| m["workload"] == "matmul");
    let stream_only = trimmed_copy(&vulkan, dir.path(), |m| m["workload"] != "matmul");
    assert_clean_error(
        &chipbench(&["compare", &path(&matmul_only), &path(&stream_only)]),
        "have no case in common",
    );
    let one = chipbench(&["compare", &path(&vulkan)]);
    assert_eq!(
        one.status.code(),
        Some(2),
        "a usage error: {}",
        stderr(&one)
    );
}

#[test]
fn run_compare_checks_the_earlier_report_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let out_arg = out.to_str().unwrap();
    let not_json = dir.path().join("notes.json");
    std::fs::write(&not_json, "hello").unwrap();
    assert_clean_error(
        &chipbench(&[
            "run",
            "--shape",
            "8",
            "--out",
            out_arg,
            "--compare",
            not_json.to_str().unwrap(),
        ]),
        "is not a valid chipbench report",
    );
    let streams = trimmed_copy(&common::committed_quick("vulkan"), dir.path(), |m| {
        m["workload"] != "matmul"
    });
    assert_clean_error(
        &chipbench(&[
            "run",
            "--shape",
            "8",
            "--out",
            out_arg,
            "--compare",
            streams.to_str().unwrap(),
        ]),
        "has no case in common with this run",
    );
    assert!(!out.exists(), "nothing measured, nothing written");
}

#[test]
fn run_html_writes_the_page_beside_the_report_and_run_compare_ends_with_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let out_arg = out.to_str().unwrap();
    let first = chipbench(&["run", "--shape", "16", "--out", out_arg]);
    assert!(first.status.success(), "{}", stderr(&first));
    let previous = reports_in(&out).remove(0);

    let second = chipbench(&[
        "run",
        "--shape",
        "16",
        "--out",
        out_arg,
        "--html",
        "--compare",
        previous.to_str().unwrap(),
    ]);
    assert!(second.status.success(), "{}", stderr(&second));
    let stdout = String::from_utf8_lossy(&second.stdout);
    let report = reports_in(&out)
        .into_iter()
        .find(|p| *p != previous)
        .unwrap();
    let html = report.with_extension("html");
    assert!(
        stdout.contains(&format!("html: {}", html.display())),
        "{stdout}"
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));
    let table = stdout
        .split("## chipbench compare")
        .nth(1)
        .expect("{stdout}");
    assert!(
        table.contains("| matmul_f32_16x16x16 ") && table.contains("B vs A"),
        "{table}"
    );
}

/// A committed report of the calibrate suite on `backend`, with attention
/// cases or without.
fn committed_calibrate_report(backend: &str, with_attention: bool) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    reports_in(&dir)
        .into_iter()
        .find(|p| {
            load(p).is_ok_and(|r| {
                r.suite.name == "calibrate"
                    && r.adapter.backend == backend
                    && r.measurements
                        .iter()
                        .any(|m| m.workload.starts_with("attention"))
                        == with_attention
            })
        })
        .unwrap_or_else(|| panic!("reports/ holds a calibrate report on {backend}"))
}

/// The committed reports of the block suite on `backend`, at least two.
fn committed_block_reports(backend: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let runs: Vec<PathBuf> = reports_in(&dir)
        .into_iter()
        .filter(|p| load(p).is_ok_and(|r| r.suite.name == "block" && r.adapter.backend == backend))
        .collect();
    assert!(runs.len() >= 2, "reports/ holds block reports on {backend}");
    runs
}

/// The measured seconds `predict --report` prints for block `case`.
fn measured_block_s(stdout: &str, case: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{case}: predicted")))
        .unwrap_or_else(|| panic!("{case} in {stdout}"));
    let mut words = line.split("measured ").nth(1).unwrap().split(' ');
    let value: f64 = words.next().unwrap().parse().unwrap();
    let unit = match words.next().unwrap().trim_end_matches(',') {
        "s" => 1.0,
        "ms" => 1e-3,
        "µs" => 1e-6,
        other => panic!("unit {other} in {line}"),
    };
    value * unit
}

#[test]
fn calibrate_then_predict_from_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let report = committed_calibrate_report("vulkan", true);
    let profile = dir.path().join("chip.profile.json");
    let output = chipbench(&[
        "calibrate",
        report.to_str().unwrap(),
        "--out",
        profile.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "leave one shape out",
        "leave one family out",
        "extrapolation",
        "two factors",
        "nearest neighbour",
        "roofline at 100%",
        "attention_prefill: TiledAttention",
        "attention_decode: TiledDecode",
        "within a run: the same case in two passes, each on fresh buffers, differs by",
    ] {
        assert!(stdout.contains(expected), "{expected} in {stdout}");
    }
    // The calibrate suite's two passes give a noise floor from one report.
    let written = chipbench::model::load_profile(&profile).unwrap();
    let passes = written.pass_noise_floor.expect("a floor within the run");
    assert!(passes.cases > 100 && passes.median > 0.0, "{passes:?}");
    assert!(
        written.noise_floor.is_none(),
        "one report: no floor across runs"
    );
    let profile = profile.to_str().unwrap();
    let predicted = chipbench(&["predict", profile, "matmul", "4096x4096x4096"]);
    assert!(predicted.status.success(), "{}", stderr(&predicted));
    let text = String::from_utf8_lossy(&predicted.stdout);
    assert!(text.contains("bound by compute"), "{text}");
    assert!(text.contains("outside the calibrated range"), "{text}");
    let streamed = chipbench(&["predict", profile, "stream", "3000000"]);
    assert!(streamed.status.success(), "{}", stderr(&streamed));
    // The report the profile was fitted to is predicted, and said to be
    // in-sample; a report it was not fitted to is not.
    let whole = chipbench(&["predict", profile, "--report", report.to_str().unwrap()]);
    assert!(whole.status.success(), "{}", stderr(&whole));
    let text = String::from_utf8_lossy(&whole.stdout);
    assert!(text.contains("overall:"), "{text}");
    assert!(text.contains("(in-sample), not a held-out check"), "{text}");
    // A block report is predicted as the sum of its stages, every stage named.
    let runs = committed_block_reports("vulkan");
    let blocks = &runs[0];
    let summed = chipbench(&["predict", profile, "--report", blocks.to_str().unwrap()]);
    assert!(summed.status.success(), "{}", stderr(&summed));
    let text = String::from_utf8_lossy(&summed.stdout);
    assert!(!text.contains("in-sample"), "{text}");
    for expected in [
        "block_f32_l1_s512_kv512_d768_h12_ff3072: predicted",
        "as the sum of its stages",
        "qkv          matmul_f32",
        "attention    attention_prefill",
        "attention    attention_decode",
        "gelu         stream",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(!text.contains("not predicted"), "{text}");
    // Over several runs, each case is judged by its fastest run, and says so.
    let case = "block_f32_l1_s128_kv128_d768_h12_ff3072";
    let mut args = vec!["predict", profile];
    for run in &runs {
        args.extend(["--report", run.to_str().unwrap()]);
    }
    let pooled = chipbench(&args);
    assert!(pooled.status.success(), "{}", stderr(&pooled));
    let text = String::from_utf8_lossy(&pooled.stdout);
    assert!(
        text.contains(&format!(
            "(the fastest of {} measurements, the slowest",
            runs.len()
        )),
        "{text}"
    );
    let alone: Vec<f64> = runs
        .iter()
        .map(|run| {
            let output = chipbench(&["predict", profile, "--report", run.to_str().unwrap()]);
            measured_block_s(&String::from_utf8_lossy(&output.stdout), case)
        })
        .collect();
    let fastest = alone.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(measured_block_s(&text, case), fastest, "{alone:?}");
    // Runs of another backend are not pooled with them.
    let gl = &committed_block_reports("gl")[0];
    assert_clean_error(
        &chipbench(&[
            "predict",
            profile,
            "--report",
            blocks.to_str().unwrap(),
            "--report",
            gl.to_str().unwrap(),
        ]),
        "one chip through one backend",
    );
    // Which term bounds them depends on the fit; that one does, and says so.
    for shape in ["hq8_hkv2_sq768_skv768_d128", "hq32_hkv8_sq1_skv4096_d128"] {
        let attention = chipbench(&["predict", profile, "attention", shape, "--causal"]);
        assert!(attention.status.success(), "{}", stderr(&attention));
        let text = String::from_utf8_lossy(&attention.stdout);
        assert!(
            ["compute", "bandwidth", "overhead"]
                .iter()
                .any(|bound| text.contains(&format!("bound by {bound}"))),
            "{text}"
        );
        assert!(
            text.contains("90% of held-out measurements fell within"),
            "{text}"
        );
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }
    // A profile fitted before the calibrate suite measured attention lacks it.
    let older = dir.path().join("older.profile.json");
    let older_report = committed_calibrate_report("vulkan", false);
    assert!(chipbench(&[
        "calibrate",
        older_report.to_str().unwrap(),
        "--out",
        older.to_str().unwrap(),
    ])
    .status
    .success());
    assert_clean_error(
        &chipbench(&[
            "predict",
            older.to_str().unwrap(),
            "attention",
            "hq8_sq1024_skv1024_d64",
            "--causal",
        ]),
        "the profile has no attention_prefill op class",
    );
}

#[test]
fn chips_lists_the_catalog_with_sources_and_predicts_from_a_datasheet() {
    let listed = chipbench(&["chips"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let text = String::from_utf8_lossy(&listed.stdout);
    for id in [
        "h100-sxm",
        "h100-pcie",
        "h200",
        "b200",
        "a100-sxm-80gb",
        "l4",
        "rtx-4090",
        "mi300x",
        "mi250x",
        "gaudi3",
        "tpu-v5e",
        "tpu-v5p",
        "m3-max",
    ] {
        assert!(text.contains(id), "{id} in {text}");
    }
    let one = chipbench(&["chips", "h100-sxm"]);
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(text.contains("datasheet: NVIDIA H100"), "{text}");
    assert!(text.contains("measured at best shape"), "{text}");
    let predicted = chipbench(&["predict", "h100-sxm", "matmul", "8192", "--dtype", "f16"]);
    assert!(predicted.status.success(), "{}", stderr(&predicted));
    assert!(String::from_utf8_lossy(&predicted.stdout).contains("TFLOP/s"));
}

#[test]
fn bad_model_input_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // A quick run: too few shapes of any op class to fit.
    let quick = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports/vm_llvmpipe-llvm-15-0-6-256-bits_gl_20261124T103342Z.json");
    assert_clean_error(
        &chipbench(&[
            "calibrate",
            quick.to_str().unwrap(),
            "--out",
            dir.path().join("p.json").to_str().unwrap(),
        ]),
        "no usable case",
    );
    let future = dir.path().join("future.profile.json");
    std::fs::write(&future, r#"{"profile_version": 99}"#).unwrap();
    assert_clean_error(
        &chipbench(&["predict", future.to_str().unwrap(), "matmul", "64"]),
        "profile version 99; this chipbench reads versions 2 to 3",
    );
    assert_clean_error(
        &chipbench(&[
            "predict",
            "h100-sxm",
            "attention",
            "hq32_hkv8_sq1_skv4096_d128",
        ]),
        "the profile has no attention_decode op class",
    );
    assert_clean_error(
        &chipbench(&["predict", "h100-sxm", "attention", "1x4096"]),
        "invalid attention shape '1x4096'",
    );
    assert_clean_error(
        &chipbench(&["predict", "h100-sxm", "matmul", "12xfoo"]),
        "invalid shape '12xfoo'",
    );
    assert_clean_error(&chipbench(&["chips", "h900"]), "unknown chip id 'h900'");
    assert_clean_error(
        &chipbench(&["predict", "no-such-chip", "matmul", "64"]),
        "no such profile file, nor a chip id",
    );
}
