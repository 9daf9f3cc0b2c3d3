//! The pod templates a DaemonSet or a StatefulSet has had — its ControllerRevisions — and
//! the `kubectl rollout` verbs that change the one in force: a new template (`rollout:
//! update`), `undo [--to-revision=N]` and `restart`.
//!
//! Both controllers keep their history the same way (`pkg/controller/history`,
//! kubernetes v1.30): one revision per distinct template, numbered from 1, and a template
//! used again is renumbered to the newest revision instead of added (`constructHistory`
//! for a DaemonSet, `getStatefulSetRevisions` for a StatefulSet). Revisions no pod uses,
//! other than the one in force (and a StatefulSet's current revision), are deleted oldest
//! first beyond `revisionHistoryLimit`, 10 by default (`cleanupHistory`,
//! `truncateHistory`); the limit is not a scenario field, so it is always 10.
//!
//! `kubectl rollout undo` (`DaemonSetRollbacker`, `StatefulSetRollbacker` in
//! `kubernetes/kubectl:pkg/polymorphichelpers/rollback.go`, `findHistory`): without
//! `--to-revision` the revision below the newest; with it the revision of that number,
//! or kubectl's error "unable to find specified revision N in history" — the operator's
//! plan failed, and the trial ends there `paused`, as a Deployment's does; a revision
//! whose template is the one in force is "skipped rollback".

use super::replicaset::PodTemplate;
use crate::cluster::{Cluster, SOLE_OWNER, TaskId};
use crate::result::Outcome;
use crate::scenario::{ActionKind, CURRENT, NEXT};
use crate::sim::time::Time;

/// Why the template in force is in force (the Deployment's [`super::state::Origin`]): a
/// rollout's completion is `completed` or `rolled_back` by it.
pub use super::state::Origin;

/// The templates of the pods still listed (not deleted and exited): the revisions a
/// workload's history keeps whatever its limit. `pod_template` gives each task id's.
pub fn live_templates(cl: &Cluster, pod_template: &[PodTemplate]) -> Vec<PodTemplate> {
    let mut live = Vec::new();
    for (id, &t) in pod_template.iter().enumerate() {
        if !live.contains(&t) && !cl.task(id as TaskId).state.is_terminal() {
            live.push(t);
        }
    }
    live
}

/// What a `kubectl rollout` verb did to the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The template in force changed: a rollout of it begins.
    Changed,
    /// Nothing changed (kubectl refused or skipped it, or it was not a history verb).
    Unchanged,
    /// `--to-revision` named a revision not in the history: kubectl failed.
    RevisionNotFound,
}

/// `revisionHistoryLimit`'s default: the revisions kept besides the live ones.
pub const REVISION_HISTORY_LIMIT: usize = 10;

/// One ControllerRevision: a template and its revision number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Revision {
    template: PodTemplate,
    number: u32,
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
    /// Every revision kept, by increasing number (the last is the template in force).
    history: Vec<Revision>,
    /// `kubectl rollout restart`s so far: the stamp of the next one.
    restarts: u32,
    /// When an undo named a revision not in the history (the trial ends `paused`).
    failed_at: Option<Time>,
}

impl Default for ControllerRevisions {
    fn default() -> Self {
        let template = PodTemplate::of(CURRENT);
        ControllerRevisions {
            template,
            origin: Origin::Update,
            history: vec![Revision {
                template,
                number: 1,
            }],
            restarts: 0,
            failed_at: None,
        }
    }
}

impl ControllerRevisions {
    /// Back to a workload whose one revision, number 1, is `template` (a trial's start).
    pub fn reset(&mut self, template: PodTemplate) {
        self.template = template;
        self.origin = Origin::Update;
        self.history.clear();
        self.history.push(Revision {
            template,
            number: 1,
        });
        self.restarts = 0;
        self.failed_at = None;
    }

    /// A trial's start: the history reset, the workload's `pods` serving pods of revision
    /// 1 (`current`, slots `0..pods`) created with their templates recorded in
    /// `pod_template` (by task id), and — when the scenario has a `next` version — the
    /// rollout of revision 2 begun. Whether it began.
    pub fn start(
        &mut self,
        cl: &mut Cluster,
        pods: u32,
        pod_template: &mut Vec<PodTemplate>,
    ) -> bool {
        let t = PodTemplate::of(CURRENT);
        self.reset(t);
        pod_template.clear();
        for id in cl.create_serving_fleet(pods, CURRENT, SOLE_OWNER) {
            crate::cluster::task::set_at(pod_template, id, t, t);
        }
        let begins = cl.scenario.service.versions.len() > NEXT as usize;
        if begins {
            self.change(cl, PodTemplate::of(NEXT), Origin::Update);
        }
        begins
    }

    /// The template in force (the update revision).
    pub fn template(&self) -> PodTemplate {
        self.template
    }

    /// Why it is in force.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The trial's conclusion, given when the rollout of the template in force completed:
    /// `paused` at a failed undo; else `completed`, or `rolled_back` when an undo started
    /// it.
    pub fn outcome(&self, complete_at: Option<Time>) -> Option<(Outcome, Time)> {
        if let Some(at) = self.failed_at {
            return Some((Outcome::Paused, at));
        }
        let at = complete_at?;
        Some(match self.origin {
            Origin::Update => (Outcome::Completed, at),
            Origin::Undo => (Outcome::RolledBack, at),
        })
    }

    /// A new template: a rollout of it begins (traced as `updating` or
    /// `rollback_started`). A template the history holds is renumbered the newest.
    pub fn change(&mut self, cl: &mut Cluster, t: PodTemplate, origin: Origin) {
        self.template = t;
        self.origin = origin;
        let number = self.history.last().map_or(1, |r| r.number + 1);
        self.history.retain(|r| r.template != t);
        self.history.push(Revision {
            template: t,
            number,
        });
        let what = match origin {
            Origin::Update => "updating",
            Origin::Undo => "rollback_started",
        };
        cl.trace_update(what, || None);
    }

    /// Delete the revisions beyond [`REVISION_HISTORY_LIMIT`] that are not `live` (no pod
    /// of theirs listed) and not in force, oldest first.
    fn truncate(&mut self, live: &dyn Fn(PodTemplate) -> bool) {
        let template = self.template;
        let dead = |r: &Revision| r.template != template && !live(r.template);
        let excess = self.history.iter().filter(|r| dead(r)).count();
        let mut excess = excess.saturating_sub(REVISION_HISTORY_LIMIT);
        self.history.retain(|r| {
            let drop = excess > 0 && dead(r);
            excess -= usize::from(drop);
            !drop
        });
    }

    /// Apply `kubectl rollout undo [--to-revision]|restart` or a new template (`rollout:
    /// update`) to the `workload` (`DaemonSet`, `StatefulSet`, for the trace), whose pods
    /// of a template are listed when `live` says so. Other actions are not this history's.
    pub fn act(
        &mut self,
        cl: &mut Cluster,
        action: &ActionKind,
        workload: &str,
        live: &dyn Fn(PodTemplate) -> bool,
    ) -> Applied {
        if self.failed_at.is_some() {
            return Applied::Unchanged; // the trial has ended
        }
        let t = match *action {
            ActionKind::Update(v) => {
                let t = PodTemplate {
                    version: v,
                    restart: self.template.restart,
                };
                if t == self.template || v as usize >= cl.scenario.service.versions.len() {
                    return Applied::Unchanged;
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
            ActionKind::Undo | ActionKind::UndoTo(_) => {
                return self.undo(cl, action, workload, live);
            }
            _ => return Applied::Unchanged,
        };
        self.change(cl, t, Origin::Update);
        Applied::Changed
    }

    /// `kubectl rollout undo` (`findHistory`, then the rollbacker's match test).
    fn undo(
        &mut self,
        cl: &mut Cluster,
        action: &ActionKind,
        workload: &str,
        live: &dyn Fn(PodTemplate) -> bool,
    ) -> Applied {
        self.truncate(live);
        let found = match *action {
            ActionKind::UndoTo(n) => {
                let Some(r) = self.history.iter().find(|r| r.number == n) else {
                    cl.trace_update("rollback_failed", || {
                        Some(format!(
                            "unable to find specified revision {n} in history \
                             (revisionHistoryLimit: {REVISION_HISTORY_LIMIT}); the trial ends \
                             here as `paused`"
                        ))
                    });
                    self.failed_at = Some(cl.now());
                    return Applied::RevisionNotFound;
                };
                *r
            }
            _ => match self.history.len().checked_sub(2) {
                Some(i) => self.history[i],
                None => {
                    cl.trace_update("rollback_refused", || {
                        Some(format!("no rollout history found for the {workload}"))
                    });
                    return Applied::Unchanged;
                }
            },
        };
        if found.template == self.template {
            let n = found.number;
            cl.trace_update("rollback_refused", || {
                Some(format!(
                    "skipped rollback (current template already matches revision {n})"
                ))
            });
            return Applied::Unchanged;
        }
        self.change(cl, found.template, Origin::Undo);
        Applied::Changed
    }
}
