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
    quiet_headless_wayland_probe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Devices { json } => commands::devices(json),
        Command::Run(args) => commands::run(&args),
        Command::Show { report } => commands::show(&report),
        Command::Report(args) => commands::report(&args),
        Command::Compare(args) => {
            if let Err(usage) = args.check_count() {
                usage.exit();
            }
            commands::compare(&args)
        }
        Command::History(args) => commands::history(&args),
        Command::Plan(args) => commands::plan(&args),
        Command::Models { json } => commands::models(json),
        Command::Calibrate {
            reports,
            out,
            residuals,
        } => commands::calibrate(&reports, out.as_deref(), residuals),
        Command::Predict(args) => commands::predict(&commands::PredictRequest {
            profile: &args.profile,
            op: args.op.as_deref(),
            shape: args.shape.as_deref(),
            dtype: args.dtype,
            causal: args.causal,
            reports: &args.report,
        }),
        Command::Chips { id, out } => commands::chips(id.as_deref(), out.as_deref()),
        Command::Fleet(args) => commands::fleet(&args),
    };
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("error: {}", chipbench::gpu::one_line(&format!("{error:#}")));
            ExitCode::from(Outcome::ERROR_CODE)
        }
    }
}

/// On a headless Linux machine Mesa's Vulkan driver probes for Wayland, and
/// libwayland prints `error: XDG_RUNTIME_DIR is invalid or not set` when the
/// variable is missing, which reads like chipbench failing. Giving it a
/// private folder (as a login session would) keeps stderr to chipbench's own
/// messages; where it is already set, nothing changes.
fn quiet_headless_wayland_probe() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        use std::os::unix::fs::DirBuilderExt;
        let dir = std::env::temp_dir().join("chipbench-runtime");
        let made = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        if made.is_ok() || dir.is_dir() {
            // Before any thread or driver starts.
            std::env::set_var("XDG_RUNTIME_DIR", &dir);
        }
    }
}
