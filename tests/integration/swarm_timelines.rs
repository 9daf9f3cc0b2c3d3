//! Exact Swarm timelines from YAML scenarios with constant latencies, against the
//! worker-pool rules of swarmkit's updater (`manager/orchestrator/update/updater.go`).

use crate::{trial, yaml};
use rollout_sim::experiment::Outcome;

fn scenario(replicas: u32, start: &str, update: &str, extra: &str) -> String {
    format!(
        "name: t
cluster: {{nodes: 2, node: {{cpu: '8', memory: 16Gi}}}}
service:
  replicas: {replicas}
  resources: {{cpu: 250m, memory: 256Mi}}
  versions:
    current: {{image: app:v1}}
    next: {{image: app:v2, start: {start}}}
{extra}
strategy:
  swarm:
    update_config: {update}
"
    )
}

#[test]
fn the_reference_example_completes_at_47_seconds() {
    // `Updater.worker` sleeps `delay` after every slot, the last too, and `Updater.Run`
    // then watches `delay + 1s` (delay >= monitor): 3 slots, parallelism 1, delay 10 s,
    // monitor 5 s, 2 s to RUNNING → slots start at 0, 12, 24 s, workers end at 36 s.
    let s = yaml(&scenario(
        3,
        "2s",
        "{parallelism: 1, delay: 10s, monitor: 5s}",
        "",
    ));
    let r = trial(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(r.duration, 47_000_000);
}

#[test]
fn closed_form_durations_for_both_orders() {
    // ceil(N/p)·(T + d) + (d >= monitor ? d + 1 : monitor)
    for order in ["stop-first", "start-first"] {
        for (n, p, t, d, m) in [
            (6u64, 1u64, 3u64, 0u64, 5u64),
            (6, 2, 3, 10, 5),
            (7, 3, 1, 2, 5),
            (4, 4, 5, 0, 2),
            (5, 2, 2, 5, 5),
        ] {
            let update =
                format!("{{parallelism: {p}, delay: {d}s, monitor: {m}s, order: {order}}}");
            let s = yaml(&scenario(n as u32, &format!("{t}s"), &update, ""));
            let last = if d >= m { d + 1 } else { m };
            let want = n.div_ceil(p) * (t + d) + last;
            assert_eq!(
                trial(&s).duration,
                want * 1_000_000,
                "{order} n={n} p={p} t={t} d={d} m={m}"
            );
        }
    }
}

#[test]
fn parallelism_zero_means_every_slot_at_once() {
    let s = yaml(&scenario(8, "4s", "{parallelism: 0}", ""));
    let r = trial(&s);
    assert_eq!(r.duration, (4 + 5) * 1_000_000);
    assert_eq!(r.min_ready, 0);
}

#[test]
fn a_healthcheck_adds_its_interval_to_every_slot() {
    // Ready 1 s after start; probes every 30 s by default: RUNNING 30 s after start.
    let extra = "  healthcheck: {}";
    let s = yaml(
        &scenario(2, "1s", "{parallelism: 1}", extra)
            .replace("start: 1s", "start: 1s, ready_after: 1s"),
    );
    assert_eq!(trial(&s).duration, (2 * 31 + 5) * 1_000_000);
}

#[test]
fn each_failure_action() {
    let bad = |action: &str| {
        yaml(
            &scenario(
                4,
                "2s",
                &format!("{{parallelism: 1, failure_action: {action}}}"),
                "",
            )
            .replace("start: 2s", "start: 2s, crash_probability: 1"),
        )
    };
    let r = trial(&bad("pause"));
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 2_000_000));
    let r = trial(&bad("continue"));
    assert_eq!(
        (r.outcome, r.duration),
        (Outcome::Completed, (4 * 2 + 5) * 1_000_000)
    );
    // Rollback: slot 1 fails at 2 s; its restart (next, held 5 s) is replaced by the
    // rollback run with current (which starts instantly here), then the 5 s final window.
    let r = trial(&bad("rollback"));
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 7_000_000));
}

#[test]
fn start_first_on_a_full_cluster_hangs_pending_until_the_horizon() {
    let text = scenario(4, "2s", "{parallelism: 1, order: start-first}", "").replace(
        "nodes: 2, node: {cpu: '8', memory: 16Gi}",
        "nodes: 1, node: {cpu: '1', memory: 16Gi}",
    ) + "horizon: 10m\n";
    let r = trial(&yaml(&text));
    assert_eq!((r.outcome, r.duration), (Outcome::Timeout, 600_000_000));
    assert_eq!(r.peak_tasks, 4);
}

#[test]
fn a_forced_update_replaces_every_task_of_the_same_image_through_update_config() {
    // The reference example (47 s alone) forced at 30 s (`docker service update --force`;
    // docker/cli `update.go`: `ForceUpdate++`), while the first run is on its third slot:
    // the forced run replaces it, and all three slots are dirty again, the two already
    // done too (swarmkit `IsTaskDirty` compares the whole task spec). The forced run is the
    // same 47 s from 30 s: 77 s.
    let s = yaml(&scenario(
        3,
        "2s",
        "{parallelism: 1, delay: 10s, monitor: 5s}",
        "actions: [{at: 30s, rollout: restart}]",
    ));
    let r = trial(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(r.duration, 77_000_000);
}
