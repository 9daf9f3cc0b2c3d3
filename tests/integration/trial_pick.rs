//! `--trace-trial OUTCOME` and `--timeline-trial OUTCOME`: the first trial of the run that
//! ended so, recorded exactly as the same trial picked by its number (a trial is a
//! function of the seed and its index), and refused with the run's tally, nothing
//! written, when no trial ended so.

use crate::support::{bin, field, rows, scenario_path};
use std::path::Path;

/// `run scenarios/SCENARIO --trials 40` with the trace and the timeline of `pick`, into
/// `dir`: (stderr, `trials.csv`, the trace, `timeline.csv`).
fn run(dir: &Path, scenario: &str, pick: &str, set: &[&str]) -> (String, String, String, String) {
    let mut cmd = bin();
    cmd.args(["run", &scenario_path(scenario), "--trials", "40", "-q"])
        .args(["--trace-trial", pick, "--timeline-trial", pick, "--trace"])
        .arg(dir.join("trace.jsonl"))
        .arg("--out")
        .arg(dir.join("out"));
    for s in set {
        cmd.args(["--set", s]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    (
        String::from_utf8(out.stderr).unwrap(),
        read(&dir.join("out/trials.csv")),
        read(&dir.join("trace.jsonl")),
        read(&dir.join("out/timeline.csv")),
    )
}

/// The first row of `csv` that ended `outcome`.
fn first(csv: &str, outcome: &str) -> Option<String> {
    rows(csv)
        .iter()
        .find(|r| field(r, "outcome") == outcome)
        .map(|r| field(r, "trial").to_owned())
}

/// Without traffic (the timeline trial run again at a tick its duration sets) and with it
/// (sampled at the traffic's tick): the pick's files are those of the number it names.
#[test]
fn a_pick_by_outcome_records_the_first_trial_that_ended_so() {
    let cases: [(&str, &[&str], &str); 2] = [
        // 2 % crashes, rolled back: a mixed run.
        ("default.yaml", &[], "rolled_back"),
        // A good release (0.4 % errors) the 1 % threshold sometimes rolls back.
        (
            "canary-analysis.yaml",
            &["service.versions.next.error_rate=0.004"],
            "rolled_back",
        ),
    ];
    for (scenario, set, outcome) in cases {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (note, csv, trace, timeline) = run(a.path(), scenario, outcome, set);
        let k = first(&csv, outcome).expect("some trial ended so");
        assert_ne!(
            k, "0",
            "{scenario}: pick a run whose first trial ended otherwise"
        );
        assert!(
            note.contains(&format!(
                "--trace-trial {outcome} is trial {k}, the first of the run that ended {outcome}"
            )),
            "{note}"
        );
        let by_number = run(b.path(), scenario, &k, set);
        assert_eq!(by_number.1, csv, "{scenario}");
        assert_eq!(by_number.2, trace, "{scenario}");
        assert_eq!(by_number.3, timeline, "{scenario}");
        assert!(
            trace.contains(r#""state":"rollback_started""#),
            "{scenario}"
        );
    }
}

/// No trial ended so: refused with how the trials did end, and no file written.
#[test]
fn a_pick_no_trial_matches_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args([
            "run",
            &scenario_path("swarm-bad-version-rollback.yaml"),
            "--trials",
            "5",
        ])
        .args(["-q", "--trace-trial", "completed", "--trace"])
        .arg(dir.path().join("trace.jsonl"))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--trace-trial completed: none of the run's 5 trials ended completed (5 \
             rolled_back), so there is no such trial to record; nothing was written",
        ));
    assert!(!out.exists());
    assert!(!dir.path().join("trace.jsonl").exists());
}

/// A misspelt outcome is refused before any work, with the closest name.
#[test]
fn a_misspelt_outcome_is_refused_with_the_closest() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args([
            "run",
            &scenario_path("default.yaml"),
            "--timeline-trial",
            "rolledback",
        ])
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "invalid value 'rolledback' for '--timeline-trial <K|OUTCOME>': expected a trial \
             of the run: a whole number from 0 (the first trial), or an outcome (completed, \
             rolled_back, paused, deadline_exceeded, timeout) for the first trial that ended \
             so; did you mean `rolled_back`?",
        ));
    assert!(!dir.path().join("out").exists());
}
