//! A Rollout's canary `experiment` step → the scenario's `experiment` step (README
//! "Experiment steps").
//!
//! The step's fields are the scenario's own (`argoproj/argo-rollouts` 9f8d111,
//! `pkg/apis/rollouts/v1alpha1/types.go`, `RolloutExperimentStep`,
//! `RolloutExperimentTemplate`): `duration`, `scaleDownDelaySeconds`, and per template
//! `name`, `specRef`, `replicas`, `weight`, copied as written for the scenario's parser
//! to check. Each analysis names one AnalysisTemplate (`templateName`, `clusterScope`,
//! `args`), whose metrics become the scenario analysis's inline `metrics`
//! ([`super::argo_analysis::experiment_analysis`]); a metric reads the template its
//! query selects (`{{templates.NAME.podTemplateHash}}`, see [`super::argo_pods`]). The
//! step's `dryRun` applies to each analysis, joined with its template's rules.
//!
//! What changes nothing simulated is reported: a template's pod `metadata`, its
//! `selector` and `service` name, and the step's `analysisRunMetadata`.

use super::argo_analysis;
use super::context::Context;
use super::draft::{Draft, Src};
use serde_json::{Map, Value};

/// The scenario's `experiment` step from the manifest's `experiment` (at `to`); `None`
/// when it is not a map (an error).
pub fn step(e: &Src, to: &str, ctx: &Context, d: &mut Draft) -> Option<Value> {
    if !e.value.is_object() {
        d.error(
            e,
            "expected a map: `{templates: […], duration, analyses: […]}`",
        );
        return None;
    }
    d.trace(to, e);
    let mut out = Map::new();
    if let Some(v) = e.get("duration") {
        copy(&mut out, "duration", Some(v.value.clone()), to, &v, d);
    }
    if let Some(v) = e.get("scaleDownDelaySeconds") {
        let value = d.integer(&v);
        copy(&mut out, "scaleDownDelaySeconds", value, to, &v, d);
    }
    let mut roles: Vec<(String, String)> = Vec::new();
    if let Some(list) = e.get("templates") {
        let at = format!("{to}.templates");
        let items = list_of(&list, "templates", d);
        let templates = items
            .iter()
            .enumerate()
            .map(|(i, t)| template(t, &format!("{at}.{i}"), &mut roles, d))
            .collect();
        d.trace(&at, &list);
        out.insert("templates".into(), Value::Array(templates));
    }
    if let Some(list) = e.get("analyses") {
        let at = format!("{to}.analyses");
        let mut analyses = Vec::new();
        for item in list_of(&list, "analyses", d) {
            let here = format!("{at}.{}", analyses.len());
            if let Some(a) = analysis(&item, e, &roles, &here, ctx, d) {
                analyses.push(a);
            }
        }
        d.trace(&at, &list);
        out.insert("analyses".into(), Value::Array(analyses));
    }
    if let Some(m) = e.get("analysisRunMetadata") {
        d.unsupported(
            &m,
            "the labels and annotations of the experiment's AnalysisRuns change nothing \
             simulated",
        );
    }
    Some(Value::Object(out))
}

/// The items of the list `list` (the step's `field`), each item's fields read one by one
/// (what is left of them is reported, or refused as a misspelling); none, with an error,
/// if it is not a list.
fn list_of<'a>(list: &Src<'a>, field: &str, d: &mut Draft) -> Vec<Src<'a>> {
    if !list.value.is_array() {
        d.error(list, format!("expected a list of {field}"));
        return Vec::new();
    }
    let items = list.items();
    if items.is_empty() {
        d.read(list);
    }
    items
}

/// One `templates[]` item at `to`, its `name` and `specRef` noted in `roles`.
fn template(t: &Src, to: &str, roles: &mut Vec<(String, String)>, d: &mut Draft) -> Value {
    let mut out = Map::new();
    if !t.value.is_object() {
        d.error(
            t,
            "expected a map: `{name, specRef: stable|canary, replicas, weight}`",
        );
        return Value::Object(out);
    }
    d.trace(to, t);
    let text = |key: &str| {
        t.get(key)
            .and_then(|v| v.str().map(str::to_string))
            .unwrap_or_default()
    };
    roles.push((text("name"), text("specRef")));
    for key in ["name", "specRef"] {
        if let Some(v) = t.get(key) {
            copy(&mut out, key, Some(v.value.clone()), to, &v, d);
        }
    }
    for key in ["replicas", "weight"] {
        if let Some(v) = t.get(key) {
            let value = d.integer(&v);
            copy(&mut out, key, value, to, &v, d);
        }
    }
    let not_simulated = [
        (
            "metadata",
            "the labels and annotations of a template's pods change nothing simulated: its \
             pods are told apart as a version of their own",
        ),
        (
            "selector",
            "a template's own selector changes nothing simulated: its pods are its \
             ReplicaSet's",
        ),
        (
            "service",
            "the name of a template's Service changes nothing simulated: behind a router its \
             `weight` goes to its pods whatever the Service is called",
        ),
    ];
    for (key, why) in not_simulated {
        if let Some(v) = t.get(key) {
            d.unsupported(&v, why);
        }
    }
    Value::Object(out)
}

/// One `analyses[]` item of the step `step` at `to`: `name`, `requiredForCompletion` and
/// the metrics of its template; `None` (reported) when none of them is imported.
fn analysis(
    item: &Src,
    step: &Src,
    roles: &[(String, String)],
    to: &str,
    ctx: &Context,
    d: &mut Draft,
) -> Option<Value> {
    if !item.value.is_object() {
        d.error(
            item,
            "expected a map: `{name, templateName, args, requiredForCompletion}`",
        );
        return None;
    }
    let mut out = Map::new();
    for key in ["name", "requiredForCompletion"] {
        if let Some(v) = item.get(key) {
            copy(&mut out, key, Some(v.value.clone()), to, &v, d);
        }
    }
    let Some(Value::Object(block)) =
        argo_analysis::experiment_analysis(item, step, roles, to, ctx, d)
    else {
        d.unsupported(
            item,
            "none of its template's metrics is imported: the analysis is left out, so the \
             experiment neither waits for it nor fails on it",
        );
        return None;
    };
    out.extend(block);
    Some(Value::Object(out))
}

/// Puts `value` (from the manifest field `from`) as `key` of the scenario map `out` at
/// `to`, read and traced; nothing when it is `None` (refused).
fn copy(
    out: &mut Map<String, Value>,
    key: &str,
    value: Option<Value>,
    to: &str,
    from: &Src,
    d: &mut Draft,
) {
    d.read(from);
    if let Some(v) = value {
        d.trace(&format!("{to}.{key}"), from);
        out.insert(key.to_string(), v);
    }
}
