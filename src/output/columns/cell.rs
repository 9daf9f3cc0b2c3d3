//! [`Cell`]: one value of `trials.csv`, and its text.
//!
//! How a value is spelt lives here, once: a duration of `t` µs prints as its exact decimal
//! (`130.123456`), a non-finite float is an empty cell rather than `NaN`, and `-0` never
//! appears. The CSV writer's fast path ([`crate::output::number_text`]) prints the same text.

use std::fmt;

use crate::sim::time::{NEVER, Time, as_secs};

/// One value of `trials.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A count or an identifier, printed as a plain integer.
    Int(u64),
    /// A measurement, printed in Rust's shortest round-trip form (`47`, `47.5`,
    /// `130.123456`). Always finite: build it with [`Cell::float`].
    Float(f64),
    /// A name (the outcome).
    Str(&'static str),
    /// Not modelled / not measured: an empty CSV field.
    Empty,
}

impl Cell {
    /// A float cell, or [`Cell::Empty`] for a non-finite value (a NaN latency of a trial
    /// that served no request is "not measured", and neither CSV nor JSON can spell NaN).
    /// Negative zero becomes `0`, so the output never shows `-0`.
    pub fn float(x: f64) -> Cell {
        if !x.is_finite() {
            Cell::Empty
        } else if x == 0.0 {
            Cell::Float(0.0)
        } else {
            Cell::Float(x)
        }
    }

    /// Simulated time as seconds with microsecond precision; [`NEVER`] is empty.
    pub fn seconds(t: Time) -> Cell {
        if t == NEVER {
            Cell::Empty
        } else {
            Cell::float(as_secs(t))
        }
    }

    /// The numeric value, for statistics: `None` for strings and empty cells.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Cell::Int(v) => Some(v as f64),
            Cell::Float(v) => Some(v),
            Cell::Str(_) | Cell::Empty => None,
        }
    }

    /// Whether this is an empty cell.
    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }
}

/// The CSV text of the cell.
///
/// Floats use `f64`'s `Display`, which prints the shortest decimal that reads back as the
/// same `f64`, never in exponent notation, identically on every platform. A duration of
/// `t` µs is computed as `t / 10⁶` (correctly rounded), so it prints as exactly its decimal
/// value with at most six fractional digits and no trailing zeros: `47`, `47.5`,
/// `130.123456`.
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Int(v) => write!(f, "{v}"),
            Cell::Float(v) => write!(f, "{v}"),
            Cell::Str(s) => f.write_str(s),
            Cell::Empty => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;

    #[test]
    fn seconds_print_shortest_exact() {
        let s = |t: Time| Cell::seconds(t).to_string();
        assert_eq!(s(47 * SECOND), "47");
        assert_eq!(s(47_500_000), "47.5");
        assert_eq!(s(130_123_456), "130.123456");
        assert_eq!(s(1), "0.000001");
        assert_eq!(s(0), "0");
        assert_eq!(s(NEVER), "");
    }

    #[test]
    fn floats_never_print_nan_or_negative_zero() {
        assert_eq!(Cell::float(f64::NAN), Cell::Empty);
        assert_eq!(Cell::float(f64::INFINITY), Cell::Empty);
        assert_eq!(Cell::float(-0.0).to_string(), "0");
        assert_eq!(Cell::float(1e-7).to_string(), "0.0000001");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// `t` µs written the slow, obviously exact way: integer seconds, then the six
        /// fractional digits with trailing zeros removed.
        fn exact_decimal(t: Time) -> String {
            let (s, us) = (t / SECOND, t % SECOND);
            if us == 0 {
                s.to_string()
            } else {
                format!("{s}.{us:06}").trim_end_matches('0').to_string()
            }
        }

        proptest! {
            /// Every duration up to ~31 years prints as its exact decimal value. (Below
            /// 10¹⁵ µs the decimal has at most 15 significant digits, which an f64 always
            /// tells apart, so the shortest round-trip form is that decimal.)
            #[test]
            fn durations_print_exactly(t in 0u64..1_000_000_000_000_000) {
                prop_assert_eq!(Cell::seconds(t).to_string(), exact_decimal(t));
            }
        }
    }
}
