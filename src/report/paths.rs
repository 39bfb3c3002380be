//! Where report files go: a fresh name per run, the journal beside it, and
//! the profile `calibrate` writes beside it. A leaf of `report/`.

use std::path::{Path, PathBuf};

use super::Report;

const JOURNAL_SUFFIX: &str = ".journal.jsonl";
/// Ends a chip profile's name: `calibrate` writes `NAME.profile.json` beside `NAME.json`.
const PROFILE_SUFFIX: &str = ".profile.json";

/// A fresh path for a report in `out_dir`, named from node (or host), adapter, backend
/// and UTC time; a `-2`, `-3`... suffix keeps it from ever naming an existing file.
pub fn report_path(out_dir: &Path, report: &Report) -> PathBuf {
    let started = report
        .started_utc
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>();
    let stem = format!(
        "{}_{}_{}_{}",
        slug(report.host.node_label()),
        slug(&report.adapter.name),
        report.adapter.backend,
        started
    );
    let mut path = out_dir.join(format!("{stem}.json"));
    let mut n = 2;
    while path.exists() || journal_path(&path).exists() {
        path = out_dir.join(format!("{stem}-{n}.json"));
        n += 1;
    }
    path
}

/// Lower-case letters, digits and single dashes: safe in any file name.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(40).collect()
}

/// The journal path for the report at `report_path`.
pub fn journal_path(report_path: &Path) -> PathBuf {
    let stem = report_path.with_extension("");
    PathBuf::from(format!("{}{JOURNAL_SUFFIX}", stem.display()))
}

/// Whether `path` names a journal.
pub fn is_journal(path: &Path) -> bool {
    path.to_string_lossy().ends_with(JOURNAL_SUFFIX)
}

/// Where `calibrate` puts the profile of the report at `report_path` by default.
pub fn profile_path(report_path: &Path) -> PathBuf {
    let stem = report_path.with_extension("");
    PathBuf::from(format!("{}{PROFILE_SUFFIX}", stem.display()))
}

/// The finished reports in `dir` (`*.json`, not the profiles beside them),
/// sorted by name, so oldest first for names chipbench chose.
pub fn report_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.to_string_lossy();
        if name.ends_with(".json") && !name.ends_with(PROFILE_SUFFIX) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
