//! The one grammar of "a statistic of a run compared with a number", read alike by
//! `checks:`, `--check` and `sweep --constraint`:
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
//! bare number in its own unit. The left side alone ([`MetricStat`]) is what `sweep
//! --objective` optimises, read by [`parse_metric_stat`]. Errors name what was read
//! (`check`, `constraint`, `objective`) and give the column (1-based, in characters) of
//! the problem so a long list of checks can be fixed without guessing.
//!
//! A threshold must be one the statistic can both meet and miss: every metric is a count,
//! a duration, cores, bytes or a fraction, never negative, and a fraction is at most 1
//! ([`Range`](super::metric_stat::Range)); `duration_s.p95 <= -1` (never holds) or
//! `availability.p01 <= 1` (always holds) decides nothing and is refused, saying the
//! metric's range.

use super::metric_stat::MetricStat;
use crate::output::{COLUMNS, Summary, Unit};
use crate::result::Outcome;
use crate::scenario::walk::number;
use crate::scenario::{parse_duration, suggest};
use crate::sim::time::as_secs;
use crate::stats::Stat;
use std::fmt;
use std::str::FromStr;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
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

/// One parsed assertion: a check, or a sweep's constraint.
#[derive(Debug, Clone)]
pub struct Assertion {
    /// The text as written (trimmed), used to name it in reports and find its line.
    pub text: String,
    /// The statistic compared.
    pub target: MetricStat,
    /// The comparison.
    pub op: Op,
    /// In the metric's own unit (seconds for `*_s` columns, milliseconds for `*_ms`).
    pub threshold: f64,
}

impl Assertion {
    /// Whether `summary`'s point estimate meets it; a statistic without a value there (a
    /// request metric without traffic) does not.
    pub fn holds(&self, summary: &Summary) -> bool {
        self.target
            .of(summary)
            .is_some_and(|x| self.op.holds(x, self.threshold))
    }
}

/// `METRIC.STAT OP NUMBER` with the threshold in the metric's unit (`duration_s.p95 <=
/// 600` for `duration_s.p95 <= 10m`), as `sweep.json` lists its constraints.
impl fmt::Display for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (target, op) = (self.target, self.op.as_str());
        write!(f, "{target} {op} {}", number(self.threshold))
    }
}

/// Why a text of the grammar does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} `{text}`, column {column}: {message}")]
pub struct ParseError {
    /// What the text was read as: `check`, `constraint`, `objective`, `statistic`.
    pub what: &'static str,
    /// The text as written (trimmed).
    pub text: String,
    /// 1-based character column of the problem within `text`.
    pub column: usize,
    /// What is wrong there.
    pub message: String,
}

/// A trimmed text being read as `what`, for errors that point into it.
struct Reading<'a> {
    text: &'a str,
    what: &'static str,
}

impl Reading<'_> {
    /// The error `message` at byte `byte` of the text.
    fn error(&self, byte: usize, message: String) -> ParseError {
        ParseError {
            what: self.what,
            text: self.text.to_string(),
            column: self.text[..byte.min(self.text.len())].chars().count() + 1,
            message,
        }
    }

    /// The statistic from byte `start` (after any spaces), and the byte where it ends.
    fn metric_stat(&self, start: usize) -> Result<(MetricStat, usize), ParseError> {
        let after = self.text.get(start..).unwrap_or_default();
        let start = self.text.len() - after.trim_start().len();
        let end = self.text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .map_or(self.text.len(), |n| start + n);
        if end == start {
            return Err(self.error(
                start,
                "expected `METRIC.STAT` or `outcome.NAME` first".into(),
            ));
        }
        let lhs = target(&self.text[start..end]);
        Ok((lhs.map_err(|(at, m)| self.error(start + at, m))?, end))
    }
}

/// Parse one check (`checks:`, `--check`).
pub fn parse(input: &str) -> Result<Assertion, ParseError> {
    parse_as(input, "check")
}

/// Parse one assertion read as `what` (`check`, `constraint`), the name its errors give it.
pub fn parse_as(input: &str, what: &'static str) -> Result<Assertion, ParseError> {
    let text = input.trim();
    let r = Reading { text, what };
    let (target, lhs_end) = r.metric_stat(0)?;
    let rest_start = lhs_end + (text[lhs_end..].len() - text[lhs_end..].trim_start().len());
    let rest = &text[rest_start..];
    let Some(&(op_text, op)) = Op::ALL.iter().find(|(s, _)| rest.starts_with(s)) else {
        return Err(r.error(
            rest_start,
            "expected an operator: one of `<`, `<=`, `>`, `>=`, `==`, `!=`".into(),
        ));
    };
    let num_start = rest_start + op_text.len();
    let num_text = text[num_start..].trim_start();
    let num_start = text.len() - num_text.len();
    if num_text.is_empty() {
        return Err(r.error(num_start, "expected a number after the operator".into()));
    }
    let threshold = threshold(&target, num_text).map_err(|m| r.error(num_start, m))?;
    let name = &text[..lhs_end];
    let comparison = format!("{op_text} {num_text}");
    if let Some(m) = target
        .range()
        .pointless(name, &comparison, threshold, |x| op.holds(x, threshold))
    {
        return Err(r.error(num_start, m));
    }
    Ok(Assertion {
        text: text.to_string(),
        target,
        op,
        threshold,
    })
}

/// The statistic alone, from byte `start` of `text` (trimmed) to its end, read as `what`:
/// `sweep --objective` reads its statistic after its `max:` with it.
pub fn parse_metric_stat(
    text: &str,
    start: usize,
    what: &'static str,
) -> Result<MetricStat, ParseError> {
    let r = Reading { text, what };
    let (target, end) = r.metric_stat(start)?;
    let rest = text[end..].trim_start();
    if !rest.is_empty() {
        return Err(r.error(
            text.len() - rest.len(),
            format!("expected nothing after `{target}`, got `{rest}`"),
        ));
    }
    Ok(target)
}

/// `duration_s.p95`, `outcome.paused`, `outcome.completed.rate`, trimmed.
impl FromStr for MetricStat {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<MetricStat, ParseError> {
        parse_metric_stat(s.trim(), 0, "statistic")
    }
}

/// The left-hand side; errors carry the byte offset of the bad part.
fn target(lhs: &str) -> Result<MetricStat, (usize, String)> {
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
            [] => Ok(MetricStat::OutcomeCount(outcome)),
            ["rate"] => Ok(MetricStat::OutcomeRate(outcome)),
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
                    format!("unknown statistic `{stat}`{}", stat_hint(stat, &stats)),
                )
            })?;
            Ok(MetricStat::Column { column, stat: s })
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

/// The tail of an unknown statistic's message: for a percentile that is not kept, the
/// percentiles there are and the nearest in value; otherwise the closest name.
fn stat_hint(stat: &str, stats: &[&str]) -> String {
    match Stat::nearest_percentile(stat) {
        Some(near) => {
            let kept: Vec<&str> = Stat::ALL
                .into_iter()
                .filter(|s| s.percentile().is_some())
                .map(Stat::as_str)
                .collect();
            format!(
                " (the percentiles are {}); did you mean `{}`?",
                suggest::list(&kept),
                near.as_str()
            )
        }
        None => suggest::hint(stat, stats),
    }
}

/// The right-hand side in the target's unit.
fn threshold(target: &MetricStat, s: &str) -> Result<f64, String> {
    let unit = target.unit();
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
        MetricStat::OutcomeCount(_) if value.fract() != 0.0 => {
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
            MetricStat::Column {
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
        assert!(matches!(
            a.target,
            MetricStat::OutcomeCount(Outcome::Paused)
        ));
        let a = parse("outcome.completed.rate != 1").unwrap();
        assert!(matches!(
            a.target,
            MetricStat::OutcomeRate(Outcome::Completed)
        ));
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
        // The percentile nearest in value, not in spelling (`p90`), with the list.
        assert!(
            e.message.ends_with(
                "unknown statistic `p96` (the percentiles are `p01`, `p05`, `p10`, `p50`, \
                 `p90`, `p95`, `p99`); did you mean `p95`?"
            ),
            "{e}"
        );
        let e = parse("duration_s.mena <= 10m").unwrap_err();
        assert!(e.message.ends_with("did you mean `mean`?"), "{e}");
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
