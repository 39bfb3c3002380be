//! `chipbench fleet REPORT-OR-FOLDER... [--md FILE] [--html FILE] [--csv
//! FILE] [--json] [--expect N | --expect-nodes A,B,...] [thresholds]`: every
//! node against its group, a verdict per node, and an exit code a node
//! health check can act on.

use anyhow::Result;

use super::report::{create_outputs, print_written};
use super::Outcome;
use crate::cli::FleetArgs;
use crate::export::{Exporter, Terminal};
use crate::fleet::{analyse, collect, EarlierFigures, Expected, Options, Verdict};

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
    let analysis = analyse(collect(&args.paths)?, &options, &EarlierFigures::new())?;
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
