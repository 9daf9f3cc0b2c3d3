//! The container runtime a strategy's orchestrator drives: the Docker engine (Swarm) or the
//! kubelet (Kubernetes). The scenario's strategy chooses it through the registry
//! ([`crate::strategy::registry::StrategyDef::RUNTIME`]); controllers never set it.

/// Which container runtime runs the tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    /// The Docker engine: HEALTHCHECK, a failed task is terminal (its slot gets a new one).
    Docker,
    /// The kubelet: startup / readiness / liveness probes, readiness flaps, CrashLoopBackOff
    /// restarts in place.
    Kubelet,
}

impl RuntimeKind {
    /// Every runtime.
    pub const ALL: [RuntimeKind; 2] = [RuntimeKind::Docker, RuntimeKind::Kubelet];

    /// The `cluster.control_plane` profile measured on this runtime.
    pub fn profile(self) -> &'static str {
        match self {
            RuntimeKind::Docker => "docker-20.10",
            RuntimeKind::Kubelet => "kubernetes",
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Docker => "Docker Engine",
            RuntimeKind::Kubelet => "kubelet",
        }
    }
}
