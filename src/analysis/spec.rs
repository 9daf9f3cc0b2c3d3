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
//! The block is read from the scenario tree by [`parse`] (`parser.rs`, with the field
//! lists it accepts); this file holds the values it reads into.

mod parser;

pub use parser::{
    ANALYSIS_FIELDS, DRY_RUN_FIELDS, EFFECT_FIELDS, JUDGE_FIELDS, JUDGE_METRIC_FIELDS,
    MEASURED_FIELDS, METRIC_FIELDS, PROVIDERS, THRESHOLD_FIELDS, metrics_of, parse,
};

use super::condition::Condition;
use crate::sim::time::{SECOND, Time};
use crate::traffic::window::{Reporter, WindowStats};

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

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
