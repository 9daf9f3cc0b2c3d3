//! Availability: a Ready task becomes available `minReadySeconds` after the Ready
//! condition's `lastTransitionTime` as the API stores it (at once with 0, Swarm's rule:
//! available = ready) and stops being available when it leaves Ready.
//!
//! The ReplicaSet controller counts a pod available (`kubernetes/kubernetes`
//! `pkg/api/v1/pod/util.go` `IsPodAvailable`) once `lastTransitionTime + minReadySeconds
//! <= now`, and from v1.34 it requeues itself for exactly that instant
//! (`pkg/controller/replicaset/replica_set.go` `syncReplicaSet`,
//! `controller.FindMinNextPodAvailabilityCheck`, kubernetes/kubernetes#132121 with the `<=`
//! of #132122). `lastTransitionTime` is a `metav1.Time`, which the API keeps in whole
//! seconds (`kubernetes/apimachinery` `pkg/apis/meta/v1/time.go` `MarshalJSON`: RFC 3339;
//! `time_proto.go` `ProtoTime`: `Seconds` only): a pod Ready at 2.4 s is stamped 2 s and
//! is available at 2 s + `minReadySeconds`, up to a second before `minReadySeconds` has
//! passed on its own clock. Simulated time 0 is taken to fall on a whole second.

use super::{Cluster, TaskId, TaskState};
use crate::sim::time::{Time, api_stamp};

impl Cluster<'_> {
    /// A `minReadySeconds` timer fired: available if still Ready since long enough.
    pub(super) fn become_available(&mut self, id: TaskId) {
        let t = &self.tasks[id as usize];
        if t.state == TaskState::Ready && self.available_at(t.since) <= self.sim.now() {
            self.become_available_now(id);
        }
    }

    /// When a task Ready since `since` becomes available (`minReadySeconds` > 0): its Ready
    /// condition's `lastTransitionTime`, truncated to the whole second as the API stores
    /// it, plus `minReadySeconds` — never before it is Ready.
    pub(super) fn available_at(&self, since: Time) -> Time {
        api_stamp(since).saturating_add(self.min_ready).max(since)
    }

    pub(super) fn become_available_now(&mut self, id: TaskId) {
        let t = &mut self.tasks[id as usize];
        if t.state != TaskState::Ready || t.available {
            return;
        }
        let old = t.share();
        t.available = true;
        if self.fleet_counts.on {
            let lost = self.tasks[id as usize].lost;
            self.fleet_changed(id, TaskState::Ready, false, lost);
        }
        self.recount(id, old);
        self.gauges.available += 1;
        self.notify(id, TaskState::Ready);
    }
}
