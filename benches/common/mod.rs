//! What every bench does with its scenario: load it, time one trial (and its events), and
//! time many trials on every core.

use criterion::{Criterion, Throughput};
use rollout_sim::experiment::run_trials;
use rollout_sim::scenario::{self, Override, Scenario};
use rollout_sim::trial::Workspace;
use std::hint::black_box;
use std::path::Path;

/// Load `benches/<file>`.
pub fn scenario(file: &str) -> Scenario {
    scenario_with(file, &[])
}

/// Load `benches/<file>` with `--set`-style overrides (`"service.replicas=1000"`).
pub fn scenario_with(file: &str, sets: &[String]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches")
        .join(file);
    let overrides: Vec<Override> = sets
        .iter()
        .map(|s| s.parse().expect("the bench override is PATH=VALUE"))
        .collect();
    scenario::load_file(&path, &overrides).expect("the bench scenario loads")
}

/// `<group>/one_trial` (trials/s on one core) and `<group>/one_trial_events` (events/s).
pub fn one_trial(c: &mut Criterion, group: &str, s: &Scenario) {
    let mut ws = Workspace::new(s);
    let events = ws.run(0).events;
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(1));
    let mut trial = 0;
    g.bench_function("one_trial", |b| {
        b.iter(|| {
            trial += 1;
            black_box(ws.run(trial))
        })
    });
    g.throughput(Throughput::Elements(events));
    g.bench_function("one_trial_events", |b| b.iter(|| black_box(ws.run(0))));
    g.finish();
}

/// `<group>/<name>`: `trials` trials on every core through rayon.
pub fn many_trials(
    c: &mut Criterion,
    group: &str,
    name: &str,
    s: &Scenario,
    trials: u64,
    samples: usize,
) {
    let mut g = c.benchmark_group(group);
    g.sample_size(samples);
    g.throughput(Throughput::Elements(trials));
    g.bench_function(name, |b| b.iter(|| black_box(run_trials(s, 0..trials))));
    g.finish();
}
