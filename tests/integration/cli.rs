//! The binary as a user runs it: files written, exit codes, determinism, bad input.

use crate::support::{bin, scenario_path};
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn run_writes_trials_and_summary_and_prints_a_table() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args([
            "run",
            &scenario_path("swarm-start-first.yaml"),
            "--trials",
            "200",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("completed").and(predicate::str::contains("duration")));
    let csv = fs::read_to_string(dir.path().join("trials.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with(
        "trial,seed,outcome,duration_s,min_ready,min_available,peak_tasks,peak_cpu,peak_memory,\
         requests,failed_requests,availability,p99_latency_ms,restarts,bad_version_requests"
    ));
    assert_eq!(csv.lines().count(), 201);
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["trials"], 200);
    assert!(summary["metrics"]["duration_s"]["p95"].as_f64().unwrap() > 0.0);
}

#[test]
fn same_seed_gives_identical_files_whatever_the_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for (dir, threads) in [(a.path(), "1"), (b.path(), "2")] {
        bin()
            .args([
                "run",
                &scenario_path("default.yaml"),
                "--trials",
                "300",
                "--quiet",
                "--threads",
                threads,
            ])
            .arg("--out")
            .arg(dir)
            .assert()
            .success()
            .stdout("");
    }
    for f in ["trials.csv", "summary.json"] {
        assert_eq!(
            fs::read(a.path().join(f)).unwrap(),
            fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn no_arguments_runs_the_embedded_default_into_outputs() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .current_dir(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("web-start-first"));
    assert!(
        dir.path()
            .join("outputs/web-start-first/trials.csv")
            .is_file()
    );
    assert!(
        dir.path()
            .join("outputs/web-start-first/summary.json")
            .is_file()
    );
}

#[test]
fn trace_writes_json_lines_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.jsonl");
    bin()
        .args([
            "run",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "5",
            "--quiet",
            "--trace-trial",
            "3",
        ])
        .arg("--out")
        .arg(dir.path())
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success();
    let text = fs::read_to_string(&trace).unwrap();
    let mut last = 0.0;
    let mut states = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let t = v["t"].as_f64().unwrap();
        assert!(t >= last, "time goes backwards at {line}");
        last = t;
        if v["event"] == "task" {
            for key in ["task", "slot", "version", "node", "state"] {
                assert!(v.get(key).is_some(), "{key} missing in {line}");
            }
        }
        if v["event"] == "update" {
            states.push(v["state"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(states.first().map(String::as_str), Some("updating"));
    assert_eq!(states.last().map(String::as_str), Some("completed"));
}

#[test]
fn set_overrides_a_field_and_json_format_prints_the_summary() {
    let out = bin()
        .args([
            "run",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "50",
            "--format",
            "json",
        ])
        .args([
            "--set",
            "strategy.swarm.update_config.parallelism=3",
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["trials"], 50);
}

/// `--quiet` silences the table and the chatter, never the result `--format json` asks
/// for (README, `--quiet`): stdout is exactly the JSON file written, for each command that
/// writes one; `--quiet` alone prints nothing.
#[test]
fn quiet_keeps_the_json_asked_for_and_drops_the_table() {
    let s = scenario_path("swarm-stop-first.yaml");
    let commands: [(&[&str], &str); 3] = [
        (&["run", &s], "summary.json"),
        (
            &[
                "sweep",
                &s,
                "--set",
                "strategy.swarm.update_config.parallelism=1,2",
            ],
            "sweep.json",
        ),
        (
            &[
                "compare",
                &s,
                "--set",
                "strategy.swarm.update_config.parallelism=1",
                "--set",
                "strategy.swarm.update_config.parallelism=3",
            ],
            "compare.json",
        ),
    ];
    for (command, file) in commands {
        let dir = tempfile::tempdir().unwrap();
        let printed = bin()
            .args(command)
            .args(["--trials", "20", "--quiet", "--format", "json", "--out"])
            .arg(dir.path())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let written = std::fs::read(dir.path().join(file)).unwrap();
        assert!(
            !printed.is_empty(),
            "{command:?}: --quiet --format json printed nothing"
        );
        assert_eq!(printed, written, "{command:?}: stdout is not {file}");
        let dir = tempfile::tempdir().unwrap();
        bin()
            .args(command)
            .args(["--trials", "20", "--quiet", "--out"])
            .arg(dir.path())
            .assert()
            .success()
            .stdout("");
    }
}

/// A sweep over a memory quantity draws its lines at the values' bytes; one over values
/// with no place on an axis says on stderr why it has no lines chart, never silently.
#[test]
fn a_sweep_draws_quantities_and_says_why_it_draws_no_lines() {
    let s = scenario_path("swarm-stop-first.yaml");
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args([
            "sweep",
            &s,
            "--set",
            "service.resources.memory=256Mi,512Mi,1Gi",
        ])
        .args(["--trials", "10", "--plot", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("sweep-lines").not());
    assert!(dir.path().join("sweep-lines.png").exists());
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args([
            "sweep",
            &s,
            "--set",
            "strategy.swarm.update_config.order=stop-first,start-first",
        ])
        .args(["--trials", "10", "--plot", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "note: no sweep-lines chart: the values \"stop-first\", \"start-first\" of \
             strategy.swarm.update_config.order are neither a number",
        ));
    assert!(!dir.path().join("sweep-lines.png").exists());
}

fn bad(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    fs::write(&file, text).unwrap();
    let out = bin()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    assert!(
        !dir.path().join("o/trials.csv").exists(),
        "nothing is written for bad input"
    );
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_input_exits_2_naming_the_file_and_field() {
    let cases = [
        ("service: {replicas: -1}", "service.replicas"),
        (
            "service: {versions: {current: {}, next: {pull: fast}}}",
            "service.versions.next.pull",
        ),
        (
            "service: {versions: {current: {}, next: {start: {uniform: {min: 5s, max: 1s}}}}}",
            "service.versions.next.start",
        ),
        (
            "service: {resources: {memory: 12 parsecs}}",
            "service.resources.memory",
        ),
        (
            "strategy: {swarm: {update_config: {paralelism: 2}}}",
            "did you mean",
        ),
        (
            "strategy: {swarm: {update_config: {order: first}}}",
            "strategy.swarm.update_config.order",
        ),
        ("strategy: {swarm: {}, kubernetes: {}}", "strategy"),
        ("cluster: {nodes: 0}", "cluster.nodes"),
        ("horizon: -5s", "horizon"),
        ("this is: [not, valid", "bad.yaml"),
        (
            "service: {versions: {current: {crash_probability: 2}}}",
            "crash_probability",
        ),
    ];
    for (text, needle) in cases {
        let (code, stderr) = bad(text);
        assert_eq!(code, 2, "{text}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{text}: expected {needle:?} in {stderr}"
        );
        assert!(
            stderr.contains("bad.yaml"),
            "{text}: the file is named in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{text}: {stderr}");
    }
}

/// `--trace-trial` says which trial `--trace` records; given alone it would record
/// nothing, so it is refused (exit 2, no folder) rather than silently ignored.
#[test]
fn trace_trial_without_trace_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bin()
        .args([
            "run",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "5",
            "--trace-trial",
            "3",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--trace <FILE>"));
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_missing_file_and_a_bad_flag_exit_2() {
    bin()
        .args(["run", "no/such/file.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/file.yaml"));
    bin().args(["run", "--trials", "many"]).assert().code(2);
    bin()
        .args(["run", &scenario_path("default.yaml"), "--set", "nonsense"])
        .assert()
        .code(2);
    assert!(!Path::new("no/such").exists());
}

/// A negative number given to a numeric flag is that flag's value, refused by what the
/// flag takes (exit 2, nothing written), not taken for a flag of its own ("unexpected
/// argument '-1'").
#[test]
fn a_negative_number_is_refused_by_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_text = out.display().to_string();
    let default = scenario_path("default.yaml");
    for (args, expected) in [
        (
            vec!["check", &default, "--tolerance", "-1e300"],
            "invalid value '-1e300' for '--tolerance <FRACTION>': expected a fraction >= 0",
        ),
        (
            vec!["run", &default, "--trials", "-5", "--out", &out_text],
            "invalid value '-5' for '--trials <N>': expected a whole number from 1 to",
        ),
        (
            vec!["run", &default, "--shard", "-1/2", "--out", &out_text],
            "invalid value '-1/2' for '--shard <K/N>': expected K/N with 1 ≤ K ≤ N",
        ),
    ] {
        let assert = bin().args(&args).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("unexpected argument"),
            "{args:?}: {stderr}"
        );
        assert!(!out.exists(), "{args:?}");
    }
}

#[test]
fn a_file_output_in_a_missing_folder_is_refused_as_check_junit_refuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing");
    let csv = scenario_path("timelines/swarm-stop-first-docker-20.10.csv");
    let manifest = format!(
        "{}/tests/manifests/deployment-recreate.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    for (args, flag, file) in [
        (vec!["schema"], "--out", "s.json"),
        (vec!["calibrate", &csv], "--out", "cp.yaml"),
        (vec!["import", &manifest], "--out", "web.yaml"),
        (
            vec![
                "check",
                &scenario_path("swarm-stop-first.yaml"),
                "--check",
                "duration_s.p95 < 1h",
                "--trials",
                "2",
            ],
            "--junit",
            "j.xml",
        ),
    ] {
        let path = missing.join(file);
        bin()
            .args(&args)
            .arg(flag)
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{flag} {}: name a file in an existing folder",
                path.display()
            )));
        assert!(!missing.exists(), "{args:?} created the folder");
    }
}

#[test]
fn each_command_s_help_says_where_it_writes_and_what_set_does_there() {
    let help = |command: &str| {
        let o = bin().args([command, "--help"]).assert().success();
        String::from_utf8_lossy(&o.get_output().stdout).into_owned()
    };
    for (command, folder, set) in [
        (
            "run",
            "outputs/<scenario name>/`",
            "Override a scenario field",
        ),
        (
            "sweep",
            "outputs/<scenario name>-sweep/`",
            "is one axis of the grid",
        ),
        (
            "compare",
            "outputs/<scenario name>-compare/`",
            "is a variant",
        ),
        (
            "report",
            "outputs/<scenario name>-report/`",
            "Override a scenario field",
        ),
    ] {
        let text = help(command);
        assert!(
            text.contains(&format!("(default `{folder}")),
            "{command}: {text}"
        );
        assert!(text.contains(set), "{command}: {text}");
    }
}

#[test]
fn timeline_writes_bands_or_one_trial() {
    let dir = tempfile::tempdir().unwrap();
    let run = |scenario: &str, extra: &[&str]| {
        bin()
            .args(["run", &scenario_path(scenario), "--trials", "50", "-q"])
            .args(extra)
            .arg("--out")
            .arg(dir.path())
            .assert()
            .success();
        fs::read_to_string(dir.path().join("timeline.csv")).unwrap()
    };
    let bands = run("k8s-endpoint-lag.yaml", &["--timeline"]);
    let header: Vec<&str> = bands.lines().next().unwrap().split(',').collect();
    assert_eq!(
        header[..7],
        [
            "t_s",
            "trials",
            "ready_min",
            "ready_p05",
            "ready_p50",
            "ready_p95",
            "ready_max"
        ]
    );
    for c in [
        "ready_next_p50",
        "available_current_min",
        "running_next_max",
        "in_rotation_next_p05",
        "availability_p05",
        "p99_latency_ms_p95",
    ] {
        assert!(header.contains(&c), "no {c} in {header:?}");
    }
    // Row 0 is t = 0: every trial runs, and no traffic bucket has ended yet.
    let first: Vec<&str> = bands.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(first[..2], ["0", "50"]);
    let requests = header.iter().position(|&h| h == "requests_p50").unwrap();
    assert_eq!(first[requests], "");

    let one = run("k8s-endpoint-lag.yaml", &["--timeline-trial", "3"]);
    let mut lines = one.lines();
    assert_eq!(
        lines.next().unwrap(),
        "t_s,ready,ready_current,ready_next,available,available_current,available_next,\
         running,running_current,running_next,in_rotation_current,in_rotation_next,requests,ok,\
         failed,refused,timed_out,errored,dropped,availability,p99_latency_ms"
    );
    // Conservation row by row: per-version counts sum to the total, requests split into
    // ok and failed, failed into its four causes.
    for line in lines.skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let n = |i: usize| -> u64 { c[i].parse().unwrap() };
        for k in [1, 4, 7] {
            assert_eq!(n(k), n(k + 1) + n(k + 2), "{line}");
        }
        if c[12].is_empty() {
            continue; // past the trial's traffic window
        }
        assert_eq!(n(12), n(13) + n(14), "{line}");
        assert_eq!(n(14), n(15) + n(16) + n(17) + n(18), "{line}");
    }

    // Without traffic: the fleet columns only.
    let fleet = run("swarm-start-first.yaml", &["--timeline"]);
    let header = fleet.lines().next().unwrap();
    assert!(header.ends_with("running_next_max"), "{header}");
    assert!(!header.contains("requests"), "{header}");
}

#[test]
fn calibrate_fits_the_example_timeline() {
    let csv = scenario_path("timelines/swarm-stop-first-docker-20.10.csv");
    bin().args(["calibrate", &csv]).assert().success().stdout(
        predicate::str::contains("create: 200ms")
            .and(predicate::str::contains("stop_signal: {lognormal:"))
            .and(predicate::str::contains("start_after_stop:")),
    );
    // JSON to a file, ready for `--set cluster.control_plane=…`.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cp.json");
    bin()
        .args(["calibrate", &csv, "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let json = fs::read_to_string(&out).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["create"], "200ms");
    bin()
        .args([
            "run",
            &scenario_path("swarm-docker-20.10.yaml"),
            "--trials",
            "20",
        ])
        .arg("--set")
        .arg(format!("cluster.control_plane={}", json.trim()))
        .arg("--out")
        .arg(dir.path().join("run"))
        .assert()
        .success();
}

#[test]
fn calibrate_reads_its_own_traces() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    bin()
        .args([
            "run",
            &scenario_path("swarm-docker-20.10.yaml"),
            "--trials",
            "5",
            "--quiet",
        ])
        .arg("--out")
        .arg(dir.path())
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success();
    bin()
        .arg("calibrate")
        .arg(&trace)
        .args(["--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"stop_signal\":"));
}

#[test]
fn calibrate_reports_bad_timelines_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    fs::write(
        &bad,
        "t,task,slot,version,state\n0,a,1,v1,ready\n1.5,a,1,v1,runing\n",
    )
    .unwrap();
    bin().arg("calibrate").arg(&bad).assert().code(2).stderr(
        predicate::str::contains("bad.csv").and(predicate::str::contains(
            "line 3, `state`: expected a task state",
        )),
    );
    bin()
        .args(["calibrate", "no-such-file.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read `no-such-file.csv`"));
    // A header naming a column twice, or a row with more cells than the header, was read
    // as if fine (the second column ignored, the extra cell dropped): refused before any
    // work, nothing written.
    let out = dir.path().join("cp.yaml");
    for (text, says) in [
        (
            "t,task,slot,version,state,state\n0,a,1,v1,ready,ready\n",
            "line 1, `state`: expected each column named once in the header, found `state` as \
             columns 5 and 6",
        ),
        (
            "# from docker events\nt,task,slot,version,state\n0,a,1,v1,ready\n1.5,a,1,v1,stopped,n\n",
            "line 4: expected at most 5 cells, one per column of the header (line 2), found 6; \
             quote a value that holds a comma",
        ),
        (
            "t,task,state,slot,version\n0,a,ready\n",
            "line 2: expected at least 5 cells, one per column of the header (line 1) up to \
             `version`, found 3",
        ),
    ] {
        fs::write(&bad, text).unwrap();
        bin()
            .arg("calibrate")
            .arg(&bad)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2)
            .stdout("")
            .stderr(format!("error: {}: {says}\n", bad.display()));
        assert!(!out.exists(), "nothing is written for a bad timeline");
    }
}

#[test]
fn a_bad_control_plane_names_file_field_and_expectation() {
    bin()
        .args(["run", &scenario_path("swarm-docker-20.10.yaml"), "--quiet"])
        .args(["--set", "cluster.control_plane={stop_signl: 1s}"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "swarm-docker-20.10.yaml: cluster.control_plane.stop_signl: unknown field `stop_signl`; did you mean `stop_signal`?",
        ));
}

/// A file option never writes over one of the command's own inputs (by any path to it):
/// exit 2 before any work, naming the flag, and the input is left as it was. They used to
/// exit 0 with the input replaced by a JUnit report, a trace or a fitted control plane.
#[test]
fn no_file_output_replaces_an_input_of_its_command() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let copy = |from: &str, to: &str| {
        let path = dir.join(to);
        fs::copy(from, &path).unwrap();
        path
    };
    let c = copy(&scenario_path("swarm-stop-first.yaml"), "c.yaml");
    let tl = copy(
        &scenario_path("timelines/swarm-stop-first-docker-20.10.csv"),
        "tl.csv",
    );
    let manifest = format!(
        "{}/tests/manifests/deployment-recreate.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    // Named as the scenario `import` makes of it: `--out DIR` writes DIR/worker.yaml.
    let worker = copy(&manifest, "worker.yaml");
    let pulls = dir.join("pulls.csv");
    fs::write(&pulls, "pull_s\n1.5\n2.5\n").unwrap();
    let before: Vec<(PathBuf, Vec<u8>)> = [&c, &tl, &worker, &pulls]
        .iter()
        .map(|p| (p.to_path_buf(), fs::read(p).unwrap()))
        .collect();
    let (c, tl, worker) = (
        c.to_str().unwrap(),
        tl.to_str().unwrap(),
        worker.to_str().unwrap(),
    );
    let another_path_to_c = format!("{}/./c.yaml", dir.display());
    let pull = "service.versions.next.pull={empirical: {file: pulls.csv, column: pull_s}}";
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["check", c, "--check", "duration_s.p95 < 1h", "--junit", c],
            format!("--junit {c}: that is an input of this command (the scenario: {c})"),
        ),
        (
            vec![
                "check",
                c,
                "--check",
                "duration_s.p95 < 1h",
                "--junit",
                &another_path_to_c,
            ],
            "that is an input of this command (the scenario: ".into(),
        ),
        (
            vec!["run", c, "--out", "o", "--trace", c],
            format!("--trace {c}: that is an input of this command"),
        ),
        (
            vec![
                "run",
                c,
                "--out",
                "o",
                "--set",
                pull,
                "--trace",
                "pulls.csv",
            ],
            "--trace pulls.csv: that is an input of this command (a data file named by".into(),
        ),
        (
            vec!["import", worker, "--out", "."],
            "the scenario `worker` would be written to ./worker.yaml, which is an input of \
             this command"
                .into(),
        ),
        (
            vec!["import", worker, "--out", worker],
            format!("--out {worker}: that is an input of this command"),
        ),
        (
            vec!["calibrate", tl, "--out", tl],
            format!("--out {tl}: that is an input of this command (a timeline: {tl})"),
        ),
        (
            vec!["calibrate", tl, "--scenario", c, "--out", c],
            format!("--out {c}: that is an input of this command (the scenario: {c})"),
        ),
    ];
    for (args, want) in cases {
        let o = bin()
            .current_dir(dir)
            .args(&args)
            .args(
                ["--trials", "2"]
                    .iter()
                    .filter(|_| matches!(args[0], "check" | "run")),
            )
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(&want), "{args:?}: expected {want:?} in {err}");
        for (path, bytes) in &before {
            assert!(
                &fs::read(path).unwrap() == bytes,
                "{args:?} changed {}",
                path.display()
            );
        }
        assert!(!dir.join("o").exists(), "{args:?} wrote its folder");
    }
}

/// `check --format github` appends to `$GITHUB_STEP_SUMMARY`: one that cannot take it is
/// refused up front, as `--junit` is (it failed after every trial and after the JUnit file
/// was written, and the verdict was never printed).
#[test]
fn a_step_summary_that_cannot_be_appended_to_is_refused_before_any_trial() {
    let tmp = tempfile::tempdir().unwrap();
    let junit = tmp.path().join("j.xml");
    let check = |summary: &Path| {
        bin()
            .env("GITHUB_STEP_SUMMARY", summary)
            .args(["check", &scenario_path("swarm-stop-first.yaml")])
            .args(["--check", "duration_s.p95 < 1h", "--trials", "20"])
            .args(["--format", "github", "--junit"])
            .arg(&junit)
            .assert()
    };
    let missing = Path::new("/nonexistent-rollout-sim-dir/sum.md");
    check(missing)
        .code(2)
        .stderr(predicate::str::contains(format!(
            "$GITHUB_STEP_SUMMARY {}: name a file in an existing folder",
            missing.display()
        )));
    check(tmp.path())
        .code(2)
        .stderr(predicate::str::contains(format!(
            "$GITHUB_STEP_SUMMARY ({}): that is a folder",
            tmp.path().display()
        )));
    assert!(!junit.exists(), "nothing is written");
    // A summary file that exists is appended to, and the verdict is printed.
    let summary = tmp.path().join("sum.md");
    fs::write(&summary, "earlier step\n").unwrap();
    check(&summary)
        .code(0)
        .stdout(predicate::str::contains("pass"));
    let text = fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n## rollout-sim check"),
        "{text}"
    );
    assert!(junit.exists());
}
