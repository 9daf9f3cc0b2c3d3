//! `report --sweep` and `sweep --plot`: the sweep files, the points table and its best
//! point, and the sweep charts (interval lines, heatmap, Pareto front), inline in the HTML.

use crate::entries;
use crate::flag_conflicts::refused;
use crate::report::{assert_same_files, assert_self_contained, bin, md_row};
use crate::support::scenario_path;
use std::fs;
use std::path::Path;

const SWEEP: &str = "strategy.swarm.update_config.parallelism=1,2,4";

fn sweep_report(dir: &Path, threads: &str) -> String {
    let assert = bin()
        .args(["report", &scenario_path("swarm-stop-first.yaml")])
        .args(["--sweep", SWEEP, "--objective", "duration_s.p95"])
        .args(["--constraint", "min_ready.min >= 4"])
        .args(["--trials", "30", "--threads", threads, "--out"])
        .arg(dir)
        .assert()
        .success();
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}
#[test]
fn report_sweep_writes_the_sweep_files_its_table_and_its_charts_inline() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let stdout = sweep_report(&a, "1");
    assert!(
        stdout.contains("report.html") && stdout.contains("best (*)"),
        "{stdout}"
    );
    let charts = ["sweep-lines", "sweep-pareto"];
    assert_eq!(
        entries(&a),
        [
            "report.html",
            "report.md",
            "sweep-lines.png",
            "sweep-lines.svg",
            "sweep-pareto.png",
            "sweep-pareto.svg",
            "sweep.csv",
            "sweep.json",
        ]
    );
    assert_self_contained(&a, &charts);
    // The same sweep.csv and sweep.json as `rollout-sim sweep` with the same flags.
    let plain = tmp.path().join("plain");
    bin()
        .args(["sweep", &scenario_path("swarm-stop-first.yaml")])
        .args(["--set", SWEEP, "--objective", "duration_s.p95"])
        .args(["--constraint", "min_ready.min >= 4"])
        .args(["--trials", "30", "-q", "--out"])
        .arg(&plain)
        .assert()
        .success();
    for f in ["sweep.csv", "sweep.json"] {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(plain.join(f)).unwrap(),
            "{f}"
        );
    }
    let md = fs::read_to_string(a.join("report.md")).unwrap();
    for c in charts {
        assert!(md.contains(&format!("({c}.png)")), "{c} not linked");
    }
    for text in ["| seed | 7 |", "| trials | 30 |", "| tool | rollout-sim "] {
        assert!(md.contains(text), "{text} missing from report.md");
    }
    // Stop-first with parallelism p keeps replicas − p = 6 − p tasks ready (swarmkit
    // updater: p tasks stopped before their replacements start); p = 4 misses the
    // constraint, and p = 2, the fastest of the others, is the best point.
    // The points table's header (the first row of that name is the parameters table's).
    let header: Vec<&str> = md
        .lines()
        .find(|l| l.starts_with("| parallelism |"))
        .unwrap()
        .trim_matches('|')
        .split(" | ")
        .map(str::trim)
        .collect();
    let col = |name: &str| header.iter().position(|h| h.starts_with(name)).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["best"]["point"], 1);
    for (p, min_ready, best) in [("1", "5", false), ("2", "4", true), ("4", "2", false)] {
        let row = md_row(&md, p);
        assert_eq!(row[col("min\\_ready.min")], min_ready, "p = {p}");
        assert_eq!(row[col("marks")].ends_with("best"), best, "p = {p}");
    }
    assert!(
        md.contains(
            "Best by duration\\_s.p95 meeting min\\_ready.min \\>= 4: \
             strategy.swarm.update\\_config.parallelism=2 → duration\\_s.p95 = 1m"
        ),
        "{md}"
    );
    // The Pareto chart's circles are sized by peak_tasks.max (reserved), and say so.
    assert!(
        md.contains("tasks placed on nodes at once (peak\\_tasks.max, the capacity reserved)"),
        "{md}"
    );
    // Byte-identical whatever the thread count.
    sweep_report(&b, "2");
    assert_same_files(&a, &b);
}
/// `sweep.csv` of `dir` as a header and rows of cells (no cell of these sweeps is quoted).
fn sweep_csv(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect());
    (lines.next().unwrap(), lines.collect())
}

fn sweep_plot(dir: &Path, sets: &[&str], threads: &str) {
    let mut c = bin();
    c.args(["sweep", &scenario_path("swarm-stop-first.yaml")]);
    for s in sets {
        c.args(["--set", s]);
    }
    c.args([
        "--trials",
        "30",
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
fn sweep_plot_draws_a_heatmap_of_two_parameters_with_the_csv_values_in_its_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let sets = [
        "strategy.swarm.update_config.parallelism=1,2,4",
        "strategy.swarm.update_config.delay=0s,10s",
    ];
    sweep_plot(&a, &sets, "1");
    assert_eq!(
        entries(&a),
        [
            "sweep-heatmap.png",
            "sweep-heatmap.svg",
            "sweep-pareto.png",
            "sweep-pareto.svg",
            "sweep.csv",
            "sweep.json",
        ]
    );
    for stem in ["sweep-heatmap", "sweep-pareto"] {
        let png = fs::read(a.join(format!("{stem}.png"))).unwrap();
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000,
            "{stem}"
        );
        let svg = fs::read_to_string(a.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{stem}"
        );
    }
    // Without an objective the cells show duration_s.p95: each point's value of sweep.csv
    // is written in the heatmap, as a duration.
    let (head, rows) = sweep_csv(&a);
    let col = head.iter().position(|h| h == "duration_s.p95").unwrap();
    let svg = fs::read_to_string(a.join("sweep-heatmap.svg")).unwrap();
    assert_eq!(rows.len(), 6);
    for row in &rows {
        let v: f64 = row[col].parse().unwrap();
        let shown = rollout_sim::output::table::duration(v);
        assert!(
            svg.contains(&format!("\n{shown}\n")),
            "{shown} not in the heatmap"
        );
    }
    // Deterministic whatever the thread count.
    sweep_plot(&b, &sets, "2");
    for name in entries(&a) {
        assert_eq!(
            fs::read(a.join(&name)).unwrap(),
            fs::read(b.join(&name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn sweep_plot_draws_interval_lines_over_one_parameter_and_only_the_front_over_three() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    sweep_plot(&one, &["strategy.swarm.update_config.delay=0s,5s,20s"], "1");
    let names = entries(&one);
    assert!(names.contains(&"sweep-lines.png".to_string()), "{names:?}");
    assert!(names.contains(&"sweep-lines.svg".to_string()), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("sweep-heatmap")));
    // Durations are placed at their seconds, and the x ticks are the swept values as
    // typed; duration_s.p95 on y reads as durations (a clock step of at least 1 s: no
    // bare number of seconds).
    let svg = fs::read_to_string(one.join("sweep-lines.svg")).unwrap();
    assert!(svg.contains("strategy.swarm.update_config.delay"));
    for tick in ["0s", "5s", "20s"] {
        assert!(svg.contains(&format!("\n{tick}\n")), "tick {tick}");
    }
    assert!(
        !svg.contains("\n2.5s\n") && !svg.contains("\n10s\n"),
        "only the swept values"
    );
    let three = tmp.path().join("three");
    sweep_plot(
        &three,
        &[
            "strategy.swarm.update_config.parallelism=1,2",
            "strategy.swarm.update_config.delay=0s,10s",
            "strategy.swarm.update_config.monitor=1s,5s",
        ],
        "1",
    );
    let names = entries(&three);
    assert!(names.contains(&"sweep-pareto.png".to_string()));
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("sweep-heatmap") || n.starts_with("sweep-lines"))
    );
}

/// The lines chart of a statistic with no interval (min, max, std) draws no bars, so its
/// title does not promise "its 95% interval"; the default `duration_s.p95` keeps it.
#[test]
fn sweep_lines_promise_an_interval_only_where_the_statistic_has_one() {
    let title = |objective: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        bin()
            .args(["sweep", &scenario_path("swarm-stop-first.yaml")])
            .args(["--set", "service.resources.memory=256Mi,512Mi,1Gi"])
            .args(objective)
            .args(["--trials", "10", "--plot", "-q", "--out"])
            .arg(dir.path())
            .assert()
            .success();
        fs::read_to_string(dir.path().join("sweep-lines.svg")).unwrap()
    };
    assert!(title(&[]).contains("duration_s.p95 with its 95% interval"));
    let svg = title(&["--objective", "peak_memory.max"]);
    assert!(
        svg.contains("peak_memory.max at each value (no interval: min, max and std have none)")
            && !svg.contains("95% interval"),
        "{svg}"
    );
}

/// `report --sweep … --trial K|OUTCOME`: the trial at every point of a small grid, each
/// point's files byte for byte what `run` records of that trial with the point's values.
#[test]
fn a_sweep_report_shows_a_trial_at_every_point() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let file = scenario_path("swarm-stop-first.yaml");
    let r = bin()
        .args(["report", &file, "--trials", "40", "-q"])
        .args(["--sweep", "strategy.swarm.update_config.parallelism=1,2,3"])
        .args(["--trial", "5", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("\n## Trial 5\n"), "{md}");
    assert_eq!(
        md_row(&md, "metric"),
        ["metric", "parallelism=1", "parallelism=2", "parallelism=3"]
    );
    // Stop-first keeps replicas − parallelism = 6 − p ready on a trial nothing fails in.
    assert_eq!(md_row(&md, "outcome")[1..], ["completed"; 3]);
    assert_eq!(md_row(&md, "min\\_ready")[1..], ["5", "4", "3"]);
    for p in ["1", "2", "3"] {
        let run = tmp.path().join(format!("run-{p}"));
        let trace = tmp.path().join(format!("trace-{p}.jsonl"));
        bin()
            .args(["run", &file, "--trials", "40", "-q"])
            .args([
                "--set",
                &format!("strategy.swarm.update_config.parallelism={p}"),
            ])
            .args(["--trace-trial", "5", "--trace"])
            .arg(&trace)
            .arg("--out")
            .arg(&run)
            .assert()
            .success();
        assert_eq!(
            fs::read(out.join(format!("trial-5-parallelism_{p}.trace.jsonl"))).unwrap(),
            fs::read(&trace).unwrap(),
            "parallelism {p}"
        );
        let svg =
            fs::read_to_string(out.join(format!("trial-5-parallelism_{p}-rollout-timeline.svg")))
                .unwrap();
        assert!(
            svg.contains(&format!("swarm-stop-first, point parallelism={p} · ")),
            "{p}"
        );
    }
}

/// A grid of more than 8 points, or of swept seeds, shows no trial at every point:
/// refused before any trial runs.
#[test]
fn a_sweep_report_refuses_a_trial_over_a_large_grid_or_swept_seeds() {
    let file = scenario_path("swarm-stop-first.yaml");
    for (sweep, expected) in [
        (
            "strategy.swarm.update_config.parallelism=1,2,3,4,5,6,7,8,9",
            "at most 8, and this grid runs 9",
        ),
        ("seed=1,2", "each point runs the trials of its own seed"),
    ] {
        refused(
            &["report", &file, "--sweep", sweep, "--trial", "0"],
            expected,
        );
    }
}
