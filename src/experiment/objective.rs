//! `METRIC.STAT` references (`duration_s.p95`, `min_ready.min`,
//! `outcome.rolled_back.rate`), constraints on them (`"availability.p01 >= 0.999"`) and
//! the objective of a sweep: how a summary is read by name.

use crate::check::Range;
use crate::output::Summary;
use crate::output::columns::{COLUMNS, Unit, column};
use crate::result::Outcome;
use crate::scenario::suggest;
use crate::scenario::walk::number;
use crate::stats::Stat;
use std::fmt;
use std::str::FromStr;

/// The statistics of a metric, by their `summary.json` names.
pub const STATS: [Stat; 11] = Stat::ALL;

/// One number of a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricStat {
    /// Statistic `stat` of the numeric `trials.csv` column `metric`.
    Column {
        /// Column name.
        metric: &'static str,
        /// Which statistic.
        stat: Stat,
    },
    /// The share of trials with this outcome (`outcome.NAME.rate`).
    OutcomeRate(Outcome),
}

impl MetricStat {
    /// The values it can take.
    pub fn range(&self) -> Range {
        match self {
            MetricStat::OutcomeRate(_) => Range::RATE,
            MetricStat::Column { metric, stat } => {
                let unit = column(metric).map_or(Unit::Count, |c| c.unit);
                Range::of_metric(unit, *stat)
            }
        }
    }

    /// Its value in `summary`; `None` when the metric has no value there (a request
    /// metric without traffic).
    pub fn of(&self, summary: &Summary) -> Option<f64> {
        match self {
            MetricStat::OutcomeRate(o) => Some(summary.outcome(*o).fraction),
            MetricStat::Column { metric, stat } => summary.metric(metric)?.stat(stat.as_str()),
        }
    }
}

impl FromStr for MetricStat {
    type Err = String;

    fn from_str(s: &str) -> Result<MetricStat, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("outcome.") {
            let name = rest.strip_suffix(".rate").unwrap_or("");
            let names = Outcome::ALL.map(|o| o.as_str());
            return Outcome::parse(name)
                .map(MetricStat::OutcomeRate)
                .ok_or_else(|| {
                    let hint = suggest::closest(name, &names)
                        .map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"));
                    format!(
                        "{s:?}: expected outcome.NAME.rate with NAME one of {}{hint}",
                        names.join(", ")
                    )
                });
        }
        let (metric, stat) = s
            .rsplit_once('.')
            .ok_or_else(|| format!("{s:?}: expected METRIC.STAT, e.g. duration_s.p95"))?;
        // A misspelt name gets the nearest one, as `check` assertions do: the message
        // then says what was meant, not just that the name is unknown.
        let col = column(metric).filter(|c| c.is_metric()).ok_or_else(|| {
            let metrics: Vec<&str> = COLUMNS
                .iter()
                .filter(|c| c.is_metric())
                .map(|c| c.name)
                .collect();
            format!(
                "{s:?}: {metric:?} is not a numeric column of trials.csv{}",
                suggest::hint(metric, &metrics)
            )
        })?;
        let stat = Stat::parse(stat).ok_or_else(|| {
            let names: Vec<&str> = STATS.iter().map(|s| s.as_str()).collect();
            let hint = suggest::closest(stat, &names)
                .map_or_else(String::new, |c| format!(" (did you mean `{c}`?)"));
            format!(
                "{s:?}: the statistic must be one of {}{hint}",
                names.join(", ")
            )
        })?;
        Ok(MetricStat::Column {
            metric: col.name,
            stat,
        })
    }
}

impl fmt::Display for MetricStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricStat::Column { metric, stat } => write!(f, "{metric}.{}", stat.as_str()),
            MetricStat::OutcomeRate(o) => write!(f, "outcome.{}.rate", o.as_str()),
        }
    }
}

/// A comparison operator of a constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `==`
    Eq,
}

const OPS: [(&str, Op); 5] = [
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("==", Op::Eq),
    ("<", Op::Lt),
    (">", Op::Gt),
];

/// `METRIC.STAT OP NUMBER`: a point meets it when the statistic exists and compares so.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The left side.
    pub metric: MetricStat,
    /// The comparison.
    pub op: Op,
    /// The right side.
    pub value: f64,
}

impl Constraint {
    /// Whether `summary` meets it (a missing statistic does not).
    pub fn holds(&self, summary: &Summary) -> bool {
        self.metric.of(summary).is_some_and(|x| self.holds_for(x))
    }

    /// Whether the statistic `x` meets it.
    fn holds_for(&self, x: f64) -> bool {
        match self.op {
            Op::Le => x <= self.value,
            Op::Lt => x < self.value,
            Op::Ge => x >= self.value,
            Op::Gt => x > self.value,
            Op::Eq => x == self.value,
        }
    }
}

impl FromStr for Constraint {
    type Err = String;

    fn from_str(s: &str) -> Result<Constraint, String> {
        let (at, text, op) = OPS
            .iter()
            .filter_map(|(t, op)| s.find(t).map(|i| (i, *t, *op)))
            .min_by_key(|(i, t, _)| (*i, usize::MAX - t.len()))
            .ok_or_else(|| {
                format!("{s:?}: expected \"METRIC.STAT OP NUMBER\" with OP one of <=, <, >=, >, ==")
            })?;
        let metric: MetricStat = s[..at].parse()?;
        let number = s[at + text.len()..].trim();
        // A duration for a time metric (`duration_s.p95 <= 10m`), as `check` reads one.
        let unit = match &metric {
            MetricStat::Column { metric, .. } => column(metric).map(|c| c.unit),
            MetricStat::OutcomeRate(_) => None,
        };
        let duration = || {
            let secs = crate::sim::time::as_secs(crate::scenario::parse_duration(number).ok()?);
            match unit? {
                Unit::Seconds => Some(secs),
                Unit::Milliseconds => Some(secs * 1e3),
                _ => None,
            }
        };
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .or_else(duration)
            .ok_or_else(|| match unit {
                Some(Unit::Seconds | Unit::Milliseconds) => {
                    format!("{s:?}: {number:?} is not a number or a duration (`10m`, `250ms`)")
                }
                _ => format!("{s:?}: {number:?} is not a number"),
            })?;
        let c = Constraint { metric, op, value };
        // A constraint every point meets, or none can, chooses nothing (as a `check`).
        let comparison = format!("{text} {number}");
        match c
            .metric
            .range()
            .pointless(&c.metric.to_string(), &comparison, value, |x| {
                c.holds_for(x)
            }) {
            Some(m) => Err(format!("{s:?}: {m}")),
            None => Ok(c),
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = OPS
            .iter()
            .find(|(_, o)| *o == self.op)
            .map_or("?", |(t, _)| t);
        write!(f, "{} {op} {}", self.metric, number(self.value))
    }
}

/// What a sweep optimises: `METRIC.STAT` (minimised) or `max:METRIC.STAT` (maximised).
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// The statistic.
    pub metric: MetricStat,
    /// Higher is better.
    pub maximize: bool,
}

impl FromStr for Objective {
    type Err = String;

    fn from_str(s: &str) -> Result<Objective, String> {
        let (maximize, rest) = match s.trim().strip_prefix("max:") {
            Some(r) => (true, r),
            None => (false, s.trim().strip_prefix("min:").unwrap_or(s.trim())),
        };
        Ok(Objective {
            metric: rest.parse()?,
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

    #[test]
    fn names_parse_and_print_back() {
        for s in [
            "duration_s.p95",
            "min_ready.min",
            "outcome.rolled_back.rate",
        ] {
            assert_eq!(s.parse::<MetricStat>().unwrap().to_string(), s);
        }
        assert!("duration_s.p42".parse::<MetricStat>().is_err());
        assert!("nope.p95".parse::<MetricStat>().is_err());
        assert!("outcome.done.rate".parse::<MetricStat>().is_err());
        assert!("trial.mean".parse::<MetricStat>().is_err());
        // Misspelt names get the nearest one, as `check` assertions do.
        let e = |s: &str| s.parse::<MetricStat>().unwrap_err();
        assert!(
            e("durtion_s.p95").ends_with("; did you mean `duration_s`?"),
            "{}",
            e("durtion_s.p95")
        );
        assert!(e("duration_s.mea").ends_with("(did you mean `mean`?)"));
        assert!(e("outcome.completd.rate").ends_with("(did you mean `completed`?)"));
        let c: Constraint = "min_ready.min>=4".parse().unwrap();
        assert_eq!((c.op, c.value), (Op::Ge, 4.0));
        let c: Constraint = "duration_s.p95 < 60".parse().unwrap();
        assert_eq!(c.op, Op::Lt);
        assert!("duration_s.p95 <= x".parse::<Constraint>().is_err());
        // A time metric takes a duration, in its own unit, as `check` does.
        let c: Constraint = "duration_s.p95 <= 10m".parse().unwrap();
        assert_eq!(c.value, 600.0);
        assert_eq!(c.to_string(), "duration_s.p95 <= 600");
        // An astronomical threshold prints as written, not as 301 digits.
        let c: Constraint = "duration_s.p95 <= 1e300".parse().unwrap();
        assert_eq!(c.to_string(), "duration_s.p95 <= 1e300");
        // Held to the metric's range, as a `check` is: a constraint no point can meet, or
        // every point meets, chooses nothing.
        let e = " duration_s.p95 <= -1".parse::<Constraint>().unwrap_err();
        assert_eq!(
            e,
            "\" duration_s.p95 <= -1\": `duration_s.p95` is a duration in seconds, 0 or more, \
             so `<= -1` can never hold whatever the trials give"
        );
        let e = "outcome.completed.rate>=0"
            .parse::<Constraint>()
            .unwrap_err();
        assert!(e.ends_with("a fraction of the trials, from 0 to 1, so `>= 0` always holds whatever the trials give"), "{e}");
        let e = "availability.p01 >= 99.9"
            .parse::<Constraint>()
            .unwrap_err();
        assert!(
            e.ends_with("(a percentage is written as a fraction: 99.9% is 0.999)"),
            "{e}"
        );
        assert!("availability.p01 >= 0.999".parse::<Constraint>().is_ok());
        let c: Constraint = "p99_latency_ms.p50 < 0.25s".parse().unwrap();
        assert_eq!(c.value, 250.0);
        let e = "peak_tasks.max <= 10m".parse::<Constraint>().unwrap_err();
        assert!(e.ends_with("\"10m\" is not a number"), "{e}");
        assert!("duration_s.p95 60".parse::<Constraint>().is_err());
        let o: Objective = "max:availability.p01".parse().unwrap();
        assert!(o.maximize);
        assert!(!"duration_s.p95".parse::<Objective>().unwrap().maximize);
    }
}
