//! Placement filters against the upstream rules, row by row, each table citing its source:
//! Kubernetes taints and tolerations, node affinity, Swarm constraints. Whole trials and
//! Pending reasons are in `placement.rs`.

use crate::yaml;
use rollout_sim::cluster::placer::{affinity_matches, swarm_matches, taints_tolerated};
use rollout_sim::scenario::Placement;
use rollout_sim::scenario::placement::{NodeAttrs, Role};

/// The service placement of a scenario whose `service:` adds `fields` (Kubernetes or
/// Swarm strategy); no replicas, so that no node needs to match.
fn placement(kubernetes: bool, fields: &str) -> Placement {
    let strategy = if kubernetes {
        "kubernetes: {}"
    } else {
        "swarm: {}"
    };
    let s = yaml(&format!(
        "service:\n  replicas: 0\n{fields}\nstrategy:\n  {strategy}\n"
    ));
    s.service.placement
}

fn node(attrs: &str) -> NodeAttrs {
    let s = yaml(&format!(
        "cluster:\n  node: {attrs}\nservice: {{replicas: 0}}\nstrategy: {{kubernetes: {{}}}}\n"
    ));
    s.cluster.attrs(0).clone()
}

/// Rows of `TestTaintTolerationFilter` (kubernetes/kubernetes v1.30,
/// `pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go`): the pod's
/// tolerations, the node's taints, whether the filter lets the pod in.
#[test]
fn taint_toleration_filter_rows() {
    let rows: &[(&str, &str, &str, bool)] = &[
        (
            "no tolerations, a NoSchedule taint",
            "[]",
            "[{key: dedicated, value: user1, effect: NoSchedule}]",
            false,
        ),
        (
            "tolerates the dedicated node of user1",
            "[{key: dedicated, operator: Equal, value: user1, effect: NoSchedule}]",
            "[{key: dedicated, value: user1, effect: NoSchedule}]",
            true,
        ),
        (
            "a toleration for user2 on user1's node",
            "[{key: dedicated, operator: Equal, value: user2, effect: NoSchedule}]",
            "[{key: dedicated, value: user1, effect: NoSchedule}]",
            false,
        ),
        (
            "operator Exists tolerates the taint",
            "[{key: foo, operator: Exists, effect: NoSchedule}]",
            "[{key: foo, value: bar, effect: NoSchedule}]",
            true,
        ),
        (
            "several tolerations, every taint tolerated",
            "[{key: dedicated, operator: Equal, value: user2, effect: NoSchedule}, \
              {key: foo, operator: Exists, effect: NoSchedule}]",
            "[{key: dedicated, value: user2, effect: NoSchedule}, \
              {key: foo, value: bar, effect: NoSchedule}]",
            true,
        ),
        (
            "key and value match, the (non-empty) effect does not",
            "[{key: foo, operator: Equal, value: bar, effect: PreferNoSchedule}]",
            "[{key: foo, value: bar, effect: NoSchedule}]",
            false,
        ),
        (
            "key and value match, the toleration's effect is empty",
            "[{key: foo, operator: Equal, value: bar}]",
            "[{key: foo, value: bar, effect: NoSchedule}]",
            true,
        ),
        (
            "the taint is PreferNoSchedule: never filtered",
            "[{key: dedicated, operator: Equal, value: user2, effect: NoSchedule}]",
            "[{key: dedicated, value: user1, effect: PreferNoSchedule}]",
            true,
        ),
        (
            "no toleration, the taint is PreferNoSchedule",
            "[]",
            "[{key: dedicated, value: user1, effect: PreferNoSchedule}]",
            true,
        ),
        (
            "NoExecute blocks placement too",
            "[]",
            "[{key: dedicated, value: user1, effect: NoExecute}]",
            false,
        ),
        (
            "an empty key with Exists tolerates every taint (k8s.io/api toleration.go)",
            "[{operator: Exists}]",
            "[{key: a, value: b, effect: NoExecute}, {key: c, effect: NoSchedule}]",
            true,
        ),
    ];
    for &(name, tolerations, taints, want) in rows {
        let p = placement(true, &format!("  tolerations: {tolerations}"));
        let n = node(&format!("{{taints: {taints}}}"));
        assert_eq!(taints_tolerated(&n.taints, &p.tolerations), want, "{name}");
    }
}

/// Rows of `TestNodeAffinity` (kubernetes/kubernetes v1.30,
/// `pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go`; the match rules
/// of `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`): the pod's
/// `nodeSelector` / required affinity, the node's labels, whether it matches.
#[test]
fn node_affinity_filter_rows() {
    let expr = |terms: &str| {
        format!(
            "  affinity: {{nodeAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: \
             {{nodeSelectorTerms: {terms}}}}}}}"
        )
    };
    let rows: Vec<(&str, String, &str, bool)> = vec![
        (
            "missing labels",
            "  nodeSelector: {foo: bar}".into(),
            "{}",
            false,
        ),
        (
            "same labels",
            "  nodeSelector: {foo: bar}".into(),
            "{foo: bar}",
            true,
        ),
        (
            "node labels are a superset",
            "  nodeSelector: {foo: bar}".into(),
            "{foo: bar, baz: blah}",
            true,
        ),
        (
            "node labels are a subset",
            "  nodeSelector: {foo: bar, baz: blah}".into(),
            "{foo: bar}",
            false,
        ),
        (
            "In matches",
            expr("[{matchExpressions: [{key: foo, operator: In, values: [bar, value2]}]}]"),
            "{foo: bar}",
            true,
        ),
        (
            "Gt matches (integers: 0206 > 0204)",
            expr(
                r#"[{matchExpressions: [{key: kernel-version, operator: Gt, values: ["0204"]}]}]"#,
            ),
            r#"{kernel-version: "0206"}"#,
            true,
        ),
        (
            "Lt does not",
            expr(
                r#"[{matchExpressions: [{key: kernel-version, operator: Lt, values: ["0204"]}]}]"#,
            ),
            r#"{kernel-version: "0206"}"#,
            false,
        ),
        (
            "NotIn matches",
            expr("[{matchExpressions: [{key: mem-type, operator: NotIn, values: [DDR, DDR2]}]}]"),
            "{mem-type: DDR3}",
            true,
        ),
        (
            "Exists matches",
            expr("[{matchExpressions: [{key: GPU, operator: Exists}]}]"),
            "{GPU: NVIDIA-GRID-K1}",
            true,
        ),
        (
            "DoesNotExist does not",
            expr("[{matchExpressions: [{key: GPU, operator: DoesNotExist}]}]"),
            "{GPU: NVIDIA-GRID-K1}",
            false,
        ),
        (
            "affinity that does not match the node's labels",
            expr("[{matchExpressions: [{key: foo, operator: In, values: [value1, value2]}]}]"),
            "{foo: bar}",
            false,
        ),
        (
            "an empty matchExpressions matches no node",
            expr("[{matchExpressions: []}]"),
            "{foo: bar}",
            false,
        ),
        (
            "several matchExpressions ANDed, all match",
            expr(
                "[{matchExpressions: [{key: GPU, operator: Exists}, \
                  {key: GPU, operator: NotIn, values: [AMD, INTER]}]}]",
            ),
            "{GPU: NVIDIA-GRID-K1}",
            true,
        ),
        (
            "several matchExpressions ANDed, one fails",
            expr(
                "[{matchExpressions: [{key: GPU, operator: Exists}, \
                  {key: GPU, operator: In, values: [AMD, INTER]}]}]",
            ),
            "{GPU: NVIDIA-GRID-K1}",
            false,
        ),
        (
            "several terms ORed, one matches",
            expr(
                "[{matchExpressions: [{key: foo, operator: In, values: [bar, value2]}]}, \
                  {matchExpressions: [{key: diffkey, operator: In, values: [wrong, value2]}]}]",
            ),
            "{foo: bar}",
            true,
        ),
        (
            "affinity and nodeSelector both satisfied",
            format!(
                "  nodeSelector: {{foo: bar}}\n{}",
                expr("[{matchExpressions: [{key: foo, operator: Exists}]}]")
            ),
            "{foo: bar}",
            true,
        ),
        (
            "affinity satisfied, nodeSelector not",
            format!(
                "  nodeSelector: {{foo: bar}}\n{}",
                expr("[{matchExpressions: [{key: foo, operator: Exists}]}]")
            ),
            "{foo: barrrrrr}",
            false,
        ),
    ];
    for (name, fields, labels, want) in rows {
        let p = placement(true, &fields);
        let n = node(&format!("{{labels: {labels}}}"));
        assert_eq!(affinity_matches(&p, &n), want, "{name}");
    }
}

/// swarmkit `constraint.NodeMatches` (moby/swarmkit v2.1.2,
/// `manager/constraint/constraint.go`, and its `constraint_test.go`): values compare
/// case-insensitively, label names case-sensitively, and a missing label is the empty
/// string (so `!=` matches it).
#[test]
fn swarm_constraint_rows() {
    let labels = |pairs: &[(&str, &str)]| NodeAttrs {
        labels: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..NodeAttrs::default()
    };
    let manager = NodeAttrs {
        role: Role::Manager,
        ..NodeAttrs::default()
    };
    let rows: &[(&str, &str, &NodeAttrs, bool)] = &[
        ("node.labels.zone==a", "n1", &labels(&[("zone", "a")]), true),
        ("node.labels.zone==A", "n1", &labels(&[("zone", "a")]), true),
        (
            "node.labels.zone==b",
            "n1",
            &labels(&[("zone", "a")]),
            false,
        ),
        (
            "node.labels.zone!=a",
            "n1",
            &labels(&[("zone", "a")]),
            false,
        ),
        ("node.labels.zone!=a", "n1", &labels(&[]), true),
        ("node.labels.zone==a", "n1", &labels(&[]), false),
        (
            "node.labels.Zone==a",
            "n1",
            &labels(&[("zone", "a")]),
            false,
        ),
        ("node.role!=manager", "n1", &manager, false),
        ("node.role==manager", "n1", &manager, true),
        ("node.role!=manager", "n1", &labels(&[]), true),
        ("node.role==worker", "n1", &labels(&[]), true),
        ("node.hostname==node-1", "node-1", &labels(&[]), true),
        ("node.hostname==NODE-1", "node-1", &labels(&[]), true),
        ("node.hostname!=node-1", "node-1", &labels(&[]), false),
    ];
    for &(c, name, attrs, want) in rows {
        let p = placement(false, &format!("  placement: {{constraints: [\"{c}\"]}}"));
        assert_eq!(
            swarm_matches(&p.constraints, name, attrs),
            want,
            "{c} on {name}"
        );
    }
}
