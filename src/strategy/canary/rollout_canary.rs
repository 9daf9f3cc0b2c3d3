//! The canary strategy's reconcile, `rolloutCanary`, after `argoproj/argo-rollouts`
//! (`rollout/canary.go`, `rollout/trafficrouting.go`, `rollout/pause.go`, v1.10): traffic
//! weight first (from the counts at the start of the reconcile), then at most one
//! ReplicaSet rescaled (stable first), then the pause and the step completion. The
//! arithmetic it applies is [`super::replicas`] and [`super::steps`]; blue-green is
//! [`super::bluegreen`]. A pause counts from its condition's `startTime` in whole seconds
//! (see [`super`]).

use super::abort::Aborter;
use super::experiment::Experiment;
use super::replicas::{self, AbortState, ActualWeights, CanaryTarget};
use super::steps::{canary_scale, current_set_weight, previous_set_weight};
use super::{CANARY, Rollout, STABLE, Timer};
use crate::analysis::Phase;
use crate::cluster::Cluster;
use crate::scenario::rollout::{Canary, CanaryStep};
use crate::sim::time::{NEVER, SECOND, Time, api_stamp};
use crate::strategy::kubernetes::fenceposts::resolve_fenceposts;

/// The Rollout controller's resync period (argo-rollouts 9f8d111
/// `controller/controller.go` `DefaultRolloutResyncPeriod`, the `--rollout-resync` flag):
/// `reconcileNewReplicaSet` waits for an abort's `scale-down-deadline` only when it is
/// nearer than this.
pub(super) const ROLLOUT_RESYNC: Time = 15 * 60 * SECOND;

impl<'s> Rollout<'s> {
    /// `rolloutCanary`.
    pub(super) fn reconcile_canary(&mut self, cl: &mut Cluster, c: &'s Canary) -> bool {
        let n = self.n;
        let max = c.max_weight();
        let routed = c.traffic_routing.is_some();
        let header = c.traffic_routing.map_or(0.0, |r| r.header_share);
        if self.promoted_at.is_some() {
            // Both Services select the new pods; the old stable is retired after the delay.
            // `IsFullyPromoted`: `RemoveManagedRoutes`.
            self.routes.remove_all();
            self.route(cl, routed.then_some((c.max_weight(), 0.0)));
            self.settle_promotion(cl);
            return self.retire(cl, STABLE);
        }
        let (stable, canary) = (self.state(cl, STABLE), self.state(cl, CANARY));
        let aborted = self.abort.is_some();
        // `status.promoteFull`: the reconcile skips every pause and the steps
        // (`syncRolloutStatusCanary`: `ClearPauseConditions`, `currentStepIndex` = the step
        // count; `reconcileCanaryPause` adds none) and cancels the runs
        // (`reconcileAnalysisRuns`' `shouldCancelCurrentAnalysis`), argo-rollouts 9f8d111.
        // An abort read with it still steers this reconcile's traffic and scale-down; the
        // status it writes removes it ([`Rollout::reconcile`]).
        let full = self.promote_full;
        if full && !aborted {
            self.step = c.steps.len();
            self.pause_start = None;
            self.promoted_by_user = false;
            self.runs.terminate();
        }
        let set_weights: Vec<u32> = c
            .steps
            .iter()
            .filter_map(|s| match s {
                CanaryStep::SetWeight(w) => Some(*w),
                _ => None,
            })
            .collect();
        // The weight the steps ask for now (`GetCurrentSetWeight`; on a dynamic abort
        // `GetDesiredCanaryWeight`, which sizes the ReplicaSets) and the scale target.
        let desired_weight = if aborted {
            if c.dynamic_stable_scale {
                replicas::desired_weight_on_abort(
                    n,
                    &set_weights,
                    Some(AbortState {
                        stable_available: stable.available,
                        canary_available: canary.available,
                        explicit_abort_delay: c.abort_delay_explicit,
                    }),
                    max,
                )
            } else {
                0
            }
        } else {
            current_set_weight(&c.steps, self.step, max)
        };
        // `UseSetCanaryScale` ignores `setCanaryScale` on abort unless
        // `abortScaleDownDelaySeconds: 0` asked to leave the canary up; the abort has reset
        // the step index to 0, so only a first step's `setCanaryScale` is still read.
        // `GetCanaryReplicasOrWeight`: under `promoteFull` the canary is sized for the
        // router's whole weight, whatever the steps or an abort ask (`setCanaryScale`
        // ignored).
        let scale_weight = if full { max } else { desired_weight };
        let target = if full {
            CanaryTarget::Weight(max)
        } else if routed && (!aborted || c.abort_scale_down_delay == 0) {
            canary_scale(&c.steps, self.step).unwrap_or(CanaryTarget::Weight(desired_weight))
        } else {
            CanaryTarget::Weight(desired_weight)
        };
        let (surge, unavailable) =
            resolve_fenceposts(Some(c.max_surge), Some(c.max_unavailable), n);
        // The counts for the router's canary weight `held` (`status.canary.weights`), which
        // only `dynamicStableScale` reads.
        let desired = |held: u32| -> (u32, u32) {
            let min = |count| replicas::check_min_pods(n, c.min_pods_per_replica_set, count);
            if routed {
                if c.dynamic_stable_scale {
                    let actual = ActualWeights {
                        canary: held,
                        stable: max - held,
                    };
                    let (cn, sn) =
                        replicas::dynamic_stable_scale(n, target, Some(actual), aborted, max);
                    (min(cn), min(sn))
                } else {
                    // A `setCanaryScale: {replicas}` count is taken as written.
                    let (cn, sn) = replicas::traffic_routed_counts(n, target, max);
                    let weighted = !matches!(target, CanaryTarget::Replicas(_));
                    (if weighted { min(cn) } else { cn }, sn)
                }
            } else {
                replicas::approximate_weighted_counts(n, scale_weight, surge)
            }
        };
        let (want_canary, want_stable) = desired(self.weight);
        // `AtDesiredReplicaCountsForCanary`: with `dynamicStableScale` behind a router the
        // stable is not looked at (it follows the traffic, which waits for this test);
        // reading its count here too made a one-replica canary flap between a full and an
        // empty stable within an instant.
        // `replicaProgressThreshold` lets the canary count as there with fewer pods
        // available, and no longer asks for its spec to be at the count.
        let threshold = c.replica_progress_threshold;
        let at_counts = replicas::progress_threshold_met(threshold, canary, want_canary)
            && (routed && c.dynamic_stable_scale
                || stable.spec == want_stable && self.status(cl, STABLE).replicas == want_stable);
        // 1. Traffic weight (`reconcileTrafficRouting`), from the counts read above.
        let mut changed = false;
        if routed {
            // The weighted route as the router holds it before this reconcile's write: a
            // mirror route set now copies it (`createMirrorRoute` runs before `SetWeight`).
            let held = self.weight;
            let w = if aborted && c.dynamic_stable_scale {
                replicas::abort_traffic_weight(
                    n,
                    desired_weight,
                    stable.available,
                    self.weight,
                    max,
                )
            } else if aborted || canary.available == 0 {
                0
            } else if full {
                // `reconcileTrafficRouting` under `promoteFull`: with `dynamicStableScale`
                // the canary's available share of `spec.replicas`, else the weight held.
                if c.dynamic_stable_scale {
                    (u64::from(max) * u64::from(canary.available) / u64::from(n.max(1))) as u32
                } else {
                    self.weight
                }
                .min(max)
            } else if !at_counts {
                previous_set_weight(&c.steps, self.step, max)
            } else if self.step < c.steps.len() {
                desired_weight
            } else {
                max
            };
            // Never move traffic onto a stable that cannot carry it (`checkReplicasAvailable`).
            let needed = (u64::from(max - w) * u64::from(n) / u64::from(max)) as u32;
            let carries = replicas::carries(threshold, stable, needed);
            if carries && w != self.weight {
                self.weight = w;
                changed = true;
            }
            // `RemoveManagedRoutes` on an abort, under `promoteFull` and while the canary
            // has no available pod; then the current step's route, once the stable
            // carries the weight (when it cannot, upstream returns before setting it, and
            // the step completes all the same: the route is never set) ([`super::route_table`]).
            // The older `headerRoute.share` is a header route in force under the same
            // conditions, with no step to set it.
            let route_on = !aborted && !full && canary.available > 0;
            if !route_on {
                self.routes.remove_all();
            }
            if carries
                && let Some(CanaryStep::SetHeaderRoute(r) | CanaryStep::SetMirrorRoute(r)) =
                    c.steps.get(self.step)
            {
                self.routes.apply(*r, held);
            }
            self.route(cl, Some((self.weight, if route_on { header } else { 0.0 })));
        }
        // `reconcileExperiments`, and the Experiment controller in the same instant.
        if self.reconcile_experiments(cl, c, aborted || full) {
            return true;
        }
        // `reconcileAnalysisRuns`: an abort, or the Inconclusive pause halting the scaling
        // (`haltProgress`) but not the steps: `syncRolloutStatusCanary` still completes a
        // step that needs no scaling, and promotes.
        let mut halted = false;
        if !aborted && !full {
            let gate = self.runs.reconcile(c, self.step, cl.now());
            match self.follow_gate(cl, gate) {
                None => return true,
                Some(h) => halted = h,
            }
        }
        // 2. ReplicaSets: stable first, then canary (one per reconcile). The stable follows
        // the weights read at the start of the reconcile (`reconcileCanaryStableReplicaSet`
        // passes `c.rollout.Status.Canary.Weights`, so it lags the weight by one reconcile),
        // the canary those just written (`reconcileNewReplicaSet` passes
        // `c.newStatus.Canary.Weights`): on a dynamic abort the canary shrinks in the
        // reconcile that takes its traffic away, and never grows for a weight just left.
        let (want_canary, _) = desired(self.weight);
        if halted || self.user_paused {
            // `reconcileCanaryReplicaSets` scales nothing under `haltProgress` (an
            // Inconclusive pause, or the user's `spec.paused`, an abort's scale-down too).
        } else if aborted && routed && delays_scale_down_on_abort(c) {
            // The canary kept at its size until `scale-down-deadline` (set once the stable
            // is fully available: the deadline empties the canary whatever the stable
            // can carry), then 0. The stable is N, or with `dynamicStableScale` sized as
            // the traffic leaves. Without the delay the canary goes to its count below at
            // once: 0, or a first step's `setCanaryScale` under a zero delay.
            let written = self.scale_down_at != NEVER;
            if !written && stable.available >= n && self.weight == 0 {
                self.set_scale_down_deadline(cl, c.abort_scale_down_delay);
                // The annotation's patch brings the next reconcile at once.
                changed = true;
            }
            // A deadline a resync period or more away is not waited for: the reconcile
            // that reads it back falls through to `NewRSNewReplicas`, 0 on abort.
            let far = written && self.scale_down_at.saturating_sub(cl.now()) >= ROLLOUT_RESYNC;
            changed |= self.scale(cl, STABLE, want_stable)
                || if far {
                    self.scale(cl, CANARY, want_canary)
                } else {
                    self.retire(cl, CANARY)
                };
        } else if routed {
            changed |= self.scale(cl, STABLE, want_stable) || self.scale(cl, CANARY, want_canary);
        } else {
            let (new_c, new_s) = replicas::basic_canary_counts(
                n,
                scale_weight,
                surge,
                unavailable,
                Some(canary),
                Some(stable),
                &[],
            );
            changed |= self.scale(cl, STABLE, new_s) || self.scale(cl, CANARY, new_c);
        }
        if changed {
            return true;
        }
        if aborted {
            self.finish_abort(cl, routed && c.abort_scale_down_delay == 0);
            return false;
        }
        // 3. Pause and step completion.
        // The Inconclusive pause set `controllerPause`: a pause step reached under it gets no
        // `CanaryPauseStep` condition and `CompletedCanaryPauseStep` finds it resumed, as
        // after a user's promote (argo-rollouts 9f8d111).
        let resumed = self.promoted_by_user || halted && self.pause_start.is_none();
        let paused_step = match c.steps.get(self.step) {
            Some(CanaryStep::Pause(d)) => {
                // `reconcileCanaryPause` adds no condition under `spec.paused`.
                if self.pause_start.is_none() && !resumed && !self.user_paused {
                    // `reconcileCanaryPause`: the clock starts now, and the condition's
                    // `startTime` is stored in whole seconds; the reconcile after the status
                    // patch reads it back and requeues at its end
                    // (`checkEnqueueRolloutDuringWait(cond.StartTime, …)`), which
                    // `CompletedCanaryPauseStep` compares with too. Not once the user's
                    // promote has cleared the conditions: `controllerPause` is still set, so
                    // no new one is added and the step completes.
                    let start = api_stamp(cl.now());
                    self.pause_start = Some(start);
                    cl.trace_update("paused", || None);
                    if let Some(d) = *d {
                        cl.set_timer(start.saturating_add(d).max(cl.now()), Timer::Reconcile);
                    }
                }
                Some(*d)
            }
            _ => None,
        };
        let done = match c.steps.get(self.step) {
            None => {
                // All steps done: promote once the canary carries everything. Under
                // `promoteFull` `shouldFullPromote` asks only for the canary's pods, not
                // the weight (the router is switched by the promotion).
                // `shouldFullPromote` waits for every pod of the canary, or for the
                // `replicaProgressThreshold` of `spec.replicas`.
                if replicas::carries(threshold, canary, n)
                    && (full || !routed || self.weight == max)
                {
                    let delay = if routed && !c.dynamic_stable_scale {
                        c.scale_down_delay
                    } else {
                        0
                    };
                    self.promote(cl, delay);
                    return true;
                }
                false
            }
            // `completedCurrentCanaryStep` under `spec.paused`; promotion after the last
            // step (`shouldFullPromote`) is not held.
            Some(_) if self.user_paused => false,
            Some(CanaryStep::Pause(_)) => {
                let start = self.pause_start.unwrap_or(cl.now());
                resumed
                    || paused_step
                        .flatten()
                        .is_some_and(|d| cl.now() >= start.saturating_add(d))
            }
            Some(CanaryStep::Analysis(_)) => self.runs.step_successful(self.step),
            // `completedCurrentCanaryStep`: the Experiment is Successful.
            Some(CanaryStep::Experiment(_)) => self
                .current_experiment()
                .is_some_and(|e| e.phase() == Phase::Successful),
            // `completedCurrentCanaryStep`: a route step is done once reached.
            Some(CanaryStep::SetHeaderRoute(_) | CanaryStep::SetMirrorRoute(_)) => true,
            Some(_) => at_counts,
        };
        // `isIndefiniteStep`: no deadline during a pause or an analysis step (nor under a
        // pause condition).
        let indefinite = halted
            || self.user_paused
            || paused_step.is_some()
            || matches!(
                c.steps.get(self.step),
                Some(CanaryStep::Analysis(_) | CanaryStep::Experiment(_))
            );
        if done {
            self.step += 1;
            self.experiment_paused = false;
            self.pause_start = None;
            self.promoted_by_user = false;
        }
        // The status, and with it the deadline, is computed at the end of the reconcile
        // (`syncRolloutStatusCanary`): a step just completed is progress.
        self.check_progress(cl, indefinite);
        done
    }
}

impl<'s> Rollout<'s> {
    /// The Experiment of the current step, if created and not cancelled.
    fn current_experiment(&self) -> Option<&Experiment<'s>> {
        self.experiments
            .iter()
            .rev()
            .find(|e| e.step == self.step && !e.cancelled())
    }

    /// `reconcileExperiments` (argo-rollouts 9f8d111 `rollout/experiment.go`), then one
    /// reconcile of every Experiment ([`Experiment::reconcile`]): on an abort or under
    /// `promoteFull` every Experiment is cancelled; otherwise (unless an Inconclusive
    /// analysis holds the rollout) the current `experiment` step's is created, and the
    /// others cancelled. The current one's phase then pauses the rollout (Inconclusive)
    /// or aborts it (Failed, Error). `true` when it aborted.
    fn reconcile_experiments(&mut self, cl: &mut Cluster, c: &'s Canary, cancel_all: bool) -> bool {
        let current = match c.steps.get(self.step) {
            Some(CanaryStep::Experiment(e)) if !cancel_all => Some(&c.experiments[*e]),
            _ => None,
        };
        let step = self.step;
        if cancel_all {
            self.experiments.iter_mut().for_each(Experiment::cancel);
            self.experiment_paused = false;
        } else if !self.runs.inconclusive_pause() {
            for e in self.experiments.iter_mut().filter(|e| e.step != step) {
                e.cancel();
            }
            if let Some(spec) = current
                && self.current_experiment().is_none()
            {
                let instance = self.experiments.iter().filter(|e| e.step == step).count();
                let e = Experiment::create(spec, (step, instance), cl, &mut self.sets);
                self.experiments.push(e);
                cl.trace_update("experiment_created", || None);
            }
        }
        let deadline = self.cfg.progress_deadline;
        for e in &mut self.experiments {
            if let Some(at) = e.reconcile(cl, &mut self.sets, &mut self.ranking, deadline) {
                cl.set_timer(at, Timer::Reconcile);
            }
        }
        if current.is_none() || self.runs.inconclusive_pause() {
            return false;
        }
        let Some(e) = self.current_experiment() else {
            return false;
        };
        match e.phase() {
            Phase::Inconclusive if !self.experiment_paused => {
                self.experiment_paused = true;
                cl.trace_update("paused", || Some("InconclusiveExperiment".into()));
                false
            }
            Phase::Failed | Phase::Error => {
                let why = e.failure().map_or(
                    "Experiment analysis phase is error/failed".to_string(),
                    |m| format!("Experiment analysis phase is error/failed: {m}"),
                );
                self.abort(cl, Aborter::Controller, why);
                true
            }
            _ => false,
        }
    }
}

/// `shouldDelayScaleDownOnAbort` (argo-rollouts 9f8d111 `rollout/replicaset.go`) for a
/// routed canary: a delay to wait (`GetAbortScaleDownDelaySecondsOrDefault` reads
/// `abortScaleDownDelaySeconds: 0` as none, "leave canary/preview up"), and with
/// `dynamicStableScale` only one written explicitly (`HasExplicitAbortScaleDownDelay`).
pub(super) fn delays_scale_down_on_abort(c: &Canary) -> bool {
    c.abort_scale_down_delay > 0 && (!c.dynamic_stable_scale || c.abort_delay_explicit)
}
