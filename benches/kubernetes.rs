//! Speed of the Kubernetes model on `benches/bench-kubernetes.yaml` (a 100-replica
//! Deployment at 25%/25% with startup, readiness and liveness probes): one trial, and
//! 1,000 trials on every core.
//!
//! `cargo bench --bench kubernetes`; trials/s = 1,000 / the `1k_trials` time, events/s
//! from `one_trial_events`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn kubernetes(c: &mut Criterion) {
    let s = common::scenario("bench-kubernetes.yaml");
    common::one_trial(c, "bench-kubernetes", &s);
    common::many_trials(c, "bench-kubernetes", "1k_trials", &s, 1_000, 10);
}

criterion_group!(benches, kubernetes);
criterion_main!(benches);
