//! The `analysis` block's defaults and validation against Argo's `ValidateMetric`.

use super::*;
use crate::scenario::walk;
use serde_json::json;

fn load(v: serde_json::Value) -> (Option<AnalysisSpec>, Vec<String>) {
    walk::run(&v, |root| parse(&root.child("analysis", &v)))
}

fn one(metric: serde_json::Value) -> (Option<AnalysisSpec>, Vec<String>) {
    load(json!({"metrics": [metric]}))
}

#[test]
fn defaults_are_argos() {
    let (spec, problems) = one(json!({
        "name": "errors",
        "provider": {"rollout-sim": {"metric": "error_rate"}}
    }));
    assert!(problems.is_empty(), "{problems:?}");
    let m = &spec.unwrap().metrics[0];
    assert_eq!(m.failure_limit, 0);
    assert_eq!(m.inconclusive_limit, 0);
    assert_eq!(m.consecutive_error_limit, 4);
    assert_eq!(m.consecutive_success_limit, 0);
    assert_eq!(m.initial_delay, 0);
    assert_eq!(m.interval, None);
    // No interval and no count: a single measurement (`EffectiveCount`).
    assert_eq!(m.effective_count(), Some(1));
    assert_eq!(
        m.provider,
        Provider::Measured(Measured {
            quantity: Quantity::ErrorRate,
            of: Role::Canary,
            window: DEFAULT_WINDOW,
            reporter: Reporter::Source,
        })
    );
}

#[test]
fn an_interval_without_count_is_unbounded_and_sets_the_window() {
    let (spec, problems) = one(json!({
        "name": "p99", "interval": "30s",
        "successCondition": "result < 250",
        "provider": {"rollout-sim": {"metric": "latency_p99", "of": "stable"}}
    }));
    assert!(problems.is_empty(), "{problems:?}");
    let m = &spec.unwrap().metrics[0];
    assert_eq!(m.effective_count(), None);
    let Provider::Measured(p) = &m.provider else {
        panic!()
    };
    assert_eq!((p.window, p.of), (30 * SECOND, Role::Stable));
}

/// `utils/analysis/factory.go:ValidateMetric` (v1.10.0-rc1-70), rule by rule.
#[test]
fn validation_follows_validate_metric() {
    let base = |extra: serde_json::Value| {
        let mut m = json!({"name": "m", "provider": {"rollout-sim": {"metric": "error_rate"}}});
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        one(m).1
    };
    assert_eq!(
        base(json!({"count": 3})),
        ["analysis.metrics.0.count: interval must be specified when count > 1"]
    );
    assert_eq!(
        base(json!({"count": 2, "interval": "1m", "failureLimit": 3})),
        [
            "analysis.metrics.0.count: count (2) must be >= failureLimit + consecutiveSuccessLimit (3 + 0)"
        ]
    );
    assert_eq!(
        base(json!({"count": 2, "interval": "1m", "inconclusiveLimit": 3})),
        ["analysis.metrics.0.count: count (2) must be >= inconclusiveLimit (3)"]
    );
    assert_eq!(
        base(json!({"failureLimit": -1})),
        [
            "analysis.metrics.0.failureLimit: failureLimit and consecutiveSuccessLimit cannot both be disabled"
        ]
    );
    assert_eq!(
        base(json!({"failureLimit": -2})),
        ["analysis.metrics.0.failureLimit: must be at least 0, or -1 to disable it, got -2"]
    );
    assert!(base(json!({"failureLimit": -1, "consecutiveSuccessLimit": 2})).is_empty());
    assert_eq!(
        base(json!({"interval": "0s"})),
        ["analysis.metrics.0.interval: must be greater than 0"]
    );
}

#[test]
fn bad_values_name_the_path_and_what_was_expected() {
    let (spec, p) = load(json!({"metrics": [
        {"name": "a", "provider": {"rollout-sim": {"metric": "error_rat"}}},
        {"name": "a", "successCondition": "result <", "provider": {"rollout-sim": {"metric": "error_rate"}}},
        {"name": "b", "provider": {}},
        {"name": "c", "provider": {"rollout-sim": {"metric": "error_rate"}, "judge": {}}},
    ]}));
    assert!(spec.is_none());
    assert_eq!(
        p,
        [
            "analysis.metrics.0.provider.rollout-sim.metric: unknown value `error_rat`; did you mean `error_rate`?",
            "analysis.metrics.1.successCondition: expected a number or `result` at the end in `result <`",
            "analysis.metrics.2.provider: expected exactly one provider (`rollout-sim` or `judge`), got none",
            "analysis.metrics.3.provider: expected exactly one provider (`rollout-sim` or `judge`), got rollout-sim and judge",
        ]
    );
    let (_, p) = load(json!({"metrics": []}));
    assert_eq!(p, ["analysis: `metrics` must list at least one metric"]);
    let (_, p) = load(json!({"metrics": [
        {"name": "a", "provider": {"rollout-sim": {"metric": "error_rate"}}},
        {"name": "a", "provider": {"rollout-sim": {"metric": "error_rate"}}},
    ]}));
    assert_eq!(p, ["analysis.metrics.1: duplicate metric name `a`"]);
}

#[test]
fn the_judge_block() {
    let (spec, p) = one(json!({
        "name": "kayenta", "interval": "5m",
        "provider": {"judge": {
            "algorithm": "mann-whitney", "step": "30s",
            "threshold": {"pass": 95, "marginal": 75},
            "metrics": [
                {"metric": "error_rate", "direction": "increase", "critical": true},
                {"metric": "latency_p99", "effectSize": {"measure": "cles"}}
            ]
        }}
    }));
    assert!(p.is_empty(), "{p:?}");
    let Provider::Judge(j) = &spec.unwrap().metrics[0].provider else {
        panic!()
    };
    assert_eq!(
        (j.window, j.step, j.pass, j.marginal),
        (300 * SECOND, 30 * SECOND, 95, 75)
    );
    assert_eq!(j.metrics[0].direction, Direction::Increase);
    assert!(j.metrics[0].critical);
    assert_eq!(j.metrics[0].allowed_increase, 1.0);
    assert_eq!(j.metrics[1].effect, EffectMeasure::Cles);
    assert_eq!(j.metrics[1].allowed_increase, 0.5);
    assert_eq!(j.metrics[1].direction, Direction::Either);

    let (_, p) = one(json!({
        "name": "k",
        "provider": {"judge": {"algorithm": "t-test", "step": "2m", "window": "1m",
            "threshold": {"pass": 50, "marginal": 75}, "metrics": []}}
    }));
    assert_eq!(
        p,
        [
            "analysis.metrics.0.provider.judge.algorithm: unknown value `t-test`; expected one of `mann-whitney`",
            "analysis.metrics.0.provider.judge.step: step (120s) must not exceed the window (60s): each side needs samples",
            "analysis.metrics.0.provider.judge.threshold: marginal (75) must not exceed pass (50)",
            "analysis.metrics.0.provider.judge: `metrics` must list at least one metric to compare",
        ]
    );
    let (_, p) = one(json!({
        "name": "k",
        "provider": {"judge": {"algorithm": "mann-whitney",
            "threshold": {"pass": 90, "marginal": 50}, "metrics": [{"metric": "ready_ratio"}]}}
    }));
    assert_eq!(
        p,
        [
            "analysis.metrics.0.provider.judge.metrics.0.metric: `ready_ratio` is a pod count at the measurement's instant, not a series of requests: measure it with a `rollout-sim` metric"
        ]
    );
    let (_, p) = one(json!({
        "name": "k", "successCondition": "result > 1",
        "provider": {"judge": {"algorithm": "mann-whitney",
            "threshold": {"pass": 90, "marginal": 50}, "metrics": [{"metric": "error_rate"}]}}
    }));
    assert_eq!(
        p,
        [
            "analysis.metrics.0.successCondition: a `judge` metric is decided by its score and `threshold` (as Argo's Kayenta provider); remove the condition"
        ]
    );
}

fn metrics_named(
    names: &[&str],
    dry_run: serde_json::Value,
) -> (Option<AnalysisSpec>, Vec<String>) {
    let metrics: Vec<_> = names
        .iter()
        .map(|n| json!({"name": n, "provider": {"rollout-sim": {"metric": "error_rate"}}}))
        .collect();
    load(json!({"metrics": metrics, "dryRun": dry_run}))
}

/// A rule that matches only a metric refused for another reason is not told as matching
/// nothing: the metric's own problem is the one to fix.
#[test]
fn a_rule_of_a_refused_metric_is_not_told_as_matching_nothing() {
    let (spec, p) = load(json!({
        "metrics": [
            {"name": "ok", "provider": {"rollout-sim": {"metric": "error_rate"}}},
            {"name": "bad", "provider": {"prometheus": {"query": "up"}}},
        ],
        "dryRun": [{"metricName": "^bad$"}],
    }));
    assert!(spec.is_none());
    assert!(
        !p.is_empty()
            && p.iter()
                .all(|e| e.starts_with("analysis.metrics.1.provider")),
        "{p:?}"
    );
}

/// `utils/analysis/helpers.go:GetDryRunMetrics`: each rule is a regular expression
/// matched anywhere in a metric's name (`regexp.MatchString`), and must match one.
#[test]
fn dry_run_rules_match_metric_names_as_regular_expressions() {
    let (spec, p) = metrics_named(
        &["error-rate", "latency-p99", "http-errors"],
        json!([{"metricName": "error"}, {"metricName": "^latency-p9[59]$"}]),
    );
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(spec.unwrap().dry_run, [true, true, true]);
    let (spec, _) = metrics_named(&["error-rate", "latency"], json!([{"metricName": "^lat"}]));
    assert_eq!(spec.unwrap().dry_run, [false, true]);
    let (_, p) = metrics_named(&["error-rate"], json!([{"metricName": "latency"}]));
    assert_eq!(
        p,
        [
            "analysis.dryRun.0: `latency` matches no metric name (error-rate): Argo Rollouts fails \
          the AnalysisRun (\"Rule didn't match any metric name(s)\")"
        ]
    );
    // `validateDryRunMetrics`: a metricName once.
    let (_, p) = metrics_named(
        &["error-rate"],
        json!([{"metricName": "error"}, {"metricName": "error"}]),
    );
    assert_eq!(
        p,
        ["analysis.dryRun.1: `error` is given twice: Argo Rollouts refuses a repeated metricName"]
    );
    let (_, p) = metrics_named(&["error-rate"], json!([{"metricName": "(error"}]));
    assert!(
        p.len() == 1
            && p[0].starts_with("analysis.dryRun.0.metricName: is not a regular expression"),
        "{p:?}"
    );
}
