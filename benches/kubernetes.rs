//! Speed of the Kubernetes model on `benches/bench-kubernetes.yaml` (a 100-replica
//! Deployment at 25%/25% with startup, readiness and liveness probes): one trial, and
//! 1,000 trials on every core.
//!
//! `cargo bench --bench kubernetes`; trials/s = 1,000 / the `1k_trials` time, events/s
//! from `one_trial_events`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rollout_sim::experiment::run_trials;
use rollout_sim::scenario::{self, Scenario};
use rollout_sim::trial::Workspace;
use std::hint::black_box;
use std::path::Path;

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench-kubernetes.yaml");
    scenario::load_file(&path, &[]).expect("the bench scenario loads")
}

fn one_trial(c: &mut Criterion) {
    let s = scenario();
    let mut ws = Workspace::new(&s);
    let events = ws.run(0).events;
    let mut g = c.benchmark_group("bench-kubernetes");
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

fn thousand_trials(c: &mut Criterion) {
    let s = scenario();
    let mut g = c.benchmark_group("bench-kubernetes");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("1k_trials", |b| {
        b.iter(|| black_box(run_trials(&s, 0..1_000)))
    });
    g.finish();
}

criterion_group!(benches, one_trial, thousand_trials);
criterion_main!(benches);
