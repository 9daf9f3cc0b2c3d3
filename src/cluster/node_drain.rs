//! Node drains (`faults.node_drains`): a node taken out of service for maintenance while
//! the rollout runs, and how long it takes to empty.
//!
//! At the drain's time the node is **cordoned**: it takes no new task from then on (the
//! `unschedulable` pending reason). Then the service's tasks on it are moved away, each
//! orchestrator its own way:
//!
//! - **Kubernetes** (`kubectl drain`, kubernetes/kubectl v0.30 `pkg/drain/drain.go`
//!   `evictPods`): every pod on the node is evicted at once (one goroutine a pod), each
//!   eviction through the Eviction API, which checks the service's PodDisruptionBudget
//!   ([`eviction_allowed`]) if the budget selects the pod ([`BudgetPods`]). A refused
//!   eviction (HTTP 429) is tried again 5 s later, with no limit (`--timeout` 0, the
//!   default). An evicted pod is deleted with its own grace period
//!   (`--grace-period -1`), as its ReplicaSet deletes one: its ReplicaSet replaces it on
//!   another node.
//!
//! - **Swarm** (`docker node update --availability drain`): the orchestrator's restart
//!   supervisor shuts the node's tasks down and replaces each at once, its replacement
//!   held until the old task has exited (or for the 1-minute `defaultOldTaskTimeout`);
//!   that is the Swarm controller's part (`strategy::swarm::drain`), this module only
//!   cordons the node and says when it is empty.
//!
//! The drain is **done** when the node holds none of the service's tasks any more (every
//! pod deleted: its containers exited), which `kubectl drain` waits for. The trial does
//! not end while a drain is under way or still to come, so the gauges (`min_ready`, the
//! peaks) cover the drain, while the rollout keeps its outcome and duration and the
//! request columns end at that outcome; a drain not done at the horizon is counted
//! unfinished (`drains_unfinished`).
//!
//! With a `maintenance`, the node is uncordoned that long after it was emptied and takes
//! tasks again ([`Cluster::drain_turn`]); the trial does not wait for that.
//!
//! The budget's status is read as it stands at each eviction: the disruption controller's
//! recount after a pod changes (`pkg/controller/disruption/disruption.go`) is taken as
//! instantaneous.

use super::{Cluster, Event, NodeId, OwnerId, Task, TaskId, TaskState, TraceRecord};
use crate::scenario::{BudgetLimit, DisruptionBudget, IntOrPercent, UnhealthyPodEvictionPolicy};
use crate::sim::time::{NEVER, SECOND, Time, after};

/// `kubectl drain`'s wait before it tries a refused eviction again: a fixed 5 s
/// (kubernetes/kubectl v0.30 `pkg/drain/drain.go` `evictPods`, `time.Sleep(5 *
/// time.Second)` on `IsTooManyRequests`), with no back-off.
pub const EVICTION_RETRY: Time = 5 * SECOND;

/// The drains of one trial.
#[derive(Debug, Default)]
pub(super) struct Drains {
    /// Per scenario drain: when the node was found empty, `NEVER` until then.
    done_at: Vec<Time>,
    /// Per scenario drain: the pods whose eviction was refused, to try again.
    refused: Vec<Vec<TaskId>>,
    /// Per scenario drain: when its node is uncordoned (its `maintenance` after it was
    /// emptied), `NEVER` until that is known.
    uncordon_at: Vec<Time>,
    /// Drains not done yet (not started ones included).
    open: u32,
}

/// What an event of a drain is for ([`Cluster::drain_turn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainTurn {
    /// The drain begins: this node was just cordoned; move its tasks away.
    Begins(NodeId),
    /// The drain is under way: try the refused evictions again.
    Retry,
    /// Nothing more to do: the node is empty (and was uncordoned if its maintenance is
    /// over before this event).
    Over,
    /// The maintenance is over: this node was just uncordoned (and the tasks waiting for
    /// a node were placed).
    Uncordoned(NodeId),
}

impl Drains {
    /// None done, `count` to come.
    pub(super) fn reset(&mut self, count: usize) {
        self.done_at.clear();
        self.done_at.resize(count, NEVER);
        self.refused.resize_with(count, Vec::new);
        self.refused.iter_mut().for_each(Vec::clear);
        self.uncordon_at.clear();
        self.uncordon_at.resize(count, NEVER);
        self.open = count as u32;
    }
}

/// What the drains of a trial came to (`drain_s`, `drains_unfinished`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrainResult {
    /// The longest drain: from its start until its node held none of the service's tasks,
    /// or until the trial ended for one not done by then.
    pub longest: Time,
    /// Drains not done when the trial ended (at the horizon).
    pub unfinished: u32,
}

/// The pods a PodDisruptionBudget selects, and the scale its percentages and
/// `maxUnavailable` are of: what the controller running the service tells `kubectl
/// drain`'s evictions ([`crate::strategy::Controller::disruption_budget`]).
///
/// The budget's selector is a label selector; the simulator knows a pod's labels by the
/// controller group it is counted in ([`Task::owner`]): every pod of the service carries
/// the app label, except under Flagger, whose primary Deployment's pods carry its
/// rewritten value, so there the budget selects the pods of some owners only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetPods {
    /// The owners of the pods the budget selects; `None`: every pod of the service.
    pub owners: Option<&'static [OwnerId]>,
    /// The sum of the `spec.replicas` of the controllers owning the selected pods, each
    /// counted once (`getExpectedScale`).
    pub scale: u32,
}

impl BudgetPods {
    /// Every pod of the service, of controllers whose replicas add up to `scale`.
    pub const fn every(scale: u32) -> BudgetPods {
        BudgetPods {
            owners: None,
            scale,
        }
    }

    /// Whether the budget selects task `t` (the Eviction API's `getPodDisruptionBudgets`:
    /// the budgets whose selector matches the pod's labels).
    pub fn selects(&self, t: &Task) -> bool {
        self.owners.is_none_or(|owners| owners.contains(&t.owner))
    }
}

/// Whether the Eviction API lets a pod go under `budget`
/// (kubernetes/kubernetes `pkg/registry/core/pod/storage/eviction.go` `EvictionREST.Create`
/// and `checkAndDecrement`, with the status the disruption controller computes,
/// `pkg/controller/disruption/disruption.go` `getExpectedPodCount`, `countHealthyPods`,
/// `updatePdbStatus`).
///
/// `ready`: the pod is Ready. `healthy`: the budget's pods that are Ready and not being
/// deleted (`currentHealthy`). `pods`: every pod it selects, terminating ones included.
/// `scale`: the Deployment's `spec.replicas`, what percentages and `maxUnavailable` are of
/// (the disruption controller follows a pod to its ReplicaSet and on to the Deployment, and
/// counts the Deployment once for both of its ReplicaSets' pods; [`BudgetPods::scale`]).
///
/// ```
/// use rollout_sim::cluster::node_drain::eviction_allowed;
/// use rollout_sim::scenario::{BudgetLimit, DisruptionBudget, IntOrPercent, UnhealthyPodEvictionPolicy};
/// let b = DisruptionBudget {
///     limit: BudgetLimit::MinAvailable(IntOrPercent::Percent(90)),
///     unhealthy_pods: UnhealthyPodEvictionPolicy::IfHealthyBudget,
///     selects: None,
/// };
/// // 10 replicas: 9 must stay healthy (90 % rounded up).
/// assert!(eviction_allowed(&b, true, 10, 10, 10));
/// assert!(!eviction_allowed(&b, true, 9, 10, 10));
/// ```
pub fn eviction_allowed(
    budget: &DisruptionBudget,
    ready: bool,
    healthy: u32,
    pods: u32,
    scale: u32,
) -> bool {
    // `GetScaledValueFromIntOrPercent(…, true)`: a percentage rounds up.
    let (expected, desired) = match budget.limit {
        // An integer `minAvailable` asks no controller: every selected pod is expected.
        BudgetLimit::MinAvailable(IntOrPercent::Int(n)) => (pods, n),
        BudgetLimit::MinAvailable(p) => (scale, p.scaled(scale, true)),
        BudgetLimit::MaxUnavailable(v) => (scale, scale.saturating_sub(v.scaled(scale, true))),
    };
    if !ready {
        // An unhealthy pod goes without touching the budget when the policy always lets
        // it, or (`IfHealthyBudget`) while the budget is healthy.
        match budget.unhealthy_pods {
            UnhealthyPodEvictionPolicy::AlwaysAllow => return true,
            UnhealthyPodEvictionPolicy::IfHealthyBudget if healthy >= desired && desired > 0 => {
                return true;
            }
            UnhealthyPodEvictionPolicy::IfHealthyBudget => {}
        }
    }
    // `disruptionsAllowed`: 0 when no pod is expected.
    expected > 0 && healthy > desired
}

impl Cluster<'_> {
    /// Schedule the scenario's drains.
    pub(super) fn schedule_drains(&mut self) {
        for (i, d) in self.scenario.faults.node_drains.iter().enumerate() {
            self.sim.schedule(d.at, Event::Drain(i as u32));
        }
    }

    /// Whether a drain is under way or still to come: the trial goes on until none is.
    pub fn draining(&self) -> bool {
        self.drains.open > 0
    }

    /// An event of drain `i` is due: at its `at` the node is cordoned (it takes no new task
    /// from then on; the drain is done at once if the node holds none of the service's
    /// tasks); once its `maintenance` after the node was emptied is over, the node is
    /// uncordoned (`kubectl uncordon`, `docker node update --availability active`) and the
    /// tasks waiting for a node are placed; in between, an event is a retry.
    pub fn drain_turn(&mut self, i: u32) -> DrainTurn {
        let d = i as usize;
        let node = self.scenario.faults.node_drains[d].node;
        if self.drains.done_at[d] != NEVER {
            if self.nodes[node as usize].cordoned && self.sim.now() >= self.drains.uncordon_at[d] {
                self.change_node(node, |n| n.uncordon());
                self.trace_node(node, "uncordoned");
                self.place_pending();
                return DrainTurn::Uncordoned(node);
            }
            return DrainTurn::Over;
        }
        if self.nodes[node as usize].cordoned {
            return DrainTurn::Retry;
        }
        self.change_node(node, |n| n.cordon());
        self.trace_node(node, "cordoned");
        if self.nodes[node as usize].tasks == 0 {
            self.node_emptied(node);
        }
        DrainTurn::Begins(node)
    }

    /// `kubectl drain`, one round of drain `i`: at its start, cordon the node; then evict
    /// the pods on it the budget lets go (the others are tried again later). `selected`:
    /// the pods the budget selects and the scale its percentages are of.
    pub fn drain_round(&mut self, i: u32, selected: BudgetPods) {
        self.engine(|cl| {
            let mut pods = std::mem::take(&mut cl.drains.refused[i as usize]);
            match cl.drain_turn(i) {
                DrainTurn::Over | DrainTurn::Uncordoned(_) => return,
                DrainTurn::Begins(node) => {
                    let on_node =
                        |t: &super::Task| t.node == Some(node) && t.state.holds_resources();
                    pods.extend(
                        (0..cl.tasks.len() as TaskId).filter(|&id| on_node(&cl.tasks[id as usize])),
                    );
                }
                DrainTurn::Retry => {}
            }
            cl.evict(&mut pods, selected);
            if !pods.is_empty() {
                let at = cl.sim.now() + EVICTION_RETRY;
                cl.sim.schedule(at, Event::Drain(i));
            }
            cl.drains.refused[i as usize] = pods;
        })
    }

    /// `kubectl drain --ignore-daemonsets` of drain `i` on a DaemonSet's node: cordon it
    /// and evict nothing. Its pods are all the DaemonSet's, which `daemonSetFilter`
    /// (kubernetes/kubectl v0.30 `pkg/drain/filters.go`) leaves on the node with the flag
    /// (and without it refuses the drain: "cannot delete DaemonSet-managed Pods"), so the
    /// drain has no pod to wait for and is done at its start; its `maintenance` runs from
    /// then. The DaemonSet's pods tolerate the cordon's
    /// `node.kubernetes.io/unschedulable:NoSchedule` taint: they keep running, and the
    /// controller still creates the node's new pod there ([`super::placer::Placer`]).
    pub fn drain_leaving_daemon_pods(&mut self, i: u32) {
        self.engine(|cl| {
            if let DrainTurn::Begins(node) = cl.drain_turn(i) {
                cl.node_emptied(node);
            }
        })
    }

    /// Evict each of `pods` the budget lets go, leaving in `pods` those it refused. A pod
    /// already deleted or gone needs no eviction (`kubectl drain` only waits for it); a pod
    /// the budget does not select goes without asking it (`EvictionREST.Create`: no
    /// budget matches the pod).
    fn evict(&mut self, pods: &mut Vec<TaskId>, selected: BudgetPods) {
        let budget = self.scenario.service.disruption_budget;
        let (mut healthy, count) = match budget {
            Some(_) => self.budget_counts(selected),
            None => (0, 0),
        };
        pods.retain(|&id| {
            let t = &self.tasks[id as usize];
            if !t.is_live() || t.stop_requested {
                return false;
            }
            let ready = t.state == TaskState::Ready;
            // `canIgnorePDB`: a pod in phase Pending (no container of it ever started)
            // is deleted without asking the budget.
            let pending_phase = t.run_at == NEVER;
            if let Some(b) = &budget
                && !pending_phase
                && selected.selects(t)
            {
                if !eviction_allowed(b, ready, healthy, count, selected.scale) {
                    return true;
                }
                // A Ready pod was one of the healthy ones the budget counted.
                healthy -= u32::from(ready);
            }
            self.evicted.push(id);
            self.stop_task_now(id, false);
            false
        });
    }

    /// The budget's `currentHealthy` (the pods it selects that are Ready and not being
    /// deleted, `countHealthyPods`) and the pods it selects (every one in the API,
    /// terminating ones included).
    fn budget_counts(&self, selected: BudgetPods) -> (u32, u32) {
        let (mut healthy, mut pods) = (0, 0);
        for t in self
            .tasks
            .iter()
            .filter(|t| t.is_live() && selected.selects(t))
        {
            pods += 1;
            healthy += u32::from(t.state == TaskState::Ready && !t.stop_requested);
        }
        (healthy, pods)
    }

    /// A cordoned node holds none of the service's tasks the drain waits for any more
    /// (none at all; with `--ignore-daemonsets`, none but the DaemonSet's, which it
    /// leaves): its drain is done.
    #[cold]
    #[inline(never)]
    pub(super) fn node_emptied(&mut self, node: NodeId) {
        let drains = &self.scenario.faults.node_drains;
        let Some(i) = drains.iter().position(|d| d.node == node) else {
            return;
        };
        if self.drains.done_at[i] != NEVER {
            return;
        }
        let now = self.sim.now();
        self.drains.done_at[i] = now;
        self.drains.open -= 1;
        self.trace_node(node, "drained");
        if let Some(maintenance) = drains[i].maintenance {
            let at = after(now, maintenance);
            self.drains.uncordon_at[i] = at;
            self.sim.schedule(at, Event::Drain(i as u32));
        }
    }

    /// The trial's drains, once it ended at `end`; `None` without drains.
    pub fn drain_result(&self, end: Time) -> Option<DrainResult> {
        let drains = &self.scenario.faults.node_drains;
        if drains.is_empty() {
            return None;
        }
        let mut out = DrainResult {
            longest: 0,
            unfinished: 0,
        };
        for (d, &done) in drains.iter().zip(&self.drains.done_at) {
            if done == NEVER {
                out.unfinished += 1;
            }
            out.longest = out.longest.max(done.min(end).saturating_sub(d.at));
        }
        Some(out)
    }

    /// Record a node change in the trace.
    pub(super) fn trace_node(&mut self, node: NodeId, state: &'static str) {
        if let Some(tr) = self.trace.as_mut() {
            tr.push(TraceRecord::Node {
                t: self.sim.now(),
                node,
                state,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BudgetLimit::{MaxUnavailable, MinAvailable};
    use IntOrPercent::{Int, Percent};
    use UnhealthyPodEvictionPolicy::{AlwaysAllow, IfHealthyBudget};

    fn budget(limit: BudgetLimit, unhealthy_pods: UnhealthyPodEvictionPolicy) -> DisruptionBudget {
        DisruptionBudget {
            limit,
            unhealthy_pods,
            selects: None,
        }
    }

    /// The Eviction API's answers, worked out from `getExpectedPodCount` (percentages
    /// rounded up), `disruptionsAllowed = currentHealthy − desiredHealthy` (0 when no pod
    /// is expected) and the unhealthy-pod rule of `EvictionREST.Create`.
    #[test]
    fn upstream_answers() {
        // (limit, policy, ready, healthy, pods, scale, allowed)
        let cases = [
            // An integer minAvailable: desired 2 whatever the scale.
            (MinAvailable(Int(2)), IfHealthyBudget, true, 3, 3, 0, true),
            (MinAvailable(Int(2)), IfHealthyBudget, true, 2, 3, 3, false),
            // 50 % of 3 rounds up to 2.
            (
                MinAvailable(Percent(50)),
                IfHealthyBudget,
                true,
                3,
                4,
                3,
                true,
            ),
            (
                MinAvailable(Percent(50)),
                IfHealthyBudget,
                true,
                2,
                4,
                3,
                false,
            ),
            // maxUnavailable 25 % of 10 rounds up to 3: 7 must stay healthy.
            (
                MaxUnavailable(Percent(25)),
                IfHealthyBudget,
                true,
                8,
                10,
                10,
                true,
            ),
            (
                MaxUnavailable(Percent(25)),
                IfHealthyBudget,
                true,
                7,
                10,
                10,
                false,
            ),
            (
                MaxUnavailable(Int(0)),
                IfHealthyBudget,
                true,
                10,
                10,
                10,
                false,
            ),
            // A percentage of a workload scaled to 0 expects no pod: nothing may go.
            (
                MaxUnavailable(Percent(100)),
                IfHealthyBudget,
                true,
                1,
                1,
                0,
                false,
            ),
            // An unready pod goes while the budget is healthy, without a disruption to
            // spare (9 healthy, 9 desired) ...
            (
                MinAvailable(Int(9)),
                IfHealthyBudget,
                false,
                9,
                10,
                10,
                true,
            ),
            // ... not once it is not,
            (
                MinAvailable(Int(9)),
                IfHealthyBudget,
                false,
                8,
                10,
                10,
                false,
            ),
            // ... nor when nothing is desired and nothing healthy (0 allowed),
            (
                MaxUnavailable(Percent(100)),
                IfHealthyBudget,
                false,
                0,
                4,
                4,
                false,
            ),
            // ... and always under AlwaysAllow.
            (MinAvailable(Int(9)), AlwaysAllow, false, 0, 10, 10, true),
            // AlwaysAllow changes nothing for a Ready pod.
            (MinAvailable(Int(9)), AlwaysAllow, true, 9, 10, 10, false),
        ];
        for (limit, policy, ready, healthy, pods, scale, allowed) in cases {
            assert_eq!(
                eviction_allowed(&budget(limit, policy), ready, healthy, pods, scale),
                allowed,
                "{limit:?} {policy:?} ready {ready} healthy {healthy} pods {pods} scale {scale}"
            );
        }
    }
}
