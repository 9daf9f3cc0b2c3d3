//! Speed of an Argo canary with analysis on `benches/bench-canary.yaml` (20 replicas
//! behind a router at 1,000 rps, 10 steps, a step analysis and a background analysis
//! every 30 s), next to the Swarm bench (`benches/bench-swarm.yaml`) measured in the same
//! run, so the ratio between the two does not depend on the machine's load of the day.
//!
//! `cargo bench --bench canary`; trials/s = 1,000 / the `1k_trials` time, events/s from
//! `one_trial_events`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn canary(c: &mut Criterion) {
    let s = common::scenario("bench-canary.yaml");
    common::one_trial(c, "bench-canary", &s);
    common::many_trials(c, "bench-canary", "1k_trials", &s, 1_000, 10);
}

fn swarm(c: &mut Criterion) {
    let s = common::scenario("bench-swarm.yaml");
    common::one_trial(c, "bench-swarm", &s);
    common::many_trials(c, "bench-swarm", "10k_trials", &s, 10_000, 10);
}

criterion_group!(benches, canary, swarm);
criterion_main!(benches);
