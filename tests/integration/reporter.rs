//! An analysis metric's `reporter`: each request once, by its last attempt (`source`, the
//! client's proxy), or every attempt a pod of the version took (`destination`, the pods'
//! side: Istio's `reporter="destination"`, Flagger's built-in checks). They differ only
//! when the proxy retries (README "Analysis", docs/analysis.md "Whose count",
//! `traffic::window::Reporter`).

use super::{trial, yaml};
use rollout_sim::experiment::Outcome;
use rollout_sim::scenario::{Override, load_file};
use std::path::Path;

/// An Argo canary of 10 pods at 10 % (one canary pod), 500 requests a second at constant
/// arrivals (50 a second to the canary), a release erring on 5 % of the requests it
/// answers, the proxy retrying `retry_on` up to twice; one measurement of the canary's
/// error rate over the minute after the weight is set, failing at or above `threshold`,
/// read as `reporter` says. Whether the release was stopped.
fn aborted(reporter: &str, retry_on: &str, threshold: f64) -> bool {
    let s = yaml(&format!(
        r#"
cluster: {{image_cached: [current, next]}}
service:
  replicas: 10
  versions:
    current: {{shutdown: 1s}}
    next: {{start: 1s, shutdown: 1s, error_rate: 0.05}}
strategy:
  canary:
    trafficRouting: {{}}
    steps:
      - setWeight: 10
      - analysis:
          metrics:
            - name: errors
              initialDelay: 1m
              successCondition: result < {threshold}
              provider:
                rollout-sim: {{metric: error_rate, of: canary, reporter: {reporter}}}
traffic:
  rps: 500
  arrivals: constant
  endpoint_propagation: 0s
  retries: {{attempts: 2, retryOn: "{retry_on}"}}
"#
    ));
    let r = trial(&s);
    let aborted = r.verdict.expect("a canary has a verdict").aborted;
    let want = if aborted {
        Outcome::RolledBack
    } else {
        Outcome::Completed
    };
    assert_eq!(r.outcome, want);
    aborted
}

/// The one canary pod answers each attempt wrongly with chance 0.05, and a retry lands on
/// it again (the only endpoint of the canary's route). The client sees a request fail when
/// all three attempts do: 0.05³ = 0.000125 of the 3,000 requests of the window, 0.375,
/// rounded to none. The pod sees 3,000 (1 + 0.05 + 0.0025) = 3,157.5 attempts, of which
/// 3,000 (0.05 + 0.0025 + 0.000125) = 157.9 fail: 0.05 of them, the release's own error
/// rate (158 of 3,158 here, 0.05003). A 4.9 % bound catches the release on the pods' count
/// only; a 5.1 % bound on neither.
#[test]
fn the_pods_count_every_attempt_and_the_client_only_the_last() {
    assert!(!aborted("source", "5xx", 0.049));
    assert!(aborted("destination", "5xx", 0.049));
    assert!(!aborted("destination", "5xx", 0.051));
    assert!(!aborted("source", "5xx", 0.0001));
}

/// Errors not retried (Istio's default retries refused connections and 503s only): each
/// request is one attempt, and both counts are the release's 5 % (150 of 3,000).
#[test]
fn without_retried_errors_both_counts_agree() {
    for reporter in ["source", "destination"] {
        assert!(
            aborted(reporter, "connect-failure,503", 0.049),
            "{reporter}"
        );
        assert!(
            !aborted(reporter, "connect-failure,503", 0.051),
            "{reporter}"
        );
    }
}

/// Flagger's built-in `request-success-rate` reads the canary pods' count (Istio's
/// `reporter="destination"`, `pkg/metrics/observers/istio.go`): a 5 % release behind a
/// mesh retrying `5xx` twice still shows 95 % there, under the 99 % bound, and is rolled
/// back at 7m00s as without retries (`scenarios/flagger-canary.yaml` at constant
/// arrivals). Its users' count would show 99.99 % and promote it.
#[test]
fn flaggers_built_in_check_counts_the_canary_pods_attempts() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/flagger-canary.yaml");
    let run = |sets: &[&str]| {
        let o: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        let s = load_file(&p, &o).unwrap_or_else(|e| panic!("{e}"));
        let r = trial(&s);
        (r.outcome, r.duration)
    };
    let constant = "traffic.arrivals=constant";
    let plain = run(&[constant]);
    assert_eq!(plain, (Outcome::RolledBack, 420_000_000));
    let retried = run(&[constant, "traffic.retries={attempts: 2, retryOn: 5xx}"]);
    assert_eq!(retried, plain);
}
