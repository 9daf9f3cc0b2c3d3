//! `analysis.match`: the HTTP conditions of Flagger's A/B testing, after
//! `fluxcd/flagger@15bd6ad` (v1.44.0): the CRD's schema (`artifacts/flagger/crd.yaml`,
//! `spec.analysis.match`: `headers`, `queryParams`, `sourceLabels`) and Istio's router
//! (`pkg/router/istio.go:SetRoutes`), which writes the weights on a route of the requests
//! the conditions select, placed above a route sending every other request to the primary.
//!
//! The simulator cannot read a request's headers, cookies or query, so the scenario says
//! what share of the users' requests the conditions select (`matchShare`, a simulator
//! field, as Argo's `headerRoute.share`); the conditions are checked as the CRD checks
//! them and shown in the run's header.

use crate::scenario::match_share;
use crate::scenario::walk::{Node, Obj};

/// Fields of one `match[]` item the CRD keeps (the API server prunes any other).
pub const CONDITION_FIELDS: &[&str] = &["headers", "queryParams", "sourceLabels"];
/// A header's string match: exactly one of these (the CRD's `oneOf`).
pub const HEADER_MATCH: &[&str] = &["exact", "prefix", "suffix", "regex"];
/// A query parameter's string match: one of these, or none (the CRD's `oneOf`).
pub const QUERY_MATCH: &[&str] = &["exact", "prefix", "regex"];

/// The parsed `match` and `matchShare`.
#[derive(Debug, Clone, PartialEq)]
pub struct AbMatch {
    /// One line per condition (any one selects a request), for the run's header.
    pub conditions: Vec<String>,
    /// The share of the users' requests the conditions select (0 to 1).
    pub share: f64,
}

/// Read `analysis.match` and `analysis.matchShare`: `None` without a `match`.
pub fn parse(an: &Obj) -> Option<AbMatch> {
    let Some(list) = an.get("match") else {
        if let Some(share) = an.get("matchShare") {
            share.problem(
                "`matchShare` is the share of requests `match` selects; give `match` or remove it",
            );
        }
        return None;
    };
    let conditions: Vec<String> = list.list()?.iter().filter_map(condition).collect();
    if conditions.is_empty() && list.value().as_array().is_some_and(|a| a.is_empty()) {
        list.problem("an empty `match` selects no request: give a condition or remove it");
    }
    let share = an.required("matchShare", |n| {
        match_share::parse(n, "headers, cookies or queries")
    })?;
    Some(AbMatch { conditions, share })
}

/// One `match[]` item, summarised: `header x-canary regex ".*insider.*"` and so on.
fn condition(n: &Node) -> Option<String> {
    let o = n.object(CONDITION_FIELDS)?;
    // (A condition of unknown fields only has been reported as such.)
    if n.value().as_object().is_some_and(|m| m.is_empty()) {
        return n.fail(
            "a condition with no `headers`, `queryParams` or `sourceLabels` selects every \
             request: give one, or drop `match` for a blue/green",
        );
    }
    // Every part is read, so each bad one is reported; any bad one drops the condition.
    let mut parts: Vec<Option<String>> = Vec::new();
    for (key, kind, matches, one) in [
        ("headers", "header", HEADER_MATCH, true),
        ("queryParams", "query", QUERY_MATCH, false),
    ] {
        if let Some(map) = o.opt(key, |m| m.map()) {
            for (name, value) in map.entries() {
                parts.push(string_match(&value, kind, name, matches, one));
            }
        }
    }
    if let Some(map) = o.opt("sourceLabels", |m| m.map()) {
        for (name, value) in map.entries() {
            parts.push(value.string().map(|v| format!("source label {name}={v}")));
        }
    }
    let parts: Option<Vec<String>> = parts.into_iter().collect();
    Some(parts?.join(" and "))
}

/// A header's or query parameter's `StringMatch`: one of `matches` (or none, unless `one`).
fn string_match(n: &Node, kind: &str, name: &str, matches: &[&str], one: bool) -> Option<String> {
    let o = n.object(matches)?;
    // An unknown field has been reported with its closest name: no second problem.
    if o.entries().any(|(k, _)| !matches.contains(&k)) {
        return None;
    }
    let given: Vec<&str> = matches.iter().copied().filter(|k| o.has(k)).collect();
    match given[..] {
        [k] => Some(format!(
            "{kind} {name} {k} {:?}",
            o.required(k, Node::string)?
        )),
        [] if !one => Some(format!("{kind} {name} present")),
        _ => n.fail(format!(
            "give exactly one of `{}` (the CRD's oneOf), got {}",
            matches.join("`, `"),
            if given.is_empty() {
                "none".to_string()
            } else {
                given.join(", ")
            }
        )),
    }
}
