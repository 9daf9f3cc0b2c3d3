//! `rollout-sim lint`: every rule fires on a scenario with its problem and stays quiet
//! on the same scenario without it.

use super::yaml;
use assert_cmd::Command;
use predicates::prelude::*;
use rollout_sim::check::lint::lint;

/// Start-up is a constant 1 s + 2 s, so its median is exactly 3 s. Two nodes of one
/// core fit four 500m tasks: room for 2 replicas + 1 start-first worker.
const SWARM: &str = "name: s
service:
  replicas: 2
  resources: {cpu: 500m, memory: 64Mi}
  versions:
    current: {image: a}
    next: {image: b, start: 1s, ready_after: 2s}
cluster: {nodes: 2, node: {cpu: '1', memory: 1Gi}}
strategy: {swarm: {update_config: {parallelism: 1, delay: 0s, monitor: 30s, failure_action: rollback, order: start-first}}}
";

/// Start-up 3 s; readiness probed every second; a preStop sleep longer than the 2 s
/// endpoint lag; a percent surge; a deadline far above the rollout's duration.
const K8S: &str = "name: k
service:
  replicas: 4
  pre_stop: 5s
  versions:
    current: {image: a}
    next: {image: b, start: 1s, ready_after: 2s}
  readinessProbe: {periodSeconds: 1}
strategy:
  kubernetes:
    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
    progressDeadlineSeconds: 600
traffic: {rps: 50, endpoint_propagation: 2s}
";

fn rules(text: &str) -> Vec<&'static str> {
    lint(&yaml(text), Some(1))
        .into_iter()
        .map(|w| w.rule)
        .collect()
}

/// `base` with `from` replaced by `to` (which must occur).
fn with(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "{from}");
    base.replace(from, to)
}

#[test]
fn clean_scenarios_are_quiet() {
    assert_eq!(rules(SWARM), Vec::<&str>::new());
    assert_eq!(rules(K8S), Vec::<&str>::new());
}

#[test]
fn swarm_rules_fire() {
    assert_eq!(
        rules(&with(SWARM, "monitor: 30s", "monitor: 2s")),
        ["swarm-monitor-short"]
    );
    // Exactly at the 3 s start-up the monitor is long enough.
    assert_eq!(
        rules(&with(SWARM, "monitor: 30s", "monitor: 3s")),
        Vec::<&str>::new()
    );
    assert_eq!(
        rules(&with(SWARM, "delay: 0s", "delay: 30s")),
        ["swarm-delay-ge-monitor"]
    );
    assert_eq!(
        rules(&with(SWARM, "nodes: 2", "nodes: 1")),
        ["swarm-start-first-no-room"]
    );
    assert_eq!(
        rules(&with(
            SWARM,
            "nodes: 2, node: {cpu: '1'",
            "nodes: 1, node: {cpu: '1.5'"
        )),
        Vec::<&str>::new(),
        "one node of 1.5 cores fits 3 tasks: enough"
    );
    assert_eq!(
        rules(&with(
            SWARM,
            "failure_action: rollback",
            "failure_action: pause"
        )),
        ["swarm-pause-mixed-fleet"]
    );
}

#[test]
fn kubernetes_rules_fire() {
    assert_eq!(
        rules(&with(K8S, "maxSurge: 25%", "maxSurge: 25")),
        ["k8s-max-surge-count"]
    );
    assert_eq!(
        rules(&with(K8S, "maxSurge: 25%", "maxSurge: 4")),
        Vec::<&str>::new()
    );
    // Every new pod needs at least 3 s to become ready: a 2 s deadline is below p95.
    assert_eq!(
        rules(&with(
            K8S,
            "progressDeadlineSeconds: 600",
            "progressDeadlineSeconds: 2"
        )),
        ["k8s-deadline-below-p95"]
    );
    assert_eq!(
        rules(&with(K8S, "periodSeconds: 1", "periodSeconds: 10")),
        ["readiness-period-long"]
    );
    assert_eq!(
        rules(&with(K8S, "pre_stop: 5s", "pre_stop: 0s")),
        ["no-prestop-with-endpoint-lag"]
    );
}

#[test]
fn deny_warnings_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, with(SWARM, "delay: 0s", "delay: 30s")).unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, SWARM).unwrap();
    let bin = || Command::cargo_bin("rollout-sim").unwrap();
    bin()
        .arg("lint")
        .arg(&bad)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[swarm-delay-ge-monitor]"))
        .stdout(predicate::str::contains("  fix: "))
        .stdout(predicate::str::contains("  why: swarmkit"));
    bin()
        .args(["lint", "--deny", "warnings"])
        .arg(&bad)
        .assert()
        .code(1);
    bin()
        .args(["lint", "--deny", "warnings"])
        .arg(&good)
        .assert()
        .code(0);
    bin()
        .arg("lint")
        .arg(dir.path().join("missing.yaml"))
        .assert()
        .code(2);
}

/// The README puts the editors' schema beside the scenarios (`$schema=./…`): a folder
/// input skips `*.schema.json` instead of refusing it as a scenario with no `service`.
#[test]
fn a_folder_input_skips_the_json_schema_beside_the_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.yaml"), SWARM).unwrap();
    let bin = || Command::cargo_bin("rollout-sim").unwrap();
    bin()
        .args(["schema", "--out"])
        .arg(dir.path().join("rollout-sim.schema.json"))
        .assert()
        .code(0);
    bin()
        .args(["lint", "--deny", "warnings"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::is_empty());
    bin()
        .args([
            "check",
            "--trials",
            "5",
            "--check",
            "outcome.completed.rate >= 0",
        ])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("good.yaml"))
        .stdout(predicate::str::contains("schema").not());
    // A folder holding only the schema has no scenario to take.
    std::fs::remove_file(dir.path().join("good.yaml")).unwrap();
    bin()
        .arg("lint")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("*.schema.json skipped"));
}
