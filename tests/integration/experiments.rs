//! Sweeps, comparisons, shards and merges, end to end through the command line, each
//! against an expectation from outside the implementation: the Cartesian product, Swarm's
//! stop-first / start-first closed forms, and a single run's bytes.

use crate::support::{bin, scenario_path};
use rollout_sim::experiment::compare::CompareSink;
use rollout_sim::experiment::{Experiment, Recording};
use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

const UC: &str = "strategy.swarm.update_config";

/// `sweep.csv` as rows of cells (no cell of these tests is quoted).
fn csv_rows(dir: &Path) -> Vec<Vec<String>> {
    fs::read_to_string(dir.join("sweep.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
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

#[test]
fn paired_differences_vary_far_less_than_unpaired_ones() {
    let load =
        |n: &str| rollout_sim::scenario::load_file(Path::new(&scenario_path(n)), &[]).unwrap();
    for (a, b) in [
        ("swarm-stop-first.yaml", "swarm-start-first.yaml"),
        ("k8s-endpoint-lag.yaml", "k8s-prestop-fix.yaml"),
    ] {
        let (a, mut b) = (load(a), load(b));
        b.seed = a.seed;
        let e = Experiment {
            variants: vec![&a, &b],
            trials: 0..200,
            record: Recording::default(),
        };
        let mut sink = CompareSink::new(2);
        e.run(&AtomicBool::new(false), &|_| {}, &mut sink).unwrap();
        let (_, p) = sink.pairs[0]
            .iter()
            .find(|(c, _)| c.name == "duration_s")
            .unwrap();
        let (paired, unpaired) = (p.diff_std().powi(2), p.unpaired_std().powi(2));
        assert!(
            unpaired > 0.0 && paired * 4.0 < unpaired,
            "{}: {paired} vs {unpaired}",
            a.name
        );
    }
}

#[test]
fn compare_writes_its_files_and_a_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "compare",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "40",
        ])
        .args(["--set", &format!("{UC}.order=stop-first")])
        .args(["--set", &format!("{UC}.order=start-first")])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("% of trials"), "{stdout}");
    assert!(stdout.contains("verdict:"), "{stdout}");
    let csv = fs::read_to_string(tmp.path().join("compare.csv")).unwrap();
    let ready = csv.lines().find(|l| l.contains(",min_ready,")).unwrap();
    // start-first keeps all 6 serving, stop-first 4: a difference of exactly +2.
    assert!(ready.contains(",4,6,2,2,2,"), "{ready}");
    assert!(ready.ends_with(",better"), "{ready}");
    // The printed table in the metrics' units: the same exact +2 (a width of 0 keeps the
    // figures as they are), and the duration difference as a duration.
    let printed = |metric: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(metric))
            .unwrap_or_else(|| panic!("no {metric} row in {stdout}"))
            .to_string()
    };
    assert!(printed("min_ready ").contains(" +2 [+2, +2] "), "{stdout}");
    let duration = printed("duration_s ");
    assert!(
        duration.contains("s [") && duration.matches('s').count() >= 5,
        "{duration}"
    );
    // Named variants with several changes each.
    bin()
        .args([
            "compare",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "5",
            "-q",
        ])
        .args(["--variant", &format!("slow:{UC}.parallelism=1")])
        .args([
            "--variant",
            &format!("fast:{UC}.parallelism=3;{UC}.order=start-first"),
        ])
        .arg("--out")
        .arg(tmp.path().join("named"))
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("named/compare.json")).unwrap()).unwrap();
    assert_eq!(json["variants"], serde_json::json!(["slow", "fast"]));
    bin()
        .args(["compare", &scenario_path("swarm-stop-first.yaml")])
        .args(["--set", &format!("{UC}.order=start-first")])
        .arg("--out")
        .arg(tmp.path().join("one"))
        .assert()
        .code(2);
}

/// Digits after the point of `x`'s shortest round-trip text (what the files print).
fn decimals(x: f64) -> usize {
    let text = x.to_string();
    text.split_once('.').map_or(0, |(_, d)| d.len())
}

/// Means, differences and percentiles of whole units (counts, millicores, microseconds) are
/// written as the decimals they are, not with float noise (`0.004000000000000004`): over
/// 1000 trials a mean adds at most three decimals to its values' (a division by 1000), a
/// percentile two (hundredths of the way between order statistics).
#[test]
fn statistics_of_whole_units_are_written_without_float_noise() {
    let tmp = tempfile::tempdir().unwrap();
    let lag = scenario_path("k8s-endpoint-lag.yaml");
    let run = |args: &[&str], out: &str| {
        bin()
            .args(args)
            .args(["--trials", "1000", "-q", "--out"])
            .arg(tmp.path().join(out))
            .assert()
            .success();
        tmp.path().join(out)
    };
    // The columns whose every value has at most six decimals, and how many each has.
    let dir = run(&["run", &lag], "run");
    let trials = fs::read_to_string(dir.join("trials.csv")).unwrap();
    let mut lines = trials.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut most: Vec<Option<usize>> = vec![Some(0); header.len()];
    for line in lines {
        for (i, cell) in line.split(',').enumerate() {
            if let (Ok(x), Some(m)) = (cell.parse::<f64>(), most[i]) {
                most[i] = (decimals(x) <= 6).then_some(m.max(decimals(x)));
            }
        }
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("summary.json")).unwrap()).unwrap();
    // Columns with a value in some trial (an empty column has no statistics).
    let short: Vec<(&str, usize)> = header
        .iter()
        .zip(&most)
        .filter_map(|(h, m)| Some((*h, (*m)?)))
        .filter(|(h, _)| summary["metrics"].get(h).is_some())
        .collect();
    assert!(
        short.iter().any(|&(h, d)| h == "duration_s" && d == 6),
        "{short:?}"
    );
    assert!(short.iter().any(|&(h, _)| h == "requests"), "{short:?}");
    let clean = |what: &str, x: f64, base: usize, extra: usize| {
        assert!(decimals(x) <= base + extra, "{what}: {x} has float noise");
    };
    for &(metric, d) in &short {
        let stats = &summary["metrics"][metric];
        clean(metric, stats["mean"].as_f64().unwrap(), d, 3);
        for p in ["p01", "p05", "p10", "p50", "p90", "p95", "p99"] {
            clean(&format!("{metric}.{p}"), stats[p].as_f64().unwrap(), d, 2);
        }
    }
    let dir = run(
        &[
            "sweep",
            &lag,
            "--set",
            "strategy.kubernetes.minReadySeconds=0,1",
        ],
        "sweep",
    );
    let rows = csv_rows(&dir);
    for &(metric, d) in &short {
        for stat in ["mean", "p05", "p50", "p95", "p99"] {
            for cell in column(&rows, &format!("{metric}.{stat}")) {
                let extra = if stat == "mean" { 3 } else { 2 };
                clean(
                    &format!("sweep {metric}.{stat}"),
                    cell.parse().unwrap(),
                    d,
                    extra,
                );
            }
        }
    }
    let dir = run(
        &["compare", &lag, &scenario_path("k8s-prestop-fix.yaml")],
        "compare",
    );
    let csv = fs::read_to_string(dir.join("compare.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    for row in &rows[1..] {
        let Some(&(_, d)) = short.iter().find(|(h, _)| *h == row[2]) else {
            continue;
        };
        for cell in &row[4..7] {
            clean(&format!("compare {}", row[2]), cell.parse().unwrap(), d, 3);
        }
    }
    // The audit's example: 4 restarts in 1000 trials.
    let dir = run(
        &[
            "compare",
            &scenario_path("swarm-stop-first.yaml"),
            &scenario_path("swarm-start-first.yaml"),
        ],
        "swarm",
    );
    let csv = fs::read_to_string(dir.join("compare.csv")).unwrap();
    let restarts = csv.lines().find(|l| l.contains(",restarts,")).unwrap();
    assert!(restarts.contains(",1000,0.004,0.004,0,0,0,"), "{restarts}");
}

#[test]
fn compare_refuses_two_variants_of_one_name_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("swarm-stop-first.yaml");
    let p = |v: u32| format!("{UC}.parallelism={v}");
    for variants in [
        vec![
            "--variant".to_string(),
            format!("a:{}", p(1)),
            "--variant".into(),
            format!("b:{}", p(2)),
            "--variant".into(),
            format!("b:{}", p(3)),
        ],
        vec!["--set".to_string(), p(1), "--set".into(), p(1)],
    ] {
        let out = bin()
            .args(["compare", &file, "--trials", "3", "-q"])
            .args(&variants)
            .arg("--out")
            .arg(tmp.path().join("cmp"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("are both named `"), "{stderr}");
        assert!(!tmp.path().join("cmp").exists());
    }
    // A variant that sets no field is the scenario itself: usually a typo.
    for empty in ["a:", "a: ; "] {
        let out = bin()
            .args(["compare", &file, "--trials", "3", "-q"])
            .args(["--variant", &format!("b:{}", p(1)), "--variant", empty])
            .arg("--out")
            .arg(tmp.path().join("cmp"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains(&format!(
                "--variant {empty:?}: `a` sets no field, so it is the scenario itself: a \
                 variant identical to the base compares nothing"
            )),
            "{stderr}"
        );
        assert!(!tmp.path().join("cmp").exists());
    }
    // The same file twice is one variant twice, also by another path.
    let other_path = format!(
        "{}/scenarios/../scenarios/swarm-stop-first.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    for second in [&file, &other_path] {
        let out = bin()
            .args(["compare", &file, second, "--trials", "3", "-q", "--out"])
            .arg(tmp.path().join("cmp"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("variants 1 and 2 are "), "{stderr}");
    }
    // A field set twice by the common --set: the last value would silently win.
    let start = format!("{UC}.order=start-first");
    let stop = format!("{UC}.order=stop-first");
    let out = bin()
        .args(["compare", &file, &scenario_path("swarm-start-first.yaml")])
        .args([
            "--set", &start, "--set", &stop, "--trials", "3", "-q", "--out",
        ])
        .arg(tmp.path().join("cmp"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("order: --set twice: `start-first`, then `stop-first`"),
        "{stderr}"
    );
    assert!(!tmp.path().join("cmp").exists());
    // A variant's own value replaces the common one.
    bin()
        .args(["compare", &file, "--set", &p(1), "--trials", "3", "-q"])
        .args(["--variant", &format!("two:{}", p(2))])
        .args(["--variant", &format!("late:{start}")])
        .arg("--out")
        .arg(tmp.path().join("cmp"))
        .assert()
        .success();
}

#[test]
fn sweep_and_compare_format_json_print_the_json_they_write() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("swarm-stop-first.yaml");
    let p = |v: &str| format!("{UC}.parallelism={v}");
    for (command, set, written) in [
        ("sweep", vec!["--set".to_string(), p("1,2")], "sweep.json"),
        (
            "compare",
            vec!["--set".to_string(), p("1"), "--set".into(), p("2")],
            "compare.json",
        ),
    ] {
        let out = tmp.path().join(command);
        let o = bin()
            .args([command, &file, "--trials", "3", "--format", "json"])
            .args(&set)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        assert_eq!(
            o.get_output().stdout,
            fs::read(out.join(written)).unwrap(),
            "{command}"
        );
    }
}

/// A shard's printed summary says it is one: which slice, which trials, of how many.
#[test]
fn a_shard_run_says_which_trials_it_ran() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "run",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "50",
        ])
        .args(["--shard", "2/3", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    // ⌊50·1/3⌋ = 16 to ⌊50·2/3⌋ = 33, exclusive.
    assert_eq!(
        lines[1],
        "swarm-stop-first: shard 2/3, trials 16 to 32 (17 of 50 trials), seed 7"
    );
    let last = lines.last().unwrap();
    assert!(last.starts_with("17 trials of shard 2/3 in "), "{last}");
}

/// A shard's summary.json (and so its `--format json`, which prints the file's bytes, as
/// `sweep` and `compare` do theirs) says it is one: its `shard` is the folder's shard.json,
/// so a script can tell a slice's summary from a whole run's, which has no `shard`.
#[test]
fn a_shard_summary_json_says_which_trials_it_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &str| {
        let o = bin()
            .args(["run", &scenario_path("swarm-stop-first.yaml")])
            .args(["--trials", "50", "--format", "json"])
            .args(extra)
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
            .success();
        let printed = o.get_output().stdout.clone();
        let written = fs::read(tmp.path().join(out).join("summary.json")).unwrap();
        assert!(printed == written, "{}", String::from_utf8_lossy(&printed));
        serde_json::from_slice::<serde_json::Value>(&printed).unwrap()
    };
    let shard = run(&["--shard", "2/3"], "s2");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("s2/shard.json")).unwrap()).unwrap();
    assert_eq!(shard["shard"], manifest);
    // ⌊50·1/3⌋ = 16 to ⌊50·2/3⌋ = 33, exclusive: 17 of the run's 50 trials.
    assert_eq!(shard["trials"], 17);
    assert_eq!(shard["shard"]["shard"], serde_json::json!([2, 3]));
    assert_eq!(
        (&shard["shard"]["first_trial"], &shard["shard"]["end_trial"]),
        (&16.into(), &33.into())
    );
    assert_eq!(shard["shard"]["trials"], 50);
    let whole = run(&[], "whole");
    assert!(whole.get("shard").is_none(), "{whole}");
}

#[test]
fn three_shards_merge_into_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("k8s-endpoint-lag.yaml");
    let run = |extra: &[&str], out: &str| {
        bin()
            .args(["run", &file, "--trials", "50", "-q"])
            .args(extra)
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
            .success();
    };
    run(&[], "single");
    for k in 1..=3 {
        run(&["--shard", &format!("{k}/3")], &format!("s{k}"));
    }
    run(&["--shard", "2/3", "--seed", "9"], "foreign");
    // Another scenario's shard (its own seed, 7): named as another scenario, not as a seed.
    bin()
        .args(["run", &scenario_path("swarm-stop-first.yaml")])
        .args(["--trials", "50", "-q", "--shard", "2/3", "--out"])
        .arg(tmp.path().join("other"))
        .assert()
        .success();
    let merge = |dirs: &[&str], out: &str| {
        let mut cmd = bin();
        cmd.arg("merge");
        for d in dirs {
            cmd.arg(tmp.path().join(d));
        }
        cmd.arg("--out").arg(tmp.path().join(out)).assert()
    };
    merge(&["s3", "s1", "s2"], "merged").success();
    for f in ["trials.csv", "summary.json"] {
        assert_eq!(
            fs::read(tmp.path().join("single").join(f)).unwrap(),
            fs::read(tmp.path().join("merged").join(f)).unwrap(),
            "{f}"
        );
    }
    let mut files: Vec<String> = fs::read_dir(tmp.path().join("merged"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["summary.json", "trials.csv"]);
    for (dirs, why) in [
        (&["s1", "s2"][..], "missing"),
        (&["s1", "foreign", "s3"][..], "not a shard of the same run"),
        // The seed is named, not hidden behind the fingerprint it changes.
        (&["s1", "foreign", "s3"][..], ": seed 9 ≠ 11"),
        (
            &["s1", "other", "s3"][..],
            ": scenario swarm-stop-first ≠ k8s-endpoint-lag",
        ),
        (&["s1", "s2", "s2", "s3"][..], "given twice"),
        (&["s1", "single"][..], "shard.json"),
    ] {
        let out = merge(dirs, "bad").code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(why), "{dirs:?}: {stderr}");
        assert!(!tmp.path().join("bad").exists());
    }
    // A row whose seed cell is not its shard's seed: an edited file, or a shard of another
    // seed given the manifest of this one. Refused at the row, with the seed expected.
    let copy = |from: &str, to: &str| {
        fs::create_dir_all(tmp.path().join(to)).unwrap();
        for f in ["trials.csv", "summary.json", "shard.json"] {
            fs::copy(tmp.path().join(from).join(f), tmp.path().join(to).join(f)).unwrap();
        }
    };
    copy("s2", "edited");
    let csv_path = tmp.path().join("edited/trials.csv");
    let csv = fs::read_to_string(&csv_path).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    assert!(lines[4].starts_with("19,11,"), "{}", lines[4]);
    lines[4] = lines[4].replacen("19,11,", "19,12,", 1);
    fs::write(&csv_path, lines.join("\n") + "\n").unwrap();
    // A row missing (trial 19, line 5): the row that stands there instead is named, and
    // the slice as inclusive trial numbers (16 to 32 of 50 in 3 shards).
    copy("s2", "short");
    let short = tmp.path().join("short/trials.csv");
    let mut rows: Vec<String> = csv.lines().map(str::to_string).collect();
    rows.remove(4);
    fs::write(&short, rows.join("\n") + "\n").unwrap();
    // The last row dropped, and a row past the slice added.
    copy("s2", "cut");
    let cut = tmp.path().join("cut/trials.csv");
    let all: Vec<&str> = csv.lines().collect();
    fs::write(&cut, all[..all.len() - 1].join("\n") + "\n").unwrap();
    copy("s2", "long");
    let s3 = fs::read_to_string(tmp.path().join("s3/trials.csv")).unwrap();
    let extra = s3.lines().nth(1).unwrap();
    fs::write(
        tmp.path().join("long/trials.csv"),
        format!("{csv}{extra}\n"),
    )
    .unwrap();
    copy("foreign", "relabelled");
    fs::copy(
        tmp.path().join("s2/shard.json"),
        tmp.path().join("relabelled/shard.json"),
    )
    .unwrap();
    for (dirs, why) in [
        (
            &["s1", "edited", "s3"][..],
            "edited/trials.csv, line 5: trial 19 has seed 12, expected 11, the seed of ",
        ),
        (
            &["s1", "relabelled", "s3"][..],
            "relabelled/trials.csv, line 2: trial 16 has seed 9, expected 11",
        ),
        (
            &["s1", "short", "s3"][..],
            "short/trials.csv, line 5: trial 20, expected trial 19: shard 2/3 holds \
             trials 16 to 32, each once and in order",
        ),
        (
            &["s1", "cut", "s3"][..],
            "cut/trials.csv: ends before trial 32: ",
        ),
        (
            &["s1", "long", "s3"][..],
            "long/trials.csv, line 19: trial 33, past the slice's end: ",
        ),
    ] {
        let out = merge(dirs, "bad").code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(why), "{dirs:?}: {stderr}");
        assert!(!tmp.path().join("bad").exists());
    }
    // Merging into a shard's own folder replaced that shard: refused, the shard kept.
    let out = merge(&["s1", "s2", "s3"], "s1").code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("is that folder"), "{stderr}");
    assert!(tmp.path().join("s1").join("shard.json").is_file());
}

/// Every summary counts with its noun in agreement: one point, one trial, one shard.
#[test]
fn a_count_of_one_is_singular_in_every_printed_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("swarm-stop-first.yaml");
    let stdout = |args: &[&str], out: &str| {
        let assert = bin()
            .args(args)
            .args(["--trials", "1", "--out"])
            .arg(tmp.path().join(out))
            .assert()
            .success();
        String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
    };
    let sweep = stdout(
        &["sweep", &file, "--set", &format!("{UC}.parallelism=2")],
        "sweep",
    );
    assert!(sweep.contains("\n1 point × 1 trial, seed 7 "), "{sweep}");
    let run = stdout(&["run", &file], "run");
    assert!(
        run.contains("\nswarm-stop-first: 1 trial, seed 7\n"),
        "{run}"
    );
    assert!(run.contains("\n1 trial in "), "{run}");
    let compare = stdout(
        &["compare", &file, &scenario_path("swarm-start-first.yaml")],
        "c",
    );
    assert!(
        compare.contains("(A, baseline), 1 trial, seed 7:"),
        "{compare}"
    );
    stdout(&["run", &file, "--shard", "1/1", "-q"], "shard");
    let merged = bin()
        .arg("merge")
        .arg(tmp.path().join("shard"))
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .assert()
        .success();
    let merged = String::from_utf8_lossy(&merged.get_output().stdout).into_owned();
    assert!(
        merged.starts_with("merged 1 shard of swarm-stop-first (1 trial, seed 7) into "),
        "{merged}"
    );
    for text in [&sweep, &run, &compare, &merged] {
        for wrong in ["1 points", "1 trials", "1 shards"] {
            assert!(!text.contains(&format!(" {wrong}")), "{wrong}: {text}");
        }
    }
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "run",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "300",
        ])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    assert!(out.get_output().stderr.is_empty());
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
