//! Flagger's traffic mirroring as a user runs it: `scenarios/flagger-mirror.yaml`, a
//! blue/green whose canary is analysed on copies of the users' requests
//! (`fluxcd/flagger@15bd6ad`, v1.44.0: `pkg/controller/scheduler.go:runBlueGreen`,
//! `runCanary`; `pkg/router/istio.go:SetRoutes`, `mirror` and `mirrorPercentage`).

use crate::support::{CONSTANT_ARRIVALS, FIXED_NEXT, Row, field, run_trials};

/// Run `scenario` with `args` over 20 trials, with fixed latencies and constant arrivals
/// (the ticks and the request counts follow the closed form): `trials.csv` as written,
/// and every row.
fn run(scenario: &str, args: &[&str]) -> (String, Vec<Row>) {
    let fixed = [&FIXED_NEXT[..], &CONSTANT_ARRIVALS[..]].concat();
    let t = run_trials(
        scenario,
        &[&["--trials", "20"], &fixed[..], args].concat(),
        false,
    );
    (t.csv, t.rows)
}

/// Every row's (outcome, duration in s, bad_release_requests).
fn outcomes(rows: &[Row]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| {
            (
                field(r, "outcome").to_string(),
                field(r, "duration_s").to_string(),
                field(r, "bad_release_requests").to_string(),
            )
        })
        .collect()
}

fn every(outcome: &str, duration: &str, bad: &str) -> Vec<(String, String, String)> {
    vec![(outcome.into(), duration.into(), bad.into()); 20]
}

/// The bad release: mirroring starts with iteration 1 (1 min), the checks at 2 and 3 min
/// read the copies' 5 % errors (about 3,000 a minute), threshold 2: rolled back at 4 min
/// with no user request on the canary. The users' columns leave the copies out: with
/// constant arrivals, exactly 50 a second over the 240 s.
#[test]
fn a_bad_release_is_caught_on_the_copies_at_four_minutes_with_no_user_exposed() {
    let (_, rows) = run("flagger-mirror.yaml", &[]);
    assert_eq!(outcomes(&rows), every("rolled_back", "240", "0"));
    for row in &rows {
        assert_eq!(field(row, "requests"), "12000");
        assert_eq!(field(row, "next_requests"), "0");
        assert_eq!(field(row, "detected"), "1");
    }
}

/// Mirroring changes nothing a user sees: a good release analysed on the copies writes
/// the very `trials.csv` of the same blue/green with no metrics and no mirror (the same
/// ticks, the users' requests drawn from the same streams, the copies counted apart).
#[test]
fn the_copies_leave_every_users_column_unchanged() {
    let good = ["--set", "service.versions.next.error_rate=0.001"];
    let (mirrored, rows) = run("flagger-mirror.yaml", &good);
    for row in &rows {
        assert_eq!(field(row, "outcome"), "completed");
        assert_eq!(field(row, "duration_s"), "840");
    }
    let plain = [
        "--set",
        "service.versions.next.error_rate=0.001",
        "--set",
        "strategy.flagger.analysis.mirror=false",
        "--set",
        "strategy.flagger.analysis.metrics=[]",
    ];
    let (unmirrored, _) = run("flagger-mirror.yaml", &plain);
    assert_eq!(mirrored, unmirrored);
}

/// The copies load the canary's pods as the users would: a release that serves 4
/// requests a second a pod drops a fifth of 100 % of the copies (5 a second a pod) and is
/// rolled back at 4 min, before any user reaches it; at `mirrorWeight: 10` (0.5 a second
/// a pod) the copies pass, and the overload shows only once all users are switched to it
/// (11 min): failed checks at 12 and 13 min, rolled back at 14, users' requests dropped.
#[test]
fn a_partial_mirror_hides_a_capacity_problem_until_the_switch() {
    let slow = [
        "--set",
        "service.versions.next.error_rate=0.001",
        "--set",
        "service.versions.next.capacity_rps=4",
    ];
    let (_, rows) = run("flagger-mirror.yaml", &slow);
    for row in &rows {
        assert_eq!(field(row, "outcome"), "rolled_back");
        assert_eq!(field(row, "duration_s"), "240");
        assert_eq!(field(row, "dropped_requests"), "0");
    }
    let tenth = [
        &slow[..],
        &["--set", "strategy.flagger.analysis.mirrorWeight=10"],
    ]
    .concat();
    let (_, rows) = run("flagger-mirror.yaml", &tenth);
    for row in &rows {
        assert_eq!(field(row, "outcome"), "rolled_back");
        assert_eq!(field(row, "duration_s"), "840");
        let dropped: u64 = field(row, "dropped_requests").parse().unwrap();
        assert!(dropped > 1_000, "{dropped}");
    }
}

/// A progressive canary with `mirror: true` (`runCanary`'s mirror step): a failing check
/// keeps it mirrored, so a bad release is rolled back after `threshold` checks, at the
/// tick it would be without mirroring, having reached no user; without `mirror` the 10 %
/// step exposes users to it.
#[test]
fn a_failing_canary_stays_mirrored_and_exposes_no_user() {
    let (_, rows) = run(
        "flagger-canary.yaml",
        &["--set", "strategy.flagger.analysis.mirror=true"],
    );
    assert_eq!(outcomes(&rows), every("rolled_back", "420", "0"));
    let (_, rows) = run("flagger-canary.yaml", &[]);
    for row in &rows {
        assert_eq!(field(row, "duration_s"), "420");
        let bad: u64 = field(row, "bad_release_requests").parse().unwrap();
        assert!(bad > 0, "{bad}");
    }
}
