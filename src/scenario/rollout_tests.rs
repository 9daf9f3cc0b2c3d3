//! Tests of the `strategy.canary` / `strategy.blueGreen` parser.
use super::super::model::Strategy;
use super::super::strategy::strategy;
use super::*;
use crate::scenario::walk;
use serde_json::{Value, json};

fn parse(v: Value) -> (Option<RolloutStrategy>, Vec<String>) {
    let (s, p) = walk::run(&v, |root| strategy(Some(root.child("strategy", &v))));
    match s {
        Some(Strategy::Canary(r) | Strategy::BlueGreen(r)) => (Some(r), p),
        _ => (None, p),
    }
}

#[test]
fn canary_defaults_are_argos() {
    let (r, p) = parse(json!({"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}}));
    assert!(p.is_empty(), "{p:?}");
    let r = r.unwrap();
    assert_eq!(
        (r.min_ready, r.progress_deadline, r.progress_deadline_abort),
        (0, Some(600 * SECOND), false)
    );
    let RolloutKind::Canary(c) = r.kind else {
        panic!()
    };
    assert_eq!(
        c.steps,
        [CanaryStep::SetWeight(20), CanaryStep::Pause(None)]
    );
    assert_eq!(c.max_surge, IntOrPercent::Percent(25));
    assert_eq!(c.max_unavailable, IntOrPercent::Percent(25));
    assert_eq!(c.traffic_routing, None);
    assert_eq!(c.scale_down_delay, 30 * SECOND);
}

#[test]
fn canary_validation_names_the_field() {
    let (_, p) = parse(json!({"canary": {
        "steps": [{"setWeight": 120}, {"setWeight": 10, "pause": {}},
                  {"setCanaryScale": {"replicas": 2}}],
        "scaleDownDelaySeconds": 10}}));
    assert_eq!(
        p,
        [
            "strategy.canary.scaleDownDelaySeconds: requires `trafficRouting` (Argo Rollouts validation)",
            "strategy.canary.steps.0.setWeight: must be between 0 and 100 (`maxTrafficWeight`), got 120",
            "strategy.canary.steps.1: give exactly one of `setWeight`, `pause`, `setCanaryScale`, `analysis`, `setHeaderRoute`, `setMirrorRoute`, `experiment`; got setWeight, pause",
            "strategy.canary.steps.2.setCanaryScale: requires `trafficRouting` (Argo Rollouts validation)",
        ]
    );
    let (_, p) = parse(json!({"canary": {"trafficRouting": {"headerRoute": {"share": 2}}}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("strategy.canary.trafficRouting.headerRoute.share"));
}

#[test]
fn canary_analysis_is_read_in_place() {
    let m = json!({"metrics": [{"name": "e", "successCondition": "result < 0.01",
        "provider": {"rollout-sim": {"metric": "error_rate"}}}]});
    let (r, p) = parse(json!({"canary": {
        "steps": [{"setWeight": 10}, {"analysis": m}, {"pause": {}}],
        "analysis": {"startingStep": 1, "metrics": m["metrics"]}}}));
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::Canary(c) = r.unwrap().kind else {
        panic!()
    };
    assert_eq!(c.steps[1], CanaryStep::Analysis(0));
    assert_eq!(c.step_analyses.len(), 1);
    let bg = c.analysis.unwrap();
    assert_eq!((bg.starting_step, bg.spec.metrics.len()), (1, 1));
    for (at, got) in [(json!(1), "1"), (json!(1e12), "1e12")] {
        let (_, p) = parse(json!({"canary": {"steps": [{"setWeight": 10}],
            "analysis": {"startingStep": at, "metrics": m["metrics"]}}}));
        assert_eq!(
            p,
            [format!(
                "strategy.canary.analysis.startingStep: must be less than the number of steps \
                 (1), got {got}"
            )]
        );
    }
}

#[test]
fn set_weight_is_out_of_max_traffic_weight() {
    let (r, p) = parse(
        json!({"canary": {"trafficRouting": {"maxTrafficWeight": 1000},
        "steps": [{"setWeight": 5}, {"setWeight": 900}]}}),
    );
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::Canary(c) = r.unwrap().kind else {
        panic!()
    };
    assert_eq!(c.max_weight(), 1000);
    let (_, p) = parse(
        json!({"canary": {"trafficRouting": {"maxTrafficWeight": 10},
        "steps": [{"setWeight": 20}, {"setWeight": 1e12}]}}),
    );
    // However large, a weight is held to `maxTrafficWeight`, not to 32 bits.
    assert_eq!(
        p,
        [
            "strategy.canary.steps.0.setWeight: must be between 0 and 10 (`maxTrafficWeight`), got 20",
            "strategy.canary.steps.1.setWeight: must be between 0 and 10 (`maxTrafficWeight`), got 1e12"
        ]
    );
}

#[test]
fn min_pods_per_replica_set_needs_a_router() {
    let (r, p) = parse(json!({"canary": {"trafficRouting": {}, "minPodsPerReplicaSet": 2}}));
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::Canary(c) = r.unwrap().kind else {
        panic!()
    };
    assert_eq!(c.min_pods_per_replica_set, Some(2));
    let (_, p) = parse(json!({"canary": {"minPodsPerReplicaSet": 2}}));
    assert_eq!(
        p,
        [
            "strategy.canary.minPodsPerReplicaSet: has an effect only with `trafficRouting` \
          (argo-rollouts CheckMinPodsPerReplicaSet)"
        ]
    );
}

#[test]
fn replica_progress_threshold_takes_a_type_and_a_value_above_zero() {
    let threshold = |t: serde_json::Value| {
        let (r, p) = parse(json!({"canary": {"replicaProgressThreshold": t}}));
        let c = r.map(|r| match r.kind {
            RolloutKind::Canary(c) => c.replica_progress_threshold,
            RolloutKind::BlueGreen(_) => panic!(),
        });
        (c.flatten(), p)
    };
    use crate::scenario::rollout::ProgressThreshold::{Percent, Pods};
    assert_eq!(
        threshold(json!({"type": "Percent", "value": 90})),
        (Some(Percent(90)), vec![])
    );
    // `Pod` is the specification page's spelling; upstream counts pods for any type
    // but `Percent`.
    for t in ["Pods", "Pod"] {
        assert_eq!(
            threshold(json!({"type": t, "value": 3})),
            (Some(Pods(3)), vec![])
        );
    }
    let at = "strategy.canary.replicaProgressThreshold";
    for (t, problem) in [
        (json!({"value": 3}), format!("{at}: missing field `type`")),
        (
            json!({"type": "Percent"}),
            format!("{at}: missing field `value`"),
        ),
        (
            json!({"type": "percent", "value": 3}),
            format!("{at}.type: unknown value `percent`; did you mean `Percent`?"),
        ),
        (
            json!({"type": "Pods", "value": 0}),
            format!(
                "{at}.value: must be greater than 0 (0 lets a step complete with no canary \
                 pod available; leave the field out to wait for every pod), got 0"
            ),
        ),
        (
            json!({"type": "Pods", "value": -1}),
            format!(
                "{at}.value: must be greater than 0 (0 lets a step complete with no canary \
                 pod available; leave the field out to wait for every pod), got -1"
            ),
        ),
    ] {
        assert_eq!(threshold(t).1, [problem]);
    }
}

#[test]
fn blue_green_analysis_needs_requests_to_measure() {
    let metric = |of: &str, q: &str| {
        json!({"metrics": [{"name": "m", "successCondition": "result < 0.01",
            "provider": {"rollout-sim": {"metric": q, "of": of}}}]})
    };
    // Before the switch the preview gets requests only through `previewTraffic`.
    let (_, p) = parse(json!({"blueGreen": {
        "prePromotionAnalysis": metric("canary", "error_rate")}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with(
            "strategy.blueGreen.prePromotionAnalysis: metric `m` needs the preview's requests"
        ),
        "{p:?}"
    );
    // Pods need no requests; nor does the stable version's traffic.
    for (of, q) in [("canary", "ready_ratio"), ("stable", "error_rate")] {
        let (r, p) = parse(json!({"blueGreen": {"prePromotionAnalysis": metric(of, q)}}));
        assert!(p.is_empty(), "{p:?}");
        let RolloutKind::BlueGreen(b) = r.unwrap().kind else {
            panic!()
        };
        assert!(b.pre_promotion_analysis.is_some());
    }
    let (r, p) = parse(json!({"blueGreen": {"previewTraffic": {"share": 0.05},
        "prePromotionAnalysis": metric("canary", "error_rate"),
        "postPromotionAnalysis": metric("canary", "latency_p99")}}));
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::BlueGreen(b) = r.unwrap().kind else {
        panic!()
    };
    assert_eq!(b.preview_share, 0.05);
    assert!(b.post_promotion_analysis.is_some());
    // After the switch the previous pods serve nothing.
    let (_, p) = parse(json!({"blueGreen": {
        "postPromotionAnalysis": metric("stable", "error_rate")}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("strategy.blueGreen.postPromotionAnalysis: metric `m` needs the previous"),
        "{p:?}"
    );
}

#[test]
fn blue_green_defaults_are_argos() {
    let (r, p) = parse(json!({"blueGreen": {}}));
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::BlueGreen(b) = r.unwrap().kind else {
        panic!()
    };
    assert_eq!(
        b,
        BlueGreen {
            preview_replica_count: None,
            auto_promotion_enabled: true,
            auto_promotion_seconds: 0,
            scale_down_delay: 30 * SECOND,
            abort_scale_down_delay: Some(30 * SECOND),
            pre_promotion_analysis: None,
            post_promotion_analysis: None,
            preview_share: 0.0,
        }
    );
}

#[test]
fn the_label_counts_the_steps_in_words() {
    let label = |v: Value| parse(v).0.unwrap().label();
    assert_eq!(
        label(json!({"canary": {"steps": [{"setWeight": 20}]}})),
        "Argo canary, 1 step, replica-ratio traffic"
    );
    assert_eq!(
        label(
            json!({"canary": {"trafficRouting": {}, "steps": [{"setWeight": 20}, {"pause": {}}]}})
        ),
        "Argo canary, 2 steps, traffic router"
    );
    // A progress threshold tells apart two canaries that differ only there (a compare's
    // settings table).
    let threshold = |t: Value| {
        label(json!({"canary": {"replicaProgressThreshold": t, "steps": [{"setWeight": 20}]}}))
    };
    assert_eq!(
        threshold(json!({"type": "Percent", "value": 90})),
        "Argo canary, 1 step, replica-ratio traffic, steps complete at 90% of their pods available"
    );
    assert_eq!(
        threshold(json!({"type": "Pods", "value": 1})),
        "Argo canary, 1 step, replica-ratio traffic, steps complete at 1 pod available"
    );
}

/// An analysis block written `null` is no run, as `canary.analysis: null` and `traffic: null`
/// (`--set PATH=null`): it has a required field, `metrics`, so no defaults to be present
/// with; Argo reads it as a nil `*RolloutAnalysis`.
#[test]
fn null_blue_green_analyses_are_absent() {
    let (r, p) = parse(json!({"blueGreen": {"prePromotionAnalysis": null,
        "postPromotionAnalysis": null}}));
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::BlueGreen(b) = r.unwrap().kind else {
        panic!()
    };
    assert!(b.pre_promotion_analysis.is_none());
    assert!(b.post_promotion_analysis.is_none());
}

/// A block written null is not set, as Argo Rollouts reads it: the API server prunes a
/// null the CRD does not mark nullable (`k8s.io/apiextensions-apiserver`
/// `PruneNonNullableNullsWithoutDefaults`) and Go leaves the pointer nil. So
/// `trafficRouting: null` is a basic canary (`trafficRouting: {}` is the router), and a
/// step whose one field is null is empty, which argo-rollouts' `validation.go` refuses
/// (`InvalidStepMessage`) — never dropped, never a pause until promoted.
#[test]
fn null_blocks_are_not_set() {
    let (r, p) = parse(json!({"canary": {"trafficRouting": null, "steps": [{"setWeight": 20}]}}));
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::Canary(c) = r.unwrap().kind else {
        panic!()
    };
    assert_eq!(c.traffic_routing, None);
    let (_, p) = parse(json!({"canary": {"trafficRouting": null, "dynamicStableScale": true}}));
    assert_eq!(
        p,
        [
            "strategy.canary.dynamicStableScale: requires `trafficRouting` (Argo Rollouts validation)"
        ]
    );
    let (r, p) = parse(json!({"canary": {"trafficRouting": {}}}));
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::Canary(c) = r.unwrap().kind else {
        panic!()
    };
    assert!(c.traffic_routing.is_some());
    for field in ["setWeight", "pause", "setCanaryScale", "analysis"] {
        let (_, p) = parse(json!({"canary": {"trafficRouting": {},
            "steps": [{"setWeight": 20}, {field: null}]}}));
        assert_eq!(p.len(), 1, "{p:?}");
        let at =
            format!("strategy.canary.steps.1.{field}: is null (written with nothing under it)");
        assert!(p[0].starts_with(&at), "{p:?}");
        assert_eq!(
            p[0].ends_with("a pause until promoted is `pause: {}`"),
            field == "pause"
        );
    }
    // A null beside a given field is not set either: the step is that field's.
    let (r, p) = parse(json!({"canary": {"steps": [{"setWeight": 20, "pause": null}]}}));
    assert!(p.is_empty(), "{p:?}");
    let RolloutKind::Canary(c) = r.unwrap().kind else {
        panic!()
    };
    assert_eq!(c.steps, [CanaryStep::SetWeight(20)]);
    // `pause: {duration: null}` is `pause: {}`.
    let (r, _) = parse(json!({"canary": {"steps": [{"pause": {"duration": null}}]}}));
    let RolloutKind::Canary(c) = r.unwrap().kind else {
        panic!()
    };
    assert_eq!(c.steps, [CanaryStep::Pause(None)]);
}

/// `validation_references.go:ValidateAnalysisTemplateWithType`: a metric that runs
/// indefinitely (an `interval`, no `count`) is refused in an analysis the rollout waits
/// for (a step's, blue-green's pre- and post-promotion), dry-run or not, and allowed in a
/// background analysis, which the promotion terminates.
#[test]
fn an_analysis_waited_for_needs_bounded_metrics() {
    let unbounded = json!({"metrics": [
        {"name": "ok", "interval": "1m", "count": 2,
         "provider": {"rollout-sim": {"metric": "error_rate"}}},
        {"name": "candidate", "interval": "1m",
         "provider": {"rollout-sim": {"metric": "error_rate"}}}
    ], "dryRun": [{"metricName": "candidate"}]});
    let (_, p) = parse(json!({"canary": {"steps": [{"analysis": unbounded}]}}));
    assert_eq!(
        p,
        [
            "strategy.canary.steps.0.analysis: metric `candidate` runs indefinitely (`interval` \
          without `count`), so this run could never complete; Argo Rollouts refuses it here \
          (only a background analysis may); give it a `count`"
        ]
    );
    let (_, p) = parse(json!({"blueGreen": {"postPromotionAnalysis": unbounded}}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("strategy.blueGreen.postPromotionAnalysis: metric `candidate`"));
    let (_, p) = parse(json!({"canary": {"steps": [{"setWeight": 10}], "analysis": unbounded}}));
    assert!(p.is_empty(), "{p:?}");
}
