//! `strategy.flagger` parsing: defaults of `pkg/apis/flagger/v1beta1/canary.go`, the
//! CRD's rules (`artifacts/flagger/crd.yaml`), refused fields.

use super::*;
use crate::scenario::walk;
use serde_json::{Value, json};

fn parse_json(v: Value) -> (FlaggerConfig, Vec<String>) {
    walk::run(&json!({ "flagger": v }), |n| {
        let o = n.object(&["flagger"]).unwrap();
        let f = o.section("flagger", FIELDS);
        parse(&f)
    })
}

fn ok(v: Value) -> FlaggerConfig {
    let (c, p) = parse_json(v);
    assert_eq!(p, Vec::<String>::new());
    c
}

fn problems(v: Value) -> Vec<String> {
    parse_json(v).1
}

#[test]
fn defaults_follow_the_getters() {
    let c = ok(
        json!({"analysis": {"interval": "1m", "threshold": 0, "stepWeight": 10,
        "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}}]}}),
    );
    // `GetAnalysisThreshold`: 0 reads as 1; `maxWeight`: 100 when not given.
    assert_eq!(c.threshold, 1);
    assert_eq!(c.max_weight, 100);
    assert_eq!(c.interval, 60 * SECOND);
    assert_eq!(c.progress_deadline, 600 * SECOND);
    assert_eq!(c.canary_ready_threshold, 100);
    assert_eq!(c.primary_ready_threshold, 100);
    // `GetMetricInterval`: "1m".
    assert_eq!(c.metrics[0].interval, 60 * SECOND);
    assert_eq!(c.metrics[0].range.min, Some(99.0));
    // `GetAnalysisInterval`: at least 10 s.
    let c = ok(json!({"analysis": {"interval": "5s", "threshold": 1, "stepWeight": 10}}));
    assert_eq!(c.interval, 10 * SECOND);
    // `maxWeight` with stepWeights: the last entry (a given maxWeight would be ignored
    // upstream, so it is refused).
    let c = ok(json!({"analysis": {"interval": "30s", "threshold": 2,
        "stepWeights": [1, 5, 40]}}));
    assert_eq!(c.max_weight, 40);
    assert_eq!(
        problems(
            json!({"analysis": {"interval": "30s", "threshold": 2, "maxWeight": 20,
            "stepWeights": [1, 5, 40]}})
        ),
        [
            "flagger.analysis.maxWeight: Flagger ignores `maxWeight` with `stepWeights` (the last entry is the maximum) and with `iterations`; remove it"
        ]
    );
}

#[test]
fn legacy_threshold_is_a_min_for_success_rate_and_a_max_for_duration() {
    let c = ok(
        json!({"analysis": {"interval": "1m", "threshold": 1, "stepWeight": 5,
        "metrics": [{"name": "request-success-rate", "threshold": 99},
                    {"name": "request-duration", "threshold": 500, "interval": "30s"}]}}),
    );
    assert_eq!(
        c.metrics[0].range,
        Range {
            min: Some(99.0),
            max: None
        }
    );
    assert_eq!(
        c.metrics[1].range,
        Range {
            min: None,
            max: Some(500.0)
        }
    );
    assert_eq!(c.metrics[1].interval, 30 * SECOND);
}

#[test]
fn the_crd_rules_name_the_field() {
    assert_eq!(
        problems(json!({"analysis": {"threshold": 1, "stepWeight": 5}})),
        ["flagger.analysis: missing field `interval`"]
    );
    assert_eq!(
        problems(json!({"analysis": {"interval": "1h", "threshold": 1, "stepWeight": 5}})),
        [
            "flagger.analysis.interval: must match the CRD's pattern `^[0-9]+(m|s)` (e.g. \"1m\", \"30s\"), got \"1h\""
        ]
    );
    assert_eq!(
        problems(
            json!({"analysis": {"interval": "1m", "threshold": 1, "stepWeight": 5, "iterations": 3}})
        ),
        [
            "flagger.analysis: give exactly one of `iterations`, `stepWeight`, `stepWeights` (the CRD's oneOf); got iterations, stepWeight"
        ]
    );
    assert_eq!(
        problems(json!({"analysis": {"interval": "1m", "threshold": 1, "stepWeight": 0}})),
        ["flagger.analysis.stepWeight: must be from 1 to 100 (percent of the traffic), got 0"]
    );
    assert_eq!(
        problems(json!({"analysis": {"interval": "1m", "threshold": 1, "stepWeights": [10, 5]}})),
        [
            "flagger.analysis.stepWeights: must be a non-empty list of increasing weights, e.g. [1, 5, 10, 50]"
        ]
    );
    assert_eq!(
        problems(
            json!({"analysis": {"interval": "1m", "threshold": 1, "stepWeight": 5,
            "metrics": [{"name": "error-rate"}]}})
        ),
        [
            "flagger.analysis.metrics.0.name: only Flagger's built-in checks `request-success-rate` and `request-duration` are simulated, got \"error-rate\""
        ]
    );
    assert_eq!(
        problems(json!({})),
        [
            "flagger: missing field `analysis` (without it Flagger skips the analysis and promotes at once, which is not simulated)"
        ]
    );
}

#[test]
fn suspend_is_refused_when_on_and_skip_analysis_is_read() {
    let analysis = json!({"interval": "1m", "threshold": 1, "stepWeight": 50,
        "metrics": [{"name": "request-success-rate", "threshold": 99}]});
    // Off is upstream's default, what runs here.
    assert_eq!(
        problems(json!({"analysis": analysis.clone(), "skipAnalysis": false, "suspend": false})),
        Vec::<String>::new()
    );
    assert!(!ok(json!({"analysis": analysis.clone()})).skip_analysis);
    assert!(ok(json!({"analysis": analysis.clone(), "skipAnalysis": true})).skip_analysis);
    assert_eq!(
        problems(json!({"analysis": analysis.clone(), "skipAnalysis": true, "suspend": true})),
        [
            "flagger.suspend: a suspended Canary is never reconciled (scheduler.go \
             `advanceCanary` returns at once), so nothing would roll out: remove it",
        ]
    );
    assert_eq!(
        problems(json!({"analysis": analysis.clone(), "suspend": "yes"})),
        ["flagger.suspend: expected true or false, got \"yes\""]
    );
    assert_eq!(
        problems(json!({"analysis": analysis, "skipAnalysis": 1})),
        ["flagger.skipAnalysis: expected true or false, got 1"]
    );
}

#[test]
fn unsupported_fields_are_refused_with_the_reason() {
    let p = problems(
        json!({"analysis": {"interval": "1m", "threshold": 1, "stepWeight": 5,
        "sessionAffinity": {"cookieName": "x"},
        "metrics": [{"name": "request-success-rate", "templateRef": {"name": "x"}}]}}),
    );
    assert_eq!(
        p,
        [
            "flagger.analysis.sessionAffinity: session affinity is not simulated",
            "flagger.analysis.metrics.0.templateRef: MetricTemplates are not simulated; use the built-in `request-success-rate` or `request-duration`",
        ]
    );
    // Blue/green iterations with metrics would fail every check for lack of traffic.
    let p = problems(
        json!({"analysis": {"interval": "1m", "threshold": 1, "iterations": 5,
        "metrics": [{"name": "request-success-rate", "threshold": 99}]}}),
    );
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("flagger.analysis.iterations: blue/green"),
        "{p:?}"
    );
    // A misspelt field is unknown, with a suggestion.
    let p = problems(json!({"analysis": {"interval": "1m", "threshold": 1, "stepWieght": 5}}));
    assert!(
        p.iter().any(|m| m.contains("unknown field `stepWieght`")),
        "{p:?}"
    );
}

#[test]
fn ready_thresholds_are_percents_of_pods() {
    // `canaryReadyThreshold` / `primaryReadyThreshold` bound the available share of the
    // Deployment's pods (`isDeploymentReady`); no traffic is involved.
    let mut p = problems(json!({"analysis": {"interval": "1m", "threshold": 1,
        "stepWeight": 10, "canaryReadyThreshold": 150, "primaryReadyThreshold": 101}}));
    p.sort();
    assert_eq!(
        p,
        [
            "flagger.analysis.canaryReadyThreshold: must be from 0 to 100 (percent of the Deployment's pods available), got 150",
            "flagger.analysis.primaryReadyThreshold: must be from 0 to 100 (percent of the Deployment's pods available), got 101",
        ]
    );
}

/// `fluxcd/flagger` `pkg/controller/scheduler_metrics.go:runBuiltinMetricChecks` reads a
/// nil `ThresholdRange` as "compare with the legacy `threshold`", and `thresholdRange:
/// null` is nil (the API server prunes the null; Go leaves the pointer nil). So a null
/// range with a `threshold` is that threshold, never a range with no bound that passes
/// every check; a null range without one, or a range with neither bound, is refused
/// naming the field.
#[test]
fn a_null_threshold_range_is_absent() {
    let with = |metric: Value| {
        json!({"analysis": {"interval": "1m", "threshold": 1, "stepWeight": 5,
        "metrics": [metric]}})
    };
    let c = ok(with(
        json!({"name": "request-success-rate", "thresholdRange": null, "threshold": 99}),
    ));
    assert_eq!(
        (c.metrics[0].range.min, c.metrics[0].range.max),
        (Some(99.0), None)
    );
    let c = ok(with(
        json!({"name": "request-duration", "thresholdRange": null, "threshold": 500}),
    ));
    assert_eq!(
        (c.metrics[0].range.min, c.metrics[0].range.max),
        (None, Some(500.0))
    );
    assert_eq!(
        problems(with(
            json!({"name": "request-success-rate", "thresholdRange": null})
        )),
        [
            "flagger.analysis.metrics.0.thresholdRange: is null (written with nothing under it), which Flagger reads as absent; give `thresholdRange` (`min` / `max`) or the legacy `threshold`: without either Flagger compares with 0, so `request-success-rate` would pass every check"
        ]
    );
    assert_eq!(
        problems(with(json!({"name": "request-duration"}))),
        [
            "flagger.analysis.metrics.0: give `thresholdRange` (`min` / `max`) or the legacy `threshold`: without either Flagger compares with 0, so `request-duration` would fail every check"
        ]
    );
    assert_eq!(
        problems(with(
            json!({"name": "request-duration", "thresholdRange": {}})
        )),
        [
            "flagger.analysis.metrics.0.thresholdRange: give `min`, `max` or both: a range with neither passes every check that has a value (Flagger's runBuiltinMetricChecks)"
        ]
    );
}

/// `mirror` and `mirrorWeight` as Istio's router writes them (`pkg/router/istio.go:SetRoutes`:
/// `mirrorPercentage` only for a `mirrorWeight` above 0, so every request without it).
#[test]
fn mirroring_copies_every_request_unless_mirror_weight_says_otherwise() {
    let parsed = |extra: serde_json::Value| {
        let mut analysis = json!({"interval": "1m", "threshold": 1, "stepWeight": 10});
        for (k, v) in extra.as_object().unwrap() {
            analysis[k] = v.clone();
        }
        let yaml = json!({"analysis": analysis});
        let (cfg, problems) = parse_json(yaml);
        (cfg.mirror, problems)
    };
    assert_eq!(parsed(json!({})), (None, vec![]));
    assert_eq!(parsed(json!({"mirror": false})), (None, vec![]));
    assert_eq!(parsed(json!({"mirror": true})), (Some(100), vec![]));
    assert_eq!(
        parsed(json!({"mirror": true, "mirrorWeight": 0})),
        (Some(100), vec![])
    );
    assert_eq!(
        parsed(json!({"mirror": true, "mirrorWeight": 25})),
        (Some(25), vec![])
    );
    assert_eq!(
        parsed(json!({"mirror": true, "mirrorWeight": 150})).1,
        ["flagger.analysis.mirrorWeight: must be from 0 to 100 (percent of the traffic), got 150"]
    );
    assert_eq!(
        parsed(json!({"mirrorWeight": 50})).1,
        [
            "flagger.analysis.mirrorWeight: Flagger reads `mirrorWeight` only with `mirror: true`; set it or remove `mirrorWeight`"
        ]
    );
    // A blue/green's checks get values from the copies: no load test needed.
    let p = problems(
        json!({"analysis": {"interval": "1m", "threshold": 1, "iterations": 5,
        "mirror": true, "metrics": [{"name": "request-success-rate", "threshold": 99}]}}),
    );
    assert!(p.is_empty(), "{p:?}");
}

/// `match` as the CRD checks it (`headers` / `queryParams` / `sourceLabels`; a header's
/// one string match), and the simulator's `matchShare` beside it.
#[test]
fn ab_match_conditions_and_their_share() {
    let with = |extra: Value| {
        let mut analysis = json!({"interval": "1m", "threshold": 1, "iterations": 5});
        for (k, v) in extra.as_object().unwrap() {
            analysis[k] = v.clone();
        }
        parse_json(json!({ "analysis": analysis }))
    };
    let (cfg, p) = with(json!({"matchShare": 0.1, "match": [
        {"headers": {"x-canary": {"regex": ".*insider.*"}}},
        {"headers": {"cookie": {"exact": "canary=always"}}, "sourceLabels": {"app": "web"}},
        {"queryParams": {"beta": {}}}]}));
    assert_eq!(p, Vec::<String>::new());
    let m = cfg.ab_match.unwrap();
    assert_eq!(m.share, 0.1);
    assert_eq!(
        m.conditions,
        [
            "header x-canary regex \".*insider.*\"",
            "header cookie exact \"canary=always\" and source label app=web",
            "query beta present",
        ]
    );
    assert_eq!(
        with(json!({"match": [{"headers": {"x": {"exact": "a", "prefix": "b"}}}, {}]})).1,
        [
            "flagger.analysis.match.0.headers.x: give exactly one of `exact`, `prefix`, `suffix`, `regex` (the CRD's oneOf), got exact, prefix",
            "flagger.analysis.match.1: a condition with no `headers`, `queryParams` or `sourceLabels` selects every request: give one, or drop `match` for a blue/green",
            "flagger.analysis: missing field `matchShare`",
        ]
    );
    assert_eq!(
        with(json!({"match": [{"uri": {"prefix": "/"}}], "matchShare": 1.5})).1,
        [
            "flagger.analysis.match.0.uri: unknown field `uri`; expected one of `headers`, `queryParams`, `sourceLabels`",
            "flagger.analysis.matchShare: must be above 0 and at most 1: the share of the users' requests the `match` conditions select (the simulator cannot read headers, cookies or queries)",
        ]
    );
    assert_eq!(
        with(json!({"matchShare": 0.5})).1,
        [
            "flagger.analysis.matchShare: `matchShare` is the share of requests `match` selects; give `match` or remove it"
        ]
    );
    // Istio's router writes the match routes in place of a mirrored one.
    let p = with(
        json!({"match": [{"headers": {"x": {"exact": "a"}}}], "matchShare": 0.2,
                        "mirror": true}),
    )
    .1;
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("flagger.analysis.mirror: Istio's router writes the `match` routes"),
        "{p:?}"
    );
}

/// A `match` or `mirror` refused for its value is reported once, not again as a
/// blue/green with no traffic for its checks; `mirror: false` still leaves it without.
#[test]
fn a_bad_match_or_mirror_is_not_reported_twice() {
    let bg = |extra: Value| {
        let mut analysis = json!({"interval": "1m", "threshold": 1, "iterations": 5,
            "metrics": [{"name": "request-success-rate", "threshold": 99}]});
        for (k, v) in extra.as_object().unwrap() {
            analysis[k] = v.clone();
        }
        problems(json!({ "analysis": analysis }))
    };
    assert_eq!(
        bg(json!({"mirror": 5})),
        ["flagger.analysis.mirror: expected true or false, got 5"]
    );
    assert_eq!(
        bg(json!({"match": [{"headers": {"x": {"exakt": "a"}}}], "matchShare": 0.1})),
        ["flagger.analysis.match.0.headers.x.exakt: unknown field `exakt`; did you mean `exact`?"]
    );
    let p = bg(json!({"mirror": false}));
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("flagger.analysis.iterations: blue/green"),
        "{p:?}"
    );
}

/// `provider`: Istio's router (the default) or none (`kubernetes`), whose rewrites of the
/// analysis (`scheduler.go:advanceCanary`, `runBlueGreen`, `runPromotionTrafficShift`)
/// are refused with upstream's reason.
#[test]
fn the_kubernetes_provider_refuses_what_it_would_rewrite() {
    use crate::strategy::flagger::provider::Provider;
    let (cfg, p) = parse_json(json!({"provider": "kubernetes",
        "analysis": {"interval": "1m", "threshold": 1, "iterations": 10,
                     "stepWeightPromotion": 0, "mirror": false}}));
    assert_eq!((cfg.provider, p), (Provider::Kubernetes, vec![]));
    assert_eq!(
        ok(
            json!({"provider": "istio", "analysis": {"interval": "1m", "threshold": 1,
        "stepWeight": 10}})
        )
        .provider,
        Provider::Mesh
    );
    let p = problems(json!({"provider": "kubernetes",
        "analysis": {"interval": "1m", "threshold": 1, "stepWeight": 10,
                     "stepWeightPromotion": 20}}));
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].starts_with("flagger.analysis.stepWeight: the kubernetes provider has no router"),
        "{p:?}"
    );
    assert!(p[0].ends_with("write `iterations: 10`"), "{p:?}");
    assert!(
        p[1].starts_with("flagger.analysis.stepWeightPromotion: the kubernetes provider finalises"),
        "{p:?}"
    );
    let p = problems(json!({"provider": "linkerd",
        "analysis": {"interval": "1m", "threshold": 1, "stepWeight": 10}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("flagger.provider: only `istio`"), "{p:?}");
}
