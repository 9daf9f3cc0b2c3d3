//! A scenario's `seed` is any whole number a `u64` holds, in the file, with `--set seed=`
//! and with `--seed`: one past 2⁶⁴ − 1 is refused before any trial runs, naming the file,
//! the field and the range, and echoed as written, not as the float YAML or JSON reads it
//! as.

use assert_cmd::Command;

/// A scenario of one trial with `seed: {seed}`.
fn scenario(seed: &str) -> String {
    format!("seed: {seed}\ntrials: 1\nservice: {{replicas: 2}}\n")
}

/// `run s.yaml args…` in a folder holding `s.yaml` with `seed`: the exit code, stderr,
/// and whether `out/` was written.
fn run(seed: &str, args: &[&str]) -> (i32, String, Option<String>) {
    run_file("s.yaml", &scenario(seed), args)
}

/// `run FILE args…` in a folder holding `file` with `text`, as [`run`].
fn run_file(file: &str, text: &str, args: &[&str]) -> (i32, String, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), text).unwrap();
    let out = Command::cargo_bin("rollout-sim")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", file, "--out", "out"])
        .args(args)
        .output()
        .unwrap();
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).ok();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap(), err, summary)
}

#[test]
fn a_seed_past_64_bits_is_refused_with_its_range_as_written() {
    let range = "expected a whole number from 0 to 18446744073709551615";
    for past in [
        "18446744073709551616",
        "18446744073709551617",
        "100000000000000000000",
    ] {
        let (code, err, summary) = run(past, &[]);
        assert_eq!(
            (code, err.as_str(), summary),
            (
                2,
                format!("error: s.yaml: seed: {range}, got {past}\n").as_str(),
                None
            )
        );
        // JSON holds it as a float too (`1.8446744073709552e19`), which was echoed.
        let json = format!(r#"{{"seed": {past}, "trials": 1, "service": {{"replicas": 2}}}}"#);
        let (code, err, summary) = run_file("s.json", &json, &[]);
        assert_eq!(
            (code, err.as_str(), summary),
            (
                2,
                format!("error: s.json: seed: {range}, got {past}\n").as_str(),
                None
            )
        );
        let (code, err, summary) = run("1", &["--set", &format!("seed={past}")]);
        assert_eq!(
            (code, err.as_str(), summary),
            (
                2,
                format!("error: s.yaml: seed: {range}, got {past} (from --set seed={past})\n")
                    .as_str(),
                None
            )
        );
        let (code, err, summary) = run("1", &["--seed", past]);
        assert_eq!((code, summary), (2, None));
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{past}' for '--seed <S>': {range}\n"
            )),
            "{err}"
        );
    }
}

#[test]
fn the_largest_seed_runs_and_is_written_as_an_integer() {
    let (code, err, summary) = run("18446744073709551615", &[]);
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&summary.unwrap()).unwrap();
    assert_eq!(summary["seed"].as_u64(), Some(u64::MAX));
}
