//! `traffic.retries`: a proxy retries a failed attempt (a refused connection, a 503, an
//! error, as `retryOn` says) on another endpoint of the same pool, never one already
//! tried while others remain (Envoy's `previous_hosts` predicate in Istio's default retry
//! policy; README "Traffic, availability and faults", docs/traffic.md "Retries",
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

/// Bad values are refused at their path before any work: more than 10 retries, a
/// `retryOn` item Istio's validation refuses (an unknown condition, a space, an empty
/// item, a number that is no status code), `retryOn` with `attempts: 0`, and
/// `perTryTimeout`, which the model does not simulate.
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
    let on = |list: &str| refused(&format!("{{attempts: 2, retryOn: \"{list}\"}}"));
    assert!(on("connect-failure,gateway-eror").contains(
        "traffic.retries.retryOn: `gateway-eror` is not a retry condition or an HTTP status \
         code; did you mean `gateway-error`?"
    ));
    assert!(on("5xx, connect-failure").contains(
        "` connect-failure` is not a retry condition or an HTTP status code; Istio's \
         validation splits at commas only, so remove the spaces"
    ));
    assert!(
        on("5xx,").contains("`` is not a retry condition or an HTTP status code; an empty item")
    );
    assert!(on("599").contains("`599` is not a retry condition or an HTTP status code"));
    assert!(refused("{attempts: 2, retryOn: [5xx]}").contains(
        "traffic.retries.retryOn: expected a comma-separated string of retry conditions"
    ));
    assert!(refused("{attempts: 0, retryOn: 5xx}").contains(
        "traffic.retries: `retryOn` is given with `attempts: 0`, which disables retries"
    ));
    assert!(
        refused("{attempts: 2, perTryTimeout: 1s}")
            .contains("traffic.retries.perTryTimeout: a request that times out is not retried")
    );
    assert!(refused("{}").contains("traffic.retries: missing field `attempts`"));
}

/// The retried requests load the endpoint they land on. Two pods as above, each serving
/// 100 requests/s with no queue (M/M/1/1: a share `b = ρ / (1 + ρ)` dropped at load `ρ`).
/// Refused connections retried only (`connect-failure`, NGINX's `proxy_next_upstream
/// error`): [0, 2) without retries B gets half the 100/s (ρ = 0.5, a third of its 100
/// dropped); with one retry it gets all of them (ρ = 1, half of 200 dropped). Then, both
/// alike, [2, 3) B alone (50 of 100 dropped), [3, 5) B refusing alone, [5, 6) the new pod
/// alone (50 of 100 dropped): 133 against 200 dropped, 300 against 200 refused.
#[test]
fn retried_requests_load_the_endpoint_they_land_on() {
    assert_eq!(two_pods_at_capacity(0, None), (600, 133, 300));
    assert_eq!(
        two_pods_at_capacity(1, Some("connect-failure")),
        (600, 200, 200)
    );
}

/// Istio's default `retryOn` retries 503s too, which load the pods the retries land on.
/// The case above with one retry: [0, 2) B still gets all 200 attempts of the requests A
/// refused or not (ρ = 1, b = 1/2), and B's 503 goes to A, which refuses it: 50 refused
/// and the 50 drops of the retries A refused final; [2, 3) and [5, 6) a pod alone, its
/// 503 retried on itself (the only endpoint): `1 + b` attempts a request at
/// `b = ρ / (1 + ρ)`, `ρ = 1 + b`, so `b² + b − 1 = 0`, `b = 0.618`, and `b² = 38.2` of
/// 100 dropped at the retry; [3, 5) 200 refused. 50 + 38.2 + 38.2 = 126 dropped, 250
/// refused (one retry more each than without 503 retries: a request moves, never lost).
#[test]
fn a_503_is_retried_and_its_retry_loads_the_pods() {
    assert_eq!(two_pods_at_capacity(1, None), (600, 126, 250));
    assert_eq!(
        two_pods_at_capacity(1, Some("gateway-error")),
        (600, 126, 250)
    );
    // An empty `retryOn` is Istio's unset one: the default.
    assert_eq!(two_pods_at_capacity(1, Some("")), (600, 126, 250));
    // 503s only (a status code in `retryOn` replaces Istio's default conditions): A's
    // refusals are final, 100 at [0, 2), where B gets half the requests (ρ = 1/2,
    // b = 1/3) and its 503s retried on A are refused (33.3); the lone pods' 503s are
    // retried as above: 76 dropped (38.2 twice), 333 refused (one request lost to the
    // rounding of each (version, outcome) cell).
    assert_eq!(two_pods_at_capacity(1, Some("503")), (599, 76, 333));
    assert_eq!(
        two_pods_at_capacity(1, Some("retriable-status-codes,503")),
        (599, 76, 333)
    );
    // A bare `retriable-status-codes` lists no code: nothing simulated is retried.
    assert_eq!(
        two_pods_at_capacity(1, Some("retriable-status-codes")),
        two_pods_at_capacity(0, None)
    );
}

/// `(requests, dropped, refused)` of the two-pod rollout at capacity, with `retries`
/// attempts and `retry_on` (Istio's default when `None`).
fn two_pods_at_capacity(retries: u32, retry_on: Option<&str>) -> (u64, u64, u64) {
    let on = retry_on.map_or(String::new(), |on| format!(", retryOn: \"{on}\""));
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
          retries: {{attempts: {retries}{on}}}}}
"#
    ));
    let t = traffic(&Workspace::new(&s).run(0));
    (t.requests, t.dropped_requests, t.refused_requests)
}

/// `retryOn: 5xx` retries the errors the application answers too, on another pod of the
/// pool. A Recreate rollout's pods are all of one version at any time, so each attempt
/// fails independently at the release's `error_rate` e, and a request fails only when
/// its three attempts do: e³ instead of e, whatever the number of pods (measured for
/// 2 minutes at 1,000 requests/s, most of them after the rollout). The attempts lost
/// to errors are retried, not lost: the requests are the same.
#[test]
fn errors_are_retried_under_5xx_and_fail_at_every_attempt() {
    let run = |retries: &str| {
        let s = yaml(&format!(
            r#"
cluster: {{image_cached: [current, next]}}
service:
  replicas: 5
  versions:
    current: {{shutdown: 1s}}
    next: {{start: 1s, ready_after: 2s, shutdown: 1s, error_rate: 0.2}}
  readinessProbe: {{periodSeconds: 1}}
strategy: {{kubernetes: {{strategy: {{type: Recreate}}}}}}
traffic: {{rps: 1000, arrivals: constant, duration: 2m{retries}}}
"#
        ));
        traffic(&Workspace::new(&s).run(0))
    };
    let (plain, retried) = (run(""), run(", retries: {attempts: 2, retryOn: 5xx}"));
    assert_eq!(plain.requests, retried.requests);
    assert_eq!(plain.refused_requests, retried.refused_requests);
    // 115,000 requests reach the new pods: 23,000 errors (0.2) against 920 (0.2³).
    assert_eq!(
        (plain.errored_requests, retried.errored_requests),
        (23_000, 920)
    );
    assert_eq!(retried.bad_version_requests, retried.errored_requests);
}
