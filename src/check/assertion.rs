//! The assertion grammar of `checks:` and `--check`:
//!
//! ```text
//! METRIC.STAT OP NUMBER        duration_s.p95 <= 10m, availability.p01 >= 0.999
//! outcome.NAME OP COUNT        outcome.paused == 0
//! outcome.NAME.rate OP FRACTION outcome.completed.rate >= 0.99
//! ```
//!
//! `OP` is one of `<`, `<=`, `>`, `>=`, `==`, `!=`. `METRIC` is a numeric column of
//! `trials.csv`, `STAT` a statistic of `summary.json` (`mean`, `p95`, `max`, …). A metric
//! measured in seconds (or milliseconds) takes a duration (`10m`, `250ms`) as well as a
//! bare number in its own unit. Errors give the column (1-based, in characters) of the
//! problem so a long list of checks can be fixed without guessing.
//!
//! A threshold must be one the statistic can both meet and miss: every metric is a count,
//! a duration, cores, bytes or a fraction, never negative, and a fraction is at most 1
//! ([`Range`]); `duration_s.p95 <= -1` (never holds) or `availability.p01 <= 1` (always
//! holds) decides nothing and is refused, saying the metric's range. `sweep
//! --constraint`s are held to the same ranges.

use crate::output::{COLUMNS, Column, Unit};
use crate::result::Outcome;
use crate::scenario::walk::number;
use crate::scenario::{parse_duration, suggest};
use crate::sim::time::as_secs;
use crate::stats::Stat;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    /// Longest first, so `<=` is not read as `<`.
    const ALL: [(&'static str, Op); 6] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    /// Whether `value OP threshold` holds.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
            Op::Eq => value == threshold,
            Op::Ne => value != threshold,
        }
    }

    /// How the operator is written.
    pub fn as_str(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |(s, _)| s)
    }
}

/// What an assertion measures.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// A statistic of a `trials.csv` column.
    Metric { column: &'static Column, stat: Stat },
    /// How many trials ended with an outcome.
    OutcomeCount(Outcome),
    /// The fraction of trials that ended with an outcome.
    OutcomeRate(Outcome),
}

/// One parsed assertion.
#[derive(Debug, Clone)]
pub struct Assertion {
    /// The text as written (trimmed), used to name it in reports and find its line.
    pub text: String,
    pub target: Target,
    pub op: Op,
    /// In the metric's own unit (seconds for `*_s` columns, milliseconds for `*_ms`).
    pub threshold: f64,
}

/// Why an assertion does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("check `{text}`, column {column}: {message}")]
pub struct ParseError {
    /// The assertion as written.
    pub text: String,
    /// 1-based character column of the problem within `text`.
    pub column: usize,
    pub message: String,
}

/// Parse one assertion.
pub fn parse(input: &str) -> Result<Assertion, ParseError> {
    let text = input.trim();
    let err = |byte: usize, message: String| ParseError {
        text: text.to_string(),
        column: text[..byte.min(text.len())].chars().count() + 1,
        message,
    };
    let lhs_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(text.len());
    if lhs_end == 0 {
        return Err(err(
            0,
            "expected `METRIC.STAT` or `outcome.NAME` first".into(),
        ));
    }
    let target = target(&text[..lhs_end]).map_err(|(at, m)| err(at, m))?;
    let rest_start = lhs_end + (text[lhs_end..].len() - text[lhs_end..].trim_start().len());
    let rest = &text[rest_start..];
    let Some(&(op_text, op)) = Op::ALL.iter().find(|(s, _)| rest.starts_with(s)) else {
        return Err(err(
            rest_start,
            "expected an operator: one of `<`, `<=`, `>`, `>=`, `==`, `!=`".into(),
        ));
    };
    let num_start = rest_start + op_text.len();
    let num_text = text[num_start..].trim_start();
    let num_start = text.len() - num_text.len();
    if num_text.is_empty() {
        return Err(err(
            num_start,
            "expected a number after the operator".into(),
        ));
    }
    let threshold = threshold(&target, num_text).map_err(|m| err(num_start, m))?;
    let name = &text[..lhs_end];
    let comparison = format!("{op_text} {num_text}");
    if let Some(m) = target
        .range()
        .pointless(name, &comparison, threshold, |x| op.holds(x, threshold))
    {
        return Err(err(num_start, m));
    }
    Ok(Assertion {
        text: text.to_string(),
        target,
        op,
        threshold,
    })
}

impl Target {
    /// The values it can take.
    pub fn range(&self) -> Range {
        match self {
            Target::Metric { column, stat } => Range::of_metric(column.unit, *stat),
            Target::OutcomeCount(_) => Range::TRIALS,
            Target::OutcomeRate(_) => Range::RATE,
        }
    }
}

/// The values a statistic can take, for refusing a threshold it would meet (or miss)
/// whatever the trials give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The smallest.
    pub lo: f64,
    /// The largest (infinite: no bound).
    pub hi: f64,
    /// What the values are, for messages: "a duration in seconds".
    pub what: &'static str,
}

impl Range {
    /// How many trials ended with an outcome.
    pub const TRIALS: Range = Range::from_zero("a number of trials");
    /// The share of trials that ended with an outcome.
    pub const RATE: Range = Range {
        lo: 0.0,
        hi: 1.0,
        what: "a fraction of the trials",
    };

    const fn from_zero(what: &'static str) -> Range {
        Range {
            lo: 0.0,
            hi: f64::INFINITY,
            what,
        }
    }

    /// The range of statistic `stat` of a metric in `unit`: every metric is never negative,
    /// and a fraction (`availability`, `next_share`) at most 1; so are their means and
    /// percentiles, and their standard deviations (a standard deviation of fractions is
    /// below 1).
    pub fn of_metric(unit: Unit, stat: Stat) -> Range {
        let (what, hi) = match unit {
            Unit::Seconds => ("a duration in seconds", f64::INFINITY),
            Unit::Milliseconds => ("a duration in milliseconds", f64::INFINITY),
            Unit::Cores => ("a number of cpu cores", f64::INFINITY),
            Unit::Bytes => ("a number of bytes", f64::INFINITY),
            Unit::Ratio => ("a fraction", 1.0),
            Unit::Count | Unit::Id | Unit::Label => ("a count", f64::INFINITY),
        };
        match stat {
            Stat::Std if hi.is_finite() => Range {
                lo: 0.0,
                hi,
                what: "a standard deviation of fractions",
            },
            Stat::Std => Range::from_zero("a standard deviation"),
            _ => Range { lo: 0.0, hi, what },
        }
    }

    /// Why `NAME OP THRESHOLD` (`comparison` is `OP THRESHOLD` as written) decides nothing:
    /// `holds` is the comparison, false for every value of the range or true for every
    /// one. `None` when some value meets it and some does not.
    pub fn pointless(
        &self,
        name: &str,
        comparison: &str,
        threshold: f64,
        holds: impl Fn(f64) -> bool,
    ) -> Option<String> {
        // A comparison with `threshold` changes only there: the ends and the threshold
        // itself stand for every value (the infinite end for values past any threshold).
        let at = [self.lo, threshold, self.hi];
        let values = at.iter().filter(|x| (self.lo..=self.hi).contains(*x));
        let (meets, misses) =
            values.fold((false, false), |(m, f), &x| (m || holds(x), f || !holds(x)));
        let outcome = match (meets, misses) {
            (true, true) => return None,
            (false, _) => "can never hold",
            (true, false) => "always holds",
        };
        let range = if self.hi.is_finite() {
            format!("from {} to {}", number(self.lo), number(self.hi))
        } else {
            format!("{} or more", number(self.lo))
        };
        // `availability.p01 >= 99.9`: a percentage where the fraction 0.999 was meant.
        let hint = if self.hi == 1.0 && threshold > 1.0 && threshold <= 100.0 {
            // To 12 significant digits: 99.9 / 100 is 0.9990000000000001.
            let fraction = format!("{:.11e}", threshold / 100.0).parse().unwrap_or(0.0);
            format!(
                " (a percentage is written as a fraction: {}% is {})",
                number(threshold),
                number(fraction)
            )
        } else {
            String::new()
        };
        Some(format!(
            "`{name}` is {}, {range}, so `{comparison}` {outcome} whatever the trials give{hint}",
            self.what
        ))
    }
}

/// The left-hand side; errors carry the byte offset of the bad part.
fn target(lhs: &str) -> Result<Target, (usize, String)> {
    let parts: Vec<&str> = lhs.split('.').collect();
    let offset = |i: usize| parts[..i].iter().map(|p| p.len() + 1).sum::<usize>();
    if parts[0] == "outcome" {
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        let Some(name) = parts.get(1) else {
            return Err((lhs.len(), "expected `outcome.NAME`".into()));
        };
        let outcome = Outcome::parse(name).ok_or_else(|| {
            (
                offset(1),
                format!("unknown outcome `{name}`{}", suggest::hint(name, &names)),
            )
        })?;
        return match &parts[2..] {
            [] => Ok(Target::OutcomeCount(outcome)),
            ["rate"] => Ok(Target::OutcomeRate(outcome)),
            [other, ..] => Err((
                offset(2),
                format!("expected `rate` or nothing after `outcome.{name}`, got `{other}`"),
            )),
        };
    }
    let metrics: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| c.is_metric())
        .map(|c| c.name)
        .collect();
    let column = COLUMNS
        .iter()
        .find(|c| c.is_metric() && c.name == parts[0])
        .ok_or_else(|| {
            let hint = suggest::closest(parts[0], &metrics)
                .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
            (
                0,
                format!("unknown metric `{}`{hint} (metrics are the numeric columns of trials.csv; outcomes are `outcome.NAME`)", parts[0]),
            )
        })?;
    let stats: Vec<&str> = Stat::ALL.iter().map(|s| s.as_str()).collect();
    match &parts[1..] {
        [stat] => {
            let s = Stat::parse(stat).ok_or_else(|| {
                (
                    offset(1),
                    format!("unknown statistic `{stat}`{}", suggest::hint(stat, &stats)),
                )
            })?;
            Ok(Target::Metric { column, stat: s })
        }
        [] => Err((
            lhs.len(),
            format!(
                "expected `.STAT` after `{}` (one of {})",
                parts[0],
                suggest::list(&stats)
            ),
        )),
        [_, extra, ..] => Err((offset(2), format!("unexpected `.{extra}`"))),
    }
}

/// The right-hand side in the target's unit.
fn threshold(target: &Target, s: &str) -> Result<f64, String> {
    let unit = match target {
        Target::Metric { column, .. } => Some(column.unit),
        _ => None,
    };
    let number = s.parse::<f64>().ok().filter(|x| x.is_finite());
    let value = match (number, unit) {
        (Some(x), _) => x,
        (None, Some(u @ (Unit::Seconds | Unit::Milliseconds))) => {
            let secs = parse_duration(s).map(as_secs).map_err(|e| {
                format!("`{s}`: {e}; expected a number or a duration (`10m`, `250ms`)")
            })?;
            if u == Unit::Milliseconds {
                secs * 1e3
            } else {
                secs
            }
        }
        (None, _) => return Err(format!("`{s}` is not a number")),
    };
    match target {
        Target::OutcomeCount(_) if value.fract() != 0.0 => {
            Err(format!("a count is a whole number of trials, got {s}"))
        }
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        let a = parse(" duration_s.p95 <= 10m ").unwrap();
        assert!(matches!(
            a.target,
            Target::Metric {
                stat: Stat::P95,
                ..
            }
        ));
        assert_eq!(
            (a.op, a.threshold, a.text.as_str()),
            (Op::Le, 600.0, "duration_s.p95 <= 10m")
        );
        let a = parse("availability.p01>=0.999").unwrap();
        assert_eq!((a.op, a.threshold), (Op::Ge, 0.999));
        let a = parse("outcome.paused == 0").unwrap();
        assert!(matches!(a.target, Target::OutcomeCount(Outcome::Paused)));
        let a = parse("outcome.completed.rate != 1").unwrap();
        assert!(matches!(a.target, Target::OutcomeRate(Outcome::Completed)));
        assert_eq!(a.op, Op::Ne);
        assert_eq!(parse("duration_s.max < 90").unwrap().threshold, 90.0);
    }

    #[test]
    fn errors_name_the_column_and_suggest() {
        let e = parse("duraton_s.p95 <= 10m").unwrap_err();
        assert_eq!(e.column, 1);
        assert!(e.message.contains("did you mean `duration_s`"), "{e}");
        let e = parse("duration_s.p96 <= 10m").unwrap_err();
        assert_eq!(e.column, 12);
        let e = parse("duration_s.p95 =< 10m").unwrap_err();
        assert_eq!(e.column, 16);
        let e = parse("duration_s.p95 <= ten").unwrap_err();
        assert_eq!(e.column, 19);
        let e = parse("outcome.complete.rate >= 0.9").unwrap_err();
        assert!(e.message.contains("did you mean `completed`"), "{e}");
        assert_eq!(e.column, 9);
        assert_eq!(parse("outcome.paused.rate <= 2").unwrap_err().column, 24);
        assert_eq!(parse("outcome.paused <= 0.5").unwrap_err().column, 19);
        assert_eq!(parse("").unwrap_err().column, 1);
        assert!(
            parse("availability.p01 >= 1m")
                .unwrap_err()
                .message
                .contains("not a number")
        );
    }

    #[test]
    fn a_threshold_outside_the_metrics_range_is_refused() {
        let refused = |text: &str| parse(text).unwrap_err();
        let e = refused("duration_s.p95 <= -1");
        assert_eq!(
            (e.column, e.message.as_str()),
            (
                19,
                "`duration_s.p95` is a duration in seconds, 0 or more, so `<= -1` can never \
                 hold whatever the trials give"
            )
        );
        let e = refused("availability.p01 <= 1");
        assert_eq!(
            e.message,
            "`availability.p01` is a fraction, from 0 to 1, so `<= 1` always holds whatever \
             the trials give"
        );
        let e = refused("availability.p01 >= 99.9");
        assert!(
            e.message.ends_with(
                "can never hold whatever the trials give (a percentage is written as a \
                 fraction: 99.9% is 0.999)"
            ),
            "{e}"
        );
        let e = refused("outcome.paused >= 0");
        assert!(
            e.message
                .starts_with("`outcome.paused` is a number of trials, 0 or more, so `>= 0` always"),
            "{e}"
        );
        let e = refused("outcome.completed.rate > 1");
        assert!(
            e.message.contains("a fraction of the trials, from 0 to 1"),
            "{e}"
        );
        for never_or_always in [
            "duration_s.p95 >= 0",
            "duration_s.p95 > -5",
            "p99_latency_ms.mean == -1ms",
            "restarts.mean != -1",
            "peak_memory.max < 0",
            "availability.std <= 1",
            "next_share.p50 >= -0.5",
            "outcome.paused == -1",
            "outcome.paused.rate <= 2",
        ] {
            assert!(parse(never_or_always).is_err(), "{never_or_always}");
        }
        // Thresholds the statistic can meet and miss, the edges included.
        for decides in [
            "duration_s.max <= 0",
            "duration_s.p95 > 0",
            "duration_s.p95 <= 1e300",
            "availability.p01 >= 1",
            "availability.p01 < 1",
            "availability.min > 0",
            "outcome.paused == 0",
            "outcome.paused.rate != 1",
            "outcome.completed.rate == 0",
        ] {
            assert!(parse(decides).is_ok(), "{decides}");
        }
    }
}
