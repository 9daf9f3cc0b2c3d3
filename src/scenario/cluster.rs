//! `cluster`: the nodes and which images they already hold.
//!
//! `nodes` is a count (`3`: identical nodes `node-1` … `node-3` shaped like `node`) or a
//! list of `{name, cpu, memory}` (a missing name is `node-<position>`, missing capacity
//! is `node`'s; names must be unique). Each may carry `labels`, `taints` and `role`
//! ([`super::placement`]); an entry's labels are merged over `node`'s. Defaults: one node, `node: {cpu: "4", memory:
//! 8Gi}`, `image_cached: [current]`, `control_plane: ideal` (see [`super::control_plane`]).

use super::control_plane::ControlPlane;
use super::limits::{self, MAX_NODES};
use super::model::{CURRENT, Cluster, NodeSpec, Resources, Version, VersionId};
use super::placement::{self, NodeAttrs};
use super::service::{resources, version_ref};
use super::walk::{Node, Obj};
use serde_json::Value;

/// Fields of `cluster`.
pub const FIELDS: &[&str] = &[
    "nodes",
    "node",
    "image_cached",
    "control_plane",
    "autoscaler",
];
/// Fields of each `nodes` item.
pub const NODE_FIELDS: &[&str] = &["name", "cpu", "memory", "labels", "taints", "role"];
/// Fields of `node`, the template of every node.
pub const TEMPLATE_FIELDS: &[&str] = &["cpu", "memory", "labels", "taints", "role"];

/// The default node: 4 cores, 8 GiB.
const DEFAULT_NODE: Resources = Resources {
    cpu_millis: 4_000,
    memory_bytes: 8 << 30,
};

/// The cluster section; `versions` resolves `image_cached`.
pub fn cluster(o: &Obj, versions: &[Version]) -> Cluster {
    let template = o.section("node", TEMPLATE_FIELDS);
    let shape = capacity(&template, DEFAULT_NODE);
    let attrs = placement::node_attrs(&template, &NodeAttrs::default());
    let (nodes, node_attrs) = o
        .opt("nodes", |n| nodes(n, shape, &attrs))
        .unwrap_or_else(|| (vec![node_spec(0, shape)], Vec::new()));
    let autoscaler = super::cluster_autoscaler::autoscaler(
        o,
        nodes.len(),
        (&node_spec(0, shape), &attrs),
        versions,
    );
    Cluster {
        autoscaler,
        node_attrs: if node_attrs.is_empty() && attrs != NodeAttrs::default() {
            vec![attrs; nodes.len()]
        } else {
            node_attrs
        },
        nodes,
        image_cached: o.or("image_cached", vec![CURRENT], |n| image_cached(n, versions)),
        control_plane: o.or("control_plane", ControlPlane::ideal(), Node::control_plane),
    }
}

/// The nodes and, when any differs from the default, every node's attributes.
type Nodes = (Vec<NodeSpec>, Vec<NodeAttrs>);

fn nodes(n: &Node, shape: Resources, attrs: &NodeAttrs) -> Option<Nodes> {
    match n.value() {
        Value::Number(_) => {
            let count = n.u64_in(1..=MAX_NODES, |got| {
                format!("must be between 1 and {MAX_NODES}, got {got}")
            })?;
            let specs = (0..count as usize).map(|i| node_spec(i, shape)).collect();
            Some((specs, Vec::new()))
        }
        Value::Array(_) => node_list(n, shape, attrs),
        _ => n.expected("a number of nodes or a list of {name, cpu, memory}"),
    }
}

fn node_list(n: &Node, shape: Resources, template: &NodeAttrs) -> Option<Nodes> {
    let items = n.list()?;
    if items.is_empty() {
        return n.fail("a cluster needs at least one node");
    }
    if items.len() as u64 > MAX_NODES {
        return n.fail(limits::too_many(MAX_NODES as usize, items.len(), "nodes"));
    }
    let mut out: Vec<NodeSpec> = Vec::with_capacity(items.len());
    let mut attrs: Vec<NodeAttrs> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let o = item.object_or_empty(NODE_FIELDS);
        let r = capacity(&o, shape);
        attrs.push(placement::node_attrs(&o, template));
        let name = o.or("name", node_name(i), |n| {
            let name = n.string()?;
            let ok = !name.trim().is_empty() && !name.contains(char::is_control);
            n.check(
                name,
                ok,
                "expected a node name such as `node-1` (not empty, no control characters); \
                 leave `name` out for `node-N`",
            )
        });
        if out.iter().any(|s| s.name == name) {
            o.get("name")
                .unwrap_or_else(|| item.clone())
                .problem(format!("duplicate node name `{name}`"));
        }
        out.push(NodeSpec {
            name,
            cpu_millis: r.cpu_millis,
            memory_bytes: r.memory_bytes,
        });
    }
    // Cleared only when the template's attributes are the default too: `cluster` gives
    // an empty list the template's, which would put back the taints of entries that
    // dropped them (`taints: []`).
    if *template == NodeAttrs::default() && attrs.iter().all(|a| *a == NodeAttrs::default()) {
        attrs.clear();
    }
    Some((out, attrs))
}

/// A node's `cpu` and `memory`: what it offers, so more than 0 (a node with nothing would
/// only show up later as a fleet that does not fit, blamed on the service).
fn capacity(o: &Obj, default: Resources) -> Resources {
    let r = resources(o, default);
    for (field, given) in [("cpu", r.cpu_millis), ("memory", r.memory_bytes)] {
        if given == 0
            && let Some(n) = o.get(field)
        {
            n.problem(format!(
                "a node's {field} must be greater than 0: it is what the node offers the \
                 tasks (`service.resources` is what each task reserves)"
            ));
        }
    }
    r
}

/// Not one node can hold a single task of the service: the nodes are too small whatever
/// their number, said at the node field that falls short (`cluster.node.cpu`, or
/// `cluster.nodes` for a list) rather than as a starting fleet that does not fit.
/// `root` is the scenario's top-level map.
pub fn room_for_one_task(root: &Obj, c: &Cluster, r: Resources, replicas: u32) {
    use super::error::Problem;
    use super::feasibility::{cpu, memory};
    let cpu_short = c.nodes.iter().all(|n| n.cpu_millis < r.cpu_millis);
    let memory_short = c.nodes.iter().all(|n| n.memory_bytes < r.memory_bytes);
    let fits = |n: &NodeSpec| n.cpu_millis >= r.cpu_millis && n.memory_bytes >= r.memory_bytes;
    if replicas == 0 || c.nodes.iter().any(fits) {
        return;
    }
    let listed = root
        .get("cluster")
        .and_then(|c| c.value().get("nodes").map(Value::is_array))
        .unwrap_or(false);
    let most = |f: fn(&NodeSpec) -> u64| c.nodes.iter().map(f).max().unwrap_or(0);
    let shortfalls = [
        (
            "cpu",
            cpu_short,
            cpu(most(|n| n.cpu_millis)),
            cpu(r.cpu_millis),
        ),
        (
            "memory",
            memory_short,
            memory(most(|n| n.memory_bytes)),
            memory(r.memory_bytes),
        ),
    ];
    let mut said = false;
    for (field, short, offered, reserved) in shortfalls {
        if !short {
            continue;
        }
        said = true;
        let (path, which) = if listed {
            ("cluster.nodes".to_string(), "the largest node offers")
        } else {
            (format!("cluster.node.{field}"), "each node offers")
        };
        let reserves = format!("service.resources.{field}");
        root.node().ctx().push(
            Problem::new(
                path,
                format!(
                    "too small: {which} {offered} {field}, less than one task reserves \
                     (`{reserves}`: {reserved}), so the starting fleet does not fit: not one \
                     task anywhere. Give the nodes more {field} or reserve less"
                ),
            )
            .reading(&[&reserves]),
        );
    }
    if !said {
        // Each resource fits on some node, never both on the same one.
        root.node().ctx().push(
            Problem::new(
                if listed {
                    "cluster.nodes"
                } else {
                    "cluster.node"
                },
                format!(
                    "too small: no node offers both the cpu ({}) and the memory ({}) one task \
                     reserves (`service.resources`), so the starting fleet does not fit: not \
                     one task anywhere",
                    cpu(r.cpu_millis),
                    memory(r.memory_bytes)
                ),
            )
            .reading(&["service.resources"]),
        );
    }
}

fn node_spec(i: usize, shape: Resources) -> NodeSpec {
    NodeSpec {
        name: node_name(i),
        cpu_millis: shape.cpu_millis,
        memory_bytes: shape.memory_bytes,
    }
}

fn node_name(i: usize) -> String {
    format!("node-{}", i + 1)
}

/// A list of version names, each once (`image_cached`, also `cluster.autoscaler`'s).
pub(super) fn image_cached(n: &Node, versions: &[Version]) -> Option<Vec<VersionId>> {
    let mut out: Vec<VersionId> = Vec::new();
    for item in n.list()? {
        if let Some(id) = version_ref(&item, versions)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use serde_json::json;

    fn parse(v: Value) -> (Cluster, Vec<String>) {
        let versions = ["current", "next", "canary"].map(|name| Version {
            name: name.into(),
            image: name.into(),
            pull: crate::scenario::Dist::ZERO,
            start: crate::scenario::Dist::ZERO,
            ready_after: crate::scenario::Dist::ZERO,
            crash_probability: 0.0,
            crash_after: crate::scenario::Dist::Never,
            hang_after: crate::scenario::Dist::Never,
            shutdown: crate::scenario::Dist::ZERO,
            error_rate: 0.0,
            service_time: crate::scenario::Dist::ZERO,
            capacity_rps: None,
            template_of: None,
        });
        walk::run(&v, |n| cluster(&n.object_or_empty(FIELDS), &versions))
    }

    fn shape(c: &Cluster) -> Vec<(&str, u64, u64)> {
        c.nodes
            .iter()
            .map(|n| (n.name.as_str(), n.cpu_millis, n.memory_bytes))
            .collect()
    }

    #[test]
    fn a_count_of_identical_nodes() {
        let (c, p) = parse(json!({"nodes": 2, "node": {"cpu": "2", "memory": "4Gi"}}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            shape(&c),
            [("node-1", 2000, 4 << 30), ("node-2", 2000, 4 << 30)]
        );
        let (c, _) = parse(json!({}));
        assert_eq!(shape(&c), [("node-1", 4000, 8 << 30)]);
        assert_eq!(c.image_cached, [CURRENT]);
    }

    #[test]
    fn a_list_of_nodes_defaults_to_the_node_shape() {
        let (c, p) = parse(json!({"node": {"cpu": 1},
                                  "nodes": [{"name": "big", "cpu": 8, "memory": "32Gi"}, {}]}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            shape(&c),
            [("big", 8000, 32 << 30), ("node-2", 1000, 8 << 30)]
        );
    }

    /// An entry's `taints: []` drops the template's taints, also when every entry does.
    #[test]
    fn every_entry_may_drop_the_template_taints() {
        let taint = json!([{"key": "pool", "effect": "NoSchedule"}]);
        let (c, p) = parse(json!({"node": {"taints": taint},
                                  "nodes": [{"taints": []}, {"taints": []}]}));
        assert!(p.is_empty(), "{p:?}");
        assert!((0..2).all(|i| c.attrs(i).taints.is_empty()));
        let (c, _) = parse(json!({"node": {"taints": taint}, "nodes": [{}, {"taints": []}]}));
        assert_eq!(c.attrs(0).taints.len(), 1);
        assert!(c.attrs(1).taints.is_empty());
    }

    #[test]
    fn bad_node_lists() {
        let (_, p) = parse(json!({"nodes": [{"name": "a"}, {"name": "a"}, {"cpus": 1}]}));
        assert_eq!(
            p,
            [
                "nodes.1.name: duplicate node name `a`",
                "nodes.2.cpus: unknown field `cpus`; did you mean `cpu`?",
            ]
        );
        let (c, p) = parse(json!({"nodes": 0}));
        assert_eq!(p, ["nodes: must be between 1 and 10000, got 0"]);
        assert_eq!(c.nodes.len(), 1, "the default stands in");
        let (_, p) = parse(json!({"nodes": 4_000_000_000u64}));
        assert_eq!(p, ["nodes: must be between 1 and 10000, got 4000000000"]);
        let (_, p) = parse(json!({"nodes": []}));
        assert_eq!(p, ["nodes: a cluster needs at least one node"]);
        let (_, p) = parse(json!({"nodes": "3"}));
        assert_eq!(
            p,
            [r#"nodes: expected a number of nodes or a list of {name, cpu, memory}, got "3""#]
        );
    }

    #[test]
    fn image_cached_names_versions() {
        let (c, p) = parse(json!({"image_cached": ["next", "current", "next"]}));
        assert!(p.is_empty());
        assert_eq!(c.image_cached, [1, 0]);
        let (c, _) = parse(json!({"image_cached": []}));
        assert!(c.image_cached.is_empty());
        let (_, p) = parse(json!({"image_cached": ["canery"]}));
        assert_eq!(
            p,
            ["image_cached.0: unknown version `canery`; did you mean `canary`?"]
        );
    }

    fn load_problems(text: &str, sets: &[&str]) -> Vec<String> {
        crate::scenario::load::tests::with(text, sets)
            .err()
            .map(|e| e.problems.iter().map(|p| p.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_node_needs_a_name_and_room() {
        let (_, p) = parse(json!({"nodes": [{"name": "", "cpu": "4"}, {"name": "a\nb"}]}));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with("nodes.0.name: expected a node name such as `node-1`"),
            "{p:?}"
        );
        assert!(p[1].starts_with("nodes.1.name: "), "{p:?}");
        let (_, p) = parse(json!({"node": {"cpu": 0}, "nodes": [{"memory": 0}]}));
        assert_eq!(
            p,
            [
                "node.cpu: a node's cpu must be greater than 0: it is what the node offers the \
                 tasks (`service.resources` is what each task reserves)",
                "nodes.0.memory: a node's memory must be greater than 0: it is what the node \
                 offers the tasks (`service.resources` is what each task reserves)",
            ]
        );
    }

    #[test]
    fn nodes_too_small_for_one_task_are_named_not_the_replicas() {
        let text = "service: {replicas: 2, resources: {cpu: 500m}}";
        let p = load_problems(text, &["cluster.node.cpu=100m"]);
        assert_eq!(
            p,
            [
                "cluster.node.cpu: too small: each node offers 100m cpu, less than one task \
                 reserves (`service.resources.cpu`: 500m), so the starting fleet does not fit: \
                 not one task anywhere. Give the nodes more cpu or reserve less (from --set \
                 cluster.node.cpu=100m)"
            ]
        );
        let p = load_problems(text, &["cluster.node.cpu=0"]);
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("cluster.node.cpu: a node's cpu must be greater than 0"));
        let p = load_problems(
            "service: {resources: {memory: 2Gi}}\ncluster: {nodes: [{memory: 1Gi}, {memory: 512Mi}]}",
            &[],
        );
        assert!(
            p[0].starts_with("cluster.nodes: too small: the largest node offers 1Gi memory"),
            "{p:?}"
        );
        // Room for one task but not for all: the fleet's own message.
        let p = load_problems(text, &["cluster.node.cpu=500m"]);
        assert!(p[0].starts_with("service.replicas: the starting fleet does not fit"));
        // No replicas, nothing to fit.
        assert!(load_problems("service: {replicas: 0, resources: {cpu: 8}}", &[]).is_empty());
    }
}
