//! The scalar values a field holds, read by a [`Node`]: strings, booleans, integers (in
//! a range, named when out of it), numbers, probabilities, durations, cpu and memory
//! quantities, and a choice among fixed strings. Each records a [`Problem`] at the node
//! and gives `None` when the value is not one (see the conventions of [`super`]).
//!
//! [`Problem`]: super::Problem

use super::{Node, describe, number};
use crate::scenario::duration::{self, DurationError};
use crate::scenario::quantity::{self, QuantityError};
use crate::scenario::suggest;
use crate::sim::time::Time;
use serde_json::Value;
use std::ops::RangeInclusive;

impl<'a> Node<'a> {
    /// A string.
    pub fn string(&self) -> Option<String> {
        match self.value {
            Value::String(s) => Some(s.clone()),
            _ => self.expected("a string"),
        }
    }

    /// `true` or `false`.
    pub fn bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(*b),
            _ => self.expected("true or false"),
        }
    }

    /// A non-negative integer.
    pub fn u64(&self) -> Option<u64> {
        self.u64_in(0..=u64::MAX, |got| {
            format!("expected a whole number from 0 to {}, got {got}", u64::MAX)
        })
    }

    /// A non-negative integer that fits in 32 bits.
    pub fn u32(&self) -> Option<u32> {
        self.u32_in(0..=u32::MAX, |got| {
            format!("must be at most {}, got {got}", u32::MAX)
        })
    }

    /// A non-negative integer in `range`. One outside it, however large (`1e30` too, past
    /// any integer type), is refused with `message(got)`, `got` the value as written: a
    /// field with a limit of its own names that limit, never the bound of its type. So is
    /// a negative whole number when the range starts above 0: `trials: -5` told "expected
    /// a non-negative integer", and its fix `0` then met "must be at least 1".
    pub fn u64_in(
        &self,
        range: RangeInclusive<u64>,
        message: impl FnOnce(&str) -> String,
    ) -> Option<u64> {
        let Value::Number(n) = self.value else {
            return self.expected("a non-negative integer");
        };
        let whole = match (n.as_u64(), n.as_f64()) {
            (Some(u), _) => Some(u),
            (None, Some(f)) if f.fract() == 0.0 && f >= 0.0 => {
                // Past u64::MAX (2⁶⁴, exactly a float) it is in no range.
                (f < 18_446_744_073_709_551_616.0).then_some(f as u64)
            }
            (None, Some(f)) if f.fract() == 0.0 && *range.start() > 0 => None,
            _ => return self.expected("a non-negative integer"),
        };
        match whole {
            Some(u) if range.contains(&u) => Some(u),
            // Past 2⁶⁴ the tree holds the nearest float (`18446744073709551616` read as
            // `1.8446744073709552e19`): the file's own digits are echoed where known.
            _ => {
                let got = self.written().unwrap_or_else(|| describe(self.value));
                self.fail(message(&got))
            }
        }
    }

    /// [`Node::u64_in`] for a field held in 32 bits.
    pub fn u32_in(
        &self,
        range: RangeInclusive<u32>,
        message: impl FnOnce(&str) -> String,
    ) -> Option<u32> {
        let wide = u64::from(*range.start())..=u64::from(*range.end());
        self.u64_in(wide, message).map(|u| u as u32)
    }

    /// A finite number.
    pub fn f64(&self) -> Option<f64> {
        match self.value {
            Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
            _ => None,
        }
        .or_else(|| self.expected("a number"))
    }

    /// A number greater than 0.
    pub fn positive_f64(&self) -> Option<f64> {
        let f = self.f64()?;
        self.check(
            f,
            f > 0.0,
            &format!("must be greater than 0, got {}", number(f)),
        )
    }

    /// A probability, 0 ≤ p ≤ 1.
    pub fn probability(&self) -> Option<f64> {
        let p = self.f64()?;
        self.check(
            p,
            (0.0..=1.0).contains(&p),
            &format!("must be between 0 and 1, got {}", number(p)),
        )
    }

    /// A duration (see [`duration`]).
    pub fn duration(&self) -> Option<Time> {
        self.duration_or(duration::EXPECTED)
    }

    /// A duration, with `expected` describing what else would have been accepted.
    pub fn duration_or(&self, expected: &str) -> Option<Time> {
        match duration::from_value(self.value) {
            Ok(t) => Some(t),
            Err(DurationError::Invalid) => self.expected(expected),
            Err(e) => self.fail(format!("{e}, got {}", describe(self.value))),
        }
    }

    /// A duration greater than 0.
    pub fn positive_duration(&self) -> Option<Time> {
        let t = self.duration()?;
        self.check(t, t > 0, "must be greater than 0")
    }

    /// Cpu in millicores.
    pub fn cpu(&self) -> Option<u64> {
        self.quantity(quantity::cpu_millis, quantity::CPU_EXPECTED)
    }

    /// Memory in bytes.
    pub fn memory(&self) -> Option<u64> {
        self.quantity(quantity::memory_bytes, quantity::MEMORY_EXPECTED)
    }

    fn quantity(
        &self,
        parse: fn(&Value) -> Result<u64, QuantityError>,
        expected: &str,
    ) -> Option<u64> {
        match parse(self.value) {
            Ok(q) => Some(q),
            Err(QuantityError::Invalid) => self.expected(expected),
            Err(e) => self.fail(format!("{e}, got {}", describe(self.value))),
        }
    }

    /// One of a fixed set of strings, mapped to its value.
    pub fn choice<T: Copy>(&self, options: &[(&str, T)]) -> Option<T> {
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let Value::String(s) = self.value else {
            return self.expected(&format!("one of {}", suggest::list(&names)));
        };
        match options.iter().find(|(n, _)| n == s) {
            Some((_, v)) => Some(*v),
            None => self.fail(format!("unknown value `{s}`{}", suggest::hint(s, &names))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::run;
    use super::Node;
    use serde_json::{Value, json};

    fn problems(v: &Value, f: impl FnOnce(&Node)) -> Vec<String> {
        run(v, |root| f(&root.child("x", v))).1
    }

    #[test]
    fn integers_are_strict_but_take_integral_floats() {
        let p = problems(&json!("3"), |n| assert_eq!(n.u32(), None));
        assert_eq!(p, [r#"x: expected a non-negative integer, got "3""#]);
        let p = problems(&json!(-1), |n| assert_eq!(n.u64(), None));
        assert_eq!(p, ["x: expected a non-negative integer, got -1"]);
        let p = problems(&json!(1.5), |n| assert_eq!(n.u64(), None));
        assert_eq!(p.len(), 1);
        let p = problems(&json!(10.0), |n| assert_eq!(n.u32(), Some(10)));
        assert!(p.is_empty());
        let p = problems(&json!(5_000_000_000u64), |n| assert_eq!(n.u32(), None));
        assert_eq!(p, ["x: must be at most 4294967295, got 5000000000"]);
        // Past every integer type, a whole number is still one: too large, not "no integer".
        let p = problems(&json!(1e30), |n| assert_eq!(n.u32(), None));
        assert_eq!(p, ["x: must be at most 4294967295, got 1e30"]);
        let p = problems(&json!(1e30), |n| assert_eq!(n.u64(), None));
        assert_eq!(
            p,
            ["x: expected a whole number from 0 to 18446744073709551615, got 1e30"]
        );
        let p = problems(&json!(-1e30), |n| assert_eq!(n.u64(), None));
        assert_eq!(p, ["x: expected a non-negative integer, got -1e30"]);
    }

    #[test]
    fn a_limited_integer_names_its_limit_however_large_the_value() {
        let limit = |got: &str| format!("must be at most 100000, got {got}");
        for (v, got) in [
            (json!(100_001), "100001"),
            (json!(5_000_000_000u64), "5000000000"),
            (json!(1e12), "1e12"),
            (json!(1e30), "1e30"),
        ] {
            let p = problems(&v, |n| assert_eq!(n.u32_in(0..=100_000, limit), None));
            assert_eq!(p, [format!("x: {}", limit(got))]);
        }
        let p = problems(&json!(100_000), |n| {
            assert_eq!(n.u32_in(0..=100_000, limit), Some(100_000))
        });
        assert!(p.is_empty());
        // Below the range too, and what is no integer at all says so.
        let p = problems(&json!(0), |n| {
            assert_eq!(
                n.u64_in(1..=9, |got| format!("from 1 to 9, got {got}")),
                None
            )
        });
        assert_eq!(p, ["x: from 1 to 9, got 0"]);
        let p = problems(&json!(-5), |n| {
            assert_eq!(
                n.u64_in(1..=9, |got| format!("from 1 to 9, got {got}")),
                None
            )
        });
        assert_eq!(p, ["x: from 1 to 9, got -5"]);
        // A range from 0 has no bound to name below: a negative number is no count.
        let p = problems(&json!(-5), |n| assert_eq!(n.u32_in(0..=9, limit), None));
        assert_eq!(p, ["x: expected a non-negative integer, got -5"]);
        let p = problems(&json!(2.5), |n| assert_eq!(n.u32_in(0..=9, limit), None));
        assert_eq!(p, ["x: expected a non-negative integer, got 2.5"]);
    }

    #[test]
    fn probabilities_and_choices() {
        let p = problems(&json!(1.5), |n| assert_eq!(n.probability(), None));
        assert_eq!(p, ["x: must be between 0 and 1, got 1.5"]);
        let opts = [("pause", 0), ("continue", 1), ("rollback", 2)];
        let p = problems(&json!("rolback"), |n| assert_eq!(n.choice(&opts), None));
        assert_eq!(p, ["x: unknown value `rolback`; did you mean `rollback`?"]);
        let p = problems(&json!(3), |n| assert_eq!(n.choice(&opts), None));
        assert_eq!(
            p,
            ["x: expected one of `pause`, `continue`, `rollback`, got 3"]
        );
    }

    #[test]
    fn duration_and_quantity_messages() {
        let p = problems(&json!("fast"), |n| assert_eq!(n.duration(), None));
        assert_eq!(
            p,
            [
                r#"x: expected a duration ("250ms", "10s", "1m30s", a number of seconds), got "fast""#
            ]
        );
        let p = problems(&json!("-2s"), |n| assert_eq!(n.duration(), None));
        assert_eq!(p, [r#"x: durations cannot be negative, got "-2s""#]);
        let p = problems(&json!("8GB"), |n| assert_eq!(n.memory(), None));
        assert_eq!(
            p,
            [r#"x: Kubernetes quantities have no `B`: write `512Mi` or `512M`, got "8GB""#]
        );
        let p = problems(&json!("lots"), |n| assert_eq!(n.cpu(), None));
        assert_eq!(
            p,
            [r#"x: expected a cpu quantity ("500m", "2", 0.5), got "lots""#]
        );
    }
}
