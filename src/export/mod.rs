//! Reports people look at: one file per format (HTML with plots, Markdown,
//! CSV) and the terminal's text ([`Terminal`], what `run`, `show`,
//! `compare` and `fleet` print) behind the [`Exporter`] trait, all fed by
//! the row model of [`model`] and, for reports side by side, [`comparison`];
//! a fleet's nodes by `crate::fleet`'s analysis, through `fleet_tables` and
//! `fleet_plot`.
//!
//! Output files are created when a command starts ([`Outputs::create`]), so
//! a path that cannot be written fails before any measurement does.

mod comparison;
mod csv;
mod fleet_plot;
mod fleet_tables;
mod history;
mod html;
mod markdown;
mod model;
mod plan;
mod plots;
mod tables;
mod terminal;

pub use comparison::{ComparedCase, Comparison, Side, UnmatchedCase, Verdict};
pub use history::{history_comparison, history_rows};
pub use model::{
    AutotuneRow, BandwidthRoof, BaselineRow, CaseRow, ComputeRoof, Header, Metric, ReportRows,
    Roofs, TargetRow, TrialRow, TrialState, WarningOrigin, WarningRow,
};
pub use plan::{plan_html, plan_markdown};
pub use terminal::Terminal;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::fleet::FleetAnalysis;

/// One output format.
pub trait Exporter {
    /// One or more reports, one section each.
    fn reports(&self, reports: &[ReportRows]) -> String;
    /// Reports compared case by case.
    fn comparison(&self, comparison: &Comparison) -> String;
    /// A fleet's nodes, each against its group.
    fn fleet(&self, fleet: &FleetAnalysis) -> String;
}

/// The formats a command can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One self-contained page with SVG plots.
    Html,
    /// Tables for pasting into an issue.
    Markdown,
    /// One row per case, every numeric field.
    Csv,
}

impl Format {
    /// The exporter that writes this format.
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Format::Html => Box::new(html::Html),
            Format::Markdown => Box::new(markdown::Markdown),
            Format::Csv => Box::new(csv::Csv),
        }
    }

    /// How `chipbench` names the format when it says what it wrote.
    pub fn name(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown => "markdown",
            Format::Csv => "csv",
        }
    }
}

/// Output files, created (empty) up front and written once the content exists.
#[derive(Debug)]
pub struct Outputs {
    files: Vec<(Format, PathBuf, File)>,
}

impl Outputs {
    /// Creates (or empties) every file in `wanted`, failing on the first that
    /// cannot be, or on a path named twice.
    pub fn create(wanted: &[(Format, &Path)]) -> Result<Outputs> {
        let mut files = Vec::new();
        for (i, &(format, path)) in wanted.iter().enumerate() {
            if wanted[..i].iter().any(|&(_, earlier)| earlier == path) {
                bail!("{} is named for two outputs", path.display());
            }
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            files.push((format, path.to_path_buf(), file));
        }
        Ok(Outputs { files })
    }

    /// True when no output was asked for.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Writes `reports` in every format; returns each format and path written.
    pub fn write_reports(self, reports: &[ReportRows]) -> Result<Vec<(Format, PathBuf)>> {
        self.write(|format| format.exporter().reports(reports))
    }

    /// Writes `comparison` in every format; returns each format and path written.
    pub fn write_comparison(self, comparison: &Comparison) -> Result<Vec<(Format, PathBuf)>> {
        self.write(|format| format.exporter().comparison(comparison))
    }

    /// Writes `fleet` in every format; returns each format and path written.
    pub fn write_fleet(self, fleet: &FleetAnalysis) -> Result<Vec<(Format, PathBuf)>> {
        self.write(|format| format.exporter().fleet(fleet))
    }

    /// Writes what `content` makes of each format (a plan's page, for one);
    /// returns each format and path written.
    pub fn write(self, content: impl Fn(Format) -> String) -> Result<Vec<(Format, PathBuf)>> {
        let mut written = Vec::new();
        for (format, path, mut file) in self.files {
            file.write_all(content(format).as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push((format, path));
        }
        Ok(written)
    }
}
