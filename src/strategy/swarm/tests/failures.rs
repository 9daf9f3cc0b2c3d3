//! Failures as the updater watches them (`monitor`, `max_failure_ratio`, the failure
//! actions and rollbacks; swarmkit `manager/orchestrator/update/updater.go`), with the
//! helpers of the parent module. The restart supervisor's replacements are in
//! `restarts.rs`.
use super::*;

#[test]
fn a_crash_on_start_pauses_at_the_first_failure() {
    let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[1].crash_probability = 1.0;
    let r = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 2 * S));
    assert_eq!(r.update_failures, 1);
    assert_eq!(r.min_ready, 2);
}

#[test]
fn continue_ignores_failures_and_completes() {
    let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[1].crash_probability = 1.0;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    let r = run(&s);
    assert_eq!(
        (r.outcome, r.duration),
        (Outcome::Completed, 3 * 2 * S + 5 * S)
    );
    assert_eq!(r.update_failures, 0);
    // Each crashed slot got a replacement 5 s later; replacements crash too.
    assert!(r.restarts >= 3);
}

#[test]
fn max_failure_ratio_is_strict_over_dirty_slots() {
    // 4 slots, every new task crashes; ratio 0.5 tolerates 2 failures (2/4 = 0.5 is not
    // > 0.5), and the third triggers the pause at 3 × 2 s.
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StartFirst));
    s.service.versions[1].crash_probability = 1.0;
    swarm_cfg(&mut s).update.max_failure_ratio = 0.5;
    let r = run(&s);
    assert_eq!(
        (r.outcome, r.duration, r.update_failures),
        (Outcome::Paused, 6 * S, 3)
    );
}

#[test]
fn failures_after_the_monitor_window_do_not_count() {
    // Slot A runs at 2 s, slot B at 4 s, final window 4..9 s. The new version dies 6 s
    // after its process starts: A at 8 s is 6 s after RUNNING > monitor 5 s, not
    // counted; B would die at 10 s, after `update completed` at 9 s.
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StartFirst));
    s.service.versions[1].crash_after = Dist::Constant(6 * S);
    let r = run(&s);
    assert_eq!(
        (r.outcome, r.duration, r.update_failures),
        (Outcome::Completed, 9 * S, 0)
    );
    // With monitor 10 s, A's death counts and pauses the update at 8 s.
    swarm_cfg(&mut s).update.monitor = 10 * S;
    let r = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 8 * S));
}

#[test]
fn a_long_delay_stretches_the_final_monitor_to_delay_plus_one_second() {
    // Delay 10 s >= monitor 5 s: the final window is 11 s and its monitor check too, so
    // slot B's death 8 s after RUNNING (read when the window opens) still counts.
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 10 * S, Order::StartFirst));
    s.service.versions[1].crash_after = Dist::Constant(8 * S);
    let r = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 24 * S));
}

#[test]
fn the_final_window_watches_the_last_slot() {
    // One slot; the new task dies 4 s after RUNNING, within the 5 s final window.
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[1].crash_after = Dist::Constant(4 * S);
    let r = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 6 * S));
}

#[test]
fn rollback_restores_the_previous_version_with_rollback_config() {
    // Stop-first, every new task crashes at start (2 s). The failed slot is restarted
    // with `next` (held 5 s), then the rollback run replaces it with `current`: 2 s to
    // start, then the rollback's 5 s final window: rolled back at 2 + 2 + 5 = 9 s.
    let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[1].crash_probability = 1.0;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Rollback;
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 9 * S));
    let states = testkit::updates(&trace);
    assert_eq!(
        states,
        ["updating", "rollback_started", "rollback_completed"]
    );
}

#[test]
fn a_rollback_is_never_rolled_back() {
    // Both versions crash on start; the rollback run's failure pauses it.
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[1].crash_probability = 1.0;
    s.service.versions[0].crash_probability = 1.0;
    let c = swarm_cfg(&mut s);
    c.update.failure_action = FailureAction::Rollback;
    c.rollback.failure_action = FailureAction::Rollback;
    let r = run(&s);
    assert_eq!(r.outcome, Outcome::Paused);
}

#[test]
fn manual_rollback_action_swaps_specs() {
    // `docker service rollback` at 3 s: slot 1 done (2 s), slot 2 in flight.
    let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
    s.actions = vec![crate::scenario::Action {
        at: 3 * S,
        kind: ActionKind::Undo,
    }];
    // The rollback run (stop-first, parallelism 1) redoes the two touched slots from
    // 3 s: 3→5, 5→7, then its 5 s final window.
    let r = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 12 * S));
}

#[test]
fn an_early_crash_is_seen_after_the_next_slot_was_taken() {
    let phases = |failure_report| {
        constant(&[
            (Cp::StopSignal, S),
            (Cp::StartAfterStop, 500 * MS),
            (Cp::NextSlot, 100 * MS),
            (Cp::FailureReport, failure_report),
        ])
    };
    let mut s = testkit::swarm(3, 0, cfg(1, 0, Order::StopFirst));
    s.service.versions[1].crash_probability = 1.0;
    let slots = |trace: &[TraceRecord]| {
        let mut v: Vec<u32> = trace
            .iter()
            .filter_map(|e| match *e {
                TraceRecord::Task {
                    slot, version: 1, ..
                } => Some(slot),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    // RUNNING and failed at 1.5 s; the worker takes the next slot at 1.6 s; the failure
    // is seen at 1.7 s: two slots touched.
    s.cluster.control_plane = phases(200 * MS);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 1700 * MS));
    assert_eq!(slots(&trace), 2);
    // Seen at 1.55 s, before the hand-off: one slot.
    s.cluster.control_plane = phases(50 * MS);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 1550 * MS));
    assert_eq!(slots(&trace), 1);
}

#[test]
fn a_rollback_inside_the_failure_report_lag_replaces_the_task_the_manager_reads_running() {
    // One slot; the `next` task crashes on start at 2 s and the failure reaches the manager
    // 3 s later (`failure_report`), at 5 s. `docker service rollback` at 3 s: the manager
    // still reads the task RUNNING with desired state RUNNING, so the slot is neither dead
    // (swarmkit manager/orchestrator/restart/restart.go `UpdatableTasksInSlot`) nor clean:
    // the rollback's worker creates a `current` task and shuts the crashed one down
    // (update/updater.go `updateTask` → `removeOldTasks`), and `DelayStart` waits for it to
    // be seen past RUNNING: the report at 5 s. The task starts then (5 → 7 s), the 5 s
    // window follows: `rollback completed` at 12 s. The crashed task, shut down before its
    // failure arrived, is not restarted (replicated/tasks.go restarts only tasks with
    // desired state at most RUNNING).
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
    s.cluster.control_plane = constant(&[(Cp::FailureReport, 3 * S)]);
    s.service.versions[1].crash_probability = 1.0;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.actions = vec![crate::scenario::Action {
        at: 3 * S,
        kind: ActionKind::Undo,
    }];
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 12 * S));
    let secs: Vec<Time> = created_at(&trace, 0).iter().map(|t| t / S).collect();
    assert_eq!(secs, [3], "the rollback's task only");
    assert_eq!(r.restarts, 0);
}
