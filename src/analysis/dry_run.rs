//! An analysis block's `dryRun` rules: which metrics run in dry-run mode, after
//! `argoproj/argo-rollouts` v1.10 (9f8d111) `utils/analysis/helpers.go`
//! (`GetDryRunMetrics`, `validateDryRunMetrics`). What dry-run mode does to a run is
//! [`super::run`]'s (`assessRunStatus`, `IsTerminating`).

use super::spec::MetricSpec;
use crate::scenario::walk::Node;

/// Fields of one `dryRun[]` rule.
pub const DRY_RUN_FIELDS: &[&str] = &["metricName"];

/// `dryRun: [{metricName}]`: each rule a regular expression that must match (anywhere in
/// it) the name of at least one metric (`utils/analysis/helpers.go:GetDryRunMetrics`,
/// whose error fails the AnalysisRun). `complete`: `metrics` holds every metric of the
/// block; when one was refused, a rule matching none of the others is not told, as it may
/// match the refused one.
pub fn parse(node: &Node, metrics: &[MetricSpec], complete: bool) -> Option<Vec<bool>> {
    let mut dry = vec![false; metrics.len()];
    let mut seen: Vec<String> = Vec::new();
    for rule in node.list()? {
        let Some(o) = rule.object(DRY_RUN_FIELDS) else {
            continue;
        };
        let Some(pattern) = o.required("metricName", Node::string) else {
            continue;
        };
        // `validateDryRunMetrics`: one rule per metricName.
        if seen.contains(&pattern) {
            rule.problem(format!(
                "`{pattern}` is given twice: Argo Rollouts refuses a repeated metricName"
            ));
            continue;
        }
        seen.push(pattern.clone());
        let re = match regex::Regex::new(&pattern) {
            Ok(re) => re,
            Err(e) => {
                if let Some(n) = o.get("metricName") {
                    n.problem(format!("is not a regular expression: {e}"));
                }
                continue;
            }
        };
        let mut matched = false;
        for (m, d) in metrics.iter().zip(&mut dry) {
            if re.is_match(&m.name) {
                *d = true;
                matched = true;
            }
        }
        if !matched && complete {
            let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
            rule.problem(format!(
                "`{pattern}` matches no metric name ({}): Argo Rollouts fails the \
                 AnalysisRun (\"Rule didn't match any metric name(s)\")",
                names.join(", ")
            ));
        }
    }
    Some(dry)
}
