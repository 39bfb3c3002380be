//! `chipbench show REPORT`: a saved report as the run's table.

use std::path::Path;

use anyhow::Result;

use super::Outcome;
use crate::report::{load, render_table};

/// Prints the report (or journal) at `path`.
pub fn show(path: &Path) -> Result<Outcome> {
    let report = load(path)?;
    print!("{}", render_table(&report));
    Ok(Outcome::Success)
}
