//! `chipbench show REPORT`: a saved report as the run's table.

use std::path::Path;

use anyhow::Result;

use super::Outcome;
use crate::analysis;
use crate::report::{load, render_table};

/// Prints the report (or journal) at `path`. A report that stored no
/// verdicts (schema version 1, or a journal) is judged now, and says so.
pub fn show(path: &Path) -> Result<Outcome> {
    let mut report = load(path)?;
    let judged_now = report.summary.is_none();
    if judged_now {
        report.summary = Some(analysis::summarize(&report, Vec::new()));
    }
    print!("{}", render_table(&report));
    if judged_now && !report.summary.as_ref().is_some_and(|s| s.ratios.is_empty()) {
        println!(
            "(verdicts judged now by chipbench {}: this report stored none)",
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(Outcome::Success)
}
