//! `check --check` (and `checks:`), `sweep --constraint` and `sweep --objective` read one
//! grammar, "a statistic of a run compared with a number": the same text is accepted or
//! refused alike, with the same column and message, and what a sweep accepts it decides on
//! each point's summary.

use crate::support::{UC, bin, scenario_path};
use std::fs;
use std::path::{Path, PathBuf};

/// A small Swarm rollout that always completes.
fn small(dir: &Path) -> PathBuf {
    let file = dir.join("small.yaml");
    fs::write(
        &file,
        "name: small
trials: 3
service: {replicas: 2, versions: {current: {image: a}, next: {image: b}}}
strategy: {swarm: {}}
",
    )
    .unwrap();
    file
}

/// `check --check TEXT` on `file`: its exit code and stderr.
fn check(file: &Path, text: &str) -> (i32, String) {
    let out = bin()
        .args(["check", "--check", text])
        .arg(file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap(), stderr)
}

/// `sweep` of `file` over two replica counts with `flags`: its exit code and stderr.
fn sweep(file: &Path, out: &Path, flags: &[&str]) -> (i32, String) {
    let out = bin()
        .arg("sweep")
        .arg(file)
        .args(["--set", "service.replicas=1,2", "--out"])
        .arg(out)
        .args(flags)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap(), stderr)
}

/// What follows `` NOUN `TEXT` `` in `stderr` to the end of its line: `, column 16: …`.
fn after<'a>(stderr: &'a str, noun: &str, text: &str) -> &'a str {
    let head = format!("{noun} `{}`", text.trim());
    let at = stderr
        .find(&head)
        .unwrap_or_else(|| panic!("no {head} in {stderr}"));
    stderr[at + head.len()..].lines().next().unwrap_or("")
}

#[test]
fn check_and_sweep_accept_and_refuse_the_same_texts_alike() {
    let dir = tempfile::tempdir().unwrap();
    let file = small(dir.path());
    let refused = [
        "duraton_s.p95 <= 10m",
        "duration_s.p95 =< 10m",
        "duration_s.p96 <= 1",
        "duration_s.p95",
        "outcome.completd.rate >= 0.9",
        "outcome.paused.count == 0",
        "outcome.paused <= 0.5",
        "duration_s.p95 <= -1",
        "availability.p01 >= 99.9",
        "peak_tasks.max <= 10m",
        "duration_s.p95 <= ",
    ];
    for text in refused {
        let (code, checked) = check(&file, text);
        assert_eq!(code, 2, "check {text}: {checked}");
        let why = after(&checked, "--check: check", text);
        assert!(why.starts_with(", column "), "check {text}: {checked}");
        let out = dir.path().join("refused");
        let (code, swept) = sweep(
            &file,
            &out,
            &["--objective", "duration_s.p95", "--constraint", text],
        );
        assert_eq!(code, 2, "sweep {text}: {swept}");
        assert_eq!(after(&swept, "constraint", text), why, "{text}");
        assert!(!out.exists(), "nothing is written on bad input");
    }
    // Accepted by both; `check` decides them (0 or 1), the sweep chooses by them.
    let accepted = [
        "duration_s.p95 != 10m",
        "outcome.paused == 0",
        "outcome.completed >= 1",
        "outcome.completed.rate >= 0.5",
        " min_ready.min>=0.5 ",
        "p99_latency_ms.p50 < 0.25s",
    ];
    for (i, text) in accepted.iter().enumerate() {
        let (code, checked) = check(&file, text);
        assert!(code == 0 || code == 1, "check {text}: {checked}");
        let out = dir.path().join(format!("accepted-{i}"));
        let (code, swept) = sweep(
            &file,
            &out,
            &["--objective", "duration_s.p95", "--constraint", text],
        );
        assert_eq!(code, 0, "sweep {text}: {swept}");
    }
}

#[test]
fn a_sweep_constraint_or_objective_error_names_the_column_and_suggests() {
    let dir = tempfile::tempdir().unwrap();
    let file = small(dir.path());
    let out = dir.path().join("out");
    let (code, stderr) = sweep(
        &file,
        &out,
        &[
            "--objective",
            "duration_s.p95",
            "--constraint",
            "duration_s.p95 =< 10m",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "constraint `duration_s.p95 =< 10m`, column 16: expected an operator: one of `<`, \
             `<=`, `>`, `>=`, `==`, `!=`"
        ),
        "{stderr}"
    );
    // The objective reads its statistic as a check reads its left side, after `max:`.
    let (code, stderr) = sweep(&file, &out, &["--objective", "max:durtion_s.p95"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "objective `max:durtion_s.p95`, column 5: unknown metric `durtion_s`; did you mean \
             `duration_s`?"
        ),
        "{stderr}"
    );
    let (code, stderr) = sweep(&file, &out, &["--objective", "duration_s.p95 <= 1m"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("objective `duration_s.p95 <= 1m`, column 16: "),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written on bad input");
}

/// The best point's value of the swept `path` in `sweep.json`.
fn best(out: &Path, path: &str) -> serde_json::Value {
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("sweep.json")).unwrap()).unwrap();
    json["best"]["parameters"][path].clone()
}

#[test]
fn a_sweep_chooses_by_a_not_equal_and_by_an_outcome_count() {
    let dir = tempfile::tempdir().unwrap();
    // Stop-first over 6 replicas keeps 6 − parallelism serving (5, 4, 3); larger batches
    // are faster, so the fastest point whose min_ready.min is not 3 is parallelism 2.
    let out = dir.path().join("ne");
    bin()
        .args([
            "sweep",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "20",
        ])
        .args(["--set", &format!("{UC}.parallelism=1,2,3")])
        .args([
            "--objective",
            "duration_s.p95",
            "--constraint",
            "min_ready.min != 3",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(best(&out, &format!("{UC}.parallelism")), 2);
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["constraints"][0], "min_ready.min != 3");

    // A crashing release: `pause` pauses every trial, `rollback` rolls every one back,
    // `continue` completes every one, slowest. A count of trials is the count at the point.
    let bad = scenario_path("swarm-bad-version-rollback.yaml");
    let actions = format!("{UC}.failure_action=pause,rollback,continue");
    let chosen = |constraint: &str, name: &str| {
        let out = dir.path().join(name);
        bin()
            .args(["sweep", &bad, "--trials", "20", "--set", &actions])
            .args(["--objective", "duration_s.p95", "--constraint", constraint])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        best(&out, &format!("{UC}.failure_action"))
    };
    assert_eq!(chosen("outcome.completed == 20", "all"), "continue");
    assert_eq!(chosen("outcome.paused < 1", "unpaused"), "rollback");
    assert_eq!(chosen("outcome.rolled_back != 20", "kept"), "pause");

    // A count is an objective too, its value at every point in sweep.json beside the rates.
    let out = dir.path().join("most");
    bin()
        .args(["sweep", &bad, "--trials", "20", "--set", &actions])
        .args(["--objective", "max:outcome.completed", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(best(&out, &format!("{UC}.failure_action")), "continue");
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["objective"], "max:outcome.completed");
    assert_eq!(json["best"]["metrics"]["outcome.completed"], 20.0);
    assert_eq!(json["points"][0]["metrics"]["outcome.completed"], 0.0);
}
