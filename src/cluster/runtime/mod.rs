//! The container runtime a strategy's orchestrator drives: the Docker engine (Swarm,
//! [`docker`]) or the kubelet (Kubernetes, [`kubelet`]). The scenario's strategy chooses it
//! through the registry ([`crate::strategy::registry::StrategyDef::RUNTIME`]); controllers
//! never set it. The cluster calls it through [`ContainerRuntime`] at the points where the
//! two differ: a process started, a task became Ready, a container died, a pull failed.
//!
//! Dispatch is static: [`RuntimeKind`] is a `Copy` enum whose trait methods match once and
//! call the runtime's own code, so the hot path pays a branch, not a virtual call.

mod docker;
mod kubelet;
pub(super) mod readiness;

use super::health::AppTimes;
use super::{Cluster, TaskId, TaskState};
use crate::sim::time::Time;

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

    /// Whether a task told to stop leaves its service's endpoints at the stop decision
    /// itself, before the runtime acts on it (`stop_signal` later).
    ///
    /// Kubernetes: deleting a pod sets its `deletionTimestamp`, which the EndpointSlice
    /// controller sees as the kubelet does, in parallel; from then on the endpoint is
    /// `terminating` and not `ready` (`podToEndpoint` in kubernetes/kubernetes
    /// `staging/src/k8s.io/endpointslice/utils.go`, v1.30), and kube-proxy sends only to
    /// ready endpoints while the service has any (`CategorizeEndpoints`,
    /// `pkg/proxy/topology.go`). Docker: the task leaves the VIP when the agent's
    /// executor shuts it down (`controller.Shutdown` deactivates the service binding, in
    /// moby/moby `daemon/cluster/executor/container/controller.go`), which is the engine
    /// acting on the stop.
    pub const fn leaves_endpoints_on_delete(self) -> bool {
        matches!(self, RuntimeKind::Kubelet)
    }
}

/// What differs between container runtimes. The cluster owns the tasks and calls these at
/// the points of a task's life where the runtime decides.
pub trait ContainerRuntime: Copy {
    /// The container's process just started (`serving`: the fleet before the rollout,
    /// healthy already): plan when it is Ready and when it dies.
    fn process_running(
        self,
        cl: &mut Cluster,
        id: TaskId,
        app: AppTimes,
        crash_at: Time,
        serving: bool,
    );
    /// The task just became Ready.
    fn became_ready(self, cl: &mut Cluster, id: TaskId);
    /// The container died on its own (the task was live; its pending steps are void).
    fn died(self, cl: &mut Cluster, id: TaskId);
    /// The image pull the task waited for failed (`pull_failures` already counts it).
    fn pull_failed(self, cl: &mut Cluster, id: TaskId);
    /// Whether a container whose process exits at once was reported RUNNING first.
    fn reports_running_before_exit(self, cl: &Cluster) -> bool;
    /// Whether a task whose image pull failed is created all the same when the image is on
    /// the node's disk (another task's pull of it succeeded).
    fn creates_after_failed_pull(self) -> bool;
    /// Whether the node pulls for one task at a time, so a task behind a pull that failed
    /// for another pulls again itself; otherwise the tasks share the pull in flight and
    /// each draws its outcome when it lands.
    fn pulls_in_turn(self) -> bool;
}

impl ContainerRuntime for RuntimeKind {
    #[inline]
    fn process_running(
        self,
        cl: &mut Cluster,
        id: TaskId,
        app: AppTimes,
        crash_at: Time,
        serving: bool,
    ) {
        match self {
            RuntimeKind::Docker => cl.begin_docker(id, app, crash_at, serving),
            RuntimeKind::Kubelet => cl.begin_kubelet(id, app, crash_at, serving),
        }
    }

    #[inline]
    fn became_ready(self, cl: &mut Cluster, id: TaskId) {
        match self {
            RuntimeKind::Docker => {}
            // Schedule the readiness probe's next failure streak.
            RuntimeKind::Kubelet => cl.next_readiness_flip(id, false),
        }
    }

    #[inline]
    fn died(self, cl: &mut Cluster, id: TaskId) {
        match self {
            // A container told to stop that dies is gone; otherwise restart in place.
            RuntimeKind::Kubelet if !cl.task(id).stop_requested => cl.restart_in_place(id),
            _ => cl.set_state(id, TaskState::Failed),
        }
    }

    #[inline]
    fn pull_failed(self, cl: &mut Cluster, id: TaskId) {
        match self {
            // Swarm rejects the task.
            RuntimeKind::Docker => {
                cl.tasks[id as usize].generation += 1;
                cl.set_state(id, TaskState::Failed);
            }
            RuntimeKind::Kubelet => cl.retry_pull_later(id),
        }
    }

    #[inline]
    fn reports_running_before_exit(self, cl: &Cluster) -> bool {
        match self {
            RuntimeKind::Docker => cl.docker_reports_running_before_exit(),
            RuntimeKind::Kubelet => false,
        }
    }

    #[inline]
    fn creates_after_failed_pull(self) -> bool {
        match self {
            // moby v20.10.0, daemon/cluster/executor/container/controller.go,
            // `(*controller).Prepare`: a pull error is only logged ("If the image truly
            // doesn't exist, the create below will error out").
            RuntimeKind::Docker => true,
            // kubernetes v1.30, pkg/kubelet/images/image_manager.go, `EnsureImageExists`:
            // the pull's error is the container's (ErrImagePull, then ImagePullBackOff);
            // the retry's presence check finds the image and pulls nothing.
            RuntimeKind::Kubelet => false,
        }
    }

    #[inline]
    fn pulls_in_turn(self) -> bool {
        match self {
            // moby v20.10.0, distribution/xfer/download.go: concurrent pulls of an image
            // share the layer downloads in flight.
            RuntimeKind::Docker => false,
            // kubernetes v1.30, pkg/kubelet/images/puller.go, `serialImagePuller`: with
            // `serializeImagePulls` (the default) one pull at a time, each pod's its own.
            RuntimeKind::Kubelet => true,
        }
    }
}
