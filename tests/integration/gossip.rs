//! Docker's gossip delay before stopping a task depends on the service (does it have a
//! service binding: `service.networks`), never on whether requests are measured.

use crate::yaml;
use rollout_sim::experiment::TrialResult;
use rollout_sim::scenario::{Scenario, load_file};
use rollout_sim::trial::Workspace;
use std::path::Path;

fn example(name: &str, sets: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.yaml"));
    let sets: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
    load_file(&path, &sets).unwrap_or_else(|e| panic!("{e}"))
}

fn trials(s: &Scenario, n: u64) -> Vec<TrialResult> {
    let mut ws = Workspace::new(s);
    (0..n).map(|k| ws.run(k)).collect()
}

#[test]
fn measuring_requests_leaves_every_duration_unchanged() {
    for name in ["swarm-stop-first", "swarm-start-first"] {
        for networks in ["[]", "[ingress]"] {
            let net = format!("service.networks={networks}");
            let plain = trials(&example(name, &[&net]), 200);
            let measured = trials(&example(name, &[&net, "traffic={rps: 0}"]), 200);
            for (a, b) in plain.iter().zip(&measured) {
                assert_eq!(
                    a.duration, b.duration,
                    "{name} {networks} trial {}",
                    a.trial
                );
                assert_eq!(a.outcome, b.outcome, "{name} {networks} trial {}", a.trial);
            }
        }
    }
}

/// Constant timings: 3 slots, one at a time, stop-first: each slot waits for its old task
/// to exit (shutdown 1 s) and then starts the new one (1 s); no delay, no monitor.
fn stop_first(networks: &str) -> Scenario {
    yaml(&format!(
        "
horizon: 10m
service:
  replicas: 3
  networks: {networks}
  versions:
    current: {{shutdown: 1s}}
    next: {{start: 1s, shutdown: 1s}}
strategy: {{swarm: {{update_config: {{parallelism: 1, monitor: 0s, order: stop-first}}}}}}
"
    ))
}

#[test]
fn a_service_binding_adds_two_seconds_to_every_stop_first_slot() {
    // `controller.Shutdown` sleeps `defaultGossipConvergeDelay` (2 s) after deactivating
    // the binding and before stopping the container; stop-first waits for that exit.
    let none = trials(&stop_first("[]"), 1)[0].duration;
    let bridge = trials(&stop_first("[bridge]"), 1)[0].duration;
    let ingress = trials(&stop_first("[ingress]"), 1)[0].duration;
    let overlay = trials(&stop_first("[bridge, backend]"), 1)[0].duration;
    const S: u64 = 1_000_000;
    // Per slot: 1 s to exit, then 1 s to start; then the final monitor window, which is
    // `delay + 1 s` = 1 s when `delay ≥ monitor` (moby's updater).
    assert_eq!(none, 3 * 2 * S + S);
    // The default bridge gives no binding (`hasServiceBinding` skips it).
    assert_eq!(bridge, none);
    assert_eq!(ingress, none + 3 * 2 * S);
    assert_eq!(overlay, ingress);
}

#[test]
fn networks_is_refused_on_a_kubernetes_strategy() {
    let err = rollout_sim::scenario::load_str(
        "service: {networks: [ingress]}\nstrategy: {kubernetes: {}}\n",
        "k.yaml",
        rollout_sim::scenario::Format::Yaml,
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("service.networks"), "{err}");
    assert!(err.contains("Swarm"), "{err}");
}

#[test]
fn networks_must_be_distinct_names() {
    for (bad, says) in [
        ("[ingress, ingress]", "listed twice"),
        ("['']", "network name"),
        ("ingress", "a list"),
    ] {
        let err = rollout_sim::scenario::load_str(
            &format!("service: {{networks: {bad}}}\n"),
            "s.yaml",
            rollout_sim::scenario::Format::Yaml,
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("service.networks") && err.contains(says),
            "{bad}: {err}"
        );
    }
}
