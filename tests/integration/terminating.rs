//! kube-proxy's fallback to serving, terminating endpoints (`CategorizeEndpoints` in
//! kubernetes/kubernetes `pkg/proxy/topology.go`): with no ready endpoint, a Service's
//! requests go to the endpoints of deleted pods that are still Ready, until their
//! containers exit. Swarm's VIP has no such fallback.

use super::{traffic, yaml};
use rollout_sim::experiment::TrafficResult;
use rollout_sim::trial::Workspace;

/// One trial of `strategy` on `replicas` replicas at a constant 100 requests/s for 20 s,
/// `endpoint_propagation` 1 s, old tasks shut down in 2 s, new ones start in 3 s.
fn trial(strategy: &str, replicas: u32, service: &str, stop_signal: &str) -> TrafficResult {
    let s = yaml(&format!(
        r#"
cluster: {{image_cached: [current, next], control_plane: {{stop_signal: {stop_signal}}}}}
service:
  replicas: {replicas}
  {service}
  versions:
    current: {{shutdown: 2s}}
    next: {{start: 3s, shutdown: 2s}}
strategy: {strategy}
traffic: {{rps: 100, arrivals: constant, endpoint_propagation: 1s, duration: 20s}}
"#
    ));
    traffic(&Workspace::new(&s).run(0))
}

/// Recreate deletes every old pod at 0; with `stop_signal` S and preStop P they answer
/// until S + P and exit at S + P + 2 s; the new pods are Ready 3 s later and in rotation
/// after the lag E = 1 s. The old pods leave the ready endpoints at E, but stay serving
/// and terminating until they exit, so kube-proxy keeps sending them every request up to
/// their exit + E, which is after S + P: they answer all of [0, S + P), and only
/// [S + P, S + P + 2 + 3 + E) is refused, 100 × 6 = 600 whatever S and P. Without the
/// fallback the gap opened at min(S + P, E): 100 × (S + P + 6 − min(S + P, 1)).
#[test]
fn recreate_serves_from_its_terminating_pods_until_they_stop_answering() {
    let recreate = "{kubernetes: {strategy: {type: Recreate}}}";
    for (pre_stop, stop_signal_ms) in [(0, 0), (1, 0), (4, 0), (4, 500), (0, 3000)] {
        let service = format!("pre_stop: {pre_stop}s");
        let t = trial(recreate, 3, &service, &format!("{stop_signal_ms}ms"));
        let case = format!("pre_stop {pre_stop}s, stop_signal {stop_signal_ms}ms");
        assert_eq!(t.requests, 2000, "{case}");
        assert_eq!(t.refused_requests, 600, "{case}");
        assert_eq!(t.failed_requests, 600, "{case}");
        // The new pods are in rotation from S + P + 6 s on.
        let next = (20_000 - stop_signal_ms - 1000 * pre_stop - 6000) / 10;
        assert_eq!(t.next_requests, next, "{case}");
    }
}

/// A RollingUpdate that surges always has a ready endpoint: the fallback never applies.
/// One pod replaced (maxSurge 1, maxUnavailable 0): the new pod is Ready at 3 s and the
/// old one deleted then; at 4 s the one joins the rotation as the other leaves it. With
/// preStop 2 s the old pod answers until 5 s, so nothing fails, and it gets all of
/// [0 s, 4 s): 400.
#[test]
fn a_surging_rolling_update_never_falls_back() {
    let k8s = "{kubernetes: {strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}}";
    let t = trial(k8s, 1, "pre_stop: 2s", "0s");
    assert_eq!(t.requests, 2000);
    assert_eq!(t.failed_requests, 0);
    assert_eq!(t.requests - t.next_requests, 400);
}

/// Swarm stop-first with a service binding: the agent acts on the stop at S = 0.5 s, so
/// the old task leaves the VIP at S + E = 1.5 s; it is sent SIGTERM after the 2 s gossip
/// delay (2.5 s) and exits at 4.5 s; the new task starts then, runs at 7.5 s and is in the
/// VIP at 8.5 s. The VIP has no terminating endpoints to fall back on, so [1.5 s, 8.5 s)
/// is refused, 700, though the old task answered until 2.5 s; the new task gets the
/// 1150 requests from 8.5 s on.
#[test]
fn swarms_vip_does_not_fall_back() {
    let swarm = "{swarm: {update_config: {parallelism: 1, monitor: 0s, order: stop-first}}}";
    let t = trial(swarm, 1, "networks: [ingress]", "500ms");
    assert_eq!(t.requests, 2000);
    assert_eq!(t.refused_requests, 700);
    assert_eq!(t.failed_requests, 700);
    assert_eq!(t.next_requests, 1150);
}
