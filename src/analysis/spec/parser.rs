//! Reading the `analysis` block, its metrics and their providers from the scenario tree,
//! with Argo's defaults and its `ValidateMetric` rules; the field lists each section
//! accepts.
//!
//! [`parse`] reads the block from the scenario tree in the style of the other scenario
//! converters: every problem is recorded at its field path and the walk goes on, so a
//! strategy parser can call it for `canary.analysis`, `steps[].analysis` or a blue-green
//! pre/post-promotion analysis.

use super::{
    AnalysisSpec, DEFAULT_CONSECUTIVE_ERROR_LIMIT, DEFAULT_STEP, DEFAULT_WINDOW, Direction,
    EffectMeasure, JudgeMetric, JudgeSpec, Measured, MetricSpec, NanStrategy, Provider, QUANTITIES,
    Quantity, ROLES, Role,
};
use crate::analysis::condition::Condition;
use crate::scenario::walk::{Node, Obj};
use crate::sim::time::{SECOND, Time};
use crate::traffic::window::{REPORTERS, Reporter};
use std::collections::HashSet;

/// The block's fields (each section's list serves the parser and a JSON Schema).
pub const ANALYSIS_FIELDS: &[&str] = &["metrics", "dryRun"];
pub use crate::analysis::dry_run::DRY_RUN_FIELDS;
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
        .opt("dryRun", |n| {
            crate::analysis::dry_run::parse(n, &metrics, ok)
        })
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
