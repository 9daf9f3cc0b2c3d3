//! `rollout-sim run FILE`: Monte Carlo trials of one scenario.
//!
//! Everything that can be wrong with the command line is found before the first trial
//! (exit 2, nothing written). The run's files are written into a staging folder that is
//! swapped in whole at the end (see [`crate::output::folder`]).

use super::options::{OutputFormat, SimOptions, write_file};
use super::{CliError, interrupt, print_stdout};
use crate::experiment::{TrialResult, run_timelines, run_trials_until, with_threads};
use crate::output::folder::{Staging, check_replaceable};
use crate::output::timeline::default_tick;
use crate::output::{
    Summary, summary_table, timeline_bands_csv, timeline_trial_csv, trace_jsonl, trials_csv,
};
use crate::scenario::Scenario;
use crate::trial::Workspace;
use anyhow::{Context, anyhow};
use clap::Args;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Arguments of `run`.
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Scenario file (YAML or JSON, by extension).
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimOptions,
    /// Write the event log of one trial as JSON Lines to this file (inside the output
    /// folder, it is part of the run's folder).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Which trial `--trace` records (one of the run's trials).
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub trace_trial: u64,
    /// Write `timeline.csv`: tasks ready / available / running per version (and the
    /// traffic, if any) every tick, as min/5/50/95/max bands across the first 1000 trials.
    #[arg(long)]
    pub timeline: bool,
    /// Write `timeline.csv` of this one trial instead of bands (implies `--timeline`).
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

/// Which timeline, if any, the run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimelineMode {
    Off,
    /// Bands across the first `n` trials.
    Bands(u64),
    /// One trial.
    Trial(u64),
}

/// What a run writes, checked against the scenario before any work.
struct Plan {
    out: PathBuf,
    timeline: TimelineMode,
    /// The trace's path inside the output folder, or `None` when it lies outside.
    trace_inside: Option<PathBuf>,
}

fn plan(args: &RunArgs, scenario: &Scenario) -> anyhow::Result<Plan> {
    let trials = scenario.trials;
    let one_of_the_trials = |flag: &str, k: u64| {
        anyhow::ensure!(
            k < trials,
            "{flag} {k}: the run has trials 0 to {} (--trials {trials}); pick one of them",
            trials - 1
        );
        Ok(())
    };
    let timeline = match (args.timeline, args.timeline_trial) {
        (_, Some(k)) => {
            one_of_the_trials("--timeline-trial", k)?;
            TimelineMode::Trial(k)
        }
        (true, None) => TimelineMode::Bands(trials.min(TIMELINE_TRIALS)),
        (false, None) => TimelineMode::Off,
    };
    let out = args.sim.out_dir(scenario);
    check_replaceable(&out).map_err(|e| anyhow!("--out: {e}"))?;
    let mut trace_inside = None;
    if let Some(path) = &args.trace {
        one_of_the_trials("--trace-trial", args.trace_trial)?;
        let (abs, root) = (lexical_absolute(path), lexical_absolute(&out));
        if let Ok(rel) = abs.strip_prefix(&root) {
            let own = ["trials.csv", "summary.json", "timeline.csv"];
            anyhow::ensure!(
                !rel.as_os_str().is_empty() && !own.iter().any(|f| rel == Path::new(f)),
                "--trace {}: that is the output folder or one of its files ({}); name another file",
                path.display(),
                own.join(", ")
            );
            trace_inside = Some(rel.to_path_buf());
        } else if path.is_dir() {
            anyhow::bail!("--trace {}: is a folder; name a file", path.display());
        }
    }
    Ok(Plan {
        out,
        timeline,
        trace_inside,
    })
}

/// `path` made absolute with `.` and `..` resolved as written (not through symbolic
/// links): whether a trace lies inside the output folder is decided on the paths as given.
fn lexical_absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Run the trials, write the outputs, print the summary.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let scenario = args.sim.load(args.file.as_deref())?;
    if !scenario.checks.is_empty() {
        // Never let a scenario's checks pass silently: `run` does not evaluate them.
        let n = scenario.checks.len();
        eprintln!(
            "note: {n} check{} not evaluated by `run`; run `rollout-sim check` to evaluate them",
            if n == 1 { " is" } else { "s are" }
        );
    }
    let plan = plan(args, &scenario)?;
    let stop = interrupt::watch()?;
    let staging = Staging::begin(&plan.out)
        .with_context(|| format!("cannot create the output folder {}", plan.out.display()))?;
    let started = Instant::now();
    let rows = with_threads(args.sim.threads(), || {
        run_trials_until(&scenario, 0..scenario.trials, stop)
    });
    let elapsed = started.elapsed();
    let mut summary = Summary::from_rows(&scenario.name, scenario.seed, &rows);
    summary.partial = rows.len() as u64 != scenario.trials;
    let staged = |name: &Path, bytes: &[u8]| {
        staging
            .write(name, bytes)
            .with_context(|| format!("cannot write {}", plan.out.join(name).display()))
    };
    staged(Path::new("trials.csv"), &trials_csv(&rows))?;
    let json = summary.to_json();
    staged(Path::new("summary.json"), &json)?;
    if let Some(bytes) = timeline(args, &scenario, &rows, plan.timeline, stop) {
        staged(Path::new("timeline.csv"), &bytes)?;
    }
    let trace = match &args.trace {
        Some(path) if !stop.load(Ordering::SeqCst) => {
            let (_, records) = Workspace::new(&scenario).run_traced(args.trace_trial);
            Some((path, trace_jsonl(&scenario, &records)))
        }
        _ => None,
    };
    if let (Some(rel), Some((_, bytes))) = (&plan.trace_inside, &trace) {
        staged(rel, bytes)?;
    }
    staging
        .commit()
        .with_context(|| format!("cannot move the results into {}", plan.out.display()))?;
    if let (None, Some((path, bytes))) = (&plan.trace_inside, &trace) {
        write_file(path, bytes)?;
    }
    if let Some(code) = interrupt::stopped_by() {
        return Err(CliError {
            code,
            error: anyhow!(
                "interrupted by {}: {} of {} trials finished and were written to {} \
                 (summary.json has \"partial\": true){}",
                interrupt::signal_name(code),
                rows.len(),
                scenario.trials,
                plan.out.display(),
                if plan.timeline != TimelineMode::Off || args.trace.is_some() {
                    "; no timeline or trace was written"
                } else {
                    ""
                }
            ),
        });
    }
    if !args.sim.quiet {
        print_stdout(&report(
            args, &scenario, &summary, &rows, elapsed, &plan.out, &json,
        ))?;
    }
    Ok(())
}

/// The bytes of `timeline.csv`, or `None` when not asked for or interrupted.
fn timeline(
    args: &RunArgs,
    scenario: &Scenario,
    rows: &[TrialResult],
    mode: TimelineMode,
    stop: &AtomicBool,
) -> Option<Vec<u8>> {
    let range = match mode {
        TimelineMode::Off => return None,
        TimelineMode::Bands(n) => 0..n,
        TimelineMode::Trial(k) => k..k + 1,
    };
    if stop.load(Ordering::SeqCst) || range.end > rows.len() as u64 {
        return None;
    }
    // The fleet's sample times are the traffic buckets' ends when there is traffic.
    let tick = match &scenario.traffic {
        Some(t) => t.tick,
        None => default_tick(
            rows[range.start as usize..range.end as usize]
                .iter()
                .map(|r| r.duration)
                .max()
                .unwrap_or(0),
        ),
    };
    let series = with_threads(args.sim.threads(), || {
        run_timelines(scenario, range, tick, stop)
    })?;
    Some(match mode {
        TimelineMode::Trial(_) => timeline_trial_csv(scenario, &series[0]),
        _ => timeline_bands_csv(scenario, &series),
    })
}

/// What is printed on stdout after a run.
fn report(
    args: &RunArgs,
    scenario: &Scenario,
    summary: &Summary,
    rows: &[TrialResult],
    elapsed: std::time::Duration,
    out: &Path,
    json: &[u8],
) -> String {
    match args.sim.format {
        OutputFormat::Json => format!("{}\n", String::from_utf8_lossy(json)),
        OutputFormat::Table => {
            let events: u64 = rows.iter().map(|r| r.events).sum();
            format!(
                "{}\n{}\n{} trials in {:.2}s ({:.0} trials/s, {:.1}M events/s); results in {}\n",
                scenario_header(scenario),
                summary_table(summary),
                rows.len(),
                elapsed.as_secs_f64(),
                rows.len() as f64 / elapsed.as_secs_f64(),
                events as f64 / elapsed.as_secs_f64() / 1e6,
                out.display()
            )
        }
    }
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
