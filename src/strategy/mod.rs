//! Rollout controllers: one folder per controller, all behind [`Controller`], each
//! registered once in [`registry`].
//!
//! A controller is a state machine driven by the trial loop ([`crate::trial`]): it deploys
//! the fleet and starts the rollout in [`Controller::start`], then reacts to task state
//! changes, its own timers and scheduled user actions, acting on the cluster only through
//! the [`Cluster`] verbs. It never sees the event queue or the random streams of tasks,
//! so the same cluster model serves every strategy.

pub mod canary;
pub mod daemon_set;
pub mod flagger;
pub mod kubernetes;
pub mod registry;
pub mod stateful_set;
pub mod swarm;

use crate::analysis::Measure;
use crate::cluster::node_drain::BudgetPods;
use crate::cluster::{Cluster, NodeId, NodeNotice, Notice};
use crate::result::Outcome;
use crate::scenario::ActionKind;
use crate::sim::engine::Payload;
use crate::sim::time::Time;
use crate::trial::{Driven, TrialLoop};

/// A rollout controller.
pub trait Controller {
    /// Its timers: its own type, carried through the engine's queue encoded
    /// ([`Payload`]); it gets back what it set.
    type Timer: Payload;

    /// Deploy the current version's fleet at time 0 and begin rolling out `next`.
    fn start(&mut self, cluster: &mut Cluster);

    /// A task changed state.
    fn on_task(&mut self, cluster: &mut Cluster, notice: Notice);

    /// One of this controller's timers (set with [`Cluster::set_timer`]) fired.
    fn on_timer(&mut self, cluster: &mut Cluster, timer: Self::Timer);

    /// A scheduled user action (`undo`, `update`).
    fn on_action(&mut self, cluster: &mut Cluster, action: &ActionKind);

    /// Every event of the current instant has been applied (and its notices delivered).
    /// Controllers that reconcile per instant (the Kubernetes work queue) do it here.
    fn settle(&mut self, _cluster: &mut Cluster) {}

    /// Whether [`Controller::settle`] ever does anything: `false` lets the trial loop skip
    /// it, and the delivery after it, at every instant.
    fn settles(&self) -> bool {
        true
    }

    /// When the controller's analysis next wants a measurement of the traffic, or `None`
    /// (no analysis, or none running). The controller also sets a timer for that instant,
    /// so the trial reaches it.
    fn measurement_due(&self) -> Option<Due> {
        None
    }

    /// Take the measurements due by `now` from `source` (the trial's traffic, read with
    /// the roles and pod counts of [`Controller::measurement_due`]). Called by the trial
    /// loop before the controller settles the instant; the controller reacts in `settle`.
    fn measure(&mut self, _now: Time, _source: &mut dyn Measure) {}

    /// The rollout's current conclusion and when it was reached, or `None` while it is in
    /// progress.
    fn outcome(&self) -> Option<(Outcome, Time)>;

    /// The outcome when the horizon is reached first.
    fn timeout_outcome(&self) -> Outcome {
        Outcome::Timeout
    }

    /// The pods a PodDisruptionBudget selects and the scale its percentages and
    /// `maxUnavailable` are of: the sum of the `spec.replicas` of the controllers that own
    /// those pods (the disruption controller's `getExpectedScale`). Only a Kubernetes
    /// Deployment, a StatefulSet, an Argo Rollout and Flagger may have a budget (the
    /// scenario refuses one with any other strategy), so only they answer; the others give
    /// every pod and the service's replicas.
    fn disruption_budget(&self, cluster: &Cluster) -> BudgetPods {
        BudgetPods::every(cluster.scenario.service.replicas)
    }

    /// A turn of the scenario's node drain `drain` (an index into `faults.node_drains`) is
    /// due: at the drain's `at`, then whenever the cluster scheduled another (a retry, the
    /// uncordon; [`Cluster::drain_turn`] says which). By default `kubectl drain`
    /// ([`Cluster::drain_round`]): cordon the node, evict its pods through the Eviction
    /// API. Swarm's orchestrator moves a drained node's tasks itself.
    fn on_drain(&mut self, cluster: &mut Cluster, drain: u32) {
        let pods = self.disruption_budget(cluster);
        cluster.drain_round(drain, pods);
    }

    /// The control plane has just declared `node` down, or a node it had declared down
    /// is back (node losses: `faults.node_failures`, `faults.node_mtbf`). What the
    /// cluster does to the node's tasks is done (Kubernetes: marked NotReady, their
    /// notices on their way), so only a controller that acts on the node itself answers:
    /// Swarm's orchestrators (`restartTasksByNodeID`, `reconcileOneNode`), the DaemonSet
    /// controller (`NodeShouldRunDaemonPod` reads the node's taints).
    fn on_node(&mut self, _cluster: &mut Cluster, _node: NodeId, _notice: NodeNotice) {}

    /// The controller's own metrics of the trial, for the result columns that only some
    /// strategies fill.
    fn metrics(&self) -> Metrics {
        Metrics::default()
    }
}

/// The timer type of a controller that sets none ([`Controller::Timer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoTimer;

impl crate::sim::engine::SingleValue for NoTimer {
    const VALUE: NoTimer = NoTimer;
}

/// A measurement an analysis wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// When.
    pub at: Time,
    /// The pods the controller wants of the canary and of the stable version (for
    /// `ready_ratio`).
    pub desired: [u32; 2],
}

/// Metrics only some controllers have; `None` leaves the column empty (or 0 where the
/// column has no empty value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Task failures counted against `max_failure_ratio` (`update_failures`; Swarm).
    pub update_failures: Option<u32>,
    /// When a progress deadline was first exceeded (`deadline_exceeded_s`; Kubernetes).
    pub deadline_exceeded_at: Option<Time>,
    /// Progressive delivery (Argo Rollouts, Flagger): `Some(when it aborted on its own, if it did)`
    /// feeds `detected` / `time_to_detect_s` / `false_rollback`; `None`: not modelled.
    pub aborted_at: Option<Option<Time>>,
    /// Whether a metric in dry-run mode (Argo Rollouts' `dryRun`) ended Failed or Error
    /// (`dry_run_detected` / `dry_run_false_rollback`); `None`: none is in dry-run mode.
    pub dry_run_failed: Option<bool>,
}

/// Any [`Controller`], whatever its timer type: what the trial holds (the registry's
/// factory makes one). The trial's event loop runs inside [`AnyController::drive`], made
/// for each controller type, so that every call from the loop to the controller (per
/// notice, timer and instant) is direct and may be inlined; only once a trial does the
/// loop reach the controller through this trait.
pub trait AnyController {
    /// Run one trial with this controller ([`Controller::start`], then the event loop):
    /// [`crate::trial::drive`].
    fn drive(&mut self, trial: TrialLoop<'_, '_>) -> Driven;
    /// [`Controller::metrics`].
    fn metrics(&self) -> Metrics;
}

impl<C: Controller> AnyController for C {
    fn drive(&mut self, trial: TrialLoop<'_, '_>) -> Driven {
        crate::trial::drive(self, trial)
    }
    fn metrics(&self) -> Metrics {
        Controller::metrics(self)
    }
}
