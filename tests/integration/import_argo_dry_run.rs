//! `rollout-sim import` of Argo Rollouts' `dryRun`, on `tests/manifests/argo-dry-run.yaml`
//! and variants of it. The rules are `argoproj/argo-rollouts` v1.10's (9f8d111):
//! `rollout/analysis.go` `newAnalysisRunFromRollout` and `getAnalysisTemplatesFromRefs`
//! give `utils/analysis/helpers.go` `NewAnalysisRunFromTemplates` the Rollout's rules and
//! the templates (AnalysisTemplates, then ClusterAnalysisTemplates, each once); it joins
//! the rules in that order (`FlattenTemplates`, `mergeDryRunMetrics`) and refuses two with
//! one `metricName` (`validateDryRunMetrics`); `GetDryRunMetrics` fails the run on a rule
//! that matches no metric name (Go's `regexp.MatchString`, anywhere in the name).

use super::import::{import, import_error, unsupported};
use super::import_argo::{read, rollout};
use super::import_files::imported;
use super::import_flagger_load_tests::{import_to, run5};
use crate::support::manifest;
use rollout_sim::scenario::Format;
use rollout_sim::scenario::import::import_str;
use rollout_sim::scenario::rollout::RolloutKind;
use serde_json::json;

/// The fixture with `from` replaced by `to` (once).
fn variant(from: &str, to: &str) -> String {
    let text = read("argo-dry-run.yaml");
    assert_eq!(text.matches(from).count(), 1, "`{from}`");
    text.replace(from, to)
}

/// The Rollout's background rules.
const BACKGROUND_RULES: &str = "        dryRun:\n          - metricName: ^latency-\n";

/// The template `rates`' rules.
const RATES_RULES: &str = "  dryRun:\n    - metricName: strict\n";

/// The background run: the Rollout's `^latency-`, then the AnalysisTemplate `rates`'
/// `strict`, then the ClusterAnalysisTemplate `latency`'s `p99$`, though the Rollout
/// names `latency` first; the step run: the step's `success`, then `rates`' `strict`.
/// Written as they are, each with the path it came from; nothing reported. Loaded back,
/// the rules mark `latency-p99` and `error-rate-strict` in the background run (`^latency-`
/// and `p99$` both match the first), `error-rate-strict` and `success-rate` in the step's.
#[test]
fn the_rules_are_joined_in_upstream_order() {
    let text = read("argo-dry-run.yaml");
    let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
    let imported = found.candidates[0].outcome.clone().unwrap();
    let canary = &imported.tree["strategy"]["canary"];
    assert_eq!(
        canary["analysis"]["dryRun"],
        json!([{"metricName": "^latency-"}, {"metricName": "strict"}, {"metricName": "p99$"}])
    );
    assert_eq!(
        canary["steps"][2]["analysis"]["dryRun"],
        json!([{"metricName": "success"}, {"metricName": "strict"}])
    );
    let background =
        "      # The Rollout's dryRun rules, then its templates', joined as Argo Rollouts joins
      # them into one AnalysisRun: a metric a rule matches is measured and assessed but
      # never fails, pauses or ends the run.
      dryRun:
        # from spec.strategy.canary.analysis.dryRun.0
        - metricName: \"^latency-\"
        # from AnalysisTemplate rates.spec.dryRun.0
        - metricName: strict
        # from ClusterAnalysisTemplate latency.spec.dryRun.0
        - metricName: \"p99$\"
";
    let step = "          dryRun:
            # from spec.strategy.canary.steps.2.analysis.dryRun.0
            - metricName: success
            # from AnalysisTemplate rates.spec.dryRun.0
            - metricName: strict
      - setWeight: 60
";
    for block in [background, step] {
        assert!(imported.text.contains(block), "{}", imported.text);
    }
    let (s, found) = import(&text);
    assert!(unsupported(&found).is_empty(), "{:?}", unsupported(&found));
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!("not a canary")
    };
    let spec = &c.analysis.as_ref().unwrap().spec;
    let names: Vec<&str> = spec.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "latency-p99",
            "error-rate",
            "error-rate-strict",
            "success-rate"
        ]
    );
    assert_eq!(spec.dry_run, [true, false, true, false]);
    assert_eq!(c.step_analyses[0].dry_run, [false, true, true]);
}

/// A rule of the Rollout with the `metricName` of a template's rule: upstream creates no
/// AnalysisRun (`validateDryRunMetrics`), so the import refuses the later one, naming the
/// earlier. Two in one template are refused alike.
#[test]
fn a_duplicate_metric_name_is_refused() {
    let text = variant(
        BACKGROUND_RULES,
        "        dryRun:\n          - metricName: strict\n",
    );
    assert_eq!(
        import_error(&text),
        [
            "AnalysisTemplate rates.spec.dryRun.0: `strict` is the metricName of \
          spec.strategy.canary.analysis.dryRun.0 too: Argo Rollouts refuses two dryRun rules \
          with one metricName in an AnalysisRun (\"two Dry-Run metric rules have the same \
          name\") and creates none"
        ]
    );
    let text = variant(
        RATES_RULES,
        "  dryRun:\n    - metricName: strict\n    - metricName: strict\n",
    );
    let refused = import_error(&text);
    // Once for each run that joins `rates`' rules: the background's and the step's.
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with(
            "AnalysisTemplate rates.spec.dryRun.1: `strict` is the metricName of \
             AnalysisTemplate rates.spec.dryRun.0 too"
        ),
        "{refused:?}"
    );
}

/// A rule that matches no metric of the run, even upstream, fails the AnalysisRun there
/// (`GetDryRunMetrics`): refused, with the metric names it was matched against; so is one
/// that is no regular expression, which `GetDryRunMetrics` counts as no match.
#[test]
fn a_rule_matching_no_metric_is_refused() {
    let text = variant(
        BACKGROUND_RULES,
        "        dryRun:\n          - metricName: ^p50\n",
    );
    assert_eq!(
        import_error(&text),
        [
            "spec.strategy.canary.analysis.dryRun.0: `^p50` matches no metric name of the \
          analysis (`latency-p99`, `error-rate`, `error-rate-strict`, `success-rate`): Argo \
          Rollouts fails the AnalysisRun (\"Rule didn't match any metric name(s)\")"
        ]
    );
    let text = variant(
        BACKGROUND_RULES,
        "        dryRun:\n          - metricName: 'latency-(p99'\n",
    );
    assert_eq!(
        import_error(&text),
        [
            "spec.strategy.canary.analysis.dryRun.0: `latency-(p99` is not a regular \
          expression: Argo Rollouts matches no metric with it and fails the AnalysisRun \
          (\"Rule didn't match any metric name(s)\")"
        ]
    );
    // A misspelt field of a rule is refused as any other.
    let text = variant(
        BACKGROUND_RULES,
        "        dryRun:\n          - metricNme: ^latency-\n",
    );
    let refused = import_error(&text);
    assert!(
        refused[0].starts_with(
            "spec.strategy.canary.analysis.dryRun.0.metricNme: unknown field `metricNme`; \
             did you mean `metricName`?"
        ),
        "{refused:?}"
    );
}

/// A metric `--drop-unknown-metrics` leaves out is still in the AnalysisRun upstream, so
/// a rule that matches only it is valid there: left out with it and reported, the rules
/// matching a metric kept written as before. A rule matching nothing imported while a
/// template's nested `spec.templates` (not imported) may hold what it matches is
/// reported too, not refused.
#[test]
fn a_rule_of_metrics_left_out_is_left_out_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let text = variant(
        "            dryRun:\n              - metricName: success\n",
        "            dryRun:\n              - metricName: success\n              - metricName: ^web\n",
    )
    .replace(
        "  metrics:\n    - name: error-rate\n",
        "  metrics:\n    - name: web-ok\n      count: 1\n      provider:\n        web:\n          \
         url: http://payments/health\n    - name: error-rate\n",
    );
    std::fs::write(dir.path().join("r.yaml"), &text).unwrap();
    let (yaml, err) = imported(dir.path(), &["r.yaml", "--drop-unknown-metrics"]);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("not simulated: ") && l.contains("dryRun"))
        .collect();
    assert_eq!(
        lines,
        ["not simulated: r.yaml (Argo Rollout payments): \
          spec.strategy.canary.steps.2.analysis.dryRun.1: `^web` matches only `web-ok`, left \
          out of the scenario: the rule is left out with it"]
    );
    assert!(
        yaml.contains(
            "          dryRun:\n            # from spec.strategy.canary.steps.2.analysis.dryRun.0\n            \
             - metricName: success\n            # from AnalysisTemplate rates.spec.dryRun.0\n            \
             - metricName: strict\n"
        ),
        "{yaml}"
    );
    // Nested templates.
    let text = variant(
        BACKGROUND_RULES,
        "        dryRun:\n          - metricName: ^p50\n",
    )
    .replace(RATES_RULES, "  templates:\n    - templateName: p50\n");
    let (_, found) = import(&text);
    let imported = found.candidates[0].outcome.as_ref().unwrap();
    let told: Vec<String> = imported.unsupported.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        told,
        [
            "AnalysisTemplate rates.spec.templates: no scenario field says this",
            "spec.strategy.canary.analysis.dryRun.0: `^p50` matches none of the metrics \
             imported; the nested templates of AnalysisTemplate rates are not imported, whose \
             metrics it may match: the rule is left out",
        ]
    );
}

/// import → `run` of the imported scenario: a 5 % bad release is rolled back by the
/// enforced 1 % error rate, and `dry_run_detected` says the dry-run `error-rate-strict`
/// (0.3 %) failed too (1); a release as good as the current one completes, and
/// `dry_run_false_rollback` says no dry-run metric failed (0): with no error the strict
/// threshold holds, and the latency bound (250 ms) is far above the default latencies.
#[test]
fn the_imported_scenario_runs_with_its_dry_run_columns() {
    let dir = tempfile::tempdir().unwrap();
    import_to(dir.path(), &manifest("argo-dry-run.yaml"));
    let run = |error_rate: &str| {
        let set = format!("service.versions.next.error_rate={error_rate}");
        let (code, err, csv) = run5(dir.path(), &["--set", &set]);
        assert_eq!(code, Some(0), "{err}");
        crate::support::rows(&csv)
            .iter()
            .map(|r| {
                ["outcome", "dry_run_detected", "dry_run_false_rollback"].map(|c| r[c].clone())
            })
            .collect::<Vec<_>>()
    };
    let row = |o: &str, d: &str, f: &str| [o, d, f].map(str::to_string);
    assert_eq!(run("0.05"), vec![row("rolled_back", "1", ""); 5]);
    assert_eq!(run("0"), vec![row("completed", "", "0"); 5]);
}

/// Argo's validation joins each step analysis's `dryRun` with the templates of every
/// analysis of the Rollout (`validation_references.go` `ValidateAnalysisTemplatesWithType`,
/// over the sets `rollout/controller.go` `getReferencedRolloutAnalyses` gives), so a step
/// rule with the `metricName` of a rule of the background's templates makes the Rollout
/// InvalidSpec, though the step's own run would not hold that rule (the step names only
/// `rates`, the background `latency` too): refused at the step's rule, naming the template
/// and the analysis. Each run on its own is valid: the background's rules are `^latency-`,
/// `strict`, `error-rate-strict`, the step's `error-rate-strict`, `strict`.
#[test]
fn a_step_rule_duplicating_another_analysis_templates_rule_is_refused() {
    let text = variant(
        "              - metricName: success\n",
        "              - metricName: error-rate-strict\n",
    )
    .replace(
        "    - metricName: p99$\n",
        "    - metricName: error-rate-strict\n",
    );
    assert_eq!(
        import_error(&text),
        [
            "spec.strategy.canary.steps.2.analysis.dryRun.0: `error-rate-strict` is the \
          metricName of a dryRun rule of ClusterAnalysisTemplate latency, which \
          spec.strategy.canary.analysis names: \
          Argo Rollouts' validation joins every step analysis's dryRun with the templates of \
          each analysis of the Rollout, finds two rules with one metricName, and marks the \
          Rollout InvalidSpec"
        ]
    );
}

/// A blue-green's pre- and post-promotion analyses take the rules as a canary's do: the
/// Rollout's, then the template's (`NewAnalysisRunFromTemplates`); a blue-green has no
/// steps, so nothing is joined across them.
#[test]
fn a_blue_green_analysis_takes_its_rules() {
    let text = read("rollout-bluegreen-analysis.yaml")
        .replace(
            "        args: [{name: service-name, value: web-preview}]\n",
            "        args: [{name: service-name, value: web-preview}]\n        \
             dryRun: [{metricName: success}]\n",
        )
        .replace(
            "  args: [{name: service-name}]\n",
            "  args: [{name: service-name}]\n  dryRun: [{metricName: rate$}]\n",
        );
    let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
    let imported = found.candidates[0].outcome.clone().unwrap();
    let bg = &imported.tree["strategy"]["blueGreen"];
    assert_eq!(
        bg["prePromotionAnalysis"]["dryRun"],
        json!([{"metricName": "success"}, {"metricName": "rate$"}])
    );
    assert_eq!(
        bg["postPromotionAnalysis"]["dryRun"],
        json!([{"metricName": "rate$"}])
    );
    let (s, found) = import(&text);
    assert!(unsupported(&found).is_empty(), "{:?}", unsupported(&found));
    let r = rollout(&s);
    let (pre, post) = match &r.kind {
        RolloutKind::BlueGreen(b) => (&b.pre_promotion_analysis, &b.post_promotion_analysis),
        other => panic!("not a blue-green: {other:?}"),
    };
    assert_eq!(pre.as_ref().unwrap().dry_run, [true]);
    assert_eq!(post.as_ref().unwrap().dry_run, [true]);
}

/// `measurementRetention` is joined as `dryRun` is and stays reported, with why: it only
/// bounds the measurements an AnalysisRun keeps (`analysis/analysis.go`
/// `garbageCollectMeasurements`). A rule that matches no metric errors the run upstream
/// (`GetMeasurementRetentionMetrics`), and two of one `metricName` create none
/// (`validateMeasurementRetentionMetrics`): both refused. A template's rule is checked in
/// every run the template is in: `latency` there would match nothing in the step's run.
#[test]
fn measurement_retention_is_checked_then_reported() {
    let with = |rollout: &str, template: &str| {
        variant(
            BACKGROUND_RULES,
            &format!("{BACKGROUND_RULES}        measurementRetention: [{rollout}]\n"),
        )
        .replace(
            RATES_RULES,
            &format!("{RATES_RULES}  measurementRetention: [{template}]\n"),
        )
    };
    let text = with(
        "{metricName: latency, limit: 20}",
        "{metricName: rate, limit: 5}",
    );
    let (_, found) = import(&text);
    let imported = found.candidates[0].outcome.as_ref().unwrap();
    let told: Vec<String> = imported.unsupported.iter().map(|p| p.to_string()).collect();
    let why = "it bounds how many measurements an AnalysisRun keeps in its status, which \
               nothing simulated reads";
    assert_eq!(
        told,
        [
            format!("AnalysisTemplate rates.spec.measurementRetention: {why}"),
            format!("spec.strategy.canary.analysis.measurementRetention: {why}"),
        ]
    );
    let text = with(
        "{metricName: p50, limit: 20}",
        "{metricName: rate, limit: 5}",
    );
    assert_eq!(
        import_error(&text),
        [
            "spec.strategy.canary.analysis.measurementRetention.0: `p50` matches no metric name \
          of the analysis (`latency-p99`, `error-rate`, `error-rate-strict`, \
          `success-rate`): Argo Rollouts errors the AnalysisRun (\"Rule didn't match any \
          metric name(s)\"), and the Rollout takes it as a failed analysis"
        ]
    );
    let text = with(
        "{metricName: error, limit: 20}",
        "{metricName: latency, limit: 5}",
    );
    assert_eq!(
        import_error(&text),
        [
            "AnalysisTemplate rates.spec.measurementRetention.0: `latency` matches no metric \
          name of the analysis (`error-rate`, `error-rate-strict`, `success-rate`): Argo \
          Rollouts errors the AnalysisRun (\"Rule didn't match any metric name(s)\"), and the \
          Rollout takes it as a failed analysis"
        ]
    );
    // A rule's fields are the CRD's: a misspelt one is refused, not reported.
    let text = with(
        "{metricName: rate, limt: 20}",
        "{metricName: error, limit: 5}",
    );
    let errors = import_error(&text);
    assert!(
        errors.len() == 1
            && errors[0].starts_with("spec.strategy.canary.analysis.measurementRetention.0.limt:"),
        "{errors:?}"
    );
    let text = with(
        "{metricName: rate, limit: 20}",
        "{metricName: rate, limit: 5}",
    );
    assert_eq!(
        import_error(&text),
        [
            "AnalysisTemplate rates.spec.measurementRetention.0: `rate` is the metricName of \
          spec.strategy.canary.analysis.measurementRetention.0 too: Argo Rollouts refuses two \
          measurementRetention rules with one metricName in an AnalysisRun (\"two \
          Measurement Retention metric rules have the same name\") and creates none"
        ]
    );
}
