//! A task's image: its pull on the task's node, which the node's tasks share (a task waits
//! for the pull in flight), the pull's failure and the retry, and the start without delay of
//! a task whose image is there. Apart from the other steps because the image is the node's:
//! it outlives the tasks that waited for it.

use super::runtime::ContainerRuntime;
use super::{Cluster, NodeId, Step, TaskId, TaskState};
use crate::scenario::{Phase, VersionId};
use crate::sim::Purpose;
use crate::sim::time::{NEVER, after};

impl Cluster<'_> {
    /// Make sure the task's node has its image: start it at once if present, otherwise
    /// pull (or wait for the pull already in flight on that node). `last`: nothing of the
    /// current engine call follows (see [`Cluster::applies_at_once`]).
    pub(super) fn fetch_image(&mut self, id: TaskId, last: bool) {
        let t = &self.tasks[id as usize];
        debug_assert!(
            !t.lost,
            "task {id}: nothing is pulled or started on a lost node"
        );
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let node = t.node.expect("a placed task");
        let create = self.overhead(Phase::Create, slot, version, attempt);
        // The image on the node is the version's of the file, which an experiment
        // template's pods share with the version they copy.
        let version = self.scenario.service.release(version);
        let n = &mut self.nodes[node as usize];
        let image_at = n.image_at[version as usize];
        // A pull that may fail has stored nothing on the disk until a task waiting for it
        // has drawn a success (`pull_failed`): a task placed after it landed but before
        // then, at the landing instant or while the waiters' containers are created,
        // waits for it too, and draws its own.
        let now = self.sim.now();
        let present = image_at <= now && !n.pull_undecided[version as usize];
        if present && create == 0 {
            if self.starts_at_once(id) {
                self.start_prepared_at_once(id);
                return;
            }
            self.set_state(id, TaskState::Prepared);
            self.try_start(id, Phase::Start);
            return;
        }
        let pulls = n.pulls;
        if image_at == NEVER {
            n.pulls += 1;
            if create == 0 && last && self.pulls_at_once(id, node, version) {
                return;
            }
        }
        self.set_state(id, TaskState::Pulling);
        let image = if image_at == NEVER {
            let rng = || self.rng(node, version, pulls, Purpose::Pull);
            let at = after(self.sim.now(), self.version(version).pull.draw(rng));
            let may_fail = self.scenario.faults.pull_failure(version) > 0.0;
            let n = &mut self.nodes[node as usize];
            n.image_at[version as usize] = at;
            n.pull_undecided[version as usize] = may_fail;
            at
        } else {
            image_at.max(self.sim.now()) // present, or another task is pulling it already
        };
        // The container is created once the image is there.
        self.tasks[id as usize].awaits_pull = !present;
        self.schedule_step_at(id, after(image, create), Step::ImagePresent);
    }

    /// A new task's first pull of its version on `node`, its container created without
    /// delay, as the last act of the engine call (`fetch_image`'s `last`): when the pull
    /// takes no time, cannot fail, and the task may start at once, the image is present
    /// now and the pull's step (`ImagePresent`, zero-length) is what the worklist would
    /// apply next, so it is applied here ([`Cluster::applies_at_once`]), and the task goes
    /// through Pulling and Prepared to Starting in one state change, as `fetch_image`'s
    /// fast path goes through Prepared. Whether it did.
    fn pulls_at_once(&mut self, id: TaskId, node: NodeId, version: VersionId) -> bool {
        let at_once = self.version(version).pull.is_zero()
            && self.scenario.faults.pull_failure(version) == 0.0
            && self.starts_at_once(id)
            && self.applies_at_once();
        if !at_once {
            return false;
        }
        self.nodes[node as usize].image_at[version as usize] = self.sim.now();
        self.pass_through(id, TaskState::Pulling);
        self.count_step(); // the pull's step
        self.start_prepared_at_once(id);
        true
    }

    /// Task `id`, its image present, through Prepared to Starting in one state change and
    /// its container started: what `try_start` would do when
    /// [`Cluster::starts_at_once`] holds.
    #[inline(always)]
    fn start_prepared_at_once(&mut self, id: TaskId) {
        self.pass_through(id, TaskState::Prepared);
        self.set_state(id, TaskState::Starting);
        self.container_started(id);
    }

    /// `faults.pull_failure_probability`: whether the pull this task waited for failed
    /// (ErrImagePull), so it does not start now. Swarm rejects the task; the kubelet
    /// retries after a back-off of 10 s doubling to 300 s (the same `flowcontrol.Backoff`
    /// as CrashLoopBackOff). A kubelet pulls for one pod at a time
    /// ([`ContainerRuntime::pulls_in_turn`]): a pod behind a pull that failed for a pod
    /// ahead of it does not fail with it but pulls in its turn, from now.
    ///
    /// Each task waiting for a pull draws its own outcome, and the node's disk holds the
    /// image once any of them drew a success: a later waiter's failure does not remove
    /// it, and a success after an earlier waiter's failure stores it. Where the image is
    /// on the disk, a failed pull does not stop a Docker engine from creating the
    /// container ([`ContainerRuntime::creates_after_failed_pull`]); the kubelet still
    /// backs off, and its retry finds the image.
    pub(super) fn pull_failed(&mut self, id: TaskId) -> bool {
        let t = &mut self.tasks[id as usize];
        let pulled = std::mem::take(&mut t.awaits_pull);
        let image = self.scenario.service.release(t.version);
        let p = self.scenario.faults.pull_failure(image);
        if p == 0.0 || !pulled || t.state != TaskState::Pulling {
            return false;
        }
        let t = &self.tasks[id as usize];
        let (version, node) = (image, t.node.expect("a pulling task is placed"));
        let now = self.sim.now();
        let rt = self.runtime;
        let image_at = self.nodes[node as usize].image_at[version as usize];
        if (image_at == NEVER || image_at > now) && rt.pulls_in_turn() {
            // The pull it waited for failed for a task ahead of it and left nothing on
            // the disk: its own pull comes now, in full (or after the one since begun).
            self.fetch_image(id, false);
            return true;
        }
        let stream = (t.attempt << 8) | t.pull_failures.min(255);
        let failed = self
            .rng(t.slot, t.version, stream, Purpose::PullFailure)
            .chance(p);
        let n = &mut self.nodes[node as usize];
        let (image, undecided) = (
            &mut n.image_at[version as usize],
            &mut n.pull_undecided[version as usize],
        );
        if !failed {
            // Stored, whatever another waiter drew or a pull since started.
            *undecided = false;
            *image = (*image).min(now);
            return false;
        }
        let on_disk = *image <= now && !*undecided;
        if *image <= now && !on_disk {
            *image = NEVER; // nothing was stored: the next task pulls afresh
        }
        if on_disk && rt.creates_after_failed_pull() {
            return false;
        }
        self.tasks[id as usize].pull_failures += 1;
        rt.pull_failed(self, id);
        true
    }

    /// Whether a pending task whose image is present would, once Prepared, start its
    /// container in the same step: allowed to start now, with no control-plane start
    /// latency (so no start queue).
    fn starts_at_once(&self, id: TaskId) -> bool {
        let t = &self.tasks[id as usize];
        t.state == TaskState::Pending
            && t.start_allowed
            && t.start_not_before <= self.sim.now()
            && self.zero_phase(Phase::Start)
    }
}
