//! `report` of one scenario and `run --plot`: the folder they write, its self-contained
//! HTML, the flags `report` refuses before any work, and the run charts (with their
//! timeline bands) for every example scenario, drawn with no font installed.

use crate::entries;
use crate::report::{assert_self_contained, bin, md_row};
use crate::support::scenario_path;
use rollout_sim::experiment::{run_timelines, run_trials};
use rollout_sim::output::charts::{run_charts, run_charts_of};
use rollout_sim::output::{Summary, timeline_bands, timeline_tick};
use rollout_sim::scenario::{Override, SetBy, load_file};
use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

const CHARTS: [&str; 4] = [
    "duration-distribution",
    "outcomes",
    "rollout-timeline",
    "traffic-timeline",
];

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

/// A figure the trials are too few to bound is marked `±?`, as in the terminal table,
/// never shown with an interval of one point: one trial bounds nothing, and 40 trials bound
/// the median and p95 only by order statistics (p99 needs 368).
#[test]
fn a_report_marks_the_figures_its_trials_cannot_bound() {
    let tmp = tempfile::tempdir().unwrap();
    for trials in ["1", "80"] {
        let out = tmp.path().join(trials);
        bin()
            .args(["report", &scenario_path("default.yaml"), "--trials", trials])
            .arg("-q")
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let md = fs::read_to_string(out.join("report.md")).unwrap();
        let row = md_row(&md, "duration\\_s");
        // metric, better, p50, worst 5%, worst 1%, mean (95% CI), min, max
        let marked: Vec<bool> = row[2..6].iter().map(|c| c.ends_with(" ±?")).collect();
        if trials == "1" {
            assert_eq!(marked, [true; 4], "{row:?}");
            assert!(!row[5].contains('–'), "{row:?}");
        } else {
            assert_eq!(marked, [false, false, true, false], "{row:?}");
            assert!(row[5].contains(" – "), "{row:?}");
        }
        assert!(md.contains("**±?**: too few trials"), "{md}");
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
#[test]
fn bad_report_flags_exit_2_naming_the_flag_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rep");
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["--sweep", "strategy.swarm.update_config.parallelism=1,abc"],
            &["--sweep", "abc", "non-negative integer"],
        ),
        (
            &["--sweep", "strategy.swarm.update_config.parallelism=1,,2"],
            &["--sweep", "value 2 is empty"],
        ),
        (
            &["--sweep", "strategy.swarm.update_config.parallelism=1,2,1"],
            &["--sweep", "value 3 (1) is given twice"],
        ),
        (
            &["--sweep", "strategy.swarm.update_config.parallelism="],
            &[
                "'--sweep <PATH=V1,V2,…>'",
                "`strategy.swarm.update_config.parallelism=` has no value",
            ],
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
            // `--timeline-trial K`: the last trial's own timeline.
            let k = trials - 1;
            let one = timeline_bands(&s, &tls[k as usize..]);
            let charts = run_charts_of(&s, &summary, &rows, Some(&one), Some(k))
                .unwrap_or_else(|e| panic!("{} trial {k}: {e}", path.display()));
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
#[test]
fn run_plot_of_one_trial_names_it_and_marks_its_own_end() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("one");
    bin()
        .args(["run", &scenario_path("swarm-stop-first.yaml")])
        .args(["--trials", "10", "-q", "--plot"])
        .args(["--timeline-trial", "7", "--out"])
        .arg(&out)
        .assert()
        .success();
    let svg = fs::read_to_string(out.join("rollout-timeline.svg")).unwrap();
    let trials = fs::read_to_string(out.join("trials.csv")).unwrap();
    let row: Vec<&str> = trials
        .lines()
        .find(|l| l.starts_with("7,"))
        .unwrap()
        .split(',')
        .collect();
    for said in [
        "Tasks ready per version, trial 7",
        "trial 7 of 10",
        &format!("trial 7 {} at ", row[2]),
    ] {
        assert!(svg.contains(said), "{said:?} not in the chart");
    }
    // Not the run's percentiles: they describe trials the chart does not draw.
    assert!(!svg.contains("median end") && !svg.contains("5–95% band"));
}

/// A trial whose traffic window ends between two ticks has a last bucket shorter than a
/// tick; the bands leave it out, so at 200 requests/s and a 1 s tick no band value falls
/// anywhere near a tail of Poisson(200) (P(X < 120) < 1e-9): with the short buckets in,
/// the 5 % band dipped to about 30 where trials end. The basic canary's trials end when its
/// last pods become available, between two seconds (a blue-green's end on the whole second
/// its `autoPromotionSeconds` countdown started from).
#[test]
fn traffic_bands_leave_out_a_trials_last_partial_bucket() {
    let s = load_file(Path::new(&scenario_path("canary-replica-ratio.yaml")), &[]).unwrap();
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

#[test]
fn the_settings_table_shows_the_replica_count_where_a_scale_changes_it() {
    // k8s-autoscale-mid-rollout.yaml starts at 10 replicas and scales to 20 at 20s; the
    // settings table says so, as the timeline chart's `replicas` line does.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rep");
    bin()
        .args(["report", &scenario_path("k8s-autoscale-mid-rollout.yaml")])
        .args(["--trials", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| replicas | 10 → 20 at 20s |"), "{md}");
}

#[test]
fn the_settings_table_gives_the_strategy_as_the_run_header_does() {
    // The checks, the A/B conditions and their share: what decides who meets the canary
    // (Markdown-escaped).
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rep");
    bin()
        .args(["report", &scenario_path("flagger-ab.yaml")])
        .args(["--trials", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains(
            "| strategy | Flagger canary, A/B testing, 10 iterations on 10% of the requests, \
             interval 1m, threshold 2, checks: request-success-rate \\>= 99% over 1m, \
             matched: header x-canary regex \".\\*insider.\\*\" or header cookie regex"
        ),
        "{md}"
    );
}

#[test]
fn the_timelines_mark_the_scenarios_actions_and_the_captions_say_so() {
    // k8s-endpoint-lag.yaml (traffic) with three actions: both timelines carry a grey
    // mark at each, named in one legend entry, and their captions say what the grey lines
    // are; without actions the captions do not mention them.
    let tmp = tempfile::tempdir().unwrap();
    let (with, without) = (tmp.path().join("with"), tmp.path().join("without"));
    let actions = "actions=[{at: 20s, scale: 12}, {at: 40s, rollout: pause}, \
                   {at: 50s, rollout: resume}]";
    for (out, set) in [(&with, Some(actions)), (&without, None)] {
        let mut cmd = bin();
        cmd.args(["report", &scenario_path("k8s-endpoint-lag.yaml")])
            .args(["--trials", "20", "-q", "--out"])
            .arg(out);
        if let Some(set) = set {
            cmd.args(["--set", set]);
        }
        cmd.assert().success();
    }
    let said = "Solid dark grey vertical lines mark the scenario's actions, named in the legend.";
    for chart in ["rollout-timeline", "traffic-timeline"] {
        let svg = fs::read_to_string(with.join(format!("{chart}.svg"))).unwrap();
        assert!(
            svg.contains("actions: scale to 12 at 20s; pause at 40s; resume at 50s"),
            "{chart}"
        );
        let plain = fs::read_to_string(without.join(format!("{chart}.svg"))).unwrap();
        assert!(
            !plain.contains("#464646"),
            "{chart}: no mark without actions"
        );
    }
    let md = fs::read_to_string(with.join("report.md")).unwrap();
    assert_eq!(md.matches(said).count(), 2, "{md}");
    let md = fs::read_to_string(without.join("report.md")).unwrap();
    assert!(!md.contains("grey vertical"), "{md}");
}
