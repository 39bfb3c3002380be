//! The store: a report is written through a temporary file in the same
//! folder renamed into place, so it is either whole or absent; a file is read
//! back with errors that name it. Knows nothing of journals or versions.

use std::io::Write;
use std::path::Path;

use super::{Report, ReportError};

/// Writes `report` to `path` through a temporary file and a rename. Refuses to
/// replace an existing file.
pub fn write_atomic(path: &Path, report: &Report) -> Result<(), ReportError> {
    write_json_atomic(path, report)
}

/// Writes `value` as pretty JSON to `path` through a temporary file and a
/// rename, readable by all; refuses to replace an existing file. Reports and
/// anything else chipbench keeps as JSON (model profiles) are written alike.
pub fn write_json_atomic<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), ReportError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| ReportError::io(dir, e))?;
    let json = serde_json::to_vec_pretty(value).expect("chipbench's types always serialize");
    file.write_all(&json)
        .and_then(|_| file.write_all(b"\n"))
        .and_then(|_| readable_by_all(file.as_file()))
        .and_then(|_| file.as_file().sync_all())
        .map_err(|e| ReportError::io(path, e))?;
    file.persist_noclobber(path)
        .map_err(|e| ReportError::io(path, e.error))?;
    Ok(())
}

/// Reports are for sharing: `rw-r--r--`, not the owner-only mode of a fresh
/// temporary file.
fn readable_by_all(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// The text of the file at `path`.
pub fn read_text(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))
}

/// The error for a file whose JSON does not fit the schema.
pub fn malformed(path: &Path, error: serde_json::Error) -> ReportError {
    ReportError::Malformed {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}
