//! Reading a node's placement attributes (`labels`, `taints`, `role` of `cluster.node`
//! and `cluster.nodes[]`) into [`NodeAttrs`], and the label values and non-empty keys
//! the Kubernetes fields read the same way.

use super::placement::{EFFECTS, NodeAttrs, Role, TAINT_FIELDS, Taint};
use super::walk::{Node, Obj};
use serde_json::Value;
use std::collections::BTreeMap;

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

/// A map of label key to value, each a [`label_value`].
pub(super) fn label_map(n: &Node) -> Option<BTreeMap<String, String>> {
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

/// A label value (of a node label, a `nodeSelector`, a node affinity's `values`, a taint
/// or toleration): a string, `null` being the empty one. A number or a boolean is refused,
/// quoted as written: Kubernetes holds these as strings (`ObjectMeta.Labels`,
/// `PodSpec.NodeSelector` are `map[string]string`, `NodeSelectorRequirement.Values` a
/// `[]string`, `Taint.Value` and `Toleration.Value` a `string`: kubernetes/apimachinery
/// `pkg/apis/meta/v1/types.go`, kubernetes/api `core/v1/types.go`), so the API server
/// refuses `tier: 01`, and reading it as the text of the number would make the label `1.0`.
pub(super) fn label_value(n: &Node) -> Option<String> {
    let kind = match n.value() {
        Value::String(s) => return Some(s.clone()),
        Value::Null => return Some(String::new()),
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        _ => return n.expected("a label value (a string)"),
    };
    // The text as written (`01`), when the file is at hand; else the value as the tree
    // holds it (`01` is 1.0 there), which is not to be quoted back.
    match n.written().filter(|w| !w.contains(['"', '\n', '\r'])) {
        Some(w) => n.fail(format!(
            "`{w}` is read as {kind}, and a label value is a string (Kubernetes refuses \
             {kind} here): quote it, `\"{w}\"`"
        )),
        None => n.fail(format!(
            "expected a label value, a string (Kubernetes refuses {kind} here), got {kind}, \
             read as {}: quote the value as written (`\"01\"`, not `01`)",
            n.value()
        )),
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

pub(super) fn non_empty(n: &Node) -> Option<String> {
    let s = n.string()?;
    n.check(s.clone(), !s.is_empty(), "must not be empty")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::placement::NODE_FIELDS;
    use crate::scenario::walk;
    use serde_json::json;

    #[test]
    fn node_attributes_merge_over_the_template() {
        let (a, p) = walk::run(
            &json!({"labels": {"zone": "b", "tier": "1"},
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

    /// A number or a boolean where Kubernetes takes a string is refused, quoted as the
    /// file writes it, in every label map and label value of the scenario: `tier: 01` was
    /// read as the label `1.0`, which no `tier: "01"` selector matched.
    #[test]
    fn a_label_value_that_is_not_a_string_is_refused_quoted_as_written() {
        use crate::scenario::load::tests::{lines, yaml};
        let e = yaml(
            "service:\n  nodeSelector: {tier: 01}\n  affinity: {nodeAffinity: \
             {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: \
             [{matchExpressions: [{key: cpu, operator: Gt, values: [4]}]}]}}}\n  \
             tolerations: [{key: gpu, operator: Equal, value: yes, effect: NoSchedule}, \
             {key: ssd, operator: Equal, value: true, effect: NoSchedule}]\n\
             cluster:\n  node: {labels: {zone: 1.50}}\n  nodes:\n    - labels: {ssd: \
             false, rack: 0x1F, ok: \"01\", empty: }\n      taints: [{key: k, value: 7, \
             effect: NoSchedule}]\n\
             strategy: {kubernetes: {}}\n",
        )
        .unwrap_err();
        let refused = |path: &str, w: &str, kind: &str| {
            format!(
                "scenarios/web.yaml: {path}: `{w}` is read as {kind}, and a label value is a \
                 string (Kubernetes refuses {kind} here): quote it, `\"{w}\"`"
            )
        };
        // In the order the scenario is read; `yes` is a boolean to the YAML reader, as to
        // Kubernetes' (YAML 1.1).
        assert_eq!(
            lines(e),
            [
                refused("service.nodeSelector.tier", "01", "a number"),
                refused(
                    "service.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution\
                     .nodeSelectorTerms.0.matchExpressions.0.values.0",
                    "4",
                    "a number"
                ),
                refused("service.tolerations.0.value", "yes", "a boolean"),
                refused("service.tolerations.1.value", "true", "a boolean"),
                refused("cluster.node.labels.zone", "1.50", "a number"),
                refused("cluster.nodes.0.labels.ssd", "false", "a boolean"),
                refused("cluster.nodes.0.labels.rack", "0x1F", "a number"),
                refused("cluster.nodes.0.taints.0.value", "7", "a number"),
            ]
        );
        // A value `--set` gives is not the file's: it is shown as read, not quoted back.
        let e = crate::scenario::load::tests::with(
            "service: {}\nstrategy: {kubernetes: {}}\n",
            &["service.nodeSelector.tier=01"],
        )
        .unwrap_err();
        let unquoted = "expected a label value, a string (Kubernetes refuses a number here), \
                        got a number, read as";
        assert_eq!(
            lines(e),
            [format!(
                "scenarios/web.yaml: service.nodeSelector.tier: {unquoted} 1.0: quote the \
                 value as written (`\"01\"`, not `01`) (from --set service.nodeSelector.tier=01)"
            )]
        );
        let e = crate::scenario::load_str(
            r#"{"service": {"nodeSelector": {"tier": 1}}, "strategy": {"kubernetes": {}}}"#,
            "s.json",
            crate::scenario::Format::Json,
            &[],
        )
        .unwrap_err();
        // A JSON file's is quoted as written, as a YAML file's (JSON is YAML's flow
        // syntax: `scenario::written`).
        assert_eq!(
            e.to_string(),
            refused("service.nodeSelector.tier", "1", "a number").replacen(
                "scenarios/web.yaml",
                "s.json",
                1
            )
        );
        // An imported manifest's, at its manifest path (the scenario it renders writes the
        // tree's `1.0`, not the manifest's text: not quoted back).
        let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
                        template:\n    spec:\n      nodeSelector: {tier: 01}\n      \
                        containers: [{name: app, image: web:1}]\n";
        let found = crate::scenario::import::import_str(
            manifest,
            "deploy.yaml",
            crate::scenario::Format::Yaml,
        )
        .unwrap();
        let e = found.candidates[0].outcome.as_ref().unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "deploy.yaml (Deployment web): spec.template.spec.nodeSelector.tier: {unquoted} \
                 1.0: quote the value as written (`\"01\"`, not `01`)"
            )
        );
    }
}
