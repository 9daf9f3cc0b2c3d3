//! Swarm's spread counts a node's active tasks of the service (desired state at most
//! COMPLETED: moby/swarmkit v2.1.2 `manager/scheduler/scheduler.go` `scheduleTaskGroup`'s
//! `nodeLess` on `NodeInfo.ActiveTasksCountByService`, kept by `nodeinfo.go` `addTask`
//! and `removeTask`). An old task the updater has told to shut down stops counting at
//! once, though it holds its resources until it has exited.

use crate::yaml;
use rollout_sim::cluster::TraceRecord;
use rollout_sim::scenario::Scenario;
use rollout_sim::trial::Workspace;

/// Three roomy nodes, three replicas, stop-first one at a time; old tasks take 5 s to
/// shut down, so each slot's old task still holds its node when its replacement is
/// placed (`updater.go` `updateTask` writes the old task's desired state SHUTDOWN and
/// the new task in one store batch).
fn three_nodes(strategy: &str) -> Scenario {
    yaml(&format!(
        "cluster:\n  nodes: 3\n  node: {{cpu: \"4\", memory: 8Gi}}\n\
         service:\n  replicas: 3\n  resources: {{cpu: \"1\", memory: 1Gi}}\n\
         \x20 versions:\n\
         \x20   current: {{image: a, shutdown: 5s}}\n\
         \x20   next: {{image: b, pull: 1s, start: 1s, ready_after: 1s, shutdown: 5s}}\n\
         strategy:\n  {strategy}\n"
    ))
}

/// Per slot, the node its task of `version` was placed on, in slot order.
fn placed(trace: &[TraceRecord], version: u8) -> Vec<u32> {
    let mut on = vec![None; 3];
    for e in trace {
        if let TraceRecord::Task {
            slot,
            version: v,
            node: Some(n),
            ..
        } = *e
            && v == version
        {
            assert!(on[slot as usize].is_none_or(|m| m == n), "slot {slot}");
            on[slot as usize] = Some(n);
        }
    }
    on.into_iter().map(Option::unwrap).collect()
}

/// Each slot's new task goes to the node its old task is leaving: that node has no active
/// task of the service, the others one each, whatever the old task still holds. So the
/// new tasks end one a node, as the old ones were. The model counted the terminating
/// task: slot 2 (updated second, trial 0) found one task on every node (slot 0's new one
/// on node 0, its own old one, stopping, on node 2) and took node 0; slot 1 then took
/// node 2, ending 2/0/1.
#[test]
fn a_stop_first_replacement_takes_the_node_its_old_task_is_leaving() {
    let s = three_nodes("swarm: {update_config: {parallelism: 1, order: stop-first}}");
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome.as_str(), "completed");
    assert_eq!(placed(&trace, 0), [0, 1, 2]);
    assert_eq!(placed(&trace, 1), [0, 1, 2]);
}
