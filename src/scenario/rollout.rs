//! `strategy.canary` and `strategy.blueGreen`: an Argo Rollouts `Rollout`, with the field
//! names, defaults and validation of `argoproj/argo-rollouts` (`pkg/apis/rollouts/v1alpha1/types.go`,
//! `utils/defaults/defaults.go`, `pkg/apis/rollouts/validation/validation.go`, v1.10).
//!
//! The Rollout's own spec fields (`minReadySeconds`, `progressDeadlineSeconds`,
//! `progressDeadlineAbort`) are written inside the strategy section, next to the
//! strategy's fields, so one section describes the rollout.
//!
//! A block written null is not set, as upstream reads it (the API server prunes the null,
//! Go leaves the pointer nil), not present with every default as the walker's sections
//! are: `trafficRouting: null` is a basic canary, and a step whose one field is null is an
//! empty step, refused.
//!
//! Simulator field (not upstream): `trafficRouting.headerRoute.share`, the fraction of
//! requests that carry the header a `setHeaderRoute` step matches; while the route exists
//! (the update is in progress, the canary has available pods, no abort) they always go to
//! the canary, as Istio's first matching route sends them.
//!
//! Simulator field (not upstream): `blueGreen.previewTraffic.share`, the fraction of
//! requests that reach the preview Service (testers, a header route to it, a smoke-test
//! client) while it selects new pods with at least one available: before the active
//! switch, and after an abort until the new pods are gone. Default 0: the preview serves no requests, so a pre-promotion metric that needs
//! the preview's requests is refused (it could only ever Error).
//!
//! This file keeps the validated types and what both strategies' parsers share; each
//! strategy's parser, with the field names it accepts, is in `canary` and `blue_green`.

use super::experiment_step::ExperimentStep;
use super::managed_routes::RouteStep;
use super::model::IntOrPercent;
use super::strategy::progress_deadline;
use super::walk::{Node, Obj};
use crate::analysis::AnalysisSpec;
use crate::sim::time::{SECOND, Time};

mod blue_green;
mod canary;
pub use blue_green::{BLUE_GREEN_FIELDS, PREVIEW_TRAFFIC_FIELDS, blue_green};
pub use canary::{
    BACKGROUND_FIELDS, CANARY_FIELDS, HEADER_ROUTE_FIELDS, PAUSE_FIELDS, PROGRESS_THRESHOLD_FIELDS,
    PROGRESS_TYPES, ROUTING_FIELDS, SCALE_FIELDS, STEP_FIELDS, canary,
};

/// `DefaultScaleDownDelaySeconds` / `DefaultAbortScaleDownDelaySeconds`.
pub const DEFAULT_SCALE_DOWN_DELAY: Time = 30 * SECOND;
const DEFAULT_PROGRESS_DEADLINE: Time = 600 * SECOND;

/// A Rollout: the spec fields every strategy shares, and the strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutStrategy {
    /// `spec.minReadySeconds` (default 0).
    pub min_ready: Time,
    /// `spec.progressDeadlineSeconds` (default 600 s); `None`: no deadline.
    pub progress_deadline: Option<Time>,
    /// `spec.progressDeadlineAbort` (default false): a timed-out update aborts.
    pub progress_deadline_abort: bool,
    /// Canary or blue-green.
    pub kind: RolloutKind,
}

/// `spec.strategy`.
#[derive(Debug, Clone, PartialEq)]
pub enum RolloutKind {
    /// `canary`.
    Canary(Canary),
    /// `blueGreen`.
    BlueGreen(BlueGreen),
}

/// `spec.strategy.canary`.
#[derive(Debug, Clone, PartialEq)]
pub struct Canary {
    /// `steps`.
    pub steps: Vec<CanaryStep>,
    /// `maxSurge` (default 25%).
    pub max_surge: IntOrPercent,
    /// `maxUnavailable` (default 25%).
    pub max_unavailable: IntOrPercent,
    /// `trafficRouting`: a router splits traffic by weight; `None`: the replica ratio.
    pub traffic_routing: Option<TrafficRouting>,
    /// `scaleDownDelaySeconds` (router only; default 30 s).
    pub scale_down_delay: Time,
    /// `abortScaleDownDelaySeconds` (router only; default 30 s; 0: no delay).
    pub abort_scale_down_delay: Time,
    /// `abortScaleDownDelaySeconds` was written with a non-zero value.
    pub abort_delay_explicit: bool,
    /// `dynamicStableScale` (router only; default false).
    pub dynamic_stable_scale: bool,
    /// `minPodsPerReplicaSet` (router only; unset: no minimum).
    pub min_pods_per_replica_set: Option<u32>,
    /// `replicaProgressThreshold` (unset: every pod a step wants must be available).
    pub replica_progress_threshold: Option<ProgressThreshold>,
    /// `analysis`: the background analysis.
    pub analysis: Option<Background>,
    /// The inline analyses of the `analysis` steps, indexed by [`CanaryStep::Analysis`].
    pub step_analyses: Vec<AnalysisSpec>,
    /// The `experiment` steps, indexed by [`CanaryStep::Experiment`].
    pub experiments: Vec<ExperimentStep>,
    /// `trafficRouting.managedRoutes`: the names of the routes the steps set, first
    /// highest ([`super::managed_routes`]); empty without them.
    pub managed_routes: Vec<String>,
}

/// `replicaProgressThreshold` (`ReplicaProgressThreshold`, argo-rollouts
/// `pkg/apis/rollouts/v1alpha1/types.go`): how many of the pods a step wants of the canary
/// must be available for the step to complete, for the router to give the stable its
/// share back and for the promotion.
///
/// ```
/// use rollout_sim::scenario::rollout::ProgressThreshold;
/// // 90 % of a step's 10 canary pods: 9 available are enough.
/// assert!(ProgressThreshold::Percent(90).met(9, 10));
/// assert!(!ProgressThreshold::Pods(8).met(7, 10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressThreshold {
    /// `type: Percent`: at least `value` % of the pods wanted (met when none is wanted).
    Percent(u32),
    /// `type: Pods`: at least `value` pods, however many are wanted.
    Pods(u32),
}

impl ProgressThreshold {
    /// `ReplicaProgressThresholdMet` (argo-rollouts `utils/replicaset/canary.go`) with a
    /// threshold: `available` of the ReplicaSet against `desired`, the count the step
    /// wants. Upstream compares `available / desired × 100` with the value in floating
    /// point, within 1e-10; the integers here compare exactly the same.
    pub fn met(self, available: u32, desired: u32) -> bool {
        match self {
            Self::Percent(_) if desired == 0 => true,
            Self::Percent(v) => u64::from(available) * 100 >= u64::from(v) * u64::from(desired),
            Self::Pods(v) => available >= v,
        }
    }
}

/// `canary.analysis`: a background AnalysisRun, created once `currentStepIndex >=
/// startingStep` and terminated at promotion (`rollout/analysis.go`).
#[derive(Debug, Clone, PartialEq)]
pub struct Background {
    /// `startingStep` (default 0: as soon as the update begins).
    pub starting_step: usize,
    /// Its metrics.
    pub spec: AnalysisSpec,
}

/// One `steps[]` item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CanaryStep {
    /// `setWeight: w` (percent).
    SetWeight(u32),
    /// `pause: {duration}`; `None`: until promoted.
    Pause(Option<Time>),
    /// `setCanaryScale`.
    SetCanaryScale(CanaryScale),
    /// `analysis: {metrics}`: the index of its spec in [`Canary::step_analyses`].
    Analysis(usize),
    /// `setHeaderRoute`: a header route set or removed.
    SetHeaderRoute(RouteStep),
    /// `setMirrorRoute`: a mirror route set or removed.
    SetMirrorRoute(RouteStep),
    /// `experiment`: the index of its spec in [`Canary::experiments`].
    Experiment(usize),
}

/// `setCanaryScale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CanaryScale {
    /// `replicas: n`.
    Replicas(u32),
    /// `weight: w` (percent of `replicas`, may exceed 100).
    Weight(u32),
    /// `matchTrafficWeight: true`: back to the traffic weight.
    MatchTrafficWeight,
}

/// `trafficRouting`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrafficRouting {
    /// Fraction of requests carrying the canary header (simulator field, default 0).
    pub header_share: f64,
    /// `maxTrafficWeight` (default 100): the total the weights are out of.
    pub max_weight: u32,
}

/// `maxTrafficWeight`'s default (`utils/weightutil`).
pub const MAX_TRAFFIC_WEIGHT: u32 = 100;

impl Canary {
    /// The router's `maxTrafficWeight` (100 without a router: weights are percentages).
    pub fn max_weight(&self) -> u32 {
        self.traffic_routing
            .map_or(MAX_TRAFFIC_WEIGHT, |r| r.max_weight)
    }
}

/// `spec.strategy.blueGreen`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlueGreen {
    /// `previewReplicaCount`; `None`: `replicas`.
    pub preview_replica_count: Option<u32>,
    /// `autoPromotionEnabled` (default true).
    pub auto_promotion_enabled: bool,
    /// `autoPromotionSeconds` (default 0).
    pub auto_promotion_seconds: Time,
    /// `scaleDownDelaySeconds` (default 30 s).
    pub scale_down_delay: Time,
    /// `abortScaleDownDelaySeconds` (default 30 s; 0 keeps the preview pods).
    pub abort_scale_down_delay: Option<Time>,
    /// `prePromotionAnalysis`: must be Successful before the active switch.
    pub pre_promotion_analysis: Option<AnalysisSpec>,
    /// `postPromotionAnalysis`: must be Successful before `status.stableRS` moves.
    pub post_promotion_analysis: Option<AnalysisSpec>,
    /// `previewTraffic.share` (simulator field, default 0): the share of requests the
    /// preview Service receives before the switch and after an abort.
    pub preview_share: f64,
}

impl RolloutStrategy {
    /// The strategy in a few words, for headers and chart titles.
    pub fn label(&self) -> String {
        match &self.kind {
            RolloutKind::Canary(c) => format!(
                "Argo canary, {}, {}{}",
                crate::output::human_text::counted(c.steps.len(), "step"),
                match (c.traffic_routing.is_some(), c.managed_routes.len()) {
                    (false, _) => "replica-ratio traffic".to_string(),
                    (true, 0) => "traffic router".to_string(),
                    (true, m) => format!(
                        "traffic router, {}",
                        crate::output::human_text::counted(m, "managed route")
                    ),
                },
                match c.replica_progress_threshold {
                    None => String::new(),
                    Some(ProgressThreshold::Percent(v)) => {
                        format!(", steps complete at {v}% of their pods available")
                    }
                    Some(ProgressThreshold::Pods(v)) => format!(
                        ", steps complete at {} available",
                        crate::output::human_text::counted(v, "pod")
                    ),
                }
            ),
            RolloutKind::BlueGreen(b) => format!(
                "Argo blueGreen, autoPromotionEnabled {}",
                b.auto_promotion_enabled
            ),
        }
    }

    /// Every analysis attached, with where it is: the background's, each analysis step's
    /// in step order, blue-green's pre- and post-promotion (allocation-free: a trial's
    /// end reads it).
    pub fn analyses(&self) -> impl Iterator<Item = (AnalysisAt, &AnalysisSpec)> {
        let (canary, blue_green) = match &self.kind {
            RolloutKind::Canary(c) => (Some(c), None),
            RolloutKind::BlueGreen(b) => (None, Some(b)),
        };
        let canary = canary.into_iter().flat_map(|c| {
            let steps = c.steps.iter().enumerate().filter_map(|(i, s)| match s {
                CanaryStep::Analysis(a) => Some((AnalysisAt::Step(i), &c.step_analyses[*a])),
                _ => None,
            });
            let experiments = c
                .steps
                .iter()
                .enumerate()
                .filter_map(|(i, s)| match s {
                    CanaryStep::Experiment(e) => Some((i, &c.experiments[*e])),
                    _ => None,
                })
                .flat_map(|(i, e)| {
                    e.analyses
                        .iter()
                        .enumerate()
                        .map(move |(j, a)| (AnalysisAt::Experiment(i, j), &a.spec))
                });
            c.analysis
                .iter()
                .map(|b| (AnalysisAt::Background, &b.spec))
                .chain(steps)
                .chain(experiments)
        });
        let blue_green = blue_green.into_iter().flat_map(|b| {
            let pre = b.pre_promotion_analysis.iter();
            let post = b.post_promotion_analysis.iter();
            pre.map(|s| (AnalysisAt::PrePromotion, s))
                .chain(post.map(|s| (AnalysisAt::PostPromotion, s)))
        });
        canary.chain(blue_green)
    }

    /// Whether any analysis has a metric in dry-run mode (`dryRun`).
    pub fn has_dry_run(&self) -> bool {
        self.analyses().any(|(_, s)| s.dry_run.contains(&true))
    }

    /// Whether any analysis is attached (background, step, pre- or post-promotion): the
    /// scenario then needs `traffic:` and the trial records the traffic's windows.
    pub fn has_analysis(&self) -> bool {
        self.analyses().next().is_some()
    }
}

/// Where an analysis of a Rollout is, as its field path under `strategy` reads.
///
/// ```
/// use rollout_sim::scenario::rollout::AnalysisAt;
/// assert_eq!(AnalysisAt::Step(2).to_string(), "canary.steps[2].analysis");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisAt {
    /// `canary.analysis`.
    Background,
    /// `canary.steps[i].analysis`.
    Step(usize),
    /// `canary.steps[i].experiment.analyses[j]`.
    Experiment(usize, usize),
    /// `blueGreen.prePromotionAnalysis`.
    PrePromotion,
    /// `blueGreen.postPromotionAnalysis`.
    PostPromotion,
}

impl std::fmt::Display for AnalysisAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnalysisAt::Background => write!(f, "canary.analysis"),
            AnalysisAt::Step(i) => write!(f, "canary.steps[{i}].analysis"),
            AnalysisAt::Experiment(i, j) => {
                write!(f, "canary.steps[{i}].experiment.analyses[{j}]")
            }
            AnalysisAt::PrePromotion => write!(f, "blueGreen.prePromotionAnalysis"),
            AnalysisAt::PostPromotion => write!(f, "blueGreen.postPromotionAnalysis"),
        }
    }
}

/// The Rollout spec fields shared by both strategies.
fn rollout(o: &Obj, kind: RolloutKind) -> RolloutStrategy {
    let min_ready = o.duration("minReadySeconds", 0);
    RolloutStrategy {
        min_ready,
        progress_deadline: o.or(
            "progressDeadlineSeconds",
            Some(DEFAULT_PROGRESS_DEADLINE),
            |n| progress_deadline(n, min_ready),
        ),
        progress_deadline_abort: o.bool("progressDeadlineAbort", false),
        kind,
    }
}
/// An analysis the rollout waits for (a step's, blue-green's pre- or post-promotion) with
/// a metric that runs indefinitely (`interval` without `count`): its run could never
/// complete, and Argo Rollouts refuses the Rollout (`validation_references.go`
/// `ValidateAnalysisTemplateWithType`: "runs indefinitely"), dry-run metrics included.
fn bounded(n: &Node, spec: &AnalysisSpec) {
    for m in spec
        .metrics
        .iter()
        .filter(|m| m.effective_count().is_none())
    {
        n.problem(format!(
            "metric `{}` runs indefinitely (`interval` without `count`), so this run could \
             never complete; Argo Rollouts refuses it here (only a background analysis may); \
             give it a `count`",
            m.name
        ));
    }
}
#[cfg(test)]
#[path = "rollout_tests.rs"]
mod tests;
