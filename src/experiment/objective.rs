//! What a sweep chooses its best point by: its objective, `[max:|min:]METRIC.STAT`, and
//! its `--constraint`s. Both are read by the grammar of `check`
//! ([`crate::check::assertion`]): the objective's statistic as a check's
//! left side, a constraint as a check, so the two commands accept, refuse and explain the
//! same text alike.

use crate::check::{self, Assertion, MetricStat, ParseError};
use crate::scenario::suggest;
use crate::stats::Stat;
use std::fmt;
use std::str::FromStr;

/// The statistics of a metric, by their `summary.json` names.
pub const STATS: [Stat; 11] = Stat::ALL;

/// A `--constraint`: an assertion of the `check` grammar (`min_ready.min >= 4`,
/// `outcome.paused == 0`), met by a point whose summary's point estimate meets it
/// ([`Assertion::holds`]); its errors call it a constraint.
pub fn constraint(text: &str) -> Result<Assertion, ParseError> {
    check::parse_as(text, "constraint")
}

/// What a sweep optimises: `METRIC.STAT` or `min:METRIC.STAT` (minimised), `max:METRIC.STAT`
/// (maximised); any left side of the grammar, `outcome.NAME` and `outcome.NAME.rate` too.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// The statistic.
    pub metric: MetricStat,
    /// Higher is better.
    pub maximize: bool,
}

impl FromStr for Objective {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Objective, ParseError> {
        let text = s.trim();
        let (maximize, start) = match text.get(..4) {
            Some("max:") => (true, 4),
            Some("min:") => (false, 4),
            _ => (false, 0),
        };
        // A direction misspelt (`maxx:`, `Max:`) would otherwise read as a metric's name.
        if start == 0
            && let Some((prefix, _)) = text.split_once(':')
        {
            let hint = suggest::closest(&prefix.to_ascii_lowercase(), &["max", "min"])
                .map_or_else(String::new, |c| format!("; did you mean `{c}:`?"));
            return Err(ParseError {
                what: "objective",
                text: text.to_string(),
                column: 1,
                message: format!(
                    "expected `max:`, `min:` or nothing before the statistic, got `{prefix}:`{hint}"
                ),
            });
        }
        Ok(Objective {
            metric: check::parse_metric_stat(text, start, "objective")?,
            maximize,
        })
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = if self.maximize { "max:" } else { "" };
        write!(f, "{dir}{}", self.metric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Op;

    #[test]
    fn a_misspelt_direction_is_named_not_read_as_a_metric() {
        let e = "maxx:duration_s.p95".parse::<Objective>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "objective `maxx:duration_s.p95`, column 1: expected `max:`, `min:` or nothing \
             before the statistic, got `maxx:`; did you mean `max:`?"
        );
        let e = "Min: duration_s.p95".parse::<Objective>().unwrap_err();
        assert!(
            e.to_string().ends_with("got `Min:`; did you mean `min:`?"),
            "{e}"
        );
        let e = "best:duration_s.p95".parse::<Objective>().unwrap_err();
        assert!(
            e.to_string()
                .ends_with("nothing before the statistic, got `best:`"),
            "{e}"
        );
        assert!("max:duration_s.p95".parse::<Objective>().unwrap().maximize);
    }

    #[test]
    fn names_parse_and_print_back() {
        for s in [
            "duration_s.p95",
            "min_ready.min",
            "outcome.rolled_back.rate",
            "outcome.paused",
        ] {
            assert_eq!(s.parse::<MetricStat>().unwrap().to_string(), s);
        }
        assert!("duration_s.p42".parse::<MetricStat>().is_err());
        assert!("nope.p95".parse::<MetricStat>().is_err());
        assert!("outcome.done.rate".parse::<MetricStat>().is_err());
        assert!("trial.mean".parse::<MetricStat>().is_err());
        // Misspelt names get the nearest one, as `check` assertions do.
        let e = |s: &str| s.parse::<MetricStat>().unwrap_err().to_string();
        assert!(
            e("durtion_s.p95")
                .contains("column 1: unknown metric `durtion_s`; did you mean `duration_s`?"),
            "{}",
            e("durtion_s.p95")
        );
        assert!(
            e("duration_s.mea")
                .ends_with("column 12: unknown statistic `mea`; did you mean `mean`?")
        );
        assert!(
            e("outcome.completd.rate")
                .ends_with("column 9: unknown outcome `completd`; did you mean `completed`?")
        );
        let c = constraint("min_ready.min>=4").unwrap();
        assert_eq!((c.op, c.threshold), (Op::Ge, 4.0));
        let c = constraint("duration_s.p95 < 60").unwrap();
        assert_eq!(c.op, Op::Lt);
        assert!(constraint("duration_s.p95 <= x").is_err());
        // A time metric takes a duration, in its own unit, as `check` does.
        let c = constraint("duration_s.p95 <= 10m").unwrap();
        assert_eq!(c.threshold, 600.0);
        assert_eq!(c.to_string(), "duration_s.p95 <= 600");
        // An astronomical threshold prints as written, not as 301 digits.
        let c = constraint("duration_s.p95 <= 1e300").unwrap();
        assert_eq!(c.to_string(), "duration_s.p95 <= 1e300");
        // Held to the metric's range, as a `check` is: a constraint no point can meet, or
        // every point meets, chooses nothing.
        let e = constraint(" duration_s.p95 <= -1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "constraint `duration_s.p95 <= -1`, column 19: `duration_s.p95` is a duration in \
             seconds, 0 or more, so `<= -1` can never hold whatever the trials give"
        );
        let e = constraint("outcome.completed.rate>=0").unwrap_err();
        assert!(
            e.message.ends_with(
                "a fraction of the trials, from 0 to 1, so `>= 0` always holds whatever the \
                 trials give"
            ),
            "{e}"
        );
        let e = constraint("availability.p01 >= 99.9").unwrap_err();
        assert!(
            e.message
                .ends_with("(a percentage is written as a fraction: 99.9% is 0.999)"),
            "{e}"
        );
        assert!(constraint("availability.p01 >= 0.999").is_ok());
        let c = constraint("p99_latency_ms.p50 < 0.25s").unwrap();
        assert_eq!(c.threshold, 250.0);
        let e = constraint("peak_tasks.max <= 10m").unwrap_err();
        assert_eq!(
            (e.column, e.message.as_str()),
            (19, "`10m` is not a number")
        );
        assert!(constraint("duration_s.p95 60").is_err());
        // `!=` and an outcome's count, as a check has them.
        let c = constraint("outcome.paused != 3").unwrap();
        assert_eq!(c.to_string(), "outcome.paused != 3");
    }

    /// A constraint is a check under another name: every text is accepted or refused alike,
    /// at the same column with the same message.
    #[test]
    fn a_constraint_reads_as_a_check_does() {
        for text in [
            "duration_s.p95 <= 10m",
            "outcome.paused == 0",
            "outcome.completed.rate != 1",
            "duraton_s.p95 <= 10m",
            "duration_s.p95 =< 10m",
            "duration_s.p95 <= ten",
            "outcome.complete.rate >= 0.9",
            "outcome.paused <= 0.5",
            "outcome.paused.rate <= 2",
            "availability.p01 <= 1",
            "",
        ] {
            let (checked, constrained) = (check::parse(text), constraint(text));
            match (checked, constrained) {
                (Ok(a), Ok(b)) => assert_eq!(
                    (a.target, a.op, a.threshold),
                    (b.target, b.op, b.threshold),
                    "{text}"
                ),
                (Err(a), Err(b)) => {
                    assert_eq!((a.what, b.what), ("check", "constraint"));
                    assert_eq!((a.column, a.message), (b.column, b.message), "{text}");
                }
                (a, b) => panic!("{text}: check {a:?}, constraint {b:?}"),
            }
        }
    }

    #[test]
    fn an_objective_reads_its_statistic_as_a_check_reads_its_left_side() {
        let o: Objective = "max:availability.p01".parse().unwrap();
        assert!(o.maximize);
        assert_eq!(o.to_string(), "max:availability.p01");
        assert!(!"duration_s.p95".parse::<Objective>().unwrap().maximize);
        let o: Objective = " min: duration_s.p95 ".parse().unwrap();
        assert_eq!(
            (o.maximize, o.to_string().as_str()),
            (false, "duration_s.p95")
        );
        let o: Objective = "outcome.paused".parse().unwrap();
        assert_eq!(
            o.metric,
            MetricStat::OutcomeCount(crate::result::Outcome::Paused)
        );
        let e = |s: &str| s.parse::<Objective>().unwrap_err();
        // The check's message, at the statistic's column after `max:`.
        let m = e("max:durtion_s.p95");
        let checked = check::parse("durtion_s.p95 < 1").unwrap_err();
        assert_eq!((m.column, m.message), (5, checked.message));
        let m = e("duration_s.p95 <= 1m");
        assert_eq!(
            (m.column, m.message.as_str()),
            (16, "expected nothing after `duration_s.p95`, got `<= 1m`")
        );
        assert_eq!(e("max:").column, 5);
        assert_eq!(e("duration_s").column, 11);
    }
}
