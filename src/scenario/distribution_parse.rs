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
mod tests {
    use super::*;
    use crate::scenario::walk::Ctx;
    use crate::sim::time::MILLISECOND;
    use serde_json::json;
    use std::path::Path;

    fn parse_in(dir: &Path, v: Value) -> Result<Dist, Vec<String>> {
        let ctx = Ctx::new(dir);
        let d = Node::root(&v, &ctx).child("d", &v).dist();
        let problems: Vec<String> = ctx.into_problems().iter().map(|p| p.to_string()).collect();
        match d {
            Some(d) if problems.is_empty() => Ok(d),
            _ => Err(problems),
        }
    }

    fn parse(v: Value) -> Result<Dist, Vec<String>> {
        parse_in(Path::new("."), v)
    }

    fn err(v: Value) -> String {
        parse(v.clone()).expect_err(&v.to_string()).join("\n")
    }

    #[test]
    fn durations_and_never() {
        assert!(matches!(parse(json!("250ms")), Ok(Dist::Constant(250_000))));
        assert!(matches!(parse(json!(2)), Ok(Dist::Constant(2_000_000))));
        assert!(matches!(
            parse(json!({"constant": "1s"})),
            Ok(Dist::Constant(SECOND))
        ));
        assert!(matches!(parse(json!("never")), Ok(Dist::Never)));
    }

    #[test]
    fn a_bad_latency_says_what_would_do() {
        assert_eq!(
            err(json!("fast")),
            r#"d: expected a duration ("250ms", "10s", "1m30s", a number of seconds) or a distribution ({lognormal: {median, p99}}, …), got "fast""#
        );
        assert!(err(json!({})).starts_with("d: expected a duration"));
        assert_eq!(err(json!(-1)), "d: durations cannot be negative, got -1");
    }

    #[test]
    fn uniform() {
        let d = parse(json!({"uniform": {"min": "1s", "max": "2s"}})).unwrap();
        assert!(matches!(
            d,
            Dist::Uniform {
                min: SECOND,
                max: 2_000_000
            }
        ));
        assert_eq!(
            err(json!({"uniform": {"min": "3s", "max": "2s"}})),
            "d.uniform: min (3s) must not exceed max (2s)"
        );
        assert_eq!(
            err(json!({"uniform": {"min": "x"}})),
            "d.uniform.min: expected a duration (\"250ms\", \"10s\", \"1m30s\", a number of seconds), got \"x\"\n\
             d.uniform: missing field `max`"
        );
    }

    #[test]
    fn normal_and_exponential() {
        let Ok(Dist::Normal(n)) = parse(json!({"normal": {"mean": "2s", "stddev": "500ms"}}))
        else {
            panic!()
        };
        assert_eq!((n.mean(), n.std_dev()), (2.0, 0.5));
        assert!(matches!(
            parse(json!({"exponential": {"mean": "20ms"}})),
            Ok(Dist::Exponential(_))
        ));
        assert_eq!(
            err(json!({"exponential": {"mean": 0}})),
            "d.exponential.mean: must be greater than 0"
        );
    }

    #[test]
    fn lognormal_both_forms() {
        assert!(matches!(
            parse(json!({"lognormal": {"median": "2s", "p99": "15s"}})),
            Ok(Dist::LogNormal(_))
        ));
        assert!(matches!(
            parse(json!({"lognormal": {"mu": 0.5, "sigma": 1}})),
            Ok(Dist::LogNormal(_))
        ));
        assert_eq!(
            err(json!({"lognormal": {"median": "2s", "p99": "1s"}})),
            "d.lognormal: p99 (1s) must be at least the median (2s)"
        );
        assert_eq!(
            err(json!({"lognormal": {"median": 0, "p99": "1s"}})),
            "d.lognormal.median: must be greater than 0"
        );
        assert_eq!(
            err(json!({"lognormal": {"median": "1s", "sigma": 1}})),
            "d.lognormal: give either {median, p99} or {mu, sigma}, not both"
        );
        assert_eq!(
            err(json!({"lognormal": {"mu": 1, "sigma": -1}})),
            "d.lognormal.sigma: must not be negative, got -1"
        );
        assert_eq!(
            err(json!({"lognormal": {"medain": "1s", "p99": "2s"}})),
            "d.lognormal.medain: unknown field `medain`; did you mean `median`?\n\
             d.lognormal: missing field `median`"
        );
    }

    #[test]
    fn parameters_whose_draws_are_never_are_refused() {
        // ln(584,000 years in s) is about 30.5: a median of e^700 s is no duration.
        let e = err(json!({"lognormal": {"mu": 700, "sigma": 0}}));
        assert!(
            e.starts_with("d.lognormal: mu and sigma are in log-seconds"),
            "{e}"
        );
        assert!(
            e.contains("mu 700 and sigma 0 put the median at 1.01e304 s"),
            "{e}"
        );
        let e = err(json!({"lognormal": {"mu": 1, "sigma": 1e10}}));
        assert!(e.contains("p99 at inf s"), "{e}");
        assert!(parse(json!({"lognormal": {"mu": 25, "sigma": 2}})).is_ok());
        let e = err(json!({"weibull": {"shape": 1e-300, "scale": "1s"}}));
        assert!(
            e.starts_with("d.weibull: shape 1e-300 and scale 1 s put the p99"),
            "{e}"
        );
        assert!(parse(json!({"weibull": {"shape": 0.1, "scale": "1s"}})).is_ok());
        let e = err(json!({"gamma": {"shape": 1e300, "scale": "1s"}}));
        assert!(e.contains("mean (shape × scale) at 1e300 s"), "{e}");
    }

    #[test]
    fn gamma_and_weibull_keep_their_argument_order() {
        let Ok(Dist::Gamma(_)) = parse(json!({"gamma": {"shape": 2, "scale": "1s"}})) else {
            panic!()
        };
        let Ok(Dist::Weibull(_)) = parse(json!({"weibull": {"shape": 1.5, "scale": "3s"}})) else {
            panic!()
        };
        assert_eq!(
            err(json!({"weibull": {"shape": 0, "scale": "3s"}})),
            "d.weibull.shape: must be greater than 0, got 0"
        );
        assert_eq!(
            err(json!({"gamma": {"shape": 1}})),
            "d.gamma: missing field `scale`"
        );
    }

    #[test]
    fn empirical_samples() {
        let Ok(Dist::Empirical(v)) = parse(json!({"empirical": {"samples": ["1s", 2, "500ms"]}}))
        else {
            panic!()
        };
        assert_eq!(v, [SECOND, 2 * SECOND, 500 * MILLISECOND]);
        assert_eq!(
            err(json!({"empirical": {"samples": []}})),
            "d.empirical: an empirical distribution needs at least one sample"
        );
        assert!(
            err(json!({"empirical": {"samples": [1, "x"]}}))
                .starts_with("d.empirical.samples.1: expected a duration")
        );
        assert_eq!(
            err(json!({"empirical": {}})),
            "d.empirical: missing field `samples` (or `file` and `column`)"
        );
    }

    #[test]
    fn empirical_file_is_read_relative_to_the_scenario() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pulls.csv"),
            "node,pull_s\na,1.5\nb,\nc,2\n",
        )
        .unwrap();
        let d = parse_in(
            dir.path(),
            json!({"empirical": {"file": "pulls.csv", "column": "pull_s"}}),
        );
        let Ok(Dist::Empirical(v)) = d else {
            panic!("{d:?}")
        };
        assert_eq!(v, [1_500_000, 2 * SECOND]);

        let e = parse_in(
            dir.path(),
            json!({"empirical": {"file": "pulls.csv", "column": "pull"}}),
        )
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("d.empirical.column: no column `pull` in `"),
            "{e:?}"
        );
        assert!(
            e[0].ends_with("pulls.csv`; did you mean `pull_s`?"),
            "{e:?}"
        );

        std::fs::write(dir.path().join("bad.csv"), "t\n1\nslow\n").unwrap();
        let e = parse_in(
            dir.path(),
            json!({"empirical": {"file": "bad.csv", "column": "t"}}),
        )
        .unwrap_err();
        assert!(
            e[0].ends_with("bad.csv` line 3: expected a number of seconds, got \"slow\""),
            "{e:?}"
        );

        let e = parse_in(
            dir.path(),
            json!({"empirical": {"file": "nope.csv", "column": "t"}}),
        )
        .unwrap_err();
        assert!(e[0].starts_with("d.empirical.file: cannot read `"), "{e:?}");
    }

    #[test]
    fn mixture_weights_are_normalised_and_cumulative() {
        let d = parse(json!({"mixture": [
            {"weight": 1, "dist": "1s"},
            {"weight": 3, "dist": {"uniform": {"min": 0, "max": 1}}},
        ]}));
        let Ok(Dist::Mixture(parts)) = d else {
            panic!("{d:?}")
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, 0.25);
        assert_eq!(parts[1].0, 1.0);
        assert_eq!(
            err(json!({"mixture": [{"weight": 0, "dist": "1s"}, {"weight": 1}]})),
            "d.mixture.0.weight: must be greater than 0, got 0\nd.mixture.1: missing field `dist`"
        );
        assert_eq!(
            err(json!({"mixture": []})),
            "d.mixture: a mixture needs at least one component"
        );
    }

    #[test]
    fn one_kind_only_and_typos_suggested() {
        assert_eq!(
            err(json!({"uniform": {"min": 0, "max": 1}, "constant": 1})),
            "d: a distribution has exactly one kind, got `uniform`, `constant`"
        );
        assert_eq!(
            err(json!({"lognormla": {"median": 1, "p99": 2}})),
            "d.lognormla: unknown field `lognormla`; did you mean `lognormal`?"
        );
    }
}
