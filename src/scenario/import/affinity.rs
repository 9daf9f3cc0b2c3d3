//! A pod template's `affinity` → `service.affinity`: its required node affinity is the
//! scenario's own field; the rest are real Kubernetes fields the simulator does not model,
//! each left out and reported, or refused where leaving it out would change where the
//! workload's own pods go.
//!
//! Upstream (kubernetes/kubernetes v1.30, `pkg/scheduler/framework/plugins/nodeaffinity`
//! and `interpodaffinity`; `k8s.io/api/core/v1` `Affinity`):
//!
//! - `nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution` is a filter: copied.
//! - every `preferredDuringSchedulingIgnoredDuringExecution` (node, pod or anti) only adds
//!   to a node's score, never keeps a pod off a node: the pods go where the filters allow
//!   either way, and the simulator ranks nodes by its own rule (docs/placement.md). Left
//!   out and reported.
//! - a required `podAffinity` / `podAntiAffinity` term is a filter over the pods it
//!   counts ([`super::affinity_term`]: its `labelSelector` in its namespaces). One that
//!   counts the workload's own pods constrains them, which decides the rollout's
//!   placement. An anti-affinity keeps them one to a topology domain, old and new alike,
//!   terminating ones included: that is the scenario's `service.affinity.podAntiAffinity`
//!   term, its `topologyKey` copied (its selector is implicitly the service's pods,
//!   docs/placement.md). It is refused where the simulator would count other pods than
//!   upstream: under Flagger, whose primary selects its own pods by another label value,
//!   and with a `matchLabelKeys` / `mismatchLabelKeys` label of the pods' revision. An
//!   affinity puts them all in the first one's domain, which is not modelled: refused,
//!   saying what to write instead. A term that counts only other workloads' pods (its
//!   selector matches none of the template's labels, its namespaces leave the workload's
//!   out) is left out and reported, as a topology spread constraint of other workloads is
//!   ([`super::spread`]). A pod affinity term with no selector matches no pod, not even
//!   the pod's own, so upstream no pod of the workload can be placed: refused.

use super::affinity_term::{Counts, counts};
use super::draft::{Draft, Src};
use super::pod::Workload;
use super::render::compact;
use serde_json::{Value, json};

/// The scenario field the affinity goes to.
const TO: &str = "service.affinity";

/// The one field of a node or pod affinity that is a filter.
const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";

/// The field that only scores nodes.
const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";

/// Why a preference is left out.
const SCORE_ONLY: &str = "a preference only adds to a node's score, never keeps a pod off a \
     node (the scheduler's Score phase, not its Filter): the pods may go to any node the other \
     rules allow, and the simulator ranks nodes by its own rule (docs/placement.md), so it is \
     left out";

/// Maps the manifest's `affinity` (of a pod template whose labels are `labels`, of the
/// workload `of`) into `d`. Keys no `Affinity` has are left unread, for [`Draft::finish`]
/// to refuse as misspelt.
pub fn affinity(a: &Src, labels: Option<&Src>, of: Workload, d: &mut Draft) {
    if !a.value.is_object() {
        // The scenario's parser says what is wrong, at the manifest's path.
        return d.copy_tree(TO, a);
    }
    if a.entries().is_empty() {
        d.read(a);
    }
    if let Some(node) = a.get("nodeAffinity") {
        node_affinity(&node, d);
    }
    for (key, anti) in [("podAffinity", false), ("podAntiAffinity", true)] {
        if let Some(pod) = a.get(key) {
            pod_affinity(&pod, anti, labels, of, d);
        }
    }
}

fn node_affinity(node: &Src, d: &mut Draft) {
    let to = format!("{TO}.nodeAffinity");
    if !node.value.is_object() || node.entries().is_empty() {
        return d.copy_tree(&to, node);
    }
    if let Some(required) = node.get(REQUIRED) {
        d.copy_tree(&format!("{to}.{REQUIRED}"), &required);
    }
    if let Some(preferred) = node.get(PREFERRED) {
        d.unsupported(&preferred, SCORE_ONLY);
    }
}

fn pod_affinity(pod: &Src, anti: bool, labels: Option<&Src>, of: Workload, d: &mut Draft) {
    if !pod.value.is_object() {
        return d.error(
            pod,
            format!("expected a map with `{REQUIRED}` and `{PREFERRED}`"),
        );
    }
    if pod.entries().is_empty() {
        d.read(pod);
    }
    if let Some(preferred) = pod.get(PREFERRED) {
        d.unsupported(&preferred, SCORE_ONLY);
    }
    let Some(required) = pod.get(REQUIRED) else {
        return;
    };
    if !required.value.is_array() {
        return d.error(&required, "expected a list of pod affinity terms");
    }
    let terms = required.items();
    if terms.is_empty() {
        d.read(&required);
    }
    let to = format!("{TO}.podAntiAffinity.{REQUIRED}");
    let mut kept: Vec<Value> = Vec::new();
    for term in terms {
        if !term.value.is_object() {
            d.error(
                &term,
                "expected a pod affinity term (`labelSelector`, `topologyKey`, …)",
            );
            continue;
        }
        let key = term
            .get("topologyKey")
            .and_then(|k| k.str())
            .unwrap_or("its topologyKey")
            .to_string();
        let refuse = |d: &mut Draft, at: &Src, message: String| {
            // The term is told as refused, not also as left out field by field.
            d.read(&term);
            d.error(at, message);
        };
        match counts(&term, labels, of) {
            Err((at, message)) => refuse(d, &at, message),
            Ok(Counts::Others(why)) => d.unsupported(&term, &other_pods(&why, anti, &key)),
            Ok(Counts::Nothing) if anti => d.unsupported(
                &term,
                "it has no `labelSelector`, which matches no pod \
                 (`LabelSelectorAsSelector(nil)`): upstream it keeps no pod off any node, so \
                 it is left out",
            ),
            Ok(Counts::Nothing) => refuse(
                d,
                &term,
                "a required pod affinity term with no `labelSelector` matches no pod \
                 (`LabelSelectorAsSelector(nil)`), not even the workload's own, so upstream \
                 none of its pods can be scheduled: give the term a `labelSelector`"
                    .into(),
            ),
            Ok(Counts::Own { also, by_revision }) => match (anti, of.flagger, by_revision) {
                (false, _, _) => refuse(d, &term, together(&key)),
                (true, Some(canary), _) => refuse(d, &term, flagger(canary)),
                (true, None, Some((item, field))) => {
                    let message = revision_keys(&item, field, of.controller);
                    refuse(d, &item, message);
                }
                (true, None, None) => {
                    let at = format!("{to}.{}", kept.len());
                    kept.push(own_term(&term, also, &at, d));
                }
            },
        }
    }
    if !kept.is_empty() {
        d.trace(&format!("{TO}.podAntiAffinity"), pod);
        d.trace(&to, &required);
        d.put(&to, Value::Array(kept));
    }
}

/// The scenario's term (at `at`) for the manifest's `term`, which keeps the workload's own
/// pods apart: its `topologyKey`, as written, for the scenario's parser to check; the
/// fields that chose the pods read, and said in a comment, with whom else it counts
/// (`also`), whose pods are not simulated.
fn own_term(term: &Src, also: Option<String>, at: &str, d: &mut Draft) -> Value {
    d.trace(at, term);
    for field in [
        "labelSelector",
        "namespaces",
        "namespaceSelector",
        "matchLabelKeys",
        "mismatchLabelKeys",
    ] {
        if let Some(v) = term.get(field) {
            d.read(&v);
        }
    }
    let selector = term.get("labelSelector").map(|s| compact(s.value));
    let mut note = format!(
        "{}: its labelSelector, {},\nselects every pod of the workload, old and new alike.",
        term.path,
        selector.unwrap_or_default()
    );
    if let Some(also) = also {
        note.push_str(&format!(
            "\nIt also counts the pods of {also}: other workloads', which are not simulated."
        ));
    }
    d.comment(at, &note);
    match term.get("topologyKey") {
        Some(key) => {
            d.read(&key);
            json!({ "topologyKey": key.value })
        }
        // The scenario's parser says it is required, at the term's path.
        None => json!({}),
    }
}

/// Why a required pod affinity term that counts the workload's own pods is refused, and
/// what to do.
fn together(key: &str) -> String {
    format!(
        "a required pod affinity whose `labelSelector` matches the pod template's own \
         labels puts every pod of the workload in the `{key}` domain of the first one \
         placed (InterPodAffinity's Filter). The simulator does not model it, and leaving \
         it out would spread the pods over every node. Keep them to one domain with a \
         `nodeSelector` (`{key}: VALUE`) and nodes that carry the label (`--set \
         'cluster.nodes=[…]'`); or remove it to simulate the pods without it"
    )
}

/// Why a required pod anti-affinity over the pods of the target of the Flagger Canary
/// `canary` is refused.
fn flagger(canary: &str) -> String {
    format!(
        "a required pod anti-affinity over the workload's own pods is not simulated with \
         {canary}: Flagger runs them in two Deployments and rewrites the primary's copy of \
         the term to select the primary's pods (`appendPrimarySuffixToValuesIfNeeded`, \
         fluxcd/flagger v1.44.0 `pkg/canary/deployment_controller.go`), so the primary's \
         pods and the canary's each keep apart only from their own, where the simulator's \
         term counts every pod of the service alike; remove the term to simulate the pods \
         without it"
    )
}

/// Why an own-pods anti-affinity whose `field` (`matchLabelKeys` or `mismatchLabelKeys`)
/// item `item` names a label of the pods' revision (or of each pod) is refused;
/// `controller` is the kind whose controller gives it.
fn revision_keys(item: &Src, field: &str, controller: &str) -> String {
    let key = item.str().unwrap_or_default();
    let (which, counted) = if field == "matchLabelKeys" {
        ("in", "the same as the incoming pod's")
    } else {
        ("notin", "another than the incoming pod's")
    };
    format!(
        "`{key}` is a label the {controller}'s pods get from their controller, its value \
         their revision's (or their own), so `{field}` narrows the term to the pods whose \
         `{key}` is {counted} (`{key} {which} (…)`), not every pod of the workload: the \
         simulator does not tell the revisions apart, and its term counts every pod of the \
         service. Remove `{field}` to simulate that stricter rule, or remove the term to \
         simulate the pods without it"
    )
}

/// Why a required term that counts only other workloads' pods (`why`) is left out.
fn other_pods(why: &str, anti: bool, key: &str) -> String {
    let upstream = if anti {
        "keeps the pods out of"
    } else {
        "lets the pods go only to"
    };
    format!(
        "{why}: upstream it counts only other workloads' pods, which are not simulated, so \
         it is left out (upstream it {upstream} the `{key}` domains where those pods run: \
         add a nodeSelector if that rules out some nodes)"
    )
}
