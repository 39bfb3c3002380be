//! Reading a fleet's reports from the files and folders a user names.

use std::path::{Path, PathBuf};

use super::node::NodeRun;
use super::FleetError;
use crate::report::{load, report_files};

/// The node runs of every report in `paths`: a file is one report (or an
/// interrupted run's journal), a folder holds reports. A path that does not
/// exist, a folder without a report, or a file that is not a report is an error.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<NodeRun>, FleetError> {
    let mut runs = Vec::new();
    for path in paths {
        for file in files_of(path)? {
            let report = load(&file)?;
            runs.push(NodeRun::of(&report, &file.display().to_string()));
        }
    }
    Ok(runs)
}

/// The report files `path` names.
fn files_of(path: &Path) -> Result<Vec<PathBuf>, FleetError> {
    if !path.exists() {
        return Err(FleetError::NotFound(path.display().to_string()));
    }
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let files = report_files(path).map_err(|source| FleetError::Unreadable {
        path: path.display().to_string(),
        source,
    })?;
    if files.is_empty() {
        return Err(FleetError::NoReports(path.display().to_string()));
    }
    Ok(files)
}
