//! `faults`: what breaks while the rollout runs, beyond the versions' own behaviour.
//!
//! ```yaml
//! faults:
//!   node_failures: [{at: 30s, node: node-2, recover_after: never}]   # node: name or index
//!   node_mtbf: 24h                  # each node fails at random, exponential with this mean
//!   node_recovery: never            # how long a randomly failed node stays down (a distribution)
//!   pull_failure_probability: 0.1   # every pull; or by version: {next: 0.5}
//!   node_not_ready_after: 50s       # Kubernetes --node-monitor-grace-period
//!   eviction_after: 300s            # Kubernetes not-ready/unreachable toleration
//!   node_drains: [{at: 1m, node: node-3, maintenance: 10m}]   # kubectl drain / docker node update --availability drain
//! ```

use super::model::{Faults, NodeDrain, NodeFailure, NodeSpec, Version};
use super::service::version_ref;
use super::suggest;
use super::walk::{Node, Obj};
use crate::scenario::show_duration;
use crate::sim::time::Time;
use serde_json::Value;

/// Fields of `faults`.
pub const FIELDS: &[&str] = &[
    "node_failures",
    "node_mtbf",
    "node_recovery",
    "pull_failure_probability",
    "node_not_ready_after",
    "eviction_after",
    "node_drains",
];

/// Fields of each `node_failures` item.
pub const NODE_FAILURE_FIELDS: &[&str] = &["at", "node", "recover_after"];

/// Fields of each `node_drains` item.
pub const NODE_DRAIN_FIELDS: &[&str] = &["at", "node", "maintenance"];

/// The faults section; `nodes` resolves node names, `versions` version names.
pub fn faults(o: &Obj, nodes: &[NodeSpec], versions: &[Version]) -> Faults {
    let d = Faults::default();
    Faults {
        node_failures: o.or("node_failures", Vec::new(), |n| node_failures(n, nodes)),
        node_mtbf: o.opt("node_mtbf", Node::positive_duration),
        node_recovery: o.opt("node_recovery", Node::dist),
        pull_failure_probability: o.or("pull_failure_probability", Vec::new(), |n| {
            pull_failures(n, versions)
        }),
        node_not_ready_after: o.duration("node_not_ready_after", d.node_not_ready_after),
        eviction_after: o.duration("eviction_after", d.eviction_after),
        node_drains: o.or("node_drains", Vec::new(), |n| node_drains(n, nodes)),
    }
}

/// `node_drains`: each node at most once (a drained node stays cordoned, so a second
/// drain of it would find nothing to move).
fn node_drains(n: &Node, nodes: &[NodeSpec]) -> Option<Vec<NodeDrain>> {
    let mut out: Vec<NodeDrain> = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(NODE_DRAIN_FIELDS) else {
            continue;
        };
        let at = o.required("at", Node::duration);
        let node = o.required("node", |n| node_ref(n, nodes));
        let maintenance = match o.get("maintenance") {
            Some(m) if m.value().as_str().map(str::trim) == Some("never") => Some(None),
            Some(m) => m.duration().map(Some),
            None => Some(None),
        };
        let (Some(at), Some(node), Some(maintenance)) = (at, node, maintenance) else {
            continue;
        };
        if out.iter().any(|d| d.node == node) {
            let name = &nodes[node as usize].name;
            if let Some(n) = o.get("node") {
                n.problem(format!(
                    "node `{name}` is drained twice: a node is drained at most once (its \
                     drain's `maintenance` brings it back afterwards; a second drain of it is \
                     not simulated)"
                ));
            }
            continue;
        }
        out.push(NodeDrain {
            at,
            node,
            maintenance,
        });
    }
    Some(out)
}

fn node_failures(n: &Node, nodes: &[NodeSpec]) -> Option<Vec<NodeFailure>> {
    let parsed: Vec<Option<NodeFailure>> = n
        .list()?
        .iter()
        .map(|item| {
            let o = item.object(NODE_FAILURE_FIELDS)?;
            let at = o.required("at", Node::duration);
            let node = o.required("node", |n| node_ref(n, nodes));
            let recover_after = match o.get("recover_after") {
                Some(r) if r.value().as_str().map(str::trim) == Some("never") => None,
                Some(r) => Some(r.positive_duration()?),
                None => None,
            };
            Some(NodeFailure {
                at: at?,
                node: node?,
                recover_after,
            })
        })
        .collect();
    Some(parsed.into_iter().flatten().collect())
}

/// Refuses a drain at or past the `horizon`: the trial would end before it, so it would
/// never run.
pub fn refuse_drains_past(root: &Obj, drains: &[NodeDrain], horizon: Time) {
    let Some(list) = root.get("faults").and_then(|f| {
        f.value()
            .get("node_drains")
            .map(|v| f.child("node_drains", v))
    }) else {
        return;
    };
    // An item that did not read is reported already, and would shift the indices.
    if list.value().as_array().map(Vec::len) != Some(drains.len()) {
        return;
    }
    for (i, d) in drains.iter().enumerate() {
        if d.at < horizon {
            continue;
        }
        if let Some(item) = list.value().get(i) {
            let item = list.child(i, item);
            let at = item.value().get("at").map(|v| item.child("at", v));
            at.unwrap_or(item).problem(format!(
                "the drain at {} would never run: the trial ends at the horizon, {}; drain \
                 earlier or raise `horizon`",
                show_duration(d.at),
                show_duration(horizon)
            ));
        }
    }
}

/// A node by name or by 0-based index.
fn node_ref(n: &Node, nodes: &[NodeSpec]) -> Option<u32> {
    match n.value() {
        Value::Number(_) => {
            let last = nodes.len().saturating_sub(1) as u32;
            n.u32_in(0..=last, |got| {
                format!(
                    "no node with index {got}: the cluster has {} (0 to {last})",
                    nodes.len()
                )
            })
        }
        Value::String(name) => match nodes.iter().position(|s| &s.name == name) {
            Some(i) => Some(i as u32),
            None => {
                let names: Vec<&str> = nodes.iter().map(|s| s.name.as_str()).collect();
                n.fail(format!(
                    "unknown node `{name}`{}",
                    suggest::hint(name, &names)
                ))
            }
        },
        _ => n.expected("a node name or index"),
    }
}

fn pull_failures(n: &Node, versions: &[Version]) -> Option<Vec<f64>> {
    if let Value::Number(_) = n.value() {
        let p = n.probability()?;
        return Some(vec![p; versions.len()]);
    }
    let o = n.map()?;
    let mut out = vec![0.0; versions.len()];
    for (name, value) in o.entries() {
        let key = Value::String(name.to_string());
        let Some(v) = version_ref(&n.child(name, &key), versions) else {
            continue;
        };
        if let Some(p) = value.probability() {
            out[v as usize] = p;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use crate::sim::time::SECOND;
    use serde_json::json;

    fn nodes() -> Vec<NodeSpec> {
        ["a", "b"]
            .iter()
            .map(|n| NodeSpec {
                name: n.to_string(),
                cpu_millis: 1000,
                memory_bytes: 1 << 30,
            })
            .collect()
    }

    fn versions() -> Vec<Version> {
        let s =
            crate::scenario::load_str("service: {}", "x.yaml", crate::scenario::Format::Yaml, &[])
                .unwrap();
        s.service.versions
    }

    fn parse(v: serde_json::Value) -> (Faults, Vec<String>) {
        walk::run(&v, |n| {
            faults(&n.object_or_empty(FIELDS), &nodes(), &versions())
        })
    }

    #[test]
    fn node_failures_by_name_or_index() {
        let (f, p) = parse(json!({"node_failures": [
            {"at": "30s", "node": "b"}, {"at": 60, "node": 0, "recover_after": "2m"}],
            "pull_failure_probability": {"next": 0.5}}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            f.node_failures,
            [
                NodeFailure {
                    at: 30 * SECOND,
                    node: 1,
                    recover_after: None
                },
                NodeFailure {
                    at: 60 * SECOND,
                    node: 0,
                    recover_after: Some(120 * SECOND)
                }
            ]
        );
        assert_eq!((f.pull_failure(0), f.pull_failure(1)), (0.0, 0.5));
        assert_eq!(f.eviction_after, 300 * SECOND);
    }

    #[test]
    fn problems_name_the_field() {
        let (_, p) = parse(
            json!({"node_failures": [{"at": 1, "node": "c"}, {"node": 2}],
                                  "pull_failure_probability": {"nxt": 2}}),
        );
        assert_eq!(
            p,
            [
                "node_failures.0.node: unknown node `c`; did you mean `a`?"
                    .replace("; did you mean `a`?", &suggest::hint("c", &["a", "b"])),
                "node_failures.1: missing field `at`".to_string(),
                "node_failures.1.node: no node with index 2: the cluster has 2 (0 to 1)"
                    .to_string(),
                "pull_failure_probability.nxt: unknown version `nxt`; did you mean `next`?"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn node_drains_by_name_or_index_once_each() {
        let (f, p) = parse(
            json!({"node_drains": [{"at": "1m", "node": "b", "maintenance": "10m"},
                {"at": 5, "node": 0, "maintenance": "never"}]}),
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            f.node_drains,
            [
                NodeDrain {
                    at: 60 * SECOND,
                    node: 1,
                    maintenance: Some(600 * SECOND)
                },
                NodeDrain {
                    at: 5 * SECOND,
                    node: 0,
                    maintenance: None
                }
            ]
        );
        let (_, p) =
            parse(json!({"node_drains": [{"at": "1m", "node": "b", "maintenance": "soon"}]}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("node_drains.0.maintenance: "), "{p:?}");
        let (_, p) =
            parse(json!({"node_drains": [{"at": "1m", "node": "b"}, {"at": 5, "node": 1}]}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("node_drains.1.node: node `b` is drained twice"),
            "{p:?}"
        );
        let (_, p) = parse(json!({"node_drains": [{"node": "c"}]}));
        assert_eq!(
            p,
            [
                "node_drains.0: missing field `at`",
                "node_drains.0.node: unknown node `c`; expected one of `a`, `b`"
            ]
        );
    }
}
