//! `rollout-sim lint`: settings that upstream controllers accept but that bite people.
//!
//! Each rule says what is wrong, a one-line fix, and the upstream behaviour behind it.
//! Rules that need a number the settings alone do not give (a rollout's p95 duration)
//! run a quick simulation of [`QUICK_TRIALS`] trials.

use crate::experiment::{run_trials, with_threads};
use crate::output::Summary;
use crate::scenario::{
    DeploymentStrategy, Dist, FailureAction, IntOrPercent, Order, Scenario, Strategy,
};
use crate::sim::time::{SECOND, Time, as_secs};
use crate::sim::{Key, Purpose};

/// Trials of the quick simulation behind the rules that need numbers.
pub const QUICK_TRIALS: u64 = 200;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// A stable identifier, e.g. `swarm-delay-ge-monitor`.
    pub rule: &'static str,
    pub message: String,
    /// One line saying what to change.
    pub fix: String,
    /// The upstream behaviour that makes it a problem.
    pub why: &'static str,
}

/// The median of `dist`, estimated from 1001 draws (a lint needs its order of
/// magnitude, not its third digit).
fn median(dist: &Dist) -> Time {
    let mut draws: Vec<Time> = (0..1001)
        .map(|i| dist.sample(&mut Key::trial(0, i, Purpose::ReadyAfter).rng()))
        .collect();
    draws.sort_unstable();
    draws[500]
}

/// Median time from a new task's start until the application is ready.
fn startup(s: &Scenario) -> Time {
    let next = &s.service.versions[s.service.versions.len() - 1];
    median(&next.start).saturating_add(median(&next.ready_after))
}

fn secs(t: Time) -> String {
    crate::output::table::duration(as_secs(t))
}

/// Every warning for `s`; `threads` for the quick simulation.
pub fn lint(s: &Scenario, threads: Option<usize>) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut warn = |rule, message: String, fix: String, why| {
        out.push(Warning {
            rule,
            message,
            fix,
            why,
        })
    };
    let replicas = s.service.replicas;
    match &s.strategy {
        Strategy::Swarm(sw) => {
            let u = &sw.update;
            let ready = startup(s);
            if u.monitor < ready {
                warn(
                    "swarm-monitor-short",
                    format!(
                        "update_config.monitor {} is shorter than the median start-up of the new version ({})",
                        secs(u.monitor),
                        secs(ready)
                    ),
                    format!(
                        "set update_config.monitor to at least {}",
                        secs(ready.next_multiple_of(SECOND))
                    ),
                    "swarmkit manager/orchestrator/update/updater.go: a task failure counts against the update only within `monitor` after the updater saw the task RUNNING; a release that fails later goes unnoticed and is rolled out everywhere",
                );
            }
            if u.monitor > 0 && u.delay >= u.monitor {
                warn(
                    "swarm-delay-ge-monitor",
                    format!(
                        "update_config.delay {} is not shorter than monitor {}: the monitor you set is not the one used",
                        secs(u.delay),
                        secs(u.monitor)
                    ),
                    format!(
                        "raise monitor above delay (e.g. monitor: {}) or shorten delay",
                        secs(u.delay + 10 * SECOND)
                    ),
                    "swarmkit manager/orchestrator/update/updater.go (Updater.Run): when delay >= monitor the final monitoring window becomes delay + 1s instead of monitor",
                );
            }
            if u.order == Order::StartFirst {
                let r = &s.service.resources;
                let fits = |cap: u64, req: u64| cap.checked_div(req).unwrap_or(u64::MAX);
                let capacity: u64 = s
                    .cluster
                    .nodes
                    .iter()
                    .map(|n| {
                        fits(n.cpu_millis, r.cpu_millis).min(fits(n.memory_bytes, r.memory_bytes))
                    })
                    .fold(0u64, |a, b| a.saturating_add(b));
                let workers = if u.parallelism == 0 {
                    replicas
                } else {
                    u.parallelism.min(replicas)
                };
                let needed = u64::from(replicas) + u64::from(workers);
                if capacity < needed {
                    warn(
                        "swarm-start-first-no-room",
                        format!("order start-first needs room for {needed} tasks ({replicas} replicas + {workers} updating at once) but the nodes fit {capacity}"),
                        "add capacity for one more task per updater worker, lower parallelism, or use order: stop-first".into(),
                        "swarmkit scheduler: a task that fits on no node stays Pending with no timeout, and start-first does not stop the old task until the new one runs, so the update hangs",
                    );
                }
            }
            if u.failure_action == FailureAction::Pause {
                warn(
                    "swarm-pause-mixed-fleet",
                    "update_config.failure_action is pause: a failed update stops with old and new versions both serving".into(),
                    "set failure_action: rollback (or continue if mixed versions are acceptable)".into(),
                    "swarmkit updater.go: on failure with action pause the service goes to PAUSED and waits for a human; nothing converges the fleet",
                );
            }
        }
        Strategy::Rollout(_) => {}
        Strategy::Kubernetes(k) => {
            if let DeploymentStrategy::RollingUpdate {
                max_surge: IntOrPercent::Int(n),
                ..
            } = k.kind
                && n > replicas
            {
                warn(
                    "k8s-max-surge-count",
                    format!(
                        "maxSurge: {n} is a count above the {replicas} replicas; \"{n}%\" was likely meant"
                    ),
                    format!("write maxSurge: \"{n}%\" (quoted) for a percentage"),
                    "apimachinery intstr: a bare number is an absolute pod count, only a string ending in % is a percentage of replicas",
                );
            }
            if let Some(deadline) = k.progress_deadline {
                let rows = with_threads(threads, || run_trials(&quick(s), 0..QUICK_TRIALS));
                let summary = Summary::from_rows(&s.name, s.seed, &rows);
                if let Some(p95) = summary.metric("duration_s").map(|m| m.stats.p95)
                    && p95 >= as_secs(deadline)
                {
                    warn(
                        "k8s-deadline-below-p95",
                        format!(
                            "progressDeadlineSeconds {} is below the simulated p95 rollout duration ({}, {QUICK_TRIALS} trials)",
                            secs(deadline),
                            crate::output::table::duration(p95)
                        ),
                        format!(
                            "raise progressDeadlineSeconds above {}",
                            crate::output::table::duration(p95)
                        ),
                        "kubernetes pkg/controller/deployment/progress.go: a rollout without progress for the deadline is marked ProgressDeadlineExceeded, failing `kubectl rollout status` on normal slow rollouts",
                    );
                }
            }
        }
    }
    if let Some(p) = &s.service.readiness_probe {
        let ready = startup(s);
        if p.period > ready {
            warn(
                "readiness-period-long",
                format!("readinessProbe.periodSeconds {} is longer than the median start-up ({})", secs(p.period), secs(ready)),
                "lower periodSeconds (or add a startupProbe) so readiness is seen soon after start-up".into(),
                "kubernetes pkg/kubelet/prober/worker.go: readiness is probed only every periodSeconds, so a ready pod waits up to a period before it receives traffic, slowing every batch",
            );
        }
    }
    // preStop is a Kubernetes hook; Swarm has none to add.
    if let (Strategy::Kubernetes(_), Some(t)) = (&s.strategy, &s.traffic)
        && !t.endpoint_propagation.is_zero()
        && s.service.pre_stop == 0
    {
        warn(
            "no-prestop-with-endpoint-lag",
            format!(
                "no preStop while endpoints take a median {} to drop a stopping pod",
                secs(median(&t.endpoint_propagation))
            ),
            "add a preStop sleep at least as long as the endpoint propagation lag".into(),
            "kubernetes: SIGTERM and endpoint removal run concurrently (pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer); without a preStop delay the process exits while load balancers still send it requests",
        );
    }
    out
}

/// `s` with [`QUICK_TRIALS`] trials.
fn quick(s: &Scenario) -> Scenario {
    let mut q = s.clone();
    q.trials = QUICK_TRIALS;
    q
}
