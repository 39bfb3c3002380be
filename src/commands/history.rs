//! `chipbench history add REPORT...`, `chipbench history show`, and the
//! history `run --history` adds its report to and `compare --history` reads.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

use super::Outcome;
use crate::cli::{HistoryAction, HistoryArgs, HistoryShowArgs};
use crate::export::{history_comparison, history_rows};
use crate::history::{default_path, History, ShowFilter};
use crate::report::{self, Report};

/// Runs `args`' history verb.
pub fn history(args: &HistoryArgs) -> Result<Outcome> {
    let path = database_path(args.db.as_deref())?;
    match &args.action {
        HistoryAction::Add { reports } => add_all(&path, reports),
        HistoryAction::Show(show) => show_rows(&path, show),
    }
}

/// `--db`, else the default path.
pub(super) fn database_path(db: Option<&Path>) -> Result<PathBuf> {
    db.map(Path::to_path_buf)
        .or_else(default_path)
        .ok_or_else(|| {
            anyhow!(
                "no history database: name one with --db (neither XDG_DATA_HOME nor HOME is set)"
            )
        })
}

/// Adds each report (a folder: each report in it), one transaction each.
/// The first that fails stops the command, saying how many were added
/// before it: they are kept.
fn add_all(path: &Path, inputs: &[PathBuf]) -> Result<Outcome> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let found = report::report_files(input)
                .with_context(|| format!("cannot read the folder {}", input.display()))?;
            if found.is_empty() {
                return Err(anyhow!("{} holds no reports", input.display()));
            }
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    let mut history = History::create_or_open(path)?;
    for (added_before, file) in files.iter().enumerate() {
        let kept = || match added_before {
            0 => "nothing was added".to_string(),
            n => format!("the {n} report(s) before it were added and are kept"),
        };
        let report = report::load(file).map_err(|error| anyhow!("{error}; {}", kept()))?;
        let added = history
            .add(&report, file)
            .map_err(|error| anyhow!("{error}; {}", kept()))?;
        println!(
            "added {} as run {} ({} measurements, node {}) to {}",
            file.display(),
            added.run_id,
            added.measurements,
            report.host.node_label(),
            path.display()
        );
    }
    Ok(Outcome::Success)
}

/// Prints the measurements `args` selects, as a table or JSON.
fn show_rows(path: &Path, args: &HistoryShowArgs) -> Result<Outcome> {
    let history = History::open_existing(path)?;
    let rows = history.measurements(&ShowFilter {
        chip: args.chip.clone(),
        case: args.case_pattern.clone(),
        node: args.node.clone(),
    })?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).expect("rows serialize")
        );
    } else {
        print!("{}", history_rows(&rows));
    }
    Ok(Outcome::Success)
}

/// Prints the report at `report_path` against its chip's history.
pub(super) fn compare_with_history(db: Option<&Path>, report_path: &Path) -> Result<Outcome> {
    let path = database_path(db)?;
    let report = report::load(report_path).map_err(|error| anyhow!("{error}"))?;
    let history = History::open_existing(&path)?;
    let comparison = history.compare(&report, &report_path.display().to_string())?;
    print!("{}", history_comparison(&comparison));
    Ok(Outcome::Success)
}

/// The history a run adds its report to: opened (and checked) before the
/// run measures anything, so a bad database fails at once.
#[derive(Debug)]
pub(super) struct RunHistory {
    history: History,
}

impl RunHistory {
    /// Opens the database `db` (else the default), creating it.
    pub fn open(db: Option<&Path>) -> Result<RunHistory> {
        let path = database_path(db)?;
        Ok(RunHistory {
            history: History::create_or_open(&path)?,
        })
    }

    /// Adds the report just written to `report_path`. A failure says that
    /// the report on disk stands and how to add it later.
    pub fn add(mut self, report: &Report, report_path: &Path) -> Result<()> {
        let added = self.history.add(report, report_path).map_err(|error| {
            anyhow!(
                "{error}; the report {} is written and kept: add it later with `chipbench history add`",
                report_path.display()
            )
        })?;
        println!(
            "history: run {} ({} measurements) added to {}",
            added.run_id,
            added.measurements,
            self.history.path().display()
        );
        Ok(())
    }
}
