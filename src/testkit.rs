//! Programmatic scenarios for unit tests: deterministic, instant-by-default services so
//! closed-form timelines can be asserted exactly.

use crate::cluster::TraceRecord;
use crate::scenario::{
    Cluster, DeploymentStrategy, Dist, Faults, IntOrPercent, KubernetesStrategy, NodeSpec,
    Resources, RestartPolicy, Scenario, Service, Strategy, SwarmStrategy, UpdateConfig, Version,
};
use crate::sim::time::{SECOND, Time};

/// The example scenario `scenarios/NAME` with the `--set` overrides `set` applied.
pub fn example(name: &str, set: &[&str]) -> Scenario {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    let set: Vec<crate::scenario::Override> = set.iter().map(|s| s.parse().unwrap()).collect();
    crate::scenario::load_file(std::path::Path::new(&path), &set).unwrap()
}

/// A version whose every latency is zero but `start`.
pub fn version(name: &str, start: Time) -> Version {
    Version {
        name: name.into(),
        image: name.into(),
        pull: Dist::ZERO,
        start: Dist::Constant(start),
        ready_after: Dist::ZERO,
        crash_probability: 0.0,
        crash_after: Dist::Never,
        hang_after: Dist::Never,
        shutdown: Dist::ZERO,
        error_rate: 0.0,
        service_time: Dist::Constant(10_000),
        capacity_rps: None,
        template_of: None,
    }
}

/// `replicas` tasks on one roomy node, constant start time `start`, the given update config.
pub fn swarm(replicas: u32, start: Time, update: UpdateConfig) -> Scenario {
    Scenario {
        name: "test".into(),
        description: None,
        seed: 1,
        trials: 1,
        horizon: 7200 * SECOND,
        traffic: None,
        faults: Faults::default(),
        sweep: Vec::new(),
        cluster: Cluster {
            nodes: vec![NodeSpec {
                name: "node-1".into(),
                cpu_millis: 64_000,
                memory_bytes: 256 << 30,
            }],
            image_cached: vec![0],
            control_plane: crate::scenario::ControlPlane::ideal(),
            node_attrs: Vec::new(),
            autoscaler: None,
        },
        service: Service {
            replicas,
            mode: Default::default(),
            resources: Resources {
                cpu_millis: 100,
                memory_bytes: 64 << 20,
            },
            stop_grace_period: None,
            pre_stop: 0,
            versions: vec![version("current", start), version("next", start)],
            healthcheck: None,
            readiness_probe: None,
            liveness_probe: None,
            startup_probe: None,
            restart: RestartPolicy::default(),
            networks: Vec::new(),
            ports: Vec::new(),
            placement: Default::default(),
            disruption_budget: None,
        },
        strategy: Strategy::Swarm(SwarmStrategy {
            update,
            rollback: UpdateConfig::default(),
        }),
        actions: vec![],
        checks: vec![],
    }
}

/// The swarm settings of a scenario built by [`swarm`], for tweaking.
pub fn swarm_cfg(s: &mut Scenario) -> &mut SwarmStrategy {
    match &mut s.strategy {
        Strategy::Swarm(c) => c,
        _ => unreachable!("built by testkit::swarm"),
    }
}

/// `replicas` pods on one roomy node, constant start time `start`, the given Deployment
/// strategy, `minReadySeconds` 0 and the default 600 s progress deadline.
pub fn kubernetes(replicas: u32, start: Time, kind: DeploymentStrategy) -> Scenario {
    let mut s = swarm(replicas, start, UpdateConfig::default());
    s.strategy = Strategy::Kubernetes(KubernetesStrategy {
        kind,
        min_ready: 0,
        progress_deadline: Some(600 * SECOND),
        auto_rollback: false,
        revision_history_limit: 10,
    });
    s
}

/// RollingUpdate with integer maxSurge / maxUnavailable.
pub fn rolling(max_surge: u32, max_unavailable: u32) -> DeploymentStrategy {
    DeploymentStrategy::RollingUpdate {
        max_surge: IntOrPercent::Int(max_surge),
        max_unavailable: IntOrPercent::Int(max_unavailable),
    }
}

/// RollingUpdate with percent maxSurge / maxUnavailable.
pub fn rolling_pct(max_surge: u32, max_unavailable: u32) -> DeploymentStrategy {
    DeploymentStrategy::RollingUpdate {
        max_surge: IntOrPercent::Percent(max_surge),
        max_unavailable: IntOrPercent::Percent(max_unavailable),
    }
}

/// The Kubernetes settings of a scenario built by [`kubernetes`], for tweaking.
pub fn kubernetes_cfg(s: &mut Scenario) -> &mut KubernetesStrategy {
    match &mut s.strategy {
        Strategy::Kubernetes(c) => c,
        _ => unreachable!("built by testkit::kubernetes"),
    }
}

/// The update states a trace went through, in order (`updating`, `paused`, …).
pub fn updates(trace: &[TraceRecord]) -> Vec<&'static str> {
    trace
        .iter()
        .filter_map(|e| match e {
            TraceRecord::Update { state, .. } => Some(*state),
            _ => None,
        })
        .collect()
}
