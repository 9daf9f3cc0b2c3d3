//! Node drains against `kubectl drain` and the Eviction API: the node is cordoned, every
//! pod on it is evicted at once unless the PodDisruptionBudget refuses, a refused eviction
//! is tried again every 5 s (kubernetes/kubectl v0.30 `pkg/drain/drain.go` `evictPods`),
//! an evicted pod is replaced elsewhere by its ReplicaSet, and the drain is done when the
//! node holds none of the service's pods.

use crate::node_loss::node_records;
use crate::support::{bin, field, run_trials, scenario_path};
use crate::yaml;
use rollout_sim::cluster::node_drain::{DrainResult, EVICTION_RETRY};
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::result::Outcome;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

const S: u64 = SECOND;

/// 6 replicas on 3 nodes (2 a node) whose rollout never touches an old pod (the first new
/// pod pulls for longer than the horizon, on node 0), node 1 drained at 20 s; old pods
/// take 2 s to exit and a replacement is Ready 3 to 4 s after it is created (its readiness
/// probe every second finds it ready 3 s after it started).
pub(crate) fn drained(budget: &str) -> String {
    format!(
        "horizon: 10m\ncluster: {{nodes: 3, image_cached: [current]}}\n\
         service:\n  replicas: 6\n  resources: {{cpu: 500m}}\n{budget}\
         \x20 readinessProbe: {{periodSeconds: 1}}\n\
         \x20 versions:\n    current: {{shutdown: 2s, ready_after: 3s}}\n    next: {{pull: 20m}}\n\
         strategy: {{kubernetes: {{strategy: {{type: RollingUpdate, \
         rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}}}}}}}\n\
         faults: {{node_drains: [{{at: 20s, node: 1}}]}}\n"
    )
}

/// `(t, task, state)` of every record of a task placed on `node` after time 0, and the
/// tasks on it at time 0.
pub(crate) fn on_node(trace: &[TraceRecord], node: u32) -> (Vec<(u64, u32, TaskState)>, Vec<u32>) {
    let mut later = Vec::new();
    let mut fleet = Vec::new();
    for r in trace {
        if let TraceRecord::Task {
            t,
            task,
            node: Some(n),
            state,
            ..
        } = *r
            && n == node
        {
            if t == 0 {
                fleet.push(task);
            } else {
                later.push((t, task, state));
            }
        }
    }
    (later, fleet)
}

#[test]
fn without_a_budget_every_pod_is_evicted_at_once() {
    let s = yaml(&drained(""));
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(
        node_records(&trace),
        [(20 * S, 1, "cordoned"), (22 * S, 1, "drained")]
    );
    let (later, fleet) = on_node(&trace, 1);
    assert_eq!(fleet.len(), 2);
    let mut want = Vec::new();
    for &id in &fleet {
        want.push((20 * S, id, TaskState::Terminating));
    }
    for &id in &fleet {
        want.push((22 * S, id, TaskState::Stopped));
    }
    // Nothing else lands on the cordoned node.
    assert_eq!(later, want);
    assert_eq!(
        r.drains,
        Some(DrainResult {
            longest: 2 * S,
            unfinished: 0
        })
    );
    // The two replacements went elsewhere at once (none Pending), Ready 3 s later.
    assert_eq!(r.min_ready, 4);
    assert_eq!(
        r.pending
            .get(rollout_sim::cluster::placer::PendingReason::Unschedulable),
        Some(false)
    );
}

#[test]
fn max_unavailable_one_lets_one_pod_go_each_retry() {
    assert_eq!(EVICTION_RETRY, 5 * S, "kubectl drain's fixed wait");
    let s = yaml(&drained("  podDisruptionBudget: {maxUnavailable: 1}\n"));
    let (r, trace) = Workspace::new(&s).run_traced(0);
    // 6 expected, 5 must stay healthy: the first eviction goes, the second waits for the
    // first pod's replacement (Ready 3 s later) and goes at the retry 5 s later.
    let retry = 20 * S + EVICTION_RETRY;
    assert_eq!(
        node_records(&trace),
        [(20 * S, 1, "cordoned"), (retry + 2 * S, 1, "drained")]
    );
    let (later, fleet) = on_node(&trace, 1);
    assert_eq!(
        later,
        [
            (20 * S, fleet[0], TaskState::Terminating),
            (22 * S, fleet[0], TaskState::Stopped),
            (retry, fleet[1], TaskState::Terminating),
            (retry + 2 * S, fleet[1], TaskState::Stopped),
        ]
    );
    assert_eq!(r.min_ready, 5, "never more than one pod of the budget down");
    assert_eq!(r.drains.map(|d| d.longest), Some(7 * S));
}

#[test]
fn min_available_all_refuses_every_ready_pod_for_good() {
    let s = yaml(&drained("  podDisruptionBudget: {minAvailable: 100%}\n"));
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(node_records(&trace), [(20 * S, 1, "cordoned")]);
    assert_eq!(on_node(&trace, 1).0, []);
    assert_eq!(
        r.drains,
        Some(DrainResult {
            longest: 10 * 60 * S - 20 * S,
            unfinished: 1
        })
    );
    assert_eq!(r.min_ready, 6);
}

#[test]
fn a_pod_with_no_container_goes_whatever_the_budget() {
    // Every node drained at 20 s under `minAvailable: 100%`: the new pod, still pulling,
    // is Pending in phase (no container ever started), which the Eviction API deletes
    // without asking the budget (`canIgnorePDB`); every Ready old pod stays, and the new
    // pod's replacement finds no schedulable node.
    let text = drained("  podDisruptionBudget: {minAvailable: 100%}\n").replace(
        "node_drains: [{at: 20s, node: 1}]",
        "node_drains: [{at: 20s, node: 0}, {at: 20s, node: 1}, {at: 20s, node: 2}]",
    );
    let (r, trace) = Workspace::new(&yaml(&text)).run_traced(0);
    let stopped_at_20: Vec<(u32, u8)> = trace
        .iter()
        .filter_map(|rec| match *rec {
            TraceRecord::Task {
                t,
                task,
                version,
                state: TaskState::Stopped,
                ..
            } if t == 20 * S => Some((task, version)),
            _ => None,
        })
        .collect();
    assert_eq!(stopped_at_20.len(), 1, "{stopped_at_20:?}");
    assert_eq!(stopped_at_20[0].1, 1, "the new version's pod");
    assert_eq!(r.min_ready, 6);
    assert_eq!(
        r.pending
            .get(rollout_sim::cluster::placer::PendingReason::Unschedulable),
        Some(true)
    );
    assert_eq!(r.drains.map(|d| d.unfinished), Some(3));
}

#[test]
fn percentages_are_of_the_deployments_replicas_as_scaled() {
    // Scaled from 6 to 12 at 10 s: `maxUnavailable: 0%` of 12 wants all 12 healthy, which
    // the Ready pods (old ones, the new pod still pulling) are not, so nothing may go. Of
    // the file's 6 it would want 6, and the drain would go through.
    let text = format!(
        "{}actions: [{{at: 10s, scale: 12}}]\n",
        drained("  podDisruptionBudget: {maxUnavailable: 0%}\n")
    );
    let r = Workspace::new(&yaml(&text)).run(0);
    assert_eq!(r.drains.map(|d| d.unfinished), Some(1));
}

#[test]
fn a_rollout_done_before_its_drain_keeps_its_outcome_and_duration() {
    let base = "horizon: 10m\ncluster: {nodes: 3, image_cached: [current, next]}\n\
                service: {replicas: 6, resources: {cpu: 500m}, podDisruptionBudget: {minAvailable: 100%}}\n\
                strategy: {kubernetes: {}}\n";
    let plain = Workspace::new(&yaml(base)).run(0);
    let text = format!("{base}faults: {{node_drains: [{{at: 5m, node: 1}}]}}\n");
    let drained = Workspace::new(&yaml(&text)).run(0);
    assert_eq!(plain.outcome, Outcome::Completed);
    assert_eq!(
        (drained.outcome, drained.duration),
        (plain.outcome, plain.duration)
    );
    // Stuck to the horizon: every pod Ready, none may go.
    assert_eq!(
        drained.drains,
        Some(DrainResult {
            longest: 5 * 60 * S,
            unfinished: 1
        })
    );
    assert_eq!(plain.drains, None);
}

#[test]
fn the_example_drains_one_pod_at_a_time() {
    let t = run_trials("k8s-drain-pdb.yaml", &["--trials", "200"], false);
    for row in &t.rows {
        assert_eq!(field(row, "outcome"), "completed");
        assert_eq!(field(row, "drains_unfinished"), "0");
        assert_eq!(field(row, "min_ready"), "11", "maxUnavailable: 1");
        let drain: f64 = field(row, "drain_s").parse().unwrap();
        assert!(drain >= 6.0, "at least preStop + shutdown: {drain}");
        assert_eq!(field(row, "pending_unschedulable"), "0");
    }
    let no_budget = run_trials(
        "k8s-drain-pdb.yaml",
        &[
            "--trials",
            "200",
            "--set",
            "service.podDisruptionBudget=null",
        ],
        false,
    );
    // Every pod evicted at the drain: each one gone after its preStop (5 s) and shutdown
    // (1 s).
    assert!(no_budget.rows.iter().all(|r| field(r, "drain_s") == "6"));
}

#[test]
fn argo_and_flagger_replace_evicted_pods() {
    // An Argo Rollout's or Flagger's ReplicaSets replace a pod someone else deleted, as
    // a Deployment's do: the drained pods come back elsewhere, and the rollout completes.
    for scenario in ["blue-green.yaml", "canary-router.yaml"] {
        let t = run_trials(
            scenario,
            &[
                "--trials",
                "20",
                "--set",
                "faults.node_drains=[{at: 20s, node: 0}]",
            ],
            false,
        );
        for row in &t.rows {
            assert_eq!(field(row, "outcome"), "completed", "{scenario}");
            assert_eq!(field(row, "drains_unfinished"), "0", "{scenario}");
        }
    }
    // The same for a lost node's pods, evicted by the taint manager.
    let t = run_trials(
        "blue-green.yaml",
        &[
            "--trials",
            "20",
            "--set",
            "faults.node_failures=[{at: 20s, node: 0}]",
            "--set",
            "faults.node_not_ready_after=10s",
            "--set",
            "faults.eviction_after=30s",
        ],
        false,
    );
    assert!(t.rows.iter().all(|r| field(r, "outcome") == "completed"));
}

/// `drained`'s fleet under an Argo Rollout `strategy` (the new pods pull for longer than
/// the horizon, so they are never Ready), with `budget`.
fn argo_drained(strategy: &str, budget: &str, actions: &str) -> String {
    let deployment = "strategy: {kubernetes: {strategy: {type: RollingUpdate, rollingUpdate: \
                      {maxSurge: 1, maxUnavailable: 0}}}}";
    let base = drained(&format!("  podDisruptionBudget: {budget}\n"));
    assert!(
        base.contains(deployment),
        "drained() names its strategy: {base}"
    );
    base.replace(deployment, strategy)
        .replace("faults:", &format!("{actions}faults:"))
}

/// An Argo Rollout's budget counts each ReplicaSet by its own scale while it has a pod
/// (kubernetes/kubernetes `pkg/controller/disruption/disruption.go` `getExpectedScale`,
/// `getPodReplicaSet`: a ReplicaSet not owned by a Deployment is its own controller). At
/// `setWeight: 50` behind a router the stable ReplicaSet keeps its 6 pods and the canary
/// has 3 that never get Ready: 9 expected, `maxUnavailable: 1` wants 8 healthy of the 6
/// there are, so no stable pod may go (of the Rollout's 6 replicas it would want 5, and
/// one would go at once). A canary pod on the node has no container and goes at once
/// whatever the budget. The abort at 62 s scales the canary down 30 s later
/// (`abortScaleDownDelaySeconds`); then 6 are expected, 5 wanted: the next retries (95 s,
/// 100 s) evict one stable pod each, the second once the first's replacement is Ready.
#[test]
fn an_argo_rollouts_budget_counts_each_replicaset_while_it_has_pods() {
    let text = argo_drained(
        "strategy: {canary: {trafficRouting: {}, steps: [{setWeight: 50}, {pause: {}}]}}",
        "{maxUnavailable: 1}",
        "actions: [{at: 62s, rollout: abort}]\n",
    );
    let (r, trace) = Workspace::new(&yaml(&text)).run_traced(0);
    assert_eq!(
        node_records(&trace),
        [(20 * S, 1, "cordoned"), (102 * S, 1, "drained")]
    );
    // Two stable pods, and the canary pod that was pulling there.
    let (later, fleet) = on_node(&trace, 1);
    assert_eq!(fleet.len(), 3);
    assert_eq!(
        later,
        [
            (20 * S, fleet[2], TaskState::Stopped),
            (95 * S, fleet[0], TaskState::Terminating),
            (97 * S, fleet[0], TaskState::Stopped),
            (100 * S, fleet[1], TaskState::Terminating),
            (102 * S, fleet[1], TaskState::Stopped),
        ]
    );
    assert_eq!(
        r.min_ready, 5,
        "one stable pod down at a time, once the canary is gone"
    );
    assert_eq!(r.drains.map(|d| d.longest), Some(82 * S));
}

/// A blue-green preview doubles what a budget expects: 6 active and 6 preview pods (never
/// Ready) are 12, and `maxUnavailable: 50%` of 12 is 6, which leaves no disruption for the
/// 6 healthy pods; 51% (7 of 12) leaves one, and the node drains a pod at a time.
#[test]
fn a_blue_green_preview_doubles_what_the_budget_expects() {
    let strategy = "strategy: {blueGreen: {autoPromotionEnabled: false}}";
    let stuck = Workspace::new(&yaml(&argo_drained(strategy, "{maxUnavailable: 50%}", ""))).run(0);
    assert_eq!(stuck.drains.map(|d| d.unfinished), Some(1));
    assert_eq!(stuck.min_ready, 6);
    let one = Workspace::new(&yaml(&argo_drained(strategy, "{maxUnavailable: 51%}", ""))).run(0);
    assert_eq!(one.drains.map(|d| d.unfinished), Some(0));
    assert_eq!(one.min_ready, 5, "one pod of the budget down at a time");
}

#[test]
fn refused_where_not_modelled() {
    let cases = [
        (
            "k8s-daemonset.yaml",
            "service.podDisruptionBudget={maxUnavailable: 1}",
            "service.podDisruptionBudget: a PodDisruptionBudget is simulated with a Kubernetes \
             Deployment, a StatefulSet, an Argo Rollout and Flagger",
        ),
        (
            "swarm-start-first.yaml",
            "service.podDisruptionBudget={maxUnavailable: 1}",
            "service.podDisruptionBudget: `podDisruptionBudget` is a Kubernetes object",
        ),
        (
            "k8s-drain-pdb.yaml",
            "faults.node_drains=[{at: 30m, node: node-2}]",
            "faults.node_drains.0.at: the drain at 30m would never run",
        ),
        (
            "k8s-drain-pdb.yaml",
            "service.podDisruptionBudget={minAvailable: 1, maxUnavailable: 1}",
            "minAvailable and maxUnavailable cannot be both set",
        ),
    ];
    for (scenario, set, want) in cases {
        let out = bin()
            .args(["run", &scenario_path(scenario), "--set", set, "--out"])
            .arg(tempfile::tempdir().unwrap().path().join("o"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{set}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{set}: {err}");
    }
}

/// The budget beside the Deployment is read into the scenario
/// (`tests/integration/import_budget.rs` has the rest).
#[test]
fn import_reads_the_budget_of_the_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n\
         spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n\
         \x20   spec: {containers: [{name: web, image: web:2}]}\n---\n\
         apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n\
         spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n",
    )
    .unwrap();
    let out = bin().args(["import"]).arg(&file).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "PodDisruptionBudget web (read as the service.podDisruptionBudget of Deployment web)"
        ),
        "{err}"
    );
    let scenario = String::from_utf8_lossy(&out.stdout);
    assert!(
        scenario.contains("  podDisruptionBudget:\n    maxUnavailable: 1\n"),
        "{scenario}"
    );
}

/// A full cluster (3 nodes of 1 cpu, 2 pods each, 6 replicas) whose node 1 is drained 5 s
/// into the rollout: its pods' replacements find no room, so the rollout waits for the
/// node to come back from its `maintenance`.
fn full_cluster(strategy: &str, maintenance: &str) -> String {
    format!(
        "horizon: 5m\ncluster: {{nodes: 3, node: {{cpu: \"1\"}}, image_cached: [current, next]}}\n\
         service:\n  replicas: 6\n  resources: {{cpu: 500m}}\n\
         \x20 versions: {{current: {{shutdown: 2s}}, next: {{start: 1s, shutdown: 2s}}}}\n\
         strategy: {strategy}\n\
         faults: {{node_drains: [{{at: 5s, node: 1{maintenance}}}]}}\n"
    )
}

#[test]
fn after_its_maintenance_the_node_takes_tasks_again() {
    // The drained pods' replacements wait for room. Kubernetes: so do the rollout's new
    // pods. Swarm (failures ignored: the drain shuts down a task the update just started):
    // a slot's old task stopping frees room, which the scheduler gives to the drain's
    // replacements, waiting longer, so the update's own task waits too. Either way the
    // rollout finishes only once the node is back.
    let strategies = [
        "{kubernetes: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}}}",
        "{swarm: {update_config: {parallelism: 1, order: stop-first, failure_action: continue}}}",
    ];
    for strategy in strategies {
        let (r, trace) =
            Workspace::new(&yaml(&full_cluster(strategy, ", maintenance: 1m"))).run_traced(0);
        let nodes = node_records(&trace);
        assert_eq!(nodes.len(), 3, "{strategy}: {nodes:?}");
        assert_eq!(nodes[0], (5 * S, 1, "cordoned"));
        let (drained, _, what) = nodes[1];
        assert_eq!(what, "drained");
        let back = drained + 60 * S;
        assert_eq!(nodes[2], (back, 1, "uncordoned"), "{strategy}");
        // The tasks waiting for room are placed on the node the instant it is back.
        let (later, _) = on_node(&trace, 1);
        assert!(
            later.iter().any(|&(t, _, _)| t == back),
            "{strategy}: {later:?}"
        );
        assert_eq!(r.outcome, Outcome::Completed, "{strategy}");
        assert!(r.duration > back, "{strategy}");
        // Cordoned for good, the node never takes the waiting tasks: no end.
        let stuck = Workspace::new(&yaml(&full_cluster(strategy, ""))).run(0);
        assert_ne!(stuck.outcome, Outcome::Completed, "{strategy}");
    }
}
