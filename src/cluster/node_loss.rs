//! Node loss (`faults.node_failures`, `faults.node_mtbf`): what happens to the tasks of a
//! node that goes down, when the control plane notices, and when the node comes back.
//!
//! A lost node goes through three moments, each a [`NodeChange`] event and a `node` trace
//! record:
//!
//! 1. **`lost`** (the fault): the machine is gone. Its containers stop answering at once
//!    (requests to them time out) and leave the serving count (`min_ready`, and the fleet
//!    timeline's `ready` and `running`), but the control plane still believes in them.
//!    The node takes no new task (departure: upstream the scheduler may still pick it
//!    until the next step). Nothing of the node's tasks moves on its own any more: the
//!    agent (kubelet) that would pull, start, probe or restart them went with the machine.
//!    A task not yet started stays as it is (pulling, prepared, starting, in back-off),
//!    even when the control plane lets it start: a Swarm stop-first task held until its
//!    old task (on another node) exits is released by the manager, and no agent acts on
//!    it. The rule is [`Cluster::try_start`]'s one test of [`super::Task::lost`]; the
//!    steps the tasks had scheduled are cancelled here, except a Kubernetes pod's
//!    `minReadySeconds` clock: availability is read from the API, where the pod stays
//!    Ready until NotReady. Only the control plane changes them from now on: the marks
//!    below, and stops: Terminating, which then never ends while the node is away (a
//!    task whose container never started is [`TaskState::Deleting`]: told to stop —
//!    deleted in the API, desired SHUTDOWN — holding its resources, no container), as
//!    no agent is left to confirm it; a Swarm task still Pending (never placed) is
//!    stopped by the manager alone.
//! 2. **Detection**, after the control plane's grace:
//!    - **Kubernetes, `not_ready`** after `faults.node_not_ready_after`: the node lifecycle
//!      controller (`kubernetes/kubernetes:pkg/controller/nodelifecycle`,
//!      `monitorNodeHealth`) finds no status update or lease renewal for
//!      `--node-monitor-grace-period` (40 s up to v1.31, 50 s from v1.32) and sets the
//!      node's Ready condition to Unknown (`kubectl` shows NotReady); `MarkPodsNotReady`
//!      turns its pods NotReady, so the endpoints controller drops them and the
//!      Deployment stops counting them available. It also taints the node
//!      `node.kubernetes.io/unreachable:NoExecute`; every pod tolerates that taint for
//!      `tolerationSeconds` (300 s, added by the `DefaultTolerationSeconds` admission
//!      plugin; `faults.eviction_after`), after which the taint manager deletes it. A
//!      deleted pod is Terminating, which its ReplicaSet no longer counts: the ReplicaSet
//!      controller replaces it at once. It stays Terminating until its node returns.
//!      A DaemonSet's pods tolerate the taint for ever (`AddOrUpdateDaemonPodTolerations`,
//!      [`crate::scenario::Strategy::daemon_pod_tolerations`]): never evicted. The node is
//!      [`super::Node::noticed_down`] from then on: it is also tainted
//!      `node.kubernetes.io/unreachable:NoSchedule` (`doNoScheduleTaintingPass`), which
//!      the DaemonSet controller reads (`NodeShouldRunDaemonPod`).
//!    - **Swarm, `down`** after [`SWARM_NODE_DOWN_AFTER`]: the dispatcher's heartbeat
//!      timer for the node expires (`moby/swarmkit:manager/dispatcher`, `nodeStore.Add` /
//!      `Heartbeat`: `period × GracePeriodMultiplier` with `DefaultHeartBeatPeriod` 5 s
//!      and `defaultGracePeriodMultiplier` 3) and it marks the node DOWN ("heartbeat
//!      failure"). Until then they count as RUNNING for the updater. The orchestrators
//!      act on the node's status, told by a [`NodeNotice::Down`] (the controller's
//!      part): the replicated one restarts the node's tasks elsewhere, the global one
//!      shuts them down. Their reported state does not change: no agent is left to
//!      report one.
//! 3. **`ready`** (the node returns): a Kubernetes pod not yet evicted has its container
//!    restarted in place (one that never ran is set up again; pulls in flight at the loss
//!    start over); an evicted one is found deleted and removed. A Swarm task shut down
//!    while the node was away is reported stopped; one still wanted there (the node
//!    returned before it was declared down) is reported failed and restarted. A node
//!    that was declared down is announced to the controller ([`NodeNotice::Ready`]),
//!    whose global orchestrator gives it a task again.
//!
//! Random losses: each node fails after an exponential time with mean `node_mtbf`, from
//! its own keyed stream, and comes back `node_recovery` later (default never).

use super::runtime::RuntimeKind;
use super::{Cluster, Event, Step, TaskState};
use crate::cluster::task::NodeId;
use crate::sim::Purpose;
use crate::sim::time::{NEVER, SECOND, Time, after};

/// Swarm: how long after a node stops sending heartbeats the dispatcher declares it down:
/// `DefaultHeartBeatPeriod` (5 s) × `defaultGracePeriodMultiplier` (3), swarmkit
/// `manager/dispatcher/dispatcher.go`. Upstream each period is jittered by
/// ±`defaultHeartBeatEpsilon` (0.5 s) and the loss falls anywhere in the period since the
/// last heartbeat, so the real delay lies between ≈9 s and 16.5 s; the simulator uses the
/// nominal 15 s.
pub const SWARM_NODE_DOWN_AFTER: Time = 15 * SECOND;

/// What happens to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeChange {
    /// The machine goes down (the fault).
    Lost,
    /// The control plane notices loss number `epoch` of the node (Kubernetes NotReady,
    /// Swarm DOWN); stale if the node came back since.
    Detected {
        /// The node's [`super::Node::down_epoch`] when it was lost.
        epoch: u32,
    },
    /// The machine is back.
    Back,
    /// A node the cluster autoscaler asked for is Ready ([`super::autoscaler`]).
    Added,
}

/// What the control plane has just concluded of a node, for the controller
/// ([`crate::strategy::Controller::on_node`]): only the orchestrators that act on a
/// node's status rather than on its tasks' (Swarm's global orchestrator) need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeNotice {
    /// The loss is noticed: Swarm marks the node DOWN, Kubernetes NotReady.
    Down,
    /// A node the control plane had declared down is back (Swarm READY, Kubernetes
    /// Ready).
    Ready,
}

impl Cluster<'_> {
    /// Schedule the scenario's node failures and each node's first random one, and its
    /// drains.
    pub fn schedule_node_faults(&mut self) {
        let faults = &self.scenario.faults;
        for f in &faults.node_failures {
            let node = f.node;
            self.sim.schedule(
                f.at,
                Event::Node {
                    node,
                    change: NodeChange::Lost,
                },
            );
            if let Some(back) = f.recover_after {
                let change = NodeChange::Back;
                self.sim
                    .schedule(f.at.saturating_add(back), Event::Node { node, change });
            }
        }
        if faults.node_mtbf.is_some() {
            // A node the autoscaler may add fails from when it is added.
            for node in 0..self.scenario.cluster.nodes.len() as NodeId {
                self.schedule_random_loss(node);
            }
        }
        self.schedule_drains();
    }

    /// The node's next random failure, from now.
    pub(super) fn schedule_random_loss(&mut self, node: NodeId) {
        let Some(mtbf) = self.scenario.faults.node_mtbf else {
            return;
        };
        let n = &mut self.nodes[node as usize];
        let k = n.losses;
        n.losses += 1;
        let mut rng = self.rng(node, 0, k, Purpose::Fault);
        let gap = (rng.exponential() * mtbf as f64).min(NEVER as f64 / 2.0) as u64;
        let at = after(self.sim.now(), gap.max(1));
        if at <= self.scenario.horizon {
            let change = NodeChange::Lost;
            self.sim.schedule(at, Event::Node { node, change });
        }
    }

    /// Apply a node event popped from the queue; what the control plane concludes of it,
    /// if anything, is for the controller.
    pub fn handle_node(&mut self, node: NodeId, change: NodeChange) -> Option<NodeNotice> {
        match change {
            NodeChange::Lost => {
                self.node_lost(node);
                None
            }
            NodeChange::Detected { epoch } => self.node_detected(node, epoch),
            NodeChange::Back => self.node_back(node),
            NodeChange::Added => {
                self.node_added(node);
                None
            }
        }
    }

    /// How long the control plane takes to notice a lost node.
    fn detection_delay(&self) -> Time {
        match self.runtime {
            RuntimeKind::Kubelet => self.scenario.faults.node_not_ready_after,
            RuntimeKind::Docker => SWARM_NODE_DOWN_AFTER,
        }
    }

    fn node_lost(&mut self, node: NodeId) {
        if !self.nodes[node as usize].up {
            return;
        }
        self.change_node(node, |n| n.set_up(false));
        let n = &mut self.nodes[node as usize];
        n.down_epoch += 1;
        let epoch = n.down_epoch;
        self.trace_node(node, "lost");
        let now = self.sim.now();
        // Pulls in flight are lost with the machine; finished ones stay on its disk.
        for at in self.nodes[node as usize].image_at.iter_mut() {
            if *at > now {
                *at = NEVER;
            }
        }
        for id in 0..self.tasks.len() as u32 {
            let t = &mut self.tasks[id as usize];
            if t.node != Some(node) || !t.is_live() || t.state == TaskState::Pending {
                continue;
            }
            if t.state == TaskState::Starting {
                self.change_starts(|q, now, slow, ends| q.cancel(id, now, slow, ends));
            }
            let t = &mut self.tasks[id as usize];
            t.stops_answering_at = t.stops_answering_at.min(now);
            t.generation += 1; // nothing on the node progresses any more
            let (state, was_available) = (t.state, t.available);
            // It no longer serves, whatever the control plane believes: out of the serving
            // count now (`set_state` leaves lost tasks out of it), and out of the fleet
            // timeline's ready and running. Swarm's available is its ready; Kubernetes'
            // available is the API's and drops at NotReady.
            if t.state == TaskState::Ready {
                self.gauges.ready -= 1;
            }
            if self.runtime == RuntimeKind::Docker && t.available {
                let old = t.share();
                t.available = false;
                self.gauges.available -= 1;
                self.recount(id, old);
            }
            self.tasks[id as usize].lost = true;
            if self.fleet_counts.on {
                self.fleet_changed(id, state, was_available, false);
            }
            if self.runtime == RuntimeKind::Kubelet && state == TaskState::Ready && !was_available {
                // Availability is the Deployment controller's reading of the API (Ready
                // since `minReadySeconds`), which keeps the pod Ready until NotReady:
                // the `minReadySeconds` clock the generation bump cancelled runs on.
                let since = self.tasks[id as usize].since;
                self.schedule_step_at(id, self.available_at(since), Step::Available);
            }
            let t = &self.tasks[id as usize];
            if self.runtime == RuntimeKind::Kubelet && t.stop_requested && !t.state.is_terminating()
            {
                // Its stop signal was on its way (a control-plane latency): it is deleted
                // in the API all the same.
                self.signal_stop(id);
                continue;
            }
            // The process is gone although the control plane does not know: only the
            // traffic model must look again.
            self.touch(id);
        }
        let delay = self.detection_delay();
        self.sim.schedule(
            after(now, delay),
            Event::Node {
                node,
                change: NodeChange::Detected { epoch },
            },
        );
        self.schedule_random_recovery(node);
    }

    /// With `node_mtbf` and `node_recovery`: when the node that just failed comes back.
    fn schedule_random_recovery(&mut self, node: NodeId) {
        let faults = &self.scenario.faults;
        let (Some(recovery), Some(_)) = (faults.node_recovery.as_ref(), faults.node_mtbf) else {
            return;
        };
        let k = self.nodes[node as usize].losses;
        let down = recovery.sample(&mut self.rng(node, 1, k, Purpose::Fault));
        if down != NEVER {
            let at = after(self.sim.now(), down.max(SECOND / 1000));
            let change = NodeChange::Back;
            self.sim.schedule(at, Event::Node { node, change });
        }
    }

    /// The control plane notices the loss: Kubernetes marks the node and its pods
    /// NotReady and starts the eviction clock; Swarm declares the node down, and its
    /// orchestrators act on that (the controller's [`NodeNotice::Down`]).
    fn node_detected(&mut self, node: NodeId, epoch: u32) -> Option<NodeNotice> {
        let n = &mut self.nodes[node as usize];
        if n.up || n.down_epoch != epoch {
            return None; // back since (and maybe lost again: that loss has its own detection)
        }
        n.noticed_down = true;
        if self.runtime == RuntimeKind::Docker {
            // The orchestrators act on the node's status, not on its tasks' (no agent is
            // left to report them): the controller's part.
            self.trace_node(node, "down");
            return Some(NodeNotice::Down);
        }
        self.trace_node(node, "not_ready");
        // A DaemonSet's pods tolerate the unreachable taint with no `tolerationSeconds`
        // (`AddOrUpdateDaemonPodTolerations`): the taint manager never evicts them.
        let evict = (!self.scenario.strategy.daemon_pod_tolerations())
            .then_some(self.scenario.faults.eviction_after);
        for id in 0..self.tasks.len() as u32 {
            let t = &self.tasks[id as usize];
            if t.node != Some(node) || !t.lost || !t.is_live() {
                continue;
            }
            // MarkPodsNotReady: out of the endpoints and of the Deployment's counts.
            if t.state == TaskState::Ready {
                self.set_state(id, TaskState::Running);
            }
            if let Some(evict) = evict
                && !self.tasks[id as usize].state.is_terminating()
            {
                self.schedule_step(id, evict, Step::Evicted);
            }
        }
        Some(NodeNotice::Down)
    }

    fn node_back(&mut self, node: NodeId) -> Option<NodeNotice> {
        let n = &self.nodes[node as usize];
        if n.up {
            return None;
        }
        let noticed = n.noticed_down;
        self.change_node(node, |n| n.set_up(true));
        self.trace_node(node, "ready");
        for id in 0..self.tasks.len() as u32 {
            let t = &self.tasks[id as usize];
            if t.node != Some(node) || !t.lost || !t.is_live() {
                continue;
            }
            // Back in the serving count for the moment, so that `set_state` takes it out
            // once (the restart below may bring it back to Ready within this instant).
            let stop_requested = t.stop_requested;
            if t.state == TaskState::Ready {
                self.gauges.ready += 1;
            }
            let (state, available) = (t.state, t.available);
            let t = &mut self.tasks[id as usize];
            t.lost = false;
            // The control plane's steps still on their way to the node are overtaken by
            // its return: a stop signal to a task now found stopped, and a Kubernetes
            // eviction (the node is Ready again, so its NoExecute taint, and with it the
            // eviction, is gone).
            t.generation += 1;
            if self.fleet_counts.on {
                self.fleet_changed(id, state, available, true);
            }
            if stop_requested {
                // An evicted pod (a stopped Swarm task): the agent finds it deleted.
                self.set_state(id, TaskState::Stopped);
            } else if self.runtime == RuntimeKind::Kubelet
                && self.tasks[id as usize].run_at == NEVER
            {
                // A pod whose container never ran: the kubelet sets it up again, pulling
                // the image anew if its pull was lost.
                self.fetch_image(id, false);
            } else {
                // Kubernetes: the kubelet restarts the pod's container. Swarm: the agent
                // reports the container dead; the task fails and is replaced.
                self.fail(id);
            }
        }
        self.place_pending();
        self.schedule_random_loss(node);
        noticed.then_some(NodeNotice::Ready)
    }
}
