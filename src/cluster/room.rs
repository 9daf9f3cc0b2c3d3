//! How many tasks of the service the cluster's nodes hold at once, found by placing them
//! with the scheduler's own [`Placer`], so a check of room (`rollout-sim lint`'s
//! `swarm-start-first-no-room`) counts exactly the room a trial finds.

use super::Node;
use super::placer::Placer;
use super::task::NodeId;
use crate::scenario::{Resources, Scenario};

/// How many tasks of the service of `s` its nodes hold at once, counted up to `up_to`:
/// tasks placed one after another on the empty, up nodes by [`Placer::pick`], the
/// scheduler's own filters (Swarm `placement.constraints` and `max_replicas_per_node`,
/// Kubernetes taints, node affinity and topology spread, each node's cpu and memory).
///
/// Every task of the service requests the same resources, so under Swarm's filters a
/// node's share is the smaller of what its capacity holds and the per-node limit,
/// whatever the order of placement: the count is the most the cluster runs. (Under
/// Kubernetes topology spread it is what the scheduler's own order reaches.) Node losses
/// are left out; `up_to` bounds the work, one placement per task as in a trial, also for
/// a request of zero. `rollout-sim lint` (`swarm-start-first-no-room`) asks this, so the
/// room it counts is the room the scheduler finds.
pub fn room_for_tasks(s: &Scenario, up_to: u64) -> u64 {
    room_on(s, s.cluster.nodes.len(), up_to)
}

/// [`room_for_tasks`] on every node the cluster may have: with `cluster.autoscaler`, the
/// nodes listed and every node it may add, as if all were added (the most a rollout can
/// find, which is what a warning that it finds too little must count).
pub fn reachable_room(s: &Scenario, up_to: u64) -> u64 {
    room_on(s, s.cluster.node_slot_count(), up_to)
}

/// [`room_for_tasks`] on the first `nodes` of the cluster's node slots.
fn room_on(s: &Scenario, nodes: usize, up_to: u64) -> u64 {
    let r = s.service.resources;
    let versions = s.service.versions.len();
    let mut nodes: Vec<Node> = (s.cluster.node_slots().take(nodes))
        .map(|spec| Node::new(spec, versions, &[]))
        .collect();
    let mut on_node = vec![0u32; nodes.len()];
    let mut placer = Placer::new(s);
    placer.rebuild(&nodes, r);
    let mut placed = 0;
    while placed < up_to {
        let Ok(id) = placer.pick(&nodes, &on_node, r) else {
            break;
        };
        place(&mut placer, &mut nodes, &mut on_node, id, r);
        placed += 1;
    }
    placed
}

/// A task requesting `r` placed on node `id` of a picture of the cluster (`nodes` and
/// their counts of wanted tasks, `on_node`), as the cluster places one
/// (`Cluster::place_on`): the node's allocation changes inside the index's brackets, then
/// its count of wanted tasks.
pub(super) fn place(
    placer: &mut Placer,
    nodes: &mut [Node],
    on_node: &mut [u32],
    id: NodeId,
    r: Resources,
) {
    let i = id as usize;
    placer.before_change(nodes, id, r);
    let n = &mut nodes[i];
    n.cpu_used += r.cpu_millis;
    n.memory_used += r.memory_bytes;
    n.tasks += 1;
    n.active += 1;
    placer.after_change(nodes, id, r);
    on_node[i] += 1;
    placer.wanted_changed(nodes, id, on_node[i], r);
}

#[cfg(test)]
mod tests {
    use super::room_for_tasks;
    use crate::scenario::{Format, load_str};

    /// Swarm: the room is, per node the constraints allow, the smaller of what its cpu and
    /// memory hold and `max_replicas_per_node`; `up_to` caps the count (a request of zero
    /// fits without end).
    #[test]
    fn room_for_tasks_is_what_the_filters_leave() {
        let text = |cpu: &str, limit: u32| {
            format!(
                "name: r
service:
  replicas: 1
  resources: {{cpu: {cpu}, memory: 0}}
  placement: {{constraints: [node.role!=manager], max_replicas_per_node: {limit}}}
  versions: {{current: {{image: a}}, next: {{image: b}}}}
cluster:
  node: {{cpu: '2', memory: 1Gi}}
  nodes: [{{name: m, role: manager}}, {{name: w1}}, {{name: w2, cpu: '1'}}]
"
            )
        };
        let room = |cpu: &str, limit: u32, up_to: u64| {
            let s = load_str(&text(cpu, limit), "r.yaml", Format::Yaml, &[])
                .unwrap_or_else(|e| panic!("{e}"));
            room_for_tasks(&s, up_to)
        };
        // w1 holds 4 tasks of 500m, w2 holds 2; the manager's 4 do not count.
        assert_eq!(room("500m", 0, 100), 6);
        // At most 3 per node: w1 3, w2 2.
        assert_eq!(room("500m", 3, 100), 5);
        assert_eq!(room("500m", 3, 4), 4);
        // Nothing requested: only the limit (2 workers × 3) bounds the count ...
        assert_eq!(room("0", 3, 100), 6);
        // ... and without a limit `up_to` does.
        assert_eq!(room("0", 0, 100), 100);
    }
}
