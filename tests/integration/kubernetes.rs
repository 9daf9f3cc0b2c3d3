//! Kubernetes Deployments end to end: YAML scenarios through the parser and the trial loop.

use crate::yaml;
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
