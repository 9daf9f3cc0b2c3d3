//! proptest strategies for random valid Argo Rollouts sections (`strategy.canary`,
//! `strategy.blueGreen`) and their service fields, for [`crate::scenario_gen::scenario`].
//!
//! Every field of both sections is reachable: canary steps of every kind (`setWeight`,
//! `pause` with and without `duration`, `setCanaryScale` of each form behind a router, an
//! `analysis` step), basic and router canaries with their scale-down delays, dynamic
//! stable scale and minimum pods, background analysis from a starting step; blue-green
//! with preview counts, auto-promotion on, off or delayed, preview traffic and pre- and
//! post-promotion analysis; deadlines that abort or not. Analyses are dropped again by
//! [`strip_analysis`] when the scenario has no traffic to measure.

use crate::scenario_gen::{opt, put};
use crate::scenario_gen_controllers::{fenceposts, probe};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// One inline analysis metric of the simulator's own provider, measuring one of `whose`;
/// `bounded`: always with a `count`, as an analysis the rollout waits for needs.
fn metric(whose: &'static [&'static str], bounded: bool) -> BoxedStrategy<Value> {
    let measured = prop_oneof![
        Just(("error_rate", "result < 0.05")),
        Just(("success_rate", "result > 0.9")),
        Just(("latency_p95", "result < 400")),
        Just(("ready_ratio", "result >= 0.9")),
    ];
    (
        measured,
        prop::sample::select(whose),
        prop::sample::select(&["10s", "30s", "1m"][..]),
        prop::option::of(0u32..3),
        0u32..3,
        prop::option::of(prop::sample::select(&["source", "destination"][..])),
    )
        .prop_map(
            move |((quantity, condition), of, interval, more, limit, reporter)| {
                // Argo's validation: `count` at least `failureLimit` (and at least 1); none (runs
                // indefinitely) only in a background analysis.
                let more = if bounded {
                    Some(more.unwrap_or(0))
                } else {
                    more
                };
                let count = more.map_or(Value::Null, |k| json!((limit + k).max(1)));
                let mut m = Map::new();
                put(&mut m, "name", json!(format!("{quantity}-{of}")));
                put(&mut m, "interval", json!(interval));
                put(&mut m, "count", count);
                put(&mut m, "failureLimit", json!(limit));
                put(&mut m, "successCondition", json!(condition));
                let mut measured = json!({"metric": quantity, "of": of, "window": interval});
                if let Some(reporter) = reporter {
                    measured["reporter"] = json!(reporter);
                }
                put(&mut m, "provider", json!({ "rollout-sim": measured }));
                Value::Object(m)
            },
        )
        .boxed()
}

/// Canary and stable pods both serve while a canary runs, and before a blue-green switch.
const BOTH: &[&str] = &["canary", "stable"];

fn metrics(whose: &'static [&'static str], bounded: bool) -> BoxedStrategy<Value> {
    prop::collection::vec(metric(whose, bounded), 1..3)
        .prop_map(|mut v| {
            // Names are unique within an analysis.
            for (i, m) in v.iter_mut().enumerate() {
                let name = format!("{}-{i}", m["name"].as_str().unwrap_or("m"));
                m["name"] = json!(name);
            }
            json!(v)
        })
        .boxed()
}

/// The Rollout's spec fields both strategies take.
fn spec() -> BoxedStrategy<Map<String, Value>> {
    (
        0u32..30,
        opt(prop_oneof![Just(json!("never")), (61u32..900).prop_map(|s| json!(s))].boxed()),
        any::<bool>(),
    )
        .prop_map(|(min_ready, deadline, abort)| {
            let mut m = Map::new();
            put(&mut m, "minReadySeconds", json!(min_ready));
            put(&mut m, "progressDeadlineSeconds", deadline);
            put(&mut m, "progressDeadlineAbort", json!(abort));
            m
        })
        .boxed()
}

/// The pods' probes, grace period and PodDisruptionBudget (counted over the Rollout's
/// ReplicaSets, which the faults' drains exercise).
fn service() -> BoxedStrategy<Map<String, Value>> {
    let budget = prop_oneof![
        (0u32..4).prop_map(|n| json!({"maxUnavailable": n})),
        (0u32..=100).prop_map(|p| json!({"maxUnavailable": format!("{p}%")})),
        (0u32..8).prop_map(|n| json!({"minAvailable": n})),
        (0u32..=100).prop_map(|p| json!({"minAvailable": format!("{p}%")})),
    ];
    (
        opt(probe(true)),
        opt(probe(false)),
        opt((0u32..40).prop_map(|s| json!(s)).boxed()),
        opt(budget.boxed()),
    )
        .prop_map(|(readiness, liveness, grace, budget)| {
            let mut s = Map::new();
            put(&mut s, "readinessProbe", readiness);
            put(&mut s, "livenessProbe", liveness);
            put(&mut s, "terminationGracePeriodSeconds", grace);
            put(&mut s, "podDisruptionBudget", budget);
            s
        })
        .boxed()
}

/// One canary step; `router`: the steps only a traffic router takes may appear.
fn step(router: bool) -> BoxedStrategy<Value> {
    let scale = prop_oneof![
        (0u32..12).prop_map(|n| json!({"replicas": n})),
        (0u32..=100).prop_map(|w| json!({"weight": w})),
        Just(json!({"matchTrafficWeight": true})),
    ];
    let common = prop_oneof![
        4 => (0u32..=100).prop_map(|w| json!({"setWeight": w})),
        2 => (1u32..300).prop_map(|s| json!({"pause": {"duration": format!("{s}s")}})),
        1 => Just(json!({"pause": {}})),
        1 => metrics(BOTH, true).prop_map(|m| json!({"analysis": {"metrics": m}})),
        1 => experiment(),
    ];
    if router {
        prop_oneof![4 => common, 1 => scale.prop_map(|s| json!({"setCanaryScale": s}))].boxed()
    } else {
        common.boxed()
    }
}

/// An `experiment` step: one or two templates of 0 to 2 pods, a duration or not, and an
/// analysis of the templates' ready ratio (required for completion or not). No `weight`:
/// a template behind a router without one gets no requests, so the analysis reads pods.
fn experiment() -> BoxedStrategy<Value> {
    (
        (0u32..3, 0u32..3, any::<bool>()),
        prop::option::of(1u32..600),
        prop::option::of(any::<bool>()),
        prop::option::of(0u32..60),
    )
        .prop_map(|((base, can, both), duration, analysis, delay)| {
            let mut templates = vec![json!({"name": "can", "specRef": "canary", "replicas": can})];
            if both {
                templates.push(json!({"name": "base", "specRef": "stable", "replicas": base}));
            }
            let mut e = Map::new();
            put(&mut e, "templates", json!(templates));
            if let Some(d) = duration {
                put(&mut e, "duration", json!(format!("{d}s")));
            }
            if let Some(d) = delay {
                put(&mut e, "scaleDownDelaySeconds", json!(d));
            }
            if let Some(required) = analysis {
                let metric = json!({"name": "up", "interval": "20s", "count": 3,
                    "successCondition": "result >= 0.5",
                    "provider": {"rollout-sim": {"metric": "ready_ratio", "of": "canary"}}});
                put(
                    &mut e,
                    "analyses",
                    json!([{"name": "a", "requiredForCompletion": required, "metrics": [metric]}]),
                );
            }
            json!({"experiment": Value::Object(e)})
        })
        .boxed()
}

/// `strategy.canary` and its service fields.
pub fn canary() -> BoxedStrategy<(Value, Map<String, Value>)> {
    let router = prop_oneof![
        Just(json!({})),
        (1u32..=100).prop_map(|s| json!({"headerRoute": {"share": f64::from(s) / 100.0}})),
        (100u32..1000).prop_map(|t| json!({"maxTrafficWeight": t})),
    ];
    let routed = (
        router,
        prop::collection::vec(step(true), 0..5),
        (0u32..60, 0u32..60, any::<bool>(), 0u32..4),
    )
        .prop_map(
            |(routing, steps, (delay, abort_delay, dynamic, min_pods))| {
                let mut c = Map::new();
                put(&mut c, "trafficRouting", routing);
                put(&mut c, "steps", json!(steps));
                if !dynamic {
                    // Argo's validation refuses it with `dynamicStableScale`.
                    put(&mut c, "scaleDownDelaySeconds", json!(delay));
                }
                put(&mut c, "abortScaleDownDelaySeconds", json!(abort_delay));
                put(&mut c, "dynamicStableScale", json!(dynamic));
                put(&mut c, "minPodsPerReplicaSet", json!(min_pods));
                c
            },
        );
    let basic = prop::collection::vec(step(false), 0..5).prop_map(|steps| {
        let mut c = Map::new();
        put(&mut c, "steps", json!(steps));
        c
    });
    (
        prop_oneof![basic, routed],
        fenceposts(),
        opt((0u32..5, metrics(BOTH, false))
            .prop_map(|(from, m)| json!({"startingStep": from, "metrics": m}))
            .boxed()),
        spec(),
        service(),
        opt(prop_oneof![
            (1u32..=100).prop_map(|v| json!({"type": "Percent", "value": v})),
            (1u32..12).prop_map(|v| json!({"type": "Pods", "value": v})),
        ]
        .boxed()),
    )
        .prop_map(
            |(mut c, (surge, unavailable), background, spec, service, threshold)| {
                put(&mut c, "maxSurge", surge);
                put(&mut c, "maxUnavailable", unavailable);
                put(&mut c, "replicaProgressThreshold", threshold);
                if let Some(mut b) = background.as_object().cloned() {
                    // Start within the steps.
                    let steps = c["steps"].as_array().map_or(0, Vec::len) as u64;
                    let from = b["startingStep"].as_u64().unwrap_or(0);
                    if steps == 0 {
                        b.remove("startingStep");
                    } else {
                        b.insert("startingStep".into(), json!(from.min(steps - 1)));
                    }
                    put(&mut c, "analysis", Value::Object(b));
                }
                c.extend(spec);
                (json!({"canary": c}), service)
            },
        )
        .boxed()
}

/// `strategy.blueGreen` and its service fields.
pub fn blue_green() -> BoxedStrategy<(Value, Map<String, Value>)> {
    (
        (
            opt((0u32..6).prop_map(|n| json!(n)).boxed()),
            any::<bool>(),
            0u32..60,
            (0u32..60, 0u32..60),
        ),
        (
            opt((1u32..=20)
                .prop_map(|s| json!({"share": f64::from(s) / 100.0}))
                .boxed()),
            opt(metrics(BOTH, true)
                .prop_map(|m| json!({"metrics": m}))
                .boxed()),
            // After the switch the previous version gets no requests.
            opt(metrics(&["canary"], true)
                .prop_map(|m| json!({"metrics": m}))
                .boxed()),
        ),
        spec(),
        service(),
    )
        .prop_map(
            |(
                (preview, auto, auto_after, (delay, abort_delay)),
                (traffic, pre, post),
                spec,
                service,
            )| {
                let mut b = Map::new();
                put(&mut b, "previewReplicaCount", preview);
                put(&mut b, "autoPromotionEnabled", json!(auto));
                put(&mut b, "autoPromotionSeconds", json!(auto_after));
                put(&mut b, "scaleDownDelaySeconds", json!(delay));
                put(&mut b, "abortScaleDownDelaySeconds", json!(abort_delay));
                // A pre-promotion metric of the preview's requests needs some.
                let traffic = if traffic.is_null() && !pre.is_null() {
                    json!({"share": 0.05})
                } else {
                    traffic
                };
                put(&mut b, "previewTraffic", traffic);
                put(&mut b, "prePromotionAnalysis", pre);
                put(&mut b, "postPromotionAnalysis", post);
                b.extend(spec);
                (json!({"blueGreen": b}), service)
            },
        )
        .boxed()
}

/// The Argo Rollouts actions: promote (`--full` too), abort, retry.
pub fn actions() -> BoxedStrategy<Value> {
    let one = (
        crate::scenario_gen::duration(600_000),
        prop::sample::select(&["promote", "promote --full", "abort", "retry"][..]),
    )
        .prop_map(|(at, what)| match what {
            "promote --full" => json!({"at": at, "rollout": "promote", "full": true}),
            _ => json!({"at": at, "rollout": what}),
        });
    prop_oneof![2 => Just(json!([])), 3 => prop::collection::vec(one, 1..4).prop_map(|v| json!(v))]
        .boxed()
}

/// Without traffic there is nothing to measure: drop every analysis of the strategy
/// section `section` (its steps, its background run, the blue-green runs).
pub fn strip_analysis(section: &mut Value) {
    let Some(s) = section.as_object_mut() else {
        return;
    };
    for key in ["analysis", "prePromotionAnalysis", "postPromotionAnalysis"] {
        s.remove(key);
    }
    if let Some(steps) = s.get_mut("steps").and_then(Value::as_array_mut) {
        steps.retain(|st| st.get("analysis").is_none());
        for st in steps.iter_mut() {
            if let Some(e) = st.get_mut("experiment").and_then(Value::as_object_mut) {
                e.remove("analyses");
            }
        }
    }
}
