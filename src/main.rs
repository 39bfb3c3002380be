//! The `chipbench` binary: parse, run one command, turn errors into one line
//! on stderr and an exit code.

use std::process::ExitCode;

use clap::Parser;

use chipbench::cli::{Cli, Command};
use chipbench::commands::{self, Outcome};

fn main() -> ExitCode {
    // A panic is a chipbench bug; say so in one line instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!(
            "error: internal error (a chipbench bug): {}",
            chipbench::gpu::one_line(&message)
        );
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Devices { json } => commands::devices(json),
        Command::Run(args) => commands::run(&args),
        Command::Show { report } => commands::show(&report),
    };
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("error: {}", chipbench::gpu::one_line(&format!("{error:#}")));
            ExitCode::from(Outcome::ERROR_CODE)
        }
    }
}
