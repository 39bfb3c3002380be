//! `chipbench fleet` through the real binary on the committed example fleet
//! and on fleets made from committed reports (no adapter needed), one clear
//! line for each kind of bad input, and the detection and false-alarm rates
//! of synthetic fleets built from a real report.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_clean_error, chipbench, stdout};

use chipbench::fleet::{measure_rates, Trial};
use chipbench::report::{load, report_files};
use serde_json::Value;

/// The node of `examples/fleet/` made 10% slower (the README names it).
const SLOWED_NODE: &str = "node07";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each node's verdict from the terminal table: (node, verdict) rows.
fn verdicts(text: &str) -> Vec<(String, String)> {
    text.lines()
        .skip_while(|l| !l.starts_with("node "))
        .skip(2)
        .take_while(|l| {
            !l.starts_with("flagged") && !l.starts_with("every") && !l.starts_with("note")
        })
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_string(), cells[2].to_string())
        })
        .collect()
}

/// The committed quick report on Vulkan with raw samples (schema 2).
fn quick_v2() -> PathBuf {
    report_files(&root().join("reports"))
        .unwrap()
        .into_iter()
        .find(|p| {
            let r = load(p).unwrap();
            r.schema_version == 2 && r.suite.name == "quick" && r.adapter.backend == "vulkan"
        })
        .expect("a committed quick v2 report")
}

/// Writes `report` (as JSON) to `dir` as `NAME.json`, with its node label
/// set to `name` and `edit` applied.
fn write_as(dir: &Path, source: &Path, name: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(source).unwrap()).unwrap();
    value["host"]["node"] = Value::String(name.into());
    edit(&mut value);
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string(&value).unwrap()).unwrap();
    path
}

#[test]
fn the_example_fleet_flags_its_slowed_node_and_only_it() {
    let output = chipbench(&["fleet", root().join("examples/fleet").to_str().unwrap()]);
    let text = stdout(&output);
    let rows = verdicts(&text);
    assert_eq!(rows.len(), 10, "{text}");
    for (node, verdict) in &rows {
        match node == SLOWED_NODE {
            true => assert!(verdict == "WARN" || verdict == "FAIL", "{text}"),
            false => assert_eq!(verdict, "pass", "{text}"),
        }
    }
    assert!(
        text.contains(&format!("flagged: {SLOWED_NODE} (")),
        "{text}"
    );
    let slowed = rows.iter().find(|(n, _)| n == SLOWED_NODE).unwrap();
    let code = if slowed.1 == "FAIL" { 5 } else { 4 };
    assert_eq!(output.status.code(), Some(code), "{text}");
}

#[test]
fn every_output_format_holds_every_node() {
    let dir = tempfile::tempdir().unwrap();
    let (html, md, csv) = (
        dir.path().join("f.html"),
        dir.path().join("f.md"),
        dir.path().join("f.csv"),
    );
    let fleet = root().join("examples/fleet");
    let output = chipbench(&[
        "fleet",
        fleet.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--md",
        md.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--json",
    ]);
    let json: Value = serde_json::from_str(&stdout(&output)).expect("stdout is JSON alone");
    let nodes = json["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 10);
    let flagged: Vec<&str> = nodes
        .iter()
        .filter(|n| n["verdict"] != "pass")
        .map(|n| n["node"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, [SLOWED_NODE]);
    let cases = json["groups"][0]["cases"].as_array().unwrap().len();
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("<svg").count(), 1, "one plot per group");
    for n in nodes {
        let name = n["node"].as_str().unwrap();
        assert!(page.contains(&format!(">{name}<")), "{name} in the page");
    }
    let markdown = std::fs::read_to_string(&md).unwrap();
    assert!(markdown.contains("### Nodes") && markdown.contains("### Cases"));
    assert!(markdown.contains(&format!("| {SLOWED_NODE} ")));
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count();
    assert_eq!(rows, 1 + 10 * cases, "a row per node and case");
}

#[test]
fn expected_nodes_without_a_report_are_missing_and_fail_the_check() {
    let fleet = root().join("examples/fleet");
    let output = chipbench(&[
        "fleet",
        fleet.to_str().unwrap(),
        "--expect-nodes",
        "node01,node02,node03,node04,node05,node06,node07,node08,node09,node10,node11",
    ]);
    let text = stdout(&output);
    assert!(
        verdicts(&text).contains(&("node11".into(), "MISSING".into())),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(5));
    let output = chipbench(&["fleet", fleet.to_str().unwrap(), "--expect", "12"]);
    assert!(stdout(&output).contains("expected 12 nodes, found 10: 2 missing"));
    assert_eq!(output.status.code(), Some(5));
}

#[test]
fn a_group_mixing_schema_versions_and_a_node_twice_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = report_files(&root().join("reports"))
        .unwrap()
        .into_iter()
        .find(|p| {
            let r = load(p).unwrap();
            r.schema_version == 1
                && r.suite.name == "quick"
                && r.adapter.backend == "vulkan"
                && r.adapter.driver_info.contains("22.3.6")
        })
        .unwrap();
    let v2 = quick_v2();
    write_as(dir.path(), &v1, "a", |_| {});
    write_as(dir.path(), &v2, "b", |_| {});
    write_as(dir.path(), &v2, "c", |_| {});
    write_as(dir.path(), &v2, "c-again", |v| {
        v["host"]["node"] = Value::String("c".into());
        v["started_utc"] = Value::String("2030-01-01T00:00:00Z".into());
    });
    let output = chipbench(&["fleet", dir.path().to_str().unwrap()]);
    let text = stdout(&output);
    assert!(
        text.contains("mixes report schema versions 1 and 2"),
        "{text}"
    );
    assert!(
        text.contains("node c reported 2 times: kept the newest"),
        "{text}"
    );
    assert!(
        text.contains("c-again.json (started 2030-01-01T00:00:00Z)"),
        "{text}"
    );
    assert_eq!(verdicts(&text).len(), 3, "{text}");
}

#[test]
fn bad_input_gets_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    assert_clean_error(
        &chipbench(&["fleet", missing.to_str().unwrap()]),
        "nowhere does not exist",
    );
    assert_clean_error(
        &chipbench(&["fleet", dir.path().to_str().unwrap()]),
        "no chipbench reports in this folder",
    );
    let v2 = quick_v2();
    for name in ["a", "b", "c"] {
        write_as(dir.path(), &v2, name, |_| {});
    }
    write_as(dir.path(), &v2, "d", |v| {
        v["adapter"]["name"] = Value::String("Another GPU".into());
    });
    assert_clean_error(
        &chipbench(&["fleet", dir.path().to_str().unwrap(), "--group-as-one"]),
        "--group-as-one: the reports are of 2 chips",
    );
    assert_clean_error(
        &chipbench(&["fleet", dir.path().to_str().unwrap(), "--fail-below", "3"]),
        "milder than the warn one",
    );
    // Without --group-as-one the other chip is a group of its own, too small to judge.
    let output = chipbench(&["fleet", dir.path().to_str().unwrap()]);
    let text = stdout(&output);
    assert!(
        text.contains("2 groups (chip, backend, driver), each compared on its own"),
        "{text}"
    );
    assert!(text.contains("1 node: too few to compare"), "{text}");
    assert_eq!(output.status.code(), Some(4), "{text}");
}

#[test]
fn synthetic_fleets_find_the_slow_node_and_flag_no_other() {
    let source = load(&quick_v2()).unwrap();
    let rates = measure_rates(&source, &Trial::default()).unwrap();
    assert_eq!(rates.fleets, 200);
    assert!(
        rates.detection_rate() >= 0.95,
        "detection {:.3}: {rates:?}",
        rates.detection_rate()
    );
    assert!(
        rates.false_alarm_rate() <= 0.05,
        "false alarms {:.3}: {rates:?}",
        rates.false_alarm_rate()
    );
    let no_slowdown = Trial {
        fleets: 50,
        slowdown: 0.0,
        ..Trial::default()
    };
    let rates = measure_rates(&source, &no_slowdown).unwrap();
    assert!(
        rates.detection_rate() <= 0.05,
        "a node not slowed is not found: {rates:?}"
    );
}

/// `report` with every verified figure `speed` times its own (times divided
/// by it), and its start moved to `started_utc`.
fn scaled(value: &mut Value, speed: f64, started_utc: &str) {
    value["started_utc"] = Value::String(started_utc.into());
    for m in value["measurements"].as_array_mut().unwrap() {
        for rate in ["gflop_per_s", "gb_per_s"] {
            if let Some(r) = m[rate].as_f64() {
                m[rate] = serde_json::json!(r * speed);
            }
        }
        if let Some(timing) = m["timing"].as_object_mut() {
            for field in ["median_s", "p10_s", "p90_s", "min_s", "max_s", "mean_s"] {
                let t = timing[field].as_f64().unwrap();
                timing[field] = serde_json::json!(t / speed);
            }
        }
    }
}

#[test]
fn with_a_history_a_drift_the_whole_fleet_shares_warns_every_node() {
    let dir = tempfile::tempdir().unwrap();
    let (earlier, now) = (dir.path().join("earlier"), dir.path().join("now"));
    std::fs::create_dir_all(&earlier).unwrap();
    std::fs::create_dir_all(&now).unwrap();
    let fleet = report_files(&root().join("examples/fleet")).unwrap();
    let peers: Vec<&PathBuf> = fleet
        .iter()
        .filter(|p| !p.to_string_lossy().contains(SLOWED_NODE))
        .take(4)
        .collect();
    for (i, path) in peers.iter().enumerate() {
        let node = format!("peer{i}");
        for day in 1..=3 {
            let name = format!("{node}-day{day}");
            write_as(&earlier, path, &name, |v| {
                v["host"]["node"] = Value::String(node.clone());
                scaled(v, 1.0, &format!("2026-11-0{day}T00:00:00Z"));
            });
        }
        // Today every node runs 10% below its own past: its peers cannot tell.
        write_as(&now, path, &node, |v| {
            scaled(v, 0.9, "2026-12-01T00:00:00Z")
        });
    }
    let db = dir.path().join("history.sqlite");
    let added = chipbench(&[
        "history",
        "add",
        "--db",
        db.to_str().unwrap(),
        earlier.to_str().unwrap(),
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let without = chipbench(&["fleet", now.to_str().unwrap()]);
    assert_eq!(without.status.code(), Some(0), "{}", stdout(&without));
    let with = chipbench(&["fleet", now.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    let text = stdout(&with);
    assert_eq!(with.status.code(), Some(4), "{text}");
    let rows = verdicts(&text);
    assert_eq!(rows.len(), 4, "{text}");
    assert!(rows.iter().all(|(_, v)| v == "WARN"), "{text}");
    assert_eq!(
        text.matches("vs own history: 90.0% of its earlier medians")
            .count(),
        4,
        "{text}"
    );
    assert!(text.contains("over up to 3 earlier runs"), "{text}");
    assert_clean_error(
        &chipbench(&[
            "fleet",
            now.to_str().unwrap(),
            "--db",
            dir.path().join("none.sqlite").to_str().unwrap(),
        ]),
        "none.sqlite",
    );
}
