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

/// A map of label key to value; numbers and booleans are read as the text YAML shows
/// (`tier: 1` is the label value `"1"`), as `kubectl label` would store them.
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

/// A label value: a string, or a number / boolean as written.
pub(super) fn label_value(n: &Node) -> Option<String> {
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
