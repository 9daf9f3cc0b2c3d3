//! Argo Rollouts' managed routes as a user runs them: `scenarios/canary-header-mirror.yaml`,
//! a dark launch with a mirror route then a header route (argo-rollouts 9f8d111, v1.10:
//! `rollout/trafficrouting.go:reconcileTrafficRouting`,
//! `rollout/trafficrouting/istio/istio.go` `SetMirrorRoute`, `SetHeaderRoute`).

use crate::support::{CONSTANT_ARRIVALS, FIXED_NEXT, Row, field, run_trials};

/// 20 trials with fixed latencies (the canary's two pods available at 7 s in every trial)
/// and constant arrivals (request counts follow the closed form).
fn run(args: &[&str]) -> (String, Vec<Row>) {
    let fixed = [&FIXED_NEXT[..], &CONSTANT_ARRIVALS[..]].concat();
    let t = run_trials(
        "canary-header-mirror.yaml",
        &[&["--trials", "20"], &fixed[..], args].concat(),
        false,
    );
    (t.csv, t.rows)
}

const GOOD: [&str; 2] = ["--set", "service.versions.next.error_rate=0.001"];

/// The bad release is judged on the copies alone: the mirror route is set at 7 s, the
/// analysis step's first measurement a minute later (67 s) reads their 5 % errors against
/// `result < 0.01` and aborts; the canary is removed `abortScaleDownDelaySeconds` (30 s)
/// later. No user request reached it, and the users' columns count 50 a second over the
/// 97 s, the copies left out.
#[test]
fn a_bad_release_is_caught_on_the_copies_before_any_user_reaches_it() {
    let (_, rows) = run(&[]);
    for row in &rows {
        assert_eq!(field(row, "outcome"), "rolled_back");
        assert_eq!(field(row, "duration_s"), "97");
        assert_eq!(field(row, "requests"), "4850");
        assert_eq!(field(row, "next_requests"), "0");
        assert_eq!(field(row, "bad_release_requests"), "0");
        assert_eq!(field(row, "detected"), "1");
    }
}

/// The header route sends its `matchShare` of the users' requests to the canary while it
/// is set, the five-minute pause: 5 % more of 50 a second over 300 s is 750 more
/// requests on the new version, nothing else changed.
#[test]
fn the_header_route_sends_its_share_for_the_pause() {
    let share = |s: &str| {
        let set = format!("strategy.canary.steps.4.setHeaderRoute.matchShare={s}");
        let (_, rows) = run(&[&GOOD[..], &["--set", set.as_str()]].concat());
        rows.iter()
            .map(|r| {
                assert_eq!(field(r, "outcome"), "completed");
                assert_eq!(field(r, "duration_s"), "1104");
                field(r, "next_requests").parse::<u64>().unwrap()
            })
            .collect::<Vec<_>>()
    };
    let (one, two) = (share("0.05"), share("0.1"));
    for (a, b) in one.iter().zip(&two) {
        assert_eq!(b - a, 750);
    }
}

/// The copies are not users' requests: copying half as many changes no column of a good
/// release's `trials.csv` (the analysis passes on either).
#[test]
fn the_copies_leave_every_users_column_unchanged() {
    let half = [
        "--set",
        "strategy.canary.steps.1.setMirrorRoute.percentage=50",
    ];
    let (all, _) = run(&GOOD);
    let (halved, _) = run(&[&GOOD[..], &half[..]].concat());
    assert_eq!(all, halved);
}
