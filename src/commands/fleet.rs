//! `chipbench fleet REPORT-OR-FOLDER... [--md FILE] [--html FILE] [--csv
//! FILE] [--json] [--expect N | --expect-nodes A,B,...] [--db FILE]
//! [thresholds]`: every node against its group (and its own history), a
//! verdict per node, and an exit code a node health check can act on.

use std::path::Path;

use anyhow::Result;

use super::report::{create_outputs, print_written};
use super::Outcome;
use crate::cli::FleetArgs;
use crate::export::{Exporter, Terminal};
use crate::fleet::{analyse, collect, EarlierFigures, Expected, NodeRun, Options, Verdict};
use crate::history::History;

/// Analyses `args`' reports, prints the verdicts (a table, or JSON) and
/// writes every format asked for; the outcome is the worst verdict.
pub fn fleet(args: &FleetArgs) -> Result<Outcome> {
    let options = Options {
        thresholds: args.thresholds(),
        group_as_one: args.group_as_one,
        expected: match (args.expect, args.expect_nodes.as_slice()) {
            (Some(count), _) => Expected::Count(count),
            (None, []) => Expected::Any,
            (None, names) => Expected::Nodes(names.to_vec()),
        },
    };
    options.thresholds.check().map_err(anyhow::Error::msg)?;
    let outputs = create_outputs(&args.outputs, &args.paths)?;
    let runs = collect(&args.paths)?;
    let earlier = match &args.db {
        Some(db) => earlier_figures(db, &runs)?,
        None => EarlierFigures::new(),
    };
    let analysis = analyse(runs, &options, &earlier)?;
    let written = outputs.write_fleet(&analysis)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&analysis)?);
        for (format, path) in &written {
            eprintln!("{}: {}", format.name(), path.display());
        }
    } else {
        print!("{}", Terminal.fleet(&analysis));
        print_written(&written);
    }
    Ok(match analysis.worst() {
        Verdict::Pass => Outcome::Success,
        Verdict::Warn => Outcome::NodesWarned,
        Verdict::Fail | Verdict::Missing => Outcome::NodesFailed,
    })
}

/// Each node's figures from the runs the history at `db` holds of it on the
/// same chip, backend and driver, started before the run at hand, oldest first.
fn earlier_figures(db: &Path, runs: &[NodeRun]) -> Result<EarlierFigures> {
    let history = History::open_existing(db)?;
    let mut earlier = EarlierFigures::new();
    for run in runs {
        let g = &run.group;
        for f in history.chip_figures(&g.chip, &g.backend, &run.started_utc)? {
            if f.node == run.node && f.driver == g.driver && f.driver_info == g.driver_info {
                earlier.add(&run.node, g, &f.case, &[f.figure]);
            }
        }
    }
    Ok(earlier)
}
