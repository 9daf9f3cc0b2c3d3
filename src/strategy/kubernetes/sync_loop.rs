//! The work queue of a Kubernetes workload controller that reconciles at the end of each
//! simulated instant (a DaemonSet's, a StatefulSet's): which pod notices make a sync due,
//! and the guard against syncs that never settle.
//!
//! Upstream a sync that creates or deletes pods is followed by another once the informer
//! has seen them (expectations); here that is the next sync of the same instant, until a
//! sync changes nothing. A chain longer than [`super::sync_limit`] means the syncs
//! oscillate: the trial ends `timeout` at that instant with a `sync_livelock` trace record.
//!
//! It also keeps which pods changed since the controller last asked
//! ([`SyncLoop::take_touched`]), so that a sync looks again at their slots only.

use super::trace_livelock;
use crate::cluster::{Cluster, Notice, StateSet, TaskId};
use crate::sim::time::Time;

/// A controller's pending sync and its livelock guard.
///
/// ```
/// use rollout_sim::cluster::StateSet;
/// use rollout_sim::strategy::kubernetes::sync_loop::SyncLoop;
/// let mut q = SyncLoop::new(StateSet::POD_SYNC, "StatefulSet");
/// q.reset(100);
/// assert!(!q.dirty && q.livelock_at().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct SyncLoop {
    /// A sync is due (a watched pod changed, the spec changed, or the last sync acted).
    pub dirty: bool,
    /// The pod states the controller watches.
    observed: StateSet,
    /// The workload's kind, for the livelock record.
    workload: &'static str,
    /// Syncs allowed in one instant.
    limit: u32,
    /// Syncs so far in the current instant's settle.
    syncs: u32,
    /// The instant the syncs were found not to converge (the trial ends there).
    livelock_at: Option<Time>,
    notices: Vec<Notice>,
    /// Scratch for [`Cluster::take_evicted`].
    evicted: Vec<TaskId>,
    /// Pods noticed, touched or evicted since the last [`SyncLoop::take_touched`] (with
    /// repeats).
    touched: Vec<TaskId>,
}

impl SyncLoop {
    /// A queue for a controller watching `observed` pod states.
    pub fn new(observed: StateSet, workload: &'static str) -> SyncLoop {
        SyncLoop {
            dirty: false,
            observed,
            workload,
            limit: super::sync_limit(0),
            syncs: 0,
            livelock_at: None,
            notices: Vec::new(),
            evicted: Vec::new(),
            touched: Vec::new(),
        }
    }

    /// A new trial, allowing `limit` syncs an instant.
    pub fn reset(&mut self, limit: u32) {
        self.dirty = false;
        self.limit = limit;
        self.syncs = 0;
        self.livelock_at = None;
        self.touched.clear();
    }

    /// Allow at least `limit` syncs an instant (the workload grew).
    pub fn raise_limit(&mut self, limit: u32) {
        self.limit = self.limit.max(limit);
    }

    /// The pod states it watches.
    pub fn observed(&self) -> StateSet {
        self.observed
    }

    /// A pod notice delivered one at a time.
    pub fn on_notice(&mut self, notice: Notice) {
        self.dirty |= self.observed.contains(notice.state);
        self.touched.push(notice.task);
    }

    /// The controller changed `task` itself (created it, deleted it): its slot is looked at
    /// again, whether or not a notice follows.
    pub fn touch(&mut self, task: TaskId) {
        self.touched.push(task);
    }

    /// The pods noticed or touched since the last call (with repeats), leaving `buf`
    /// (cleared) in their place.
    pub fn take_touched(&mut self, buf: &mut Vec<TaskId>) {
        buf.clear();
        std::mem::swap(&mut self.touched, buf);
    }

    /// Read the pending notices (a sync becomes due if one is watched) and the cluster's
    /// evictions into the touched pods: [`SyncLoop::due`] does, and a sync that acted and
    /// reads its pods again before it ends (the notices its own creations and deletions
    /// caused then count as they would at the next [`SyncLoop::due`]).
    pub fn absorb(&mut self, cl: &mut Cluster) {
        while cl.has_notices() {
            let mut buf = std::mem::take(&mut self.notices);
            cl.take_notices(&mut buf);
            self.dirty |= buf.iter().any(|n| self.observed.contains(n.state));
            self.touched.extend(buf.iter().map(|n| n.task));
            self.notices = buf;
        }
        if cl.has_evicted() {
            let mut evicted = std::mem::take(&mut self.evicted);
            cl.take_evicted(&mut evicted);
            self.touched.extend_from_slice(&evicted);
            self.evicted = evicted;
        }
    }

    /// Whether a sync is due now: the pending notices read, then — unless the loop has
    /// settled or livelocked — one more sync counted (and the flag cleared for it).
    pub fn due(&mut self, cl: &mut Cluster) -> bool {
        self.absorb(cl);
        if !self.dirty || self.livelock_at.is_some() {
            self.syncs = 0;
            return false;
        }
        if self.syncs >= self.limit {
            self.livelock_at = Some(trace_livelock(cl, self.workload, self.limit));
            self.syncs = 0;
            return false;
        }
        self.dirty = false;
        self.syncs += 1;
        true
    }

    /// When the syncs were found not to converge.
    pub fn livelock_at(&self) -> Option<Time> {
        self.livelock_at
    }
}
