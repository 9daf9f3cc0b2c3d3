//! An Argo Rollouts `Rollout` (argoproj.io/v1alpha1) → a scenario with a
//! `strategy.canary` or `strategy.blueGreen`, which keep Argo's field names
//! (`argoproj/argo-rollouts` `pkg/apis/rollouts/v1alpha1/types.go`, v1.10.0-rc1).
//!
//! | manifest (under `spec`) | scenario |
//! |---|---|
//! | `replicas` (default 1) | `service.replicas` |
//! | `template`, or the `template` of the Deployment `workloadRef` names | `service` (see [`super::pod`]) |
//! | `minReadySeconds`, `progressDeadlineSeconds`, `progressDeadlineAbort` | `strategy.<canary\|blueGreen>.*` |
//! | `strategy.canary.{maxSurge,maxUnavailable,scaleDownDelaySeconds,abortScaleDownDelaySeconds,dynamicStableScale,replicaProgressThreshold}` | the same under `strategy.canary` |
//! | `strategy.canary.minPodsPerReplicaSet` | the same with a `trafficRouting` (reported without: upstream ignores it there) |
//! | `strategy.canary.steps[]`: `setWeight`, `pause`, `setCanaryScale`, `analysis`, `experiment` | `strategy.canary.steps[]` (analyses: inline metrics; see [`super::argo_experiment`]) |
//! | `strategy.canary.trafficRouting` (any router) | `strategy.canary.trafficRouting: {}` (the router in a comment) |
//! | `strategy.canary.trafficRouting.managedRoutes`, `steps[]`: `setHeaderRoute`, `setMirrorRoute` | the same, with a DEFAULT `matchShare` (see [`super::argo_routes`]) |
//! | `strategy.canary.analysis` (`templates`, `args`, `startingStep`) | `strategy.canary.analysis` (`metrics`, `startingStep`) |
//! | an analysis's `dryRun` and its templates' `spec.dryRun` | the block's `dryRun`, joined as upstream joins them (see [`super::argo_dry_run`]) |
//! | `strategy.blueGreen.{previewReplicaCount,autoPromotionEnabled,autoPromotionSeconds,scaleDownDelaySeconds,abortScaleDownDelaySeconds}` | the same under `strategy.blueGreen` |
//! | `strategy.blueGreen.{prePromotionAnalysis,postPromotionAnalysis}` | the same names, inline metrics |
//!
//! Service names (`canaryService`, `stableService`, `activeService`, `previewService`)
//! are shown in comments: traffic reaches pods, not names, in the simulation. Steps the
//! simulator cannot run (`plugin`) are left out and reported, and so are
//! route steps whose router routes by rules of its own ([`super::argo_routes`]); a step
//! of no known kind is an error. Everything else not mapped is reported by
//! [`Draft::finish`], or refused when Argo's types have no such field (a misspelling; see
//! [`super::argo_fields`]).

use super::super::suggest;
use super::api_fields::DEPLOYMENT;
use super::argo_analysis;
use super::argo_dry_run;
use super::argo_experiment;
use super::argo_fields::{CANARY_STEP, ROLLOUT};
use super::argo_routes::{self, Routers};
use super::context::Context;
use super::draft::{Draft, Src};
use super::pod::Workload;
use super::reference;
use super::render::compact;
use super::selector;
use super::{kubernetes, pod, server_defaults};
use serde_json::{Map, Value, json};

/// The traffic routers of `trafficRouting` (`RolloutTrafficRouting`).
const ROUTERS: [&str; 9] = [
    "istio",
    "nginx",
    "alb",
    "smi",
    "ambassador",
    "appMesh",
    "traefik",
    "apisix",
    "plugins",
];

/// Canary fields copied as they are (the scenario validates them as Argo does).
const CANARY_COPIED: [&str; 5] = [
    "maxSurge",
    "maxUnavailable",
    "scaleDownDelaySeconds",
    "abortScaleDownDelaySeconds",
    "dynamicStableScale",
];

/// Blue-green fields copied as they are.
const BLUE_GREEN_COPIED: [&str; 5] = [
    "previewReplicaCount",
    "autoPromotionEnabled",
    "autoPromotionSeconds",
    "scaleDownDelaySeconds",
    "abortScaleDownDelaySeconds",
];

/// Maps the Rollout `doc` into `d`; `name` is its `metadata.name`.
pub fn rollout(doc: &Src, name: &str, ctx: &Context, d: &mut Draft) {
    let what = format!("Argo Rollout {name}");
    let no_spec = "a Rollout needs a `spec` with its pod template and strategy";
    let Some(spec) = d.object_spec(doc, &what, name, no_spec) else {
        return;
    };
    kubernetes::replicas(&spec, "Argo Rollouts'", d);
    kubernetes::paused(&spec, "Rollout", d);
    // With a `workloadRef`, the selector is checked against the Deployment's template
    // where that is read ([`pod_template`]).
    if let Some(s) = spec.get("selector")
        && spec.get("workloadRef").is_none()
    {
        let template = spec.get("template");
        selector::own_selector(&s, template.as_ref(), "deployment", d);
    }
    if let Some(r) = spec.get("revisionHistoryLimit") {
        d.unsupported(
            &r,
            "old ReplicaSets kept for a rollback; the Argo strategies here simulate no \
             `rollout undo`",
        );
    }
    pod_template(&spec, ctx, d);
    let strategy = spec.get("strategy");
    let canary = strategy.as_ref().and_then(|s| s.get("canary"));
    let blue_green = strategy.as_ref().and_then(|s| s.get("blueGreen"));
    let (key, s) = match (canary, blue_green) {
        (Some(c), None) => ("canary", c),
        (None, Some(b)) => ("blueGreen", b),
        (Some(_), Some(_)) => {
            return d.error(
                strategy.as_ref().unwrap_or(&spec),
                "give one of `canary` and `blueGreen`, not both",
            );
        }
        (None, None) => {
            return d.error(
                strategy.as_ref().unwrap_or(&spec),
                "a Rollout needs `strategy.canary` or `strategy.blueGreen`",
            );
        }
    };
    let to = format!("strategy.{key}");
    d.section(&to, &s);
    for field in [
        "minReadySeconds",
        "progressDeadlineSeconds",
        "progressDeadlineAbort",
    ] {
        if let Some(v) = spec.get(field) {
            copy_field(&format!("{to}.{field}"), field, &v, d);
        }
    }
    if key == "canary" {
        canary_strategy(&s, &to, ctx, d);
    } else {
        blue_green_strategy(&s, &to, ctx, d);
    }
}

/// `spec.template`, or the template of the Deployment `spec.workloadRef` names.
fn pod_template(spec: &Src, ctx: &Context, d: &mut Draft) {
    let Some(r) = spec.get("workloadRef") else {
        return pod::template(spec, Workload::new("Rollout", ctx.namespace), d);
    };
    if let Some(t) = spec.get("template") {
        return d.error(
            &t,
            "give `template` or `workloadRef`, not both (Argo Rollouts validation)",
        );
    }
    if let Some(s) = r.get("scaleDown") {
        d.unsupported(
            &s,
            "how the referenced Deployment's own pods are scaled down while migrating; the \
             scenario rolls out the Rollout alone",
        );
    }
    let Some(root) = reference::deployment(&r, "workloadRef", workload_kind, ctx, d) else {
        return;
    };
    d.read_identity(&root);
    d.read_status(&root);
    let Some(dspec) = root.get("spec") else {
        return d.error(&root, "a Deployment needs a `spec` with its pod template");
    };
    // Argo makes the pods, from the Deployment's template.
    let of = Workload {
        controller: "Rollout",
        ..Workload::new("Deployment", ctx.namespace)
    };
    pod::template(&dspec, of, d);
    // Each selector written must pick the template's pods: the Rollout's, which Argo
    // validates once the template is resolved, and the Deployment's, which the API server
    // checked against the same template when the Deployment was made.
    let template = dspec.get("template");
    if let Some(s) = spec.get("selector") {
        selector::own_selector(&s, template.as_ref(), "deployment", d);
    }
    if let Some(s) = dspec.get("selector") {
        selector::own_selector(&s, template.as_ref(), "deployment", d);
    }
    workload_fields(&dspec, d);
    d.finish(&root, |_| false, DEPLOYMENT);
    d.comment(
        "service",
        &format!(
            "The pod template of {}, named by spec.workloadRef.",
            root.path
        ),
    );
}

/// The `workloadRef` Deployment's fields besides its pod template, which Argo Rollouts
/// does not read: `Resolve` (`rollout/templateref.go`) takes the template, and the
/// selector only where the Rollout has none; the Rollout's own fields govern the rollout.
/// Each is reported where it is written, so that a `minReadySeconds` meant for the
/// rollout is moved to the Rollout rather than silently lost.
fn workload_fields(dspec: &Src, d: &mut Draft) {
    let not_read = "Argo Rollouts takes only the pod template of a workloadRef Deployment \
                    (rollout/templateref.go `Resolve`)";
    for key in [
        "replicas",
        "strategy",
        "minReadySeconds",
        "progressDeadlineSeconds",
        "revisionHistoryLimit",
        "paused",
    ] {
        let Some(v) = dspec.get(key) else { continue };
        if key == "replicas" && v.value.as_u64() == Some(0) {
            d.read(&v); // scaled to zero for the migration: no pods of its own
            continue;
        }
        if server_defaults::deployment_default(key, v.value) {
            d.read(&v); // what the API server wrote when it was absent: nothing the user set
            continue;
        }
        let ty = DEPLOYMENT.root.at_path(&format!("spec.{key}"));
        d.known_names(&v, DEPLOYMENT.at(ty));
        let why = if key == "replicas" {
            format!(
                "{not_read}: the Deployment's own pods, which run until workloadRef.scaleDown \
                 scales them down, are not simulated; the scenario runs the Rollout's \
                 spec.replicas"
            )
        } else {
            format!("{not_read}: the Rollout's own spec.{key} (or its default) governs")
        };
        d.unsupported(&v, &why);
    }
}

/// Why a `workloadRef` of kind `k` (not a Deployment) is refused. Argo Rollouts resolves
/// the pod template of a `PodTemplate` (core), a `Deployment` or a `ReplicaSet` (`apps`)
/// and refuses any other kind (`rollout/templateref.go`, `infoByGroupKind` and
/// `Resolve`: "workload of type … is not supported"); the import reads a Deployment's
/// only.
fn workload_kind(k: &Src) -> String {
    let kind = k.str().map_or_else(|| compact(k.value), str::to_string);
    let upstream = "Argo Rollouts takes the pod template of a Deployment or a ReplicaSet \
                    (apps) or of a PodTemplate (v1)";
    if matches!(kind.as_str(), "ReplicaSet" | "PodTemplate") {
        format!(
            "workloadRef is a {kind}: {upstream}, and the import reads a Deployment's only: \
             point workloadRef at the Deployment, or write the template in the Rollout"
        )
    } else {
        format!("workloadRef is a {kind}, which Argo Rollouts does not support: {upstream}")
    }
}

/// A field copied as it is written; Argo's `…Seconds` fields and `previewReplicaCount`
/// are `int32` in its types (`pkg/apis/rollouts/v1alpha1/types.go`), so a string or a
/// fraction is refused at its manifest path, as the API server refuses it.
fn copy_field(to: &str, key: &str, v: &Src, d: &mut Draft) {
    if key.ends_with("Seconds") || key == "previewReplicaCount" {
        d.map_integer(to, v);
    } else {
        d.map(to, v);
    }
}

fn canary_strategy(s: &Src, to: &str, ctx: &Context, d: &mut Draft) {
    for key in CANARY_COPIED {
        if let Some(v) = s.get(key) {
            copy_field(&format!("{to}.{key}"), key, &v, d);
        }
    }
    services(s, to, &["canaryService", "stableService"], d);
    let tr = s.get("trafficRouting");
    let routers = Routers::of(tr.as_ref());
    if let Some(tr) = &tr {
        routing(tr, &format!("{to}.trafficRouting"), &routers, d);
    }
    if let Some(v) = s.get("minPodsPerReplicaSet") {
        if tr.is_some() {
            d.map(&format!("{to}.minPodsPerReplicaSet"), &v);
        } else {
            d.unsupported(
                &v,
                "has an effect only with `trafficRouting` (argo-rollouts \
                 CheckMinPodsPerReplicaSet ignores it without a router)",
            );
        }
    }
    if let Some(v) = s.get("replicaProgressThreshold") {
        // `ReplicaProgressThresholdMet` reads a negative value as no threshold.
        let negative = v
            .get("value")
            .is_some_and(|n| n.value.as_f64().is_some_and(|f| f < 0.0));
        if negative {
            d.unsupported(
                &v,
                "a negative `value` is read as no threshold (argo-rollouts \
                 ReplicaProgressThresholdMet): every pod a step wants must be available",
            );
        } else {
            d.copy_tree(&format!("{to}.replicaProgressThreshold"), &v);
        }
    }
    let mut kept: Vec<usize> = Vec::new();
    if let Some(list) = s.get("steps") {
        if !list.value.is_array() {
            d.error(&list, "expected a list of steps");
        }
        if list.items().is_empty() {
            d.read(&list);
        }
        // Each step's fields are read one by one: what is left of them is reported, or
        // refused when `CanaryStep` has no such field.
        let mut steps = Vec::new();
        for (i, item) in list.items().into_iter().enumerate() {
            let at = format!("{to}.steps.{}", steps.len());
            if let Some(step) = step(&item, &at, &routers, ctx, d) {
                d.trace(&at, &item);
                steps.push(step);
                kept.push(i);
            }
        }
        d.put(&format!("{to}.steps"), Value::Array(steps));
    }
    if let Some(a) = s.get("analysis") {
        let at = format!("{to}.analysis");
        if let Some(Value::Object(metrics)) = argo_analysis::analysis(&a, &at, ctx, d) {
            let mut block = Map::new();
            if let Some(st) = a.get("startingStep") {
                // Steps left out shift the indices: start at the first kept step at or
                // after the manifest's starting step.
                let old = st.value.as_u64().unwrap_or(0) as usize;
                let new = kept.iter().filter(|&&k| k < old).count();
                if new != old && st.value.as_u64().is_some() {
                    d.comment(
                        &at,
                        &format!("startingStep {old} in the manifest; steps left out shift it"),
                    );
                }
                let value = if st.value.is_u64() {
                    json!(new)
                } else {
                    st.value.clone()
                };
                d.read(&st);
                d.trace(&format!("{at}.startingStep"), &st);
                block.insert("startingStep".into(), value);
            }
            block.extend(metrics);
            d.put(&at, Value::Object(block));
        }
    }
    argo_dry_run::across_steps(s, ctx, d);
}

/// One canary step (`routers`: the Rollout's, which route steps need), or `None` when it
/// is left out (reported) or invalid (an error).
fn step(item: &Src, to: &str, routers: &Routers, ctx: &Context, d: &mut Draft) -> Option<Value> {
    let kinds = CANARY_STEP.names().join(", ");
    let entries = item.entries();
    if entries.is_empty() {
        d.error(item, format!("expected a step: one of {kinds}"));
        return None;
    }
    let mut out = Map::new();
    for (kind, v) in entries {
        match kind {
            "setWeight" | "pause" | "setCanaryScale" => {
                d.read(&v);
                d.trace(&format!("{to}.{kind}"), &v);
                out.insert(kind.to_string(), v.value.clone());
            }
            "analysis" => {
                let at = format!("{to}.analysis");
                if let Some(a) = argo_analysis::analysis(&v, &at, ctx, d) {
                    out.insert(kind.to_string(), a);
                }
            }
            "setHeaderRoute" | "setMirrorRoute" => {
                let at = format!("{to}.{kind}");
                if let Some(route) = argo_routes::route_step(kind, &v, &at, routers, d) {
                    out.insert(kind.to_string(), route);
                }
            }
            "experiment" => {
                let at = format!("{to}.experiment");
                if let Some(e) = argo_experiment::step(&v, &at, ctx, d) {
                    out.insert(kind.to_string(), e);
                }
            }
            "plugin" => d.unsupported(
                &v,
                "step plugins are not simulated: the step is left out, so the rollout goes on \
                 at once where it would wait for them",
            ),
            other => {
                // The kinds are listed already: only a close one is added.
                let hint = suggest::closest(other, &CANARY_STEP.names())
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                d.error(
                    &v,
                    format!(
                        "unknown canary step `{other}`: Argo Rollouts steps are {kinds}{hint} {}",
                        ROLLOUT.refusal()
                    ),
                );
            }
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// `trafficRouting`: whatever the router, the scenario's weighted router, with the
/// managed routes where the `routers` route steps as simulated.
fn routing(tr: &Src, to: &str, routers: &Routers, d: &mut Draft) {
    if !tr.value.is_object() {
        return d.error(
            tr,
            "expected a map naming the router (`istio: {…}`, `nginx: {…}`, …)",
        );
    }
    d.section(to, tr);
    for (key, v) in tr.entries() {
        if ROUTERS.contains(&key) {
            d.read(&v);
            d.comment(
                to,
                &format!(
                    "{key} {}:\nthe router sets the canary's exact weight; which one changes \
                     nothing simulated\nbut the route steps it takes",
                    compact(v.value)
                ),
            );
        } else if key == "managedRoutes" {
            argo_routes::managed_routes(&v, &format!("{to}.managedRoutes"), routers, d);
        } else if key == "maxTrafficWeight" {
            if v.value.as_u64() == Some(100) {
                d.read(&v);
            } else {
                d.error(
                    &v,
                    "the scenario's weights are percentages (maxTrafficWeight 100); rewrite \
                     the setWeight steps as percentages and remove maxTrafficWeight",
                );
            }
        }
    }
}

/// Service names, shown in a comment above `to`.
fn services(s: &Src, to: &str, keys: &[&str], d: &mut Draft) {
    let named: Vec<String> = keys
        .iter()
        .filter_map(|k| s.get(k).map(|v| (k, v)))
        .map(|(k, v)| {
            d.read(&v);
            format!("{k} {}", compact(v.value))
        })
        .collect();
    if !named.is_empty() {
        d.comment(
            to,
            &format!(
                "{}:\nService names; the simulated traffic reaches the pods directly.",
                named.join(", ")
            ),
        );
    }
}

fn blue_green_strategy(s: &Src, to: &str, ctx: &Context, d: &mut Draft) {
    for key in BLUE_GREEN_COPIED {
        if let Some(v) = s.get(key) {
            copy_field(&format!("{to}.{key}"), key, &v, d);
        }
    }
    services(s, to, &["activeService", "previewService"], d);
    if let Some(m) = s.get("maxUnavailable") {
        d.unsupported(
            &m,
            "a blue-green update scales the preview to its full size at once; maxUnavailable \
             only paces restarts",
        );
    }
    for key in ["prePromotionAnalysis", "postPromotionAnalysis"] {
        if let Some(a) = s.get(key) {
            let at = format!("{to}.{key}");
            if let Some(block) = argo_analysis::analysis(&a, &at, ctx, d) {
                if key == "prePromotionAnalysis" && reads_requests(&block) {
                    d.assume(
                        &format!("{to}.previewTraffic"),
                        json!({"share": PREVIEW_SHARE}),
                        "DEFAULT preview traffic, not in the manifest: the pre-promotion analysis\n\
                         measures the preview's requests, which come from testers or a header route\n\
                         to the preview Service; set the share of requests it really receives.",
                    );
                }
                d.put(&at, block);
            }
        }
    }
}

/// The share of the requests the preview Service is assumed to receive when a
/// pre-promotion analysis measures them (a manifest does not say: testers or a header
/// route send them).
const PREVIEW_SHARE: f64 = 0.05;

/// Whether an imported analysis block measures requests (anything but `ready_ratio`), so
/// that the preview must receive some for its measurements to have a value.
fn reads_requests(block: &Value) -> bool {
    block["metrics"].as_array().is_some_and(|metrics| {
        metrics
            .iter()
            .any(|m| m["provider"]["rollout-sim"]["metric"] != json!("ready_ratio"))
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{Library, Options};
    use super::*;

    /// The draft of the Rollout in `docs` (the first document), with the others as the
    /// files' library.
    pub(in crate::scenario::import) fn draft(docs: &[Value]) -> Draft {
        let mut lib = Library::default();
        for doc in docs {
            lib.add(doc, "m.yaml");
        }
        let opts = Options::default();
        let ctx = Context {
            lib: &lib,
            opts: &opts,
            file: "m.yaml",
            namespace: "default",
        };
        let mut d = Draft::default();
        rollout(&Src::root(&docs[0]), "web", &ctx, &mut d);
        d
    }

    #[test]
    fn blue_green_pre_and_post_promotion_analyses_keep_argos_names() {
        let template = |name: &str, query: &str| {
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate",
                   "metadata": {"name": name},
                   "spec": {"metrics": [{"name": name, "interval": "30s", "count": 3,
                                         "successCondition": "result[0] < 0.01",
                                         "provider": {"prometheus": {"query": query}}}]}})
        };
        let errors = r#"sum(rate(req{code=~"5.."}[30s])) / sum(rate(req[30s]))"#;
        let ok = r#"sum(rate(req{code!~"5.."}[1m])) / sum(rate(req[1m]))"#;
        let rollout = json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
            "spec": {"replicas": 2,
                     "template": {"spec": {"containers": [{"image": "web:1"}]}},
                     "strategy": {"blueGreen": {
                         "activeService": "web", "autoPromotionSeconds": 10,
                         "prePromotionAnalysis": {"templates": [{"templateName": "pre"}]},
                         "postPromotionAnalysis": {"templates": [{"templateName": "post"}]}}}}});
        let d = draft(&[rollout, template("pre", errors), template("post", ok)]);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let bg = d.get("strategy.blueGreen").unwrap();
        assert_eq!(bg["autoPromotionSeconds"], json!(10));
        assert_eq!(
            bg["prePromotionAnalysis"],
            json!({"metrics": [{"name": "pre", "interval": "30s", "count": 3,
                                "successCondition": "result[0] < 0.01",
                                "provider": {"rollout-sim": {"metric": "error_rate",
                                                             "of": "canary", "window": "30s"}}}]})
        );
        assert_eq!(
            bg["postPromotionAnalysis"]["metrics"][0]["provider"]["rollout-sim"]["metric"],
            json!("success_rate")
        );
        // The preview must receive requests for the pre-promotion error rate to have a
        // value: a marked default share.
        assert_eq!(bg["previewTraffic"], json!({"share": 0.05}));
        assert!(
            d.comments_at("strategy.blueGreen.previewTraffic")
                .any(|c| c.starts_with("DEFAULT preview traffic"))
        );
        // Its manifest paths, for the converter's messages.
        assert_eq!(
            d.origin("strategy.blueGreen.prePromotionAnalysis.metrics.0.count")
                .as_deref(),
            Some("AnalysisTemplate pre.spec.metrics.0.count")
        );
        // Rendered under the same names, with the mapping to check.
        let text = super::super::render::render(&d, &[], "");
        assert!(
            text.contains("    prePromotionAnalysis:\n      metrics:\n")
                && text.contains("CHECK THIS MAPPING"),
            "{text}"
        );
    }
}
