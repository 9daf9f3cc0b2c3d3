//! Image pulls that may fail, shared by the tasks of one node: the disk holds the image
//! once any task waiting for the pull drew a success, whatever the others drew.

use crate::cluster::{TaskState, TraceRecord};
use crate::scenario::{Dist, FailureAction, Order, Scenario, UpdateConfig};
use crate::sim::time::{SECOND as S, Time};
use crate::testkit::{self, kubernetes, rolling, swarm_cfg};
use crate::trial::Workspace;

/// Two tasks of `next` placed together on the one node, whose 2 s pull fails for each
/// waiting task with probability one half.
fn shared_pull(mut s: Scenario) -> Scenario {
    s.service.versions[1].pull = Dist::Constant(2 * S);
    s.faults.pull_failure_probability = vec![0.0, 0.5];
    s.horizon = 600 * S;
    s
}

/// The instants (whole seconds) at which each `next` task, by slot, entered `state`.
fn entered(trace: &[TraceRecord], slot: u32, state: TaskState) -> Vec<Time> {
    entered_in(trace, slot, state, S)
}

/// [`entered`] in whole `unit`s.
fn entered_in(trace: &[TraceRecord], slot: u32, state: TaskState, unit: Time) -> Vec<Time> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                t,
                slot: s,
                version: 1,
                state: st,
                ..
            } if s == slot && st == state => Some(t / unit),
            _ => None,
        })
        .collect()
}

#[test]
fn a_pod_whose_pull_failed_finds_the_image_the_next_pods_pull_stored() {
    // RollingUpdate maxSurge 2: both new pods are created at 0 s on the one node, slot 0's
    // pull first; the kubelet pulls for one pod at a time, each 2 s pull failing with
    // probability one half. Slot 0 fails and slot 1 succeeds in two ways:
    // - slot 0's pull succeeds at 2 s and slot 1's, short as the image is there, fails:
    //   slot 1's retry after the 10 s ImagePullBackOff finds the image, at 12 s (a failure
    //   drawn second used to remove it: a pull again, 14 s at the earliest);
    // - slot 0's pull fails at 2 s: slot 1's own pull comes then, in full, and succeeds at
    //   4 s; slot 0's retry finds the image at 12 s (slot 1 used to fail or succeed with
    //   slot 0's pull at 2 s, its success not storing the image).
    // Slot 1 never starts at 2 s after slot 0's pull failed.
    let s = shared_pull(kubernetes(2, S, rolling(2, 0)));
    let (mut second_failed, mut first_failed) = (0, 0);
    for trial in 0..40 {
        let (_, trace) = Workspace::new(&s).run_traced(trial);
        let prepared = |slot| entered(&trace, slot, TaskState::Prepared);
        let (a, b) = (prepared(0), prepared(1));
        match (a.as_slice(), b.as_slice()) {
            ([2], [12]) => second_failed += 1,
            ([12], [4]) => first_failed += 1,
            ([first], [2]) => assert_eq!(*first, 2, "trial {trial}: {a:?} {b:?}"),
            _ => {}
        }
        for slot in 0..2 {
            assert_eq!(
                entered(&trace, slot, TaskState::Pulling),
                [0],
                "trial {trial}: slot {slot}"
            );
        }
    }
    assert!(
        second_failed >= 5 && first_failed >= 5,
        "{second_failed} {first_failed}"
    );
}

#[test]
fn a_swarm_task_whose_pull_failed_once_another_tasks_succeeded_is_created_all_the_same() {
    // Two slots updated together, start-first, on the one node: both tasks wait for one
    // 2 s pull and draw their outcomes at 2 s, one after the other. Once one of them (or
    // a replacement of a rejected one) drew a success, the image is on the disk: a later
    // failed pull is only logged and the container created (moby's `controller.Prepare`),
    // so no task of `next` is rejected after the first success (a failure drawn second
    // used to reject its task, and one drawn first removed the image a success drawn
    // second had stored, for the replacement to pull and fail again).
    let update = UpdateConfig {
        parallelism: 2,
        order: Order::StartFirst,
        ..UpdateConfig::default()
    };
    let mut s = shared_pull(testkit::swarm(2, S, update));
    swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
    let (mut first_ok, mut first_failed) = (0, 0);
    for trial in 0..40 {
        let (_, trace) = Workspace::new(&s).run_traced(trial);
        let verdicts: Vec<TaskState> = trace
            .iter()
            .filter_map(|e| match *e {
                TraceRecord::Task {
                    version: 1, state, ..
                } if matches!(state, TaskState::Prepared | TaskState::Failed) => Some(state),
                _ => None,
            })
            .collect();
        let Some(success) = verdicts.iter().position(|&v| v == TaskState::Prepared) else {
            continue;
        };
        assert!(
            !verdicts[success..].contains(&TaskState::Failed),
            "trial {trial}: {verdicts:?}"
        );
        match success {
            0 => first_ok += 1,
            _ => first_failed += 1,
        }
    }
    assert!(
        first_ok >= 5 && first_failed >= 5,
        "{first_ok} {first_failed}"
    );
}

#[test]
fn a_task_placed_while_a_landed_pulls_outcome_is_undrawn_waits_and_draws_its_own() {
    // One slot, start-first; every pull of `next` fails, after 2 s; creating a container
    // takes 1 s, so A, which pulls from 0 s, draws its outcome at 3 s. `scale 2` at 2.5 s
    // places B on the same node after the pull landed but before any outcome is known:
    // B waits for it and fails with its own draw at 3.5 s (it used to find the image and
    // start without it). No task of `next` ever starts.
    let text = "
service:
  replicas: 1
  versions:
    current: {start: 1s}
    next: {pull: 2s, start: 1s}
cluster: {nodes: 1, control_plane: {create: 1s}}
strategy: {swarm: {update_config: {order: start-first, failure_action: continue}}}
faults: {pull_failure_probability: {next: 1}}
actions: [{at: 2.5s, scale: 2}]
horizon: 20s
";
    let format = crate::scenario::Format::Yaml;
    let s = crate::scenario::load_str(text, "pulls.yaml", format, &[]).unwrap();
    let (_, trace) = Workspace::new(&s).run_traced(0);
    let ms = |slot, state| entered_in(&trace, slot, state, S / 1000);
    assert_eq!(ms(1, TaskState::Pulling).first(), Some(&2500), "B waits");
    assert_eq!(ms(1, TaskState::Failed).first(), Some(&3500), "B fails");
    for slot in 0..2 {
        assert!(entered(&trace, slot, TaskState::Starting).is_empty());
    }
}
