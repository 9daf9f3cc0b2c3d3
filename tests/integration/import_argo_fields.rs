//! Which Rollout and AnalysisTemplate fields an import refuses as misspelt or reports as
//! not simulated, against Argo Rollouts' own field names (`argoproj/argo-rollouts`
//! v1.10.0-rc1, `pkg/apis/rollouts/v1alpha1/types.go` and `analysis_types.go` json tags,
//! the property names of its CRDs): a key no type has is refused with a "did you mean", as
//! `kubectl apply` (strict field validation against the CRD's structural schema) refuses
//! it; a real field the simulator does not model is left out and reported.

use super::import::{import, import_error, unsupported};
use super::import_argo::{ERROR_RATE, canary, template};
use super::import_files::{refused, write};
use crate::support::bin;

/// The end of the message of a key the Rollout CRD does not have.
const ROLLOUT_CRD: &str = "(the Rollout CRD of Argo Rollouts v1.10 has no such field: \
                           `kubectl apply` refuses it, \"strict decoding error: unknown field\")";

/// The same for an AnalysisTemplate.
const TEMPLATE_CRD: &str = "(the AnalysisTemplate CRD of Argo Rollouts v1.10 has no such \
                            field: `kubectl apply` refuses it, \"strict decoding error: unknown \
                            field\")";

/// A Rollout `web` whose `strategy.blueGreen` continues with `blue_green` (indented by 6).
fn blue_green(blue_green: &str) -> String {
    canary(blue_green, "").replace("    canary:\n", "    blueGreen:\n")
}

#[test]
fn misspelt_canary_fields_are_unknown_with_a_suggestion() {
    let text = canary(
        "maxSurg: 1\n\
         trafficRouting: {istoi: {virtualService: {name: web}}}\n\
         steps:\n- setWeight: 20\n- pauze: {duration: 1m}\n\
         - analysis: {templates: [{templateName: t}], dryRn: [{metricName: m}]}\n\
         - analysis: {templates: [{templateNme: t}]}\n",
        &template("t", ERROR_RATE),
    );
    let mut e = import_error(&text);
    e.sort();
    let at = "spec.strategy.canary";
    assert_eq!(
        e,
        [
            format!(
                "{at}.maxSurg: unknown field `maxSurg`; did you mean `maxSurge`? {ROLLOUT_CRD}"
            ),
            format!(
                "{at}.steps.1.pauze: unknown canary step `pauze`: Argo Rollouts steps are \
                 setWeight, pause, experiment, analysis, setCanaryScale, setHeaderRoute, \
                 setMirrorRoute, plugin; did you mean `pause`? {ROLLOUT_CRD}"
            ),
            format!(
                "{at}.steps.2.analysis.dryRn: unknown field `dryRn`; did you mean `dryRun`? \
                 {ROLLOUT_CRD}"
            ),
            format!(
                "{at}.steps.3.analysis.templates.0.templateNme: unknown field `templateNme`; \
                 did you mean `templateName`? {ROLLOUT_CRD}"
            ),
            format!(
                "{at}.trafficRouting.istoi: unknown field `istoi`; did you mean `istio`? \
                 {ROLLOUT_CRD}"
            ),
        ]
    );
    // `import` and `run` refuse it, naming the file and the Rollout, as they refuse a
    // misspelt Deployment field.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.yaml"), &text).unwrap();
    for args in [
        &["import", "r.yaml"][..],
        &["run", "r.yaml", "--trials", "1"],
    ] {
        let out = bin().current_dir(dir.path()).args(args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains(
                "r.yaml (Argo Rollout web): spec.strategy.canary.maxSurg: unknown field \
                 `maxSurg`; did you mean `maxSurge`?"
            ),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn misspelt_blue_green_and_pod_template_fields_are_unknown() {
    let text =
        blue_green("activeService: web\nautoPromotionEnabeld: false\npreviewReplicaCount: 1")
            .replace(
                "containers: [{name: app, image: web:1}]",
                "containers: [{name: app, image: web:1, readinessProbe: {periodSecond: 2}}]",
            );
    let mut e = import_error(&text);
    e.sort();
    assert_eq!(
        e,
        [
            format!(
                "spec.strategy.blueGreen.autoPromotionEnabeld: unknown field \
                 `autoPromotionEnabeld`; did you mean `autoPromotionEnabled`? {ROLLOUT_CRD}"
            ),
            format!(
                "spec.template.spec.containers.0.readinessProbe.periodSecond: unknown field \
                 `periodSecond`; did you mean `periodSeconds`? {ROLLOUT_CRD}"
            ),
        ]
    );
    // The pod template of a `workloadRef` Deployment is a Deployment's.
    let text = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  \
                workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  strategy:\n    \
                canary: {steps: [{setWeight: 50}]}\n---\napiVersion: apps/v1\nkind: Deployment\n\
                metadata: {name: web}\nspec:\n  template:\n    spec:\n      containers: [{name: a, \
                image: web:7, readinessProbe: {periodSecond: 2}}]\n";
    assert_eq!(
        import_error(text),
        [
            "Deployment web.spec.template.spec.containers.0.readinessProbe.periodSecond: unknown \
          field `periodSecond`; did you mean `periodSeconds`? (the Kubernetes API has no such \
          field: `kubectl apply` refuses it, \"strict decoding error: unknown field\")"
        ]
    );
}

/// A misspelt provider is refused as such, even with `--drop-unknown-metrics`, which
/// leaves out only metrics of a provider or query the simulator cannot measure.
#[test]
fn misspelt_analysis_template_fields_are_unknown() {
    let steps = "steps: [{analysis: {templates: [{templateName: t}]}}]";
    let cases = [
        (
            r#"{prometheus: {qurey: 'sum(rate(req{code=~"5.."}[1m])) / sum(rate(req[1m]))'}}"#,
            "provider.prometheus.qurey: unknown field `qurey`; did you mean `query`?",
        ),
        (
            r#"{prometheous: {query: 'sum(rate(req{code=~"5.."}[1m])) / sum(rate(req[1m]))'}}"#,
            "provider.prometheous: unknown field `prometheous`; did you mean `prometheus`?",
        ),
    ];
    // The metric's other fields are still loaded back, checked; its provider, left out,
    // is counted, not shown.
    let held = "(file): loaded back, the imported scenario has 1 more problem, at a field the \
                import filled in or left out because of the problems above: not shown, as it \
                may only follow from them (fix those and import again)";
    for (provider, expected) in cases {
        let text = canary(steps, &template("t", provider));
        assert_eq!(
            import_error(&text),
            [
                format!("AnalysisTemplate t.spec.metrics.0.{expected} {TEMPLATE_CRD}"),
                held.to_string()
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.yaml"), &text).unwrap();
        let out = bin()
            .current_dir(dir.path())
            .args(["import", "r.yaml", "--drop-unknown-metrics"])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(expected), "{stderr}");
    }
    // A metric's own field.
    let text = canary(
        steps,
        &template("t", ERROR_RATE).replace("successCondition", "successConditon"),
    );
    assert_eq!(
        import_error(&text),
        [format!(
            "AnalysisTemplate t.spec.metrics.0.successConditon: unknown field \
             `successConditon`; did you mean `successCondition`? {TEMPLATE_CRD}"
        )]
    );
}

/// A metric `--drop-unknown-metrics` leaves out (its query has no shape the simulator
/// measures) still has its fields checked: a misspelt `intervall` is refused, at its path
/// in the template's own file, as it is without the option. It was left out with the
/// metric, unsaid, and the import succeeded.
#[test]
fn a_misspelt_field_of_a_metric_left_out_is_still_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = canary("steps: [{analysis: {templates: [{templateName: t}]}}]", "");
    let t = template("t", "{prometheus: {query: 'sum(rate(x[1m]))'}}").replace(
        "    successCondition",
        "    interval: 30s\n    intervall: 10s\n    successCondition",
    );
    let t = t.strip_prefix("---\n").unwrap();
    write(
        dir.path(),
        &[("r.yaml", r.as_bytes()), ("t.yaml", t.as_bytes())],
    );
    let at = "r.yaml (Argo Rollout web): AnalysisTemplate t (t.yaml).spec.metrics.0";
    let no_shape = "the prometheus query `sum(rate(x[1m]))` has no shape the simulator can \
                    measure (it recognises PromQL success- and error-rate ratios over 5xx \
                    codes and histogram_quantile 0.5/0.95/0.99 latencies; see docs/import.md)";
    let typo = format!(
        "{at}.intervall: unknown field `intervall`; did you mean `interval`? {TEMPLATE_CRD}"
    );
    let skipped = "skipped: t.yaml: document 1 at line 1: AnalysisTemplate t (read where a \
                   Rollout names it)";
    assert_eq!(
        refused(dir.path(), &["--drop-unknown-metrics", "r.yaml", "t.yaml"]),
        format!(
            "not simulated: {at}: {no_shape}: metric `m` left out\n\
             {skipped}\n\
             error: {typo}\n"
        )
    );
    // Without the option: refused at its provider, and at the misspelling too.
    let err = refused(dir.path(), &["r.yaml", "t.yaml"]);
    assert!(
        err.starts_with(&format!(
            "{skipped}\nerror: {at}.provider: {no_shape}: write"
        )) && err.contains(&format!("\n{typo}\n")),
        "{err}"
    );
}

#[test]
fn real_rollout_fields_that_are_not_simulated_stay_reported() {
    let text = canary(
        "antiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: {weight: 50}}\n\
         canaryMetadata: {labels: {role: canary}}\n\
         steps:\n- setWeight: 20\n\
         - analysis: {templates: [{templateName: t}], \
           measurementRetention: [{metricName: m, limit: 5}]}\n",
        &template("t", ERROR_RATE).replace(
            "spec:\n",
            "spec:\n  measurementRetention: [{metricName: ^m, limit: 5}]\n",
        ),
    )
    .replace(
        "  replicas: 4\n",
        "  replicas: 4\n  rollbackWindow: {revisions: 2}\n",
    );
    let (_, found) = import(&text);
    assert_eq!(
        unsupported(&found),
        [
            // `measurementRetention` only bounds the measurements an AnalysisRun keeps
            // (told as its analysis is mapped, before the fields left over); `dryRun` is
            // imported (`import_argo_dry_run.rs`). Was dropped without a word once: a
            // step's analysis was read whole.
            "spec.strategy.canary.steps.1.analysis.measurementRetention",
            "AnalysisTemplate t.spec.measurementRetention",
            "spec.rollbackWindow",
            "spec.strategy.canary.antiAffinity",
            "spec.strategy.canary.canaryMetadata",
        ]
    );
}
