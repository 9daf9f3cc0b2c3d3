//! `rollout-sim lint`: settings that upstream controllers accept but that bite people.
//!
//! Each rule says what is wrong, a one-line fix, and the upstream behaviour behind it.
//! Rules that need a number the settings alone do not give (a rollout's p95 duration)
//! run a quick simulation of [`QUICK_TRIALS`] trials.

use crate::cluster::runtime::RuntimeKind;
use crate::scenario::{Dist, Scenario};
use crate::sim::time::{Time, as_secs};
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
pub(crate) fn startup(s: &Scenario) -> Time {
    let next = &s.service.versions[s.service.versions.len() - 1];
    median(&next.start).saturating_add(median(&next.ready_after))
}

pub(crate) fn secs(t: Time) -> String {
    crate::output::table::duration(as_secs(t))
}

/// Record a finding.
pub(crate) fn warn(
    out: &mut Vec<Warning>,
    rule: &'static str,
    message: String,
    fix: String,
    why: &'static str,
) {
    out.push(Warning {
        rule,
        message,
        fix,
        why,
    });
}

/// Every warning for `s`; `threads` for the quick simulation. The strategy's own rules
/// come first (its folder's `entry.rs`), then those every strategy shares.
pub fn lint(s: &Scenario, threads: Option<usize>) -> Vec<Warning> {
    let mut out = Vec::new();
    s.strategy.lint(s, threads, &mut out);
    if let Some(p) = &s.service.readiness_probe {
        let ready = startup(s);
        if p.period > ready {
            warn(
                &mut out,
                "readiness-period-long",
                format!("readinessProbe.periodSeconds {} is longer than the median start-up ({})", secs(p.period), secs(ready)),
                "lower periodSeconds (or add a startupProbe) so readiness is seen soon after start-up".into(),
                "kubernetes pkg/kubelet/prober/worker.go: readiness is probed only every periodSeconds, so a ready pod waits up to a period before it receives traffic, slowing every batch",
            );
        }
    }
    // preStop is a kubelet hook; the Docker engine has none to add.
    if let (RuntimeKind::Kubelet, Some(t)) = (s.strategy.runtime(), &s.traffic)
        && !t.endpoint_propagation.is_zero()
        && s.service.pre_stop == 0
    {
        warn(
            &mut out,
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
pub(crate) fn quick(s: &Scenario) -> Scenario {
    let mut q = s.clone();
    q.trials = QUICK_TRIALS;
    q
}
