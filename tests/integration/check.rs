//! `rollout-sim check`: exit codes, JUnit XML, GitHub annotations.

use crate::support::bin;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// A small Swarm rollout that always completes (no failure injected, ample horizon),
/// with `checks` appended as a YAML list.
fn scenario(dir: &Path, name: &str, checks: &[&str]) -> PathBuf {
    let file = dir.join(format!("{name}.yaml"));
    let list = checks
        .iter()
        .map(|c| format!("  - '{c}'\n"))
        .collect::<String>();
    std::fs::write(
        &file,
        format!(
            "name: {name}
trials: 20
service: {{replicas: 2, versions: {{current: {{image: a}}, next: {{image: b}}}}}}
strategy: {{swarm: {{}}}}
checks:
{list}"
        ),
    )
    .unwrap();
    file
}

#[test]
fn passing_checks_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario(
        dir.path(),
        "ok",
        &[
            "outcome.completed == 20",
            "outcome.paused.rate == 0",
            "duration_s.p95 > 0",
        ],
    );
    bin()
        .arg("check")
        .arg(&f)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "pass         outcome.completed == 20",
        ));
}

#[test]
fn quiet_names_the_file_of_each_failing_check_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let ok = scenario(dir.path(), "ok", &["duration_s.p95 > 0"]);
    let slow = scenario(dir.path(), "slow", &["duration_s.p95 < 1ms"]);
    let out = bin()
        .args(["check", "--quiet"])
        .arg(dir.path())
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    // The file, the failing check, and the trial to look at with its command line.
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with(&format!("{} (slow, 20 trials", slow.display())),
        "{stdout}"
    );
    assert!(lines[1].contains("FAIL") && lines[1].contains("duration_s.p95 < 1ms"));
    assert!(lines[2].starts_with("    look at trial "), "{stdout}");
    assert!(
        lines[3].starts_with("      rollout-sim report "),
        "{stdout}"
    );
    assert!(!stdout.contains(&ok.display().to_string()), "{stdout}");
}

#[test]
fn a_failing_check_exits_1_and_shows_the_measured_value() {
    let dir = tempfile::tempdir().unwrap();
    // A rollout takes time: its duration is never zero.
    let f = scenario(
        dir.path(),
        "bad",
        &["outcome.completed == 20", "duration_s.max <= 0"],
    );
    bin()
        .arg("check")
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL         duration_s.max <= 0: measured ",
        ))
        .stderr(predicate::str::contains("1 check failed"));
}

/// 20 of 20 trials complete. The Wilson interval of 20/20 is [n/(n+z²), 1] =
/// [20/23.8415, 1] ≈ [0.83887, 1], which straddles 0.9: inconclusive with `--confidence`,
/// a pass on the point estimate (1.0).
#[test]
fn an_interval_straddling_the_threshold_is_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario(dir.path(), "unsure", &["outcome.completed.rate >= 0.9"]);
    bin().arg("check").arg(&f).assert().code(0);
    bin()
        .args(["check", "--confidence", "0.95"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "inconclusive outcome.completed.rate >= 0.9",
        ))
        .stdout(predicate::str::contains("[95%: 0.83887, 1]"))
        // Not said to have failed: the last line tells it inconclusive, and the way out.
        .stderr(predicate::str::contains(
            "1 check inconclusive (more trials narrow the interval; --allow-inconclusive",
        ))
        .stderr(predicate::str::contains("failed").not());
    bin()
        .args(["check", "--confidence", "0.95", "--allow-inconclusive"])
        .arg(&f)
        .assert()
        .code(0);
    // Below the interval's low end, the same data passes with confidence.
    bin()
        .args([
            "check",
            "--confidence",
            "0.95",
            "--check",
            "outcome.completed.rate >= 0.8",
        ])
        .arg(scenario(dir.path(), "sure", &[]))
        .assert()
        .code(0);
}

/// With `--confidence`, a percentile the trials are too few to bound is not sure: a p99
/// needs 368 trials for its 95% order-statistic interval ((1 − 0.99)ⁿ ≤ 2.5% and 0.99ⁿ ≤
/// 2.5%), so with 20 trials `duration_s.p99 <= 1h` is inconclusive, though every trial
/// takes seconds. The median of 20 has one (ranks 6 and 15) and passes; `max` never has
/// one and is decided on its value.
#[test]
fn a_percentile_without_an_interval_is_inconclusive_with_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario(dir.path(), "few", &["duration_s.p99 <= 1h"]);
    bin()
        .arg("check")
        .arg(&f)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "[95%: too few trials to bound it]; threshold <= 1h00m00.0s",
        ));
    bin()
        .args(["check", "--confidence", "0.95"])
        .arg(&f)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "inconclusive duration_s.p99 <= 1h: measured ",
        ));
    bin()
        .args(["check", "--confidence", "0.95", "--allow-inconclusive"])
        .arg(&f)
        .assert()
        .code(0);
    for sure in ["duration_s.p50 <= 1h", "duration_s.max <= 1h"] {
        bin()
            .args(["check", "--confidence", "0.95", "--check", sure])
            .arg(scenario(dir.path(), "sure", &[]))
            .assert()
            .code(0)
            .stdout(predicate::str::contains(format!("pass         {sure}")));
    }
}

/// A threshold the statistic meets (or misses) whatever the trials give decides nothing:
/// refused before any trial, in `--check`, in `checks:` and in `sweep --constraint`,
/// naming the metric's range.
#[test]
fn a_threshold_outside_the_metrics_range_exits_2_before_any_trial() {
    let dir = tempfile::tempdir().unwrap();
    let good = scenario(dir.path(), "good", &["duration_s.max <= 0"]);
    let never = "`duration_s.p95` is a duration in seconds, 0 or more, so `<= -1` can never \
                 hold whatever the trials give";
    let junit = dir.path().join("junit.xml");
    bin()
        .args(["check", "--check", "duration_s.p95 <= -1"])
        .arg(&good)
        .arg("--junit")
        .arg(&junit)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "--check: check `duration_s.p95 <= -1`, column 19: {never}"
        )));
    assert!(!junit.exists(), "nothing is written on bad input");
    let always = scenario(dir.path(), "always", &["availability.p01 <= 1"]);
    bin()
        .arg("check")
        .arg(&always)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "always.yaml: checks.0: check `availability.p01 <= 1`, column 21: \
             `availability.p01` is a fraction, from 0 to 1, so `<= 1` always holds whatever \
             the trials give",
        ));
    let out = dir.path().join("sweep");
    bin()
        .arg("sweep")
        .arg(&good)
        .args([
            "--set",
            "service.replicas=1,2",
            "--objective",
            "duration_s.p95",
        ])
        .args(["--constraint", "duration_s.p95 <= -1", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "constraint `duration_s.p95 <= -1`, column 19: {never}"
        )));
    assert!(!out.exists(), "nothing is written on bad input");
}

#[test]
fn malformed_input_exits_2_before_any_trial() {
    let dir = tempfile::tempdir().unwrap();
    let good = scenario(dir.path(), "good", &["duration_s.max <= 0"]);
    let bad = scenario(dir.path(), "typo", &["duraton_s.p95 <= 10m"]);
    let junit = dir.path().join("junit.xml");
    bin()
        .arg("check")
        .args([&good, &bad])
        .arg("--junit")
        .arg(&junit)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "typo.yaml: checks.0: check `duraton_s.p95 <= 10m`, column 1: unknown metric `duraton_s`; did you mean `duration_s`?",
        ));
    assert!(!junit.exists(), "nothing is written on bad input");
    // A malformed check is not "nothing to check", and `run` and `lint` refuse it too
    // rather than let it wait for the next `check`.
    let typo = "typo.yaml: checks.0: check `duraton_s.p95 <= 10m`, column 1";
    bin()
        .arg("check")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(typo).and(predicate::str::contains("nothing").not()));
    for command in ["run", "lint"] {
        let out = dir.path().join(format!("{command}-out"));
        let mut cmd = bin();
        cmd.arg(command).arg(&bad);
        if command == "run" {
            cmd.arg("--out").arg(&out);
        }
        cmd.assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(typo));
        assert!(!out.exists(), "{command} wrote nothing");
    }
    bin()
        .args(["check", "--check", "duration_s.p95 =< 10m"])
        .arg(&good)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("column 16: expected an operator"));
    bin()
        .args(["check", "--confidence", "0.9"])
        .arg(&good)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only 0.95 is supported"));
    bin()
        .arg("check")
        .arg(&good)
        .arg("--junit")
        .arg(dir.path().join("no-such-folder/junit.xml"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "name a file in an existing folder",
        ));
    // No assertion at all is an error, not a silent pass.
    let none = scenario(dir.path(), "none", &[]);
    std::fs::write(
        &none,
        std::fs::read_to_string(&none)
            .unwrap()
            .replace("checks:\n", ""),
    )
    .unwrap();
    bin()
        .arg("check")
        .arg(&none)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to check"));
}

/// Every `--check` that does not parse is told in one run, with the scenarios' own
/// problems (the first one alone was told, so two typos took two rounds); a scenario
/// with no `checks:` is not also told "nothing to check" for the `--check` refused.
#[test]
fn every_bad_check_flag_is_told_with_the_scenarios_problems() {
    let dir = tempfile::tempdir().unwrap();
    let typo = scenario(dir.path(), "typo", &["duraton_s.p95 <= 10m"]);
    let none = dir.path().join("none.yaml");
    std::fs::write(&none, "service: {}\n").unwrap();
    let out = bin()
        .arg("check")
        .args([&typo, &none])
        .args([
            "--check",
            "duration_s.p95 <= -1",
            "--check",
            "outcome.pausd == 0",
        ])
        .assert()
        .code(2)
        .stdout("");
    let d = dir.path().display();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        format!(
            "error: --check: check `duration_s.p95 <= -1`, column 19: `duration_s.p95` is a \
             duration in seconds, 0 or more, so `<= -1` can never hold whatever the trials \
             give\n--check: check `outcome.pausd == 0`, column 9: unknown outcome `pausd`; did \
             you mean `paused`?\n{d}/typo.yaml: checks.0: check `duraton_s.p95 <= 10m`, column \
             1: unknown metric `duraton_s`; did you mean `duration_s`? (metrics are the numeric \
             columns of trials.csv; outcomes are `outcome.NAME`)\n"
        )
    );
}

#[test]
fn a_folder_runs_every_scenario_in_it() {
    let dir = tempfile::tempdir().unwrap();
    scenario(dir.path(), "a", &["outcome.completed == 20"]);
    scenario(dir.path(), "b", &["outcome.completed == 20"]);
    std::fs::write(dir.path().join("notes.txt"), "not a scenario").unwrap();
    bin()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("a.yaml (a, 20 trials"))
        .stdout(predicate::str::contains("b.yaml (b, 20 trials"));
}

/// A folder's scenarios are found whatever the case of their extension (`.YAML`, `.Yml`,
/// `.JSON`), as each is read when named: by `check` and by `lint`, in name order; a
/// `.Schema.Json` is the editors' schema in any case, and passed over.
#[test]
fn a_folder_reads_extensions_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, ext) in [("a", "YAML"), ("b", "Yml"), ("c", "JSON")] {
        let file = scenario(d, name, &["outcome.completed == 20"]);
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::remove_file(&file).unwrap();
        let text = if ext == "JSON" {
            // The same scenario as JSON (YAML's flow style is JSON's superset).
            r#"{"name": "c", "trials": 20, "service": {"replicas": 2, "versions": {"current": {"image": "a"}, "next": {"image": "b"}}}, "strategy": {"swarm": {}}, "checks": ["outcome.completed == 20"]}"#.to_string()
        } else {
            text
        };
        std::fs::write(d.join(format!("{name}.{ext}")), text).unwrap();
    }
    std::fs::write(d.join("rollout.Schema.Json"), "{}").unwrap();
    let out = bin().arg("check").arg(d).assert().code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let files: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.rsplit_once('/').map_or(l, |(_, f)| f))
        .collect();
    assert_eq!(
        files,
        [
            "a.YAML (a, 20 trials, seed 1)",
            "b.Yml (b, 20 trials, seed 1)",
            "c.JSON (c, 20 trials, seed 1)"
        ],
        "{stdout}"
    );
    let out = bin().arg("lint").arg(d).assert();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for f in ["a.YAML", "b.Yml", "c.JSON"] {
        assert!(stdout.contains(&format!("{f}: warning[")), "{stdout}");
    }
    assert!(stdout.ends_with("3 warnings in 3 scenarios\n"), "{stdout}");
}

/// A minimal XML well-formedness check: balanced, properly nested elements, quoted
/// attributes, only the five predefined entities. Returns the element names in order.
fn well_formed(xml: &str) -> Vec<String> {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    let (mut stack, mut names) = (Vec::<String>::new(), Vec::new());
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open]);
        let close = rest[open..].find('>').expect("unterminated tag") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(' ').unwrap_or(tag.len());
        let name = &tag[..name_end];
        assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()));
        let mut attrs = tag[name_end..].trim();
        while !attrs.is_empty() {
            let eq = attrs.find("=\"").expect("attribute with a quoted value");
            let end = attrs[eq + 2..].find('"').expect("closing quote") + eq + 2;
            check_text(&attrs[eq + 2..end]);
            attrs = attrs[end + 1..].trim_start();
        }
        names.push(name.to_string());
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    check_text(rest);
    assert!(stack.is_empty(), "unclosed {stack:?}");
    names
}

fn check_text(t: &str) {
    assert!(
        !t.contains('<') && !t.contains('"'),
        "unescaped markup in {t:?}"
    );
    for (i, _) in t.match_indices('&') {
        let entity = &t[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| entity.starts_with(e)),
            "bad entity in {t:?}"
        );
    }
}

#[test]
fn junit_is_well_formed_and_failures_carry_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let a = scenario(
        dir.path(),
        "a",
        &["outcome.completed == 20", "duration_s.max <= 0"],
    );
    let b = scenario(dir.path(), "b", &["outcome.rolled_back < 1"]);
    let junit = dir.path().join("junit.xml");
    bin()
        .arg("check")
        .args([&a, &b])
        .arg("--junit")
        .arg(&junit)
        .assert()
        .code(1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(
        well_formed(&xml),
        [
            "testsuites",
            "testsuite",
            "testcase",
            "testcase",
            "failure",
            "testsuite",
            "testcase"
        ]
    );
    assert!(xml.contains("<testsuites name=\"rollout-sim check\" tests=\"3\" failures=\"1\">"));
    assert!(
        xml.contains("name=\"outcome.rolled_back &lt; 1\"/>"),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"measured "), "{xml}");
    assert!(xml.contains("duration_s.max &lt;= 0: measured "), "{xml}");
}

#[test]
fn github_format_annotates_the_assertion_line_and_writes_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario(
        dir.path(),
        "gh",
        &["outcome.completed == 20", "duration_s.max <= 0"],
    );
    let summary = dir.path().join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    // The file's lines: name, trials, service, strategy, checks:, then one per check; the
    // failing check is the second, on line 7.
    bin()
        .args(["check", "--format", "github"])
        .arg(&f)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!(
            "::error file={},line=7::FAIL duration_s.max <= 0: measured ",
            f.display()
        )))
        .stdout(predicate::str::contains("::error").count(1));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n## rollout-sim check\n"),
        "{md}"
    );
    assert!(md.contains("| gh | `duration_s.max <= 0` | FAIL |"), "{md}");
}
