//! Argo Rollouts' `dryRun` metrics as a user runs them: `scenarios/canary-analysis.yaml`
//! tries a 0.3 % error-rate threshold in dry-run mode beside its enforced 1 %
//! (argo-rollouts 9f8d111, v1.10: `analysis/analysis.go:assessRunStatus`,
//! `utils/analysis/helpers.go:IsTerminating`, `GetDryRunMetrics`).

use crate::support::{bin, run_trials, scenario_path};

const GOOD: [&str; 2] = ["--set", "service.versions.next.error_rate=0.001"];

/// The dry-run columns.
const DRY_RUN: [&str; 2] = ["dry_run_detected", "dry_run_false_rollback"];

/// Every line of `csv` without the columns named `left_out`.
fn without_columns(csv: &str, left_out: &[&str]) -> Vec<String> {
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    csv.lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let kept: Vec<&str> = (cells.iter().zip(&header))
                .filter(|(_, h)| !left_out.contains(h))
                .map(|(c, _)| *c)
                .collect();
            kept.join(",")
        })
        .collect()
}

/// The cells of the column `name` in every row of `csv`.
fn column<'a>(csv: &'a str, name: &str) -> Vec<&'a str> {
    let i = csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == name)
        .unwrap();
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').nth(i).unwrap())
        .collect()
}

/// A dry-run metric changes nothing the rollout does: the same trials with the strict
/// metric enforced but never failing (`result < 2`) write the very same columns but the
/// two dry-run ones, for a good and a bad release.
#[test]
fn a_dry_run_metric_changes_nothing_but_its_own_columns() {
    let enforced_never_failing = [
        "--set",
        "strategy.canary.analysis.dryRun=null",
        "--set",
        "strategy.canary.analysis.metrics.1.successCondition=result < 2",
    ];
    for release in [&[][..], &GOOD[..]] {
        let args = |extra: &[&'static str]| [&["--trials", "200"][..], release, extra].concat();
        let dry = run_trials("canary-analysis.yaml", &args(&[]), false);
        let plain = run_trials(
            "canary-analysis.yaml",
            &args(&enforced_never_failing),
            false,
        );
        assert_eq!(
            without_columns(&dry.csv, &DRY_RUN),
            without_columns(&plain.csv, &DRY_RUN)
        );
        // Without a dry-run metric the two columns are empty.
        for name in DRY_RUN {
            assert!(column(&plain.csv, name).iter().all(|c| c.is_empty()));
        }
    }
}

/// The 0.3 % threshold would catch the 5 % bad release in every trial (its first
/// measurement reads about 5 % of the canary's requests), and roll a good release (0.1 %)
/// back in most: over a background run of about a dozen one-minute windows of the
/// canary's requests, one window with a single error among fewer than 333 fails it.
#[test]
fn the_dry_run_columns_say_what_the_strict_threshold_would_have_done() {
    let bad = run_trials("canary-analysis.yaml", &["--trials", "200"], false);
    assert!(bad.rows.iter().all(|r| r["dry_run_detected"] == "1"));
    assert!(
        bad.rows
            .iter()
            .all(|r| r["dry_run_false_rollback"].is_empty())
    );
    let good = run_trials(
        "canary-analysis.yaml",
        &[&["--trials", "200"][..], &GOOD].concat(),
        false,
    );
    let rolled: usize = good
        .rows
        .iter()
        .map(|r| {
            assert!(r["dry_run_detected"].is_empty());
            r["dry_run_false_rollback"].parse::<usize>().unwrap()
        })
        .sum();
    // 65.4 % over the scenario's 1,000 trials; 200 of them lie within ±4.5 standard errors.
    assert!((100..=160).contains(&rolled), "{rolled}");
}

/// The summary says it in words, and `summary.json` carries both rates.
#[test]
fn the_summary_tells_the_dry_run_rates() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "run",
            &scenario_path("canary-analysis.yaml"),
            "--trials",
            "100",
        ])
        .args(GOOD)
        .arg("--out")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("the dry-run metrics would have rolled the good release back in"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("o/summary.json")).unwrap())
            .unwrap();
    let r = &json["progressive_delivery"]["dry_run_false_rollback"];
    assert_eq!(r["trials"], 100);
    assert!(
        json["progressive_delivery"]
            .get("dry_run_detection")
            .is_none()
    );
}

/// Blue-green: the pre-promotion analysis in dry-run mode no longer stops the bad release
/// before the switch; the post-promotion one catches it after (so later: 1m50s median
/// against 1m20s; as late in the trials where the pre-promotion run passed by chance and
/// the post-promotion one caught it anyway), and `dry_run_detected` says the pre-promotion
/// metric would have caught it first in nearly every trial (97.5 % of these 200).
#[test]
fn a_blue_green_pre_promotion_dry_run_leaves_the_catch_to_the_post_promotion() {
    let times = |t: &crate::support::Trials| -> Vec<f64> {
        t.rows
            .iter()
            .map(|r| {
                assert_eq!(r["outcome"], "rolled_back");
                r["time_to_detect_s"].parse().unwrap()
            })
            .collect()
    };
    let enforced = run_trials("blue-green-analysis.yaml", &["--trials", "200"], false);
    let dry = run_trials(
        "blue-green-analysis.yaml",
        &[
            "--trials",
            "200",
            "--set",
            "strategy.blueGreen.prePromotionAnalysis.dryRun=[{metricName: preview}]",
        ],
        false,
    );
    let (before, after) = (times(&enforced), times(&dry));
    assert!(
        enforced
            .rows
            .iter()
            .all(|r| r["dry_run_detected"].is_empty())
    );
    assert!(
        before.iter().zip(&after).all(|(b, a)| a >= b),
        "{before:?} {after:?}"
    );
    let later = before.iter().zip(&after).filter(|(b, a)| a > b).count();
    assert!(later >= 180, "{later}");
    let caught = dry
        .rows
        .iter()
        .filter(|r| r["dry_run_detected"] == "1")
        .count();
    assert!(caught >= 180, "{caught}");
}
