//! Reports: the versioned JSON schema, where report files go, the atomic
//! store, the journal a run appends to as it goes, loading (with migration
//! of older versions), and the host a report was measured on. How a report
//! is shown (the terminal's table included) is `export`'s.
//!
//! Inside, imports go one way: `schema` and `paths` ← `store` ← `journal` ←
//! `load`.

mod host;
mod journal;
mod load;
mod paths;
mod schema;
mod store;

pub use host::Host;
pub use journal::Journal;
pub use load::load;
pub use paths::{profile_path, report_files, report_path};
pub use schema::*;
pub use store::{write_atomic, write_json_atomic};

/// Errors reading or writing reports.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read, written or renamed.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// What the OS said (in the message, not a second link of the
        /// chain, which a one-line error would print twice).
        cause: std::io::Error,
    },
    /// A file is not a chipbench report (or journal).
    #[error("{path} is not a valid chipbench report: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// A report from a newer chipbench.
    #[error("{path} has schema version {found}; this chipbench reads up to {SCHEMA_VERSION}")]
    NewerSchema {
        /// The file.
        path: String,
        /// Its schema version.
        found: u32,
    },
}

impl ReportError {
    fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.display().to_string(),
            cause: source,
        }
    }
}
