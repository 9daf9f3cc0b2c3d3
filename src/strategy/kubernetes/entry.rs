//! How the rest of the tool sees the Deployment controller: its registry entry (key,
//! parser, defaults, runtime, controller, header, chart limits, lint rules).

use super::Deployment;
use super::fenceposts::{max_surge, max_unavailable};
use crate::check::lint::{QUICK_TRIALS, Warning, quick, secs, warn};
use crate::cluster::runtime::RuntimeKind;
use crate::experiment::{run_trials, with_threads};
use crate::output::Summary;
use crate::scenario::strategy::{KUBERNETES_FIELDS, kubernetes};
use crate::scenario::walk::Obj;
use crate::scenario::{DeploymentStrategy, IntOrPercent, KubernetesStrategy, Scenario};
use crate::sim::time::{SECOND, Time, as_secs};
use crate::strategy::AnyController;
use crate::strategy::registry::StrategyDef;

/// The Kubernetes Deployment strategy (`strategy.kubernetes`).
pub struct Def;

/// `25%` or `2`.
fn int_or_percent(v: IntOrPercent) -> String {
    match v {
        IntOrPercent::Int(n) => n.to_string(),
        IntOrPercent::Percent(p) => format!("{p}%"),
    }
}

impl StrategyDef for Def {
    type Config = KubernetesStrategy;
    const KEY: &'static str = "kubernetes";
    const FIELDS: &'static [&'static str] = KUBERNETES_FIELDS;
    /// Pod `terminationGracePeriodSeconds` default.
    const STOP_GRACE_PERIOD: Time = 30 * SECOND;
    const RUNTIME: RuntimeKind = RuntimeKind::Kubelet;

    fn parse(o: &Obj) -> KubernetesStrategy {
        kubernetes(o)
    }

    fn controller(cfg: &KubernetesStrategy) -> Box<dyn AnyController + '_> {
        Box::new(Deployment::new(cfg))
    }

    /// `Kubernetes RollingUpdate, maxSurge 25%, maxUnavailable 25%`.
    fn label(k: &KubernetesStrategy) -> String {
        match k.kind {
            DeploymentStrategy::RollingUpdate {
                max_surge,
                max_unavailable,
            } => format!(
                "Kubernetes RollingUpdate, maxSurge {}, maxUnavailable {}",
                int_or_percent(max_surge),
                int_or_percent(max_unavailable)
            ),
            DeploymentStrategy::Recreate => "Kubernetes Recreate".to_string(),
        }
    }

    fn header_extra(k: &KubernetesStrategy) -> String {
        format!(
            ", minReadySeconds {}, progressDeadlineSeconds {}",
            as_secs(k.min_ready),
            k.progress_deadline
                .map_or("none".to_string(), |d| as_secs(d).to_string())
        )
    }

    /// Between `replicas − maxUnavailable` available and `replicas + maxSurge` pods
    /// (`deployment_util.go` `MaxUnavailable`, `MaxSurge`); Recreate has no such limits.
    fn limits(k: &KubernetesStrategy, n: u32) -> Vec<(&'static str, u32)> {
        match k.kind {
            DeploymentStrategy::RollingUpdate { .. } => vec![
                ("maxSurge ceiling", n + max_surge(&k.kind, n)),
                ("maxUnavailable floor", n - max_unavailable(&k.kind, n)),
            ],
            DeploymentStrategy::Recreate => Vec::new(),
        }
    }

    fn lint(
        cfg: &KubernetesStrategy,
        s: &Scenario,
        threads: Option<usize>,
        out: &mut Vec<Warning>,
    ) {
        let replicas = s.service.replicas;
        if let DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Int(n),
            ..
        } = cfg.kind
            && n > replicas
        {
            warn(
                out,
                "k8s-max-surge-count",
                format!(
                    "maxSurge: {n} is a count above the {replicas} replicas; \"{n}%\" was likely meant"
                ),
                format!("write maxSurge: \"{n}%\" (quoted) for a percentage"),
                "apimachinery intstr: a bare number is an absolute pod count, only a string ending in % is a percentage of replicas",
            );
        }
        if let Some(deadline) = cfg.progress_deadline {
            let rows = with_threads(threads, || run_trials(&quick(s), 0..QUICK_TRIALS));
            let summary = Summary::from_rows(&s.name, s.seed, &rows);
            if let Some(p95) = summary.metric("duration_s").map(|m| m.stats.p95)
                && p95 >= as_secs(deadline)
            {
                warn(
                    out,
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
