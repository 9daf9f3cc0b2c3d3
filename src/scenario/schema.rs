//! The JSON Schema (draft 2020-12) of the scenario format, for editors
//! (`# yaml-language-server: $schema=…`) and other tools.
//!
//! Built from the parser's own field lists: each section's `FIELDS` constant gives the
//! `properties` of its schema, and [`TYPES`] gives each field's type. A unit test checks
//! that [`TYPES`] names exactly the fields of every list, so a field added to the parser
//! without a type (or a type left for a removed field) fails the build's tests. Every
//! section has `additionalProperties: false`: a misspelt field is refused by the schema as
//! by the parser. Choice fields list the values of the parser's own tables (`ORDERS`, …).
//! Durations and quantities written as strings carry the parser's own syntax as a
//! `pattern` (`scenario::duration::pattern`, `scenario::quantity::pattern`); the fields the
//! parser requires are `required` (`scenario::schema_required`). Values are otherwise
//! checked by type and range only; of the parser's cross-field rules,
//! only which orchestrator's fields go with the strategy is expressed ([`orchestrators`]:
//! an `if` on the strategy's key, from the registry, and the fields the parser refuses
//! with it, from its own lists); the others (`maxSurge` and `maxUnavailable` not both 0,
//! …) are not.

use super::disruption_budget;
use super::schema_required as required;
use super::traffic;
use super::{cluster, control_plane, convert, distribution_parse as dist, faults, health};
use super::{foreign_fields, placement, placement_foreign, ports, retries, service, strategy};
use crate::cluster::runtime::RuntimeKind;
use crate::strategy::registry;
use serde_json::{Map, Value, json};

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

/// The sections: `$defs` name and the parser's field list.
pub fn sections() -> Vec<(&'static str, Vec<&'static str>)> {
    let list = |f: &[&'static str]| f.to_vec();
    let mut out = vec![
        ("scenario", list(convert::FIELDS)),
        ("action", list(convert::ACTION_FIELDS)),
        ("cluster", list(cluster::FIELDS)),
        ("node", list(cluster::NODE_FIELDS)),
        ("node_template", list(cluster::TEMPLATE_FIELDS)),
        ("taint", list(placement::TAINT_FIELDS)),
        ("toleration", list(placement::TOLERATION_FIELDS)),
        ("affinity", list(placement::AFFINITY_FIELDS)),
        ("node_affinity", list(placement::NODE_AFFINITY_FIELDS)),
        ("node_selector", list(placement::SELECTOR_FIELDS)),
        ("node_selector_term", list(placement::TERM_FIELDS)),
        ("match_expression", list(placement::EXPRESSION_FIELDS)),
        ("spread_constraint", list(placement::SPREAD_FIELDS)),
        ("placement", list(placement::SWARM_FIELDS)),
        ("preference", list(placement::PREFERENCE_FIELDS)),
        ("resources", list(service::RESOURCE_FIELDS)),
        ("control_plane", control_plane::fields()),
        ("service", list(service::FIELDS)),
        ("version", list(service::VERSION_FIELDS)),
        ("healthcheck", list(health::HEALTHCHECK_FIELDS)),
        ("probe", list(health::PROBE_FIELDS)),
        ("restart", list(health::RESTART_FIELDS)),
        ("disruption_budget", list(disruption_budget::FIELDS)),
        ("port", list(ports::PORT_FIELDS)),
        ("strategy", list(strategy::FIELDS)),
    ];
    // Each strategy's sections, from its registry entry, in registration order.
    out.extend(
        registry::schema_sections()
            .into_iter()
            .map(|(name, fields)| (name, list(fields))),
    );
    out.extend([
        ("traffic", list(traffic::FIELDS)),
        ("profile", list(traffic::PROFILE_FIELDS)),
        ("step", list(traffic::STEP_FIELDS)),
        ("diurnal", list(traffic::DIURNAL_FIELDS)),
        ("slo", list(traffic::SLO_FIELDS)),
        ("retries", list(retries::FIELDS)),
        ("faults", list(faults::FIELDS)),
        ("node_failure", list(faults::NODE_FAILURE_FIELDS)),
        ("node_drain", list(faults::NODE_DRAIN_FIELDS)),
        ("distribution", list(dist::KINDS)),
        ("uniform", list(dist::UNIFORM_FIELDS)),
        ("normal", list(dist::NORMAL_FIELDS)),
        ("lognormal", list(dist::LOGNORMAL_FIELDS)),
        ("exponential", list(dist::EXPONENTIAL_FIELDS)),
        ("shape_scale", list(dist::SHAPE_SCALE_FIELDS)),
        ("empirical", list(dist::EMPIRICAL_FIELDS)),
        ("mixture_item", list(dist::MIXTURE_FIELDS)),
    ]);
    out
}

/// The type of the field at `path` (the keys of a `--set` path, item numbers included),
/// as far as the schema tells: `None` for a path it does not know or that goes inside a
/// value it does not describe field by field (a distribution, labels).
pub fn type_at(path: &[String]) -> Option<Ty> {
    Some(walk(path)?.1)
}

/// The walk of `path` through the schema: whether each key was found by its name (a
/// section's field, or a list's item number) rather than taken as any key of a map, and
/// the type at its end.
fn walk(path: &[String]) -> Option<(Vec<bool>, Ty)> {
    let types = types();
    let mut ty = Section("scenario");
    let mut named = Vec::with_capacity(path.len());
    let mut rest = path;
    while let Some((key, tail)) = rest.split_first() {
        let numbered = key.parse::<usize>().is_ok();
        ty = match ty {
            Section(section) => types.iter().find(|(s, f, _)| *s == section && f == key)?.2,
            ListOf(item) if numbered => Section(item),
            Strings if numbered => Str,
            Durations if numbered => Duration,
            Counts if numbered => Count,
            MapOf(item) => {
                named.push(false);
                rest = tail;
                ty = Section(item);
                continue;
            }
            AnyOf(alternatives) => {
                // The alternative a further key can enter: an item number a list, a
                // name a section.
                let fits = |t: &Ty| match t {
                    ListOf(_) | Strings | Durations | Counts => numbered,
                    Section(_) | MapOf(_) => !numbered,
                    _ => false,
                };
                ty = *alternatives.iter().find(|t| fits(t))?;
                continue;
            }
            _ => return None,
        };
        named.push(true);
        rest = tail;
    }
    Some((named, ty))
}

/// Where a path the schema does not know was likely meant to go: the known paths made by
/// inserting one section field the user left out (`strategy.swarm.parallelism` →
/// `strategy.swarm.update_config.parallelism`), each key from the inserted one on found by
/// its name (so any unknown key is not "inside" a map of names). At most three, in schema
/// order.
pub fn with_a_key_left_out(path: &[String]) -> Vec<Vec<String>> {
    if walk(path).is_some() {
        return Vec::new();
    }
    let types = types();
    let mut out = Vec::new();
    for at in 0..path.len() {
        let Some((_, Section(section))) = walk(&path[..at]) else {
            continue;
        };
        for (_, field, _) in types.iter().filter(|(s, ..)| *s == section) {
            let mut candidate = path[..at].to_vec();
            candidate.push(field.to_string());
            candidate.extend_from_slice(&path[at..]);
            if walk(&candidate).is_some_and(|(named, _)| named[at..].iter().all(|n| *n)) {
                out.push(candidate);
            }
        }
    }
    out.truncate(3);
    out
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
        Duration | DurationOrNever => super::duration::EXPECTED,
        Dist => dist::EXPECTED,
        Cpu => super::quantity::CPU_EXPECTED,
        Memory => super::quantity::MEMORY_EXPECTED,
        Count => "a non-negative integer",
        Number => "a number",
        Probability => "a number from 0 to 1",
        _ => return None,
    })
}

/// Sections in which exactly one field is given.
const EXACTLY_ONE: [&str; 3] = ["strategy", "profile", "distribution"];

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
        Choice(|| names(super::service_mode::MODES)),
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

/// The schema of `ty`.
fn schema_of(ty: Ty) -> Value {
    let def = |name: &str| json!({"$ref": format!("#/$defs/{name}")});
    match ty {
        Duration => def("duration"),
        DurationOrNever => json!({"anyOf": [def("duration"), never()]}),
        Dist => json!({"anyOf": [def("duration"), never(), def("distribution")]}),
        Cpu => quantity(false),
        Memory => quantity(true),
        Count => json!({"type": "integer", "minimum": 0}),
        Number => json!({"type": "number"}),
        Probability => json!({"type": "number", "minimum": 0, "maximum": 1}),
        Bool => json!({"type": "boolean"}),
        Str => json!({"type": "string"}),
        Choice(names) => json!({"enum": names()}),
        Strings => json!({"type": "array", "items": {"type": "string"}}),
        Durations => json!({"type": "array", "items": def("duration")}),
        Counts => json!({"type": "array", "items": {"type": "integer", "minimum": 0}}),
        IntOrPercent => json!({"anyOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "pattern": "^[0-9]+%$"}
        ]}),
        Section(name) => json!({"anyOf": [def(name), {"type": "null"}]}),
        ListOf(name) => json!({"type": "array", "items": def(name)}),
        MapOf(name) => json!({"type": "object", "additionalProperties": {
            "anyOf": [def(name), {"type": "null"}]}}),
        Probabilities => json!({"type": "object",
            "additionalProperties": schema_of(Probability)}),
        Labels => json!({"type": "object", "additionalProperties": {
            "type": ["string", "null"]}}),
        Axes => json!({"type": "object", "additionalProperties": {"type": "array"}}),
        AnyOf(tys) => json!({"anyOf": tys.iter().map(|t| schema_of(*t)).collect::<Vec<_>>()}),
    }
}

/// `never` as the parser reads it: the string trimmed.
fn never() -> Value {
    json!({"type": "string",
           "pattern": format!("^{ws}*never{ws}*$", ws = super::duration::WHITESPACE)})
}

/// A cpu (or `memory`) quantity: a number, or a string of the parser's syntax
/// (`scenario::quantity::pattern`).
fn quantity(memory: bool) -> Value {
    json!({"type": ["number", "string"], "minimum": 0,
           "pattern": super::quantity::pattern(memory)})
}

/// Which orchestrator's fields go with the strategy, as the parser decides it: for each
/// container runtime, `if` the scenario's strategy is one on it (the default strategy's
/// when there is no `strategy`), `then` the other orchestrator's fields are refused — the
/// placement fields of the other scheduler ([`registry::scheduler_of`], so Argo Rollouts
/// and Flagger go with Kubernetes), its health, restart and node-lifecycle fields and, on
/// the kubelet, Docker's control-plane phases. A field the parser takes as absent when
/// `null` may be `null`.
pub fn orchestrators() -> Value {
    let runtimes = [RuntimeKind::Docker, RuntimeKind::Kubelet];
    let default = registry::RUNTIMES[0].1;
    let rules: Vec<Value> = runtimes
        .iter()
        .map(|&runtime| {
            let keys: Vec<&str> = registry::RUNTIMES
                .iter()
                .filter(|(_, r)| *r == runtime)
                .map(|(k, _)| *k)
                .collect();
            let one_of = keys.iter().map(|k| json!({"required": [k]})).collect();
            let mut on = json!({"required": ["strategy"], "properties": {"strategy":
                {"type": "object", "anyOf": Value::Array(one_of)}}});
            if runtime == default {
                on = json!({"anyOf": [on, {"properties": {"strategy": {"type": "null"}}}]});
            }
            let mut refused = json!({});
            let absent = json!(false);
            let null = json!({"type": "null"});
            for &(section, field, _) in foreign_fields::foreign(runtime) {
                refuse(&mut refused, &[section, field], &absent);
            }
            let (service, node) = placement_foreign::foreign(registry::scheduler_of(runtime));
            for field in service {
                refuse(&mut refused, &["service", field], &null);
            }
            for field in node {
                refuse(&mut refused, &["cluster", "node", field], &null);
                refuse(&mut refused, &["cluster", "nodes", "*", field], &null);
            }
            for field in ports::foreign_port_fields(runtime) {
                refuse(&mut refused, &["service", "ports", "*", field], &absent);
            }
            if runtime == RuntimeKind::Kubelet {
                for field in foreign_fields::docker_control_plane_fields() {
                    refuse(&mut refused, &["cluster", "control_plane", field], &null);
                }
            }
            let (who, other) = match runtime {
                RuntimeKind::Docker => ("swarmkit places the tasks", "Kubernetes'"),
                RuntimeKind::Kubelet => ("kube-scheduler places the pods", "Docker Swarm's"),
            };
            let named = match keys.split_last() {
                Some((last, [])) => last.to_string(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => String::new(),
            };
            let or_none = if runtime == default { " or none" } else { "" };
            json!({
                "description": format!(
                    "With strategy {named}{or_none} ({who}), {other} fields are refused"
                ),
                "if": on,
                "then": refused,
            })
        })
        .collect();
    Value::Array(rules)
}

/// Sets the schema of the field at `path` under `rule` (`*`: every item of a list) to
/// `leaf`, creating the `properties` / `items` above it.
fn refuse(rule: &mut Value, path: &[&str], leaf: &Value) {
    let Some((last, above)) = path.split_last() else {
        return;
    };
    let mut at = rule;
    for key in above {
        at = if *key == "*" {
            &mut at["items"]
        } else {
            &mut at["properties"][*key]
        };
        if at.is_null() {
            *at = json!({});
        }
    }
    at["properties"][*last] = leaf.clone();
}

/// The JSON Schema of a scenario file.
pub fn schema() -> Value {
    let mut defs = Map::new();
    defs.insert(
        "duration".into(),
        json!({"description": "a number of seconds, or \"250ms\", \"10s\", \"1m30s\", \"2h\"",
               "type": ["number", "string"], "minimum": 0,
               "pattern": super::duration::pattern()}),
    );
    let mut root = Map::new();
    let types = types();
    for (name, fields) in sections() {
        let mut properties = Map::new();
        for field in fields {
            let mut ty = types
                .iter()
                .find(|(s, f, _)| *s == name && *f == field)
                .map_or(json!({}), |(_, _, ty)| schema_of(*ty));
            if let Some(keys) = required::keys_of(name, field) {
                ty["required"] = json!(keys);
            }
            properties.insert(field.to_string(), ty);
        }
        let mut section = json!({"type": "object", "properties": properties,
                                 "additionalProperties": false});
        if EXACTLY_ONE.contains(&name) {
            section["minProperties"] = json!(1);
            section["maxProperties"] = json!(1);
        }
        required::mark(name, &mut section);
        if name == "scenario" {
            root = section.as_object().cloned().unwrap_or_default();
        } else {
            defs.insert(name.to_string(), section);
        }
    }
    let mut schema = Map::new();
    schema.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    schema.insert("title".into(), json!("rollout-sim scenario"));
    schema.append(&mut root);
    schema.insert("required".into(), json!(["service"]));
    schema.insert("allOf".into(), orchestrators());
    schema.insert("$defs".into(), Value::Object(defs));
    Value::Object(schema)
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
