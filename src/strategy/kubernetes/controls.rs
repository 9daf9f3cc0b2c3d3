//! What the user's rollout controls do to the Deployment: `kubectl rollout
//! pause|resume|restart|undo [--to-revision=N]`, `kubectl set image` and `kubectl scale`,
//! after `kubernetes/kubectl:pkg/polymorphichelpers` (`objectpauser.go`,
//! `objectresumer.go`, `objectrestarter.go`, `rollback.go`) and the Deployment fields they
//! change (`spec.paused`, `spec.template`, `spec.replicas`), at v1.33.
//!
//! * pause / resume flip `spec.paused` ("already paused" / "not paused" are refused, as
//!   kubectl refuses them). While paused the controller only runs `sync`: proportional
//!   scaling and cleanup, no new ReplicaSet, no rolling step, no progress estimate.
//! * restart stamps the template (`kubectl.kubernetes.io/restartedAt`): a new template
//!   with the same image, so a new ReplicaSet and a whole new rollout. Refused while
//!   paused ("can't restart paused deployment (run rollout resume first)").
//! * undo copies an old ReplicaSet's template (its restart stamp included) into the
//!   Deployment ([`super::revisions`]); refused while paused, skipped when the template
//!   already matches. `--to-revision` naming a revision no longer listed (looked up
//!   first, paused or not) is kubectl's
//!   error "unable to find specified revision N in history": the operator's plan failed,
//!   so the trial ends there with outcome `paused` (it waits for a human) and the trace
//!   records `rollback_failed`; the controller does nothing more.
//! * `rollout: update` is `kubectl set image`: the image changes, the restart stamp stays.
//! * scale sets `spec.replicas`: the next sync sees a scaling event
//!   ([`super::proportional`]).

use super::Deployment;
use super::replicaset::PodTemplate;
use super::revisions::{self, UndoTarget};
use super::state::{Origin, RolloutState};
use super::sync_limit;
use crate::cluster::Cluster;
use crate::scenario::ActionKind;

impl Deployment<'_> {
    /// Apply one scheduled action.
    pub(super) fn act(&mut self, cl: &mut Cluster, action: &ActionKind) {
        if self.state.undo_failed_at().is_some() {
            return; // the trial has ended
        }
        match *action {
            ActionKind::Undo => self.undo(cl, 0, "kubectl rollout undo"),
            // Refused at load time for a Deployment (Argo Rollouts and loadtester actions).
            ActionKind::Promote
            | ActionKind::PromoteFull
            | ActionKind::Abort
            | ActionKind::Retry
            | ActionKind::Gate(_)
            | ActionKind::RollbackGate(_) => {}
            ActionKind::UndoTo(n) => self.undo(cl, n, "kubectl rollout undo --to-revision"),
            ActionKind::Update(v) => {
                let t = PodTemplate {
                    version: v,
                    restart: self.template.restart,
                };
                if t == self.template || v as usize >= cl.scenario.service.versions.len() {
                    return; // no template change, nothing to roll out
                }
                self.change_template(t, Origin::Update);
                cl.trace_update("updating", || None);
            }
            ActionKind::Pause => {
                if self.paused {
                    return refuse(cl, "deployment is already paused");
                }
                self.paused = true;
                self.spec_changed();
                cl.trace_update("paused", || Some("kubectl rollout pause".into()));
            }
            ActionKind::Resume => {
                if !self.paused {
                    return refuse(cl, "deployment is not paused");
                }
                self.paused = false;
                self.spec_changed();
                cl.trace_update("resumed", || Some("kubectl rollout resume".into()));
            }
            ActionKind::Restart => {
                if self.paused {
                    return refuse(
                        cl,
                        "can't restart paused deployment (run rollout resume first)",
                    );
                }
                self.restarts += 1;
                let t = PodTemplate {
                    version: self.template.version,
                    restart: self.restarts,
                };
                self.change_template(t, Origin::Update);
                cl.trace_update("updating", || Some("kubectl rollout restart".into()));
            }
            ActionKind::Scale(n) => {
                self.set_replicas(n);
                self.rescaled = true;
                self.sync_limit = self.sync_limit.max(sync_limit(n));
                self.spec_changed();
            }
        }
    }

    /// `kubectl rollout undo --to-revision=to` (0: the previous revision). kubectl looks
    /// the revision up before it looks at `spec.paused` (`DeploymentRollbacker.Rollback`),
    /// so a revision not listed fails a paused Deployment's undo as any other's.
    pub(super) fn undo(&mut self, cl: &mut Cluster, to: u32, why: &'static str) {
        let target = match revisions::undo_target(&self.revisions(), to) {
            UndoTarget::Found(i) => i,
            UndoTarget::NoHistory => return refuse(cl, "no rollout history found"),
            UndoTarget::RevisionNotFound(n) => {
                self.state = RolloutState::UndoFailed { at: cl.now() };
                let limit = self.cfg.revision_history_limit;
                cl.trace_update("rollback_failed", || {
                    Some(format!(
                        "unable to find specified revision {n} in history \
                         (revisionHistoryLimit: {limit}); the trial ends here as `paused`"
                    ))
                });
                return;
            }
        };
        if self.paused {
            return refuse(
                cl,
                "you cannot rollback a paused deployment; resume it first with \
                 'kubectl rollout resume' and try again",
            );
        }
        let template = self.sets[target].template();
        if template == self.template {
            return refuse(cl, "skipped rollback: the template already matches");
        }
        self.change_template(template, Origin::Undo);
        cl.trace_update("rollback_started", || Some(why.into()));
    }
}

/// kubectl refused the command: nothing changes (trace `rollback_refused`, the name the
/// trace has always used for a refused control).
fn refuse(cl: &mut Cluster, message: &'static str) {
    cl.trace_update("rollback_refused", || Some(message.into()));
}
