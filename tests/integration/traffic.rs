//! Traffic, availability and faults end to end: conservation, the preStop fix, overload,
//! closed-form counts and node loss.

use super::{traffic, yaml};
use rollout_sim::experiment::{Outcome, TrafficResult, TrialResult, run_trials};
use rollout_sim::scenario::load_file;
use rollout_sim::trial::Workspace;
use std::path::Path;

fn example(name: &str) -> rollout_sim::scenario::Scenario {
    example_with(name, &[])
}

/// An example scenario with `--set` overrides.
fn example_with(name: &str, sets: &[&str]) -> rollout_sim::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let sets: Vec<_> = sets.iter().map(|o| o.parse().unwrap()).collect();
    load_file(&path, &sets).unwrap_or_else(|e| panic!("{e}"))
}

/// The release's own bad requests (`bad_release_requests`).
fn own(r: &TrialResult) -> u64 {
    traffic(r)
        .bad_release_requests
        .expect("the simulator always counts the release's own")
}

/// requests = ok + failed; failed = refused + timed out + errored + dropped;
/// availability = ok / requests.
fn assert_conserved(rows: &[TrialResult]) {
    for r in rows {
        let t = traffic(r);
        let breakdown =
            t.refused_requests + t.timed_out_requests + t.errored_requests + t.dropped_requests;
        assert_eq!(t.failed_requests, breakdown, "trial {}", r.trial);
        assert!(t.failed_requests <= t.requests, "trial {}", r.trial);
        assert!(t.next_requests <= t.requests);
        // The blast radius is made of failures, and the release's own part of it of
        // requests its tasks received.
        assert!(
            t.bad_version_requests <= t.failed_requests,
            "trial {}",
            r.trial
        );
        let own = t
            .bad_release_requests
            .expect("the simulator always counts the release's own");
        assert!(own <= t.bad_version_requests, "trial {}", r.trial);
        assert!(own <= t.next_requests, "trial {}", r.trial);
        if t.requests > 0 {
            let ok = t.requests - t.failed_requests;
            let a = r.availability().unwrap();
            assert!((a - ok as f64 / t.requests as f64).abs() < 1e-12);
        }
    }
}

#[test]
fn every_traffic_example_conserves_requests() {
    for name in [
        "k8s-endpoint-lag.yaml",
        "k8s-prestop-fix.yaml",
        "k8s-node-loss.yaml",
        "swarm-overload-stop-first.yaml",
        "swarm-overload-start-first.yaml",
        "swarm-node-loss.yaml",
    ] {
        let rows = run_trials(&example(name), 0..100);
        assert_conserved(&rows);
        assert!(rows.iter().all(|r| traffic(r).requests > 0), "{name}");
    }
}

#[test]
fn without_pre_stop_a_two_second_lag_fails_requests_and_pre_stop_fixes_it() {
    let lag = run_trials(&example("k8s-endpoint-lag.yaml"), 0..200);
    let fix = run_trials(&example("k8s-prestop-fix.yaml"), 0..200);
    for (l, f) in lag.iter().zip(&fix) {
        // Every old pod is sent SIGTERM while still in rotation for 2 s.
        assert!(traffic(l).refused_requests > 0, "trial {}", l.trial);
        assert_eq!(traffic(f).failed_requests, 0, "trial {}", f.trial);
        assert_eq!(f.outcome, Outcome::Completed);
    }
    // About rps × lag per old pod's share: 300 rps × 2 s summed over the pods ≈ 600+.
    let mean = lag
        .iter()
        .map(|r| traffic(r).failed_requests as f64)
        .sum::<f64>()
        / lag.len() as f64;
    assert!((550.0..800.0).contains(&mean), "{mean}");
}

#[test]
fn overload_drops_and_queues_while_enough_capacity_does_neither() {
    let stop = run_trials(&example("swarm-overload-stop-first.yaml"), 0..100);
    let start = run_trials(&example("swarm-overload-start-first.yaml"), 0..100);
    for (s, f) in stop.iter().zip(&start) {
        let (s, f) = (traffic(s), traffic(f));
        assert!(s.dropped_requests > 0);
        assert_eq!(f.dropped_requests, 0);
        assert!(s.p99_latency_ms > 2.0 * f.p99_latency_ms, "{s:?} {f:?}");
    }
    // Well below capacity: no drop and M/M/1 latency (ρ = 0.5: p99 wait ≈ ln(50)/50 s).
    // Every latency zero, so the whole rollout happens at 0 s: with no lag the balancer
    // swaps the old tasks for the new at once, and nothing is refused.
    let light = yaml(
        r#"
service:
  replicas: 4
  versions:
    current: {service_time: 10ms, capacity_rps: 100}
    next: {service_time: 10ms, capacity_rps: 100}
strategy: {swarm: {update_config: {order: start-first}}}
traffic: {rps: 200, duration: 60s, endpoint_propagation: 0s}
"#,
    );
    let rows = run_trials(&light, 0..20);
    for r in &rows {
        let t = traffic(r);
        assert_eq!(t.dropped_requests, 0);
        assert_eq!(t.failed_requests, 0);
        let want = 10.0 + (50f64).ln() / 50.0 * 1000.0; // ≈ 88 ms
        assert!(
            (t.p99_latency_ms - want).abs() < 0.1 * want,
            "{}",
            t.p99_latency_ms
        );
    }
}

/// The classic Swarm trap in closed form: without a HEALTHCHECK a task is RUNNING, and in
/// the VIP, as soon as its container starts, but the application listens only
/// `ready_after` later. With constant arrivals at λ, no lag, and slots far enough apart
/// (delay > ready_after) that each new task's deaf window has all N tasks in rotation,
/// each slot refuses λ × R / N requests: λ × R in all, whatever N.
#[test]
fn refused_requests_match_the_closed_form() {
    for replicas in [2, 4, 5] {
        let s = yaml(&format!(
            r#"
cluster: {{image_cached: [current, next]}}
service:
  replicas: {replicas}
  versions:
    current: {{shutdown: 0s}}
    next: {{start: 1s, ready_after: 3s, shutdown: 0s}}
strategy: {{swarm: {{update_config: {{parallelism: 1, delay: 10s, order: start-first}}}}}}
traffic: {{rps: 100, arrivals: constant, endpoint_propagation: 0s}}
"#
        ));
        let r = Workspace::new(&s).run(0);
        let t = traffic(&r);
        assert_eq!(t.failed_requests, 300, "replicas {replicas}");
        assert_eq!(t.refused_requests, 300);
        // Constant arrivals: exactly λ × the measured window.
        let window = r.duration as f64 / 1e6;
        assert_eq!(t.requests, (100.0 * window).round() as u64);
    }
}

/// Recreate with no lag: from the old pods' deletion until the first new pod is Ready no
/// endpoint exists and every request is refused: λ × (shutdown + start) of them.
#[test]
fn recreate_refuses_everything_in_its_gap() {
    let s = yaml(
        r#"
cluster: {image_cached: [current, next]}
service:
  replicas: 3
  versions:
    current: {shutdown: 2s}
    next: {start: 3s, shutdown: 0s}
strategy: {kubernetes: {strategy: {type: Recreate}}}
traffic: {rps: 100, arrivals: constant, endpoint_propagation: 0s, duration: 20s}
"#,
    );
    let r = Workspace::new(&s).run(0);
    let t = traffic(&r);
    assert_eq!(r.duration, 5_000_000);
    assert_eq!(t.refused_requests, 500);
    assert_eq!(t.failed_requests, 500);
    assert_eq!(t.requests, 2000);
}

/// One old task replaced by one new (start 1 s, no lag of its own), with the engine's
/// `stop_signal` S: constant 100 requests/s for 20 s, `endpoint_propagation` E = 1 s;
/// `networks`: the Swarm service's (a Kubernetes service has none).
fn one_replaced(strategy: &str, networks: &str, stop_signal: &str) -> TrafficResult {
    let s = yaml(&format!(
        r#"
cluster: {{image_cached: [current, next], control_plane: {{stop_signal: {stop_signal}}}}}
service:
  replicas: 1
  {networks}
  versions:
    current: {{shutdown: 1s}}
    next: {{start: 1s, shutdown: 1s}}
strategy: {strategy}
traffic: {{rps: 100, arrivals: constant, endpoint_propagation: 1s, duration: 20s}}
"#
    ));
    traffic(&Workspace::new(&s).run(0))
}

/// Kubernetes: deleting a pod makes its endpoint `terminating` and not `ready` at once
/// (`podToEndpoint`, kubernetes/kubernetes `staging/src/k8s.io/endpointslice`, v1.30),
/// in parallel with the kubelet, which sends SIGTERM only `stop_signal` later. The new pod
/// is Ready at 1 s, so the old one is deleted at 1 s and gets every request until both
/// endpoint changes reach the balancer at 1 s + E: 200 requests, whatever S. It refuses
/// those that arrive between its SIGTERM (1 s + S) and 1 s + E: 100 × max(0, E − S).
#[test]
fn a_deleted_pod_leaves_the_endpoints_at_the_decision_not_at_the_kubelets_signal() {
    let k8s = "{kubernetes: {strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}}";
    for (stop_signal, refused) in [("0s", 100), ("500ms", 50), ("3s", 0), ("10s", 0)] {
        let t = one_replaced(k8s, "", stop_signal);
        assert_eq!(t.requests, 2000, "stop_signal {stop_signal}");
        assert_eq!(
            t.requests - t.next_requests,
            200,
            "stop_signal {stop_signal}"
        );
        assert_eq!(t.refused_requests, refused, "stop_signal {stop_signal}");
        assert_eq!(t.failed_requests, refused, "stop_signal {stop_signal}");
    }
}

/// Swarm, by contrast, takes a task out of the VIP only when the agent's executor shuts
/// it down (`controller.Shutdown` deactivates the service binding, then sleeps the 2 s
/// gossip delay before SIGTERM; moby/moby `daemon/cluster/executor/container`): the stop
/// reaches the agent S after the decision, so the old task keeps half the requests from
/// 1 s + E until 1 s + S + E, and answers them all (SIGTERM at 1 s + S + 2 s).
#[test]
fn a_stopped_swarm_task_leaves_the_vip_when_the_agent_acts() {
    let swarm = "{swarm: {update_config: {parallelism: 1, monitor: 0s, order: start-first}}}";
    for (stop_signal, s) in [("0s", 0), ("3s", 3)] {
        let t = one_replaced(swarm, "networks: [ingress]", stop_signal);
        assert_eq!(t.requests, 2000, "stop_signal {stop_signal}");
        assert_eq!(
            t.requests - t.next_requests,
            200 + 50 * s,
            "stop_signal {stop_signal}"
        );
        assert_eq!(t.failed_requests, 0, "stop_signal {stop_signal}");
    }
}

#[test]
fn a_bad_version_errors_in_proportion_and_counts_its_blast_radius() {
    let s = yaml(
        r#"
service:
  replicas: 4
  versions:
    current: {}
    next: {error_rate: 0.2}
strategy: {kubernetes: {}}
traffic: {rps: 1000, duration: 2m, endpoint_propagation: 0s}
"#,
    );
    let rows = run_trials(&s, 0..50);
    assert_conserved(&rows);
    for r in &rows {
        let t = traffic(r);
        // The blast radius is the errors the version answered, not all its requests.
        assert_eq!(t.bad_version_requests, t.errored_requests);
        let expected = 0.2 * t.next_requests as f64;
        assert!(
            (t.errored_requests as f64 - expected).abs() < 6.0 * expected.sqrt() + 1.0,
            "{t:?}"
        );
    }
}

/// Node loss mid-rollout: the rollout still ends as the upstream would, and nothing is
/// counted twice: with constant arrivals the requests are exactly λ × the window. (On
/// Swarm, a trial whose updater was waiting for a new task on the lost node waits for
/// good, `update/updater.go` `updateTask` having no timeout: `timeout`, its window the
/// horizon.)
#[test]
fn node_loss_mid_rollout_finishes_and_counts_each_request_once() {
    for (name, strategy) in [
        (
            "swarm",
            "swarm: {update_config: {failure_action: continue}}",
        ),
        ("kubernetes", "kubernetes: {}"),
    ] {
        let s = yaml(&format!(
            r#"
cluster: {{nodes: 3, image_cached: [current, next]}}
service:
  replicas: 6
  resources: {{cpu: 500m}}
  versions:
    current: {{shutdown: 1s}}
    next: {{start: 2s, ready_after: 2s, shutdown: 1s}}
strategy: {{{strategy}}}
traffic: {{rps: 200, arrivals: constant}}
faults: {{node_failures: [{{at: 3s, node: 1}}]}}
"#
        ));
        let rows = run_trials(&s, 0..30);
        assert_conserved(&rows);
        let completed = rows.iter().filter(|r| r.outcome == Outcome::Completed);
        assert!(completed.count() >= 15, "{name}");
        for r in &rows {
            let hung = name == "swarm" && r.outcome == Outcome::Timeout;
            assert!(
                r.outcome == Outcome::Completed || hung,
                "{name}: {:?}",
                r.outcome
            );
            let t = traffic(r);
            let window = r.duration as f64 / 1e6;
            let want = 200.0 * window;
            assert!(
                (t.requests as f64 - want).abs() <= 5.0,
                "{name}: {t:?} vs {want}"
            );
            // The lost tasks were in rotation when the node went: some requests timed out.
            assert!(t.timed_out_requests > 0, "{name}");
        }
    }
    // Kubernetes waits out the 50 s NotReady grace and the 300 s toleration.
    let k8s = example("k8s-node-loss.yaml");
    let r = Workspace::new(&k8s).run(0);
    assert!(r.duration > 350_000_000, "{}", r.duration);
}

#[test]
fn pull_failures_back_off_on_kubernetes_and_fail_tasks_on_swarm() {
    let base = |strategy: &str| {
        yaml(&format!(
            r#"
service:
  replicas: 3
  versions:
    current: {{}}
    next: {{pull: 1s}}
strategy: {{{strategy}}}
faults: {{pull_failure_probability: {{next: 0.5}}}}
horizon: 1h
"#
        ))
    };
    let k8s = run_trials(&base("kubernetes: {progressDeadlineSeconds: 3000}"), 0..50);
    // ErrImagePull → ImagePullBackOff (10 s, 20 s, …): slower, never a restart.
    assert!(k8s.iter().all(|r| r.outcome == Outcome::Completed));
    assert!(k8s.iter().any(|r| r.duration > 10_000_000));
    let swarm = run_trials(
        &base("swarm: {update_config: {failure_action: continue}}"),
        0..50,
    );
    // Rejected tasks are replaced by the restart supervisor.
    assert!(swarm.iter().any(|r| r.restarts > 0));
    assert!(swarm.iter().all(|r| r.outcome == Outcome::Completed));
}

#[test]
fn profiles_integrate_exactly_with_constant_arrivals() {
    let s = yaml(
        r#"
service: {replicas: 2}
strategy: {swarm: {}}
traffic:
  arrivals: constant
  duration: 100s
  profile: {step: [{at: 0s, rps: 10}, {at: 50s, rps: 30}]}
"#,
    );
    let r = Workspace::new(&s).run(0);
    assert_eq!(traffic(&r).requests, 10 * 50 + 30 * 50);
}

#[test]
fn slo_time_is_counted_in_whole_windows() {
    let s = example("k8s-endpoint-lag.yaml");
    let rows = run_trials(&s, 0..50);
    for r in &rows {
        let below = traffic(r).slo_violation.expect("the scenario has an SLO");
        assert!(below > 0 && below <= r.duration, "{below} {}", r.duration);
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let s = example("k8s-node-loss.yaml");
    let one = rollout_sim::experiment::with_threads(Some(1), || run_trials(&s, 0..40));
    let two = rollout_sim::experiment::with_threads(Some(2), || run_trials(&s, 0..40));
    assert_eq!(one, two);
}

#[test]
fn a_hanging_version_times_requests_out_until_readiness_removes_it() {
    let s = yaml(
        r#"
service:
  replicas: 4
  versions:
    current: {}
    next: {ready_after: 1s, hang_after: 20s}
  readinessProbe: {periodSeconds: 2, failureThreshold: 3}
strategy: {kubernetes: {}}
traffic: {rps: 400, duration: 2m, endpoint_propagation: 500ms}
"#,
    );
    let rows = run_trials(&s, 0..20);
    assert_conserved(&rows);
    for r in &rows {
        let t = traffic(r);
        // Each hung pod keeps its share for the ~6 s readiness needs to notice, plus the lag.
        assert!(t.timed_out_requests > 100, "{t:?}");
        // Every timeout is at a hung process (no node is lost): the version's doing; the
        // requests its pods served before hanging are not.
        assert_eq!(t.bad_version_requests, t.timed_out_requests);
        assert!(t.bad_version_requests < t.next_requests, "{t:?}");
    }
}

#[test]
fn random_node_losses_are_reproducible_and_conserve_requests() {
    let s = yaml(
        r#"
cluster: {nodes: 4}
service:
  replicas: 8
  versions:
    current: {}
    next: {start: 5s}
strategy: {swarm: {update_config: {failure_action: continue}}}
traffic: {rps: 100, duration: 5m}
faults: {node_mtbf: 3m, node_recovery: {uniform: {min: 10s, max: 60s}}}
horizon: 30m
"#,
    );
    let rows = run_trials(&s, 0..100);
    assert_conserved(&rows);
    assert!(rows.iter().any(|r| traffic(r).timed_out_requests > 0));
    assert_eq!(rows, run_trials(&s, 0..100));
}

/// Every example and benchmark with traffic: bad_release_requests ≤ bad_version_requests
/// ≤ failed_requests in every trial (with the rest of the conservation rules).
#[test]
fn the_release_is_a_part_of_the_blast_radius_in_every_example() {
    let mut with_traffic = 0;
    for file in crate::examples_and_benches() {
        let s = load_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
        if s.traffic.is_none() {
            continue;
        }
        with_traffic += 1;
        assert_conserved(&run_trials(&s, 0..40));
    }
    assert!(with_traffic >= 10, "{with_traffic}");
}

/// Only the stable version misbehaves (5 % errors, the release none): the blast radius is
/// all `current`'s, and none of it the release's.
#[test]
fn a_release_that_behaves_has_no_bad_requests_of_its_own() {
    let s = example_with(
        "k8s-endpoint-lag.yaml",
        &["service.versions.current.error_rate=0.05"],
    );
    let rows = run_trials(&s, 0..50);
    assert_conserved(&rows);
    for r in &rows {
        assert!(traffic(r).bad_version_requests > 0, "trial {}", r.trial);
        assert_eq!(own(r), 0, "trial {}", r.trial);
    }
}

/// Only the release misbehaves, by each of the three rules (errors, a hung process, a
/// crash while in rotation): the blast radius is all its own.
#[test]
fn when_only_the_release_misbehaves_the_blast_radius_is_all_its_own() {
    let errors = example_with(
        "canary-analysis.yaml",
        &["service.versions.current.error_rate=0"],
    );
    let faulty = |next: &str| {
        yaml(&format!(
            r#"
service:
  replicas: 4
  versions:
    current: {{}}
    next: {next}
  readinessProbe: {{periodSeconds: 2, failureThreshold: 3}}
strategy: {{kubernetes: {{}}}}
traffic: {{rps: 400, duration: 2m, endpoint_propagation: 500ms}}
"#
        ))
    };
    let hangs = faulty("{ready_after: 1s, hang_after: 20s}");
    let crashes = faulty("{ready_after: 1s, crash_after: 20s}");
    for (what, s) in [("errors", errors), ("hangs", hangs), ("crashes", crashes)] {
        let rows = run_trials(&s, 0..40);
        assert_conserved(&rows);
        for r in &rows {
            let t = traffic(r);
            assert_eq!(own(r), t.bad_version_requests, "{what}, trial {}", r.trial);
        }
        assert!(
            rows.iter().all(|r| own(r) > 0),
            "{what}: some trial has no bad request"
        );
    }
}

/// Taking the stable version's 0.1 % errors away leaves the release's own count as it
/// was, trial by trial: the canary's analysis reads the canary alone and every count is
/// drawn from its version's own stream (common random numbers), so the run without them
/// is an independent measurement of the release's own. It is what the README quoted
/// before the column existed ("with `current.error_rate=0` the release's own are …").
#[test]
fn the_releases_own_count_is_what_remains_without_the_stables_errors() {
    let with = run_trials(&example("canary-analysis.yaml"), 0..100);
    let without = run_trials(
        &example_with(
            "canary-analysis.yaml",
            &["service.versions.current.error_rate=0"],
        ),
        0..100,
    );
    for (a, b) in with.iter().zip(&without) {
        assert_eq!(a.duration, b.duration, "trial {}", a.trial);
        assert_eq!(own(a), traffic(b).bad_version_requests, "trial {}", a.trial);
        assert_eq!(own(a), own(b), "trial {}", a.trial);
    }
    // The stable's errors are in bad_version_requests, not in the release's own.
    assert!(
        with.iter()
            .any(|r| traffic(r).bad_version_requests > own(r))
    );
}
