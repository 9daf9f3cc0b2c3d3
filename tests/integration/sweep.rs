//! Sweeps end to end through the command line: one row per grid point in grid order,
//! the best point under a constraint against Swarm's stop-first / start-first closed forms,
//! and a sweep block's errors blamed on the field path and the sweep that gave a value.

use crate::support::{UC, bin, scenario_path};
use std::fs;
use std::path::Path;

/// `sweep.csv` as rows of cells (no cell of these tests is quoted).
pub fn csv_rows(dir: &Path) -> Vec<Vec<String>> {
    fs::read_to_string(dir.join("sweep.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

pub fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no {name}"));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

#[test]
fn a_sweep_of_two_parameters_has_one_row_per_grid_point_in_grid_order() {
    let tmp = tempfile::tempdir().unwrap();
    bin()
        .args([
            "sweep",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "10",
            "-q",
        ])
        .args(["--set", &format!("{UC}.parallelism=1,3")])
        .args(["--set", &format!("{UC}.delay=0s,1s,2s,5s")])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let rows = csv_rows(tmp.path());
    assert_eq!(rows.len(), 1 + 2 * 4);
    assert_eq!(
        rows[0][..3],
        [
            format!("{UC}.parallelism"),
            format!("{UC}.delay"),
            "trials".into()
        ]
    );
    let mut expected = Vec::new();
    for p in ["1", "3"] {
        for d in ["0s", "1s", "2s", "5s"] {
            expected.push(vec![p.to_string(), d.to_string(), "10".to_string()]);
        }
    }
    let got: Vec<Vec<String>> = rows[1..].iter().map(|r| r[..3].to_vec()).collect();
    assert_eq!(got, expected);
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["points"].as_array().unwrap().len(), 8);
    assert_eq!(
        json["points"][5]["parameters"][format!("{UC}.parallelism")],
        3
    );
    assert_eq!(json["points"][5]["parameters"][format!("{UC}.delay")], "1s");
}

#[test]
fn stop_first_keeps_replicas_minus_parallelism_and_the_best_point_meets_its_constraint() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "sweep",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "30",
        ])
        .args(["--set", &format!("{UC}.parallelism=1,2,3")])
        .args([
            "--objective",
            "duration_s.p95",
            "--constraint",
            "min_ready.min >= 4",
        ])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // 6 replicas, stop-first: p tasks stop before their replacements start.
    let rows = csv_rows(tmp.path());
    assert_eq!(column(&rows, "min_ready.min"), ["5", "4", "3"]);
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("sweep.json")).unwrap()).unwrap();
    // Larger batches are faster; the fastest with at least 4 serving is parallelism 2.
    assert_eq!(json["best"]["parameters"][format!("{UC}.parallelism")], 2);
    assert_eq!(json["best"]["metrics"]["min_ready.min"], 4.0);
    assert!(stdout.contains(&format!("{UC}.parallelism=2")), "{stdout}");

    let none = bin()
        .args([
            "sweep",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "5",
        ])
        .args(["--set", &format!("{UC}.parallelism=1,2")])
        .args([
            "--objective",
            "duration_s.p95",
            "--constraint",
            "min_ready.min >= 6",
        ])
        .arg("--out")
        .arg(tmp.path().join("none"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&none.get_output().stdout).into_owned();
    assert!(
        stdout.contains("no point meets the constraints"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("none/sweep.json")).unwrap()).unwrap();
    assert!(json["best"].is_null());

    // A constraint's statistic that is not a Pareto axis is shown too, point by point.
    let shown = bin()
        .args(["sweep", &scenario_path("default.yaml"), "--trials", "5"])
        .args(["--set", &format!("{UC}.parallelism=1,2")])
        .args(["--objective", "duration_s.p95"])
        .args(["--constraint", "peak_running_tasks.max <= 7"])
        .arg("--out")
        .arg(tmp.path().join("shown"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&shown.get_output().stdout).into_owned();
    let header = stdout.lines().next().unwrap();
    assert!(
        header.trim_end().ends_with("peak_running_tasks.max"),
        "{stdout}"
    );
}

#[test]
fn sweeping_order_shows_start_first_faster_with_more_tasks_running() {
    let tmp = tempfile::tempdir().unwrap();
    bin()
        .args([
            "sweep",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "60",
            "-q",
        ])
        .args(["--set", &format!("{UC}.order=stop-first,start-first")])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let rows = csv_rows(tmp.path());
    let num = |name: &str| -> Vec<f64> {
        column(&rows, name)
            .iter()
            .map(|c| c.parse().unwrap())
            .collect()
    };
    let mean = num("duration_s.mean");
    assert!(
        mean[1] < mean[0],
        "start-first {} vs stop-first {}",
        mean[1],
        mean[0]
    );
    // Stop-first never runs more than the 6 replicas; start-first starts a batch of 2
    // before stopping the old ones: 6 + 2.
    assert_eq!(num("peak_running_tasks.max"), [6.0, 8.0]);
    assert_eq!(num("min_ready.min"), [4.0, 6.0]);
}

#[test]
fn a_sweep_block_is_validated_by_field_path() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.yaml");
    let text = fs::read_to_string(scenario_path("swarm-stop-first.yaml")).unwrap();
    fs::write(
        &file,
        format!("{text}\nsweep:\n  {UC}.paralelism: [1, 2]\n  {UC}.order: [stop-first]\n"),
    )
    .unwrap();
    let out = bin()
        .args(["sweep"])
        .arg(&file)
        .arg("--out")
        .arg(tmp.path().join("o"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&format!("sweep.{UC}.paralelism")),
        "{stderr}"
    );
    assert!(!tmp.path().join("o").exists());
}

/// A bad swept value is blamed on the sweep that gave it, never on a `--set` the user
/// did not write; a `--set` the user did write is still named.
#[test]
fn a_field_swept_twice_is_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("swarm-stop-first.yaml");
    for (command, flag) in [("sweep", "--set"), ("report", "--sweep")] {
        let out = bin()
            .args([command, &file, "--trials", "3", "-q"])
            .args([flag, &format!("{UC}.parallelism=1,2")])
            .args([flag, &format!("{UC}.parallelism=3")])
            .arg("--out")
            .arg(tmp.path().join(command))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains(&format!("{flag} {UC}.parallelism: that field is swept")),
            "{stderr}"
        );
        assert!(stderr.contains("set it once"), "{stderr}");
        assert!(!tmp.path().join(command).exists());
    }
}

#[test]
fn a_bad_swept_value_names_the_sweep_not_a_set() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.yaml");
    let original = scenario_path("swarm-stop-first.yaml");
    let text = fs::read_to_string(&original).unwrap();
    fs::write(
        &file,
        format!("{text}\nsweep:\n  {UC}.parallelism: [-1, 2]\n"),
    )
    .unwrap();
    let stderr = |args: &[&str], file: &Path| {
        let out = bin()
            .args(args)
            .arg(file)
            .arg("--out")
            .arg(tmp.path().join("o"))
            .assert()
            .code(2);
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    let block = stderr(&["sweep"], &file);
    assert!(
        block.contains(&format!(
            "sweep.{UC}.parallelism: value -1: {UC}.parallelism: expected a non-negative integer"
        )),
        "{block}"
    );
    let flag = format!("{UC}.parallelism=-1,2");
    let swept = stderr(&["report", "--sweep", &flag], Path::new(&original));
    assert!(
        swept.contains(&format!("--sweep point {UC}.parallelism=-1: ")),
        "{swept}"
    );
    let set = format!("{UC}.delay=-1s");
    let both = stderr(
        &["report", "--sweep", &flag, "--set", &set],
        Path::new(&original),
    );
    for e in [&block, &swept, &both] {
        assert!(!e.contains(&format!("from --set {UC}.parallelism")), "{e}");
    }
    assert!(both.contains(&format!("(from --set {set})")), "{both}");
    assert!(!tmp.path().join("o").exists());
}

/// A constraint alone chooses nothing: the refusal says how to name what to choose by, and
/// nothing is written.
#[test]
fn a_constraint_without_an_objective_says_how_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let assert = bin()
        .args(["sweep", &scenario_path("swarm-stop-first.yaml")])
        .args(["--set", &format!("{UC}.parallelism=1,2")])
        .args([
            "--constraint",
            "min_ready.min >= 4",
            "--trials",
            "10",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        err.contains("--constraint needs an --objective")
            && err.contains("`--objective duration_s.p95`")
            && err.contains("`--objective max:availability.p01`"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_sweep_over_seed_says_each_point_ran_its_own_trials() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("swarm-stop-first.yaml");
    let sweep = |sets: &[String], out: &str| {
        let mut cmd = bin();
        cmd.args(["sweep", &file, "--trials", "3"]);
        for s in sets {
            cmd.args(["--set", s]);
        }
        let assert = cmd
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
            .success();
        String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
    };
    let seeds = sweep(&["seed=1,2".into()], "seeds");
    assert!(
        seeds.contains("2 points × 3 trials, seed swept (each point its own trials);"),
        "{seeds}"
    );
    assert!(!seeds.contains("the same trials"), "{seeds}");
    let same = sweep(&[format!("{UC}.parallelism=1,2")], "same");
    assert!(
        same.contains("2 points × 3 trials, seed 7 (the same trials at every point);"),
        "{same}"
    );
}
