//! `rollout-sim run FILE`: Monte Carlo trials of one scenario.

use super::CliError;
use super::options::{OutputFormat, SimOptions, write_file};
use crate::experiment::{run_timelines, run_trials, with_threads};
use crate::output::{
    Summary, summary_table, timeline_bands_csv, timeline_trial_csv, trace_jsonl, trials_csv,
};
use crate::trial::Workspace;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `run`.
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Scenario file (YAML or JSON, by extension).
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimOptions,
    /// Write the event log of one trial as JSON Lines to this file.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Which trial `--trace` records.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub trace_trial: u64,
    /// Write `timeline.csv`: traffic per tick as 5/50/95th percentile bands across the
    /// first 1000 trials (needs `traffic`).
    #[arg(long)]
    pub timeline: bool,
    /// Write `timeline.csv` for this one trial instead of bands.
    #[arg(long, value_name = "K")]
    pub timeline_trial: Option<u64>,
}

/// Trials the timeline bands are computed over, at most.
const TIMELINE_TRIALS: u64 = 1000;

impl RunArgs {
    /// `rollout-sim` with no arguments: the embedded scenario, default options.
    pub fn default_scenario() -> RunArgs {
        RunArgs::default()
    }
}

/// Run the trials, write the outputs, print the summary.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let scenario = args.sim.load(args.file.as_deref())?;
    if !scenario.checks.is_empty() {
        // Never let a scenario's checks pass silently: `run` does not evaluate them.
        let n = scenario.checks.len();
        eprintln!(
            "note: {n} check{} not evaluated by `run`; `rollout-sim check` evaluates checks \
             (not yet available in this version)",
            if n == 1 { " is" } else { "s are" }
        );
    }
    let out = args.sim.out_dir(&scenario);
    let started = Instant::now();
    let rows = with_threads(args.sim.threads(), || {
        run_trials(&scenario, 0..scenario.trials)
    });
    let elapsed = started.elapsed();
    let summary = Summary::from_rows(&scenario.name, scenario.seed, &rows);
    // Results first, so a failure later (the trace) loses nothing already computed.
    write_file(&out.join("trials.csv"), &trials_csv(&rows))?;
    let json = summary.to_json();
    write_file(&out.join("summary.json"), &json)?;
    if args.timeline || args.timeline_trial.is_some() {
        let Some(traffic) = &scenario.traffic else {
            return Err(
                anyhow::anyhow!("--timeline needs a scenario with a `traffic` section").into(),
            );
        };
        let bytes = match args.timeline_trial {
            Some(k) => timeline_trial_csv(&scenario, &Workspace::new(&scenario).run_timeline(k).1),
            None => {
                let n = scenario.trials.min(TIMELINE_TRIALS);
                let series = with_threads(args.sim.threads(), || run_timelines(&scenario, 0..n));
                timeline_bands_csv(&scenario, &series, traffic.tick)
            }
        };
        write_file(&out.join("timeline.csv"), &bytes)?;
    }
    if let Some(path) = &args.trace {
        let (_, records) = Workspace::new(&scenario).run_traced(args.trace_trial);
        write_file(path, &trace_jsonl(&scenario, &records))?;
    }
    if args.sim.quiet {
        return Ok(());
    }
    match args.sim.format {
        OutputFormat::Json => println!("{}", String::from_utf8_lossy(&json)),
        OutputFormat::Table => {
            let events: u64 = rows.iter().map(|r| r.events).sum();
            println!("{}", scenario_header(&scenario));
            print!("{}", summary_table(&summary));
            println!(
                "\n{} trials in {:.2}s ({:.0} trials/s, {:.1}M events/s); results in {}",
                rows.len(),
                elapsed.as_secs_f64(),
                rows.len() as f64 / elapsed.as_secs_f64(),
                events as f64 / elapsed.as_secs_f64() / 1e6,
                out.display()
            );
        }
    }
    Ok(())
}

fn scenario_header(s: &crate::scenario::Scenario) -> String {
    let strategy = match &s.strategy {
        crate::scenario::Strategy::Swarm(c) => {
            let u = &c.update;
            format!(
                "swarm update_config: parallelism {}, delay {}, order {}, failure_action {}, monitor {}",
                u.parallelism,
                crate::output::table::duration(crate::sim::time::as_secs(u.delay)),
                match u.order {
                    crate::scenario::Order::StopFirst => "stop-first",
                    crate::scenario::Order::StartFirst => "start-first",
                },
                match u.failure_action {
                    crate::scenario::FailureAction::Pause => "pause",
                    crate::scenario::FailureAction::Continue => "continue",
                    crate::scenario::FailureAction::Rollback => "rollback",
                },
                crate::output::table::duration(crate::sim::time::as_secs(u.monitor)),
            )
        }
        crate::scenario::Strategy::Kubernetes(_) => "kubernetes Deployment".to_string(),
    };
    format!(
        "{} replicas, {} → {}; {}",
        s.service.replicas, s.service.versions[0].image, s.service.versions[1].image, strategy,
    )
}
