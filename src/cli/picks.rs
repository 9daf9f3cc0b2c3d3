//! The trials `run` records in detail picked by their outcome (`--trace-trial rolled_back`,
//! `--timeline-trial completed`): found as the trials stream in, then run again, recorded,
//! once the run is over (a trial is a function of the seed and its index).

use crate::cluster::TraceRecord;
use crate::experiment::{FirstOfEachOutcome, Outcome, TrialPick};
use crate::output::human_text::counted;
use crate::scenario::Scenario;
use crate::sim::time::Time;
use crate::trial::Workspace;
use anyhow::anyhow;

/// The first trial of each outcome, and the picks made from them.
#[derive(Debug, Default)]
pub struct Picks {
    /// The sink that watches the run's trials.
    pub ends: FirstOfEachOutcome,
    /// Each pick made: the flag, the outcome, the trial.
    made: Vec<(&'static str, Outcome, u64)>,
}

impl Picks {
    /// Picks from the first trials of each outcome `ends` found (a report's, from its rows).
    pub fn from_ends(ends: FirstOfEachOutcome) -> Picks {
        Picks {
            ends,
            made: Vec::new(),
        }
    }

    /// The first trial of the run that ended `outcome` (its index and duration), for `flag`;
    /// refused when none of the `done` trials did.
    pub fn first(
        &mut self,
        flag: &'static str,
        outcome: Outcome,
        done: u64,
    ) -> anyhow::Result<(u64, Time)> {
        let o = outcome.as_str();
        let found = self.ends.first(outcome).ok_or_else(|| {
            anyhow!(
                "{flag} {o}: none of the run's {} ended {o} ({}), so there is no such trial \
                 to record; nothing was written. Pick an outcome some trial had, or a trial by \
                 its number",
                counted(done, "trial"),
                self.ends.tally()
            )
        })?;
        self.made.push((flag, outcome, found.0));
        Ok(found)
    }

    /// Say on stderr which trial each pick was.
    pub fn note(&self) {
        for &(flag, outcome, k) in &self.made {
            let o = outcome.as_str();
            eprintln!("note: {flag} {o} is trial {k}, the first of the run that ended {o}");
        }
    }
}

/// The trace of trial `k`, run again: the trial picked by `pick`'s outcome.
pub fn trace_again(
    scenario: &Scenario,
    k: u64,
    pick: TrialPick,
) -> anyhow::Result<Vec<TraceRecord>> {
    let (result, records) = Workspace::new(scenario).run_traced(k);
    // A trial is a function of the seed and its index: the same row as in the run.
    anyhow::ensure!(
        pick == TrialPick::FirstEnded(result.outcome),
        "internal error: trial {k}, picked by --trace-trial {pick}, ended {} when run again",
        result.outcome.as_str()
    );
    Ok(records)
}
