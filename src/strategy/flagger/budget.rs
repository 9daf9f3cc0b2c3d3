//! A PodDisruptionBudget under Flagger (`service.podDisruptionBudget` with `selects`).
//!
//! Flagger runs the app as two Deployments: the primary (`<app>-primary`), which it
//! creates as a copy of the target with the selector label's value rewritten
//! (fluxcd/flagger v1.44.0 `pkg/canary/deployment_controller.go`
//! `createPrimaryDeployment`: `spec.selector.matchLabels` and the pod template's labels
//! through `util.go` `makePrimaryLabels`, `app: web` becoming `app: web-primary`), and the
//! target itself, the canary, whose pods keep `app: web`. A budget on that label selects
//! one Deployment's pods, never both: `selects` names which.
//!
//! The disruption controller (kubernetes/kubernetes `pkg/controller/disruption/disruption.go`
//! `getExpectedScale`, `getPodDeployment`) follows each selected pod to its ReplicaSet
//! and on to the Deployment owning it, and counts that Deployment's `spec.replicas` once:
//! the primary's, whatever ReplicaSet its pods are in (the promotion's rolling update runs
//! two), or the target's, which Flagger scales to zero at rest, up to the primary's
//! replicas for the analysis (`ScaleFromZero`) and to zero again once the canary
//! concludes (`ScaleToZero`). The Eviction API asks the budget only about the pods it
//! selects (`pkg/registry/core/pod/storage/eviction.go` `EvictionREST.Create`,
//! `getPodDisruptionBudgets`); the other Deployment's pods go at once.

use super::{CANARY, Flagger, PRIMARY, PRIMARY_NEW};
use crate::cluster::node_drain::BudgetPods;
use crate::cluster::{Cluster, OwnerId};
use crate::scenario::BudgetSelects;

/// The primary Deployment's ReplicaSets (the current version's, and the one promotion
/// creates): the owners of the pods carrying `app: <name>-primary`.
const PRIMARY_OWNERS: &[OwnerId] = &[PRIMARY as OwnerId, PRIMARY_NEW as OwnerId];

/// The target Deployment's one ReplicaSet: the owner of the pods carrying `app: <name>`.
const CANARY_OWNERS: &[OwnerId] = &[CANARY as OwnerId];

impl Flagger<'_> {
    /// The pods the scenario's budget selects and the `spec.replicas` of the Deployment
    /// owning them. Every eviction the budget is asked about is of one of that
    /// Deployment's pods, so `getExpectedScale` always finds the Deployment.
    pub(super) fn budget_pods(&self, cl: &Cluster) -> BudgetPods {
        let selects = cl
            .scenario
            .service
            .disruption_budget
            .and_then(|b| b.selects);
        match selects {
            // Flagger keeps the primary at the service's replicas (the scenario gives it
            // no scale action).
            Some(BudgetSelects::Primary) => BudgetPods {
                owners: Some(PRIMARY_OWNERS),
                scale: self.n,
            },
            // The target's `spec.replicas` is its one ReplicaSet's, as Flagger scales it.
            Some(BudgetSelects::Canary) => BudgetPods {
                owners: Some(CANARY_OWNERS),
                scale: self.sets[CANARY].spec,
            },
            // No budget (the scenario refuses one without `selects` with Flagger): the
            // evictions ask none, and this is not read.
            None => BudgetPods::every(self.n),
        }
    }
}
