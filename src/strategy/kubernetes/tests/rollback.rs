//! Rollbacks and roll-overs through whole trials: the two cases of the comment in
//! kubernetes/kubernetes `pkg/controller/deployment/rolling.go` `reconcileOldReplicaSets`
//! (a roll-over to a third revision while stuck, a rollback during a crash loop with an
//! old pod unavailable), and `kubectl rollout undo` after completion or without history.

use super::*;

fn with_v3(s: &mut Scenario) -> VersionId {
    s.service.versions.push(testkit::version("v3", 2 * S));
    2
}

#[test]
fn case_2_roll_over_to_v3_while_stuck() {
    // Case 2 of the comment in rolling.go `reconcileOldReplicaSets`: stuck at (v2 5, v1 8);
    // at 120 s the user sets v3.
    let mut s = kubernetes(10, 2 * S, rolling(3, 2));
    never_ready(&mut s);
    let v3 = with_v3(&mut s);
    s.actions = vec![Action {
        at: 120 * S,
        kind: ActionKind::Update(v3),
    }];
    let (r, trace) = run(&s);
    // v3 is created with 0 (13 ≥ 13) while the unhealthy v2 goes 5 → 0 through cleanup
    // (new = v3, old = v1 8 + v2 0); then v3 scales up by 5; then the usual batches.
    assert_eq!(
        timed_scales(&trace),
        [
            (0, 3, 8),
            (0, 5, 8),
            (120 * S, 0, 8),
            (120 * S, 5, 8),
            (122 * S, 5, 3),
            (122 * S, 10, 3),
            (124 * S, 10, 0)
        ]
    );
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 124 * S));
}

#[test]
fn case_1_rollback_during_a_crashloop_with_one_old_pod_unavailable() {
    // Case 1 of the comment in rolling.go `reconcileOldReplicaSets`: stuck at (v2 5, v1 8),
    // one v1 pod unavailable, undo.
    // v1 pods hang at 30 s with probability 1/4 (and stay NotReady: no liveness probe);
    // trials where exactly one of the eight remaining v1 pods hung show the case.
    let mut s = kubernetes(10, 2 * S, rolling(3, 2));
    never_ready(&mut s);
    s.service.versions[0].hang_after =
        Dist::Empirical(vec![30 * S, Time::MAX, Time::MAX, Time::MAX]);
    s.actions = vec![Action {
        at: 120 * S,
        kind: ActionKind::Undo,
    }];
    s.horizon = 300 * S;
    let mut seen = 0;
    for trial in 0..40 {
        let (_, trace) = Workspace::new(&s).run_traced(trial);
        // v1 pods NotReady (Ready → Running) before the undo.
        let unready = trace
            .iter()
            .filter(|e| {
                matches!(e, TraceRecord::Task { t, version: 0, state: TaskState::Running, .. }
                    if *t > 0 && *t < 120 * S)
            })
            .count();
        if unready != 1 {
            continue;
        }
        seen += 1;
        let after: Vec<(u32, u32)> = timed_scales(&trace)
            .into_iter()
            .filter(|&(t, _, _)| t >= 120 * S)
            .map(|(_, n, o)| (n, o))
            .collect();
        // maxScaledDown = 13 − 8 − 1 = 4: four v2 pods cleaned up; then v1 scales to 10;
        // when the two new v1 pods are available, the last v2 pod goes.
        assert_eq!(after, [(8, 1), (10, 1), (10, 0)], "trial {trial}");
    }
    assert!(seen >= 3, "only {seen} trials had exactly one hung v1 pod");
}

#[test]
fn undo_after_completion_rolls_back() {
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    s.actions = vec![Action {
        at: 100 * S,
        kind: ActionKind::Undo,
    }];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::RolledBack);
    let u = updates(&trace);
    assert_eq!(
        u,
        [
            "updating",
            "completed",
            "rollback_started",
            "rollback_completed"
        ]
    );
    // The rollback is a rolling update back to v1 (its RS gets revision 3).
    assert_eq!(scales(&trace).last(), Some(&(4, 0)));
    assert!(r.duration > 100 * S);
}

#[test]
fn undo_without_history_is_refused() {
    // Undo at time 0 before anything else: the history has v1 (rev 1) and v2 (rev 2),
    // so it goes back to v1 — then a second undo goes to v2 again (kubectl semantics).
    let mut s = kubernetes(2, 2 * S, rolling(1, 0));
    s.actions = vec![
        Action {
            at: 10 * S,
            kind: ActionKind::Undo,
        },
        Action {
            at: 20 * S,
            kind: ActionKind::Undo,
        },
    ];
    let (r, trace) = run(&s);
    assert_eq!(
        updates(&trace),
        [
            "updating",
            "completed",
            "rollback_started",
            "rollback_completed",
            "rollback_started",
            "rollback_completed"
        ]
    );
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 24 * S));
}
