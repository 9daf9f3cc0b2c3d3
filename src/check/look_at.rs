//! The trial to look at when a check does not pass: a statistic says that a rollout went
//! wrong too often, not how. For a metric's statistic, the trial furthest on the wrong side
//! of the threshold (the longest rollout of a failed `duration_s.p95 <= 10m`); for an
//! outcome's count or share, the first trial that ended the wrong way. `check` prints it
//! with the `report --trial` command line that shows that trial by itself.

use super::assertion::{Assertion, Op};
use super::evaluate::format_value;
use super::metric_stat::MetricStat;
use crate::experiment::TrialPick;
use crate::output::human_text::counted;
use crate::result::{Outcome, TrialResult};
use crate::stats::Stat;

/// A trial that shows why a check did not pass.
#[derive(Debug, Clone, PartialEq)]
pub struct LookAt {
    /// Its index.
    pub trial: u64,
    /// How `report --trial` picks it: by its number, or, when it is the first trial of an
    /// outcome the check counts, by that outcome.
    pub pick: TrialPick,
    /// Why this trial: `the highest duration_s (4m02.0s); 37 of 300 trials above 2m00.0s`.
    pub why: String,
}

/// The trial to look at for `a`, which did not pass on `rows` (every trial of the run, in
/// order); `measured` is the statistic's value there. `None` when no single trial is on the
/// wrong side (a standard deviation, `!=`, a metric no trial has).
pub fn look_at(a: &Assertion, measured: Option<f64>, rows: &[TrialResult]) -> Option<LookAt> {
    let t = a.threshold;
    // Whether the statistic must come down (`true`) or up to pass.
    let lower = match a.op {
        Op::Lt | Op::Le => true,
        Op::Gt | Op::Ge => false,
        Op::Eq => measured? > t,
        Op::Ne => return None,
    };
    match a.target {
        MetricStat::Column { column, stat } => {
            if stat == Stat::Std {
                return None;
            }
            let values = rows
                .iter()
                .filter_map(|r| Some((r.trial, column.cell(r).as_f64()?)));
            // Past the threshold on the side the statistic must leave.
            let past = |v: f64| match a.op {
                Op::Eq if lower => v > t,
                Op::Eq => v < t,
                op => !op.holds(v, t),
            };
            let n = values.clone().filter(|&(_, v)| past(v)).count();
            // The first of the worst: the extreme value, the lowest index among equals.
            let (trial, v) = values.reduce(|best, x| {
                let worse = if lower { x.1 > best.1 } else { x.1 < best.1 };
                if worse { x } else { best }
            })?;
            if !past(v) {
                return None;
            }
            let (most, side) = match lower {
                true => ("highest", "above"),
                false => ("lowest", "below"),
            };
            let f = |x: f64| format_value(&a.target, x);
            Some(LookAt {
                trial,
                pick: TrialPick::Index(trial),
                why: format!(
                    "the {most} {} ({}); {} of {} {side} {}",
                    column.name,
                    f(v),
                    n,
                    counted(rows.len() as u64, "trial"),
                    f(t)
                ),
            })
        }
        MetricStat::OutcomeCount(o) | MetricStat::OutcomeRate(o) => {
            let ended = |r: &&TrialResult| (r.outcome == o) == lower;
            let n = rows.iter().filter(ended).count();
            let first = rows.iter().find(ended)?;
            let name = o.as_str();
            let all = counted(rows.len() as u64, "trial");
            Some(match lower {
                true => LookAt {
                    trial: first.trial,
                    pick: TrialPick::FirstEnded(o),
                    why: format!("the first that ended {name}; {n} of {all} did"),
                },
                false => LookAt {
                    trial: first.trial,
                    pick: first_ended(first.outcome, rows, first.trial),
                    why: format!(
                        "the first that did not end {name} (it ended {}); {n} of {all} did not",
                        first.outcome.as_str()
                    ),
                },
            })
        }
    }
}

/// Trial `k`'s pick: its outcome when it is the first of the run to end `o`, which reads
/// better in a command line than its number.
fn first_ended(o: Outcome, rows: &[TrialResult], k: u64) -> TrialPick {
    match rows.iter().find(|r| r.outcome == o) {
        Some(r) if r.trial == k => TrialPick::FirstEnded(o),
        _ => TrialPick::Index(k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::assertion::parse;
    use crate::output::columns::tests::sample_row;
    use crate::sim::time::from_secs_f64 as secs;

    fn rows(ends: &[(Outcome, f64)]) -> Vec<TrialResult> {
        ends.iter()
            .enumerate()
            .map(|(i, &(outcome, d))| TrialResult {
                trial: i as u64,
                outcome,
                duration: secs(d),
                ..sample_row()
            })
            .collect()
    }

    #[test]
    fn a_metric_names_its_worst_trial_and_counts_those_past_the_threshold() {
        use Outcome::*;
        let r = rows(&[
            (Completed, 50.0),
            (Completed, 130.0),
            (RolledBack, 130.0),
            (Completed, 90.0),
        ]);
        let a = parse("duration_s.p95 <= 1m").unwrap();
        let l = look_at(&a, Some(130.0), &r).unwrap();
        // The first of the two longest.
        assert_eq!(l.trial, 1);
        assert_eq!(l.pick, TrialPick::Index(1));
        assert_eq!(
            l.why,
            "the highest duration_s (2m10.0s); 3 of 4 trials above 1m00.0s"
        );
        let a = parse("duration_s.min >= 1m").unwrap();
        let l = look_at(&a, Some(50.0), &r).unwrap();
        assert_eq!(l.trial, 0);
        assert_eq!(
            l.why,
            "the lowest duration_s (50.0s); 1 of 4 trials below 1m00.0s"
        );
        // `==` looks on the side the statistic lies.
        let a = parse("duration_s.max == 1m30s").unwrap();
        assert_eq!(look_at(&a, Some(130.0), &r).unwrap().trial, 1);
        // No trial past the threshold, no standard deviation, no `!=`: nothing to name.
        let a = parse("duration_s.mean <= 3m").unwrap();
        assert_eq!(look_at(&a, Some(100.0), &r), None);
        for text in ["duration_s.std <= 1s", "duration_s.p50 != 50"] {
            assert_eq!(
                look_at(&parse(text).unwrap(), Some(1.0), &r),
                None,
                "{text}"
            );
        }
    }

    #[test]
    fn an_outcome_names_the_first_trial_that_ended_the_wrong_way() {
        use Outcome::*;
        let r = rows(&[
            (Completed, 1.0),
            (RolledBack, 1.0),
            (Paused, 1.0),
            (RolledBack, 1.0),
        ]);
        // Too many rolled back: the first that did, picked by its outcome.
        let a = parse("outcome.rolled_back.rate <= 0.1").unwrap();
        let l = look_at(&a, Some(0.5), &r).unwrap();
        assert_eq!((l.trial, l.pick), (1, TrialPick::FirstEnded(RolledBack)));
        assert_eq!(l.why, "the first that ended rolled_back; 2 of 4 trials did");
        // Too few completed: the first that did not, by its own outcome when it is the
        // first of it.
        let a = parse("outcome.completed >= 4").unwrap();
        let l = look_at(&a, Some(1.0), &r).unwrap();
        assert_eq!((l.trial, l.pick), (1, TrialPick::FirstEnded(RolledBack)));
        assert_eq!(
            l.why,
            "the first that did not end completed (it ended rolled_back); 3 of 4 trials did not"
        );
        let a = parse("outcome.rolled_back == 0").unwrap();
        assert_eq!(look_at(&a, Some(2.0), &r).unwrap().trial, 1);
    }
}
