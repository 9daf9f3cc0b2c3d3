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

use super::experiment_step::{self, ExperimentStep};
use super::managed_routes::{self, RouteStep};
use super::model::IntOrPercent;
use super::strategy::{int_or_percent, progress_deadline};
use super::walk::{Node, Obj};
use crate::analysis::{self, AnalysisSpec, Role};
use crate::sim::time::{SECOND, Time};

/// Fields of `strategy.canary`.
pub const CANARY_FIELDS: &[&str] = &[
    "steps",
    "maxSurge",
    "maxUnavailable",
    "trafficRouting",
    "scaleDownDelaySeconds",
    "abortScaleDownDelaySeconds",
    "dynamicStableScale",
    "minPodsPerReplicaSet",
    "replicaProgressThreshold",
    "minReadySeconds",
    "progressDeadlineSeconds",
    "progressDeadlineAbort",
    "analysis",
];
/// Fields of one `steps[]` item: exactly one.
pub const STEP_FIELDS: &[&str] = &[
    "setWeight",
    "pause",
    "setCanaryScale",
    "analysis",
    "setHeaderRoute",
    "setMirrorRoute",
    "experiment",
];
/// Fields of `canary.analysis` (background analysis): the analysis block's own fields
/// (`metrics`, inline in place of Argo's template references) and `startingStep`.
pub const BACKGROUND_FIELDS: &[&str] = &["metrics", "dryRun", "startingStep"];
/// Fields of `pause`.
pub const PAUSE_FIELDS: &[&str] = &["duration"];
/// Fields of `setCanaryScale`: exactly one.
pub const SCALE_FIELDS: &[&str] = &["replicas", "weight", "matchTrafficWeight"];
/// Fields of `replicaProgressThreshold`: both required.
pub const PROGRESS_THRESHOLD_FIELDS: &[&str] = &["type", "value"];
/// The values of `replicaProgressThreshold.type` (`ProgressType`): `Pod` is how Argo
/// Rollouts' specification page spells `Pods`, and upstream reads every type but
/// `Percent` as a count of pods.
pub const PROGRESS_TYPES: &[(&str, bool)] = &[("Percent", true), ("Pods", false), ("Pod", false)];
/// Fields of `trafficRouting`.
pub const ROUTING_FIELDS: &[&str] = &["headerRoute", "maxTrafficWeight", "managedRoutes"];
/// Fields of `trafficRouting.headerRoute`.
pub const HEADER_ROUTE_FIELDS: &[&str] = &["share"];
/// Fields of `strategy.blueGreen`.
pub const BLUE_GREEN_FIELDS: &[&str] = &[
    "previewReplicaCount",
    "autoPromotionEnabled",
    "autoPromotionSeconds",
    "scaleDownDelaySeconds",
    "abortScaleDownDelaySeconds",
    "minReadySeconds",
    "progressDeadlineSeconds",
    "progressDeadlineAbort",
    "prePromotionAnalysis",
    "postPromotionAnalysis",
    "previewTraffic",
];
/// Fields of `blueGreen.previewTraffic`.
pub const PREVIEW_TRAFFIC_FIELDS: &[&str] = &["share"];

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

/// `strategy.canary`.
pub fn canary(o: &Obj) -> RolloutStrategy {
    // `trafficRouting: null` (the key with nothing under it) is no router, as absent: the
    // API server prunes a null that the CRD does not mark nullable
    // (`k8s.io/apiextensions-apiserver` `PruneNonNullableNullsWithoutDefaults`), and Go
    // reads one into a nil `*RolloutTrafficRouting` anyway: a basic canary. `{}` is the
    // simulator's router.
    let routing = o.get("trafficRouting").map(|n| {
        let r = n.object_or_empty(ROUTING_FIELDS);
        let h = r.section("headerRoute", HEADER_ROUTE_FIELDS);
        TrafficRouting {
            header_share: h.probability("share", 0.0),
            max_weight: r
                .opt("maxTrafficWeight", |n| {
                    let v = n.u32()?;
                    n.check(v, v >= 1, "must be at least 1")
                })
                .unwrap_or(MAX_TRAFFIC_WEIGHT),
        }
    });
    let managed = o.get("trafficRouting").and_then(|n| {
        let r = n.value().as_object()?;
        let list = n.child("managedRoutes", r.get("managedRoutes")?);
        if list.value().is_null() {
            return None;
        }
        let names = managed_routes::managed_routes(&list)?;
        if routing.is_some_and(|r| r.header_share > 0.0) {
            list.problem(
                "cannot be combined with `headerRoute.share`, which stands for a header route \
                 present for the whole update: write that route as a `setHeaderRoute` step \
                 with its `matchShare` instead",
            );
        }
        Some(names)
    });
    let routed = routing.is_some();
    let max_weight = routing.map_or(MAX_TRAFFIC_WEIGHT, |r| r.max_weight);
    let router_only = |field: &str| {
        if !routed && let Some(n) = o.get(field) {
            n.problem("requires `trafficRouting` (Argo Rollouts validation)");
        }
    };
    router_only("scaleDownDelaySeconds");
    router_only("abortScaleDownDelaySeconds");
    router_only("dynamicStableScale");
    let min_pods = o.opt("minPodsPerReplicaSet", Node::u32);
    if let (false, Some(n)) = (routed, o.get("minPodsPerReplicaSet")) {
        // `CheckMinPodsPerReplicaSet` ignores it without a router: refused, not ignored.
        n.problem(
            "has an effect only with `trafficRouting` (argo-rollouts CheckMinPodsPerReplicaSet)",
        );
    }
    let threshold = o.get("replicaProgressThreshold").and_then(|n| {
        let t = n.object(PROGRESS_THRESHOLD_FIELDS)?;
        let percent = t.required("type", |n| n.choice(PROGRESS_TYPES));
        // The CRD's description: "Value must also be greater than 0". Upstream does not
        // enforce it: 0 would complete every step with no pod available, and a negative
        // value is read as no threshold.
        let value = t.required("value", |n| {
            n.u32_in(1..=u32::MAX, |got| {
                format!(
                    "must be greater than 0 (0 lets a step complete with no canary pod \
                     available; leave the field out to wait for every pod), got {got}"
                )
            })
        });
        let (percent, value) = (percent?, value?);
        Some(if percent {
            ProgressThreshold::Percent(value)
        } else {
            ProgressThreshold::Pods(value)
        })
    });
    let mut step_analyses = Vec::new();
    let mut experiments = Vec::new();
    let steps: Vec<CanaryStep> = o
        .opt("steps", |n| {
            Some(
                n.list()?
                    .iter()
                    .filter_map(|s| {
                        step(
                            s,
                            routed,
                            max_weight,
                            managed.as_deref(),
                            &mut step_analyses,
                            &mut experiments,
                        )
                    })
                    .collect(),
            )
        })
        .unwrap_or_default();
    experiment_weights_fit(o, &steps, &experiments, max_weight);
    let background = o.get("analysis").and_then(|n| {
        let b = n.object(BACKGROUND_FIELDS)?;
        // A run that would start after the last step never runs before promotion.
        let last = steps.len().saturating_sub(1) as u32;
        let starting_step = b.or("startingStep", 0, |n| {
            n.u32_in(0..=last, |got| {
                format!(
                    "must be less than the number of steps ({}), got {got}",
                    steps.len()
                )
            })
        }) as usize;
        Some(Background {
            starting_step,
            spec: analysis::spec::metrics_of(&b)?,
        })
    });
    let surge = o.opt("maxSurge", int_or_percent);
    let unavailable = o.opt("maxUnavailable", int_or_percent);
    let zero = |v| matches!(v, Some(IntOrPercent::Int(0) | IntOrPercent::Percent(0)));
    if zero(surge)
        && zero(unavailable)
        && let Some(n) = o.get("maxUnavailable")
    {
        n.problem("may not be 0 when maxSurge is 0");
    }
    let dynamic = o.bool("dynamicStableScale", false);
    if dynamic && let Some(n) = o.get("scaleDownDelaySeconds") {
        n.problem("cannot be set with `dynamicStableScale` (Argo Rollouts validation)");
    }
    let abort_delay = o.duration("abortScaleDownDelaySeconds", DEFAULT_SCALE_DOWN_DELAY);
    let kind = RolloutKind::Canary(Canary {
        steps,
        max_surge: surge.unwrap_or(IntOrPercent::Percent(25)),
        max_unavailable: unavailable.unwrap_or(IntOrPercent::Percent(25)),
        traffic_routing: routing,
        scale_down_delay: o.duration("scaleDownDelaySeconds", DEFAULT_SCALE_DOWN_DELAY),
        abort_scale_down_delay: abort_delay,
        abort_delay_explicit: o.get("abortScaleDownDelaySeconds").is_some() && abort_delay > 0,
        dynamic_stable_scale: dynamic,
        min_pods_per_replica_set: min_pods,
        replica_progress_threshold: threshold,
        analysis: background,
        step_analyses,
        experiments,
        managed_routes: managed.unwrap_or_default(),
    });
    rollout(o, kind)
}

fn step(
    n: &Node,
    routed: bool,
    max_weight: u32,
    routes: Option<&[String]>,
    analyses: &mut Vec<AnalysisSpec>,
    experiments: &mut Vec<ExperimentStep>,
) -> Option<CanaryStep> {
    let o = n.object(STEP_FIELDS)?;
    // A field written null is not set, as upstream reads it (pruned by the API server, a
    // nil pointer in Go): `- pause:` with nothing under it is an empty step, which Argo
    // Rollouts refuses (`validation.go`: `InvalidStepMessage`), not a pause until promoted.
    let given: Vec<&str> = STEP_FIELDS.iter().copied().filter(|f| o.has(f)).collect();
    if given.len() != 1 {
        if given.is_empty()
            && let Some((field, null)) = STEP_FIELDS.iter().find_map(|&f| Some((f, o.raw(f)?)))
        {
            let pause = if field == "pause" {
                "; a pause until promoted is `pause: {}`"
            } else {
                ""
            };
            return null.fail(format!(
                "is null (written with nothing under it), which Argo Rollouts reads as not \
                 set, leaving the step with none of `{}`, which it refuses{pause}",
                STEP_FIELDS.join("`, `")
            ));
        }
        return n.fail(format!(
            "give exactly one of `{}`; got {}",
            STEP_FIELDS.join("`, `"),
            if given.is_empty() {
                "none".to_string()
            } else {
                given.join(", ")
            }
        ));
    }
    if let Some(w) = o.get("setWeight") {
        return w
            .u32_in(0..=max_weight, |got| {
                format!("must be between 0 and {max_weight} (`maxTrafficWeight`), got {got}")
            })
            .map(CanaryStep::SetWeight);
    }
    if let Some(p) = o.get("pause") {
        let p = p.object_or_empty(PAUSE_FIELDS);
        return Some(CanaryStep::Pause(p.opt("duration", Node::duration)));
    }
    if let Some(a) = o.get("analysis") {
        let spec = analysis::parse(&a)?;
        bounded(&a, &spec);
        analyses.push(spec);
        return Some(CanaryStep::Analysis(analyses.len() - 1));
    }
    if let Some(e) = o.get("experiment") {
        experiments.push(experiment_step::parse(&e, routed)?);
        return Some(CanaryStep::Experiment(experiments.len() - 1));
    }
    for (field, mirror) in [("setHeaderRoute", false), ("setMirrorRoute", true)] {
        let Some(r) = o.get(field) else { continue };
        if !routed {
            // `InvalidSetHeaderRouteTrafficPolicy` / `InvalidSetMirrorRouteTrafficPolicy`.
            return r.fail("requires `trafficRouting` (Argo Rollouts validation)");
        }
        let route = managed_routes::route_step(&r, mirror, routes)?;
        return Some(if mirror {
            CanaryStep::SetMirrorRoute(route)
        } else {
            CanaryStep::SetHeaderRoute(route)
        });
    }
    let node = o.get("setCanaryScale")?;
    if !routed {
        return node.fail("requires `trafficRouting` (Argo Rollouts validation)");
    }
    let s = node.object(SCALE_FIELDS)?;
    let scale = match (
        s.get("replicas"),
        s.get("weight"),
        s.get("matchTrafficWeight"),
    ) {
        (Some(r), None, None) => CanaryScale::Replicas(r.u32()?),
        (None, Some(w), None) => CanaryScale::Weight(w.u32()?),
        (None, None, Some(m)) => {
            if !m.bool()? {
                return m.fail("only `true` has an effect; remove the step otherwise");
            }
            CanaryScale::MatchTrafficWeight
        }
        _ => return node.fail("give exactly one of `replicas`, `weight`, `matchTrafficWeight`"),
    };
    Some(CanaryStep::SetCanaryScale(scale))
}

/// Behind a router the stable gets `maxTrafficWeight` − the canary's weight − a running
/// experiment's templates' weights (istio `processRoutes`): more than the maximum at an
/// `experiment` step leaves the stable a negative weight, which no router takes.
fn experiment_weights_fit(o: &Obj, steps: &[CanaryStep], experiments: &[ExperimentStep], max: u32) {
    let Some(list) = o.get("steps").and_then(|n| n.list()) else {
        return;
    };
    // A step that did not read is reported already: the indices no longer match.
    if list.len() != steps.len() {
        return;
    }
    let mut weight = 0;
    for (i, step) in steps.iter().enumerate() {
        match step {
            CanaryStep::SetWeight(w) => weight = *w,
            CanaryStep::Experiment(e) => {
                let taken = experiments[*e].weight();
                if taken > 0 && weight + taken > max {
                    list[i].problem(format!(
                        "the templates' weights ({taken}) and the canary's weight at this step \
                         ({weight}) add up to more than `maxTrafficWeight` ({max}): the stable \
                         would get a negative weight"
                    ));
                }
            }
            _ => {}
        }
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

/// `strategy.blueGreen`.
pub fn blue_green(o: &Obj) -> RolloutStrategy {
    let preview_share = o
        .section("previewTraffic", PREVIEW_TRAFFIC_FIELDS)
        .probability("share", 0.0);
    // `null` is no run, as `canary.analysis: null` and `traffic: null`: a block with a
    // required field (`metrics`) has no defaults to be present with (Argo: a nil pointer).
    let pre = o.get("prePromotionAnalysis").and_then(|n| {
        let spec = analysis::parse(&n)?;
        bounded(&n, &spec);
        // Before the switch the active Service sends every request to the stable pods:
        // the preview's only requests are `previewTraffic.share`.
        if preview_share == 0.0
            && let Some(m) = spec.reads_requests_of(Role::Canary)
        {
            n.problem(format!(
                "metric `{}` needs the preview's requests (a rate, a latency or a judge), but \
                 the preview Service gets none; set `previewTraffic.share` (the share of requests it receives) or \
                 measure `ready_ratio`",
                m.name
            ));
        }
        Some(spec)
    });
    let post = o.get("postPromotionAnalysis").and_then(|n| {
        let spec = analysis::parse(&n)?;
        bounded(&n, &spec);
        // After the switch the previous pods are idle until promotion or abort.
        if let Some(m) = spec.reads_requests_of(Role::Stable) {
            n.problem(format!(
                "metric `{}` needs the previous version's requests (`of: stable`, or a judge), \
                 but after the active switch it gets none; measure `of: canary` (the new active pods)",
                m.name
            ));
        }
        Some(spec)
    });
    let abort = o.duration("abortScaleDownDelaySeconds", DEFAULT_SCALE_DOWN_DELAY);
    let kind = RolloutKind::BlueGreen(BlueGreen {
        preview_replica_count: o.opt("previewReplicaCount", Node::u32),
        auto_promotion_enabled: o.bool("autoPromotionEnabled", true),
        auto_promotion_seconds: o.duration("autoPromotionSeconds", 0),
        scale_down_delay: o.duration("scaleDownDelaySeconds", DEFAULT_SCALE_DOWN_DELAY),
        abort_scale_down_delay: (abort > 0).then_some(abort),
        pre_promotion_analysis: pre,
        post_promotion_analysis: post,
        preview_share,
    });
    rollout(o, kind)
}

#[cfg(test)]
#[path = "rollout_tests.rs"]
mod tests;
