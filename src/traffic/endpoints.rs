//! The balancer's view of the endpoints, and what each endpoint truly does with a request.
//!
//! Two facts per task, kept apart on purpose because their difference is where a rolling
//! update loses requests:
//!
//! - **In rotation** (the balancer's belief): a task joins `endpoint_propagation` after it
//!   became a ready endpoint ([`Cluster::endpoint_ready`]; Swarm: RUNNING, healthy if
//!   there is a HEALTHCHECK — the routing mesh's VIP; Kubernetes: the pod's Ready
//!   condition — the EndpointSlice), and leaves that long after it stopped being one: a
//!   Swarm task when it leaves RUNNING, including when the engine acts on a stop
//!   (`stop_signal` after the decision); a Kubernetes pod when it leaves Ready or is
//!   deleted, at the stop decision itself (its endpoint is `terminating` and not `ready`
//!   from the deletion on, while the kubelet still has to act). Changes of one task take
//!   effect in order. The fleet already serving at time 0 is in rotation from 0.
//! - **Answer** (the truth): `Answering` from the moment its application is ready
//!   (`ready_after`) until it hangs (`Hung`: requests time out) or stops answering:
//!   `Refusing` after SIGTERM (after any preStop and Swarm's gossip delay) and before the
//!   application listens, `Crashed` once its container died on its own (crash, or killed
//!   by its failed health check or liveness probe) — either way the connection is refused
//!   or reset, a 502 at the balancer. Requests to a lost node time out (`Unreachable`):
//!   nothing there answers, not even with a reset.
//!
//! `Hung` and `Crashed` are the version's own misbehaviour; `Refusing` and `Unreachable`
//! are the rollout's or the infrastructure's. The traffic model counts the failures of the
//! first two (and the version's errors) as `bad_version_requests`.
//!
//! - **Serving while terminating** (Kubernetes only): a pod deleted while Ready stays in
//!   its EndpointSlice as `serving` and `terminating` (`podToEndpoint` in
//!   kubernetes/kubernetes `staging/src/k8s.io/endpointslice/utils.go`: serving is the
//!   pod's Ready condition, terminating its `deletionTimestamp`) until its Ready condition
//!   turns false, which the model takes to be when its container exits (the kubelet's
//!   `prober_manager.UpdatePodStatus`: a container that is not running is not ready;
//!   without a readiness probe a running one is). kube-proxy sends to these endpoints
//!   only while its service has no ready one ([`Pool`]). The balancer learns of both
//!   changes as of any other: `endpoint_propagation` later, in order with the task's
//!   other changes.
//!
//! Endpoints in each pool are counted per (version, answer) class; the traffic model only
//! ever needs those counts. Future changes (a lagged rotation change, an application
//! becoming ready or hanging with no task event) wait in a small agenda of their own.

use crate::cluster::{Cluster, Task, TaskId, TaskState};
use crate::sim::time::{NEVER, Time};
use crate::sim::{Key, Purpose};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What an endpoint does with a request, truly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Serves it (subject to capacity and the version's error rate).
    Answering = 0,
    /// Refuses or resets it: not listening yet, or told to stop.
    Refusing = 1,
    /// Accepts it and never answers: the process hung, the request times out.
    Hung = 2,
    /// Refuses or resets it: the container died on its own (crash, failed health check or
    /// liveness probe).
    Crashed = 3,
    /// Nothing answers, not even a reset: the node was lost; the request times out.
    Unreachable = 4,
}

/// Answers, in class order.
pub const ANSWERS: [Answer; 5] = [
    Answer::Answering,
    Answer::Refusing,
    Answer::Hung,
    Answer::Crashed,
    Answer::Unreachable,
];

impl Answer {
    /// Whether a request failed with this answer is the version's own doing.
    pub fn is_version_fault(self) -> bool {
        matches!(self, Answer::Hung | Answer::Crashed)
    }

    /// The answer of `t` at `now`, and the next instant it may change; `died` says its
    /// last container died on its own rather than being told to stop.
    pub fn of(t: &Task, now: Time, died: bool) -> (Answer, Time) {
        let later = |x: Time| if x > now { x } else { NEVER };
        let next = later(t.ready_at)
            .min(later(t.hang_at))
            .min(later(t.stops_answering_at));
        let gone = t.stops_answering_at <= now;
        let answer = if gone && t.lost {
            // A lost node answers nothing: requests time out.
            Answer::Unreachable
        } else if t.hang_at <= now && t.hang_at <= t.stops_answering_at {
            Answer::Hung
        } else if gone && died {
            Answer::Crashed
        } else if gone || t.ready_at > now {
            Answer::Refusing
        } else {
            Answer::Answering
        };
        (answer, next)
    }
}

/// Which of a service's endpoints kube-proxy sends a request to (`CategorizeEndpoints` in
/// kubernetes/kubernetes `pkg/proxy/topology.go`, traffic policy Cluster): the ready
/// ones, and only when there is none the ones that are serving and terminating
/// (ProxyTerminatingEndpoints, GA in v1.28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// Ready endpoints: the rotation.
    Ready = 0,
    /// Endpoints of deleted pods still Ready: the fallback.
    ServingTerminating = 1,
}

/// One task as the traffic model sees it.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    in_rotation: bool,
    answer: Answer,
    /// Ready, as last observed (the truth).
    ready: bool,
    /// A ready endpoint of its service, as last observed (what the balancer is
    /// converging to): Ready, and for a Kubernetes pod not deleted.
    listed: bool,
    /// In the balancer's serving-and-terminating endpoints ([`Pool::ServingTerminating`]).
    in_fallback: bool,
    /// A serving and terminating endpoint of its service, as last observed: a Kubernetes
    /// pod deleted while Ready whose container has not exited yet.
    serving_terminating: bool,
    /// When the last rotation change takes effect (changes of one task stay in order).
    rotation_due: Time,
    /// Rotation changes so far (keys the lag stream).
    rotation_changes: u32,
    /// A pending re-evaluation of the answer, if any.
    recheck_at: Time,
    /// Its last container died on its own (observed `failed` or Kubernetes back-off
    /// without a stop); cleared when a new container starts.
    died: bool,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            in_rotation: false,
            answer: Answer::Refusing,
            ready: false,
            listed: false,
            in_fallback: false,
            serving_terminating: false,
            rotation_due: 0,
            rotation_changes: 0,
            recheck_at: NEVER,
            died: false,
        }
    }
}

/// Something the view does at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Re-evaluate the task's answer.
    Recheck,
    /// The task leaves rotation.
    Leave,
    /// The task joins rotation.
    Join,
    /// The task joins (`true`) or leaves the serving-and-terminating endpoints.
    Fallback(bool),
}

/// A change of the agenda, due at `at`.
#[derive(Debug, Clone, Copy)]
struct Item {
    at: Time,
    /// When it was planned: unique in a trial, so changes due at one instant apply in the
    /// order they were planned.
    seq: u64,
    id: TaskId,
    change: Change,
}

// Ordered by (`at`, `seq`) alone: `seq` is unique, so the rest never decides, and leaving
// it out keeps the heap's comparisons small enough to be inlined on the per-event path.
impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Item {}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// The endpoints of one trial.
#[derive(Debug, Default)]
pub struct Endpoints {
    tasks: Vec<Endpoint>,
    agenda: BinaryHeap<Reverse<Item>>,
    seq: u64,
    /// Endpoints by `pool * versions + version`, each counted per answer in class order.
    classes: Vec<[u32; ANSWERS.len()]>,
    /// Versions of the trial: one pool's share of `classes`.
    versions: usize,
    /// Tasks Ready (the truth) per version.
    ready: Vec<u32>,
    /// Endpoints in rotation per version.
    rotation: Vec<u32>,
    /// Per version, when the last joining of the rotation planned so far takes effect
    /// (what a write of the router's configuration moving requests onto that version waits
    /// for: [`super::routing`]).
    joins_due: Vec<Time>,
    /// Serving and terminating endpoints in the balancer's view, all versions.
    fallback: u32,
    /// Whether deleted pods are serving and terminating endpoints (Kubernetes): otherwise
    /// that pool stays empty and costs nothing.
    tracks_fallback: bool,
}

impl Endpoints {
    /// Forget everything, for a trial with `versions` versions; `tracks_fallback`: a
    /// deleted pod is a serving and terminating endpoint while Ready (Kubernetes).
    pub fn reset(&mut self, versions: usize, tracks_fallback: bool) {
        self.tasks.clear();
        self.agenda.clear();
        self.seq = 0;
        self.versions = versions;
        self.classes.clear();
        self.classes.resize(2 * versions, [0; ANSWERS.len()]);
        self.ready.clear();
        self.ready.resize(versions, 0);
        self.rotation.clear();
        self.rotation.resize(versions, 0);
        self.joins_due.clear();
        self.joins_due.resize(versions, 0);
        self.fallback = 0;
        self.tracks_fallback = tracks_fallback;
    }

    /// Endpoints of `pool` in the balancer's view per version, each counted per answer in
    /// class order ([`ANSWERS`]).
    #[inline]
    pub fn in_pool(&self, pool: Pool) -> &[[u32; ANSWERS.len()]] {
        let start = pool as usize * self.versions;
        &self.classes[start..start + self.versions]
    }

    /// The pool kube-proxy sends to: the ready endpoints, or when there is none the
    /// serving and terminating ones; `None` when both are empty (requests are refused).
    pub fn pool(&self) -> Option<Pool> {
        if self.in_rotation() > 0 {
            Some(Pool::Ready)
        } else if self.fallback > 0 {
            Some(Pool::ServingTerminating)
        } else {
            None
        }
    }

    /// Endpoints in rotation, all versions.
    pub fn in_rotation(&self) -> u32 {
        self.rotation.iter().sum()
    }

    /// Endpoints in rotation per version.
    pub fn rotation_by_version(&self) -> &[u32] {
        &self.rotation
    }

    /// Per version, when the last joining of the rotation planned so far takes effect (0
    /// when none is pending or ever was).
    pub fn joins_due(&self) -> &[Time] {
        &self.joins_due
    }

    /// Ready tasks per version (the truth, not the balancer's view).
    pub fn ready_by_version(&self) -> &[u32] {
        &self.ready
    }

    /// When the next agenda item is due.
    pub fn next_due(&self) -> Option<Time> {
        self.agenda.peek().map(|Reverse(item)| item.at)
    }

    /// Whether the next agenda item changes nothing a request sees, so the integration
    /// need not be cut there (a cut changes nothing either, but for rounding): a change of
    /// the serving and terminating endpoints while kube-proxy sends to ready ones — any
    /// (`routed` false: one Service over every pod), or the task's version's (a Service
    /// per version).
    pub fn next_is_unseen(&self, cl: &Cluster, routed: bool) -> bool {
        // Where no pod is ever serving and terminating (Swarm), no look at the agenda.
        if !self.tracks_fallback {
            return false;
        }
        let Some(&Reverse(Item {
            id,
            change: Change::Fallback(_),
            ..
        })) = self.agenda.peek()
        else {
            return false;
        };
        if routed {
            self.rotation[cl.task(id).version as usize] > 0
        } else {
            self.in_rotation() > 0
        }
    }

    /// A task changed (state, its process's fate, or it was told to stop): update its
    /// answer now and plan the rotation change its being a ready endpoint implies.
    pub fn observe(&mut self, cl: &Cluster, id: TaskId, lag: &crate::scenario::Dist) {
        if id as usize >= self.tasks.len() {
            self.tasks.resize(id as usize + 1, Endpoint::default());
        }
        let t = cl.task(id);
        let now = cl.now();
        let ready = t.state == TaskState::Ready;
        let listed = cl.endpoint_ready(id);
        if now == 0 && !listed && self.tasks[id as usize].rotation_changes == 0 {
            self.served_until_now(cl, id);
        }
        let tracks = self.tracks_fallback;
        let e = &mut self.tasks[id as usize];
        // Serving (Ready) and terminating (deleted): from a deletion while Ready until the
        // container exits; the kubelet acting on the deletion (Ready to Terminating, which
        // may come in the same instant as the deletion) does not change the Ready
        // condition.
        let serving_terminating = tracks
            && t.stop_requested
            && match t.state {
                TaskState::Ready => true,
                TaskState::Terminating => e.serving_terminating || e.ready,
                _ => false,
            };
        match t.state {
            // Reached by death, never by a stop (a stopped task ends `stopped`).
            TaskState::Failed | TaskState::BackOff => e.died = true,
            TaskState::Starting | TaskState::Running => e.died = false,
            _ => {}
        }
        if ready != e.ready {
            e.ready = ready;
            let v = t.version as usize;
            if ready {
                self.ready[v] += 1;
            } else {
                self.ready[v] -= 1;
            }
        }
        // One change of the EndpointSlice (a deletion changes `ready` and `terminating`
        // at once), one lag.
        if listed != e.listed || serving_terminating != e.serving_terminating {
            let joins = listed != e.listed;
            let falls_back = serving_terminating != e.serving_terminating;
            e.listed = listed;
            e.serving_terminating = serving_terminating;
            // The fleet serving before the rollout is in rotation from the start; a task
            // of the rollout's joins after the lag, even one Ready in its first instant.
            let delay = if listed && now == 0 && cl.served_before_rollout(id) {
                0
            } else {
                let mut rng = Key {
                    seed: cl.scenario.seed,
                    trial: cl.trial,
                    slot: id,
                    version: t.version,
                    attempt: e.rotation_changes,
                    purpose: Purpose::EndpointPropagation,
                }
                .rng();
                lag.sample(&mut rng)
            };
            e.rotation_changes += 1;
            if delay != NEVER {
                let at = now.saturating_add(delay).max(e.rotation_due);
                e.rotation_due = at;
                if joins {
                    let change = if listed {
                        let due = &mut self.joins_due[t.version as usize];
                        *due = (*due).max(at);
                        Change::Join
                    } else {
                        Change::Leave
                    };
                    self.push(at, id, change);
                }
                if falls_back {
                    self.push(at, id, Change::Fallback(serving_terminating));
                }
            }
        }
        self.recheck(cl, id, now);
    }

    /// Task `id`, first seen at time 0 and not a ready endpoint, was one until now if it
    /// served before the rollout: the rollout's first instant told it to stop (Swarm
    /// stop-first's first slots, the pods a Deployment's `maxUnavailable` or Recreate
    /// deletes at once) before the model saw the fleet. It is in rotation from time 0 as
    /// the rest of that fleet, so that its leaving waits `endpoint_propagation` as any
    /// other change does.
    #[cold]
    fn served_until_now(&mut self, cl: &Cluster, id: TaskId) {
        if !cl.served_before_rollout(id) {
            return;
        }
        let e = &mut self.tasks[id as usize];
        e.listed = true;
        // Its joining at 0 counts as its first change, as for the rest of the fleet (which
        // draws no lag for it): its leaving draws the same lag either way.
        e.rotation_changes = 1;
        self.set_member(cl.task(id), id, Pool::Ready, true);
    }

    /// Apply the next agenda item if it is due by `to`; returns its time.
    pub fn apply_next(&mut self, cl: &Cluster, to: Time) -> Option<Time> {
        let &Reverse(Item { at, id, change, .. }) = self.agenda.peek()?;
        if at > to {
            return None;
        }
        self.agenda.pop();
        match change {
            Change::Join => self.set_member(cl.task(id), id, Pool::Ready, true),
            Change::Leave => self.set_member(cl.task(id), id, Pool::Ready, false),
            Change::Fallback(on) => self.set_member(cl.task(id), id, Pool::ServingTerminating, on),
            Change::Recheck => {
                let e = &mut self.tasks[id as usize];
                if e.recheck_at == at {
                    e.recheck_at = NEVER;
                }
                self.recheck(cl, id, at);
            }
        }
        Some(at)
    }

    fn push(&mut self, at: Time, id: TaskId, change: Change) {
        self.seq += 1;
        let seq = self.seq;
        self.agenda.push(Reverse(Item {
            at,
            seq,
            id,
            change,
        }));
    }

    fn recheck(&mut self, cl: &Cluster, id: TaskId, now: Time) {
        let t = cl.task(id);
        let e = self.tasks[id as usize];
        let (answer, next) = Answer::of(t, now, e.died);
        if answer != e.answer {
            let v = t.version as usize;
            for (pool, member) in [(0, e.in_rotation), (self.versions, e.in_fallback)] {
                if member {
                    let classes = &mut self.classes[pool + v];
                    classes[e.answer as usize] -= 1;
                    classes[answer as usize] += 1;
                }
            }
            self.tasks[id as usize].answer = answer;
        }
        if next != NEVER && next < e.recheck_at {
            self.tasks[id as usize].recheck_at = next;
            self.push(next, id, Change::Recheck);
        }
    }

    /// Task `id` joins (`on`) or leaves `pool` in the balancer's view.
    fn set_member(&mut self, t: &Task, id: TaskId, pool: Pool, on: bool) {
        let e = &mut self.tasks[id as usize];
        let member = match pool {
            Pool::Ready => &mut e.in_rotation,
            Pool::ServingTerminating => &mut e.in_fallback,
        };
        if *member == on {
            return;
        }
        *member = on;
        let v = t.version as usize;
        let class = &mut self.classes[pool as usize * self.versions + v][e.answer as usize];
        let count = match pool {
            Pool::Ready => &mut self.rotation[v],
            Pool::ServingTerminating => &mut self.fallback,
        };
        if on {
            *class += 1;
            *count += 1;
        } else {
            *class -= 1;
            *count -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(ready_at: Time, hang_at: Time, stops: Time) -> Task {
        let mut t = Task::new(0, 1, 0, 0);
        t.run_at = 0;
        t.ready_at = ready_at;
        t.hang_at = hang_at;
        t.stops_answering_at = stops;
        t
    }

    #[test]
    fn an_endpoint_answers_between_ready_and_its_signal() {
        let t = task(5, NEVER, 20);
        assert_eq!(Answer::of(&t, 0, false), (Answer::Refusing, 5));
        assert_eq!(Answer::of(&t, 5, false), (Answer::Answering, 20));
        assert_eq!(Answer::of(&t, 20, false), (Answer::Refusing, NEVER));
        // The same end by a death of its own is the version's fault.
        assert_eq!(Answer::of(&t, 20, true), (Answer::Crashed, NEVER));
        assert!(Answer::Crashed.is_version_fault() && !Answer::Refusing.is_version_fault());
    }

    /// The agenda's order is (time, then the order planned), whatever the task and the
    /// change: `Item` compares only those two.
    #[test]
    fn the_agenda_applies_one_instants_changes_in_the_order_planned() {
        let mut e = Endpoints::default();
        e.reset(2, true);
        e.push(5, 9, Change::Fallback(true));
        e.push(5, 1, Change::Recheck);
        e.push(3, 4, Change::Join);
        e.push(5, 0, Change::Leave);
        let order: Vec<_> = std::iter::from_fn(|| e.agenda.pop())
            .map(|Reverse(i)| (i.at, i.id, i.change))
            .collect();
        assert_eq!(
            order,
            [
                (3, 4, Change::Join),
                (5, 9, Change::Fallback(true)),
                (5, 1, Change::Recheck),
                (5, 0, Change::Leave),
            ]
        );
    }

    #[test]
    fn a_hang_before_the_signal_times_out_and_a_lost_node_too() {
        let t = task(0, 10, 20);
        assert_eq!(Answer::of(&t, 10, false), (Answer::Hung, 20));
        assert_eq!(Answer::of(&t, 25, true).0, Answer::Hung);
        let mut lost = task(0, NEVER, 7);
        lost.lost = true;
        assert_eq!(Answer::of(&lost, 7, false).0, Answer::Unreachable);
        assert!(!Answer::Unreachable.is_version_fault() && Answer::Hung.is_version_fault());
        // A hang after SIGTERM changes nothing: the process is shutting down.
        assert_eq!(Answer::of(&task(0, 30, 20), 31, false).0, Answer::Refusing);
    }
}
