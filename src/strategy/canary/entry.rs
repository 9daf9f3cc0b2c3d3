//! How the rest of the tool sees the Argo Rollouts strategies: their registry entries
//! (`strategy.canary`, `strategy.blueGreen`), one controller for both.

use super::Rollout;
use super::replicas::{
    CanaryTarget, approximate_weighted_counts, check_min_pods, traffic_routed_counts,
};
use super::rollout_canary::{ROLLOUT_RESYNC, delays_scale_down_on_abort};
use super::steps::{canary_scale, current_set_weight};
use crate::analysis::spec::{
    ANALYSIS_FIELDS, DRY_RUN_FIELDS, EFFECT_FIELDS, JUDGE_FIELDS, JUDGE_METRIC_FIELDS,
    MEASURED_FIELDS, METRIC_FIELDS, PROVIDERS, Provider, QUANTITIES, ROLES, THRESHOLD_FIELDS,
};
use crate::check::lint::{Warning, secs, warn};
use crate::cluster::runtime::RuntimeKind;
use crate::scenario::Scenario;
use crate::scenario::experiment_step::{
    EXPERIMENT_ANALYSIS_FIELDS, EXPERIMENT_FIELDS, SPEC_REFS, TEMPLATE_FIELDS,
};
use crate::scenario::managed_routes::{
    HEADER_MATCH_FIELDS, HEADER_ROUTE_STEP_FIELDS, MANAGED_ROUTE_FIELDS, MIRROR_MATCH_FIELDS,
    MIRROR_ROUTE_STEP_FIELDS, STRING_MATCH_FIELDS,
};
use crate::scenario::rollout::{
    BACKGROUND_FIELDS, BLUE_GREEN_FIELDS, CANARY_FIELDS, Canary, CanaryStep, HEADER_ROUTE_FIELDS,
    PAUSE_FIELDS, PREVIEW_TRAFFIC_FIELDS, PROGRESS_THRESHOLD_FIELDS, PROGRESS_TYPES,
    ProgressThreshold, ROUTING_FIELDS, RolloutKind, RolloutStrategy, SCALE_FIELDS, STEP_FIELDS,
    blue_green, canary,
};
use crate::scenario::schema::Ty::*;
use crate::scenario::walk::Obj;
use crate::sim::time::{SECOND, Time};
use crate::strategy::AnyController;
use crate::strategy::kubernetes::fenceposts::resolve_fenceposts;
use crate::strategy::registry::{BudgetSelector, Controls, FieldTypes, Sections, StrategyDef};
use crate::traffic::window::REPORTERS;

/// The pods' `terminationGracePeriodSeconds` default (a Rollout's pods are plain pods).
const GRACE: Time = 30 * SECOND;

/// Reference lines: with a router (and blue-green) the stable stays at N next to the new
/// pods, so up to 2 N (N + preview); a basic canary stays within `N + maxSurge` and keeps
/// `N − maxUnavailable` available (`resolveFenceposts`).
fn limits(cfg: &RolloutStrategy, n: u32) -> Vec<(&'static str, u32)> {
    match &cfg.kind {
        RolloutKind::Canary(c) if c.traffic_routing.is_some() => {
            vec![("stable + canary ceiling", 2 * n)]
        }
        RolloutKind::Canary(c) => {
            let (surge, unavailable) =
                resolve_fenceposts(Some(c.max_surge), Some(c.max_unavailable), n);
            vec![
                ("maxSurge ceiling", n + surge),
                ("maxUnavailable floor", n - unavailable.min(n)),
            ]
        }
        RolloutKind::BlueGreen(b) => {
            vec![(
                "active + preview ceiling",
                n + b.preview_replica_count.unwrap_or(n).min(n),
            )]
        }
    }
}

/// Argo Rollouts `strategy.canary`.
pub struct CanaryDef;

impl StrategyDef for CanaryDef {
    type Config = RolloutStrategy;
    const KEY: &'static str = "canary";
    const FIELDS: &'static [&'static str] = CANARY_FIELDS;
    const STOP_GRACE_PERIOD: Time = GRACE;
    const RUNTIME: RuntimeKind = RuntimeKind::Kubelet;
    const CONTROLS: Controls = Controls::ArgoRollouts;
    const DISRUPTION_BUDGET: BudgetSelector = BudgetSelector::EveryPod;
    const SCHEMA_SECTIONS: Sections = &[
        ("canary", CANARY_FIELDS),
        ("canary_step", STEP_FIELDS),
        ("pause", PAUSE_FIELDS),
        ("set_canary_scale", SCALE_FIELDS),
        ("replica_progress_threshold", PROGRESS_THRESHOLD_FIELDS),
        ("experiment", EXPERIMENT_FIELDS),
        ("experiment_template", TEMPLATE_FIELDS),
        ("experiment_analysis", EXPERIMENT_ANALYSIS_FIELDS),
        ("traffic_routing", ROUTING_FIELDS),
        ("header_route", HEADER_ROUTE_FIELDS),
        ("managed_route", MANAGED_ROUTE_FIELDS),
        ("set_header_route", HEADER_ROUTE_STEP_FIELDS),
        ("header_route_match", HEADER_MATCH_FIELDS),
        ("set_mirror_route", MIRROR_ROUTE_STEP_FIELDS),
        ("mirror_route_match", MIRROR_MATCH_FIELDS),
        ("string_match", STRING_MATCH_FIELDS),
        ("background_analysis", BACKGROUND_FIELDS),
        ("analysis", ANALYSIS_FIELDS),
        ("dry_run", DRY_RUN_FIELDS),
        ("analysis_metric", METRIC_FIELDS),
        ("analysis_provider", PROVIDERS),
        ("rollout_sim_metric", MEASURED_FIELDS),
        ("judge", JUDGE_FIELDS),
        ("judge_threshold", THRESHOLD_FIELDS),
        ("judge_metric", JUDGE_METRIC_FIELDS),
        ("effect_size", EFFECT_FIELDS),
    ];
    const SCHEMA_TYPES: FieldTypes = &[
        ("canary", "steps", ListOf("canary_step")),
        ("canary", "maxSurge", IntOrPercent),
        ("canary", "maxUnavailable", IntOrPercent),
        ("canary", "trafficRouting", Section("traffic_routing")),
        ("canary", "scaleDownDelaySeconds", Duration),
        ("canary", "abortScaleDownDelaySeconds", Duration),
        ("canary", "dynamicStableScale", Bool),
        ("canary", "minPodsPerReplicaSet", Count),
        (
            "canary",
            "replicaProgressThreshold",
            Section("replica_progress_threshold"),
        ),
        (
            "replica_progress_threshold",
            "type",
            Choice(|| PROGRESS_TYPES.iter().map(|t| t.0).collect()),
        ),
        ("replica_progress_threshold", "value", Count),
        ("canary", "minReadySeconds", Duration),
        ("canary", "progressDeadlineSeconds", DurationOrNever),
        ("canary", "progressDeadlineAbort", Bool),
        ("canary_step", "setWeight", Count),
        ("canary_step", "pause", Section("pause")),
        ("canary_step", "setCanaryScale", Section("set_canary_scale")),
        ("canary_step", "experiment", Section("experiment")),
        ("experiment", "duration", Duration),
        ("experiment", "templates", ListOf("experiment_template")),
        ("experiment", "analyses", ListOf("experiment_analysis")),
        ("experiment", "scaleDownDelaySeconds", Duration),
        ("experiment_template", "name", Str),
        (
            "experiment_template",
            "specRef",
            Choice(|| SPEC_REFS.iter().map(|t| t.0).collect()),
        ),
        ("experiment_template", "replicas", Count),
        ("experiment_template", "weight", Count),
        ("experiment_analysis", "name", Str),
        ("experiment_analysis", "requiredForCompletion", Bool),
        ("experiment_analysis", "metrics", ListOf("analysis_metric")),
        ("experiment_analysis", "dryRun", ListOf("dry_run")),
        ("pause", "duration", Duration),
        ("set_canary_scale", "replicas", Count),
        ("set_canary_scale", "weight", Count),
        ("set_canary_scale", "matchTrafficWeight", Bool),
        ("traffic_routing", "headerRoute", Section("header_route")),
        ("header_route", "share", Probability),
        ("traffic_routing", "maxTrafficWeight", Count),
        ("traffic_routing", "managedRoutes", ListOf("managed_route")),
        ("managed_route", "name", Str),
        ("canary_step", "setHeaderRoute", Section("set_header_route")),
        ("canary_step", "setMirrorRoute", Section("set_mirror_route")),
        ("set_header_route", "name", Str),
        ("set_header_route", "match", ListOf("header_route_match")),
        ("set_header_route", "matchShare", Probability),
        ("header_route_match", "headerName", Str),
        ("header_route_match", "headerValue", Section("string_match")),
        ("set_mirror_route", "name", Str),
        ("set_mirror_route", "match", ListOf("mirror_route_match")),
        ("set_mirror_route", "percentage", Count),
        ("set_mirror_route", "matchShare", Probability),
        ("mirror_route_match", "method", Section("string_match")),
        ("mirror_route_match", "path", Section("string_match")),
        ("mirror_route_match", "headers", MapOf("string_match")),
        ("string_match", "exact", Str),
        ("string_match", "prefix", Str),
        ("string_match", "regex", Str),
        ("canary", "analysis", Section("background_analysis")),
        ("canary_step", "analysis", Section("analysis")),
        ("background_analysis", "metrics", ListOf("analysis_metric")),
        ("background_analysis", "startingStep", Count),
        ("analysis", "metrics", ListOf("analysis_metric")),
        ("analysis", "dryRun", ListOf("dry_run")),
        ("background_analysis", "dryRun", ListOf("dry_run")),
        ("dry_run", "metricName", Str),
        ("analysis_metric", "name", Str),
        ("analysis_metric", "interval", Duration),
        ("analysis_metric", "count", Count),
        ("analysis_metric", "initialDelay", Duration),
        ("analysis_metric", "successCondition", Str),
        ("analysis_metric", "failureCondition", Str),
        ("analysis_metric", "failureLimit", Number),
        ("analysis_metric", "inconclusiveLimit", Count),
        ("analysis_metric", "consecutiveErrorLimit", Count),
        ("analysis_metric", "consecutiveSuccessLimit", Count),
        ("analysis_metric", "provider", Section("analysis_provider")),
        (
            "analysis_provider",
            "rollout-sim",
            Section("rollout_sim_metric"),
        ),
        ("analysis_provider", "judge", Section("judge")),
        (
            "rollout_sim_metric",
            "metric",
            Choice(|| QUANTITIES.iter().map(|q| q.0).collect()),
        ),
        (
            "rollout_sim_metric",
            "of",
            Choice(|| ROLES.iter().map(|r| r.0).collect()),
        ),
        ("rollout_sim_metric", "window", Duration),
        (
            "rollout_sim_metric",
            "reporter",
            Choice(|| REPORTERS.iter().map(|r| r.0).collect()),
        ),
        ("judge", "algorithm", Choice(|| vec!["mann-whitney"])),
        ("judge", "window", Duration),
        ("judge", "step", Duration),
        ("judge", "threshold", Section("judge_threshold")),
        ("judge", "metrics", ListOf("judge_metric")),
        ("judge_threshold", "pass", Number),
        ("judge_threshold", "marginal", Number),
        (
            "judge_metric",
            "metric",
            Choice(|| QUANTITIES.iter().map(|q| q.0).collect()),
        ),
        ("judge_metric", "direction", Str),
        (
            "judge_metric",
            "reporter",
            Choice(|| REPORTERS.iter().map(|r| r.0).collect()),
        ),
        ("judge_metric", "nanStrategy", Str),
        ("judge_metric", "critical", Bool),
        ("judge_metric", "mustHaveData", Bool),
        ("judge_metric", "effectSize", Section("effect_size")),
        ("effect_size", "measure", Str),
        ("effect_size", "allowedIncrease", Number),
        ("effect_size", "allowedDecrease", Number),
        ("effect_size", "criticalIncrease", Number),
        ("effect_size", "criticalDecrease", Number),
    ];

    fn parse(o: &Obj) -> RolloutStrategy {
        canary(o)
    }

    fn controller(cfg: &RolloutStrategy) -> Box<dyn AnyController + '_> {
        Box::new(Rollout::new(cfg))
    }

    fn label(cfg: &RolloutStrategy) -> String {
        cfg.label()
    }

    fn limits(cfg: &RolloutStrategy, n: u32) -> Vec<(&'static str, u32)> {
        limits(cfg, n)
    }

    fn measures_traffic(cfg: &RolloutStrategy) -> bool {
        cfg.has_analysis()
    }

    fn lint(cfg: &RolloutStrategy, s: &Scenario, _threads: Option<usize>, out: &mut Vec<Warning>) {
        if let RolloutKind::Canary(c) = &cfg.kind {
            abort_delay_past_resync(c, out);
            route_before_canary_pods(c, s.service.replicas, out);
            progress_threshold_out_of_reach(c, s.service.replicas, out);
            experiment_never_ends(c, out);
        }
        every_metric_dry_run(cfg, out);
        retried_errors_unseen(cfg, s, out);
        metric_window_gap(cfg, out);
    }
}

/// `argo-metric-window-gap`: a metric measures every `interval` the requests of its last
/// `window`; a window shorter than the interval leaves the requests in between unseen.
fn metric_window_gap(cfg: &RolloutStrategy, out: &mut Vec<Warning>) {
    for (at, spec) in cfg.analyses() {
        for m in &spec.metrics {
            let window = match &m.provider {
                Provider::Measured(p) => p.window,
                Provider::Judge(j) => j.window,
            };
            let Some(interval) = m.interval.filter(|&i| window < i) else {
                continue;
            };
            warn(
                out,
                "argo-metric-window-gap",
                format!(
                    "`{}` ({at}) reads the last {} of requests but measures every {}: the requests in between are never measured",
                    m.name,
                    secs(window),
                    secs(interval)
                ),
                format!(
                    "make the window at least the interval ({}), or leave it out (it defaults to the interval)",
                    secs(interval)
                ),
                "argo-rollouts analysis/analysis.go: a metric is measured once per interval, and its provider's query reads the range it names (a Prometheus rate(...[window])) ending at that instant",
            );
        }
    }
}

/// An analysis whose every metric is in dry-run mode: its run can never fail, pause or
/// stop the rollout, so it gates nothing (left so after a trial, say).
fn every_metric_dry_run(cfg: &RolloutStrategy, out: &mut Vec<Warning>) {
    for (at, spec) in cfg.analyses() {
        if !(0..spec.metrics.len()).all(|i| spec.is_dry_run(i)) {
            continue;
        }
        warn(
            out,
            "argo-analysis-all-dry-run",
            format!(
                "{at}: every metric is in dry-run mode (dryRun), so this analysis never fails, pauses or stops the rollout: it gates nothing"
            ),
            "narrow the dryRun rules to the metrics on trial, or remove the analysis if it is only a report".into(),
            "argo-rollouts analysis/analysis.go assessRunStatus: a dry-run metric's phase is left out of the run's, and utils/analysis/helpers.go IsTerminating skips it; a run of dry-run metrics only ends Successful",
        );
    }
}

/// `retried-errors-unseen`: the proxy retries the errors the app answers, and metrics
/// read an error or success rate as the client counts it (the last attempt only).
fn retried_errors_unseen(cfg: &RolloutStrategy, s: &Scenario, out: &mut Vec<Warning>) {
    let Some(r) = s.traffic.as_ref().map(|t| t.retries) else {
        return;
    };
    if r.attempts == 0 || !r.on.errored {
        return;
    }
    let metrics: Vec<String> = cfg
        .analyses()
        .flat_map(|(at, spec)| {
            spec.client_counted_rates()
                .map(move |m| format!("`{}` ({at})", m.name))
        })
        .collect();
    if metrics.is_empty() {
        return;
    }
    warn(
        out,
        "retried-errors-unseen",
        format!(
            "the proxy retries the errors the app answers up to {} times on other pods (traffic.retries.retryOn), and {} count{} each request once, by its last attempt (reporter: source, as the users and an Istio reporter=\"source\" query): a release erring at rate e shows about e^{} there",
            r.attempts,
            metrics.join(", "),
            if metrics.len() == 1 { "s" } else { "" },
            r.attempts + 1
        ),
        "if the real query counts the pods' side (Istio reporter=\"destination\", Linkerd direction=\"inbound\", the app's own request counter), write `reporter: destination`: every attempt is counted and a release erring at e shows e; otherwise check that the analysis catches a bad release through the retries".into(),
        "envoy source/common/router/retry_state_impl.cc wouldRetryFromHeaders: `5xx` retries every 5xx response on another host; istio's client sidecar reports a request's final response (reporter=source), the server's sidecar each attempt it served (reporter=destination)",
    );
}

/// An abort's `scale-down-deadline` a resync period or more away: `reconcileNewReplicaSet`
/// waits for it only when it is nearer, and otherwise scales the routed canary to
/// `NewRSNewReplicas`, 0 on abort, in the reconcile right after writing it.
fn abort_delay_past_resync(c: &Canary, out: &mut Vec<Warning>) {
    let delay = c.abort_scale_down_delay;
    // Exactly a resync period is waited for unless written on a whole second.
    if c.traffic_routing.is_none() || !delays_scale_down_on_abort(c) || delay <= ROLLOUT_RESYNC {
        return;
    }
    warn(
        out,
        "argo-abort-delay-past-resync",
        format!(
            "abortScaleDownDelaySeconds {} is not waited for: Argo Rollouts holds an aborted canary only while its scale-down deadline is nearer than the controller's resync period ({}), so this canary is scaled down as soon as the stable is fully available",
            secs(delay),
            secs(ROLLOUT_RESYNC)
        ),
        format!(
            "keep abortScaleDownDelaySeconds at most {} (or run the controller with a --rollout-resync longer than the delay)",
            secs(ROLLOUT_RESYNC)
        ),
        "argo-rollouts rollout/replicaset.go reconcileNewReplicaSet: a scale-down-deadline after now is waited for only if it is less than resyncPeriod (--rollout-resync, 15m by default) away; otherwise newReplicasCount from NewRSNewReplicas (0 on abort) is applied",
    );
}

/// A route step reached while the steps give the canary no pod: `reconcileTrafficRouting`
/// removes every managed route while the canary has no available pod, so the route set
/// there is gone by the next reconcile, and the step index has moved on.
fn route_before_canary_pods(c: &Canary, n: u32, out: &mut Vec<Warning>) {
    let max = c.max_weight();
    for (i, step) in c.steps.iter().enumerate() {
        let (kind, route) = match step {
            CanaryStep::SetHeaderRoute(r) => ("setHeaderRoute", r),
            CanaryStep::SetMirrorRoute(r) => ("setMirrorRoute", r),
            _ => continue,
        };
        if route.set.is_none() {
            continue;
        }
        let target = canary_scale(&c.steps, i)
            .unwrap_or(CanaryTarget::Weight(current_set_weight(&c.steps, i, max)));
        if traffic_routed_counts(n, target, max).0 > 0 {
            continue;
        }
        let name = c.managed_routes.get(route.route).map_or("", String::as_str);
        warn(
            out,
            "argo-route-before-canary-pods",
            format!(
                "steps[{i}] {kind} `{name}` is set while the steps give the canary no pod: Argo Rollouts removes every managed route while the canary has no available pod, so this route is gone by the next reconcile and no step after it puts it back"
            ),
            "give the canary pods before the route: a setCanaryScale (replicas: 1, say) or a setWeight above 0 among the steps before it".into(),
            "argo-rollouts rollout/trafficrouting.go reconcileTrafficRouting: when the new ReplicaSet has 0 available replicas it calls RemoveManagedRoutes, and sets a route only from the step at the current index",
        );
    }
}

/// A `replicaProgressThreshold` a scaling step can never meet: a `Pods` count above the
/// canary pods the step wants (0 included), or a `Percent` above 100. The step completes
/// only when the threshold is met (`AtDesiredReplicaCountsForCanary`), so the rollout
/// stays there until its progress deadline.
fn progress_threshold_out_of_reach(c: &Canary, n: u32, out: &mut Vec<Warning>) {
    let Some(threshold) = c.replica_progress_threshold else {
        return;
    };
    let max = c.max_weight();
    let (surge, _) = resolve_fenceposts(Some(c.max_surge), Some(c.max_unavailable), n);
    let mut wanted = c.steps.iter().enumerate().filter_map(|(i, step)| {
        if !matches!(
            step,
            CanaryStep::SetWeight(_) | CanaryStep::SetCanaryScale(_)
        ) {
            return None;
        }
        let weight = current_set_weight(&c.steps, i, max);
        let pods = if c.traffic_routing.is_some() {
            let target = canary_scale(&c.steps, i).unwrap_or(CanaryTarget::Weight(weight));
            let pods = traffic_routed_counts(n, target, max).0;
            check_min_pods(n, c.min_pods_per_replica_set, pods)
        } else {
            approximate_weighted_counts(n, weight, surge).0
        };
        Some((i, pods))
    });
    // At most the pods the step wants are available once the canary is scaled to them.
    let Some((i, pods)) = wanted.find(|&(_, pods)| !threshold.met(pods, pods)) else {
        return;
    };
    let (needs, fix) = match threshold {
        ProgressThreshold::Pods(v) => (
            format!("{v} available (type Pods counts pods, whatever the step wants)"),
            "use `type: Percent`, or a count no larger than the fewest canary pods a step wants",
        ),
        ProgressThreshold::Percent(v) => (
            format!("{v} % of them available"),
            "keep a Percent threshold at 100 or below",
        ),
    };
    warn(
        out,
        "argo-progress-threshold-out-of-reach",
        format!(
            "steps[{i}] wants {pods} canary pod{} and replicaProgressThreshold needs {needs}: Argo Rollouts never completes this step, so the rollout stays there until its progress deadline",
            if pods == 1 { "" } else { "s" }
        ),
        fix.into(),
        "argo-rollouts utils/replicaset/canary.go AtDesiredReplicaCountsForCanary: a step completes once ReplicaProgressThresholdMet holds for the new ReplicaSet, which compares availableReplicas with the value (Pods) or with value % of the step's desired count (Percent)",
    );
}

/// An `experiment` step with no `duration` and no `requiredForCompletion` analysis: its
/// templates run until something fails, so the step never completes.
fn experiment_never_ends(c: &Canary, out: &mut Vec<Warning>) {
    for (i, step) in c.steps.iter().enumerate() {
        let CanaryStep::Experiment(e) = step else {
            continue;
        };
        let e = &c.experiments[*e];
        if e.duration.is_some() || e.has_required() {
            continue;
        }
        warn(
            out,
            "argo-experiment-never-ends",
            format!(
                "steps[{i}].experiment has no `duration` and no `requiredForCompletion` analysis: the Experiment stays Running until something fails, so the step never completes and the rollout stays there until the horizon"
            ),
            "give it a `duration`, or mark the analysis that decides it `requiredForCompletion: true`".into(),
            "argo-rollouts experiments/experiment.go calculateStatus: an Experiment ends Successful once its templates pass `duration` (utils/experiment PassedDurations is false without one) or its required analyses are Successful (RequiredAnalysisRunsSuccessful)",
        );
    }
}

/// Argo Rollouts `strategy.blueGreen`.
pub struct BlueGreenDef;

impl StrategyDef for BlueGreenDef {
    type Config = RolloutStrategy;
    const KEY: &'static str = "blueGreen";
    const FIELDS: &'static [&'static str] = BLUE_GREEN_FIELDS;
    const STOP_GRACE_PERIOD: Time = GRACE;
    const RUNTIME: RuntimeKind = RuntimeKind::Kubelet;
    const CONTROLS: Controls = Controls::ArgoRollouts;
    const DISRUPTION_BUDGET: BudgetSelector = BudgetSelector::EveryPod;
    /// The analysis sections are the canary's (registered just before).
    const SCHEMA_SECTIONS: Sections = &[
        ("blueGreen", BLUE_GREEN_FIELDS),
        ("preview_traffic", PREVIEW_TRAFFIC_FIELDS),
    ];
    const SCHEMA_TYPES: FieldTypes = &[
        ("blueGreen", "previewReplicaCount", Count),
        ("blueGreen", "autoPromotionEnabled", Bool),
        ("blueGreen", "autoPromotionSeconds", Duration),
        ("blueGreen", "scaleDownDelaySeconds", Duration),
        ("blueGreen", "abortScaleDownDelaySeconds", Duration),
        ("blueGreen", "minReadySeconds", Duration),
        ("blueGreen", "progressDeadlineSeconds", DurationOrNever),
        ("blueGreen", "progressDeadlineAbort", Bool),
        ("blueGreen", "prePromotionAnalysis", Section("analysis")),
        ("blueGreen", "postPromotionAnalysis", Section("analysis")),
        ("blueGreen", "previewTraffic", Section("preview_traffic")),
        ("preview_traffic", "share", Probability),
    ];

    fn parse(o: &Obj) -> RolloutStrategy {
        blue_green(o)
    }

    fn controller(cfg: &RolloutStrategy) -> Box<dyn AnyController + '_> {
        Box::new(Rollout::new(cfg))
    }

    fn label(cfg: &RolloutStrategy) -> String {
        cfg.label()
    }

    fn limits(cfg: &RolloutStrategy, n: u32) -> Vec<(&'static str, u32)> {
        limits(cfg, n)
    }

    fn measures_traffic(cfg: &RolloutStrategy) -> bool {
        cfg.has_analysis()
    }

    fn lint(cfg: &RolloutStrategy, s: &Scenario, _threads: Option<usize>, out: &mut Vec<Warning>) {
        every_metric_dry_run(cfg, out);
        retried_errors_unseen(cfg, s, out);
        metric_window_gap(cfg, out);
    }
}
