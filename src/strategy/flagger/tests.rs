//! Whole trials of the Flagger controller against closed forms derived from its loop
//! (`fluxcd/flagger@15bd6ad`, v1.44.0, `pkg/controller/scheduler.go:advanceCanary`) and
//! statistical rules with fixed seeds.

use crate::experiment::{Outcome, TrialResult, run_trials};
use crate::scenario::{Format, Scenario, load_str};
use crate::sim::time::{MINUTE, Time};

/// A scenario of `replicas` pods whose new version errs at `errors` (the current one at
/// 0.1 %), at `rps`, under `analysis` (YAML flow map).
fn scenario(replicas: u32, errors: f64, rps: f64, analysis: &str) -> Scenario {
    let text = format!(
        "service:
  replicas: {replicas}
  versions:
    current: {{image: web:1.0, shutdown: 1s, error_rate: 0.001}}
    next: {{image: web:1.1, start: 2s, shutdown: 1s, error_rate: {errors}}}
  readinessProbe: {{periodSeconds: 2, failureThreshold: 3}}
strategy:
  flagger:
    analysis: {analysis}
traffic: {{rps: {rps}}}
horizon: 2h
"
    );
    load_str(&text, "t.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"))
}

const SUCCESS_99: &str = "metrics: [{name: request-success-rate, thresholdRange: {min: 99}}]";

fn analysis(step: u32, max: u32, threshold: u32, metrics: &str) -> String {
    format!(
        "{{interval: 1m, threshold: {threshold}, stepWeight: {step}, maxWeight: {max}, {metrics}}}"
    )
}

fn trials(s: &Scenario, n: u64) -> Vec<TrialResult> {
    run_trials(s, 0..n)
}

/// A good release with stepWeight 10, maxWeight 50, interval 1m: 5 passing checks at
/// ticks 2…6 (maxWeight / stepWeight of them), promotion at tick 6, traffic to the primary at tick 7
/// (its rolling update done within the minute), canary scaled down at tick 8.
#[test]
fn a_good_release_completes_after_five_checks_and_promotion() {
    let s = scenario(4, 0.001, 200.0, &analysis(10, 50, 1, "metrics: []"));
    for r in trials(&s, 5) {
        assert_eq!(r.outcome, Outcome::Completed);
        assert_eq!(r.duration, 8 * MINUTE);
        let v = r.verdict.expect("Flagger has a verdict");
        assert!(!v.aborted && !v.bad);
        // Primary kept at N next to N canary pods; promotion rolls the primary with
        // maxSurge 25 % (rounded up: 1 of 4) while the canary still holds its N, so the
        // peak is at least 2 N + 1 (more while old pods terminate), and with
        // maxUnavailable 25 % (1 of 4) next to the ready canary never below N available.
        assert!(r.peak_tasks > 2 * 4, "{}", r.peak_tasks);
        assert!(r.min_available >= 4, "{}", r.min_available);
        // Requests to `next`: the canary's 10…50 % for a minute each (ticks 1-6: 1.5 min
        // of full traffic), then during promotion the canary's 50 % plus the primary's
        // new pods (50-100 % for the minute), then the promoted primary's 100 % for the
        // last minute: between 3 and 3.5 minutes of full traffic at 200 rps (±3 % for
        // Poisson noise).
        let next = r.traffic.unwrap().next_requests as f64;
        let full = 200.0 * 60.0;
        assert!(
            next > 3.0 * full * 0.97 && next < 3.5 * full * 1.03,
            "{next}"
        );
    }
}

/// `request-duration` reads the p99 from the proxy's latency buckets, not the requests:
/// a canary answering every request in 260 ms sits in Envoy's (250, 500] ms bucket, which
/// `histogram_quantile(0.99, …)` reads as 497.5 ms. `max: 400` fails it at every check
/// (rolled back 2 + 5 intervals in); `max: 497` passes it (whole milliseconds).
#[test]
fn request_duration_is_read_from_the_latency_buckets() {
    let check = |max: u32| {
        let metrics = format!(
            "metrics: [{{name: request-duration, thresholdRange: {{max: {max}}}, interval: 1m}}]"
        );
        let mut s = scenario(4, 0.001, 200.0, &analysis(10, 50, 5, &metrics));
        s.service.versions[1].service_time = crate::scenario::Dist::Constant(260_000);
        trials(&s, 3)
    };
    for r in check(400) {
        assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 7 * MINUTE));
    }
    for r in check(497) {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 8 * MINUTE));
    }
}

/// A release failing every check: first check at tick 2, rollback `threshold` ticks
/// later (failedChecks cumulative; the threshold test precedes the analysis).
#[test]
fn a_release_failing_every_check_rolls_back_threshold_intervals_after_the_first_check() {
    for threshold in [1u32, 3] {
        let s = scenario(4, 0.5, 50.0, &analysis(10, 50, threshold, SUCCESS_99));
        for r in trials(&s, 5) {
            assert_eq!(r.outcome, Outcome::RolledBack);
            let first_check: Time = 2 * MINUTE;
            assert_eq!(r.duration, first_check + Time::from(threshold) * MINUTE);
            let v = r.verdict.unwrap();
            assert!(v.bad && v.aborted);
            assert_eq!(v.time_to_detect, Some(r.duration));
            // Only canary traffic reached the bad version: 10 % of 50 rps from tick 1 to
            // the rollback (Poisson arrivals: within ±50 % of the mean at these counts).
            let t = r.traffic.unwrap();
            let mean = 0.1 * 50.0 * (r.duration - MINUTE) as f64 / 1e6;
            let got = t.next_requests as f64;
            assert!(got > 0.5 * mean && got < 1.5 * mean, "{got} vs {mean}");
            assert!(t.bad_version_requests > 0 && t.bad_version_requests <= t.next_requests);
        }
    }
}

/// A canary that never gets ready: no check fails (the tick waits), and once its
/// `Available` condition has been False for longer than `progressDeadlineSeconds` the
/// next tick rolls back (`deployment_ready.go:isDeploymentReady` not retriable).
#[test]
fn a_canary_that_never_gets_ready_rolls_back_after_the_progress_deadline() {
    let mut s = scenario(4, 0.001, 50.0, &analysis(10, 50, 1, SUCCESS_99));
    s.service.versions[1].ready_after = crate::scenario::Dist::Never;
    for r in trials(&s, 3) {
        assert_eq!(r.outcome, Outcome::RolledBack);
        // Unavailable since tick 0; stuck when 0 + 600 s < now: the tick at 11 min.
        assert_eq!(r.duration, 11 * MINUTE);
        assert_eq!(r.traffic.unwrap().next_requests, 0);
    }
}

/// 50 % errors against a 99 % success-rate check: rolled back in ≥ 99 % of trials.
#[test]
fn a_very_bad_release_is_rolled_back() {
    let s = scenario(4, 0.5, 50.0, &analysis(10, 50, 2, SUCCESS_99));
    let rs = trials(&s, 200);
    let rolled = rs
        .iter()
        .filter(|r| r.outcome == Outcome::RolledBack)
        .count();
    assert!(rolled * 100 >= 99 * rs.len(), "{rolled}/{}", rs.len());
}

/// A good release (0.1 % errors) against a 95 % minimum, far above its noise at
/// ~300 canary requests a window: rolled back in ≤ 1 % of trials.
#[test]
fn a_good_release_is_rarely_rolled_back() {
    let min95 = "metrics: [{name: request-success-rate, thresholdRange: {min: 95}}]";
    let s = scenario(4, 0.001, 50.0, &analysis(10, 50, 1, min95));
    let rs = trials(&s, 200);
    let rolled = rs
        .iter()
        .filter(|r| r.outcome == Outcome::RolledBack)
        .count();
    assert!(rolled * 100 <= rs.len(), "{rolled}/{}", rs.len());
    assert!(rs.iter().all(|r| r.verdict.is_some_and(|v| !v.bad)));
}

/// No canary traffic ("no values found") is a failed check: with every request sent to
/// a header-free weight of 1 % at 1 rps the windows are mostly empty, so even an
/// error-free release fails checks; at threshold 1 it is rolled back.
#[test]
fn empty_windows_fail_the_check() {
    let s = scenario(2, 0.0, 0.05, &analysis(1, 5, 1, SUCCESS_99));
    let rs = trials(&s, 20);
    let rolled = rs
        .iter()
        .filter(|r| r.outcome == Outcome::RolledBack)
        .count();
    // 1 % of 3 requests a minute: a window has a request with probability < 5 %, and 4
    // windows in a row must have one to promote.
    assert!(rolled >= 19, "{rolled}/20");
}

/// A primary whose promotion rollout stalls (one of its new pods never gets ready) keeps
/// 3 of 4 pods available, so its `Available` condition stays True; the Deployment
/// controller marks its `Progressing` condition `ProgressDeadlineExceeded` 600 s (its
/// default `progressDeadlineSeconds`) after the last progress, and Flagger's next tick
/// finds the primary not retriable during Promoting: `handleFailedPromotion`, every request
/// to the canary, phase Failed (`paused` here) — not a wait to the horizon.
/// 15 % of the new pods never get ready: with stepWeight 50 / maxWeight 50 and no metric,
/// a canary whose 4 pods all got ready promotes at tick 2 (2 min); its primary's new pods
/// are up by ~3 min, so the deadline passes before 13 min, the tick that fails it.
#[test]
fn a_stalled_primary_promotion_fails_at_its_deployment_deadline() {
    let mut s = scenario(4, 0.001, 20.0, &analysis(50, 50, 1, "metrics: []"));
    s.service.versions[1].ready_after = crate::scenario::Dist::Mixture(vec![
        (0.85, crate::scenario::Dist::Constant(2_000_000)),
        (1.0, crate::scenario::Dist::Never),
    ]);
    let rs = trials(&s, 40);
    let failed: Vec<_> = rs.iter().filter(|r| r.outcome == Outcome::Paused).collect();
    assert!(failed.len() >= 5, "{rs:?}");
    assert!(
        failed.iter().all(|r| r.duration == 13 * MINUTE),
        "{failed:?}"
    );
    // Every other trial either completed, rolled back a canary stuck unavailable, or
    // waits on a canary with one pod never ready (Available True, retriable forever).
    for r in &rs {
        assert!(
            matches!(
                r.outcome,
                Outcome::Completed | Outcome::Paused | Outcome::RolledBack | Outcome::Timeout
            ),
            "{r:?}"
        );
    }
}
