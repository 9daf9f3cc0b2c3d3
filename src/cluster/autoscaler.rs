//! Kubernetes' cluster-autoscaler (`cluster.autoscaler`): nodes added while pods wait.
//!
//! The rules, from kubernetes/autoscaler `cluster-autoscaler` (1.30):
//!
//! - **The loop** (`main.go` `run`, `core/static_autoscaler.go` `RunOnce`) runs every
//!   `--scan-interval` (10 s). Its phase against the rollout's start is anything: each
//!   trial draws it, uniform over one interval, from its own stream. A loop with no pod
//!   waiting does nothing here (scale-down is not simulated, below), so the model schedules
//!   a loop only while a pod waits: the first on the grid at or after the moment a pod
//!   found no node, then one an interval later for as long as one waits and the group may
//!   still grow.
//! - **The pods it helps** (`core/podlistprocessor/filter_out_schedulable.go`, the
//!   estimator in `estimator/binpacking_estimator.go`): the pods the scheduler could not
//!   place, less those that fit in its picture of the cluster, where the nodes already
//!   asked for and not yet Ready ("upcoming" nodes) are copies of the template and every
//!   pod bound to a node counts, terminating ones too (`utils/kubernetes/listers.go`
//!   `ScheduledPods`). The rest are packed onto new template nodes alone, one pod after
//!   another, a node added when a pod fits on none of them; a pod that does not fit even a
//!   fresh node ends the estimate (every pod of the service is alike: none after it
//!   would). Each pod is placed by the service's own filters ([`Placer`]), as the
//!   estimator runs the scheduler's: with plain resources a new node takes what
//!   `cluster.node` holds and the estimate is ⌈pods ÷ that⌉; a spread constraint or a
//!   pod anti-affinity counts the pods placed so far, those of the picture included. A
//!   template node that cannot take one pod at all (a taint it does not tolerate, a node
//!   affinity it fails, too little cpu or memory) helps none, and no loop is ever
//!   scheduled ("pod didn't trigger scale-up").
//! - **The group's size** (`core/scaleup/orchestrator/orchestrator.go` `ScaleUp`): the
//!   nodes listed, plus every node asked for (Ready or not, lost or not), never above
//!   `max_nodes`.
//! - **A new node** is Ready `provision` after the scale-up (each node its own draw): the
//!   cloud's machine, the kubelet's registration and the network plugin, all in one. From
//!   then on it is a node like the others, and the Pending pods try it at once (a node
//!   added requeues the scheduler's unschedulable pods).
//!
//! Departures: scale-down is not simulated (a node added stays to the trial's end;
//! upstream `--scale-down-delay-after-add` keeps every node for 10 minutes after a
//! scale-up, and an unneeded one goes after `--scale-down-unneeded-time`, 10 more); a node
//! is never given up on (upstream one not Ready within `--max-node-provision-time`,
//! 15 minutes, is deleted and the group backs off); one node group.

use super::placer::Placer;
use super::room::place;
use super::{Cluster, Event, NodeChange, TaskState};
use crate::cluster::task::NodeId;
use crate::scenario::Scenario;
use crate::sim::Purpose;
use crate::sim::time::{Time, after};

/// A trial's autoscaler: when it next looks, and the nodes it asked for.
#[derive(Debug, Default)]
pub(super) struct Autoscaling {
    /// The scenario has an autoscaler whose nodes can take a pod: only then is a loop ever
    /// scheduled.
    on: bool,
    /// Where the loop's grid starts: drawn in each trial when first needed.
    phase: Option<Time>,
    /// A loop is scheduled.
    scheduled: bool,
    /// When each node asked for so far was asked for, in order: the `k`th is node
    /// `listed + k`.
    requested: Vec<Time>,
}

impl Autoscaling {
    /// For a new trial of `s`.
    pub(super) fn reset(&mut self, s: &Scenario, per_node: u32) {
        self.on = s.cluster.autoscaler.is_some() && per_node > 0;
        self.phase = None;
        self.scheduled = false;
        self.requested.clear();
    }
}

/// Pods of the service of `s` a node the autoscaler adds takes (`placer` is the
/// service's): what `cluster.node`'s cpu and memory hold, at most one when a pod holds its
/// node alone; 0 when the placement's fixed filters keep the pods off it (a taint, a node
/// selector or affinity), or without an autoscaler.
///
/// ```
/// use rollout_sim::cluster::{autoscaler::pods_a_new_node_takes, placer::Placer};
/// use rollout_sim::scenario::{Format, load_str};
/// let s = load_str(
///     "cluster: {nodes: 1, node: {cpu: '4'}, autoscaler: {max_nodes: 2, provision: 1m}}\n\
///      service: {replicas: 4, resources: {cpu: '1'}}\nstrategy: {kubernetes: {}}\n",
///     "s.yaml",
///     Format::Yaml,
///     &[],
/// )
/// .unwrap();
/// assert_eq!(pods_a_new_node_takes(&s, &Placer::new(&s)), 4);
/// ```
pub fn pods_a_new_node_takes(s: &Scenario, placer: &Placer) -> u32 {
    let Some(first) = s.cluster.added_nodes().first() else {
        return 0;
    };
    if !placer.allows(s.cluster.nodes.len()) {
        return 0;
    }
    let holds = first.holds(s.service.resources);
    let most = if placer.one_task_a_node() {
        1
    } else {
        u64::from(u32::MAX)
    };
    holds.min(most) as u32
}

impl Cluster<'_> {
    /// Nodes the autoscaler asked for by `at` (the rollout's `nodes_added`, `at` its
    /// outcome).
    pub fn nodes_added_by(&self, at: Time) -> u32 {
        (self.autoscaling.requested).partition_point(|&t| t <= at) as u32
    }

    /// A pod found no node: make sure the autoscaler looks, at the next turn of its loop.
    #[inline]
    pub(super) fn autoscaler_wanted(&mut self) {
        if self.autoscaling.on && !self.autoscaling.scheduled {
            self.schedule_scan();
        }
    }

    #[cold]
    #[inline(never)]
    fn schedule_scan(&mut self) {
        let Some(a) = &self.scenario.cluster.autoscaler else {
            return;
        };
        if self.autoscaling.requested.len() == a.nodes.len() {
            return; // the group at its maximum: a turn would ask for nothing
        }
        let interval = a.scan_interval;
        let now = self.sim.now();
        let phase = match self.autoscaling.phase {
            Some(p) => p,
            None => {
                let mut rng = self.rng(0, 0, 0, Purpose::Autoscaler);
                let p = ((rng.unit() * interval as f64) as Time).min(interval - 1);
                self.autoscaling.phase = Some(p);
                p
            }
        };
        let turns = now.saturating_sub(phase).div_ceil(interval);
        let at = after(phase, turns.saturating_mul(interval));
        self.autoscaling.scheduled = true;
        self.sim.schedule(at, Event::Autoscale);
    }

    /// One turn of the autoscaler's loop: nodes asked for the pods that wait, as many as
    /// the estimate says and the group allows; the next turn scheduled while a pod waits
    /// and the group may still grow.
    pub fn autoscale(&mut self) {
        let Some(a) = &self.scenario.cluster.autoscaler else {
            return;
        };
        self.autoscaling.scheduled = false;
        let waiting = self
            .pending
            .iter()
            .filter(|&&id| self.tasks[id as usize].state == TaskState::Pending)
            .count() as u64;
        if waiting == 0 {
            return;
        }
        let asked = self.autoscaling.requested.len();
        let add = self.estimate(waiting);
        let listed = self.scenario.cluster.nodes.len();
        let now = self.sim.now();
        for k in asked..asked + add {
            let node = (listed + k) as NodeId;
            let mut rng = self.rng(node, 0, 0, Purpose::Autoscaler);
            let ready = after(now, a.provision.sample(&mut rng));
            self.autoscaling.requested.push(now);
            self.trace_node(node, "requested");
            let change = NodeChange::Added;
            self.sim.schedule(ready, Event::Node { node, change });
        }
        if self.autoscaling.requested.len() < a.nodes.len() {
            self.autoscaling.scheduled = true;
            self.sim
                .schedule(after(now, a.scan_interval), Event::Autoscale);
        }
    }

    /// How many nodes cluster-autoscaler asks for `waiting` Pending pods: its picture of the
    /// cluster (a copy: every node and pod as they are, terminating pods included, and the
    /// nodes asked for and not yet Ready as empty template nodes), the pods that fit in it
    /// left out (`filter_out_schedulable`), the rest packed onto new template nodes only,
    /// one pod after another, a node added when a pod fits on none of them, until the
    /// group's maximum or a pod that does not fit even a fresh node (the binpacking
    /// estimator: every pod of the service is alike, so none after it would). Each pod is
    /// placed by the service's own rules (`Placer`), spread constraints and pod
    /// anti-affinity counted over the pods placed so far, as the estimator runs the
    /// scheduler's filters.
    fn estimate(&self, waiting: u64) -> usize {
        let s = self.scenario;
        let r = s.service.resources;
        let listed = s.cluster.nodes.len();
        let asked = self.autoscaling.requested.len();
        let mut nodes = self.nodes.clone();
        let mut on_node = self.wanted.on_node.clone();
        on_node.resize(nodes.len(), 0);
        for n in &mut nodes[listed..listed + asked] {
            if n.absent {
                n.join();
            }
        }
        let mut placer = self.placer.clone();
        placer.rebuild(&nodes, r);
        let mut left = 0;
        for _ in 0..waiting {
            match placer.pick(&nodes, &on_node, r) {
                Ok(id) => place(&mut placer, &mut nodes, &mut on_node, id, r),
                Err(_) => left += 1,
            }
        }
        // The estimate packs onto the nodes it adds alone.
        for n in &mut nodes[..listed + asked] {
            n.cordon();
        }
        placer.rebuild(&nodes, r);
        let (mut added, mut next) = (0, listed + asked);
        while left > 0 {
            if let Ok(id) = placer.pick(&nodes, &on_node, r) {
                place(&mut placer, &mut nodes, &mut on_node, id, r);
                left -= 1;
                continue;
            }
            if next == nodes.len() {
                break; // the group's maximum
            }
            let id = next as NodeId;
            placer.before_change(&nodes, id, r);
            nodes[next].join();
            placer.after_change(&nodes, id, r);
            if placer.pick(&nodes, &on_node, r) != Ok(id) {
                break; // a fresh node takes none: no node helps
            }
            place(&mut placer, &mut nodes, &mut on_node, id, r);
            left -= 1;
            added += 1;
            next += 1;
        }
        added
    }

    /// A node the autoscaler asked for is Ready: it takes pods from now on.
    pub(super) fn node_added(&mut self, node: NodeId) {
        self.change_node(node, |n| n.join());
        self.trace_node(node, "added");
        self.place_pending();
        self.schedule_random_loss(node);
    }
}
