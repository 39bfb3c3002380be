//! The result history: every run a fleet makes, kept in one embedded SQLite
//! database so a chip can be held against its own past (`history add`,
//! `history show`, `run --history`, `compare --history`).
//!
//! The schema is plain SQL (no SQLite-only types, ids assigned by chipbench,
//! not by an auto-increment), so the same tables move to PostgreSQL when a
//! fleet outgrows one file. Inside, imports go one way: `schema` ← `open` ←
//! `add`, `query` ← `drift`.

mod add;
mod drift;
mod open;
mod query;
mod schema;

pub use add::Added;
pub use drift::{
    CaseDrift, DriftVerdict, HistoryComparison, DRIFT_FLOOR, RUNS_FOR_A_SPREAD, SPREADS_OF_NOISE,
};
pub use open::{default_path, BUSY_TIMEOUT_S};
pub use query::{ChipGroup, EarlierFigure, MeasurementRow, ShowFilter};
pub use schema::{HISTORY_SCHEMA_VERSION, SCHEMA_SQL};

use std::path::{Path, PathBuf};

/// An open result history: one SQLite file, checked to be a chipbench
/// history of a schema this chipbench reads (migrated if older).
#[derive(Debug)]
pub struct History {
    connection: rusqlite::Connection,
    path: PathBuf,
}

impl History {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Begins a write transaction on `connection` (the database at `path`) at
/// once, so a competing writer is waited for (up to the busy timeout) here
/// rather than failing halfway through.
fn begin_write<'c>(
    connection: &'c mut rusqlite::Connection,
    path: &Path,
) -> Result<rusqlite::Transaction<'c>> {
    connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|error| HistoryError::from_sqlite(path, error))
}

/// What can go wrong with a history database, each said in one line.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Reading asked for a history that does not exist.
    #[error("no history database at {path} (add runs with `chipbench history add`, or name one with --db)")]
    Missing {
        /// The file.
        path: String,
    },
    /// The file exists but is not an SQLite database.
    #[error("{path} is not a chipbench history database (not an SQLite file)")]
    NotSqlite {
        /// The file.
        path: String,
    },
    /// An SQLite file whose pages SQLite cannot make sense of.
    #[error("{path} is a damaged SQLite file (SQLite: database disk image is malformed); restore it from a copy")]
    Corrupt {
        /// The file.
        path: String,
    },
    /// An SQLite database without chipbench's tables.
    #[error(
        "{path} is not a chipbench history database (an SQLite file without chipbench's tables)"
    )]
    NotHistory {
        /// The file.
        path: String,
    },
    /// A database written by a newer chipbench.
    #[error("{path} has history schema version {found}; this chipbench reads up to {HISTORY_SCHEMA_VERSION}")]
    NewerSchema {
        /// The file.
        path: String,
        /// Its schema version.
        found: i64,
    },
    /// Another process held a write lock longer than the busy timeout.
    #[error("{path} is locked by another process (waited {BUSY_TIMEOUT_S} s); try again when it has finished")]
    Locked {
        /// The file.
        path: String,
    },
    /// The folder or file cannot be created or written.
    #[error("cannot write the history database {path}: {message}")]
    Unwritable {
        /// The file.
        path: String,
        /// What the OS or SQLite said.
        message: String,
    },
    /// The run is in the history already.
    #[error("{report} is already in {path}: the same run ({run}) was added {added}")]
    Duplicate {
        /// The report being added.
        report: String,
        /// The database.
        path: String,
        /// The run: node, adapter, backend, start time.
        run: String,
        /// When the stored copy was added, and from which file.
        added: String,
    },
    /// Anything else SQLite reports.
    #[error("{path}: {source}")]
    Sqlite {
        /// The file.
        path: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
}

impl HistoryError {
    /// The error SQLite's `source` stands for, on the database at `path`:
    /// a busy database is locked, a file SQLite cannot read as a database is
    /// not one, a read-only or unopenable file cannot be written.
    fn from_sqlite(path: &Path, source: rusqlite::Error) -> HistoryError {
        use rusqlite::ErrorCode::*;
        let path_text = path.display().to_string();
        match source.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => HistoryError::Locked { path: path_text },
            Some(NotADatabase) => HistoryError::NotSqlite { path: path_text },
            Some(DatabaseCorrupt) => HistoryError::Corrupt { path: path_text },
            Some(ReadOnly | CannotOpen | PermissionDenied | DiskFull | SystemIoFailure) => {
                HistoryError::Unwritable {
                    path: path_text,
                    message: source.to_string(),
                }
            }
            _ => HistoryError::Sqlite {
                path: path_text,
                source,
            },
        }
    }
}

/// `Result` with a [`HistoryError`].
pub type Result<T> = std::result::Result<T, HistoryError>;
