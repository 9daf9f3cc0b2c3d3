//! `strategy.flagger` run as a user runs it: the example's header, its progressive-delivery
//! summary and columns, and the parser's refusals, against Flagger's timing rules
//! (`fluxcd/flagger@15bd6ad`, v1.44.0, `pkg/controller/scheduler.go:advanceCanary`).

use crate::support::bin;
use predicates::prelude::*;

fn example() -> String {
    format!(
        "{}/scenarios/flagger-canary.yaml",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The example's bad release fails every check (5 % errors against a 99 % minimum at
/// 5 canary rps: ~300 requests a window, P(≥ 99 % success) negligible): first check at
/// tick 2, rollback `threshold` (5) ticks later, at 7 minutes, in every trial.
#[test]
fn the_example_catches_the_bad_release_at_seven_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["run", &example(), "--trials", "40", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Flagger canary, stepWeight 10 to maxWeight 50, interval 1m, threshold 5, checks: \
             request-success-rate >= 99% over 1m, request-duration <= 500 ms over 1m",
        ))
        .stdout(predicate::str::contains(
            "a bad release is caught in 100.0% [91.2, 100.0] of 40 trials after 7m00.0s median",
        ));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["progressive_delivery"]["detection"]["count"], 40);
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[col("outcome")], "rolled_back");
        assert_eq!(f[col("detected")], "1");
        assert_eq!(f[col("time_to_detect_s")], "420");
        // The canary's 10 % of 50 rps from tick 1 to tick 7: ~1,800 requests.
        let next: f64 = f[col("next_requests")].parse().unwrap();
        assert!((1500.0..2100.0).contains(&next), "{next}");
    }
}

/// The same loop with a good release: 5 passing checks, promotion, traffic shift, canary
/// scaled down: completed at 8 minutes, never rolled back.
#[test]
fn the_example_with_a_good_release_promotes_at_eight_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["run", &example(), "--trials", "20", "--quiet", "--out"])
        .arg(&out)
        .args(["--set", "service.versions.next.error_rate=0.001"])
        .assert()
        .success();
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[col("outcome")], "completed");
        assert_eq!(f[col("duration_s")], "480");
        assert_eq!(f[col("false_rollback")], "0");
    }
}

/// A webhook refused before any work, naming the field: a load-test webhook (no `type`:
/// `rollout`) to the loadtester's task runner without the command it would run.
#[test]
fn a_load_test_webhook_without_a_command_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.yaml");
    std::fs::write(
        &file,
        "service: {replicas: 2}
traffic: {rps: 10}
strategy:
  flagger:
    analysis:
      interval: 1m
      threshold: 2
      stepWeight: 20
      webhooks: [{name: load-test, url: http://flagger-loadtester/}]
",
    )
    .unwrap();
    let out = bin()
        .args(["run", "--trials", "3"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "strategy.flagger.analysis.webhooks.0: a `rollout` or `pre-rollout` webhook to the loadtester's task runner needs `metadata.cmd`, the command it runs"
        ),
        "{stderr}"
    );
}
