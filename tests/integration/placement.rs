//! Placement through whole trials: spread, per-node limits, Pending reasons in the order
//! of the filters, foreign fields refused, importers carrying placement over. The filters'
//! upstream tables, row by row, are in `placement_filters.rs`.

use crate::yaml;
use rollout_sim::cluster::placer::{PendingReason, Placer};
use rollout_sim::cluster::{Node, TaskState, TraceRecord};
use rollout_sim::scenario::{Format, Override, Scenario, load_str};
use rollout_sim::trial::Workspace;

/// A Placer over `scenario`'s nodes; places `n` tasks one by one (each holding its
/// resources and counting on its node), and gives the nodes chosen, then the failure.
fn place(s: &Scenario, n: usize) -> (Vec<u32>, Option<PendingReason>) {
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
fn three_zones(c_cpu: &str, service: &str, strategy: &str) -> Scenario {
    yaml(&format!(
        "cluster:\n  node: {{cpu: \"8\", memory: 64Gi}}\n  nodes:\n\
         \x20   - {{name: a, labels: {{zone: a}}}}\n\
         \x20   - {{name: b, labels: {{zone: b}}}}\n\
         \x20   - {{name: c, cpu: \"{c_cpu}\", labels: {{zone: c}}}}\n\
         service:\n  replicas: 1\n  resources: {{cpu: \"1\", memory: 1Gi}}\n{service}\n\
         strategy:\n  {strategy}\n"
    ))
}

const SPREAD: &str = "  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, \
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
         service: {replicas: 1}\nstrategy: {kubernetes: {}}\n",
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

/// Each orchestrator's fields with the other's strategy are refused, naming the right one.
#[test]
fn foreign_fields_are_refused() {
    let err = |text: &str| {
        load_str(text, "s.yaml", Format::Yaml, &[])
            .unwrap_err()
            .to_string()
    };
    let e = err("service: {nodeSelector: {zone: a}}\nstrategy: {swarm: {}}\n");
    assert!(
        e.contains(
            "service.nodeSelector: `nodeSelector` is a Kubernetes Pod field; for a \
                    Swarm strategy use `placement: {constraints: [node.labels.KEY==VALUE]}`"
        ),
        "{e}"
    );
    let e = err("service: {placement: {max_replicas_per_node: 1}}\nstrategy: {kubernetes: {}}\n");
    assert!(
        e.contains("service.placement: `placement` is Swarm's"),
        "{e}"
    );
    let e = err(
        "cluster: {nodes: [{taints: [{key: a, effect: NoSchedule}]}]}\nservice: {}\n\
         strategy: {swarm: {}}\n",
    );
    assert!(
        e.contains("cluster.nodes.0.taints: taints are Kubernetes'"),
        "{e}"
    );
    let e = err("cluster: {node: {role: manager}}\nservice: {}\nstrategy: {kubernetes: {}}\n");
    assert!(
        e.contains("cluster.node.role: `role` is Swarm's node role"),
        "{e}"
    );
}

/// A Deployment's spread constraints are decided by their `labelSelector` against the pod
/// template's labels (upstream, a constraint counts only the pods its selector matches):
/// one that matches the template's labels is the scenario's constraint; one that matches
/// none of them, or has no selector (which matches no pod), counts only pods that are not
/// simulated and is left out and reported; per-revision `matchLabelKeys`, `minDomains` and
/// a non-default policy are reported; a selector the API server refuses is an error.
#[test]
fn import_keeps_the_spread_constraints_that_count_the_workloads_pods() {
    let manifest = |constraints: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 0\n  \
             template:\n    metadata: {{labels: {{app: web, tier: front}}}}\n    spec:\n      \
             topologySpreadConstraints:\n{constraints}      containers:\n      - name: app\n        \
             image: web:1\n"
        )
    };
    let item = |key: &str, rest: &str| {
        format!(
            "      - {{maxSkew: 1, topologyKey: {key}, whenUnsatisfiable: DoNotSchedule{rest}}}\n"
        )
    };
    let text = manifest(
        &[
            item("zone", ", labelSelector: {matchLabels: {app: web}}, matchLabelKeys: [pod-template-hash]"),
            item("host", ", labelSelector: {matchLabels: {app: other}}"),
            item("rack", ""),
            item(
                "region",
                ", labelSelector: {matchExpressions: [{key: tier, operator: In, values: [front]}]}, \
                 minDomains: 3, nodeTaintsPolicy: Honor, nodeAffinityPolicy: Honor",
            ),
            item("row", ", labelSelector: {}"),
        ]
        .concat(),
    );
    let (s, found) = super::import::import(&text);
    let keys: Vec<&str> = s
        .service
        .placement
        .spread
        .iter()
        .map(|c| c.topology_key.as_str())
        .collect();
    assert_eq!(keys, ["zone", "region", "row"]);
    let at = "spec.template.spec.topologySpreadConstraints";
    assert_eq!(
        super::import::unsupported(&found),
        [
            format!("{at}.0.matchLabelKeys"),
            format!("{at}.1"),
            format!("{at}.2"),
            format!("{at}.3.minDomains"),
            format!("{at}.3.nodeTaintsPolicy"),
        ]
    );
    // An error of the scenario's own parser still names the manifest's item, though the
    // items before it were left out.
    let bad = manifest(
        &[
            item("host", ""),
            item("zone", ", labelSelector: {}, maxSkew: 0"),
        ]
        .concat(),
    );
    let problems = super::import::import_error(
        &bad.replace("maxSkew: 1, topologyKey: zone", "topologyKey: zone"),
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{at}.1.maxSkew"))),
        "{problems:?}"
    );
    let bad = manifest(&item(
        "zone",
        ", labelSelector: {matchExpressions: [{key: app, operator: Gt, values: [\"1\"]}]}",
    ));
    let problems = super::import::import_error(&bad);
    assert!(
        problems.iter().any(
            |p| p.starts_with(&format!("{at}.0.labelSelector.matchExpressions.0"))
                && p.contains("expected In, NotIn, Exists or DoesNotExist")
        ),
        "{problems:?}"
    );
    // A selector's value and a template label the selector reads are strings: YAML's `01`
    // is a number, which the API server refuses, not a label that happens not to match.
    let bad = manifest(&item(
        "zone",
        ", labelSelector: {matchExpressions: [{key: tier, operator: In, values: [01]}]}",
    ));
    let problems = super::import::import_error(&bad);
    assert!(
        problems.iter().any(|p| p
            .starts_with(&format!("{at}.0.labelSelector.matchExpressions.0.values.0"))
            && p.contains("expected a string")),
        "{problems:?}"
    );
    let bad = manifest(&item(
        "zone",
        ", labelSelector: {matchLabels: {tier: \"01\"}}",
    ))
    .replace("app: web, tier: front", "app: web, tier: 01");
    let problems = super::import::import_error(&bad);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("spec.template.metadata.labels.tier")
                && p.contains("expected a string")),
        "{problems:?}"
    );
}

/// A manifest run directly (`run deploy.yaml --set …`) is checked with the user's
/// overrides: a `nodeSelector` the default node pool cannot satisfy is refused as for any
/// scenario, and a `--set cluster.nodes=[…]` giving the labels makes it run. (Before, the
/// import refused it before the overrides applied, so nothing could make it run.)
#[test]
fn a_manifest_run_directly_takes_the_nodes_its_placement_needs_from_set() {
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
                    replicas: 3\n  template:\n    spec:\n      nodeSelector: {disk: ssd}\n      \
                    containers:\n      - name: app\n        image: web:1\n";
    let load = |sets: &[&str]| {
        let sets: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        load_str(manifest, "deploy.yaml", Format::Yaml, &sets)
    };
    let refused = load(&[]).expect_err("no default node has the label");
    assert!(
        refused.to_string().contains(
            "deploy.yaml: service: the starting fleet does not fit the nodes its placement allows"
        ),
        "{refused}"
    );
    let s = load(&["cluster.nodes=[{labels: {disk: ssd}}, {labels: {disk: ssd}}]"])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.cluster.nodes.len(), 2);
    assert_eq!(s.service.placement.node_selector["disk"], "ssd");
}

const ROLLOUT_KIND: &str = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout";

/// `rollout-sim import` carries the pod's placement fields (of a Deployment or an Argo
/// Rollout) and compose's `deploy.placement` over under the same names, and the scenario
/// parser checks them.
#[test]
fn importers_carry_placement_over() {
    // No replicas: no node of the default cluster needs to match.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n\
         \x20 replicas: 0\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      nodeSelector: {disk: ssd}\n\
         \x20     affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:\n\
         \x20       {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]}}}\n\
         \x20     tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]\n\
         \x20     topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule,\n\
         \x20       labelSelector: {matchLabels: {app: web}}}]\n\
         \x20     containers:\n      - name: app\n        image: web:1\n";
    let (s, found) = super::import::import(deployment);
    let p = &s.service.placement;
    assert_eq!(p.node_selector["disk"], "ssd");
    assert_eq!(p.required_terms.as_ref().map(Vec::len), Some(1));
    assert_eq!((p.tolerations.len(), p.spread.len()), (1, 1));
    assert!(super::import::unsupported(&found).is_empty());
    let deployment_placement = p.clone();
    // An Argo Rollout's pod template, canary or blue-green: the same fields, checked as
    // Kubernetes' (its pods run on the kubelet and kube-scheduler places them).
    for strategy in [
        "canary: {steps: [{setWeight: 50}]}",
        "blueGreen: {activeService: web}",
    ] {
        let rollout = deployment
            .replace("apiVersion: apps/v1\nkind: Deployment", ROLLOUT_KIND)
            .replace(
                "  template:",
                &format!("  strategy: {{{strategy}}}\n  template:"),
            );
        let (s, found) = super::import::import(&rollout);
        assert_eq!(s.strategy.key(), strategy.split(':').next().unwrap());
        assert_eq!(s.service.placement, deployment_placement);
        assert!(super::import::unsupported(&found).is_empty());
    }
    let compose = "services:\n  web:\n    image: shop:2\n    deploy:\n      replicas: 0\n\
         \x20     placement:\n        constraints: [node.role!=manager, node.labels.zone==a]\n\
         \x20       max_replicas_per_node: 1\n        preferences: [{spread: node.labels.zone}]\n";
    let (s, _) = super::import::import(compose);
    let p = &s.service.placement;
    assert_eq!(
        (
            p.constraints.len(),
            p.max_replicas_per_node,
            p.preferences.len()
        ),
        (2, 1, 1)
    );
    // A bad value is reported by the scenario parser, at the manifest's path.
    let bad = compose.replace("node.role!=manager", "node.role=manager");
    let problems = super::import::import_error(&bad);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("placement.constraints.0")
                && p.contains("expected `KEY==VALUE` or `KEY!=VALUE`")),
        "{problems:?}"
    );
    // A value swarmkit's `valuePattern` refuses (`docker stack deploy` would fail), at
    // the manifest's path too.
    let bad = compose.replace("node.labels.zone==a", "node.labels.zone==a>b");
    let problems = super::import::import_error(&bad);
    assert!(
        problems.iter().any(|p| p.contains(
            "services.web.deploy.placement.constraints.1: `node.labels.zone==a>b`: swarmkit \
             refuses the value `a>b` (`value 'a>b' is invalid`)"
        ) && p
            .contains("; not `>` (moby/swarmkit manager/constraint/constraint.go `Parse`")),
        "{problems:?}"
    );
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

/// A minimal section of every registered strategy, for scenarios written once per
/// strategy (a strategy registered without one here fails the tests that use this).
fn minimal_strategy(key: &str) -> &'static str {
    match key {
        "swarm" => "swarm: {}",
        "kubernetes" => "kubernetes: {}",
        "canary" => "canary: {steps: [{setWeight: 50}]}",
        "blueGreen" => "blueGreen: {}",
        "flagger" => "flagger: {analysis: {interval: 10s, threshold: 1, stepWeight: 50}}",
        other => panic!("no minimal section for strategy `{other}`: add one"),
    }
}

/// Which scheduler places a strategy's tasks comes from its registry entry, and it decides
/// everything placement does: every strategy on the kubelet (a Deployment, an Argo Rollout,
/// Flagger's Deployments: README "Argo Rollouts", "Flagger") takes the Kubernetes Pod fields
/// and node taints and refuses Swarm's `placement` and node `role`; Swarm the reverse. Its
/// trials fill the `pending_*` columns of that scheduler's filters (Kubernetes: `taint`,
/// `spread`; Swarm: `max_replicas_per_node`) and leave the other's empty.
#[test]
fn every_strategy_takes_its_schedulers_placement_fields() {
    use rollout_sim::cluster::placer::Scheduler;
    use rollout_sim::cluster::runtime::RuntimeKind;
    use rollout_sim::strategy::registry::KEYS;
    let expected = |key: &str| match key {
        "swarm" => Scheduler::Swarm,
        "kubernetes" | "canary" | "blueGreen" | "flagger" => Scheduler::Kubernetes,
        other => panic!("say which scheduler places `{other}`'s tasks"),
    };
    let cluster = "cluster:\n  node: {cpu: \"4\", memory: 8Gi}\n  nodes:\n\
                   \x20   - {name: a, labels: {zone: a, disk: ssd}}\n\
                   \x20   - {name: b, labels: {zone: b, disk: ssd}}\n";
    let kubernetes_fields = "  nodeSelector: {disk: ssd}\n\
         \x20 affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:\n\
         \x20   {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: Exists}]}]}}}\n\
         \x20 tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]\n\
         \x20 topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n";
    let swarm_fields = "  placement: {constraints: [node.labels.disk==ssd], max_replicas_per_node: 2, \
         preferences: [{spread: node.labels.zone}]}\n";
    let service = "service:\n  replicas: 2\n";
    for &key in KEYS {
        let strategy = format!("strategy:\n  {}\n", minimal_strategy(key));
        let load = |text: String| load_str(&text, "s.yaml", Format::Yaml, &[]);
        let plain = load(format!("{cluster}{service}{strategy}")).unwrap();
        let scheduler = plain.strategy.scheduler();
        assert_eq!(scheduler, expected(key), "{key}");
        assert_eq!(
            scheduler == Scheduler::Kubernetes,
            plain.strategy.runtime() == RuntimeKind::Kubelet,
            "{key}: the scheduler follows the runtime"
        );
        let kubernetes = scheduler == Scheduler::Kubernetes;
        let with_k8s = load(format!("{cluster}{service}{kubernetes_fields}{strategy}"));
        let with_swarm = load(format!("{cluster}{service}{swarm_fields}{strategy}"));
        let taint = cluster.replace(
            "disk: ssd}}\n",
            "disk: ssd}, taints: [{key: gpu, effect: NoSchedule}]}\n",
        );
        let with_taints = load(format!("{taint}{service}{strategy}"));
        let role = cluster.replace("{name: a,", "{name: a, role: manager,");
        let with_role = load(format!("{role}{service}{strategy}"));
        assert_eq!(with_k8s.is_ok(), kubernetes, "{key}: {:?}", with_k8s.err());
        assert_eq!(
            with_taints.is_ok(),
            kubernetes,
            "{key}: {:?}",
            with_taints.err()
        );
        assert_eq!(
            with_swarm.is_ok(),
            !kubernetes,
            "{key}: {:?}",
            with_swarm.err()
        );
        assert_eq!(
            with_role.is_ok(),
            !kubernetes,
            "{key}: {:?}",
            with_role.err()
        );
        let (accepted, refused) = if kubernetes {
            (with_k8s, with_swarm)
        } else {
            (with_swarm, with_k8s)
        };
        let e = refused.unwrap_err().to_string();
        let named = if kubernetes {
            "service.placement: `placement` is Swarm's"
        } else {
            "service.nodeSelector: `nodeSelector` is a Kubernetes Pod field"
        };
        assert!(e.contains(named), "{key}: {e}");
        let s = accepted.unwrap();
        let p = &s.service.placement;
        if kubernetes {
            assert_eq!(
                (p.node_selector.len(), p.tolerations.len(), p.spread.len()),
                (1, 1, 1)
            );
            assert!(p.required_terms.is_some());
        } else {
            assert_eq!((p.constraints.len(), p.max_replicas_per_node), (1, 2));
        }
        // The trial's `pending_*` columns: this scheduler's filters only.
        let r = crate::trial(&s);
        assert_eq!(
            r.pending.get(PendingReason::Resources),
            Some(false),
            "{key}"
        );
        assert_eq!(r.pending.get(PendingReason::Affinity), Some(false), "{key}");
        assert_eq!(r.pending.get(PendingReason::NodeDown), Some(false), "{key}");
        let k8s_only = kubernetes.then_some(false);
        let swarm_only = (!kubernetes).then_some(false);
        assert_eq!(r.pending.get(PendingReason::Taint), k8s_only, "{key}");
        assert_eq!(r.pending.get(PendingReason::Spread), k8s_only, "{key}");
        assert_eq!(
            r.pending.get(PendingReason::MaxReplicasPerNode),
            swarm_only,
            "{key}"
        );
    }
}

/// The node names of the tasks a trace placed, by version (0: `current`, 1: `next`).
fn placed_on(s: &Scenario, trace: &[TraceRecord], version: u32) -> Vec<String> {
    let mut names: Vec<String> = trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                node: Some(n),
                version: v,
                ..
            } if u32::from(v) == version => Some(s.cluster.nodes[n as usize].name.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// An Argo canary with a `nodeSelector` goes through kube-scheduler's `NodeAffinity`
/// filter: of four roomy nodes, two labelled `disk: ssd`, every pod of both ReplicaSets
/// (the stable fleet and each canary pod) lands on those two, and the rollout completes.
/// Under Swarm's treatment (the bug this pins) the field was refused outright.
#[test]
fn a_canary_with_a_node_selector_places_its_pods_only_on_labelled_nodes() {
    let s = yaml(
        "cluster:\n  node: {cpu: \"8\", memory: 16Gi}\n  nodes:\n\
         \x20   - {name: hdd-1, labels: {disk: hdd}}\n\
         \x20   - {name: ssd-1, labels: {disk: ssd}}\n\
         \x20   - {name: hdd-2}\n\
         \x20   - {name: ssd-2, labels: {disk: ssd}}\n\
         service:\n  replicas: 6\n  resources: {cpu: 500m, memory: 256Mi}\n\
         \x20 nodeSelector: {disk: ssd}\n\
         \x20 versions:\n    current: {image: web:1}\n    next: {image: web:2, start: 1s, ready_after: 2s}\n\
         strategy:\n  canary:\n    steps: [{setWeight: 50}, {pause: {duration: 10s}}]\n",
    );
    for trial in 0..5 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(r.outcome.as_str(), "completed", "trial {trial}");
        assert_eq!(
            placed_on(&s, &trace, 0),
            ["ssd-1", "ssd-2"],
            "trial {trial}"
        );
        assert_eq!(
            placed_on(&s, &trace, 1),
            ["ssd-1", "ssd-2"],
            "trial {trial}"
        );
        assert_eq!(r.pending.get(PendingReason::Affinity), Some(false));
    }
    // Without the selector the same fleet spreads over all four nodes (fewest tasks first).
    let mut anywhere = s.clone();
    anywhere.service.placement = Default::default();
    let (_, trace) = Workspace::new(&anywhere).run_traced(0);
    assert_eq!(placed_on(&anywhere, &trace, 0).len(), 4);
}

/// A blue-green preview ReplicaSet under kube-scheduler's `TaintToleration` and
/// `PodTopologySpread` filters. Zones a and b have a roomy node each; zone c a node with
/// room for one pod and a big node tainted `gpu:NoSchedule`. The active fleet is one pod a
/// zone. The preview (full size, beside the active pods) puts one pod in a, one in b; the
/// third may go to neither (2 + 1 − 1 > maxSkew 1), nor to the full node c (resources),
/// nor to the tainted node: Pending for `spread` (the last filter to rule a node out) until
/// the progress deadline, the tainted node never used. With a toleration of the taint the
/// active fleet starts on the big node and the preview fits: the rollout completes.
#[test]
fn a_blue_green_preview_honours_topology_spread_and_taints() {
    let text = "horizon: 30m\ncluster:\n  node: {cpu: \"4\", memory: 8Gi}\n  nodes:\n\
         \x20   - {name: a, labels: {zone: a}}\n\
         \x20   - {name: b, labels: {zone: b}}\n\
         \x20   - {name: c, cpu: \"1\", labels: {zone: c}}\n\
         \x20   - {name: gpu, cpu: \"8\", labels: {zone: c}, taints: [{key: gpu, effect: NoSchedule}]}\n\
         service:\n  replicas: 3\n  resources: {cpu: \"1\", memory: 1Gi}\n\
         \x20 versions:\n    current: {image: web:1}\n    next: {image: web:2, start: 1s, ready_after: 2s}\n\
         \x20 topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n\
         strategy:\n  blueGreen: {}\n";
    let s = yaml(text);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome.as_str(), "deadline_exceeded");
    assert_eq!(placed_on(&s, &trace, 0), ["a", "b", "c"]);
    assert_eq!(placed_on(&s, &trace, 1), ["a", "b"]);
    assert_eq!(r.pending.get(PendingReason::Spread), Some(true));
    assert_eq!(r.pending.get(PendingReason::Taint), Some(false));
    assert_eq!(r.pending.get(PendingReason::MaxReplicasPerNode), None);
    let reasons: Vec<_> = trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                state: TaskState::Pending,
                reason: Some(reason),
                ..
            } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, [PendingReason::Spread]);
    let tolerated = yaml(&text.replace(
        "  topologySpreadConstraints",
        "  tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]\n  topologySpreadConstraints",
    ));
    let (r, trace) = Workspace::new(&tolerated).run_traced(0);
    assert_eq!(r.outcome.as_str(), "completed");
    assert!(placed_on(&tolerated, &trace, 0).contains(&"gpu".to_string()));
    assert_eq!(r.pending.get(PendingReason::Spread), Some(false));
    // The Placer alone, as `max_skew_on_three_zones` does for a Deployment: the same
    // answers for a blue-green service (kube-scheduler's rules, not Swarm's).
    let bg = "blueGreen: {}";
    let (chosen, failure) = place(&three_zones("1", SPREAD, bg), 9);
    assert_eq!(chosen, [0, 1, 2, 0, 1]);
    assert_eq!(failure, Some(PendingReason::Spread));
}

/// As a user runs it: `rollout-sim import` of an Argo Rollout whose pod template has a
/// `nodeSelector` and a toleration writes them under `service`, `rollout-sim lint`
/// accepts the written file, and `run` on labelled nodes places every pod on them and
/// fills the Kubernetes `pending_*` columns (`pending_max_replicas_per_node` empty).
#[test]
fn an_imported_rollout_with_a_node_selector_lints_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("rollout.yaml");
    std::fs::write(
        &manifest,
        format!(
            "{ROLLOUT_KIND}\nmetadata: {{name: search}}\nspec:\n  replicas: 0\n\
             \x20 strategy: {{canary: {{steps: [{{setWeight: 50}}, {{pause: {{duration: 10s}}}}]}}}}\n\
             \x20 template:\n    spec:\n      nodeSelector: {{disk: ssd}}\n\
             \x20     tolerations: [{{key: dedicated, operator: Exists, effect: NoSchedule}}]\n\
             \x20     containers:\n      - name: search\n        image: search:2.4\n\
             \x20       resources: {{requests: {{cpu: 500m, memory: 256Mi}}}}\n"
        ),
    )
    .unwrap();
    let scenario = dir.path().join("search.yaml");
    let bin = || assert_cmd::Command::cargo_bin("rollout-sim").unwrap();
    bin()
        .arg("import")
        .arg(&manifest)
        .arg("--out")
        .arg(&scenario)
        .assert()
        .success();
    let text = std::fs::read_to_string(&scenario).unwrap();
    assert!(
        text.contains("  nodeSelector:\n    disk: ssd\n") && text.contains("  tolerations:\n"),
        "{text}"
    );
    bin().arg("lint").arg(&scenario).assert().success();
    let out = dir.path().join("out");
    let trace = out.join("trace.jsonl");
    bin()
        .arg("run")
        .arg(&scenario)
        .args([
            "--trials",
            "3",
            "-q",
            "--set",
            "service.replicas=4",
            "--set",
        ])
        .arg(
            "cluster.nodes=[{name: n1, labels: {disk: ssd}}, {name: n2}, \
             {name: n3, labels: {disk: ssd}, taints: [{key: dedicated, effect: NoSchedule}]}]",
        )
        .arg("--out")
        .arg(&out)
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success();
    let lines = std::fs::read_to_string(&trace).unwrap();
    let mut nodes: Vec<&str> = lines
        .lines()
        .filter_map(|l| l.split(r#""node":""#).nth(1)?.split('"').next())
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    assert_eq!(nodes, ["n1", "n3"], "{lines}");
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let mut rows = csv.lines().map(|l| l.split(',').collect::<Vec<_>>());
    let header = rows.next().unwrap();
    for row in rows {
        let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(cell("outcome"), "completed");
        assert_eq!(cell("pending_taint"), "0");
        assert_eq!(cell("pending_spread"), "0");
        assert_eq!(cell("pending_max_replicas_per_node"), "");
    }
}
