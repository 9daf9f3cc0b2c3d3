//! Flagger's A/B testing as a user runs it: `scenarios/flagger-ab.yaml`, the matched
//! requests routed to the canary for the analysis' iterations (`fluxcd/flagger@15bd6ad`,
//! v1.44.0: `pkg/controller/scheduler.go:runAB`, `pkg/router/istio.go:SetRoutes`).

use crate::support::{CONSTANT_ARRIVALS, FIXED_NEXT, Row, run_trials};

/// Run `scenario` with `args` over 10 trials, with fixed latencies and constant arrivals
/// (the ticks and the request counts follow the closed form): `trials.csv` as written,
/// and every row.
fn run(scenario: &str, args: &[&str]) -> (String, Vec<Row>) {
    let fixed = [&FIXED_NEXT[..], &CONSTANT_ARRIVALS[..]].concat();
    let t = run_trials(
        scenario,
        &[&["--trials", "10"], &fixed[..], args].concat(),
        false,
    );
    (t.csv, t.rows)
}

fn num(row: &Row, name: &str) -> u64 {
    row[name].parse().unwrap()
}

/// The bad release: the matched 10 % (5 requests a second) reach the canary from the
/// route written at 1 min, in force 1 s later (`endpoint_propagation`), until the rollback
/// at 4 min (failed checks at 2 and 3 min, threshold 2): 5 × 179 = 895 requests on the
/// canary, 5 % of them its own errors (44.75, counted as 45). At `matchShare: 0.2` twice
/// as many.
#[test]
fn a_bad_release_reaches_only_the_matched_share_until_the_rollback() {
    let (_, rows) = run("flagger-ab.yaml", &[]);
    for row in &rows {
        assert_eq!(row["outcome"], "rolled_back");
        assert_eq!(row["duration_s"], "240");
        assert_eq!(num(row, "requests"), 12_000);
        assert_eq!(num(row, "next_requests"), 895);
        assert_eq!(num(row, "bad_release_requests"), 45);
    }
    let (_, rows) = run(
        "flagger-ab.yaml",
        &["--set", "strategy.flagger.analysis.matchShare=0.2"],
    );
    for row in &rows {
        assert_eq!(row["duration_s"], "240");
        assert!(num(row, "next_requests").abs_diff(1_790) <= 1, "{row:?}");
    }
}

/// A good release: iteration 10 at 10 min, promoted at 11 (`runAB` promotes after the
/// last iteration, with no switch of every request as blue/green has), traffic back on
/// the primary at 12, the canary scaled down at 13.
#[test]
fn a_good_release_is_promoted_the_tick_after_its_last_iteration() {
    let (_, rows) = run(
        "flagger-ab.yaml",
        &["--set", "service.versions.next.error_rate=0.001"],
    );
    for row in &rows {
        assert_eq!(row["outcome"], "completed");
        assert_eq!(row["duration_s"], "780");
    }
}

/// Conditions selecting every request (`matchShare: 1`) leave a progressive canary as it
/// is without them: the same `trials.csv`, byte for byte.
#[test]
fn a_match_of_every_request_changes_nothing() {
    let (plain, _) = run("flagger-canary.yaml", &[]);
    let (matched, _) = run(
        "flagger-canary.yaml",
        &[
            "--set",
            "strategy.flagger.analysis.match=[{headers: {x-canary: {exact: \"1\"}}}]",
            "--set",
            "strategy.flagger.analysis.matchShare=1",
        ],
    );
    assert_eq!(plain, matched);
}
