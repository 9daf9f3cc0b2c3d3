//! Rollout controllers: one file per controller, all behind [`Controller`].
//!
//! A controller is a state machine driven by the trial loop ([`crate::trial`]): it deploys
//! the fleet and starts the rollout in [`Controller::start`], then reacts to task state
//! changes, its own timers and scheduled user actions, acting on the cluster only through
//! the [`Cluster`] verbs. It never sees the event queue or the random streams of tasks,
//! so the same cluster model serves every strategy.

pub mod canary;
pub mod kubernetes;
pub mod swarm;

use crate::cluster::{Cluster, Notice};
use crate::experiment::Outcome;
use crate::scenario::ActionKind;
use crate::sim::time::Time;

/// A rollout controller.
pub trait Controller {
    /// Deploy the current version's fleet at time 0 and begin rolling out `next`.
    fn start(&mut self, cluster: &mut Cluster);

    /// A task changed state.
    fn on_task(&mut self, cluster: &mut Cluster, notice: Notice);

    /// One of this controller's timers fired.
    fn on_timer(&mut self, cluster: &mut Cluster, payload: u64);

    /// A scheduled user action (`undo`, `update`).
    fn on_action(&mut self, cluster: &mut Cluster, action: &ActionKind);

    /// Every event of the current instant has been applied (and its notices delivered).
    /// Controllers that reconcile per instant (the Kubernetes work queue) do it here.
    fn settle(&mut self, _cluster: &mut Cluster) {}

    /// The rollout's current conclusion and when it was reached, or `None` while it is in
    /// progress.
    fn outcome(&self) -> Option<(Outcome, Time)>;

    /// The outcome when the horizon is reached first.
    fn timeout_outcome(&self) -> Outcome {
        Outcome::Timeout
    }

    /// Task failures counted against `max_failure_ratio` (Swarm), for `trials.csv`.
    fn update_failures(&self) -> u32 {
        0
    }

    /// When the rollout aborted on its own (Argo Rollouts: analysis or progress deadline),
    /// for `detected` / `time_to_detect_s`.
    fn aborted_at(&self) -> Option<Time> {
        None
    }

    /// When a progress deadline was first exceeded (Kubernetes).
    fn deadline_exceeded_at(&self) -> Option<Time> {
        None
    }
}
