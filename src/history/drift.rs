//! A report held against its chip's history: per case, this run's figure
//! against the median of earlier runs on the same adapter and backend (any
//! node), how far apart, and whether that is beyond the history's own noise.

use super::{History, Result};
use crate::analysis::{best, rate_of};
use crate::measure::{mad_sigma, median};
use crate::report::Report;

/// A change smaller than this is never called a drift, however steady the
/// history: a few percent is what repeat runs of one chip differ by.
pub const DRIFT_FLOOR: f64 = 0.05;

/// A change is a drift when it is beyond this many of the history's robust
/// spreads (and beyond [`DRIFT_FLOOR`]).
pub const SPREADS_OF_NOISE: f64 = 3.0;

/// How a case's figure stands against its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftVerdict {
    /// Within the history's noise.
    Steady,
    /// Better beyond the noise: a higher rate or a shorter time.
    Faster,
    /// Worse beyond the noise.
    Slower,
    /// No earlier run has a verified figure for the case.
    NoHistory,
    /// This run has no verified figure for the case.
    NotMeasured,
}

impl DriftVerdict {
    /// The verdict in words.
    pub fn words(self) -> &'static str {
        match self {
            DriftVerdict::Steady => "within noise",
            DriftVerdict::Faster => "DRIFTED faster",
            DriftVerdict::Slower => "DRIFTED slower",
            DriftVerdict::NoHistory => "no history",
            DriftVerdict::NotMeasured => "not measured",
        }
    }

    /// Whether the figure moved beyond the noise.
    pub fn drifted(self) -> bool {
        matches!(self, DriftVerdict::Faster | DriftVerdict::Slower)
    }
}

/// One case of the report against its history.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDrift {
    /// Case name.
    pub case: String,
    /// Unit of the figures: `GFLOP/s`, `GB/s` or `s`.
    pub unit: Option<String>,
    /// This run's figure (its best verified measurement of the case).
    pub figure: Option<f64>,
    /// Earlier runs with a verified figure for the case.
    pub earlier_runs: usize,
    /// Their median.
    pub history_median: Option<f64>,
    /// Their robust relative spread across runs: 1.4826 × MAD ÷ median
    /// (None with fewer than [`RUNS_FOR_A_SPREAD`] runs).
    pub history_spread: Option<f64>,
    /// The relative change beyond which the case drifted (see [`judge`]).
    pub noise: Option<f64>,
    /// This run's figure ÷ the history's median − 1.
    pub change: Option<f64>,
    /// Drifted or not.
    pub verdict: DriftVerdict,
}

/// A report against its chip's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryComparison {
    /// The report, as the user named it.
    pub source: String,
    /// Its adapter.
    pub adapter: String,
    /// Its backend.
    pub backend: String,
    /// Its driver and version, e.g. `llvmpipe Mesa 22.3.6`.
    pub driver: String,
    /// Earlier runs of the chip (same adapter and backend) in the history.
    pub earlier_runs: usize,
    /// The nodes they ran on.
    pub earlier_nodes: usize,
    /// Drivers of earlier runs other than this run's, with their run counts.
    pub other_drivers: Vec<(String, usize)>,
    /// Host CPUs of earlier runs other than this run's, with their run
    /// counts: a software adapter's name does not change with the CPU that
    /// runs it, its figures do.
    pub other_host_cpus: Vec<(String, usize)>,
    /// One per case of the report, in its order.
    pub cases: Vec<CaseDrift>,
}

impl History {
    /// Holds `report` (named `source`) against the runs of its adapter and
    /// backend that started before it, on any node, driver or host (drivers
    /// and host CPUs other than its own are named).
    pub fn compare(&self, report: &Report, source: &str) -> Result<HistoryComparison> {
        let (adapter, backend) = (&report.adapter.name, &report.adapter.backend);
        let figures = self.chip_figures(adapter, backend, &report.started_utc)?;
        let runs = self.earlier_runs(adapter, backend, &report.started_utc)?;
        let own_driver = driver_words(&report.adapter.driver, &report.adapter.driver_info);
        let mut nodes: Vec<&str> = runs.iter().map(|run| run.node.as_str()).collect();
        nodes.sort_unstable();
        nodes.dedup();
        let mut cases: Vec<CaseDrift> = Vec::new();
        for m in &report.measurements {
            if cases.iter().any(|c| c.case == m.case) {
                continue;
            }
            let best = best(report.measurements.iter().filter(|o| o.case == m.case));
            let rate = best.and_then(rate_of);
            let now = rate.map(|r| Spread {
                figure: r.value,
                spread: best
                    .and_then(|b| b.timing.as_ref())
                    .and_then(|t| t.summary.relative_spread()),
            });
            let earlier: Vec<Spread> = figures
                .iter()
                .filter(|f| f.case == m.case)
                .map(|f| Spread {
                    figure: f.figure,
                    spread: f.spread,
                })
                .collect();
            cases.push(judge(
                &m.case,
                rate.map(|r| r.unit.to_string()),
                now,
                &earlier,
                rate.is_none_or(|r| r.higher_is_better),
            ));
        }
        Ok(HistoryComparison {
            source: source.to_string(),
            adapter: adapter.clone(),
            backend: backend.clone(),
            other_drivers: others(
                runs.iter().map(|r| driver_words(&r.driver, &r.driver_info)),
                &own_driver,
            ),
            other_host_cpus: others(runs.iter().map(|r| r.host_cpu.clone()), &report.host.cpu),
            driver: own_driver,
            earlier_runs: runs.len(),
            earlier_nodes: nodes.len(),
            cases,
        })
    }

    /// The runs of the adapter and backend started before `before_utc`.
    fn earlier_runs(
        &self,
        adapter: &str,
        backend: &str,
        before_utc: &str,
    ) -> Result<Vec<RunContext>> {
        self.select(
            "SELECT node, driver, driver_info, host_cpu FROM runs \
             WHERE adapter = ?1 AND backend = ?2 AND started_utc < ?3 ORDER BY started_utc, id",
            rusqlite::params![adapter, backend, before_utc],
            |row| {
                Ok(RunContext {
                    node: row.get(0)?,
                    driver: row.get(1)?,
                    driver_info: row.get(2)?,
                    host_cpu: row.get(3)?,
                })
            },
        )
    }
}

/// What an earlier run ran on, beside its adapter.
struct RunContext {
    node: String,
    driver: String,
    driver_info: String,
    host_cpu: String,
}

/// `llvmpipe Mesa 22.3.6`: a driver's name and version, either left out when empty.
fn driver_words(driver: &str, info: &str) -> String {
    [driver, info]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `values` other than `own`, each with how often it occurs, in order of
/// first appearance.
fn others(values: impl Iterator<Item = String>, own: &str) -> Vec<(String, usize)> {
    let mut counted: Vec<(String, usize)> = Vec::new();
    for value in values.filter(|v| v != own) {
        match counted.iter_mut().find(|(seen, _)| *seen == value) {
            Some((_, count)) => *count += 1,
            None => counted.push((value, 1)),
        }
    }
    counted
}

/// Fewest earlier runs whose spread across runs is trusted; with fewer, the
/// runs' own spreads stand in (as `compare` judges two reports).
pub const RUNS_FOR_A_SPREAD: usize = 3;

/// A figure with the relative spread of the samples behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    figure: f64,
    spread: Option<f64>,
}

/// `case`'s figure now (`now`, in `unit`) against its `earlier` figures.
/// The noise a change must exceed is the larger of [`DRIFT_FLOOR`] and:
/// with [`RUNS_FOR_A_SPREAD`] or more earlier runs, [`SPREADS_OF_NOISE`]
/// times their robust spread across runs; with fewer, this run's spread
/// and the earlier runs' median spread combined in quadrature.
fn judge(
    case: &str,
    unit: Option<String>,
    now: Option<Spread>,
    earlier: &[Spread],
    higher_is_better: bool,
) -> CaseDrift {
    let figures: Vec<f64> = earlier.iter().map(|e| e.figure).collect();
    let history_median = (!figures.is_empty()).then(|| median(&figures));
    let across_runs = history_median.map(|center| mad_sigma(&figures) / center);
    let history_spread = match earlier.len() {
        n if n >= RUNS_FOR_A_SPREAD => across_runs.map(|s| SPREADS_OF_NOISE * s),
        _ => {
            let within: Vec<f64> = earlier.iter().filter_map(|e| e.spread).collect();
            let within = if within.is_empty() {
                0.0
            } else {
                median(&within)
            };
            let own = now.and_then(|n| n.spread).unwrap_or(0.0);
            history_median.map(|_| within.hypot(own))
        }
    };
    let figure = now.map(|n| n.figure);
    let change = figure.zip(history_median).map(|(f, m)| f / m - 1.0);
    let verdict = match (change, history_spread) {
        _ if figure.is_none() => DriftVerdict::NotMeasured,
        (Some(change), Some(noise)) => {
            if change.abs() <= DRIFT_FLOOR.max(noise) {
                DriftVerdict::Steady
            } else if (change > 0.0) == higher_is_better {
                DriftVerdict::Faster
            } else {
                DriftVerdict::Slower
            }
        }
        _ => DriftVerdict::NoHistory,
    };
    CaseDrift {
        case: case.to_string(),
        unit,
        figure,
        earlier_runs: earlier.len(),
        history_median,
        history_spread: across_runs.filter(|_| earlier.len() >= RUNS_FOR_A_SPREAD),
        noise: history_spread.map(|noise| DRIFT_FLOOR.max(noise)),
        change,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steady(figures: &[f64], spread: f64) -> Vec<Spread> {
        figures
            .iter()
            .map(|&figure| Spread {
                figure,
                spread: Some(spread),
            })
            .collect()
    }

    fn verdict(now: f64, earlier: &[Spread], higher_is_better: bool) -> DriftVerdict {
        let now = Spread {
            figure: now,
            spread: Some(0.01),
        };
        judge("c", None, Some(now), earlier, higher_is_better).verdict
    }

    #[test]
    fn a_change_beyond_the_floor_and_the_spread_is_a_drift_that_knows_its_direction() {
        let history = steady(&[100.0, 101.0, 99.0, 100.5, 99.5], 0.3);
        assert_eq!(verdict(80.0, &history, true), DriftVerdict::Slower);
        assert_eq!(verdict(120.0, &history, true), DriftVerdict::Faster);
        // A time: longer is slower.
        assert_eq!(verdict(120.0, &history, false), DriftVerdict::Slower);
        // Under the 5% floor, however steady the history.
        assert_eq!(verdict(104.0, &history, true), DriftVerdict::Steady);
    }

    #[test]
    fn a_history_noisy_across_runs_widens_the_band() {
        // MAD 10 around 100: a robust spread of 14.8%, three of them 44%.
        let noisy = steady(&[90.0, 110.0, 100.0, 80.0, 120.0], 0.01);
        let case = judge(
            "c",
            None,
            Some(Spread {
                figure: 75.0,
                spread: None,
            }),
            &noisy,
            true,
        );
        assert!((case.history_spread.unwrap() - 0.148_26).abs() < 1e-9);
        assert!((case.noise.unwrap() - 0.444_78).abs() < 1e-9);
        assert_eq!(case.verdict, DriftVerdict::Steady);
        assert_eq!(verdict(50.0, &noisy, true), DriftVerdict::Slower);
    }

    #[test]
    fn with_fewer_than_three_runs_their_own_spreads_are_the_noise() {
        // One earlier run with a 15% spread, this one 1%: 15.0% of noise.
        let one = steady(&[100.0], 0.15);
        assert_eq!(verdict(86.0, &one, true), DriftVerdict::Steady);
        assert_eq!(verdict(84.0, &one, true), DriftVerdict::Slower);
    }

    #[test]
    fn without_history_or_figure_there_is_no_verdict() {
        assert_eq!(verdict(80.0, &[], true), DriftVerdict::NoHistory);
        let two = steady(&[1.0, 2.0], 0.0);
        assert_eq!(
            judge("c", None, None, &two, true).verdict,
            DriftVerdict::NotMeasured
        );
    }
}
