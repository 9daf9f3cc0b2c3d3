//! `report`: the folder it writes, its self-contained HTML, and charts for every example
//! scenario, drawn with no font installed.

use assert_cmd::Command;
use rollout_sim::experiment::{run_timelines, run_trials};
use rollout_sim::output::charts::run_charts;
use rollout_sim::output::{Summary, timeline_bands, timeline_tick};
use rollout_sim::scenario::{Override, SetBy, load_file};
use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

fn bin() -> Command {
    let mut c = Command::cargo_bin("rollout-sim").expect("the binary is built");
    // No font configuration and no font directory: the charts must use the embedded font.
    c.env("FONTCONFIG_FILE", "/nonexistent/fonts.conf")
        .env("FONTCONFIG_PATH", "/nonexistent")
        .env("XDG_DATA_HOME", "/nonexistent");
    c
}

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const CHARTS: [&str; 4] = [
    "duration-distribution",
    "outcomes",
    "rollout-timeline",
    "traffic-timeline",
];

/// `dir/report.html` holds no address, script or file reference, and every chart of
/// `charts` inline, as its SVG file has it (and no other chart). Returns the HTML.
fn assert_self_contained(dir: &Path, charts: &[&str]) -> String {
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    for banned in ["http", "//", "<script", "<link", "src=", "url(", "<img"] {
        assert!(!html.contains(banned), "report.html holds {banned:?}");
    }
    assert_eq!(html.matches("<svg").count(), charts.len());
    for c in charts {
        let svg = fs::read_to_string(dir.join(format!("{c}.svg"))).unwrap();
        let body_start = svg.find('>').unwrap() + 1;
        assert!(html.contains(&svg[body_start..]), "{c} is not inline");
        let png = fs::read(dir.join(format!("{c}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{c}");
    }
    // Light and dark: the page follows the reader's scheme.
    assert!(html.contains("prefers-color-scheme: dark"));
    html
}

/// Every file of `a` is in `b` with the same bytes, and no other.
fn assert_same_files(a: &Path, b: &Path) {
    assert_eq!(entries(a), entries(b));
    for f in entries(a) {
        assert_eq!(
            fs::read(a.join(&f)).unwrap(),
            fs::read(b.join(&f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn report_writes_charts_markdown_self_contained_html_and_the_run_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rep");
    let assert = bin()
        .args(["report", &scenario_path("default.yaml")])
        .args(["--trials", "30", "--set", "service.replicas=4", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains("report.html"), "{stdout}");
    let mut expected: Vec<String> = CHARTS
        .iter()
        .flat_map(|c| [format!("{c}.png"), format!("{c}.svg")])
        .chain(
            [
                "report.html",
                "report.md",
                "summary.json",
                "timeline.csv",
                "trials.csv",
            ]
            .map(String::from),
        )
        .collect();
    expected.sort();
    assert_eq!(entries(&out), expected);
    for c in CHARTS {
        let png = fs::read(out.join(format!("{c}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{c}");
    }

    let html = assert_self_contained(&out, &CHARTS);
    assert!(html.contains("service.replicas=4"));

    let md = fs::read_to_string(out.join("report.md")).unwrap();
    for c in CHARTS {
        assert!(md.contains(&format!("({c}.png)")), "{c} not linked");
    }
    for text in [
        "| seed | 42 |",
        "| trials | 30 |",
        "## What the numbers mean",
    ] {
        assert!(md.contains(text), "{text} missing from report.md");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["trials"], 30);
    // The outcomes table shows the counts summary.json holds.
    let completed = summary["outcomes"]["completed"].as_u64().unwrap();
    assert!(md.contains(&format!("| completed | {completed} |")), "{md}");
}

#[test]
fn a_report_shows_no_negative_bound_for_a_metric_that_cannot_be_negative() {
    let tmp = tempfile::tempdir().unwrap();
    // 40 trials of the default scenario: one restart, whose mean's Student t interval
    // crosses 0 ([-0.03, 0.08] in summary.json, kept as computed).
    bin()
        .args([
            "report",
            &scenario_path("default.yaml"),
            "--trials",
            "40",
            "-q",
        ])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("summary.json")).unwrap()).unwrap();
    let ci = &summary["metrics"]["restarts"]["ci95"];
    assert!(ci[0].as_f64().unwrap() < 0.0, "{ci}");
    let md = fs::read_to_string(tmp.path().join("report.md")).unwrap();
    let row = md_row(&md, "restarts");
    assert!(row[5].ends_with("(0 – 0.08)"), "{row:?}");
    for page in ["report.md", "report.html"] {
        let text = fs::read_to_string(tmp.path().join(page)).unwrap();
        // `(-` alone is in the page's CSS (`var(--fg)`).
        assert!(!text.contains(" (-") && !text.contains("– -"), "{page}");
    }
}

#[test]
fn a_report_is_byte_identical_when_run_again() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, threads: &str| {
        let out = tmp.path().join(name);
        bin()
            .args(["report", &scenario_path("k8s-surge-one.yaml")])
            .args(["--trials", "12", "-q", "--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .success();
        out
    };
    let (a, b) = (run("a", "1"), run("b", "2"));
    assert_eq!(entries(&a), entries(&b));
    for f in entries(&a) {
        assert_eq!(
            fs::read(a.join(&f)).unwrap(),
            fs::read(b.join(&f)).unwrap(),
            "{f} differs"
        );
    }
}

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

/// The cells of the Markdown table row of `md` that starts with `first`.
fn md_row<'a>(md: &'a str, first: &str) -> Vec<&'a str> {
    let line = md
        .lines()
        .find(|l| l.starts_with(&format!("| {first} |")))
        .unwrap_or_else(|| panic!("no row {first} in {md}"));
    line.trim_matches('|').split(" | ").map(str::trim).collect()
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

#[test]
fn bad_report_flags_exit_2_naming_the_flag_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rep");
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["--sweep", "strategy.swarm.update_config.parallelism=1,abc"],
            &["--sweep", "abc", "non-negative integer"],
        ),
        (
            &["--sweep", "strategy.swarm.update_config.parallelism=1,,2"],
            &["--sweep", "value 2 is empty"],
        ),
        (&["--sweep", "parallelism"], &["--sweep", "PATH=VALUE"]),
        (
            &["--objective", "duration_s.p95"],
            &["--objective", "--sweep"],
        ),
        (&["--compare", "missing.yaml"], &["missing.yaml"]),
        (
            &["--compare", "b.yaml", "--sweep", "service.replicas=2,4"],
            &["--compare", "--sweep"],
        ),
    ];
    for (extra, said) in cases {
        let assert = bin()
            .args(["report", &scenario_path("default.yaml")])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        for s in said {
            assert!(stderr.contains(s), "{extra:?}: {s:?} not in {stderr}");
        }
        assert!(!out.exists(), "{extra:?} wrote {}", out.display());
    }
}

#[test]
fn every_example_scenario_charts_without_panic_even_from_one_trial() {
    let stop = AtomicBool::new(false);
    let mut seen = 0;
    for entry in fs::read_dir(format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        for trials in [1, 3] {
            let set = [Override {
                path: "trials".into(),
                value: trials.to_string(),
                set_by: SetBy::Set,
            }];
            let s = load_file(&path, &set).unwrap();
            let rows = run_trials(&s, 0..trials);
            let longest = rows.iter().map(|r| r.duration).max().unwrap();
            let tls = run_timelines(&s, 0..trials, timeline_tick(&s, longest), &stop).unwrap();
            let bands = timeline_bands(&s, &tls);
            let summary = Summary::from_rows(&s.name, s.seed, &rows);
            let charts = run_charts(&s, &summary, &rows, Some(&bands))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let with_traffic = usize::from(s.traffic.is_some());
            assert_eq!(charts.len(), 3 + with_traffic, "{}", path.display());
            // Without the timeline only the distribution and the outcomes are drawn.
            assert_eq!(run_charts(&s, &summary, &rows, None).unwrap().len(), 2);
        }
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} example scenarios found");
}

#[test]
fn run_plot_draws_the_charts_beside_the_run_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    bin()
        .args(["run", &scenario_path("k8s-surge-one.yaml")])
        .args(["--trials", "10", "-q", "--plot", "--out"])
        .arg(&out)
        .assert()
        .success();
    // No traffic in this scenario: no traffic chart. --plot implies the timeline.
    assert_eq!(
        entries(&out),
        [
            "duration-distribution.png",
            "duration-distribution.svg",
            "outcomes.png",
            "outcomes.svg",
            "rollout-timeline.png",
            "rollout-timeline.svg",
            "summary.json",
            "timeline.csv",
            "trials.csv",
        ]
    );
    // Without --plot, no chart.
    let plain = tmp.path().join("plain");
    bin()
        .args(["run", &scenario_path("k8s-surge-one.yaml")])
        .args(["--trials", "10", "-q", "--out"])
        .arg(&plain)
        .assert()
        .success();
    assert_eq!(entries(&plain), ["summary.json", "trials.csv"]);
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

/// A trial whose traffic window ends between two ticks has a last bucket shorter than a
/// tick; the bands leave it out, so at 200 requests/s and a 1 s tick no band value falls
/// anywhere near a tail of Poisson(200) (P(X < 120) < 1e-9): with the short buckets in,
/// the 5 % band dipped to about 30 where trials end.
#[test]
fn traffic_bands_leave_out_a_trials_last_partial_bucket() {
    let s = load_file(Path::new(&scenario_path("blue-green.yaml")), &[]).unwrap();
    let stop = AtomicBool::new(false);
    let rows = run_trials(&s, 0..200);
    let longest = rows.iter().map(|r| r.duration).max().unwrap();
    let tick = timeline_tick(&s, longest);
    let tls = run_timelines(&s, 0..200, tick, &stop).unwrap();
    // The trials do end between ticks: the partial buckets exist.
    let partial = tls
        .iter()
        .filter(|tl| tl.traffic.last().is_some_and(|r| r.t % tick != 0))
        .count();
    assert!(partial > 150, "{partial} of 200 trials end between ticks");
    let bands = timeline_bands(&s, &tls);
    let col = bands.names.iter().position(|n| n == "requests").unwrap();
    let mins: Vec<f64> = bands.series(col, 0).flatten().collect();
    assert!(mins.len() > 60, "{} rows with traffic", mins.len());
    for (i, m) in mins.iter().enumerate() {
        assert!(*m >= 120.0, "row {i}: requests_min {m}");
    }
}
