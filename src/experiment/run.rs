//! Monte Carlo: many trials of one scenario, in parallel.
//!
//! Each rayon worker keeps one [`Workspace`] (`map_init`) and reuses its buffers for every
//! trial it runs. A trial depends only on (scenario, seed, trial index), and results are
//! collected in trial order, so the output is identical whatever the thread count.

use super::TrialResult;
use super::stream::{Experiment, Recording, Sink, Trial};
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

/// The trials in `range` of `scenario` in trial order, or the first of them that all
/// finished when `stop` was set (a prefix, as an interrupted run keeps).
pub fn run_trials_until(
    scenario: &Scenario,
    range: Range<u64>,
    stop: &AtomicBool,
) -> Vec<TrialResult> {
    let experiment = Experiment {
        variants: vec![scenario],
        trials: range,
        record: Recording::default(),
    };
    let mut rows = Rows::default();
    // Collecting into memory cannot fail.
    let _ = experiment.run(stop, &|_| {}, &mut rows);
    rows.0
}

/// A sink keeping every trial's row, in trial order (of the first variant).
#[derive(Debug, Default)]
pub struct Rows(pub Vec<TrialResult>);

impl Sink for Rows {
    fn push(&mut self, trials: &[Trial]) -> std::io::Result<()> {
        self.0.extend(trials.first().map(|t| t.result));
        Ok(())
    }
}

/// Every trial's row of each variant, in trial order (kept by a comparison's report that
/// shows trials by themselves).
#[derive(Debug, Default)]
pub struct VariantRows(pub Vec<Vec<TrialResult>>);

impl Sink for VariantRows {
    fn push(&mut self, trials: &[Trial]) -> std::io::Result<()> {
        self.0.resize_with(trials.len().max(self.0.len()), Vec::new);
        for (rows, t) in self.0.iter_mut().zip(trials) {
            rows.push(t.result);
        }
        Ok(())
    }
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
