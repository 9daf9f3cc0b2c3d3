//! The placement filters that depend on the node alone: Kubernetes' taints and tolerations
//! and its node affinity, Swarm's constraints. Apart from the [`Placer`](super::Placer)
//! because they read a node's labels, taints and role, never a count: it runs them once a
//! node, into the index's fixed mask.

use crate::scenario::placement::{
    NodeAttrs, Placement, Requirement, SwarmConstraint, SwarmKey, Taint, TaintEffect, Toleration,
};

/// `ToleratesTaint` (k8s.io/api `core/v1/toleration.go`): the effect matches (or the
/// toleration names none), the key matches (an empty key with `Exists` matches every
/// key), and `Exists` or an equal value.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    t.effect.is_none_or(|e| e == taint.effect)
        && (t.key.is_empty() || t.key == taint.key)
        && (t.exists || t.value == taint.value)
}

/// The `TaintToleration` filter: no `NoSchedule` / `NoExecute` taint is left untolerated
/// (`FindMatchingUntoleratedTaint` with those two effects).
pub fn taints_tolerated(taints: &[Taint], tolerations: &[Toleration]) -> bool {
    taints
        .iter()
        .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
        .all(|t| tolerations.iter().any(|tol| tolerates(tol, t)))
}

/// One `matchExpressions` entry against a node's labels (`labels.Requirement.Matches`).
pub fn requirement_matches(req: &Requirement, attrs: &NodeAttrs) -> bool {
    let label = attrs.labels.get(&req.key).map(String::as_str);
    req.op.matches(label, &req.values)
}

/// The `NodeAffinity` filter: every `nodeSelector` label equal, and, when the required
/// node affinity is given, some term whose expressions all match (terms are ORed; a term
/// without expressions matches no node).
pub fn affinity_matches(p: &Placement, attrs: &NodeAttrs) -> bool {
    let selector = p
        .node_selector
        .iter()
        .all(|(k, v)| attrs.labels.get(k) == Some(v));
    selector
        && p.required_terms.as_ref().is_none_or(|terms| {
            terms
                .iter()
                .any(|t| !t.is_empty() && t.iter().all(|r| requirement_matches(r, attrs)))
        })
}

/// swarmkit `constraint.NodeMatches`: case-insensitive equality with the node's hostname,
/// role or label (a missing label compares as the empty string).
pub fn swarm_matches(constraints: &[SwarmConstraint], name: &str, attrs: &NodeAttrs) -> bool {
    constraints.iter().all(|c| {
        let what = match &c.key {
            SwarmKey::Hostname => name,
            SwarmKey::Role => attrs.role.as_str(),
            SwarmKey::Label(l) => attrs.labels.get(l).map_or("", String::as_str),
        };
        let equal = what.to_lowercase() == c.value.to_lowercase();
        equal == c.equal
    })
}
