//! The scenario's field type table: what each field of each section holds ([`Ty`]), as
//! the JSON Schema and a `--set` path's checks read it. Apart from the schema builder
//! because the table, one row a field, is most of the schema's lines and grows with every
//! field the parser takes.

use super::super::{
    control_plane, convert, disruption_budget, distribution_parse as dist, health, placement,
    ports, traffic,
};
use crate::strategy::registry;

/// What a field holds.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// A duration: a number of seconds or a string (`"10s"`, `"1m30s"`), its syntax the
    /// parser's own (`scenario::duration::pattern`).
    Duration,
    /// A duration or `never` (a progress deadline that never passes, a node that never
    /// recovers).
    DurationOrNever,
    /// A latency distribution (a duration, or a one-key map of a distribution kind).
    Dist,
    /// A cpu quantity.
    Cpu,
    /// A memory quantity.
    Memory,
    /// A non-negative integer.
    Count,
    /// A number.
    Number,
    /// A number from 0 to 1.
    Probability,
    /// `true` or `false`.
    Bool,
    /// A string.
    Str,
    /// One of the strings the parser's table gives.
    Choice(fn() -> Vec<&'static str>),
    /// A list of strings.
    Strings,
    /// A list of durations.
    Durations,
    /// A list of non-negative integers.
    Counts,
    /// A non-negative integer or a `"N%"` string.
    IntOrPercent,
    /// The section defined as `$defs/<name>`.
    Section(&'static str),
    /// A list of `$defs/<name>`.
    ListOf(&'static str),
    /// A map of any keys to `$defs/<name>`.
    MapOf(&'static str),
    /// A map of any keys to probabilities.
    Probabilities,
    /// A map of label keys to values (strings, or null for the empty value; a number or a
    /// boolean is refused, as Kubernetes refuses it).
    Labels,
    /// Any of these.
    AnyOf(&'static [Ty]),
    /// A map of field paths to lists of values (`sweep:` axes; each value is checked as a
    /// `--set` of its path would be).
    Axes,
}
/// Whether a field of type `ty` holds a list (or may: one alternative is a list).
pub fn is_list(ty: Ty) -> bool {
    match ty {
        ListOf(_) | Strings | Durations | Counts => true,
        AnyOf(alternatives) => alternatives.iter().any(|t| is_list(*t)),
        _ => false,
    }
}

/// What a scalar field of type `ty` takes, for "expected …" (`None` for the types a
/// message names better where they are parsed).
pub fn expected(ty: Ty) -> Option<&'static str> {
    Some(match ty {
        Duration | DurationOrNever => super::super::duration::EXPECTED,
        Dist => dist::EXPECTED,
        Cpu => super::super::quantity::CPU_EXPECTED,
        Memory => super::super::quantity::MEMORY_EXPECTED,
        Count => "a non-negative integer",
        Number => "a number",
        Probability => "a number from 0 to 1",
        _ => return None,
    })
}
use Ty::*;

/// The type of every field of every section, as (section, field, type): [`TYPES`], then
/// `strategy.<key>` for every registered strategy and the types its entry gives.
pub fn types() -> Vec<(&'static str, &'static str, Ty)> {
    let mut out = TYPES.to_vec();
    out.extend(registry::KEYS.iter().map(|&k| ("strategy", k, Section(k))));
    out.extend(registry::schema_types());
    out
}

/// The type of every field of the sections outside the strategies' own.
pub const TYPES: &[(&str, &str, Ty)] = &[
    ("scenario", "name", Str),
    ("scenario", "description", Str),
    ("scenario", "seed", Count),
    ("scenario", "trials", Count),
    ("scenario", "horizon", Duration),
    ("scenario", "cluster", Section("cluster")),
    ("scenario", "service", Section("service")),
    ("scenario", "strategy", Section("strategy")),
    ("scenario", "actions", ListOf("action")),
    ("scenario", "checks", Strings),
    ("scenario", "sweep", Axes),
    ("scenario", "traffic", Section("traffic")),
    ("scenario", "faults", Section("faults")),
    ("action", "at", Duration),
    ("action", "rollout", Choice(|| names(convert::ROLLOUTS))),
    ("action", "version", Str),
    ("action", "to_revision", Count),
    ("action", "scale", Count),
    ("action", "full", Bool),
    ("action", "gate", Choice(|| names(convert::GATE_POSTS))),
    ("action", "rollback", Choice(|| names(convert::GATE_POSTS))),
    ("cluster", "nodes", AnyOf(&[Count, ListOf("node")])),
    ("cluster", "node", Section("node_template")),
    ("cluster", "image_cached", Strings),
    ("cluster", "autoscaler", Section("cluster_autoscaler")),
    ("cluster_autoscaler", "max_nodes", Count),
    ("cluster_autoscaler", "provision", Dist),
    ("cluster_autoscaler", "scan_interval", Duration),
    ("cluster_autoscaler", "image_cached", Strings),
    (
        "cluster",
        "control_plane",
        AnyOf(&[Str, Section("control_plane")]),
    ),
    ("node", "name", Str),
    ("node", "cpu", Cpu),
    ("node", "memory", Memory),
    ("node", "labels", Labels),
    ("node", "taints", ListOf("taint")),
    ("node", "role", Choice(|| vec!["worker", "manager"])),
    ("node_template", "cpu", Cpu),
    ("node_template", "memory", Memory),
    ("node_template", "labels", Labels),
    ("node_template", "taints", ListOf("taint")),
    (
        "node_template",
        "role",
        Choice(|| vec!["worker", "manager"]),
    ),
    ("taint", "key", Str),
    ("taint", "value", Str),
    ("taint", "effect", Choice(|| names(placement::EFFECTS))),
    ("toleration", "key", Str),
    ("toleration", "operator", Choice(|| vec!["Equal", "Exists"])),
    ("toleration", "value", Str),
    ("toleration", "effect", Choice(|| names(placement::EFFECTS))),
    ("affinity", "nodeAffinity", Section("node_affinity")),
    ("affinity", "podAntiAffinity", Section("pod_anti_affinity")),
    (
        "pod_anti_affinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        ListOf("pod_affinity_term"),
    ),
    ("pod_affinity_term", "topologyKey", Str),
    (
        "node_affinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        Section("node_selector"),
    ),
    (
        "node_selector",
        "nodeSelectorTerms",
        ListOf("node_selector_term"),
    ),
    (
        "node_selector_term",
        "matchExpressions",
        ListOf("match_expression"),
    ),
    ("match_expression", "key", Str),
    (
        "match_expression",
        "operator",
        Choice(|| names(placement::OPERATORS)),
    ),
    ("match_expression", "values", Strings),
    ("spread_constraint", "maxSkew", Count),
    ("spread_constraint", "topologyKey", Str),
    (
        "spread_constraint",
        "whenUnsatisfiable",
        Choice(|| vec!["DoNotSchedule"]),
    ),
    ("placement", "constraints", Strings),
    ("placement", "max_replicas_per_node", Count),
    ("placement", "preferences", ListOf("preference")),
    ("preference", "spread", Str),
    ("resources", "cpu", Cpu),
    ("resources", "memory", Memory),
    ("control_plane", "profile", Choice(profiles)),
    ("control_plane", "update_start", Dist),
    ("control_plane", "create", Dist),
    ("control_plane", "start", Dist),
    ("control_plane", "start_after_stop", Dist),
    ("control_plane", "stop_signal", Dist),
    ("control_plane", "health_report", Dist),
    ("control_plane", "next_slot", Dist),
    ("control_plane", "failure_report", Dist),
    ("control_plane", "parallel_start_slowdown", Number),
    ("control_plane", "docker_engine", Str),
    ("service", "replicas", Count),
    (
        "service",
        "mode",
        Choice(|| names(super::super::service_mode::MODES)),
    ),
    ("service", "resources", Section("resources")),
    ("service", "stop_grace_period", Duration),
    ("service", "terminationGracePeriodSeconds", Duration),
    ("service", "pre_stop", Duration),
    ("service", "versions", MapOf("version")),
    ("service", "nodeSelector", Labels),
    ("service", "affinity", Section("affinity")),
    ("service", "tolerations", ListOf("toleration")),
    (
        "service",
        "topologySpreadConstraints",
        ListOf("spread_constraint"),
    ),
    ("service", "placement", Section("placement")),
    ("service", "healthcheck", Section("healthcheck")),
    ("service", "readinessProbe", Section("probe")),
    ("service", "livenessProbe", Section("probe")),
    ("service", "startupProbe", Section("probe")),
    ("service", "restart", Section("restart")),
    ("service", "networks", Strings),
    ("service", "ports", ListOf("port")),
    ("port", "target", AnyOf(&[Count, Str])),
    ("port", "published", AnyOf(&[Count, Str])),
    ("port", "protocol", Choice(|| ports::PROTOCOLS.to_vec())),
    ("port", "mode", Choice(|| names(ports::MODES))),
    ("port", "containerPort", Count),
    ("port", "hostPort", Count),
    (
        "service",
        "podDisruptionBudget",
        Section("disruption_budget"),
    ),
    ("disruption_budget", "minAvailable", IntOrPercent),
    ("disruption_budget", "maxUnavailable", IntOrPercent),
    (
        "disruption_budget",
        "unhealthyPodEvictionPolicy",
        Choice(|| names(disruption_budget::POLICIES)),
    ),
    (
        "disruption_budget",
        "selects",
        Choice(|| names(disruption_budget::SELECTS)),
    ),
    ("version", "image", Str),
    ("version", "pull", Dist),
    ("version", "start", Dist),
    ("version", "ready_after", Dist),
    ("version", "crash_probability", Probability),
    ("version", "crash_after", Dist),
    ("version", "hang_after", Dist),
    ("version", "shutdown", Dist),
    ("version", "error_rate", Probability),
    ("version", "service_time", Dist),
    ("version", "capacity_rps", Number),
    ("healthcheck", "interval", Duration),
    ("healthcheck", "timeout", Duration),
    ("healthcheck", "retries", Count),
    ("healthcheck", "start_period", Duration),
    ("healthcheck", "start_interval", Duration),
    ("healthcheck", "flaky", Probability),
    ("probe", "initialDelaySeconds", Duration),
    ("probe", "periodSeconds", Duration),
    ("probe", "timeoutSeconds", Duration),
    ("probe", "successThreshold", Count),
    ("probe", "failureThreshold", Count),
    ("probe", "flaky", Probability),
    (
        "restart",
        "condition",
        Choice(|| names(health::RESTART_CONDITIONS)),
    ),
    ("restart", "delay", Duration),
    ("restart", "max_attempts", Count),
    ("traffic", "rps", Number),
    ("traffic", "profile", Section("profile")),
    ("traffic", "arrivals", Choice(|| names(traffic::ARRIVALS))),
    ("traffic", "balancer", Choice(|| names(traffic::BALANCERS))),
    ("traffic", "endpoint_propagation", Dist),
    ("traffic", "tick", Duration),
    ("traffic", "queue_limit", Count),
    ("traffic", "duration", Duration),
    ("traffic", "slo", AnyOf(&[Number, Section("slo")])),
    ("traffic", "retries", Section("retries")),
    ("profile", "step", ListOf("step")),
    ("profile", "diurnal", Section("diurnal")),
    ("profile", "file", Str),
    ("step", "at", Duration),
    ("step", "rps", Number),
    ("diurnal", "rps", Number),
    ("diurnal", "amplitude", Probability),
    ("diurnal", "period", Duration),
    ("diurnal", "peak_at", Duration),
    ("slo", "availability", Number),
    ("slo", "window", Duration),
    ("retries", "attempts", Count),
    ("retries", "retryOn", Str),
    ("faults", "node_failures", ListOf("node_failure")),
    ("faults", "node_mtbf", Duration),
    ("faults", "node_recovery", Dist),
    (
        "faults",
        "pull_failure_probability",
        AnyOf(&[Probability, Probabilities]),
    ),
    ("faults", "node_not_ready_after", Duration),
    ("faults", "eviction_after", Duration),
    ("node_failure", "at", Duration),
    ("node_failure", "node", AnyOf(&[Count, Str])),
    ("node_failure", "recover_after", DurationOrNever),
    ("faults", "node_drains", ListOf("node_drain")),
    ("node_drain", "at", Duration),
    ("node_drain", "node", AnyOf(&[Count, Str])),
    ("node_drain", "maintenance", DurationOrNever),
    ("distribution", "constant", Duration),
    ("distribution", "uniform", Section("uniform")),
    ("distribution", "normal", Section("normal")),
    ("distribution", "lognormal", Section("lognormal")),
    ("distribution", "exponential", Section("exponential")),
    ("distribution", "gamma", Section("shape_scale")),
    ("distribution", "weibull", Section("shape_scale")),
    ("distribution", "empirical", Section("empirical")),
    ("distribution", "mixture", ListOf("mixture_item")),
    ("uniform", "min", Duration),
    ("uniform", "max", Duration),
    ("normal", "mean", Duration),
    ("normal", "stddev", Duration),
    ("lognormal", "median", Duration),
    ("lognormal", "p99", Duration),
    ("lognormal", "mu", Number),
    ("lognormal", "sigma", Number),
    ("exponential", "mean", Duration),
    ("shape_scale", "shape", Number),
    ("shape_scale", "scale", Duration),
    ("empirical", "samples", Durations),
    ("empirical", "file", Str),
    ("empirical", "column", Str),
    ("mixture_item", "weight", Number),
    ("mixture_item", "dist", Dist),
];

/// The names of a parser's choice table.
pub(crate) fn names<T>(table: &[(&'static str, T)]) -> Vec<&'static str> {
    table.iter().map(|(n, _)| *n).collect()
}

/// The control-plane profiles.
fn profiles() -> Vec<&'static str> {
    control_plane::PROFILES.to_vec()
}
