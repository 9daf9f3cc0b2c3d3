//! Durations as scenario files write them: `"250ms"`, `"10s"`, `"1m30s"`, `"2h"`,
//! `"1.5s"`, or a bare number of seconds (`5`, `0.25`, `"5"`).
//!
//! A string is a number of seconds (Rust's `f64` syntax: `5`, `0.25`, `1e3`), or a sum of
//! `<number><unit>` terms (`1m30s`, `2h 5m`, `1.5s`, `1day`), spaces allowed between them
//! and before a unit, with the units of `humantime` 2.4 (`ns`…`y`, [`UNITS`]). That is
//! the whole grammar, and [`pattern`] writes it as the regular expression the JSON Schema
//! gives editors, so the two accept the same strings (only the magnitude, below [`NEVER`],
//! is the parser's alone). `humantime` gives the value when it reads the string (exact
//! integer arithmetic, as before); otherwise the terms are summed here in `f64` (decimals
//! `humantime` refuses: `1.001w`). The result is integer [`Time`] in microseconds, rounded
//! to the nearest one. A duration is finite: [`NEVER`] is reserved for distributions that
//! say `never`.

use crate::sim::time::{NEVER, SECOND, Time};
use serde_json::{Number, Value};

/// What a duration looks like, for "expected …, got …" messages.
pub const EXPECTED: &str = r#"a duration ("250ms", "10s", "1m30s", a number of seconds)"#;

/// Why a value is not a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Below zero.
    #[error("durations cannot be negative")]
    Negative,
    /// Does not fit in microseconds below [`NEVER`] (about 584,000 years).
    #[error("duration too large")]
    TooLarge,
    /// Not a number or a duration string at all.
    #[error("not a duration")]
    Invalid,
}

/// A duration from a generic tree value (a number of seconds or a string).
pub fn from_value(v: &Value) -> Result<Time, DurationError> {
    match v {
        Value::Number(n) => from_number(n),
        Value::String(s) => parse(s),
        _ => Err(DurationError::Invalid),
    }
}

/// A duration from a string.
pub fn parse(s: &str) -> Result<Time, DurationError> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(DurationError::Negative);
    }
    // A bare number of seconds; `f64::from_str` also takes "inf" and "nan", which are not
    // durations, while a number too large for an `f64` (`1e400`) is one, too large.
    if let Ok(x) = t.parse::<f64>() {
        let word = t.trim_start_matches('+').starts_with(['i', 'I', 'n', 'N']);
        return match x {
            _ if word => Err(DurationError::Invalid),
            x if x.is_infinite() => Err(DurationError::TooLarge),
            x => from_secs(x),
        };
    }
    // The terms decide what is a duration: `humantime` alone would also take digits split
    // by spaces (`"1 0s"` as ten seconds), which no pattern an editor checks would accept.
    let terms = decimal_terms(t);
    if terms == Err(DurationError::Invalid) {
        return terms;
    }
    match humantime::parse_duration(t) {
        Ok(d) => {
            let micros = d.as_nanos().div_ceil(1_000);
            u64::try_from(micros)
                .ok()
                .filter(|&m| m < NEVER)
                .ok_or(DurationError::TooLarge)
        }
        Err(_) => terms,
    }
}

/// The units of a term, with their length in microseconds: `humantime` 2.4's
/// (`Unit::from_str`; a month is 30.44 days, a year 365.25 days, as there).
pub const UNITS: &[(&str, f64)] = &[
    ("nanos", 1e-3),
    ("nsec", 1e-3),
    ("ns", 1e-3),
    ("usec", 1.0),
    ("us", 1.0),
    ("µs", 1.0),
    ("millis", 1e3),
    ("msec", 1e3),
    ("ms", 1e3),
    ("seconds", 1e6),
    ("second", 1e6),
    ("secs", 1e6),
    ("sec", 1e6),
    ("s", 1e6),
    ("minutes", 60e6),
    ("minute", 60e6),
    ("min", 60e6),
    ("mins", 60e6),
    ("m", 60e6),
    ("hours", 3600e6),
    ("hour", 3600e6),
    ("hr", 3600e6),
    ("hrs", 3600e6),
    ("h", 3600e6),
    ("days", 86_400e6),
    ("day", 86_400e6),
    ("d", 86_400e6),
    ("weeks", 604_800e6),
    ("week", 604_800e6),
    ("wk", 604_800e6),
    ("wks", 604_800e6),
    ("w", 604_800e6),
    ("months", 2_630_016e6),
    ("month", 2_630_016e6),
    ("M", 2_630_016e6),
    ("years", 31_557_600e6),
    ("year", 31_557_600e6),
    ("yr", 31_557_600e6),
    ("yrs", 31_557_600e6),
    ("y", 31_557_600e6),
];

/// What `str::trim` removes (Unicode `White_Space`), as a regular expression class that
/// JavaScript's and Rust's regular expressions read alike (JavaScript's `\s` also has
/// U+FEFF, and lacks U+0085).
pub const WHITESPACE: &str =
    r"[\t\n\x0B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// The strings [`parse`] reads as a duration, as an anchored regular expression in the
/// syntax JSON Schema's `pattern` takes (ECMA-262, which Rust's `regex` reads alike here):
/// a number of seconds, or terms of a decimal and a unit of [`UNITS`].
pub fn pattern() -> String {
    let ws = WHITESPACE;
    let decimal = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)";
    let units: Vec<&str> = UNITS.iter().map(|(u, _)| *u).collect();
    let term = format!("{decimal}{ws}*(?:{})", units.join("|"));
    format!(r"^{ws}*(?:\+?{decimal}(?:[eE][+-]?[0-9]+)?|{term}(?:{ws}*{term})*){ws}*$")
}

/// A duration for messages: `1m 30s`, `250ms`.
pub fn show(t: Time) -> String {
    humantime::format_duration(std::time::Duration::from_micros(t)).to_string()
}

fn from_number(n: &Number) -> Result<Time, DurationError> {
    if let Some(u) = n.as_u64() {
        return u
            .checked_mul(SECOND)
            .filter(|&t| t < NEVER)
            .ok_or(DurationError::TooLarge);
    }
    from_secs(n.as_f64().unwrap_or(f64::NAN))
}

fn from_secs(secs: f64) -> Result<Time, DurationError> {
    if secs.is_nan() {
        Err(DurationError::Invalid)
    } else if secs < 0.0 {
        Err(DurationError::Negative)
    } else {
        from_micros(secs * SECOND as f64)
    }
}

fn from_micros(us: f64) -> Result<Time, DurationError> {
    // `NEVER as f64` rounds up to 2^64, so anything below it converts without saturating.
    if us.round() >= NEVER as f64 {
        Err(DurationError::TooLarge)
    } else {
        Ok(us.round() as Time)
    }
}

/// `1.5s`, `1m0.5s`, `0.5h 10m`: terms `<decimal><unit>`, optionally space-separated, the
/// unit maybe after spaces too.
fn decimal_terms(t: &str) -> Result<Time, DurationError> {
    let mut rest = t;
    let mut micros = 0.0;
    let mut terms = 0;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..n].parse().map_err(|_| DurationError::Invalid)?;
        rest = rest[n..].trim_start();
        let u = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        micros += number * unit_micros(&rest[..u]).ok_or(DurationError::Invalid)?;
        rest = &rest[u..];
        terms += 1;
    }
    if terms == 0 {
        return Err(DurationError::Invalid);
    }
    from_micros(micros)
}

fn unit_micros(unit: &str) -> Option<f64> {
    UNITS.iter().find(|(u, _)| *u == unit).map(|(_, us)| *us)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::{MILLISECOND, MINUTE};
    use serde_json::json;

    fn d(v: Value) -> Result<Time, DurationError> {
        from_value(&v)
    }

    #[test]
    fn humantime_strings() {
        assert_eq!(d(json!("250ms")), Ok(250 * MILLISECOND));
        assert_eq!(d(json!("10s")), Ok(10 * SECOND));
        assert_eq!(d(json!("1m30s")), Ok(90 * SECOND));
        assert_eq!(d(json!("2h")), Ok(120 * MINUTE));
        assert_eq!(d(json!("1h 5m")), Ok(65 * MINUTE));
        assert_eq!(d(json!(" 0s ")), Ok(0));
        assert_eq!(d(json!("500ns")), Ok(1), "sub-microsecond rounds up");
    }

    #[test]
    fn decimal_strings() {
        assert_eq!(d(json!("1.5s")), Ok(1_500_000));
        assert_eq!(d(json!("0.5s")), Ok(500_000));
        assert_eq!(d(json!(".25s")), Ok(250_000));
        assert_eq!(d(json!("1m0.5s")), Ok(60_500_000));
        assert_eq!(d(json!("0.5h 10m")), Ok(40 * MINUTE));
        assert_eq!(d(json!("0.1ms")), Ok(100));
        assert_eq!(d(json!("1.5µs")), Ok(2));
    }

    #[test]
    fn bare_numbers_are_seconds() {
        assert_eq!(d(json!(5)), Ok(5 * SECOND));
        assert_eq!(d(json!(0)), Ok(0));
        assert_eq!(d(json!(1.5)), Ok(1_500_000));
        assert_eq!(d(json!("5")), Ok(5 * SECOND));
        assert_eq!(d(json!("0.25")), Ok(250_000));
    }

    #[test]
    fn negatives_are_rejected() {
        assert_eq!(d(json!(-1)), Err(DurationError::Negative));
        assert_eq!(d(json!(-0.5)), Err(DurationError::Negative));
        assert_eq!(d(json!("-5s")), Err(DurationError::Negative));
        assert_eq!(d(json!("-5")), Err(DurationError::Negative));
    }

    #[test]
    fn garbage_is_rejected() {
        for v in [
            json!("fast"),
            json!(""),
            json!("s"),
            json!("1.2.3s"),
            json!("5 parsecs"),
            json!("inf"),
            json!("NaN"),
            json!("10s5"),
            json!(true),
            json!(null),
            json!([1]),
            json!({"s": 1}),
        ] {
            assert_eq!(d(v.clone()), Err(DurationError::Invalid), "{v}");
        }
    }

    #[test]
    fn huge_values_are_rejected_not_wrapped() {
        assert_eq!(d(json!(u64::MAX)), Err(DurationError::TooLarge));
        assert_eq!(d(json!(1e30)), Err(DurationError::TooLarge));
        assert_eq!(d(json!("1e30")), Err(DurationError::TooLarge));
        assert_eq!(d(json!("99999999999999999h")), Err(DurationError::TooLarge));
        assert_eq!(d(json!("1e30s")), Err(DurationError::Invalid));
    }

    #[test]
    fn show_is_humane() {
        assert_eq!(show(90 * SECOND), "1m 30s");
        assert_eq!(show(250 * MILLISECOND), "250ms");
    }
}
