//! Exact timelines with constant latencies, from the worker-pool rules of
//! swarmkit's updater (`manager/orchestrator/update/updater.go`). Completion = ceil(N/p)·(T + d) + final window, where
//! the final window is `monitor`, or `d + 1s` when `d >= monitor`. Here the workers, the
//! control plane, scaling and the slots as a run reads them (which task a slot keeps);
//! failures, failure actions and restarts in [`failures`].
use super::*;
use crate::cluster::TraceRecord;
use crate::result::TrialResult;
use crate::scenario::{Dist, FailureAction, HealthCheck, Order};
use crate::sim::time::SECOND;
use crate::testkit;
use crate::testkit::swarm_cfg;
use crate::trial::Workspace;

/// Failures seen by the updater, the failure actions and rollbacks.
mod failures;
/// `docker service update --force`: a new `ForceUpdate`, the same image.
mod force;
/// The restart supervisor's replacements, and the updater's waits on them.
mod restarts;

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
fn a_clean_task_read_ready_that_started_since_still_waits_for_the_old_task() {
    // Two slots, parallelism 1, delay 10 s, start-first, 2 s to RUNNING; a `current` task
    // takes 10 s to stop. With this seed the first run takes slot X first, and X's first
    // `next` task crashes on start at 2 s (its replacement R, the other slot Y's task and
    // the scale's new slot's task do not): the worker is done with X, and R waits out its
    // 5 s restart delay (desired READY until 7 s; it starts at 7 s, RUNNING at 9 s) beside
    // X's old task O, still running. `docker service scale =3` at 3 s starts a new run,
    // which reads X as [O, R] with R desired READY, and takes Y first: its task runs at
    // 5 s, the worker sleeps until 15 s and takes X. R has been running since 9 s, but
    // swarmkit v2.1.2 manager/orchestrator/update/updater.go `useExistingTask` decides
    // from the task as the run read it (`existing.DesiredState != api.TaskStateRunning`):
    // it shuts O down and calls `DelayStart(ctx, nil, O, R.ID, 0, true)`, which waits for
    // O (read RUNNING) to stop, at 25 s, and only then finds R desired RUNNING
    // (`StartNow` does nothing). The worker waits for that: done at 25 s, 10 s delay, the
    // 11 s final window (delay >= monitor): completed at 46 s. (Deciding from R's state at
    // 15 s, the worker moved on at once: completed at 36 s.)
    let mut s = testkit::swarm(2, 2 * S, cfg(1, 10 * S, Order::StartFirst));
    s.seed = 2;
    s.service.versions[0].shutdown = Dist::Constant(10 * S);
    s.service.versions[1].crash_probability = 0.5;
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    s.actions = scaled_at(3 * S, 3);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 46 * S));
    // By creation: X's crashed task, R (not held again), Y's task, the new slot's.
    use TaskState::{Failed, Running, Starting, Stopped};
    let states = [Starting, Running, Stopped, Failed];
    assert_eq!(
        next_tasks_reaching(&trace, &states, 60 * S),
        [
            (0, vec![(Starting, 0), (Failed, 2)]),
            (2, vec![(Starting, 7), (Running, 9)]),
            (3, vec![(Starting, 3), (Running, 5)]),
            (3, vec![(Starting, 3), (Running, 5)])
        ]
    );
    // Y's old task is shut down at 5 s, X's O at 15 s: each stops 10 s later.
    let stopped: Vec<Time> = trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                t,
                version: 0,
                state: Stopped,
                ..
            } => Some(t / S),
            _ => None,
        })
        .collect();
    assert_eq!(stopped, [15, 25]);
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
