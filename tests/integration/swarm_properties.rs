//! Invariants of the Swarm updater under random timing, checked on the trace of every
//! instant: a slot never has more than two live tasks in start-first, never more than
//! `parallelism` slots are in flight, and a healthy update always completes.

use crate::yaml;
use proptest::prelude::*;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::experiment::Outcome;
use rollout_sim::scenario::NEXT;
use rollout_sim::trial::Workspace;
use std::collections::HashMap;

#[derive(Debug, Clone)]
struct Case {
    replicas: u32,
    parallelism: u32,
    delay_s: u32,
    monitor_s: u32,
    start_first: bool,
    healthcheck: bool,
    nodes: u32,
    seed: u64,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        1u32..9,
        0u32..4,
        0u32..8,
        0u32..8,
        any::<bool>(),
        any::<bool>(),
        1u32..4,
        any::<u64>(),
    )
        .prop_map(
            |(replicas, parallelism, delay_s, monitor_s, start_first, healthcheck, nodes, seed)| {
                Case {
                    replicas,
                    parallelism,
                    delay_s,
                    monitor_s,
                    start_first,
                    healthcheck,
                    nodes,
                    seed,
                }
            },
        )
}

fn scenario(c: &Case) -> String {
    let order = if c.start_first {
        "start-first"
    } else {
        "stop-first"
    };
    let hc = if c.healthcheck {
        "  healthcheck: {interval: 1s, start_interval: 500ms, start_period: 1m}\n"
    } else {
        ""
    };
    format!(
        "name: prop
seed: {seed}
cluster: {{nodes: {nodes}, node: {{cpu: '16', memory: 32Gi}}}}
service:
  replicas: {replicas}
  resources: {{cpu: 250m, memory: 128Mi}}
  versions:
    current: {{shutdown: {{uniform: {{min: 0s, max: 3s}}}}}}
    next:
      pull: {{exponential: {{mean: 2s}}}}
      start: {{uniform: {{min: 100ms, max: 3s}}}}
      ready_after: {{lognormal: {{median: 1s, p99: 6s}}}}
      shutdown: {{uniform: {{min: 0s, max: 3s}}}}
{hc}strategy:
  swarm:
    update_config: {{parallelism: {p}, delay: {d}s, monitor: {m}s, order: {order}}}
",
        seed = c.seed,
        nodes = c.nodes,
        replicas = c.replicas,
        p = c.parallelism,
        d = c.delay_s,
        m = c.monitor_s,
    )
}

/// Per instant: (most live tasks in one slot, slots with a new task not yet ready).
fn instants(trace: &[TraceRecord]) -> Vec<(u32, u32)> {
    let mut tasks: HashMap<u32, (u32, u8, TaskState)> = HashMap::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < trace.len() {
        let t = trace[i].time();
        while i < trace.len() && trace[i].time() == t {
            if let TraceRecord::Task {
                task,
                slot,
                version,
                state,
                ..
            } = trace[i]
            {
                tasks.insert(task, (slot, version, state));
            }
            i += 1;
        }
        let mut live: HashMap<u32, u32> = HashMap::new();
        let mut in_flight: HashMap<u32, ()> = HashMap::new();
        for &(slot, version, state) in tasks.values() {
            if !state.is_terminal() {
                *live.entry(slot).or_default() += 1;
                if version == NEXT && state < TaskState::Ready {
                    in_flight.insert(slot, ());
                }
            }
        }
        out.push((
            live.values().copied().max().unwrap_or(0),
            in_flight.len() as u32,
        ));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn swarm_invariants_hold_under_random_timing(c in cases()) {
        let s = yaml(&scenario(&c));
        let (r, trace) = Workspace::new(&s).run_traced(0);
        prop_assert_eq!(r.outcome, Outcome::Completed);
        let workers = if c.parallelism == 0 { c.replicas } else { c.parallelism };
        for (most_in_slot, in_flight) in instants(&trace) {
            if c.start_first {
                prop_assert!(most_in_slot <= 2, "{} live tasks in a slot", most_in_slot);
            }
            prop_assert!(in_flight <= workers, "{} slots in flight with {} workers", in_flight, workers);
        }
        // Serving capacity: start-first never drops below the replicas; stop-first loses at
        // most one task per worker.
        let floor = if c.start_first { c.replicas } else { c.replicas.saturating_sub(workers) };
        prop_assert!(r.min_ready >= floor, "min_ready {} < {}", r.min_ready, floor);
    }

    #[test]
    fn any_trial_ends_in_a_contract_outcome(c in cases(), crash in 0.0f64..1.0) {
        let text = scenario(&c).replace("      pull:", &format!("      crash_probability: {crash}\n      pull:"));
        let s = yaml(&(text + "horizon: 20m\n"));
        let r = Workspace::new(&s).run(0);
        prop_assert!(Outcome::ALL.contains(&r.outcome));
        prop_assert!(r.duration <= 20 * 60 * 1_000_000);
    }
}
