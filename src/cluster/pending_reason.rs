//! Why a task stayed Pending: the reason a placement found no node for it, one of the
//! scheduler's filters (the `pending_*` columns of `trials.csv`, and `"reason"` in the
//! trace), and the set of reasons a trial saw. Which filter is reported is the placer's
//! rule ([`super::placer`]).

use super::placer::Scheduler;

/// Why a task stayed Pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PendingReason {
    /// The node is down (lost and not back).
    NodeDown,
    /// Kubernetes: an untolerated `NoSchedule` / `NoExecute` taint.
    Taint,
    /// Kubernetes `nodeSelector` / required node affinity; Swarm `placement.constraints`.
    Affinity,
    /// Not enough free cpu or memory.
    Resources,
    /// Kubernetes `topologySpreadConstraints` (`DoNotSchedule`).
    Spread,
    /// Swarm `placement.max_replicas_per_node`.
    MaxReplicasPerNode,
    /// The node is cordoned by a drain (Kubernetes `NodeUnschedulable`, Swarm's
    /// `ReadyFilter` on a node whose availability is `drain`).
    Unschedulable,
    /// A port the task binds on its node is taken there by another task of the service
    /// (Swarm `HostPortFilter`, Kubernetes `NodePorts`).
    HostPort,
    /// Kubernetes required pod anti-affinity (`InterPodAffinity`): a pod of the service,
    /// terminating or not, is on a node of the same topology domain.
    AntiAffinity,
}

impl PendingReason {
    /// Every reason, in the order of the `pending_*` columns.
    pub const ALL: [PendingReason; 9] = [
        PendingReason::Resources,
        PendingReason::Affinity,
        PendingReason::Taint,
        PendingReason::Spread,
        PendingReason::MaxReplicasPerNode,
        PendingReason::NodeDown,
        PendingReason::Unschedulable,
        PendingReason::HostPort,
        PendingReason::AntiAffinity,
    ];

    /// The name in the trace (`"reason": "taint"`) and in the column `pending_<name>`.
    pub fn as_str(self) -> &'static str {
        match self {
            PendingReason::NodeDown => "node_down",
            PendingReason::Taint => "taint",
            PendingReason::Affinity => "affinity",
            PendingReason::Resources => "resources",
            PendingReason::Spread => "spread",
            PendingReason::MaxReplicasPerNode => "max_replicas_per_node",
            PendingReason::Unschedulable => "unschedulable",
            PendingReason::HostPort => "host_port",
            PendingReason::AntiAffinity => "anti_affinity",
        }
    }

    /// Whether the scheduler has this filter at all (`false`: its column is empty).
    pub fn modelled(self, scheduler: Scheduler) -> bool {
        match self {
            PendingReason::Taint | PendingReason::Spread | PendingReason::AntiAffinity => {
                scheduler == Scheduler::Kubernetes
            }
            PendingReason::MaxReplicasPerNode => scheduler == Scheduler::Swarm,
            _ => true,
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u8)
    }
}

/// The reasons any task of a trial stayed Pending for, and which reasons the
/// orchestrator can have at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingReasons {
    seen: u16,
    modelled: u16,
}

impl PendingReasons {
    /// None seen yet, under `scheduler`'s filters.
    pub fn new(scheduler: Scheduler) -> PendingReasons {
        let modelled = PendingReason::ALL
            .iter()
            .filter(|r| r.modelled(scheduler))
            .fold(0, |m, r| m | r.bit());
        PendingReasons { seen: 0, modelled }
    }

    /// Add `r`.
    pub fn insert(&mut self, r: PendingReason) {
        self.seen |= r.bit();
    }

    /// Mark `r` as modelled, and seen or not (reading `trials.csv` back).
    pub fn set(&mut self, r: PendingReason, seen: bool) {
        self.modelled |= r.bit();
        if seen {
            self.seen |= r.bit();
        }
    }

    /// Whether `r` was seen: `None` when the orchestrator has no such filter.
    pub fn get(self, r: PendingReason) -> Option<bool> {
        (self.modelled & r.bit() != 0).then_some(self.seen & r.bit() != 0)
    }
}
