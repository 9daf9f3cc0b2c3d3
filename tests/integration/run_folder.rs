//! A run owns its output folder: it appears whole or not at all, whatever happens to the
//! process (a later run, a kill, Ctrl-C, a closed stdout, bad input).

use crate::entries;
use crate::support::{bin, scenario_path};
use std::fs;
use std::path::Path;
use std::process::Stdio;

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn a_second_run_into_the_same_folder_leaves_no_stale_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    bin()
        .args(["run", &scenario_path("k8s-endpoint-lag.yaml")])
        .args(["--trials", "20", "-q", "--timeline", "--trace"])
        .arg(out.join("traces/trial-0.jsonl"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        entries(&out),
        ["summary.json", "timeline.csv", "traces", "trials.csv"]
    );
    assert!(fs::read(out.join("traces/trial-0.jsonl")).unwrap().len() > 100);
    assert_eq!(summary(&out)["partial"], false);
    bin()
        .args(["run", &scenario_path("swarm-start-first.yaml")])
        .args(["--trials", "7", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    // Only this run's files, and nothing hidden beside the folder.
    assert_eq!(entries(&out), ["summary.json", "trials.csv"]);
    assert_eq!(entries(tmp.path()), ["web"]);
    assert_eq!(summary(&out)["trials"], 7);
}

#[test]
fn leftovers_of_a_killed_run_are_cleaned_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    // What a run killed mid-write leaves: its staging folder with a partial file, and the
    // previous folder renamed away. No Linux pid exceeds 2^22.
    let dead = 4_194_304 + 99;
    for leftover in ["tmp", "old"] {
        let d = tmp
            .path()
            .join(format!(".web.rollout-sim-{leftover}-{dead}"));
        fs::create_dir(&d).unwrap();
        fs::write(d.join("trials.csv"), b"trial,seed\n0,").unwrap();
    }
    // Another folder's leftovers are not this run's business.
    fs::create_dir(tmp.path().join(format!(".webby.rollout-sim-tmp-{dead}"))).unwrap();
    bin()
        .args(["run", &scenario_path("swarm-start-first.yaml")])
        .args(["--trials", "3", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        entries(tmp.path()),
        [format!(".webby.rollout-sim-tmp-{dead}"), "web".to_string()]
    );
}

#[test]
fn bad_input_writes_nothing_and_keeps_the_previous_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    bin()
        .args(["run", &scenario_path("swarm-start-first.yaml")])
        .args(["--trials", "4", "-q", "--timeline", "--out"])
        .arg(&out)
        .assert()
        .success();
    let before: Vec<Vec<u8>> = ["summary.json", "timeline.csv", "trials.csv"]
        .iter()
        .map(|f| fs::read(out.join(f)).unwrap())
        .collect();
    let fails = |extra: &[&str], needle: &str| {
        let o = bin()
            .args(["run", &scenario_path("swarm-start-first.yaml")])
            .args(["--trials", "4", "-q", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{extra:?}: {err}");
    };
    fails(&["--timeline-trial", "4"], "--timeline-trial 4");
    fails(
        &["--trace", "t.jsonl", "--trace-trial", "9"],
        "--trace-trial 9",
    );
    let inside = out.join("summary.json");
    fails(&["--trace", inside.to_str().unwrap()], "output folder");
    fails(&["--set", "service.replicas=-1"], "replicas");
    assert_eq!(entries(tmp.path()), ["web"]);
    let after: Vec<Vec<u8>> = ["summary.json", "timeline.csv", "trials.csv"]
        .iter()
        .map(|f| fs::read(out.join(f)).unwrap())
        .collect();
    assert!(before == after, "the previous run's files changed");
}

#[test]
fn a_folder_not_written_by_rollout_sim_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), b"mine").unwrap();
    let o = bin()
        .args(["run", &scenario_path("swarm-start-first.yaml")])
        .args(["--trials", "2", "-q", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a rollout-sim output folder"));
    assert_eq!(entries(tmp.path()), ["notes.txt"]);
}

#[test]
fn a_trace_outside_the_folder_is_written_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = tmp.path().join("logs/trace.jsonl");
    fs::create_dir(tmp.path().join("logs")).unwrap();
    fs::write(
        &trace,
        b"an older, longer trace that must be replaced entirely\n",
    )
    .unwrap();
    bin()
        .args(["run", &scenario_path("swarm-stop-first.yaml")])
        .args(["--trials", "2", "-q", "--out"])
        .arg(tmp.path().join("out"))
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success();
    assert_eq!(entries(&tmp.path().join("logs")), ["trace.jsonl"]);
    let text = fs::read_to_string(&trace).unwrap();
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    assert!(text.ends_with("\"state\":\"completed\"}\n"), "{text}");
}

#[test]
fn a_trace_that_cannot_be_written_is_refused_before_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    let afile = tmp.path().join("afile");
    fs::write(&afile, b"").unwrap();
    // Under a file, or in a folder that does not exist (never created silently); a
    // missing subfolder of the run's own folder is fine (see the first test).
    for trace in [afile.join("t.jsonl"), tmp.path().join("missing/t.jsonl")] {
        let o = bin()
            .args(["run", &scenario_path("swarm-stop-first.yaml")])
            .args(["--trials", "2", "-q", "--out"])
            .arg(&out)
            .arg("--trace")
            .arg(&trace)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", trace.display());
        let err = String::from_utf8_lossy(&o.stderr);
        let want = format!(
            "--trace {}: name a file in an existing folder",
            trace.display()
        );
        assert!(err.contains(&want), "{err}");
        assert_eq!(entries(tmp.path()), ["afile"], "nothing is written");
    }
    // A folder that exists but takes no new file (even for root: /proc).
    if cfg!(target_os = "linux") {
        let o = bin()
            .args(["run", &scenario_path("swarm-stop-first.yaml")])
            .args(["--trials", "2", "-q", "--out"])
            .arg(&out)
            .args(["--trace", "/proc/t.jsonl"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("--trace /proc/t.jsonl: cannot write in /proc: "),
            "{err}"
        );
        assert_eq!(entries(tmp.path()), ["afile"], "nothing is written");
    }
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    for format in ["table", "json"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-sim"))
            .args(["run", &scenario_path("swarm-start-first.yaml")])
            .args(["--trials", "300", "--format", format, "--out"])
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before the run prints (as `| head -0` would).
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(summary(&out)["trials"], 300);
        let csv = fs::read_to_string(out.join("trials.csv")).unwrap();
        assert_eq!(csv.lines().count(), 301);
    }
}

/// Wait until `path` exists; the process is polled, so no time limit decides the test.
fn wait_for(path: &Path, child: &mut std::process::Child) {
    while !path.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it started its trials"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `rollout-sim ARGS`, stdout dropped, stderr kept, running in the background.
#[cfg(unix)]
fn spawn(args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_rollout-sim"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The hidden staging folder `child` writes `web`'s results into, under `dir`.
#[cfg(unix)]
fn staging_of(dir: &Path, child: &std::process::Child) -> std::path::PathBuf {
    dir.join(format!(".web.rollout-sim-tmp-{}", child.id()))
}

/// Send `signal` (`-INT`, `-TERM`) to `child`.
#[cfg(unix)]
fn send(signal: &str, child: &std::process::Child) {
    let sent = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[cfg(unix)]
fn interrupt(signal: &str, code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    let asked = 10_000_000u64; // the most `--trials` takes
    let (scenario, n) = (scenario_path("swarm-start-first.yaml"), asked.to_string());
    let mut child = spawn(&[
        "run",
        &scenario,
        "-q",
        "--trials",
        &n,
        "--timeline",
        "--out",
        &out.display().to_string(),
    ]);
    let staging = staging_of(tmp.path(), &child);
    // The staging folder exists once the handlers are installed and trials start; its
    // `trials.csv` has bytes once some trials finished (a signal before the first one
    // writes nothing, see below).
    wait_for(&staging, &mut child);
    let csv = staging.join("trials.csv");
    while fs::metadata(&csv).map_or(0, |m| m.len()) == 0 {
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    send(signal, &child);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    let s = summary(&out);
    assert_eq!(s["partial"], true);
    let n = s["trials"].as_u64().unwrap();
    assert!(n < asked);
    // The finished trials are the first n, all of them, each once.
    let csv = fs::read_to_string(out.join("trials.csv")).unwrap();
    let trials: Vec<u64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(trials, (0..n).collect::<Vec<_>>());
    // Nothing half-written: no timeline of an interrupted run, nothing hidden left.
    assert_eq!(entries(&out), ["summary.json", "trials.csv"]);
    assert_eq!(entries(tmp.path()), ["web"]);
}

#[cfg(unix)]
#[test]
fn sigint_writes_the_finished_trials_marked_partial() {
    interrupt("-INT", 130);
}

#[cfg(unix)]
#[test]
fn sigterm_writes_the_finished_trials_marked_partial() {
    interrupt("-TERM", 143);
}

/// A signal before the first trial finished writes nothing: an earlier complete run in the
/// folder is kept, not replaced by an empty "partial" one. The trial (30,000 pods, over a
/// second in a debug build) is long next to the moment the signal comes, so the
/// signal almost always comes first; if it does not, the run must still be a clean
/// partial one.
#[cfg(unix)]
#[test]
fn a_signal_before_the_first_trial_keeps_the_earlier_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    bin()
        .args(["run", &scenario_path("swarm-start-first.yaml"), "-q"])
        .args(["--trials", "3", "--out"])
        .arg(&out)
        .assert()
        .success();
    let before = fs::read(out.join("trials.csv")).unwrap();
    let scaling = format!(
        "{}/benches/scaling-kubernetes.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut child = spawn(&[
        "run",
        &scaling,
        "-q",
        "--trials",
        "100",
        "--threads",
        "1",
        "--set",
        "service.replicas=30000",
        "--set",
        "cluster.nodes=3000",
        "--out",
        &out.display().to_string(),
    ]);
    let staging = staging_of(tmp.path(), &child);
    wait_for(&staging, &mut child);
    send("-INT", &child);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    if err.contains("before any trial finished") {
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(fs::read(out.join("trials.csv")).unwrap(), before);
        assert_eq!(summary(&out)["trials"], 3);
    } else {
        assert_eq!(summary(&out)["partial"], true, "{err}");
    }
    assert_eq!(entries(tmp.path()), ["web"], "nothing hidden left");
}

/// A run replaces its folder as a whole: a folder holding a previous run's files and
/// anything else (the scenario, the user's notes, a data file the scenario reads) is
/// refused before any work, naming what would be lost; re-running into a folder of
/// rollout-sim's files alone still works.
#[test]
fn a_run_folder_holding_anything_but_rollout_sim_files_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let res = tmp.path().join("res");
    let scenario = res.join("scenario.yaml");
    let run = |file: &Path, extra: &[&str]| {
        bin()
            .arg("run")
            .arg(file)
            .args(["--trials", "3", "-q", "--out"])
            .arg(&res)
            .args(extra)
            .output()
            .unwrap()
    };
    let outside = tmp.path().join("s.yaml");
    fs::copy(scenario_path("swarm-start-first.yaml"), &outside).unwrap();
    assert_eq!(run(&outside, &[]).status.code(), Some(0));
    fs::copy(&outside, &scenario).unwrap();
    fs::write(res.join("notes.md"), b"mine").unwrap();
    let kept = |names: &[&str]| {
        let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(entries(&res), want);
        assert_eq!(fs::read(res.join("notes.md")).unwrap(), b"mine");
    };
    let o = run(&scenario, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("input of this command (the scenario: "),
        "{err}"
    );
    assert!(err.contains("scenario.yaml"), "{err}");
    kept(&["notes.md", "scenario.yaml", "summary.json", "trials.csv"]);
    fs::remove_file(&scenario).unwrap();
    let o = run(&outside, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let notes = res.join("notes.md");
    assert!(
        err.contains(&format!(
            "holds {}, which rollout-sim does not write",
            notes.display()
        )),
        "{err}"
    );
    assert!(err.contains("choose another --out"), "{err}");
    kept(&["notes.md", "summary.json", "trials.csv"]);
    fs::remove_file(&notes).unwrap();
    // A data file read from the folder is an input, whatever its name: here the previous
    // run's own trials.csv, read as the new version's pull times.
    let o = run(
        &outside,
        &[
            "--set",
            "service.versions.next.pull={empirical: {file: res/trials.csv, column: duration_s}}",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("a data file named by"), "{err}");
    assert!(err.contains("`file: res/trials.csv`"), "{err}");
    assert_eq!(entries(&res), ["summary.json", "trials.csv"]);
    // Rollout-sim's own files, charts and traces alone: the normal re-run.
    let trace = res.join("traces/t.jsonl");
    let o = run(&outside, &["--plot", "--trace", trace.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(entries(&res).contains(&"rollout-timeline.svg".to_string()));
    let o = run(&outside, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(entries(&res), ["summary.json", "trials.csv"]);
    assert_eq!(entries(tmp.path()), ["res", "s.yaml"]);
}

/// `sweep`, `compare`, `report` and `merge` replace their folder as `run` does: an input
/// inside it, or a file of someone else's, is refused before any trial.
#[test]
fn every_folder_command_refuses_a_folder_holding_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let a = out.join("a.yaml");
    let b = tmp.path().join("b.yaml");
    fs::create_dir(&out).unwrap();
    fs::copy(scenario_path("swarm-start-first.yaml"), &a).unwrap();
    fs::copy(scenario_path("swarm-stop-first.yaml"), &b).unwrap();
    // The folder also holds an earlier comparison: without the input, it could go.
    fs::write(
        out.join("compare.json"),
        br#"{"seed": 1, "trials": 2, "variants": [], "metrics": {}}"#,
    )
    .unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let set = "strategy.swarm.update_config.parallelism=1,2";
    let commands: [&[&str]; 5] = [
        &["sweep", a, "--set", set],
        &["compare", b, a],
        &["report", a],
        &["report", a, "--sweep", set],
        &["report", b, "--compare", a],
    ];
    for args in commands {
        let o = bin()
            .args(args)
            .args(["--trials", "2", "-q", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("--out: ")
                && err.contains("input of this command")
                && err.contains("a.yaml"),
            "{args:?}: {err}"
        );
        assert_eq!(entries(&out), ["a.yaml", "compare.json"], "{args:?}");
    }
    // merge: a shard's files are inputs too, and a foreign file is named.
    let shard = tmp.path().join("s1");
    bin()
        .args(["run", b, "--trials", "4", "--shard", "1/1", "-q", "--out"])
        .arg(&shard)
        .assert()
        .success();
    let o = bin()
        .arg("merge")
        .arg(&shard)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("a.yaml, which rollout-sim does not write"),
        "{err}"
    );
    assert_eq!(entries(&out), ["a.yaml", "compare.json"]);
}

/// A signal that comes once every trial has finished (here while the timeline's trials run
/// again) leaves a complete `summary.json`: the message says so, and says what became of
/// the files asked for (it claimed `"partial": true` and said nothing of skipping them).
#[cfg(unix)]
#[test]
fn a_signal_after_every_trial_finished_is_reported_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("web");
    let trace = tmp.path().join("trace.jsonl");
    let trials = 1000u64;
    let (scenario, n) = (scenario_path("swarm-start-first.yaml"), trials.to_string());
    let mut child = spawn(&[
        "run",
        &scenario,
        "-q",
        "--trials",
        &n,
        "--timeline",
        "--out",
        &out.display().to_string(),
        "--trace",
        &trace.display().to_string(),
    ]);
    // Every trial is in the staging trials.csv (synced before the timeline's trials run
    // again, which takes several times as long as the trials themselves here).
    let csv = staging_of(tmp.path(), &child).join("trials.csv");
    loop {
        let text = fs::read_to_string(&csv).unwrap_or_default();
        if text.ends_with('\n') && text.lines().count() as u64 == trials + 1 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before its trials were seen finished"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    send("-TERM", &child);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(143), "{err}");
    let s = summary(&out);
    assert_eq!(s["partial"], false, "{err}");
    assert_eq!(s["trials"], trials);
    assert!(!err.contains("\"partial\": true"), "{err}");
    assert!(err.contains("\"partial\": false"), "{err}");
    assert!(
        err.contains(&format!("all {trials} trials finished")),
        "{err}"
    );
    // The timeline and the trace are written together or not at all, as the message says.
    if out.join("timeline.csv").exists() {
        assert!(trace.exists());
        assert!(err.contains("every file asked for was written"), "{err}");
    } else {
        assert!(!trace.exists());
        assert_eq!(entries(&out), ["summary.json", "trials.csv"]);
        assert!(
            err.contains("--timeline and --trace were skipped because of the signal"),
            "{err}"
        );
    }
    assert_eq!(
        entries(tmp.path())
            .iter()
            .filter(|e| e.starts_with('.'))
            .count(),
        0
    );
}

/// Without --out, the folder is named after the scenario's `name`: an error about it says
/// so, with the scenario file, and does not blame an --out that was never given.
#[test]
fn errors_about_the_default_folder_name_the_scenario_not_out() {
    let tmp = tempfile::tempdir().unwrap();
    // `outputs` is a file: no folder can be made under it.
    fs::write(tmp.path().join("outputs"), b"").unwrap();
    let file = scenario_path("swarm-start-first.yaml");
    let other = scenario_path("swarm-stop-first.yaml");
    let set = "strategy.swarm.update_config.parallelism=1,2";
    let commands: [(&[&str], &str); 4] = [
        (&["run", &file], "outputs/swarm-start-first "),
        (
            &["sweep", &file, "--set", set],
            "outputs/swarm-start-first-sweep ",
        ),
        (
            &["compare", &file, &other],
            "outputs/swarm-start-first-compare ",
        ),
        (&["report", &file], "outputs/swarm-start-first-report "),
    ];
    for (args, folder) in commands {
        let o = bin()
            .current_dir(tmp.path())
            .args(args)
            .args(["--trials", "2", "-q"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("--out:"), "{args:?}: {err}");
        let want =
            format!("the output folder {folder}(named after the scenario's `name` in {file}");
        assert!(err.contains(&want), "{args:?}: {err}");
        assert_eq!(entries(tmp.path()), ["outputs"]);
    }
}
