//! A Rollout analysis's `dryRun` rules and its templates' `spec.dryRun` rules → the
//! scenario analysis block's `dryRun` (README "Analysis", docs/analysis.md).
//!
//! The controller builds one AnalysisRun from the Rollout's analysis block and the
//! templates it names (`argoproj/argo-rollouts` v1.10, 9f8d111, `rollout/analysis.go`
//! `newAnalysisRunFromRollout`, which calls `utils/analysis/helpers.go`
//! `NewAnalysisRunFromTemplates`). Its rules are the Rollout's own first, then those of
//! the `AnalysisTemplate`s, then those of the `ClusterAnalysisTemplate`s, each kind in the
//! order the references name them, a template named twice taken once
//! (`getAnalysisTemplatesFromRefs`, `FilterUniqueTemplates`, `FlattenTemplates`,
//! `mergeDryRunMetrics`). The import writes them in that order, as written.
//!
//! What upstream refuses, the import refuses at the rule's path:
//! - two rules with the same `metricName` anywhere in the joined list: `validateDryRunMetrics`
//!   returns an error, so `NewAnalysisRunFromTemplates` creates no AnalysisRun at all;
//! - a rule that matches no metric name of the run (Go's `regexp.MatchString`, anywhere in
//!   the name): `GetDryRunMetrics` fails the AnalysisRun (`analysis/analysis.go`,
//!   `reconcileAnalysisRun`); so does one that is not a regular expression, whose error
//!   `GetDryRunMetrics` ignores, counting it as no match;
//! - in a canary, a step's rule with the `metricName` of a rule of another analysis's
//!   templates, which Argo's validation joins with it ([`across_steps`]; the same for
//!   `measurementRetention`).
//!
//! What the import itself changes is the metric list: a metric it cannot measure, left out
//! with `--drop-unknown-metrics`, is still in the run upstream. A rule that matches only
//! such metrics is valid upstream, and would be refused by the scenario's parser (which,
//! as upstream, refuses a rule matching none of its block's metrics): it is left out with
//! its metrics and reported. Likewise a rule matching none of the metrics imported while
//! some of the run's metrics are not known to the import (a template's nested
//! `spec.templates`, not imported, or a reference that failed): it may match one of those
//! upstream, so it is reported, not refused.

use super::api_fields::{Api, Schema};
use super::argo_fields::DRY_RUN;
use super::context::Context;
use super::draft::{Draft, Src};
use super::library::Namespace;
use serde_json::{Value, json};

/// The metric names of one AnalysisRun, as the import knows them.
#[derive(Debug, Default)]
pub struct Names {
    /// The metrics written into the scenario block, in order.
    pub kept: Vec<String>,
    /// The metrics left out (`--drop-unknown-metrics`), still in the run upstream.
    pub left_out: Vec<String>,
    /// Why the run may hold metrics neither list names, if it may.
    pub unknown: Option<String>,
}

/// One `dryRun` list: the manifest node and the type of the object it is in (the Rollout's
/// or a template's, for the names of its fields).
pub struct List<'a> {
    /// The `dryRun` node.
    pub node: Src<'a>,
    /// Its object's schema.
    pub schema: Schema,
}

/// The rules of `lists` (in upstream order) for the scenario block at `to`: the rules that
/// match a metric kept, as written; `None` when there is none. Every other rule is
/// reported or refused, as the module says. `owner` names whose rules come first, for the
/// comment above them ("Rollout's", "experiment step's").
pub fn rules(
    lists: &[List],
    names: &Names,
    (to, owner): (&str, &str),
    d: &mut Draft,
) -> Option<Value> {
    let mut out = Vec::new();
    for list in lists {
        d.read(&list.node);
    }
    let distinct = distinct_rules(
        lists,
        DRY_RUN,
        "dryRun",
        "two Dry-Run metric rules have the same name",
        d,
    );
    for (rule, pattern) in distinct {
        let at = format!("{to}.dryRun.{}", out.len());
        if let Some(rule) = one(&rule, &pattern, names, d) {
            d.trace(&at, &rule);
            d.comment(&at, &format!("from {}", rule.path));
            out.push(json!({ "metricName": pattern }));
        }
    }
    if out.is_empty() {
        return None;
    }
    d.comment(
        &format!("{to}.dryRun"),
        &format!(
            "The {owner} dryRun rules, then its templates', joined as Argo Rollouts joins\n\
             them into one AnalysisRun: a metric a rule matches is measured and assessed but\n\
             never fails, pauses or ends the run."
        ),
    );
    Some(Value::Array(out))
}

/// The rules of `lists` (`field`'s, each an `item`), in order, whose fields are known and
/// whose `metricName` (a string) no earlier rule has, each with it; the others refused.
/// Upstream joins the lists into one AnalysisRun and refuses a repeated `metricName` with
/// the error `upstream` (`validateDryRunMetrics`, `validateMeasurementRetentionMetrics`),
/// creating no run.
pub fn distinct_rules<'a>(
    lists: &[List<'a>],
    item: Api,
    field: &str,
    upstream: &str,
    d: &mut Draft,
) -> Vec<(Src<'a>, String)> {
    let mut kept: Vec<(Src<'a>, String)> = Vec::new();
    for list in lists {
        if !list.node.value.is_array() {
            d.error(&list.node, "expected a list of `{metricName: REGEX}`");
            continue;
        }
        for rule in list.node.items() {
            if !d.known_names(&rule, list.schema.at(item)) {
                continue;
            }
            let Some(pattern) = rule.get("metricName").and_then(|p| p.str()) else {
                d.error(&rule, "expected `metricName: REGEX` (a string)");
                continue;
            };
            if let Some((earlier, _)) = kept.iter().find(|(_, p)| p == pattern) {
                d.error(
                    &rule,
                    format!(
                        "`{pattern}` is the metricName of {} too: Argo Rollouts refuses two \
                         {field} rules with one metricName in an AnalysisRun (\"{upstream}\") \
                         and creates none",
                        earlier.path
                    ),
                );
                continue;
            }
            let pattern = pattern.to_string();
            kept.push((rule, pattern));
        }
    }
    kept
}

/// The rule `rule` (its `metricName` is `pattern`), when it matches a metric kept; else
/// reported or refused, and `None`.
fn one<'a>(rule: &Src<'a>, pattern: &str, names: &Names, d: &mut Draft) -> Option<Src<'a>> {
    let Ok(re) = regex::Regex::new(pattern) else {
        d.error(
            rule,
            format!(
                "`{pattern}` is not a regular expression: Argo Rollouts matches no metric \
                 with it and fails the AnalysisRun (\"Rule didn't match any metric name(s)\")"
            ),
        );
        return None;
    };
    let matching = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|n| re.is_match(n))
            .map(|n| format!("`{n}`"))
            .collect()
    };
    if !matching(&names.kept).is_empty() {
        return Some(rule.clone());
    }
    let dropped = matching(&names.left_out);
    if !dropped.is_empty() {
        d.unsupported(
            rule,
            &format!(
                "`{pattern}` matches only {}, left out of the scenario: the rule is left out \
                 with {}",
                dropped.join(", "),
                if dropped.len() == 1 { "it" } else { "them" }
            ),
        );
        return None;
    }
    if let Some(why) = &names.unknown {
        d.unsupported(
            rule,
            &format!(
                "`{pattern}` matches none of the metrics imported; {why}, whose metrics it \
                 may match: the rule is left out"
            ),
        );
        return None;
    }
    let all: Vec<String> = names
        .kept
        .iter()
        .chain(&names.left_out)
        .map(|n| format!("`{n}`"))
        .collect();
    d.error(
        rule,
        format!(
            "`{pattern}` matches no metric name of the analysis ({}): Argo Rollouts fails \
             the AnalysisRun (\"Rule didn't match any metric name(s)\")",
            all.join(", ")
        ),
    );
    None
}

/// Argo's validation of a canary Rollout's references joins each step analysis's
/// `dryRun` (and `measurementRetention`) with the templates of every analysis of the Rollout, its own and the other
/// steps' and the background's (`pkg/apis/rollouts/validation/validation_references.go`
/// `ValidateAnalysisTemplatesWithType`, for each set `rollout/controller.go`
/// `getReferencedRolloutAnalyses` gives), and marks the Rollout `InvalidSpec` when that
/// makes two rules of one `metricName`. [`rules`] refuses that within the step's own
/// analysis; this refuses it against the others', at the step's rule, for the canary
/// `canary` (`spec.strategy.canary`). A template not found is refused elsewhere.
pub fn across_steps(canary: &Src, ctx: &Context, d: &mut Draft) {
    let steps = canary.get("steps").map(|s| s.items()).unwrap_or_default();
    let blocks: Vec<Src> = steps
        .iter()
        .filter_map(|s| s.get("analysis"))
        .chain(canary.get("analysis"))
        .collect();
    for field in ["dryRun", "measurementRetention"] {
        clashes(&blocks, field, ctx, d);
    }
}

/// The clashes [`across_steps`] refuses, of the rules of `field`, among the analysis
/// `blocks` of a canary.
fn clashes(blocks: &[Src], field: &str, ctx: &Context, d: &mut Draft) {
    let sets: Vec<(String, Vec<(String, String)>)> = blocks
        .iter()
        .map(|b| (b.path.clone(), template_rules(b, field, ctx)))
        .collect();
    for step in blocks.iter().filter(|b| b.path.contains(".steps.")) {
        let own = step.get(field).map(|r| r.items()).unwrap_or_default();
        for rule in own {
            let Some(pattern) = rule.get("metricName").and_then(|p| p.str()) else {
                continue;
            };
            let clash = sets.iter().find_map(|(at, rules)| {
                let other = *at != step.path;
                let t = rules.iter().find(|(p, _)| other && p == pattern)?;
                Some((at, &t.1))
            });
            if let Some((at, template)) = clash {
                d.error(
                    &rule,
                    format!(
                        "`{pattern}` is the metricName of a {field} rule of {template}, which \
                         {at} names: Argo Rollouts' validation joins every step analysis's \
                         {field} with the templates of each analysis of the Rollout, finds two \
                         rules with one metricName, and marks the Rollout InvalidSpec"
                    ),
                );
            }
        }
    }
}

/// The `(metricName, template)` of every rule of `field` of the templates `block` names,
/// each template once (`FilterUniqueTemplates`).
fn template_rules(block: &Src, field: &str, ctx: &Context) -> Vec<(String, String)> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let refs = block
        .get("templates")
        .map(|t| t.items())
        .unwrap_or_default();
    for r in refs {
        let cluster = r.get("clusterScope").and_then(|c| c.value.as_bool()) == Some(true);
        let (kind, ns) = if cluster {
            ("ClusterAnalysisTemplate", Namespace::Cluster)
        } else {
            ("AnalysisTemplate", ctx.own_namespace())
        };
        let Some(name) = r.get("templateName").and_then(|n| n.str()) else {
            continue;
        };
        let Ok(Some(found)) = ctx.lib.find(kind, name, ns) else {
            continue;
        };
        let shown = format!("{kind} {name}");
        if seen.contains(&shown) {
            continue;
        }
        let rules = found.doc.pointer(&format!("/spec/{field}"));
        let rules = rules.and_then(Value::as_array);
        for rule in rules.map(Vec::as_slice).unwrap_or_default() {
            if let Some(p) = rule.get("metricName").and_then(Value::as_str) {
                out.push((p.to_string(), shown.clone()));
            }
        }
        seen.push(shown);
    }
    out
}

#[cfg(test)]
mod tests {
    /// The departure docs/import.md names: Go's RE2 takes `\Q…\E` quoting
    /// (`regexp/syntax`), the simulator's `regex` crate refuses it; Unicode `\d`.
    #[test]
    fn go_quoting_is_refused_and_digits_are_unicode() {
        // Built at run time: clippy refuses an invalid literal pattern.
        let quoted = ["\\Q", "a.b", "\\E"].concat();
        assert!(regex::Regex::new(&quoted).is_err());
        assert!(regex::Regex::new(r"^\d$").unwrap().is_match("٣"));
    }
}
