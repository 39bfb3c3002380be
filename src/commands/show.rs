//! `chipbench show REPORT`: a saved report as the run printed it.

use std::path::Path;

use anyhow::Result;

use super::report::load_one;
use super::Outcome;
use crate::export::{Exporter, Terminal};

/// Prints the report (or journal) at `path`. A report that stored no
/// verdicts (schema version 1, or a journal) is judged now, and says so.
pub fn show(path: &Path) -> Result<Outcome> {
    print!("{}", Terminal.reports(&[load_one(path)?]));
    Ok(Outcome::Success)
}
