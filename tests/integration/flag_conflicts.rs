//! A field given by two options, one of which would win without a word: refused, exit 2,
//! nothing written, naming both.

use crate::support::{bin, scenario_path};

/// Exit 2 with `expected` in stderr, and no output folder (`--out` is added, but to
/// `check`, which writes none).
pub fn refused(args: &[&str], expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut cmd = bin();
    cmd.args(args);
    // `check` writes no folder.
    if args[0] != "check" {
        cmd.arg("--out").arg(&out);
    }
    let result = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
    assert!(!out.exists(), "{args:?}");
}

/// `--seed` and `--trials` are applied after the `--set`s: `--set seed=5 --seed 3` ran
/// seed 3 and never said so.
#[test]
fn a_set_of_the_seed_or_trials_beside_its_flag_is_refused() {
    let file = scenario_path("swarm-stop-first.yaml");
    refused(
        &["run", &file, "--set", "seed=5", "--seed", "3"],
        &format!(
            "{file}: seed: set twice, by --set seed=5 and --seed 3; --seed would silently \
             win. Give each field once"
        ),
    );
    refused(
        &["check", &file, "--set", "trials=5", "--trials", "3"],
        &format!("{file}: trials: set twice, by --set trials=5 and --trials 3"),
    );
    refused(
        &[
            "compare", &file, "--set", "seed=1", "--set", "seed=2", "--seed", "3",
        ],
        "seed: set twice, by --set seed=1 and --seed 3",
    );
}

/// A sweep over `seed` with `--seed` ran every point with that seed, and over `trials` ran
/// every point with the first point's trials: rows named values no point ran with.
#[test]
fn a_sweep_of_trials_or_of_the_seed_given_by_flag_is_refused() {
    let file = scenario_path("swarm-stop-first.yaml");
    refused(
        &["sweep", &file, "--set", "seed=1,2", "--seed", "4"],
        "--seed 4: `seed` is swept (--set or the file's `sweep:` block), and --seed would run \
         every point with seed 4; set it or sweep it, not both",
    );
    for args in [
        vec!["sweep", &file, "--set", "trials=10,20"],
        vec!["report", &file, "--sweep", "trials=10,20"],
    ] {
        refused(&args, "`trials` is swept (");
        refused(&args, "and cannot be: every point runs the same trials");
    }
    let tmp = tempfile::tempdir().unwrap();
    let swept = tmp.path().join("s.yaml");
    std::fs::write(&swept, "service: {}\nsweep: {trials: [1, 2]}\n").unwrap();
    refused(
        &["sweep", swept.to_str().unwrap()],
        "`trials` is swept (--set or the file's `sweep:` block), and cannot be",
    );
}

/// `--trace 3` (meaning "trace trial 3") would have written a file `3` in the working
/// folder: a bare number is refused, pointing at `--trace-trial`; `./3` is a file.
#[test]
fn a_trace_named_by_a_bare_number_is_taken_for_a_trial() {
    let file = scenario_path("swarm-stop-first.yaml");
    refused(
        &["run", &file, "--trials", "5", "--trace", "3"],
        "--trace 3: --trace takes the file to write the event log to (e.g. --trace \
         trace.jsonl); to choose the trial, add --trace-trial 3 (for a file named 3, write ./3)",
    );
    let tmp = tempfile::tempdir().unwrap();
    let result = bin()
        .current_dir(tmp.path())
        .args([
            "run", &file, "--trials", "5", "--trace", "./3", "-q", "--out", "out",
        ])
        .output()
        .unwrap();
    assert!(result.status.success(), "{result:?}");
    assert!(tmp.path().join("3").is_file());
}
