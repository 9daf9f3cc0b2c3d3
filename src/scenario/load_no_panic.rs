//! Property tests: no text, tree or `--set` makes loading a scenario panic.

use super::tests::CONTRACT_EXAMPLE;
use crate::scenario::{Format, Override, SetBy, load_str};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-z0-9.%]{0,8}".prop_map(Value::from),
        prop_oneof![
            Just("never"),
            Just("1s"),
            Just("25%"),
            Just("-1"),
            Just("1.5s"),
            Just("500m"),
            Just("8Gi"),
            Just("current"),
            Just("next"),
            Just("ideal"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Keys that exist somewhere in the schema, so random trees get past the first level.
fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "name",
        "seed",
        "trials",
        "horizon",
        "cluster",
        "nodes",
        "node",
        "cpu",
        "memory",
        "image_cached",
        "service",
        "replicas",
        "versions",
        "current",
        "next",
        "pull",
        "uniform",
        "min",
        "max",
        "mixture",
        "weight",
        "dist",
        "lognormal",
        "median",
        "p99",
        "strategy",
        "swarm",
        "kubernetes",
        "rollingUpdate",
        "maxSurge",
        "maxUnavailable",
        "actions",
        "at",
        "rollout",
        "version",
        "healthcheck",
        "readinessProbe",
        "successThreshold",
        "empirical",
        "samples",
        "zzz",
    ])
    .prop_map(str::to_string)
}

/// Paths whose values are fuzzed through `--set`.
fn path() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "seed",
        "trials",
        "horizon",
        "cluster.nodes",
        "cluster.node.cpu",
        "cluster.node.memory",
        "cluster.image_cached",
        "cluster.control_plane",
        "service.replicas",
        "service.resources.cpu",
        "service.resources.memory",
        "service.stop_grace_period",
        "service.terminationGracePeriodSeconds",
        "service.versions.next.pull",
        "service.versions.next.crash_probability",
        "service.versions.next.capacity_rps",
        "service.versions.other",
        "service.healthcheck",
        "service.livenessProbe.successThreshold",
        "service.restart.condition",
        "strategy",
        "strategy.swarm.update_config",
        "strategy.kubernetes.strategy",
        "strategy.kubernetes.progressDeadlineSeconds",
        "strategy.kubernetes.strategy.rollingUpdate.maxSurge",
        "actions",
        "checks",
        "cluster.nodes.0",
        "actions.0.version",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = load_str(&text, "x.yaml", Format::Yaml, &[]);
        let _ = load_str(&text, "x.json", Format::Json, &[]);
    }

    #[test]
    fn arbitrary_trees_never_panic(tree in json_value()) {
        let text = serde_json::to_string(&tree).unwrap();
        let _ = load_str(&text, "x.json", Format::Json, &[]);
    }

    #[test]
    fn arbitrary_overrides_never_panic(
        sets in prop::collection::vec((path(), json_value()), 1..4)
    ) {
        let sets: Vec<Override> = sets
            .into_iter()
            .map(|(path, v)| Override {
                path,
                value: serde_json::to_string(&v).unwrap(),
                set_by: SetBy::Set,
            })
            .collect();
        let _ = load_str(CONTRACT_EXAMPLE, "x.yaml", Format::Yaml, &sets);
    }

    #[test]
    fn arbitrary_override_text_never_panics(arg in "[a-z.0-9]{0,20}=.{0,20}") {
        if let Ok(o) = arg.parse::<Override>() {
            let _ = load_str("", "x.yaml", Format::Yaml, &[o]);
        }
    }
}
