//! Kubernetes' required pod anti-affinity (`service.affinity.podAntiAffinity`), as
//! kube-scheduler's `InterPodAffinity` filter reads it (kubernetes/kubernetes v1.30
//! `pkg/scheduler/framework/plugins/interpodaffinity/filtering.go`): no pod of the service
//! on a node whose value of a term's `topologyKey` is that of a node holding one,
//! terminating pods included (the scheduler's cache holds a pod until its deletion is
//! final).
//!
//! The independent expectations: on `kubernetes.io/hostname`, which the kubelet sets on
//! every node, the rule is exactly a node with room for one task, as a host port is
//! (every trial the same but for the filter the `pending_*` columns name); over wider
//! domains, the closed forms of a domain with room for one pod.

use crate::daemon_set::refusal;
use crate::host_ports::{assert_like_room, kubernetes, share, trials, warning};
use crate::yaml;
use rollout_sim::cluster::placer::PendingReason;
use rollout_sim::result::Outcome;
use rollout_sim::scenario::Scenario;

const HOSTNAME: &str = "kubernetes.io/hostname";

/// The anti-affinity with terms on `keys`.
fn anti_affinity(keys: &[&str]) -> String {
    let terms: Vec<String> = keys
        .iter()
        .map(|k| format!("{{topologyKey: {k}}}"))
        .collect();
    format!(
        "{{podAntiAffinity: {{requiredDuringSchedulingIgnoredDuringExecution: [{}]}}}}",
        terms.join(", ")
    )
}

/// `replicas` pods on `nodes` (a count or a list) of 4 cpu, each requesting `task_cpu`,
/// with `affinity` (a flow map, or `null`) and `strategy`; the old version exits 2 s after
/// its deletion, the new one starts in 1 s and is ready 3 s later.
fn scenario(
    nodes: &str,
    replicas: u32,
    task_cpu: &str,
    affinity: &str,
    strategy: &str,
) -> Scenario {
    yaml(&format!(
        "horizon: 20m\n\
         cluster: {{nodes: {nodes}, node: {{cpu: '4', memory: 8Gi}}}}\n\
         service:\n  replicas: {replicas}\n  resources: {{cpu: '{task_cpu}'}}\n\
         \x20 affinity: {affinity}\n\
         \x20 versions: {{current: {{shutdown: 2s}}, next: {{start: 1s, ready_after: 3s, \
         shutdown: 2s}}}}\n\
         strategy: {strategy}\n"
    ))
}

/// Every RollingUpdate shape, with a spare node or without, and the other strategies whose
/// pods kube-scheduler places: the hostname anti-affinity's trials are those of nodes with
/// room for one task (4-cpu pods on 4-cpu nodes), every column but the pending filter's.
#[test]
fn a_hostname_anti_affinity_is_a_node_with_room_for_one_task() {
    let canary = "{canary: {maxSurge: 1, maxUnavailable: 0, steps: [{setWeight: 50}]}}";
    let stateful = "{statefulSet: {}}";
    let cases = [
        (kubernetes(1, 0), 3),
        (kubernetes(1, 0), 4),
        (kubernetes(0, 1), 3),
        (kubernetes(1, 1), 3),
        (kubernetes(2, 1), 4),
        (canary.to_string(), 4),
        (stateful.to_string(), 3),
    ];
    let spread = anti_affinity(&[HOSTNAME]);
    for (strategy, nodes) in cases {
        let by_rule = trials(
            &scenario(&nodes.to_string(), 3, "100m", &spread, &strategy),
            20,
        );
        let by_room = trials(&scenario(&nodes.to_string(), 3, "4", "null", &strategy), 20);
        let what = format!("{strategy} on {nodes} nodes");
        assert_like_room(&by_rule, &by_room, PendingReason::AntiAffinity, &what);
    }
}

/// The trap: as many pods as nodes with `maxUnavailable: 0` never moves (the surge pod
/// finds every node held, and no old pod is deleted before a new one is available), and
/// `rollout-sim lint` says so; with `maxUnavailable: 1` each new pod waits for an old pod
/// to have exited, terminating included, and the rollout completes.
#[test]
fn a_surge_needs_a_free_domain() {
    let aa = anti_affinity(&[HOSTNAME]);
    let stuck = scenario("3", 3, "100m", &aa, &kubernetes(1, 0));
    let rows = trials(&stuck, 5);
    assert!(rows.iter().all(|r| r.outcome == Outcome::DeadlineExceeded));
    assert!(
        rows.iter().all(|r| r.min_ready == 3),
        "no old pod is touched"
    );
    assert_eq!(share(&rows, PendingReason::AntiAffinity), 5);
    let message = warning(&stuck, "k8s-anti-affinity-surge").expect("warned");
    assert!(
        message.contains("one pod a value of `kubernetes.io/hostname`")
            && message.contains("the nodes take 3 pods, all held by the 3 replicas"),
        "{message}"
    );
    let spare = scenario("4", 3, "100m", &aa, &kubernetes(1, 0));
    assert!(warning(&spare, "k8s-anti-affinity-surge").is_none());
    assert!(
        trials(&spare, 5)
            .iter()
            .all(|r| r.outcome == Outcome::Completed)
    );
    // One pod a step: the old pod exits 2 s after its deletion, only then is the new
    // pod placed, and it is Ready once started, 1 s later (no readiness probe): 3 s a
    // step, three steps.
    let stop_first = trials(&scenario("3", 3, "100m", &aa, &kubernetes(0, 1)), 3);
    for r in &stop_first {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 9_000_000));
    }
    // Without the anti-affinity the new pod starts beside the terminating one: 1 s a
    // step.
    let free = trials(&scenario("3", 3, "100m", "null", &kubernetes(0, 1)), 3);
    assert!(free.iter().all(|r| r.duration == 3_000_000), "{free:?}");
}

/// A zone term: one pod a zone, whatever the zone's nodes hold, and a node without the
/// label is not limited (`satisfyPodAntiAffinity` looks up the node's own value only).
#[test]
fn a_zone_holds_one_pod_and_an_unlabelled_node_any() {
    let zones = "[{labels: {zone: a}}, {labels: {zone: a}}, {labels: {zone: b}}, \
                 {labels: {zone: b}}]";
    let aa = anti_affinity(&["zone"]);
    // Two zones, two pods: the surge pod finds both zones held, though two nodes are
    // empty.
    let rows = trials(&scenario(zones, 2, "100m", &aa, &kubernetes(1, 0)), 3);
    assert!(rows.iter().all(|r| r.outcome == Outcome::DeadlineExceeded));
    assert_eq!(share(&rows, PendingReason::AntiAffinity), 3);
    // Three pods do not fit two zones: refused before any trial.
    let text = format!(
        "cluster: {{nodes: {zones}}}\nservice: {{replicas: 3, affinity: {aa}}}\n\
         strategy: {{kubernetes: {{}}}}\n"
    );
    let refused = refusal(&text);
    assert!(
        refused.contains("they hold 2, one a value of `zone` (the required pod anti-affinity)"),
        "{refused}"
    );
    // A node without `zone` takes the surge: the rollout completes.
    let unlabelled = "[{labels: {zone: a}}, {labels: {zone: b}}, {}]";
    let rows = trials(&scenario(unlabelled, 2, "100m", &aa, &kubernetes(1, 0)), 3);
    assert!(rows.iter().all(|r| r.outcome == Outcome::Completed));
    // Two terms: each holds, the zone's the stricter.
    let both = anti_affinity(&[HOSTNAME, "zone"]);
    let rows = trials(&scenario(zones, 2, "100m", &both, &kubernetes(1, 0)), 3);
    assert!(rows.iter().all(|r| r.outcome == Outcome::DeadlineExceeded));
}

/// The reason is the last filter in order that is some node's first failure: a node too
/// small for the pod (`resources`) does not hide the nodes the anti-affinity rules out,
/// whichever comes first in node order.
#[test]
fn the_reason_is_the_last_filter_any_node_fails_first() {
    for nodes in [
        "[{cpu: '1'}, {cpu: '4'}, {cpu: '4'}]",
        "[{cpu: '4'}, {cpu: '4'}, {cpu: '1'}]",
    ] {
        let s = scenario(
            nodes,
            2,
            "2",
            &anti_affinity(&[HOSTNAME]),
            &kubernetes(1, 0),
        );
        let rows = trials(&s, 2);
        assert_eq!(share(&rows, PendingReason::AntiAffinity), 2, "{nodes}");
        assert_eq!(share(&rows, PendingReason::Resources), 0, "{nodes}");
    }
}

/// Every node of a Kubernetes strategy carries `kubernetes.io/hostname` with its name, as
/// the kubelet sets it: a node selector can name a node; a label the file gives wins.
#[test]
fn every_node_carries_its_hostname() {
    let on = |nodes: &str, host: &str| {
        yaml(&format!(
            "cluster: {{nodes: {nodes}}}\nservice: {{replicas: 2, nodeSelector: \
             {{kubernetes.io/hostname: {host}}}}}\nstrategy: {{kubernetes: {{}}}}\n"
        ))
    };
    assert_eq!(trials(&on("3", "node-2"), 1)[0].outcome, Outcome::Completed);
    let refused = refusal(
        "cluster: {nodes: 3}\nservice: {nodeSelector: {kubernetes.io/hostname: web-9}}\n\
         strategy: {kubernetes: {}}\n",
    );
    assert!(refused.contains("0 of the 3 nodes pass"), "{refused}");
    let named = on(
        "[{name: a, labels: {kubernetes.io/hostname: web-9}}, {name: b}]",
        "web-9",
    );
    assert_eq!(trials(&named, 1)[0].outcome, Outcome::Completed);
}

/// A DaemonSet's surge pod is created on its old pod's node, which the old pod holds:
/// it stays Pending, the old pod is never deleted, and `lint` says so; without a surge the
/// rule costs nothing (one pod a node already).
#[test]
fn a_daemon_set_surge_meets_its_own_old_pod() {
    let ds = |update: &str| {
        yaml(&format!(
            "horizon: 10m\ncluster: {{nodes: 3}}\nservice: {{resources: {{cpu: 100m}}, \
             affinity: {}}}\nstrategy: {{daemonSet: {{updateStrategy: {{rollingUpdate: \
             {update}}}}}}}\n",
            anti_affinity(&[HOSTNAME])
        ))
    };
    let surge = ds("{maxSurge: 1, maxUnavailable: 0}");
    let rows = trials(&surge, 3);
    assert!(rows.iter().all(|r| r.outcome != Outcome::Completed));
    assert_eq!(share(&rows, PendingReason::AntiAffinity), 3);
    let message = warning(&surge, "daemonset-anti-affinity-surge").expect("warned");
    assert!(message.contains("maxSurge is 1"), "{message}");
    let unavailable = ds("{maxSurge: 0, maxUnavailable: 1}");
    assert!(warning(&unavailable, "daemonset-anti-affinity-surge").is_none());
    let rows = trials(&unavailable, 3);
    assert!(rows.iter().all(|r| r.outcome == Outcome::Completed));
    assert_eq!(share(&rows, PendingReason::AntiAffinity), 0);
}

/// Refusals: a term needs its `topologyKey`; Swarm has no pod anti-affinity (the message
/// names `max_replicas_per_node`); Flagger rewrites the primary's terms, which is not
/// modelled.
#[test]
fn refusals_name_the_field() {
    let missing = refusal(
        "service: {affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
         [{}]}}}\nstrategy: {kubernetes: {}}\n",
    );
    assert!(
        missing.contains(
            "service.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.0: \
             missing field `topologyKey`"
        ),
        "{missing}"
    );
    let aa = anti_affinity(&[HOSTNAME]);
    let swarm = refusal(&format!(
        "service: {{affinity: {aa}}}\nstrategy: {{swarm: {{}}}}\n"
    ));
    assert!(
        swarm.contains("service.affinity: `affinity` is a Kubernetes Pod field")
            && swarm.contains("`placement: {max_replicas_per_node: 1}`"),
        "{swarm}"
    );
    let flagger = refusal(&format!(
        "service: {{replicas: 2, affinity: {aa}}}\n\
         strategy: {{flagger: {{analysis: {{interval: 1m, threshold: 2, maxWeight: 50, \
         stepWeight: 10}}}}}}\n"
    ));
    assert!(
        flagger.contains(
            "service.affinity.podAntiAffinity: a pod anti-affinity is not simulated with \
             `strategy.flagger`"
        ),
        "{flagger}"
    );
}
