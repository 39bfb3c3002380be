//! One function per subcommand. Each returns how the command ended; errors
//! are returned, never printed here.

mod calibrate;
mod chips;
mod compare;
mod devices;
mod fleet;
mod history;
mod models;
mod plan;
mod predict;
mod report;
mod run;
mod show;

pub use calibrate::calibrate;
pub use chips::chips;
pub use compare::compare;
pub use devices::devices;
pub use fleet::fleet;
pub use history::history;
pub use models::models;
pub use plan::plan;
pub use predict::{predict, PredictRequest};
pub use report::report;
pub use run::run;
pub use show::show;

use std::process::ExitCode;

/// How a command that did not error ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything succeeded.
    Success,
    /// The run finished but at least one case failed verification or the GPU.
    CaseFailed,
    /// The run was interrupted (Ctrl-C); a partial report was written.
    Interrupted,
    /// `fleet`: at least one node warned, none failed.
    NodesWarned,
    /// `fleet`: at least one node failed, or an expected node is missing.
    NodesFailed,
}

impl Outcome {
    /// Exit code of a command that returned an error (bad input, I/O).
    pub const ERROR_CODE: u8 = 1;

    /// Exit code: 0 success, 1 error, 2 usage (clap), 3 a case failed, 4 a
    /// fleet node warned, 5 a fleet node failed or is missing, 130 interrupted.
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Success => 0,
            Outcome::CaseFailed => 3,
            Outcome::NodesWarned => 4,
            Outcome::NodesFailed => 5,
            Outcome::Interrupted => 130,
        })
    }
}
