//! `strategy.daemonSet`: a Kubernetes DaemonSet's rolling update (kubernetes/kubernetes
//! v1.30 `pkg/controller/daemon`: `manage`, `rollingUpdate`, `updateDaemonSetStatus`).
//!
//! The independent expectations are closed forms of the controller's rules on constant
//! latencies: without a surge, `maxUnavailable` nodes at a time, each node's new pod
//! created once its old pod has exited; with a surge, `maxSurge` new pods beside their
//! old ones, each old pod deleted once the new one is available, and the rollout complete
//! once the last old pod has exited (`kubectl rollout status` counts a node's oldest pod).

use crate::yaml;
use rollout_sim::check::lint::lint;
use rollout_sim::cluster::placer::PendingReason;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::result::{Outcome, TrialResult};
use rollout_sim::scenario::{Format, Scenario, load_str};
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;
use std::collections::HashMap;

/// A DaemonSet on `nodes` nodes with `strategy` (the `daemonSet` section's body) and
/// `extra` service fields: the old pods exit 2 s after their deletion, a new pod pulls
/// for 1 s, starts in 1 s and is Ready at once (a readiness probe with no delay).
fn daemon_set(nodes: u32, strategy: &str, extra: &str) -> Scenario {
    yaml(&format!(
        "horizon: 30m\n\
         cluster: {{nodes: {nodes}, node: {{cpu: '4', memory: 8Gi}}}}\n\
         service:\n  resources: {{cpu: 100m, memory: 64Mi}}\n  readinessProbe: {{}}\n\
         \x20 versions: {{current: {{shutdown: 2s}}, next: {{pull: 1s, start: 1s, \
         ready_after: 0s, shutdown: 2s}}}}\n{extra}\
         strategy: {{daemonSet: {strategy}}}\n"
    ))
}

fn trials(s: &Scenario, n: u64) -> Vec<TrialResult> {
    let mut w = Workspace::new(s);
    (0..n).map(|t| w.run(t)).collect()
}

pub(crate) fn refusal(text: &str) -> String {
    match load_str(text, "ds.yaml", Format::Yaml, &[]) {
        Ok(_) => panic!("loads:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Without a surge, `maxUnavailable` nodes at a time: each takes 2 s (the old pod's exit),
/// 1 s pull and 1 s start, plus `minReadySeconds` before the pod counts available, so
/// `ceil(nodes / k)` rounds of `4 s + minReadySeconds`; `k` nodes short of Ready at
/// worst, and never two pods on a node (the new pod is created once the old has exited).
#[test]
fn without_a_surge_max_unavailable_nodes_at_a_time() {
    for (unavailable, k) in [("1", 1), ("2", 2), ("4", 4), ("'50%'", 3), ("'10%'", 1)] {
        for min_ready in [0, 3] {
            let s = daemon_set(
                6,
                &format!(
                    "{{updateStrategy: {{rollingUpdate: {{maxUnavailable: {unavailable}}}}}, \
                     minReadySeconds: {min_ready}}}"
                ),
                "",
            );
            let rounds = 6u64.div_ceil(k);
            for r in trials(&s, 10) {
                assert_eq!(r.outcome, Outcome::Completed, "{unavailable}");
                assert_eq!(
                    r.duration,
                    rounds * (4 + min_ready) * SECOND,
                    "maxUnavailable {unavailable}, minReadySeconds {min_ready}"
                );
                assert_eq!(r.min_ready, 6 - k as u32, "{unavailable}");
                assert_eq!(r.min_available, 6 - k as u32, "{unavailable}");
                assert_eq!(
                    (r.peak_tasks, r.peak_running_tasks),
                    (6, 6),
                    "{unavailable}"
                );
            }
        }
    }
}

/// With a surge (`maxUnavailable: 0`), `maxSurge` new pods at a time beside the old ones:
/// 2 s each to Ready, the old pod deleted then and the next node's surge begun; the last
/// old pods exit 2 s after the last deletion, and only then is the rollout complete. No
/// node is ever without a Ready pod; the old pods still terminating while the next round
/// starts hold their resources too.
#[test]
fn a_surge_replaces_each_pod_once_its_successor_is_available() {
    for (surge, k) in [(1u64, 1u32), (2, 2), (3, 3)] {
        let s = daemon_set(
            6,
            &format!(
                "{{updateStrategy: {{rollingUpdate: {{maxUnavailable: 0, maxSurge: {surge}}}}}}}"
            ),
            "",
        );
        for r in trials(&s, 10) {
            assert_eq!(r.outcome, Outcome::Completed);
            assert_eq!(
                r.duration,
                (6u64.div_ceil(surge) * 2 + 2) * SECOND,
                "surge {surge}"
            );
            assert_eq!((r.min_ready, r.min_available), (6, 6), "surge {surge}");
            assert_eq!(r.peak_tasks, 6 + 2 * k, "surge {surge}");
        }
    }
}

/// Every pod of a slot lives on that slot's node; without a surge no node ever holds two
/// pods, with one never three; each node's old pod is replaced exactly once, in an order
/// that differs between trials (upstream walks a Go map).
#[test]
fn each_node_keeps_its_own_pods() {
    for (strategy, most) in [
        ("{updateStrategy: {rollingUpdate: {maxUnavailable: 2}}}", 1),
        (
            "{updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 2}}}",
            2,
        ),
    ] {
        let s = daemon_set(5, strategy, "");
        let mut w = Workspace::new(&s);
        let mut orders = Vec::new();
        for trial in 0..8 {
            let (r, trace) = w.run_traced(trial);
            assert_eq!(r.outcome, Outcome::Completed);
            let mut node_of_slot: HashMap<u32, u32> = HashMap::new();
            let mut holding: HashMap<u32, Vec<u32>> = HashMap::new();
            let mut deleted = Vec::new();
            for rec in &trace {
                let TraceRecord::Task {
                    task,
                    slot,
                    node: Some(node),
                    state,
                    version,
                    ..
                } = *rec
                else {
                    continue;
                };
                assert_eq!(
                    *node_of_slot.entry(slot).or_insert(node),
                    node,
                    "slot {slot}"
                );
                let on = holding.entry(node).or_default();
                if state.holds_resources() && !on.contains(&task) {
                    on.push(task);
                } else if state.is_terminal() {
                    on.retain(|&t| t != task);
                }
                assert!(on.len() <= most, "{strategy}: node {node} holds {on:?}");
                if state == TaskState::Terminating {
                    assert_eq!(version, 0, "only old pods are deleted");
                    deleted.push(node);
                }
            }
            let mut sorted = deleted.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3, 4], "{strategy}");
            orders.push(deleted);
        }
        orders.dedup();
        assert!(
            orders.len() > 1,
            "{strategy}: the same order in every trial"
        );
    }
}

/// The DaemonSet's size is the nodes its placement allows (`NodeShouldRunDaemonPod`): a
/// nodeSelector and an untolerated NoSchedule taint leave two of five nodes.
#[test]
fn the_placement_sizes_the_daemon_set() {
    let s = yaml(
        "cluster:\n  nodes:\n    - {name: a, labels: {agent: 'yes'}}\n    - {name: b, labels: {agent: 'yes'}}\n\
         \x20   - {name: c, labels: {agent: 'yes'}, taints: [{key: gpu, effect: NoSchedule}]}\n\
         \x20   - {name: d}\n    - {name: e}\n\
         service:\n  nodeSelector: {agent: 'yes'}\n  readinessProbe: {}\n\
         \x20 versions: {current: {}, next: {start: 1s}}\n\
         strategy: {daemonSet: {}}\n",
    );
    assert_eq!(s.service.replicas, 2);
    let mut w = Workspace::new(&s);
    let (r, trace) = w.run_traced(0);
    assert_eq!(
        (r.outcome, r.duration, r.peak_tasks),
        (Outcome::Completed, 2 * SECOND, 2)
    );
    for rec in &trace {
        if let TraceRecord::Task { node: Some(n), .. } = rec {
            assert!(*n < 2, "a pod on node {n}");
        }
    }
}

/// A surge of pods that bind a `hostPort`: the new pod waits for the port its old pod
/// holds, so nothing is ever deleted and the rollout times out (a DaemonSet has no
/// progress deadline); `rollout-sim lint` says so. Without a surge the port changes
/// nothing: the trials are those without it.
#[test]
fn a_host_port_forbids_a_surge() {
    const PORT: &str = "  ports: [{containerPort: 9100, hostPort: 9100}]\n";
    let surge = daemon_set(
        3,
        "{updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}}",
        PORT,
    );
    for r in trials(&surge, 3) {
        assert_eq!(
            (r.outcome, r.duration),
            (Outcome::Timeout, 30 * 60 * SECOND)
        );
        assert_eq!(r.pending.get(PendingReason::HostPort), Some(true));
        assert_eq!(r.min_ready, 3);
    }
    let warned = lint(&surge, None);
    let w = warned
        .iter()
        .find(|w| w.rule == "daemonset-host-port-surge")
        .expect("warned");
    assert!(
        w.message.contains("hostPort 9100/tcp and maxSurge is 1"),
        "{}",
        w.message
    );
    let plain = daemon_set(3, "{}", "");
    let with_port = daemon_set(3, "{}", PORT);
    assert!(
        !lint(&with_port, None)
            .iter()
            .any(|w| w.rule == "daemonset-host-port-surge")
    );
    let strip = |rows: Vec<TrialResult>| -> Vec<TrialResult> {
        rows.into_iter()
            .map(|r| TrialResult {
                pending: Default::default(),
                ..r
            })
            .collect()
    };
    assert_eq!(strip(trials(&with_port, 5)), strip(trials(&plain, 5)));
}

/// `rollout: undo` goes back to the previous template (`rolled_back` once every node runs
/// it again, available); `rollout: restart` after a completed rollout replaces every pod
/// once more (a new template of the same version): 3 nodes × 3 s, the image being on
/// every node by then (2 s exit + 1 s start).
#[test]
fn undo_and_restart() {
    let undo = daemon_set(3, "{}", "actions: [{at: 5s, rollout: undo}]\n");
    let mut w = Workspace::new(&undo);
    for trial in 0..5 {
        let (r, trace) = w.run_traced(trial);
        assert_eq!(r.outcome, Outcome::RolledBack);
        // Every node ends with one live pod, of the current version.
        let mut live: HashMap<u32, (u32, u8)> = HashMap::new();
        for rec in &trace {
            if let TraceRecord::Task {
                task,
                node: Some(n),
                state,
                version,
                ..
            } = *rec
            {
                if state.is_terminal() {
                    live.retain(|_, &mut (t, _)| t != task);
                } else {
                    live.insert(n, (task, version));
                }
            }
        }
        assert_eq!(live.len(), 3);
        assert!(live.values().all(|&(_, v)| v == 0), "{live:?}");
    }
    let restart = daemon_set(3, "{}", "actions: [{at: 20s, rollout: restart}]\n");
    for r in trials(&restart, 5) {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 29 * SECOND));
    }
}

/// What a DaemonSet cannot be given is refused at its field, with the fix.
#[test]
fn refusals_name_the_field_and_the_fix() {
    let base = |service: &str, strategy: &str, rest: &str| {
        format!(
            "cluster: {{nodes: 3}}\nservice: {{{service}}}\nstrategy: {{daemonSet: {strategy}}}\n{rest}"
        )
    };
    let cases = [
        (
            base("replicas: 3", "{}", ""),
            "service.replicas: a DaemonSet runs one pod on every node",
        ),
        (
            base("mode: replicated", "{}", ""),
            "service.mode: a DaemonSet (`strategy.daemonSet`) runs one pod",
        ),
        (
            base("", "{updateStrategy: {rollingUpdate: {maxSurge: 1}}}", ""),
            "maxSurge: may not be set when maxUnavailable is non-zero (it defaults to 1)",
        ),
        (
            base("", "{}", "actions: [{at: 1s, rollout: pause}]"),
            "actions.0.rollout: a DaemonSet has no `spec.paused`",
        ),
        (
            base("", "{}", "actions: [{at: 1s, scale: 4}]"),
            "actions.0: a DaemonSet cannot be scaled",
        ),
        (
            base("nodeSelector: {x: z}", "{}", ""),
            "no node passes the pod's nodeSelector",
        ),
    ];
    for (text, expected) in cases {
        let e = refusal(&text);
        assert!(e.contains(expected), "{text}\n→ {e}");
    }
    let e = refusal("service: {mode: global}\nstrategy: {kubernetes: {}}\n");
    assert!(
        e.contains("or `strategy.daemonSet` (a Kubernetes DaemonSet)"),
        "{e}"
    );
    // `mode: global` is allowed, and changes nothing.
    let versions = "versions: {current: {}, next: {start: 1s}}";
    let explicit = yaml(&format!(
        "service: {{mode: global, {versions}}}\nstrategy: {{daemonSet: {{}}}}\n"
    ));
    let implied = yaml(&format!(
        "service: {{{versions}}}\nstrategy: {{daemonSet: {{}}}}\n"
    ));
    assert_eq!(trials(&explicit, 3), trials(&implied, 3));
}

/// A release whose every start crashes: the first `maxUnavailable` nodes' new pods loop in
/// CrashLoopBackOff, never available, so they count against the limit and no other old
/// pod is deleted; with no progress deadline the trial runs to the horizon (`timeout`),
/// `maxUnavailable` nodes short for good.
#[test]
fn a_crashing_release_stalls_at_max_unavailable_nodes() {
    let s = yaml(
        "horizon: 10m\ncluster: {nodes: 6}\n\
         service:\n  readinessProbe: {}\n\
         \x20 versions: {current: {}, next: {start: 1s, crash_probability: 1}}\n\
         strategy: {daemonSet: {updateStrategy: {rollingUpdate: {maxUnavailable: 2}}}}\n",
    );
    let mut w = Workspace::new(&s);
    for trial in 0..5 {
        let (r, trace) = w.run_traced(trial);
        assert_eq!((r.outcome, r.duration), (Outcome::Timeout, 600 * SECOND));
        assert_eq!((r.min_ready, r.peak_tasks), (4, 6));
        assert!(r.restarts > 2, "{r:?}");
        let deleted = trace
            .iter()
            .filter(|rec| {
                matches!(
                    rec,
                    TraceRecord::Task {
                        state: TaskState::Terminating,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(deleted, 2, "only the first two nodes' old pods are deleted");
    }
}
