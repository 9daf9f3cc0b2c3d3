//! `rollout-sim run FILE`: Monte Carlo trials of one scenario.
//!
//! Everything that can be wrong with the command line is found before the first trial
//! (exit 2, nothing written). The run's files are written into a staging folder that is
//! swapped in whole at the end (see [`crate::output::folder`]).

use super::inputs::Inputs;
use super::numeric_flags;
use super::options::{SimOptions, check_file_path, write_file};
use super::picks::{Picks, trace_again};
use super::progress::execute;
use super::{CliError, interrupt, print_stdout};
use crate::experiment::{
    Experiment, Fanout, Outcome, Recording, Rows, Shard, TrialPick, run_timelines, with_threads,
};
use crate::output::charts::{measurement_marks, run_charts_measured};
use crate::output::folder::Staging;
use crate::output::human_text::counted;
use crate::output::shard::ShardManifest;
use crate::output::sinks::{CsvSink, SummarySink, TimelineSink, TraceSink};
use crate::output::table::shard_summary_table;
use crate::output::timeline::default_tick;
use crate::output::{
    Summary, TimelineBands, bands_csv, summary_table, timeline_bands, timeline_trial_csv,
    trace_jsonl,
};
use crate::scenario::Scenario;
use crate::trial::{TrialTimeline, Workspace};
use anyhow::{Context, anyhow};
use clap::Args;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::AtomicBool;

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
    /// The first trial that ended so: run again once the run has found it.
    FirstEnded(Outcome),
}

/// What a run writes, checked against the scenario before any work.
struct Plan {
    out: PathBuf,
    /// The trial indices this run runs (a shard's slice, or all).
    trials: Range<u64>,
    timeline: TimelineMode,
    /// The trace's path inside the output folder, or `None` when it lies outside.
    trace_inside: Option<PathBuf>,
}

fn plan(args: &RunArgs, scenario: &Scenario) -> anyhow::Result<Plan> {
    let trials = scenario.trials;
    if args.shard.is_some()
        && (args.timeline || args.timeline_trial.is_some() || args.trace.is_some() || args.plot)
    {
        anyhow::bail!(
            "--shard writes trials.csv and summary.json only (what `merge` joins); run \
             --timeline, --trace or --plot without --shard"
        );
    }
    let one_of_the_trials = |flag: &str, pick: TrialPick| {
        if let TrialPick::Index(k) = pick {
            anyhow::ensure!(
                k < trials,
                "{flag} {k}: the run has trials 0 to {} (--trials {trials}); pick one of them",
                trials - 1
            );
        }
        Ok(())
    };
    let timeline = match (args.timeline, args.timeline_trial) {
        (_, Some(pick)) => {
            one_of_the_trials("--timeline-trial", pick)?;
            match pick {
                TrialPick::Index(k) => TimelineMode::Trial(k),
                TrialPick::FirstEnded(o) => TimelineMode::FirstEnded(o),
            }
        }
        (true, None) => TimelineMode::Bands(trials.min(TIMELINE_TRIALS)),
        (false, None) if args.plot => TimelineMode::Bands(trials.min(TIMELINE_TRIALS)),
        (false, None) => TimelineMode::Off,
    };
    let out = args.sim.out_dir(scenario);
    let mut inputs = Inputs::new();
    if let Some(file) = &args.file {
        inputs.scenario(file, &args.sim.set);
    }
    args.sim.check_folder(&out, args.file.as_deref(), &inputs)?;
    let mut trace_inside = None;
    if let Some(path) = &args.trace {
        // `--trace 3` reads naturally as "trace trial 3", and would write a file `3` in
        // the working folder: a bare number is taken for that mistake (`./3` is a file).
        let given = path.as_os_str();
        anyhow::ensure!(
            given.is_empty() || !given.as_encoded_bytes().iter().all(u8::is_ascii_digit),
            "--trace {0}: --trace takes the file to write the event log to (e.g. --trace \
             trace.jsonl); to choose the trial, add --trace-trial {0} (for a file named {0}, \
             write ./{0})",
            path.display()
        );
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
        } else {
            // Written after the run's folder is in place: a trace that cannot be written
            // must be refused now, not after the results are committed.
            check_file_path("--trace", path)?;
            inputs.check_file("--trace", path)?;
        }
    }
    Ok(Plan {
        out,
        trials: args.shard.map_or(0..trials, |s| s.range(trials)),
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
        // One trial drawn: its analysis' measurements, from its trace (the one recorded
        // for `--trace` if it is that trial, else the trial run again, traced).
        let measured = match (trial, &records) {
            (Some(_), _) if !scenario.strategy.measures_traffic() => Vec::new(),
            (Some(k), Some(r)) if traced_trial == Some(k) => measurement_marks(r),
            (Some(k), _) => measurement_marks(&Workspace::new(&scenario).run_traced(k).1),
            (None, _) => Vec::new(),
        };
        let charts =
            run_charts_measured(&scenario, &stats, &rows.0, bands.as_ref(), trial, &measured)?;
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

/// The files asked for beyond `trials.csv` and `summary.json`, as their flags.
fn extras(args: &RunArgs) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if args.timeline {
        flags.push("--timeline");
    }
    if args.timeline_trial.is_some() {
        flags.push("--timeline-trial");
    }
    if args.trace.is_some() {
        flags.push("--trace");
    }
    if args.plot {
        flags.push("--plot");
    }
    flags
}

/// What a run stopped by `signal` says: how many of the `wanted` trials finished, whether
/// `summary.json` is partial, and what became of the files asked for by the flags `extras`
/// (`written`: they are in the folder too).
fn interrupted_message(
    signal: &str,
    done: u64,
    wanted: u64,
    out: &Path,
    written: bool,
    extras: &[&str],
) -> String {
    let flags = match extras {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let (need, files) = match extras {
        ["--plot"] => ("needs", "its charts were"),
        [_] => ("needs", "its file was"),
        _ => ("need", "their files were"),
    };
    let was = if extras.len() == 1 { "was" } else { "were" };
    if done < wanted {
        let mut m = format!(
            "interrupted by {signal}: {done} of {} finished and were written to {} \
             (summary.json has \"partial\": true)",
            counted(wanted, "trial"),
            out.display()
        );
        if !extras.is_empty() {
            m += &format!("; {flags} {need} every trial: {files} not written");
        }
        m
    } else if written || extras.is_empty() {
        format!(
            "interrupted by {signal} {}: all {} finished and every file asked for was \
             written to {} (summary.json has \"partial\": false)",
            interrupt::AFTER_THE_LAST_START,
            counted(wanted, "trial"),
            out.display()
        )
    } else {
        format!(
            "interrupted by {signal} {}: all {} finished; trials.csv and summary.json were \
             written to {}, complete (\"partial\": false); {flags} {was} skipped because of \
             the signal ({files} not written): run again to get them",
            interrupt::AFTER_THE_LAST_START,
            counted(wanted, "trial"),
            out.display()
        )
    }
}

/// The trials a timeline is drawn from.
fn timeline_range(mode: TimelineMode) -> Option<Range<u64>> {
    match mode {
        TimelineMode::Off => None,
        TimelineMode::Bands(n) => Some(0..n),
        TimelineMode::Trial(k) => Some(k..k + 1),
        // Not known until the run has found it.
        TimelineMode::FirstEnded(_) => None,
    }
}

/// Where a timeline's trials come from: recorded in the run's pass, or run again (a trial
/// picked by its outcome, found only at the end).
enum Recorded {
    InThePass(TimelineSink),
    RunAgain(TimelineSink),
}

/// The bytes of `timeline.csv` and the bands the charts draw, or `None` when not asked for
/// or interrupted.
fn timeline(
    args: &RunArgs,
    scenario: &Scenario,
    mode: TimelineMode,
    recorded: Recorded,
    stop: &AtomicBool,
) -> Option<(Vec<u8>, TimelineBands)> {
    let range = timeline_range(mode)?;
    let series: Vec<TrialTimeline> = match (recorded, &scenario.traffic) {
        (Recorded::InThePass(sink), Some(_)) => sink.series,
        (Recorded::InThePass(sink) | Recorded::RunAgain(sink), traffic) => {
            // With traffic the fleet is sampled at the traffic's tick, as in the pass.
            let tick = traffic
                .as_ref()
                .map_or(default_tick(sink.longest), |t| t.tick);
            with_threads(args.sim.threads(), || {
                run_timelines(scenario, range, tick, stop)
            })?
        }
    };
    let bands = timeline_bands(scenario, &series);
    Some(match mode {
        TimelineMode::Trial(_) => (timeline_trial_csv(scenario, &series[0]), bands),
        _ => (bands_csv(&bands), bands),
    })
}

/// Speed figures of a run, for the last line of the table.
struct Perf {
    trials: u64,
    events: u64,
    elapsed: f64,
}

/// A rate with an SI suffix and three significant digits (`950`, `12.3k`, `4.56M`): a slow
/// scenario's events/s must not read `0.0M`.
fn rate(x: f64) -> String {
    let (v, suffix) = match x {
        x if x >= 1e6 => (x / 1e6, "M"),
        x if x >= 1e3 => (x / 1e3, "k"),
        x => (x, ""),
    };
    let decimals = if v >= 100.0 || suffix.is_empty() {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.decimals$}{suffix}")
}

/// What is printed on stdout after a run: `json`, the bytes of summary.json, as they are
/// (`--format json`), or the table; a shard's (`shard`: its manifest) says which slice of
/// the run's trials it ran, in its heading and its last line.
fn report(
    args: &RunArgs,
    scenario: &Scenario,
    summary: &Summary,
    shard: Option<&ShardManifest>,
    perf: &Perf,
    out: &Path,
    json: &[u8],
) -> Option<String> {
    args.sim.printed(json, || {
        let (table, of_shard) = match shard {
            Some(m) => (
                shard_summary_table(summary, m),
                format!(" of shard {}/{}", m.shard[0], m.shard[1]),
            ),
            None => (summary_table(summary), String::new()),
        };
        format!(
            "{}\n{table}\n{}{of_shard} in {:.2}s ({:.0} trials/s, {} events/s); results in \
             {}\n",
            scenario_header(scenario),
            counted(perf.trials, "trial"),
            perf.elapsed,
            perf.trials as f64 / perf.elapsed,
            rate(perf.events as f64 / perf.elapsed),
            out.display()
        )
    })
}

/// The line above the table: the fleet, the versions and the strategy's settings.
fn scenario_header(s: &Scenario) -> String {
    let extra = s.strategy.header_extra();
    format!(
        "{}, {} → {}; {}{}",
        s.service.fleet_text(),
        s.service.versions[0].image,
        s.service.versions[1].image,
        crate::output::charts::strategy_label(s),
        extra,
    )
}

#[cfg(test)]
mod tests {
    use super::{interrupted_message, rate};
    use std::path::Path;

    #[test]
    fn an_interrupted_run_says_what_it_wrote() {
        let out = Path::new("o");
        let m = interrupted_message("SIGTERM", 7, 10, out, false, &["--timeline", "--trace"]);
        assert!(m.contains("7 of 10 trials"), "{m}");
        assert!(m.contains("\"partial\": true"), "{m}");
        assert!(m.contains("--timeline and --trace need every trial"), "{m}");
        let m = interrupted_message("SIGTERM", 10, 10, out, false, &["--trace"]);
        assert!(m.contains("all 10 trials finished"), "{m}");
        assert!(m.contains("\"partial\": false"), "{m}");
        assert!(!m.contains("\"partial\": true"), "{m}");
        assert!(
            m.contains("--trace was skipped because of the signal"),
            "{m}"
        );
        // --plot writes charts, several files: the message says so.
        let m = interrupted_message("SIGTERM", 4, 10, out, false, &["--plot"]);
        assert!(
            m.contains("--plot needs every trial: its charts were not written"),
            "{m}"
        );
        let m = interrupted_message("SIGTERM", 10, 10, out, false, &["--plot"]);
        assert!(m.contains("(its charts were not written)"), "{m}");
        let m = interrupted_message("SIGTERM", 4, 10, out, false, &["--timeline"]);
        assert!(m.contains("its file was not written"), "{m}");
        for (written, extras) in [(true, &["--plot"][..]), (false, &[][..])] {
            let m = interrupted_message("SIGINT", 10, 10, out, written, extras);
            assert!(m.contains("every file asked for was written"), "{m}");
            assert!(m.contains("\"partial\": false"), "{m}");
        }
    }

    /// Every trial looks at the stop flag before it starts and runs on to its end once
    /// started (README, "Run folders"), so a run whose trials all finished knows only that
    /// the signal came after the last start: a one-trial run signalled a second into a
    /// two-second trial finishes it. Its message claims no more than that.
    #[test]
    fn a_run_that_finished_every_trial_claims_no_later_signal_than_it_knows() {
        let out = Path::new("o");
        for (written, extras) in [
            (true, &["--plot"][..]),
            (false, &[][..]),
            (false, &["--timeline", "--trace"][..]),
        ] {
            let m = interrupted_message("SIGTERM", 1, 1, out, written, extras);
            assert!(
                m.starts_with(
                    "interrupted by SIGTERM after the last trial had started: all 1 trial finished"
                ),
                "{m}"
            );
            for claim in ["as the run ended", "after all"] {
                assert!(!m.contains(claim), "{m}");
            }
        }
    }

    #[test]
    fn rates_keep_three_significant_digits() {
        assert_eq!(rate(950.4), "950");
        assert_eq!(rate(12_345.0), "12.3k");
        assert_eq!(rate(4_560_000.0), "4.56M");
        assert_eq!(rate(123_456_789.0), "123M");
    }
}
