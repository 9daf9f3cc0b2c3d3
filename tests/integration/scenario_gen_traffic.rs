//! `traffic` for [`crate::scenario_gen::scenario`]: off, or on with a constant, step or
//! diurnal rate, each arrival process and balancer, endpoint propagation, a queue limit,
//! a measured window, an SLO and a proxy's retries (Istio's default `retryOn` or one of
//! each kind).

use crate::scenario_gen::{dist, ms, opt, positive_duration, put};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// `traffic`, or null (no traffic).
pub fn traffic() -> BoxedStrategy<Value> {
    let rate = prop_oneof![
        (1u32..500).prop_map(|r| ("rps", json!(r))),
        prop::collection::btree_map(0u64..600, 0u32..500, 1..4).prop_map(|steps| {
            let rows: Vec<Value> = steps
                .into_iter()
                .map(|(at, rps)| json!({"at": format!("{at}s"), "rps": rps}))
                .collect();
            ("profile", json!({"step": rows}))
        }),
        (1u32..500, 0.0f64..=1.0, 60u32..7200, 0u32..3600).prop_map(|(rps, a, period, peak)| {
            (
                "profile",
                json!({"diurnal": {"rps": rps, "amplitude": a, "period": format!("{period}s"),
                                           "peak_at": format!("{peak}s")}}),
            )
        }),
    ];
    let tick_ms = prop::sample::select(&[250u64, 500, 1000, 2000][..]);
    let on = (
        rate,
        prop::sample::select(&["poisson", "constant"][..]),
        prop::sample::select(&["round-robin", "random", "least-request"][..]),
        opt(dist(3_000)),
        tick_ms,
        opt((1u32..200).prop_map(|q| json!(q)).boxed()),
        opt(positive_duration(1_000, 900_000)),
        prop::option::of((0.5f64..=1.0, 1u64..20)),
        // A proxy's retries: Istio's default, or a `retryOn` of each kind.
        prop::option::of((
            1u32..5,
            prop::option::of(prop::sample::select(
                &[
                    "5xx",
                    "connect-failure",
                    "gateway-error",
                    "503",
                    "500,connect-failure",
                    "retriable-status-codes",
                ][..],
            )),
        )),
    )
        .prop_map(
            |((key, rate), arrivals, balancer, prop, tick, queue, duration, slo, retries)| {
                let mut m = Map::new();
                put(&mut m, key, rate);
                put(&mut m, "arrivals", json!(arrivals));
                put(&mut m, "balancer", json!(balancer));
                put(&mut m, "endpoint_propagation", prop);
                put(&mut m, "tick", ms(tick));
                put(&mut m, "queue_limit", queue);
                put(&mut m, "duration", duration);
                if let Some((a, ticks)) = slo {
                    put(
                        &mut m,
                        "slo",
                        json!({"availability": a, "window": ms(tick * ticks)}),
                    );
                }
                if let Some((attempts, on)) = retries {
                    let mut r = json!({"attempts": attempts});
                    if let Some(on) = on {
                        r["retryOn"] = json!(on);
                    }
                    put(&mut m, "retries", r);
                }
                Value::Object(m)
            },
        );
    prop_oneof![1 => Just(Value::Null), 1 => on].boxed()
}
