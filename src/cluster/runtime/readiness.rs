//! The kubelet's readiness worker after the first Ready: a flaky probe flips the pod
//! NotReady after `failureThreshold` failures in a row and Ready again after
//! `successThreshold` passes. For most pods the next flip lies long after the trial has
//! ended (at 2 % flakiness and a threshold of 3, about one streak in 125,000 probes), so
//! the walk to it is deferred ([`crate::sim::deferred`]): the engine walks the probe
//! only as far as the trial gets, and the flip, if it comes, pops exactly where it would
//! have had it been computed and scheduled at once.

use super::super::health::AppTimes;
use super::super::kubelet::Readiness;
use super::super::probe::{Flip, ProbeWalk, Seek};
use super::super::{Cluster, Event, Step, TaskId};
use crate::sim::deferred::{Deferred, Resume, Schedulable};
use crate::sim::time::Time;

/// A pod's readiness worker looking for its next flip, and the step that flip schedules.
#[derive(Debug, Clone)]
pub struct FlipCursor {
    walk: ProbeWalk,
    seek: Seek,
    app: AppTimes,
    /// The container dies here: a flip at or after it is never scheduled.
    death: Time,
    /// The step the flip schedules (the task's generation when it was looked for).
    event: Event,
}

impl Deferred<Event> for FlipCursor {
    fn resume(&mut self, until: Time) -> Resume<Event> {
        match self.walk.resume(&self.seek, self.app, until) {
            None => Resume::Pending(self.walk.flips_from(&self.seek)),
            Some(Flip::Success(at) | Flip::Failure(at)) if at < self.death => {
                Resume::Due(at, self.event)
            }
            Some(_) => Resume::Never,
        }
    }
}

impl Schedulable for Event {
    type Cursor = FlipCursor;
}

/// What the readiness walks of one direction share ([`Cluster::readiness_walks`]).
#[derive(Debug, Clone)]
pub(in crate::cluster) struct ReadinessWalks {
    /// The probe and the flip looked for, up to the horizon.
    seek: Seek,
    /// The step the flip schedules.
    step: Step,
    /// The instant a walk goes to at once, before it is deferred.
    ahead: Time,
}

impl Cluster<'_> {
    /// Schedule the task's next readiness transition: to NotReady when `to_ready` is
    /// false, back to Ready when it is true (only if that happens before it dies).
    pub(in crate::cluster) fn next_readiness_flip(&mut self, id: TaskId, to_ready: bool) {
        let walk = match std::mem::take(&mut self.pods[id as usize].readiness) {
            Readiness::Off => return,
            Readiness::Walk(w) => w,
            Readiness::Deferred(d) => self.sim.reclaim(d).walk,
        };
        if self.fleet_log.is_some() {
            // The fleet is being created: whether what the walk does is the fleet's or
            // walked afresh by each copy is decided there (`super::super::fleet`).
            self.pods[id as usize].readiness = Readiness::Walk(walk);
            self.walk_fleet_readiness(id, to_ready);
            return;
        }
        self.walk_readiness(id, to_ready, walk);
    }

    /// [`Cluster::next_readiness_flip`] from `walk`, the task's readiness worker (taken
    /// from its record, which it replaces). Inlined into its caller.
    #[inline(always)]
    pub(in crate::cluster) fn walk_readiness(
        &mut self,
        id: TaskId,
        to_ready: bool,
        walk: ProbeWalk,
    ) {
        let Some(rw) = self.readiness_walks(to_ready) else {
            return;
        };
        self.walk_readiness_as(id, walk, &rw);
    }

    /// What every readiness walk looking for a flip of this direction shares: the probe
    /// and the flip looked for, and the instant it walks to at once. `None`: there is no
    /// readiness probe. Inlined into [`Cluster::walk_readiness`], whose caller names the
    /// direction.
    #[inline(always)]
    pub(in crate::cluster) fn readiness_walks(&self, to_ready: bool) -> Option<ReadinessWalks> {
        let rp = self.scenario.service.readiness_probe.as_ref()?;
        let (skip, horizon) = (self.skips.readiness, self.scenario.horizon);
        let (seek, step) = if to_ready {
            let seek = Seek::new(rp, skip, Some(rp.success_threshold), None, horizon);
            (seek, Step::Healthy)
        } else {
            let seek = Seek::new(rp, skip, None, Some(rp.failure_threshold), horizon);
            (seek, Step::NotReady)
        };
        // Up to the next tick at least (the walk's first): most walks then jump over
        // every pass to their next flaky failure, and are put aside for good.
        let ahead = self.sim.now().saturating_add(rp.period);
        Some(ReadinessWalks { seek, step, ahead })
    }

    /// [`Cluster::walk_readiness`] as `rw` directs. Inlined: a copied fleet begins its
    /// serving pods' walks here ([`super::super::fleet`]), each a fresh walk looking for a
    /// NotReady flip, with what they share set up once, and the copy inlined there is
    /// specialised to that.
    #[inline(always)]
    pub(in crate::cluster) fn walk_readiness_as(
        &mut self,
        id: TaskId,
        mut walk: ProbeWalk,
        rw: &ReadinessWalks,
    ) {
        let t = &self.tasks[id as usize];
        let app = AppTimes {
            run: t.run_at,
            ready_at: t.ready_at,
            hang_at: t.hang_at,
        };
        let generation = t.generation;
        let death = self.pods[id as usize].death_at;
        // No tick at or after the death can flip anything that is scheduled.
        let seek = rw.seek.clone().ending_by(death);
        let step = rw.step;
        match walk.resume(&seek, app, rw.ahead) {
            // Nothing by then: the engine walks on as far as the trial gets.
            None => {
                let from = walk.flips_from(&seek);
                let cursor = FlipCursor {
                    walk,
                    seek,
                    app,
                    death,
                    event: Event::Task {
                        task: id,
                        generation,
                        step,
                    },
                };
                let d = self.sim.defer(cursor, from);
                self.pods[id as usize].readiness = Readiness::Deferred(d);
            }
            Some(flip) => {
                self.pods[id as usize].readiness = Readiness::Walk(walk);
                if let Flip::Success(at) | Flip::Failure(at) = flip
                    && at < death
                {
                    self.schedule_step_at(id, at, step);
                }
            }
        }
    }
}
