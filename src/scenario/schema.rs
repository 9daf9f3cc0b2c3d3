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
//!
//! The field type table is in `field_types`, the walk of a `--set` path through it in
//! `paths`; this file builds the schema from them.

use super::schema_required as required;
use super::{cluster, disruption_budget, placement, service, strategy};
use super::{control_plane, convert, distribution_parse as dist, faults, health, traffic};
use super::{foreign_fields, placement_foreign, ports, retries};
use crate::cluster::runtime::RuntimeKind;
use crate::strategy::registry;
use serde_json::{Map, Value, json};

mod field_types;
mod paths;
use Ty::*;
pub(crate) use field_types::names;
pub use field_types::{TYPES, Ty, expected, is_list, types};
pub use paths::{type_at, with_a_key_left_out};

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
        (
            "pod_anti_affinity",
            list(placement::POD_ANTI_AFFINITY_FIELDS),
        ),
        (
            "pod_affinity_term",
            list(placement::POD_AFFINITY_TERM_FIELDS),
        ),
        ("node_selector", list(placement::SELECTOR_FIELDS)),
        ("node_selector_term", list(placement::TERM_FIELDS)),
        ("match_expression", list(placement::EXPRESSION_FIELDS)),
        ("spread_constraint", list(placement::SPREAD_FIELDS)),
        ("placement", list(placement::SWARM_FIELDS)),
        ("preference", list(placement::PREFERENCE_FIELDS)),
        ("resources", list(service::RESOURCE_FIELDS)),
        ("control_plane", control_plane::fields()),
        (
            "cluster_autoscaler",
            list(super::cluster_autoscaler::FIELDS),
        ),
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
/// Sections in which exactly one field is given.
const EXACTLY_ONE: [&str; 3] = ["strategy", "profile", "distribution"];
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
