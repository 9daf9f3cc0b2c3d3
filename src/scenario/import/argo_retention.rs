//! A Rollout analysis's `measurementRetention` rules and its templates': reported, since
//! a rule only bounds how many measurements of a metric the AnalysisRun keeps in its
//! status (`argoproj/argo-rollouts` v1.10, 9f8d111, `analysis/analysis.go`
//! `garbageCollectMeasurements`), which nothing simulated reads; but checked first, since
//! an invalid rule does change the run.
//!
//! The rules are joined as the `dryRun` rules are ([`super::argo_dry_run`]; `utils/analysis/
//! helpers.go` `FlattenTemplates`, `mergeMeasurementRetentionMetrics`), and upstream:
//! - refuses two with one `metricName` (`validateMeasurementRetentionMetrics`), so that no
//!   AnalysisRun is created;
//! - errors the AnalysisRun on a rule that matches no metric name of the run, or that is no
//!   regular expression (`GetMeasurementRetentionMetrics`, called by
//!   `reconcileAnalysisRun`), which the Rollout takes as a failed analysis.
//!
//! The import refuses those at the rule's path, as it refuses such `dryRun` rules.

use super::argo_dry_run::{List, Names, distinct_rules};
use super::argo_fields::MEASUREMENT_RETENTION;
use super::draft::Draft;

/// Checks the rules of `lists` (in upstream order) against the run's metric `names`, then
/// reports each list as not simulated.
pub fn rules(lists: &[List], names: &Names, d: &mut Draft) {
    let all: Vec<&String> = names.kept.iter().chain(&names.left_out).collect();
    let distinct = distinct_rules(
        lists,
        MEASUREMENT_RETENTION,
        "measurementRetention",
        "two Measurement Retention metric rules have the same name",
        d,
    );
    for (rule, pattern) in distinct {
        let Ok(re) = regex::Regex::new(&pattern) else {
            d.error(
                &rule,
                format!(
                    "`{pattern}` is not a regular expression: Argo Rollouts matches no \
                     metric with it and errors the AnalysisRun (\"Rule didn't match any \
                     metric name(s)\"), which the Rollout takes as a failed analysis"
                ),
            );
            continue;
        };
        let matched = all.iter().any(|n| re.is_match(n));
        // Where the run may hold metrics the import does not know, a rule matching none
        // it knows may match one of those.
        if !matched && names.unknown.is_none() {
            let listed: Vec<String> = all.iter().map(|n| format!("`{n}`")).collect();
            d.error(
                &rule,
                format!(
                    "`{pattern}` matches no metric name of the analysis ({}): Argo Rollouts \
                     errors the AnalysisRun (\"Rule didn't match any metric name(s)\"), and \
                     the Rollout takes it as a failed analysis",
                    listed.join(", ")
                ),
            );
        }
    }
    for list in lists {
        d.unsupported(
            &list.node,
            "it bounds how many measurements an AnalysisRun keeps in its status, which \
             nothing simulated reads",
        );
    }
}
