//! `chipbench compare A.json B.json [C.json ...] [--html FILE] [--md FILE]
//! [--csv FILE]`, `chipbench compare --history REPORT`, and the comparison
//! `run --compare PREVIOUS.json` ends with.

use std::path::Path;

use anyhow::{bail, Result};

use super::history::compare_with_history;
use super::report::{create_outputs, load_one, load_rows, print_written};
use super::Outcome;
use crate::cli::CompareArgs;
use crate::export::{Comparison, Exporter, ReportRows, Terminal};
use crate::suite::Suite;

/// Prints the comparison of `args`' reports as a table and writes it in
/// every format asked for.
pub fn compare(args: &CompareArgs) -> Result<Outcome> {
    if args.history {
        return compare_with_history(args.db.as_deref(), &args.reports[0]);
    }
    let comparison = Comparison::of(load_rows(&args.reports)?)?;
    let outputs = create_outputs(&args.outputs, &args.reports)?;
    print!("{}", Terminal.comparison(&comparison));
    print_written(&outputs.write_comparison(&comparison)?);
    Ok(Outcome::Success)
}

/// The earlier report a run is compared against, read before it measures.
#[derive(Debug)]
pub(super) struct Previous {
    rows: ReportRows,
}

impl Previous {
    /// Reads the report at `path`: a file that is not a chipbench report, or
    /// one of an unknown schema, fails here, before any measurement.
    pub fn load(path: &Path) -> Result<Previous> {
        Ok(Previous {
            rows: load_one(path)?,
        })
    }

    /// Fails when `suite` runs no case the earlier report has: the
    /// comparison would be empty.
    pub fn check_overlap(&self, suite: &Suite) -> Result<()> {
        let names: Vec<String> = suite.cases.iter().map(|c| c.name()).collect();
        if !self.rows.cases.iter().any(|row| names.contains(&row.case)) {
            bail!(
                "{} has no case in common with this run (suite '{}')",
                self.rows.header.source,
                suite.name
            );
        }
        Ok(())
    }

    /// Prints the comparison of the finished run's rows, `now`, against the
    /// earlier report (as A). A run interrupted before any case in common
    /// gets a warning: its report stands.
    pub fn print_against(self, now: ReportRows) {
        match Comparison::of(vec![self.rows, now]) {
            Ok(comparison) => print!("{}", Terminal.comparison(&comparison)),
            Err(error) => eprintln!("warning: no comparison: {error:#}"),
        }
    }
}
