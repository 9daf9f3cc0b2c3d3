//! The `PodDisruptionBudget` (`policy/v1`) of an imported workload →
//! `service.podDisruptionBudget`.
//!
//! No workload names its budget: a budget selects pods by its `spec.selector`, in its own
//! namespace. So every `policy/v1` budget of the files given in the workload's namespace
//! ([`super::library`]) is decided against the labels of the workload's pods, as the API
//! server decides it (kubernetes/kubernetes `pkg/registry/core/pod/storage/eviction.go`,
//! `getPodDisruptionBudgets`: the budgets of the pod's namespace whose selector,
//! `metav1.LabelSelectorAsSelector`, matches the pod's labels; the disruption controller's
//! `pkg/controller/disruption/disruption.go`, `getPodsForPdb`, lists the pods the same
//! way):
//!
//! - `matchLabels` and `matchExpressions`, with [`super::selector::selects_own_pods`];
//! - an empty selector (`{}`) selects every pod of the namespace (policy/v1: "An empty
//!   selector selects all pods", the `selector` field's API doc; the Eviction API has
//!   honoured it since kubernetes/kubernetes#119732, Kubernetes 1.29, cherry-picked to
//!   1.27 and 1.28; client-go `listers/policy/v1`, `GetPodPodDisruptionBudgets`: "Unlike
//!   the v1beta version, here we let an empty selector match everything");
//! - no selector, or `null`, selects no pod (`LabelSelectorAsSelector(nil)` is
//!   `labels.Nothing()`).
//!
//! The pods' labels are the pod template's: a Deployment's, a StatefulSet's, an Argo
//! Rollout's (or its `workloadRef` Deployment's). Under Flagger there are two sets
//! ([`Pods::Flagger`]): the target's pods (the canary) carry the template's labels, and
//! the primary's carry them with the selector label's value rewritten (fluxcd/flagger
//! v1.44.0 `pkg/canary/deployment_controller.go`, `createPrimaryDeployment` and
//! `getSelectorLabel`: the first of Flagger's `-selector-labels`, by default `app`,
//! `name`, `app.kubernetes.io/name`, found in the target's `spec.selector.matchLabels`;
//! `util.go`, `makePrimaryLabels`: its value becomes `<value>-primary`).
//!
//! One budget selecting the pods is copied: `minAvailable`, `maxUnavailable`,
//! `unhealthyPodEvictionPolicy` as written, checked by the scenario's parser with the API
//! server's rules (`pkg/apis/policy/validation/validation.go`,
//! `ValidatePodDisruptionBudgetSpec`) and its problems told at the budget's paths; under
//! Flagger `selects: primary` or `selects: canary` says which Deployment's pods it
//! selects. Two or more are refused: the Eviction API answers a pod more than one budget
//! selects with HTTP 500, "This pod has more than one PodDisruptionBudget, which the
//! eviction subresource does not support." (`EvictionREST.Create`), and `kubectl drain`
//! does not retry it. A DaemonSet reads none: its drains are `kubectl drain
//! --ignore-daemonsets`, which asks no budget. What becomes of each budget document is
//! said on the line that lists it as skipped ([`note`]).

use super::api_fields::POD_DISRUPTION_BUDGET;
use super::context::Context;
use super::draft::{Draft, Src};
use super::library::{Library, Namespace, Object};
use super::reference::{self, APPS_V1};
use super::render::compact;
use super::selector::{CONTROLLER_LABELS, selects_own_pods};
use serde_json::{Map, Value, json};

/// The only PodDisruptionBudget apiVersion read (`policy/v1beta1` was last served by
/// Kubernetes 1.24, and its empty selector selected no pod).
pub const POLICY_V1: &str = "policy/v1";

/// Where the budget goes.
const TO: &str = "service.podDisruptionBudget";

/// Flagger's default `-selector-labels` (fluxcd/flagger v1.44.0 `cmd/flagger/main.go`),
/// the labels `getSelectorLabel` looks for in the target's `spec.selector.matchLabels`.
const FLAGGER_SELECTOR_LABELS: [&str; 3] = ["app", "name", "app.kubernetes.io/name"];

/// The labels of an imported workload's pods.
#[derive(Debug, Clone)]
pub enum Pods {
    /// Every pod carries these (a Deployment's, a StatefulSet's, a Rollout's).
    Every(Value),
    /// Flagger's two Deployments: the target's pods (the canary) and the primary's, or why
    /// Flagger can make no primary of the target.
    Flagger {
        /// The target's pod labels.
        canary: Value,
        /// The primary's pod labels, and its selector label (`app: web-primary`).
        primary: Result<(Value, String), String>,
    },
    /// A DaemonSet's: no budget is simulated for it.
    DaemonSet(Value),
}

/// Which of a workload's pods a budget selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selects {
    /// None of them.
    No,
    /// Every pod (a Deployment, a StatefulSet, a Rollout).
    Every,
    /// Flagger's primary's pods only.
    Primary,
    /// Flagger's target's pods (the canary) only.
    Canary,
    /// Both of Flagger's Deployments' pods.
    Both,
    /// A DaemonSet's pods.
    DaemonSet,
}

/// The labels of the pods of the workload `doc` (of any kind; `None` for a kind that is
/// no workload), the Deployment a Rollout's `workloadRef` or a Canary's `targetRef` names
/// looked up in `lib`, in `doc`'s namespace.
pub fn pods_of(doc: &Value, lib: &Library) -> Option<Pods> {
    let referred = |pointer: &str| {
        let (name, ns) = reference::names_deployment(doc, pointer)?;
        let found = lib.find_object("Deployment", APPS_V1, name, Namespace::In(ns));
        found.ok().flatten().map(|o| o.doc)
    };
    match doc.get("kind")?.as_str()? {
        "Deployment" | "StatefulSet" => Some(Pods::Every(template_labels(Some(doc)))),
        "DaemonSet" => Some(Pods::DaemonSet(template_labels(Some(doc)))),
        "Rollout" => {
            let template = match doc.pointer("/spec/workloadRef") {
                Some(r) if !r.is_null() => referred("/spec/workloadRef"),
                _ => Some(doc),
            };
            Some(Pods::Every(template_labels(template)))
        }
        "Canary" => {
            let target = referred("/spec/targetRef");
            let canary = template_labels(target);
            let primary = primary_labels(target, &canary);
            Some(Pods::Flagger { canary, primary })
        }
        _ => None,
    }
}

/// The string labels of `doc`'s pod template (a label of another type is the
/// workload's own problem, and matches no selector value).
fn template_labels(doc: Option<&Value>) -> Value {
    let labels = doc
        .and_then(|d| d.pointer("/spec/template/metadata/labels"))
        .and_then(Value::as_object);
    let strings: Map<String, Value> = labels
        .into_iter()
        .flatten()
        .filter(|(_, v)| v.is_string())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(strings)
}

/// The primary's pod labels Flagger makes from the target's (`makePrimaryLabels`), with
/// its selector label shown (`app: web-primary`); `Err` with why when the target's
/// `spec.selector.matchLabels` has none of [`FLAGGER_SELECTOR_LABELS`], where Flagger
/// makes no primary (`getSelectorLabel` fails).
fn primary_labels(target: Option<&Value>, canary: &Value) -> Result<(Value, String), String> {
    let match_labels = target.and_then(|t| t.pointer("/spec/selector/matchLabels"));
    let found = FLAGGER_SELECTOR_LABELS.iter().find_map(|&l| {
        let v = match_labels?.get(l)?.as_str()?;
        Some((l, v))
    });
    let Some((label, value)) = found else {
        return Err(format!(
            "Flagger makes no primary of a target whose spec.selector.matchLabels has none of \
             {} (its default -selector-labels; getSelectorLabel fails)",
            FLAGGER_SELECTOR_LABELS.join(", ")
        ));
    };
    let mut labels = canary.clone();
    let primary = format!("{value}-primary");
    labels[label] = json!(primary);
    Ok((labels, format!("{label}: {primary}")))
}

/// Which of `pods` the budget `pdb` (its root) selects, or where and why its selector is
/// refused: as the API server refuses it (`ValidateLabelSelector`), or, selecting the
/// pods by a label their controller gives them ([`CONTROLLER_LABELS`]), as the simulator
/// cannot follow.
pub fn selects<'a>(pdb: &Src<'a>, pods: &Pods) -> Result<Selects, (Src<'a>, String)> {
    let Some(selector) = pdb.get("spec").and_then(|s| s.get("selector")) else {
        return Ok(Selects::No);
    };
    // A malformed selector first, at its own path.
    selects_own_pods(&selector, None)?;
    let (general, by_controller) = without_controller_labels(&selector);
    let general_src = Src {
        value: &general,
        path: selector.path.clone(),
    };
    let matches =
        |labels: &Value| selects_own_pods(&general_src, Some(&Src::root(labels))).unwrap_or(false);
    let found = match pods {
        Pods::Every(labels) if matches(labels) => Selects::Every,
        Pods::DaemonSet(labels) if matches(labels) => Selects::DaemonSet,
        Pods::Every(_) | Pods::DaemonSet(_) => Selects::No,
        Pods::Flagger { canary, primary } => {
            let primary = primary.as_ref().ok();
            match (matches(canary), primary.is_some_and(|(p, _)| matches(p))) {
                (true, true) => Selects::Both,
                (false, true) => Selects::Primary,
                (true, false) => Selects::Canary,
                (false, false) => Selects::No,
            }
        }
    };
    match by_controller {
        Some(key) if found != Selects::No => Err((
            key.clone(),
            format!(
                "selects by `{}`, a label the controller gives the pods with a value of their \
                 own a revision or a pod: the budget would select some of the workload's \
                 pods, and the simulated budget selects all of them; select by the pod \
                 template's labels",
                key.path.rsplit('.').next().unwrap_or_default()
            ),
        )),
        _ => Ok(found),
    }
}

/// The selector without its terms on [`CONTROLLER_LABELS`], and the first such term.
fn without_controller_labels<'a>(selector: &Src<'a>) -> (Value, Option<Src<'a>>) {
    let mut general = selector.value.clone();
    let mut first = None;
    if let Some(labels) = selector.get("matchLabels") {
        for (key, v) in labels.entries() {
            if CONTROLLER_LABELS.contains(&key) {
                first = first.or(Some(v));
                if let Some(m) = general["matchLabels"].as_object_mut() {
                    m.remove(key);
                }
            }
        }
    }
    if let Some(list) = selector.get("matchExpressions") {
        for e in list.items() {
            if let Some(k) = e
                .get("key")
                .filter(|k| k.str().is_some_and(|k| CONTROLLER_LABELS.contains(&k)))
            {
                first = first.or(Some(k));
            }
        }
        if let Some(items) = general["matchExpressions"].as_array_mut() {
            items.retain(|e| {
                !e.get("key")
                    .and_then(Value::as_str)
                    .is_some_and(|k| CONTROLLER_LABELS.contains(&k))
            });
        }
    }
    (general, first)
}

/// Reads the budget of the workload `doc` (`what`: `Deployment web`) into `d`: the one
/// `policy/v1` budget of its namespace in the files given that selects its pods, copied
/// to `service.podDisruptionBudget`; several are refused, naming each. A DaemonSet reads
/// none (its budget is not simulated: [`note`] tells the budget's document so).
pub fn read(doc: &Src, what: &str, ctx: &Context, d: &mut Draft) {
    let Some(pods) = pods_of(doc.value, ctx.lib) else {
        return;
    };
    if let Pods::DaemonSet(_) = pods {
        return;
    }
    // The workload's path that holds the labels a budget selects: where
    // [`super::TellOnce`] points to a budget's problems told with another workload.
    let at = Src {
        value: doc.value,
        path: match doc.value.get("kind").and_then(Value::as_str) {
            Some("Canary") => "spec.targetRef",
            Some("Rollout")
                if doc
                    .value
                    .pointer("/spec/workloadRef")
                    .is_some_and(|r| !r.is_null()) =>
            {
                "spec.workloadRef"
            }
            _ => "spec.template.metadata.labels",
        }
        .to_string(),
    };
    let mut selecting: Vec<(Src, Selects)> = Vec::new();
    for (api, found) in ctx.lib.all_of("PodDisruptionBudget", ctx.own_namespace()) {
        if api != POLICY_V1 {
            continue;
        }
        let Ok(s) = selects(&Src::root(found.doc), &pods) else {
            // Told at the budget's own paths, under its root.
            let root = budget_root(found, &at, ctx, d);
            if let Err((where_, why)) = selects(&root, &pods) {
                d.error(&where_, why);
            }
            continue;
        };
        if s != Selects::No {
            selecting.push((budget_root(found, &at, ctx, d), s));
        }
    }
    match selecting.as_slice() {
        [] => {}
        [(root, s)] => copy(root, *s, &pods, what, d),
        [_, rest @ ..] => {
            let names = |of: &[&Src]| {
                let mut names: Vec<&str> = of.iter().map(|r| r.path.as_str()).collect();
                let last = names.pop().unwrap_or_default();
                let all = if names.len() == 1 { "both" } else { "all" };
                (format!("{} and {last}", names.join(", ")), all)
            };
            let selector = rest[0].0.get("spec").and_then(|s| s.get("selector"));
            let at = selector.as_ref().unwrap_or(&rest[0].0);
            // Under Flagger, one budget over the primary's pods and one over the
            // canary's select no pod twice: upstream each answers for its own pods.
            let of_one = |one: Selects| -> Vec<&Src> {
                selecting
                    .iter()
                    .filter(|(_, s)| *s == one || *s == Selects::Both || *s == Selects::Every)
                    .map(|(r, _)| r)
                    .collect()
            };
            let twice = [of_one(Selects::Primary), of_one(Selects::Canary)]
                .into_iter()
                .find(|on| on.len() > 1);
            let message = match twice {
                Some(on) => {
                    let (names, all) = names(&on);
                    format!(
                        "{names} {all} select the pods of {what}: the Eviction API refuses to \
                         evict a pod more than one budget selects (HTTP 500, \"This pod has \
                         more than one PodDisruptionBudget, which the eviction subresource \
                         does not support.\"), and `kubectl drain` does not retry it, so no \
                         drain could move these pods; keep one budget over them"
                    )
                }
                None => {
                    let all: Vec<&Src> = selecting.iter().map(|(r, _)| r).collect();
                    let (names, _) = names(&all);
                    format!(
                        "{names} select the pods of {what}, one the primary's and one the \
                         canary's: upstream each answers for its own pods, and the simulator \
                         runs one budget (`selects: primary` or `selects: canary`); import with \
                         one of them, leaving the other out of the files given"
                    )
                }
            };
            d.error(at, message);
        }
    }
}

/// The root of the budget `found`, its paths naming it (`PodDisruptionBudget web`, with
/// its file when it is in another than the workload's).
fn budget_root<'a>(found: Object<'a>, at: &Src, ctx: &Context, d: &mut Draft) -> Src<'a> {
    let name = found
        .doc
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    reference::root("PodDisruptionBudget", name, found, at, ctx, d)
}

/// Copies the one budget at `root`, which selects `s` of `pods`, to the scenario.
fn copy(root: &Src, s: Selects, pods: &Pods, what: &str, d: &mut Draft) {
    let Some(spec) = root.get("spec") else {
        return; // a budget without `spec` has no selector, and selects nothing
    };
    let Some(selector) = spec.get("selector") else {
        return;
    };
    d.read(&selector);
    let no_primary = String::new();
    let primary = match pods {
        Pods::Flagger { primary, .. } => primary.as_ref(),
        _ => Err(&no_primary),
    };
    let selects = match s {
        Selects::Primary => Some("primary"),
        Selects::Canary if primary.is_ok() => Some("canary"),
        Selects::Canary => {
            let why = primary.err().cloned().unwrap_or_default();
            return d.error(
                &selector,
                format!(
                    "selects the pods of the target of {what}, and {why}: which of Flagger's \
                     Deployments the budget selects is not known; add one of them to the \
                     target's spec.selector.matchLabels"
                ),
            );
        }
        Selects::Both => {
            let both = primary.map_or_else(
                |_| String::new(),
                |(_, label)| {
                    let target = label.trim_end_matches("-primary");
                    format!(" (`{label}`) and the canary's (`{target}`)")
                },
            );
            return d.error(
                &selector,
                format!(
                    "selects the pods of both of Flagger's Deployments for {what}, the \
                     primary's{both}: its selector names no label that tells them apart \
                     (`makePrimaryLabels` rewrites the selector label only), and the simulator runs a budget over one \
                     Deployment's pods, `selects: primary` or `selects: canary`; select by \
                     the selector label, or leave the budget's file out of the import to \
                     simulate without it"
                ),
            );
        }
        Selects::Every => None,
        Selects::No | Selects::DaemonSet => return,
    };
    d.read_identity(root);
    d.read_status(root);
    d.section(TO, &spec);
    for key in [
        "minAvailable",
        "maxUnavailable",
        "unhealthyPodEvictionPolicy",
    ] {
        if let Some(v) = spec.get(key) {
            d.map(&format!("{TO}.{key}"), &v);
        }
    }
    let whose = match selects {
        Some(which) => {
            d.derived(&format!("{TO}.selects"), json!(which), &selector);
            match (which, primary) {
                ("primary", Ok((_, label))) => format!("the primary's pods ({label})"),
                _ => "the target's pods (the canary)".to_string(),
            }
        }
        None => "every pod of the workload".to_string(),
    };
    d.comment(
        TO,
        &format!(
            "{}: its spec.selector, {},\nselects {whose}.",
            root.path,
            compact(selector.value)
        ),
    );
    d.finish(root, |_| false, POD_DISRUPTION_BUDGET);
}

/// Whether a `policy/v1` budget of `ctx`'s namespace other than `doc` selects some of
/// `pods` too: [`read`] then refuses them all.
fn other_budget_selects(doc: &Value, pods: &Pods, ctx: &Context) -> bool {
    (ctx.lib.all_of("PodDisruptionBudget", ctx.own_namespace()))
        .into_iter()
        .filter(|(api, other)| *api == POLICY_V1 && !std::ptr::eq(other.doc, doc))
        .any(|(_, other)| {
            matches!(
                selects(&Src::root(other.doc), pods),
                Ok(s) if s != Selects::No && s != Selects::DaemonSet
            )
        })
}

/// What the line listing the budget document `doc` (of apiVersion `api`, in `ctx`'s
/// namespace) as skipped adds: which workloads read it, or why none does. `read_there`
/// tells a Deployment a Rollout or a Canary reads (its pods are theirs).
pub fn note(doc: &Value, api: &str, ctx: &Context, read_there: impl Fn(&Value) -> bool) -> String {
    if api != POLICY_V1 {
        return format!(" (apiVersion {api}: only {POLICY_V1} is read)");
    }
    let ns = ctx.namespace;
    if let Some(picked) = ctx.opts.namespace.as_deref().filter(|p| *p != ns) {
        return format!(" (namespace {ns}: --namespace {picked} reads the budgets of {picked})");
    }
    // A misspelt key is told even where nothing reads the budget: the API server would
    // refuse it (strict field validation), and `selectr:` would read as no selector.
    let mut check = Draft::default();
    check.known_names(&Src::root(doc), POD_DISRUPTION_BUDGET);
    let misspelt: String = check
        .errors
        .iter()
        .map(|p| format!("; {}: {}", p.path, p.message))
        .collect();
    if doc.pointer("/spec/selector").is_none_or(Value::is_null) {
        return format!(" (no spec.selector: a budget without one selects no pod{misspelt})");
    }
    let mut read_by = Vec::new();
    let mut shared = Vec::new();
    let mut daemon_sets = Vec::new();
    let mut others = Vec::new();
    for kind in [
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Rollout",
        "Canary",
    ] {
        for (api, w) in ctx.lib.all_of(kind, ctx.own_namespace()) {
            if !super::importable(kind, api) || read_there(w.doc) {
                continue;
            }
            let Some(pods) = pods_of(w.doc, ctx.lib) else {
                continue;
            };
            let name = w.doc.pointer("/metadata/name").and_then(Value::as_str);
            let what = super::object(kind, name.unwrap_or_default());
            match selects(&Src::root(doc), &pods) {
                Ok(Selects::No) => others.push(match &pods {
                    Pods::Flagger {
                        primary: Ok((_, label)),
                        ..
                    } => format!("{what} (neither its primary's, `{label}`, nor its target's)"),
                    _ => what,
                }),
                Ok(Selects::DaemonSet) => daemon_sets.push(what),
                // Refused by [`read`] with every budget over them: none is read.
                Ok(_) if other_budget_selects(doc, &pods, ctx) => shared.push(what),
                Ok(_) | Err(_) => read_by.push(what),
            }
        }
    }
    let mut parts = Vec::new();
    if !shared.is_empty() {
        parts.push(format!(
            "not read: another budget selects pods of {} too, which the import refuses \
             (see the error)",
            shared.join(", ")
        ));
    }
    if !read_by.is_empty() {
        parts.push(format!(
            "read as the service.podDisruptionBudget of {}",
            read_by.join(", ")
        ));
    }
    if !daemon_sets.is_empty() {
        parts.push(format!(
            "selects the pods of {}, for which no budget is simulated: `kubectl drain \
             --ignore-daemonsets` leaves a DaemonSet's pods in place and asks no budget",
            daemon_sets.join(", ")
        ));
    }
    if parts.is_empty() {
        let of = if others.is_empty() {
            format!(
                "no Deployment, StatefulSet, Rollout or Canary of namespace {ns} is in the \
                 files given"
            )
        } else {
            format!("selects no pod of {} (namespace {ns})", others.join(", "))
        };
        parts.push(format!("not read: {of}"));
        if ctx.lib.compose_given {
            parts.push(
                "a compose service runs on Swarm, which has no PodDisruptionBudget".to_string(),
            );
        }
    }
    format!(" ({}{misspelt})", parts.join("; "))
}
