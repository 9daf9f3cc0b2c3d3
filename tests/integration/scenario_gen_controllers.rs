//! proptest strategies for random valid controller sections of the built-in strategies,
//! for [`crate::scenario_gen::scenario`]: Swarm's `update_config` (stop-first and
//! start-first, each `failure_action`, a `rollback_config`), Kubernetes RollingUpdate
//! (integer and percent fenceposts) and Recreate with its probes, and Flagger's canary
//! analysis. The Argo Rollouts sections are in [`crate::scenario_gen_argo`].

use crate::scenario_gen::{duration, opt, positive_duration, put};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Swarm `update_config` (`rollback_config` when `rollback`, which cannot roll back).
fn update_config(rollback: bool) -> BoxedStrategy<Value> {
    let actions: &[&str] = if rollback {
        &["pause", "continue"]
    } else {
        &["pause", "continue", "rollback"]
    };
    (
        0u32..4,
        duration(10_000),
        prop::sample::select(actions),
        duration(30_000),
        prop_oneof![Just(0.0f64), 0.0f64..=1.0],
        prop::sample::select(&["stop-first", "start-first"][..]),
    )
        .prop_map(|(p, delay, fa, monitor, ratio, order)| {
            json!({"parallelism": p, "delay": delay, "failure_action": fa, "monitor": monitor,
                   "max_failure_ratio": ratio, "order": order})
        })
        .boxed()
}

/// Swarm strategy and its service fields (HEALTHCHECK, restart policy, grace period).
pub(crate) fn swarm() -> BoxedStrategy<(Value, Map<String, Value>)> {
    let healthcheck = (
        positive_duration(200, 10_000),
        positive_duration(100, 5_000),
        1u32..4,
        duration(60_000),
        positive_duration(100, 5_000),
        prop_oneof![Just(0.0f64), 0.0f64..0.2],
    )
        .prop_map(|(interval, timeout, retries, sp, si, flaky)| {
            json!({"interval": interval, "timeout": timeout, "retries": retries,
                   "start_period": sp, "start_interval": si, "flaky": flaky})
        });
    let restart = (
        prop::sample::select(&["any", "on-failure", "none"][..]),
        duration(10_000),
        0u32..4,
    )
        .prop_map(|(c, d, n)| json!({"condition": c, "delay": d, "max_attempts": n}));
    (
        update_config(false),
        opt(update_config(true)),
        opt(healthcheck.boxed()),
        opt(restart.boxed()),
        opt(duration(20_000)),
    )
        .prop_map(|(update, rollback, hc, restart, grace)| {
            let mut sw = Map::new();
            put(&mut sw, "update_config", update);
            put(&mut sw, "rollback_config", rollback);
            let mut service = Map::new();
            put(&mut service, "healthcheck", hc);
            put(&mut service, "restart", restart);
            put(&mut service, "stop_grace_period", grace);
            (json!({"swarm": sw}), service)
        })
        .boxed()
}

/// An integer or a percentage (`maxSurge`, `maxUnavailable`).
fn int_or_percent() -> BoxedStrategy<Value> {
    prop_oneof![
        (0u32..4).prop_map(|n| json!(n)),
        (0u32..=100).prop_map(|p| json!(format!("{p}%"))),
    ]
    .boxed()
}

/// A Kubernetes probe; `readiness` may have a success threshold above 1.
pub(crate) fn probe(readiness: bool) -> BoxedStrategy<Value> {
    let max_success = if readiness { 3 } else { 1 };
    (
        0u32..10,
        1u32..6,
        1u32..4,
        1..=max_success,
        1u32..5,
        prop_oneof![Just(0.0f64), 0.0f64..0.2],
    )
        .prop_map(|(delay, period, timeout, success, failure, flaky)| {
            json!({"initialDelaySeconds": delay, "periodSeconds": period, "timeoutSeconds": timeout,
                   "successThreshold": success, "failureThreshold": failure, "flaky": flaky})
        })
        .boxed()
}

/// `(maxSurge, maxUnavailable)` of a Deployment or an Argo canary: both zero is refused
/// (by the API server, by Argo's validation), so then unavailable is 1.
pub(crate) fn fenceposts() -> BoxedStrategy<(Value, Value)> {
    (int_or_percent(), int_or_percent())
        .prop_map(|(surge, unavailable)| {
            let zero = |v: &Value| v == &json!(0) || v == &json!("0%");
            if zero(&surge) && zero(&unavailable) {
                (surge, json!(1))
            } else {
                (surge, unavailable)
            }
        })
        .boxed()
}

/// Kubernetes strategy and its service fields (probes, grace period, preStop).
pub(crate) fn kubernetes() -> BoxedStrategy<(Value, Map<String, Value>)> {
    let rolling = fenceposts().prop_map(|(surge, unavailable)| {
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}})
    });
    let kind = prop_oneof![
        3 => rolling,
        1 => Just(json!({"type": "Recreate"})),
        1 => Just(Value::Null),
    ];
    let deadline = prop_oneof![
        Just(Value::Null),
        Just(json!("never")),
        (61u32..900).prop_map(|s| json!(s))
    ];
    (
        kind,
        0u32..60,
        deadline,
        any::<bool>(),
        (opt(probe(true)), opt(probe(false)), opt(probe(false))),
        (opt(duration(40_000)), opt(duration(6_000))),
    )
        .prop_map(
            |(kind, min_ready, deadline, auto, (rp, lp, sp), (grace, pre_stop))| {
                let mut k = Map::new();
                put(&mut k, "strategy", kind);
                put(&mut k, "minReadySeconds", json!(min_ready));
                put(&mut k, "progressDeadlineSeconds", deadline);
                put(&mut k, "autoRollback", json!(auto));
                let mut service = Map::new();
                put(&mut service, "readinessProbe", rp);
                put(&mut service, "livenessProbe", lp);
                put(&mut service, "startupProbe", sp);
                put(&mut service, "terminationGracePeriodSeconds", grace);
                put(&mut service, "pre_stop", pre_stop);
                (json!({"kubernetes": k}), service)
            },
        )
        .boxed()
}

/// A DaemonSet's `updateStrategy` (`maxUnavailable` alone, or `maxSurge` with
/// `maxUnavailable: 0`: the API server refuses both non-zero or both zero) and its
/// service fields, as a Deployment's.
pub(crate) fn daemon_set() -> BoxedStrategy<(Value, Map<String, Value>)> {
    let nonzero = prop_oneof![
        (1u32..4).prop_map(|n| json!(n)),
        (1u32..=100).prop_map(|p| json!(format!("{p}%"))),
    ];
    let rolling = prop_oneof![
        2 => nonzero.clone().prop_map(|u| json!({"maxUnavailable": u})),
        1 => nonzero.prop_map(|s| json!({"maxUnavailable": 0, "maxSurge": s})),
        1 => Just(Value::Null),
    ];
    (kubernetes(), rolling, 0u32..30)
        .prop_map(|((_, service), rolling, min_ready)| {
            let mut d = Map::new();
            put(&mut d, "updateStrategy", json!({"rollingUpdate": rolling}));
            put(&mut d, "minReadySeconds", json!(min_ready));
            (json!({"daemonSet": d}), service)
        })
        .boxed()
}

/// A StatefulSet's settings (either pod management policy, a partition, sometimes
/// `maxUnavailable`) and its service fields, as a Deployment's.
pub(crate) fn stateful_set() -> BoxedStrategy<(Value, Map<String, Value>)> {
    let max_unavailable = prop_oneof![
        2 => Just(Value::Null),
        1 => (1u32..4).prop_map(|n| json!(n)),
        1 => (1u32..=100).prop_map(|p| json!(format!("{p}%"))),
    ];
    let policy = prop::sample::select(&["OrderedReady", "Parallel"][..]);
    (kubernetes(), policy, 0u32..4, max_unavailable, 0u32..30)
        .prop_map(
            |((_, service), policy, partition, max_unavailable, min_ready)| {
                let mut rolling = Map::new();
                put(&mut rolling, "partition", json!(partition));
                put(&mut rolling, "maxUnavailable", max_unavailable);
                let mut d = Map::new();
                put(&mut d, "podManagementPolicy", json!(policy));
                put(&mut d, "updateStrategy", json!({"rollingUpdate": rolling}));
                put(&mut d, "minReadySeconds", json!(min_ready));
                (json!({"statefulSet": d}), service)
            },
        )
        .boxed()
}

/// A PodDisruptionBudget under Flagger: either limit, a count or a percentage, selecting
/// the primary's pods or the canary's.
fn flagger_budget() -> BoxedStrategy<Value> {
    let limit = prop_oneof![
        (0u32..4).prop_map(|n| ("maxUnavailable", json!(n))),
        (0u32..=100).prop_map(|p| ("maxUnavailable", json!(format!("{p}%")))),
        (0u32..8).prop_map(|n| ("minAvailable", json!(n))),
        (0u32..=100).prop_map(|p| ("minAvailable", json!(format!("{p}%")))),
    ];
    let selects = prop::sample::select(&["primary", "canary"][..]);
    (limit, selects)
        .prop_map(|((field, value), selects)| json!({field: value, "selects": selects}))
        .boxed()
}

/// Flagger's `analysis` (canary weights, a ladder, blue/green iterations, mirrored or not,
/// or A/B testing) and its service fields (probes, a PodDisruptionBudget selecting the
/// primary's pods or the canary's, which the faults' drains exercise). Metrics are dropped
/// by [`scenario`] when there is no traffic.
pub(crate) fn flagger() -> BoxedStrategy<(Value, Map<String, Value>)> {
    let mode = prop_oneof![
        3 => (1u32..=100, 0u32..=100).prop_map(|(s, m)| json!({"stepWeight": s, "maxWeight": m})),
        1 => prop::collection::btree_set(1u32..=100, 1..5)
            .prop_map(|ws| json!({"stepWeights": ws.into_iter().collect::<Vec<_>>()})),
        1 => (1u32..5).prop_map(|i| json!({"iterations": i})),
    ];
    let metric = prop_oneof![
        (80u32..=100)
            .prop_map(|m| json!({"name": "request-success-rate", "thresholdRange": {"min": m}})),
        (10u32..2000)
            .prop_map(|m| json!({"name": "request-duration", "threshold": m, "interval": "30s"})),
    ];
    (
        mode,
        prop::sample::select(&["5s", "10s", "30s", "1m"][..]),
        0u32..6,
        prop::collection::vec(metric, 0..3),
        (0u32..=100, 0u32..=100),
        opt((30u32..900).prop_map(|s| json!(s)).boxed()),
        (opt(probe(true)), opt(probe(false))),
        (prop::option::of(0u32..=100), prop::option::of(1u32..=100)),
        opt(flagger_budget()),
    )
        .prop_map(
            |(
                mode,
                interval,
                threshold,
                metrics,
                (promotion, ready),
                deadline,
                (rp, lp),
                (mirror, matched),
                budget,
            )| {
                let mut a = mode.as_object().cloned().unwrap_or_default();
                put(&mut a, "interval", json!(interval));
                put(&mut a, "threshold", json!(threshold));
                put(&mut a, "stepWeightPromotion", json!(promotion));
                put(&mut a, "canaryReadyThreshold", json!(ready));
                // A/B `match` (the matched percent of the requests), or mirroring: Istio's
                // router does not mirror the match routes.
                if let Some(percent) = matched {
                    put(
                        &mut a,
                        "match",
                        json!([{"headers": {"x-canary": {"exact": "1"}}}]),
                    );
                    put(&mut a, "matchShare", json!(f64::from(percent) / 100.0));
                } else if let Some(weight) = mirror {
                    put(&mut a, "mirror", json!(true));
                    put(&mut a, "mirrorWeight", json!(weight));
                }
                // A blue/green's checks need a load test or mirroring to see requests.
                if !a.contains_key("iterations") || mirror.is_some() || matched.is_some() {
                    put(&mut a, "metrics", json!(metrics));
                }
                let mut f = Map::new();
                put(&mut f, "analysis", Value::Object(a));
                put(&mut f, "progressDeadlineSeconds", deadline);
                let mut service = Map::new();
                put(&mut service, "readinessProbe", rp);
                put(&mut service, "livenessProbe", lp);
                put(&mut service, "podDisruptionBudget", budget);
                (json!({"flagger": f}), service)
            },
        )
        .boxed()
}
