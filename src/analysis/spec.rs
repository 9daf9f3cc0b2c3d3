//! The `analysis` block: Argo Rollouts metric fields, their defaults and validation, and
//! the two measurement providers the simulator offers.
//!
//! Field names, defaults and validation follow
//! `argoproj/argo-rollouts@9f8d111` (v1.10.0-rc1-70):
//! `pkg/apis/rollouts/v1alpha1/analysis_types.go` (`Metric`, `EffectiveCount`),
//! `utils/analysis/factory.go:ValidateMetrics`/`ValidateMetric` and
//! `utils/defaults/defaults.go` (`consecutiveErrorLimit` 4). Every metric names one
//! provider:
//!
//! - `rollout-sim: {metric, of, window}` measures one simulated quantity ([`Quantity`]) of
//!   the canary or the stable version over the window `[t − window, t)`;
//! - `judge: {algorithm: mann-whitney, …}` compares canary and stable samples the way
//!   Kayenta's Mann-Whitney judge does (see [`super::judge`]) and turns the score into a
//!   phase like Argo's Kayenta provider.
//!
//! [`parse`] reads the block from the scenario tree in the style of the other scenario
//! converters: every problem is recorded at its field path and the walk goes on, so a
//! strategy parser can call it for `canary.analysis`, `steps[].analysis` or a blue-green
//! pre/post-promotion analysis.

use super::condition::Condition;
use crate::scenario::walk::{Node, Obj};
use crate::sim::time::{SECOND, Time};
use crate::traffic::window::{REPORTERS, Reporter, WindowStats};
use std::collections::HashSet;

/// Argo's default `consecutiveErrorLimit` (`utils/defaults/defaults.go:DefaultConsecutiveErrorLimit`).
pub const DEFAULT_CONSECUTIVE_ERROR_LIMIT: u32 = 4;
/// The measurement window when a metric has neither `window` nor `interval`: one minute,
/// Flagger's default metric interval (`fluxcd/flagger:pkg/apis/flagger/v1beta1/canary.go`).
pub const DEFAULT_WINDOW: Time = 60 * SECOND;
/// The judge's default sample step: one point per minute, Kayenta's usual scope step.
pub const DEFAULT_STEP: Time = 60 * SECOND;

/// A simulated quantity a metric can measure over a window of requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantity {
    /// Failed requests / requests (refused, errored, dropped and timed out all fail).
    ErrorRate,
    /// 1 − error rate.
    SuccessRate,
    /// Median latency of the window's served requests, ms.
    LatencyP50,
    /// 95th percentile latency of the window's served requests, ms.
    LatencyP95,
    /// 99th percentile latency of the window's served requests, ms.
    LatencyP99,
    /// Ready pods of the version / its desired replicas, at the end of the window.
    ReadyRatio,
}

impl Quantity {
    /// The quantity's value over a window; `None` when it has no value there: no
    /// requests (rates), no served request (latencies), no pod wanted (ready ratio).
    pub fn of(self, w: &WindowStats) -> Option<f64> {
        let rate = |failed: u64| (w.requests > 0).then(|| failed as f64 / w.requests as f64);
        let latency = |i: usize| Some(w.latency_ms[i]).filter(|x| !x.is_nan());
        match self {
            Quantity::ErrorRate => rate(w.failed),
            Quantity::SuccessRate => rate(w.requests - w.failed.min(w.requests)),
            Quantity::LatencyP50 => latency(0),
            Quantity::LatencyP95 => latency(1),
            Quantity::LatencyP99 => latency(2),
            Quantity::ReadyRatio => {
                (w.desired > 0).then(|| f64::from(w.ready) / f64::from(w.desired))
            }
        }
    }
}

/// The names of [`Quantity`] in scenario files.
pub const QUANTITIES: [(&str, Quantity); 6] = [
    ("error_rate", Quantity::ErrorRate),
    ("success_rate", Quantity::SuccessRate),
    ("latency_p50", Quantity::LatencyP50),
    ("latency_p95", Quantity::LatencyP95),
    ("latency_p99", Quantity::LatencyP99),
    ("ready_ratio", Quantity::ReadyRatio),
];

/// Whose requests a measurement counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The version being rolled out.
    Canary,
    /// The version serving before the rollout.
    Stable,
}

/// The names of [`Role`] in scenario files.
pub const ROLES: [(&str, Role); 2] = [("canary", Role::Canary), ("stable", Role::Stable)];

/// The `rollout-sim` provider: one quantity of one role over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// What is measured.
    pub quantity: Quantity,
    /// Whose requests.
    pub of: Role,
    /// The window `[t − window, t)` a measurement at `t` covers.
    pub window: Time,
    /// Whose count of the requests: each request once (the client's), or every attempt
    /// the pods took (the pods' side); they differ only when the proxy retries.
    pub reporter: Reporter,
}

/// Which side of the control a metric may move before the judge objects
/// (Kayenta `analysisConfigurations.canary.direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Only an increase is bad.
    Increase,
    /// Only a decrease is bad.
    Decrease,
    /// Both are bad (Kayenta's default).
    Either,
}

/// What the judge does with sub-windows that had no requests (Kayenta `nanStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanStrategy {
    /// Drop them (default).
    Remove,
    /// Count them as 0.
    Replace,
}

/// How the judge sizes a difference (Kayenta `effectSize.measure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectMeasure {
    /// mean(canary) / mean(control); NaN when either mean is 0.
    MeanRatio,
    /// Common-language effect size P(canary > control).
    Cles,
}

/// One metric the judge compares.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeMetric {
    /// What is compared.
    pub quantity: Quantity,
    /// Which change is bad.
    pub direction: Direction,
    /// Empty sub-windows.
    pub nan_strategy: NanStrategy,
    /// A High/Low result forces the score to 0.
    pub critical: bool,
    /// No data counts against the score (`NodataFailMetric`).
    pub must_have_data: bool,
    /// Effect-size measure.
    pub effect: EffectMeasure,
    /// High needs effect ≥ this.
    pub allowed_increase: f64,
    /// Low needs effect ≤ this.
    pub allowed_decrease: f64,
    /// A critical High needs effect ≥ this.
    pub critical_increase: f64,
    /// A critical Low needs effect ≤ this.
    pub critical_decrease: f64,
    /// Whose count of the requests both sides are measured by (see [`Measured::reporter`]).
    pub reporter: Reporter,
}

/// The `judge` provider: a Kayenta-style Mann-Whitney comparison of the canary against
/// the stable version.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeSpec {
    /// The window `[t − window, t)` a judgement at `t` covers.
    pub window: Time,
    /// The sample step: each side gets `window / step` points.
    pub step: Time,
    /// The compared metrics.
    pub metrics: Vec<JudgeMetric>,
    /// Score ≥ pass ⇒ Successful.
    pub pass: u32,
    /// Score ≥ marginal ⇒ Inconclusive; below ⇒ Failed.
    pub marginal: u32,
}

/// Where a metric's measurements come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Provider {
    /// `rollout-sim`.
    Measured(Measured),
    /// `judge`.
    Judge(JudgeSpec),
}

/// One Argo Rollouts metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// Unique within the analysis.
    pub name: String,
    /// Time between measurements; `None` ⇒ a single measurement.
    pub interval: Option<Time>,
    /// `count` as written (0 = unset; see [`MetricSpec::effective_count`]).
    pub count: u32,
    /// First measurement not before `startedAt + initialDelay`.
    pub initial_delay: Time,
    /// `successCondition`.
    pub success: Option<Condition>,
    /// `failureCondition`.
    pub failure: Option<Condition>,
    /// `failureLimit`: −1 disables.
    pub failure_limit: i64,
    /// `inconclusiveLimit`.
    pub inconclusive_limit: u32,
    /// `consecutiveErrorLimit`.
    pub consecutive_error_limit: u32,
    /// `consecutiveSuccessLimit` (0 = disabled).
    pub consecutive_success_limit: u32,
    /// The measurement source.
    pub provider: Provider,
}

impl MetricSpec {
    /// Counted measurements after which the metric completes: `count` if > 0, else 1
    /// without an interval, else unbounded (`Metric.EffectiveCount`).
    pub fn effective_count(&self) -> Option<u32> {
        match (self.count, self.interval) {
            (0, None) => Some(1),
            (0, Some(_)) => None,
            (n, _) => Some(n),
        }
    }
}

/// An inline analysis: the metrics of one AnalysisRun.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSpec {
    /// At least one, names unique.
    pub metrics: Vec<MetricSpec>,
    /// Per metric, whether `dryRun` names it: measured and assessed, but its phase never
    /// decides the run's (`analysis/analysis.go:assessRunStatus`). Empty: none.
    pub dry_run: Vec<bool>,
}

impl AnalysisSpec {
    /// Whether metric `i` runs in dry-run mode.
    pub fn is_dry_run(&self, i: usize) -> bool {
        self.dry_run.get(i).copied().unwrap_or(false)
    }

    /// The first metric that reads `role` at all: its requests, or its pods
    /// (`ready_ratio`); a judge reads both roles.
    pub fn reads_role(&self, role: Role) -> Option<&MetricSpec> {
        self.metrics.iter().find(|m| match &m.provider {
            Provider::Measured(x) => x.of == role,
            Provider::Judge(_) => true,
        })
    }

    /// The first metric whose value needs requests of `role` (a rate or latency of that
    /// role, or a judge, which compares both roles), for a strategy to refuse an analysis
    /// of a version that gets no requests. `ready_ratio` needs pods, not requests.
    pub fn reads_requests_of(&self, role: Role) -> Option<&MetricSpec> {
        self.metrics.iter().find(|m| match &m.provider {
            Provider::Measured(x) => x.of == role && x.quantity != Quantity::ReadyRatio,
            Provider::Judge(_) => true,
        })
    }

    /// The metrics that read an error or success rate as the client counts it, each
    /// request once by its last attempt (`reporter: source`): `rollout-sim` ones, and
    /// judges comparing one.
    pub fn client_counted_rates(&self) -> impl Iterator<Item = &MetricSpec> {
        let client_rate = |q: Quantity, r: Reporter| {
            r == Reporter::Source && matches!(q, Quantity::ErrorRate | Quantity::SuccessRate)
        };
        self.metrics.iter().filter(move |m| match &m.provider {
            Provider::Measured(x) => client_rate(x.quantity, x.reporter),
            Provider::Judge(j) => j
                .metrics
                .iter()
                .any(|jm| client_rate(jm.quantity, jm.reporter)),
        })
    }
}

/// The block's fields (each section's list serves the parser and a JSON Schema).
pub const ANALYSIS_FIELDS: &[&str] = &["metrics", "dryRun"];
pub use super::dry_run::DRY_RUN_FIELDS;
/// A metric's fields.
pub const METRIC_FIELDS: &[&str] = &[
    "name",
    "interval",
    "count",
    "initialDelay",
    "successCondition",
    "failureCondition",
    "failureLimit",
    "inconclusiveLimit",
    "consecutiveErrorLimit",
    "consecutiveSuccessLimit",
    "provider",
];
/// The providers a metric may name.
pub const PROVIDERS: &[&str] = &["rollout-sim", "judge"];
/// The `rollout-sim` provider's fields.
pub const MEASURED_FIELDS: &[&str] = &["metric", "of", "window", "reporter"];
/// The `judge` provider's fields.
pub const JUDGE_FIELDS: &[&str] = &["algorithm", "window", "step", "threshold", "metrics"];
/// The judge's `threshold` fields.
pub const THRESHOLD_FIELDS: &[&str] = &["pass", "marginal"];
/// A judged metric's fields.
pub const JUDGE_METRIC_FIELDS: &[&str] = &[
    "metric",
    "direction",
    "nanStrategy",
    "critical",
    "mustHaveData",
    "effectSize",
    "reporter",
];
/// `effectSize`'s fields.
pub const EFFECT_FIELDS: &[&str] = &[
    "measure",
    "allowedIncrease",
    "allowedDecrease",
    "criticalIncrease",
    "criticalDecrease",
];

/// Reads an `analysis` block (`{metrics: […]}`), recording every problem at its path.
/// `None` if anything is wrong.
pub fn parse(node: &Node) -> Option<AnalysisSpec> {
    metrics_of(&node.object(ANALYSIS_FIELDS)?)
}

/// The analysis of a block already read as a map whose fields include
/// [`ANALYSIS_FIELDS`] (a caller's block may add its own, as the canary's background
/// analysis adds `startingStep`).
pub fn metrics_of(obj: &Obj) -> Option<AnalysisSpec> {
    let items = obj.required("metrics", Node::list)?;
    if items.is_empty() {
        // `ValidateMetrics`: "no metrics specified".
        return obj.node().fail("`metrics` must list at least one metric");
    }
    let mut names = HashSet::new();
    let mut metrics = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in &items {
        match metric(item) {
            Some(m) => {
                if !names.insert(m.name.clone()) {
                    item.problem(format!("duplicate metric name `{}`", m.name));
                    ok = false;
                }
                metrics.push(m);
            }
            None => ok = false,
        }
    }
    let dry_run = obj
        .opt("dryRun", |n| super::dry_run::parse(n, &metrics, ok))
        .unwrap_or_default();
    ok.then_some(AnalysisSpec { metrics, dry_run })
}

fn metric(node: &Node) -> Option<MetricSpec> {
    let problems_before = problem_count(node);
    let o = node.object(METRIC_FIELDS)?;
    let name = o.required("name", Node::string);
    let interval = o.opt("interval", Node::positive_duration);
    let count = o.u32("count", 0);
    let initial_delay = o.duration("initialDelay", 0);
    let success = o.opt("successCondition", condition);
    let failure = o.opt("failureCondition", condition);
    let failure_limit = o.or("failureLimit", 0, |n| {
        let v = signed(n)?;
        n.check(
            v,
            v >= -1,
            &format!("must be at least 0, or -1 to disable it, got {v}"),
        )
    });
    let inconclusive_limit = o.u32("inconclusiveLimit", 0);
    let consecutive_error_limit = o.u32("consecutiveErrorLimit", DEFAULT_CONSECUTIVE_ERROR_LIMIT);
    let consecutive_success_limit = o.u32("consecutiveSuccessLimit", 0);
    let provider = o.required("provider", |n| provider(n, interval));
    if let Some(Provider::Judge(_)) = &provider {
        for key in ["successCondition", "failureCondition"] {
            if let Some(n) = o.get(key) {
                n.problem(
                    "a `judge` metric is decided by its score and `threshold` \
                     (as Argo's Kayenta provider); remove the condition",
                );
            }
        }
    }
    validate_limits(
        &o,
        count,
        interval,
        failure_limit,
        inconclusive_limit,
        consecutive_success_limit,
    );
    if problem_count(node) > problems_before {
        return None;
    }
    Some(MetricSpec {
        name: name?,
        interval,
        count,
        initial_delay,
        success,
        failure,
        failure_limit,
        inconclusive_limit,
        consecutive_error_limit,
        consecutive_success_limit,
        provider: provider?,
    })
}

/// The cross-field rules of `utils/analysis/factory.go:ValidateMetric`.
fn validate_limits(
    o: &Obj,
    count: u32,
    interval: Option<Time>,
    failure_limit: i64,
    inconclusive_limit: u32,
    consecutive_success_limit: u32,
) {
    let at = |key: &str| o.get(key).unwrap_or_else(|| o.node().clone());
    if consecutive_success_limit == 0 && failure_limit == -1 {
        at("failureLimit")
            .problem("failureLimit and consecutiveSuccessLimit cannot both be disabled");
    }
    if count > 0 {
        let (count, fl, csl) = (
            i64::from(count),
            failure_limit,
            i64::from(consecutive_success_limit),
        );
        if fl >= 0 && count < fl + csl {
            at("count").problem(format!(
                "count ({count}) must be >= failureLimit + consecutiveSuccessLimit ({fl} + {csl})"
            ));
        } else if fl < 0 && count < csl {
            at("count").problem(format!(
                "count ({count}) must be >= consecutiveSuccessLimit ({csl})"
            ));
        }
        if count < i64::from(inconclusive_limit) {
            at("count").problem(format!(
                "count ({count}) must be >= inconclusiveLimit ({inconclusive_limit})"
            ));
        }
    }
    if count > 1 && interval.is_none() {
        at("count").problem("interval must be specified when count > 1");
    }
}

fn problem_count(node: &Node) -> usize {
    node.ctx().problem_count()
}

/// A signed integer (Argo's limits are `IntOrString`; only integers are taken here).
fn signed(n: &Node) -> Option<i64> {
    match n.value() {
        serde_json::Value::Number(x) => x
            .as_i64()
            .or_else(|| {
                x.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .or_else(|| n.expected("an integer")),
        _ => n.expected("an integer"),
    }
}

fn condition(n: &Node) -> Option<Condition> {
    let text = n.string()?;
    match Condition::parse(&text) {
        Ok(c) => Some(c),
        Err(e) => n.fail(format!("{e} in `{text}`")),
    }
}

fn provider(n: &Node, interval: Option<Time>) -> Option<Provider> {
    let o = n.object(PROVIDERS)?;
    let given: Vec<&str> = PROVIDERS.iter().copied().filter(|k| o.has(k)).collect();
    if given.len() != 1 {
        return n.fail(format!(
            "expected exactly one provider (`rollout-sim` or `judge`), got {}",
            if given.is_empty() {
                "none".to_string()
            } else {
                given.join(" and ")
            }
        ));
    }
    let default_window = interval.unwrap_or(DEFAULT_WINDOW);
    if let Some(m) = o.get("rollout-sim") {
        let m = m.object(MEASURED_FIELDS)?;
        let quantity = m.required("metric", |n| n.choice(&QUANTITIES));
        let of = m.choice("of", Role::Canary, &ROLES);
        let window = m.positive_duration("window", default_window);
        let reporter = m.choice("reporter", Reporter::Source, &REPORTERS);
        return Some(Provider::Measured(Measured {
            quantity: quantity?,
            of,
            window,
            reporter,
        }));
    }
    let j = o.get("judge")?.object(JUDGE_FIELDS)?;
    judge(&j, default_window).map(Provider::Judge)
}

fn judge(j: &Obj, default_window: Time) -> Option<JudgeSpec> {
    let algorithm = j.required("algorithm", |n| n.choice(&[("mann-whitney", ())]));
    let window = j.positive_duration("window", default_window);
    let step = j.positive_duration("step", DEFAULT_STEP);
    if step > window {
        j.get("step")
            .unwrap_or_else(|| j.node().clone())
            .problem(format!(
                "step ({}s) must not exceed the window ({}s): each side needs samples",
                step / SECOND,
                window / SECOND
            ));
    }
    let threshold = j.required("threshold", |n| {
        let t = n.object(THRESHOLD_FIELDS)?;
        let pass = t.required("pass", |n| percent(n));
        let marginal = t.required("marginal", |n| percent(n));
        let (pass, marginal) = (pass?, marginal?);
        n.check(
            (pass, marginal),
            marginal <= pass,
            &format!("marginal ({marginal}) must not exceed pass ({pass})"),
        )
    });
    let items = j.required("metrics", Node::list)?;
    if items.is_empty() {
        j.node()
            .problem("`metrics` must list at least one metric to compare");
    }
    let metrics: Vec<Option<JudgeMetric>> = items.iter().map(judge_metric).collect();
    algorithm?;
    let (pass, marginal) = threshold?;
    let metrics = metrics.into_iter().collect::<Option<Vec<_>>>()?;
    (step <= window && !metrics.is_empty()).then_some(JudgeSpec {
        window,
        step,
        metrics,
        pass,
        marginal,
    })
}

fn percent(n: &Node) -> Option<u32> {
    n.u32_in(0..=100, |got| {
        format!("must be a score from 0 to 100, got {got}")
    })
}

fn judge_metric(n: &Node) -> Option<JudgeMetric> {
    let o = n.object(JUDGE_METRIC_FIELDS)?;
    let quantity = o.required("metric", |n| {
        let q = n.choice(&QUANTITIES)?;
        // The judge compares series over past steps; pods are only known at `t`.
        n.check(
            q,
            q != Quantity::ReadyRatio,
            "`ready_ratio` is a pod count at the measurement's instant, not a series of \
             requests: measure it with a `rollout-sim` metric",
        )
    });
    let direction = o.choice(
        "direction",
        Direction::Either,
        &[
            ("increase", Direction::Increase),
            ("decrease", Direction::Decrease),
            ("either", Direction::Either),
        ],
    );
    let nan_strategy = o.choice(
        "nanStrategy",
        NanStrategy::Remove,
        &[
            ("remove", NanStrategy::Remove),
            ("replace", NanStrategy::Replace),
        ],
    );
    let critical = o.bool("critical", false);
    let must_have_data = o.bool("mustHaveData", false);
    let e = o.section("effectSize", EFFECT_FIELDS);
    let effect = e.choice(
        "measure",
        EffectMeasure::MeanRatio,
        &[
            ("meanRatio", EffectMeasure::MeanRatio),
            ("cles", EffectMeasure::Cles),
        ],
    );
    // Kayenta's defaults: 1.0 for meanRatio, 0.5 for cles (`NetflixACAJudge.scala`).
    let neutral = match effect {
        EffectMeasure::MeanRatio => 1.0,
        EffectMeasure::Cles => 0.5,
    };
    let num = |key: &str| e.or(key, neutral, Node::positive_f64);
    Some(JudgeMetric {
        quantity: quantity?,
        direction,
        nan_strategy,
        critical,
        must_have_data,
        effect,
        allowed_increase: num("allowedIncrease"),
        allowed_decrease: num("allowedDecrease"),
        critical_increase: num("criticalIncrease"),
        critical_decrease: num("criticalDecrease"),
        reporter: o.choice("reporter", Reporter::Source, &REPORTERS),
    })
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
