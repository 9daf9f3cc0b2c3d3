//! A Flagger `Canary` (flagger.app/v1beta1) and the Deployment its `targetRef` names → a
//! scenario with a `strategy.flagger`, which keeps the Canary's field names
//! (`fluxcd/flagger` `pkg/apis/flagger/v1beta1/canary.go`, `artifacts/flagger/crd.yaml`,
//! v1.44.0).
//!
//! | manifest | scenario |
//! |---|---|
//! | `metadata.name` | `name` |
//! | `spec.targetRef` (`apps/v1` `Deployment`, looked up in the files given) | the Deployment: `spec.replicas` (default 1) → `service.replicas`, `spec.template` → `service` (see [`super::pod`]) |
//! | `spec.progressDeadlineSeconds` | `strategy.flagger.progressDeadlineSeconds` |
//! | `spec.skipAnalysis` | `strategy.flagger.skipAnalysis` |
//! | `spec.analysis.{interval,threshold,maxWeight,stepWeight,stepWeights,stepWeightPromotion,iterations,primaryReadyThreshold,canaryReadyThreshold}` | the same under `strategy.flagger.analysis`, as the `kubernetes` provider rewrites them (see [`super::flagger_nop`]) |
//! | `spec.service.retries` (`attempts`, `retryOn`) on Istio's router, with metrics that measure requests | `traffic.retries` (see [`super::flagger_retries`]) |
//! | `spec.provider: kubernetes` | `strategy.flagger.provider: kubernetes` (another provider: nothing, Istio's router being the scenario's default; a comment names it) |
//! | `spec.analysis.{mirror,mirrorWeight}`, when the Canary's router mirrors as simulated (`mirrorWeight` with Istio's only) | the same under `strategy.flagger.analysis` (see [`super::flagger_mirror`]) |
//! | `spec.analysis.match`, when the Canary's router routes by it as simulated (Istio's; Gateway API's, App Mesh's, Contour's and NGINX's for the conditions they read as written) | the same under `strategy.flagger.analysis`, with the simulator's `matchShare` as a marked DEFAULT (see [`super::flagger_ab`]) |
//! | `spec.analysis.metrics[]` named `request-success-rate` / `request-duration` (`interval`, `thresholdRange`, legacy `threshold`) | the same under `strategy.flagger.analysis.metrics` |
//! | `spec.analysis.webhooks[]` the simulator runs: `confirm-rollout`, `confirm-traffic-increase`, `confirm-promotion`, `rollback` and `rollout` to a flagger-loadtester gate (`/gate/approve`, `/gate/halt`, `/gate/check`, `/rollback/check`), and `rollout` (or no `type`) load tests, a paced `hey` against `<app>-canary` in `metadata.cmd` | the same under `strategy.flagger.analysis.webhooks`, as written (see [`super::flagger_webhooks`]) |
//!
//! Nothing is defaulted here: every default Flagger applies to an absent field
//! (`GetProgressDeadlineSeconds` 600, `GetMetricInterval` 1m, the ready thresholds 100,
//! `scheduler.go:maxWeight` 100) is the scenario's own, and the CRD requires `analysis`
//! with its `interval` and `threshold`. The Canary's values are copied as written and
//! checked by the scenario's parser, with Flagger's rules.
//!
//! Left out and reported: on the `kubernetes` provider, the progressive fields Flagger
//! replaces with 10 iterations and `stepWeightPromotion` ([`super::flagger_nop`]); other
//! webhooks (with the simulator's reason), `alerts`, A/B
//! `match` where the router drops it (`kubernetes`, or a router that never reads it for a
//! progressive canary), the fields of a `match` item the CRD prunes (`uri`, `method`, …),
//! mirroring where the router mirrors nothing, session affinity, the generated
//! Services' settings (`service`, but for Istio's `retries`), `autoscalerRef`, `revertOnDeletion` /
//! `suspend` when true, and the Deployment's own `strategy`, `minReadySeconds`,
//! `progressDeadlineSeconds` and `revisionHistoryLimit` (Flagger copies them to the
//! primary; the scenario's Deployments use Kubernetes' defaults). A metric of another name,
//! or with a `query` or `templateRef`, is refused as an Argo metric of no known shape is,
//! or left out with [`super::Options::drop_unknown_metrics`] ([`super::unmeasured`], shared
//! with the Argo import, so a misspelt field of such a metric is refused with it); the
//! metrics of a blue/green (`iterations`) with neither a load test copied, mirroring nor
//! A/B conditions copied are left out, as no request reaches its canary then. A `match`
//! a router would route otherwise than the scenario says is refused (see
//! [`super::flagger_ab`]). A progressive canary with `mirror` on a
//! router that never reports it is refused: upstream it never leaves weight 0. A key the
//! CRD lacks is refused with a "did you mean" ([`super::flagger_fields`]).

use super::api_fields::DEPLOYMENT;
use super::context::Context;
use super::draft::{Draft, Src};
use super::flagger_ab::ab_match;
use super::flagger_fields::{CANARY, METRIC};
use super::flagger_mirror::mirror;
use super::flagger_nop;
use super::flagger_retries;
use super::flagger_webhooks::webhooks;
use super::pod::Workload;
use super::reference;
use super::render::compact;
use super::unmeasured::Unmeasured;
use super::{kubernetes, server_defaults};
use serde_json::{Map, Value};

/// Where the strategy goes.
const TO: &str = "strategy.flagger";

/// `CanaryAnalysis` fields that are `int` in Flagger's types, copied as they are.
const ANALYSIS_INTEGERS: [&str; 7] = [
    "threshold",
    "maxWeight",
    "stepWeight",
    "stepWeightPromotion",
    "iterations",
    "primaryReadyThreshold",
    "canaryReadyThreshold",
];

/// The built-in checks the scenario runs (`scheduler_metrics.go:runBuiltinMetricChecks`).
const BUILTINS: [&str; 2] = ["request-success-rate", "request-duration"];

/// Maps the Canary `doc` into `d`; `name` is its `metadata.name`.
pub fn canary(doc: &Src, name: &str, ctx: &Context, d: &mut Draft) {
    let what = format!("Flagger Canary {name}");
    let no_spec = "a Canary needs a `spec` with its `targetRef` and `analysis`";
    let Some(spec) = d.object_spec(doc, &what, name, no_spec) else {
        return;
    };
    target(&spec, &what, ctx, d);
    d.section(TO, &spec);
    routing(&spec, d);
    if let Some(v) = spec.get("skipAnalysis") {
        d.map(&format!("{TO}.skipAnalysis"), &v);
    }
    for (key, why) in [
        (
            "revertOnDeletion",
            "acts only when the Canary is deleted, which is not simulated",
        ),
        (
            "suspend",
            "a suspended Canary runs nothing until resumed; the scenario simulates it resumed",
        ),
    ] {
        if let Some(v) = spec.get(key) {
            match v.value {
                Value::Bool(false) => d.read(&v),
                _ => d.unsupported(&v, why),
            }
        }
    }
    if let Some(a) = spec.get("autoscalerRef") {
        left_out(
            &a,
            "spec.autoscalerRef",
            "an autoscaler changes the replicas during the analysis; the scenario keeps \
             the Deployment's `replicas`",
            d,
        );
    }
    if let Some(p) = spec.get("progressDeadlineSeconds") {
        d.map_integer(&format!("{TO}.progressDeadlineSeconds"), &p);
    }
    match spec.get("analysis") {
        Some(a) => analysis(&spec, &a, ctx, d),
        None => d.error(
            &spec,
            "a Canary needs `analysis` (the CRD requires it: its interval, threshold and \
             steps)",
        ),
    }
}

/// Refuses the misspelt keys under `node` (the Canary's type at `path`), then reports it
/// as not simulated.
fn left_out(node: &Src, path: &str, why: &str, d: &mut Draft) {
    d.known_names(node, CANARY.at(CANARY.root.at_path(path)));
    d.unsupported(node, why);
}

/// `spec.targetRef` of the Canary `what` (`Flagger Canary web`): the Deployment whose pod
/// template and replicas the scenario runs.
fn target(spec: &Src, what: &str, ctx: &Context, d: &mut Draft) {
    let Some(r) = spec.get("targetRef") else {
        return d.error(
            spec,
            "a Canary needs `targetRef: {apiVersion: apps/v1, kind: Deployment, name: NAME}`",
        );
    };
    let Some(root) = reference::deployment(&r, "targetRef", target_kind, ctx, d) else {
        return;
    };
    let of = Workload {
        flagger: Some(what),
        ..Workload::new("Deployment", ctx.namespace)
    };
    target_deployment(&root, of, d);
    d.finish(&root, |_| false, DEPLOYMENT);
    d.comment(
        "service",
        &format!(
            "The pod template of {}, named by spec.targetRef.",
            root.path
        ),
    );
}

/// Why a `targetRef` of kind `k` (not a Deployment) is refused.
fn target_kind(k: &Src) -> String {
    format!(
        "targetRef is a {}: the simulator runs Flagger's loop on a Deployment (apps/v1) only",
        k.str().map_or_else(|| compact(k.value), str::to_string)
    )
}

/// The target Deployment's fields (`of` it): the canary runs its pod template, and the
/// primary Flagger makes of it keeps its replicas.
fn target_deployment(root: &Src, of: Workload, d: &mut Draft) {
    d.read_identity(root);
    d.read_status(root);
    let Some(spec) = root.get("spec") else {
        return d.error(root, "a Deployment needs a `spec` with its pod template");
    };
    kubernetes::replicas(&spec, "Kubernetes'", d);
    kubernetes::paused(&spec, "Deployment", d);
    let copied = "Flagger copies it to the primary Deployment; the scenario's primary and \
                  canary use Kubernetes' default";
    for (key, why) in [
        (
            "strategy",
            format!("{copied} (RollingUpdate, maxSurge 25 %, maxUnavailable 25 %)"),
        ),
        ("minReadySeconds", format!("{copied}, 0")),
        ("progressDeadlineSeconds", format!("{copied}, 600")),
        (
            "revisionHistoryLimit",
            "old ReplicaSets kept for a rollback; Flagger rolls back by traffic, and no \
             `rollout undo` is simulated"
                .to_string(),
        ),
    ] {
        if let Some(v) = spec.get(key) {
            if server_defaults::deployment_default(key, v.value) {
                d.read(&v); // what the API server wrote when it was absent: nothing the user set
                continue;
            }
            let ty = DEPLOYMENT.root.at_path(&format!("spec.{key}"));
            d.known_names(&v, DEPLOYMENT.at(ty));
            d.unsupported(&v, &why);
        }
    }
    kubernetes::pods(&spec, of, d);
}

/// The mesh and its objects: the simulated router sets the canary's exact weight,
/// whichever it is, and traffic reaches the pods, not Services.
fn routing(spec: &Src, d: &mut Draft) {
    let mut shown = Vec::new();
    let mut no_router = false;
    for key in [
        "provider",
        "metricsServer",
        "ingressRef",
        "routeRef",
        "upstreamRef",
    ] {
        if let Some(v) = spec.get(key) {
            d.known_names(&v, CANARY.at(CANARY.root.at_path(&format!("spec.{key}"))));
            if key == "provider" && flagger_nop::provider_field(spec, TO, d) {
                no_router = true;
            } else {
                d.read(&v);
            }
            shown.push(format!("{key} {}", compact(v.value)));
        }
    }
    let what = if no_router {
        "no router (pkg/router/nop.go): the users stay on the primary until the promotion, \
         and the simulator measures its own requests"
    } else {
        "the router sets the canary's exact weight and the simulator measures its own \
         requests; the mesh matters only to `analysis.mirror` and `analysis.match`"
    };
    if !shown.is_empty() {
        d.comment(TO, &format!("{}:\n{what}", shown.join(", ")));
    }
    flagger_retries::service(spec, d);
}

/// `spec.analysis` of the Canary `spec` → `strategy.flagger.analysis`.
fn analysis(spec: &Src, a: &Src, ctx: &Context, d: &mut Draft) {
    let to = format!("{TO}.analysis");
    if !a.value.is_object() {
        return d.error(
            a,
            "expected a map (`interval`, `threshold`, `stepWeight`, …)",
        );
    }
    d.section(&to, a);
    if let Some(v) = a.get("interval") {
        d.map(&format!("{to}.interval"), &v);
    }
    // The kubernetes provider's rewrites of the analysis (none for another provider).
    let kubernetes = flagger_nop::on_kubernetes(spec);
    let rewritten = if kubernetes {
        flagger_nop::analysis(a, &to, d)
    } else {
        Vec::new()
    };
    for key in ANALYSIS_INTEGERS {
        if let Some(v) = a.get(key).filter(|_| !rewritten.contains(&key)) {
            d.map_integer(&format!("{to}.{key}"), &v);
        }
    }
    if let Some(v) = a
        .get("stepWeights")
        .filter(|_| !rewritten.contains(&"stepWeights"))
    {
        d.copy_tree(&format!("{to}.stepWeights"), &v);
    }
    // On the kubernetes provider every canary is a blue/green (10 iterations if none).
    let blue_green = a.get("iterations").is_some() || kubernetes;
    let metrics_given = a
        .get("metrics")
        .is_some_and(|m| m.value.as_array().is_some_and(|l| !l.is_empty()));
    // Mirrored copies of the users' requests give a blue/green canary's checks values,
    // as a load test does; so do the requests A/B testing's conditions select.
    let mirrored = mirror(spec, a, &to, d);
    let ab = ab_match(spec, a, &to, d);
    let reached = mirrored || ab;
    let load_tested = match a.get("webhooks") {
        Some(list) => webhooks(&list, &to, blue_green && metrics_given && !reached, d),
        None => false,
    };
    for (key, why) in [
        (
            "alerts",
            "alerts only notify (Slack, Teams, …); nothing simulated waits for them",
        ),
        (
            "sessionAffinity",
            "session affinity keeps a user on the canary once routed there; the simulated \
             requests are routed one by one",
        ),
    ] {
        if let Some(v) = a.get(key) {
            left_out(&v, &format!("spec.analysis.{key}"), why, d);
        }
    }
    if let Some(list) = a.get("metrics") {
        metrics(&list, blue_green && !load_tested && !reached, &to, ctx, d);
    }
}

/// `analysis.metrics`: the built-in checks, copied; the rest refused or left out.
/// `untested_blue_green`: blue/green `iterations`, no load test copied, no mirroring and
/// no A/B conditions copied.
fn metrics(list: &Src, untested_blue_green: bool, to: &str, ctx: &Context, d: &mut Draft) {
    d.read(list);
    if !list.value.is_array() {
        return d.error(list, "expected a list of metrics");
    }
    let schema = CANARY.at(METRIC);
    if untested_blue_green {
        for m in list.items() {
            d.known_names(&m, schema);
        }
        return d.unsupported(
            list,
            "blue/green `iterations` keep every request on the primary, so the canary's \
             built-in checks get values only from a load test (a `rollout` webhook to the \
             flagger-loadtester running `hey -q … http://<app>-canary…`) or from mirrored \
             copies of the users' requests (`mirror: true` on a router that mirrors), and \
             neither is simulated here: the scenario would be refused with the metrics, every \
             check having no values. The metrics are left out: the scenario runs the \
             iterations without checks",
        );
    }
    let mut out = Vec::new();
    for m in list.items() {
        let at = format!("{to}.metrics.{}", out.len());
        if let Some(v) = metric(&m, &at, ctx, d) {
            d.trace(&at, &m);
            out.push(v);
        }
    }
    if !out.is_empty() {
        d.put(&format!("{to}.metrics"), Value::Array(out));
    }
}

/// One metric at `to`, or `None` when it is refused or left out.
fn metric(m: &Src, to: &str, ctx: &Context, d: &mut Draft) -> Option<Value> {
    let name = m.get("name");
    let named = name.as_ref().and_then(|n| n.str()).unwrap_or("?");
    let custom = ["query", "templateRef", "templateVariables"]
        .into_iter()
        .find_map(|k| m.get(k));
    let why = match (&custom, BUILTINS.contains(&named)) {
        (None, true) => None,
        (Some(c), _) => Some((
            c.clone(),
            "a custom metric (`query`, a MetricTemplate) is measured by a metrics server \
             the simulator does not have"
                .to_string(),
        )),
        (None, false) => Some((
            name.clone().unwrap_or_else(|| m.clone()),
            format!(
                "`{named}` is not one of Flagger's built-in checks \
                 (`request-success-rate`, `request-duration`), the only ones the simulator \
                 measures"
            ),
        )),
    };
    let schema = CANARY.at(METRIC);
    if let Some((at, why)) = why {
        // Refused or left out as an Argo metric of no known shape is, its misspelt
        // fields refused with it in the same run.
        let unmeasured = Unmeasured {
            metric: m,
            name: named,
            schema,
            at: &at,
            why,
            instead: "replace it with a built-in check in the imported scenario",
        };
        if !unmeasured.refuse_or_leave_out(ctx.opts, d) {
            d.read(m);
        }
        return None;
    }
    // A misspelt field is refused, and the rest of the metric mapped without it, as the
    // API server prunes it: the scenario's parser checks the other values in the same run.
    d.known_names(m, schema);
    let mut out = Map::new();
    for (key, v) in m.entries() {
        let Some(ty) = METRIC.child(key) else {
            continue;
        };
        // Scalars and the range: the scenario's parser checks their values.
        d.read(&v);
        d.trace(&format!("{to}.{key}"), &v);
        out.insert(key.to_string(), ty.pruned(v.value));
    }
    Some(Value::Object(out))
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{Library, Options};
    use super::*;
    use serde_json::json;

    /// The draft of the Canary `web`, the first of `docs` (the others are what it finds).
    pub(in crate::scenario::import) fn draft(docs: &[Value], opts: &Options) -> Draft {
        let mut lib = Library::default();
        for doc in docs {
            lib.add(doc, "m.yaml");
        }
        let ctx = Context {
            lib: &lib,
            opts,
            file: "m.yaml",
            namespace: "default",
        };
        let mut d = Draft::default();
        let root = Src::root(&docs[0]);
        canary(&root, "web", &ctx, &mut d);
        d.finish(&root, |_| false, CANARY);
        d
    }

    /// The draft of a Canary `web` with `spec` (beside its `targetRef`), targeting a
    /// Deployment `web` of one container.
    pub(in crate::scenario::import) fn canary_draft(spec: Value) -> Draft {
        let mut full = json!({"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": "web"}});
        for (k, v) in spec.as_object().unwrap() {
            full[k] = v.clone();
        }
        let docs = [
            json!({"apiVersion": "flagger.app/v1beta1", "kind": "Canary",
                   "metadata": {"name": "web"}, "spec": full}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"template": {"spec": {"containers": [{"name": "app",
                                                                  "image": "web:2"}]}}}}),
        ];
        draft(&docs, &Options::default())
    }

    /// `(path, why)` of what a draft left out.
    pub(in crate::scenario::import) fn left_out(d: &Draft) -> Vec<(String, String)> {
        d.unsupported
            .iter()
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect()
    }

    /// `(path, why)` of what a draft refused.
    pub(in crate::scenario::import) fn refused(d: &Draft) -> Vec<(String, String)> {
        d.errors
            .iter()
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect()
    }

    fn deployment() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
               "spec": {"replicas": 4, "minReadySeconds": 5,
                        "template": {"spec": {"containers": [{"name": "app", "image": "web:2"}]}}}})
    }

    #[test]
    fn the_analysis_lands_under_the_same_names() {
        let c = json!({"apiVersion": "flagger.app/v1beta1", "kind": "Canary",
                       "metadata": {"name": "web"},
                       "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "web"},
                                "provider": "istio",
                                "progressDeadlineSeconds": 120,
                                "analysis": {"interval": "30s", "threshold": 3,
                                             "stepWeights": [5, 20, 50],
                                             "metrics": [{"name": "request-duration",
                                                          "thresholdRange": {"max": 300}}]}}});
        let d = draft(&[c, deployment()], &Options::default());
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(
            d.get(TO).unwrap(),
            &json!({"progressDeadlineSeconds": 120,
                    "analysis": {"interval": "30s", "threshold": 3, "stepWeights": [5, 20, 50],
                                 "metrics": [{"name": "request-duration",
                                              "thresholdRange": {"max": 300}}]}})
        );
        assert_eq!(d.get("service.replicas"), Some(&json!(4)));
        assert_eq!(
            d.origin("strategy.flagger.analysis.metrics.0.thresholdRange.max")
                .as_deref(),
            Some("spec.analysis.metrics.0.thresholdRange.max")
        );
        let left: Vec<String> = d.unsupported.iter().map(|p| p.path.clone()).collect();
        assert_eq!(left, ["Deployment web.spec.minReadySeconds"]);
    }
}
