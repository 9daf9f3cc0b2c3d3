//! Blue-green pre- and post-promotion analysis, run the way a user runs a scenario, each
//! test against a rule of `argoproj/argo-rollouts` v1.10 (commit 9f8d111):
//!
//! - `rollout/service.go:reconcileActiveService` switches the active Service only when
//!   `completedPrePromotionAnalysis` (`rollout/pause.go`) holds, even with auto-promotion;
//! - `rollout/bluegreen.go:reconcileBlueGreenPause` adds the `BlueGreenPause` (whose clock
//!   `autoPromotionSeconds` counts) only after the pre-promotion run is Successful;
//! - `rollout/analysis.go:setPauseOrAbortForBlueGreen`: Failed/Error abort, Inconclusive
//!   pauses; `needsNewAnalysisRun`: after a `promote` a new run replaces the Inconclusive one;
//! - `rollout/sync.go:shouldFullPromote`: `stableRS` moves only once the post-promotion run
//!   is Successful, and `reconcileBlueGreenStableReplicaSet` keeps the previous ReplicaSet
//!   at N until then; on abort `reconcileActiveService` selects `status.stableRS` again,
//!   once the new ReplicaSet is saturated.

use super::yaml;
use rollout_sim::cluster::TraceRecord;
use rollout_sim::experiment::{Outcome, TrialResult, run_trials};
use rollout_sim::scenario::Scenario;
use rollout_sim::trial::Workspace;

const S: u64 = 1_000_000;

/// One error-rate metric over a 30 s window, every 30 s from 30 s after the run starts.
fn metric(of: &str, count: u32, conditions: &str) -> String {
    format!(
        "{{metrics: [{{name: errors, interval: 30s, count: {count}, initialDelay: 30s, \
         {conditions}, provider: {{rollout-sim: {{metric: error_rate, of: {of}, window: 30s}}}}}}]}}"
    )
}

/// Four replicas at 200 rps; the preview Service gets 10 % of the requests.
fn scenario(error_rate: f64, strategy: &str, tail: &str) -> Scenario {
    yaml(&format!(
        r#"
seed: 31
horizon: 1h
service:
  replicas: 4
  versions: {{current: {{error_rate: 0}}, next: {{error_rate: {error_rate}}}}}
strategy:
  blueGreen:
    previewTraffic: {{share: 0.1}}
    {strategy}
traffic: {{rps: 200}}
{tail}
"#
    ))
}

fn traced(s: &Scenario) -> (TrialResult, Vec<TraceRecord>) {
    Workspace::new(s).run_traced(0)
}

/// When the rollout recorded `state` (with `message`, if given), in order.
fn updates(trace: &[TraceRecord], state: &str, message: Option<&str>) -> Vec<u64> {
    trace
        .iter()
        .filter_map(|r| match r {
            TraceRecord::Update {
                t,
                state: s,
                message: m,
            } if *s == state && (message.is_none() || m.as_deref() == message) => Some(*t),
            _ => None,
        })
        .collect()
}

const GOOD: &str = "successCondition: result < 0.05";

#[test]
fn auto_promotion_waits_for_the_pre_promotion_run() {
    // Default auto-promotion (no pause): the switch comes when the third measurement
    // (30 s, 60 s and 90 s after the preview is saturated) completes the run.
    let plain = traced(&scenario(0.0, "", "")).1;
    let pre = format!("prePromotionAnalysis: {}", metric("canary", 3, GOOD));
    let (r, trace) = traced(&scenario(0.0, &pre, ""));
    assert_eq!(r.outcome, Outcome::Completed);
    let (before, after) = (
        updates(&plain, "switched", None),
        updates(&trace, "switched", None),
    );
    assert_eq!(after[0], before[0] + 90 * S);
    // autoPromotionSeconds counts from the run's success, not beside it: the same 90 s.
    let paused = "autoPromotionSeconds: 60";
    let plain = traced(&scenario(0.0, paused, "")).1;
    let (_, trace) = traced(&scenario(0.0, &format!("{paused}\n    {pre}"), ""));
    let pause = updates(&trace, "paused", None);
    assert_eq!(pause[0], before[0] + 90 * S);
    assert_eq!(
        updates(&trace, "switched", None)[0],
        updates(&plain, "switched", None)[0] + 90 * S
    );
}

#[test]
fn a_failed_pre_promotion_run_aborts_before_the_switch() {
    // Half the preview's requests fail: the first measurement fails the run
    // (failureLimit 0) and the rollout aborts; users only ever met the preview share.
    let pre = format!("prePromotionAnalysis: {}", metric("canary", 3, GOOD));
    let s = scenario(0.5, &pre, "");
    let (r, trace) = traced(&s);
    assert!(updates(&trace, "switched", None).is_empty());
    let started = updates(
        &trace,
        "rollback_started",
        Some("Blue/green pre-promotion analysis phase error/failed"),
    );
    assert_eq!(started.len(), 1);
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(r.min_available, 4);
    for r in run_trials(&s, 0..50) {
        assert_eq!(r.outcome, Outcome::RolledBack, "{r:?}");
        let v = r.verdict.unwrap();
        assert!(v.bad && v.aborted);
        // About 10 % × 200 rps × 50 % over the preview's life (well under 2 minutes).
        assert!(r.traffic.unwrap().bad_version_requests < 1_200, "{r:?}");
    }
}

#[test]
fn an_inconclusive_pre_promotion_run_pauses_and_promote_starts_a_new_one() {
    // 5 % errors: neither `result < 0.01` nor `result > 0.5`: Inconclusive, the rollout
    // pauses without switching. A `promote` replaces the run (blue-green has no step to
    // skip), which is Inconclusive again: still no switch, a second pause. Either way the
    // rollout waits for a human at the horizon: `paused` (`rollout/pause.go:
    // requiresManualAction` is true for `InconclusiveAnalysis`).
    let cond = "successCondition: result < 0.01, failureCondition: result > 0.5";
    let pre = format!("prePromotionAnalysis: {}", metric("canary", 3, cond));
    let (r, trace) = traced(&scenario(0.05, &pre, ""));
    assert_eq!(r.outcome, Outcome::Paused);
    assert!(!r.verdict.unwrap().aborted);
    assert!(updates(&trace, "switched", None).is_empty());
    assert_eq!(
        updates(&trace, "paused", Some("InconclusiveAnalysis")).len(),
        1
    );
    let tail = "actions: [{at: 10m, rollout: promote}]";
    let (r, trace) = traced(&scenario(0.05, &pre, tail));
    assert_eq!(r.outcome, Outcome::Paused);
    assert!(updates(&trace, "switched", None).is_empty());
    let pauses = updates(&trace, "paused", Some("InconclusiveAnalysis"));
    assert_eq!(pauses.len(), 2);
    // The new run's first measurement: 30 s after the promote.
    assert_eq!(pauses[1], 600 * S + 30 * S);
}

#[test]
fn a_failed_post_promotion_run_sends_traffic_back_to_the_kept_stack() {
    // After the switch the new pods take every request; 30 s later the first measurement
    // fails and the active Service selects the previous pods again, which were never
    // scaled down (they are still `status.stableRS`).
    let post = format!("postPromotionAnalysis: {}", metric("canary", 2, GOOD));
    let (r, trace) = traced(&scenario(0.5, &post, ""));
    let switched = updates(&trace, "switched", None)[0];
    let started = updates(
        &trace,
        "rollback_started",
        Some("Blue/green post-promotion analysis phase error/failed"),
    );
    assert_eq!(started, [switched + 30 * S]);
    assert_eq!(r.outcome, Outcome::RolledBack);
    for rec in &trace {
        if let TraceRecord::Scale { old, .. } = rec {
            assert_eq!(*old, 4, "the previous ReplicaSet stays at N: {rec:?}");
        }
    }
    // 30 s of all 200 rps at 50 % errors: 3,000 bad requests expected (sd ≈ 55).
    let bad = r.traffic.unwrap().bad_version_requests;
    assert!((2_700..=3_300).contains(&bad), "{bad}");
}

#[test]
fn stable_moves_only_after_the_post_promotion_run_succeeds() {
    // Two passing measurements (30 s and 60 s after the switch): promotion 60 s after the
    // switch, the previous ReplicaSet at N until then and scaled to 0
    // scaleDownDelaySeconds (30 s) later.
    let post = format!("postPromotionAnalysis: {}", metric("canary", 2, GOOD));
    let mut s = scenario(0.0, &post, "");
    let (r, trace) = traced(&s);
    let switched = updates(&trace, "switched", None)[0];
    let completed = updates(&trace, "completed", None);
    assert_eq!(completed, [switched + 60 * S]);
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(r.duration, switched + 60 * S);
    // Traffic measured for 10 minutes keeps the trial running past the promotion.
    s.traffic.as_mut().unwrap().duration = Some(600 * S);
    let trace = traced(&s).1;
    let scales: Vec<(u64, u32)> = trace
        .iter()
        .filter_map(|rec| match *rec {
            TraceRecord::Scale { t, old, .. } => Some((t, old)),
            _ => None,
        })
        .collect();
    let down = scales.iter().find(|(_, old)| *old < 4).unwrap();
    assert_eq!(*down, (switched + 90 * S, 0));
}

#[test]
fn no_preview_traffic_refuses_a_pre_promotion_error_rate() {
    let text = format!(
        "horizon: 1h\nservice: {{replicas: 2, versions: {{current: {{}}, next: {{}}}}}}\n\
         strategy: {{blueGreen: {{prePromotionAnalysis: {}}}}}\ntraffic: {{rps: 10}}\n",
        metric("canary", 1, GOOD)
    );
    let err =
        rollout_sim::scenario::load_str(&text, "t.yaml", rollout_sim::scenario::Format::Yaml, &[])
            .unwrap_err()
            .to_string();
    assert!(
        err.contains("strategy.blueGreen.prePromotionAnalysis")
            && err.contains("previewTraffic.share"),
        "{err}"
    );
}

#[test]
fn a_user_abort_during_post_promotion_returns_to_the_previous_pods() {
    // `kubectl argo rollouts abort` while the post-promotion run measures: the active
    // Service selects `status.stableRS` (still the previous, full-size ReplicaSet) again.
    let post = format!("postPromotionAnalysis: {}", metric("canary", 10, GOOD));
    let (r, trace) = traced(&scenario(0.0, &post, "actions: [{at: 1m, rollout: abort}]"));
    let switched = updates(&trace, "switched", None)[0];
    assert!(switched < 60 * S);
    assert_eq!(
        updates(
            &trace,
            "rollback_started",
            Some("kubectl argo rollouts abort")
        ),
        [60 * S]
    );
    assert_eq!(r.outcome, Outcome::RolledBack);
    // A user's abort of a good release is not a false rollback by the analysis.
    assert!(!r.verdict.unwrap().aborted);
    for rec in &trace {
        if let TraceRecord::Scale { old, .. } = rec {
            assert_eq!(*old, 4, "{rec:?}");
        }
    }
}

/// `rollout/service.go:reconcileActiveService` selects `status.stableRS` on an abort only
/// when the new ReplicaSet is saturated (`ReadyForPause`, `IsSaturated`). Every new pod dies
/// 70 s after it starts (`crash_after`) and the kubelet restarts it 10 s later
/// (CrashLoopBackOff); the user aborts at 75 s, during the post-promotion run. The active
/// Service stays on the new pods until they are all available again, so the requests of
/// those seconds are refused as well, and the rollback ends with the scale-down deadline.
#[test]
fn an_abort_while_the_new_pods_are_down_keeps_the_active_service_on_them() {
    let post = format!("postPromotionAnalysis: {}", metric("canary", 10, GOOD));
    let s = yaml(&format!(
        r#"
seed: 31
horizon: 1h
service:
  replicas: 4
  readinessProbe: {{periodSeconds: 1}}
  versions: {{current: {{}}, next: {{ready_after: 20s, crash_after: 70s}}}}
strategy:
  blueGreen: {{{post}}}
traffic: {{rps: 200}}
actions: [{{at: 75s, rollout: abort}}]
"#
    ));
    let (r, trace) = traced(&s);
    assert_eq!(updates(&trace, "switched", None), [20 * S]);
    assert_eq!(updates(&trace, "rollback_started", None), [75 * S]);
    // The new pods are Ready again at 90 s (restarted at once, 20 s to become ready); the
    // stable was fully available at the abort, so the deadline is 75 s + 30 s.
    assert_eq!(updates(&trace, "rollback_completed", None), [105 * S]);
    assert_eq!(r.outcome, Outcome::RolledBack);
    // Refused from 70 s until the new pods are back (about 20 s of 200 rps, sd ≈ 65);
    // sending the traffic back at the abort refused only 70–75 s (about 1,000).
    let refused = r.traffic.unwrap().refused_requests;
    assert!((3_800..=4_700).contains(&refused), "{refused}");
}

/// The same abort with `abortScaleDownDelaySeconds: 5`: the deadline (80 s) takes the new
/// ReplicaSet to 0 before its pods are back, so it is never saturated again and the active
/// Service keeps selecting it: every request from 70 s on is refused and the rollback never
/// completes.
#[test]
fn an_abort_whose_deadline_comes_first_leaves_the_active_service_on_nothing() {
    let post = format!("postPromotionAnalysis: {}", metric("canary", 10, GOOD));
    let s = yaml(&format!(
        r#"
seed: 31
horizon: 10m
service:
  replicas: 4
  readinessProbe: {{periodSeconds: 1}}
  versions: {{current: {{}}, next: {{ready_after: 20s, crash_after: 70s}}}}
strategy:
  blueGreen: {{abortScaleDownDelaySeconds: 5, {post}}}
traffic: {{rps: 200}}
actions: [{{at: 75s, rollout: abort}}]
"#
    ));
    let (r, trace) = traced(&s);
    assert_eq!(updates(&trace, "rollback_started", None), [75 * S]);
    assert!(updates(&trace, "rollback_completed", None).is_empty());
    assert_eq!(r.outcome, Outcome::Timeout);
    let traffic = r.traffic.unwrap();
    // 530 s of 200 rps refused (sd ≈ 325), out of 600 s.
    assert!(
        (100_000..=112_000).contains(&traffic.refused_requests),
        "{traffic:?}"
    );
}

/// `rollout/bluegreen.go:rolloutBlueGreen` calls `reconcilePreviewService` whatever the
/// abort (only `haltProgress` skips it), so the preview Service keeps selecting the new
/// pods until `abortScaleDownDelaySeconds` removes them: its share of the requests still
/// reaches them meanwhile. A user abort at 120 s of a preview waiting for `promote`: 60 s
/// more of delay is about 60 s × 10 % × 200 rps more requests to the new version. The
/// simulator stopped the preview's requests at the abort, whatever the delay.
#[test]
fn the_preview_service_serves_the_new_pods_until_the_abort_scale_down() {
    let next = |delay: u32| {
        let strategy =
            format!("autoPromotionEnabled: false\n    abortScaleDownDelaySeconds: {delay}");
        let s = scenario(0.0, &strategy, "actions: [{at: 120s, rollout: abort}]");
        let (r, trace) = traced(&s);
        assert_eq!(r.outcome, Outcome::RolledBack, "{trace:?}");
        r.traffic.unwrap().next_requests
    };
    let (short, long) = (next(5), next(65));
    assert!((1_000..1_400).contains(&(long - short)), "{short} {long}");
}
