//! Speed of the traffic model on `benches/bench-traffic.yaml`: a 100-replica Swarm
//! start-first rollout under 1,000 requests/s for 10 simulated minutes (about 600,000
//! requests a trial, integrated rather than simulated one by one). The same rollout
//! without traffic is timed alongside, so the traffic model's own cost is the difference.
//!
//! `cargo bench --bench traffic`; trials/s = 2,000 / the `2k_trials` time.

mod common;

use criterion::Criterion;
use criterion::{criterion_group, criterion_main};

fn traffic(c: &mut Criterion) {
    let s = common::scenario("bench-traffic.yaml");
    common::one_trial(c, "bench-traffic", &s);
    common::many_trials(c, "bench-traffic", "2k_trials", &s, 2_000, 20);
    let mut quiet = s.clone();
    quiet.traffic = None;
    common::one_trial(c, "bench-traffic-off", &quiet);
}

criterion_group!(benches, traffic);
criterion_main!(benches);
