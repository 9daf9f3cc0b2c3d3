//! Argo Rollouts' `replicaProgressThreshold` (argo-rollouts 9f8d111
//! `utils/replicaset/canary.go` `ReplicaProgressThresholdMet`, read by
//! `AtDesiredReplicaCountsForCanary`, `checkReplicasAvailable` and `shouldFullPromote`): a
//! step, and the promotion after the last one, wait for that share (or count) of the
//! canary's pods instead of all of them.
//!
//! Ten canary pods are created at once (one `setWeight: 100` step behind a router) and
//! each is Ready after its own uniform draw on [5 s, 105 s] (no probe: Ready when
//! started). The promotion comes when the k-th of the ten is available, k = 10 without a
//! threshold: the k-th order statistic of ten uniforms, mean `5 s + 100 s × k / 11`. The
//! rollout is `completed` only once all ten are (the tenth, whatever the threshold), and
//! the old stable, retired at the promotion (`scaleDownDelaySeconds: 0`), leaves k pods
//! serving in between.

use super::yaml;
use rollout_sim::cluster::TraceRecord;
use rollout_sim::experiment::Outcome;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

const TRIALS: u64 = 2000;

/// Mean promotion and completion times in seconds over `TRIALS` trials, with `threshold`
/// (YAML) if any, and the fewest pods serving in any trial.
fn promoted_and_completed(threshold: &str) -> (f64, f64, u32) {
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
    scaleDownDelaySeconds: 0
    {threshold}
    steps:
      - setWeight: 100
"#
    ));
    let mut w = Workspace::new(&s);
    let (mut promoted, mut completed, mut min_ready) = (0, 0, u32::MAX);
    for i in 0..TRIALS {
        let (r, trace) = w.run_traced(i);
        assert_eq!(r.outcome, Outcome::Completed);
        let at = trace
            .iter()
            .find_map(|e| match e {
                TraceRecord::Update { t, state, .. }
                    if *state == "promoted" || *state == "completed" =>
                {
                    Some(*t)
                }
                _ => None,
            })
            .expect("a promotion");
        promoted += at;
        completed += r.duration;
        min_ready = min_ready.min(r.min_ready);
    }
    let mean = |total: u64| total as f64 / TRIALS as f64 / SECOND as f64;
    (mean(promoted), mean(completed), min_ready)
}

/// The k-th of ten uniform draws on [5 s, 105 s], on average.
fn order_statistic(k: f64) -> f64 {
    5.0 + 100.0 * k / 11.0
}

/// Standard deviations of the k-th order statistic of ten uniforms on 100 s, over 2000
/// trials: 0.19 s (k = 10) to 0.32 s (k = 5); 1.5 s is more than 4.5 of them.
const TOLERANCE: f64 = 1.5;

fn close(got: f64, k: f64) -> bool {
    (got - order_statistic(k)).abs() < TOLERANCE
}

#[test]
fn without_a_threshold_the_promotion_waits_for_the_last_pod() {
    let (promoted, completed, min_ready) = promoted_and_completed("");
    assert!(
        close(promoted, 10.0) && close(completed, 10.0),
        "{promoted} {completed}"
    );
    assert_eq!(min_ready, 10);
}

#[test]
fn a_percent_threshold_promotes_at_that_share_of_the_pods() {
    // 50 % of the step's ten pods, and of `spec.replicas` for the promotion: the fifth;
    // five serve once the old stable is gone, until the tenth completes the rollout.
    let (promoted, completed, min_ready) =
        promoted_and_completed("replicaProgressThreshold: {type: Percent, value: 50}");
    assert!(
        close(promoted, 5.0) && close(completed, 10.0),
        "{promoted} {completed}"
    );
    assert_eq!(min_ready, 5);
    // 95 % of 10 is 9.5 pods: the tenth, as without a threshold.
    let (promoted, _, min_ready) =
        promoted_and_completed("replicaProgressThreshold: {type: Percent, value: 95}");
    assert!(close(promoted, 10.0), "{promoted}");
    assert_eq!(min_ready, 10);
}

#[test]
fn a_pods_threshold_promotes_at_that_count() {
    let (promoted, completed, min_ready) =
        promoted_and_completed("replicaProgressThreshold: {type: Pods, value: 3}");
    assert!(
        close(promoted, 3.0) && close(completed, 10.0),
        "{promoted} {completed}"
    );
    assert_eq!(min_ready, 3);
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
