//! How the rest of the tool sees Flagger: its registry entry (`strategy.flagger`).

use super::ab_match::{CONDITION_FIELDS, HEADER_MATCH, QUERY_MATCH};
use super::config::{
    ANALYSIS_FIELDS, Builtin, FIELDS, FlaggerConfig, METRIC_FIELDS, RANGE_FIELDS, parse,
};
use super::provider::Provider;
use super::webhooks::{Endpoint, HookType, WEBHOOK_FIELDS, hook_types};
use super::{Flagger, ROLLING};
use crate::analysis::histogram_quantile::ENVOY_BUCKETS_MS;
use crate::check::lint::{Warning, secs, warn};
use crate::cluster::runtime::RuntimeKind;
use crate::output::human_text::counted;
use crate::scenario::schema::Ty::*;
use crate::scenario::show_duration as show;
use crate::scenario::walk::{Obj, number};
use crate::scenario::{ActionKind, Scenario};
use crate::sim::time::{SECOND, Time};
use crate::strategy::AnyController;
use crate::strategy::kubernetes::fenceposts::max_surge;
use crate::strategy::registry::{BudgetSelector, Controls, FieldTypes, Sections, StrategyDef};

/// Flagger `Canary` (`strategy.flagger`).
pub struct Def;

impl StrategyDef for Def {
    type Config = FlaggerConfig;
    const KEY: &'static str = "flagger";
    const FIELDS: &'static [&'static str] = FIELDS;
    /// The pods' `terminationGracePeriodSeconds` default.
    const STOP_GRACE_PERIOD: Time = 30 * SECOND;
    const RUNTIME: RuntimeKind = RuntimeKind::Kubelet;
    const CONTROLS: Controls = Controls::FlaggerLoadtester;
    const DISRUPTION_BUDGET: BudgetSelector = BudgetSelector::PrimaryOrCanary;
    const SCHEMA_SECTIONS: Sections = &[
        ("flagger", FIELDS),
        ("flagger_analysis", ANALYSIS_FIELDS),
        ("flagger_metric", METRIC_FIELDS),
        ("flagger_threshold_range", RANGE_FIELDS),
        ("flagger_webhook", WEBHOOK_FIELDS),
        ("flagger_match", CONDITION_FIELDS),
        ("flagger_header_match", HEADER_MATCH),
        ("flagger_query_match", QUERY_MATCH),
    ];
    const SCHEMA_TYPES: FieldTypes = &[
        ("flagger", "analysis", Section("flagger_analysis")),
        (
            "flagger",
            "provider",
            Choice(|| vec!["istio", "kubernetes"]),
        ),
        ("flagger", "progressDeadlineSeconds", Duration),
        ("flagger", "skipAnalysis", Bool),
        ("flagger", "suspend", Bool),
        ("flagger_analysis", "interval", Str),
        ("flagger_analysis", "threshold", Count),
        ("flagger_analysis", "maxWeight", Count),
        ("flagger_analysis", "stepWeight", Count),
        ("flagger_analysis", "stepWeights", Counts),
        ("flagger_analysis", "stepWeightPromotion", Count),
        ("flagger_analysis", "iterations", Count),
        ("flagger_analysis", "primaryReadyThreshold", Count),
        ("flagger_analysis", "canaryReadyThreshold", Count),
        ("flagger_analysis", "mirror", Bool),
        ("flagger_analysis", "mirrorWeight", Count),
        ("flagger_analysis", "match", ListOf("flagger_match")),
        ("flagger_analysis", "matchShare", Probability),
        ("flagger_match", "headers", MapOf("flagger_header_match")),
        ("flagger_match", "queryParams", MapOf("flagger_query_match")),
        ("flagger_match", "sourceLabels", Labels),
        ("flagger_header_match", "exact", Str),
        ("flagger_header_match", "prefix", Str),
        ("flagger_header_match", "suffix", Str),
        ("flagger_header_match", "regex", Str),
        ("flagger_query_match", "exact", Str),
        ("flagger_query_match", "prefix", Str),
        ("flagger_query_match", "regex", Str),
        ("flagger_analysis", "metrics", ListOf("flagger_metric")),
        (
            "flagger_metric",
            "name",
            Choice(|| vec!["request-success-rate", "request-duration"]),
        ),
        ("flagger_metric", "interval", Str),
        ("flagger_metric", "threshold", Number),
        (
            "flagger_metric",
            "thresholdRange",
            Section("flagger_threshold_range"),
        ),
        ("flagger_threshold_range", "min", Number),
        ("flagger_threshold_range", "max", Number),
        ("flagger_analysis", "webhooks", ListOf("flagger_webhook")),
        ("flagger_webhook", "name", Str),
        ("flagger_webhook", "type", Choice(hook_types)),
        ("flagger_webhook", "url", Str),
        ("flagger_webhook", "timeout", Str),
        ("flagger_webhook", "retries", Count),
        ("flagger_webhook", "muteAlert", Bool),
        ("flagger_webhook", "disableTLS", Bool),
        ("flagger_webhook", "metadata", Labels),
    ];

    fn parse(o: &Obj) -> FlaggerConfig {
        parse(o)
    }

    fn controller(cfg: &FlaggerConfig) -> Box<dyn AnyController + '_> {
        Box::new(Flagger::new(cfg))
    }

    fn label(cfg: &FlaggerConfig) -> String {
        let mode = if let (true, Some(m)) = (cfg.iterations > 0, &cfg.ab_match) {
            format!(
                "A/B testing, {} on {}% of the requests",
                counted(cfg.iterations, "iteration"),
                number(m.share * 100.0)
            )
        } else if cfg.iterations > 0 {
            format!("blue/green, {}", counted(cfg.iterations, "iteration"))
        } else if !cfg.step_weights.is_empty() {
            format!("stepWeights {:?}", cfg.step_weights)
        } else {
            format!(
                "stepWeight {} to maxWeight {}",
                cfg.step_weight, cfg.max_weight
            )
        };
        // A progressive canary's weights apply to the matched requests only.
        let mode = match &cfg.ab_match {
            Some(m) if cfg.iterations == 0 => {
                format!(
                    "{mode} of the {}% of requests matched",
                    number(m.share * 100.0)
                )
            }
            _ => mode,
        };
        format!(
            "Flagger canary, {mode}, interval {}, threshold {}",
            show(cfg.interval),
            cfg.threshold
        )
    }

    fn header_extra(cfg: &FlaggerConfig) -> String {
        if cfg.skip_analysis {
            return ", skipAnalysis: promoted at the first tick the canary is ready (no checks, \
                    no traffic shift), then the primary rolls"
                .into();
        }
        let checks: Vec<String> = cfg
            .metrics
            .iter()
            .map(|m| {
                let unit = match m.builtin {
                    Builtin::SuccessRate => "%",
                    Builtin::Duration => " ms",
                };
                let mut s = m.builtin.name().to_string();
                if let Some(lo) = m.range.min {
                    s += &format!(" >= {lo}{unit}");
                }
                if let Some(hi) = m.range.max {
                    s += &format!(" <= {hi}{unit}");
                }
                format!("{s} over {}", show(m.interval))
            })
            .collect();
        let mut line = if checks.is_empty() {
            ", no metric checks".into()
        } else {
            format!(", checks: {}", checks.join(", "))
        };
        if let Some(m) = &cfg.ab_match {
            line += &format!(", matched: {}", m.conditions.join(" or "));
        }
        if cfg.provider == Provider::Kubernetes {
            line += ", kubernetes provider (no router: users stay on the primary)";
        }
        if let Some(percent) = cfg.mirror {
            line += &format!(", mirrors {percent}% of the requests to the canary");
        }
        for (hook, test) in cfg
            .webhooks
            .iter()
            .filter_map(|h| Some((h, h.load_test()?)))
        {
            let when = if hook.kind == HookType::PreRollout {
                "pre-rollout "
            } else {
                ""
            };
            line += &format!(
                ", {when}load test {} req/s for {}",
                number(test.rps),
                show(test.duration)
            );
        }
        line
    }

    /// The primary stays at N while the canary runs N next to it; at promotion the
    /// primary's rolling update adds its `maxSurge` (25 %, rounded up) on top.
    fn limits(_cfg: &FlaggerConfig, n: u32) -> Vec<(&'static str, u32)> {
        vec![
            ("primary + canary", 2 * n),
            (
                "primary + canary + the primary's maxSurge at promotion",
                2 * n + max_surge(&ROLLING, n),
            ),
        ]
    }

    fn measures_traffic(cfg: &FlaggerConfig) -> bool {
        !cfg.metrics.is_empty()
    }

    /// A metric window shorter than the tick leaves requests no check ever sees; a
    /// duration bound inside a latency bucket is judged by the interpolation; a gate
    /// action no webhook reads changes nothing; a blue/green's first check has no values.
    fn lint(cfg: &FlaggerConfig, s: &Scenario, _threads: Option<usize>, out: &mut Vec<Warning>) {
        duration_bounds_inside_buckets(cfg, out);
        gate_actions_unread(cfg, s, out);
        first_check_without_values(cfg, out);
        for m in cfg.metrics.iter().filter(|m| m.interval < cfg.interval) {
            warn(
                out,
                "flagger-metric-window-gap",
                format!(
                    "{} looks at the last {} of requests but runs every {}: the requests in between are never checked",
                    m.builtin.name(),
                    secs(m.interval),
                    secs(cfg.interval)
                ),
                format!(
                    "set the metric's interval to at least the analysis interval ({})",
                    secs(cfg.interval)
                ),
                "flagger scheduler_metrics.go runBuiltinMetricChecks: each check queries rate(...[interval]) over the metric's own interval, once per analysis tick",
            );
        }
    }
}

/// A blue/green with metrics and `threshold` 1: no user request reaches the canary before
/// the promotion, and the load test starts with the POST just before the first check,
/// which therefore has no values and fails: every release is rolled back. (Mirroring
/// starts one tick before the first check, so its copies fill that check's window.)
fn first_check_without_values(cfg: &FlaggerConfig, out: &mut Vec<Warning>) {
    // Copies, matched users, or a load test started by a `pre-rollout` webhook at the
    // tick before fill the first check's window.
    let pre_loaded = cfg
        .webhooks
        .iter()
        .any(|h| h.kind == HookType::PreRollout && h.load_test().is_some());
    if cfg.iterations == 0
        || cfg.metrics.is_empty()
        || cfg.threshold > 1
        || cfg.mirror.is_some()
        || cfg.ab_match.is_some()
        || pre_loaded
    {
        return;
    }
    warn(
        out,
        "flagger-first-check-empty",
        format!(
            "blue/green (`iterations: {}`) with metrics and `threshold: {}`: no user request reaches the canary before the promotion, and the load test starts with the webhook called just before the first check, so that check has no values and fails: every release, good or bad, is rolled back at the next tick",
            cfg.iterations, cfg.threshold
        ),
        "set `threshold` to 2 or more: one failed check to spare for the first analysis".into(),
        "flagger scheduler.go runAnalysis: the rollout webhooks are called just before runBuiltinMetricChecks, and a query without values fails the check (scheduler_metrics.go, ErrNoValuesFound)",
    );
}

/// `{gate: …}` / `{rollback: …}` actions while no webhook calls the endpoint that reads
/// that gate: the loadtester takes the POST, and nothing ever asks.
fn gate_actions_unread(cfg: &FlaggerConfig, s: &Scenario, out: &mut Vec<Warning>) {
    let reads = |e: Endpoint| cfg.webhooks.iter().any(|h| h.endpoint == e);
    for a in &s.actions {
        let (what, endpoint, path) = match a.kind {
            ActionKind::Gate(open) => (
                if open { "gate: open" } else { "gate: close" },
                Endpoint::GateCheck,
                "/gate/check",
            ),
            ActionKind::RollbackGate(open) => (
                if open {
                    "rollback: open"
                } else {
                    "rollback: close"
                },
                Endpoint::RollbackCheck,
                "/rollback/check",
            ),
            _ => continue,
        };
        if reads(endpoint) {
            continue;
        }
        warn(
            out,
            "flagger-gate-unread",
            format!(
                "`{{{what}}}` at {}: no webhook in `analysis.webhooks` calls `{path}`, so nothing reads that gate and the action changes nothing",
                secs(a.at)
            ),
            format!(
                "point a webhook at the loadtester's `{path}` (`confirm-*` for the gate, `rollback` for the rollback gate), or remove the action"
            ),
            "flagger loadtester server.go: /gate/open and /gate/close set the gate only /gate/check reads; /rollback/open and /rollback/close the one only /rollback/check reads",
        );
    }
}

/// `request-duration` bounds strictly inside one of the proxy's latency buckets: the
/// query's p99 is interpolated inside the bucket
/// ([`crate::analysis::histogram_quantile::histogram_quantile`]), so whether it
/// passes depends on how the bucket's requests spread, not on the true p99.
fn duration_bounds_inside_buckets(cfg: &FlaggerConfig, out: &mut Vec<Warning>) {
    let duration = cfg
        .metrics
        .iter()
        .filter(|m| m.builtin == Builtin::Duration);
    for (which, bound) in duration.flat_map(|m| [("min", m.range.min), ("max", m.range.max)]) {
        // Compared in whole ms, as the check compares it.
        let Some(ms) = bound.map(f64::trunc) else {
            continue;
        };
        let Some(upper) = ENVOY_BUCKETS_MS.iter().position(|&le| le >= ms) else {
            continue;
        };
        if ENVOY_BUCKETS_MS[upper] == ms {
            continue;
        }
        let lower = upper.checked_sub(1).map_or(0.0, |i| ENVOY_BUCKETS_MS[i]);
        let (lo, hi) = (lower, ENVOY_BUCKETS_MS[upper]);
        warn(
            out,
            "flagger-duration-bound-inside-bucket",
            format!(
                "request-duration's {which} of {ms} ms lies inside the proxy's ({lo}, {hi}] ms latency bucket: the query interpolates the p99 across that bucket, so a canary whose requests all fall in it reads {:.1} ms, whatever their true latencies",
                lo + (hi - lo) * 0.99
            ),
            format!(
                "bound the p99 at a bucket edge, {lo} or {hi} ms, where the query's answer and the true p99 fall on the same side"
            ),
            "flagger istio.go request-duration: histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket[…])) by (le)); prometheus quantile.go BucketQuantile interpolates linearly inside a bucket; buckets: envoy histogram_impl.cc defaultBuckets",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::flagger::Range;
    use crate::strategy::flagger::config::Metric;
    use crate::testkit;

    /// A Canary ticking every `interval` seconds with these checks, upstream's defaults
    /// otherwise.
    fn config(interval: u64, metrics: Vec<Metric>) -> FlaggerConfig {
        FlaggerConfig {
            interval: interval * SECOND,
            threshold: 1,
            max_weight: 100,
            step_weight: 10,
            step_weights: Vec::new(),
            step_weight_promotion: 0,
            iterations: 0,
            primary_ready_threshold: 100,
            canary_ready_threshold: 100,
            metrics,
            progress_deadline: 600 * SECOND,
            webhooks: Vec::new(),
            mirror: None,
            ab_match: None,
            provider: Provider::Mesh,
            skip_analysis: false,
        }
    }

    /// A duration bound between two of Envoy's bucket edges is a warning; one on an edge,
    /// and a success-rate bound, are not.
    #[test]
    fn a_duration_bound_inside_a_latency_bucket_is_a_lint_warning() {
        let s = testkit::kubernetes(2, SECOND, testkit::rolling(1, 0));
        let metric = |builtin, max| Metric {
            builtin,
            interval: 60 * SECOND,
            range: Range {
                min: None,
                max: Some(max),
            },
        };
        let mut cfg = config(
            60,
            vec![
                metric(Builtin::Duration, 400.0),
                metric(Builtin::Duration, 500.7),
                metric(Builtin::SuccessRate, 99.5),
            ],
        );
        let mut out = Vec::new();
        Def::lint(&cfg, &s, None, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].rule, "flagger-duration-bound-inside-bucket");
        assert!(out[0].message.contains("(250, 500]"), "{}", out[0].message);
        assert!(out[0].message.contains("497.5 ms"), "{}", out[0].message);
        assert!(out[0].fix.contains("250 or 500 ms"), "{}", out[0].fix);
        cfg.metrics = vec![metric(Builtin::Duration, 250.0)];
        out.clear();
        Def::lint(&cfg, &s, None, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    /// A gate action is a warning when no webhook calls the endpoint reading its gate,
    /// and not when one does.
    #[test]
    fn a_gate_action_no_webhook_reads_is_a_lint_warning() {
        use crate::scenario::Action;
        use crate::strategy::flagger::webhooks::{HookType, Webhook};
        let mut s = testkit::kubernetes(2, SECOND, testkit::rolling(1, 0));
        s.actions = vec![
            Action {
                at: 330 * SECOND,
                kind: ActionKind::Gate(true),
            },
            Action {
                at: 600 * SECOND,
                kind: ActionKind::RollbackGate(true),
            },
        ];
        let hook = |kind, endpoint| Webhook {
            name: "hook".into(),
            kind,
            endpoint,
        };
        // An always-open hook reads no gate: both actions are unread.
        let mut cfg = config(60, Vec::new());
        cfg.webhooks = vec![hook(HookType::ConfirmRollout, Endpoint::Approve)];
        let mut out = Vec::new();
        Def::lint(&cfg, &s, None, &mut out);
        let rules: Vec<&str> = out.iter().map(|w| w.rule).collect();
        assert_eq!(rules, ["flagger-gate-unread", "flagger-gate-unread"]);
        assert!(
            out[0].message.contains("`{gate: open}` at 5m30.0s"),
            "{}",
            out[0].message
        );
        assert!(out[0].message.contains("/gate/check"), "{}", out[0].message);
        assert!(
            out[1].message.contains("/rollback/check"),
            "{}",
            out[1].message
        );
        // A hook at `/gate/check` reads the gate; the rollback gate is still unread.
        cfg.webhooks
            .push(hook(HookType::ConfirmPromotion, Endpoint::GateCheck));
        out.clear();
        Def::lint(&cfg, &s, None, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0].message.contains("rollback: open"),
            "{}",
            out[0].message
        );
        cfg.webhooks
            .push(hook(HookType::Rollback, Endpoint::RollbackCheck));
        out.clear();
        Def::lint(&cfg, &s, None, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    /// A blue/green with metrics warns at threshold 1 (its first check has no values), not
    /// at 2, nor a progressive canary at 1 (its users reach it by weight).
    #[test]
    fn a_blue_green_with_threshold_one_is_a_lint_warning() {
        let s = testkit::kubernetes(2, SECOND, testkit::rolling(1, 0));
        let metric = Metric {
            builtin: Builtin::SuccessRate,
            interval: 60 * SECOND,
            range: Range::default(),
        };
        let mut cfg = config(60, vec![metric]);
        cfg.threshold = 1;
        let mut out = Vec::new();
        Def::lint(&cfg, &s, None, &mut out);
        assert!(out.is_empty(), "{out:?}");
        cfg.iterations = 10;
        Def::lint(&cfg, &s, None, &mut out);
        let rules: Vec<&str> = out.iter().map(|w| w.rule).collect();
        assert_eq!(rules, ["flagger-first-check-empty"]);
        out.clear();
        cfg.threshold = 2;
        Def::lint(&cfg, &s, None, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    /// The rule fires for a window shorter than the tick, not for one as long.
    #[test]
    fn a_metric_window_shorter_than_the_interval_is_a_lint_warning() {
        let s = testkit::kubernetes(2, SECOND, testkit::rolling(1, 0));
        let metric = |secs: u64| Metric {
            builtin: Builtin::SuccessRate,
            interval: secs * SECOND,
            range: Range::default(),
        };
        let mut cfg = config(120, vec![metric(30), metric(120)]);
        let mut out = Vec::new();
        Def::lint(&cfg, &s, None, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, "flagger-metric-window-gap");
        cfg.metrics = vec![metric(120), metric(300)];
        out.clear();
        Def::lint(&cfg, &s, None, &mut out);
        assert!(out.is_empty());
    }
}
