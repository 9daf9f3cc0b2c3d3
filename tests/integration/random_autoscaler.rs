//! The invariants of `cluster.autoscaler` (`docs/cluster-autoscaler.md`) on each trial of
//! a random scenario ([`crate::random_scenarios`]), read off its trace and its result:
//!
//! - no pod goes on, and nothing happens to, an `autoscaled-K` node before its `added`;
//! - the nodes are asked for in name order, each once, and each is `added` after its
//!   `requested`, exactly `provision` later when that is a constant;
//! - every scale-up falls on the loop's grid (its instants a whole number of
//!   `scan_interval`s apart), and asks for what the estimate gives at that instant:
//!   ⌈(pods Pending − upcoming nodes × pods a node takes) ÷ pods a node takes⌉, cut to
//!   the nodes the group may still add;
//! - a pod that finds no node, where the nodes added would take it, gets a scale-up
//!   within one `scan_interval` while pods keep waiting;
//! - `nodes_added` is the count of `requested` records up to the outcome, and at most
//!   `max_nodes` less the nodes listed; without an autoscaler it is empty and no node is
//!   asked for;
//! - the autoscaler's loop never takes a trial over its event budget: a trial over it is
//!   over it without the autoscaler too.
//!
//! The counts are the trace's own: a pod is Pending from its `pending` record to its next.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::experiment::TrialResult;
use rollout_sim::scenario::Scenario;
use rollout_sim::scenario::distribution::Dist;
use rollout_sim::sim::time::Time;
use rollout_sim::trial::Workspace;
use std::collections::HashMap;

/// Pods a node added takes, by the documented rule: what `cluster.node`'s cpu and memory
/// hold, at most one when a pod holds its node alone (a host port, the only pod
/// anti-affinity the autoscaler is simulated with, on `kubernetes.io/hostname`). Whether
/// its labels and taints let the pods on it at all is not read here.
fn pods_a_node_takes(s: &Scenario) -> u64 {
    let Some(n) = s.cluster.added_nodes().first() else {
        return 0;
    };
    let r = &s.service.resources;
    let by = |have: u64, ask: u64| have.checked_div(ask).unwrap_or(u64::MAX);
    let holds = by(n.cpu_millis, r.cpu_millis).min(by(n.memory_bytes, r.memory_bytes));
    let alone = s.service.host_port().is_some() || !s.service.placement.anti_affinity.is_empty();
    if alone { holds.min(1) } else { holds }
}

/// Nothing keeps the pods off a node added: no `nodeSelector`, no node affinity, and
/// `cluster.node` has no taint.
fn template_unrestricted(s: &Scenario) -> bool {
    let p = &s.service.placement;
    let taints = s.cluster.autoscaler.as_ref().map(|a| &a.attrs.taints);
    p.node_selector.is_empty() && p.required_terms.is_none() && taints.is_none_or(|t| t.is_empty())
}

/// One turn of the loop that asked for nodes: when, what the estimate gives, what it got.
struct Turn {
    at: Time,
    expected: u64,
    got: u64,
}

/// Every invariant of the module's comment, on one trial's result `r` and trace.
pub fn autoscaler_invariants(
    s: &Scenario,
    r: &TrialResult,
    trace: &[TraceRecord],
) -> Result<(), TestCaseError> {
    let listed = s.cluster.nodes.len();
    let Some(a) = &s.cluster.autoscaler else {
        prop_assert_eq!(r.nodes_added, None);
        let asked = trace.iter().any(|rec| {
            matches!(rec, TraceRecord::Node { state, .. } if matches!(*state, "requested" | "added"))
        });
        prop_assert!(!asked, "a node asked for without an autoscaler");
        return Ok(());
    };
    let room = a.max_nodes as usize - listed;
    prop_assert_eq!(a.nodes.len(), room);
    let per_node = pods_a_node_takes(s);
    let mut requested: Vec<Time> = Vec::new();
    let mut added: Vec<bool> = vec![false; room];
    let mut states: HashMap<u32, TaskState> = HashMap::new();
    let mut pending = 0u64;
    let mut turns: Vec<Turn> = Vec::new();
    // When a pod first found no node, and when after that no pod was Pending.
    let mut first_wait: Option<Time> = None;
    let mut none_waiting_after: Option<Time> = None;
    for (i, rec) in trace.iter().enumerate() {
        let t = rec.time();
        match *rec {
            TraceRecord::Task {
                task,
                node,
                state,
                reason,
                ..
            } => {
                if let Some(n) = node.map(|n| n as usize).filter(|&n| n >= listed) {
                    prop_assert!(
                        added[n - listed],
                        "a pod on {} before it was added: {:?}",
                        a.nodes[n - listed].name,
                        rec
                    );
                }
                if states.insert(task, state) == Some(TaskState::Pending) {
                    pending -= 1;
                }
                if state == TaskState::Pending {
                    pending += 1;
                    if reason.is_some() && first_wait.is_none() {
                        first_wait = Some(t);
                    }
                }
                if pending == 0 && first_wait.is_some() && none_waiting_after.is_none() {
                    none_waiting_after = Some(t);
                }
            }
            TraceRecord::Node { node, state, .. } => {
                let node = node as usize;
                let Some(k) = node.checked_sub(listed) else {
                    let ours = matches!(state, "requested" | "added");
                    prop_assert!(!ours, "a listed node {}: {:?}", node, rec);
                    continue;
                };
                prop_assert!(k < room, "node {} past `max_nodes`: {:?}", node, rec);
                let name = &a.nodes[k].name;
                match state {
                    "requested" => {
                        prop_assert_eq!(k, requested.len(), "{} asked for out of order", name);
                        if let Some(&first) = requested.first() {
                            prop_assert!(
                                (t - first).is_multiple_of(a.scan_interval),
                                "a scale-up off the loop's grid: {:?}",
                                rec
                            );
                        }
                        let new_turn = !matches!(trace.get(i.wrapping_sub(1)),
                            Some(TraceRecord::Node { state: "requested", t: before, .. }) if *before == t);
                        if new_turn {
                            prop_assert!(per_node > 0, "a scale-up for pods no node added takes");
                            let upcoming = requested.len() as u64
                                - added.iter().filter(|&&x| x).count() as u64;
                            let unhelped = pending.saturating_sub(upcoming * per_node);
                            let expected = unhelped.div_ceil(per_node).min((room - k) as u64);
                            turns.push(Turn {
                                at: t,
                                expected,
                                got: 0,
                            });
                        }
                        turns.last_mut().expect("a turn").got += 1;
                        requested.push(t);
                    }
                    "added" => {
                        prop_assert!(k < requested.len(), "{} added, never asked for", name);
                        prop_assert!(!added[k], "{} added twice", name);
                        let took = t - requested[k];
                        if let Dist::Constant(c) = a.provision {
                            prop_assert_eq!(took, c, "{} Ready after {} µs", name, took);
                        }
                        added[k] = true;
                    }
                    _ => prop_assert!(added[k], "{} {} before it was added", name, state),
                }
            }
            _ => {}
        }
    }
    for turn in &turns {
        prop_assert_eq!(
            turn.got,
            turn.expected,
            "the scale-up at {} µs asked for {} nodes, the estimate {}",
            turn.at,
            turn.got,
            turn.expected
        );
    }
    // Pods that waited from the first one's `pending` through a whole interval of a trial
    // that went on, where a node added takes one and the group may grow: the loop's first
    // turn fell in that interval and asked for a node.
    if let Some(t0) = first_wait
        && template_unrestricted(s)
        && per_node > 0
        && room > 0
        && !r.event_budget_exceeded
    {
        let end = t0.saturating_add(a.scan_interval);
        let waited = none_waiting_after.is_none_or(|t| t >= end) && r.duration >= end;
        let asked = requested.first().is_some_and(|&t| t < end);
        prop_assert!(
            !waited || asked,
            "pods waited from {} µs, no scale-up by {} µs",
            t0,
            end
        );
    }
    let nodes_added = r.nodes_added.map(|n| n as usize);
    let by_outcome = requested.iter().filter(|&&t| t <= r.duration).count();
    prop_assert_eq!(nodes_added, Some(by_outcome), "nodes_added");
    prop_assert!(by_outcome <= room);
    if r.event_budget_exceeded {
        let mut without = s.clone();
        without.cluster.autoscaler = None;
        let alone = Workspace::new(&without).run(r.trial);
        prop_assert!(
            alone.event_budget_exceeded,
            "over the event budget at {} µs with the autoscaler only",
            r.duration
        );
    }
    Ok(())
}
