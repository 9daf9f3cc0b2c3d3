//! `traffic.retries`: a proxy retries a refused connection on another endpoint of the
//! same pool, never one already tried while others remain (Envoy's `previous_hosts`
//! predicate in Istio's default retry policy; README "Traffic, availability and faults",
//! `traffic::retries`).

use super::{traffic, yaml};
use rollout_sim::experiment::Outcome;
use rollout_sim::trial::Workspace;

/// A Deployment rolling `replicas` pods `unavailable` at a time with no surge, behind a
/// 2 s endpoint lag and no preStop, 100 requests/s at constant arrivals; new pods start
/// in 1 s and answer 2 s later; `retries` attempts.
fn rolling(replicas: u32, unavailable: u32, retries: u32) -> (u64, u64, u64) {
    let s = yaml(&format!(
        r#"
cluster: {{image_cached: [current, next]}}
service:
  replicas: {replicas}
  versions:
    current: {{shutdown: 1s}}
    next: {{start: 1s, ready_after: 2s, shutdown: 1s}}
  readinessProbe: {{periodSeconds: 1}}
strategy: {{kubernetes: {{strategy: {{rollingUpdate: {{maxSurge: 0, maxUnavailable: {unavailable}}}}}}}}}
traffic: {{rps: 100, arrivals: constant, endpoint_propagation: 2s, retries: {{attempts: {retries}}}}}
"#
    ));
    let r = Workspace::new(&s).run(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 6_000_000));
    let t = traffic(&r);
    assert_eq!(t.failed_requests, t.refused_requests);
    (t.requests, t.refused_requests, t.next_requests)
}

/// Two pods, one at a time (the case of `rotation.rs`): [0, 2) the deleted pod A is in
/// rotation and refusing beside B; [3, 5) B, deleted when the first new pod is Ready, is
/// alone in rotation until that pod joins at 5. Without retries half of the first 200
/// requests and all of the next 200 are refused: 300. With one retry or more, a request
/// A refused goes to B: only B's 200 alone, where there is no other endpoint to try.
#[test]
fn a_refused_connection_is_retried_on_the_other_endpoint() {
    assert_eq!(rolling(2, 1, 0), (600, 300, 100));
    assert_eq!(rolling(2, 1, 1), (600, 200, 100));
    assert_eq!(rolling(2, 1, 2), (600, 200, 100));
}

/// Four pods, two at a time: [0, 2) two refusing of four in rotation. A request fails
/// when every attempt meets a refusing pod, the picks without replacement: no retry, 1/2;
/// one, 2/4 × 1/3 = 1/6; two, 0 (the third pick has only answering pods left). Then
/// [3, 5) the other two old pods, deleted, alone in rotation: all 200 refused whatever
/// the retries. 100 + 200, 33.3 + 200 (rounded), 0 + 200.
#[test]
fn retries_pick_among_the_endpoints_not_yet_tried() {
    assert_eq!(rolling(4, 2, 0).1, 300);
    assert_eq!(rolling(4, 2, 1).1, 233);
    assert_eq!(rolling(4, 2, 2).1, 200);
}

/// Retries move requests, they do not make or lose any: on the example with a 2 s lag
/// (`scenarios/k8s-endpoint-lag.yaml`, at constant arrivals) every trial's requests are
/// the same with and without them (but for the rounding of each (version, outcome)
/// cell, half a request at most), and its refusals fall with each attempt added.
#[test]
fn retries_keep_every_request_and_only_lower_the_refusals() {
    let s = |attempts: u32| {
        let mut text =
            std::fs::read_to_string(super::support::scenario_path("k8s-endpoint-lag.yaml"))
                .unwrap();
        text = text.replace("arrivals: poisson", "arrivals: constant");
        text.push_str(&format!("  retries: {{attempts: {attempts}}}\n"));
        yaml(&text)
    };
    let (zero, one, two) = (s(0), s(1), s(2));
    for trial in 0..20 {
        let [a, b, c] = [&zero, &one, &two].map(|s| traffic(&Workspace::new(s).run(trial)));
        assert!(a.requests.abs_diff(b.requests) <= 5, "trial {trial}");
        assert!(a.requests.abs_diff(c.requests) <= 5, "trial {trial}");
        assert!(c.refused_requests < a.refused_requests, "trial {trial}");
        assert!(a.refused_requests >= b.refused_requests, "trial {trial}");
        assert!(b.refused_requests >= c.refused_requests, "trial {trial}");
    }
}

/// Bad values are refused at their path before any work: more than 10 retries, and
/// Istio's `retryOn` / `perTryTimeout`, which the model does not simulate.
#[test]
fn bad_retries_are_refused_at_their_path() {
    let refused = |retries: &str| {
        let text = format!(
            "service: {{}}\nstrategy: {{kubernetes: {{}}}}\ntraffic: {{rps: 1, retries: {retries}}}\n"
        );
        rollout_sim::scenario::load_str(&text, "r.yaml", rollout_sim::scenario::Format::Yaml, &[])
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    assert!(
        refused("{attempts: 11}")
            .contains("traffic.retries.attempts: must be at most 10 retries, got 11")
    );
    assert!(
        refused("{attempts: 2, retryOn: 5xx}")
            .contains("traffic.retries.retryOn: only retries of refused connections are simulated")
    );
    assert!(
        refused("{attempts: 2, perTryTimeout: 1s}")
            .contains("traffic.retries.perTryTimeout: a request that times out is not retried")
    );
    assert!(refused("{}").contains("traffic.retries: missing field `attempts`"));
}

/// The retried requests load the endpoint they land on. Two pods as above, each serving
/// 100 requests/s with no queue (M/M/1/1: a share `ρ / (1 + ρ)` dropped at load `ρ`).
/// [0, 2): without retries B gets half the 100/s (ρ = 0.5, a third of its 100 dropped);
/// with one retry it gets all of them (ρ = 1, half of 200 dropped). Then, both alike,
/// [2, 3) B alone (50 of 100 dropped), [3, 5) B refusing alone, [5, 6) the new pod alone
/// (50 of 100 dropped): 133 against 200 dropped, 300 against 200 refused.
#[test]
fn retried_requests_load_the_endpoint_they_land_on() {
    let run = |retries: u32| {
        let s = yaml(&format!(
            r#"
cluster: {{image_cached: [current, next]}}
service:
  replicas: 2
  versions:
    current: {{shutdown: 1s, service_time: 10ms, capacity_rps: 100}}
    next: {{start: 1s, ready_after: 2s, shutdown: 1s, service_time: 10ms, capacity_rps: 100}}
  readinessProbe: {{periodSeconds: 1}}
strategy: {{kubernetes: {{strategy: {{rollingUpdate: {{maxSurge: 0, maxUnavailable: 1}}}}}}}}
traffic: {{rps: 100, arrivals: constant, endpoint_propagation: 2s, queue_limit: 0,
          retries: {{attempts: {retries}}}}}
"#
        ));
        let t = traffic(&Workspace::new(&s).run(0));
        (t.requests, t.dropped_requests, t.refused_requests)
    };
    assert_eq!(run(0), (600, 133, 300));
    assert_eq!(run(1), (600, 200, 200));
}
