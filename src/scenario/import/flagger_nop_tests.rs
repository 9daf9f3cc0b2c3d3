//! A Canary on the `kubernetes` provider: `provider: kubernetes` written, and the analysis
//! Flagger runs for it (`fluxcd/flagger` v1.44.0 `pkg/controller/scheduler.go`:
//! `advanceCanary`, `runPromotionTrafficShift`).

use super::super::flagger::tests::{canary_draft as draft, left_out};
use super::*;
use serde_json::json;

const TO: &str = "strategy.flagger";

/// A progressive canary on the `kubernetes` provider: `advanceCanary` sets
/// `Iterations = 10` when it is below 1, with its two warnings, and
/// `runPromotionTrafficShift` finalises before reading `stepWeightPromotion`. So
/// `stepWeight`, `maxWeight` and `stepWeightPromotion` are left out with those reasons,
/// `iterations: 10` is written, and the metrics (no load test: a blue/green now) are left
/// out by the blue/green rule.
#[test]
fn a_progressive_kubernetes_canary_runs_10_iterations() {
    let d = draft(json!({"provider": "kubernetes",
                         "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10,
                                      "maxWeight": 50, "stepWeightPromotion": 20,
                                      "metrics": [{"name": "request-success-rate",
                                                   "thresholdRange": {"min": 99}}]}}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(
        d.get(TO).unwrap(),
        &json!({"provider": "kubernetes",
                "analysis": {"interval": "1m", "threshold": 5, "iterations": 10}})
    );
    assert_eq!(
        d.origin("strategy.flagger.provider").as_deref(),
        Some("spec.provider")
    );
    assert_eq!(
        d.origin("strategy.flagger.analysis.iterations").as_deref(),
        Some("spec.analysis.stepWeight")
    );
    let progressive = PROGRESSIVE.to_string();
    let left = left_out(&d);
    assert_eq!(
        left[..3],
        [
            (
                "spec.analysis.stepWeightPromotion".to_string(),
                "the `kubernetes` provider has no traffic to shift back: Flagger's \
                 scheduler.go `runPromotionTrafficShift` finalises the promotion at once \
                 for it and never reads `stepWeightPromotion`"
                    .to_string()
            ),
            ("spec.analysis.stepWeight".to_string(), progressive.clone()),
            ("spec.analysis.maxWeight".to_string(), progressive),
        ]
    );
    assert_eq!(left.len(), 4, "{left:?}");
    assert_eq!(left[3].0, "spec.analysis.metrics");
    assert!(
        left[3]
            .1
            .starts_with("blue/green `iterations` keep every request on the primary"),
        "{}",
        left[3].1
    );
    assert_eq!(
        PROGRESSIVE,
        "the `kubernetes` provider has no router to shift traffic (pkg/router/nop.go): \
         Flagger's scheduler.go `advanceCanary` warns \"Progressive traffic is not \
         supported when using the kubernetes provider\" and \"Setting \
         canaryAnalysis.iterations: 10\", and runs the canary as a blue/green of 10 \
         iterations, which the scenario does (`iterations: 10`)"
    );
}

/// `stepWeights` and an explicit `iterations: 0` (Go's `Iterations < 1`) are replaced
/// too; the iterations are traced to the first field replaced.
#[test]
fn step_weights_and_zero_iterations_are_replaced() {
    let d = draft(json!({"provider": "kubernetes",
                         "analysis": {"interval": "30s", "threshold": 2,
                                      "stepWeights": [5, 50], "iterations": 0}}));
    assert_eq!(
        d.get("strategy.flagger.analysis").unwrap(),
        &json!({"interval": "30s", "threshold": 2, "iterations": 10})
    );
    let paths: Vec<String> = left_out(&d).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        ["spec.analysis.stepWeights", "spec.analysis.iterations"]
    );
    assert_eq!(
        d.origin("strategy.flagger.analysis.iterations").as_deref(),
        Some("spec.analysis.stepWeights")
    );
}

/// A blue/green on the provider keeps its iterations (`advanceCanary` sets them only
/// below 1); `stepWeightPromotion: 0` is still never read, and reported.
#[test]
fn a_kubernetes_blue_green_keeps_its_iterations() {
    let d = draft(json!({"provider": "kubernetes",
                         "analysis": {"interval": "30s", "threshold": 2, "iterations": 4,
                                      "stepWeightPromotion": 0}}));
    assert_eq!(
        d.get(TO).unwrap(),
        &json!({"provider": "kubernetes",
                "analysis": {"interval": "30s", "threshold": 2, "iterations": 4}})
    );
    let paths: Vec<String> = left_out(&d).into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["spec.analysis.stepWeightPromotion"]);
}

/// Another provider (or none: Flagger's default `istio`) writes no `provider` and keeps
/// the progressive fields: the scenario's default is Istio's router.
#[test]
fn other_providers_write_no_provider() {
    for spec in [
        json!({"provider": "istio"}),
        json!({"provider": "linkerd"}),
        json!({}),
    ] {
        let mut spec = spec;
        spec["analysis"] = json!({"interval": "30s", "threshold": 2, "stepWeight": 10,
                                  "stepWeightPromotion": 20});
        let d = draft(spec.clone());
        assert_eq!(
            d.get(TO).unwrap(),
            &json!({"analysis": {"interval": "30s", "threshold": 2, "stepWeight": 10,
                                 "stepWeightPromotion": 20}}),
            "{spec}"
        );
    }
}
