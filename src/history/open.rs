//! Opening a history: where it lives by default, creating it, telling a
//! chipbench history from any other file, refusing a newer schema and
//! migrating an older one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;

use super::schema::{HISTORY_SCHEMA_VERSION, MIGRATIONS};
use super::{begin_write, History, HistoryError, Result};

/// How long a command waits for another process's write to finish before
/// it says the database is locked.
pub const BUSY_TIMEOUT_S: u64 = 3;

/// The table whose row holds the schema version; its presence is what makes
/// an SQLite file a chipbench history.
const VERSION_TABLE: &str = "chipbench_history";

/// `$XDG_DATA_HOME/chipbench/history.sqlite`, else
/// `~/.local/share/chipbench/history.sqlite` (None with neither variable set).
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| Path::new(&home).join(".local").join("share"))
        })
        .map(|dir| dir.join("chipbench").join("history.sqlite"))
}

impl History {
    /// Opens the history at `path`, creating the file (and its folder) when
    /// there is none: what adding a run needs.
    pub fn create_or_open(path: &Path) -> Result<History> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|error| HistoryError::Unwritable {
                path: path.display().to_string(),
                message: format!("cannot create the folder {}: {error}", folder.display()),
            })?;
        }
        History::connect(path)
    }

    /// Opens the history at `path`, which must exist: what reading needs (a
    /// mistyped path is not silently an empty history).
    pub fn open_existing(path: &Path) -> Result<History> {
        if !path.is_file() {
            return Err(HistoryError::Missing {
                path: path.display().to_string(),
            });
        }
        History::connect(path)
    }

    /// Connects, checks what the file is, and brings its schema up to date.
    fn connect(path: &Path) -> Result<History> {
        if path.is_dir() {
            return Err(HistoryError::Unwritable {
                path: path.display().to_string(),
                message: "it is a folder".into(),
            });
        }
        let sqlite = |error| HistoryError::from_sqlite(path, error);
        let connection = Connection::open(path).map_err(sqlite)?;
        connection
            .busy_timeout(Duration::from_secs(BUSY_TIMEOUT_S))
            .map_err(sqlite)?;
        connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(sqlite)?;
        let mut history = History {
            connection,
            path: path.to_path_buf(),
        };
        if history.schema_version()? < HISTORY_SCHEMA_VERSION {
            history.migrate()?;
        }
        Ok(history)
    }

    /// The schema version the file holds: 0 for an empty database, refused
    /// when it is not a chipbench history or newer than this chipbench.
    fn schema_version(&self) -> Result<i64> {
        let sqlite = |error| HistoryError::from_sqlite(&self.path, error);
        let tables: Vec<String> = self
            .connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(sqlite)?;
        if tables.is_empty() {
            return Ok(0);
        }
        if !tables.iter().any(|t| t == VERSION_TABLE) {
            return Err(HistoryError::NotHistory {
                path: self.path.display().to_string(),
            });
        }
        let version: i64 = self
            .connection
            .query_row(
                &format!("SELECT MAX(schema_version) FROM {VERSION_TABLE}"),
                [],
                |row| row.get::<_, Option<i64>>(0),
            )
            .map_err(sqlite)?
            .ok_or_else(|| HistoryError::NotHistory {
                path: self.path.display().to_string(),
            })?;
        if version > HISTORY_SCHEMA_VERSION {
            return Err(HistoryError::NewerSchema {
                path: self.path.display().to_string(),
                found: version,
            });
        }
        Ok(version)
    }

    /// Runs the migrations from the file's version to this chipbench's in
    /// one write transaction: another process migrating at the same time is
    /// waited for, and a failure leaves the file as it was.
    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let sqlite = |error| HistoryError::from_sqlite(&path, error);
        let transaction = begin_write(&mut self.connection, &path)?;
        // Read again under the write lock: another process may have migrated.
        let from = History::version_in(&transaction).map_err(sqlite)?;
        for migration in &MIGRATIONS[from as usize..] {
            transaction.execute_batch(migration).map_err(sqlite)?;
        }
        transaction
            .execute_batch(&format!(
                "DELETE FROM {VERSION_TABLE}; \
                 INSERT INTO {VERSION_TABLE} (schema_version) VALUES ({HISTORY_SCHEMA_VERSION});"
            ))
            .map_err(sqlite)?;
        transaction.commit().map_err(sqlite)
    }

    /// The version a connection sees, 0 before the version table exists.
    fn version_in(connection: &Connection) -> rusqlite::Result<i64> {
        let exists: bool = connection.query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [VERSION_TABLE],
            |row| row.get(0),
        )?;
        if !exists {
            return Ok(0);
        }
        connection.query_row(
            &format!("SELECT COALESCE(MAX(schema_version), 0) FROM {VERSION_TABLE}"),
            [],
            |row| row.get(0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_gets_the_current_schema_and_reopens_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deeper").join("h.sqlite");
        let history = History::create_or_open(&path).unwrap();
        assert_eq!(history.schema_version().unwrap(), HISTORY_SCHEMA_VERSION);
        drop(history);
        let again = History::open_existing(&path).unwrap();
        assert_eq!(again.schema_version().unwrap(), HISTORY_SCHEMA_VERSION);
    }

    #[test]
    fn a_missing_file_is_not_created_for_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.sqlite");
        let error = History::open_existing(&path).unwrap_err();
        assert!(matches!(error, HistoryError::Missing { .. }), "{error}");
        assert!(!path.exists());
    }

    #[test]
    fn another_sqlite_database_is_not_a_history_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.sqlite");
        let other = Connection::open(&path).unwrap();
        other.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        drop(other);
        let error = History::create_or_open(&path).unwrap_err();
        assert!(matches!(error, HistoryError::NotHistory { .. }), "{error}");
        let tables: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1, "nothing was added to someone else's database");
    }
}
