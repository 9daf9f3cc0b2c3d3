//! What a manifest cannot say, filled in as marked defaults: the versions' latencies,
//! the node pool, the control plane, and traffic (a request rate when an analysis needs
//! one, else commented out). Each carries a comment telling the user to measure it or fit
//! it with `rollout-sim calibrate`.
//!
//! The node pool is sized from the service: room for twice a Deployment's replicas (one
//! pod a node where a host port or a pod anti-affinity on `kubernetes.io/hostname` keeps
//! its pods apart), and
//! for a workload with one pod a node (a DaemonSet, a Swarm global service) three nodes,
//! since its size is the node count, which no manifest says: the comment above the pool
//! asks for the user's (`--set cluster.nodes=N`).

use super::super::limits::MAX_NODES;
use super::super::overrides::Override;
use super::super::placement::HOSTNAME_LABEL;
use super::super::quantity;
use super::draft::Draft;
use serde_json::{Map, Value, json};

/// Which controller the manifest is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Controller {
    /// A Kubernetes Deployment.
    Kubernetes,
    /// A Docker Swarm service from a compose file.
    Swarm,
}

/// The default node: 4 cores, 8 GiB (the scenario format's own default).
const NODE_CPU_MILLIS: u64 = 4_000;
const NODE_MEMORY_BYTES: u64 = 8 << 30;

/// The fewest nodes of a default pool, and the whole pool of a workload with one pod a
/// node: enough for a rollout to take more than one step, and for `maxUnavailable: 1`
/// to differ from a percentage.
const MIN_NODES: u64 = 3;

/// The labels every kubelet puts on its node, for a DaemonSet's default node: its OS and
/// architecture (kubernetes/kubernetes v1.30 `pkg/kubelet/kubelet_node_status.go`,
/// `initialNode`, from the kubelet binary's `GOOS` and `GOARCH`; the keys are
/// `k8s.io/api/core/v1` `LabelOSStable`, `LabelArchStable`). A DaemonSet commonly selects
/// `kubernetes.io/os: linux` (node-exporter, kube-proxy), which would otherwise leave it
/// no node on the unlabelled default pool. Linux on amd64 is itself a DEFAULT.
const KUBELET_LABELS: [(&str, &str); 2] = [
    ("kubernetes.io/os", "linux"),
    ("kubernetes.io/arch", "amd64"),
];

/// Adds the defaults to `d`.
pub fn fill(d: &mut Draft, controller: Controller) {
    latencies(d);
    cluster(d, controller);
    traffic(d);
    d.put("horizon", json!("2h"));
    d.comment(
        "horizon",
        "how long a trial may run before it counts as a timeout",
    );
    // The order scenario files are written in.
    let mut tree = std::mem::take(&mut d.tree);
    for key in ORDER {
        if let Some(v) = tree.remove(key) {
            d.tree.insert(key.to_string(), v);
        }
    }
    d.tree.append(&mut tree);
}

/// Top-level keys in the order they are written out.
const ORDER: [&str; 7] = [
    "name",
    "description",
    "horizon",
    "cluster",
    "service",
    "strategy",
    "traffic",
];

/// The footer: the traffic section to fill in, commented out when the scenario has none.
pub fn footer(d: &Draft) -> &'static str {
    if d.tree.contains_key("traffic") {
        ""
    } else {
        TRAFFIC_FOOTER
    }
}

/// The default request rate of a scenario whose analysis measures requests.
const ANALYSIS_RPS: u64 = 50;

/// An analysis (a Rollout's) measures the simulated requests, so it needs a request rate:
/// a marked default. Without an analysis none is set (a request rate the manifest does
/// not give would invent availability figures); the footer shows one commented out.
fn traffic(d: &mut Draft) {
    let Some(strategy) = d.tree.get("strategy") else {
        return;
    };
    // An explicit stack: the strategy's depth is the manifest's.
    let mut stack = vec![strategy];
    let mut measures = false;
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                measures |= m.contains_key("metrics");
                stack.extend(m.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    if measures {
        // The traffic section may hold what the manifest says of it (a Canary's retries):
        // the rate goes first, as in a hand-written file (a slot here, which `assume`
        // fills and comments).
        let rps = json!(ANALYSIS_RPS);
        let (to, value) = match d.tree.get_mut("traffic") {
            Some(Value::Object(t)) => {
                let rest = std::mem::take(t);
                t.insert("rps".into(), Value::Null);
                t.extend(rest);
                ("traffic.rps", rps)
            }
            _ => ("traffic", json!({ "rps": rps })),
        };
        d.assume(
            to,
            value,
            "DEFAULT request rate, not in the manifest: the analysis measures requests, so\n\
             the scenario needs a rate; set yours (and `slo`, `endpoint_propagation`, see\n\
             the README's traffic section; behind Istio, whose sidecars retry a refused\n\
             connection or a 503 twice by default, `retries: {attempts: 2}`).",
        );
    }
}

/// The footer: a traffic section to fill in, commented out (a request rate the manifest
/// does not give would invent availability figures).
const TRAFFIC_FOOTER: &str = "\n# Traffic is not in the manifest: without it no availability is measured. Set your\n\
# request rate and uncomment:\n\
# traffic:\n\
#   rps: 200\n\
#   endpoint_propagation: 1s\n\
#   slo: {availability: 0.999, window: 10s}\n\
#   retries: {attempts: 2}   # behind Istio, whose sidecars retry refused connections and 503s\n";

fn latencies(d: &mut Draft) {
    d.comment(
        "service.versions",
        "DEFAULT latencies, not in the manifest: measure your image's pull, start and\n\
         readiness times (or fit them with `rollout-sim calibrate`) and replace them.\n\
         `current` runs before the rollout, `next` is what the manifest rolls out.",
    );
    for v in ["current", "next"] {
        let at = |k: &str| format!("service.versions.{v}.{k}");
        if v == "next" {
            d.put(
                &at("pull"),
                json!({"lognormal": {"median": "2s", "p99": "15s"}}),
            );
        }
        d.put(&at("start"), json!("1s"));
        d.put(
            &at("ready_after"),
            json!({"lognormal": {"median": "4s", "p99": "20s"}}),
        );
        d.put(&at("shutdown"), json!("500ms"));
    }
}

/// A task's request of `kind` in the scenario tree's `service` (0 when not given).
fn request(service: Option<&Value>, kind: &str, parse: fn(&Value) -> Option<u64>) -> u64 {
    service
        .and_then(|s| s.get("resources"))
        .and_then(|r| r.get(kind))
        .and_then(parse)
        .unwrap_or(0)
}

fn cpu(v: &Value) -> Option<u64> {
    quantity::cpu_millis(v).ok()
}

fn memory(v: &Value) -> Option<u64> {
    quantity::memory_bytes(v).ok()
}

/// Whether the scenario `tree` runs one pod (task) a node: a DaemonSet
/// (`strategy.daemonSet`, global by kind) or a Swarm global service (`mode: global`).
fn one_a_node(tree: &Map<String, Value>) -> bool {
    let global = tree
        .get("service")
        .and_then(|s| s.get("mode"))
        .and_then(Value::as_str)
        == Some("global");
    global || is_daemon_set(tree)
}

fn is_daemon_set(tree: &Map<String, Value>) -> bool {
    tree.get("strategy")
        .and_then(|s| s.get("daemonSet"))
        .is_some()
}

/// The default node, `(cpu millis, memory bytes)`: the format's default, grown to hold
/// one task of `service`, two where a workload runs one a node (start-first starts a
/// global service's new task on its old task's node; a DaemonSet's `maxSurge` its new
/// pod beside the old one, kubernetes/kubernetes v1.30 `pkg/controller/daemon/update.go`
/// `rollingUpdate`).
fn default_node(service: Option<&Value>, one_a_node: bool) -> (u64, u64) {
    let tasks = if one_a_node { 2 } else { 1 };
    (
        NODE_CPU_MILLIS.max(request(service, "cpu", cpu).saturating_mul(tasks)),
        NODE_MEMORY_BYTES.max(request(service, "memory", memory).saturating_mul(tasks)),
    )
}

/// Nodes of size `node` with room for twice the replicas of `service` (every surge fits;
/// one task a node where its tasks bind a host port or keep apart by hostname), no fewer
/// than three; three where the workload runs `one_a_node`, which no node count changes
/// the fit of.
fn default_nodes(
    service: Option<&Value>,
    (node_cpu, node_memory): (u64, u64),
    one_a_node: bool,
) -> u64 {
    if one_a_node {
        return MIN_NODES;
    }
    let replicas = service
        .and_then(|s| s.get("replicas"))
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let (cpu, memory) = (
        request(service, "cpu", cpu),
        request(service, "memory", memory),
    );
    // A port bound on the node (a `hostPort`, a host-mode `published`) holds one task
    // a node.
    let binds = |p: &Value| {
        p.get("hostPort").is_some()
            || (p.get("mode").and_then(Value::as_str) == Some("host")
                && p.get("published").is_some())
    };
    let host_port = service
        .and_then(|s| s.get("ports"))
        .and_then(Value::as_array)
        .is_some_and(|ports| ports.iter().any(binds));
    // Every node has a hostname of its own: a term on it holds one pod a node.
    let apart = service
        .and_then(|s| s.pointer(ANTI_AFFINITY_TERMS))
        .and_then(Value::as_array)
        .is_some_and(|terms| {
            terms
                .iter()
                .any(|t| t.get("topologyKey").and_then(Value::as_str) == Some(HOSTNAME_LABEL))
        });
    let per_node = (node_cpu.checked_div(cpu).unwrap_or(u64::MAX))
        .min(node_memory.checked_div(memory).unwrap_or(u64::MAX))
        .min(if host_port || apart { 1 } else { u64::MAX })
        .max(1);
    replicas
        .saturating_mul(2)
        .div_ceil(per_node)
        .clamp(MIN_NODES, MAX_NODES)
}

/// The service's required pod anti-affinity terms, from `service`.
const ANTI_AFFINITY_TERMS: &str =
    "/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution";

/// The default node as the scenario writes it; a DaemonSet's with the kubelet's labels.
fn node_json((cpu, memory): (u64, u64), daemon_set: bool) -> Value {
    let mut node =
        json!({"cpu": super::units::cpu_text(cpu), "memory": super::units::memory_text(memory)});
    if daemon_set {
        let labels: Map<String, Value> = KUBELET_LABELS
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        node["labels"] = Value::Object(labels);
    }
    node
}

/// The default node pool of an imported scenario sized again after the overrides `set`
/// changed the tree: it is sized from the service, so `--set service.replicas=20` on a
/// manifest of 3 replicas must get room for 40, not fail for want of nodes. The part of
/// the pool a `--set` gives (`cluster.nodes`, `cluster.node…`) is the user's and kept.
pub fn resize_pool(tree: &mut Value, set: &[Override]) {
    let touches = |field: &str| set.iter().any(|o| o.touches(field));
    let (own_node, own_nodes) = (touches("cluster.node"), touches("cluster.nodes"));
    if own_node && own_nodes {
        return;
    }
    let Some(map) = tree.as_object() else {
        return;
    };
    let (one_a_node, daemon_set) = (one_a_node(map), is_daemon_set(map));
    let service = tree.get("service");
    let node = if own_node {
        // The user's node, as the scenario format reads it (its default where not given);
        // a value it cannot read is reported by the loader, with the pool left as it is.
        let given = tree.pointer("/cluster/node");
        let part = |kind: &str, parse: fn(&Value) -> Option<u64>, default: u64| match given
            .and_then(|n| n.get(kind))
        {
            None => Some(default),
            Some(v) => parse(v),
        };
        match (
            part("cpu", cpu, NODE_CPU_MILLIS),
            part("memory", memory, NODE_MEMORY_BYTES),
        ) {
            (Some(c), Some(m)) => (c, m),
            _ => return,
        }
    } else {
        default_node(service, one_a_node)
    };
    let nodes = default_nodes(service, node, one_a_node);
    let Some(cluster) = tree.get_mut("cluster").and_then(Value::as_object_mut) else {
        return;
    };
    if !own_node {
        cluster.insert("node".into(), node_json(node, daemon_set));
    }
    if !own_nodes {
        cluster.insert("nodes".into(), json!(nodes));
    }
}

/// A node pool with room for twice the replicas (every surge fits), nodes no smaller than
/// one task and no fewer than three; three for a workload with one pod a node.
fn cluster(d: &mut Draft, controller: Controller) {
    let (one_a_node, daemon_set) = (one_a_node(&d.tree), is_daemon_set(&d.tree));
    let service = d.tree.get("service");
    let node = default_node(service, one_a_node);
    let nodes = default_nodes(service, node, one_a_node);
    d.assume(
        "cluster.nodes",
        json!(nodes),
        if daemon_set {
            DAEMON_SET_POOL
        } else if one_a_node {
            "DEFAULT node pool, not in the manifest: a global service runs one task on each \
             node, so set your nodes"
        } else {
            "DEFAULT node pool, not in the manifest: room for twice the replicas; set your nodes"
        },
    );
    d.put("cluster.node", node_json(node, daemon_set));
    if daemon_set {
        d.comment(
            "cluster.node",
            "DEFAULT node: room for two pods (a surge starts the new one beside the old),\n\
             labelled as every kubelet labels its node (Linux on amd64); give yours with\n\
             `--set 'cluster.node={cpu: …, memory: …, labels: {…}}'`.",
        );
    }
    let (profile, why) = match controller {
        Controller::Kubernetes => (
            "kubernetes",
            "DEFAULT engine overheads: kubelet latencies from upstream; measure yours with \
             `rollout-sim calibrate`",
        ),
        Controller::Swarm if has_start_interval(d) => (
            "ideal",
            "DEFAULT: no engine overheads (the measured docker-20.10 profile predates \
             healthcheck start_interval); fit yours with `rollout-sim calibrate`",
        ),
        Controller::Swarm => (
            "docker-20.10",
            "DEFAULT engine overheads measured on Docker 20.10; fit yours with \
             `rollout-sim calibrate`",
        ),
    };
    d.assume("cluster.control_plane", json!(profile), why);
}

/// The note above a DaemonSet's default pool: its size is the user's node count.
const DAEMON_SET_POOL: &str = "DEFAULT node pool, not in the manifest: a DaemonSet runs one pod on every node\n\
     its nodeSelector, affinity and tolerations allow, so its size (and how long its\n\
     rollout takes) is your node count: set it with `--set cluster.nodes=N`.";

fn has_start_interval(d: &Draft) -> bool {
    d.tree
        .get("service")
        .and_then(|s| s.get("healthcheck"))
        .and_then(|h| h.get("start_interval"))
        .is_some()
}
