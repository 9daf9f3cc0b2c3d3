//! An abort of the Rollout's update and its end, after `argoproj/argo-rollouts`
//! (`rollout/pause.go` `CalculateAbortStatus`, `pkg/kubectl-argo-rollouts/cmd/abort`,
//! `cmd/retry`, v1.10).
//!
//! Upstream an abort is `status.abort = true` (with `status.abortedAt`), raised by the
//! controller (a failed AnalysisRun, `progressDeadlineAbort`) or by the user's
//! `kubectl argo rollouts abort`; `retry` clears it. The controller then sends the traffic
//! back to the stable ReplicaSet and scales the canary down: the simulator's
//! `rolled_back` outcome is the instant that has finished. Who raised it and whether it
//! has finished only exist with an abort, so they live inside it.
//!
//! Promotion stays apart (`Rollout::promoted_at`): a blue-green reconcile can still
//! switch and promote after its own progress check raised an abort in the same reconcile,
//! so an abort and a promotion are not exclusive in this controller.
//!
//! [`Rollout::abort`] raises one (`pauseContext.AddAbort`); [`Rollout::finish_abort`]
//! records its end.

use super::experiment::Experiment;
use super::{CANARY, Rollout, STABLE};
use crate::cluster::Cluster;
use crate::sim::time::Time;

/// An abort raised and not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abort {
    /// When it was raised (`status.abortedAt`).
    pub at: Time,
    /// Who raised it.
    pub by: Aborter,
    /// When it finished: traffic back on the stable version, the stable ReplicaSet fully
    /// available and the canary scaled to 0 (or kept, blue-green's
    /// `abortScaleDownDelaySeconds: 0`). The trial's `rolled_back` instant.
    pub rolled_back_at: Option<Time>,
}

/// Who raised an abort: only the controller's own count as detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aborter {
    /// A failed AnalysisRun or `progressDeadlineAbort`.
    Controller,
    /// `kubectl argo rollouts abort`.
    User,
}

impl Abort {
    /// A new abort raised at `at`.
    pub fn raised(at: Time, by: Aborter) -> Abort {
        Abort {
            at,
            by,
            rolled_back_at: None,
        }
    }

    /// When the controller itself raised it: a detection (the `detected` and
    /// `time_to_detect_s` columns); `None` for the user's.
    pub fn detected_at(self) -> Option<Time> {
        (self.by == Aborter::Controller).then_some(self.at)
    }
}

impl Rollout<'_> {
    /// Raise the abort (`pauseContext.AddAbort`): index back to 0, pauses cleared.
    pub(super) fn abort(&mut self, cl: &mut Cluster, by: Aborter, why: impl Into<String>) {
        if self.abort.is_some() || self.promoted_at.is_some() {
            return;
        }
        self.abort = Some(Abort::raised(cl.now(), by));
        self.runs.terminate();
        self.experiments.iter_mut().for_each(Experiment::cancel);
        self.experiment_paused = false;
        self.step = 0;
        self.pause_start = None;
        self.promoted_by_user = false;
        self.dirty = true;
        let why = why.into();
        cl.trace_update("rollback_started", || Some(why));
    }

    /// The abort is over once the canary is gone and the stable serves at full size (for
    /// blue-green, behind the active Service). `kept`: the canary keeps the pods the abort
    /// left it (`abortScaleDownDelaySeconds: 0` with a first step's `setCanaryScale`), so
    /// it is over once they are settled and the router sends them nothing, as a
    /// blue-green's kept preview counts from the abort.
    pub(super) fn finish_abort(&mut self, cl: &mut Cluster, kept: bool) {
        let Some(abort) = self.abort.filter(|a| a.rolled_back_at.is_none()) else {
            return;
        };
        let canary = self.status(cl, CANARY).replicas;
        let canary_done = if kept {
            self.weight == 0 && canary == self.sets[CANARY].spec
        } else {
            self.sets[CANARY].spec == 0 && canary == 0
        };
        if !self.switched && canary_done && self.status(cl, STABLE).available >= self.n {
            self.abort = Some(Abort {
                rolled_back_at: Some(cl.now()),
                ..abort
            });
            cl.trace_update("rollback_completed", || None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_controllers_abort_is_a_detection() {
        assert_eq!(Abort::raised(5, Aborter::Controller).detected_at(), Some(5));
        assert_eq!(Abort::raised(5, Aborter::User).detected_at(), None);
        assert_eq!(Abort::raised(5, Aborter::User).rolled_back_at, None);
    }
}
