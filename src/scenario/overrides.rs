//! `--set PATH=VALUE`: changing a scenario's tree before it is converted.
//!
//! PATH is dotted (`strategy.swarm.update_config.parallelism`); a segment under a list is
//! an item number (`cluster.nodes.1.cpu`); a key holding dots is double-quoted
//! (`labels."topology.kubernetes.io/zone"`). VALUE is read as YAML, so `4` is an integer,
//! `25%` a string, `true` a boolean and `{uniform: {min: 1s, max: 2s}}` a map. Missing
//! maps along the path are created.
//!
//! Overrides act on the tree, not on the typed scenario, so the schema needs no second
//! description: a path the schema does not know becomes an ordinary "unknown field …; did
//! you mean" problem, and `strategy.kubernetes.…` on a Swarm scenario becomes "give
//! exactly one of `swarm`, `kubernetes`". The loader tags those problems with the
//! override that caused them.

use super::error::{Problem, ROOT};
use super::format::{non_finite_path, yaml_error, yaml_options};
use super::schema;
use super::walk::describe;
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// One `--set PATH=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Dotted field path.
    pub path: String,
    /// The value, as YAML text.
    pub value: String,
    /// Where the value comes from: the loader names a `--set` in its problems, not a
    /// sweep's value (whose problem is already reported under the sweep).
    pub set_by: SetBy,
}

/// Where an [`Override`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetBy {
    /// A `--set PATH=VALUE` the user gave.
    #[default]
    Set,
    /// One value of a swept field (`sweep --set PATH=V1,V2`, `report --sweep`, or the
    /// file's `sweep:` block).
    Sweep,
}

/// A `--set` argument that is not `PATH=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideSyntaxError {
    /// No `=`.
    #[error("expected PATH=VALUE (e.g. service.replicas=6), got {0:?}")]
    NoEquals(String),
    /// Nothing before the `=`.
    #[error("expected PATH=VALUE with a field path before `=`, got {0:?}")]
    EmptyPath(String),
    /// Nothing after the `=`: once read as null, which silently reset the field.
    #[error("`{0}=` has no value: {EMPTY_VALUE}")]
    EmptyValue(String),
}

/// Why an empty `--set` value is refused, and what to write instead.
const EMPTY_VALUE: &str = "give one after `=` (e.g. `service.replicas=6`); to write YAML's \
                           null, which leaves a field at its default, give `PATH=null`";

impl FromStr for Override {
    type Err = OverrideSyntaxError;

    fn from_str(s: &str) -> Result<Override, OverrideSyntaxError> {
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| OverrideSyntaxError::NoEquals(s.to_string()))?;
        let path = path.trim();
        if path.is_empty() {
            return Err(OverrideSyntaxError::EmptyPath(s.to_string()));
        }
        if value.trim().is_empty() {
            return Err(OverrideSyntaxError::EmptyValue(path.to_string()));
        }
        Ok(Override {
            path: path.to_string(),
            value: value.to_string(),
            set_by: SetBy::Set,
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

impl Override {
    /// `true` if a problem at `path` may come from this override: one path is the other
    /// or lies inside it (`strategy` and `strategy.kubernetes.minReadySeconds`).
    pub fn touches(&self, path: &str) -> bool {
        self.covers(path) || {
            let own = self.path.replace('"', "");
            inside(&own, path)
        }
    }

    /// `true` if the problem `p` may come from this override: at a path it
    /// [`touches`](Self::touches), or from a check across fields that read one.
    pub fn caused(&self, p: &Problem) -> bool {
        self.touches(&p.path) || p.reads.iter().any(|r| self.touches(r))
    }

    /// `true` if this override sets the value at `path`: `path` is its own or lies inside
    /// it (`cluster.nodes` covers `cluster.nodes.0.labels`, not `cluster`).
    pub fn covers(&self, path: &str) -> bool {
        // Problems name a key without the quotes `--set` needs for its dots.
        let own = self.path.replace('"', "");
        own == path || inside(path, &own)
    }

    /// The paths this override was likely meant for, when the schema does not know its
    /// own: a section left out (`strategy.swarm.parallelism` →
    /// `strategy.swarm.update_config.parallelism`). Empty for a known path.
    pub fn meant(&self) -> Vec<String> {
        let Ok(keys) = segments(&self.path) else {
            return Vec::new();
        };
        (schema::with_a_key_left_out(&keys).iter())
            .map(|c| join(c))
            .collect()
    }

    /// How a problem at this override's own path shows the value, and how the user wrote
    /// it, when the two differ: an integer literal too long for 64 bits, which YAML reads
    /// as the nearest float (`18446744073709551616` as `1.8446744073709552e19`, and
    /// `18446744073709551617` as the same float). `None` for any other value, shown as
    /// written already.
    pub fn respelled(&self) -> Option<(String, &str)> {
        let typed = self.value.trim();
        let digits = typed.strip_prefix(['+', '-']).unwrap_or(typed);
        let integer = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        let fits = typed.parse::<u64>().is_ok() || typed.parse::<i64>().is_ok();
        if !integer || fits {
            return None;
        }
        let read: Value = serde_saphyr::from_str_with_options(typed, yaml_options(false)).ok()?;
        let shown = describe(&read);
        (shown != typed).then_some((shown, typed))
    }

    /// Sets the value in `tree`, creating maps along the way.
    pub fn apply(&self, tree: &mut Value) -> Result<(), Problem> {
        let problem = |m: String| Problem::new(&self.path, format!("--set: {m}"));
        if self.value.trim().is_empty() {
            return Err(problem(format!("no value: {EMPTY_VALUE}")));
        }
        let segments = segments(&self.path).map_err(problem)?;
        let value: Value = serde_saphyr::from_str_with_options(&self.value, yaml_options(false))
            .map_err(|e| match e {
                // `.nan`, `.inf`, `1e999`: say what the field takes instead, naming the
                // field that holds it when the value is a map or a list
                // (`traffic={rps: .nan}` is a problem of `traffic.rps`, not of `traffic`).
                serde_saphyr::Error::NonFiniteFloat { value, location } => {
                    let inner =
                        non_finite_path(&self.value, &value, &location).filter(|p| !p.is_empty());
                    let path = match &inner {
                        Some(inner) => format!("{}.{inner}", self.path),
                        None => self.path.clone(),
                    };
                    let mut at = segments.clone();
                    at.extend(inner.iter().flat_map(|p| p.split('.').map(str::to_string)));
                    Problem::new(
                        &path,
                        format!(
                            "--set: {:?} is not a finite number: expected {}",
                            value.trim(),
                            schema::type_at(&at)
                                .and_then(schema::expected)
                                .unwrap_or("a finite value of the field's type")
                        ),
                    )
                }
                e => problem(format!(
                    "cannot read {:?} as YAML: {}",
                    self.value,
                    yaml_error(&e)
                )),
            })?;
        if segments.iter().any(|s| s.is_empty()) {
            return Err(problem("empty segment in the path".into()));
        }
        let mut here = tree;
        for (i, seg) in segments.iter().enumerate() {
            let above = if i == 0 {
                ROOT.to_string()
            } else {
                format!("`{}`", join(&segments[..i]))
            };
            if here.is_null() {
                // An item number under a list the scenario does not have: a map keyed "0"
                // would only be refused later as "expected a list, got a map".
                if i > 0
                    && seg.parse::<usize>().is_ok()
                    && schema::type_at(&segments[..i]).is_some_and(schema::is_list)
                {
                    let list = join(&segments[..i]);
                    let example = if i + 1 == segments.len() {
                        format!("[{}]", self.value.trim())
                    } else {
                        "[…]".to_string()
                    };
                    return Err(problem(format!(
                        "`{list}` is not in the scenario (or is null), so it has no item \
                         {seg}: to add the first item, give the whole list, e.g. `--set \
                         '{list}={example}'`"
                    )));
                }
                *here = Value::Object(Map::new());
            }
            here = match here {
                Value::Object(map) => map.entry(seg.clone()).or_insert(Value::Null),
                Value::Array(items) => {
                    let len = items.len();
                    let index: usize = seg.parse().map_err(|_| {
                        problem(format!(
                            "{above} is a list: expected an item number, got `{seg}`"
                        ))
                    })?;
                    items.get_mut(index).ok_or_else(|| {
                        problem(format!(
                            "{above} has {len} item{}, numbered from 0: there is no item {index}",
                            if len == 1 { "" } else { "s" }
                        ))
                    })?
                }
                other => {
                    return Err(problem(format!(
                        "{above} is {}, not a map or a list",
                        describe(other)
                    )));
                }
            };
        }
        *here = value;
        Ok(())
    }
}

/// Whether the dotted path `a` lies inside `b` (whole segments: `ab.c` is not inside `a`).
fn inside(a: &str, b: &str) -> bool {
    a.strip_prefix(b).is_some_and(|r| r.starts_with('.'))
}

/// The keys of a dotted path. A key that holds dots itself (a label such as
/// `topology.kubernetes.io/zone`) is written in double quotes, else it could not be
/// reached: `cluster.nodes.0.labels."topology.kubernetes.io/zone"`.
fn segments(path: &str) -> Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(String::new()),
            c => out.last_mut().expect("never empty").push(c),
        }
    }
    if quoted {
        return Err("unclosed `\"` in the path (a key holding dots is written \
                    `labels.\"topology.kubernetes.io/zone\"`)"
            .to_string());
    }
    Ok(out)
}

/// The dotted path of `segments`, quoting a key that holds dots, as it is given.
fn join(segments: &[String]) -> String {
    let quote = |s: &String| {
        if s.contains('.') {
            format!("\"{s}\"")
        } else {
            s.clone()
        }
    };
    segments.iter().map(quote).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(mut tree: Value, arg: &str) -> Result<Value, String> {
        let o: Override = arg.parse().unwrap();
        o.apply(&mut tree).map_err(|p| p.to_string())?;
        Ok(tree)
    }

    #[test]
    fn parses_path_equals_value() {
        let o: Override = "a.b.c=x=y".parse().unwrap();
        assert_eq!((o.path.as_str(), o.value.as_str()), ("a.b.c", "x=y"));
        assert_eq!(o.to_string(), "a.b.c=x=y");
        assert_eq!(
            "a.b".parse::<Override>(),
            Err(OverrideSyntaxError::NoEquals("a.b".into()))
        );
        assert_eq!(
            " =3".parse::<Override>(),
            Err(OverrideSyntaxError::EmptyPath(" =3".into()))
        );
    }

    #[test]
    fn an_empty_value_is_refused_not_read_as_null() {
        // Read as YAML, "" is null: `replicas=` would silently reset the field to 1.
        for arg in ["service.replicas=", "service.replicas= "] {
            let e = arg.parse::<Override>().unwrap_err();
            assert_eq!(
                e.to_string(),
                "`service.replicas=` has no value: give one after `=` (e.g. \
                 `service.replicas=6`); to write YAML's null, which leaves a field at its \
                 default, give `PATH=null`"
            );
        }
        let built = Override {
            path: "seed".into(),
            value: String::new(),
            set_by: SetBy::Set,
        };
        let e = built.apply(&mut json!({})).unwrap_err();
        assert!(
            e.to_string().starts_with("seed: --set: no value: give one"),
            "{e}"
        );
    }

    #[test]
    fn values_are_yaml() {
        let t = set(json!({}), "a=4").unwrap();
        assert_eq!(t, json!({"a": 4}));
        let t = set(json!({}), "a=25%").unwrap();
        assert_eq!(t, json!({"a": "25%"}));
        let t = set(json!({}), "a=true").unwrap();
        assert_eq!(t, json!({"a": true}));
        let t = set(json!({}), "a={uniform: {min: 1s, max: 2s}}").unwrap();
        assert_eq!(t, json!({"a": {"uniform": {"min": "1s", "max": "2s"}}}));
        let t = set(json!({}), "a=[current, next]").unwrap();
        assert_eq!(t, json!({"a": ["current", "next"]}));
        let t = set(json!({"a": 1}), "a=null").unwrap();
        assert_eq!(t, json!({"a": null}));
        assert!(
            set(json!({}), "a=[1,")
                .unwrap_err()
                .starts_with("a: --set: cannot read \"[1,\" as YAML: ")
        );
    }

    #[test]
    fn creates_maps_and_replaces_values() {
        let t = set(
            json!({"service": {"replicas": 3}}),
            "strategy.swarm.update_config.parallelism=4",
        )
        .unwrap();
        assert_eq!(
            t,
            json!({"service": {"replicas": 3},
                   "strategy": {"swarm": {"update_config": {"parallelism": 4}}}})
        );
        let t = set(json!({"service": null}), "service.replicas=6").unwrap();
        assert_eq!(t, json!({"service": {"replicas": 6}}));
        let t = set(json!(null), "seed=7").unwrap();
        assert_eq!(t, json!({"seed": 7}));
    }

    #[test]
    fn list_items_by_number() {
        let t = set(
            json!({"cluster": {"nodes": [{"name": "a"}, {"name": "b"}]}}),
            "cluster.nodes.1.cpu=2",
        )
        .unwrap();
        assert_eq!(
            t,
            json!({"cluster": {"nodes": [{"name": "a"}, {"name": "b", "cpu": 2}]}})
        );
        let t = set(json!({"checks": ["x", "y"]}), "checks.0=z").unwrap();
        assert_eq!(t, json!({"checks": ["z", "y"]}));
    }

    #[test]
    fn paths_that_cannot_be_followed() {
        let nodes = json!({"cluster": {"nodes": [{}, {}]}});
        assert_eq!(
            set(nodes.clone(), "cluster.nodes.2.cpu=1").unwrap_err(),
            "cluster.nodes.2.cpu: --set: `cluster.nodes` has 2 items, numbered from 0: there is no item 2"
        );
        assert_eq!(
            set(nodes, "cluster.nodes.first.cpu=1").unwrap_err(),
            "cluster.nodes.first.cpu: --set: `cluster.nodes` is a list: expected an item number, got `first`"
        );
        assert_eq!(
            set(json!({"cluster": {"nodes": 3}}), "cluster.nodes.1.cpu=1").unwrap_err(),
            "cluster.nodes.1.cpu: --set: `cluster.nodes` is 3, not a map or a list"
        );
        assert_eq!(
            set(json!([1]), "a=1").unwrap_err(),
            "a: --set: (root) is a list: expected an item number, got `a`"
        );
        assert_eq!(
            set(json!({}), "a..b=1").unwrap_err(),
            "a..b: --set: empty segment in the path"
        );
    }

    #[test]
    fn a_quoted_key_may_hold_dots() {
        let zone = "cluster.nodes.0.labels.\"topology.kubernetes.io/zone\"=b";
        let t = set(json!({"cluster": {"nodes": [{"labels": {}}]}}), zone).unwrap();
        assert_eq!(
            t,
            json!({"cluster": {"nodes": [{"labels": {"topology.kubernetes.io/zone": "b"}}]}})
        );
        let o: Override = zone.parse().unwrap();
        assert!(o.touches("cluster.nodes.0.labels.topology.kubernetes.io/zone"));
        assert_eq!(
            set(json!({"a": {"b.c": 1}}), "a.\"b.c\".d=1").unwrap_err(),
            "a.\"b.c\".d: --set: `a.\"b.c\"` is 1, not a map or a list"
        );
        assert!(
            set(json!({}), "a.\"b.c=1")
                .unwrap_err()
                .starts_with("a.\"b.c: --set: unclosed `\"` in the path")
        );
    }

    #[test]
    fn touches_whole_segments_only() {
        let o: Override = "strategy.kubernetes.minReadySeconds=5".parse().unwrap();
        assert!(o.touches("strategy"));
        assert!(o.touches("strategy.kubernetes.minReadySeconds"));
        assert!(!o.touches("strat"));
        assert!(!o.touches("service"));
        let o: Override = "service.versions.next={bad: 1}".parse().unwrap();
        assert!(o.touches("service.versions.next.bad"));
        assert!(!o.touches("service.versions.nextgen"));
    }

    #[test]
    fn an_item_of_a_list_the_scenario_lacks_says_how_to_add_the_first() {
        let e = set(json!({"service": {}}), "actions.0={at: 1s, scale: 3}").unwrap_err();
        assert_eq!(
            e,
            "actions.0: --set: `actions` is not in the scenario (or is null), so it has no \
             item 0: to add the first item, give the whole list, e.g. `--set \
             'actions=[{at: 1s, scale: 3}]'`"
        );
        let e = set(json!({}), "cluster.nodes.0.cpu=2").unwrap_err();
        assert!(
            e.contains("give the whole list, e.g. `--set 'cluster.nodes=[…]'`"),
            "{e}"
        );
        // A map keyed by names is still created on the way.
        assert_eq!(
            set(json!({}), "cluster.node.labels.0=a").unwrap(),
            json!({"cluster": {"node": {"labels": {"0": "a"}}}})
        );
    }

    #[test]
    fn a_value_that_is_not_a_finite_number_says_what_the_field_takes() {
        let e = set(json!({}), "horizon=.nan").unwrap_err();
        assert_eq!(
            e,
            r#"horizon: --set: ".nan" is not a finite number: expected a duration ("250ms", "10s", "1m30s", a number of seconds)"#
        );
        let e = set(json!({}), "service.replicas=.inf").unwrap_err();
        assert!(e.ends_with("expected a non-negative integer"), "{e}");
        let e = set(json!({}), "service.versions.next.pull=-.inf").unwrap_err();
        assert!(e.contains("or a distribution"), "{e}");
    }

    #[test]
    fn a_non_finite_number_inside_a_map_or_list_value_names_its_own_field() {
        // The map is not the number: the problem is the field that holds `.nan`.
        let e = set(json!({}), "traffic={rps: 10, slo: {availability: .nan}}").unwrap_err();
        assert_eq!(
            e,
            r#"traffic.slo.availability: --set: ".nan" is not a finite number: expected a number"#
        );
        let e = set(json!({}), "service.versions.next={crash_probability: .inf}").unwrap_err();
        assert!(
            e.starts_with(r#"service.versions.next.crash_probability: --set: ".inf" is not"#),
            "{e}"
        );
        let e = set(json!({}), "cluster.nodes=[{name: a}, {name: b, cpu: .nan}]").unwrap_err();
        assert!(e.starts_with("cluster.nodes.1.cpu: --set: "), "{e}");
    }
}
