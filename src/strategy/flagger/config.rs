//! `strategy.flagger`: a Flagger `Canary`'s `analysis`, with the field names, defaults and
//! validation of `fluxcd/flagger@15bd6ad` (v1.44.0): the CRD's OpenAPI schema
//! (`artifacts/flagger/crd.yaml`, `spec.analysis`), the types and getters of
//! `pkg/apis/flagger/v1beta1/canary.go` (`GetAnalysisInterval`, `GetAnalysisThreshold`,
//! `GetAnalysisPrimaryReadyThreshold`, `GetAnalysisCanaryReadyThreshold`,
//! `GetProgressDeadlineSeconds`, `GetMetricInterval`) and `pkg/controller/scheduler.go`
//! (`maxWeight`).
//!
//! Fields of the Canary that change nothing the simulator models, or that it cannot model
//! (webhooks other than the loadtester's of [`super::webhooks`], session affinity, alerts, custom metric queries and templates,
//! `suspend` when on), are refused with the reason, never read and ignored.

use super::ab_match::{self, AbMatch};
use super::provider::{self, Provider};
use super::webhooks::{self, Webhook};
use crate::analysis::flagger::Range;
use crate::scenario::walk::{Node, Obj, refuse, with_refused};
use crate::sim::time::{SECOND, Time};

/// Fields of `strategy.flagger` (the Canary's `spec`): those read, and the switch refused
/// when on ([`REFUSED_WHEN_ON`]).
pub const FIELDS: &[&str] = &[
    "analysis",
    "provider",
    "progressDeadlineSeconds",
    "skipAnalysis",
    "suspend",
];
/// Switches of the Canary's `spec` refused when `true`, and why. `false` is upstream's
/// default, what runs here, so a Canary's spec copied with it is read as written.
const REFUSED_WHEN_ON: &[(&str, &str)] = &[(
    "suspend",
    "a suspended Canary is never reconciled (scheduler.go `advanceCanary` returns at \
         once), so nothing would roll out: remove it",
)];
/// Fields of `strategy.flagger.analysis` (`CanaryAnalysis`) the simulator reads.
pub const ANALYSIS_FIELDS: &[&str] = &[
    "interval",
    "threshold",
    "maxWeight",
    "stepWeight",
    "stepWeights",
    "stepWeightPromotion",
    "iterations",
    "primaryReadyThreshold",
    "canaryReadyThreshold",
    "metrics",
    "webhooks",
    "mirror",
    "mirrorWeight",
    "match",
    "matchShare",
];
/// Fields of one `analysis.metrics[]` item (`CanaryMetric`) the simulator reads.
pub const METRIC_FIELDS: &[&str] = &["name", "interval", "threshold", "thresholdRange"];
/// Fields of `thresholdRange` (`CanaryThresholdRange`).
pub const RANGE_FIELDS: &[&str] = &["min", "max"];

/// `CanaryAnalysis` fields that exist upstream but are refused here, and why.
const REFUSED_ANALYSIS: &[(&str, &str)] = &[
    ("sessionAffinity", "session affinity is not simulated"),
    (
        "alerts",
        "alerts only notify; they are not simulated (remove them)",
    ),
];
/// `CanaryMetric` fields refused here.
const REFUSED_METRIC: &[(&str, &str)] = &[
    (
        "query",
        "custom Prometheus queries are not simulated; use the built-in `request-success-rate` or `request-duration`",
    ),
    (
        "templateRef",
        "MetricTemplates are not simulated; use the built-in `request-success-rate` or `request-duration`",
    ),
    (
        "templateVariables",
        "MetricTemplates are not simulated; use the built-in `request-success-rate` or `request-duration`",
    ),
];

/// `AnalysisInterval` (60 s) and the 10 s floor of `GetAnalysisInterval`.
const DEFAULT_INTERVAL: Time = 60 * SECOND;
const MIN_INTERVAL: Time = 10 * SECOND;
/// `MetricInterval` ("1m").
const DEFAULT_METRIC_INTERVAL: Time = 60 * SECOND;
/// `ProgressDeadlineSeconds` (600).
const DEFAULT_PROGRESS_DEADLINE: Time = 600 * SECOND;
/// `PrimaryReadyThreshold` / `CanaryReadyThreshold` (100 %).
const DEFAULT_READY_THRESHOLD: u32 = 100;
/// `totalWeight`: 100.
pub const TOTAL_WEIGHT: u32 = 100;

/// The built-in checks (`scheduler_metrics.go:runBuiltinMetricChecks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `request-success-rate`, percent.
    SuccessRate,
    /// `request-duration`, p99 ms.
    Duration,
}

impl Builtin {
    /// The metric's name upstream.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::SuccessRate => "request-success-rate",
            Builtin::Duration => "request-duration",
        }
    }
}

const BUILTINS: &[(&str, Builtin)] = &[
    ("request-success-rate", Builtin::SuccessRate),
    ("request-duration", Builtin::Duration),
];

/// One `analysis.metrics[]` item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// Which check.
    pub builtin: Builtin,
    /// The query's range window (`interval`, default `1m`).
    pub interval: Time,
    /// `thresholdRange`, or the legacy `threshold` as the minimum (success rate) or
    /// maximum (duration).
    pub range: Range,
}

/// The parsed `strategy.flagger`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlaggerConfig {
    /// `analysis.interval` (the tick), at least 10 s.
    pub interval: Time,
    /// `analysis.threshold` (0 reads as 1).
    pub threshold: u32,
    /// `analysis.maxWeight` as `scheduler.go:maxWeight` resolves it.
    pub max_weight: u32,
    /// `analysis.stepWeight` (0: not given).
    pub step_weight: u32,
    /// `analysis.stepWeights` (empty: not given).
    pub step_weights: Vec<u32>,
    /// `analysis.stepWeightPromotion` (0: all traffic back to the primary at once).
    pub step_weight_promotion: u32,
    /// `analysis.iterations` (0: progressive canary; > 0: blue/green).
    pub iterations: u32,
    /// `analysis.primaryReadyThreshold`, percent.
    pub primary_ready_threshold: u32,
    /// `analysis.canaryReadyThreshold`, percent.
    pub canary_ready_threshold: u32,
    /// `analysis.metrics`.
    pub metrics: Vec<Metric>,
    /// `progressDeadlineSeconds`.
    pub progress_deadline: Time,
    /// `analysis.webhooks`: the loadtester's gates, load tests.
    pub webhooks: Vec<Webhook>,
    /// `analysis.mirror`: the percent of the users' requests the router copies to the
    /// canary while mirroring (Istio's `mirrorPercentage`: `mirrorWeight`, or every
    /// request without it); `None`: no mirroring.
    pub mirror: Option<u32>,
    /// `analysis.match` (A/B testing) and the share of requests it selects; `None`: the
    /// weights apply to every request.
    pub ab_match: Option<AbMatch>,
    /// `provider`: Istio's router, or none (`kubernetes`).
    pub provider: Provider,
    /// `skipAnalysis`: at the first tick the canary is ready, promote without analysis
    /// or traffic shift (`scheduler.go:shouldSkipAnalysis`); the primary's readiness is
    /// not checked.
    pub skip_analysis: bool,
}

/// A weight field: an integer from `lo` to 100.
fn weight(n: &Node, lo: u32) -> Option<u32> {
    n.u32_in(lo..=TOTAL_WEIGHT, |got| {
        format!("must be from {lo} to 100 (percent of the traffic), got {got}")
    })
}

/// A ready threshold: the percent of a Deployment's updated pods that must be available
/// (`isDeploymentReady`), not a share of the traffic as the weights are.
fn ready_percent(n: &Node) -> Option<u32> {
    n.u32_in(0..=100, |got| {
        format!("must be from 0 to 100 (percent of the Deployment's pods available), got {got}")
    })
}

/// A Flagger interval string: the CRD's pattern `^[0-9]+(m|s)`, then a Go duration.
fn interval(n: &Node) -> Option<Time> {
    let s = n.string()?;
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let unit_ok = digits > 0 && matches!(s.as_bytes().get(digits), Some(b'm' | b's'));
    if !unit_ok {
        return n.fail(format!(
            "must match the CRD's pattern `^[0-9]+(m|s)` (e.g. \"1m\", \"30s\"), got \"{s}\""
        ));
    }
    n.duration()
}

fn metric(n: &Node) -> Option<Metric> {
    refuse(n, REFUSED_METRIC);
    let o = n.object(&with_refused(METRIC_FIELDS, REFUSED_METRIC))?;
    let builtin = o.required("name", |n| {
        let s = n.string()?;
        match BUILTINS.iter().find(|(k, _)| *k == s) {
            Some((_, b)) => Some(*b),
            None => n.fail(format!(
                "only Flagger's built-in checks `request-success-rate` and `request-duration` \
                 are simulated, got \"{s}\""
            )),
        }
    })?;
    let interval = o.or("interval", DEFAULT_METRIC_INTERVAL, interval);
    // `thresholdRange: null` is no range, as absent: the API server prunes the null and Go
    // leaves `ThresholdRange` nil, so `runBuiltinMetricChecks` compares with the legacy
    // `threshold`. A range without `min` or `max` (`{}`) is a non-nil range that passes
    // every check with a value: refused, as a check that only fails on empty windows.
    let range = match o.get("thresholdRange") {
        Some(n) => {
            let r = n.object(RANGE_FIELDS)?;
            let range = Range {
                min: r.opt("min", Node::f64),
                max: r.opt("max", Node::f64),
            };
            if !r.has("min") && !r.has("max") {
                n.problem(
                    "give `min`, `max` or both: a range with neither passes every check \
                     that has a value (Flagger's runBuiltinMetricChecks)",
                );
            }
            range
        }
        None => {
            // (A refused `query` or `templateRef` has said what is wrong with the metric.)
            let refused = REFUSED_METRIC.iter().any(|(k, _)| o.raw(k).is_some());
            if !o.has("threshold") && !refused {
                let (at, why) = match o.raw("thresholdRange") {
                    Some(null) => (
                        null,
                        "is null (written with nothing under it), which Flagger reads as \
                         absent; ",
                    ),
                    None => (o.node().clone(), ""),
                };
                at.problem(format!(
                    "{why}give `thresholdRange` (`min` / `max`) or the legacy `threshold`: \
                     without either Flagger compares with 0, so `{}` would {} every check",
                    builtin.name(),
                    match builtin {
                        Builtin::SuccessRate => "pass",
                        Builtin::Duration => "fail",
                    }
                ));
            }
            // Legacy `threshold` (0 when absent, as the Go zero value).
            let t = o.or("threshold", 0.0, Node::f64);
            match builtin {
                Builtin::SuccessRate => Range {
                    min: Some(t),
                    max: None,
                },
                Builtin::Duration => Range {
                    min: None,
                    max: Some(t),
                },
            }
        }
    };
    if o.has("thresholdRange") && o.has("threshold") {
        o.node()
            .problem("give `thresholdRange` or the legacy `threshold`, not both");
    }
    if let (Some(lo), Some(hi)) = (range.min, range.max)
        && lo > hi
    {
        o.node()
            .problem(format!("thresholdRange: min {lo} is above max {hi}"));
    }
    Some(Metric {
        builtin,
        interval,
        range,
    })
}

/// Read `strategy.flagger`.
pub fn parse(o: &Obj) -> FlaggerConfig {
    for (key, why) in REFUSED_WHEN_ON {
        if o.bool(key, false)
            && let Some(n) = o.get(key)
        {
            n.problem(*why);
        }
    }
    let skip_analysis = o.bool("skipAnalysis", false);
    let progress_deadline = o.or(
        "progressDeadlineSeconds",
        DEFAULT_PROGRESS_DEADLINE,
        Node::positive_duration,
    );
    let Some(node) = o.get("analysis") else {
        o.node().problem(
            "missing field `analysis` (without it Flagger skips the analysis and promotes \
             at once, which is not simulated)",
        );
        return FlaggerConfig {
            interval: DEFAULT_INTERVAL,
            threshold: 1,
            max_weight: TOTAL_WEIGHT,
            step_weight: 0,
            step_weights: Vec::new(),
            step_weight_promotion: 0,
            iterations: 0,
            primary_ready_threshold: DEFAULT_READY_THRESHOLD,
            canary_ready_threshold: DEFAULT_READY_THRESHOLD,
            metrics: Vec::new(),
            progress_deadline,
            webhooks: Vec::new(),
            mirror: None,
            ab_match: None,
            provider: provider::parse(o, None),
            skip_analysis,
        };
    };
    refuse(&node, REFUSED_ANALYSIS);
    let an = node.object_or_empty(&with_refused(ANALYSIS_FIELDS, REFUSED_ANALYSIS));
    let interval = an
        .required("interval", interval)
        .unwrap_or(DEFAULT_INTERVAL)
        .max(MIN_INTERVAL);
    let threshold = an.required("threshold", Node::u32).unwrap_or(1).max(1);
    // The CRD's `oneOf`: exactly one of iterations, stepWeight, stepWeights.
    let modes: Vec<&str> = ["iterations", "stepWeight", "stepWeights"]
        .into_iter()
        .filter(|k| an.has(k))
        .collect();
    if modes.len() != 1 {
        an.node().problem(format!(
            "give exactly one of `iterations`, `stepWeight`, `stepWeights` (the CRD's oneOf); got {}",
            if modes.is_empty() {
                "none".to_string()
            } else {
                modes.join(", ")
            }
        ));
    }
    let step_weight = an.or("stepWeight", 0, |n| weight(n, 1));
    let step_weights: Vec<u32> = an
        .opt("stepWeights", |n| {
            let items = n.list()?;
            let ws: Vec<u32> = items.iter().filter_map(|i| weight(i, 1)).collect();
            if ws.len() != items.len() {
                return None;
            }
            if ws.is_empty() || ws.windows(2).any(|p| p[0] >= p[1]) {
                return n
                    .fail("must be a non-empty list of increasing weights, e.g. [1, 5, 10, 50]");
            }
            Some(ws)
        })
        .unwrap_or_default();
    let iterations = an.or("iterations", 0, |n| {
        let i = n.u32()?;
        n.check(i, i >= 1, "must be at least 1")
    });
    let max_given = an.or("maxWeight", 0, |n| weight(n, 0));
    if an.has("maxWeight") && (an.has("stepWeights") || an.has("iterations")) {
        an.child_problem(
            "maxWeight",
            "Flagger ignores `maxWeight` with `stepWeights` (the last entry is the maximum) \
             and with `iterations`; remove it",
        );
    }
    // `scheduler.go:maxWeight`.
    let max_weight = match step_weights.last() {
        Some(&last) => last.min(TOTAL_WEIGHT),
        None if max_given > 0 => max_given,
        None => TOTAL_WEIGHT,
    };
    let metrics: Vec<Metric> = an
        .opt("metrics", |n| {
            Some(n.list()?.iter().filter_map(metric).collect())
        })
        .unwrap_or_default();
    let problems = an.node().ctx().problem_count();
    let webhooks: Vec<Webhook> = an
        .opt("webhooks", |n| Some(webhooks::parse(n)))
        .unwrap_or_default();
    // A refused webhook has said what is wrong; it may be the load test meant here.
    let refused_hook = an.node().ctx().problem_count() > problems;
    let mirror = mirror(&an);
    let ab_match = ab_match::parse(&an);
    if ab_match.is_some() && mirror.is_some() {
        an.child_problem(
            "mirror",
            "Istio's router writes the `match` routes in place of the mirrored one \
             (pkg/router/istio.go SetRoutes), so nothing is mirrored, and a progressive \
             canary would redo its mirror step at every tick: remove `mirror` or `match`",
        );
    }
    let load_tested = webhooks.iter().any(|h| h.load_test().is_some());
    // A `match` or `mirror` refused for its value has said what is wrong with it.
    let mirror_given = an
        .raw("mirror")
        .is_some_and(|n| *n.value() != serde_json::Value::Bool(false));
    let reached = load_tested || mirror_given || an.has("match");
    if iterations > 0 && !metrics.is_empty() && !reached && !refused_hook {
        an.child_problem(
            "iterations",
            "blue/green `iterations` keep every request on the primary, so the canary's \
             metrics have no values and every check fails; Flagger relies on a load test \
             there: add a `rollout` webhook to the flagger-loadtester with a `hey` command \
             against the canary (`metadata: {cmd: \"hey -z 1m -q 10 -c 2 \
             http://<app>-canary.<namespace>:<port>/\"}`), mirror the traffic to the canary \
             (`mirror: true`), drop `metrics`, or use `stepWeight`",
        );
    }
    let ready = |key: &str| an.or(key, DEFAULT_READY_THRESHOLD, ready_percent);
    FlaggerConfig {
        interval,
        threshold,
        max_weight,
        step_weight,
        step_weights,
        step_weight_promotion: an.or("stepWeightPromotion", 0, |n| weight(n, 0)),
        iterations,
        primary_ready_threshold: ready("primaryReadyThreshold"),
        canary_ready_threshold: ready("canaryReadyThreshold"),
        metrics,
        progress_deadline,
        webhooks,
        mirror,
        ab_match,
        provider: provider::parse(o, Some(&an)),
        skip_analysis,
    }
}

/// `analysis.mirror` and `mirrorWeight`, as the Istio router writes them
/// (`pkg/router/istio.go:SetRoutes`: `mirrorPercentage` only for a `mirrorWeight` above
/// 0, so 0 or none copies every request).
fn mirror(an: &Obj) -> Option<u32> {
    let on = an.bool("mirror", false);
    let weight = an.opt("mirrorWeight", |n| weight(n, 0));
    if !on {
        if an.has("mirrorWeight") {
            an.child_problem(
                "mirrorWeight",
                "Flagger reads `mirrorWeight` only with `mirror: true`; set it or remove \
                 `mirrorWeight`",
            );
        }
        return None;
    }
    Some(weight.filter(|&w| w > 0).unwrap_or(TOTAL_WEIGHT))
}

/// A problem about one field of an object.
trait ChildProblem {
    fn child_problem(&self, key: &str, message: &str);
}

impl ChildProblem for Obj<'_> {
    fn child_problem(&self, key: &str, message: &str) {
        match self.get(key) {
            Some(n) => n.problem(message),
            None => self.node().problem(message),
        }
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
