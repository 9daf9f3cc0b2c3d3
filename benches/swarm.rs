//! Speed of the Swarm model on `benches/bench-swarm.yaml` (a copy of
//! `shared/bench/bench-swarm.yaml`: 20 replicas, start-first, parallelism 2, a 1 s
//! HEALTHCHECK): one trial, 10,000 trials on every core, and `rollout-sim run` timed as a
//! whole process.
//!
//! `cargo bench --bench swarm`; trials/s = 10,000 / the `10k_trials` time.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rollout_sim::experiment::run_trials;
use rollout_sim::scenario::{self, Scenario};
use rollout_sim::trial::Workspace;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench-swarm.yaml");
    scenario::load_file(&path, &[]).expect("the bench scenario loads")
}

fn one_trial(c: &mut Criterion) {
    let s = scenario();
    let mut ws = Workspace::new(&s);
    let events = ws.run(0).events;
    let mut g = c.benchmark_group("bench-swarm");
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

fn ten_thousand_trials(c: &mut Criterion) {
    let s = scenario();
    let mut g = c.benchmark_group("bench-swarm");
    g.sample_size(20);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("10k_trials", |b| {
        b.iter(|| black_box(run_trials(&s, 0..10_000)))
    });
    g.finish();
}

fn whole_process(c: &mut Criterion) {
    let bin = env!("CARGO_BIN_EXE_rollout-sim");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench-swarm.yaml");
    let out = std::env::temp_dir().join(format!("rollout-sim-bench-{}", std::process::id()));
    let mut g = c.benchmark_group("bench-swarm");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("process_run_10k", |b| {
        b.iter(|| {
            let status = Command::new(bin)
                .arg("run")
                .arg(&file)
                .args(["--quiet", "--out"])
                .arg(&out)
                .status()
                .expect("the binary runs");
            assert!(status.success());
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&out);
}

criterion_group!(benches, one_trial, ten_thousand_trials, whole_process);
criterion_main!(benches);
