//! A PodDisruptionBudget under Flagger (`service.podDisruptionBudget` with `selects`):
//! Flagger's primary Deployment carries the selector label it rewrote (fluxcd/flagger
//! v1.44.0 `pkg/canary/deployment_controller.go` `createPrimaryDeployment`, `util.go`
//! `makePrimaryLabels`: `app: web-primary`), the target (canary) keeps `app: web`, so a
//! budget selects one Deployment's pods. The Eviction API asks it only about those
//! (kubernetes/kubernetes `pkg/registry/core/pod/storage/eviction.go` `EvictionREST.Create`,
//! `getPodDisruptionBudgets`); the disruption controller counts only them as healthy and
//! expects the `spec.replicas` of the Deployment owning them
//! (`pkg/controller/disruption/disruption.go` `countHealthyPods`, `getExpectedScale`).

use crate::node_drain::drained;
use crate::node_loss::node_records;
use crate::support::{bin, scenario_path};
use crate::yaml;
use rollout_sim::cluster::node_drain::EVICTION_RETRY;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::result::Outcome;
use rollout_sim::sim::time::{SECOND, Time};
use rollout_sim::trial::Workspace;

const S: u64 = SECOND;

/// `drained`'s Deployment strategy, which [`flagger_drained`] replaces.
const DEPLOYMENT: &str = "strategy: {kubernetes: {strategy: {type: RollingUpdate, \
                          rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}}";

/// `drained`'s fleet (6 replicas on 3 nodes, node 1 drained at 20 s, a pod exits 2 s
/// after its SIGTERM and a replacement is Ready 3 s after it is created) under Flagger
/// with `analysis`, the new version as quick as the old one and its image cached: tick 0
/// scales the canary (target) Deployment from zero to the primary's 6 replicas, 2 of them
/// on node 1, all Ready at 3 s.
fn flagger_drained(budget: &str, analysis: &str) -> String {
    let base = drained(&format!("  podDisruptionBudget: {budget}\n"));
    assert!(
        base.contains(DEPLOYMENT),
        "drained() names its strategy: {base}"
    );
    let flagger = format!("strategy: {{flagger: {{analysis: {analysis}}}}}");
    let text = base
        .replace(DEPLOYMENT, &flagger)
        .replace("next: {pull: 20m}", "next: {shutdown: 2s, ready_after: 3s}")
        .replace("image_cached: [current]", "image_cached: [current, next]");
    assert!(
        text.contains("ready_after: 3s}\n    next: {shutdown"),
        "{text}"
    );
    text
}

/// An analysis whose next tick (5 min) comes long after the drain: the canary stays
/// scaled up at 6 throughout.
const HELD: &str = "{interval: 5m, threshold: 1, stepWeight: 10}";

/// `(t, task, version, state)` of every record, from `from` on, of a task placed on
/// `node`.
fn on_node_from(trace: &[TraceRecord], node: u32, from: Time) -> Vec<(u64, u32, u8, TaskState)> {
    trace
        .iter()
        .filter_map(|r| match *r {
            TraceRecord::Task {
                t,
                task,
                version,
                node: Some(n),
                state,
                ..
            } if n == node && t >= from => Some((t, task, version, state)),
            _ => None,
        })
        .collect()
}

/// The pods of `version` on `node` at time 0 (creation order).
fn fleet_on(trace: &[TraceRecord], node: u32, version: u8) -> Vec<u32> {
    let mut out = Vec::new();
    for r in trace {
        if let TraceRecord::Task {
            t: 0,
            task,
            version: v,
            node: Some(n),
            ..
        } = *r
            && n == node
            && v == version
            && !out.contains(&task)
        {
            out.push(task);
        }
    }
    out
}

/// A budget on the primary holds the drain of its pods exactly as a Deployment's budget
/// holds a Deployment's: `maxUnavailable: 1` of the primary's 6 replicas wants 5 healthy,
/// so the first primary pod goes at 20 s, the second waits for the first's replacement
/// (Ready at 23 s) and goes at the retry 5 s later, the node empty at 27 s. The canary's
/// two Ready pods on the node carry `app: web`, which the budget does not select: they go
/// at 20 s, with no disruption to spare counted against them (counted, 12 healthy pods of
/// 6 expected would have let every pod go at once).
#[test]
fn a_budget_on_the_primary_holds_its_pods_and_lets_the_canarys_go() {
    let text = flagger_drained("{maxUnavailable: 1, selects: primary}", HELD);
    let (r, trace) = Workspace::new(&yaml(&text)).run_traced(0);
    let retry = 20 * S + EVICTION_RETRY;
    assert_eq!(
        node_records(&trace),
        [(20 * S, 1, "cordoned"), (retry + 2 * S, 1, "drained")]
    );
    let primary = fleet_on(&trace, 1, 0);
    let canary = fleet_on(&trace, 1, 1);
    assert_eq!((primary.len(), canary.len()), (2, 2), "{text}");
    use TaskState::{Stopped, Terminating};
    assert_eq!(
        on_node_from(&trace, 1, 20 * S),
        [
            (20 * S, primary[0], 0, Terminating),
            (20 * S, canary[0], 1, Terminating),
            (20 * S, canary[1], 1, Terminating),
            (22 * S, primary[0], 0, Stopped),
            (22 * S, canary[0], 1, Stopped),
            (22 * S, canary[1], 1, Stopped),
            (retry, primary[1], 0, Terminating),
            (retry + 2 * S, primary[1], 0, Stopped),
        ]
    );
    assert_eq!(r.drains.map(|d| d.longest), Some(7 * S));

    // The same fleet as a Deployment under the same budget (without `selects`): its old
    // pods on the node leave at the same instants.
    let deployment = drained("  podDisruptionBudget: {maxUnavailable: 1}\n");
    let (_, k8s) = Workspace::new(&yaml(&deployment)).run_traced(0);
    let old = |trace: &[TraceRecord]| -> Vec<(u64, TaskState)> {
        on_node_from(trace, 1, 20 * S)
            .into_iter()
            .filter(|&(_, _, v, _)| v == 0)
            .map(|(t, _, _, s)| (t, s))
            .collect()
    };
    assert_eq!(old(&trace), old(&k8s));
}

/// A budget on the canary during the analysis: the target Deployment's `spec.replicas`
/// is what Flagger scaled it to for the analysis (the primary's 6, `ScaleFromZero`), and
/// only its pods count as healthy. `maxUnavailable: 1` of 6: one canary pod at a time,
/// while the primary's pods on the node, which it does not select, go at once.
/// `minAvailable: 100%` of 6 lets no canary pod go: they leave when Flagger scales the
/// target to zero after the promotion (tick 4 with `stepWeight: 50`, `maxWeight: 50`:
/// scale up, weight 50, promote, route to the primary, scale to zero), the drain done
/// 2 s later.
#[test]
fn a_budget_on_the_canary_counts_the_targets_scale_during_the_analysis() {
    let text = flagger_drained("{maxUnavailable: 1, selects: canary}", HELD);
    let (_, trace) = Workspace::new(&yaml(&text)).run_traced(0);
    let retry = 20 * S + EVICTION_RETRY;
    assert_eq!(
        node_records(&trace),
        [(20 * S, 1, "cordoned"), (retry + 2 * S, 1, "drained")]
    );
    let primary = fleet_on(&trace, 1, 0);
    let canary = fleet_on(&trace, 1, 1);
    use TaskState::{Stopped, Terminating};
    assert_eq!(
        on_node_from(&trace, 1, 20 * S),
        [
            (20 * S, primary[0], 0, Terminating),
            (20 * S, primary[1], 0, Terminating),
            (20 * S, canary[0], 1, Terminating),
            (22 * S, primary[0], 0, Stopped),
            (22 * S, primary[1], 0, Stopped),
            (22 * S, canary[0], 1, Stopped),
            (retry, canary[1], 1, Terminating),
            (retry + 2 * S, canary[1], 1, Stopped),
        ]
    );

    let quick = "{interval: 1m, threshold: 1, stepWeight: 50, maxWeight: 50}";
    let text = flagger_drained("{minAvailable: 100%, selects: canary}", quick);
    let (r, trace) = Workspace::new(&yaml(&text)).run_traced(0);
    let scaled_to_zero = 4 * 60 * S;
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(r.duration, scaled_to_zero);
    assert_eq!(
        node_records(&trace),
        [
            (20 * S, 1, "cordoned"),
            (scaled_to_zero + 2 * S, 1, "drained")
        ]
    );
    let canary = fleet_on(&trace, 1, 1);
    let leaving: Vec<(u64, u32, TaskState)> = on_node_from(&trace, 1, 20 * S)
        .into_iter()
        .filter(|&(_, _, v, _)| v == 1)
        .map(|(t, task, _, s)| (t, task, s))
        .collect();
    assert_eq!(leaving.len(), 4, "{leaving:?}");
    for &task in &canary {
        assert!(
            leaving.contains(&(scaled_to_zero, task, Terminating)),
            "{leaving:?}"
        );
        assert!(
            leaving.contains(&(scaled_to_zero + 2 * S, task, Stopped)),
            "{leaving:?}"
        );
    }
    assert_eq!(
        r.drains.map(|d| d.longest),
        Some(scaled_to_zero + 2 * S - 20 * S)
    );
}

/// `selects` is required with Flagger and refused with every other strategy, each
/// problem at its field path, before any trial runs.
#[test]
fn selects_is_required_with_flagger_and_refused_without() {
    let cases = [
        (
            "flagger-canary.yaml",
            "service.podDisruptionBudget={maxUnavailable: 1}",
            "service.podDisruptionBudget: with `strategy.flagger` a budget selects the pods of \
             one of Flagger's two Deployments",
        ),
        (
            // `null` is no value.
            "flagger-canary.yaml",
            "service.podDisruptionBudget={maxUnavailable: 1, selects: null}",
            "service.podDisruptionBudget: with `strategy.flagger` a budget selects the pods of \
             one of Flagger's two Deployments",
        ),
        (
            "flagger-canary.yaml",
            "service.podDisruptionBudget={maxUnavailable: 1, selects: both}",
            "service.podDisruptionBudget.selects: ",
        ),
        (
            "k8s-drain-pdb.yaml",
            "service.podDisruptionBudget.selects=primary",
            "service.podDisruptionBudget.selects: `selects` says which of Flagger's two \
             Deployments a budget selects, and is given only with `strategy.flagger`: with \
             `strategy.kubernetes` the budget's selector is the app label",
        ),
        (
            "canary-router.yaml",
            "service.podDisruptionBudget={maxUnavailable: 1, selects: canary}",
            "service.podDisruptionBudget.selects: `selects` says which",
        ),
    ];
    for (scenario, set, want) in cases {
        let out = bin()
            .args(["run", &scenario_path(scenario), "--set", set, "--out"])
            .arg(tempfile::tempdir().unwrap().path().join("o"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(err.contains(want), "{set}: {err}");
    }
    // Given with Flagger, or `null` with another strategy, the budget runs.
    for (scenario, set) in [
        (
            "flagger-canary.yaml",
            "service.podDisruptionBudget={maxUnavailable: 1, selects: primary}",
        ),
        (
            "k8s-drain-pdb.yaml",
            "service.podDisruptionBudget.selects=null",
        ),
    ] {
        let out = bin()
            .args([
                "run",
                &scenario_path(scenario),
                "--trials",
                "2",
                "--set",
                set,
            ])
            .args(["--quiet", "--out"])
            .arg(tempfile::tempdir().unwrap().path().join("o"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{set}: {err}");
    }
}
