//! The validated `faults:` section: node losses (scheduled and random), image pull
//! failures, node drains, and the Kubernetes node controller's timings.

use super::super::distribution::Dist;
use super::VersionId;
use crate::sim::time::{SECOND, Time};

/// Things that go wrong during a rollout (`faults:`).
#[derive(Debug, Clone)]
pub struct Faults {
    /// Scheduled node losses.
    pub node_failures: Vec<NodeFailure>,
    /// Mean time between failures of each node (exponential), if nodes fail at random.
    pub node_mtbf: Option<Time>,
    /// How long a randomly failed node stays down (default never back).
    pub node_recovery: Option<Dist>,
    /// Probability that an image pull fails (ErrImagePull), by version.
    pub pull_failure_probability: Vec<f64>,
    /// Kubernetes: how long a lost node's pods still look Ready, until the node
    /// controller marks the node NotReady (`--node-monitor-grace-period`, default 50s).
    pub node_not_ready_after: Time,
    /// Kubernetes: how long after that the pods are evicted (the default
    /// `not-ready`/`unreachable` toleration, 300s).
    pub eviction_after: Time,
    /// Scheduled node drains (`kubectl drain`, `docker node update --availability drain`).
    pub node_drains: Vec<NodeDrain>,
}

/// One scheduled node drain: the node takes no new task from `at` on, and the service's
/// tasks on it are moved away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeDrain {
    /// When, from the rollout's start.
    pub at: Time,
    /// Which node (index into [`super::Cluster::nodes`]).
    pub node: u32,
    /// How long the node stays out once the drain has emptied it (the maintenance), after
    /// which it is uncordoned (`kubectl uncordon`, `docker node update --availability
    /// active`) and takes tasks again; `None`: cordoned to the end of the trial.
    pub maintenance: Option<Time>,
}

/// One scheduled node loss.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFailure {
    /// When, from the rollout's start.
    pub at: Time,
    /// Which node (index into [`super::Cluster::nodes`]).
    pub node: u32,
    /// How long until it is back (`None`: never).
    pub recover_after: Option<Time>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            node_failures: Vec::new(),
            node_mtbf: None,
            node_recovery: None,
            pull_failure_probability: Vec::new(),
            node_not_ready_after: 50 * SECOND,
            eviction_after: 300 * SECOND,
            node_drains: Vec::new(),
        }
    }
}

impl Faults {
    /// Whether any node can be lost.
    pub fn loses_nodes(&self) -> bool {
        !self.node_failures.is_empty() || self.node_mtbf.is_some()
    }

    /// The probability that a pull of `version` fails.
    pub fn pull_failure(&self, version: VersionId) -> f64 {
        self.pull_failure_probability
            .get(version as usize)
            .copied()
            .unwrap_or(0.0)
    }
}
