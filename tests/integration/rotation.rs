//! The balancer's view at the rollout's first instant: the fleet serving before the
//! rollout is in rotation from time 0, and every change the rollout makes, from its first
//! instant on, reaches the balancer `endpoint_propagation` later (README "Traffic,
//! availability and faults"; `traffic::endpoints`).

use super::{traffic, yaml};
use rollout_sim::experiment::Outcome;
use rollout_sim::trial::Workspace;

/// The fleet serving before the rollout is in rotation from time 0, also the tasks the
/// rollout's first instant tells to stop: the balancer learns of that
/// `endpoint_propagation` (1 s, then 2 s) later, as of any later stop, and they refuse
/// what it sends them meanwhile. Two replicas, 100 requests/s, constant arrivals; the new
/// version starts in 1 s and its application is ready 2 s after that. (The Swarm updater
/// stops its first slots as the rollout starts, before the traffic model had seen the
/// fleet: those were never in rotation, and the first 50 refusals went uncounted. The
/// Deployment controller's first sync comes at the end of that instant, so its case
/// always counted them; it stays here as the same rule on the other orchestrator.)
///
/// Swarm stop-first, parallelism 1 (no HEALTHCHECK: RUNNING at 1 s after the start): old
/// task A stops at 0, B at 2 (the first new task RUNNING), the second new task is RUNNING
/// at 4, monitor 5 s: 900 requests. Refused: [0, 1) A's half, 50; [2, 3) B, alone in
/// rotation, 100; [3, 4) the first new task, in rotation from 3 and not yet listening,
/// 100; [5, 6) the second new task's half, 50: 300.
///
/// Kubernetes, maxSurge 0 and maxUnavailable 1, lag 2 s: old pod A deleted at 0, the first
/// new pod Ready at 3 (in rotation from 5), B deleted at 3, complete at 6: 600 requests.
/// Refused: [0, 2) A's half, 100; [3, 5) B, alone in rotation, 200: 300.
#[test]
fn tasks_stopped_at_the_rollouts_start_leave_rotation_after_the_lag() {
    let swarm = yaml(
        r#"
cluster: {image_cached: [current, next]}
service:
  replicas: 2
  versions:
    current: {shutdown: 1s}
    next: {start: 1s, ready_after: 2s, shutdown: 1s}
strategy: {swarm: {update_config: {parallelism: 1, delay: 0s, monitor: 5s, order: stop-first}}}
traffic: {rps: 100, arrivals: constant, endpoint_propagation: 1s}
"#,
    );
    let r = Workspace::new(&swarm).run(0);
    let t = traffic(&r);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 9_000_000));
    assert_eq!((t.requests, t.refused_requests), (900, 300));
    assert_eq!((t.failed_requests, t.next_requests), (300, 600));

    let kubernetes = yaml(
        r#"
cluster: {image_cached: [current, next]}
service:
  replicas: 2
  versions:
    current: {shutdown: 1s}
    next: {start: 1s, ready_after: 2s, shutdown: 1s}
  readinessProbe: {periodSeconds: 1}
strategy: {kubernetes: {strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}}}
traffic: {rps: 100, arrivals: constant, endpoint_propagation: 2s}
"#,
    );
    let r = Workspace::new(&kubernetes).run(0);
    let t = traffic(&r);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 6_000_000));
    assert_eq!(
        (t.requests, t.refused_requests, t.failed_requests),
        (600, 300, 300)
    );
}

/// A task of the rollout joins the rotation after the lag even when it is Ready in the
/// rollout's first instant (every latency zero): one Swarm replica replaced start-first at
/// 0 s, lag 1 s, 100 requests/s for 10 s. The old task, told to stop at 0 s, refuses
/// what the balancer sends it until it leaves at 1 s, and the balancer has nothing else
/// before the new task joins at 1 s: 100 refused, 900 to the new version.
#[test]
fn a_task_ready_in_the_first_instant_joins_after_the_lag() {
    let s = yaml(
        r#"
cluster: {image_cached: [current, next]}
service:
  replicas: 1
strategy: {swarm: {update_config: {monitor: 0s, order: start-first}}}
traffic: {rps: 100, arrivals: constant, endpoint_propagation: 1s, duration: 10s}
"#,
    );
    let t = traffic(&Workspace::new(&s).run(0));
    assert_eq!(
        (t.requests, t.refused_requests, t.failed_requests),
        (1000, 100, 100)
    );
    assert_eq!(t.next_requests, 900);
}
