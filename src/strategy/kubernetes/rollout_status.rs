//! `syncRolloutStatus` and `calculateStatus`, after
//! `kubernetes/kubernetes:pkg/controller/deployment/progress.go` and `sync.go` at v1.32: the
//! Deployment's status from its ReplicaSets' statuses, the Progressing condition, the
//! progress deadline and its requeue; plus the simulator's bookkeeping of the outcome (the
//! first instant the rollout is complete, the first the deadline is exceeded).

use super::progress::{self, Progressing, Reason, Status};
use super::state::{Origin, RolloutState};
use super::{Deployment, Timer};
use crate::cluster::Cluster;
use crate::sim::time::Time;

impl Deployment<'_> {
    pub(super) fn set_condition(&mut self, reason: Reason, now: Time) {
        if self.cfg.progress_deadline.is_none() {
            return;
        }
        // SetDeploymentCondition: same status and reason → unchanged.
        if self.cond.is_some_and(|c| c.reason == reason) {
            return;
        }
        self.cond = Some(Progressing::set(reason, now));
    }

    /// `calculateStatus` from the statuses read at the start of the sync.
    pub(super) fn calculate_status(&self) -> Status {
        let mut s = Status::default();
        for (rs, st) in self.sets.iter().zip(&self.statuses) {
            if rs.deleted {
                continue;
            }
            s.replicas += st.replicas;
            s.ready += st.ready;
            s.available += st.available;
            if rs.template() == self.template {
                s.updated = st.replicas;
            }
        }
        s
    }

    /// `syncRolloutStatus`, plus the simulator's bookkeeping of the outcome.
    pub(super) fn sync_rollout_status(&mut self, cl: &mut Cluster) {
        let new = self.calculate_status();
        self.store_rollout_status(cl, new);
    }

    /// [`Deployment::sync_rollout_status`] of a quiet sync ([`Deployment::quiet`]): it
    /// reads the statuses the last sync read, of the same ReplicaSets under the same
    /// template (a spec change ends the quiet, and a cleanup deletes only sets of no
    /// pods), so it calculates the status stored then, and only the condition and the
    /// requeue, which move with the clock, are left to compute. Debug builds run the
    /// whole sync instead, and check that status.
    pub(super) fn sync_kept_rollout_status(&mut self, cl: &mut Cluster) {
        self.store_rollout_status(cl, self.status);
    }

    /// The rest of `syncRolloutStatus` once the status `new` is calculated. Inlined into
    /// both callers, so that a quiet sync's, whose `new` is the stored status, compares
    /// nothing it need not.
    #[inline(always)]
    fn store_rollout_status(&mut self, cl: &mut Cluster, new: Status) {
        let now = cl.now();
        let deadline = self.cfg.progress_deadline;
        let cond =
            progress::next_condition(self.cond, deadline, self.replicas, &self.status, &new, now);
        let exceeded = |c: Option<Progressing>| {
            c.is_some_and(|c| c.reason == Reason::ProgressDeadlineExceeded)
        };
        let newly_exceeded = exceeded(cond) && !exceeded(self.cond);
        let changed = new != self.status || cond != self.cond;
        self.status = new;
        self.cond = cond;
        self.record_completion(cl, &new);
        if newly_exceeded {
            self.deadline_exceeded_at.get_or_insert(now);
            cl.trace_update("deadline_exceeded", || {
                Some("ProgressDeadlineExceeded: the rollout goes on".into())
            });
            if self.cfg.auto_rollback && !self.state.is_rollback() {
                self.undo(cl, 0, "autoRollback: progress deadline exceeded");
            }
        }
        if changed {
            self.queue.add(); // the status update is an event too
            return;
        }
        let at = progress::requeue_at(self.cond, deadline, self.replicas, &new, now);
        if self.queue.requeue(at) && self.timers.arm(at) {
            cl.set_timer(at, Timer::Requeue);
        }
    }

    /// The simulator's outcome bookkeeping: the first instant the current template's
    /// rollout is complete.
    pub(super) fn record_completion(&mut self, cl: &mut Cluster, new: &Status) {
        let RolloutState::Progressing(origin) = self.state else {
            return;
        };
        if progress::complete(self.replicas, new) {
            self.state = RolloutState::Complete {
                at: cl.now(),
                origin,
            };
            let state = match origin {
                Origin::Undo => "rollback_completed",
                Origin::Update => "completed",
            };
            cl.trace_update(state, || None);
        }
    }
}
