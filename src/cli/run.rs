//! `rollout-sim run FILE`: Monte Carlo trials of one scenario.
//!
//! Everything that can be wrong with the command line is found before the first trial
//! (exit 2, nothing written). The run's files are written into a staging folder that is
//! swapped in whole at the end (see [`crate::output::folder`]).
//!
//! This file holds the arguments and the run itself; what the run writes, checked before
//! any work, is `plan.rs`'s; its timeline, `timeline.rs`'s; what it prints at the end (the
//! table, or the message of a run a signal stopped), `printed.rs`'s.

mod plan;
mod printed;
mod timeline;

use super::numeric_flags;
use super::options::{SimOptions, write_file};
use super::picks::{Picks, trace_again};
use super::progress::execute;
use super::{CliError, interrupt, print_stdout};
use crate::experiment::{Experiment, Fanout, Recording, Rows, Shard, TrialPick, with_threads};
use crate::output::charts::{TrialMarks, run_charts_measured};
use crate::output::folder::Staging;
use crate::output::human_text::counted;
use crate::output::shard::ShardManifest;
use crate::output::sinks::{CsvSink, SummarySink, TimelineSink, TraceSink};
use crate::output::trace_jsonl;
use crate::trial::Workspace;
use anyhow::{Context, anyhow};
use clap::Args;
use plan::plan;
use printed::{Perf, extras, interrupted_message, report};
use std::path::{Path, PathBuf};
use timeline::{Recorded, TimelineMode, timeline, timeline_range};

/// Arguments of `run`.
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Scenario file (YAML or JSON, by extension), or a manifest (Deployment, Argo
    /// Rollout, Flagger Canary, compose file) imported on the fly. Without it, the embedded
    /// default scenario (scenarios/default.yaml).
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub sim: SimOptions,
    /// Write the event log of one trial as JSON Lines to this file: inside the output
    /// folder, it is part of the run's folder (its subfolders are created); elsewhere, it
    /// must be in an existing folder. A bare number is refused (the trial is
    /// `--trace-trial`; a file named `3` is `./3`).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Which trial `--trace` records: its number (one of the run's trials), or an outcome
    /// (`completed`, `rolled_back`, `paused`, `deadline_exceeded`, `timeout`) for the
    /// first trial that ended so; only with `--trace`, as alone it would write nothing.
    #[arg(long, value_name = "K|OUTCOME", default_value_t = TrialPick::Index(0),
          allow_hyphen_values = true, value_parser = numeric_flags::trial, requires = "trace")]
    pub trace_trial: TrialPick,
    /// Write `timeline.csv`: tasks ready / available / running per version (and the
    /// traffic, if any) every tick, as min/5/50/95/max bands across the first 1000 trials.
    #[arg(long)]
    pub timeline: bool,
    /// Write `timeline.csv` of this one trial instead of bands (implies `--timeline`): its
    /// number, or an outcome for the first trial that ended so (as `--trace-trial`).
    #[arg(long, value_name = "K|OUTCOME", allow_hyphen_values = true,
          value_parser = numeric_flags::trial)]
    pub timeline_trial: Option<TrialPick>,
    /// Run only the K-th of N contiguous slices of the trials (and write `shard.json`
    /// beside them); `rollout-sim merge` joins the N folders into the single run's files.
    #[arg(long, value_name = "K/N", allow_hyphen_values = true)]
    pub shard: Option<Shard>,
    /// Draw the run's charts (PNG and SVG) beside its files; implies `--timeline` unless
    /// `--timeline-trial` is given. Keeps every trial's row in memory for the duration
    /// histogram.
    #[arg(long)]
    pub plot: bool,
}

impl RunArgs {
    /// `rollout-sim` with no arguments: the embedded scenario, default options.
    pub fn default_scenario() -> RunArgs {
        RunArgs::default()
    }
}

/// Run the trials, write the outputs, print the summary.
pub fn run(args: &RunArgs) -> Result<(), CliError> {
    let scenario = match &args.file {
        Some(file) => args.sim.load_for(file, "run")?,
        None => args.sim.load(None)?,
    };
    if !scenario.checks.is_empty() {
        // Never let a scenario's checks pass silently: `run` does not evaluate them.
        let n = scenario.checks.len();
        eprintln!(
            "note: {} {} not evaluated by `run`; run `rollout-sim check` to evaluate them",
            counted(n, "check"),
            if n == 1 { "is" } else { "are" }
        );
    }
    let plan = plan(args, &scenario)?;
    let stop = interrupt::watch()?;
    let staging = Staging::begin(&plan.out).with_context(|| {
        format!(
            "{}: cannot create the output folder {}",
            args.sim.out_label(&plan.out, args.file.as_deref()),
            plan.out.display()
        )
    })?;
    let cannot_write = |name: &Path| format!("cannot write {}", plan.out.join(name).display());
    let mut csv = CsvSink::create(&staging.path().join("trials.csv"))
        .with_context(|| cannot_write(Path::new("trials.csv")))?;
    let mut summary = SummarySink::new(&scenario.name, scenario.seed);
    let mut timelines = TimelineSink::new(timeline_range(plan.timeline));
    let mut trace = TraceSink::default();
    // Only for `--plot` (the duration histogram needs every trial's row).
    let mut rows = Rows::default();
    // Only for a trial picked by its outcome.
    let mut picks = Picks::default();
    let trace_pick = args.trace.as_ref().map(|_| args.trace_trial);
    let experiment = Experiment {
        variants: vec![&scenario],
        trials: plan.trials.clone(),
        record: Recording {
            trace: match trace_pick {
                Some(TrialPick::Index(k)) => Some(k),
                _ => None,
            },
            // Without traffic the sample step depends on the trials' durations, known
            // only afterwards: those (at most TIMELINE_TRIALS) trials run again then.
            timeline: scenario
                .traffic
                .as_ref()
                .and_then(|t| timeline_range(plan.timeline).map(|r| (r, t.tick))),
        },
    };
    let wanted = plan.trials.end - plan.trials.start;
    let mut sinks = Fanout(vec![&mut csv, &mut summary, &mut timelines, &mut trace]);
    if args.plot {
        sinks.0.push(&mut rows);
    }
    let by_outcome = |pick| matches!(pick, Some(TrialPick::FirstEnded(_)));
    if by_outcome(trace_pick) || by_outcome(args.timeline_trial) {
        sinks.0.push(&mut picks.ends);
    }
    let (done, elapsed) = execute(
        &experiment,
        args.sim.threads(),
        args.sim.quiet,
        stop,
        &mut sinks,
    )
    .with_context(|| cannot_write(Path::new("trials.csv")))?;
    drop(sinks);
    // Nothing finished: nothing to write (the staging folder goes with `staging`).
    if done == 0
        && wanted > 0
        && let Some(e) = interrupt::before_any_trial(&plan.out)
    {
        return Err(e);
    }
    // Syncing `trials.csv` waits on the disk, the summary on the cores: both at once (one
    // after the other if no thread can be started).
    let csv = std::sync::Mutex::new(Some(csv));
    let sync = || {
        let taken = csv.lock().map(|mut c| c.take()).unwrap_or(None);
        taken.map_or(Ok(()), CsvSink::finish)
    };
    let (synced, mut stats) = std::thread::scope(|s| {
        let syncing = std::thread::Builder::new().spawn_scoped(s, sync);
        let stats = with_threads(args.sim.threads(), || summary.finish());
        let synced = match syncing {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => sync(),
        };
        (synced, stats)
    });
    synced.with_context(|| cannot_write(Path::new("trials.csv")))?;
    stats.partial = done != wanted;
    let staged = |name: &Path, bytes: &[u8]| {
        staging
            .write(name, bytes)
            .with_context(|| cannot_write(name))
    };
    let manifest = args
        .shard
        .map(|shard| ShardManifest::of(&scenario, shard, plan.trials.clone(), stats.partial));
    // A shard's summary says which slice it holds (and `--format json` prints it so).
    let json = match &manifest {
        Some(manifest) => stats.shard_json(manifest),
        None => stats.to_json(),
    };
    staged(Path::new("summary.json"), &json)?;
    if let Some(manifest) = &manifest {
        staged(Path::new(ShardManifest::FILE), &manifest.to_json())?;
    }
    // The timeline, the trace and the charts describe every trial: after a signal no
    // further work starts (a timeline may have to run its trials again), so they are
    // written only by a run no signal stopped, all of them or none.
    let mut complete = !stats.partial && interrupt::stopped_by().is_none();
    // The trials picked by their outcome, now that the run has found them (or refused,
    // before anything is written, when none ended so).
    let (timeline_mode, timelines) = match plan.timeline {
        TimelineMode::FirstEnded(o) if complete => {
            let (k, duration) = picks.first("--timeline-trial", o, done)?;
            let mut sink = TimelineSink::new(Some(k..k + 1));
            sink.longest = duration;
            (TimelineMode::Trial(k), Recorded::RunAgain(sink))
        }
        mode => (mode, Recorded::InThePass(timelines)),
    };
    let traced_again = match trace_pick {
        Some(TrialPick::FirstEnded(o)) if complete => {
            Some(picks.first("--trace-trial", o, done)?.0)
        }
        _ => None,
    };
    let bands = match complete {
        true => timeline(args, &scenario, timeline_mode, timelines, stop),
        false => None,
    };
    // A signal during the timeline's own trials leaves it unfinished.
    complete &= plan.timeline == TimelineMode::Off || bands.is_some();
    if let Some((bytes, _)) = &bands {
        staged(Path::new("timeline.csv"), bytes)?;
    }
    let bands = bands.map(|(_, b)| b);
    // The traced trial (by its number, or the one its outcome picked) and its records.
    let (traced_trial, records) = match (trace_pick, traced_again) {
        (_, Some(k)) if complete => (Some(k), Some(trace_again(&scenario, k, args.trace_trial)?)),
        (Some(TrialPick::Index(k)), _) => (Some(k), trace.records),
        _ => (None, None),
    };
    if args.plot && complete {
        // `--timeline-trial K`: the timeline charts name trial K and mark its own end.
        let trial = match timeline_mode {
            TimelineMode::Trial(k) => Some(k),
            _ => None,
        };
        // One trial drawn: its analysis' measurements and the nodes added in it, from its
        // trace (the one recorded for `--trace` if it is that trial, else the trial run
        // again, traced).
        let marks = match (trial, &records) {
            (Some(_), _) if !TrialMarks::possible(&scenario) => TrialMarks::default(),
            (Some(k), Some(r)) if traced_trial == Some(k) => TrialMarks::of(&scenario, r),
            (Some(k), _) => TrialMarks::of(&scenario, &Workspace::new(&scenario).run_traced(k).1),
            (None, _) => TrialMarks::default(),
        };
        let charts =
            run_charts_measured(&scenario, &stats, &rows.0, bands.as_ref(), trial, &marks)?;
        for c in &charts {
            staged(Path::new(&format!("{}.png", c.stem)), &c.png)?;
            staged(Path::new(&format!("{}.svg", c.stem)), c.svg.as_bytes())?;
        }
    }
    let trace = match (&args.trace, records) {
        (Some(path), Some(records)) if complete => Some((path, trace_jsonl(&scenario, &records))),
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
    if complete {
        picks.note();
    }
    if let Some(code) = interrupt::stopped_by() {
        return Err(CliError {
            code,
            error: anyhow!(
                "{}",
                interrupted_message(
                    interrupt::signal_name(code),
                    done,
                    wanted,
                    &plan.out,
                    complete,
                    &extras(args)
                )
            ),
        });
    }
    let perf = Perf {
        trials: done,
        events: summary.events(),
        elapsed: elapsed.as_secs_f64(),
    };
    let printed = report(
        args,
        &scenario,
        &stats,
        manifest.as_ref(),
        &perf,
        &plan.out,
        &json,
    );
    if let Some(printed) = printed {
        print_stdout(&printed)?;
    }
    Ok(())
}
