//! Speed of the Swarm model on `benches/bench-swarm.yaml` (20 replicas, start-first, parallelism 2, a 1 s
//! HEALTHCHECK): one trial, 10,000 trials on every core, and `rollout-sim run` timed as a
//! whole process.
//!
//! `cargo bench --bench swarm`; trials/s = 10,000 / the `10k_trials` time.

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::process::Command;

fn in_process(c: &mut Criterion) {
    let s = common::scenario("bench-swarm.yaml");
    common::one_trial(c, "bench-swarm", &s);
    common::many_trials(c, "bench-swarm", "10k_trials", &s, 10_000, 20);
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

criterion_group!(benches, in_process, whole_process);
criterion_main!(benches);
