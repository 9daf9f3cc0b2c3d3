//! Kubernetes Deployments end to end: YAML scenarios through the parser and the trial loop.

use crate::yaml;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::experiment::{Outcome, run_trials};
use rollout_sim::scenario::load_file;
use rollout_sim::trial::Workspace;
use std::path::Path;

use rollout_sim::cluster::trace::scale_steps as scales;

fn deployment(replicas: u32, strategy: &str, extra: &str) -> String {
    format!(
        "name: k8s\nhorizon: 1h\ncluster: {{nodes: 1, node: {{cpu: \"64\", memory: 64Gi}}}}\n\
         service:\n  replicas: {replicas}\n  resources: {{cpu: 100m, memory: 64Mi}}\n\
         \x20 versions:\n    current: {{image: a:1}}\n    next: {{image: a:2, start: 2s}}\n\
         strategy:\n  kubernetes:\n    strategy: {strategy}\n{extra}"
    )
}

#[test]
fn ten_replicas_at_the_default_25_percent() {
    let s = yaml(&deployment(10, "{type: RollingUpdate}", ""));
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(scales(&trace), [(3, 8), (5, 8), (5, 3), (10, 3), (10, 0)]);
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(r.min_available, 8);
}

#[test]
fn three_replicas_at_25_percent_one_pod_at_a_time() {
    let s = yaml(&deployment(
        3,
        "{type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}",
        "",
    ));
    let (_, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(
        scales(&trace),
        [(1, 3), (1, 2), (2, 2), (2, 1), (3, 1), (3, 0)]
    );
}

#[test]
fn a_v3_roll_over_and_an_undo_from_yaml_actions() {
    let text = deployment(
        10,
        "{type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}",
        "actions:\n  - {at: 2m, rollout: update, version: v3}\n",
    )
    .replace(
        "next: {image: a:2, start: 2s}",
        "next: {image: a:2, start: 2s, ready_after: never}\n    v3: {image: a:3, start: 2s}",
    )
    .replace(
        "  resources:",
        "  readinessProbe: {periodSeconds: 1}\n  resources:",
    );
    let s = yaml(&text);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(
        scales(&trace),
        [(3, 8), (5, 8), (0, 8), (5, 8), (5, 3), (10, 3), (10, 0)]
    );
    assert_eq!(r.outcome, Outcome::Completed);
}

#[test]
fn the_example_scenarios_behave_as_their_comments_say() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let load = |n: &str| load_file(&dir.join(n), &[]).unwrap_or_else(|e| panic!("{e}"));
    let all = |n: &str, o: Outcome, trials: u64| {
        let rows = run_trials(&load(n), 0..trials);
        assert!(rows.iter().all(|r| r.outcome == o), "{n}");
        rows
    };
    let rows = all("k8s-rolling-default.yaml", Outcome::Completed, 100);
    assert!(rows.iter().all(|r| r.min_available >= 8));
    let rows = all("k8s-surge-one.yaml", Outcome::Completed, 100);
    assert!(rows.iter().all(|r| r.min_available == 10));
    let rows = all("k8s-recreate.yaml", Outcome::Completed, 100);
    assert!(
        rows.iter()
            .all(|r| r.min_available == 0 && r.duration >= 20_000_000)
    );
    let rows = all("k8s-crashloop-deadline.yaml", Outcome::DeadlineExceeded, 20);
    assert!(
        rows.iter()
            .all(|r| r.deadline_exceeded_at == Some(301_000_000))
    );
    assert!(rows.iter().all(|r| r.restarts > 0 && r.min_available == 8));
    all("k8s-rollback-midway.yaml", Outcome::RolledBack, 100);
}

/// `restarts` is the pods' `restartCount`: restarts made, counted when the container starts
/// again. A container waiting out its CrashLoopBackOff when the trial ends has exited, not
/// restarted (it counted before, so k8s-crashloop-deadline.yaml said 45 for 5 pods that
/// had restarted 8 times each by its 20-minute horizon).
#[test]
fn a_restart_still_in_back_off_at_the_horizon_is_not_counted() {
    let text = deployment(
        1,
        "{type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
        "",
    )
    .replace("horizon: 1h", "horizon: 1m")
    .replace(
        "next: {image: a:2, start: 2s}",
        "next: {image: a:2, start: 2s, crash_probability: 1}",
    );
    let (r, trace) = Workspace::new(&yaml(&text)).run_traced(0);
    // Exits at 2, 4, 16 and 38 s; restarts at 2, 14 and 36 s (back-off 0, 10, 20 s); the
    // fourth is due at 78 s, after the horizon.
    let states = |state: TaskState| {
        let of_next = |e: &&TraceRecord| matches!(e, TraceRecord::Task { version: 1, state: s, .. } if *s == state);
        trace.iter().filter(of_next).count()
    };
    assert_eq!(
        (states(TaskState::BackOff), states(TaskState::Starting)),
        (4, 4)
    );
    assert_eq!(
        r.restarts, 3,
        "the first start is no restart, the fourth exit's is due later"
    );
}

/// `replicas` pods, maxSurge 1 / maxUnavailable 0, every latency zero unless `extra` says.
fn surge_one(replicas: u32, next: &str) -> String {
    format!(
        "name: k8s\nhorizon: 10m\ncluster: {{nodes: 1, node: {{cpu: \"1000\", memory: 1000Gi}}}}\n\
         service:\n  replicas: {replicas}\n  resources: {{cpu: 100m, memory: 64Mi}}\n\
         \x20 versions:\n    current: {{image: a:1}}\n    next: {{image: a:2{next}}}\n\
         strategy:\n  kubernetes:\n    strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}}}\n"
    )
}

/// Issue: a guard of 64 syncs an instant stopped 100- and 1000-replica instant rollouts
/// after 64 scale steps (`timeout`; with a 1 ms pull, `completed` at 601 s). The closed
/// form (`rolloutRolling` makes one scale a sync): one pod at a time, 2 × replicas scale
/// steps, all in the instant the image is present.
#[test]
fn instant_rollouts_of_any_size_complete_in_one_instant() {
    for replicas in [32, 100, 1000] {
        for (next, at) in [("", 0), (", pull: 1ms", 1000)] {
            let s = yaml(&surge_one(replicas, next));
            let (r, trace) = Workspace::new(&s).run_traced(0);
            let steps = scales(&trace);
            assert_eq!(steps.len(), 2 * replicas as usize, "{replicas}{next}");
            assert_eq!(steps.last(), Some(&(replicas, 0)));
            assert_eq!(
                (r.outcome, r.duration, r.min_available),
                (Outcome::Completed, at, replicas),
                "{replicas}{next}"
            );
        }
    }
}

/// Issue 16: an undone rollout still incomplete at `progressDeadlineSeconds` re-armed its
/// requeue at the current instant forever. Each variant must end, with few events, and
/// with the outcome upstream reports.
#[test]
fn undone_rollouts_incomplete_at_the_deadline_end() {
    let undo = "actions: [{at: 1m, rollout: undo}]\n";
    let crashing_current = |strategy: &str| {
        deployment(3, strategy, undo).replace(
            "current: {image: a:1}",
            "current: {image: a:1, crash_probability: 1}",
        )
    };
    let cases = [
        // Recreate: the undone-to pods are all "updated" (3 = 3) and the condition still
        // reads NewReplicaSetAvailable from the completed rollout, so upstream never checks
        // progress: no deadline, the trial runs to the horizon.
        (crashing_current("{type: Recreate}"), Outcome::Timeout),
        (
            crashing_current("{type: RollingUpdate}"),
            Outcome::DeadlineExceeded,
        ),
        (
            crashing_current("{type: RollingUpdate}").replace(
                "    strategy: {type: RollingUpdate}",
                "    strategy: {type: RollingUpdate}\n    autoRollback: true",
            ),
            Outcome::DeadlineExceeded,
        ),
        // Undo while the new version crash-loops: back to a good version.
        (
            deployment(3, "{type: Recreate}", undo).replace(
                "next: {image: a:2, start: 2s}",
                "next: {image: a:2, start: 2s, crash_probability: 1}",
            ),
            Outcome::RolledBack,
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let rows = run_trials(&yaml(text), 0..5);
        for r in rows {
            assert_eq!(r.outcome, *want, "case {i}");
            // 3 pods crash-looping for an hour: a few hundred events, not a spin.
            assert!(r.events < 5_000, "case {i}: {} events", r.events);
        }
    }
}
