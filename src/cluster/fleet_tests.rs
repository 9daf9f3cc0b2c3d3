//! The fleet copied from a worker's first trial gives every later trial exactly what
//! creating it again would: the same rows (including `events`, which counts the cancelled
//! start steps the path schedules) as a fresh worker, whose first trial always takes the
//! ordinary path.

use crate::result::TrialResult;
use crate::scenario::{Format, Scenario, load_str};
use crate::trial::Workspace;

fn scenario(body: &str) -> Scenario {
    let text = format!("seed: 3\ntrials: 40\n{body}");
    load_str(&text, "fleet.yaml", Format::Yaml, &[]).unwrap()
}

/// Trials `0..n` on one warm workspace, and whether it kept a fleet.
fn warm(s: &Scenario, n: u64) -> (Vec<TrialResult>, bool) {
    let mut ws = Workspace::new(s);
    let rows = (0..n).map(|i| ws.run(i)).collect();
    (rows, ws.fleet_kept())
}

/// Trials `0..n`, each on a fresh workspace (the ordinary path every time).
fn cold(s: &Scenario, n: u64) -> Vec<TrialResult> {
    (0..n).map(|i| Workspace::new(s).run(i)).collect()
}

const SWARM: &str =
    "strategy: {swarm: {update_config: {parallelism: 2, delay: 1s, order: start-first}}}\n";

/// Scenarios whose fleet is the same in every trial: kept, and copying it changes nothing.
#[test]
fn a_kept_fleet_gives_the_rows_of_the_ordinary_path() {
    let cases = [
        // HEALTHCHECK, cached images (the benchmark's shape).
        "cluster: {nodes: 4, image_cached: [current]}\nservice: {replicas: 8, \
         versions: {current: {image: a:1}, next: {image: a:2, start: {uniform: {min: 1s, max: 4s}}}}, \
         healthcheck: {interval: 1s, retries: 3}}\n",
        // A constant start and a pull: cancelled steps at 2 s and 5 s count as events,
        // queued as one a run by the copy.
        "cluster: {nodes: 3}\nservice: {replicas: 6, versions: {current: {image: a:1, start: 2s, \
         pull: 5s}, next: {image: a:2, start: 1s, pull: 3s}}}\n",
        // The same under traffic: the instants of the cancelled steps still come.
        "cluster: {nodes: 3}\nservice: {replicas: 6, versions: {current: {image: a:1, start: 2s, \
         pull: 5s}, next: {image: a:2, start: 1s, pull: 3s}}}\ntraffic: {rps: 40}\n",
        // A node lost at 0 s and a user action at 0 s: ties with the fleet's events.
        "cluster: {nodes: 3, image_cached: [current]}\nservice: {replicas: 6, versions: \
         {current: {image: a:1, start: 1s}, next: {image: a:2, start: 2s}}}\n\
         faults: {node_failures: [{at: 0s, node: node-1, recover_after: 30s}]}\n",
    ];
    for body in cases {
        let s = scenario(&format!("{body}{SWARM}"));
        let (rows, kept) = warm(&s, 40);
        assert!(kept, "{body}");
        assert_eq!(rows, cold(&s, 40), "{body}");
    }
}

/// A copied fleet queues each run of cancelled start steps as one event; a budget that
/// runs out anywhere — inside such a run, at its first or last step, or just after —
/// stops the trial where popping them one by one would have: the same rows.
#[test]
fn a_kept_fleet_stops_where_the_budget_stops_the_ordinary_path() {
    // 8 serving tasks on 4 nodes with cached images: 8 cancelled starts at time 0.
    let s = scenario(&format!(
        "cluster: {{nodes: 4, image_cached: [current]}}\nservice: {{replicas: 8, \
         versions: {{current: {{image: a:1, start: 1s}}, next: {{image: a:2, start: 2s}}}}}}\n{SWARM}"
    ));
    let run = |budget: u64, fresh_each: bool| -> Vec<TrialResult> {
        let mut ws = Workspace::new(&s);
        ws.set_budget(budget);
        (0..3)
            .map(|i| {
                if fresh_each {
                    ws = Workspace::new(&s);
                    ws.set_budget(budget);
                }
                ws.run(i)
            })
            .collect()
    };
    let full = run(u64::MAX, true);
    assert!(full.iter().all(|r| !r.event_budget_exceeded));
    let mut stopped = 0;
    for budget in 0..full[0].events + 40 {
        let (warm, cold) = (run(budget, false), run(budget, true));
        assert_eq!(warm, cold, "budget {budget}");
        stopped += usize::from(warm[2].event_budget_exceeded);
    }
    assert!(stopped > 20, "the budget stopped {stopped} runs");
}

/// Scenarios whose fleet draws random numbers or is placed by task counts: never kept, and
/// the rows are the ordinary path's anyway.
#[test]
fn a_fleet_that_varies_is_created_every_trial() {
    let cases = [
        // A flaky HEALTHCHECK draws the healthy container's next failures.
        "service: {replicas: 4, healthcheck: {interval: 1s, retries: 2, flaky: 0.3}}\n",
        // The current version's hang is random.
        "service: {replicas: 4, versions: {current: {image: a:1, hang_after: \
         {exponential: {mean: 60s}}}, next: {image: a:2}}}\n",
        // The current version's start is random (its cancelled step pops at a random time).
        "service: {replicas: 4, versions: {current: {image: a:1, start: \
         {uniform: {min: 1s, max: 9s}}}, next: {image: a:2}}}\n",
        // A per-node limit: placement depends on the tasks placed.
        "cluster: {nodes: 3}\nservice: {replicas: 4, placement: {max_replicas_per_node: 2}}\n",
    ];
    for body in cases {
        let s = scenario(&format!("{body}{SWARM}"));
        let (rows, kept) = warm(&s, 40);
        assert!(!kept, "{body}");
        assert_eq!(rows, cold(&s, 40), "{body}");
    }
}

const KUBERNETES: &str = "strategy: {kubernetes: {strategy: {type: RollingUpdate, \
     rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}}}\n";

/// Trials `0..n` on one warm workspace, and how many readiness walks its kept fleet has
/// each copy walk afresh (`None`: no fleet kept).
fn warm_walks(s: &Scenario, n: u64) -> (Vec<TrialResult>, Option<usize>) {
    let mut ws = Workspace::new(s);
    let rows = (0..n).map(|i| ws.run(i)).collect();
    (rows, ws.fleet_rewalks())
}

/// Under the kubelet the fleet is kept even when its readiness probes are flaky: each
/// pod's readiness walk is walked afresh, from the trial's streams, where it began. So is
/// a walk lent to the engine (deferred), even of a probe that is never flaky.
#[test]
fn a_kept_kubelet_fleet_walks_readiness_afresh() {
    let cases = [
        // The benchmark's shape: flaky readiness, a liveness and a startup probe.
        (
            "cluster: {nodes: 3}\nservice: {replicas: 12, versions: {current: {image: a:1}, \
             next: {image: a:2, start: {uniform: {min: 1s, max: 4s}}}}, \
             readinessProbe: {periodSeconds: 1, failureThreshold: 1, flaky: 0.3}, \
             livenessProbe: {periodSeconds: 10, failureThreshold: 3}, \
             startupProbe: {periodSeconds: 1, failureThreshold: 60}}\n",
            12,
        ),
        // No probes at all: nothing is walked.
        (
            "cluster: {nodes: 2}\nservice: {replicas: 6, versions: {current: {image: a:1}, \
             next: {image: a:2, start: 2s}}}\n",
            0,
        ),
        // A constant start and pull: cancelled steps between the walks (each walk ends a
        // run of them in the copy).
        (
            "cluster: {nodes: 3}\nservice: {replicas: 9, versions: {current: {image: a:1, \
             start: 2s, pull: 5s}, next: {image: a:2, start: 1s}}, \
             readinessProbe: {periodSeconds: 1, failureThreshold: 1, flaky: 0.3}}\n",
            9,
        ),
        // A probe that is never flaky, of pods that hang at 3 s: the walk passes the probe
        // at 1 s and is lent to the engine until the first hung probe at 3 s (NotReady at
        // 6 s, during the rollout).
        (
            "cluster: {nodes: 3}\nservice: {replicas: 9, versions: {current: {image: a:1, \
             hang_after: 3s}, next: {image: a:2, start: 5s}}, \
             readinessProbe: {periodSeconds: 1, failureThreshold: 3}}\n",
            9,
        ),
    ];
    for (body, walks) in cases {
        let s = scenario(&format!("{body}{KUBERNETES}"));
        let (rows, rewalks) = warm_walks(&s, 40);
        assert_eq!(rewalks, Some(walks), "{body}");
        assert_eq!(rows, cold(&s, 40), "{body}");
    }
    // A flaky liveness probe draws the serving pod's death: created every trial.
    let s = scenario(&format!(
        "service: {{replicas: 4, livenessProbe: {{periodSeconds: 1, flaky: 0.3}}}}\n{KUBERNETES}"
    ));
    let (rows, kept) = warm(&s, 40);
    assert!(!kept);
    assert_eq!(rows, cold(&s, 40));
}

/// A readiness probe that is never flaky draws nothing, so each serving pod's walk is the
/// same in every trial: the fleet keeps what it did (the flip it scheduled, the worker
/// left in the pod's record) and no copy walks it again, with the rows of the ordinary path.
#[test]
fn a_kept_kubelet_fleet_keeps_the_walks_of_a_probe_never_flaky() {
    let cases = [
        // The scaling benchmark's shape: the pods never hang, so the walk finds no flip.
        "cluster: {nodes: 3}\nservice: {replicas: 12, versions: {current: {image: a:1}, \
         next: {image: a:2, start: {uniform: {min: 1s, max: 4s}}}}, \
         readinessProbe: {periodSeconds: 2, failureThreshold: 3}, \
         livenessProbe: {periodSeconds: 10, failureThreshold: 3}, \
         startupProbe: {periodSeconds: 1, failureThreshold: 60}}\n",
        // The pods hang at 1 s, before the first probe at 2 s: each walk schedules its
        // NotReady flip (at 7 s, during the rollout) at once, among the fleet's events.
        "cluster: {nodes: 3}\nservice: {replicas: 9, versions: {current: {image: a:1, \
         hang_after: 1s}, next: {image: a:2, start: 5s}}, \
         readinessProbe: {periodSeconds: 2, failureThreshold: 3}}\n",
        // The same with a liveness probe that kills the hung pods (at 21 s: each walk
        // ends by then), and cancelled start steps (at 2 s and 5 s) before the flips.
        "cluster: {nodes: 3}\nservice: {replicas: 9, versions: {current: {image: a:1, \
         start: 2s, pull: 5s, hang_after: 1s}, next: {image: a:2, start: 5s}}, \
         readinessProbe: {periodSeconds: 2, failureThreshold: 3}, \
         livenessProbe: {periodSeconds: 10, failureThreshold: 2}}\n",
    ];
    for body in cases {
        let s = scenario(&format!("{body}{KUBERNETES}"));
        let (rows, rewalks) = warm_walks(&s, 40);
        assert_eq!(rewalks, Some(0), "{body}");
        assert_eq!(rows, cold(&s, 40), "{body}");
    }
}
