//! `check`: a check that does not pass names the trial to look at — the worst trial of its
//! metric, or the first that ended the wrong way — as the run's `trials.csv` has them, with
//! the `report --trial` command line that shows it, which works as printed.

use crate::support::{bin, field, rows, scenario_path};

const CHECKS: [&str; 4] = [
    "outcome.rolled_back == 0",
    "outcome.completed.rate >= 0.999",
    "duration_s.p95 <= 1m",
    "duration_s.max < 1h",
];

#[test]
fn a_failed_check_names_the_trial_and_the_command_that_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_path("default.yaml");
    let set = "service.versions.next.crash_probability=0.05";
    // The run's rows, as `run` writes them for the same settings.
    let run = bin()
        .args(["run", &file, "--trials", "200", "-q", "--set", set, "--out"])
        .arg(dir.path().join("run"))
        .output()
        .unwrap();
    assert!(run.status.success());
    let csv = std::fs::read_to_string(dir.path().join("run/trials.csv")).unwrap();
    let rows = rows(&csv);
    let duration = |r: &_| field(r, "duration_s").parse::<f64>().unwrap();
    let first_rolled_back = rows
        .iter()
        .position(|r| field(r, "outcome") == "rolled_back")
        .expect("some trial rolled back");
    let (longest, _) = rows.iter().enumerate().fold((0, f64::MIN), |best, (i, r)| {
        if duration(r) > best.1 {
            (i, duration(r))
        } else {
            best
        }
    });
    let over = rows.iter().filter(|r| duration(r) > 60.0).count();
    let rolled_back = rows
        .iter()
        .filter(|r| field(r, "outcome") == "rolled_back")
        .count();
    let not_completed = rows
        .iter()
        .filter(|r| field(r, "outcome") != "completed")
        .count();

    let mut check = bin();
    check.args(["check", &file, "--trials", "200", "--set", set]);
    for c in CHECKS {
        check.args(["--check", c]);
    }
    let out = check.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let hints: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("look at trial"))
        .collect();
    // One for each failed check; none for the one that passed.
    assert_eq!(hints.len(), 3, "{text}");
    let seconds = |s: f64| format!("{}m{:04.1}s", (s / 60.0) as u64, s % 60.0);
    assert_eq!(
        hints[0].trim(),
        format!(
            "look at trial {first_rolled_back}, the first that ended rolled_back; \
             {rolled_back} of 200 trials did:"
        )
    );
    assert!(
        hints[1].trim().starts_with(&format!(
            "look at trial {first_rolled_back}, the first that did not end completed (it \
             ended rolled_back); {not_completed} of 200 trials did not:"
        )),
        "{text}"
    );
    assert_eq!(
        hints[2].trim(),
        format!(
            "look at trial {longest}, the highest duration_s ({}); {over} of 200 trials \
             above 1m00.0s:",
            seconds(duration(&rows[longest]))
        )
    );
    let commands: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("rollout-sim report"))
        .map(str::trim)
        .collect();
    assert_eq!(
        commands[2],
        format!("rollout-sim report {file} --set {set} --seed 42 --trials 200 --trial {longest}")
    );
    assert!(commands[0].ends_with("--trial rolled_back"), "{text}");
    // The command works as printed, and its report shows that trial.
    let binary = assert_cmd::cargo::cargo_bin("rollout-sim");
    let shown = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{}{} -q",
            binary.display(),
            &commands[2]["rollout-sim".len()..]
        ))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let md = std::fs::read_to_string(dir.path().join("outputs/web-start-first-report/report.md"))
        .unwrap();
    assert!(md.contains(&format!("## Trial {longest}\n")), "{md}");
}

#[test]
fn the_command_quotes_what_the_shell_would_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("my web.yaml");
    std::fs::copy(scenario_path("default.yaml"), &file).unwrap();
    let out = bin()
        .arg("check")
        .arg(&file)
        .args(["--trials", "20", "--check", "outcome.completed.rate == 0"])
        .args(["--set", "service.versions.next.image=web:1.1 beta"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "rollout-sim report '{}' --set 'service.versions.next.image=web:1.1 beta' --seed \
             42 --trials 20 --trial ",
            file.display()
        )),
        "{text}"
    );
}

/// A metric that regressed from a paired baseline names the trial that got worse by most,
/// as the two runs' `trials.csv` pair them.
#[test]
fn a_regression_names_the_trial_that_got_worse_by_most() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_path("default.yaml");
    let base = dir.path().join("base");
    let check = |extra: &[&str]| {
        bin()
            .args([
                "check",
                &file,
                "--trials",
                "100",
                "--check",
                "duration_s.p95 < 1h",
            ])
            .arg("--baseline")
            .arg(&base)
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(check(&["--update-baseline"]).status.success());
    let slower = "strategy.swarm.update_config.parallelism=1";
    let out = check(&["--set", slower]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    // The same trials under the new settings.
    let run = bin()
        .args([
            "run", &file, "--trials", "100", "-q", "--set", slower, "--out",
        ])
        .arg(dir.path().join("new"))
        .output()
        .unwrap();
    assert!(run.status.success());
    let read = |p: std::path::PathBuf| std::fs::read_to_string(p).unwrap();
    let (was, now) = (
        read(base.join("trials.csv")),
        read(dir.path().join("new/trials.csv")),
    );
    let (was, now) = (rows(&was), rows(&now));
    let d = |r: &_| field(r, "duration_s").parse::<f64>().unwrap();
    let mut most = (0, f64::MIN);
    for (i, (a, b)) in now.iter().zip(&was).enumerate() {
        if d(a) - d(b) > most.1 {
            most = (i, d(a) - d(b));
        }
    }
    let k = most.0;
    assert!(
        text.contains(&format!(
            "    look at trial {k}, the most worsened from the baseline (duration_s "
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "--set {slower} --seed 42 --trials 100 --trial {k}\n"
        )),
        "{text}"
    );
}
