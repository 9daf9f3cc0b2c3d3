//! `report FILE --trial K|OUTCOME`: a trial shown by itself. Its files are byte for byte
//! what `run` records of the same trial (`--trace-trial K`, `--timeline-trial K`), its
//! metrics are its row of `trials.csv`, "What happened" lists the trace's rollout states and
//! measurements one for one, and a pick no trial can satisfy is refused, nothing written.

use crate::support::{bin, field, rows, scenario_path};
use std::path::Path;

const SCENARIO: &str = "canary-analysis.yaml";
/// A good release (0.4 % errors) the 1 % threshold sometimes rolls back: a mixed run.
const GOOD: &str = "service.versions.next.error_rate=0.004";

/// `report` of the mixed canary run, 60 trials, with `extra` arguments, into `out`.
fn report(out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .args(["report", &scenario_path(SCENARIO), "--trials", "60", "-q"])
        .args(["--set", GOOD])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn a_trial_shown_by_itself_is_the_trial_run_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let note = ok(&report(
        &out,
        &["--trial", "rolled_back", "--trial", "3", "--trial", "3"],
    ));
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    let csv = read(&out.join("trials.csv"));
    let rows = rows(&csv);
    let k = rows
        .iter()
        .find(|r| field(r, "outcome") == "rolled_back")
        .map(|r| field(r, "trial").to_owned())
        .expect("some trial rolled back");
    assert!(
        note.contains(&format!(
            "--trial rolled_back is trial {k}, the first of the run that ended rolled_back"
        )),
        "{note}"
    );
    // The same trial by `run`, by its number.
    for (trial, heading) in [
        (
            k.as_str(),
            format!("## Trial {k}: the first that ended rolled\\_back"),
        ),
        ("3", "## Trial 3\n".to_string()),
    ] {
        let run_out = dir.path().join(format!("run-{trial}"));
        let trace = dir.path().join(format!("run-{trial}.jsonl"));
        let status = bin()
            .args(["run", &scenario_path(SCENARIO), "--trials", "60", "-q"])
            .args([
                "--set",
                GOOD,
                "--trace-trial",
                trial,
                "--timeline-trial",
                trial,
            ])
            .arg("--trace")
            .arg(&trace)
            .arg("--out")
            .arg(&run_out)
            .output()
            .unwrap();
        ok(&status);
        assert_eq!(read(&run_out.join("trials.csv")), csv);
        let own_trace = read(&out.join(format!("trial-{trial}.trace.jsonl")));
        assert_eq!(own_trace, read(&trace), "trial {trial}");
        assert_eq!(
            read(&out.join(format!("trial-{trial}.timeline.csv"))),
            read(&run_out.join("timeline.csv")),
            "trial {trial}"
        );
        for chart in ["rollout-timeline", "traffic-timeline"] {
            for ext in ["png", "svg"] {
                let f = out.join(format!("trial-{trial}-{chart}.{ext}"));
                assert!(f.metadata().unwrap().len() > 1000, "{}", f.display());
            }
        }

        let md = read(&out.join("report.md"));
        // Shown once, though asked for twice.
        assert_eq!(md.matches(&heading).count(), 1, "{heading}\n{md}");
        let section = &md[md.find(&heading).unwrap()..];
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
        // Its own duration and outcome, from its row.
        let row = rows.iter().find(|r| field(r, "trial") == trial).unwrap();
        let outcome = field(row, "outcome").replace('_', "\\_");
        assert!(
            section.contains(&format!("ended {outcome} after ")),
            "{section}"
        );
        let failed = field(row, "failed_requests");
        assert!(
            section.contains(&format!("| failed\\_requests | {failed} |")),
            "{section}"
        );
        // "What happened": one row for each rollout state and each measurement.
        let wanted = own_trace
            .lines()
            .filter(|l| l.contains(r#""event":"update""#) || l.contains(r#""event":"measurement""#))
            .count();
        let table = &section[section.find("### What happened").unwrap()..];
        let table = &table[..table.find("\n### ").unwrap()];
        let listed = table
            .lines()
            .filter(|l| l.contains("| rollout ") || l.contains(" analysis"))
            .count();
        assert!(wanted > 2, "{own_trace}");
        assert_eq!(listed, wanted.min(60), "{table}");
        // Its charts are in its section, not among the run's.
        assert!(section.contains(&format!(
            "![Traffic, trial {trial}](trial-{trial}-traffic-timeline.png)"
        )));
        let charts =
            &md[md.find("\n## Charts").unwrap()..md.find("\n## What the numbers").unwrap()];
        assert!(!charts.contains(&format!("trial {trial}")), "{charts}");
    }
    // The HTML holds the sections too, with the charts inline, and its contents link to
    // each section's heading.
    let html = read(&out.join("report.html"));
    let links: Vec<&str> = html
        .split("<a href=\"#")
        .skip(1)
        .map(|l| &l[..l.find('"').unwrap()])
        .collect();
    assert!(links.len() >= 8, "{links:?}");
    for slug in &links {
        assert_eq!(
            html.matches(&format!("<h2 id=\"{slug}\">")).count(),
            1,
            "{slug}"
        );
        let md = read(&out.join("report.md"));
        assert!(md.contains(&format!("](#{slug})\n")), "{slug}");
    }
    assert!(links.contains(&format!("trial-{k}-the-first-that-ended-rolled_back").as_str()));
    assert!(html.contains(&format!(
        "<h2 id=\"trial-{k}-the-first-that-ended-rolled_back\">Trial {k}: the first that \
         ended rolled_back</h2>"
    )));
    assert_eq!(html.matches("<svg").count(), 4 + 2 * 2);
}

#[test]
fn a_pick_no_trial_satisfies_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let refused = |extra: &[&str], says: &str| {
        let o = report(&out, extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?}: {err}");
        assert!(!out.exists(), "{extra:?}");
    };
    // Past the run's last trial: before any work.
    refused(
        &["--trial", "60"],
        "--trial 60: the run has 60 trials, numbered 0 to 59",
    );
    refused(&["--trial", "rolledback"], "did you mean `rolled_back`?");
    let nine: Vec<&str> = ["--trial", "1"].repeat(9);
    refused(&nine, "a report shows at most 8 trials by themselves");
    // A sweep's too, at every point.
    refused(
        &["--trial", "60", "--sweep", "service.replicas=4,5"],
        "--trial 60: the run has 60 trials, numbered 0 to 59",
    );
    // No trial of this run timed out: refused after the run, with its tally.
    refused(
        &["--trial", "timeout"],
        "--trial timeout: none of the run's 60 trials ended timeout (",
    );
}

/// `run FILE --trials 400` with the trace and timeline of trial `k`, into `dir`: (its
/// `trials.csv`, the trace, `timeline.csv`).
fn run_one(dir: &Path, file: &str, k: &str) -> (String, String, String) {
    std::fs::create_dir_all(dir).unwrap();
    let out = bin()
        .args(["run", file, "--trials", "400", "-q", "--seed", "7"])
        .args(["--trace-trial", k, "--timeline-trial", k, "--trace"])
        .arg(dir.join("trace.jsonl"))
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    ok(&out);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    (
        read(&dir.join("out/trials.csv")),
        read(&dir.join("trace.jsonl")),
        read(&dir.join("out/timeline.csv")),
    )
}

/// A comparison's report shows a trial under every variant: each variant's files are what
/// `run` records of that trial under it, an outcome picks the lowest trial that ended so
/// under any variant, and the side-by-side table holds each variant's own row.
#[test]
fn a_comparison_shows_the_same_trial_under_every_variant() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let (a, b) = (
        scenario_path("swarm-stop-first.yaml"),
        scenario_path("swarm-start-first.yaml"),
    );
    let o = bin()
        .args(["report", &a, "--compare", &b, "--trials", "400", "-q"])
        .args(["--trial", "paused", "--trial", "7", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let note = ok(&o);
    let runs = [
        (
            "swarm-stop-first",
            run_one(&dir.path().join("a"), &a, "7").0,
        ),
        (
            "swarm-start-first",
            run_one(&dir.path().join("b"), &b, "7").0,
        ),
    ];
    // The lowest paused trial under either, and the variant it paused under first.
    // (Both pause first at the same trial here: the baseline is named.)
    let (k, v) = runs
        .iter()
        .enumerate()
        .filter_map(|(v, (_, csv))| {
            let r = rows(csv);
            let k = r.iter().position(|r| field(r, "outcome") == "paused")?;
            Some((k, v))
        })
        .min()
        .expect("some trial paused");
    let first = runs[v].0;
    assert!(
        note.contains(&format!(
            "--trial paused is trial {k}, the first of the comparison that ended paused \
             (under {first})"
        )),
        "{note}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for trial in [k.to_string(), "7".to_string()] {
        let heading = if trial == "7" {
            "## Trial 7\n".to_string()
        } else {
            format!("## Trial {k}: the first that ended paused (under {first})")
        };
        let at = md
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading}\n{md}"));
        let section = &md[at..];
        // The side-by-side table: each variant's own outcome and duration.
        let outcomes: Vec<String> = runs
            .iter()
            .map(|(_, csv)| {
                let r = rows(csv);
                let row = &r[trial.parse::<usize>().unwrap()];
                field(row, "outcome").to_string()
            })
            .collect();
        assert!(
            section.contains(&format!("| outcome | {} | {} |", outcomes[0], outcomes[1])),
            "{section}"
        );
        for (i, (name, _)) in runs.iter().enumerate() {
            let file = [&a, &b][i];
            let own = run_one(&dir.path().join(format!("{name}-{trial}")), file, &trial);
            let read = |f: String| std::fs::read_to_string(out.join(f)).unwrap();
            assert_eq!(read(format!("trial-{trial}-{name}.trace.jsonl")), own.1);
            assert_eq!(read(format!("trial-{trial}-{name}.timeline.csv")), own.2);
            assert!(
                out.join(format!("trial-{trial}-{name}-rollout-timeline.png"))
                    .exists()
            );
            assert!(
                section.contains(&format!("### Trial {trial} under {name} (")),
                "{section}"
            );
        }
    }
    // A pick past the comparison's trials is refused before any trial runs.
    let o = bin()
        .args([
            "report",
            &a,
            "--compare",
            &b,
            "--trials",
            "40",
            "--trial",
            "40",
        ])
        .arg("--out")
        .arg(dir.path().join("refused"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("refused").exists());
}

/// A report with a trial shown by itself, written again into the same folder: its files
/// (`trial-K.timeline.csv`, `trial-K-<chart>.png`, …) are rollout-sim's own, so the folder
/// is replaced, not refused as holding someone else's files; and a file of the user's
/// beside them still stops it.
#[test]
fn a_report_with_a_trial_replaces_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    ok(&report(&out, &["--trial", "3"]));
    assert!(out.join("trial-3.timeline.csv").is_file());
    ok(&report(&out, &["--trial", "3"]));
    ok(&report(&out, &["--trial", "4"]));
    assert!(out.join("trial-4.timeline.csv").is_file());
    assert!(!out.join("trial-3.timeline.csv").exists());
    std::fs::write(out.join("trial-4-notes.png"), b"mine").unwrap();
    let again = report(&out, &["--trial", "4"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("trial-4-notes.png"));
}
