//! Monte Carlo: many trials of one scenario, in parallel.
//!
//! Each rayon worker keeps one [`Workspace`] (`map_init`) and reuses its buffers for every
//! trial it runs. A trial depends only on (scenario, seed, trial index), and results are
//! collected in trial order, so the output is identical whatever the thread count.

use super::TrialResult;
use crate::scenario::Scenario;
use crate::sim::time::Time;
use crate::trial::{TrialTimeline, Workspace};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// Run the trials in `range` of `scenario` on the current rayon pool, in trial order.
pub fn run_trials(scenario: &Scenario, range: Range<u64>) -> Vec<TrialResult> {
    range
        .into_par_iter()
        .map_init(|| Workspace::new(scenario), |ws, i| ws.run(i))
        .collect()
}

/// Trials run between two looks at the stop flag, per worker thread.
const TRIALS_PER_THREAD_AND_LOOK: u64 = 64;

/// Like [`run_trials`], but stops soon after `stop` is set (Ctrl-C) and returns the
/// trials `range.start..k` for the largest `k` such that all of them finished.
///
/// Only a prefix is kept, never "whatever finished": when a run is interrupted, the
/// trials still running are the long ones, so the finished set outside a prefix is biased
/// towards short rollouts. The first `k` trials are exactly what `--trials k` gives.
/// Trials are run in consecutive chunks (a few per thread) so that the prefix is nearly
/// everything that finished.
pub fn run_trials_until(
    scenario: &Scenario,
    range: Range<u64>,
    stop: &AtomicBool,
) -> Vec<TrialResult> {
    let chunk = rayon::current_num_threads() as u64 * TRIALS_PER_THREAD_AND_LOOK;
    let mut rows = Vec::new();
    let mut start = range.start;
    while start < range.end && !stop.load(Ordering::Relaxed) {
        let end = range.end.min(start.saturating_add(chunk));
        let done: Vec<Option<TrialResult>> = (start..end)
            .into_par_iter()
            .map_init(
                || Workspace::new(scenario),
                |ws, i| (!stop.load(Ordering::Relaxed)).then(|| ws.run(i)),
            )
            .collect();
        let before = rows.len();
        rows.extend(done.into_iter().map_while(|r| r));
        if rows.len() - before < (end - start) as usize {
            break;
        }
        start = end;
    }
    rows
}

/// The timelines of the trials in `range`, the fleet sampled every `tick`, in trial order;
/// `None` if `stop` was set before all of them finished.
pub fn run_timelines(
    scenario: &Scenario,
    range: Range<u64>,
    tick: Time,
    stop: &AtomicBool,
) -> Option<Vec<TrialTimeline>> {
    range
        .into_par_iter()
        .map_init(
            || Workspace::new(scenario),
            |ws, i| (!stop.load(Ordering::Relaxed)).then(|| ws.run_timeline(i, tick).1),
        )
        .collect()
}

/// Run `f` on a pool of `threads` threads (`None`: one per core).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> T {
    match threads {
        None => f(),
        Some(n) => match rayon::ThreadPoolBuilder::new().num_threads(n).build() {
            Ok(pool) => pool.install(f),
            Err(_) => f(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        crate::scenario::load_str(
            "service: {replicas: 3}\nstrategy: {swarm: {}}\ntrials: 300\n",
            "t.yaml",
            crate::scenario::Format::Yaml,
            &[],
        )
        .unwrap()
    }

    #[test]
    fn an_unset_flag_runs_everything_as_run_trials_does() {
        let s = scenario();
        let stop = AtomicBool::new(false);
        let all = with_threads(Some(2), || run_trials_until(&s, 0..300, &stop));
        assert_eq!(all, run_trials(&s, 0..300));
    }

    #[test]
    fn a_set_flag_runs_nothing() {
        let s = scenario();
        let stop = AtomicBool::new(true);
        assert!(run_trials_until(&s, 0..300, &stop).is_empty());
    }
}
