//! Which fields the JSON Schema marks `required`: those the parser reads with
//! `Obj::required` (its "missing field `x`" problem), by section, and the few it requires
//! only with another field (`version` with `rollout: update`, `column` with `file`,
//! Flagger's and Argo's routes' `matchShare` with `match`) or in
//! one of two sets (`lognormal`'s `{median, p99}` or `{mu, sigma}`, `traffic`'s `rps` or
//! `profile`, `empirical`'s `samples` or `file`, a port's `target` or `containerPort`).
//!
//! The parser states these in its code rather than in a field list, so this table is
//! checked against it: a test removes each field of scenarios that give every field and
//! asserts that the parser says "missing" exactly where the schema says `required`
//! (`tests/integration/schema.rs`).

use serde_json::{Value, json};

/// The fields each section must give, whatever else it gives.
const ALWAYS: &[(&str, &[&str])] = &[
    ("action", &["at"]),
    ("cluster_autoscaler", &["max_nodes", "provision"]),
    ("taint", &["key", "effect"]),
    ("match_expression", &["key", "operator"]),
    (
        "spread_constraint",
        &["maxSkew", "topologyKey", "whenUnsatisfiable"],
    ),
    ("pod_affinity_term", &["topologyKey"]),
    ("preference", &["spread"]),
    ("background_analysis", &["metrics"]),
    ("analysis", &["metrics"]),
    ("analysis_metric", &["name", "provider"]),
    ("rollout_sim_metric", &["metric"]),
    ("judge", &["algorithm", "threshold", "metrics"]),
    ("judge_threshold", &["pass", "marginal"]),
    ("judge_metric", &["metric"]),
    ("flagger", &["analysis"]),
    ("flagger_analysis", &["interval", "threshold"]),
    ("flagger_metric", &["name"]),
    ("flagger_webhook", &["name", "url"]),
    ("step", &["at", "rps"]),
    ("diurnal", &["rps"]),
    ("slo", &["availability"]),
    ("retries", &["attempts"]),
    ("replica_progress_threshold", &["type", "value"]),
    ("experiment", &["templates"]),
    ("experiment_template", &["name", "specRef"]),
    ("experiment_analysis", &["name", "metrics"]),
    ("node_failure", &["at", "node"]),
    ("node_drain", &["at", "node"]),
    ("uniform", &["min", "max"]),
    ("normal", &["mean", "stddev"]),
    ("exponential", &["mean"]),
    ("shape_scale", &["shape", "scale"]),
    ("mixture_item", &["weight", "dist"]),
    ("managed_route", &["name"]),
    ("dry_run", &["metricName"]),
    ("set_header_route", &["name"]),
    ("set_mirror_route", &["name"]),
    ("header_route_match", &["headerName", "headerValue"]),
];

/// Adds to the schema of section `name` the fields it requires.
pub fn mark(name: &str, section: &mut Value) {
    if let Some((_, keys)) = ALWAYS.iter().find(|(s, _)| *s == name) {
        section["required"] = json!(keys);
    }
    match name {
        // `rollout: update` installs the version it names.
        "action" => {
            section["if"] = json!({"required": ["rollout"],
                                   "properties": {"rollout": {"enum": ["update"]}}});
            section["then"] = json!({"required": ["version"]});
        }
        // A port names the container's: compose's `target` (Swarm) or `containerPort`
        // (the kubelet; which one goes with the strategy is `orchestrators`' rule).
        "port" => {
            section["anyOf"] = json!([{"required": ["target"]}, {"required": ["containerPort"]}]);
        }
        // Samples, listed or from a file; a file's name the column to read.
        "empirical" => {
            section["anyOf"] = json!([{"required": ["samples"]}, {"required": ["file"]}]);
            section["if"] = json!({"required": ["file"]});
            section["then"] = json!({"required": ["column"]});
        }
        // A/B `match` conditions, or an Argo route's, with the share of requests they select.
        "flagger_analysis" | "set_header_route" | "set_mirror_route" => {
            section["if"] = json!({"required": ["match"]});
            section["then"] = json!({"required": ["matchShare"]});
        }
        // A request rate, constant or a profile (both at once is the parser's to refuse).
        "traffic" => {
            section["anyOf"] = json!([{"required": ["rps"]}, {"required": ["profile"]}]);
        }
        // Either quantiles or the underlying normal's parameters, each pair whole.
        "lognormal" => {
            section["anyOf"] = json!([{"required": ["median", "p99"]},
                                      {"required": ["mu", "sigma"]}]);
        }
        _ => {}
    }
}

/// The keys the map at `section.field` must hold, when it is a map of free keys the parser
/// requires some of: a service's `versions` are `current` and `next`.
pub fn keys_of(section: &str, field: &str) -> Option<&'static [&'static str]> {
    match (section, field) {
        ("service", "versions") => Some(&["current", "next"]),
        _ => None,
    }
}
