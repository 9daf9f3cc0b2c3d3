//! Paths that are not what a command takes: a folder where a file is expected (the results
//! of an earlier run above all), a file where a folder is expected, a device or a FIFO as
//! an output, a file given twice. Each is told for what it is, exit 2, nothing written.

use crate::support::{bin, scenario_path};
use std::fs;
use std::path::Path;

/// Exit 2, and stderr, which must not hold a panic.
fn refused(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    stderr
}

fn text(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The folder `dir/name` of a run of three trials of `swarm-stop-first.yaml`, seed 7.
fn run_of_three(dir: &Path, name: &str) -> std::path::PathBuf {
    let run = dir.join(name);
    bin()
        .args(["run", &scenario_path("swarm-stop-first.yaml")])
        .args(["--trials", "3", "--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    run
}

/// A new FIFO `pipe` in `dir`, which no process opens.
#[cfg(unix)]
fn fifo_in(dir: &Path) -> std::path::PathBuf {
    let fifo = dir.join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    fifo
}

/// A rename over a device replaces it (run as root, `--out /dev/null` would turn the
/// machine's `/dev/null` into a regular file): every file output refuses what is not a
/// regular file, before any work. A FIFO stands in for the device here.
#[cfg(unix)]
#[test]
fn a_file_output_never_replaces_a_fifo_or_a_device() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempfile::tempdir().unwrap();
    let fifo = fifo_in(tmp.path());
    let pipe = text(&fifo);
    let scenario = scenario_path("swarm-stop-first.yaml");
    let csv = scenario_path("timelines/swarm-stop-first-docker-20.10.csv");
    let out = tmp.path().join("out");
    for (args, flag) in [
        (vec!["schema", "--out", pipe], "--out"),
        (vec!["calibrate", &csv, "--out", pipe], "--out"),
        (
            vec![
                "run",
                &scenario,
                "--trials",
                "2",
                "--out",
                text(&out),
                "--trace",
                pipe,
            ],
            "--trace",
        ),
        (
            vec![
                "check",
                &scenario,
                "--trials",
                "2",
                "--check",
                "duration_s.p95 < 1h",
                "--junit",
                pipe,
            ],
            "--junit",
        ),
    ] {
        let stderr = refused(&args);
        assert!(
            stderr.contains(&format!(
                "{flag} {pipe}: it is a FIFO (named pipe), not a regular file; an output \
                 replaces its file as a whole: name a regular file"
            )),
            "{args:?}: {stderr}"
        );
        assert!(
            fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
            "{args:?}"
        );
        assert!(!out.exists(), "{args:?}");
    }
    let stderr = refused(&["run", "/dev/null"]);
    assert!(
        stderr.contains(
            "/dev/null: (file): `/dev/null` is a device, not a regular file: a scenario file \
             ending in .yaml, .yml or .json is read"
        ),
        "{stderr}"
    );
}

/// `report outputs/web`: the folder of an earlier run given where its scenario is
/// expected. Each command says it is a folder, whose results it holds, and the command
/// line that runs the same trials again; a plain folder is told a folder.
#[test]
fn a_results_folder_given_for_a_scenario_is_told_with_the_command_to_use() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_of_three(tmp.path(), "web");
    let scenario = scenario_path("swarm-stop-first.yaml");
    let folder = text(&run);
    let out = tmp.path().join("out");
    for (args, command) in [
        (vec!["report", folder], "report"),
        (vec!["run", folder], "run"),
        (
            vec!["sweep", folder, "--set", "service.replicas=2,3"],
            "sweep",
        ),
        (vec!["compare", &scenario, folder], "compare"),
        (vec!["report", &scenario, "--compare", folder], "report"),
    ] {
        let mut args = args.clone();
        args.extend(["--out", text(&out)]);
        let stderr = refused(&args);
        for said in [
            format!(
                "{folder}: (file): `{folder}` is a folder, not a scenario file: give a file ending in .yaml, .yml or .json"
            ),
            format!(
                "it holds the results of an earlier run of the scenario `swarm-stop-first` ({folder}/summary.json)"
            ),
            format!(
                "`rollout-sim {command} FILE --seed 7 --trials 3`, FILE being that scenario's file, runs the same trials again"
            ),
        ] {
            assert!(stderr.contains(&said), "{args:?}: {stderr}");
        }
        assert!(!out.exists(), "{args:?}");
    }
    // Another folder, or one named like a scenario, is a folder all the same.
    let plain = tmp.path().join("web.yaml");
    fs::create_dir(&plain).unwrap();
    for args in [
        vec!["run", text(&plain)],
        vec!["calibrate", "--scenario", text(&plain), "x.csv"],
    ] {
        let stderr = refused(&args);
        assert!(
            stderr.contains(&format!(
                "`{}` is a folder, not a scenario file",
                plain.display()
            )),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("unknown file type"), "{args:?}: {stderr}");
    }
}

/// A `summary.json` (or `sweep.json`) given as a scenario, by name or in a folder given
/// to `check` or `lint`, is one problem naming what it is, not one per key it holds.
#[test]
fn results_given_as_a_scenario_are_one_problem_naming_them() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = scenario_path("swarm-stop-first.yaml");
    let run = run_of_three(tmp.path(), "run");
    let sweep = tmp.path().join("sweep");
    bin()
        .args(["sweep", &scenario, "--set", "service.replicas=2,3"])
        .args(["--trials", "2", "--quiet", "--out"])
        .arg(&sweep)
        .assert()
        .success();
    let summary = run.join("summary.json");
    for (args, file, said) in [
        (
            vec!["report", text(&summary)],
            summary.clone(),
            "this is the summary.json an earlier run of the scenario `swarm-stop-first` \
             wrote (seed 7, 3 trials); give the scenario file it was made from",
        ),
        (
            vec!["check", text(&run)],
            summary.clone(),
            "this is the summary.json an earlier run",
        ),
        (
            vec!["lint", text(&sweep)],
            sweep.join("sweep.json"),
            "this is the sweep.json an earlier sweep of the scenario `swarm-stop-first` \
             wrote (seed 7, 2 trials)",
        ),
    ] {
        let stderr = refused(&args);
        assert!(
            stderr.contains(&format!(
                "{}: (file): not a scenario: {said}",
                file.display()
            )),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("unknown field"), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

/// `--out notes.txt/run`: the file on the way is named, not `Not a directory (os error
/// 20)`.
#[test]
fn an_out_folder_under_a_file_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("notes.txt");
    fs::write(&file, "keep me").unwrap();
    let out = file.join("run");
    let scenario = scenario_path("swarm-stop-first.yaml");
    let stderr = refused(&["run", &scenario, "--trials", "2", "--out", text(&out)]);
    assert!(
        stderr.contains(&format!(
            "--out: {} is a file, not a folder, so no folder {} can be made in it: choose \
             another --out",
            file.display(),
            out.display()
        )),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "keep me");
}

/// `merge` of a path that is not a shard folder says what it is: missing, a file, or the
/// folder of a whole run (which needs no merging).
#[test]
fn merge_tells_what_a_path_given_is_instead_of_a_shard_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_of_three(tmp.path(), "run");
    let file = run.join("trials.csv");
    let missing = tmp.path().join("missing");
    let out = tmp.path().join("merged");
    for (given, said) in [
        (
            &run,
            format!(
                "`{}` holds the summary.json of a whole run of `swarm-stop-first` and no \
                 shard.json: merge takes the folders written by `run --shard K/N`; a run made \
                 without --shard needs no merging",
                run.display()
            ),
        ),
        (
            &file,
            format!(
                "`{}` is a file, not a folder: merge takes the folders written by `run \
                 --shard K/N`",
                file.display()
            ),
        ),
        (&missing, format!("cannot read `{}`: ", missing.display())),
    ] {
        let stderr = refused(&["merge", text(given), "--out", text(&out)]);
        assert!(stderr.contains(&said), "{given:?}: {stderr}");
        assert!(!stderr.contains("/shard.json`"), "{given:?}: {stderr}");
        assert!(!out.exists(), "{given:?}");
    }
}

/// Timelines are pooled: the same file twice would weigh its samples twice. An empty file
/// says it is empty rather than that it lacks a `t` column.
#[test]
fn calibrate_refuses_a_timeline_given_twice_and_tells_an_empty_one() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("run1.csv");
    fs::copy(
        scenario_path("timelines/swarm-stop-first-docker-20.10.csv"),
        &csv,
    )
    .unwrap();
    let again = tmp.path().join(".").join("run1.csv");
    let stderr = refused(&["calibrate", text(&csv), text(&again)]);
    assert!(
        stderr.contains(&format!(
            "{} and {} are the same file: give each file once",
            csv.display(),
            again.display()
        )),
        "{stderr}"
    );
    for (name, body) in [
        ("empty.csv", ""),
        ("notes.csv", "# to record\n"),
        ("t.jsonl", ""),
    ] {
        let path = tmp.path().join(name);
        fs::write(&path, body).unwrap();
        let stderr = refused(&["calibrate", text(&path)]);
        assert!(
            stderr.contains(&format!(
                "{}: the file is empty (or holds only blank lines and comments)",
                path.display()
            )),
            "{name}: {stderr}"
        );
    }
}

/// A FIFO that no process writes or reads blocks `open` for good: given as `--baseline`
/// or as `$GITHUB_STEP_SUMMARY`, `check` hung before its first trial. Refused at once.
#[cfg(unix)]
#[test]
fn check_never_waits_on_a_fifo() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = fifo_in(tmp.path());
    let scenario = scenario_path("swarm-stop-first.yaml");
    let check = ["check", &scenario, "--trials", "2"];
    let baseline = bin()
        .args(check)
        .arg("--baseline")
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&baseline.stderr);
    assert_eq!(baseline.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "--baseline: `{}` is a FIFO (named pipe), not a regular file",
            fifo.display()
        )),
        "{stderr}"
    );
    let summary = bin()
        .args(check)
        .args(["--check", "duration_s.p95 < 1h", "--format", "github"])
        .env("GITHUB_STEP_SUMMARY", &fifo)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&summary.stderr);
    assert_eq!(summary.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("it is a FIFO (named pipe) that no process reads"),
        "{stderr}"
    );
}
