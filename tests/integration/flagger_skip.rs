//! Flagger's `skipAnalysis` (`fluxcd/flagger@15bd6ad` `pkg/controller/scheduler.go`
//! `shouldSkipAnalysis`): the first tick the canary Deployment is ready routes everything
//! to the primary, copies the canary's spec to it and scales the canary to zero (phase
//! Succeeded); the primary then rolls with the Deployment controller's RollingUpdate
//! (Kubernetes' defaults, 25 % / 25 %), and the trial ends as that rollout does.

use super::{trial, yaml};
use rollout_sim::experiment::Outcome;
use rollout_sim::sim::time::SECOND;

/// 8 replicas, images cached, a new pod Ready `ready` s after its creation, rolled by
/// `strategy`.
fn service(ready: u64, strategy: &str) -> String {
    format!(
        r#"
horizon: 1h
cluster: {{nodes: 4, node: {{cpu: "4", memory: 8Gi}}, image_cached: [current, next]}}
service:
  replicas: 8
  resources: {{cpu: 250m, memory: 256Mi}}
  versions:
    current: {{shutdown: 1s}}
    next: {{start: 0s, ready_after: {ready}s, shutdown: 1s}}
  readinessProbe: {{periodSeconds: 1}}
strategy:
{strategy}
"#
    )
}

/// `skipAnalysis` with a 10 s tick (the canary is scaled up at tick 0), `extra` more
/// fields of the Canary's spec.
fn skipped(ready: u64, extra: &str) -> String {
    service(
        ready,
        &format!(
            "  flagger:\n    skipAnalysis: true\n    {extra}\n    analysis: {{interval: 10s, \
             threshold: 5, stepWeight: 10, maxWeight: 50}}"
        ),
    )
}

/// The same service rolled by a Deployment with Kubernetes' default strategy: the
/// primary's rollout after the promotion is exactly this.
fn deployment(ready: u64) -> String {
    service(ready, "  kubernetes: {}")
}

/// The canary is Ready at 5 s, the tick at 10 s promotes; 8 pods at 25 % surge and 25 %
/// unavailable roll in two batches of 4 (2 surged + 2 in place of deleted ones), 5 s
/// each: complete at 10 + 10 = 20 s, the Deployment's own 10 s after the promotion.
/// No analysis ran and nothing was rolled back.
#[test]
fn skip_analysis_promotes_at_the_first_ready_tick_then_the_primary_rolls() {
    let r = trial(&yaml(&skipped(5, "")));
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 20 * SECOND));
    assert_eq!(r.deadline_exceeded_at, None);
    let d = trial(&yaml(&deployment(5)));
    assert_eq!((d.outcome, d.duration), (Outcome::Completed, 10 * SECOND));
    // At the promotion: the 8 old primary pods (2 of them deleted, terminating for 1 s),
    // 4 new ones (2 surged, 2 in place of the deleted: terminating pods leave the
    // ReplicaSet's count at once) and the 8 canary pods scaled to zero in the same tick,
    // terminating too.
    assert_eq!(r.peak_tasks, 20);
}

/// A primary that makes no progress for `progressDeadlineSeconds` (600 s, Kubernetes'
/// default, which the primary keeps): its new pods take 995 s to be Ready. The canary
/// (its own deadline 3000 s) is Ready at 995 s, the tick at 1000 s promotes; the
/// Deployment controller's requeue marks ProgressDeadlineExceeded at 1000 + 600 + 1 s,
/// Flagger does nothing (the Canary is Succeeded), and the rollout goes on: two batches
/// of 995 s, complete at 2990 s. With a horizon before that the outcome is
/// `deadline_exceeded`, as a Deployment's.
#[test]
fn the_primarys_progress_deadline_after_skip_analysis_is_the_deployments() {
    let r = trial(&yaml(&skipped(995, "progressDeadlineSeconds: 3000")));
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 2990 * SECOND));
    assert_eq!(r.deadline_exceeded_at, Some(1601 * SECOND));

    let short =
        skipped(995, "progressDeadlineSeconds: 3000").replace("horizon: 1h", "horizon: 40m");
    let r = trial(&yaml(&short));
    assert_eq!(
        (r.outcome, r.duration),
        (Outcome::DeadlineExceeded, 2400 * SECOND)
    );
    assert_eq!(r.deadline_exceeded_at, Some(1601 * SECOND));
}

/// `IsCanaryReady` comes before `shouldSkipAnalysis`: a canary stuck past its progress
/// deadline is rolled back even with `skipAnalysis`. Every new pod crashes on start; the
/// canary's deadline (60 s) runs from its scale-up at tick 0, the first tick past it
/// (70 s) rolls back.
#[test]
fn a_stuck_canary_is_rolled_back_even_when_the_analysis_is_skipped() {
    let text = skipped(5, "progressDeadlineSeconds: 60").replace(
        "next: {start: 0s",
        "next: {crash_probability: 1.0, start: 0s",
    );
    let r = trial(&yaml(&text));
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 70 * SECOND));
}
