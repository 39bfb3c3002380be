//! Detection and false-alarm rates of `chipbench fleet` over random synthetic
//! fleets built from one real report (see `chipbench::fleet::synthesize` for
//! the noise model):
//!
//! `cargo run --release --example fleet_rates -- reports/X.json --fleets 1000`
//!
//! With `--write DIR`, writes one such fleet (`--nodes`, the slow node given
//! by `--slow-node`) as report files instead: how `examples/fleet/` was made.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use chipbench::fleet::{measure_rates, synthesize, FleetSpec, NoiseModel, Thresholds, Trial};
use chipbench::report::{load, report_path, write_atomic};

/// Detection and false-alarm rates of the fleet analysis on synthetic fleets.
#[derive(Debug, Parser)]
struct Args {
    /// A real report (schema 2 or later: its raw samples are resampled).
    source: PathBuf,
    /// Fleets with a slow node (and as many without).
    #[arg(long, default_value_t = 1000)]
    fleets: usize,
    /// Fewest nodes per fleet.
    #[arg(long, default_value_t = 8)]
    min_nodes: usize,
    /// Most nodes per fleet.
    #[arg(long, default_value_t = 16)]
    max_nodes: usize,
    /// How much slower the slow node is, in percent.
    #[arg(long, default_value_t = 10.0)]
    slowdown: f64,
    /// Each node's drift, uniform within ± this many percent.
    #[arg(long, default_value_t = 2.0)]
    drift: f64,
    /// Each case's jitter, normal with this σ in percent.
    #[arg(long, default_value_t = 1.0)]
    jitter: f64,
    /// Seed of every draw.
    #[arg(long, default_value_t = 21)]
    seed: u64,
    /// Write one fleet of `--nodes` reports to DIR instead of measuring rates.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
    /// Nodes of the fleet `--write` writes.
    #[arg(long, default_value_t = 10)]
    nodes: usize,
    /// The slowed node of the fleet `--write` writes (1-based: 7 is node07; 0 for none).
    #[arg(long, default_value_t = 7)]
    slow_node: usize,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let source = load(&args.source)?;
    let noise = NoiseModel {
        node_drift: args.drift / 100.0,
        case_jitter: args.jitter / 100.0,
    };
    if let Some(dir) = &args.write {
        let spec = FleetSpec {
            nodes: args.nodes,
            slow_node: args.slow_node.checked_sub(1),
            slowdown: args.slowdown / 100.0,
            noise,
        };
        std::fs::create_dir_all(dir)?;
        let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
        for report in synthesize(&source, &spec, &mut rng)? {
            let path = report_path(dir, &report);
            write_atomic(&path, &report)?;
            println!("{}", path.display());
        }
        return Ok(());
    }
    let trial = Trial {
        fleets: args.fleets,
        nodes: args.min_nodes..=args.max_nodes,
        slowdown: args.slowdown / 100.0,
        noise,
        thresholds: Thresholds::default(),
        seed: args.seed,
    };
    let rates = measure_rates(&source, &trial)?;
    println!(
        "{} fleets of {}–{} nodes from {}, one node {}% slow; drift ±{}% per node, jitter σ {}% per case, samples resampled; seed {}",
        rates.fleets,
        args.min_nodes,
        args.max_nodes,
        args.source.display(),
        args.slowdown,
        args.drift,
        args.jitter,
        args.seed
    );
    println!(
        "detection: {:.1}% ({} of {} slow nodes flagged; {} of them failed, the rest warned)",
        100.0 * rates.detection_rate(),
        rates.detected,
        rates.fleets,
        rates.detected_as_fail
    );
    println!(
        "false alarms: {:.1}% of fleets ({} of {} fleets with a slow node flagged another node too; {} of {} fleets without one flagged a node)",
        100.0 * rates.false_alarm_rate(),
        rates.others_flagged,
        rates.fleets,
        rates.clean_flagged,
        rates.fleets
    );
    Ok(())
}
