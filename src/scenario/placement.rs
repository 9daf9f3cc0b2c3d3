//! Placement: node labels, taints and roles (`cluster.node`, `cluster.nodes[]`), and the
//! service's constraints under each orchestrator's own names.
//!
//! - Kubernetes (`service.nodeSelector`, `service.affinity.nodeAffinity.
//!   requiredDuringSchedulingIgnoredDuringExecution`, `service.tolerations`,
//!   `service.topologySpreadConstraints`): the Pod spec's fields, validated as the API
//!   server validates them (`ValidateNodeSelectorRequirement`, `validateTolerations`,
//!   `validateTopologySpreadConstraints` in kubernetes/kubernetes
//!   `pkg/apis/core/validation/validation.go`, v1.30).
//! - Swarm (`service.placement`): compose's `deploy.placement` (`constraints`,
//!   `max_replicas_per_node`, `preferences: [{spread: …}]`), constraints parsed as
//!   moby/swarmkit `manager/constraint/constraint.go` `Parse` does (v2.1.2): the first
//!   operator of `==`, `!=` found splits `key op value`.
//!
//! The rules that decide eligibility live in [`crate::cluster::placer`]; this module
//! and the `placement_*` files beside it only read and check the file. This one holds the
//! types and field lists and reads a service's placement ([`placement`]); a node's
//! labels, taints and role are read in `placement_nodes.rs`, the Kubernetes Pod fields in
//! `placement_kubernetes.rs`, Swarm's `placement` in `placement_swarm.rs`, and the other
//! orchestrator's fields are refused in `placement_foreign.rs`.

use super::placement_kubernetes::{anti_affinity_terms, spread_constraints, terms, tolerations};
use super::placement_nodes::label_map;
use super::placement_swarm::{constraints, preferences};
use super::walk::Obj;
use std::collections::BTreeMap;

pub use super::placement_foreign::{
    KUBERNETES_SERVICE_FIELDS, refuse_foreign, refuse_split_anti_affinity,
};
pub use super::placement_nodes::node_attrs;

/// Fields of a node's placement attributes (added to `cluster.node` and `nodes[]`).
pub const NODE_FIELDS: &[&str] = &["labels", "taints", "role"];
/// Fields of a taint.
pub const TAINT_FIELDS: &[&str] = &["key", "value", "effect"];
/// Fields of a toleration.
pub const TOLERATION_FIELDS: &[&str] = &["key", "operator", "value", "effect"];
/// Fields of `affinity`.
pub const AFFINITY_FIELDS: &[&str] = &["nodeAffinity", "podAntiAffinity"];
/// Fields of `nodeAffinity`.
pub const NODE_AFFINITY_FIELDS: &[&str] = &["requiredDuringSchedulingIgnoredDuringExecution"];
/// Fields of the required node selector.
pub const SELECTOR_FIELDS: &[&str] = &["nodeSelectorTerms"];
/// Fields of a node selector term.
pub const TERM_FIELDS: &[&str] = &["matchExpressions"];
/// Fields of a match expression.
pub const EXPRESSION_FIELDS: &[&str] = &["key", "operator", "values"];
/// Fields of `podAntiAffinity`.
pub const POD_ANTI_AFFINITY_FIELDS: &[&str] = &["requiredDuringSchedulingIgnoredDuringExecution"];
/// Fields of a pod (anti-)affinity term: its `labelSelector` is the service's app label,
/// so not a field (see [`Placement::anti_affinity`]).
pub const POD_AFFINITY_TERM_FIELDS: &[&str] = &["topologyKey"];
/// The node label every kubelet sets to its node's name (`kubernetes.io/hostname`,
/// kubernetes/kubernetes `pkg/kubelet/kubelet_node_status.go` `initialNode`); the
/// simulator gives it to every node of a Kubernetes strategy that does not set it.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";
/// Fields of a topology spread constraint.
pub const SPREAD_FIELDS: &[&str] = &["maxSkew", "topologyKey", "whenUnsatisfiable"];
/// Fields of `placement` (Swarm).
pub const SWARM_FIELDS: &[&str] = &["constraints", "max_replicas_per_node", "preferences"];
/// Fields of a placement preference.
pub const PREFERENCE_FIELDS: &[&str] = &["spread"];

/// A node's labels, taints and role.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeAttrs {
    /// Labels (Kubernetes node labels; Swarm `node.labels`).
    pub labels: BTreeMap<String, String>,
    /// Kubernetes taints.
    pub taints: Vec<Taint>,
    /// Swarm node role.
    pub role: Role,
}

/// Swarm's node role (`node.role`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Role {
    /// Runs tasks only (the default for nodes that join as workers).
    #[default]
    Worker,
    /// Runs the control plane (and tasks, unless drained).
    Manager,
}

impl Role {
    /// The name constraints compare with (`node.role==manager`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Manager => "manager",
        }
    }
}

/// A taint's effect (`v1.TaintEffect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaintEffect {
    /// New pods that do not tolerate it are not scheduled.
    NoSchedule,
    /// The scheduler tries to avoid the node (a score, never a filter).
    PreferNoSchedule,
    /// Not scheduled, and running pods that do not tolerate it are evicted.
    NoExecute,
}

pub const EFFECTS: &[(&str, TaintEffect)] = &[
    ("NoSchedule", TaintEffect::NoSchedule),
    ("PreferNoSchedule", TaintEffect::PreferNoSchedule),
    ("NoExecute", TaintEffect::NoExecute),
];

/// A node taint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    /// Taint key.
    pub key: String,
    /// Taint value (may be empty).
    pub value: String,
    /// What it does to pods that do not tolerate it.
    pub effect: TaintEffect,
}

/// A pod toleration (`v1.Toleration`, without `tolerationSeconds`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    /// Empty with `Exists`: tolerates every key.
    pub key: String,
    /// `Exists` (any value) or `Equal` (the default).
    pub exists: bool,
    /// The value `Equal` compares with.
    pub value: String,
    /// `None` tolerates every effect.
    pub effect: Option<TaintEffect>,
}

/// A node selector operator (`v1.NodeSelectorOperator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorOp {
    /// The label's value is one of `values`.
    In,
    /// The label is absent or its value is none of `values`.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// The label is an integer greater than the one value.
    Gt,
    /// The label is an integer less than the one value.
    Lt,
}

impl SelectorOp {
    /// Whether a `label` (its value, `None` when absent) passes this operator with
    /// `values` (`labels.Requirement.Matches`): the one rule for node affinity and for the
    /// pod label selectors the importer reads.
    ///
    /// ```
    /// use rollout_sim::scenario::placement::SelectorOp;
    /// let v = ["a".to_string()];
    /// assert!(SelectorOp::NotIn.matches(None, &v));
    /// assert!(!SelectorOp::In.matches(Some("b"), &v));
    /// ```
    pub fn matches(self, label: Option<&str>, values: &[String]) -> bool {
        let listed = |l: &str| values.iter().any(|v| v == l);
        let number = |v: &str| v.parse::<i64>().ok();
        match self {
            SelectorOp::In => label.is_some_and(listed),
            SelectorOp::NotIn => label.is_none_or(|l| !listed(l)),
            SelectorOp::Exists => label.is_some(),
            SelectorOp::DoesNotExist => label.is_none(),
            SelectorOp::Gt | SelectorOp::Lt => {
                let (Some(l), Some(v)) = (
                    label.and_then(number),
                    values.first().and_then(|v| number(v)),
                ) else {
                    return false;
                };
                if self == SelectorOp::Gt { l > v } else { l < v }
            }
        }
    }
}

pub const OPERATORS: &[(&str, SelectorOp)] = &[
    ("In", SelectorOp::In),
    ("NotIn", SelectorOp::NotIn),
    ("Exists", SelectorOp::Exists),
    ("DoesNotExist", SelectorOp::DoesNotExist),
    ("Gt", SelectorOp::Gt),
    ("Lt", SelectorOp::Lt),
];

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Label key.
    pub key: String,
    /// Operator.
    pub op: SelectorOp,
    /// Values (`In`, `NotIn`: at least one; `Gt`, `Lt`: exactly one integer; others: none).
    pub values: Vec<String>,
}

/// A topology spread constraint with `whenUnsatisfiable: DoNotSchedule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpreadConstraint {
    /// Largest allowed difference between a domain's matching pods and the fewest.
    pub max_skew: u32,
    /// The node label whose values are the domains.
    pub topology_key: String,
}

/// A Swarm constraint `key==value` or `key!=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmConstraint {
    /// What is compared.
    pub key: SwarmKey,
    /// `==` (true) or `!=`.
    pub equal: bool,
    /// The value, compared case-insensitively.
    pub value: String,
}

/// The node attributes a Swarm constraint can name here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwarmKey {
    /// `node.hostname`: the node's name.
    Hostname,
    /// `node.role`: `manager` or `worker`.
    Role,
    /// `node.labels.<label>` (the label name is case-sensitive).
    Label(String),
}

/// The service's placement constraints; every field empty means "anywhere".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placement {
    /// Kubernetes `nodeSelector`: every label must have exactly this value.
    pub node_selector: BTreeMap<String, String>,
    /// Kubernetes required node affinity: `None` when not given; the terms are ORed.
    pub required_terms: Option<Vec<Vec<Requirement>>>,
    /// Kubernetes tolerations.
    pub tolerations: Vec<Toleration>,
    /// Kubernetes `topologySpreadConstraints` (all `DoNotSchedule`).
    pub spread: Vec<SpreadConstraint>,
    /// Kubernetes `affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution`:
    /// the `topologyKey` of each term, in file order. Each term's `labelSelector` is the
    /// service's app label, which the pods of every version carry: a pod goes on no node
    /// whose value of the key is that of a node holding a pod of the service, terminating
    /// ones included.
    pub anti_affinity: Vec<String>,
    /// Swarm `placement.constraints` (ANDed).
    pub constraints: Vec<SwarmConstraint>,
    /// Swarm `placement.max_replicas_per_node` (0: unlimited, as in swarmkit).
    pub max_replicas_per_node: u32,
    /// Swarm `placement.preferences`: the label of each `spread`, outermost first.
    pub preferences: Vec<String>,
}

impl Placement {
    /// Whether any field restricts placement.
    pub fn is_empty(&self) -> bool {
        *self == Placement::default()
    }
}

/// The Kubernetes and Swarm placement fields of `service`.
pub fn placement(o: &Obj) -> Placement {
    let swarm = o.opt_section("placement", SWARM_FIELDS);
    let affinity = o.opt_section("affinity", AFFINITY_FIELDS);
    Placement {
        node_selector: o.or("nodeSelector", BTreeMap::new(), label_map),
        required_terms: affinity
            .as_ref()
            .and_then(|a| a.opt_section("nodeAffinity", NODE_AFFINITY_FIELDS))
            .and_then(|na| {
                na.opt_section(
                    "requiredDuringSchedulingIgnoredDuringExecution",
                    SELECTOR_FIELDS,
                )
            })
            .map(|sel| sel.or("nodeSelectorTerms", Vec::new(), terms)),
        tolerations: o.or("tolerations", Vec::new(), tolerations),
        spread: o.or("topologySpreadConstraints", Vec::new(), spread_constraints),
        anti_affinity: affinity
            .as_ref()
            .and_then(|a| a.opt_section("podAntiAffinity", POD_ANTI_AFFINITY_FIELDS))
            .map_or_else(Vec::new, |pa| {
                pa.or(
                    "requiredDuringSchedulingIgnoredDuringExecution",
                    Vec::new(),
                    anti_affinity_terms,
                )
            }),
        constraints: swarm
            .as_ref()
            .map_or_else(Vec::new, |p| p.or("constraints", Vec::new(), constraints)),
        max_replicas_per_node: swarm
            .as_ref()
            .map_or(0, |p| p.u32("max_replicas_per_node", 0)),
        preferences: swarm
            .as_ref()
            .map_or_else(Vec::new, |p| p.or("preferences", Vec::new(), preferences)),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::scenario::walk;
    use serde_json::Value;

    pub(in crate::scenario) fn parse(v: Value) -> (Placement, Vec<String>) {
        walk::run(&v, |n| {
            placement(&n.object_or_empty(&[
                "nodeSelector",
                "affinity",
                "tolerations",
                "topologySpreadConstraints",
                "placement",
            ]))
        })
    }
}
