//! The journal: a JSON-lines file beside the report-to-be. Its first line is
//! the report header, and each finished measurement is appended and flushed to
//! disk as it is made, so an interrupted or crashed run loses nothing finished.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::paths::journal_path;
use super::store::{malformed, write_atomic};
use super::{Measurement, Report, ReportError};

/// An open journal for one run.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Creates the journal for `report_path` and writes `header` (the report
    /// without measurements) as its first line. Fails if the folder is not writable.
    pub fn create(report_path: &Path, header: &Report) -> Result<Journal, ReportError> {
        let path = journal_path(report_path);
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| ReportError::io(&path, e))?;
        let mut journal = Journal { path, file };
        journal.append_line(&serde_json::to_string(header).expect("a header always serializes"))?;
        Ok(journal)
    }

    /// Appends one finished measurement and flushes it to disk.
    pub fn append(&mut self, measurement: &Measurement) -> Result<(), ReportError> {
        self.append_line(
            &serde_json::to_string(measurement).expect("a measurement always serializes"),
        )
    }

    fn append_line(&mut self, line: &str) -> Result<(), ReportError> {
        writeln!(self.file, "{line}")
            .and_then(|_| self.file.sync_data())
            .map_err(|e| ReportError::io(&self.path, e))
    }

    /// Writes the final `report` atomically to `report_path` and removes the journal.
    pub fn finish(self, report_path: &Path, report: &Report) -> Result<(), ReportError> {
        write_atomic(report_path, report)?;
        std::fs::remove_file(&self.path).map_err(|e| ReportError::io(&self.path, e))
    }
}

/// A journal's lines as JSON: the header, then each measurement. A last line
/// cut short by the interruption is dropped; any other bad line makes the
/// journal malformed.
pub fn read_lines(
    path: &Path,
    text: &str,
) -> Result<(serde_json::Value, Vec<serde_json::Value>), ReportError> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    let header = lines.next().ok_or_else(|| ReportError::Malformed {
        path: path.display().to_string(),
        message: "empty journal".into(),
    })?;
    let header = serde_json::from_str(header).map_err(|e| malformed(path, e))?;
    let mut measurements = Vec::new();
    while let Some(line) = lines.next() {
        match serde_json::from_str(line) {
            Ok(measurement) => measurements.push(measurement),
            Err(_) if lines.peek().is_none() => break,
            Err(e) => return Err(malformed(path, e)),
        }
    }
    Ok((header, measurements))
}
