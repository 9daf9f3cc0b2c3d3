//! The restart supervisor's replacements of failed tasks and the updater's waits on them
//! (swarmkit `manager/orchestrator/restart/restart.go` `Supervisor.Restart` and
//! `DelayStart`, `manager/orchestrator/update/updater.go` `Updater.updateTask` and
//! `useExistingTask`): dead slots replaced by an update, `max_attempts` per spec version,
//! delayed starts, held and kept tasks, a failing pull, and nodes with recent failures.
use super::*;
use crate::scenario::Scenario;

#[test]
fn an_update_replaces_tasks_of_dead_slots_that_will_not_restart() {
    // restart_policy none: both `next` tasks crash on start and stay down (swarmkit
    // `Supervisor.Restart` declines). `docker service update --image current` at 20 s:
    // `UpdatableTasksInSlot` (manager/orchestrator/restart/restart.go) passes the updater
    // a slot whose newest task has stopped and should not be restarted, and that task is
    // dirty against the new spec, so the updater gives the slot a new task (`worker`,
    // `updateTask`; no old task to wait for): 20→22, 22→24, then the 5 s window.
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[1].crash_probability = 1.0;
    s.service.restart.condition = crate::scenario::RestartCondition::None;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.actions = vec![crate::scenario::Action {
        at: 20 * S,
        kind: ActionKind::Update(CURRENT),
    }];
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 29 * S));
    // current: the fleet's 2 (stopped by the first update) and the 2 new ones.
    assert_eq!(created_and_stopped(&trace), [(2, 2), (2, 0)]);
    assert_eq!(r.restarts, 0);
}

#[test]
fn max_attempts_counts_the_restarts_of_one_spec_version() {
    // One slot, `max_attempts: 1`; `next` and `third` crash on start (2 s). The update to
    // `next` restarts its task once (crash at 2 s, replacement held 5 s, crash at 9 s),
    // then gives up. `docker service update --image third` at 30 s: a new spec version,
    // and swarmkit's restart history of a slot is cleared when the replacement's
    // `SpecVersion` differs from the one it counted (`RecordRestartHistory`), and
    // `shouldRestart` allows a restart of a task of another spec version than the counted
    // one (manager/orchestrator/restart/restart.go). So `third` gets its own restart.
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions.push(testkit::version("third", 2 * S));
    s.service.versions[1].crash_probability = 1.0;
    s.service.versions[2].crash_probability = 1.0;
    s.service.restart.max_attempts = 1;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.actions = vec![crate::scenario::Action {
        at: 30 * S,
        kind: ActionKind::Update(2),
    }];
    let r = run(&s);
    // The second run: 30 s, the crash at 32 s, then the 5 s window.
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 37 * S));
    assert_eq!(r.restarts, 2, "one restart of next, one of third");
}

#[test]
fn a_task_rejected_before_its_delayed_start_is_restarted_when_the_delay_ends() {
    // Every pull of `next` fails after 2 s (the task is rejected before it starts). The
    // old task takes 10 s to stop. swarmkit `Supervisor.Restart`
    // (manager/orchestrator/restart/restart.go): a task whose delayed start (`DelayStart`)
    // is still pending is restarted only once that delay is over (`waitRestart`). So the
    // update's task, held for the old one to stop, is replaced at 10 s; each replacement,
    // rejected 2 s into its own 5 s restart delay, is replaced when that delay ends. (A
    // 60 s `delay` keeps the update going past the horizon.)
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 60 * S, Order::StopFirst));
    s.service.versions[0].shutdown = Dist::Constant(10 * S);
    s.service.versions[1].pull = Dist::Constant(2 * S);
    s.faults.pull_failure_probability = vec![0.0, 1.0];
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.horizon = 32 * S;
    let (_, trace) = Workspace::new(&s).run_traced(0);
    let secs: Vec<Time> = created_at(&trace, 1).iter().map(|t| t / S).collect();
    assert_eq!(secs, [0, 10, 15, 20, 25, 30]);
}

#[test]
fn a_worker_whose_held_task_is_rejected_waits_for_the_old_task() {
    // The update's task is rejected (pull failure) at 2 s while held for the old task,
    // which stops at 10 s. swarmkit `updateTask` waits for the delayed start to finish
    // before it reads the task's state, so the worker is done with the slot at 10 s:
    // `update completed` after the 5 s window, at 15 s.
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[0].shutdown = Dist::Constant(10 * S);
    s.service.versions[1].pull = Dist::Constant(2 * S);
    s.faults.pull_failure_probability = vec![0.0, 1.0];
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    let r = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 15 * S));
}

#[test]
fn a_start_first_slot_whose_new_task_failed_ends_with_two_tasks() {
    // One slot, start-first, failure_action continue, monitor 20 s; its first `next` task
    // fails its 2 s start. `updateTask` (swarmkit manager/orchestrator/update/updater.go)
    // returns once the task's state is past RUNNING without removing the old task (it does
    // so only for a task seen exactly RUNNING), so the worker is done at 2 s. The restart
    // supervisor's replacement (restart/restart.go `Restart`, 5 s delay) starts at 7 s,
    // RUNNING at 9 s, beside the old task, which nothing stops: the update completes after
    // the 20 s window, at 22 s, with both running, and the trial's peak counts both.
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StartFirst));
    s.seed = SEED_FIRST_CRASHES_ONLY;
    s.service.versions[1].crash_probability = 0.5;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    swarm_cfg(&mut s).update.monitor = 20 * S;
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 22 * S));
    // No task of either version is told to stop.
    assert_eq!(created_and_stopped(&trace), [(0, 0), (2, 0)]);
    assert_eq!((r.restarts, r.peak_running_tasks), (1, 2));
}

#[test]
fn a_node_with_five_recent_failures_goes_last() {
    // One slot on two equal nodes; `next` crashes on start (2 s), the restart delay is
    // 5 s, failures do not stop the update. Each replacement is created at the crash and
    // placed then; both nodes hold no task of the service, so the spread order picks node
    // 0 every time, until it has 5 failures of this `SpecVersion` within 5 minutes: then
    // swarmkit's `nodeLess` (manager/scheduler/scheduler.go, `maxFailures`,
    // `countRecentFailures`) puts it last and the replacement goes to node 1. Once node 1
    // has 5 as well, the counts tie and the spread order decides again (node 0, at 65 s);
    // from then on the node with fewer failures goes first, ties to node 0. (A 100 s
    // `delay` keeps the update going past the horizon.)
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 100 * S, Order::StopFirst));
    let node = s.cluster.nodes[0].clone();
    s.cluster.nodes.push(crate::scenario::NodeSpec {
        name: "node-2".into(),
        ..node
    });
    s.service.versions[1].crash_probability = 1.0;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.horizon = 80 * S;
    let (_, trace) = Workspace::new(&s).run_traced(0);
    // Each `next` task's creation time and node, from its first record with a node.
    let mut placed: Vec<(TaskId, Time, u32)> = Vec::new();
    for e in &trace {
        if let TraceRecord::Task {
            t,
            task,
            version: 1,
            node: Some(node),
            ..
        } = *e
            && placed.last().is_none_or(|p| p.0 < task)
        {
            placed.push((task, t, node));
        }
    }
    let placed: Vec<(Time, u32)> = placed.iter().map(|&(_, t, n)| (t / S, n)).collect();
    assert_eq!(
        placed,
        [
            (0, 0),
            (2, 0),
            (9, 0),
            (16, 0),
            (23, 0),
            (30, 1),
            (37, 1),
            (44, 1),
            (51, 1),
            (58, 1),
            (65, 0),
            (72, 1),
            (79, 0)
        ]
    );
}

/// The instants (seconds) at which tasks of `version`, in `slot` if given, entered
/// `state`, in trace order.
fn entered(trace: &[TraceRecord], slot: Option<u32>, version: u8, state: TaskState) -> Vec<Time> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                t,
                slot: s,
                version: v,
                state: st,
                ..
            } if slot.is_none_or(|slot| s == slot) && v == version && st == state => Some(t / S),
            _ => None,
        })
        .collect()
}

/// Creation instants (seconds) of the tasks of `slot` of `version`, from the trace.
fn created_in_slot(trace: &[TraceRecord], slot: u32, version: u8) -> Vec<Time> {
    entered(trace, Some(slot), version, TaskState::Pending)
}

#[test]
fn a_kept_task_that_failed_in_its_restart_delay_is_restarted_when_its_new_delayed_start_ends() {
    // One slot, start-first; every pull of `next` fails after 2 s, the old task takes 10 s
    // to stop. The update's task is rejected at 2 s; the old one keeps running, and the
    // restart supervisor's replacement R (restart delay until 7 s) is rejected at 4 s, so
    // its restart waits for that delay (swarmkit v2.1.2
    // manager/orchestrator/restart/restart.go `Restart` → `waitRestart`). `docker service
    // scale =2` at 5 s starts a run that reads the slot as [old, R], R desired READY, and
    // keeps R (manager/orchestrator/update/updater.go `useExistingTask`): the old task is
    // shut down and `DelayStart(ctx, nil, old, R.ID, 0, true)` cancels R's restart delay
    // and waits for the old task. The cancelled delay wakes `waitRestart`, whose store
    // update waits for the updater's batch (it holds the store's update lock while
    // `DelayStart` swaps the delays), so its `Restart` finds R's new delay and waits for
    // that one: R is restarted when the old task has stopped, at 15 s, not at 7 s; its
    // replacement is rejected at 17 s, 2 s into its 5 s delay, and replaced at 20 s. The
    // worker is done at 15 s (it waits for the delayed start only), then the 5 s window:
    // completed at 20 s, which ends the trial.
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StartFirst));
    s.service.versions[0].shutdown = Dist::Constant(10 * S);
    s.service.versions[1].pull = Dist::Constant(2 * S);
    s.faults.pull_failure_probability = vec![0.0, 1.0];
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.actions = scaled_at(5 * S, 2);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 20 * S));
    // Slot 0's `next` tasks: the update's, R, R's replacement and its own. (Restarted by
    // its cancelled delay, R's replacement came at 7 s.)
    assert_eq!(created_in_slot(&trace, 0, 1), [0, 2, 15, 20]);
}

#[test]
fn a_stop_first_old_task_that_ended_since_the_run_read_it_releases_the_new_one_at_once() {
    // Pinned, not a departure. Two slots; every pull of `next` fails after 2 s. The update
    // (stop-first, both slots at once) leaves each slot with a replacement of `next`
    // created at 7 s, pulling (desired READY until its restart delay ends at 12 s), when
    // `docker service rollback` at 8 s starts a run (stop-first, one slot at a time) that
    // reads both. Its worker takes the first slot at 8 s (the new `current` task starts at
    // once: the replacement, never started, stops at once) and the second at 10 s. That
    // slot's replacement was read alive but was rejected at 9 s; its restart waits for its
    // delay, so its desired state is still READY and swarmkit v2.1.2 `removeOldTasks`
    // (manager/orchestrator/update/updater.go) shuts it down and returns it as the run
    // read it, state at most RUNNING: `DelayStart` (restart/restart.go) watches it for a
    // state past RUNNING. The watch is set up inside the updater's store batch, whose
    // events are published when it commits (manager/state/store/memory.go `Batch`), and
    // the batch's own update of that task carries its state, REJECTED: the watch fires at
    // once and the new task starts at 10 s, not after the 1-minute `defaultOldTaskTimeout`.
    // (A task whose desired state the restart supervisor set past RUNNING instead fails
    // `removeOldTasks` and is never waited for.) RUNNING at 12 s, the rollback's 5 s
    // window: completed at 17 s.
    let mut s = testkit::swarm(2, 2 * S, cfg(0, 0, Order::StopFirst));
    s.service.versions[1].pull = Dist::Constant(2 * S);
    s.faults.pull_failure_probability = vec![0.0, 1.0];
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    swarm_cfg(&mut s).rollback = cfg(1, 0, Order::StopFirst);
    s.actions = vec![crate::scenario::Action {
        at: 8 * S,
        kind: ActionKind::Undo,
    }];
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 17 * S));
    let mut started = entered(&trace, None, 0, TaskState::Starting);
    started.sort();
    assert_eq!(started, [8, 10]);
    for slot in 0..2 {
        assert_eq!(created_in_slot(&trace, slot, 1), [0, 2, 7]);
    }
}

#[test]
fn a_task_placed_as_a_failing_pull_lands_waits_for_its_outcome_and_never_starts_without_it() {
    // One node, one slot, start-first; every pull of `next` fails, after 2 s. The update's
    // task A pulls from 0 s to 2 s. `docker service scale =2` at 2 s, applied before A's
    // pull is over, places slot 1's task B on the same node at that very instant: the
    // image is due then but not there (the pull fails), so B waits for the pull and fails
    // with it, rejected at 2 s. Every task of `next` is rejected; none ever starts (it
    // used to find the image present and start at 2 s).
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StartFirst));
    s.service.versions[1].pull = Dist::Constant(2 * S);
    s.faults.pull_failure_probability = vec![0.0, 1.0];
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.actions = scaled_at(2 * S, 2);
    s.horizon = 30 * S;
    let (r, trace) = Workspace::new(&s).run_traced(0);
    // The updater still reports the update completed: `continue` ignores failures.
    assert_eq!(r.outcome, Outcome::Completed);
    let states = |slot: u32, state: TaskState| entered(&trace, Some(slot), 1, state);
    assert_eq!(
        created_in_slot(&trace, 1, 1).first(),
        Some(&2),
        "B placed at 2 s"
    );
    assert_eq!(
        states(1, TaskState::Pulling).first(),
        Some(&2),
        "B waits for the pull"
    );
    assert_eq!(
        states(1, TaskState::Failed).first(),
        Some(&2),
        "and fails with it"
    );
    for slot in 0..2 {
        assert!(states(slot, TaskState::Starting).is_empty(), "slot {slot}");
    }
}

/// The scenario of [`a_held_task_kept_again_waits_only_for_its_new_delayed_start`], a
/// `next` task taking `next_shutdown` to stop.
fn held_then_kept(next_shutdown: Time) -> Scenario {
    let mut s = testkit::swarm(3, 2 * S, cfg(1, 10 * S, Order::StopFirst));
    s.seed = 12;
    s.service.versions.push(testkit::version("third", 2 * S));
    s.service.versions[0].crash_probability = 1.0;
    s.service.versions[1].shutdown = Dist::Constant(next_shutdown);
    s.service.versions[2].shutdown = Dist::Constant(30 * S);
    s.service.stop_grace_period = Some(200 * S);
    s.service.restart.delay = 60 * S;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    let mut rollback = cfg(0, 0, Order::StartFirst);
    rollback.failure_action = FailureAction::Continue;
    swarm_cfg(&mut s).rollback = rollback;
    let at = |t: Time, kind: ActionKind| crate::scenario::Action { at: t * S, kind };
    s.actions = vec![
        at(20, ActionKind::Undo),
        at(21, ActionKind::Update(2)),
        at(75, ActionKind::Scale(4)),
    ];
    s
}

/// Slot 1's tasks in creation order: version and the instants (seconds) of the states
/// that tell the story.
fn slot_one_story(trace: &[TraceRecord]) -> Vec<(u8, Changes)> {
    use TaskState::{Failed, Pending, Starting, Stopped, Terminating};
    let states = [Pending, Starting, Terminating, Stopped, Failed];
    let mut tasks: Vec<(TaskId, u8, Changes)> = Vec::new();
    for e in trace {
        if let TraceRecord::Task {
            t,
            task,
            slot: 1,
            version,
            state,
            ..
        } = *e
        {
            let i = match tasks.iter().position(|x| x.0 == task) {
                Some(i) => i,
                None => {
                    tasks.push((task, version, Vec::new()));
                    tasks.len() - 1
                }
            };
            if states.contains(&state) {
                tasks[i].2.push((state, t / S));
            }
        }
    }
    tasks.into_iter().map(|(_, v, c)| (v, c)).collect()
}

#[test]
fn a_task_whose_wait_ended_after_the_read_waits_for_its_new_delayed_start_alone() {
    // The scenario above, but a `next` task stops in 50 s: O1, shut down at 33 s, stops at
    // 83 s, which ends H's first wait (H starts then); upstream its 1-minute timeout, due
    // at 93 s, ends with it (a finished `DelayStart` leaves nothing behind). The scale's
    // run read H desired READY at 75 s, so
    // at 87 s `useExistingTask` keeps it, shuts R down (it stops at 117 s) and gives H a
    // new `DelayStart` on R, which the worker waits for: it is done at 117 s, sleeps 10 s,
    // then the 11 s final window: completed at 138 s. (With the first wait's timeout left
    // in place, it ended the new wait at 93 s: completed at 114 s.)
    let s = held_then_kept(50 * S);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 138 * S));
    let story = slot_one_story(&trace);
    use TaskState::{Pending, Starting, Stopped, Terminating};
    assert_eq!(story[1].1.last(), Some(&(Stopped, 83)), "O1 {story:?}");
    assert_eq!(
        story[3].1,
        [
            (Pending, 22),
            (Starting, 82),
            (Terminating, 87),
            (Stopped, 117)
        ],
        "R"
    );
    assert_eq!(story[4].1, [(Pending, 33), (Starting, 83)], "H");
}

#[test]
fn a_held_task_kept_again_waits_only_for_its_new_delayed_start() {
    // Three slots on one node; `update_config` stop-first, one slot at a time, 10 s delay;
    // `rollback_config` start-first, every slot at once; failures do not stop either. New
    // `current` tasks crash on start (the fleet's run on); a `next` task takes 70 s to
    // stop, a `third` one 30 s; the restart delay is 60 s. With this seed the update runs
    // take slot 0 (Y), then slot 1 (X), then slot 2; the scale's run takes slot 2 before X.
    //
    // * 0–14 s: the update to `next` replaces Y (0 s) and X (12 s), then sleeps.
    // * 20 s: `docker service rollback` (slot 2 still runs `current`): its start-first
    //   workers create a `current` task in Y and in X (C), which would crash on start at
    //   22 s.
    // * 21 s: `docker service update --image third`: a stop-first run reads X as
    //   [`next` task O1, C], and takes Y first (its task runs at 23 s, the worker sleeps
    //   until 33 s).
    // * 22 s: C crashes; the restart supervisor replaces it with a `third` task R, held
    //   by its restart delay (desired READY) until 82 s (swarmkit v2.1.2
    //   manager/orchestrator/restart/restart.go `Restart`). The run never read R.
    // * 33 s: the worker takes X as the run read it (manager/orchestrator/update/
    //   updater.go `worker()` → `updateTask`): `removeOldTasks` shuts O1 down (it stops
    //   at 103 s; C is already down), and the new task H is created desired READY with
    //   `DelayStart(ctx, nil, O1, H.ID, 0, true)`: it waits for O1, at most the 1-minute
    //   `defaultOldTaskTimeout`, until 93 s.
    // * 75 s: `docker service scale =4` starts a run that reads X as [R, H], both of the
    //   spec and desired READY, so `worker()` will keep the last, H. It takes slot 2
    //   first (its task runs at 77 s, the worker sleeps until 87 s); R starts at 82 s.
    // * 87 s: `useExistingTask` keeps H (read desired READY, still held), shuts R down
    //   (it stops at 117 s) and calls `DelayStart(ctx, nil, R, H.ID, 0, true)`. restart.go
    //   `DelayStart` cancels the delay pending for H.ID (`r.delays[taskID]`): the first
    //   wait's timeout at 93 s and O1's end at 103 s no longer start H; only R's end does,
    //   at 117 s. H starts then, once; the worker (waiting for that start only) is done,
    //   sleeps 10 s, then the 11 s final window (delay >= monitor): completed at 138 s.
    // (With the first wait left in place, H started at 93 s and the run completed at
    // 114 s.)
    let s = held_then_kept(70 * S);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 138 * S));
    // Slot 1's (X's) tasks by creation: the fleet's, O1, C, R, H.
    use TaskState::{Failed, Pending, Starting, Stopped, Terminating};
    let tasks = slot_one_story(&trace);
    assert_eq!(
        tasks,
        [
            (0, vec![(Terminating, 12), (Stopped, 12)]),
            (
                1,
                vec![
                    (Pending, 12),
                    (Starting, 12),
                    (Terminating, 33),
                    (Stopped, 103)
                ]
            ),
            (0, vec![(Pending, 20), (Starting, 20), (Failed, 22)]),
            (
                2,
                vec![
                    (Pending, 22),
                    (Starting, 82),
                    (Terminating, 87),
                    (Stopped, 117)
                ]
            ),
            (2, vec![(Pending, 33), (Starting, 117)]),
        ]
    );
}
