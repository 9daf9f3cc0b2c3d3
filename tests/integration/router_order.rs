//! A write of the router's configuration reaches the proxies no earlier than the pods it
//! moves requests onto joined their rotation (README "Traffic, availability and faults";
//! `traffic::routing`): the controller moved the requests because it saw those pods
//! available, and their endpoints reach the proxies by a shorter path than its write.
//! With a lag that varies from change to change the two used to be drawn independently,
//! and a weight could overtake the endpoints it was written for: Argo Rollouts' canary
//! below refused requests in about half its trials ("503 no healthy upstream"), though
//! nothing in it fails.

use super::support::{field, run_trials};

/// Every trial of the router scenarios, with the lag drawn from 0–5 s for every change:
/// no request is refused, and the new version gets requests in every trial. The good
/// releases count requests for 20 minutes, past the promotion and the old version's
/// scale-down (`scaleDownDelaySeconds` after the router moved away from it); the bad ones
/// until the rollback (after it, Flagger scales the canary to zero in the tick that routes
/// everything back, and its pods refuse what the proxies still send them: upstream's
/// behaviour, not this rule's).
#[test]
fn a_weight_never_overtakes_the_pods_it_was_written_for() {
    let lag = "traffic.endpoint_propagation={uniform: {min: 0s, max: 5s}}";
    let runs: [(&str, &[&str]); 4] = [
        ("canary-router.yaml", &["--set", "traffic.duration=20m"]),
        ("blue-green.yaml", &["--set", "traffic.duration=20m"]),
        ("flagger-canary.yaml", &[]),
        ("canary-analysis.yaml", &[]),
    ];
    for (scenario, extra) in runs {
        let mut args = vec!["--trials", "200", "--set", lag];
        args.extend_from_slice(extra);
        let trials = run_trials(scenario, &args, false);
        assert_eq!(trials.rows.len(), 200);
        for row in &trials.rows {
            let trial = field(row, "trial");
            assert_eq!(
                field(row, "refused_requests"),
                "0",
                "{scenario} trial {trial}"
            );
            let next: u64 = field(row, "next_requests").parse().unwrap();
            assert!(next > 0, "{scenario} trial {trial}");
        }
    }
}
