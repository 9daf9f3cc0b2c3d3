//! The Experiment of a canary's `experiment` step, after argo-rollouts 9f8d111
//! (`experiments/experiment.go`: `reconcile`, `reconcileTemplate`, `calculateStatus`,
//! `assessTemplates`, `assessAnalysisRuns`, `calculateEnqueueDuration`;
//! `utils/experiment/experiment.go`: `IsTerminating`, `PassedDurations`,
//! `CalculateTemplateReplicasCount`, `RequiredAnalysisRunsSuccessful`).
//!
//! One ReplicaSet per template, sized `replicas` until the Experiment is over. A template
//! is Running once its pods are all available, Failed when it has not got there within
//! the Rollout's `progressDeadlineSeconds` of its last change. Once every template is
//! Running the Experiment is available (`availableAt`, whole seconds): its AnalysisRuns
//! start, and it ends Successful `duration` later, or as soon as every
//! `requiredForCompletion` analysis is Successful; a Failed, Error or Inconclusive run
//! ends it early with that phase. Over, its ReplicaSets are scaled to 0 after
//! `scaleDownDelaySeconds` (`scale-down-deadline`, whole seconds).
//!
//! The Experiment controller reconciles in the instant the Rollout does (upstream it is
//! a separate controller woken by the same ReplicaSet changes), and its timers — the end
//! of `duration`, a template's deadline, a scale-down deadline — wake the Rollout. A
//! timer's reconcile finds its time passed: upstream it lands a moment after, and
//! `PassedDurations` and the deadline test are strict.

use super::replicaset::{self, PodTemplate, ReplicaSet, RsStatus};
use crate::analysis::{AnalysisRun, Measure, Phase, Role, RunName};
use crate::cluster::Cluster;
use crate::scenario::experiment_step::ExperimentStep;
use crate::sim::time::{NEVER, SECOND, Time, api_stamp};
use crate::strategy::kubernetes::ranking::Ranking;

/// A template's status (`TemplateStatusCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TemplateStatus {
    /// Every pod available (`templateStatusOrder`, best first).
    Successful,
    /// Running.
    Running,
    /// Pods still coming up.
    Progressing,
    /// Past its deadline.
    Failed,
}

/// One template's ReplicaSet and status.
#[derive(Debug, Clone)]
struct Template {
    status: TemplateStatus,
    /// `lastTransitionTime`, whole seconds.
    last_transition: Time,
    /// The counts last seen (a change is a transition).
    seen: RsStatus,
    /// `scale-down-deadline` of its ReplicaSet; `NEVER`: not annotated.
    scale_down_at: Time,
}

/// One Experiment.
#[derive(Debug, Clone)]
pub(super) struct Experiment<'s> {
    spec: &'s ExperimentStep,
    /// The canary step that created it.
    pub(super) step: usize,
    /// How many Experiments the step created before it (after a `retry`): which of its
    /// templates' versions its pods run as.
    instance: usize,
    /// Where its first template's ReplicaSet is in the Rollout's sets (the others follow).
    first_set: usize,
    templates: Vec<Template>,
    /// `status.availableAt`, whole seconds.
    available_at: Option<Time>,
    /// `status.phase`.
    phase: Phase,
    /// `spec.terminate`: cancelled by the Rollout.
    terminate: bool,
    /// Its AnalysisRuns, one per analysis once available.
    runs: Vec<Option<AnalysisRun<'s>>>,
    /// A template missed its deadline: the failure's message.
    failure: Option<String>,
    /// The instant a wake-up is already set for.
    timer: Time,
}

impl<'s> Experiment<'s> {
    /// Create the `instance`-th Experiment of step `step` (0 the first, one more after
    /// each `retry`) with its ReplicaSets (empty), appended to `sets`.
    pub(super) fn create(
        spec: &'s ExperimentStep,
        (step, instance): (usize, usize),
        cl: &Cluster,
        sets: &mut Vec<ReplicaSet>,
    ) -> Experiment<'s> {
        let first_set = sets.len();
        let stamp = api_stamp(cl.now());
        for t in &spec.templates {
            let template = PodTemplate::of(t.version(instance));
            sets.push(ReplicaSet::new(sets.len(), template, 0, 1, (0, 0)));
        }
        Experiment {
            spec,
            step,
            instance,
            first_set,
            templates: spec
                .templates
                .iter()
                .map(|_| Template {
                    status: TemplateStatus::Progressing,
                    last_transition: stamp,
                    seen: RsStatus::default(),
                    scale_down_at: NEVER,
                })
                .collect(),
            available_at: None,
            phase: Phase::Pending,
            terminate: false,
            runs: spec.analyses.iter().map(|_| None).collect(),
            failure: None,
            timer: NEVER,
        }
    }

    /// Its phase.
    pub(super) fn phase(&self) -> Phase {
        self.phase
    }

    /// Why it failed, for the Rollout's abort message.
    pub(super) fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Running (`Status.Phase == Running`): the router sends its templates their weight
    /// (`calculateWeightDestinationsFromExperiment`).
    pub(super) fn routes_weights(&self) -> bool {
        self.phase == Phase::Running && !self.terminate
    }

    /// The templates' versions and weights.
    pub(super) fn weights(&self) -> impl Iterator<Item = (crate::scenario::VersionId, u32)> + '_ {
        self.spec
            .templates
            .iter()
            .filter_map(|t| Some((t.version(self.instance), t.weight?)))
    }

    /// Cancel it (`experimentutil.Terminate`: `spec.terminate: true`).
    pub(super) fn cancel(&mut self) {
        self.terminate = true;
    }

    /// Whether the Rollout cancelled it.
    pub(super) fn cancelled(&self) -> bool {
        self.terminate
    }

    /// `IsTerminating`.
    fn terminating(&self) -> bool {
        self.terminate
            || self.phase.completed()
            || self
                .templates
                .iter()
                .any(|t| t.status == TemplateStatus::Failed)
            || self.runs.iter().flatten().any(|r| r.phase().breaches())
            || self.required_successful()
    }

    /// `RequiredAnalysisRunsSuccessful`.
    fn required_successful(&self) -> bool {
        self.spec.has_required()
            && self.spec.analyses.iter().zip(&self.runs).all(|(a, r)| {
                !a.required_for_completion
                    || r.as_ref().is_some_and(|r| r.phase() == Phase::Successful)
            })
    }

    /// `PassedDurations`.
    fn passed_duration(&self, now: Time) -> bool {
        match (self.spec.duration, self.available_at) {
            (Some(d), Some(at)) => now >= at.saturating_add(d),
            _ => false,
        }
    }

    /// One reconcile of the Experiment controller (`experimentContext.reconcile`). Returns
    /// the next instant it needs a reconcile, if not already asked for.
    pub(super) fn reconcile(
        &mut self,
        cl: &mut Cluster,
        sets: &mut [ReplicaSet],
        ranking: &mut Ranking,
        deadline: Option<Time>,
    ) -> Option<Time> {
        let now = cl.now();
        let stamp = api_stamp(now);
        let terminating = self.terminating();
        let finished = self.phase.completed();
        let passed = self.passed_duration(now);
        let mut wake = NEVER;
        for (i, spec) in self.spec.templates.iter().enumerate() {
            let rs = self.first_set + i;
            let t = &mut self.templates[i];
            // `CalculateTemplateReplicasCount`.
            let over = matches!(
                t.status,
                TemplateStatus::Successful | TemplateStatus::Failed
            );
            let desired = if finished || terminating || over {
                0
            } else {
                spec.replicas
            };
            if desired == 0 && sets[rs].spec > 0 && t.scale_down_at == NEVER {
                // `addScaleDownDelayToTemplateRS`: the annotation, in whole seconds.
                t.scale_down_at = stamp.saturating_add(self.spec.scale_down_delay);
            }
            if sets[rs].spec != desired {
                // `scaleTemplateRS`: a scale-down waits for its deadline.
                let to = if desired == 0 && now < t.scale_down_at {
                    wake = wake.min(t.scale_down_at);
                    spec.replicas
                } else {
                    desired
                };
                if sets[rs].spec != to {
                    sets[rs].spec = to;
                    replicaset::manage_replicas(cl, sets, rs, ranking);
                }
                t.last_transition = stamp;
            }
            let counts = sets[rs].status(cl);
            if t.seen != counts {
                t.seen = counts;
                t.last_transition = stamp;
            }
            let available = counts.available;
            if t.status != TemplateStatus::Successful && t.status != TemplateStatus::Failed {
                let due = deadline.map_or(NEVER, |d| t.last_transition.saturating_add(d));
                t.status = if desired == available {
                    if passed || terminating {
                        TemplateStatus::Successful
                    } else {
                        TemplateStatus::Running
                    }
                } else if now >= due {
                    self.failure = Some(format!(
                        "Template '{}' exceeded its progressDeadlineSeconds ({})",
                        spec.name,
                        deadline.unwrap_or(0) / SECOND
                    ));
                    TemplateStatus::Failed
                } else if terminating {
                    TemplateStatus::Successful
                } else {
                    TemplateStatus::Progressing
                };
                // `calculateEnqueueDuration`: a template short of its pods (Running ones
                // have them all) is looked at again at its deadline.
                if t.status == TemplateStatus::Progressing {
                    wake = wake.min(due);
                }
            }
        }
        self.reconcile_runs(now, terminating);
        let was_available = self.available_at.is_some();
        self.calculate_status(stamp);
        if !was_available && self.available_at.is_some() {
            // The status patch that sets `availableAt` brings the next reconcile at once,
            // which starts the runs.
            self.reconcile_runs(now, self.terminating());
        }
        if !self.terminating()
            && let (Some(d), Some(at)) = (self.spec.duration, self.available_at)
            && !self.passed_duration(now)
        {
            wake = wake.min(at.saturating_add(d));
        }
        // Its runs' next measurements wake the Rollout, which measures them.
        let wake = self.next_due().map_or(wake, |d| wake.min(d)).max(now);
        let new = wake != NEVER && wake != self.timer;
        if new {
            self.timer = wake;
        }
        new.then_some(wake)
    }

    /// `reconcileAnalysisRun`: each run started once the Experiment is available, and
    /// terminated when it is terminating.
    fn reconcile_runs(&mut self, now: Time, terminating: bool) {
        if self.available_at.is_none() {
            return;
        }
        for (run, a) in self.runs.iter_mut().zip(&self.spec.analyses) {
            match run {
                None if !terminating => {
                    *run = Some(AnalysisRun::new(&a.spec, RunName::Experiment(&a.name), now));
                }
                Some(r) if terminating => {
                    r.terminate();
                }
                _ => {}
            }
        }
    }

    /// `calculateStatus`.
    fn calculate_status(&mut self, stamp: Time) {
        if self.phase.completed() {
            return;
        }
        let templates = match self.templates.iter().map(|t| t.status).max() {
            Some(TemplateStatus::Progressing) | None => Phase::Pending,
            Some(TemplateStatus::Running) => Phase::Running,
            Some(TemplateStatus::Successful) => Phase::Successful,
            Some(TemplateStatus::Failed) => Phase::Failed,
        };
        let analyses = self.assess_runs();
        if templates == Phase::Running && self.available_at.is_none() {
            self.available_at = Some(stamp);
        }
        self.phase = if templates.completed() {
            let analysis_run = analyses.completed() || self.spec.has_required();
            if templates == Phase::Successful && analysis_run {
                analyses
            } else {
                templates
            }
        } else if analyses.completed() && analyses != Phase::Successful
            || self.required_successful()
        {
            analyses
        } else {
            templates
        };
    }

    /// `assessAnalysisRuns`: the worst run (a run not created yet counts as Successful).
    fn assess_runs(&self) -> Phase {
        let worst = self
            .runs
            .iter()
            .flatten()
            .map(AnalysisRun::phase)
            .max_by_key(|&p| p.rank())
            .unwrap_or(Phase::Successful);
        if self.required_successful() && worst.rank() < Phase::Running.rank() {
            return Phase::Successful;
        }
        if worst == Phase::Pending {
            Phase::Running
        } else {
            worst
        }
    }

    /// The earliest measurement due of its runs.
    pub(super) fn next_due(&self) -> Option<Time> {
        self.runs
            .iter()
            .flatten()
            .filter_map(AnalysisRun::next_due)
            .min()
    }

    /// Take its runs' measurements due by `now`, reading its templates' pods.
    pub(super) fn measure(&mut self, now: Time, source: &mut dyn Measure) {
        let role = |r| {
            self.spec
                .template_of(r)
                .map_or((0, 0), |t| (t.version(self.instance), t.replicas))
        };
        source.bind(role(Role::Canary), role(Role::Stable));
        for run in self.runs.iter_mut().flatten() {
            if run.next_due().is_some_and(|t| t <= now) {
                run.measure(now, source);
            }
        }
    }

    /// Whether a dry-run metric of its runs ended Failed or Error.
    pub(super) fn dry_run_failed(&self) -> bool {
        self.runs.iter().flatten().any(AnalysisRun::dry_run_failed)
    }
}
