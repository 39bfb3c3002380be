//! `chipbench report REPORT... [--html FILE] [--md FILE] [--csv FILE]`:
//! saved reports as pages and tables; and the HTML page `run --html`
//! writes beside its report.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};

use super::Outcome;
use crate::cli::{OutputArgs, ReportArgs};
use crate::export::{Format, Outputs, ReportRows};
use crate::report::load;

/// Writes `args`' reports in every format asked for, or prints them as
/// Markdown when none is.
pub fn report(args: &ReportArgs) -> Result<Outcome> {
    let reports = load_rows(&args.reports)?;
    let outputs = create_outputs(&args.outputs, &args.reports)?;
    if outputs.is_empty() {
        print!("{}", Format::Markdown.exporter().reports(&reports));
    }
    print_written(&outputs.write_reports(&reports)?);
    Ok(Outcome::Success)
}

/// Creates the files `outputs` names, refusing any that is one of the
/// `inputs`: writing it would destroy a report.
pub(super) fn create_outputs(outputs: &OutputArgs, inputs: &[PathBuf]) -> Result<Outputs> {
    let wanted: Vec<(Format, &Path)> = [
        (Format::Html, &outputs.html),
        (Format::Markdown, &outputs.md),
        (Format::Csv, &outputs.csv),
    ]
    .into_iter()
    .filter_map(|(format, path)| Some((format, path.as_deref()?)))
    .collect();
    for (_, path) in &wanted {
        let same = |input: &PathBuf| match (path.canonicalize(), input.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if inputs.iter().any(same) {
            bail!(
                "{} is a report being read; it is not overwritten",
                path.display()
            );
        }
    }
    Outputs::create(&wanted)
}

/// Reads every report; the first that cannot be read is the error.
pub(super) fn load_rows(paths: &[PathBuf]) -> Result<Vec<ReportRows>> {
    paths.iter().map(|path| load_one(path)).collect()
}

/// Reads the report at `path` into rows named by that path: a file that is
/// not a chipbench report, or one of a newer schema, is the error, as one
/// message (a `ReportError`'s text already holds its source's).
pub(super) fn load_one(path: &Path) -> Result<ReportRows> {
    let report = load(path).map_err(|error| anyhow!("{error}"))?;
    Ok(ReportRows::of(&report, &path.display().to_string()))
}

/// `html: PATH`, one line per file written.
pub(super) fn print_written(written: &[(Format, PathBuf)]) {
    for (format, path) in written {
        println!("{}: {}", format.name(), path.display());
    }
}

/// The HTML page of the report a run writes to `report_path`: created
/// beside it (same name, `.html`) before the run measures anything, when
/// `wanted`.
pub(super) fn html_beside(report_path: &Path, wanted: bool) -> Result<Option<Outputs>> {
    if !wanted {
        return Ok(None);
    }
    let path = report_path.with_extension("html");
    Outputs::create(&[(Format::Html, &path)]).map(Some)
}
