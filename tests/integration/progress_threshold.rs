//! Argo Rollouts' `replicaProgressThreshold` (argo-rollouts 9f8d111
//! `utils/replicaset/canary.go` `ReplicaProgressThresholdMet`, read by
//! `AtDesiredReplicaCountsForCanary`, `checkReplicasAvailable` and `shouldFullPromote`): a
//! step, and the promotion after the last one, wait for that share (or count) of the
//! canary's pods instead of all of them.
//!
//! Ten canary pods are created at once (one `setWeight: 100` step behind a router) and
//! each is Ready after its own uniform draw on [5 s, 105 s] (no probe: Ready when
//! started). The rollout then completes when the k-th of the ten is available, k = 10
//! without a threshold: the k-th order statistic of ten uniforms, mean
//! `5 s + 100 s × k / 11`.

use super::yaml;
use rollout_sim::experiment::Outcome;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

const TRIALS: u64 = 2000;

/// The mean duration in seconds over `TRIALS` trials, with `threshold` (YAML) if any.
fn mean_duration(threshold: &str) -> f64 {
    let s = yaml(&format!(
        r#"
horizon: 1h
cluster: {{nodes: 10, node: {{cpu: "8", memory: 16Gi}}, image_cached: [current, next]}}
service:
  replicas: 10
  versions:
    current: {{shutdown: 0s}}
    next: {{start: {{uniform: {{min: 5s, max: 105s}}}}, shutdown: 0s}}
strategy:
  canary:
    trafficRouting: {{}}
    {threshold}
    steps:
      - setWeight: 100
"#
    ));
    let mut w = Workspace::new(&s);
    let total: u64 = (0..TRIALS)
        .map(|i| {
            let r = w.run(i);
            assert_eq!(r.outcome, Outcome::Completed);
            r.duration
        })
        .sum();
    total as f64 / TRIALS as f64 / SECOND as f64
}

/// The k-th of ten uniform draws on [5 s, 105 s], on average.
fn order_statistic(k: f64) -> f64 {
    5.0 + 100.0 * k / 11.0
}

/// Standard deviations of the k-th order statistic of ten uniforms on 100 s, over 2000
/// trials: 0.19 s (k = 10) to 0.32 s (k = 5); 1.5 s is more than 4.5 of them.
const TOLERANCE: f64 = 1.5;

#[test]
fn without_a_threshold_the_rollout_waits_for_the_last_pod() {
    let d = mean_duration("");
    assert!((d - order_statistic(10.0)).abs() < TOLERANCE, "{d}");
}

#[test]
fn a_percent_threshold_completes_at_that_share_of_the_pods() {
    // 50 % of the step's ten pods, and of `spec.replicas` for the promotion: the fifth.
    let d = mean_duration("replicaProgressThreshold: {type: Percent, value: 50}");
    assert!((d - order_statistic(5.0)).abs() < TOLERANCE, "{d}");
    // 95 % of 10 is 9.5 pods: the tenth, as without a threshold.
    let d = mean_duration("replicaProgressThreshold: {type: Percent, value: 95}");
    assert!((d - order_statistic(10.0)).abs() < TOLERANCE, "{d}");
}

#[test]
fn a_pods_threshold_completes_at_that_count() {
    let d = mean_duration("replicaProgressThreshold: {type: Pods, value: 3}");
    assert!((d - order_statistic(3.0)).abs() < TOLERANCE, "{d}");
}

/// A count of pods is not relative to the step (`ReplicaProgressThresholdMet` compares
/// `availableReplicas >= value`): a step that wants fewer canary pods than the count never
/// completes: the rollout exceeds its progress deadline (Degraded, not aborted) and is
/// still on its first step at the horizon.
#[test]
fn a_pods_threshold_above_a_steps_pods_holds_the_step() {
    let s = yaml(
        r#"
horizon: 30m
cluster: {nodes: 10, node: {cpu: "8", memory: 16Gi}, image_cached: [current, next]}
service:
  replicas: 10
  versions:
    current: {shutdown: 0s}
    next: {start: 5s, shutdown: 0s}
strategy:
  canary:
    trafficRouting: {}
    replicaProgressThreshold: {type: Pods, value: 2}
    steps:
      - setWeight: 10
      - setWeight: 100
"#,
    );
    let r = Workspace::new(&s).run(0);
    assert_eq!(r.outcome, Outcome::DeadlineExceeded);
    // The canary's one pod became available at 5 s, the last progress; 600 s later the
    // controller's requeue for a stuck rollout, a second past the deadline, finds it
    // timed out.
    assert_eq!(r.deadline_exceeded_at, Some(606 * SECOND));
    assert_eq!(r.peak_tasks, 11);
}
