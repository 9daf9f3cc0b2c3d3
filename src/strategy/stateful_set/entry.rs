//! How the rest of the tool sees the StatefulSet controller: its registry entry (key,
//! parser, defaults, runtime, controller, header, chart limits, lint rules).

use super::StatefulSet;
use crate::check::lint::{Warning, warn};
use crate::cluster::runtime::RuntimeKind;
use crate::scenario::schema::{Ty::*, names};
use crate::scenario::stateful_set::{
    self, POD_MANAGEMENT_POLICIES, ROLLING_UPDATE_FIELDS, STATEFUL_SET_FIELDS,
    UPDATE_STRATEGY_FIELDS, UPDATE_TYPES,
};
use crate::scenario::walk::Obj;
use crate::scenario::{ActionKind, PodManagement, Scenario, StatefulSetStrategy};
use crate::sim::time::{SECOND, Time, as_secs};
use crate::strategy::AnyController;
use crate::strategy::registry::{BudgetSelector, Controls, FieldTypes, Sections, StrategyDef};

/// The Kubernetes StatefulSet strategy (`strategy.statefulSet`).
pub struct Def;

impl StrategyDef for Def {
    type Config = StatefulSetStrategy;
    const KEY: &'static str = "statefulSet";
    const FIELDS: &'static [&'static str] = STATEFUL_SET_FIELDS;
    /// Pod `terminationGracePeriodSeconds` default.
    const STOP_GRACE_PERIOD: Time = 30 * SECOND;
    const RUNTIME: RuntimeKind = RuntimeKind::Kubelet;
    const CONTROLS: Controls = Controls::KubectlStatefulSet;
    const DISRUPTION_BUDGET: BudgetSelector = BudgetSelector::EveryPod;
    const SCHEMA_SECTIONS: Sections = &[
        ("statefulSet", STATEFUL_SET_FIELDS),
        ("stateful_set_update_strategy", UPDATE_STRATEGY_FIELDS),
        ("stateful_set_rolling_update", ROLLING_UPDATE_FIELDS),
    ];
    const SCHEMA_TYPES: FieldTypes = &[
        (
            "statefulSet",
            "podManagementPolicy",
            Choice(|| names(POD_MANAGEMENT_POLICIES)),
        ),
        (
            "statefulSet",
            "updateStrategy",
            Section("stateful_set_update_strategy"),
        ),
        ("statefulSet", "minReadySeconds", Duration),
        (
            "stateful_set_update_strategy",
            "type",
            Choice(|| names(UPDATE_TYPES)),
        ),
        (
            "stateful_set_update_strategy",
            "rollingUpdate",
            Section("stateful_set_rolling_update"),
        ),
        ("stateful_set_rolling_update", "partition", Count),
        (
            "stateful_set_rolling_update",
            "maxUnavailable",
            IntOrPercent,
        ),
    ];

    fn parse(o: &Obj) -> StatefulSetStrategy {
        stateful_set::stateful_set(o)
    }

    fn controller(cfg: &StatefulSetStrategy) -> Box<dyn AnyController + '_> {
        Box::new(StatefulSet::new(cfg))
    }

    /// `Kubernetes StatefulSet RollingUpdate, OrderedReady, partition 0`.
    fn label(s: &StatefulSetStrategy) -> String {
        let mut label = format!(
            "Kubernetes StatefulSet RollingUpdate, {}, partition {}",
            policy_name(s.pod_management),
            s.partition
        );
        if let Some(m) = s.max_unavailable {
            label.push_str(&format!(", maxUnavailable {m}"));
        }
        label
    }

    fn header_extra(s: &StatefulSetStrategy) -> String {
        format!(", minReadySeconds {}", as_secs(s.min_ready))
    }

    /// At least `replicas − maxUnavailable` Ready during an update (one pod at a time
    /// without the field).
    fn limits(s: &StatefulSetStrategy, replicas: u32) -> Vec<(&'static str, u32)> {
        vec![(
            "maxUnavailable floor",
            replicas.saturating_sub(s.unavailable_limit(replicas)),
        )]
    }

    fn lint(
        s: &StatefulSetStrategy,
        sc: &Scenario,
        _threads: Option<usize>,
        out: &mut Vec<Warning>,
    ) {
        max_unavailable_gate(s, out);
        ordered_undo(s, sc, out);
    }
}

fn policy_name(p: PodManagement) -> &'static str {
    let named = POD_MANAGEMENT_POLICIES.iter().find(|(_, v)| *v == p);
    named.map_or("?", |(name, _)| name)
}

/// Rule `statefulset-max-unavailable-gate`: upstream reads `maxUnavailable` only with an
/// alpha feature gate; a cluster without it drops the field and updates one pod at a time.
fn max_unavailable_gate(s: &StatefulSetStrategy, out: &mut Vec<Warning>) {
    let Some(m) = s.max_unavailable else {
        return;
    };
    warn(
        out,
        "statefulset-max-unavailable-gate",
        format!(
            "strategy.statefulSet.updateStrategy.rollingUpdate.maxUnavailable is {m}: the StatefulSet controller reads it only with the MaxUnavailableStatefulSet feature gate (alpha in Kubernetes v1.30, off by default); this run simulates a cluster with the gate on, while a cluster without it drops the field and replaces one pod at a time"
        ),
        "check that the cluster's kube-apiserver and kube-controller-manager run with --feature-gates=MaxUnavailableStatefulSet=true, or remove maxUnavailable to simulate the default".into(),
        "kubernetes pkg/controller/statefulset/stateful_set_control.go (updateStatefulSet: updateStatefulSetAfterInvariantEstablished only with the MaxUnavailableStatefulSet gate); pkg/registry/apps/statefulset/strategy.go (dropStatefulSetDisabledFields)",
    );
}

/// Rule `statefulset-ordered-undo`: with `OrderedReady`, `kubectl rollout undo` after a
/// pod of the new revision that never becomes Ready changes the template but replaces no
/// pod: the sync waits at that pod before it reaches the update.
fn ordered_undo(s: &StatefulSetStrategy, sc: &Scenario, out: &mut Vec<Warning>) {
    let undo = (sc.actions.iter()).any(|a| matches!(a.kind, ActionKind::Undo));
    if !undo || s.pod_management != PodManagement::OrderedReady {
        return;
    }
    warn(
        out,
        "statefulset-ordered-undo",
        "an action does `rollout: undo` of a StatefulSet with podManagementPolicy OrderedReady: if a pod of the new revision never becomes Running and Ready, the controller waits at that pod before it reaches the update, so the undo replaces nothing and the rollout hangs to the horizon (upstream's forced rollback: the broken pod must be deleted by hand)".into(),
        "set strategy.statefulSet.podManagementPolicy to Parallel (the update still replaces one pod at a time), or plan to delete the broken pod after the undo".into(),
        "kubernetes pkg/controller/statefulset/stateful_set_control.go (processReplica returns at the first pod not Running and Ready when monotonic); the StatefulSet documentation, Forced rollback",
    );
}
