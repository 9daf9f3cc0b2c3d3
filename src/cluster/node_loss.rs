//! Node loss (`faults.node_failures`, `faults.node_mtbf`): what happens to the tasks of a
//! node that goes down, and when it comes back.
//!
//! - **Swarm**: the manager sees the node down and its tasks fail at once; the restart
//!   supervisor replaces them on other nodes as for any failure. (The dispatcher's
//!   heartbeat grace before declaring a node down is not modelled.)
//! - **Kubernetes**: the containers are gone, but the API still shows the pods Ready until
//!   the node controller marks the node NotReady (`node_not_ready_after`, the
//!   `--node-monitor-grace-period`, 50 s since v1.32). Traffic sent to them in that window
//!   fails. The pods are evicted `eviction_after` later (the default `not-ready` /
//!   `unreachable` toleration of 300 s added by the DefaultTolerationSeconds admission
//!   plugin); an evicted pod is Terminating, which the ReplicaSet controller no longer
//!   counts, so it creates a replacement. It stays Terminating until its node returns.
//!   A pod whose node returns before eviction has its container restarted in place.
//!
//! Random losses: each node fails after an exponential time with mean `node_mtbf`, from
//! its own keyed stream, and comes back `node_recovery` later (default never).

use super::{Cluster, Event, Step, TaskState};
use crate::cluster::task::NodeId;
use crate::sim::Purpose;
use crate::sim::time::{NEVER, SECOND, after};

impl Cluster<'_> {
    /// Schedule the scenario's node failures and each node's first random one.
    pub fn schedule_node_faults(&mut self) {
        let faults = &self.scenario.faults;
        for f in &faults.node_failures {
            self.queue.push(
                f.at,
                Event::Node {
                    node: f.node,
                    up: false,
                },
            );
            if let Some(back) = f.recover_after {
                self.queue.push(
                    f.at.saturating_add(back),
                    Event::Node {
                        node: f.node,
                        up: true,
                    },
                );
            }
        }
        if faults.node_mtbf.is_some() {
            for node in 0..self.nodes.len() as NodeId {
                self.schedule_random_loss(node);
            }
        }
    }

    /// The node's next random failure, from now.
    fn schedule_random_loss(&mut self, node: NodeId) {
        let Some(mtbf) = self.scenario.faults.node_mtbf else {
            return;
        };
        let n = &mut self.nodes[node as usize];
        let k = n.losses;
        n.losses += 1;
        let mut rng = self.rng(node, 0, k, Purpose::Fault);
        let gap = (rng.exponential() * mtbf as f64).min(NEVER as f64 / 2.0) as u64;
        let at = after(self.now, gap.max(1));
        if at <= self.scenario.horizon {
            self.queue.push(at, Event::Node { node, up: false });
        }
    }

    /// Apply a node event popped from the queue.
    pub fn handle_node(&mut self, node: NodeId, up: bool) {
        if up {
            self.node_up(node);
        } else {
            self.node_down(node);
        }
    }

    fn node_down(&mut self, node: NodeId) {
        if !self.nodes[node as usize].up {
            return;
        }
        self.nodes[node as usize].up = false;
        let now = self.now;
        let faults = &self.scenario.faults;
        let (not_ready, evict) = (
            faults.node_not_ready_after,
            faults.node_not_ready_after + faults.eviction_after,
        );
        for id in 0..self.tasks.len() as u32 {
            let t = &mut self.tasks[id as usize];
            if t.node != Some(node) || !t.is_live() || t.state == TaskState::Pending {
                continue;
            }
            t.stops_answering_at = t.stops_answering_at.min(now);
            t.lost = true;
            if !self.kubelet {
                self.fail(id);
                continue;
            }
            t.generation += 1; // nothing on the node progresses any more
            if t.stop_requested && t.state != TaskState::Terminating {
                // Its stop signal was on its way (a control-plane latency): it is deleted
                // in the API all the same.
                self.signal_stop(id);
                continue;
            }
            let t = &self.tasks[id as usize];
            let state = t.state;
            // The process is gone although the pod's state is not: let observers recheck.
            self.notify(id, state);
            if state != TaskState::Terminating {
                self.schedule_step(id, not_ready, Step::NodeNotReady);
                self.schedule_step(id, evict, Step::Evicted);
            }
        }
        if self.scenario.faults.node_recovery.is_some() && self.scenario.faults.node_mtbf.is_some()
        {
            let k = self.nodes[node as usize].losses;
            let mut rng = self.rng(node, 1, k, Purpose::Fault);
            let down = self
                .scenario
                .faults
                .node_recovery
                .as_ref()
                .map_or(NEVER, |d| d.sample(&mut rng));
            if down != NEVER {
                self.queue.push(
                    after(now, down.max(SECOND / 1000)),
                    Event::Node { node, up: true },
                );
            }
        }
    }

    fn node_up(&mut self, node: NodeId) {
        if self.nodes[node as usize].up {
            return;
        }
        self.nodes[node as usize].up = true;
        for id in 0..self.tasks.len() as u32 {
            let t = &mut self.tasks[id as usize];
            if t.node != Some(node) || !t.lost || !t.is_live() {
                continue;
            }
            t.lost = false;
            if t.stop_requested {
                // An evicted pod: the kubelet finds it deleted and removes it.
                self.set_state(id, TaskState::Stopped);
            } else {
                // The kubelet restarts the pod's container (Kubernetes only: Swarm's
                // tasks failed when the node went down).
                self.fail(id);
            }
        }
        self.place_pending();
        self.schedule_random_loss(node);
    }
}
