//! Flagger's gates run as a user runs them: `scenarios/flagger-gate.yaml` (a
//! `confirm-rollout` and a `confirm-promotion` webhook to the flagger-loadtester's
//! `/gate/check`, the gate opened by an action), and the refusals of the gate actions
//! (`fluxcd/flagger@15bd6ad`, v1.44.0, `pkg/controller/scheduler_hooks.go`,
//! `pkg/loadtester/server.go`).

use crate::support::{bin, scenario_path};
use predicates::prelude::*;

fn example() -> String {
    scenario_path("flagger-gate.yaml")
}

/// The trials' `(outcome, duration_s)` column pairs.
fn outcomes(out: &std::path::Path) -> Vec<(String, String)> {
    column_pairs(out, "outcome", "duration_s")
}

/// Two columns of every trial.
fn column_pairs(out: &std::path::Path, a: &str, b: &str) -> Vec<(String, String)> {
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[col(a)].to_string(), f[col(b)].to_string())
        })
        .collect()
}

/// The gate opened at 5m30s is seen at the 6 m tick: canary scaled up then, 8 intervals
/// to completion: 14 m in every trial. Without the action it never opens and every
/// trial ends `paused` at the horizon (1 h), waiting for a human.
#[test]
fn the_example_waits_for_its_gate_then_completes_at_fourteen_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["run", &example(), "--trials", "20", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "completed                20  100.0%",
        ));
    assert!(
        outcomes(&out)
            .iter()
            .all(|(o, d)| (o.as_str(), d.as_str()) == ("completed", "840"))
    );
    let closed = dir.path().join("closed");
    bin()
        .args([
            "run",
            &example(),
            "--trials",
            "5",
            "--quiet",
            "--set",
            "actions=[]",
        ])
        .args(["--out"])
        .arg(&closed)
        .assert()
        .success();
    assert!(
        outcomes(&closed)
            .iter()
            .all(|(o, d)| (o.as_str(), d.as_str()) == ("paused", "3600"))
    );
}

/// `{rollback: open}` with a `rollback` webhook to `/rollback/check`: rolled back at the
/// next tick; a human's rollback of a good release is not a false rollback.
#[test]
fn a_rollback_gate_opened_rolls_back_at_the_next_tick() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["run", &example(), "--trials", "5", "--quiet", "--out"])
        .arg(&out)
        .args([
            "--set",
            "strategy.flagger.analysis.webhooks=[{name: rb, type: rollback, url: 'http://flagger-loadtester.test/rollback/check'}]",
            "--set",
            "actions=[{at: 3m20s, rollback: open}]",
        ])
        .assert()
        .success();
    assert!(
        outcomes(&out)
            .iter()
            .all(|(o, d)| (o.as_str(), d.as_str()) == ("rolled_back", "240"))
    );
    assert!(
        column_pairs(&out, "false_rollback", "detected")
            .iter()
            .all(|(f, d)| (f.as_str(), d.as_str()) == ("0", ""))
    );
}

/// The gate actions are POSTs to the flagger-loadtester: refused for another strategy,
/// and Flagger refuses every other action, each naming the action's path.
#[test]
fn gate_actions_are_for_flagger_only() {
    let out = bin()
        .args(["run", "--trials", "2"])
        .arg(scenario_path("k8s-rolling-default.yaml"))
        .args(["--set", "actions=[{at: 1m, gate: open}]"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "actions.0: `gate` and `rollback` are POSTs to the flagger-loadtester (`/gate/open`, `/rollback/open`, …): they need `strategy.flagger`"
        ),
        "{stderr}"
    );
    let out = bin()
        .args(["run", "--trials", "2", &example()])
        .args(["--set", "actions=[{at: 1m, rollout: pause}]"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "actions.0: with `strategy.flagger` only the flagger-loadtester's `gate: open|close` and `rollback: open|close` are simulated"
        ),
        "{stderr}"
    );
}
