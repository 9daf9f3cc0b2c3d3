//! Exact timelines with constant latencies, from the worker-pool rules of
//! swarmkit's updater (`manager/orchestrator/update/updater.go`). Completion = ceil(N/p)·(T + d) + final window, where
//! the final window is `monitor`, or `d + 1s` when `d >= monitor`.
use super::*;
use crate::cluster::TraceRecord;
use crate::result::TrialResult;
use crate::scenario::{Dist, FailureAction, HealthCheck, Order};
use crate::sim::time::SECOND;
use crate::testkit;
use crate::trial::Workspace;

const S: Time = SECOND;

fn cfg(parallelism: u32, delay: Time, order: Order) -> UpdateConfig {
    UpdateConfig {
        parallelism,
        delay,
        order,
        ..UpdateConfig::default()
    }
}

fn run(s: &crate::scenario::Scenario) -> TrialResult {
    Workspace::new(s).run(0)
}

fn closed_form(n: u64, p: u64, t: Time, d: Time, monitor: Time) -> Time {
    let rounds = n.div_ceil(p);
    let last = if d >= monitor { d + S } else { monitor };
    rounds * (t + d) + last
}

#[test]
fn worker_pool_timelines_match_the_closed_form() {
    for order in [Order::StopFirst, Order::StartFirst] {
        for (n, p, t, d) in [
            (3, 1, 2, 10),
            (3, 2, 2, 10),
            (6, 2, 3, 0),
            (5, 3, 1, 4),
            (4, 1, 7, 5),
            (10, 4, 2, 6),
        ] {
            let s = testkit::swarm(n, t * S, cfg(p, d * S, order));
            let r = run(&s);
            assert_eq!(r.outcome, Outcome::Completed);
            let want = closed_form(n as u64, p as u64, t * S, d * S, 5 * S);
            assert_eq!(r.duration, want, "{order:?} n={n} p={p} t={t} d={d}");
            match order {
                Order::StopFirst => {
                    assert_eq!(r.min_ready, n.saturating_sub(p), "min_ready");
                    assert_eq!(r.peak_tasks, n, "peak");
                }
                Order::StartFirst => {
                    assert_eq!(r.min_ready, n, "min_ready");
                    assert_eq!(r.peak_tasks, n + p.min(n), "peak");
                }
            }
        }
    }
}

#[test]
fn parallelism_zero_updates_every_slot_at_once() {
    let s = testkit::swarm(5, 2 * S, cfg(0, 0, Order::StopFirst));
    let r = run(&s);
    assert_eq!(r.duration, 2 * S + 5 * S);
    assert_eq!(r.min_ready, 0);
}

/// A parallelism above the slots to update is the same rollout as one equal to them
/// (swarmkit's workers past the dirty slots find the slot queue empty): every slot at once,
/// and nothing kept per idle worker, so the largest value runs as quickly as any.
#[test]
fn parallelism_past_the_slots_updates_every_slot_at_once() {
    for order in [Order::StopFirst, Order::StartFirst] {
        let at_once = run(&testkit::swarm(5, 2 * S, cfg(5, 3 * S, order)));
        let r = run(&testkit::swarm(5, 2 * S, cfg(u32::MAX, 3 * S, order)));
        assert_eq!(
            r.duration,
            closed_form(5, 5, 2 * S, 3 * S, 5 * S),
            "{order:?}"
        );
        assert_eq!(r, at_once, "{order:?}");
    }
}

#[test]
fn stop_first_waits_for_the_old_task_and_pulls_meanwhile() {
    // Old task takes 4 s to exit, the pull 3 s: the new one starts at 4 s.
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[0].shutdown = Dist::Constant(4 * S);
    s.service.versions[1].pull = Dist::Constant(3 * S);
    assert_eq!(run(&s).duration, 4 * S + 2 * S + 5 * S);
    // A pull longer than the stop gates instead.
    s.service.versions[1].pull = Dist::Constant(9 * S);
    assert_eq!(run(&s).duration, 9 * S + 2 * S + 5 * S);
}

#[test]
fn stop_first_gives_up_waiting_after_one_minute() {
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[0].shutdown = Dist::Constant(100 * S);
    s.service.stop_grace_period = Some(120 * S);
    let r = run(&s);
    assert_eq!(r.duration, 60 * S + 2 * S + 5 * S);
    assert_eq!(r.peak_tasks, 2, "old and new hold resources together");
}

#[test]
fn start_first_does_not_wait_for_the_old_task() {
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StartFirst));
    s.service.versions[0].shutdown = Dist::Constant(30 * S);
    let r = run(&s);
    assert_eq!(r.duration, 2 * 2 * S + 5 * S);
    // Slot 1: old (terminating) + new; slot 2: old + new starting: 4 tasks at t in (2,4).
    assert_eq!(r.peak_tasks, 4);
    assert_eq!(r.min_ready, 2);
}

#[test]
fn healthcheck_gates_running() {
    // Start 2 s, ready 0.5 s later, probe interval 1 s (no start period): healthy at +1 s.
    let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
    s.service.versions[1].ready_after = Dist::Constant(S / 2);
    s.service.healthcheck = Some(HealthCheck {
        interval: S,
        ..HealthCheck::default()
    });
    assert_eq!(run(&s).duration, 3 * 3 * S + 5 * S);
    // The default 30 s interval: each slot takes 32 s.
    s.service.healthcheck = Some(HealthCheck::default());
    assert_eq!(run(&s).duration, 3 * 32 * S + 5 * S);
}

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

use crate::testkit::swarm_cfg;

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
fn a_task_that_never_fits_blocks_the_update_until_the_horizon() {
    // Start-first on a node with room for exactly the replicas: the new task stays Pending.
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StartFirst));
    s.cluster.nodes[0].cpu_millis = 200;
    s.horizon = 600 * S;
    let r = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Timeout, 600 * S));
    // Stop-first frees the room first and completes.
    swarm_cfg(&mut s).update.order = Order::StopFirst;
    assert_eq!(run(&s).outcome, Outcome::Completed);
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

/// A control plane of constant phases.
fn constant(phases: &[(Cp, Time)]) -> crate::scenario::ControlPlane {
    let mut cp = crate::scenario::ControlPlane::ideal();
    for &(p, t) in phases {
        cp.set(p, Dist::Constant(t));
    }
    cp
}

const MS: Time = crate::sim::time::MILLISECOND;

#[test]
fn constant_control_plane_timelines_are_exact() {
    let cp = constant(&[
        (Cp::UpdateStart, 50 * MS),
        (Cp::Create, 200 * MS),
        (Cp::Start, 400 * MS),
        (Cp::StopSignal, S),
        (Cp::StartAfterStop, 500 * MS),
        (Cp::NextSlot, 100 * MS),
    ]);
    // Stop-first: the stop signal (1 s) hides the create (0.2 s); then 0.5 s to start,
    // 0.1 s to the next slot: 1.6 s a slot, after the 50 ms update start.
    let mut s = testkit::swarm(3, 0, cfg(1, 0, Order::StopFirst));
    s.cluster.control_plane = cp.clone();
    let r = run(&s);
    assert_eq!(r.duration, 50 * MS + 3 * 1600 * MS + 5 * S);
    assert_eq!((r.min_ready, r.peak_tasks), (2, 4));
    // Start-first: create + start + hand-off, 0.7 s a slot; the old tasks' stop signals
    // run in parallel.
    swarm_cfg(&mut s).update.order = Order::StartFirst;
    let r = run(&s);
    assert_eq!(r.duration, 50 * MS + 3 * 700 * MS + 5 * S);
    assert_eq!(r.min_ready, 3);
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

/// Tasks created per version, and how many of them were stopped, from the trace.
fn created_and_stopped(trace: &[TraceRecord]) -> [(u32, u32); 2] {
    let mut n = [(0, 0); 2];
    for e in trace {
        if let TraceRecord::Task { version, state, .. } = e {
            match state.as_str() {
                "pending" => n[*version as usize].0 += 1,
                "stopped" => n[*version as usize].1 += 1,
                _ => {}
            }
        }
    }
    n
}

fn scaled_at(t: Time, n: u32) -> Vec<crate::scenario::Action> {
    vec![crate::scenario::Action {
        at: t,
        kind: ActionKind::Scale(n),
    }]
}

#[test]
fn scale_up_mid_update_adds_new_spec_slots_and_restarts_the_updater() {
    // 4 slots, parallelism 1, 2 s per slot: slot 1 done at 2 s, slot 2 in flight at 3 s.
    // `docker service scale =6` at 3 s (swarmkit replicated orchestrator): two new slots
    // get tasks of the current spec at once; the updater is cancelled and a new run
    // takes the slots still dirty (the two not touched): 3→5, 5→7, then the 5 s window.
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StopFirst));
    s.actions = scaled_at(3 * S, 6);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 12 * S));
    // next: 2 slots touched by the first run, 2 new slots, 2 by the second run; every
    // current task stopped, no next task stopped.
    assert_eq!(created_and_stopped(&trace), [(0, 4), (6, 0)]);
}

#[test]
fn scale_down_mid_update_removes_the_slots_swarmkit_removes() {
    // At 3 s: slot 0 runs next, slot 1's next task is starting, slots 2 and 3 run
    // current, all on one node. Kept: running slots first (0, 2, 3), then by copy index
    // on the node: 0 (1st) and 2 (2nd); slots 3 and 1 are removed. The new run updates
    // slot 2: 3→5, then the 5 s window.
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StopFirst));
    s.actions = scaled_at(3 * S, 2);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 10 * S));
    // next: slots 0, 1 (then removed) and 2; current: all four stopped.
    assert_eq!(created_and_stopped(&trace), [(0, 4), (3, 1)]);
}

#[test]
fn scale_down_removes_a_slot_with_two_tasks_or_an_unplaced_one_first() {
    // Start-first on a node with room for exactly the 4 current tasks: the first slot
    // updated holds its running old task and a new one Pending (no node). swarmkit's
    // `reconcile` gives such a slot copy index -1, which `slotsByIndex` sorts after every
    // indexed slot, so `docker service scale =3` at 3 s removes it (both tasks), not the
    // last running copy on the node. The room its old task frees lets the new run update
    // the 3 kept slots one at a time, start-first: 3→5, 5→7, 7→9, then the 5 s window.
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StartFirst));
    s.cluster.nodes[0].cpu_millis = 400;
    s.actions = scaled_at(3 * S, 3);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 14 * S));
    // next: the removed slot's (stopped at the scale, never placed), then one a kept
    // slot; current: all four stopped (the removed slot's at the scale).
    assert_eq!(created_and_stopped(&trace), [(0, 4), (4, 1)]);
}

#[test]
fn scale_after_the_update_keeps_its_outcome() {
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StopFirst));
    s.actions = scaled_at(100 * S, 6);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 13 * S));
    assert_eq!(created_and_stopped(&trace), [(0, 4), (6, 0)]);
}

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

/// Creation instants of the tasks of `version`, from the trace.
fn created_at(trace: &[TraceRecord], version: u8) -> Vec<Time> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                t,
                version: v,
                state: TaskState::Pending,
                ..
            } if v == version => Some(t),
            _ => None,
        })
        .collect()
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
fn a_new_run_starts_a_delayed_clean_task_when_the_old_one_has_stopped() {
    // Start-first, one slot; the first `next` task crashes on start at 2 s (seed chosen for
    // it; its replacement does not), so the old task keeps running and the replacement
    // waits out its 5 s restart delay (until 7 s). `docker service scale =2` at 3 s starts a
    // new run over slot 0 (two tasks: dirty). Its worker finds the replacement clean but
    // not started (desired READY) and calls `useExistingTask` (swarmkit
    // manager/orchestrator/update/updater.go): the old task is shut down (it takes 10 s)
    // and a new `DelayStart` waits for it, cancelling the restart delay; the worker waits
    // for that start, not for RUNNING. So the replacement starts at 13 s, the worker is
    // done then, and the update completes after the 5 s window, at 18 s.
    let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StartFirst));
    s.seed = SEED_FIRST_CRASHES_ONLY;
    s.service.versions[0].shutdown = Dist::Constant(10 * S);
    s.service.versions[1].crash_probability = 0.5;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.actions = scaled_at(3 * S, 2);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    // Slot 0's `next` tasks: the crashed one at 0 s, the replacement at 2 s.
    let started: Vec<Time> = trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                t,
                slot: 0,
                version: 1,
                state: TaskState::Starting,
                ..
            } => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(started, [0, 13 * S]);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 18 * S));
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

/// A seed whose slot 0 first `next` task crashes on start at probability 0.5 and whose
/// second does not (the draws are keyed by seed, slot, version and attempt).
const SEED_FIRST_CRASHES_ONLY: u64 = 1;

#[test]
fn a_worker_reads_the_slot_as_its_run_read_it() {
    // Two slots, parallelism 1, delay 10 s, stop-first; the fleet's `current` tasks crash
    // 3 s after they start. The run reads both slots at 0 s. The first slot's worker is done
    // at 2 s and sleeps until 12 s; the other slot's `current` task crashes at 3 s and the
    // restart supervisor shuts it down and replaces it with the spec, `next`, after the
    // 5 s restart delay (restart/restart.go `Restart`). At 12 s the worker takes that slot
    // as the run read it (swarmkit manager/orchestrator/update/updater.go `Updater.Run`
    // hands `worker()` the slots of `reconcile`, not the store): only the crashed task,
    // dirty, so `updateTask` creates a new task and calls `removeOldTasks` in one store
    // batch. That finds the crashed task's desired state already SHUTDOWN and fails ("was
    // already shut down when reached by updater"), so the batch is aborted
    // (state/store/memory.go `Batch`) and the new task with it: the worker logs the
    // failure and sleeps 10 s. The replacement, which the run never read, is the slot's
    // only task. Done at 22 s, then the 11 s window: 33 s.
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 10 * S, Order::StopFirst));
    s.service.versions[0].crash_after = Dist::Constant(3 * S);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 33 * S));
    // next: the first slot's, the replacement (8 s); none at 12 s.
    let secs: Vec<Time> = created_at(&trace, 1).iter().map(|t| t / S).collect();
    assert_eq!(secs, [0, 3]);
    assert_eq!(created_and_stopped(&trace), [(0, 1), (2, 0)]);
    assert_eq!(r.restarts, 1);
    assert_eq!(r.peak_running_tasks, 2);
}

#[test]
fn a_start_first_worker_keeps_the_replacement_it_never_read() {
    // As above, start-first: `updateTask` creates and starts the new task in a batch of
    // its own, and calls `removeOldTasks` only once it is RUNNING; that failure is only
    // logged ("failed to remove old task after starting replacement"), so the slot keeps
    // both tasks of the spec. The second slot's new task starts at 12 s, RUNNING at 14 s;
    // done at 24 s, then the 11 s window: 35 s.
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 10 * S, Order::StartFirst));
    s.service.versions[0].crash_after = Dist::Constant(3 * S);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 35 * S));
    let secs: Vec<Time> = created_at(&trace, 1).iter().map(|t| t / S).collect();
    assert_eq!(secs, [0, 3, 12]);
    assert_eq!(r.peak_running_tasks, 3);
}

/// A task's changes of state (state, seconds).
type Changes = Vec<(TaskState, Time)>;

/// Each `next` task's creation instant (seconds) and its changes to `states` up to `until`,
/// in creation order, from the trace.
fn next_tasks_reaching(
    trace: &[TraceRecord],
    states: &[TaskState],
    until: Time,
) -> Vec<(Time, Changes)> {
    let mut tasks: Vec<(TaskId, Time, Changes)> = Vec::new();
    for e in trace {
        if let TraceRecord::Task {
            t,
            task,
            version: 1,
            state,
            ..
        } = *e
            && t <= until
        {
            match tasks.iter_mut().find(|x| x.0 == task) {
                None => tasks.push((task, t / S, Vec::new())),
                Some(x) if states.contains(&state) => x.2.push((state, t / S)),
                Some(_) => {}
            }
        }
    }
    tasks.into_iter().map(|(_, t, s)| (t, s)).collect()
}

#[test]
fn a_new_run_keeps_the_running_task_of_the_spec_over_one_in_its_restart_delay() {
    // Two slots, parallelism 1, delay 3 s, start-first; the fleet's `current` tasks crash
    // 4 s after they start, a `next` task takes 4 s to stop. The first slot is done at 2 s
    // (its old task stopped before its crash). The other slot's old task crashes at 4 s:
    // the restart supervisor replaces it with a `next` task R held for the 5 s restart
    // delay (desired READY until 9 s). At 5 s the worker takes that slot as its run read
    // it (the crashed task only) and creates and starts T, RUNNING at 7 s, and the slot
    // keeps both (see above). `docker service scale =3` at 8 s starts a new run, which
    // reads the slot with two tasks of the spec: R (desired READY) and T (desired
    // RUNNING). swarmkit v2.1.2 manager/orchestrator/update/updater.go `worker()` keeps a
    // clean task with desired state RUNNING at once, before any below it, so
    // `useExistingTask` keeps T and shuts R down before it ever started; T's desired
    // state is RUNNING, so nothing is delayed and the worker is done at 8 s: 3 s delay,
    // 5 s window, completed at 16 s. (Keeping the first-created, R, stopped T, started R
    // once T had stopped at 12 s, and completed at 20 s.)
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 3 * S, Order::StartFirst));
    s.service.versions[0].crash_after = Dist::Constant(4 * S);
    s.service.versions[1].shutdown = Dist::Constant(4 * S);
    s.actions = scaled_at(8 * S, 3);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 16 * S));
    // `next` tasks by creation: the first slot's, R, T, the scale's new slot's. R is
    // stopped at 8 s and never runs; T runs on.
    let states = [TaskState::Ready, TaskState::Stopped];
    use TaskState::{Ready, Stopped};
    assert_eq!(
        next_tasks_reaching(&trace, &states, 16 * S),
        [
            (0, vec![(Ready, 2)]),
            (4, vec![(Stopped, 8)]),
            (5, vec![(Ready, 7)]),
            (8, vec![(Ready, 10)])
        ]
    );
    assert_eq!(r.restarts, 1);
}

#[test]
fn a_new_run_keeps_the_last_task_of_the_spec_read_in_its_restart_delay() {
    // As above, but every `next` task crashes 2 s into its start (failures do not stop
    // the update). Slot A (taken first): its new task crashes at 2 s and its replacement
    // (restart delay until 7 s) starts at 7 s; its old task, left running, crashes at 4 s
    // and is replaced too (until 9 s). Slot B: its old task crashes at 4 s, replaced by
    // R1 (until 9 s); the worker's task T, created at 5 s, crashes at 7 s, replaced by R2
    // (until 12 s). The scale at 8 s starts a run that reads slot B with R1 and R2, both
    // desired READY, and (with this seed's slot order) takes it first. swarmkit `worker()`
    // then keeps the LAST clean task below RUNNING (its loop does not break on one), R2:
    // `useExistingTask` shuts R1 down (never started, it stops at once) and gives R2 a new
    // `DelayStart` waiting for R1, which cancels its restart delay: R2 starts at 8 s.
    // (Keeping the first, R1, stopped R2 and started R1 at 8 s.)
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 3 * S, Order::StartFirst));
    s.seed = 2;
    s.service.versions[0].crash_after = Dist::Constant(4 * S);
    s.service.versions[1].shutdown = Dist::Constant(4 * S);
    s.service.versions[1].crash_probability = 1.0;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.actions = scaled_at(8 * S, 3);
    let (_, trace) = Workspace::new(&s).run_traced(0);
    use TaskState::{Failed, Starting, Stopped};
    let states = [Starting, Stopped, Failed];
    // By creation: A's new task, A's first replacement, R1, A's second replacement, T,
    // R2, the scale's new slot's.
    assert_eq!(
        next_tasks_reaching(&trace, &states, 8 * S),
        [
            (0, vec![(Starting, 0), (Failed, 2)]),
            (2, vec![(Starting, 7)]),
            (4, vec![(Stopped, 8)]),
            (4, vec![]),
            (5, vec![(Starting, 5), (Failed, 7)]),
            (7, vec![(Starting, 8)]),
            (8, vec![(Starting, 8)])
        ]
    );
}

#[test]
fn a_scale_to_the_same_count_leaves_the_running_update_alone() {
    // Three slots, parallelism 1, 2 s a slot. `docker service scale =3` at 3 s writes a spec
    // equal to the running updater's, and swarmkit `Supervisor.Update`
    // (manager/orchestrator/update/updater.go) does nothing when `reflect.DeepEqual` finds
    // them equal: the run goes on (slots at 0, 2 and 4 s, done at 6 s, then the 5 s
    // window). `UpdateService` (manager/controlapi/service.go) cleared `UpdateStatus`, so
    // the run's `completeUpdate` at 11 s finds none and writes nothing: no outcome until
    // the horizon.
    let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
    s.horizon = 60 * S;
    s.actions = scaled_at(3 * S, 3);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Timeout, 60 * S));
    assert_eq!(testkit::updates(&trace), ["updating", "none"]);
    let secs: Vec<Time> = created_at(&trace, 1).iter().map(|t| t / S).collect();
    assert_eq!(secs, [0, 2, 4]);
    assert_eq!(created_and_stopped(&trace), [(0, 3), (3, 0)]);
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
