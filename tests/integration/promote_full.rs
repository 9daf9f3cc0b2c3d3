//! `kubectl argo rollouts promote --full` as a user gives it, `--set 'actions=[{at: T,
//! rollout: promote, full: true}]'` (argo-rollouts 9f8d111
//! `pkg/kubectl-argo-rollouts/cmd/promote/promote.go`, `rollout/canary.go`
//! `syncRolloutStatusCanary`, `rollout/sync.go:shouldFullPromote`).

use super::support::{bin, scenario_path};

/// `trials.csv` of `scenarios/NAME` over 20 trials with each of `sets` applied: the
/// columns `names` of every trial.
fn columns(name: &str, sets: &[&str], names: &[&str]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut cmd = bin();
    cmd.args(["run", &scenario_path(name)])
        .args(["--trials", "20", "--quiet", "--out"])
        .arg(&out);
    for set in sets {
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
            names.iter().map(|n| f[col(n)].to_string()).collect()
        })
        .collect()
}

/// `scenarios/canary-router.yaml` with `set` applied: `(outcome, duration_s)` a trial.
fn trials(set: Option<&str>) -> Vec<(String, f64)> {
    let sets: Vec<&str> = set.into_iter().collect();
    columns("canary-router.yaml", &sets, &["outcome", "duration_s"])
        .into_iter()
        .map(|row| (row[0].clone(), row[1].parse().unwrap()))
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

/// `scenarios/canary-analysis.yaml` with `sets` applied: `bad_release_requests` a trial.
fn bad_release(sets: &[&str]) -> Vec<u64> {
    columns("canary-analysis.yaml", sets, &["bad_release_requests"])
        .into_iter()
        .map(|row| row[0].parse().unwrap())
        .collect()
}

/// Requests are measured to the outcome, and a full promote's outcome is its promotion
/// (`rollout/sync.go:promoteStable`), the instant the 5 % release starts taking all the
/// traffic: its trials count fewer of the release's bad requests than the aborted ones,
/// and a window fixed by `traffic.duration` counts the rest, trial for trial hundreds
/// more (2.5 bad requests a second after the promotion). The aborted rollout's release
/// serves nothing past its rollback, so the same window adds nothing to it.
#[test]
fn a_full_promote_stops_the_count_at_the_promotion_unless_the_window_is_fixed() {
    const FULL: &str = "actions=[{at: 30s, rollout: promote, full: true}]";
    const WINDOW: &str = "traffic.duration=5m";
    let full = bad_release(&[FULL]);
    let full_fixed = bad_release(&[FULL, WINDOW]);
    let aborted = bad_release(&[]);
    assert_eq!(bad_release(&[WINDOW]), aborted);
    let sum = |v: &[u64]| v.iter().sum::<u64>();
    assert!(sum(&full) < sum(&aborted), "{full:?} {aborted:?}");
    for (until_outcome, fixed) in full.iter().zip(&full_fixed) {
        assert!(*fixed > until_outcome + 300, "{full:?} {full_fixed:?}");
    }
}
