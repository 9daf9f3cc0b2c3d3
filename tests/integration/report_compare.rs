//! `report --compare` and `compare --plot`: the paired differences of two scenarios, the
//! compare files, and their charts (duration CDFs, differences), inline in the HTML.

use crate::entries;
use crate::flag_conflicts::refused;
use crate::report::{assert_same_files, assert_self_contained, bin, md_row};
use crate::support::scenario_path;
use std::fs;
use std::path::Path;

fn compare_report(dir: &Path, threads: &str) {
    bin()
        .args(["report", &scenario_path("swarm-stop-first.yaml")])
        .args(["--compare", &scenario_path("swarm-start-first.yaml")])
        .args(["--trials", "40", "-q", "--threads", threads, "--out"])
        .arg(dir)
        .assert()
        .success();
}

/// `compare.csv` and `compare.json` of a report's folder are those `compare` writes.
fn assert_same_compare_files(report: &Path, plain: &Path) {
    for f in ["compare.csv", "compare.json"] {
        assert_eq!(
            fs::read(report.join(f)).unwrap(),
            fs::read(plain.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn report_compare_writes_the_paired_differences_and_their_charts_inline() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    compare_report(&a, "1");
    let charts = ["compare-differences", "compare-duration-cdf"];
    assert_eq!(
        entries(&a),
        [
            "compare-differences.png",
            "compare-differences.svg",
            "compare-duration-cdf.png",
            "compare-duration-cdf.svg",
            "compare.csv",
            "compare.json",
            "report.html",
            "report.md",
        ]
    );
    let html = assert_self_contained(&a, &charts);
    assert!(html.contains("swarm-start-first (B) against swarm-stop-first (A)"));
    // The same compare.csv as `rollout-sim compare A B`.
    let plain = tmp.path().join("plain");
    bin()
        .args(["compare", &scenario_path("swarm-stop-first.yaml")])
        .arg(scenario_path("swarm-start-first.yaml"))
        .args(["--trials", "40", "-q", "--out"])
        .arg(&plain)
        .assert()
        .success();
    assert_same_compare_files(&a, &plain);
    // Stop-first keeps replicas − parallelism = 4 ready, start-first all 6: +2 on every
    // trial, so the paired interval is [+2, +2], B higher on every trial, and better.
    let md = fs::read_to_string(a.join("report.md")).unwrap();
    assert_eq!(
        md_row(&md, "min\\_ready"),
        [
            "min\\_ready",
            "higher",
            "4",
            "6",
            "+2 \\[+2, +2\\]",
            "0.0%",
            "100.0%",
            "better"
        ]
    );
    // Start-first surges to replicas + parallelism = 8 running tasks.
    assert_eq!(md_row(&md, "peak\\_running\\_tasks")[3], "8");
    compare_report(&b, "2");
    assert_same_files(&a, &b);
}
fn compare_plot(dir: &Path, threads: &str) {
    bin()
        .args(["compare", &scenario_path("swarm-stop-first.yaml")])
        .arg(scenario_path("swarm-start-first.yaml"))
        .args([
            "--trials",
            "40",
            "-q",
            "--plot",
            "--threads",
            threads,
            "--out",
        ])
        .arg(dir)
        .assert()
        .success();
}

#[test]
fn compare_plot_draws_the_cdfs_and_the_paired_differences_of_compare_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    compare_plot(&a, "1");
    assert_eq!(
        entries(&a),
        [
            "compare-differences.png",
            "compare-differences.svg",
            "compare-duration-cdf.png",
            "compare-duration-cdf.svg",
            "compare.csv",
            "compare.json",
        ]
    );
    for stem in ["compare-differences", "compare-duration-cdf"] {
        let png = fs::read(a.join(format!("{stem}.png"))).unwrap();
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000,
            "{stem}"
        );
    }
    // The CDF legend counts every trial of each variant.
    let cdf = fs::read_to_string(a.join("compare-duration-cdf.svg")).unwrap();
    assert!(
        cdf.contains("swarm-stop-first (n = 40)") && cdf.contains("swarm-start-first (n = 40)")
    );
    // Stop-first keeps replicas − parallelism = 4 ready, start-first all 6: min_ready's
    // paired difference is +2 on every trial, written beside its row with the verdict.
    let text = fs::read_to_string(a.join("compare.csv")).unwrap();
    let head: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let row: Vec<&str> = text
        .lines()
        .find(|l| l.split(',').nth(col("metric")) == Some("min_ready"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(row[col("diff_mean")], "2");
    let diffs = fs::read_to_string(a.join("compare-differences.svg")).unwrap();
    assert!(diffs.contains("\n+2 (better)\n"), "min_ready's row");
    // Deterministic whatever the thread count.
    compare_plot(&b, "2");
    for name in entries(&a) {
        assert_eq!(
            fs::read(a.join(&name)).unwrap(),
            fs::read(b.join(&name)).unwrap(),
            "{name}"
        );
    }
}

/// The settings table tells two variants apart by what differs: the endpoint-lag rolling
/// update against the same behind a mesh that retries refused connections and 503s
/// (Istio's default `retryOn`).
#[test]
fn the_settings_table_names_the_mesh_retries() {
    let tmp = tempfile::tempdir().unwrap();
    bin()
        .args(["report", &scenario_path("k8s-endpoint-lag.yaml")])
        .args(["--compare", &scenario_path("k8s-mesh-retries.yaml")])
        .args(["--trials", "20", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let md = fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert_eq!(
        md_row(&md, "traffic"),
        [
            "traffic",
            "modelled, tick 1.0s",
            "modelled, tick 1.0s, 2 retries of refused connections and 503s"
        ]
    );
}

/// `report FILE --variant …`: named variants of one file, compared as `compare FILE
/// --variant …` compares them, each variant's own settings in the settings table and its
/// name under its trial's charts.
#[test]
fn report_variant_compares_named_variants_of_one_file_as_compare_does() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("swarm-start-first.yaml");
    let variants = [
        "--variant",
        "one:strategy.swarm.update_config.parallelism=1",
        "--variant",
        "three:strategy.swarm.update_config.parallelism=3;strategy.swarm.update_config.monitor=5s",
        "--set",
        "strategy.swarm.update_config.delay=2s",
        "--trials",
        "40",
        "-q",
    ];
    let report = tmp.path().join("report");
    bin()
        .args(["report", &file])
        .args(variants)
        .args(["--trial", "3", "--out"])
        .arg(&report)
        .assert()
        .success();
    let plain = tmp.path().join("plain");
    bin()
        .args(["compare", &file])
        .args(variants)
        .arg("--out")
        .arg(&plain)
        .assert()
        .success();
    assert_same_compare_files(&report, &plain);
    let md = fs::read_to_string(report.join("report.md")).unwrap();
    assert_eq!(
        md_row(&md, "variant settings (--variant)"),
        [
            "variant settings (--variant)",
            "strategy.swarm.update\\_config.parallelism=1",
            "strategy.swarm.update\\_config.parallelism=3; strategy.swarm.update\\_config.monitor=5s",
        ]
    );
    assert_eq!(
        md_row(&md, "overrides (--set)")[1..],
        ["strategy.swarm.update\\_config.delay=2s"; 2]
    );
    // Start-first: at most replicas + parallelism tasks running, 6 + 1 and 6 + 3.
    assert!(md.contains("parallelism 1, delay 2.0s"), "{md}");
    assert!(md.contains("parallelism 3, delay 2.0s"), "{md}");
    for (tag, ceiling) in [("one", 7), ("three", 9)] {
        let svg =
            fs::read_to_string(report.join(format!("trial-3-{tag}-rollout-timeline.svg"))).unwrap();
        assert!(
            svg.contains(&format!(
                "swarm-start-first, variant {tag} · Swarm start-first"
            )),
            "{tag}"
        );
        assert!(
            svg.contains(&format!("parallelism ceiling = {ceiling}")),
            "{tag}"
        );
    }
}

/// `report --variant` compares two or more variants, of the one FILE.
#[test]
fn report_variant_needs_two_variants_of_one_file() {
    let file = scenario_path("swarm-start-first.yaml");
    let other = scenario_path("swarm-stop-first.yaml");
    for (args, expected) in [
        (
            vec![
                "--variant",
                "one:strategy.swarm.update_config.parallelism=1",
            ],
            "report --variant compares two or more variants of FILE",
        ),
        (
            vec![
                "--variant",
                "a:x=1",
                "--variant",
                "b:x=2",
                "--compare",
                &other,
            ],
            "cannot be used with",
        ),
        (
            vec!["--variant", "a:", "--variant", "b:x=2"],
            "`a` sets no field",
        ),
        (
            vec![
                "--variant",
                "a:strategy.swarm.update_config.parallelism=1",
                "--variant",
                "b:strategy.swarm.update_config.parallelism=-1",
            ],
            "variant b",
        ),
    ] {
        let args: Vec<&str> = ["report", file.as_str()].into_iter().chain(args).collect();
        refused(&args, expected);
    }
}

/// Two outcomes that pick the same trial of a comparison (under different variants) show
/// it once, saying both, with a note for each.
#[test]
fn two_outcomes_of_one_trial_under_two_variants_are_both_said() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let result = bin()
        .args(["report", &scenario_path("swarm-bad-version-rollback.yaml")])
        .args([
            "--variant",
            "p:strategy.swarm.update_config.failure_action=pause",
            "--variant",
            "r:strategy.swarm.update_config.failure_action=rollback",
            "--trials",
            "20",
            "--trial",
            "paused",
            "--trial",
            "rolled_back",
            "-q",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    // Every task of the release dies within a minute of starting, inside `monitor`
    // (60s): the update stops at its first failure in every trial, trial 0 too, pausing
    // under `pause` and rolling back under `rollback`.
    for (o, v) in [("paused", "p"), ("rolled_back", "r")] {
        assert!(
            stderr.contains(&format!(
                "note: --trial {o} is trial 0, the first of the comparison that ended {o} \
                 (under {v})"
            )),
            "{stderr}"
        );
    }
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(md.matches("\n## Trial").count(), 1, "{md}");
    assert!(
        md.contains(
            "\n## Trial 0: the first that ended paused (under p), the first that ended \
             rolled\\_back (under r)\n"
        ),
        "{md}"
    );
}
