//! proptest strategies for random *valid* scenarios, built as the scenario file's tree
//! (a `serde_json::Value`), so every generated scenario goes through the same parsing and
//! validation as a user's file. The tree is written out as JSON, and the same text is
//! also read as YAML (JSON is a subset of YAML's flow style).
//!
//! Every strategy, distribution, fault, action and control plane of the scenario format
//! is reachable: Swarm stop-first/start-first with each `failure_action`, Kubernetes
//! RollingUpdate (integer and percent) and Recreate, the three probes and the
//! HEALTHCHECK, all distribution kinds (a file-backed `empirical` too), scheduled and
//! random node loss, pull failures, the rollout controls and `scale`, the
//! `ideal`/`docker-20.10`/`kubernetes` profiles and phase maps, and traffic on or off;
//! the Swarm, Kubernetes and Flagger sections come from
//! [`crate::scenario_gen_controllers`], Argo Rollouts canary and blue-green sections from
//! [`crate::scenario_gen_argo`],
//! placement (labels, taints, roles, each orchestrator's service fields) from
//! [`crate::scenario_gen_placement`], `traffic` from [`crate::scenario_gen_traffic`],
//! `cluster.autoscaler` from [`crate::scenario_gen_autoscaler`], and the starting fleet
//! is sized to the nodes by [`crate::scenario_gen_fleet`].
//!
//! Sizes stay small (≤ 12 replicas mostly, a few up to 80) so one case runs in
//! milliseconds in a debug build; the horizon is at most an hour.

use crate::scenario_gen_controllers::{flagger, kubernetes, swarm};
use crate::scenario_gen_fleet::{fit_fleet, held, node_shapes};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The file name `empirical: {file}` distributions read, relative to the scenario; its
/// one column, `seconds`, holds [`EMPIRICAL_SAMPLES`].
pub const EMPIRICAL_FILE: &str = "latency.csv";
/// The samples of [`EMPIRICAL_FILE`], in seconds.
pub const EMPIRICAL_SAMPLES: &[f64] = &[0.2, 0.5, 0.5, 1.0, 2.5, 7.0];

/// Which controller a generated scenario uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `strategy.swarm`.
    Swarm,
    /// `strategy.kubernetes`.
    Kubernetes,
    /// `strategy.flagger` (Kubernetes pods; no user actions).
    Flagger,
    /// `strategy.canary` (Argo Rollouts; promote, abort and retry its only actions).
    Canary,
    /// `strategy.blueGreen` (Argo Rollouts).
    BlueGreen,
    /// `strategy.daemonSet` (one pod a node; undo, update and restart its only actions).
    DaemonSet,
    /// `strategy.statefulSet` (ordinals; undo, update, restart and scale its actions).
    StatefulSet,
}

impl Family {
    /// Pods on a kubelet (Kubernetes' probes and node lifecycle), not Swarm tasks.
    fn kubelet(self) -> bool {
        self != Family::Swarm
    }

    /// An Argo Rollout.
    fn argo(self) -> bool {
        matches!(self, Family::Canary | Family::BlueGreen)
    }

    /// Takes a required pod anti-affinity: pods the kube-scheduler places, but not
    /// Flagger's, which the loader refuses it for.
    fn pod_anti_affinity(self) -> bool {
        self.kubelet() && self != Family::Flagger
    }

    /// Takes `cluster.autoscaler`: pods the kube-scheduler places, not a DaemonSet's.
    fn autoscaled(self) -> bool {
        self.kubelet() && self != Family::DaemonSet
    }
}

/// A duration written in one of the accepted spellings: `"1500ms"`, `"2s"`, a bare
/// number of seconds.
pub(crate) fn duration(max_ms: u64) -> BoxedStrategy<Value> {
    prop_oneof![
        4 => (0..=max_ms).prop_map(|ms| json!(format!("{ms}ms"))),
        1 => (0..=max_ms / 1000).prop_map(|s| json!(format!("{s}s"))),
        1 => (0..=max_ms / 1000).prop_map(|s| json!(s)),
    ]
    .boxed()
}

/// A strictly positive duration.
pub(crate) fn positive_duration(min_ms: u64, max_ms: u64) -> BoxedStrategy<Value> {
    (min_ms.max(1)..=max_ms)
        .prop_map(|ms| json!(format!("{ms}ms")))
        .boxed()
}

pub(crate) fn ms(v: u64) -> Value {
    json!(format!("{v}ms"))
}

/// One distribution of every kind but `mixture` (whose parts are these); `max_ms` scales
/// its typical values.
fn simple_dist(max_ms: u64) -> BoxedStrategy<Value> {
    let m = max_ms.max(2);
    prop_oneof![
        duration(m),
        (1..m).prop_map(|c| json!({"constant": ms(c)})),
        (0..m, 0..m)
            .prop_map(|(a, b)| json!({"uniform": {"min": ms(a.min(b)), "max": ms(a.max(b))}})),
        (0..m, 0..m / 2)
            .prop_map(|(mean, sd)| json!({"normal": {"mean": ms(mean), "stddev": ms(sd)}})),
        (1..m, 1u64..6)
            .prop_map(|(med, f)| json!({"lognormal": {"median": ms(med), "p99": ms(med * f)}})),
        (-3.0f64..1.5, 0.0f64..1.5)
            .prop_map(|(mu, sigma)| json!({"lognormal": {"mu": mu, "sigma": sigma}})),
        (1..m).prop_map(|mean| json!({"exponential": {"mean": ms(mean)}})),
        (0.3f64..4.0, 1..m).prop_map(|(k, s)| json!({"gamma": {"shape": k, "scale": ms(s)}})),
        (0.3f64..4.0, 1..m).prop_map(|(k, s)| json!({"weibull": {"shape": k, "scale": ms(s)}})),
        prop::collection::vec(0..m, 1..5).prop_map(
            |v| json!({"empirical": {"samples": v.into_iter().map(ms).collect::<Vec<_>>()}})
        ),
        Just(json!({"empirical": {"file": EMPIRICAL_FILE, "column": "seconds"}})),
    ]
    .boxed()
}

/// Any distribution, `mixture` included (of simple ones: the tree stays two deep).
pub fn dist(max_ms: u64) -> BoxedStrategy<Value> {
    prop_oneof![
        8 => simple_dist(max_ms),
        1 => prop::collection::vec((0.1f64..5.0, simple_dist(max_ms)), 1..4).prop_map(|parts| {
            json!({"mixture": parts
                .into_iter()
                .map(|(w, d)| json!({"weight": w, "dist": d}))
                .collect::<Vec<_>>()})
        }),
    ]
    .boxed()
}

/// A distribution or, with weight 1 in 4, `never`.
fn dist_or_never(max_ms: u64) -> BoxedStrategy<Value> {
    prop_oneof![3 => dist(max_ms), 1 => Just(json!("never"))].boxed()
}

/// A probability that is often exactly 0, sometimes 1.
fn probability() -> BoxedStrategy<Value> {
    prop_oneof![4 => Just(json!(0.0)), 3 => (0.0f64..=0.5).prop_map(|p| json!(p)), 1 => Just(json!(1.0))]
        .boxed()
}

/// Insert `key: value` when `value` is not null (a field left out takes its default).
pub(crate) fn put(m: &mut Map<String, Value>, key: &str, value: Value) {
    if !value.is_null() {
        m.insert(key.to_string(), value);
    }
}

/// `Some(x)` as `x`, `None` as null (left out).
pub(crate) fn opt(s: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop::option::of(s)
        .prop_map(|v| v.unwrap_or(Value::Null))
        .boxed()
}

/// One version's fields.
fn version(image: &'static str) -> BoxedStrategy<Value> {
    (
        (
            opt(dist(20_000)),
            opt(dist(5_000)),
            opt(dist_or_never(20_000)),
        ),
        (
            probability(),
            opt(dist_or_never(120_000)),
            opt(dist_or_never(300_000)),
        ),
        (opt(dist(5_000)), probability(), opt(dist(200))),
        opt((1u32..200).prop_map(|r| json!(r)).boxed()),
    )
        .prop_map(
            move |((pull, start, ready), (crash, crash_after, hang), (shutdown, err, svc), cap)| {
                let mut m = Map::new();
                put(&mut m, "image", json!(format!("app:{image}")));
                put(&mut m, "pull", pull);
                put(&mut m, "start", start);
                put(&mut m, "ready_after", ready);
                put(&mut m, "crash_probability", crash);
                put(&mut m, "crash_after", crash_after);
                put(&mut m, "hang_after", hang);
                put(&mut m, "shutdown", shutdown);
                put(&mut m, "error_rate", err);
                put(&mut m, "service_time", svc);
                put(&mut m, "capacity_rps", cap);
                Value::Object(m)
            },
        )
        .boxed()
}

/// `cluster`: a node count or a named list; which images are cached; the control plane.
fn cluster() -> BoxedStrategy<Value> {
    let control_plane = prop_oneof![
        3 => Just(Value::Null),
        1 => Just(json!("ideal")),
        1 => Just(json!("docker-20.10")),
        1 => Just(json!("kubernetes")),
        1 => (opt(dist(2_000)), opt(dist(1_000)), opt((0.0f64..1.0).prop_map(|x| json!(x)).boxed()))
            .prop_map(|(stop, start, slow)| {
                let mut m = Map::new();
                put(&mut m, "stop_signal", stop);
                put(&mut m, "start_after_stop", start);
                put(&mut m, "parallel_start_slowdown", slow);
                Value::Object(m)
            }),
        1 => dist(2_000).prop_map(|d| json!({"profile": "docker-20.10", "stop_signal": d})),
    ];
    let nodes = prop_oneof![
        (1u32..5).prop_map(|n| json!(n)),
        prop::collection::vec((1u32..9, 1u32..9), 1..4).prop_map(|v| {
            json!(v.into_iter().enumerate()
                .map(|(i, (cpu, gi))| json!({"name": format!("n{i}"), "cpu": cpu, "memory": format!("{gi}Gi")}))
                .collect::<Vec<_>>())
        }),
    ];
    let cached = prop_oneof![
        Just(Value::Null),
        Just(json!([])),
        Just(json!(["current", "next"])),
        Just(json!(["next"]))
    ];
    (nodes, 1u32..9, 1u32..17, cached, control_plane)
        .prop_map(|(nodes, cpu, gi, cached, cp)| {
            let mut m = Map::new();
            put(&mut m, "nodes", nodes);
            put(
                &mut m,
                "node",
                json!({"cpu": cpu.to_string(), "memory": format!("{gi}Gi")}),
            );
            put(&mut m, "image_cached", cached);
            put(&mut m, "control_plane", cp);
            Value::Object(m)
        })
        .boxed()
}

/// `actions`: none, `rollout: undo` (Kubernetes: with or without `to_revision`), a
/// roll-over to `v3` (then a third version exists), `scale`, `restart` (Swarm: `docker
/// service update --force`), and the Kubernetes-only `pause` and `resume` (dropped for
/// Swarm, which refuses them).
fn actions() -> BoxedStrategy<Value> {
    let one = prop_oneof![
        duration(180_000).prop_map(|at| json!({"at": at, "rollout": "undo"})),
        duration(180_000).prop_map(|at| json!({"at": at, "rollout": "update", "version": "v3"})),
        (duration(180_000), 0u32..12).prop_map(|(at, n)| json!({"at": at, "scale": n})),
        (duration(180_000), 1u32..5)
            .prop_map(|(at, n)| json!({"at": at, "rollout": "undo", "to_revision": n})),
        duration(180_000).prop_map(|at| json!({"at": at, "rollout": "pause"})),
        duration(180_000).prop_map(|at| json!({"at": at, "rollout": "resume"})),
        duration(180_000).prop_map(|at| json!({"at": at, "rollout": "restart"})),
    ];
    prop_oneof![2 => Just(json!([])), 3 => prop::collection::vec(one, 1..3).prop_map(|v| json!(v))]
        .boxed()
}

/// `faults`; nodes are named by index (0..4), which [`scenario`] trims to the cluster.
fn faults() -> BoxedStrategy<Value> {
    let failure = (
        duration(120_000),
        0u32..4,
        // Back at the instant of the loss is refused (`must be greater than 0`).
        opt(prop_oneof![Just(json!("never")), positive_duration(1, 120_000)].boxed()),
    )
        .prop_map(|(at, node, recover)| {
            let mut m = Map::new();
            put(&mut m, "at", at);
            put(&mut m, "node", json!(node));
            put(&mut m, "recover_after", recover);
            Value::Object(m)
        });
    (
        prop::collection::vec(failure, 0..3),
        opt(positive_duration(10_000, 3_600_000)),
        opt(dist(60_000)),
        opt((0.0f64..=1.0).prop_map(|p| json!({"next": p})).boxed()),
        opt(duration(60_000)),
        opt(duration(400_000)),
        // Before the shortest horizon (a minute): a drain at or past it is refused.
        prop::collection::vec((duration(59_000), 0u32..4, opt(duration(120_000))), 0..3),
    )
        .prop_map(
            |(failures, mtbf, recovery, pull, not_ready, eviction, drains)| {
                let mut m = Map::new();
                if !failures.is_empty() {
                    put(&mut m, "node_failures", json!(failures));
                }
                let drains: Vec<Value> = drains
                    .into_iter()
                    .map(|(at, node, maintenance)| {
                        let mut d = Map::new();
                        put(&mut d, "at", at);
                        put(&mut d, "node", json!(node));
                        put(&mut d, "maintenance", maintenance);
                        Value::Object(d)
                    })
                    .collect();
                if !drains.is_empty() {
                    put(&mut m, "node_drains", json!(drains));
                }
                put(&mut m, "node_mtbf", mtbf);
                put(&mut m, "node_recovery", recovery);
                put(&mut m, "pull_failure_probability", pull);
                put(&mut m, "node_not_ready_after", not_ready);
                put(&mut m, "eviction_after", eviction);
                Value::Object(m)
            },
        )
        .boxed()
}

/// Replica counts: mostly small, sometimes up to 80 (Kubernetes batches pod creation in
/// slow-start batches of 1, 2, 4 … 64+).
fn replicas() -> BoxedStrategy<u32> {
    prop_oneof![9 => 0u32..13, 1 => 13u32..81].boxed()
}

/// Keep the control plane valid for the family: a measured profile belongs to its own
/// orchestrator, and Docker 20.10 has no HEALTHCHECK `start_interval`.
fn fit_control_plane(family: Family, cluster: &mut Value, service: &mut Map<String, Value>) {
    let profile = match &cluster["control_plane"] {
        Value::String(p) => p.clone(),
        Value::Object(m) => m
            .get("profile")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    };
    match (family, profile.as_str()) {
        (f, "docker-20.10") if f.kubelet() => cluster["control_plane"] = json!("kubernetes"),
        (Family::Swarm, "kubernetes") => cluster["control_plane"] = json!("docker-20.10"),
        _ => {}
    }
    // A kubelet never goes through the Docker / Swarm phases: the loader refuses them.
    if family != Family::Swarm
        && let Some(m) = cluster["control_plane"].as_object_mut()
    {
        m.remove("start_after_stop");
    }
    let docker_20_10 = family == Family::Swarm && profile != "ideal" && !profile.is_empty();
    if docker_20_10
        && let Some(hc) = service
            .get_mut("healthcheck")
            .and_then(Value::as_object_mut)
    {
        hc.remove("start_interval");
    }
}

/// A whole valid scenario of `family`, as its file's tree.
pub fn scenario(family: Family) -> BoxedStrategy<Value> {
    let strategy = match family {
        Family::Swarm => swarm(),
        Family::Kubernetes => kubernetes(),
        Family::Flagger => flagger(),
        Family::Canary => crate::scenario_gen_argo::canary(),
        Family::BlueGreen => crate::scenario_gen_argo::blue_green(),
        Family::DaemonSet => crate::scenario_gen_controllers::daemon_set(),
        Family::StatefulSet => crate::scenario_gen_controllers::stateful_set(),
    };
    let actions = if family.argo() {
        crate::scenario_gen_argo::actions()
    } else {
        actions()
    };
    (
        (
            any::<u64>(),
            positive_duration(60_000, 3_600_000),
            cluster(),
        ),
        (replicas(), 1u32..2000, 16u32..1024),
        (version("1"), version("2"), version("3")),
        strategy,
        (
            actions,
            crate::scenario_gen_traffic::traffic(),
            faults(),
            crate::scenario_gen_placement::placement(),
            crate::scenario_gen_autoscaler::autoscaler(),
        ),
    )
        .prop_map(
            move |(
                (seed, horizon, mut cluster),
                (mut replicas, cpu, mem),
                (cur, next, v3),
                (strategy, extra),
                (actions, traffic, faults, placement, autoscaler),
            )| {
                let autoscaler = autoscaler.filter(|_| family.autoscaled());
                let mut actions = actions;
                let mut strategy = strategy;
                if family == Family::Flagger {
                    // No user action is simulated for Flagger; its checks need traffic.
                    actions = Value::Null;
                    if traffic.is_null()
                        && let Some(a) = strategy["flagger"]["analysis"].as_object_mut()
                    {
                        a.remove("metrics");
                    }
                }
                if family.argo() && traffic.is_null() {
                    let key = if family == Family::Canary {
                        "canary"
                    } else {
                        "blueGreen"
                    };
                    crate::scenario_gen_argo::strip_analysis(&mut strategy[key]);
                }
                if matches!(
                    family,
                    Family::Swarm | Family::DaemonSet | Family::StatefulSet
                ) && let Some(list) = actions.as_array_mut()
                {
                    // A Deployment's controls: refused on a Swarm strategy (which has
                    // no revision numbers either), and on a DaemonSet or StatefulSet (no
                    // `spec.paused`).
                    let swarm = family == Family::Swarm;
                    list.retain(|a| {
                        (!swarm || a.get("to_revision").is_none())
                            && !matches!(
                                a.get("rollout").and_then(Value::as_str),
                                Some("pause" | "resume")
                            )
                    });
                }
                let mut versions = Map::new();
                versions.insert("current".into(), cur);
                versions.insert("next".into(), next);
                let needs_v3 = actions
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x.get("version").is_some()));
                if needs_v3 {
                    versions.insert("v3".into(), v3);
                }
                // A starting fleet that does not fit (the nodes its placement allows) is
                // refused by the loader (tested elsewhere): no case is spent on it.
                let mut placement = placement;
                let mut shapes = node_shapes(&cluster);
                let mut limit = 0;
                let mut domains = vec![None; shapes.len()];
                if let Some(p) = placement.as_mut() {
                    if !family.pod_anti_affinity() {
                        p.without_pod_anti_affinity();
                    }
                    if let Some(a) = &autoscaler {
                        a.fit_placement(p);
                    }
                    let (mut allowed, most) =
                        p.make_possible(family.kubelet(), shapes.len(), replicas);
                    if family == Family::DaemonSet {
                        // Every node it is sized on must hold its pod, those whose pod
                        // the spread or the pod anti-affinity would leave Pending too
                        // (the loader lets them wait).
                        allowed = p.daemon_nodes(shapes.len());
                    } else {
                        replicas = p.fit_anti_affinity(&allowed, replicas);
                    }
                    domains = p.anti_affinity_domains(&allowed);
                    shapes = allowed.into_iter().map(|i| shapes[i]).collect();
                    limit = most;
                }
                // One Swarm scenario in four is a global service: one task on each node the
                // placement allows, so each such node must hold one.
                // A DaemonSet always is.
                let global =
                    (family == Family::Swarm && seed % 4 == 0) || family == Family::DaemonSet;
                let (cpu, mem) = if global {
                    let smallest = shapes
                        .iter()
                        .fold((cpu, mem), |(c, m), &(nc, nm)| (c.min(nc), m.min(nm)));
                    (smallest.0.max(1), smallest.1.max(1))
                } else {
                    fit_fleet(&shapes, &domains, limit, replicas, cpu, mem)
                };
                let mut service = extra;
                if family == Family::DaemonSet {
                    // Global by kind: `mode` is left out.
                } else if global {
                    put(&mut service, "mode", json!("global"));
                } else {
                    put(&mut service, "replicas", json!(replicas));
                }
                put(
                    &mut service,
                    "resources",
                    json!({"cpu": format!("{cpu}m"), "memory": format!("{mem}Mi")}),
                );
                put(&mut service, "versions", Value::Object(versions));
                // One scenario in five binds a host port (one task a node), where every
                // task of the starting fleet can have an allowed node (and pod
                // anti-affinity domain) of its own.
                let own_nodes = held(&shapes, &domains, 1, cpu, mem);
                if seed % 5 == 2 && (global || own_nodes >= replicas) {
                    let port = if family.kubelet() {
                        json!([{"containerPort": 80, "hostPort": 8080}])
                    } else {
                        json!([{"target": 80, "published": 8080, "mode": "host"}])
                    };
                    put(&mut service, "ports", port);
                }
                if let Some(p) = &placement {
                    p.apply(family.kubelet(), &mut cluster, &mut service);
                }
                if global {
                    // What sets or bounds a replicated service's size is refused.
                    if let Some(p) = service.get_mut("placement").and_then(Value::as_object_mut) {
                        p.remove("max_replicas_per_node");
                        p.remove("preferences");
                    }
                    if let Some(list) = actions.as_array_mut() {
                        list.retain(|a| a.get("scale").is_none());
                    }
                }
                // Node faults name nodes by index: keep only those the cluster has.
                let nodes = match &cluster["nodes"] {
                    Value::Array(a) => a.len() as u64,
                    n => n.as_u64().unwrap_or(1),
                };
                if let Some(a) = &autoscaler {
                    a.apply(&mut cluster, nodes);
                }
                fit_control_plane(family, &mut cluster, &mut service);
                let mut faults = faults;
                if family == Family::Swarm
                    && let Some(m) = faults.as_object_mut()
                {
                    // Kubernetes' node lifecycle: refused on a Swarm strategy.
                    m.remove("node_not_ready_after");
                    m.remove("eviction_after");
                }
                if let Some(list) = faults
                    .get_mut("node_failures")
                    .and_then(Value::as_array_mut)
                {
                    list.retain(|f| f["node"].as_u64().is_some_and(|i| i < nodes));
                }
                // Each node drained at most once.
                if let Some(list) = faults.get_mut("node_drains").and_then(Value::as_array_mut) {
                    let mut seen = Vec::new();
                    list.retain(|d| {
                        let node = d["node"].as_u64().unwrap_or(u64::MAX);
                        let keep = node < nodes && !seen.contains(&node);
                        seen.push(node);
                        keep
                    });
                }
                if cluster["image_cached"] == json!(["next"]) && needs_v3 {
                    cluster["image_cached"] = json!(["next", "v3"]);
                }
                let mut m = Map::new();
                put(&mut m, "name", json!("random"));
                put(&mut m, "seed", json!(seed));
                put(&mut m, "trials", json!(3));
                put(&mut m, "horizon", horizon);
                put(&mut m, "cluster", cluster);
                put(&mut m, "service", Value::Object(service));
                put(&mut m, "strategy", strategy);
                put(&mut m, "actions", actions);
                put(&mut m, "traffic", traffic);
                put(&mut m, "faults", faults);
                Value::Object(m)
            },
        )
        .boxed()
}
