//! Deciding an [`Assertion`] against a run's [`Summary`].
//!
//! By default the decision uses the point estimate. With a confidence level the whole 95%
//! interval must satisfy the assertion to pass (so its unfavourable end decides), an
//! interval wholly on the wrong side fails, and one that straddles the threshold is
//! inconclusive: more trials would be needed to tell. So is a statistic that has an
//! interval only with enough trials (a p99 needs 368) when the run has too few: its point
//! estimate alone cannot make the check sure.

use super::assertion::{Assertion, Op};
use super::metric_stat::MetricStat;
use crate::output::{Summary, Unit};

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// The 95% interval contains values on both sides of the threshold.
    Inconclusive,
}

impl Verdict {
    /// How reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// One assertion's measured value and verdict.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub assertion: Assertion,
    /// The point estimate; `None` when no trial has a value for the metric (a traffic
    /// metric in a scenario without traffic), which fails.
    pub value: Option<f64>,
    /// The 95% interval, when the statistic has one.
    pub interval: Option<(f64, f64)>,
    pub verdict: Verdict,
    /// When it did not pass: the trial to look at ([`look_at`](fn@super::look_at)) and
    /// the command line that shows it, as `check` prints them under the verdict.
    pub look_at: Option<String>,
}

impl Evaluation {
    /// `7m12.0s [6m58.0s, 7m30.0s]`, or `no values`.
    pub fn measured(&self) -> String {
        let f = |v: f64| format_value(&self.assertion.target, v);
        match (self.value, self.interval) {
            (None, _) => "no values (no trial has this metric)".into(),
            // A percentile with too few trials: say so, as the table's `±?` does.
            (Some(v), None) if self.assertion.target.has_interval() => {
                format!("{} [95%: too few trials to bound it]", f(v))
            }
            (Some(v), None) => f(v),
            (Some(v), Some((lo, hi))) => format!("{} [95%: {}, {}]", f(v), f(lo), f(hi)),
        }
    }

    /// The threshold in the metric's unit, e.g. `10m00.0s`.
    pub fn threshold(&self) -> String {
        format_value(&self.assertion.target, self.assertion.threshold)
    }

    /// `pass  duration_s.p95 <= 10m: measured …, threshold …`.
    pub fn line(&self) -> String {
        format!(
            "{:<12} {}: measured {}; threshold {} {}",
            self.verdict.as_str(),
            self.assertion.text,
            self.measured(),
            self.assertion.op.as_str(),
            self.threshold()
        )
    }
}

/// `v` in the unit of `target`'s metric: durations as `2m10.0s`, others to 5 digits.
pub(super) fn format_value(target: &MetricStat, v: f64) -> String {
    match target.unit() {
        Some(Unit::Seconds) => crate::output::table::duration(v),
        Some(Unit::Milliseconds) => format!("{}ms", significant(v)),
        _ => significant(v),
    }
}

/// `v` to 5 significant digits, trailing zeros dropped: `0.98115`, `1`, `12.5`.
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (4 - v.abs().log10().floor() as i64).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Evaluate `assertion` on `summary`; `confident` asks for the interval rule.
pub fn evaluate(assertion: &Assertion, summary: &Summary, confident: bool) -> Evaluation {
    let value = assertion.target.of(summary);
    let interval = assertion.target.interval(summary);
    let (op, t) = (assertion.op, assertion.threshold);
    let verdict = match (value, interval) {
        (Some(_), Some((lo, hi))) if confident => decide_interval(op, lo, hi, t),
        // No interval where one is asked for: the trials are too few to be sure either way.
        (Some(_), None) if confident && assertion.target.has_interval() => Verdict::Inconclusive,
        // The point rule, as a sweep decides its constraints.
        _ if assertion.holds(summary) => Verdict::Pass,
        _ => Verdict::Fail,
    };
    Evaluation {
        assertion: assertion.clone(),
        value,
        interval,
        verdict,
        look_at: None,
    }
}

/// Pass when every value of `[lo, hi]` satisfies `x OP t`, fail when none does,
/// inconclusive otherwise.
fn decide_interval(op: Op, lo: f64, hi: f64, t: f64) -> Verdict {
    let inside = lo <= t && t <= hi;
    let (all, none) = match op {
        // Monotone comparisons: the two ends decide.
        Op::Lt | Op::Le | Op::Gt | Op::Ge => (
            op.holds(lo, t) && op.holds(hi, t),
            !op.holds(lo, t) && !op.holds(hi, t),
        ),
        Op::Eq => (lo == t && hi == t, !inside),
        Op::Ne => (!inside, lo == t && hi == t),
    };
    match (all, none) {
        (true, _) => Verdict::Pass,
        (_, true) => Verdict::Fail,
        _ => Verdict::Inconclusive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_significant_digits() {
        assert_eq!(significant(0.981_154_67), "0.98115");
        assert_eq!(significant(1.0), "1");
        assert_eq!(significant(12.5), "12.5");
        assert_eq!(significant(123_456.7), "123457");
        assert_eq!(significant(0.999_95), "0.99995");
    }

    #[test]
    fn interval_rule() {
        use Verdict::*;
        // Upper bound: the interval's high end decides a pass, its low end a failure.
        assert_eq!(decide_interval(Op::Le, 5.0, 9.0, 10.0), Pass);
        assert_eq!(decide_interval(Op::Le, 9.0, 11.0, 10.0), Inconclusive);
        assert_eq!(decide_interval(Op::Le, 11.0, 12.0, 10.0), Fail);
        assert_eq!(decide_interval(Op::Lt, 5.0, 10.0, 10.0), Inconclusive);
        assert_eq!(decide_interval(Op::Ge, 0.9991, 0.9999, 0.999), Pass);
        assert_eq!(decide_interval(Op::Gt, 0.99, 0.9995, 0.999), Inconclusive);
        assert_eq!(decide_interval(Op::Ge, 0.9, 0.99, 0.999), Fail);
        assert_eq!(decide_interval(Op::Eq, 0.0, 0.0, 0.0), Pass);
        assert_eq!(decide_interval(Op::Eq, 0.0, 2.0, 0.0), Inconclusive);
        assert_eq!(decide_interval(Op::Eq, 1.0, 2.0, 0.0), Fail);
        assert_eq!(decide_interval(Op::Ne, 1.0, 2.0, 0.0), Pass);
        assert_eq!(decide_interval(Op::Ne, 0.0, 0.0, 0.0), Fail);
    }
}
