//! What `run`, `sweep` and `compare` print and write alike: statistics of whole units
//! without float noise, `--format json` printing the file's bytes, counts whose nouns
//! agree, and no progress bar off a terminal.

use super::sweep::{column, csv_rows};
use crate::support::{UC, bin, scenario_path};
use std::fs;

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
