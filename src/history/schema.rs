//! The tables, in plain SQL that SQLite and PostgreSQL both read, and the
//! migrations that bring an older history up to date.

/// Version of the history's tables; bumped on any change, with a migration.
///
/// - 1: `chipbench_history`, `runs`, `measurements`.
pub const HISTORY_SCHEMA_VERSION: i64 = 1;

/// The whole schema at [`HISTORY_SCHEMA_VERSION`], as `history` creates it
/// (and as the README gives it for PostgreSQL). Times are RFC 3339 UTC text,
/// which sorts as time; booleans are 0 or 1; ids are assigned by chipbench.
pub const SCHEMA_SQL: &str = "\
CREATE TABLE chipbench_history (
    schema_version INTEGER NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    node TEXT NOT NULL,
    hostname TEXT NOT NULL,
    host_cpu TEXT NOT NULL,
    adapter TEXT NOT NULL,
    backend TEXT NOT NULL,
    driver TEXT NOT NULL,
    driver_info TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    report_schema_version INTEGER NOT NULL,
    suite TEXT NOT NULL,
    partial INTEGER NOT NULL CHECK (partial IN (0, 1)),
    started_utc TEXT NOT NULL,
    finished_utc TEXT,
    added_utc TEXT NOT NULL,
    added_from TEXT NOT NULL,
    report_json TEXT NOT NULL,
    UNIQUE (node, hostname, adapter, backend, started_utc)
);
CREATE INDEX runs_by_chip ON runs (adapter, backend, started_utc);
CREATE INDEX runs_by_node ON runs (node, started_utc);
CREATE TABLE measurements (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    case_name TEXT NOT NULL,
    workload TEXT NOT NULL,
    variant TEXT NOT NULL,
    dtype TEXT NOT NULL,
    shape TEXT NOT NULL,
    status TEXT NOT NULL,
    verified INTEGER CHECK (verified IN (0, 1)),
    median_s DOUBLE PRECISION,
    figure DOUBLE PRECISION,
    figure_unit TEXT,
    spread DOUBLE PRECISION,
    cv DOUBLE PRECISION,
    mad_s DOUBLE PRECISION,
    samples INTEGER,
    PRIMARY KEY (run_id, position)
);
CREATE INDEX measurements_by_case ON measurements (case_name, run_id);
";

/// Migration `i` brings a history at version `i` to version `i + 1`;
/// version 0 is an empty database. Each runs inside the transaction that
/// also records the new version, so a failed migration changes nothing.
pub(super) const MIGRATIONS: [&str; HISTORY_SCHEMA_VERSION as usize] = [SCHEMA_SQL];
