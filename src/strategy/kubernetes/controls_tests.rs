//! Whole trials of the rollout controls, each expectation worked out by hand from the
//! upstream rules it cites (`kubernetes/kubernetes` pkg/controller/deployment `sync.go`,
//! `progress.go`, `util/deployment_util.go`; `kubernetes/kubectl`
//! pkg/polymorphichelpers `rollback.go`), never from the simulator's own output.

use crate::cluster::TraceRecord;
use crate::experiment::{Outcome, TrialResult};
use crate::scenario::{Action, ActionKind, Dist, Probe, Scenario, VersionId};
use crate::sim::time::{SECOND, Time};
use crate::testkit::{self, kubernetes, kubernetes_cfg, rolling, rolling_pct};
use crate::trial::Workspace;

const S: Time = SECOND;

fn run(s: &Scenario) -> (TrialResult, Vec<TraceRecord>) {
    Workspace::new(s).run_traced(0)
}

fn at(t: Time, kind: ActionKind) -> Action {
    Action { at: t, kind }
}

fn timed_scales(trace: &[TraceRecord]) -> Vec<(Time, u32, u32)> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Scale { t, new, old } => Some((t, new, old)),
            _ => None,
        })
        .collect()
}

fn updates(trace: &[TraceRecord]) -> Vec<(Time, &'static str, Option<String>)> {
    trace
        .iter()
        .filter_map(|e| match e {
            TraceRecord::Update { t, state, message } => Some((*t, *state, message.clone())),
            _ => None,
        })
        .collect()
}

fn states(trace: &[TraceRecord]) -> Vec<&'static str> {
    updates(trace).into_iter().map(|u| u.1).collect()
}

/// Pods of each version created over the trial (the fleet serving at time 0 is not
/// created during it).
fn created(trace: &[TraceRecord], versions: usize) -> Vec<u32> {
    let mut n = vec![0; versions];
    for e in trace {
        if let TraceRecord::Task { version, state, .. } = e
            && state.as_str() == "pending"
        {
            n[*version as usize] += 1;
        }
    }
    n
}

fn with_v3(s: &mut Scenario) -> VersionId {
    s.service.versions.push(testkit::version("v3", 2 * S));
    2
}

#[test]
fn pause_stops_scaling_until_resume_and_stretches_the_rollout() {
    // 10 replicas at 25%/25% (surge 3, unavailable 2), new pods Ready 2 s after creation:
    // unpaused the syncs go (3,8) (5,8) at 0, (5,3) (10,3) at 2 s, (10,0) at 4 s.
    // Paused at 1 s, the pods created at 0 still become Ready at 2 s, but `sync` only
    // scales proportionally (nothing to add: 13 = 10 + 3); at the resume (61 s) the
    // rolling steps of 2 s happen, and the rest follows 2 s later: complete at 63 s, the
    // 4 s rollout stretched by the 59 s it waited. The 30 s progress deadline is not
    // exceeded: the paused time does not count (`DeploymentResumed` resets the clock).
    let mut s = kubernetes(10, 2 * S, rolling_pct(25, 25));
    kubernetes_cfg(&mut s).progress_deadline = Some(30 * S);
    s.actions = vec![at(S, ActionKind::Pause), at(61 * S, ActionKind::Resume)];
    let (r, trace) = run(&s);
    assert_eq!(
        timed_scales(&trace),
        [
            (0, 3, 8),
            (0, 5, 8),
            (61 * S, 5, 3),
            (61 * S, 10, 3),
            (63 * S, 10, 0)
        ]
    );
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 63 * S));
    assert_eq!(r.deadline_exceeded_at, None);
    assert_eq!(
        states(&trace),
        ["updating", "paused", "resumed", "completed"]
    );
}

#[test]
fn a_deployment_still_paused_at_the_horizon_ends_paused() {
    let mut s = kubernetes(10, 2 * S, rolling_pct(25, 25));
    s.horizon = 600 * S;
    s.actions = vec![at(S, ActionKind::Pause)];
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 600 * S));
    assert_eq!(timed_scales(&trace), [(0, 3, 8), (0, 5, 8)]);
    // Never `ProgressDeadlineExceeded`: the condition says DeploymentPaused.
    assert_eq!(r.deadline_exceeded_at, None);
}

#[test]
fn kubectl_refuses_undo_and_restart_while_paused() {
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    s.actions = vec![
        at(S, ActionKind::Pause),
        at(2 * S, ActionKind::Undo),
        at(3 * S, ActionKind::Restart),
        at(4 * S, ActionKind::Pause),
        at(5 * S, ActionKind::Resume),
        at(6 * S, ActionKind::Resume),
    ];
    let (r, trace) = run(&s);
    let refused: Vec<String> = updates(&trace)
        .into_iter()
        .filter(|u| u.1 == "rollback_refused")
        .map(|u| u.2.unwrap())
        .collect();
    assert_eq!(
        refused,
        [
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout \
             resume' and try again",
            "can't restart paused deployment (run rollout resume first)",
            "deployment is already paused",
            "deployment is not paused",
        ]
    );
    assert_eq!(r.outcome, Outcome::Completed);
}

#[test]
fn an_undo_to_a_missing_revision_fails_even_while_paused() {
    // kubectl's `DeploymentRollbacker.Rollback` finds the revision (`deploymentRevision`)
    // before it checks `spec.paused`: revision 7 was never listed, so the error is
    // "unable to find specified revision 7 in history", not the paused refusal, and the
    // scripted plan has failed there (the resume after it never runs).
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    s.actions = vec![
        at(S, ActionKind::Pause),
        at(2 * S, ActionKind::UndoTo(7)),
        at(3 * S, ActionKind::Resume),
    ];
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 2 * S));
    assert_eq!(
        states(&trace),
        ["updating", "paused", "rollback_failed"],
        "{:?}",
        updates(&trace)
    );
}

/// 10 replicas at 25%/25% whose new pods never become Ready: stuck at (new 5, old 8)
/// (case 1 of the comment in rolling.go `reconcileOldReplicaSets`: "newRS is scaled up to
/// 5"), then `scale: n` at 30 s.
fn stuck_then_scaled(n: u32) -> Vec<(Time, u32, u32)> {
    let mut s = kubernetes(10, 2 * S, rolling_pct(25, 25));
    s.service.readiness_probe = Some(Probe {
        period: S,
        ..Probe::default()
    });
    s.service.versions[1].ready_after = Dist::Never;
    s.horizon = 120 * S;
    s.actions = vec![at(30 * S, ActionKind::Scale(n))];
    timed_scales(&run(&s).1)
}

#[test]
fn scaling_up_mid_rollout_is_proportional() {
    // sync.go scale: both ReplicaSets annotated max-replicas 13; replicas 20 gives
    // maxSurge ⌈25% × 20⌉ = 5, allowed 25, toAdd 25 − 13 = 12. Largest first: old
    // round(8 × 25 / 13) − 8 = 15 − 8 = 7, new round(5 × 25 / 13) − 5 = 10 − 5 = 5; no
    // leftover: (10, 15). Then the rolling step can do nothing: new can't grow (25 ≥ 25),
    // and old can't shrink (maxScaledDown = 25 − (20 − 5) − 10 unavailable = 0).
    assert_eq!(
        stuck_then_scaled(20),
        [(0, 3, 8), (0, 5, 8), (30 * S, 10, 15)]
    );
}

#[test]
fn scaling_down_mid_rollout_is_proportional() {
    // replicas 4: maxSurge ⌈25% × 4⌉ = 1, allowed 5, toAdd 5 − 13 = −8. Largest first
    // (ties older first): old round(8 × 5 / 13) − 8 = 3 − 8 = −5, new round(5 × 5 / 13)
    // − 5 = 2 − 5 = −3: (2, 3). Rolling then can't move: 5 ≥ 5, and maxScaledDown =
    // 5 − (4 − 1) − 2 = 0.
    assert_eq!(stuck_then_scaled(4), [(0, 3, 8), (0, 5, 8), (30 * S, 2, 3)]);
}

#[test]
fn scaling_a_finished_rollout_scales_its_one_active_replica_set() {
    // FindActiveOrLatest: one active ReplicaSet takes the whole count.
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    s.actions = vec![at(100 * S, ActionKind::Scale(7))];
    let (r, trace) = run(&s);
    assert_eq!(timed_scales(&trace).last(), Some(&(100 * S, 7, 0)));
    assert_eq!(r.outcome, Outcome::Completed);
}

#[test]
fn scale_during_a_healthy_rollout_completes_at_the_new_size() {
    let mut s = kubernetes(10, 2 * S, rolling_pct(25, 25));
    s.actions = vec![at(S, ActionKind::Scale(20))];
    let (r, trace) = run(&s);
    assert_eq!(
        timed_scales(&trace)[2],
        (S, 10, 15),
        "as scaling_up_mid_rollout"
    );
    assert_eq!(r.outcome, Outcome::Completed);
    let last = *timed_scales(&trace).last().unwrap();
    assert_eq!((last.1, last.2), (20, 0));
}

#[test]
fn revisions_are_renumbered_as_upstream() {
    // current 1, next 2 (at 0), v3 3 (at 60 s); undo → next, renumbered 4 (so 2 is gone);
    // undo --to-revision=3 → v3, renumbered 5; undo --to-revision=1 → current.
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    let v3 = with_v3(&mut s);
    s.actions = vec![
        at(60 * S, ActionKind::Update(v3)),
        at(120 * S, ActionKind::Undo),
        at(180 * S, ActionKind::UndoTo(3)),
        at(240 * S, ActionKind::UndoTo(1)),
    ];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::RolledBack);
    // Pods created: current 4 at the end; next 4 + 4; v3 4 + 4.
    assert_eq!(created(&trace, 3), [4, 8, 8]);
    assert!(!states(&trace).contains(&"rollback_failed"));
}

#[test]
fn undo_to_a_renumbered_revision_fails_and_ends_the_trial_paused() {
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    let v3 = with_v3(&mut s);
    s.actions = vec![
        at(60 * S, ActionKind::Update(v3)),
        at(120 * S, ActionKind::Undo), // next: 2 → 4
        at(180 * S, ActionKind::UndoTo(2)),
        at(240 * S, ActionKind::UndoTo(1)), // ignored: the trial has ended
    ];
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 180 * S));
    let failed: Vec<_> = updates(&trace)
        .into_iter()
        .filter(|u| u.1 == "rollback_failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, 180 * S);
    assert!(
        failed[0]
            .2
            .as_deref()
            .unwrap()
            .starts_with("unable to find specified revision 2 in history"),
        "{failed:?}"
    );
    assert_eq!(created(&trace, 3)[0], 0, "nothing rolled back to current");
}

#[test]
fn undo_to_a_revision_cleaned_up_by_the_history_limit_fails_clearly() {
    // revisionHistoryLimit 1: once v3 (revision 3) is complete, cleanupDeployment keeps
    // one old ReplicaSet: of current (1) and next (2), the lowest revision goes.
    let build = |limit: u32| {
        let mut s = kubernetes(4, 2 * S, rolling(1, 1));
        let v3 = with_v3(&mut s);
        kubernetes_cfg(&mut s).revision_history_limit = limit;
        s.actions = vec![
            at(60 * S, ActionKind::Update(v3)),
            at(120 * S, ActionKind::UndoTo(1)),
        ];
        s
    };
    let (r, trace) = run(&build(1));
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 120 * S));
    let msg = updates(&trace)
        .into_iter()
        .find(|u| u.1 == "rollback_failed")
        .and_then(|u| u.2)
        .unwrap();
    assert!(
        msg.contains("revision 1") && msg.contains("revisionHistoryLimit: 1"),
        "{msg}"
    );
    // Kept with a limit of 2: the undo goes back to current.
    let (r, trace) = run(&build(2));
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(created(&trace, 3)[0], 4);
}

#[test]
fn restart_rolls_every_pod_again_with_the_same_image() {
    // A new template (restartedAt), same version: a new ReplicaSet, a whole rolling
    // update; 4 pods at maxSurge 1 / maxUnavailable 1 take the same steps as the first
    // rollout, which took 4 s here: done at 104 s.
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    s.actions = vec![at(100 * S, ActionKind::Restart)];
    let (r, trace) = run(&s);
    let first: Vec<(u32, u32)> = timed_scales(&trace)
        .iter()
        .filter(|x| x.0 < 100 * S)
        .map(|x| (x.1, x.2))
        .collect();
    let again: Vec<(u32, u32)> = timed_scales(&trace)
        .iter()
        .filter(|x| x.0 >= 100 * S)
        .map(|x| (x.1, x.2))
        .collect();
    assert_eq!(first, again);
    assert_eq!(created(&trace, 2), [0, 8]);
    assert_eq!(r.outcome, Outcome::Completed);
    let first_end = trace
        .iter()
        .find_map(|e| match e {
            TraceRecord::Update { t, state, .. } if *state == "completed" => Some(*t),
            _ => None,
        })
        .unwrap();
    assert_eq!(r.duration, 100 * S + first_end);
    // Undo after the restart goes back to the un-restarted template of `next`.
    s.actions.push(at(200 * S, ActionKind::Undo));
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(created(&trace, 2), [0, 12]);
}
