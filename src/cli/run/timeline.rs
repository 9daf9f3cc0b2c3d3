//! The run's `timeline.csv`: which timeline a run writes (bands across its first trials,
//! or one trial), from which trials, and its bytes, from the trials recorded in the run's
//! pass or run again once the run is over.

use super::RunArgs;
use crate::experiment::{Outcome, run_timelines, with_threads};
use crate::output::sinks::TimelineSink;
use crate::output::timeline::default_tick;
use crate::output::{TimelineBands, bands_csv, timeline_bands, timeline_trial_csv};
use crate::scenario::Scenario;
use crate::trial::TrialTimeline;
use std::ops::Range;
use std::sync::atomic::AtomicBool;

/// Trials the timeline bands are computed over, at most.
pub(super) const TIMELINE_TRIALS: u64 = 1000;

/// Which timeline, if any, the run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimelineMode {
    Off,
    /// Bands across the first `n` trials.
    Bands(u64),
    /// One trial.
    Trial(u64),
    /// The first trial that ended so: run again once the run has found it.
    FirstEnded(Outcome),
}

/// The trials a timeline is drawn from.
pub(super) fn timeline_range(mode: TimelineMode) -> Option<Range<u64>> {
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
pub(super) enum Recorded {
    InThePass(TimelineSink),
    RunAgain(TimelineSink),
}

/// The bytes of `timeline.csv` and the bands the charts draw, or `None` when not asked for
/// or interrupted.
pub(super) fn timeline(
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
