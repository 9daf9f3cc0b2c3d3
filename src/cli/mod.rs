//! The command line: raw arguments → validated options → one subcommand.
//!
//! One file per subcommand. Everything a subcommand needs arrives validated (a loaded
//! [`Scenario`](crate::scenario::Scenario), parsed overrides), so the library never sees
//! raw strings. Errors carry their exit code: 2 for bad input or usage, 1 for a failed check.

pub mod calibrate;
pub mod options;
pub mod run;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Discrete-event Monte Carlo simulator of container rollouts (Docker Swarm, Kubernetes).
///
/// With no arguments, runs the embedded default scenario and writes its results under
/// `outputs/`.
#[derive(Debug, Parser)]
#[command(name = "rollout-sim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Monte Carlo run of one scenario: trials.csv, summary.json and a summary table.
    Run(run::RunArgs),
    /// Fit a `cluster.control_plane` to recorded rollout timelines (CSV or `--trace`
    /// JSON Lines).
    Calibrate(calibrate::CalibrateArgs),
}

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    /// 1: a check failed; 2: bad input or usage.
    pub code: u8,
    /// What went wrong.
    pub error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError {
            code: 2,
            error: e.into(),
        }
    }
}

/// Parse the process arguments and run; the binary's whole body.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run::run(&run::RunArgs::default_scenario()),
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Calibrate(args)) => calibrate::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {:#}", e.error);
            ExitCode::from(e.code)
        }
    }
}
