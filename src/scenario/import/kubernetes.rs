//! A Kubernetes `Deployment` (apps/v1) → a scenario with a `strategy.kubernetes`.
//!
//! Field by field (paths under the Deployment; upstream: `k8s.io/api/apps/v1` and
//! `k8s.io/api/core/v1` types, v1.31):
//!
//! | manifest | scenario |
//! |---|---|
//! | `metadata.name` | `name` |
//! | `spec.replicas` (default 1) | `service.replicas` |
//! | `spec.strategy.type`, `.rollingUpdate.{maxSurge,maxUnavailable}` | `strategy.kubernetes.strategy` |
//! | `spec.minReadySeconds`, `spec.progressDeadlineSeconds` | `strategy.kubernetes.*` |
//! | `spec.paused: false` (`true` is refused: nothing would roll out) | — |
//! | `spec.template` | `service` (see [`super::pod`]) |
//!
//! Identity fields (`apiVersion`, `kind`, `metadata`, `spec.selector`,
//! `spec.template.metadata`, container names) and `status` are read and change nothing, and
//! so is a value the API server's defaulting sets ([`super::server_defaults`]); the
//! selector must select the template's labels, as the API server requires
//! ([`super::selector::own_selector`]). Everything else is reported as not simulated.

use super::draft::{Draft, Src};
use super::pod::{self, Workload};
use super::selector;
use serde_json::{Value, json};

/// `spec.replicas` as `service.replicas`; absent, the controller's default of one,
/// `default_of` naming whose default it is (`"Kubernetes'"`).
pub fn replicas(spec: &Src, default_of: &str, d: &mut Draft) {
    match spec.get("replicas") {
        Some(r) => d.map("service.replicas", &r),
        None => d.assume(
            "service.replicas",
            json!(1),
            &format!("spec.replicas is not given: {default_of} default, 1"),
        ),
    }
}

/// Maps the Deployment `doc` of `namespace` into `d`; `name` is its `metadata.name`.
pub fn deployment(doc: &Src, name: &str, namespace: &str, d: &mut Draft) {
    let what = format!("Deployment {name}");
    let no_spec = "a Deployment needs a `spec` with its pod template";
    let Some(spec) = d.object_spec(doc, &what, name, no_spec) else {
        return;
    };
    replicas(&spec, "Kubernetes'", d);
    d.put("strategy.kubernetes", json!({}));
    if let Some(s) = spec.get("strategy") {
        rolling_strategy(&s, "strategy.kubernetes.strategy", SURGE_AND_UNAVAILABLE, d);
    }
    for key in [
        "minReadySeconds",
        "progressDeadlineSeconds",
        "revisionHistoryLimit",
    ] {
        if let Some(v) = spec.get(key) {
            d.map_integer(&format!("strategy.kubernetes.{key}"), &v);
        }
    }
    paused(&spec, "Deployment", d);
    pods(&spec, Workload::new("Deployment", namespace), d);
}

/// What every `apps/v1` workload import shares (a Deployment's, a DaemonSet's, a
/// StatefulSet's): the `spec.selector` checked against the template's labels as the API
/// server checks it ([`selector::own_selector`]; it picks the workload's own pods, which
/// are all the simulated ones) and `spec.template` mapped as the scenario's `service`
/// ([`pod::template`]); `of` is the workload, its kind naming it in the messages.
pub fn pods(spec: &Src, of: Workload, d: &mut Draft) {
    if let Some(s) = spec.get("selector") {
        let template = spec.get("template");
        selector::own_selector(&s, template.as_ref(), &of.kind.to_lowercase(), d);
    }
    pod::template(spec, of, d);
}

/// `spec.paused`: `false` changes nothing; `true` is refused, since nothing would roll out
/// (a Deployment's controller only scales it; a Rollout waits for a resume).
pub fn paused(spec: &Src, kind: &str, d: &mut Draft) {
    if let Some(p) = spec.get("paused") {
        match p.value {
            Value::Bool(false) => d.read(&p),
            _ => d.error(
                &p,
                format!(
                    "a paused {kind} does not roll out: resume it (`paused: false`) to \
                     simulate its rollout"
                ),
            ),
        }
    }
}

/// A field of an update strategy's `rollingUpdate`, by the type the API declares it.
#[derive(Debug, Clone, Copy)]
pub enum RollingField {
    /// An `IntOrString` (`maxSurge`, `maxUnavailable`: a count or a percentage), copied
    /// as written for the scenario's parser to check.
    IntOrString(&'static str),
    /// An `int32` (a StatefulSet's `partition`): a string or a fraction is refused here,
    /// as [`Draft::map_integer`] refuses one.
    Int32(&'static str),
}

impl RollingField {
    fn name(self) -> &'static str {
        match self {
            RollingField::IntOrString(n) | RollingField::Int32(n) => n,
        }
    }
}

/// The `rollingUpdate` of a Deployment's `spec.strategy` and of a DaemonSet's
/// `spec.updateStrategy` (`RollingUpdateDeployment`, `RollingUpdateDaemonSet`).
pub const SURGE_AND_UNAVAILABLE: &[RollingField] = &[
    RollingField::IntOrString("maxSurge"),
    RollingField::IntOrString("maxUnavailable"),
];

/// An update strategy of `type` and `rollingUpdate: {…}` with the `fields` of its kind,
/// copied to the scenario section `to` under the same names: a Deployment's
/// `spec.strategy` (`strategy.kubernetes.strategy`), a DaemonSet's `spec.updateStrategy`
/// (`strategy.daemonSet.updateStrategy`) and a StatefulSet's (`partition` and
/// `maxUnavailable`, `strategy.statefulSet.updateStrategy`) have that one shape. The
/// values are checked by the scenario's parser, with each kind's own validation, and its
/// problems told here.
pub fn rolling_strategy(s: &Src, to: &str, fields: &[RollingField], d: &mut Draft) {
    d.section(to, s);
    if let Some(t) = s.get("type") {
        d.map(&format!("{to}.type"), &t);
    }
    if let Some(ru) = s.get("rollingUpdate") {
        if !ru.value.is_object() {
            let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name())).collect();
            return d.error(&ru, format!("expected a map with {}", names.join(" and ")));
        }
        // Written even when empty: with `type: Recreate` the converter then says
        // "may not be specified", as the API server does.
        d.section(&format!("{to}.rollingUpdate"), &ru);
        for &field in fields {
            let Some(v) = ru.get(field.name()) else {
                continue;
            };
            let at = format!("{to}.rollingUpdate.{}", field.name());
            match field {
                RollingField::IntOrString(_) => d.map(&at, &v),
                RollingField::Int32(_) => d.map_integer(&at, &v),
            }
        }
        if ru.entries().is_empty() {
            d.read(&ru);
        }
    }
}

/// `spec.revisionHistoryLimit` of a DaemonSet or a StatefulSet (`kind`): the
/// ControllerRevisions it keeps for `kubectl rollout undo --to-revision`, which the
/// simulator keeps up to the default of 10 (not a scenario field for them). The API server's default (`is_default`, 10 for both), what
/// `kubectl get -o yaml` prints when the user wrote none, is read as absent; another
/// value is reported.
pub fn revision_history_limit(
    v: &Src,
    kind: &str,
    is_default: fn(&str, &Value) -> bool,
    d: &mut Draft,
) {
    if is_default("revisionHistoryLimit", v.value) {
        return d.read(v);
    }
    if d.integer(v).is_some() {
        d.unsupported(
            v,
            &format!(
                "the revisions kept for `kubectl rollout undo --to-revision`: not a scenario \
                 field for a {kind}, whose history the simulator keeps up to the API server's \
                 default of 10, so an undo to a revision only this limit keeps (or drops) \
                 differs"
            ),
        );
    }
}
