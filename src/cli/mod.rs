//! The command line: raw arguments → validated options → one subcommand.
//!
//! One file per subcommand. Everything a subcommand needs arrives validated (a loaded
//! [`Scenario`](crate::scenario::Scenario), parsed overrides), so the library never sees
//! raw strings. Errors carry their exit code: 2 for bad input or usage, 1 for a failed check.

pub mod calibrate;
pub mod check;
pub mod compare;
pub mod import;
pub mod input_folders;
pub mod inputs;
pub mod interrupt;
pub mod lint;
pub mod merge;
pub mod numeric_flags;
pub mod options;
pub mod picks;
pub mod progress;
pub mod report;
pub mod run;
pub mod schema;
pub mod shown_trials;
pub mod sweep;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::{self, Write};
use std::process::ExitCode;

/// Discrete-event Monte Carlo simulator of container rollouts: Docker Swarm, Kubernetes
/// Deployments, Argo Rollouts and Flagger. With no command, runs the embedded default
/// scenario (scenarios/default.yaml) into `outputs/web-start-first/`.
// The doc comment is the help's text: `about` alone took Cargo.toml's description, and
// the sentence on running with no command was never shown.
#[derive(Debug, Parser)]
#[command(name = "rollout-sim", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Monte Carlo run of one scenario: trials.csv, summary.json and a summary table.
    Run(run::RunArgs),
    /// Grid over scenario fields (`--set PATH=V1,V2,…`, or the file's `sweep:` block),
    /// every point on the same trials: sweep.csv, sweep.json, the best point and the
    /// Pareto front.
    Sweep(sweep::SweepArgs),
    /// Paired comparison of two or more variants on the same trials: compare.csv,
    /// compare.json, per-metric differences with intervals and a verdict.
    Compare(compare::CompareArgs),
    /// Join the folders of `run --shard K/N` into the files a single run writes.
    Merge(merge::MergeArgs),
    /// Fit a `cluster.control_plane` to recorded rollout timelines (CSV or `--trace`
    /// JSON Lines).
    Calibrate(calibrate::CalibrateArgs),
    /// Scenarios from Kubernetes Deployments, Argo Rollouts, Flagger Canaries or compose /
    /// stack files.
    Import(import::ImportArgs),
    /// The JSON Schema of scenario files, for editors.
    Schema(schema::SchemaArgs),
    /// Charts and a summary for a review: PNG and SVG charts, report.md and a
    /// self-contained report.html, with the run's CSV and JSON files.
    Report(report::ReportArgs),
    /// Run scenarios and decide their `checks:` (and `--check`) assertions; exit 1 when
    /// any fails.
    Check(check::CheckArgs),
    /// Warn about settings that bite (upstream rules); `--deny warnings` exits 1.
    Lint(lint::LintArgs),
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
        Some(Command::Sweep(args)) => sweep::run(&args),
        Some(Command::Compare(args)) => compare::run(&args),
        Some(Command::Merge(args)) => merge::run(&args),
        Some(Command::Calibrate(args)) => calibrate::run(&args),
        Some(Command::Import(args)) => import::run(&args),
        Some(Command::Schema(args)) => schema::run(&args),
        Some(Command::Report(args)) => report::run(&args),
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Lint(args)) => lint::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed stderr cannot be told about it; the exit code still is.
            let _ = writeln!(io::stderr(), "error: {:#}", e.error);
            ExitCode::from(e.code)
        }
    }
}

/// Print `text` on stdout. A reader that went away (`rollout-sim run … | head -1`) is no
/// error: every output file is written before anything is printed, so printing simply
/// stops and the run still succeeds.
pub fn print_stdout(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r.context("cannot write to stdout")?),
    }
}
