//! Reading a [`Dist`] from the tree, wherever a scenario asks for a latency.
//!
//! Accepted forms (durations as in [`super::duration`]):
//!
//! | written | becomes |
//! |---|---|
//! | `2s`, `0.5`, `{constant: 2s}` | [`Dist::Constant`] |
//! | `never` | [`Dist::Never`] |
//! | `{uniform: {min: D, max: D}}` (min ≤ max) | [`Dist::Uniform`] |
//! | `{normal: {mean: D, stddev: D}}` | [`Dist::Normal`] in seconds (draws truncated at 0) |
//! | `{lognormal: {median: D, p99: D}}` (0 < median ≤ p99) | [`Dist::LogNormal`] via [`Dist::lognormal_from_quantiles`] |
//! | `{lognormal: {mu: F, sigma: F}}` (log-seconds, sigma ≥ 0) | [`Dist::LogNormal`] |
//! | `{exponential: {mean: D}}` (mean > 0) | [`Dist::Exponential`] with rate 1/mean |
//! | `{gamma: {shape: F, scale: D}}`, `{weibull: {shape: F, scale: D}}` (both > 0) | [`Dist::Gamma`], [`Dist::Weibull`] |
//! | `{empirical: {samples: [D, …]}}` (non-empty) | [`Dist::Empirical`] |
//! | `{empirical: {file: PATH, column: NAME}}` | [`Dist::Empirical`] from a CSV with a header row, values in seconds, PATH relative to the scenario's directory |
//! | `{mixture: [{weight: W, dist: DIST}, …]}` (W > 0) | [`Dist::Mixture`] with normalised cumulative weights |

use super::distribution::{Dist, Z99};
use super::duration::{self, show};
use super::limits::{self, MAX_SAMPLES};
use super::suggest;
use super::user_file::Csv;
use super::walk::{Node, Obj, astronomical, number};
use crate::sim::time::{NEVER, SECOND, Time};
use serde_json::Value;

/// What a latency looks like, for "expected …, got …" messages.
pub const EXPECTED: &str = r#"a duration ("250ms", "10s", "1m30s", a number of seconds) or a distribution ({lognormal: {median, p99}}, …)"#;

/// The distribution kinds, as keys of a one-key map.
pub const KINDS: &[&str] = &[
    "constant",
    "uniform",
    "normal",
    "lognormal",
    "exponential",
    "gamma",
    "weibull",
    "empirical",
    "mixture",
];

/// Fields of `uniform`.
pub const UNIFORM_FIELDS: &[&str] = &["min", "max"];
/// Fields of `normal`.
pub const NORMAL_FIELDS: &[&str] = &["mean", "stddev"];
/// The longest duration in seconds: a draw at or beyond it is `never`.
const LONGEST_SECS: f64 = (NEVER / SECOND) as f64;

/// A parameter or a number of seconds worked out from the parameters, written as
/// [`number`] writes it: to three significant digits when it is astronomically large or
/// small (`1.01e304`, `1e-300`), else to the microsecond (`86400`, `0.5`).
fn num(x: f64) -> String {
    let rounded = if astronomical(x) {
        format!("{x:.2e}").parse().unwrap_or(x)
    } else {
        (x * 1e6).round() / 1e6
    };
    number(rounded)
}

/// Fields of `lognormal`: `{median, p99}` or `{mu, sigma}`.
pub const LOGNORMAL_FIELDS: &[&str] = &["median", "p99", "mu", "sigma"];
/// Fields of `exponential`.
pub const EXPONENTIAL_FIELDS: &[&str] = &["mean"];
/// Fields of `gamma` and `weibull`.
pub const SHAPE_SCALE_FIELDS: &[&str] = &["shape", "scale"];
/// Fields of `empirical`: `{samples}` or `{file, column}`.
pub const EMPIRICAL_FIELDS: &[&str] = &["samples", "file", "column"];
/// Fields of each `mixture` item.
pub const MIXTURE_FIELDS: &[&str] = &["weight", "dist"];

impl Obj<'_> {
    /// A distribution field, or `default` if it is absent.
    pub fn dist(&self, key: &str, default: Dist) -> Dist {
        self.or(key, default, Node::dist)
    }
}

impl Node<'_> {
    /// A latency distribution (see the module docs for the forms).
    pub fn dist(&self) -> Option<Dist> {
        match self.value() {
            Value::String(s) if s.trim() == "never" => Some(Dist::Never),
            Value::Object(map) if map.is_empty() => self.expected(EXPECTED),
            Value::Object(_) => self.dist_kind(),
            _ => self.duration_or(EXPECTED).map(Dist::Constant),
        }
    }

    fn dist_kind(&self) -> Option<Dist> {
        let o = self.object(KINDS)?;
        let given: Vec<_> = o.entries().filter(|(k, _)| KINDS.contains(k)).collect();
        match given.as_slice() {
            // Only unknown keys: each is already reported with a suggestion.
            [] => None,
            [(kind, node)] => node.dist_params(kind),
            many => {
                let kinds: Vec<&str> = many.iter().map(|(k, _)| *k).collect();
                self.fail(format!(
                    "a distribution has exactly one kind, got {}",
                    suggest::list(&kinds)
                ))
            }
        }
    }

    fn dist_params(&self, kind: &str) -> Option<Dist> {
        match kind {
            "constant" => self.duration().map(Dist::Constant),
            "uniform" => self.uniform(),
            "normal" => self.normal(),
            "lognormal" => self.lognormal(),
            "exponential" => self.exponential(),
            "gamma" | "weibull" => self.shape_scale(kind),
            "empirical" => self.empirical(),
            _ => self.mixture(),
        }
    }

    fn uniform(&self) -> Option<Dist> {
        let o = self.object(UNIFORM_FIELDS)?;
        // Both fields are read before `?` so that both are reported when both are wrong.
        let (min, max) = (
            o.required("min", Node::duration),
            o.required("max", Node::duration),
        );
        let (min, max) = (min?, max?);
        self.check(
            Dist::Uniform { min, max },
            min <= max,
            &format!("min ({}) must not exceed max ({})", show(min), show(max)),
        )
    }

    fn normal(&self) -> Option<Dist> {
        let o = self.object(NORMAL_FIELDS)?;
        let (mean, sd) = (
            o.required("mean", Node::duration),
            o.required("stddev", Node::duration),
        );
        rand_distr::Normal::new(secs(mean?), secs(sd?))
            .ok()
            .map(Dist::Normal)
            .or_else(|| self.fail("invalid normal parameters"))
    }

    fn lognormal(&self) -> Option<Dist> {
        let o = self.object(LOGNORMAL_FIELDS)?;
        let quantiles = o.has("median") || o.has("p99");
        let params = o.has("mu") || o.has("sigma");
        if quantiles && params {
            return self.fail("give either {median, p99} or {mu, sigma}, not both");
        }
        if params {
            let mu = o.required("mu", Node::f64);
            let sigma = o.required("sigma", |n| {
                let s = n.f64()?;
                n.check(
                    s,
                    s >= 0.0,
                    &format!("must not be negative, got {}", number(s)),
                )
            });
            let (mu, sigma) = (mu?, sigma?);
            // Log-seconds: a `mu` of 700 is a median of 10^304 s. Its quantiles must be
            // durations as `{median, p99}` would have to be, or every draw is `never`.
            let (median, p99) = (mu.exp(), (mu + Z99 * sigma).exp());
            if !(..LONGEST_SECS).contains(&p99) {
                return self.fail(format!(
                    "mu and sigma are in log-seconds (mu = ln of the median in seconds): \
                     mu {} and sigma {} put the median at {} s and the p99 at {} s, \
                     beyond the longest duration (about 584,000 years)",
                    num(mu),
                    num(sigma),
                    num(median),
                    num(p99)
                ));
            }
            return rand_distr::LogNormal::new(mu, sigma)
                .ok()
                .map(Dist::LogNormal)
                .or_else(|| self.fail("invalid lognormal parameters"));
        }
        let median = o.required("median", Node::positive_duration);
        let p99 = o.required("p99", Node::duration);
        let (median, p99) = (median?, p99?);
        if p99 < median {
            return self.fail(format!(
                "p99 ({}) must be at least the median ({})",
                show(p99),
                show(median)
            ));
        }
        Dist::lognormal_from_quantiles(median, p99)
            .or_else(|| self.fail("invalid lognormal parameters"))
    }

    fn exponential(&self) -> Option<Dist> {
        let o = self.object(EXPONENTIAL_FIELDS)?;
        let mean = o.required("mean", Node::positive_duration)?;
        rand_distr::Exp::new(1.0 / secs(mean))
            .ok()
            .map(Dist::Exponential)
            .or_else(|| self.fail("invalid exponential parameters"))
    }

    fn shape_scale(&self, kind: &str) -> Option<Dist> {
        let o = self.object(SHAPE_SCALE_FIELDS)?;
        let (shape, scale) = (
            o.required("shape", Node::positive_f64),
            o.required("scale", Node::positive_duration),
        );
        let (shape, scale) = (shape?, secs(scale?));
        // As a duration field must be below the longest duration, so must the bulk of the
        // draws, or they are `never`: the mean of a gamma (shape × scale), the p99 of a
        // Weibull (scale · ln(100)^(1/shape), endless for a shape near 0).
        let (what, bulk) = if kind == "gamma" {
            ("mean (shape × scale)", shape * scale)
        } else {
            (
                "p99 (scale · ln(100)^(1/shape))",
                scale * 100f64.ln().powf(1.0 / shape),
            )
        };
        if !(..LONGEST_SECS).contains(&bulk) {
            return self.fail(format!(
                "shape {} and scale {} s put the {what} at {} s, beyond the longest duration \
                 (about 584,000 years)",
                num(shape),
                num(scale),
                num(bulk)
            ));
        }
        let dist = if kind == "gamma" {
            rand_distr::Gamma::new(shape, scale).ok().map(Dist::Gamma)
        } else {
            // rand_distr takes (scale, shape) here, the other way round from Gamma.
            rand_distr::Weibull::new(scale, shape)
                .ok()
                .map(Dist::Weibull)
        };
        dist.or_else(|| self.fail(format!("invalid {kind} parameters")))
    }

    fn empirical(&self) -> Option<Dist> {
        let o = self.object(EMPIRICAL_FIELDS)?;
        let samples = match (o.get("samples"), o.get("file")) {
            (Some(_), Some(_)) => {
                return self.fail("give either `samples` or `file` (with `column`), not both");
            }
            (Some(list), None) => {
                if let Some(column) = o.get("column") {
                    column.problem("`column` goes with `file`, not `samples`");
                }
                let items = list.list()?;
                if items.len() > MAX_SAMPLES {
                    return list.fail(limits::too_many(MAX_SAMPLES, items.len(), "samples"));
                }
                let values: Vec<Option<Time>> = items.iter().map(Node::duration).collect();
                values.into_iter().collect::<Option<Vec<Time>>>()?
            }
            (None, Some(file)) => {
                let column = o.required("column", |n| Some((n.clone(), n.string()?)));
                let name = file.string();
                let ((column, column_name), name) = (column?, name?);
                csv_column(&file, &name, &column, &column_name)?
            }
            (None, None) => {
                return self.fail("missing field `samples` (or `file` and `column`)");
            }
        };
        self.check(
            Dist::Empirical(samples.clone()),
            !samples.is_empty(),
            "an empirical distribution needs at least one sample",
        )
    }

    fn mixture(&self) -> Option<Dist> {
        let items = self.list()?;
        if items.is_empty() {
            return self.fail("a mixture needs at least one component");
        }
        let parts: Vec<Option<(f64, Dist)>> = items
            .iter()
            .map(|item| {
                let o = item.object(MIXTURE_FIELDS)?;
                let weight = o.required("weight", Node::positive_f64);
                let dist = o.required("dist", Node::dist);
                Some((weight?, dist?))
            })
            .collect();
        let parts: Vec<(f64, Dist)> = parts.into_iter().collect::<Option<_>>()?;
        let total: f64 = parts.iter().map(|(w, _)| w).sum();
        if !total.is_finite() {
            return self.fail("the weights are too large to add up");
        }
        let mut cumulative = 0.0;
        let last = parts.len() - 1;
        let parts = parts
            .into_iter()
            .enumerate()
            .map(|(i, (w, d))| {
                cumulative += w / total;
                // Rounding must not leave a gap above the last component.
                (if i == last { 1.0 } else { cumulative }, d)
            })
            .collect();
        Some(Dist::Mixture(parts))
    }
}

/// The values of one column of a CSV file with a header row, in seconds. Empty cells are
/// skipped (columns of different lengths share a file).
fn csv_column(file: &Node, name: &str, column_node: &Node, column: &str) -> Option<Vec<Time>> {
    let mut csv = Csv::open(file, name)?;
    let shown = csv.shown.clone();
    let Some(index) = csv.headers.iter().position(|h| h == column) else {
        let names: Vec<&str> = csv.headers.iter().collect();
        return column_node.fail(format!(
            "no column `{column}` in `{shown}`{}",
            suggest::hint(column, &names)
        ));
    };
    let mut values = Vec::new();
    csv.rows(file, |record, line| {
        let cell = record.get(index).unwrap_or("");
        if cell.is_empty() {
            return Some(());
        }
        match duration::parse(cell) {
            Ok(t) => values.push(t),
            Err(_) => {
                return column_node.fail(format!(
                    "`{shown}` line {line}: expected a number of seconds, got {cell:?}"
                ));
            }
        }
        Some(())
    })?;
    // An empty column is reported by the caller, with the other empty-sample case.
    Some(values)
}

fn secs(t: Time) -> f64 {
    t as f64 / SECOND as f64
}

#[cfg(test)]
#[path = "distribution_parse_tests.rs"]
mod tests;
