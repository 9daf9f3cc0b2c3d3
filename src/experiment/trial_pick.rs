//! Which trial a run records in detail (`--trace-trial`, `--timeline-trial`): one by its
//! index, or the first that ended a given way, found as the trials stream in.
//!
//! A trial is a pure function of the seed and its index, so the one picked by its outcome
//! is run again, recorded, once the run has found it, and the record is that of the row in
//! `trials.csv`.

use super::{Outcome, Sink, Trial};
use crate::result::TrialResult;
use crate::scenario::suggest;
use crate::sim::time::Time;
use std::io;
use std::str::FromStr;

/// A trial to record: `K` (its index) or an outcome's name (the first trial that ended so).
///
/// ```
/// use rollout_sim::experiment::{Outcome, TrialPick};
/// assert_eq!("7".parse::<TrialPick>(), Ok(TrialPick::Index(7)));
/// assert_eq!("rolled_back".parse::<TrialPick>(), Ok(TrialPick::FirstEnded(Outcome::RolledBack)));
/// assert!("rolledback".parse::<TrialPick>().unwrap_err().contains("did you mean `rolled_back`?"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialPick {
    /// Trial `K`, from 0.
    Index(u64),
    /// The first trial of the run whose outcome is this one.
    FirstEnded(Outcome),
}

impl Default for TrialPick {
    fn default() -> Self {
        TrialPick::Index(0)
    }
}

impl FromStr for TrialPick {
    type Err = String;

    fn from_str(text: &str) -> Result<TrialPick, String> {
        if let Ok(k) = text.parse() {
            return Ok(TrialPick::Index(k));
        }
        if let Some(o) = Outcome::parse(text) {
            return Ok(TrialPick::FirstEnded(o));
        }
        let names = Outcome::ALL.map(Outcome::as_str);
        let hint = match suggest::closest(text, &names) {
            Some(c) => format!("; did you mean `{c}`?"),
            None => String::new(),
        };
        Err(format!(
            "expected a trial of the run: a whole number from 0 (the first trial), or an \
             outcome ({}) for the first trial that ended so{hint}",
            names.join(", ")
        ))
    }
}

impl std::fmt::Display for TrialPick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrialPick::Index(k) => write!(f, "{k}"),
            TrialPick::FirstEnded(o) => f.write_str(o.as_str()),
        }
    }
}

/// The first trial of each outcome, and how many trials ended each way, as the trials
/// arrive in order.
#[derive(Debug, Clone, Default)]
pub struct FirstOfEachOutcome {
    /// Per outcome (in [`Outcome::ALL`] order): the first trial's index and duration, and
    /// the count.
    seen: [(Option<(u64, Time)>, u64); Outcome::ALL.len()],
}

impl FirstOfEachOutcome {
    /// The first trial (index and duration) that ended `outcome`.
    pub fn first(&self, outcome: Outcome) -> Option<(u64, Time)> {
        self.seen[slot(outcome)].0
    }

    /// How the trials ended, as `"998 completed, 2 paused"` (outcomes no trial had left
    /// out).
    pub fn tally(&self) -> String {
        let parts: Vec<String> = Outcome::ALL
            .into_iter()
            .zip(&self.seen)
            .filter(|(_, (_, n))| *n > 0)
            .map(|(o, (_, n))| format!("{n} {}", o.as_str()))
            .collect();
        parts.join(", ")
    }

    /// The first trial of each outcome among `rows`, in trial order (a report holds every
    /// row).
    pub fn of(rows: &[TrialResult]) -> FirstOfEachOutcome {
        let mut seen = FirstOfEachOutcome::default();
        rows.iter().for_each(|r| seen.saw(r));
        seen
    }

    /// Count `r`, the next trial in order.
    fn saw(&mut self, r: &TrialResult) {
        let (first, count) = &mut self.seen[slot(r.outcome)];
        // Trials arrive in increasing order: the first kept is the lowest index.
        first.get_or_insert((r.trial, r.duration));
        *count += 1;
    }
}

impl Sink for FirstOfEachOutcome {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        self.saw(&trials[0].result);
        Ok(())
    }
}

fn slot(outcome: Outcome) -> usize {
    Outcome::ALL
        .iter()
        .position(|&o| o == outcome)
        .expect("ALL lists every outcome")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::tests::sample_row;
    use crate::result::TrialResult;

    fn trial(trial: u64, outcome: Outcome, duration: Time) -> Trial {
        Trial {
            result: TrialResult {
                trial,
                outcome,
                duration,
                ..sample_row()
            },
            trace: None,
            timeline: None,
        }
    }

    /// The lowest index of each outcome is kept, with its duration; every trial counted.
    #[test]
    fn the_first_of_each_outcome_and_the_tally() {
        let mut sink = FirstOfEachOutcome::default();
        let ends = [
            Outcome::Completed,
            Outcome::RolledBack,
            Outcome::Completed,
            Outcome::RolledBack,
        ];
        for (i, o) in ends.into_iter().enumerate() {
            sink.push(&[trial(i as u64, o, 10 * i as Time)]).unwrap();
        }
        assert_eq!(sink.first(Outcome::Completed), Some((0, 0)));
        assert_eq!(sink.first(Outcome::RolledBack), Some((1, 10)));
        assert_eq!(sink.first(Outcome::Paused), None);
        assert_eq!(sink.tally(), "2 completed, 2 rolled_back");
    }

    /// A number is an index, an outcome's name a pick by outcome; anything else is refused
    /// with the outcomes listed.
    #[test]
    fn picks_read_as_written() {
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse(), Ok(TrialPick::FirstEnded(o)));
            assert_eq!(TrialPick::FirstEnded(o).to_string(), o.as_str());
        }
        assert_eq!("0".parse(), Ok(TrialPick::Index(0)));
        let e = "-1".parse::<TrialPick>().unwrap_err();
        assert!(
            e.starts_with("expected a trial of the run") && !e.contains("did you mean"),
            "{e}"
        );
        assert!(
            e.contains("completed, rolled_back, paused, deadline_exceeded, timeout"),
            "{e}"
        );
    }
}
