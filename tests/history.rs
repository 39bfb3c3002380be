//! The result history through the binary: `history add` and `show`,
//! `compare --history` and `run --history`, and one clear line for each
//! kind of bad database, with nothing already stored lost.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chipbench::history::{BUSY_TIMEOUT_S, HISTORY_SCHEMA_VERSION};
use chipbench::report::{load, write_json_atomic, Report};
use common::{assert_clean_error, chipbench, chipbench_with, stderr};

/// A committed report of the quick suite on `backend`.
fn committed(backend: &str) -> PathBuf {
    common::committed_quick(backend)
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `chipbench history --db DB ARGS...`.
fn history(db: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["history", "--db", text(db)];
    all.extend_from_slice(args);
    chipbench(&all)
}

/// What `chipbench compare --history --db DB REPORT` printed, asserting it succeeded.
fn compare_history(db: &Path, report: &Path) -> String {
    stdout(&ok(chipbench(&[
        "compare",
        "--history",
        "--db",
        text(db),
        text(report),
    ])))
}

/// Asserts the command succeeded.
fn ok(output: std::process::Output) -> std::process::Output {
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

/// Every time of `report` times `factor`, its rates divided by it: the same
/// run, `factor` times slower.
fn slowed(mut report: Report, factor: f64) -> Report {
    for m in &mut report.measurements {
        m.gflop_per_s = m.gflop_per_s.map(|v| v / factor);
        m.gb_per_s = m.gb_per_s.map(|v| v / factor);
        if let Some(t) = &mut m.timing {
            let s = &mut t.summary;
            for time in [
                &mut s.median_s,
                &mut s.min_s,
                &mut s.p10_s,
                &mut s.p90_s,
                &mut s.max_s,
                &mut s.mean_s,
                &mut s.mad_s,
                &mut t.wall_median_s,
            ] {
                *time *= factor;
            }
            t.samples_s.iter_mut().for_each(|x| *x *= factor);
        }
    }
    report
}

/// A copy of `source` written into `dir`, run by `node` at `started_utc`
/// and `factor` times slower.
fn copy(source: &Path, dir: &Path, node: &str, started_utc: &str, factor: f64) -> PathBuf {
    let mut report = slowed(load(source).unwrap(), factor);
    report.host.node = Some(node.into());
    report.started_utc = started_utc.into();
    let path = dir.join(format!("{node}_{}.json", started_utc.replace(':', "")));
    write_json_atomic(&path, &report).unwrap();
    path
}

#[test]
fn add_then_show_lists_every_case_of_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let (vulkan, gl) = (committed("vulkan"), committed("gl"));
    let added = stdout(&ok(history(&db, &["add", text(&vulkan), text(&gl)])));
    assert_eq!(
        added.lines().filter(|l| l.starts_with("added ")).count(),
        2,
        "{added}"
    );

    let shown = stdout(&ok(history(&db, &["show"])));
    for path in [&vulkan, &gl] {
        let report = load(path).unwrap();
        for m in &report.measurements {
            assert!(
                shown
                    .lines()
                    .any(|l| l.contains(&m.case) && l.contains(&report.adapter.backend)),
                "{} on {} missing from:\n{shown}",
                m.case,
                report.adapter.backend
            );
        }
    }
    let total = load(&vulkan).unwrap().measurements.len() + load(&gl).unwrap().measurements.len();
    assert!(
        shown.contains(&format!("{total} measurement(s) of 2 run(s)")),
        "{shown}"
    );

    let json: serde_json::Value = serde_json::from_str(&stdout(&ok(history(
        &db,
        &["show", "--case", "matmul_f32", "--json"],
    ))))
    .unwrap();
    let rows = json.as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        assert!(
            row["case"].as_str().unwrap().starts_with("matmul_f32"),
            "{row}"
        );
        if row["status"] == "ok" {
            assert_eq!(row["figure_unit"], "GFLOP/s", "{row}");
        }
    }
}

#[test]
fn without_db_the_history_is_under_xdg_data_home() {
    let dir = tempfile::tempdir().unwrap();
    let output = chipbench_with(
        &["history", "add", text(&committed("vulkan"))],
        &[("XDG_DATA_HOME", dir.path())],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("chipbench/history.sqlite").is_file());
}

#[test]
fn adding_a_run_twice_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let (vulkan, gl) = (committed("vulkan"), committed("gl"));
    ok(history(&db, &["add", text(&vulkan)]));
    let before = std::fs::read(&db).unwrap();
    assert_clean_error(&history(&db, &["add", text(&vulkan)]), "is already in");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database is unchanged"
    );

    // Several reports: the one before the duplicate is kept, and said to be.
    let output = history(&db, &["add", text(&gl), text(&vulkan)]);
    assert_clean_error(&output, "the 1 report(s) before it were added and are kept");
    assert!(
        stderr(&output).contains("was added 20"),
        "{}",
        stderr(&output)
    );
    let shown = stdout(&ok(history(&db, &["show", "--case", "latency"])));
    assert!(shown.contains("2 run(s)"), "{shown}");
}

#[test]
fn a_newer_schema_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    ok(history(&db, &["add", text(&committed("vulkan"))]));
    let newer = HISTORY_SCHEMA_VERSION + 1;
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE chipbench_history SET schema_version = ?1", [newer])
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let expected = format!(
        "has history schema version {newer}; this chipbench reads up to {HISTORY_SCHEMA_VERSION}"
    );
    assert_clean_error(&history(&db, &["show"]), &expected);
    assert_clean_error(&history(&db, &["add", text(&committed("gl"))]), &expected);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_file_that_is_not_a_history_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.sqlite");
    let bytes: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, &bytes).unwrap();
    for args in [vec!["show"], vec!["add", text(&committed("vulkan"))]] {
        assert_clean_error(
            &history(&garbage, &args),
            "is not a chipbench history database (not an SQLite file)",
        );
    }
    assert_eq!(std::fs::read(&garbage).unwrap(), bytes);

    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT)")
        .unwrap();
    assert_clean_error(
        &history(&other, &["add", text(&committed("vulkan"))]),
        "is not a chipbench history database",
    );
    assert_clean_error(
        &history(&dir.path().join("missing.sqlite"), &["show"]),
        "no history database at",
    );
    // A folder that cannot be made: a file stands where it would go.
    assert_clean_error(
        &history(
            &garbage.join("h.sqlite"),
            &["add", text(&committed("vulkan"))],
        ),
        "cannot write the history database",
    );
}

#[test]
fn a_report_that_cannot_be_read_stops_the_adding_keeping_those_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let notes = dir.path().join("notes.json");
    std::fs::write(&notes, "hello").unwrap();
    let output = history(
        &db,
        &[
            "add",
            text(&committed("vulkan")),
            text(&notes),
            text(&committed("gl")),
        ],
    );
    assert_clean_error(&output, "is not a valid chipbench report");
    assert!(stderr(&output).contains("the 1 report(s) before it were added and are kept"));
    let shown = stdout(&ok(history(&db, &["show", "--case", "latency"])));
    assert!(
        shown.contains("vulkan") && !shown.contains(" gl "),
        "{shown}"
    );
}

#[test]
fn a_database_another_process_writes_is_reported_locked_after_the_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    ok(history(&db, &["add", text(&committed("vulkan"))]));
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch(
            "BEGIN IMMEDIATE; UPDATE chipbench_history SET schema_version = schema_version;",
        )
        .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chipbench"))
        .args(["history", "--db", text(&db), "add", text(&committed("gl"))])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A hang is a failure: give it ten times the busy timeout, then kill it.
    let deadline = Instant::now() + Duration::from_secs(10 * BUSY_TIMEOUT_S);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("history add still waits on a locked database");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    assert_clean_error(&output, "is locked by another process");
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    // Once the lock is gone, the same command works and the first run is still there.
    ok(history(&db, &["add", text(&committed("gl"))]));
    assert!(stdout(&ok(history(&db, &["show", "--case", "latency"]))).contains("2 run(s)"));
}

#[test]
fn compare_history_flags_a_run_twenty_percent_slower_than_its_chips_past() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let source = committed("vulkan");
    // Four earlier runs on four nodes, a percent or two apart.
    let earlier: Vec<PathBuf> = [1.0, 1.02, 0.98, 1.01]
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            copy(
                &source,
                dir.path(),
                &format!("node{i}"),
                &format!("2026-01-0{}T00:00:00Z", i + 1),
                f,
            )
        })
        .collect();
    let mut args = vec!["add"];
    args.extend(earlier.iter().map(|p| text(p)));
    ok(history(&db, &args));

    let same = copy(&source, dir.path(), "node9", "2026-02-01T00:00:00Z", 1.0);
    let printed = compare_history(&db, &same);
    assert!(
        printed.contains("4 earlier run(s) on 4 node(s)"),
        "{printed}"
    );
    assert!(
        printed.contains("drifted (") && printed.trim_end().ends_with(": none"),
        "{printed}"
    );

    let slow = copy(&source, dir.path(), "node9", "2026-02-02T00:00:00Z", 1.25);
    let printed = compare_history(&db, &slow);
    let report = load(&slow).unwrap();
    for m in report
        .measurements
        .iter()
        .filter(|m| m.status == chipbench::report::Status::Ok)
    {
        let line = printed
            .lines()
            .find(|l| l.starts_with(&format!("{} ", m.case)))
            .unwrap_or_else(|| panic!("{} missing from:\n{printed}", m.case));
        assert!(line.contains("DRIFTED slower"), "{line}");
        // 20% fewer FLOP/s or GB/s, or 25% more time, against the median of the four.
        let change: f64 = line
            .split_whitespace()
            .find_map(|cell| {
                cell.strip_suffix('%')?
                    .strip_prefix(['-', '+'])
                    .map(|_| cell)
            })
            .and_then(|cell| cell.trim_end_matches('%').parse().ok())
            .unwrap_or_else(|| panic!("no change in {line}"));
        let expected = if m.workload == "latency" { 25.0 } else { -20.0 };
        assert!((change - expected).abs() < 1.0, "{line}");
    }

    // The earliest run has no history before it.
    let printed = compare_history(&db, &earlier[0]);
    assert!(
        printed.contains("no earlier runs of this chip"),
        "{printed}"
    );
}

#[test]
fn compare_history_takes_one_report() {
    let vulkan = committed("vulkan");
    let two = chipbench(&["compare", "--history", text(&vulkan), text(&vulkan)]);
    assert_eq!(
        two.status.code(),
        Some(2),
        "a usage error: {}",
        stderr(&two)
    );
    assert!(stderr(&two).contains("compare --history takes one report"));
}

#[test]
fn run_history_adds_the_run_after_writing_its_report_and_checks_the_database_first() {
    let backend = common::backends()[0];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let garbage = dir.path().join("garbage.sqlite");
    std::fs::write(&garbage, vec![7u8; 4096]).unwrap();
    let run = |db: &Path| {
        chipbench(&[
            "run",
            "--backend",
            backend,
            "--filter",
            "latency",
            "--out",
            text(&out),
            "--node",
            "n1",
            "--history",
            "--db",
            text(db),
        ])
    };
    assert_clean_error(&run(&garbage), "is not a chipbench history database");
    assert!(!out.exists(), "nothing measured, nothing written");

    let db = dir.path().join("h.sqlite");
    let output = run(&db);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("history: run 1 ("),
        "{}",
        stdout(&output)
    );
    let shown = stdout(&ok(history(&db, &["show", "--node", "n1"])));
    assert!(
        shown.contains("latency_f32_1") && shown.contains("1 run(s)"),
        "{shown}"
    );
    // The report on disk is the run the history holds: adding it again is refused.
    let report = chipbench::report::report_files(&out).unwrap().remove(0);
    assert_clean_error(&history(&db, &["add", text(&report)]), "is already in");
}
