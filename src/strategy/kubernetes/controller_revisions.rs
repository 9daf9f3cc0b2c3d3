//! The pod templates a DaemonSet or a StatefulSet has had — its ControllerRevisions — and
//! the `kubectl rollout` verbs that change the one in force: a new template (`rollout:
//! update`), `undo` and `restart`.
//!
//! Both controllers keep their history the same way (`pkg/controller/history`,
//! kubernetes v1.30): one revision per distinct template, and a template used again is
//! renumbered to the newest revision instead of added (`constructHistory` for a
//! DaemonSet, `getStatefulSetRevisions` for a StatefulSet). `kubectl rollout undo` without
//! `--to-revision` goes to the highest revision below the one in force
//! (`DaemonSetRollbacker`, `StatefulSetRollbacker` in
//! `kubernetes/kubectl:pkg/polymorphichelpers/rollback.go`).

use super::replicaset::PodTemplate;
use crate::cluster::Cluster;
use crate::result::Outcome;
use crate::scenario::{ActionKind, CURRENT};
use crate::sim::time::Time;

/// Why the template in force is in force: a rollout's completion is `completed` or
/// `rolled_back` by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A new template, or a restart.
    Update,
    /// `kubectl rollout undo`.
    Undo,
}

/// A workload's ControllerRevisions and the template in force.
///
/// ```
/// use rollout_sim::strategy::kubernetes::controller_revisions::{ControllerRevisions, Origin};
/// let r = ControllerRevisions::default();
/// assert_eq!((r.template().version, r.origin()), (0, Origin::Update));
/// ```
#[derive(Debug, Clone)]
pub struct ControllerRevisions {
    template: PodTemplate,
    origin: Origin,
    /// Every template the workload has had, least recent first, each once.
    history: Vec<PodTemplate>,
    /// `kubectl rollout restart`s so far: the stamp of the next one.
    restarts: u32,
}

impl Default for ControllerRevisions {
    fn default() -> Self {
        let template = PodTemplate::of(CURRENT);
        ControllerRevisions {
            template,
            origin: Origin::Update,
            history: vec![template],
            restarts: 0,
        }
    }
}

impl ControllerRevisions {
    /// Back to a workload whose one revision is `template` (a trial's start).
    pub fn reset(&mut self, template: PodTemplate) {
        self.template = template;
        self.origin = Origin::Update;
        self.history.clear();
        self.history.push(template);
        self.restarts = 0;
    }

    /// The template in force (the update revision).
    pub fn template(&self) -> PodTemplate {
        self.template
    }

    /// Why it is in force.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// A rollout completed at `at`: `completed`, or `rolled_back` when an undo started it.
    pub fn outcome(&self, at: Time) -> (Outcome, Time) {
        match self.origin {
            Origin::Update => (Outcome::Completed, at),
            Origin::Undo => (Outcome::RolledBack, at),
        }
    }

    /// A new template: a rollout of it begins (traced as `updating` or
    /// `rollback_started`).
    pub fn change(&mut self, cl: &mut Cluster, t: PodTemplate, origin: Origin) {
        self.template = t;
        self.origin = origin;
        self.history.retain(|&h| h != t);
        self.history.push(t);
        let what = match origin {
            Origin::Update => "updating",
            Origin::Undo => "rollback_started",
        };
        cl.trace_update(what, || None);
    }

    /// Apply `kubectl rollout undo|restart` or a new template (`rollout: update`) to the
    /// `workload` (`DaemonSet`, `StatefulSet`, for the trace); whether the template in
    /// force changed. Other actions are not this history's.
    pub fn act(&mut self, cl: &mut Cluster, action: &ActionKind, workload: &str) -> bool {
        let t = match *action {
            ActionKind::Update(v) => {
                let t = PodTemplate {
                    version: v,
                    restart: self.template.restart,
                };
                if t == self.template || v as usize >= cl.scenario.service.versions.len() {
                    return false;
                }
                t
            }
            ActionKind::Restart => {
                self.restarts += 1;
                PodTemplate {
                    version: self.template.version,
                    restart: self.restarts,
                }
            }
            ActionKind::Undo => {
                let Some(previous) = self.history.len().checked_sub(2).map(|i| self.history[i])
                else {
                    cl.trace_update("rollback_refused", || {
                        Some(format!("no rollout history found for the {workload}"))
                    });
                    return false;
                };
                self.change(cl, previous, Origin::Undo);
                return true;
            }
            _ => return false,
        };
        self.change(cl, t, Origin::Update);
        true
    }
}
