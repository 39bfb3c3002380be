//! Reading the history back: the measurements `history show` lists, and
//! each case's earlier verified figures on a chip, which `compare --history`
//! and the fleet's drift check hold a run against.

use rusqlite::{params, Row};
use serde::Serialize;

use super::{History, HistoryError, Result};
use crate::report::Report;

/// Which measurements `history show` lists; every condition set must hold.
#[derive(Debug, Clone, Default)]
pub struct ShowFilter {
    /// Part of the adapter's name, case-insensitive.
    pub chip: Option<String>,
    /// Part of the case's name, case-insensitive.
    pub case: Option<String>,
    /// The node label, exactly.
    pub node: Option<String>,
}

/// One stored measurement with the run it belongs to, as `history show`
/// lists it (and writes it with `--json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasurementRow {
    /// The run's id in the history.
    pub run_id: i64,
    /// The node label the run stood for.
    pub node: String,
    /// The adapter's name.
    pub adapter: String,
    /// Its backend.
    pub backend: String,
    /// The driver version string.
    pub driver_info: String,
    /// When the run started, RFC 3339 UTC.
    pub started_utc: String,
    /// Whether the run was interrupted.
    pub partial: bool,
    /// Case name.
    pub case: String,
    /// Kernel variant.
    pub variant: String,
    /// `ok`, `failed` or `unsupported`.
    pub status: String,
    /// The judged figure (verified measurements only).
    pub figure: Option<f64>,
    /// Its unit: `GFLOP/s`, `GB/s` or `s`.
    pub figure_unit: Option<String>,
    /// Median seconds per operation.
    pub median_s: Option<f64>,
    /// The samples' relative spread: the larger of the CV and half the
    /// p10–p90 width over the median.
    pub spread: Option<f64>,
    /// Samples measured.
    pub samples: Option<i64>,
}

/// Runs whose figures are comparable: one adapter through one backend and
/// driver. A driver update can move figures as much as a fault, so the
/// driver's version string is part of the group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChipGroup {
    /// The adapter's name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub adapter: String,
    /// `vulkan`, `metal`, `dx12` or `gl`.
    pub backend: String,
    /// Driver name, e.g. `llvmpipe`.
    pub driver: String,
    /// Driver version string, e.g. `Mesa 22.3.6`.
    pub driver_info: String,
}

impl ChipGroup {
    /// The group `report`'s run belongs to.
    pub fn of(report: &Report) -> ChipGroup {
        ChipGroup {
            adapter: report.adapter.name.clone(),
            backend: report.adapter.backend.clone(),
            driver: report.adapter.driver.clone(),
            driver_info: report.adapter.driver_info.clone(),
        }
    }
}

/// One earlier run's figure for a case: its best verified measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlierFigure {
    /// The run's id in the history.
    pub run_id: i64,
    /// The node label the run stood for.
    pub node: String,
    /// When it started.
    pub started_utc: String,
    /// Driver name.
    pub driver: String,
    /// Driver version string.
    pub driver_info: String,
    /// Case name.
    pub case: String,
    /// The figure, in `unit`.
    pub figure: f64,
    /// `GFLOP/s`, `GB/s` or `s`.
    pub unit: String,
    /// The run's relative spread of the samples behind it (see
    /// [`crate::measure::Summary::relative_spread`]).
    pub spread: Option<f64>,
}

impl History {
    /// The measurements `filter` selects, oldest run first, each run's in
    /// the order measured.
    pub fn measurements(&self, filter: &ShowFilter) -> Result<Vec<MeasurementRow>> {
        let sql = "SELECT r.id, r.node, r.adapter, r.backend, r.driver_info, r.started_utc, \
                   r.partial, m.case_name, m.variant, m.status, m.figure, m.figure_unit, \
                   m.median_s, m.spread, m.samples \
                   FROM measurements m JOIN runs r ON r.id = m.run_id \
                   WHERE (?1 IS NULL OR LOWER(r.adapter) LIKE ?1 ESCAPE '\\') \
                   AND (?2 IS NULL OR LOWER(m.case_name) LIKE ?2 ESCAPE '\\') \
                   AND (?3 IS NULL OR r.node = ?3) \
                   ORDER BY r.started_utc, r.id, m.position";
        let row = |row: &Row<'_>| -> rusqlite::Result<MeasurementRow> {
            Ok(MeasurementRow {
                run_id: row.get(0)?,
                node: row.get(1)?,
                adapter: row.get(2)?,
                backend: row.get(3)?,
                driver_info: row.get(4)?,
                started_utc: row.get(5)?,
                partial: row.get(6)?,
                case: row.get(7)?,
                variant: row.get(8)?,
                status: row.get(9)?,
                figure: row.get(10)?,
                figure_unit: row.get(11)?,
                median_s: row.get(12)?,
                spread: row.get(13)?,
                samples: row.get(14)?,
            })
        };
        self.select(
            sql,
            params![
                filter.chip.as_deref().map(contains_pattern),
                filter.case.as_deref().map(contains_pattern),
                filter.node
            ],
            row,
        )
    }

    /// `node`'s figures for `case` on `group`'s chip, driver included, from
    /// runs started before `before_utc` (RFC 3339), oldest first, in the unit
    /// of [`crate::analysis::rate_of`]: each run's best verified measurement
    /// of the case, so a drift can be seen in a node's own past.
    pub fn earlier_figures(
        &self,
        node: &str,
        group: &ChipGroup,
        case: &str,
        before_utc: &str,
    ) -> Result<Vec<f64>> {
        Ok(self
            .chip_figures(&group.adapter, &group.backend, before_utc)?
            .into_iter()
            .filter(|f| f.node == node && f.case == case)
            .filter(|f| f.driver == group.driver && f.driver_info == group.driver_info)
            .map(|f| f.figure)
            .collect())
    }

    /// Every case's figures on an adapter through a backend, any node or
    /// driver, from runs started before `before_utc`, oldest run first: one
    /// per run and case, its best verified measurement (with
    /// `--all-variants` a run measures a case several times).
    pub fn chip_figures(
        &self,
        adapter: &str,
        backend: &str,
        before_utc: &str,
    ) -> Result<Vec<EarlierFigure>> {
        let sql = "SELECT r.id, r.node, r.started_utc, r.driver, r.driver_info, m.case_name, \
                   m.figure, m.figure_unit, m.spread \
                   FROM measurements m JOIN runs r ON r.id = m.run_id \
                   WHERE r.adapter = ?1 AND r.backend = ?2 AND r.started_utc < ?3 \
                   AND m.status = 'ok' AND m.figure IS NOT NULL AND m.figure_unit IS NOT NULL \
                   ORDER BY r.started_utc, r.id, m.position";
        let row = |row: &Row<'_>| -> rusqlite::Result<EarlierFigure> {
            Ok(EarlierFigure {
                run_id: row.get(0)?,
                node: row.get(1)?,
                started_utc: row.get(2)?,
                driver: row.get(3)?,
                driver_info: row.get(4)?,
                case: row.get(5)?,
                figure: row.get(6)?,
                unit: row.get(7)?,
                spread: row.get(8)?,
            })
        };
        let mut best: Vec<EarlierFigure> = Vec::new();
        for figure in self.select(sql, params![adapter, backend, before_utc], row)? {
            match best
                .iter_mut()
                .find(|b| b.run_id == figure.run_id && b.case == figure.case)
            {
                Some(kept) if better(&figure, kept) => *kept = figure,
                Some(_) => {}
                None => best.push(figure),
            }
        }
        Ok(best)
    }

    /// Runs `sql` with `params`, each row read by `read`.
    pub(super) fn select<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        self.connection
            .prepare(sql)
            .and_then(|mut statement| statement.query_map(params, read)?.collect())
            .map_err(|error| HistoryError::from_sqlite(&self.path, error))
    }
}

/// Whether `a` is a better figure than `b` (same case, same unit): a larger
/// rate, or a shorter time.
fn better(a: &EarlierFigure, b: &EarlierFigure) -> bool {
    match a.unit.as_str() {
        "s" => a.figure < b.figure,
        _ => a.figure > b.figure,
    }
}

/// `%text%` for `LIKE`, lower-cased, with `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> String {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{load, Status};

    /// The committed quick run on lavapipe.
    fn committed() -> (std::path::PathBuf, Report) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("reports/vm_llvmpipe-llvm-15-0-6-256-bits_vulkan_20261202T072710Z.json");
        let report = load(&path).unwrap();
        (path, report)
    }

    /// A copy of `report` run by `node` at `started_utc`, every GFLOP/s times `scale`.
    fn copy(report: &Report, node: &str, started_utc: &str, scale: f64) -> Report {
        let mut copy = report.clone();
        copy.host.node = Some(node.into());
        copy.started_utc = started_utc.into();
        for m in &mut copy.measurements {
            m.gflop_per_s = m.gflop_per_s.map(|g| g * scale);
        }
        copy
    }

    #[test]
    fn earlier_figures_are_a_nodes_own_verified_runs_of_one_driver_oldest_first() {
        let (path, report) = committed();
        let case = "peak_f32_131072x4096";
        let figure = report
            .measurements
            .iter()
            .find(|m| m.case == case)
            .and_then(|m| m.gflop_per_s)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut history = History::create_or_open(&dir.path().join("h.sqlite")).unwrap();
        let mut other_driver = copy(&report, "a", "2026-01-03T00:00:00Z", 3.0);
        other_driver.adapter.driver_info = "Mesa 99".into();
        let mut failed = copy(&report, "a", "2026-01-04T00:00:00Z", 4.0);
        for m in failed.measurements.iter_mut().filter(|m| m.case == case) {
            m.status = Status::Failed;
        }
        // Added out of order: the answer is ordered by start time.
        for run in [
            copy(&report, "a", "2026-01-02T00:00:00Z", 1.0),
            copy(&report, "a", "2026-01-01T00:00:00Z", 0.5),
            copy(&report, "b", "2026-01-02T12:00:00Z", 2.0),
            other_driver,
            failed,
            copy(&report, "a", "2026-02-01T00:00:00Z", 5.0),
        ] {
            history.add(&run, &path).unwrap();
        }
        let group = ChipGroup::of(&report);
        let earlier = history
            .earlier_figures("a", &group, case, "2026-01-31T00:00:00Z")
            .unwrap();
        assert_eq!(earlier, vec![figure * 0.5, figure]);
        assert!(history
            .earlier_figures("c", &group, case, "2027-01-01T00:00:00Z")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn show_filters_by_chip_case_and_node_and_takes_wildcards_literally() {
        let (path, report) = committed();
        let dir = tempfile::tempdir().unwrap();
        let mut history = History::create_or_open(&dir.path().join("h.sqlite")).unwrap();
        history
            .add(&copy(&report, "a", "2026-01-01T00:00:00Z", 1.0), &path)
            .unwrap();
        history
            .add(&copy(&report, "b", "2026-01-02T00:00:00Z", 1.0), &path)
            .unwrap();
        let show = |chip: Option<&str>, case: Option<&str>, node: Option<&str>| {
            history
                .measurements(&ShowFilter {
                    chip: chip.map(Into::into),
                    case: case.map(Into::into),
                    node: node.map(Into::into),
                })
                .unwrap()
        };
        let all = show(None, None, None);
        assert_eq!(all.len(), 2 * report.measurements.len());
        assert_eq!(all[0].node, "a", "the older run first");
        let matmul_b = show(Some("LLVMPIPE"), Some("MATMUL_F32"), Some("b"));
        assert!(!matmul_b.is_empty());
        assert!(matmul_b
            .iter()
            .all(|r| r.node == "b" && r.case.starts_with("matmul_f32")));
        assert!(show(Some("nvidia"), None, None).is_empty());
        // `%` is a character to find, not LIKE's wildcard.
        assert!(show(None, Some("matmul%f32"), None).is_empty());
    }
}
