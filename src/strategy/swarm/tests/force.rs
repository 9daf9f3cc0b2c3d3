//! `docker service update --force` (`rollout: restart`): docker/cli
//! `cli/command/service/update.go` increments `TaskTemplate.ForceUpdate`, and swarmkit's
//! `IsTaskDirty` (`manager/orchestrator/task.go`, v2.1.2) compares the whole task spec,
//! so every task of the same image is dirty and goes through `update_config`.
use super::*;

fn actions(list: Vec<(Time, ActionKind)>) -> Vec<crate::scenario::Action> {
    list.into_iter()
        .map(|(at, kind)| crate::scenario::Action { at, kind })
        .collect()
}

#[test]
fn a_forced_update_after_completion_replaces_every_task_through_update_config() {
    // 4 slots, parallelism 1, 2 s a task: the update completes at 4·2 + 5 = 13 s. The
    // forced update at 20 s is a second run of the same shape: 20 + 13 = 33 s. Every
    // `next` task of the first run is replaced by a `next` task with the new
    // `ForceUpdate`.
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StopFirst));
    s.actions = actions(vec![(20 * S, ActionKind::Restart)]);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 33 * S));
    assert_eq!(created_and_stopped(&trace), [(0, 4), (8, 4)]);
    assert_eq!(r.min_ready, 3, "stop-first, parallelism 1");
}

#[test]
fn a_forced_update_mid_update_makes_the_slots_already_done_dirty_again() {
    // Start-first, parallelism 2, 2 s a task: the first run's two workers have replaced
    // two slots at 2 s and are on the other two at 3 s. The forced update cancels
    // that run; the new one finds all four slots dirty (their `next` tasks have the old
    // `ForceUpdate`, or are the old version), so all of them are replaced again in two
    // rounds of two from 3 s: 3 + 2·2 + 5 = 12 s.
    let mut s = testkit::swarm(4, 2 * S, cfg(2, 0, Order::StartFirst));
    s.actions = actions(vec![(3 * S, ActionKind::Restart)]);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    // Without the force, the same run completes at 2·2 + 5 = 9 s.
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 12 * S));
    // `next`: 4 by the first run and 4 by the forced one, and the first run's 4 all
    // stopped: the two still starting at 3 s are shut down with their slot's `current`
    // task when the forced run's task for the slot is running.
    assert_eq!(created_and_stopped(&trace), [(0, 4), (8, 4)]);
}

#[test]
fn undo_after_a_forced_update_restores_the_previous_force_and_replaces_again() {
    // `docker service rollback` after the forced update swaps back to the spec of
    // `ForceUpdate` 0: the tasks of `ForceUpdate` 1 are dirty against it, so every slot
    // is replaced once more, with `rollback_config` (parallelism 1, 2 s a task): the
    // forced run completes at 20 + 13 = 33 s, the rollback runs 40 → 40 + 13 = 53 s.
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StopFirst));
    s.actions = actions(vec![
        (20 * S, ActionKind::Restart),
        (40 * S, ActionKind::Undo),
    ]);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 53 * S));
    assert_eq!(created_and_stopped(&trace), [(0, 4), (12, 8)]);
}

#[test]
fn an_image_update_after_a_force_keeps_its_force_and_a_second_force_counts_on() {
    // After the forced update (20 s, done at 33 s), `docker service update --image current`
    // at 40 s keeps `ForceUpdate` 1 (the CLI copies the spec and changes the image): four
    // `current` tasks, done at 53 s. A second `--force` at 60 s replaces them again: 73 s.
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StopFirst));
    s.actions = actions(vec![
        (20 * S, ActionKind::Restart),
        (40 * S, ActionKind::Update(CURRENT)),
        (60 * S, ActionKind::Restart),
    ]);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 73 * S));
    assert_eq!(created_and_stopped(&trace), [(8, 8), (8, 8)]);
}

#[test]
fn a_scale_after_a_force_gives_new_slots_the_forced_spec_and_starts_no_replacement() {
    // `docker service scale =6` at 40 s, after the forced update completed at 33 s: a
    // service update that keeps the task spec (`ForceUpdate` 1 included), so the two new
    // slots get tasks of it at once and no existing task is dirty.
    let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StopFirst));
    s.actions = actions(vec![
        (20 * S, ActionKind::Restart),
        (40 * S, ActionKind::Scale(6)),
    ]);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(created_and_stopped(&trace), [(0, 4), (10, 4)]);
}
