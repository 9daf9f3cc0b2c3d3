//! How one trial's cost grows with the fleet: `benches/scaling-kubernetes.yaml`
//! (RollingUpdate, maxSurge 10% / maxUnavailable 10%, probes),
//! `benches/scaling-swarm.yaml` (start-first, parallelism 10%, HEALTHCHECK),
//! `benches/scaling-daemonset.yaml` (maxUnavailable 10%, probes; one pod a node),
//! `benches/scaling-statefulset.yaml` (Parallel, maxUnavailable 10%, probes),
//! `benches/scaling-canary.yaml` (an Argo Rollouts canary, 10/30/60 %, then promoted) and
//! `benches/scaling-flagger.yaml` (a Flagger canary analysis, 10 to 50 %, then the
//! promotion) at 100, 1,000 and 10,000 replicas (the DaemonSet: nodes), on one core.
//!
//! `cargo bench --bench scaling`. Criterion reports the time of one trial and trials/s;
//! the closing table adds events/s and the scaling ratio, all from the same run: a linear
//! model takes 10× the 100-replica time at 1,000 replicas and 100× at 10,000, so the
//! ratio `time(N) / (N/100 × time(100))` is 1.0 for linear cost and N/100 for quadratic.
//! Each measured call runs the next trial index, so the figures average over trials.
//!
//! `SCALING_PROFILE=<swarm|kubernetes|daemonset|statefulset|canary|flagger>:<replicas>:<trials>` runs that many trials of one
//! case in one workspace instead (no criterion), to profile exactly what is timed, e.g.
//! `SCALING_PROFILE=swarm:10000:3 valgrind --tool=callgrind target/release/deps/scaling-*[0-9a-f]` (the bench binary, not its `.d` file)
//! (the `rollout-sim run` command splits trials across workspaces, so each split creates
//! its own fleet and the per-trial cost is not what the bench times).

#[allow(
    dead_code,
    reason = "the many-trials helpers are for the other benches"
)]
mod common;

use criterion::criterion_group;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use rollout_sim::trial::Workspace;
use std::time::{Duration, Instant};

/// Fleet sizes, each 10× the last.
const REPLICAS: [u64; 3] = [100, 1_000, 10_000];

/// How a case is sized to a number of replicas.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sizing {
    /// `service.replicas`, on a tenth as many nodes.
    Replicas,
    /// The same, and Swarm's `parallelism`, a count, to 10% of the replicas.
    ReplicasAndParallelism,
    /// A DaemonSet: one pod a node, so `cluster.nodes`.
    Nodes,
}

/// One controller's scenario and how it is sized.
struct Case {
    group: &'static str,
    file: &'static str,
    sizing: Sizing,
}

static CASES: [Case; 6] = [
    Case {
        group: "scaling-kubernetes",
        file: "scaling-kubernetes.yaml",
        sizing: Sizing::Replicas,
    },
    Case {
        group: "scaling-swarm",
        file: "scaling-swarm.yaml",
        sizing: Sizing::ReplicasAndParallelism,
    },
    Case {
        group: "scaling-daemonset",
        file: "scaling-daemonset.yaml",
        sizing: Sizing::Nodes,
    },
    Case {
        group: "scaling-statefulset",
        file: "scaling-statefulset.yaml",
        sizing: Sizing::Replicas,
    },
    Case {
        group: "scaling-canary",
        file: "scaling-canary.yaml",
        sizing: Sizing::Replicas,
    },
    Case {
        group: "scaling-flagger",
        file: "scaling-flagger.yaml",
        sizing: Sizing::Replicas,
    },
];

impl Case {
    /// `--set` overrides for `replicas`: 10 replicas a node, so the surge fits too (a
    /// DaemonSet: one a node).
    fn overrides(&self, replicas: u64) -> Vec<String> {
        if self.sizing == Sizing::Nodes {
            return vec![format!("cluster.nodes={replicas}")];
        }
        let mut sets = vec![
            format!("service.replicas={replicas}"),
            format!("cluster.nodes={}", replicas / 10),
        ];
        if self.sizing == Sizing::ReplicasAndParallelism {
            sets.push(format!(
                "strategy.swarm.update_config.parallelism={}",
                replicas / 10
            ));
        }
        sets
    }
}

/// Everything measured for one size: trials run, events they processed, time spent.
#[derive(Default, Clone, Copy)]
struct Tally {
    trials: u64,
    events: u64,
    spent: Duration,
}

impl Tally {
    fn seconds_per_trial(&self) -> f64 {
        self.spent.as_secs_f64() / self.trials as f64
    }
}

fn scaling(c: &mut Criterion) {
    let mut rows: Vec<(&str, u64, Tally)> = Vec::new();
    for case in &CASES {
        let mut g = c.benchmark_group(case.group);
        // A 10,000-replica Kubernetes trial takes seconds today: criterion's minimum of
        // 10 samples, one trial each, is all the measurement there is time for.
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(100))
            .measurement_time(Duration::from_secs(1))
            .throughput(Throughput::Elements(1));
        for replicas in REPLICAS {
            let s = common::scenario_with(case.file, &case.overrides(replicas));
            let mut ws = Workspace::new(&s);
            let mut tally = Tally::default();
            g.bench_function(BenchmarkId::new("one_trial", replicas), |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    let mut events = 0;
                    for _ in 0..iters {
                        events += ws.run(tally.trials).events;
                        tally.trials += 1;
                    }
                    let spent = start.elapsed();
                    tally.events += events;
                    tally.spent += spent;
                    spent
                })
            });
            if tally.trials > 0 {
                rows.push((case.group, replicas, tally));
            }
        }
        g.finish();
    }
    print_table(&rows);
}

/// The closing table: per size, trials/s, events/s, events per trial and the ratio to
/// linear growth from the 100-replica time of the same controller.
fn print_table(rows: &[(&str, u64, Tally)]) {
    if rows.is_empty() {
        return;
    }
    println!();
    println!(
        "{:<20} {:>8} {:>12} {:>12} {:>14} {:>12} {:>10}",
        "scenario", "replicas", "ms/trial", "trials/s", "events/trial", "events/s", "vs linear"
    );
    for (group, replicas, t) in rows {
        let base = rows
            .iter()
            .find(|(g, r, _)| g == group && *r == REPLICAS[0])
            .map(|(_, _, b)| b.seconds_per_trial() * (*replicas / REPLICAS[0]) as f64);
        let secs = t.seconds_per_trial();
        println!(
            "{:<20} {:>8} {:>12.3} {:>12.3} {:>14.0} {:>12.0} {:>10}",
            group,
            replicas,
            secs * 1e3,
            1.0 / secs,
            t.events as f64 / t.trials as f64,
            t.events as f64 / t.spent.as_secs_f64(),
            base.map_or("-".to_string(), |b| format!("{:.2}×", secs / b)),
        );
    }
}

/// `SCALING_PROFILE`'s case, replicas and trials, or `None` if it is malformed.
fn parse_profile(spec: &str) -> Option<(&'static Case, u64, u64)> {
    let parts: Vec<&str> = spec.split(':').collect();
    let [controller, replicas, trials] = parts[..] else {
        return None;
    };
    let case = CASES.iter().find(|c| c.group.ends_with(controller))?;
    Some((case, replicas.parse().ok()?, trials.parse().ok()?))
}

/// Run `SCALING_PROFILE`'s trials (see the module comment): trials `0..trials` of one case
/// at one size, in one workspace, printing the events per trial.
fn profile(spec: &str) {
    let Some((case, replicas, trials)) = parse_profile(spec) else {
        eprintln!(
            "SCALING_PROFILE is <swarm|kubernetes|daemonset|statefulset|canary|flagger>:<replicas>:<trials> \
             (e.g. swarm:10000:3), \
             not {spec:?}"
        );
        std::process::exit(2);
    };
    let s = common::scenario_with(case.file, &case.overrides(replicas));
    let mut ws = Workspace::new(&s);
    let events: u64 = (0..trials).map(|i| ws.run(i).events).sum();
    println!(
        "{} at {replicas} replicas: {trials} trials, {} events/trial",
        case.group,
        events / trials.max(1)
    );
}

criterion_group!(benches, scaling);

fn main() {
    match std::env::var("SCALING_PROFILE") {
        Ok(spec) => profile(&spec),
        Err(_) => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
