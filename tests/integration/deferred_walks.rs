//! A flaky readiness probe's next flip is walked only as far as a trial gets (the engine's
//! deferred events): the trials must be exactly those of walking every flip at once, to
//! the horizon, when it is looked for — every `trials.csv` field, the `events` count
//! included, and every line of the event log.

use rollout_sim::cluster::TaskState;
use rollout_sim::cluster::TraceRecord;
use rollout_sim::scenario::{Override, Scenario, load_file};
use rollout_sim::trial::Workspace;
use std::path::Path;

/// Every example that runs on the kubelet, plus the Kubernetes benchmark.
const FILES: [&str; 19] = [
    "scenarios/k8s-affinity-pending.yaml",
    "scenarios/k8s-affinity-pending-fix.yaml",
    "scenarios/k8s-autoscale-mid-rollout.yaml",
    "scenarios/k8s-crashloop-deadline.yaml",
    "scenarios/k8s-endpoint-lag.yaml",
    "scenarios/k8s-node-loss.yaml",
    "scenarios/k8s-pause-manual-check.yaml",
    "scenarios/k8s-prestop-fix.yaml",
    "scenarios/k8s-recreate.yaml",
    "scenarios/k8s-rollback-midway.yaml",
    "scenarios/k8s-rolling-default.yaml",
    "scenarios/k8s-spread-surge.yaml",
    "scenarios/k8s-surge-one.yaml",
    "scenarios/canary-analysis.yaml",
    "scenarios/canary-bad-release.yaml",
    "scenarios/canary-replica-ratio.yaml",
    "scenarios/canary-router.yaml",
    "scenarios/blue-green.yaml",
    "benches/bench-kubernetes.yaml",
];

fn load(file: &str, flaky: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let sets: Vec<Override> = [format!("service.readinessProbe.flaky={flaky}")]
        .iter()
        .map(|s| s.parse().expect("an override"))
        .collect();
    load_file(&path, &sets).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// NotReady transitions in a trace: readiness flips that the walk found.
fn not_ready_flips(trace: &[TraceRecord]) -> usize {
    let mut ready = std::collections::HashSet::new();
    let mut flips = 0;
    for r in trace {
        if let TraceRecord::Task { task, state, .. } = r {
            if *state == TaskState::Ready {
                ready.insert(*task);
            } else if ready.remove(task) && *state == TaskState::Running {
                flips += 1;
            }
        }
    }
    flips
}

#[test]
fn deferred_readiness_walks_give_the_trials_of_eager_ones() {
    let mut flips = 0;
    for file in FILES {
        for flaky in ["0.02", "0.3"] {
            let s = load(file, flaky);
            let mut lazy = Workspace::new(&s);
            let mut eager = Workspace::new(&s);
            eager.set_lazy_walks(false);
            for trial in 0..12 {
                let (a, ta) = lazy.run_traced(trial);
                let (b, tb) = eager.run_traced(trial);
                assert_eq!(a, b, "{file} flaky {flaky} trial {trial}");
                assert!(
                    ta == tb,
                    "{file} flaky {flaky} trial {trial}: event logs differ"
                );
                flips += not_ready_flips(&ta);
            }
            // Untraced runs take the same path.
            for trial in 12..20 {
                assert_eq!(lazy.run(trial), eager.run(trial), "{file} {flaky} {trial}");
            }
        }
    }
    // The comparison covered flips found by deferred walks, not only walks that never flip.
    assert!(flips > 100, "only {flips} NotReady flips");
}
