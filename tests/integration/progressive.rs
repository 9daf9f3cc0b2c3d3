//! Argo Rollouts canary and blue-green, run the way a user runs the examples: the
//! capacity each strategy needs (upstream rules: a router keeps the stable at N; blue-green
//! brings the preview up next to the active pods) and what an abort records.

use super::yaml;
use rollout_sim::experiment::{Outcome, run_trials};
use rollout_sim::scenario::load_file;
use std::path::Path;

fn example(name: &str) -> rollout_sim::scenario::Scenario {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    load_file(&p, &[]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn blue_green_peak_tasks_are_twice_the_replicas() {
    let s = example("blue-green.yaml");
    let n = s.service.replicas;
    for r in run_trials(&s, 0..30) {
        assert_eq!(r.outcome, Outcome::Completed);
        assert_eq!(r.peak_tasks, 2 * n, "trial {}", r.trial);
        // The active Service never loses its N pods.
        assert_eq!(r.min_available, n);
        let t = r.traffic.unwrap();
        assert_eq!(t.failed_requests, 0);
    }
}

#[test]
fn a_router_canary_keeps_the_stable_at_full_size() {
    // The stable never drops below N available, and the last step holds N canary pods
    // next to it: 2 N at the peak. Without a router the same steps never exceed
    // N + maxSurge (10 + 3) wanted pods.
    let routed = example("canary-router.yaml");
    let n = routed.service.replicas;
    for r in run_trials(&routed, 0..20) {
        assert_eq!(r.outcome, Outcome::Completed);
        assert_eq!(r.min_available, n);
        assert_eq!(r.peak_tasks, 2 * n);
    }
    let basic = example("canary-replica-ratio.yaml");
    for r in run_trials(&basic, 0..20) {
        assert_eq!(r.outcome, Outcome::Completed);
        // maxUnavailable 25 % of 10 = 2: never fewer than 8 available.
        assert!(r.min_available >= 8, "{r:?}");
        // 13 wanted at most, plus pods still terminating.
        assert!(r.peak_tasks < 2 * n, "{r:?}");
    }
}

#[test]
fn a_bad_release_without_analysis_is_never_detected() {
    // No analysis and no progress problem: nothing aborts, every trial promotes the bad
    // version, and the blast radius is its errors.
    let s = example("canary-bad-release.yaml");
    for r in run_trials(&s, 0..20) {
        assert_eq!(r.outcome, Outcome::Completed);
        let v = r.verdict.expect("a canary has a verdict");
        assert!(v.bad && !v.aborted && v.time_to_detect.is_none());
        assert!(r.traffic.unwrap().bad_version_requests > 0);
    }
}

#[test]
fn progress_deadline_abort_detects_a_release_that_never_gets_ready() {
    let s = yaml(
        r#"
horizon: 30m
service:
  replicas: 4
  readinessProbe: {periodSeconds: 2}
  versions:
    current: {}
    next: {ready_after: never}
strategy:
  canary:
    trafficRouting: {}
    progressDeadlineSeconds: 120
    progressDeadlineAbort: true
    steps: [{setWeight: 25}, {pause: {duration: 1m}}]
"#,
    );
    for r in run_trials(&s, 0..10) {
        assert_eq!(r.outcome, Outcome::RolledBack);
        let v = r.verdict.unwrap();
        assert!(v.bad && v.aborted);
        let t = v.time_to_detect.unwrap();
        // Strictly after the 120 s deadline counted from the last progress (the canary
        // pod's creation at 0 s, or its last state change).
        assert!(t > 120_000_000, "{t}");
        // The canary is kept abortScaleDownDelaySeconds (30 s) before it goes.
        assert!(r.duration >= t + 30_000_000);
    }
    // The same good release (it becomes ready) completes: no false rollback.
    let good = yaml(
        r#"
horizon: 30m
service: {replicas: 4, versions: {current: {}, next: {}}}
strategy:
  canary:
    trafficRouting: {}
    progressDeadlineSeconds: 120
    progressDeadlineAbort: true
    steps: [{setWeight: 25}, {pause: {duration: 1m}}]
"#,
    );
    for r in run_trials(&good, 0..10) {
        assert_eq!(r.outcome, Outcome::Completed);
        let v = r.verdict.unwrap();
        assert!(!v.bad && !v.aborted);
    }
}
