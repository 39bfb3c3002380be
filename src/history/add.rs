//! Adding a report: one run row and a row per measurement, in one
//! transaction, refused when the same run is there already.

use std::path::Path;

use rusqlite::{params, OptionalExtension};

use super::{begin_write, History, HistoryError, Result};
use crate::analysis::{rate_of, Rate};
use crate::report::{Measurement, Report, Status};

/// What adding a report stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    /// The run's id in the history.
    pub run_id: i64,
    /// Measurements stored with it.
    pub measurements: usize,
}

impl History {
    /// Stores `report`, read from `source`, with its raw JSON. A run is the
    /// same run when its node label, host name, adapter, backend and start
    /// time are (a report and the journal of the same run included): adding
    /// it again is refused, naming when and from where it was added. All or
    /// nothing: an error leaves the history as it was.
    pub fn add(&mut self, report: &Report, source: &Path) -> Result<Added> {
        let path = self.path.clone();
        let sqlite = |error| HistoryError::from_sqlite(&path, error);
        let transaction = begin_write(&mut self.connection, &path)?;
        let node = report.host.node_label();
        let identity = params![
            node,
            report.host.hostname,
            report.adapter.name,
            report.adapter.backend,
            report.started_utc
        ];
        let stored: Option<(String, String)> = transaction
            .query_row(
                "SELECT added_utc, added_from FROM runs WHERE node = ?1 AND hostname = ?2 \
                 AND adapter = ?3 AND backend = ?4 AND started_utc = ?5",
                identity,
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(sqlite)?;
        if let Some((added_utc, added_from)) = stored {
            return Err(HistoryError::Duplicate {
                report: source.display().to_string(),
                path: path.display().to_string(),
                run: format!(
                    "node {node}, {} on {}, started {}",
                    report.adapter.name, report.adapter.backend, report.started_utc
                ),
                added: format!("{added_utc} from {added_from}"),
            });
        }
        let run_id: i64 = transaction
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM runs", [], |row| {
                row.get(0)
            })
            .map_err(sqlite)?;
        let report_json = serde_json::to_string(report).expect("a report serializes");
        let added_from = source
            .canonicalize()
            .unwrap_or_else(|_| source.to_path_buf());
        transaction
            .execute(
                "INSERT INTO runs (id, node, hostname, host_cpu, adapter, backend, driver, \
                 driver_info, tool_version, report_schema_version, suite, partial, started_utc, \
                 finished_utc, added_utc, added_from, report_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                params![
                    run_id,
                    node,
                    report.host.hostname,
                    report.host.cpu,
                    report.adapter.name,
                    report.adapter.backend,
                    report.adapter.driver,
                    report.adapter.driver_info,
                    report.tool_version,
                    report.schema_version,
                    report.suite.name,
                    report.partial,
                    report.started_utc,
                    report.finished_utc,
                    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    added_from.display().to_string(),
                    report_json,
                ],
            )
            .map_err(sqlite)?;
        {
            let mut insert = transaction
                .prepare(
                    "INSERT INTO measurements (run_id, position, case_name, workload, variant, \
                     dtype, shape, status, verified, median_s, figure, figure_unit, spread, cv, \
                     mad_s, samples) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                )
                .map_err(sqlite)?;
            for (position, m) in report.measurements.iter().enumerate() {
                let summary = m.timing.as_ref().map(|t| &t.summary);
                let figure = judged_figure(m);
                insert
                    .execute(params![
                        run_id,
                        position as i64,
                        m.case,
                        m.workload,
                        m.variant,
                        m.dtype.to_string(),
                        m.shape.to_string(),
                        m.status.word(),
                        m.verification.as_ref().map(|v| v.passed),
                        summary.map(|s| s.median_s),
                        figure.map(|r| r.value),
                        figure.map(|r| r.unit),
                        summary.and_then(|s| s.relative_spread()),
                        summary.map(|s| s.cv),
                        summary.map(|s| s.mad_s),
                        m.timing.as_ref().map(|t| t.samples as i64),
                    ])
                    .map_err(sqlite)?;
            }
        }
        transaction.commit().map_err(sqlite)?;
        Ok(Added {
            run_id,
            measurements: report.measurements.len(),
        })
    }
}

/// The figure `m` is judged by, for a verified measurement only: a failed
/// case's time is no figure of the chip.
fn judged_figure(m: &Measurement) -> Option<Rate> {
    (m.status == Status::Ok).then(|| rate_of(m)).flatten()
}
