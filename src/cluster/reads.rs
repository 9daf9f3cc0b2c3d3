//! What controllers and the trial read of the cluster: a task, its slot and version, whether
//! it serves, the fleet's counts, the random streams and control-plane latencies, and the
//! prefetches ahead of those reads. Apart from `mod.rs`, which holds the state itself.

use super::{Cluster, Event, Task, TaskId, TaskState, control_plane};
use crate::scenario::{Phase, Version, VersionId};
use crate::sim::prefetch;
use crate::sim::time::Time;
use crate::sim::{KeyedRng, Purpose};

impl<'s> Cluster<'s> {
    // ----- what controllers read --------------------------------------------------------

    /// Tasks ready, available and running now, per version, kind-major
    /// (`[kind · versions + version]`, kinds as
    /// [`gauges::fleet_marks`](super::gauges::fleet_marks) defines them);
    /// empty unless [`Cluster::count_fleet`] asked for them.
    pub fn fleet_counts(&self) -> &[u32] {
        self.fleet_counts.as_slice()
    }

    /// Debug builds: the fleet timeline's counts are what counting the tasks gives; their
    /// `ready` sums to the serving gauge `min_ready` is read from, and their `available` to
    /// the one `min_available` is read from (Kubernetes) or equals their `ready` (Swarm).
    #[cfg(debug_assertions)]
    pub fn check_fleet_counts(&self) {
        let kept = self.fleet_counts.as_slice();
        if kept.is_empty() {
            return;
        }
        let counted = self.fleet_counts.counted(&self.tasks);
        let now = self.now();
        assert_eq!(kept, &counted[..], "fleet counts kept ≠ counted at {now}");
        let versions = kept.len() / super::gauges::FLEET_KINDS;
        let (ready, available) = (&kept[..versions], &kept[versions..2 * versions]);
        assert_eq!(
            ready.iter().sum::<u32>(),
            self.gauges.ready,
            "ready at {now}"
        );
        if self.runtime == super::runtime::RuntimeKind::Kubelet {
            let sum = available.iter().sum::<u32>();
            assert_eq!(sum, self.gauges.available, "available at {now}");
        } else {
            assert_eq!(available, ready, "Swarm: available ≠ ready at {now}");
        }
    }

    /// Which snapshot this trial's serving fleet is a copy of ([`super::fleet`]), if it is
    /// one: every copy of a snapshot is the same cluster, so a controller may keep what it
    /// read of one. True right after [`Cluster::create_serving_fleet`], until anything
    /// changes.
    pub fn copied_fleet(&self) -> Option<u64> {
        self.fleet_copy
    }

    /// The task with this index.
    #[inline]
    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id as usize]
    }

    /// Whether task `id` was serving when the rollout began: one of the fleet created
    /// Ready at time 0, before the rollout's first act (which may already have told it
    /// to stop). A fleet task the cluster had no room for never served.
    pub fn served_before_rollout(&self, id: TaskId) -> bool {
        id < self.serving_fleet_end && self.tasks[id as usize].ready_at == 0
    }

    /// Whether task `id` is published as a ready endpoint of its service, what the
    /// balancers converge to (`traffic::endpoints`): Ready and, under the kubelet, not
    /// deleted (see
    /// [`RuntimeKind::leaves_endpoints_on_delete`](super::runtime::RuntimeKind::leaves_endpoints_on_delete)).
    #[inline]
    pub fn endpoint_ready(&self, id: TaskId) -> bool {
        let t = &self.tasks[id as usize];
        t.state == TaskState::Ready
            && !(t.stop_requested && self.runtime.leaves_endpoints_on_delete())
    }

    /// Live tasks of a slot (in creation order).
    pub fn slot(&self, slot: u32) -> &[TaskId] {
        self.slot_tasks.get(slot)
    }

    /// Whether the fleet is large enough for prefetching to pay ([`crate::sim::prefetch`]).
    #[inline]
    pub fn prefetches(&self) -> bool {
        self.prefetches
    }

    /// Ask for the record of the next event's task while this one is handled
    /// ([`crate::sim::prefetch`]), in a fleet large enough for that to pay. Only the test
    /// is inline: every event of a small trial passes here.
    #[inline]
    pub fn prefetch_next_event(&self) {
        if self.prefetches {
            self.prefetch_next_task();
        }
    }

    #[inline(never)]
    fn prefetch_next_task(&self) {
        if let Some(&Event::Task { task, .. }) = self.sim.peek()
            && let Some(t) = self.tasks.get(task as usize)
        {
            prefetch::prefetch(t);
        }
    }

    /// Ask for `slot`'s list of tasks ahead of the update that will read it.
    #[inline]
    pub fn prefetch_slot(&self, slot: u32) {
        self.slot_tasks.prefetch(slot);
    }

    /// Ask for the records of `slot`'s tasks ahead of the update that will read them (its
    /// list is read now: ask for it first, with [`Cluster::prefetch_slot`]).
    #[inline]
    pub fn prefetch_slot_tasks(&self, slot: u32) {
        for &t in self.slot(slot) {
            if let Some(t) = self.tasks.get(t as usize) {
                prefetch::prefetch(t);
            }
        }
    }

    /// The version's behaviour.
    pub fn version(&self, v: VersionId) -> &'s Version {
        &self.scenario.service.versions[v as usize]
    }

    /// A random stream of this trial.
    #[inline]
    pub fn rng(&self, slot: u32, version: VersionId, attempt: u32, purpose: Purpose) -> KeyedRng {
        debug_assert_eq!(self.streams.trial(), self.trial, "streams of another trial");
        self.streams.rng(slot, version, attempt, purpose)
    }

    /// A control-plane latency for the task (slot, version, attempt), from the phase's own
    /// stream; 0 without drawing when the phase is zero.
    #[inline]
    pub fn overhead(&self, phase: Phase, slot: u32, version: VersionId, attempt: u32) -> Time {
        if self.zero_phase(phase) {
            return 0;
        }
        self.overhead_drawn(phase, slot, version, attempt)
    }

    /// Whether the control plane's latency of `phase` is always zero.
    #[inline]
    pub(super) fn zero_phase(&self, phase: Phase) -> bool {
        self.zero_phases & 1 << phase as u8 != 0
    }

    #[inline(never)]
    fn overhead_drawn(&self, phase: Phase, slot: u32, version: VersionId, attempt: u32) -> Time {
        let d = self.scenario.cluster.control_plane.phase(phase);
        let attempt = control_plane::stream_attempt(attempt, phase);
        d.draw(|| self.rng(slot, version, attempt, Purpose::ControlPlane))
    }
}
