//! An experiment: variants × trials × seed, run once, results streamed in trial order into
//! sinks.
//!
//! Trials run on all cores, each thread taking the next trial index, and are handed to the
//! sinks (a `trials.csv` writer, a summary, a timeline, a trace, a comparison) in trial
//! order as they finish (see `experiment::handover`), so nothing needs memory for every trial and
//! the output is identical whatever the thread count. This is the only pass over the trials:
//! the trace of `--trace-trial` and the timelines of `--timeline` are recorded while the
//! trials run, not by running them again.
//!
//! Every variant (a sweep point, a side of a comparison) runs the same trial indices on
//! the same seed: the random streams are keyed by (trial, slot, …), so variant A and B of
//! trial 17 see the same startup times for the same slot (common random numbers) and their
//! difference is the effect of the change, not of luck.
//!
//! Ctrl-C: each trial looks at the stop flag before it starts; only the prefix of trials
//! that all finished reaches the sinks (the trials still running when a run is stopped are
//! the long ones, so any other subset would be biased towards short rollouts).

use super::TrialResult;
use super::handover::Handover;
use crate::cluster::TraceRecord;
use crate::scenario::Scenario;
use crate::sim::time::Time;
use crate::trial::{TrialTimeline, Workspace};
use std::io;
use std::ops::Range;
use std::sync::atomic::AtomicBool;

/// One trial of one variant, and what was recorded beside its result.
#[derive(Debug, Clone)]
pub struct Trial {
    /// The `trials.csv` row.
    pub result: TrialResult,
    /// Its event log, when it is the traced trial.
    pub trace: Option<Vec<TraceRecord>>,
    /// Its timeline, when it is one of the timeline trials.
    pub timeline: Option<TrialTimeline>,
}

/// Where results go: called once per trial index, in increasing trial order, with the
/// trial of every variant (`trials[v]` for variant `v`; a plain run has one).
///
/// Sinks that write files write as they go; the caller decides where (a staging folder).
pub trait Sink: Send {
    /// Take the results of one trial index.
    fn push(&mut self, trials: &[Trial]) -> io::Result<()>;
}

/// What the main pass records besides results (same for every variant).
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// The trial whose event log is kept.
    pub trace: Option<u64>,
    /// The trials whose timeline is kept, and the fleet's sample step.
    pub timeline: Option<(Range<u64>, Time)>,
}

/// Variants × trials × seed: what runs, validated before it runs.
#[derive(Debug, Clone)]
pub struct Experiment<'s> {
    /// One scenario per variant (the seed is each scenario's; they agree for common
    /// random numbers).
    pub variants: Vec<&'s Scenario>,
    /// Trial indices (a shard's slice, or all of them).
    pub trials: Range<u64>,
    /// Extra records of the main pass.
    pub record: Recording,
}

/// How many trials each worker thread may run past the oldest trial not yet handed to the
/// sinks: room enough that a trial a thousand times slower than the others stops nobody,
/// and a bound on the results held in memory meanwhile.
const AHEAD_PER_THREAD: u64 = 1024;

/// The most consecutive finished trials handed to the sinks at once (the batch grows to it
/// while trials are quick, see [`Handover`]): enough that the sinks' state stays in one
/// core's cache for a while; more did not help.
const WRITE_BATCH: usize = 32;

impl<'s> Experiment<'s> {
    /// All trials of one scenario.
    pub fn single(scenario: &'s Scenario) -> Experiment<'s> {
        Experiment {
            variants: vec![scenario],
            trials: 0..scenario.trials,
            record: Recording::default(),
        }
    }

    /// Run on the current rayon pool, handing every trial index to `sink` in order.
    /// `progress(done)` is called every few hundred trials and at the end. Returns how
    /// many trial indices were handed over (fewer than asked for when `stop` was set).
    ///
    /// Every thread of the pool runs trials one after the other, each taking the next
    /// index, and the sinks get them in order as they finish (`experiment::handover`).
    pub fn run(
        &self,
        stop: &AtomicBool,
        progress: &(dyn Fn(u64) + Sync),
        sink: &mut dyn Sink,
    ) -> io::Result<u64> {
        let ahead = rayon::current_num_threads() as u64 * AHEAD_PER_THREAD;
        let handover = Handover::new(self.trials.clone(), ahead, WRITE_BATCH, sink, progress);
        rayon::broadcast(|_| {
            let mut workspaces: Vec<Workspace<'_>> =
                self.variants.iter().map(|s| Workspace::new(s)).collect();
            // Handed over and replaced by an empty one each time (see `Handover::deposit`).
            let mut trials = Vec::with_capacity(workspaces.len());
            while let Some(i) = handover.claim(stop) {
                trials.extend(workspaces.iter_mut().map(|ws| self.one(ws, i)));
                handover.deposit(i, &mut trials);
            }
        });
        handover.finish()
    }

    fn one(&self, ws: &mut Workspace<'_>, i: u64) -> Trial {
        let traced = self.record.trace == Some(i);
        let tick = match &self.record.timeline {
            Some((range, tick)) if range.contains(&i) => Some(*tick),
            _ => None,
        };
        if !traced && tick.is_none() {
            return Trial {
                result: ws.run(i),
                trace: None,
                timeline: None,
            };
        }
        let (result, trace, timeline) = ws.run_recorded(i, traced, tick);
        Trial {
            result,
            trace,
            timeline,
        }
    }
}

/// Several sinks fed the same trials, in the order given.
pub struct Fanout<'a>(pub Vec<&'a mut dyn Sink>);

impl Sink for Fanout<'_> {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.push(trials))
    }
}

/// One sink per variant: variant `v`'s trial goes to `self.0[v]` alone.
pub struct PerVariant<S>(pub Vec<S>);

impl<S: Sink> Sink for PerVariant<S> {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        self.0
            .iter_mut()
            .zip(trials)
            .try_for_each(|(s, t)| s.push(std::slice::from_ref(t)))
    }
}

/// A `--shard K/N`: the K-th of N contiguous slices of the trial indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub k: u64,
    /// Number of shards.
    pub n: u64,
}

impl Shard {
    /// Trials `⌊T·(K−1)/N⌋ .. ⌊T·K/N⌋` of `0..trials`: contiguous, so concatenating the
    /// shards' `trials.csv` in shard order gives the single run's rows in trial order, and
    /// every trial is in exactly one shard.
    pub fn range(&self, trials: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(trials) * u128::from(k) / u128::from(self.n)) as u64;
        at(self.k - 1)..at(self.k)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("expected K/N with 1 ≤ K ≤ N (e.g. 2/8), got {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::run_trials;

    fn scenario() -> Scenario {
        crate::scenario::load_str(
            "service: {replicas: 3}\nstrategy: {swarm: {}}\ntrials: 300\n",
            "t.yaml",
            crate::scenario::Format::Yaml,
            &[],
        )
        .unwrap()
    }

    #[derive(Default)]
    struct Collect(Vec<TrialResult>);
    impl Sink for Collect {
        fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
            self.0.extend(trials.iter().map(|t| t.result));
            Ok(())
        }
    }

    #[test]
    fn every_trial_once_in_order_whatever_the_threads() {
        let s = scenario();
        let stop = AtomicBool::new(false);
        for threads in [1, 2, 3] {
            let mut c = Collect::default();
            let n = crate::experiment::with_threads(Some(threads), || {
                Experiment::single(&s).run(&stop, &|_| {}, &mut c).unwrap()
            });
            assert_eq!(n, 300);
            assert_eq!(c.0, run_trials(&s, 0..300));
        }
    }

    #[test]
    fn a_set_flag_runs_nothing() {
        let s = scenario();
        let stop = AtomicBool::new(true);
        let mut c = Collect::default();
        assert_eq!(
            Experiment::single(&s).run(&stop, &|_| {}, &mut c).unwrap(),
            0
        );
        assert!(c.0.is_empty());
    }

    #[test]
    fn recorded_trials_give_the_same_results() {
        let s = scenario();
        let mut e = Experiment::single(&s);
        e.record = Recording {
            trace: Some(7),
            timeline: Some((0..20, crate::sim::time::SECOND)),
        };
        struct Check(usize, usize, Vec<TrialResult>);
        impl Sink for Check {
            fn push(&mut self, t: &[Trial]) -> io::Result<()> {
                self.0 += usize::from(t[0].trace.is_some());
                self.1 += usize::from(t[0].timeline.is_some());
                self.2.push(t[0].result);
                Ok(())
            }
        }
        let mut c = Check(0, 0, Vec::new());
        e.run(&AtomicBool::new(false), &|_| {}, &mut c).unwrap();
        assert_eq!((c.0, c.1), (1, 20));
        assert_eq!(c.2, run_trials(&s, 0..300));
    }

    #[test]
    fn shards_cover_every_trial_once() {
        for (trials, n) in [(10, 3), (1, 4), (1_000_000, 7), (5, 5)] {
            let mut next = 0;
            for k in 1..=n {
                let r = Shard { k, n }.range(trials);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, trials);
        }
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { k: 2, n: 3 }));
    }
}
