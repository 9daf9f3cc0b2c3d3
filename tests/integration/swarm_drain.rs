//! Swarm node drains (`docker node update --availability drain`) against swarmkit v2.1.2:
//! the replicated orchestrator restarts every task of the service on the drained node
//! (`manager/orchestrator/replicated/tasks.go` `handleNodeChange`, `restartTasksByNodeID`),
//! the restart supervisor shuts each down and starts its replacement, of the spec in force,
//! once it exited or after the 1-minute `defaultOldTaskTimeout`, with no restart delay on a
//! drained node (`restart/restart.go` `Restart`, `DelayStart`); the updater, working from
//! its own read of the slots, does not know (`update/updater.go` `worker`,
//! `removeOldTasks`, `failureTriggersAction`).

use crate::node_loss::node_records;
use crate::support::{field, run_trials};
use crate::yaml;
use rollout_sim::cluster::node_drain::DrainResult;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::result::Outcome;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;
use std::collections::BTreeMap;

const S: u64 = SECOND;

/// 6 replicas on 3 nodes (2 a node), node 1 drained at 20 s; tasks start in 1 s and exit
/// 2 s after the stop signal. One worker, which sleeps 2 minutes after each slot, so the
/// drain finds the update at its first slot.
fn drained(update_config: &str, versions: &str) -> String {
    format!(
        "horizon: 30m\ncluster: {{nodes: 3, image_cached: [current, next]}}\n\
         service:\n  replicas: 6\n  resources: {{cpu: 500m}}\n  stop_grace_period: 90s\n\
         \x20 versions: {versions}\n\
         strategy: {{swarm: {{update_config: {update_config}}}}}\n\
         faults: {{node_drains: [{{at: 20s, node: 1}}]}}\n"
    )
}

const QUICK: &str = "{current: {start: 1s, shutdown: 2s}, next: {start: 1s, shutdown: 2s}}";

/// Every task's records, in order: `(t, version, node, state)` by task, and its slot.
pub(crate) type History = BTreeMap<u32, (u32, Vec<(u64, u8, Option<u32>, TaskState)>)>;

pub(crate) fn history(trace: &[TraceRecord]) -> History {
    let mut h = History::new();
    for r in trace {
        if let TraceRecord::Task {
            t,
            task,
            slot,
            version,
            node,
            state,
            ..
        } = *r
        {
            h.entry(task)
                .or_insert((slot, Vec::new()))
                .1
                .push((t, version, node, state));
        }
    }
    h
}

/// The tasks on `node` at the drain (`at`) still running there: those of the fleet or the
/// update not told to stop before it.
fn running_on(h: &History, node: u32, at: u64) -> Vec<u32> {
    h.iter()
        .filter(|(_, (_, recs))| {
            let before: Vec<_> = recs.iter().filter(|r| r.0 < at).collect();
            before.last().is_some_and(|r| {
                r.2 == Some(node) && matches!(r.3, TaskState::Ready | TaskState::Running)
            })
        })
        .map(|(&id, _)| id)
        .collect()
}

/// The tasks alive at the end of the trace, by slot: `(task, version)`.
fn live_by_slot(h: &History) -> BTreeMap<u32, Vec<(u32, u8)>> {
    let mut out: BTreeMap<u32, Vec<(u32, u8)>> = BTreeMap::new();
    for (&id, (slot, recs)) in h {
        let last = recs.last().unwrap();
        if !last.3.is_terminal() {
            out.entry(*slot).or_default().push((id, last.1));
        }
    }
    out
}

#[test]
fn each_task_is_replaced_elsewhere_once_it_exited_without_a_restart_delay() {
    let s = yaml(&drained(
        "{parallelism: 1, delay: 2m, order: stop-first}",
        QUICK,
    ));
    for trial in 0..8 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(
            node_records(&trace),
            [(20 * S, 1, "cordoned"), (22 * S, 1, "drained")],
            "trial {trial}"
        );
        let h = history(&trace);
        let drained = running_on(&h, 1, 20 * S);
        assert!(!drained.is_empty(), "trial {trial}: node 1 had tasks");
        for &old in &drained {
            let (slot, recs) = &h[&old];
            let tail: Vec<_> = recs.iter().filter(|r| r.0 >= 20 * S).collect();
            assert_eq!(
                tail.iter().map(|r| (r.0, r.3)).collect::<Vec<_>>(),
                [
                    (20 * S, TaskState::Terminating),
                    (22 * S, TaskState::Stopped)
                ],
                "trial {trial}: task {old} is told to stop at the drain"
            );
            // Its replacement: created in its slot at the drain, with the spec in force
            // (the update's `next`), on another node, held until the old task exited (no
            // restart delay: the default 5 s does not apply on a drained node).
            let (&new, (_, new_recs)) = h
                .iter()
                .find(|(_, (s, rs))| s == slot && rs[0].0 == 20 * S)
                .unwrap_or_else(|| panic!("trial {trial}: no replacement for task {old}"));
            assert!(new > old);
            assert!(new_recs.iter().all(|r| r.1 == 1 && r.2 != Some(1)));
            let starting = new_recs
                .iter()
                .find(|r| r.3 == TaskState::Starting)
                .map(|r| r.0);
            assert_eq!(starting, Some(22 * S), "trial {trial}: task {new}");
            let ready = new_recs
                .iter()
                .find(|r| r.3 == TaskState::Ready)
                .map(|r| r.0);
            assert_eq!(ready, Some(23 * S), "trial {trial}: task {new}");
        }
        // The updater reached the drained slots later and found their old tasks shut
        // down (`removeOldTasks` fails, the stop-first batch is aborted): each slot ends
        // with one task, of `next`.
        assert_eq!(r.outcome, Outcome::Completed);
        let live = live_by_slot(&h);
        assert_eq!(live.len(), 6);
        assert!(
            live.values().all(|ts| ts.len() == 1 && ts[0].1 == 1),
            "trial {trial}: {live:?}"
        );
        assert_eq!(r.restarts, 0, "a drain's move is not a restart");
        assert_eq!(
            r.drains,
            Some(DrainResult {
                longest: 2 * S,
                unfinished: 0
            })
        );
    }
}

#[test]
fn start_first_adds_its_own_task_beside_the_drains_replacement() {
    // The updater's worker reads the slot as the run read it at the start: start-first
    // creates and starts its new task, then `removeOldTasks` fails (the drain shut the
    // old task down) and upstream only logs it, so the slot keeps two tasks of `next`.
    let s = yaml(&drained(
        "{parallelism: 1, delay: 2m, order: start-first}",
        QUICK,
    ));
    let mut doubled = 0;
    for trial in 0..8 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(r.outcome, Outcome::Completed);
        let h = history(&trace);
        // The fleet's tasks drained before the updater reached their slot.
        let drained: Vec<u32> = running_on(&h, 1, 20 * S)
            .into_iter()
            .filter(|t| h[t].1[0].1 == 0)
            .collect();
        let live = live_by_slot(&h);
        for &old in &drained {
            let slot = h[&old].0;
            assert_eq!(live[&slot].len(), 2, "trial {trial}: slot {slot}");
            assert!(live[&slot].iter().all(|&(_, v)| v == 1));
            doubled += 1;
        }
        let single = live.values().filter(|ts| ts.len() == 1).count();
        assert_eq!(single + drained.len(), 6, "trial {trial}: {live:?}");
    }
    assert!(doubled > 0);
}

#[test]
fn a_replacement_waits_at_most_a_minute_for_its_old_task() {
    // The old tasks take 5 minutes to exit, killed at the 90 s grace period: their
    // replacements start at the 1-minute `defaultOldTaskTimeout`, and the node is empty
    // once the old tasks are killed.
    let s = yaml(&drained(
        "{parallelism: 1, delay: 2m, order: stop-first}",
        "{current: {start: 1s, shutdown: 5m}, next: {start: 1s, shutdown: 2s}}",
    ));
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(
        node_records(&trace),
        [(20 * S, 1, "cordoned"), (110 * S, 1, "drained")]
    );
    let h = history(&trace);
    let replacements: Vec<_> = h
        .values()
        .filter(|(_, recs)| recs[0].0 == 20 * S && recs[0].3 == TaskState::Pending)
        .collect();
    assert!(!replacements.is_empty());
    for (_, recs) in replacements {
        let starting = recs.iter().find(|r| r.3 == TaskState::Starting);
        assert_eq!(starting.map(|r| r.0), Some(80 * S));
    }
    assert_eq!(r.drains.map(|d| d.longest), Some(90 * S));
}

#[test]
fn draining_a_task_the_update_just_started_pauses_the_update() {
    // Three replicas, one a node, all updated at once start-first: each node gets a new
    // task, running 1 s in. Node 1 is drained at 3 s: its new task is shut down and ends
    // (state past RUNNING) 4 s after it was seen running, within `monitor` (5 s by
    // default), so the updater counts it a failure (`failureTriggersAction`), 1 of 3
    // slots > `max_failure_ratio` 0: paused. With `monitor: 3s` the same exit is too late
    // to count.
    let base = "horizon: 10m\ncluster: {nodes: 3, image_cached: [current, next]}\n\
                service:\n  replicas: 3\n  resources: {cpu: 500m}\n\
                \x20 versions: {current: {start: 1s, shutdown: 2s}, next: {start: 1s, shutdown: 2s}}\n\
                faults: {node_drains: [{at: 3s, node: 1}]}\n";
    let strategy = |monitor: &str| {
        format!(
            "{base}strategy: {{swarm: {{update_config: {{parallelism: 0, order: start-first{monitor}}}}}}}\n"
        )
    };
    let r = Workspace::new(&yaml(&strategy(""))).run(0);
    assert_eq!(r.outcome, Outcome::Paused);
    assert_eq!(r.duration, 5 * S);
    assert_eq!(r.update_failures, 1);
    let r = Workspace::new(&yaml(&strategy(", monitor: 3s"))).run(0);
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(r.update_failures, 0);
}

#[test]
fn restart_condition_none_leaves_the_slot_empty() {
    // `shouldRestart` is false under `condition: none`: the drained tasks are shut down
    // and not replaced. The updater, reaching such a slot later, finds the task it read
    // shut down and aborts (`removeOldTasks` fails): the slot stays empty through the
    // update. (Upstream the orchestrator's reconcile after `update completed` refills it,
    // which the simulator does not model.)
    let text = drained("{parallelism: 1, delay: 2m, order: stop-first}", QUICK).replace(
        "  stop_grace_period",
        "  restart: {condition: none}\n  stop_grace_period",
    );
    let (r, trace) = Workspace::new(&yaml(&text)).run_traced(0);
    let h = history(&trace);
    assert!(
        h.values().all(|(_, recs)| recs[0].0 != 20 * S),
        "no task created at the drain"
    );
    assert_eq!(r.outcome, Outcome::Completed);
    let emptied: Vec<u32> = running_on(&h, 1, 20 * S).iter().map(|t| h[t].0).collect();
    assert!(!emptied.is_empty());
    let live = live_by_slot(&h);
    assert_eq!(live.len() + emptied.len(), 6);
    assert!(emptied.iter().all(|slot| !live.contains_key(slot)));
    assert!(live.values().all(|ts| ts.len() == 1 && ts[0].1 == 1));
}

#[test]
fn the_example_moves_the_drained_tasks() {
    let t = run_trials("swarm-drain.yaml", &["--trials", "200"], false);
    let mut paused = 0;
    for row in &t.rows {
        assert_eq!(field(row, "drains_unfinished"), "0");
        let drain: f64 = field(row, "drain_s").parse().unwrap();
        assert!(drain <= 10.0, "the 10 s grace period at most: {drain}");
        match field(row, "outcome") {
            "completed" => {}
            "paused" => paused += 1,
            o => panic!("outcome {o}"),
        }
    }
    assert!(paused > 0 && paused < 200, "{paused} paused");
}

#[test]
fn a_held_task_is_restarted_once_its_wait_for_the_old_task_is_over() {
    // Stop-first: the update's first new task waits (held, desired READY) for its old
    // task, which takes 30 s to exit. Its node is drained at 10 s: `Restart` finds its
    // `DelayStart` pending and leaves it to `waitRestart`. At 30 s the old task has
    // exited: `DelayStart` sets the held task's desired state to RUNNING (`StartNow`), and
    // `waitRestart` then restarts it (`Restart`, a separate store update): the task is
    // told to stop as its container starts, and its replacement, on another node, starts
    // once it has exited (2 s). The update counts the task, ended before it was seen
    // running, as a failure: paused.
    let base = |faults: &str| {
        yaml(&format!(
            "horizon: 10m\ncluster: {{nodes: 3, image_cached: [current, next]}}\n\
             service:\n  replicas: 6\n  resources: {{cpu: 500m}}\n  stop_grace_period: 90s\n\
             \x20 versions: {{current: {{start: 1s, shutdown: 30s}}, next: {{start: 1s, shutdown: 2s}}}}\n\
             strategy: {{swarm: {{update_config: {{parallelism: 1, order: stop-first}}}}}}\n{faults}"
        ))
    };
    let (_, trace) = Workspace::new(&base("")).run_traced(0);
    let h = history(&trace);
    let (&held, (slot, recs)) = h.iter().find(|(_, (_, r))| r[0].1 == 1).unwrap();
    let node = recs.iter().find_map(|r| r.2).unwrap();
    let (r, trace) = Workspace::new(&base(&format!(
        "faults: {{node_drains: [{{at: 10s, node: {node}}}]}}\n"
    )))
    .run_traced(0);
    let h = history(&trace);
    let states =
        |id: u32| -> Vec<(u64, TaskState)> { h[&id].1.iter().map(|r| (r.0, r.3)).collect() };
    assert_eq!(
        states(held),
        [
            (0, TaskState::Pending),
            (0, TaskState::Prepared),
            (30 * S, TaskState::Starting),
            (30 * S, TaskState::Terminating),
            (32 * S, TaskState::Stopped)
        ]
    );
    let (&replacement, (_, rrecs)) = h
        .iter()
        .find(|(_, (s, r))| s == slot && r[0].0 == 30 * S)
        .expect("a replacement at 30 s");
    assert!(rrecs.iter().all(|r| r.1 == 1 && r.2 != Some(node)));
    assert_eq!(
        states(replacement)
            .iter()
            .find(|s| s.1 == TaskState::Starting)
            .map(|s| s.0),
        Some(32 * S)
    );
    assert_eq!(r.outcome, Outcome::Paused);
    assert_eq!(r.duration, 32 * S);
}
