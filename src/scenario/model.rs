//! The validated scenario: plain Rust types the simulator reads.
//!
//! A file becomes a [`Scenario`] in [`super::load`]; every value here has been checked and
//! every default filled in, so nothing downstream validates again. Times are [`Time`]
//! (microseconds), cpu is millicores and memory bytes. The types of the `traffic:`,
//! `faults:` and `actions:` sections ([`Traffic`], [`Faults`], [`Action`]) are in files of
//! their own under `model/`, re-exported here.

use super::control_plane::ControlPlane;
use super::distribution::Dist;
pub use super::placement::{NodeAttrs, Placement};
use super::port::{Port, PublishMode};
use crate::sim::time::{SECOND, Time};

mod action;
mod faults;
mod traffic;
pub use action::{Action, ActionKind};
pub use faults::{Faults, NodeDrain, NodeFailure};
pub use traffic::{Arrivals, Balancer, RateProfile, Retries, RetryOn, Slo, Traffic};

/// Index of a version in [`Service::versions`]: 0 is `current`, 1 is `next`, later ones
/// are the other named versions in file order.
pub type VersionId = u8;
/// The version that runs before the rollout.
pub const CURRENT: VersionId = 0;
/// The version the rollout installs.
pub const NEXT: VersionId = 1;

/// One whole scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name; also the default output folder.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Seed of every random stream (default 1).
    pub seed: u64,
    /// Monte Carlo trials (default 1000).
    pub trials: u64,
    /// A trial stops here at the latest, with outcome `timeout` (default 2h).
    pub horizon: Time,
    /// Nodes and images.
    pub cluster: Cluster,
    /// The service being rolled out.
    pub service: Service,
    /// How it is rolled out.
    pub strategy: Strategy,
    /// User actions at given times (`docker service rollback`, `kubectl rollout undo`, …).
    pub actions: Vec<Action>,
    /// CI assertions, checked by `rollout-sim check`.
    pub checks: Vec<String>,
    /// Requests sent to the service during the rollout, when modelled.
    pub traffic: Option<Traffic>,
    /// Node losses and pull failures.
    pub faults: Faults,
    /// The grid `rollout-sim sweep` runs (empty: none); `run` ignores it.
    pub sweep: Vec<super::sweep::SweepAxis>,
}

/// The cluster the service runs on.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Nodes, in file order.
    pub nodes: Vec<NodeSpec>,
    /// Versions whose image every node already has (pull time not paid).
    pub image_cached: Vec<VersionId>,
    /// The engine's and orchestrator's own latencies (`ideal`: none).
    pub control_plane: ControlPlane,
    /// Each node's labels, taints and role, by node index (the nodes the autoscaler may
    /// add after `nodes`); empty when every node has the defaults (no label, no taint,
    /// worker). Read through [`Cluster::attrs`].
    pub node_attrs: Vec<NodeAttrs>,
    /// Kubernetes' cluster-autoscaler, which adds nodes while pods wait for one
    /// (`cluster.autoscaler`); `None`: the nodes are the ones listed.
    pub autoscaler: Option<super::cluster_autoscaler::ClusterAutoscaler>,
}

impl Cluster {
    /// Give every node the label `kubernetes.io/hostname` with its name, unless the file
    /// gives the node that label: the kubelet sets it on every node it registers
    /// (kubernetes/kubernetes `pkg/kubelet/kubelet_node_status.go` `initialNode`), and
    /// the label is the usual `topologyKey` of a pod anti-affinity or spread constraint.
    /// The nodes the autoscaler may add get `cluster.node`'s labels and their own hostname.
    pub fn label_hostnames(&mut self) {
        self.node_attrs
            .resize(self.nodes.len(), NodeAttrs::default());
        if let Some(a) = &self.autoscaler {
            (self.node_attrs).extend(a.nodes.iter().map(|_| a.attrs.clone()));
        }
        let added = self.autoscaler.as_ref().map_or(&[][..], |a| &a.nodes);
        let specs = self.nodes.iter().chain(added);
        for (attrs, node) in self.node_attrs.iter_mut().zip(specs) {
            (attrs.labels)
                .entry(super::placement::HOSTNAME_LABEL.to_string())
                .or_insert_with(|| node.name.clone());
        }
    }

    /// The nodes the autoscaler may add, in the order it adds them (none without one).
    pub fn added_nodes(&self) -> &[NodeSpec] {
        self.autoscaler.as_ref().map_or(&[], |a| &a.nodes)
    }

    /// Every node a trial may have: those listed, then those the autoscaler may add. A
    /// node's index is its place here.
    pub fn node_slots(&self) -> impl Iterator<Item = &NodeSpec> {
        self.nodes.iter().chain(self.added_nodes())
    }

    /// Node `i`'s spec, of [`Cluster::node_slots`].
    pub fn node_spec(&self, i: usize) -> &NodeSpec {
        match i.checked_sub(self.nodes.len()) {
            None => &self.nodes[i],
            Some(k) => &self.added_nodes()[k],
        }
    }

    /// The count of [`Cluster::node_slots`].
    pub fn node_slot_count(&self) -> usize {
        self.nodes.len() + self.added_nodes().len()
    }

    /// Node `i`'s labels, taints and role.
    pub fn attrs(&self, i: usize) -> &NodeAttrs {
        static DEFAULT: std::sync::LazyLock<NodeAttrs> =
            std::sync::LazyLock::new(NodeAttrs::default);
        self.node_attrs.get(i).unwrap_or(&DEFAULT)
    }
}

/// One node's capacity.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    /// Node name (`node-1`, … when the file gives a count).
    pub name: String,
    /// Allocatable cpu in millicores.
    pub cpu_millis: u64,
    /// Allocatable memory in bytes.
    pub memory_bytes: u64,
}

impl NodeSpec {
    /// How many tasks requesting `r` fit on the node, by cpu and by memory (a request of 0
    /// never binds: `u64::MAX`).
    pub fn tasks_that_fit(&self, r: Resources) -> (u64, u64) {
        let per = |capacity: u64, request: u64| capacity.checked_div(request).unwrap_or(u64::MAX);
        (
            per(self.cpu_millis, r.cpu_millis),
            per(self.memory_bytes, r.memory_bytes),
        )
    }

    /// How many tasks requesting `r` the empty node holds: the binding one of cpu and
    /// memory.
    ///
    /// ```
    /// use rollout_sim::scenario::{NodeSpec, Resources};
    /// let node = NodeSpec { name: "n".into(), cpu_millis: 2000, memory_bytes: 1 << 30 };
    /// let task = Resources { cpu_millis: 600, memory_bytes: 512 << 20 };
    /// assert_eq!(node.holds(task), 2); // memory binds: 2 × 512Mi; cpu would take 3
    /// ```
    pub fn holds(&self, r: Resources) -> u64 {
        let (cpu, memory) = self.tasks_that_fit(r);
        cpu.min(memory)
    }
}

/// Resource requests of one task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    /// Millicores.
    pub cpu_millis: u64,
    /// Bytes.
    pub memory_bytes: u64,
}

/// The service: replicas, versions, health checking and restarts.
#[derive(Debug, Clone)]
pub struct Service {
    /// Desired replicas. A global service ([`ServiceMode::Global`]) has one per node its
    /// placement allows, worked out when the scenario is read.
    pub replicas: u32,
    /// Swarm: one task per replica (`replicated`, the default) or one per node
    /// (`global`).
    pub mode: ServiceMode,
    /// Requests of every task.
    pub resources: Resources,
    /// SIGTERM → SIGKILL. `None` means the strategy's upstream default (Swarm 10s,
    /// Kubernetes 30s).
    pub stop_grace_period: Option<Time>,
    /// preStop hook sleep before SIGTERM.
    pub pre_stop: Time,
    /// `current`, `next`, then any other versions in file order.
    pub versions: Vec<Version>,
    /// Docker HEALTHCHECK, if the image has one.
    pub healthcheck: Option<HealthCheck>,
    /// Kubernetes readiness probe.
    pub readiness_probe: Option<Probe>,
    /// Kubernetes liveness probe.
    pub liveness_probe: Option<Probe>,
    /// Kubernetes startup probe.
    pub startup_probe: Option<Probe>,
    /// Swarm restart policy.
    pub restart: RestartPolicy,
    /// Swarm: the networks the service's tasks attach to, by name (compose's
    /// `networks:`; a service publishing ports in ingress mode is attached to `ingress`).
    /// See [`Service::has_service_binding`].
    pub networks: Vec<String>,
    /// The ports its tasks publish (`service.ports`, see [`super::ports`]): one that binds
    /// a port of the node lets a node hold one task of the service at a time.
    pub ports: Vec<Port>,
    /// Where its tasks may run (Kubernetes or Swarm fields, see [`super::placement`]).
    pub placement: Placement,
    /// Kubernetes: the PodDisruptionBudget selecting the service's pods, which the
    /// evictions of a node drain ([`Faults::node_drains`]) respect.
    pub disruption_budget: Option<DisruptionBudget>,
}

impl Service {
    /// The fleet in words: `6 replicas`, or `global, 6 nodes` for a global service.
    ///
    /// ```
    /// let s = rollout_sim::scenario::load_str(
    ///     "cluster: {nodes: 4}\nservice: {mode: global}\nstrategy: {swarm: {}}",
    ///     "s.yaml",
    ///     rollout_sim::scenario::Format::Yaml,
    ///     &[],
    /// )
    /// .unwrap();
    /// assert_eq!(s.service.fleet_text(), "global, 4 nodes");
    /// ```
    pub fn fleet_text(&self) -> String {
        let n = self.replicas;
        let fleet = match self.mode {
            ServiceMode::Replicated => format!("{n} replica{}", if n == 1 { "" } else { "s" }),
            ServiceMode::Global => format!("global, {n} node{}", if n == 1 { "" } else { "s" }),
        };
        match self.host_port() {
            Some(p) => format!("{fleet}, host port {}", p.host_text()),
            None => fleet,
        }
    }

    /// The first port the tasks bind on their node (a Swarm port published in host mode,
    /// a Kubernetes `hostPort`), if any: then a node holds one task of the service at a
    /// time, as the scheduler's `HostPortFilter` (swarmkit) or `NodePorts` filter
    /// (kube-scheduler) sees a second one's port taken.
    ///
    /// ```
    /// let s = rollout_sim::scenario::load_str(
    ///     "service: {ports: [{target: 80, published: 8080, mode: host}]}",
    ///     "s.yaml",
    ///     rollout_sim::scenario::Format::Yaml,
    ///     &[],
    /// )
    /// .unwrap();
    /// assert_eq!(s.service.host_port().map(|p| p.host_text()), Some("8080/tcp".into()));
    /// assert_eq!(s.service.fleet_text(), "1 replica, host port 8080/tcp");
    /// ```
    pub fn host_port(&self) -> Option<&Port> {
        self.ports.iter().find(|p| p.binds_node())
    }

    /// How many of its tasks the empty node `node` holds at once: what its cpu and memory
    /// hold ([`NodeSpec::holds`]), and one at most when the tasks bind a host port.
    pub fn tasks_on(&self, node: &NodeSpec) -> u64 {
        let most = if self.host_port().is_some() {
            1
        } else {
            u64::MAX
        };
        node.holds(self.resources).min(most)
    }
}

/// How a Swarm service decides its tasks (`docker service create --mode`, compose
/// `deploy.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceMode {
    /// `replicated`: `replicas` tasks, the scheduler picks their nodes.
    #[default]
    Replicated,
    /// `global`: one task on every node the service's constraints allow, each tied to its
    /// node (moby/swarmkit `manager/orchestrator/global/global.go`).
    Global,
}

/// A PodDisruptionBudget (`policy/v1`) selecting the service's pods, of either version:
/// what an eviction (`kubectl drain`) may take away. Its selector is the app label: every
/// pod of the service, except with Flagger, whose primary's pods carry the label's
/// rewritten value, so the budget selects one of its two Deployments' pods (`selects`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisruptionBudget {
    /// `minAvailable` or `maxUnavailable`: exactly one is given.
    pub limit: BudgetLimit,
    /// `unhealthyPodEvictionPolicy` (default `IfHealthyBudget`).
    pub unhealthy_pods: UnhealthyPodEvictionPolicy,
    /// `selects`: which of Flagger's Deployments' pods the budget selects; given with
    /// `strategy.flagger` and with no other strategy.
    pub selects: Option<BudgetSelects>,
}

/// The pods a budget selects under Flagger, which runs the app as two Deployments whose
/// pods carry different values of the selector label (fluxcd/flagger v1.44.0
/// `pkg/canary/deployment_controller.go` `createPrimaryDeployment`, `util.go`
/// `makePrimaryLabels`: `app: web` becomes `app: web-primary` on the primary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetSelects {
    /// `primary`: the primary Deployment's (`<app>-primary`), the stable version, then the
    /// promoted one.
    Primary,
    /// `canary`: the target Deployment's (`<app>`), which Flagger scales up for the analysis
    /// and to zero once it concludes.
    Canary,
}

/// The one limit a [`DisruptionBudget`] sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetLimit {
    /// `minAvailable`: pods that must stay healthy.
    MinAvailable(IntOrPercent),
    /// `maxUnavailable`: pods that may be unhealthy, of the workload's replicas.
    MaxUnavailable(IntOrPercent),
}

/// `unhealthyPodEvictionPolicy`: when a pod that is not Ready may be evicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnhealthyPodEvictionPolicy {
    /// Only while the budget's healthy pods are at least its desired ones (the default).
    IfHealthyBudget,
    /// Always, whatever the budget.
    AlwaysAllow,
}

impl Service {
    /// The version of the file whose image version `v`'s pods run: `v` itself, or for an
    /// experiment template's pods the version it copies.
    ///
    /// ```
    /// use rollout_sim::scenario::{load_str, Format, CURRENT, NEXT};
    /// let yaml = "service: {replicas: 2}
    /// strategy: {canary: {steps: [{experiment: {duration: 1m,
    ///   templates: [{name: base, specRef: stable}, {name: can, specRef: canary}]}}]}}";
    /// let s = load_str(yaml, "e.yaml", Format::Yaml, &[]).unwrap();
    /// assert_eq!(s.service.versions[3].name, "exp0-can");
    /// assert_eq!(s.service.release(2), CURRENT);
    /// assert_eq!(s.service.release(3), NEXT);
    /// assert_eq!(s.service.release(NEXT), NEXT);
    /// ```
    pub fn release(&self, v: VersionId) -> VersionId {
        self.versions[usize::from(v)].template_of.unwrap_or(v)
    }

    /// Whether Docker gives the tasks a service binding (a VIP / DNS entry on a network
    /// besides the default bridge), which makes the executor deactivate it and wait for
    /// gossip before stopping a task: `controller.hasServiceBinding` in
    /// `moby/moby:daemon/cluster/executor/container/controller.go`.
    ///
    /// A port published in ingress mode attaches the task to the `ingress` network
    /// (swarmkit `allocator/network.go`, `taskCreateNetworkAttachments`), as naming it in
    /// `networks` does.
    pub fn has_service_binding(&self) -> bool {
        self.networks.iter().any(|n| n != DEFAULT_BRIDGE)
            || self.ports.iter().any(|p| p.mode == PublishMode::Ingress)
    }
}

/// The engine's default bridge network, which gives no service binding.
pub const DEFAULT_BRIDGE: &str = "bridge";

/// One version of the service's image and how it behaves.
#[derive(Debug, Clone)]
pub struct Version {
    /// Key in `versions` (`current`, `next`, …).
    pub name: String,
    /// Image reference, for display.
    pub image: String,
    /// Image pull time on a node that does not have it.
    pub pull: Dist,
    /// Container start until the process runs.
    pub start: Dist,
    /// Process runs until the application is truly ready.
    pub ready_after: Dist,
    /// Probability that the start fails (exit code 1).
    pub crash_probability: f64,
    /// A running task dies this long after its process started.
    pub crash_after: Dist,
    /// The process stops answering probes and requests this long after it started.
    pub hang_after: Dist,
    /// SIGTERM until exit.
    pub shutdown: Dist,
    /// Fraction of requests answered with an error.
    pub error_rate: f64,
    /// Per-request service time.
    pub service_time: Dist,
    /// Requests per second one task can serve (`None`: unlimited).
    pub capacity_rps: Option<f64>,
    /// The version this one copies when it runs the pods of an Argo Rollouts experiment
    /// template (`current` or `next`, as its `specRef` names), `None` for a version of the
    /// file: its pods run that version's image, and the requests they serve count as that
    /// version's ([`Service::release`]).
    pub template_of: Option<VersionId>,
}

/// Docker HEALTHCHECK (`moby/moby:daemon/health.go` defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    /// Time between probes (default 30s).
    pub interval: Time,
    /// Probe timeout (default 30s).
    pub timeout: Time,
    /// Consecutive failures that make the container unhealthy (default 3).
    pub retries: u32,
    /// Failures in this window after start do not count while starting (default 0).
    pub start_period: Time,
    /// Time between probes during `start_period` (default 5s).
    pub start_interval: Time,
    /// Probability that a probe of a healthy process fails anyway.
    pub flaky: f64,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            interval: 30 * SECOND,
            timeout: 30 * SECOND,
            retries: 3,
            start_period: 0,
            start_interval: 5 * SECOND,
            flaky: 0.0,
        }
    }
}

/// A Kubernetes probe (`kubernetes/api:core/v1` defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// `initialDelaySeconds` (default 0).
    pub initial_delay: Time,
    /// `periodSeconds` (default 10).
    pub period: Time,
    /// `timeoutSeconds` (default 1).
    pub timeout: Time,
    /// `successThreshold` (default 1).
    pub success_threshold: u32,
    /// `failureThreshold` (default 3).
    pub failure_threshold: u32,
    /// Probability that a probe of a healthy process fails anyway.
    pub flaky: f64,
}

impl Default for Probe {
    fn default() -> Self {
        Probe {
            initial_delay: 0,
            period: 10 * SECOND,
            timeout: SECOND,
            success_threshold: 1,
            failure_threshold: 3,
            flaky: 0.0,
        }
    }
}

/// Swarm `restart_policy.condition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartCondition {
    /// Restart whatever the exit (default).
    Any,
    /// Restart only on a non-zero exit.
    OnFailure,
    /// Never restart.
    None,
}

/// Swarm `restart_policy` (`api/defaults/service.go`).
#[derive(Debug, Clone, PartialEq)]
pub struct RestartPolicy {
    /// When to restart (default any).
    pub condition: RestartCondition,
    /// Delay before the replacement starts (default 5s).
    pub delay: Time,
    /// Restarts per slot and spec version before giving up (swarmkit counts them anew when
    /// the replacement's `SpecVersion` changes); 0 is unlimited (default).
    pub max_attempts: u32,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        RestartPolicy {
            condition: RestartCondition::Any,
            delay: 5 * SECOND,
            max_attempts: 0,
        }
    }
}

/// How the service is rolled out: the enum of every registered strategy
/// ([`crate::strategy::registry`]).
pub use crate::strategy::registry::Strategy;

/// Docker Swarm update and rollback settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SwarmStrategy {
    /// `update_config`.
    pub update: UpdateConfig,
    /// `rollback_config`.
    pub rollback: UpdateConfig,
}

/// Swarm `UpdateConfig` (`api/types.proto`; defaults from `api/defaults/service.go`).
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateConfig {
    /// Workers; 0 means one per dirty slot (default 1).
    pub parallelism: u32,
    /// Sleep per worker after every slot (default 0).
    pub delay: Time,
    /// What a failure does (default pause).
    pub failure_action: FailureAction,
    /// How long after RUNNING a task failure still counts (default 5s).
    pub monitor: Time,
    /// Failures over dirty slots that may be tolerated (strict `>`; default 0).
    pub max_failure_ratio: f32,
    /// stop-first (default) or start-first.
    pub order: Order,
}

impl Default for UpdateConfig {
    fn default() -> Self {
        UpdateConfig {
            parallelism: 1,
            delay: 0,
            failure_action: FailureAction::Pause,
            monitor: 5 * SECOND,
            max_failure_ratio: 0.0,
            order: Order::StopFirst,
        }
    }
}

/// Swarm `failure_action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    /// Stop dispatching; state PAUSED.
    Pause,
    /// Ignore failures.
    Continue,
    /// Roll back to the previous spec.
    Rollback,
}

/// Swarm `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Stop the old task, then start the new one.
    StopFirst,
    /// Start the new task; stop the old one once the new one runs.
    StartFirst,
}

/// An int or a percent, as in `maxSurge: 25%` (`apimachinery intstr`); shown as written
/// (`25%`, `2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    /// An absolute count.
    Int(u32),
    /// A percent of the replicas.
    Percent(u32),
}

impl IntOrPercent {
    /// `GetScaledValueFromIntOrPercent(v, total, roundUp)`: an int unchanged, a percent
    /// `ceil` or `floor` of `p × total / 100`, computed exactly in integers.
    ///
    /// ```
    /// use rollout_sim::scenario::IntOrPercent::Percent;
    /// assert_eq!((Percent(25).scaled(3, true), Percent(25).scaled(3, false)), (1, 0));
    /// ```
    pub fn scaled(self, total: u32, round_up: bool) -> u32 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => {
                let x = u64::from(p) * u64::from(total);
                let r = if round_up { x.div_ceil(100) } else { x / 100 };
                r.min(u64::from(u32::MAX)) as u32
            }
        }
    }
}

impl std::fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Kubernetes Deployment settings.
#[derive(Debug, Clone, PartialEq)]
pub struct KubernetesStrategy {
    /// RollingUpdate (default) or Recreate.
    pub kind: DeploymentStrategy,
    /// `minReadySeconds` (default 0).
    pub min_ready: Time,
    /// `progressDeadlineSeconds` (default 600s); `None` = no deadline.
    pub progress_deadline: Option<Time>,
    /// Extension (not upstream): undo the rollout when the progress deadline is exceeded.
    pub auto_rollback: bool,
    /// `revisionHistoryLimit` (default 10): old ReplicaSets kept for `rollout undo`.
    pub revision_history_limit: u32,
}

/// `spec.strategy`.
#[derive(Debug, Clone, PartialEq)]
pub enum DeploymentStrategy {
    /// `RollingUpdate` with `maxSurge` and `maxUnavailable` (defaults 25%, 25%).
    RollingUpdate {
        /// `maxSurge`.
        max_surge: IntOrPercent,
        /// `maxUnavailable`.
        max_unavailable: IntOrPercent,
    },
    /// `Recreate`.
    Recreate,
}

impl Scenario {
    /// The stop grace period in force: the file's, or the strategy's upstream default.
    pub fn stop_grace_period(&self) -> Time {
        self.service
            .stop_grace_period
            .unwrap_or_else(|| self.strategy.default_stop_grace_period())
    }
}
