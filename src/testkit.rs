//! Programmatic scenarios for unit tests: deterministic, instant-by-default services so
//! closed-form timelines can be asserted exactly.

use crate::scenario::{
    Cluster, Dist, NodeSpec, Resources, RestartPolicy, Scenario, Service, Strategy, SwarmStrategy,
    UpdateConfig, Version,
};
use crate::sim::time::{SECOND, Time};

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
        cluster: Cluster {
            nodes: vec![NodeSpec {
                name: "node-1".into(),
                cpu_millis: 64_000,
                memory_bytes: 256 << 30,
            }],
            image_cached: vec![0],
        },
        service: Service {
            replicas,
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
