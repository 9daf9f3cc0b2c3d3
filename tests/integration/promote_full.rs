//! `kubectl argo rollouts promote --full` as a user gives it, `--set 'actions=[{at: T,
//! rollout: promote, full: true}]'` (argo-rollouts 9f8d111
//! `pkg/kubectl-argo-rollouts/cmd/promote/promote.go`, `rollout/canary.go`
//! `syncRolloutStatusCanary`, `rollout/sync.go:shouldFullPromote`).

use super::support::{bin, scenario_path};

/// `trials.csv` of `scenarios/canary-router.yaml` over 20 trials with `set` applied:
/// `(outcome, duration_s)` a trial.
fn trials(set: Option<&str>) -> Vec<(String, f64)> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut cmd = bin();
    cmd.args(["run", &scenario_path("canary-router.yaml")])
        .args(["--trials", "20", "--quiet", "--out"])
        .arg(&out);
    if let Some(set) = set {
        cmd.args(["--set", set]);
    }
    cmd.assert().success();
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[col("outcome")].to_string(),
                f[col("duration_s")].parse().unwrap(),
            )
        })
        .collect()
}

/// The example's three 2-minute pauses take it past 6 minutes; fully promoted at 1 minute
/// it skips them and the 30 % and 60 % steps, and completes once its ten new pods are
/// available: well within 2 minutes.
#[test]
fn a_full_promote_skips_the_pauses_of_canary_router() {
    for (outcome, duration) in trials(None) {
        assert_eq!(outcome, "completed");
        assert!(duration > 360.0, "{duration}");
    }
    let full = trials(Some("actions=[{at: 1m, rollout: promote, full: true}]"));
    for (outcome, duration) in full {
        assert_eq!(outcome, "completed");
        assert!((60.0..120.0).contains(&duration), "{duration}");
    }
}

/// `full` belongs to `promote` only: on another action it is refused before any work,
/// with exit 2 and the field's path.
#[test]
fn full_on_an_abort_is_refused_with_its_path() {
    let out = bin()
        .args(["run", &scenario_path("canary-router.yaml"), "--trials", "3"])
        .args(["--set", "actions=[{at: 1m, rollout: abort, full: true}]"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("actions.0.full: only `rollout: promote` takes `full`"),
        "{stderr}"
    );
}
