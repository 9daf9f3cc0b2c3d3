//! The trace's `measurement` records, read as a user reads `--trace`: each value follows
//! from the window counts it reports by the metric's own formula, each phase from the
//! metric's condition, and the rollout acts on them by the upstream rules:
//!
//! - Argo Rollouts (`argoproj/argo-rollouts` v1.10, `analysis/analysis.go`
//!   `assessMetricFailureInconclusiveOrError`): a metric fails once its Failed
//!   measurements exceed `failureLimit`, and the rollout aborts at that instant; a
//!   dry-run metric's measurements are taken and never abort;
//! - Flagger (`fluxcd/flagger` v1.44.0, `pkg/controller/scheduler.go:advanceCanary`,
//!   `scheduler_metrics.go:runBuiltinMetricChecks`): no check at the tick that sets the
//!   first weight, the first failed check stops the tick's checks, each failed tick adds
//!   one to `failedChecks`.

use crate::support::{bin, scenario_path};
use serde_json::Value;

/// Trial `trial` of `scenario`'s trace, with `set` overrides, as JSON values.
fn trace(scenario: &str, trial: u32, set: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.jsonl");
    let mut cmd = bin();
    cmd.args(["run", &scenario_path(scenario), "--trials", "10", "-q"])
        .args(["--trace-trial", &trial.to_string(), "--trace"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"));
    for s in set {
        cmd.args(["--set", s]);
    }
    cmd.assert().success();
    std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of<'a>(trace: &'a [Value], event: &str) -> Vec<&'a Value> {
    trace.iter().filter(|v| v["event"] == event).collect()
}

fn t(v: &Value) -> f64 {
    v["t"].as_f64().unwrap()
}

fn counts(m: &Value) -> (u64, u64) {
    (
        m["requests"].as_u64().unwrap(),
        m["failed"].as_u64().unwrap(),
    )
}

/// `scenarios/canary-analysis.yaml`: the background run's `error-rate` (failureLimit 1,
/// `result < 0.01`) and its dry-run twin (`result < 0.003`) every minute.
#[test]
fn argo_measurements_explain_the_abort() {
    for trial in 0..3 {
        let trace = trace("canary-analysis.yaml", trial, &[]);
        let measurements = of(&trace, "measurement");
        assert!(!measurements.is_empty(), "trial {trial}");
        let mut failed = 0;
        let mut breached_at = None;
        for m in &measurements {
            assert_eq!(m["analysis"], "background", "{m}");
            let (requests, errors) = counts(m);
            let strict = m["metric"] == "error-rate-strict";
            assert_eq!(m.get("dry_run").is_some(), strict, "{m}");
            if requests == 0 {
                // An empty window has no value: Error, counted apart from failures.
                assert_eq!(
                    (m["value"].clone(), m["phase"].as_str()),
                    (Value::Null, Some("Error"))
                );
                continue;
            }
            let value = m["value"].as_f64().unwrap();
            assert_eq!(value, errors as f64 / requests as f64, "{m}");
            let limit = if strict { 0.003 } else { 0.01 };
            let phase = if value < limit {
                "Successful"
            } else {
                "Failed"
            };
            assert_eq!(m["phase"], phase, "{m}");
            if !strict && phase == "Failed" {
                failed += 1;
                if failed == 2 {
                    breached_at = Some(t(m));
                }
            }
        }
        let aborts: Vec<f64> = of(&trace, "update")
            .into_iter()
            .filter(|u| u["state"] == "rollback_started")
            .map(t)
            .collect();
        // The second Failed measurement breaches failureLimit 1: the abort at that instant,
        // and no measurement after it (the run is terminated).
        match breached_at {
            Some(at) => {
                assert_eq!(aborts, [at], "trial {trial}");
                assert!(measurements.iter().all(|m| t(m) <= at), "trial {trial}");
            }
            None => assert!(aborts.is_empty(), "trial {trial}"),
        }
    }
}

/// `scenarios/canary-detection.yaml`: a step run names its step's index in `steps`.
#[test]
fn a_step_run_names_its_step() {
    let trace = trace("canary-detection.yaml", 0, &[]);
    let measurements = of(&trace, "measurement");
    assert!(!measurements.is_empty());
    for m in measurements {
        assert_eq!(
            (&m["analysis"], &m["step"]),
            (&Value::from("step"), &Value::from(1)),
            "{m}"
        );
        assert!(m.get("name").is_none(), "{m}");
    }
}

/// `scenarios/canary-experiment.yaml`: an experiment's analysis carries its name.
#[test]
fn an_experiment_run_names_its_analysis() {
    let trace = trace("canary-experiment.yaml", 0, &[]);
    let measurements = of(&trace, "measurement");
    assert!(!measurements.is_empty());
    for m in measurements {
        assert_eq!(
            (&m["analysis"], &m["name"]),
            (&Value::from("experiment"), &Value::from("compare")),
            "{m}"
        );
    }
}

/// `scenarios/flagger-canary.yaml` (threshold 5, success rate ≥ 99 %, then p99 ≤ 500 ms):
/// the bad release fails the first check at every tick, so the duration check is never
/// made; each failed tick is one `failed_check`, and the tick after the fifth rolls back.
#[test]
fn flagger_records_the_checks_it_made() {
    let trace = trace("flagger-canary.yaml", 0, &[]);
    let measurements = of(&trace, "measurement");
    let first_weight = of(&trace, "update")
        .into_iter()
        .find(|u| u["message"] == "canary weight 10")
        .map(t)
        .unwrap();
    assert_eq!(measurements.len(), 5);
    for (i, m) in measurements.iter().enumerate() {
        assert_eq!(
            (&m["analysis"], &m["metric"]),
            (
                &Value::from("flagger"),
                &Value::from("request-success-rate")
            )
        );
        // No check at the tick that set the first weight.
        assert!(t(m) > first_weight, "{m}");
        let (requests, errors) = counts(m);
        let value = m["value"].as_f64().unwrap();
        assert_eq!(
            value,
            (requests - errors) as f64 / requests as f64 * 100.0,
            "{m}"
        );
        assert!(value < 99.0, "{m}");
        assert_eq!(m["phase"], "Failed");
        // The same instant's verdict: one more failed check.
        let verdict: Vec<&Value> = of(&trace, "update")
            .into_iter()
            .filter(|u| t(u) == t(m))
            .collect();
        let expected = format!("failedChecks {}/5", i + 1);
        assert!(
            verdict.iter().any(|u| u["message"] == expected.as_str()),
            "{m}: {verdict:?}"
        );
    }
    // The next tick rolls back, checking nothing.
    let rollback = of(&trace, "update")
        .into_iter()
        .find(|u| u["state"] == "rollback_started")
        .map(t);
    assert_eq!(rollback, Some(t(measurements[4]) + 60.0));
}

/// A good release passes both checks at every tick, in the spec's order, the duration in
/// whole milliseconds (upstream's `time.Duration`).
#[test]
fn a_good_release_passes_both_checks_every_tick() {
    let trace = trace(
        "flagger-canary.yaml",
        0,
        &["service.versions.next.error_rate=0"],
    );
    let measurements = of(&trace, "measurement");
    assert!(measurements.len() >= 4);
    for pair in measurements.chunks(2) {
        let [rate, duration] = pair else {
            panic!("{pair:?}")
        };
        assert_eq!(t(rate), t(duration));
        assert_eq!(
            (&rate["metric"], &rate["value"]),
            (&Value::from("request-success-rate"), &Value::from(100.0))
        );
        assert_eq!(duration["metric"], "request-duration");
        assert!(duration.get("requests").is_none(), "{duration}");
        let ms = duration["value"].as_f64().unwrap();
        assert!(ms.fract() == 0.0 && ms <= 500.0, "{duration}");
        assert_eq!(
            (&rate["phase"], &duration["phase"]),
            (&Value::from("Successful"), &Value::from("Successful"))
        );
    }
    assert!(
        of(&trace, "update")
            .iter()
            .all(|u| u["state"] != "failed_check")
    );
}

/// `--plot --timeline-trial`: the traffic chart's legend counts the drawn trial's
/// measurements by verdict, as its trace has them, a dry-run metric's left out; picked by
/// number or by outcome, and traced or not.
#[test]
fn the_traffic_chart_counts_the_trace_measurements() {
    let cases: [(&str, &[&str]); 3] = [
        ("flagger-canary.yaml", &["--timeline-trial", "2"]),
        ("canary-analysis.yaml", &["--timeline-trial", "rolled_back"]),
        (
            "canary-analysis.yaml",
            &["--timeline-trial", "1", "--trace-trial", "1"],
        ),
    ];
    for (scenario, args) in cases {
        let dir = tempfile::tempdir().unwrap();
        let trial = args[1];
        let mut cmd = bin();
        cmd.args([
            "run",
            &scenario_path(scenario),
            "--trials",
            "10",
            "-q",
            "--plot",
        ])
        .args(args)
        .arg("--out")
        .arg(dir.path().join("out"));
        if args.contains(&"--trace-trial") {
            cmd.arg("--trace").arg(dir.path().join("trace.jsonl"));
        }
        cmd.assert().success();
        let svg = std::fs::read_to_string(dir.path().join("out/traffic-timeline.svg")).unwrap();
        // The same trial's trace, by its number.
        let csv = std::fs::read_to_string(dir.path().join("out/trials.csv")).unwrap();
        let k = crate::support::rows(&csv)
            .iter()
            .find(|r| {
                let f = |n| crate::support::field(r, n);
                f("trial") == trial || f("outcome") == trial
            })
            .map(|r| crate::support::field(r, "trial").parse::<u32>().unwrap())
            .unwrap();
        let trace = trace(scenario, k, &[]);
        let moving: Vec<&Value> = of(&trace, "measurement")
            .into_iter()
            .filter(|m| m.get("dry_run").is_none())
            .collect();
        assert!(!moving.is_empty(), "{scenario}");
        for (phase, word) in [
            ("Successful", "passed"),
            ("Failed", "failed"),
            ("Error", "no value"),
        ] {
            let n = moving.iter().filter(|m| m["phase"] == phase).count();
            let entry = format!("measured: {word} ({n})");
            assert_eq!(svg.contains(&entry), n > 0, "{scenario} trial {k}: {entry}");
        }
    }
}
