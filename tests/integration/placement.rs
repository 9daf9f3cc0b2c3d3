//! Placement through whole trials: spread, per-node limits, Pending reasons in the order
//! of the filters, a stalled rollout's reason, the spread example as a user runs it. The
//! filters' upstream tables, row by row, are in `placement_filters.rs`; the fields each
//! strategy takes, in `placement_fields.rs`.

use crate::yaml;
use rollout_sim::cluster::placer::{PendingReason, Placer};
use rollout_sim::cluster::{Node, TaskState, TraceRecord};
use rollout_sim::scenario::Scenario;
use rollout_sim::trial::Workspace;

/// A Placer over `scenario`'s nodes; places `n` tasks one by one (each holding its
/// resources and counting on its node), and gives the nodes chosen, then the failure.
pub fn place(s: &Scenario, n: usize) -> (Vec<u32>, Option<PendingReason>) {
    let mut placer = Placer::new(s);
    let r = s.service.resources;
    let mut nodes: Vec<Node> = s
        .cluster
        .nodes
        .iter()
        .map(|n| Node::new(n, 2, &[]))
        .collect();
    placer.rebuild(&nodes, r);
    let mut on_node = vec![0u32; nodes.len()];
    let mut chosen = Vec::new();
    for _ in 0..n {
        match placer.pick(&nodes, &on_node, r) {
            Ok(id) => {
                placer.before_change(&nodes, id, r);
                let node = &mut nodes[id as usize];
                node.cpu_used += r.cpu_millis;
                node.memory_used += r.memory_bytes;
                node.tasks += 1;
                node.active += 1;
                placer.after_change(&nodes, id, r);
                on_node[id as usize] += 1;
                placer.wanted_changed(&nodes, id, on_node[id as usize], r);
                chosen.push(id);
            }
            Err(reason) => return (chosen, Some(reason)),
        }
    }
    (chosen, None)
}

/// A 3-zone cluster (one node per zone, `c_cpu` cores in zone c), 1-core pods.
pub fn three_zones(c_cpu: &str, service: &str, strategy: &str) -> Scenario {
    yaml(&format!(
        "cluster:\n  node: {{cpu: \"8\", memory: 64Gi}}\n  nodes:\n\
         \x20   - {{name: a, labels: {{zone: a}}}}\n\
         \x20   - {{name: b, labels: {{zone: b}}}}\n\
         \x20   - {{name: c, cpu: \"{c_cpu}\", labels: {{zone: c}}}}\n\
         service:\n  replicas: 1\n  resources: {{cpu: \"1\", memory: 1Gi}}\n{service}\n\
         strategy:\n  {strategy}\n"
    ))
}

pub const SPREAD: &str = "  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, \
                      whenUnsatisfiable: DoNotSchedule}]";

/// `PodTopologySpread.Filter` (kubernetes/kubernetes v1.30,
/// `podtopologyspread/filtering.go`): a node passes when `matchNum + 1 − minMatchNum ≤
/// maxSkew`. On three equal zones with maxSkew 1 pods go round the zones; when zone c
/// holds only one pod, the others may get one more than c and no more: a, b, c, a, b,
/// then a would make 3 − 1 = 2 > 1, and c has no room: Pending for `spread` (the last
/// filter, after `NodeResourcesFit`, to rule out a node).
#[test]
fn max_skew_on_three_zones() {
    let k8s = "kubernetes: {}";
    let (chosen, failure) = place(&three_zones("8", SPREAD, k8s), 9);
    assert_eq!((chosen, failure), (vec![0, 1, 2, 0, 1, 2, 0, 1, 2], None));
    let (chosen, failure) = place(&three_zones("1", SPREAD, k8s), 9);
    assert_eq!(chosen, [0, 1, 2, 0, 1]);
    assert_eq!(failure, Some(PendingReason::Spread));
    // maxSkew 2: one more pod per big zone.
    let wide = SPREAD.replace("maxSkew: 1", "maxSkew: 2");
    let (chosen, failure) = place(&three_zones("1", &wide, k8s), 9);
    assert_eq!(chosen, [0, 1, 2, 0, 1, 0, 1]);
    assert_eq!(failure, Some(PendingReason::Spread));
    // Without the constraint the same cluster takes every pod the resources allow.
    let (chosen, failure) = place(&three_zones("1", "", k8s), 20);
    assert_eq!(
        (chosen.len(), failure),
        (17, Some(PendingReason::Resources))
    );
}

/// A node without the topology key fails the filter (`ErrReasonNodeLabelNotMatch`), and
/// a domain whose only node fails the pod's node affinity does not count
/// (`nodeAffinityPolicy: Honor`): the minimum is over zones a and b only.
#[test]
fn spread_counts_only_domains_of_eligible_nodes() {
    let s = yaml(&format!(
        "cluster:\n  node: {{cpu: \"8\", memory: 64Gi}}\n  nodes:\n\
         \x20   - {{name: a, labels: {{zone: a, pool: web}}}}\n\
         \x20   - {{name: b, labels: {{zone: b, pool: web}}}}\n\
         \x20   - {{name: c, labels: {{zone: c, pool: db}}}}\n\
         \x20   - {{name: nozone, labels: {{pool: web}}}}\n\
         service:\n  replicas: 1\n  resources: {{cpu: \"1\", memory: 1Gi}}\n\
         \x20 nodeSelector: {{pool: web}}\n{SPREAD}\n\
         strategy:\n  kubernetes: {{}}\n"
    ));
    let (chosen, failure) = place(&s, 6);
    assert_eq!((chosen, failure), (vec![0, 1, 0, 1, 0, 1], None));
}

/// swarmkit `MaxReplicasFilter`: fewer active tasks of the service on the node than
/// `max_replicas_per_node`; with 3 nodes and a limit of 2 the seventh task has nowhere to go.
#[test]
fn max_replicas_per_node() {
    let s = three_zones("8", "  placement: {max_replicas_per_node: 2}", "swarm: {}");
    let (chosen, failure) = place(&s, 7);
    assert_eq!(chosen, [0, 1, 2, 0, 1, 2]);
    assert_eq!(failure, Some(PendingReason::MaxReplicasPerNode));
    // Resources run out first on a small zone c: still the per-node limit, which is later
    // in swarmkit's pipeline (ReadyFilter, ResourceFilter, …, MaxReplicasFilter).
    let s = three_zones("1", "  placement: {max_replicas_per_node: 2}", "swarm: {}");
    let (chosen, failure) = place(&s, 7);
    assert_eq!(
        (chosen.len(), failure),
        (5, Some(PendingReason::MaxReplicasPerNode))
    );
}

/// swarmkit spread preferences: each task goes to the zone with the fewest tasks of the
/// service, counted over the zone's nodes (`nodeSet.tree`, `scheduleNTasksOnSubtree`),
/// even when one zone has more nodes (plain spread would put 2 of 3 tasks there).
#[test]
fn spread_preference_balances_zones_not_nodes() {
    let s = yaml(
        "cluster:\n  node: {cpu: \"8\", memory: 64Gi}\n  nodes:\n\
         \x20   - {name: a1, labels: {zone: a}}\n\
         \x20   - {name: a2, labels: {zone: a}}\n\
         \x20   - {name: b1, labels: {zone: b}}\n\
         service:\n  replicas: 1\n  resources: {cpu: \"1\", memory: 1Gi}\n\
         \x20 placement: {preferences: [{spread: node.labels.zone}]}\n\
         strategy:\n  swarm: {}\n",
    );
    let (chosen, failure) = place(&s, 4);
    assert_eq!((chosen, failure), (vec![0, 2, 1, 2], None));
}

/// The reason recorded is that of the last filter to rule a node out, in each
/// orchestrator's order: one full SSD node and two HDD nodes read `resources` for
/// Kubernetes (NodeAffinity runs before NodeResourcesFit) and `affinity` for Swarm
/// (ConstraintFilter runs after ResourceFilter). Untolerated taints on every node: `taint`.
#[test]
fn pending_reason_follows_the_filter_order() {
    let cluster = "cluster:\n  node: {cpu: \"1\", memory: 8Gi}\n  nodes:\n\
                   \x20   - {name: ssd, labels: {disk: ssd}}\n\
                   \x20   - {name: hdd-1, labels: {disk: hdd}}\n\
                   \x20   - {name: hdd-2, labels: {disk: hdd}}\n";
    let service = "service:\n  replicas: 1\n  resources: {cpu: \"1\", memory: 1Gi}\n";
    let k8s = yaml(&format!(
        "{cluster}{service}  nodeSelector: {{disk: ssd}}\nstrategy: {{kubernetes: {{}}}}\n"
    ));
    assert_eq!(place(&k8s, 2), (vec![0], Some(PendingReason::Resources)));
    let swarm = yaml(&format!(
        "{cluster}{service}  placement: {{constraints: [node.labels.disk==ssd]}}\n\
         strategy: {{swarm: {{}}}}\n"
    ));
    assert_eq!(place(&swarm, 2), (vec![0], Some(PendingReason::Affinity)));
    let tainted = yaml(
        "cluster:\n  nodes: 3\n  node: {taints: [{key: gpu, effect: NoSchedule}]}\n\
         service: {replicas: 0}\nstrategy: {kubernetes: {}}\n",
    );
    assert_eq!(place(&tainted, 1), (vec![], Some(PendingReason::Taint)));
}

/// A whole trial: the rollout of k8s-affinity-pending.yaml's shape stalls, the new pod's
/// `pending` record carries `resources`, and the trial's `pending_resources` is set.
#[test]
fn a_stalled_rollout_records_its_reason() {
    let s = rollout_sim::scenario::load_file(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/k8s-affinity-pending.yaml"
        )),
        &[],
    )
    .unwrap();
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome.as_str(), "deadline_exceeded");
    assert_eq!(r.pending.get(PendingReason::Resources), Some(true));
    assert_eq!(r.pending.get(PendingReason::Affinity), Some(false));
    assert_eq!(r.pending.get(PendingReason::MaxReplicasPerNode), None);
    let pending: Vec<_> = trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                state: TaskState::Pending,
                reason,
                version: 1,
                ..
            } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(pending, [Some(PendingReason::Resources)]);
}

/// The fix, k8s-affinity-pending-fix.yaml, completes in every trial, yet every trial has
/// `pending_resources`: the one allowed node stays full, so each new pod is Pending from
/// the instant the old pod it replaces starts Terminating until that pod exits (its 1 s
/// `shutdown`), and placed then. Its comment and the README's examples row say so.
#[test]
fn the_affinity_fix_waits_for_each_old_pod_and_says_so() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/k8s-affinity-pending-fix.yaml"
    );
    let s = rollout_sim::scenario::load_file(std::path::Path::new(path), &[]).unwrap();
    let mut ws = Workspace::new(&s);
    for k in 0..50 {
        let (r, trace) = ws.run_traced(k);
        assert_eq!(r.outcome.as_str(), "completed", "trial {k}");
        assert_eq!(
            r.pending.get(PendingReason::Resources),
            Some(true),
            "trial {k}"
        );
        // (time, old pod terminating) and (time, new pod pending / placed), in order.
        let mut terminating = Vec::new();
        let mut stopped = Vec::new();
        let mut pending = Vec::new();
        let mut placed = Vec::new();
        let mut on_node = Vec::new();
        for e in &trace {
            if let TraceRecord::Task {
                t,
                task,
                version,
                state,
                node,
                reason,
                ..
            } = *e
            {
                match (version, state) {
                    (0, TaskState::Terminating) => terminating.push(t),
                    (0, TaskState::Stopped) => stopped.push(t),
                    (1, TaskState::Pending) => {
                        assert_eq!(reason, Some(PendingReason::Resources), "trial {k}");
                        pending.push(t);
                    }
                    // Its first record on a node: pulling, or prepared once the node has
                    // the image.
                    (1, _) if node.is_some() && !on_node.contains(&task) => {
                        on_node.push(task);
                        placed.push(t);
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(pending.len(), 4, "trial {k}");
        assert_eq!(pending, terminating, "trial {k}");
        assert_eq!(placed, stopped, "trial {k}");
        assert!(
            placed
                .iter()
                .zip(&pending)
                .all(|(p, q)| p - q == rollout_sim::sim::time::SECOND),
            "trial {k}: {pending:?} {placed:?}"
        );
    }
    let comment = std::fs::read_to_string(path).unwrap();
    assert!(
        comment.contains("`pending_resources` in 100% of trials"),
        "{comment}"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `scenarios/k8s-affinity-pending-fix.yaml` |"))
        .unwrap();
    assert!(row.contains("`pending_resources` 100%"), "{row}");
}

/// docs/placement.md's per-node limit example switched to stop-first: every worker holds
/// its two tasks, but the updater tells a slot's old task to stop in the same store batch
/// that creates its replacement (swarmkit `updateTask`), and a task told to stop no longer
/// counts against `max_replicas_per_node`. So no new task waits, and the trial must not
/// say one did (it said `max_replicas_per_node` in every trial).
#[test]
fn stop_first_under_a_per_node_limit_never_waits() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/swarm-max-replicas-start-first.yaml"
    ));
    let sets = ["strategy.swarm.update_config.order=stop-first"
        .parse()
        .unwrap()];
    let s = rollout_sim::scenario::load_file(path, &sets).unwrap();
    let mut ws = Workspace::new(&s);
    for k in 0..20 {
        let (r, trace) = ws.run_traced(k);
        assert_eq!(r.outcome.as_str(), "completed", "trial {k}");
        assert_eq!(
            r.pending.get(PendingReason::MaxReplicasPerNode),
            Some(false),
            "trial {k}"
        );
        let waited = trace.iter().any(|e| {
            matches!(
                e,
                TraceRecord::Task {
                    reason: Some(_),
                    ..
                }
            )
        });
        assert!(!waited, "trial {k}");
    }
}

/// As a user runs it: the spread example prints the share of trials per reason, its
/// summary.json has the shares as the `pending_*` means (1 for spread, 0 for the other
/// Kubernetes reasons, none for Swarm's per-node limit), and the trace's pending record
/// names the reason. The independent expectation: every trial must wait for zone c (see
/// `max_skew_on_three_zones` for the rule), and the pods never wait for a taint.
#[test]
fn the_spread_example_as_a_user_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.jsonl");
    let out = assert_cmd::Command::cargo_bin("rollout-sim")
        .unwrap()
        .args([
            "run",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scenarios/k8s-spread-surge.yaml"
            ),
            "--trials",
            "20",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    assert!(
        stdout.contains(
            "\npending: share of trials in which a task found no node, by the last \
                         filter to rule one out\n  spread  100.0%\n"
        ),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap())
            .unwrap();
    let mean = |c: &str| summary["metrics"][c]["mean"].as_f64();
    assert_eq!(mean("pending_spread"), Some(1.0));
    assert_eq!(mean("pending_taint"), Some(0.0));
    assert_eq!(mean("pending_affinity"), Some(0.0));
    assert_eq!(mean("pending_max_replicas_per_node"), None);
    let lines = std::fs::read_to_string(&trace).unwrap();
    assert!(
        lines
            .lines()
            .any(|l| l.contains(r#""state":"pending","reason":"spread""#)),
        "{lines}"
    );
}
