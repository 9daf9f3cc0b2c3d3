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
//! only reads and checks the file.

use super::walk::{Node, Obj};
use serde_json::Value;
use std::collections::BTreeMap;

/// Fields of a node's placement attributes (added to `cluster.node` and `nodes[]`).
pub const NODE_FIELDS: &[&str] = &["labels", "taints", "role"];
/// Fields of a taint.
pub const TAINT_FIELDS: &[&str] = &["key", "value", "effect"];
/// Fields of a toleration.
pub const TOLERATION_FIELDS: &[&str] = &["key", "operator", "value", "effect"];
/// Fields of `affinity`.
pub const AFFINITY_FIELDS: &[&str] = &["nodeAffinity"];
/// Fields of `nodeAffinity`.
pub const NODE_AFFINITY_FIELDS: &[&str] = &["requiredDuringSchedulingIgnoredDuringExecution"];
/// Fields of the required node selector.
pub const SELECTOR_FIELDS: &[&str] = &["nodeSelectorTerms"];
/// Fields of a node selector term.
pub const TERM_FIELDS: &[&str] = &["matchExpressions"];
/// Fields of a match expression.
pub const EXPRESSION_FIELDS: &[&str] = &["key", "operator", "values"];
/// Fields of a topology spread constraint.
pub const SPREAD_FIELDS: &[&str] = &["maxSkew", "topologyKey", "whenUnsatisfiable"];
/// Fields of `placement` (Swarm).
pub const SWARM_FIELDS: &[&str] = &["constraints", "max_replicas_per_node", "preferences"];
/// Fields of a placement preference.
pub const PREFERENCE_FIELDS: &[&str] = &["spread"];

/// Kubernetes fields of `service` and the Swarm field that replaces each.
pub const KUBERNETES_SERVICE_FIELDS: &[(&str, &str)] = &[
    (
        "nodeSelector",
        "`placement: {constraints: [node.labels.KEY==VALUE]}`",
    ),
    (
        "affinity",
        "`placement: {constraints: [node.labels.KEY==VALUE, node.labels.KEY!=VALUE]}`",
    ),
    (
        "tolerations",
        "nothing: Swarm nodes have no taints; keep tasks off nodes with \
         `placement: {constraints: [node.labels.KEY!=VALUE]}` or `node.role!=manager`",
    ),
    (
        "topologySpreadConstraints",
        "`placement: {preferences: [{spread: node.labels.KEY}]}` (a preference, not a limit) \
         or `placement: {max_replicas_per_node: N}`",
    ),
];

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

/// A node's attributes from `o` (a `cluster.node` or `nodes[]` map), over `base` (the
/// template's): labels are merged (the entry's value wins), `taints` and `role` replace.
pub fn node_attrs(o: &Obj, base: &NodeAttrs) -> NodeAttrs {
    let mut labels = base.labels.clone();
    if let Some(own) = o.opt("labels", label_map) {
        labels.extend(own);
    }
    NodeAttrs {
        labels,
        taints: o.or("taints", base.taints.clone(), taints),
        role: o.choice(
            "role",
            base.role,
            &[("worker", Role::Worker), ("manager", Role::Manager)],
        ),
    }
}

/// A map of label key to value; numbers and booleans are read as the text YAML shows
/// (`tier: 1` is the label value `"1"`), as `kubectl label` would store them.
fn label_map(n: &Node) -> Option<BTreeMap<String, String>> {
    let o = n.map()?;
    let mut out = BTreeMap::new();
    for (key, v) in o.entries() {
        if key.is_empty() {
            v.problem("a label key must not be empty");
            continue;
        }
        if let Some(value) = label_value(&v) {
            out.insert(key.to_string(), value);
        }
    }
    Some(out)
}

/// A label value: a string, or a number / boolean as written.
fn label_value(n: &Node) -> Option<String> {
    match n.value() {
        Value::String(s) => Some(s.clone()),
        Value::Number(x) => Some(x.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => n.expected("a label value (a string)"),
    }
}

fn taints(n: &Node) -> Option<Vec<Taint>> {
    let mut out = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(TAINT_FIELDS) else {
            continue;
        };
        let key = o.required("key", non_empty);
        let value = o.or("value", String::new(), label_value);
        let effect = o.required("effect", |e| e.choice(EFFECTS));
        if let (Some(key), Some(effect)) = (key, effect) {
            out.push(Taint { key, value, effect });
        }
    }
    Some(out)
}

fn non_empty(n: &Node) -> Option<String> {
    let s = n.string()?;
    n.check(s.clone(), !s.is_empty(), "must not be empty")
}

/// The Kubernetes and Swarm placement fields of `service`.
pub fn placement(o: &Obj) -> Placement {
    let swarm = o.opt_section("placement", SWARM_FIELDS);
    Placement {
        node_selector: o.or("nodeSelector", BTreeMap::new(), label_map),
        required_terms: o
            .opt_section("affinity", AFFINITY_FIELDS)
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

fn terms(n: &Node) -> Option<Vec<Vec<Requirement>>> {
    let items = n.list()?;
    if items.is_empty() {
        // The API server refuses an empty list (`nodeSelectorTerms: Required value`).
        return n
            .fail("must have at least one term (terms are ORed; an empty list matches no node)");
    }
    let mut out = Vec::new();
    for item in items {
        let Some(t) = item.object(TERM_FIELDS) else {
            continue;
        };
        out.push(t.or("matchExpressions", Vec::new(), |m| {
            Some(m.list()?.iter().filter_map(requirement).collect())
        }));
    }
    Some(out)
}

/// One `matchExpressions` entry, checked as `ValidateNodeSelectorRequirement` does.
fn requirement(n: &Node) -> Option<Requirement> {
    let o = n.object(EXPRESSION_FIELDS)?;
    let key = o.required("key", non_empty);
    let op = o.required("operator", |v| v.choice(OPERATORS));
    let values: Vec<String> = o.or("values", Vec::new(), |v| {
        Some(v.list()?.iter().filter_map(label_value).collect())
    });
    let op = op?;
    let at = || o.get("values").unwrap_or_else(|| o.node().clone());
    match op {
        SelectorOp::In | SelectorOp::NotIn if values.is_empty() => {
            at().problem("`In` and `NotIn` need at least one value")
        }
        SelectorOp::Exists | SelectorOp::DoesNotExist if !values.is_empty() => {
            at().problem("`Exists` and `DoesNotExist` take no values")
        }
        SelectorOp::Gt | SelectorOp::Lt
            if values.len() != 1 || values[0].parse::<i64>().is_err() =>
        {
            at().problem("`Gt` and `Lt` need exactly one value, an integer (e.g. [\"4\"])")
        }
        _ => {}
    }
    Some(Requirement {
        key: key?,
        op,
        values,
    })
}

fn tolerations(n: &Node) -> Option<Vec<Toleration>> {
    let mut out = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(TOLERATION_FIELDS) else {
            continue;
        };
        let key = o.or("key", String::new(), Node::string);
        let exists = o.choice("operator", false, &[("Equal", false), ("Exists", true)]);
        let value = o.or("value", String::new(), label_value);
        let effect = o.opt("effect", |e| e.choice(EFFECTS));
        if exists && !value.is_empty() {
            o.get("value")
                .unwrap_or_else(|| item.clone())
                .problem("must be empty when `operator` is `Exists`");
        }
        if key.is_empty() && !exists {
            item.problem("an empty `key` needs `operator: Exists` (it tolerates every taint)");
        }
        out.push(Toleration {
            key,
            exists,
            value,
            effect,
        });
    }
    Some(out)
}

fn spread_constraints(n: &Node) -> Option<Vec<SpreadConstraint>> {
    let mut out: Vec<SpreadConstraint> = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(SPREAD_FIELDS) else {
            continue;
        };
        let max_skew = o.required("maxSkew", |m| {
            let v = m.u32()?;
            m.check(v, v >= 1, &format!("must be at least 1, got {v}"))
        });
        let key = o.required("topologyKey", non_empty);
        o.required("whenUnsatisfiable", |w| {
            let hard = w.choice(&[("DoNotSchedule", true), ("ScheduleAnyway", false)])?;
            w.check(
                (),
                hard,
                "`ScheduleAnyway` only ranks nodes in the scheduler's scoring \
                 (podtopologyspread/scoring.go), which is not modelled; use `DoNotSchedule` \
                 (a filter) or leave the constraint out",
            )
        });
        if let (Some(max_skew), Some(topology_key)) = (max_skew, key) {
            if out.iter().any(|c| c.topology_key == topology_key) {
                // The API server refuses a duplicate {topologyKey, whenUnsatisfiable} pair.
                item.problem(format!(
                    "a second constraint on `{topology_key}` with DoNotSchedule"
                ));
                continue;
            }
            out.push(SpreadConstraint {
                max_skew,
                topology_key,
            });
        }
    }
    Some(out)
}

fn constraints(n: &Node) -> Option<Vec<SwarmConstraint>> {
    Some(n.list()?.iter().filter_map(swarm_constraint).collect())
}

/// `node.labels.zone==a`: split at the first of `==`, `!=` the text contains, in that
/// order (swarmkit `constraint.Parse`), then the key is resolved.
fn swarm_constraint(n: &Node) -> Option<SwarmConstraint> {
    let text = n.string()?;
    let Some((equal, key, value)) = [("==", true), ("!=", false)]
        .iter()
        .find_map(|&(op, eq)| text.split_once(op).map(|(k, v)| (eq, k.trim(), v.trim())))
    else {
        return n.fail(format!(
            "`{text}`: expected `KEY==VALUE` or `KEY!=VALUE`, e.g. `node.labels.zone==a`"
        ));
    };
    if value.is_empty() {
        return n.fail(format!("`{text}`: the value after the operator is empty"));
    }
    let key = swarm_key(key).or_else(|| {
        n.fail(format!(
            "`{text}`: the key must be `node.hostname`, `node.role` or `node.labels.<label>`, \
             got `{key}`"
        ))
    })?;
    if key == SwarmKey::Role
        && !["manager", "worker"]
            .iter()
            .any(|r| r.eq_ignore_ascii_case(value))
    {
        return n.fail(format!("`{text}`: `node.role` is `manager` or `worker`"));
    }
    Some(SwarmConstraint {
        key,
        equal,
        value: value.to_string(),
    })
}

/// The key of a constraint or a spread descriptor; its prefix is case-insensitive and a
/// label's name case-sensitive, as in swarmkit `constraint.NodeMatches`.
fn swarm_key(key: &str) -> Option<SwarmKey> {
    const LABELS: &str = "node.labels.";
    if key.eq_ignore_ascii_case("node.hostname") {
        Some(SwarmKey::Hostname)
    } else if key.eq_ignore_ascii_case("node.role") {
        Some(SwarmKey::Role)
    } else if key.len() > LABELS.len()
        && key.is_char_boundary(LABELS.len())
        && key[..LABELS.len()].eq_ignore_ascii_case(LABELS)
    {
        Some(SwarmKey::Label(key[LABELS.len()..].to_string()))
    } else {
        None
    }
}

fn preferences(n: &Node) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(PREFERENCE_FIELDS) else {
            continue;
        };
        let Some(spread) = o.required("spread", Node::string) else {
            continue;
        };
        match swarm_key(&spread) {
            Some(SwarmKey::Label(label)) => out.push(label),
            _ => o
                .get("spread")
                .unwrap_or_else(|| item.clone())
                .problem(format!(
                    "swarmkit spreads over node labels only: expected `node.labels.<label>`, got \
                 `{spread}`"
                )),
        }
    }
    Some(out)
}

/// Fields of the other orchestrator are refused, naming this one's field: given with the
/// wrong strategy they would be parsed and have no effect. `root` is the scenario map.
pub fn refuse_foreign(root: &Obj, kubernetes: bool) {
    let field = |section: &str, key: &str| {
        let sec = root.get(section)?;
        let v = sec.value().get(key).filter(|v| !v.is_null())?;
        Some(sec.child(key, v))
    };
    if kubernetes {
        if let Some(n) = field("service", "placement") {
            n.problem(
                "`placement` is Swarm's (compose `deploy.placement`); for a Kubernetes \
                 strategy use `nodeSelector`, `affinity.nodeAffinity`, `tolerations` or \
                 `topologySpreadConstraints`",
            );
        }
        for n in node_entries(root) {
            if let Some(v) = n.value().get("role").filter(|v| !v.is_null()) {
                n.child("role", v).problem(
                    "`role` is Swarm's node role (`node.role`); for a Kubernetes strategy \
                     give the node a label (e.g. `labels: {node-role.kubernetes.io/control-plane: \
                     \"\"}`) or a taint",
                );
            }
        }
        return;
    }
    for &(key, instead) in KUBERNETES_SERVICE_FIELDS {
        if let Some(n) = field("service", key) {
            n.problem(format!(
                "`{key}` is a Kubernetes Pod field; for a Swarm strategy use {instead}"
            ));
        }
    }
    for n in node_entries(root) {
        if let Some(v) = n.value().get("taints").filter(|v| !v.is_null()) {
            n.child("taints", v).problem(
                "taints are Kubernetes'; Swarm nodes have none: label the node and keep tasks \
                 off it with `placement: {constraints: [node.labels.KEY!=VALUE]}`",
            );
        }
    }
}

/// `cluster.node` and every `cluster.nodes[]` map, as nodes.
fn node_entries<'a>(root: &Obj<'a>) -> Vec<Node<'a>> {
    let Some(cluster) = root.get("cluster") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(v) = cluster.value().get("node") {
        out.push(cluster.child("node", v));
    }
    if let Some(v @ Value::Array(items)) = cluster.value().get("nodes") {
        let list = cluster.child("nodes", v);
        out.extend(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| list.child(i, item)),
        );
    }
    out.retain(|n| n.value().is_object());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use serde_json::json;

    fn parse(v: Value) -> (Placement, Vec<String>) {
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

    #[test]
    fn kubernetes_fields() {
        let (p, problems) = parse(json!({
            "nodeSelector": {"disk": "ssd"},
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "zone", "operator": "In", "values": ["a", "b"]},
                    {"key": "cores", "operator": "Gt", "values": ["4"]}]}]}}},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "db",
                             "effect": "NoSchedule"}, {"operator": "Exists"}],
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                           "whenUnsatisfiable": "DoNotSchedule"}]}));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(p.node_selector["disk"], "ssd");
        let terms = p.required_terms.unwrap();
        assert_eq!(terms.len(), 1);
        assert_eq!(terms[0][1].op, SelectorOp::Gt);
        assert_eq!(p.tolerations.len(), 2);
        assert!(p.tolerations[1].exists && p.tolerations[1].key.is_empty());
        assert_eq!(p.spread[0].max_skew, 1);
    }

    /// The API server's validation rules (`ValidateNodeSelectorRequirement`,
    /// `validateTolerations`, `validateTopologySpreadConstraints`, kubernetes v1.30).
    #[test]
    fn kubernetes_values_are_validated() {
        let (_, p) = parse(json!({
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "zone", "operator": "In"},
                    {"key": "zone", "operator": "Exists", "values": ["a"]},
                    {"key": "n", "operator": "Lt", "values": ["x"]},
                    {"key": "n", "operator": "Greater", "values": ["1"]}]}]}}},
            "tolerations": [{"operator": "Exists", "value": "v", "key": "k"}, {"value": "v"}],
            "topologySpreadConstraints": [
                {"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
                {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"}]}));
        let at = "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.\
                  nodeSelectorTerms.0.matchExpressions";
        assert_eq!(
            p[0],
            format!("{at}.0: `In` and `NotIn` need at least one value")
        );
        assert_eq!(
            p[1],
            format!("{at}.1.values: `Exists` and `DoesNotExist` take no values")
        );
        assert!(p[2].starts_with(&format!("{at}.2.values: `Gt` and `Lt` need exactly one")));
        assert!(p[3].starts_with(&format!("{at}.3.operator: unknown value `Greater`")));
        assert_eq!(
            p[4],
            "tolerations.0.value: must be empty when `operator` is `Exists`"
        );
        assert!(p[5].starts_with("tolerations.1: an empty `key` needs `operator: Exists`"));
        assert_eq!(
            p[6],
            "topologySpreadConstraints.0.maxSkew: must be at least 1, got 0"
        );
        assert!(p[7].starts_with(
            "topologySpreadConstraints.1.whenUnsatisfiable: `ScheduleAnyway` only ranks"
        ));
        assert_eq!(p.len(), 8, "{p:?}");
    }

    #[test]
    fn swarm_fields() {
        let (p, problems) = parse(json!({"placement": {
            "constraints": ["node.labels.zone==a", "node.role != manager",
                            "NODE.HOSTNAME==node-1", "node.labels.Disk!=hdd"],
            "max_replicas_per_node": 2,
            "preferences": [{"spread": "node.labels.zone"}]}}));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            p.constraints,
            [
                SwarmConstraint {
                    key: SwarmKey::Label("zone".into()),
                    equal: true,
                    value: "a".into()
                },
                SwarmConstraint {
                    key: SwarmKey::Role,
                    equal: false,
                    value: "manager".into()
                },
                SwarmConstraint {
                    key: SwarmKey::Hostname,
                    equal: true,
                    value: "node-1".into()
                },
                SwarmConstraint {
                    key: SwarmKey::Label("Disk".into()),
                    equal: false,
                    value: "hdd".into()
                },
            ]
        );
        assert_eq!(
            (p.max_replicas_per_node, p.preferences),
            (2, vec!["zone".to_string()])
        );
    }

    #[test]
    fn bad_swarm_constraints() {
        let (_, p) = parse(json!({"placement": {
            "constraints": ["node.labels.zone=a", "node.ip==10.0.0.1", "node.role==boss",
                            "node.labels.zone=="],
            "preferences": [{"spread": "node.hostname"}]}}));
        assert_eq!(
            p,
            [
                "placement.constraints.0: `node.labels.zone=a`: expected `KEY==VALUE` or \
                 `KEY!=VALUE`, e.g. `node.labels.zone==a`",
                "placement.constraints.1: `node.ip==10.0.0.1`: the key must be \
                 `node.hostname`, `node.role` or `node.labels.<label>`, got `node.ip`",
                "placement.constraints.2: `node.role==boss`: `node.role` is `manager` or `worker`",
                "placement.constraints.3: `node.labels.zone==`: the value after the operator is empty",
                "placement.preferences.0.spread: swarmkit spreads over node labels only: \
                 expected `node.labels.<label>`, got `node.hostname`",
            ]
        );
    }

    #[test]
    fn node_attributes_merge_over_the_template() {
        let (a, p) = walk::run(
            &json!({"labels": {"zone": "b", "tier": 1},
                    "taints": [{"key": "gpu", "effect": "NoSchedule"}], "role": "manager"}),
            |n| {
                let base = NodeAttrs {
                    labels: [("disk".to_string(), "ssd".to_string())].into(),
                    ..NodeAttrs::default()
                };
                node_attrs(&n.object_or_empty(NODE_FIELDS), &base)
            },
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(a.labels.len(), 3);
        assert_eq!(a.labels["tier"], "1");
        assert_eq!(a.taints[0].value, "");
        assert_eq!(a.role, Role::Manager);
        let (_, p) = walk::run(&json!({"taints": [{"key": "k", "effect": "NoRun"}]}), |n| {
            node_attrs(&n.object_or_empty(NODE_FIELDS), &NodeAttrs::default())
        });
        assert_eq!(
            p,
            [
                "taints.0.effect: unknown value `NoRun`; expected one of `NoSchedule`, \
              `PreferNoSchedule`, `NoExecute`"
            ]
        );
    }
}
