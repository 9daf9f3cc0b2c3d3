//! One sync of the Deployment: `syncDeployment`, after
//! `kubernetes/kubernetes:pkg/controller/deployment/deployment_controller.go` and
//! `sync.go` at v1.32, with the ReplicaSet controller's reaction to the new specs, and the
//! simulator's two shortcuts for a sync that would read the counts the last one read (at
//! rest, quiet). The strategies' rollouts are in [`super::rolling`] and
//! [`super::recreate`]; the paused and scaling path in `sync_path.rs`.

use super::{Deployment, progress, replicaset};
use crate::cluster::Cluster;
use crate::scenario::DeploymentStrategy;
use crate::sim::time::{NEVER, SECOND, Time};

impl Deployment<'_> {
    /// One sync of the Deployment (`syncDeployment`): the paused conditions; then
    /// while paused or on a scaling event `sync` (proportional scaling only), otherwise
    /// the strategy's rollout.
    ///
    /// When the pods' counts are those the last sync read, two shortcuts give what the
    /// whole sync would: at rest ([`Deployment::rest`]) it changes nothing; quiet
    /// ([`Deployment::quiet`]) it rolls as the last one did — no scale, no pod created or
    /// deleted, its `cleanupDeployment` reached — so only that cleanup and the rollout
    /// status are left to compute (most instants end with such a sync, after one that
    /// changed only the status). Debug builds run the whole sync instead, and check it.
    pub(super) fn sync(&mut self, cl: &mut Cluster) {
        self.scaled = false;
        self.touched = false;
        let read = (cl.wanted_changes(), self.sets.len());
        let kept = self.statuses_read == Some(read);
        // Whether the statuses are those the last sync ended with: kept, or read again and
        // found equal, each compared as it is written over.
        let mut unchanged = kept;
        if !kept {
            // Written over in place (a new set's status was pushed when it was made, so
            // the lengths mostly agree already): no push, no bounds check a set.
            unchanged = self.statuses.len() == self.sets.len();
            self.statuses
                .resize(self.sets.len(), replicaset::RsStatus::default());
            for (rs, st) in self.sets.iter_mut().zip(&mut self.statuses) {
                let fresh = rs.status(cl);
                unchanged &= *st == fresh;
                *st = fresh;
            }
            self.statuses_read = Some(read);
        }
        debug_assert!(
            self.sets
                .iter()
                .map(|rs| rs.status(cl))
                .eq(self.statuses.iter().copied()),
            "statuses read again are those kept"
        );
        // At rest or quiet, the last sync that ended read these statuses (if it returned
        // at rest, it found them equal), and nothing but the read above writes them
        // between syncs: unchanged, they are still the ones it read. (A copy kept by the
        // last sync and compared here cost a `memcpy` call and a walk of both lists.)
        let same = (self.rest || self.quiet) && unchanged;
        debug_assert!(
            !(self.rest || self.quiet) || same == (self.statuses == self.read_statuses),
            "the statuses read are the last sync's exactly when none changed"
        );
        let now = cl.now();
        debug_assert!(
            !self.rest || now >= self.rest_until || self.at_rest(now),
            "at rest until the kept instant"
        );
        let resting = same && self.rest && (now < self.rest_until || self.at_rest(now));
        let tail = same && self.quiet && !resting;
        if !cfg!(debug_assertions) {
            if resting {
                return;
            }
            if tail {
                self.check_paused_conditions(now);
                let new = self.find_or_create_new_rs(cl, true);
                self.cleanup_if_complete(new);
                self.sync_kept_rollout_status(cl);
                self.observed = true;
                self.after_sync(now, false, true);
                return;
            }
        }
        let before = (self.status, self.cond, self.state, self.queue);
        self.check_paused_conditions(now);
        let scaling = self.paused || self.is_scaling_event();
        if scaling {
            self.sync_scale(cl);
        } else {
            match self.cfg.kind {
                DeploymentStrategy::RollingUpdate { .. } => self.rollout_rolling(cl),
                DeploymentStrategy::Recreate => self.rollout_recreate(cl),
            }
        }
        // The ReplicaSet controller reacts to the new specs (each set's pods as counted
        // at the start of the sync).
        let mut acted = false;
        for (i, (rs, st)) in self.sets.iter_mut().zip(&self.statuses).enumerate() {
            if !rs.deleted {
                let active = st.replicas;
                acted |= replicaset::manage_counted_replicas(cl, rs, i, active, &mut self.ranking);
            }
        }
        self.touched |= acted;
        debug_assert!(
            !tail || !scaling && !self.scaled && !acted,
            "a quiet sync rolls as the last one did"
        );
        if self.scaled {
            cl.trace_scale(|| self.specs());
            self.queue.add();
        }
        if scaling {
            self.sync_deployment_status(cl);
        } else {
            debug_assert!(
                !tail || self.calculate_status() == self.status,
                "a quiet sync calculates the status stored"
            );
            self.sync_rollout_status(cl);
        }
        self.observed = true;
        debug_assert!(
            !resting
                || !self.touched
                    && !self.scaled
                    && before == (self.status, self.cond, self.state, self.queue),
            "a sync at rest changed nothing"
        );
        self.after_sync(now, scaling, same);
    }

    /// Whether the sync just done leaves the Deployment at rest or quiet; `same`: the
    /// statuses it read were [`Deployment::read_statuses`] already.
    fn after_sync(&mut self, now: Time, scaling: bool, same: bool) {
        let rolling = matches!(self.cfg.kind, DeploymentStrategy::RollingUpdate { .. });
        self.quiet = rolling && !scaling && !self.scaled && !self.touched;
        self.rest = !self.touched && !self.queue.is_queued();
        // A rolling sync that ends at rest computed what the check does, and found it
        // unchanged (see `sync_rollout_status`): it holds until the clock moves the answer.
        // The other paths leave it to the check.
        self.rest_until = if self.rest && self.quiet {
            self.rest_until(now)
        } else {
            0
        };
        debug_assert!(!self.rest || now >= self.rest_until || self.at_rest(now));
        // Kept for the checks alone: the next sync tells them from its own read.
        if cfg!(debug_assertions) && (self.rest || self.quiet) && !same {
            // No ReplicaSet was created: these are the statuses the sync read.
            self.read_statuses.clone_from(&self.statuses);
        }
        debug_assert!(!(self.rest || self.quiet) || self.read_statuses == self.statuses);
    }

    /// Whether a sync now, reading the counts the last one read, would change nothing,
    /// as the last one did (see [`Deployment::rest`]): everything it computes is then the
    /// same but what depends on the time, which is the Progressing condition (the
    /// deadline may have passed since) and the requeue (late in the deadline it is
    /// placed from the time). Checked as the rolling sync computes them; the other paths
    /// read neither, so the check only costs them a sync they could have skipped.
    fn at_rest(&self, now: Time) -> bool {
        let deadline = self.cfg.progress_deadline;
        let st = &self.status;
        let cond = progress::next_condition(self.cond, deadline, self.replicas, st, st, now);
        cond == self.cond
            && !self.queue.is_new_requeue(progress::requeue_at(
                cond,
                deadline,
                self.replicas,
                st,
                now,
            ))
    }

    /// The first instant, from `now` on, at which [`Deployment::at_rest`] may answer
    /// otherwise than at `now`, all else kept. The clock enters it only through the
    /// Progressing condition's `lastUpdateTime` + deadline (`due`): the condition times
    /// out past `due`, and the requeue is `due` + 1 s up to a second before `due`, then
    /// `due` + 1 µs up to `due`, then moves with the clock.
    fn rest_until(&self, now: Time) -> Time {
        let (Some(c), Some(d)) = (self.cond, self.cfg.progress_deadline) else {
            return NEVER;
        };
        let due = c.last_update.saturating_add(d);
        if now.saturating_add(SECOND) <= due {
            due - SECOND + 1
        } else if now <= due {
            due.saturating_add(1)
        } else {
            0
        }
    }
}
