//! Kubernetes' cluster-autoscaler (`cluster.autoscaler`, docs/cluster-autoscaler.md)
//! against the closed forms of its rules (kubernetes/autoscaler `cluster-autoscaler` 1.30:
//! `core/static_autoscaler.go` `RunOnce` every `--scan-interval`,
//! `estimator/binpacking_estimator.go`, `core/scaleup/orchestrator/orchestrator.go`
//! `ScaleUp`). With constant latencies a pod that finds no node waits for the loop's next
//! turn (a grid whose phase each trial draws in `[0, scan_interval)`), then `provision`,
//! then its pull and start; a turn asks ⌈(pods waiting − upcoming nodes × per node) ÷ per
//! node⌉ nodes, the group never above `max_nodes`.

use crate::node_drain::on_node;
use crate::node_loss::{node_records, task_records};
use crate::yaml;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::result::{Outcome, TrialResult};
use rollout_sim::scenario::Scenario;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

const S: u64 = SECOND;
/// The default `--scan-interval`.
const SCAN: u64 = 10 * S;
/// [`Pool`]'s constant latencies.
const PROVISION: u64 = 60 * S;
const PULL: u64 = 8 * S;
const START: u64 = 2 * S;

/// A Deployment on a full pool behind an autoscaler: `replicas` pods of `pod` on `nodes`
/// (a count or a list) shaped like `node`, rolled out with maxSurge `surge` and
/// maxUnavailable 0. The new version pulls in 8 s and starts in 2 s (Ready once running:
/// no readiness probe), old pods exit 5 s after their deletion.
pub(crate) struct Pool<'a> {
    pub nodes: &'a str,
    pub node: &'a str,
    pub autoscaler: &'a str,
    pub replicas: u32,
    pub pod: &'a str,
    pub surge: u32,
    /// More lines of `service` (each indented by two spaces).
    pub service: &'a str,
    /// More top-level lines.
    pub rest: &'a str,
}

impl Default for Pool<'_> {
    /// One pod filling one node, a surge of one, up to three nodes added, each Ready 60 s
    /// after it is asked for.
    fn default() -> Self {
        Pool {
            nodes: "1",
            node: "{cpu: '4', memory: 16Gi}",
            autoscaler: "{max_nodes: 4, provision: 60s}",
            replicas: 1,
            pod: "{cpu: '4', memory: 1Gi}",
            surge: 1,
            service: "",
            rest: "",
        }
    }
}

impl Pool<'_> {
    /// The scenario's YAML.
    pub(crate) fn text(&self) -> String {
        format!(
            "seed: 7\ntrials: 20\nhorizon: 30m\n\
             cluster: {{nodes: {}, node: {}, autoscaler: {}}}\n\
             service:\n  replicas: {}\n  resources: {}\n{}\
             \x20 versions:\n    current: {{shutdown: 5s}}\n    \
             next: {{pull: 8s, start: 2s, shutdown: 5s}}\n\
             strategy: {{kubernetes: {{strategy: {{rollingUpdate: {{maxSurge: {}, \
             maxUnavailable: 0}}}}, progressDeadlineSeconds: 120}}}}\n{}",
            self.nodes,
            self.node,
            self.autoscaler,
            self.replicas,
            self.pod,
            self.service,
            self.surge,
            self.rest
        )
    }

    pub(crate) fn scenario(&self) -> Scenario {
        yaml(&self.text())
    }
}

/// Trials `0..n` of `s`, each with its trace.
pub(crate) fn traced(s: &Scenario, n: u64) -> Vec<(TrialResult, Vec<TraceRecord>)> {
    let mut w = Workspace::new(s);
    (0..n).map(|t| w.run_traced(t)).collect()
}

/// `(t, node)` of the node records in `state`.
pub(crate) fn node_times(trace: &[TraceRecord], state: &str) -> Vec<(u64, u32)> {
    (node_records(trace).into_iter())
        .filter(|r| r.2 == state)
        .map(|(t, node, _)| (t, node))
        .collect()
}

/// Nodes `first..first + n` asked for at `at`.
fn asked_at(at: u64, first: u32, n: u32) -> Vec<(u64, u32)> {
    (first..first + n).map(|node| (at, node)).collect()
}

/// The new pod (task 1, the fleet being task 0) is Pending from the start; the first turn
/// of the loop, within one interval, asks for a node, Ready `provision` later, where the
/// pod is placed at once and runs pull + start later: the rollout's duration is
/// `requested + provision + pull + start`. The turn's phase is uniform over the interval.
#[test]
fn a_pod_waits_for_the_loop_then_the_node_then_its_pull_and_start() {
    let mut asked = Vec::new();
    for (r, trace) in traced(&Pool::default().scenario(), 200) {
        let at = node_times(&trace, "requested")[0].0;
        assert!(at < SCAN, "{at}");
        let added = at + PROVISION;
        assert_eq!(
            node_records(&trace),
            [(at, 1, "requested"), (added, 1, "added")]
        );
        let new = task_records(&trace).into_iter().find(|r| r.1 == 1);
        assert_eq!(new, Some((0, 1, 1, TaskState::Pending)));
        let (later, fleet) = on_node(&trace, 1);
        assert!(fleet.is_empty());
        let running = added + PULL + START;
        assert_eq!(
            later,
            [
                (added, 1, TaskState::Pulling),
                (added + PULL, 1, TaskState::Prepared),
                (added + PULL, 1, TaskState::Starting),
                (running, 1, TaskState::Running),
                (running, 1, TaskState::Ready),
            ]
        );
        assert_eq!(
            (r.outcome, r.duration, r.nodes_added),
            (Outcome::Completed, running, Some(1))
        );
        asked.push(at);
    }
    // Uniform over [0, 10 s): 200 draws miss [0, 1 s) or [9 s, 10 s) with probability
    // 0.9²⁰⁰ each; their mean's standard deviation is 10 s / √(12 × 200) ≈ 0.2 s.
    assert!(asked.iter().any(|&t| t < S) && asked.iter().any(|&t| t >= 9 * S));
    let mean = asked.iter().sum::<u64>() / asked.len() as u64;
    assert!((4 * S..6 * S).contains(&mean), "{mean}");
}

/// `image_cached: [next]` on the autoscaler: the pod on the new node starts at once, with
/// no pull; the listed nodes keep `cluster.image_cached`.
#[test]
fn a_node_with_the_image_baked_in_pulls_nothing() {
    let pool = Pool {
        autoscaler: "{max_nodes: 4, provision: 60s, image_cached: [next]}",
        ..Pool::default()
    };
    for (r, trace) in traced(&pool.scenario(), 20) {
        let at = node_times(&trace, "requested")[0].0;
        let added = at + PROVISION;
        let (later, _) = on_node(&trace, 1);
        assert_eq!(
            later,
            [
                (added, 1, TaskState::Prepared),
                (added, 1, TaskState::Starting),
                (added + START, 1, TaskState::Running),
                (added + START, 1, TaskState::Ready),
            ]
        );
        assert_eq!(r.duration, added + START);
    }
    // A pod with room on the listed node (half of it free) pulls there: no node asked for.
    let listed = Pool {
        pod: "{cpu: '2', memory: 1Gi}",
        ..pool
    };
    for (r, trace) in traced(&listed.scenario(), 3) {
        assert_eq!(node_records(&trace), []);
        assert_eq!((r.duration, r.nodes_added), (PULL + START, Some(0)));
    }
}

/// One turn asks ⌈P ÷ k⌉ nodes for P pods waiting, `k` what the template's cpu and memory
/// hold; the turns after it, before the nodes are Ready, see the same pods covered by the
/// upcoming nodes and ask none. Each case's new nodes hold every new pod, so no other
/// node is ever asked for.
#[test]
fn one_turn_asks_for_the_pods_waiting_packed_per_node() {
    // (listed nodes, pod, replicas = what the listed nodes hold, surge P, ⌈P ÷ k⌉)
    let cases = [
        ("3", "{cpu: '2', memory: 1Gi}", 6, 5, 3),  // k = 2 by cpu
        ("2", "{cpu: 500m, memory: 5Gi}", 6, 4, 2), // k = 3 by memory (16 ÷ 5)
        ("1", "{cpu: '1', memory: 1Gi}", 4, 4, 1),  // k = 4 by cpu
        ("2", "{cpu: 500m, memory: 5Gi}", 6, 6, 2), // k = 3, P = 2k
    ];
    for (nodes, pod, replicas, surge, want) in cases {
        let pool = Pool {
            nodes,
            pod,
            replicas,
            surge,
            autoscaler: "{max_nodes: 10, provision: 60s}",
            ..Pool::default()
        };
        let listed: u32 = nodes.parse().unwrap();
        for (r, trace) in traced(&pool.scenario(), 20) {
            let asked = node_times(&trace, "requested");
            let at = asked[0].0;
            assert!(at < SCAN);
            assert_eq!(asked, asked_at(at, listed, want), "{pod} × {surge}");
            let added = node_times(&trace, "added");
            assert_eq!(added, asked_at(at + PROVISION, listed, want));
            // Every waiting pod is placed on a new node the moment they are Ready.
            let placed = task_records(&trace)
                .into_iter()
                .filter(|&(t, _, _, s)| t == at + PROVISION && s != TaskState::Pending)
                .map(|r| r.1)
                .collect::<std::collections::BTreeSet<_>>();
            assert_eq!(placed.len(), surge as usize, "{pod} × {surge}");
            assert_eq!(r.outcome, Outcome::Completed);
            assert_eq!(r.nodes_added, Some(want));
        }
    }
}

/// `max_nodes` caps the group: five pods at two a node want three nodes, the group has
/// room for two; the pod left waits for an old pod's room, and no turn asks again.
#[test]
fn max_nodes_caps_the_scale_up() {
    let pool = Pool {
        nodes: "3",
        pod: "{cpu: '2', memory: 1Gi}",
        replicas: 6,
        surge: 5,
        autoscaler: "{max_nodes: 5, provision: 60s}",
        ..Pool::default()
    };
    for (r, trace) in traced(&pool.scenario(), 20) {
        let asked = node_times(&trace, "requested");
        assert_eq!(asked, asked_at(asked[0].0, 3, 2));
        assert_eq!((r.outcome, r.nodes_added), (Outcome::Completed, Some(2)));
    }
}

/// A later turn subtracts the pods the upcoming nodes take: after the rollout (one pod,
/// room for the surge on its node), scaling to 4 leaves 2 pods waiting (one fits beside
/// the first), and the turn at `T₁` (the first on the grid after 3m) asks one node of
/// two pods; the turn after it asks none. Scaling to 7 at 3m20s adds 3: 5 wait, the
/// upcoming node takes 2, so the turn at `T₁ + 20 s` asks ⌈3 ÷ 2⌉ = 2 more. None of it
/// counts in `nodes_added`: the rollout completed at 10 s.
#[test]
fn a_later_turn_counts_the_nodes_on_their_way() {
    let pool = Pool {
        pod: "{cpu: '2', memory: 1Gi}",
        autoscaler: "{max_nodes: 6, provision: 60s}",
        rest: "actions: [{at: 3m, scale: 4}, {at: 3m20s, scale: 7}]\n\
               traffic: {rps: 1, duration: 10m}\n",
        ..Pool::default()
    };
    for (r, trace) in traced(&pool.scenario(), 20) {
        let asked = node_times(&trace, "requested");
        let t1 = asked[0].0;
        assert!((180 * S..190 * S).contains(&t1), "{t1}");
        let t2 = t1 + 2 * SCAN;
        assert_eq!(asked, [(t1, 1), (t2, 2), (t2, 3)]);
        assert_eq!(
            node_times(&trace, "added"),
            [
                (t1 + PROVISION, 1),
                (t2 + PROVISION, 2),
                (t2 + PROVISION, 3)
            ]
        );
        assert_eq!(
            (r.outcome, r.duration, r.nodes_added),
            (Outcome::Completed, PULL + START, Some(0))
        );
    }
}

/// A template node the pods cannot use — a taint they do not tolerate, a `nodeSelector`
/// it fails, less cpu than a pod asks — helps none: no node is ever asked for and the
/// surge pod waits to the horizon. The same pool with the template fixed completes on
/// one node added.
#[test]
fn a_template_the_pods_cannot_use_adds_no_node() {
    let taint = "{cpu: '4', memory: 16Gi, taints: [{key: pool, value: batch, effect: NoSchedule}]}";
    let tolerate =
        "  tolerations: [{key: pool, operator: Equal, value: batch, effect: NoSchedule}]\n";
    let cases = [
        // (listed nodes, template, service, template fixed, service fixed)
        ("[{taints: []}]", taint, "", taint, tolerate),
        (
            "[{labels: {disk: ssd}}]",
            "{cpu: '4', memory: 16Gi}",
            "  nodeSelector: {disk: ssd}\n",
            "{cpu: '4', memory: 16Gi, labels: {disk: ssd}}",
            "  nodeSelector: {disk: ssd}\n",
        ),
        (
            "[{cpu: '4'}]",
            "{cpu: '2', memory: 16Gi}",
            "",
            "{cpu: '4', memory: 16Gi}",
            "",
        ),
    ];
    for (nodes, node, service, fixed_node, fixed_service) in cases {
        let stuck = Pool {
            nodes,
            node,
            service,
            ..Pool::default()
        };
        for (r, trace) in traced(&stuck.scenario(), 3) {
            assert_eq!(node_records(&trace), [], "{node}");
            assert_eq!(
                (r.outcome, r.nodes_added, r.min_ready),
                (Outcome::DeadlineExceeded, Some(0), 1),
                "{node}"
            );
        }
        let fixed = Pool {
            nodes,
            node: fixed_node,
            service: fixed_service,
            ..Pool::default()
        };
        for (r, _) in traced(&fixed.scenario(), 3) {
            assert_eq!((r.outcome, r.nodes_added), (Outcome::Completed, Some(1)));
        }
    }
}

/// A `hostPort` or a pod anti-affinity on `kubernetes.io/hostname`: a new node takes one
/// pod, though its cpu holds forty: two surge pods, two nodes, one pod on each.
#[test]
fn a_pod_that_holds_its_node_alone_gets_a_node_each() {
    for service in [
        "  ports: [{containerPort: 80, hostPort: 8080}]\n",
        "  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
         [{topologyKey: kubernetes.io/hostname}]}}\n",
    ] {
        let pool = Pool {
            nodes: "2",
            replicas: 2,
            pod: "{cpu: 100m, memory: 1Gi}",
            surge: 2,
            service,
            autoscaler: "{max_nodes: 6, provision: 60s}",
            ..Pool::default()
        };
        for (r, trace) in traced(&pool.scenario(), 10) {
            let asked = node_times(&trace, "requested");
            assert_eq!(asked, asked_at(asked[0].0, 2, 2), "{service}");
            for node in [2, 3] {
                let (later, _) = on_node(&trace, node);
                let pods: std::collections::BTreeSet<u32> = later.iter().map(|r| r.1).collect();
                assert_eq!(pods.len(), 1, "{service}");
            }
            assert_eq!((r.outcome, r.nodes_added), (Outcome::Completed, Some(2)));
        }
    }
}

/// `faults.node_mtbf`: a node the autoscaler adds fails at random only once it is added
/// (nothing of it before its `added` record, no pod on it before), and a lost node still
/// counts in the group's size (never more than `max_nodes` − listed asked for, though the
/// pods evicted from lost nodes wait). Added nodes are lost in some trials, both of them
/// in some.
#[test]
fn an_added_node_fails_only_once_added() {
    let pool = Pool {
        autoscaler: "{max_nodes: 3, provision: 60s}",
        rest: "faults: {node_mtbf: 10m}\ntraffic: {rps: 1, duration: 30m}\n",
        ..Pool::default()
    };
    let (mut lost_added, mut both_lost) = (0, 0);
    for (_, trace) in traced(&pool.scenario(), 30) {
        let records = node_records(&trace);
        let asked = node_times(&trace, "requested");
        assert!(asked.len() <= 2);
        let lost = |node| records.iter().any(|r| r.1 == node && r.2 == "lost");
        both_lost += usize::from(lost(1) && lost(2));
        for (k, &(at, node)) in asked.iter().enumerate() {
            assert_eq!(node, 1 + k as u32, "asked for in order");
            let own: Vec<_> = records.iter().filter(|r| r.1 == node).collect();
            assert_eq!(own[0], &(at, node, "requested"));
            if own.len() > 1 {
                assert_eq!(own[1], &(at + PROVISION, node, "added"));
            }
            lost_added += own.iter().filter(|r| r.2 == "lost").count();
            let (later, _) = on_node(&trace, node);
            assert!(later.iter().all(|r| r.0 >= at + PROVISION));
        }
        // The listed node is never asked for or added.
        assert!(
            records
                .iter()
                .all(|r| r.1 != 0 || !matches!(r.2, "requested" | "added"))
        );
    }
    assert!(lost_added > 0 && both_lost > 0, "{lost_added} {both_lost}");
}

/// A pool spread over three zones by `topologySpreadConstraints` (maxSkew 1), one full
/// node a zone, the autoscaler's template in zone `a`: its estimate runs the spread filter
/// pod by pod, so the first of three surge pods goes to a new zone-`a` node (zone `a` one
/// pod ahead, within the skew) and the second to none (two ahead, on any zone-`a` node),
/// which ends the estimate: one node at the first turn, where the same pods without the
/// constraint fill two (two a node).
#[test]
fn a_one_zone_template_grows_a_spread_pool_as_far_as_the_skew_allows() {
    let spread = "  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, \
                  whenUnsatisfiable: DoNotSchedule}]\n";
    for (service, want) in [(spread, 1), ("", 2)] {
        let pool = Pool {
            nodes: "[{name: a1, labels: {zone: a}}, {name: b1, labels: {zone: b}}, \
                    {name: c1, labels: {zone: c}}]",
            node: "{cpu: '2', memory: 16Gi, labels: {zone: a}}",
            autoscaler: "{max_nodes: 6, provision: 60s}",
            replicas: 6,
            pod: "{cpu: '1', memory: 1Gi}",
            surge: 3,
            service,
            ..Pool::default()
        };
        for (r, trace) in traced(&pool.scenario(), 20) {
            let asked = node_times(&trace, "requested");
            let first = asked[0].0;
            let at_first: Vec<_> = asked.iter().copied().filter(|a| a.0 == first).collect();
            assert_eq!(at_first, asked_at(first, 3, want), "{service}");
            assert_eq!(r.outcome, Outcome::Completed);
        }
    }
}
