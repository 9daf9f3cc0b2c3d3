//! `report --compare` and `compare --plot`: the paired differences of two scenarios, the
//! compare files, and their charts (duration CDFs, differences), inline in the HTML.

use crate::entries;
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
    for f in ["compare.csv", "compare.json"] {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(plain.join(f)).unwrap(),
            "{f}"
        );
    }
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
