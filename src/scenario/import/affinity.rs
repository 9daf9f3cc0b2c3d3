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
//! - a required `podAffinity` / `podAntiAffinity` term is a filter over the pods its
//!   `labelSelector` matches ([`super::selector`]). One that matches the template's own
//!   labels constrains the workload's own pods (anti-affinity: at most one a topology
//!   domain; affinity: all in the first one's domain), which decides the rollout's
//!   placement: refused, saying what the simulator models instead. One that matches none
//!   of them counts only other workloads' pods, which are not simulated: left out and
//!   reported, as a topology spread constraint of other workloads is ([`super::spread`]).
//!   A pod affinity term with no selector matches no pod, not even the pod's own, so
//!   upstream no pod of the workload can be placed: refused.

use super::draft::{Draft, Src};
use super::selector::selects_own_pods;

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

/// Maps the manifest's `affinity` (of a pod template whose labels are `labels`) into `d`.
/// Keys no `Affinity` has are left unread, for [`Draft::finish`] to refuse as misspelt.
pub fn affinity(a: &Src, labels: Option<&Src>, d: &mut Draft) {
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
            pod_affinity(&pod, anti, labels, d);
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

fn pod_affinity(pod: &Src, anti: bool, labels: Option<&Src>, d: &mut Draft) {
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
    d.read(&required);
    for term in required.items() {
        let key = term
            .get("topologyKey")
            .and_then(|k| k.str())
            .unwrap_or("its topologyKey")
            .to_string();
        let selects = match term.get("labelSelector") {
            None => Ok(None),
            Some(selector) => selects_own_pods(&selector, labels).map(Some),
        };
        match selects {
            Err((at, message)) => d.error(&at, message),
            Ok(Some(true)) => d.error(&term, own_pods(anti, &key)),
            Ok(Some(false)) => d.unsupported(&term, &other_pods(anti, &key)),
            Ok(None) if anti => d.unsupported(
                &term,
                "it has no `labelSelector`, which matches no pod \
                 (`LabelSelectorAsSelector(nil)`): upstream it keeps no pod off any node, so \
                 it is left out",
            ),
            Ok(None) => d.error(
                &term,
                "a required pod affinity term with no `labelSelector` matches no pod \
                 (`LabelSelectorAsSelector(nil)`), not even the workload's own, so upstream \
                 none of its pods can be scheduled: give the term a `labelSelector`",
            ),
        }
    }
}

/// Why a required term that selects the workload's own pods is refused, and what to do.
fn own_pods(anti: bool, key: &str) -> String {
    if anti {
        format!(
            "a required pod anti-affinity whose `labelSelector` matches the pod template's own \
             labels keeps the workload's pods apart, at most one in each `{key}` domain \
             (InterPodAffinity's Filter, counting old and new pods alike). The simulator does \
             not model it, and leaving it out would change where the rollout's pods go (a \
             surge pod could share a domain with an old one, where upstream it waits for a \
             free one). Replace it with a topology spread constraint (`maxSkew: 1`, \
             `topologyKey: {key}`, `whenUnsatisfiable: DoNotSchedule`), which the simulator \
             models and which also puts a second pod in a domain only once every domain has \
             one; or remove it to simulate the pods without it"
        )
    } else {
        format!(
            "a required pod affinity whose `labelSelector` matches the pod template's own \
             labels puts every pod of the workload in the `{key}` domain of the first one \
             placed (InterPodAffinity's Filter). The simulator does not model it, and leaving \
             it out would spread the pods over every node. Keep them to one domain with a \
             `nodeSelector` (`{key}: VALUE`) and nodes that carry the label (`--set \
             'cluster.nodes=[…]'`); or remove it to simulate the pods without it"
        )
    }
}

/// Why a required term that counts only other workloads' pods is left out.
fn other_pods(anti: bool, key: &str) -> String {
    let upstream = if anti {
        "keeps the pods out of"
    } else {
        "lets the pods go only to"
    };
    format!(
        "its `labelSelector` matches none of the pod template's labels: upstream it counts \
         only other workloads' pods, which are not simulated, so it is left out (upstream it \
         {upstream} the `{key}` domains where those pods run: add a nodeSelector if that \
         rules out some nodes)"
    )
}
