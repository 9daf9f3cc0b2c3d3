//! Swarm global services (`service.mode: global`) against swarmkit v2.1.2: one task on
//! every node the constraints allow, each tied to its node whoever creates it
//! (`manager/orchestrator/global/global.go`, `update/updater.go` `worker`,
//! `restart/restart.go` `Restart`), the scheduler checking only that node
//! (`manager/scheduler/scheduler.go` `taskFitNode`); a drained node's task shut down and
//! not replaced, and a task of the spec in force added when the node is active again
//! (`reconcileOneNode`).

use crate::node_loss::node_records;
use crate::swarm_drain::{History, history};
use crate::yaml;
use rollout_sim::check::lint::lint;
use rollout_sim::cluster::TaskState;
use rollout_sim::cluster::placer::PendingReason;
use rollout_sim::result::Outcome;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

const S: u64 = SECOND;

/// A global service on six 2-cpu nodes, `agent` labelled on all but `node-2`; the new
/// version pulls in 2 s and starts in 1 s, the old one exits 500 ms after its stop.
fn global(update_config: &str, task_cpu: &str, faults: &str) -> String {
    format!(
        "horizon: 10m\n\
         cluster:\n  nodes:\n\
         \x20   - {{name: node-1, cpu: 2, labels: {{agent: 'yes'}}}}\n\
         \x20   - {{name: node-2, cpu: 2}}\n\
         \x20   - {{name: node-3, cpu: 2, labels: {{agent: 'yes'}}}}\n\
         \x20   - {{name: node-4, cpu: 2, labels: {{agent: 'yes'}}}}\n\
         \x20   - {{name: node-5, cpu: 2, labels: {{agent: 'yes'}}}}\n\
         \x20   - {{name: node-6, cpu: 2, labels: {{agent: 'yes'}}}}\n\
         service:\n  mode: global\n  resources: {{cpu: {task_cpu}}}\n\
         \x20 placement: {{constraints: ['node.labels.agent == yes']}}\n\
         \x20 versions: {{current: {{shutdown: 500ms}}, next: {{pull: 2s, start: 1s}}}}\n\
         strategy: {{swarm: {{update_config: {update_config}}}}}\n\
         faults: {faults}\n"
    )
}

/// The node every record of each slot's tasks names (`None`: never placed).
fn nodes_by_slot(h: &History) -> Vec<(u32, Vec<u32>)> {
    let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
    for (slot, recs) in h.values() {
        let nodes = recs.iter().filter_map(|r| r.2);
        match out.iter_mut().find(|(s, _)| s == slot) {
            Some((_, seen)) => seen.extend(nodes),
            None => out.push((*slot, nodes.collect())),
        }
    }
    for (_, nodes) in &mut out {
        nodes.sort_unstable();
        nodes.dedup();
    }
    out.sort_unstable();
    out
}

#[test]
fn each_node_the_constraints_allow_runs_one_task_and_every_task_of_its_slot() {
    let s = yaml(&global(
        "{parallelism: 2, delay: 5s, monitor: 10s}",
        "500m",
        "{}",
    ));
    assert_eq!(s.service.replicas, 5, "node-2 is not labelled");
    for trial in 0..4 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(r.outcome, Outcome::Completed);
        // Slot i is the i-th allowed node (node-1, node-3, …; node indices 0, 2, …), for
        // the fleet's task and the update's alike.
        assert_eq!(
            nodes_by_slot(&history(&trace)),
            [
                (0, vec![0]),
                (1, vec![2]),
                (2, vec![3]),
                (3, vec![4]),
                (4, vec![5])
            ],
            "trial {trial}"
        );
    }
}

#[test]
fn a_stop_first_update_takes_its_closed_form_time() {
    // Two workers over five slots take ⌈5/2⌉ = 3 rounds, each the new task's pull (2 s,
    // longer than the old task's 500 ms exit) and start (1 s), then the worker's 5 s
    // delay; the run ends a `monitor` (10 s) after the last delay: 3 × 8 s + 10 s.
    let s = yaml(&global(
        "{parallelism: 2, delay: 5s, monitor: 10s}",
        "500m",
        "{}",
    ));
    for trial in 0..4 {
        let r = Workspace::new(&s).run(trial);
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 34 * S));
        // Stop-first on one task a node: two slots down at a time; the two new tasks pull
        // beside their stopping old ones (placed: 7), but never run beside them.
        assert_eq!((r.min_ready, r.peak_tasks, r.peak_running_tasks), (3, 7, 5));
    }
}

#[test]
fn start_first_on_nodes_with_room_for_one_task_waits_for_ever() {
    // 1.5 cpu of 2: the new task cannot sit beside the old one on its node, stays
    // Pending (no other node may take it), and start-first never stops the old task.
    let s = yaml(&global(
        "{parallelism: 1, order: start-first}",
        "1500m",
        "{}",
    ));
    let r = Workspace::new(&s).run(0);
    assert_eq!(r.outcome, Outcome::Timeout);
    assert_eq!(r.pending.get(PendingReason::Resources), Some(true));
    assert_eq!(r.min_ready, 5, "the old tasks all keep serving");
    let rules: Vec<&str> = lint(&s, None).iter().map(|w| w.rule).collect();
    assert!(rules.contains(&"swarm-start-first-no-room"), "{rules:?}");
    // With room for two a node, it completes, and lint is quiet about room.
    let s = yaml(&global("{parallelism: 1, order: start-first}", "1", "{}"));
    assert_eq!(Workspace::new(&s).run(0).outcome, Outcome::Completed);
    let rules: Vec<&str> = lint(&s, None).iter().map(|w| w.rule).collect();
    assert!(!rules.contains(&"swarm-start-first-no-room"), "{rules:?}");
}

#[test]
fn a_drained_nodes_task_is_shut_down_and_replaced_by_none() {
    // node-6 (slot 4) drained at 1 s, for good; one worker that sleeps long after each
    // slot, so the drain comes before the worker reaches most slots.
    let s = yaml(&global(
        "{parallelism: 1, delay: 30s, monitor: 5s, max_failure_ratio: 0.5}",
        "500m",
        "{node_drains: [{at: 1s, node: node-6}]}",
    ));
    for trial in 0..8 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        let h = history(&trace);
        let on_slot_4: Vec<_> = h.iter().filter(|(_, (slot, _))| *slot == 4).collect();
        // The fleet's task, told to stop at the drain; no task of the slot runs after it
        // (a worker reaching the slot later finds its old task shut down: stop-first's
        // `removeOldTasks` fails and the slot is skipped).
        let running_after = on_slot_4.iter().any(|(_, (_, recs))| {
            recs.iter()
                .any(|r| r.0 > S && matches!(r.3, TaskState::Running | TaskState::Ready))
        });
        assert!(!running_after, "trial {trial}: {on_slot_4:?}");
        assert_eq!(r.outcome, Outcome::Completed, "trial {trial}");
        assert_eq!(
            r.min_ready, 3,
            "trial {trial}: node-6's and the updated slot's"
        );
        assert_eq!(r.restarts, 0);
        // Emptied once its task exited (500 ms), or at once when the worker had taken the
        // slot first and its new task was still pulling.
        let records = node_records(&trace);
        assert_eq!(records[0], (S, 5, "cordoned"));
        assert!(
            matches!(records[1..], [(t, 5, "drained")] if t == S || t == S + S / 2),
            "{records:?}"
        );
    }
}

#[test]
fn a_node_back_from_maintenance_gets_a_task_of_the_spec_in_force_at_once() {
    let s = yaml(&global(
        "{parallelism: 1, delay: 30s, monitor: 5s, max_failure_ratio: 0.5}",
        "500m",
        "{node_drains: [{at: 1s, node: node-6, maintenance: 20s}]}",
    ));
    for trial in 0..8 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(r.outcome, Outcome::Completed, "trial {trial}");
        let h = history(&trace);
        // Uncordoned 20 s after it emptied: a task of `next` (the spec in force during the
        // update) is created there and then and placed on node-6 at once.
        let records = node_records(&trace);
        let (drained, back) = (records[1], records[2]);
        assert_eq!(
            (drained.2, back),
            ("drained", (drained.0 + 20 * S, 5, "uncordoned"))
        );
        let added: Vec<_> = h
            .values()
            .filter(|(slot, recs)| *slot == 4 && recs[0].0 == back.0)
            .collect();
        assert_eq!(added.len(), 1, "trial {trial}: {h:?}");
        let recs = &added[0].1;
        assert!(recs.iter().all(|r| r.1 == 1), "of `next`");
        assert_eq!(recs[1].2, Some(5), "on node-6");
        assert!(recs.iter().any(|r| r.3 == TaskState::Ready));
    }
}

#[test]
fn start_first_hangs_on_a_slot_whose_node_was_drained_before_it() {
    // The worker creates its new task on the drained node (`NewTask` with the slot's
    // node), where `ReadyFilter` places nothing, and waits for it with no timeout.
    let s = yaml(&global(
        "{parallelism: 1, delay: 30s, monitor: 5s, order: start-first}",
        "500m",
        "{node_drains: [{at: 1s, node: node-6}]}",
    ));
    let (mut hung, mut finished) = (0, 0);
    for trial in 0..16 {
        let r = Workspace::new(&s).run(trial);
        match r.outcome {
            Outcome::Timeout => {
                assert_eq!(r.pending.get(PendingReason::Unschedulable), Some(true));
                hung += 1;
            }
            // The first slot handed out was node-6's: its new task was running before
            // the drain, which shut it down within monitor: a failure, and a pause.
            Outcome::Paused => finished += 1,
            other => panic!("trial {trial}: {other:?}"),
        }
    }
    assert!(hung > 8 && finished > 0, "{hung} hung, {finished} paused");
}

/// `node-6` (slot 4) lost at 1 s, and back `back` later if given.
fn lost_node_6(back: Option<&str>) -> String {
    let back = back.map_or(String::new(), |b| format!(", recover_after: {b}"));
    global(
        "{parallelism: 1, delay: 30s, monitor: 5s, max_failure_ratio: 0.5}",
        "500m",
        &format!("{{node_failures: [{{at: 1s, node: node-6{back}}}]}}"),
    )
}

#[test]
fn a_lost_nodes_task_is_shut_down_when_the_node_is_declared_down_and_replaced_by_none() {
    // Declared DOWN 15 s after the loss (the dispatcher's heartbeat grace): the global
    // orchestrator shuts the node's task down (`reconcileOneNode`) and restarts it
    // nowhere, where the replicated one would restart it on another node; a worker
    // reaching the slot later skips it.
    let s = yaml(&lost_node_6(None));
    let mut seen = [false; 2];
    for trial in 0..8 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(
            node_records(&trace),
            [(S, 5, "lost"), (16 * S, 5, "down")],
            "trial {trial}"
        );
        let h = history(&trace);
        let on_slot_4: Vec<_> = h.iter().filter(|(_, (slot, _))| *slot == 4).collect();
        let running_after = on_slot_4.iter().any(|(_, (_, recs))| {
            recs.iter()
                .any(|r| r.0 > S && matches!(r.3, TaskState::Running | TaskState::Ready))
        });
        assert!(!running_after, "trial {trial}: {on_slot_4:?}");
        // Shut down, not failed: no restart, no failure against the update.
        let failed = on_slot_4
            .iter()
            .any(|(_, (_, recs))| recs.iter().any(|r| r.3 == TaskState::Failed));
        assert!(!failed, "trial {trial}: {on_slot_4:?}");
        assert_eq!((r.restarts, r.update_failures), (0, 0), "trial {trial}");
        // Unless the worker had taken the slot first: it waits for its new task, pulling
        // on the lost node, to run, with no timeout (`updateTask`), and the node never
        // returns.
        let taken_first = on_slot_4
            .iter()
            .any(|(_, (_, recs))| recs.iter().any(|r| r.1 == 1 && r.0 < 16 * S));
        let outcome = if taken_first {
            Outcome::Timeout
        } else {
            Outcome::Completed
        };
        assert_eq!(r.outcome, outcome, "trial {trial}");
        seen[usize::from(taken_first)] = true;
        // Node-6's task and an updated slot's out at once; only node-6's slot's when
        // the update hangs there.
        let min_ready = if taken_first { 4 } else { 3 };
        assert_eq!(r.min_ready, min_ready, "trial {trial}");
    }
    assert_eq!(seen, [true, true], "both orders among the trials");
}

#[test]
fn a_node_declared_down_and_back_gets_a_task_of_the_spec_in_force_at_once() {
    // Back at 61 s, mid-update: its old task, stopping since 16 s, is found gone, and
    // the orchestrator adds a task of `next` there at once (no `update_config`), which
    // pulls (2 s) and starts (1 s).
    let s = yaml(&lost_node_6(Some("60s")));
    for trial in 0..8 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(r.outcome, Outcome::Completed, "trial {trial}");
        assert_eq!(
            node_records(&trace),
            [(S, 5, "lost"), (16 * S, 5, "down"), (61 * S, 5, "ready")],
            "trial {trial}"
        );
        let h = history(&trace);
        let added: Vec<_> = h
            .values()
            .filter(|(slot, recs)| *slot == 4 && recs[0].0 == 61 * S)
            .collect();
        assert_eq!(added.len(), 1, "trial {trial}: {h:?}");
        let recs = &added[0].1;
        assert!(recs.iter().all(|r| r.1 == 1), "of `next`: {recs:?}");
        assert!(
            recs.iter().all(|r| r.2.is_none_or(|n| n == 5)),
            "on node-6: {recs:?}"
        );
        let ready = recs.iter().find(|r| r.3 == TaskState::Ready).map(|r| r.0);
        assert_eq!(ready, Some(64 * S), "trial {trial}: {recs:?}");
        assert_eq!(r.restarts, 0, "trial {trial}");
    }
}

#[test]
fn a_node_back_before_it_is_declared_down_has_its_task_restarted_in_place() {
    // Back at 6 s, within the 15 s grace: the orchestrator never dropped the node, the
    // agent reports the task's container dead, and the task is restarted on its node
    // once the restart delay (5 s) is over, as any failed task of a global service is:
    // created at 6 s, started at 11 s.
    let s = yaml(&lost_node_6(Some("5s")));
    for trial in 0..8 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(r.outcome, Outcome::Completed, "trial {trial}");
        assert_eq!(
            node_records(&trace),
            [(S, 5, "lost"), (6 * S, 5, "ready")],
            "trial {trial}"
        );
        let h = history(&trace);
        let slot_4: Vec<_> = h.values().filter(|(slot, _)| *slot == 4).collect();
        let failed = slot_4
            .iter()
            .filter_map(|(_, recs)| recs.iter().find(|r| r.3 == TaskState::Failed).map(|r| r.0));
        assert_eq!(
            failed.collect::<Vec<_>>(),
            [6 * S],
            "trial {trial}: {slot_4:?}"
        );
        let after: Vec<_> = slot_4
            .iter()
            .filter(|(_, recs)| recs[0].0 == 6 * S)
            .collect();
        assert_eq!(after.len(), 1, "trial {trial}: {slot_4:?}");
        let recs = &after[0].1;
        assert!(
            recs.iter().all(|r| r.2.is_none_or(|n| n == 5)),
            "on node-6: {recs:?}"
        );
        let started = recs
            .iter()
            .find(|r| r.3 == TaskState::Starting)
            .map(|r| r.0);
        assert_eq!(started, Some(11 * S), "trial {trial}: {recs:?}");
        assert!(recs.iter().any(|r| r.3 == TaskState::Ready));
    }
}

#[test]
fn random_node_losses_of_a_global_service_are_the_same_for_the_same_seed() {
    let s = yaml(&global(
        "{parallelism: 2, delay: 5s, monitor: 5s, max_failure_ratio: 1}",
        "500m",
        "{node_mtbf: 2m, node_recovery: 30s}",
    ));
    let mut ws = Workspace::new(&s);
    let (mut downs, mut backs) = (0, 0);
    for trial in 0..16 {
        let (r, trace) = ws.run_traced(trial);
        let again = Workspace::new(&s).run_traced(trial);
        assert_eq!(format!("{r:?}"), format!("{:?}", again.0), "trial {trial}");
        let records = node_records(&trace);
        downs += records.iter().filter(|r| r.2 == "down").count();
        backs += records.iter().filter(|r| r.2 == "ready").count();
    }
    assert!(
        downs > 0 && backs > 0,
        "{downs} declared down, {backs} back"
    );
}
