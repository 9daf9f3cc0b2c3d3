//! Fields and actions that belong to another orchestrator or strategy than the scenario's:
//! given there they would be parsed and have no effect, so they are refused with the
//! reason and what to use instead. (Placement fields have their own list,
//! [`super::placement_foreign`].)

use super::model::{ActionKind, Scenario, Strategy};
use super::walk::Obj;
use crate::cluster::runtime::RuntimeKind;
use crate::strategy::registry::Controls;

/// Fields that only one orchestrator has: given with the other one's strategy they would
/// be parsed and have no effect, so they are refused with the reason and what to use
/// instead. "The other one" is the runtime: canary, blue-green and Flagger run their pods
/// on the kubelet like a Deployment. A field written with nothing under it counts (a
/// section with nothing under it is present with every default).
pub(super) fn refuse_other_orchestrator_fields(o: &Obj, strategy: &Strategy) {
    for &(section, field, reason) in foreign(strategy.runtime()) {
        if let Some(sec) = o.get(section)
            && let Some(v) = sec.value().get(field)
        {
            let message = if reason == KUBELET_PROBE {
                format!("`{field}` {reason}")
            } else {
                reason.to_string()
            };
            sec.child(field, v).problem(message);
        }
    }
    if strategy.runtime() == RuntimeKind::Kubelet {
        refuse_docker_control_plane_fields(o);
        if !strategy.takes_disruption_budget()
            && let Some(service) = o.get("service")
            && let Some(v) = service
                .value()
                .get("podDisruptionBudget")
                .filter(|v| !v.is_null())
        {
            service.child("podDisruptionBudget", v).problem(
                "a PodDisruptionBudget is simulated with a Kubernetes Deployment, a \
                 StatefulSet, an Argo Rollout and Flagger (`strategy.kubernetes`, \
                 `strategy.statefulSet`, `strategy.canary`, `strategy.blueGreen`, \
                 `strategy.flagger`), not with a DaemonSet, whose pods `kubectl drain \
                 --ignore-daemonsets` leaves in place, so nothing would ask it: remove \
                 it",
            );
        }
    }
}

/// The fields of a top-level section a strategy on `runtime` may not give, even written
/// with nothing under them, as (section, field, why): the other orchestrator's. The schema
/// states the same rule.
pub(super) fn foreign(
    runtime: RuntimeKind,
) -> &'static [(&'static str, &'static str, &'static str)] {
    match runtime {
        RuntimeKind::Kubelet => &[
            ("service", "networks", SWARM_NETWORKS),
            ("service", "healthcheck", DOCKER_HEALTHCHECK),
            ("service", "restart", SWARM_RESTART),
        ],
        RuntimeKind::Docker => &[
            ("service", "readinessProbe", KUBELET_PROBE),
            ("service", "livenessProbe", KUBELET_PROBE),
            ("service", "startupProbe", KUBELET_PROBE),
            ("faults", "node_not_ready_after", SWARM_NODE_DOWN),
            ("faults", "eviction_after", SWARM_NODE_DOWN),
            ("service", "podDisruptionBudget", SWARM_NO_BUDGET),
        ],
    }
}

/// The fields of `cluster.control_plane` a strategy on the kubelet may not give (`null`
/// is none): the phases only Docker and the Swarm updater go through, and the Docker
/// Engine release.
pub(super) fn docker_control_plane_fields() -> Vec<&'static str> {
    use super::control_plane::{ENGINE_FIELD, Phase};
    let docker_only = [
        Phase::UpdateStart,
        Phase::StartAfterStop,
        Phase::HealthReport,
        Phase::NextSlot,
        Phase::FailureReport,
    ];
    docker_only
        .iter()
        .map(|p| p.name())
        .chain([ENGINE_FIELD])
        .collect()
}

/// The phases of `cluster.control_plane` only Docker and the Swarm updater go through,
/// and the Docker Engine release: a kubelet never reaches them.
fn refuse_docker_control_plane_fields(o: &Obj) {
    use super::control_plane::ENGINE_FIELD;
    let Some(cluster) = o.get("cluster") else {
        return;
    };
    let Some(cp) = cluster
        .value()
        .get("control_plane")
        .filter(|v| v.is_object())
    else {
        return;
    };
    let cp = cluster.child("control_plane", cp);
    for name in docker_control_plane_fields() {
        if let Some(v) = cp.value().get(name).filter(|v| !v.is_null()) {
            cp.child(name, v).problem(format!(
                "`{name}` is a Docker / Swarm control-plane {}: a Kubernetes strategy's \
                 pods never go through it; remove it (the phases a kubelet goes through are \
                 `create`, `start` and `stop_signal`, with `parallel_start_slowdown`)",
                if name == ENGINE_FIELD {
                    "field (the engine release decides Docker's HEALTHCHECK fields)"
                } else {
                    "phase"
                },
            ));
        }
    }
}

/// `promote`, `abort` and `retry` exist only for an Argo Rollout; `undo`, `update`,
/// `resume`, `restart` and `scale` only for Kubernetes and Swarm; `pause` for both
/// (`kubectl argo rollouts pause` sets `spec.paused` as `kubectl rollout pause` does);
/// `gate` and `rollback`, POSTs to the flagger-loadtester, only for Flagger, which takes
/// nothing else.
pub(super) fn refuse_foreign_actions(o: &Obj, scenario: &Scenario) {
    let controls = scenario.strategy.controls();
    let rollout = controls == Controls::ArgoRollouts;
    let flagger = controls == Controls::FlaggerLoadtester;
    let Some(list) = o.get("actions") else {
        return;
    };
    for (i, a) in scenario.actions.iter().enumerate() {
        let argo = a.kind.is_argo_rollouts();
        let loadtester = a.kind.is_loadtester();
        let problem = match a.kind {
            _ if loadtester && !flagger => Some(
                "`gate` and `rollback` are POSTs to the flagger-loadtester (`/gate/open`, `/rollback/open`, …): they need `strategy.flagger`",
            ),
            _ if flagger && !loadtester => Some(
                "with `strategy.flagger` only the flagger-loadtester's `gate: open|close` and `rollback: open|close` are simulated: Flagger has no user command, it waits at the webhooks those open (`analysis.webhooks` to `/gate/check`, `/rollback/check`)",
            ),
            _ if flagger => None,
            ActionKind::Pause => None,
            // kubectl-argo-rollouts has no `resume` command (v1.10 `pkg/kubectl-argo-rollouts/cmd`).
            ActionKind::Resume if rollout => Some(
                "Argo Rollouts has no `resume`: `rollout: promote` unpauses a paused Rollout (`kubectl argo rollouts promote` sets `spec.paused: false`, and moves on a step as it always does)",
            ),
            _ if argo && !rollout => Some(
                "`rollout: promote`, `abort` and `retry` are Argo Rollouts actions: they need `strategy.canary` or `strategy.blueGreen`",
            ),
            _ if !argo && rollout => Some(
                "with `strategy.canary` / `strategy.blueGreen` only `rollout: promote`, `abort`, `retry` and `pause` are simulated",
            ),
            _ => None,
        };
        let Some(v) = list.value().get(i) else {
            continue;
        };
        let item = list.child(i, v);
        // `--full` is named where it is written: the rest of the action may be right.
        if let (ActionKind::PromoteFull, false, Some(full)) = (&a.kind, rollout, v.get("full")) {
            item.child("full", full).problem(
                "`full: true` is `kubectl argo rollouts promote --full` (`status.promoteFull`), an \
                 Argo Rollouts action: it needs `strategy.canary` or `strategy.blueGreen`",
            );
        } else if let Some(problem) = problem {
            item.problem(problem);
        }
    }
}

const SWARM_NETWORKS: &str = "`networks` is a Swarm field (it decides Docker's gossip delay \
     before a stop); remove it for a Kubernetes strategy";
const DOCKER_HEALTHCHECK: &str = "`healthcheck` is a Docker field (the image's HEALTHCHECK, \
     which Docker runs and the kubelet ignores); with a Kubernetes strategy use \
     `readinessProbe` / `livenessProbe` / `startupProbe`";
const SWARM_RESTART: &str = "`restart` is Swarm's restart policy (`deploy.restart_policy`); a \
     Kubernetes pod restarts its containers in place with the kubelet's CrashLoopBackOff \
     (10 s doubling to 5 min, restartPolicy: Always), which has no setting here: remove it \
     for a Kubernetes strategy";
const KUBELET_PROBE: &str = "is a Kubernetes probe, run by the kubelet: Docker has none; with a \
     Swarm strategy use `healthcheck` (Docker's HEALTHCHECK: `interval`, `timeout`, \
     `retries`, `start_period`)";
const SWARM_NO_BUDGET: &str = "`podDisruptionBudget` is a Kubernetes object, which the \
     evictions of `kubectl drain` respect: Swarm has none, and a drained node's tasks are shut \
     down and replaced at once; remove it for a Swarm strategy";
const SWARM_NODE_DOWN: &str = "a Kubernetes node-lifecycle field: Swarm declares a lost node \
     down after the dispatcher's heartbeat grace (5 s period × 3, swarmkit \
     manager/dispatcher) and reschedules its tasks then; remove it for a Swarm strategy";
