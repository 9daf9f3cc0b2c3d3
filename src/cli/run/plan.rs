//! What a `run` writes, decided before any work: the output folder, the trials (a shard's
//! slice, or all), the timeline, and whether the trace lies inside the folder. Everything
//! that can be wrong with the command line is refused here (exit 2, nothing written).

use super::RunArgs;
use super::timeline::{TIMELINE_TRIALS, TimelineMode};
use crate::cli::inputs::Inputs;
use crate::cli::options::check_file_path;
use crate::experiment::TrialPick;
use crate::scenario::Scenario;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

/// What a run writes, checked against the scenario before any work.
pub(super) struct Plan {
    pub(super) out: PathBuf,
    /// The trial indices this run runs (a shard's slice, or all).
    pub(super) trials: Range<u64>,
    pub(super) timeline: TimelineMode,
    /// The trace's path inside the output folder, or `None` when it lies outside.
    pub(super) trace_inside: Option<PathBuf>,
}

pub(super) fn plan(args: &RunArgs, scenario: &Scenario) -> anyhow::Result<Plan> {
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
