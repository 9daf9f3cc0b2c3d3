//! Ports bound on the node (`service.ports`: a Swarm port published in host mode, a
//! Kubernetes `hostPort`): a node holds one task of the service at a time, the port
//! held, like cpu and memory, until the task has exited (swarmkit v2.1.2
//! `manager/scheduler/filter.go` `HostPortFilter`, `nodeinfo.go` `addTask` /
//! `removeTask`; kube-scheduler v1.30 `NodePorts`). The independent expectation: a host
//! port is exactly a node with room for one task — every trial of the one is the trial
//! of the other, but for the filter named in the `pending_*` columns, which each
//! orchestrator's filter order decides.

use crate::yaml;
use rollout_sim::check::lint::lint;
use rollout_sim::cluster::placer::PendingReason;
use rollout_sim::result::{Outcome, TrialResult};
use rollout_sim::scenario::Scenario;
use rollout_sim::trial::Workspace;

/// `replicas` tasks on `nodes` nodes of 4 cpu, each task requesting `task_cpu`, with
/// `ports` and `strategy`; the old version exits 2 s after its stop, the new one starts
/// in 1 s and is ready 3 s later.
fn scenario(nodes: u32, replicas: u32, task_cpu: &str, ports: &str, strategy: &str) -> Scenario {
    yaml(&format!(
        "horizon: 20m\n\
         cluster: {{nodes: {nodes}, node: {{cpu: '4', memory: 8Gi}}}}\n\
         service:\n  replicas: {replicas}\n  resources: {{cpu: '{task_cpu}'}}\n\
         \x20 ports: {ports}\n\
         \x20 versions: {{current: {{shutdown: 2s}}, next: {{start: 1s, ready_after: 3s, \
         shutdown: 2s}}}}\n\
         strategy: {strategy}\n"
    ))
}

const SWARM_PORT: &str = "[{target: 80, published: 8080, mode: host}]";
const KUBE_PORT: &str = "[{containerPort: 80, hostPort: 8080}]";

fn swarm(order: &str) -> String {
    format!("{{swarm: {{update_config: {{parallelism: 2, order: {order}, monitor: 5s}}}}}}")
}

pub(crate) fn kubernetes(surge: u32, unavailable: u32) -> String {
    format!(
        "{{kubernetes: {{strategy: {{rollingUpdate: {{maxSurge: {surge}, maxUnavailable: \
         {unavailable}}}}}, progressDeadlineSeconds: 120}}}}"
    )
}

pub(crate) fn trials(s: &Scenario, n: u64) -> Vec<TrialResult> {
    let mut w = Workspace::new(s);
    (0..n).map(|t| w.run(t)).collect()
}

/// The rows with the `pending_*` flags left out, and the peak cpu as a count of tasks
/// (the two services request different cpu).
fn as_placed(rows: &[TrialResult], task_cpu: u64) -> Vec<TrialResult> {
    rows.iter()
        .map(|r| {
            assert_eq!(r.peak_cpu_millis % task_cpu, 0);
            TrialResult {
                pending: Default::default(),
                peak_cpu_millis: r.peak_cpu_millis / task_cpu,
                ..*r
            }
        })
        .collect()
}

pub(crate) fn share(rows: &[TrialResult], reason: PendingReason) -> usize {
    rows.iter()
        .filter(|r| r.pending.get(reason) == Some(true))
        .count()
}

/// Every strategy and order, with room for a surge or without: the host port's trials
/// are those of nodes with room for one task (4-cpu tasks on 4-cpu nodes), every
/// column but the pending filter's.
#[test]
fn a_host_port_is_a_node_with_room_for_one_task() {
    let cases = [
        (SWARM_PORT, swarm("stop-first"), 3),
        (SWARM_PORT, swarm("start-first"), 3),
        (SWARM_PORT, swarm("start-first"), 4),
        (KUBE_PORT, kubernetes(1, 0), 3),
        (KUBE_PORT, kubernetes(1, 0), 4),
        (KUBE_PORT, kubernetes(0, 1), 3),
        (KUBE_PORT, kubernetes(2, 1), 4),
    ];
    for (port, strategy, nodes) in cases {
        let by_port = trials(&scenario(nodes, 3, "100m", port, &strategy), 20);
        let by_room = trials(&scenario(nodes, 3, "4", "[]", &strategy), 20);
        assert_like_room(&by_port, &by_room, PendingReason::HostPort, &strategy);
    }
}

/// `by_rule`'s trials (100m pods) are `by_room`'s (4-cpu pods on 4-cpu nodes), every
/// column but the pending filter's: `reason` in the one where `resources` is in the other.
pub(crate) fn assert_like_room(
    by_rule: &[TrialResult],
    by_room: &[TrialResult],
    reason: PendingReason,
    what: &str,
) {
    assert_eq!(as_placed(by_rule, 100), as_placed(by_room, 4000), "{what}");
    assert_eq!(
        share(by_rule, reason),
        share(by_room, PendingReason::Resources),
        "{what}"
    );
    assert_eq!(share(by_rule, PendingReason::Resources), 0, "{what}");
    assert_eq!(share(by_room, reason), 0, "{what}");
}

/// The traps: start-first with as many replicas as nodes never starts a new task (the
/// updater waits with no timeout), nor does a surge with `maxUnavailable: 0` (the
/// Deployment reports ProgressDeadlineExceeded); one node more, or room to stop first,
/// and they complete.
#[test]
fn a_surge_needs_a_node_without_the_port() {
    let hung = trials(
        &scenario(3, 3, "100m", SWARM_PORT, &swarm("start-first")),
        5,
    );
    assert!(hung.iter().all(|r| r.outcome == Outcome::Timeout));
    assert_eq!(share(&hung, PendingReason::HostPort), 5);
    let spare = trials(
        &scenario(4, 3, "100m", SWARM_PORT, &swarm("start-first")),
        5,
    );
    assert!(spare.iter().all(|r| r.outcome == Outcome::Completed));
    // stop-first: the new task is placed once its old task has exited (2 s) and given
    // the port back, then starts in 1 s (ready 3 s later, unseen without a health check): two
    // batches of up to 2 tasks, 2 + 1 s each, then the 5 s monitor.
    let stop_first = trials(&scenario(3, 3, "100m", SWARM_PORT, &swarm("stop-first")), 5);
    for r in &stop_first {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 11_000_000));
    }
    // Created at once, held, it waits Pending for the port (the trace's `"reason":
    // "host_port"`), as swarmkit's scheduler sees it taken until the old task is past
    // RUNNING.
    assert_eq!(share(&stop_first, PendingReason::HostPort), 5);

    let stuck = trials(&scenario(3, 3, "100m", KUBE_PORT, &kubernetes(1, 0)), 5);
    assert!(stuck.iter().all(|r| r.outcome == Outcome::DeadlineExceeded));
    assert!(
        stuck.iter().all(|r| r.min_ready == 3),
        "no old pod is touched"
    );
    assert_eq!(share(&stuck, PendingReason::HostPort), 5);
    let room = trials(&scenario(4, 3, "100m", KUBE_PORT, &kubernetes(1, 0)), 5);
    assert!(room.iter().all(|r| r.outcome == Outcome::Completed));
    let unavailable = trials(&scenario(3, 3, "100m", KUBE_PORT, &kubernetes(1, 1)), 5);
    assert!(unavailable.iter().all(|r| r.outcome == Outcome::Completed));
    assert_eq!(share(&unavailable, PendingReason::HostPort), 5);
}

/// A node that is both full and holds the port: Swarm names the resources
/// (`ResourceFilter` runs before `HostPortFilter`, `pipeline.go` `defaultFilters`),
/// Kubernetes the port (`NodePorts` runs before `NodeResourcesFit`, the default
/// profile's filter order).
#[test]
fn each_orchestrator_names_its_first_filter() {
    let s = trials(&scenario(3, 3, "4", SWARM_PORT, &swarm("start-first")), 3);
    assert_eq!(share(&s, PendingReason::Resources), 3);
    assert_eq!(share(&s, PendingReason::HostPort), 0);
    let k = trials(&scenario(3, 3, "4", KUBE_PORT, &kubernetes(1, 0)), 3);
    assert_eq!(share(&k, PendingReason::HostPort), 3);
    assert_eq!(share(&k, PendingReason::Resources), 0);
}

/// Ingress mode binds nothing on the node (the routing mesh publishes the port), and
/// host mode without `published` lets the engine pick a free port: start-first has room.
/// An ingress port attaches the `ingress` network: Docker's 2 s gossip wait before each
/// stop, as `networks: [ingress]` gives.
#[test]
fn ingress_mode_and_unpublished_ports_bind_no_node() {
    for ports in [
        "[{target: 80, published: 8080}]",
        "[{target: 80, mode: host}]",
    ] {
        let s = scenario(3, 3, "100m", ports, &swarm("start-first"));
        let r = trials(&s, 3);
        assert!(r.iter().all(|r| r.outcome == Outcome::Completed), "{ports}");
        assert!(
            warning(&s, "swarm-start-first-no-room").is_none(),
            "{ports}"
        );
    }
    let ingress = trials(
        &scenario(
            3,
            3,
            "100m",
            "[{target: 80, published: 8080}]",
            &swarm("stop-first"),
        ),
        3,
    );
    let network = yaml(&format!(
        "horizon: 20m\ncluster: {{nodes: 3, node: {{cpu: '4', memory: 8Gi}}}}\n\
             service:\n  replicas: 3\n  resources: {{cpu: '100m'}}\n  networks: [ingress]\n\
             \x20 versions: {{current: {{shutdown: 2s}}, next: {{start: 1s, ready_after: 3s, \
             shutdown: 2s}}}}\nstrategy: {}\n",
        swarm("stop-first")
    ));
    assert_eq!(ingress, trials(&network, 3));
}

/// The message of `lint`'s warning `rule` for `s`, if it warns.
pub(crate) fn warning(s: &Scenario, rule: &str) -> Option<String> {
    lint(s, None)
        .into_iter()
        .find(|w| w.rule == rule)
        .map(|w| w.message)
}

/// `rollout-sim lint` warns of start-first with no node free of the port, replicated
/// (the room the scheduler finds) and global (the old task holds it on its node).
#[test]
fn lint_names_the_port() {
    const RULE: &str = "swarm-start-first-no-room";
    let s = scenario(3, 3, "100m", SWARM_PORT, &swarm("start-first"));
    let room = warning(&s, RULE).expect("warned");
    assert!(
        room.contains("host port 8080/tcp, one task a node"),
        "{room}"
    );
    // 3 replicas + 2 updating at once: five nodes.
    let warns = |nodes| {
        let s = scenario(nodes, 3, "100m", SWARM_PORT, &swarm("start-first"));
        warning(&s, RULE).is_some()
    };
    assert!(warns(4));
    assert!(!warns(5));
    let global = yaml(&format!(
        "cluster: {{nodes: 3, node: {{cpu: '4', memory: 8Gi}}}}\n\
         service: {{mode: global, ports: {SWARM_PORT}}}\nstrategy: {}\n",
        swarm("start-first")
    ));
    let room = warning(&global, RULE).expect("warned");
    assert!(room.contains("binds host port 8080/tcp"), "{room}");
    let r = trials(&global, 2);
    assert!(r.iter().all(|r| r.outcome == Outcome::Timeout));
}

/// `k8s-host-port-surge`: with `maxUnavailable` 0 and no node free of the service's
/// pods; quiet with a spare node or an old pod removed first.
#[test]
fn lint_warns_of_a_surge_with_no_free_node() {
    let warns = |nodes, surge, unavailable| {
        let s = scenario(nodes, 3, "100m", KUBE_PORT, &kubernetes(surge, unavailable));
        warning(&s, "k8s-host-port-surge").is_some()
    };
    assert!(warns(3, 1, 0));
    assert!(!warns(4, 1, 0));
    assert!(!warns(3, 1, 1));
    assert!(!warns(3, 0, 1));
}

/// More replicas than nodes is refused before any work: each node holds one.
#[test]
fn a_starting_fleet_of_more_tasks_than_nodes_is_refused() {
    let text = format!(
        "cluster: {{nodes: 2}}\nservice: {{replicas: 3, ports: {KUBE_PORT}}}\n\
         strategy: {{kubernetes: {{}}}}\n"
    );
    let e =
        rollout_sim::scenario::load_str(&text, "p.yaml", rollout_sim::scenario::Format::Yaml, &[])
            .unwrap_err()
            .to_string();
    assert!(
        e.contains("the 2 nodes hold 2 (host port 8080/tcp binds one task a node)")
            && e.contains("drop the `hostPort`"),
        "{e}"
    );
}

/// `rollout-sim import`: a container's `hostPort` (every container's), and a
/// `hostNetwork` pod's container ports, which the API server defaults to host ports;
/// compose's host-mode published ports. The default node pool holds twice the replicas,
/// one task a node.
#[test]
fn imports_read_the_ports_bound_on_the_node() {
    use crate::import::import;
    use rollout_sim::scenario::{Port, Protocol, PublishMode};
    let deployment = |pod: &str, ports: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: edge}}\nspec:\n  \
             replicas: 3\n  selector: {{matchLabels: {{app: edge}}}}\n  template:\n    \
             metadata: {{labels: {{app: edge}}}}\n    spec:\n{pod}      containers:\n      \
             - {{name: proxy, image: envoy:1, ports: {ports}}}\n      \
             - {{name: admin, image: a:1, ports: [{{containerPort: 9901, protocol: UDP}}]}}\n"
        )
    };
    let host = |target, published, protocol| Port {
        target,
        published: Some(published),
        protocol,
        mode: PublishMode::Host,
    };
    let (s, _) = import(&deployment(
        "",
        "[{name: http, containerPort: 8080, hostPort: 80}, {containerPort: 9000}]",
    ));
    assert_eq!(s.service.ports, [host(8080, 80, Protocol::Tcp)]);
    assert_eq!(s.cluster.nodes.len(), 6, "twice the replicas, one a node");
    let (s, _) = import(&deployment(
        "      hostNetwork: true\n",
        "[{containerPort: 8080}]",
    ));
    assert_eq!(
        s.service.ports,
        [
            host(8080, 8080, Protocol::Tcp),
            host(9901, 9901, Protocol::Udp)
        ]
    );
    let (s, _) = import(&deployment(
        "      hostNetwork: false\n",
        "[{containerPort: 8080}]",
    ));
    assert!(s.service.ports.is_empty());
    assert_eq!(s.cluster.nodes.len(), 3);
    assert_eq!(
        crate::import::import_error(&deployment("", "[{containerPort: 8080, hostPrt: 80}]")),
        [
            "spec.template.spec.containers.0.ports.0.hostPrt: unknown field `hostPrt`; did you \
          mean `hostPort`? (the Kubernetes API has no such field: `kubectl apply` refuses it, \
          \"strict decoding error: unknown field\")"
        ]
    );

    let compose = "services:\n  agent:\n    image: exporter:1\n    ports:\n      - '9200:9200'\n      \
                   - {target: 9100, published: 9100, mode: host}\n      \
                   - {target: 9300, mode: host}\n    deploy: {replicas: 2}\n";
    let (s, _) = import(compose);
    assert_eq!(s.service.ports, [host(9100, 9100, Protocol::Tcp)]);
    assert_eq!(s.service.networks, ["default", "ingress"]);
    assert_eq!(s.cluster.nodes.len(), 4, "twice the replicas, one a node");
}
