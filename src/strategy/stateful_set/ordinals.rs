//! What a StatefulSet sync reads of each ordinal, kept between syncs: the ordinal's listed
//! pod and that pod's flags (a [`View`]), and the sets of ordinals in each case a sync's
//! steps ask about (missing, stalled, unhealthy, outdated, not being deleted), with the
//! status's counts.
//!
//! Upstream each sync walks every pod, which is cheap once per informer event batch; a
//! simulated sync runs after every instant a watched pod changed, so walks of every
//! ordinal made a trial's cost grow with the square of its pods. Only the ordinals of the
//! pods that changed since the last look are read again ([`SyncLoop::take_touched`]: the
//! pods noticed, those the controller created or deleted, and the cluster's evictions),
//! and each step's walk becomes a question to a [`SlotSet`]. What every ordinal depends
//! on — `spec.replicas` (which ordinals are condemned) and the update revision (which pods
//! are new) — is the views' basis: when it changes, every ordinal is read again.
//!
//! Debug builds check, at every look, that the kept views, sets and counts are what
//! reading every ordinal afresh gives.

use crate::cluster::{Cluster, TaskId, TaskState};
use crate::strategy::kubernetes::replicaset::PodTemplate;
use crate::strategy::kubernetes::slot_set::SlotSet;
use crate::strategy::kubernetes::sync_loop::SyncLoop;

/// One ordinal as a sync reads it. Every flag is false without a listed pod.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct View {
    /// The listed pod: the ordinal's first pod not terminal (deleted pods stay listed
    /// until they exit; see [`super::sync`]).
    pub pod: Option<TaskId>,
    /// Being deleted (`deletionTimestamp`): [`crate::cluster::Task::stop_requested`].
    pub terminating: bool,
    /// `isRunningAndReady`.
    pub ready: bool,
    /// `isRunningAndAvailable`: Ready for `minReadySeconds`.
    pub available: bool,
    /// Of the update revision.
    pub new: bool,
}

impl View {
    /// Ordinal `ordinal` as the cluster has it now, with `update` the update revision.
    /// Inlined: returned through memory, its byte-wide stores then read back as wider loads
    /// stalled store forwarding (a sixth of a 6-pod trial's time in [`Ordinals::read`]).
    #[inline(always)]
    fn read(cl: &Cluster, ordinal: u32, update: PodTemplate, templates: &[PodTemplate]) -> View {
        let listed =
            (cl.slot(ordinal).iter().copied()).find(|&id| !cl.task(id).state.is_terminal());
        let Some(id) = listed else {
            return View::default();
        };
        let t = cl.task(id);
        let ready = t.state == TaskState::Ready;
        View {
            pod: Some(id),
            terminating: t.stop_requested,
            ready,
            available: ready && t.available,
            new: templates[id as usize] == update,
        }
    }

    /// `isHealthy`: Running and Ready, and not being deleted.
    pub fn healthy(&self) -> bool {
        self.ready && !self.terminating
    }

    /// Listed and not healthy.
    fn sick(&self) -> bool {
        self.pod.is_some() && !self.healthy()
    }

    /// Listed, of another revision, and not being deleted: the update deletes it.
    pub fn outdated(&self) -> bool {
        self.pod.is_some() && !self.new && !self.terminating
    }

    /// Listed and being deleted or not available: `processReplica` with `OrderedReady`
    /// waits at it.
    fn stalled(&self) -> bool {
        self.pod.is_some() && (self.terminating || !self.available)
    }

    /// Listed and not being deleted.
    fn undeleted(&self) -> bool {
        self.pod.is_some() && !self.terminating
    }

    /// Counted in `updatedReplicas`: not being deleted, of the update revision.
    fn updated(&self) -> bool {
        self.undeleted() && self.new
    }
}

// The sets and counts an ordinal can be in, one bit each ([`classes`]).
const MISSING: u16 = 1;
const STALLED: u16 = 1 << 1;
const SICK: u16 = 1 << 2;
const OUTDATED: u16 = 1 << 3;
const UNDELETED: u16 = 1 << 4;
const LISTED: u16 = 1 << 5;
const READY: u16 = 1 << 6;
const UPDATED: u16 = 1 << 7;
const SICK_REPLICA: u16 = 1 << 8;

/// The sets and counts of [`Ordinals`] that `ordinal` with view `v` is in.
#[inline]
fn classes(ordinal: u32, v: View, replicas: u32) -> u16 {
    let replica = ordinal < replicas;
    let listed = v.pod.is_some();
    let bit = |b: bool, class: u16| if b { class } else { 0 };
    bit(replica && !listed, MISSING)
        | bit(v.stalled(), STALLED)
        | bit(v.sick(), SICK)
        | bit(v.outdated(), OUTDATED)
        | bit(v.undeleted(), UNDELETED)
        | bit(listed, LISTED)
        | bit(listed && v.ready, READY)
        | bit(v.updated(), UPDATED)
        | bit(replica && v.sick(), SICK_REPLICA)
}

/// What the views were read under: a change of either changes every ordinal's sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Basis {
    /// `spec.replicas`: which ordinals are replicas (below) or condemned.
    pub replicas: u32,
    /// The update revision: which pods are new.
    pub update: PodTemplate,
}

/// The views of every ordinal and the sets of ordinals each step asks about.
#[derive(Debug, Clone, Default)]
pub(super) struct Ordinals {
    /// By ordinal; an ordinal past the end has no pod.
    views: Vec<View>,
    /// What they were read under; `None`: read them all again at the next look.
    basis: Option<Basis>,
    /// Replicas (below `replicas`) without a listed pod: `processReplica` creates them.
    pub missing: SlotSet,
    /// Ordinals whose listed pod is being deleted or not available ([`View::stalled`]).
    pub stalled: SlotSet,
    /// Ordinals whose listed pod is not healthy.
    pub sick: SlotSet,
    /// Ordinals whose listed pod the update deletes ([`View::outdated`]).
    pub outdated: SlotSet,
    /// Ordinals whose listed pod is not being deleted.
    pub undeleted: SlotSet,
    /// Ordinals with a listed pod.
    pub listed: SlotSet,
    /// Listed pods Ready (`readyReplicas`).
    pub ready: u32,
    /// Listed pods not being deleted and of the update revision (`updatedReplicas`).
    pub updated: u32,
    /// Replicas whose listed pod is not healthy.
    pub sick_replicas: u32,
    /// Scratch: the touched pods.
    touched: Vec<TaskId>,
}

impl Ordinals {
    /// A new trial: every ordinal is read at the next look.
    pub fn invalidate(&mut self) {
        self.basis = None;
    }

    /// The view of `ordinal`.
    pub fn view(&self, ordinal: u32) -> View {
        self.views
            .get(ordinal as usize)
            .copied()
            .unwrap_or_default()
    }

    /// Bring the views up to date: read again the ordinals of the pods `queue` was told
    /// about since the last look, or every ordinal below `span` (at least `replicas` and
    /// every ordinal that had a pod) when the basis changed.
    pub fn refresh(
        &mut self,
        cl: &Cluster,
        queue: &mut SyncLoop,
        basis: Basis,
        span: u32,
        templates: &[PodTemplate],
    ) {
        queue.take_touched(&mut self.touched);
        if self.basis != Some(basis) {
            self.read_all(cl, basis, span, templates);
        } else {
            let touched = std::mem::take(&mut self.touched);
            for &id in &touched {
                self.read(cl, cl.task(id).slot, basis, templates);
            }
            self.touched = touched;
        }
        #[cfg(debug_assertions)]
        self.check(cl, basis, span, templates);
    }

    /// Every ordinal below `span` read afresh.
    fn read_all(&mut self, cl: &Cluster, basis: Basis, span: u32, templates: &[PodTemplate]) {
        self.basis = Some(basis);
        self.views.clear();
        for set in [
            &mut self.missing,
            &mut self.stalled,
            &mut self.sick,
            &mut self.outdated,
            &mut self.undeleted,
            &mut self.listed,
        ] {
            set.reset(span);
        }
        (self.ready, self.updated, self.sick_replicas) = (0, 0, 0);
        for ordinal in 0..span {
            let v = View::read(cl, ordinal, basis.update, templates);
            self.views.push(v);
            let now = classes(ordinal, v, basis.replicas);
            self.apply(ordinal, now, now);
        }
    }

    /// Read `ordinal` again, moving it between the sets if its view changed.
    fn read(&mut self, cl: &Cluster, ordinal: u32, basis: Basis, templates: &[PodTemplate]) {
        let i = ordinal as usize;
        if i >= self.views.len() {
            // Past every ordinal read so far: no pod then, in no set.
            self.views.resize(i + 1, View::default());
        }
        let new = View::read(cl, ordinal, basis.update, templates);
        let old = std::mem::replace(&mut self.views[i], new);
        if new != old {
            let now = classes(ordinal, new, basis.replicas);
            self.apply(ordinal, classes(ordinal, old, basis.replicas) ^ now, now);
        }
    }

    /// Move `ordinal` into the sets and counts of `now` it was not in, and out of those it
    /// was in and `now` lacks: `flips` ([`classes`] of the old view xor the new). A pod's
    /// change mostly moves it in or out of one or two sets, so only those are touched.
    #[inline]
    fn apply(&mut self, ordinal: u32, flips: u16, now: u16) {
        let mut bits = flips;
        while bits != 0 {
            let bit = bits & bits.wrapping_neg();
            bits &= bits - 1;
            let member = now & bit != 0;
            let count = |c: &mut u32| {
                if member {
                    *c += 1;
                } else {
                    *c -= 1;
                }
            };
            match bit {
                MISSING => self.missing.set(ordinal, member),
                STALLED => self.stalled.set(ordinal, member),
                SICK => self.sick.set(ordinal, member),
                OUTDATED => self.outdated.set(ordinal, member),
                UNDELETED => self.undeleted.set(ordinal, member),
                LISTED => self.listed.set(ordinal, member),
                READY => count(&mut self.ready),
                UPDATED => count(&mut self.updated),
                SICK_REPLICA => count(&mut self.sick_replicas),
                _ => unreachable!("a class has one bit"),
            }
        }
    }

    /// Debug builds: the kept views, sets and counts are those of every ordinal read
    /// afresh, and no pod is listed at or past `span` (the status counts every listed
    /// ordinal as one below the highest that had a pod).
    #[cfg(debug_assertions)]
    fn check(&self, cl: &Cluster, basis: Basis, span: u32, templates: &[PodTemplate]) {
        let mut fresh = Ordinals::default();
        fresh.read_all(cl, basis, span.max(self.views.len() as u32), templates);
        for (o, (kept, read)) in self.views.iter().zip(&fresh.views).enumerate() {
            assert_eq!(kept, read, "StatefulSet ordinal {o}: kept view differs");
        }
        let sets = |o: &Ordinals| {
            [
                &o.missing,
                &o.stalled,
                &o.sick,
                &o.outdated,
                &o.undeleted,
                &o.listed,
            ]
            .map(|s| s.iter().collect::<Vec<_>>())
        };
        assert_eq!(sets(self), sets(&fresh), "StatefulSet ordinal sets differ");
        assert_eq!(
            (self.ready, self.updated, self.sick_replicas),
            (fresh.ready, fresh.updated, fresh.sick_replicas),
            "StatefulSet counts differ"
        );
        assert!(
            self.listed.prev_below(u32::MAX).is_none_or(|o| o < span),
            "a pod listed past every ordinal created"
        );
    }
}
