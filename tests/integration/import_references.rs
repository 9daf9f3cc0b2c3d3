//! The Deployment a Rollout's `workloadRef` or a Canary's `targetRef` names: found by its
//! `apiVersion` as well as its name, as upstream looks it up (argo-rollouts
//! `rollout/templateref.go` `Resolve`, Flagger's `apps/v1` client), a `workloadRef` to a
//! kind Argo Rollouts does not resolve refused at its `kind`, the Deployment's own file
//! named in every message about its fields (and an analysis template's, the same way),
//! and the advice for a Deployment found in none of the files worded for the command
//! given (`import` takes more files, `run` one).

use super::import_files::{imported, refused, write};
use crate::support::bin;
use rollout_sim::scenario::import::{Input, Options, import_files};
use rollout_sim::scenario::{Format, load_str};

/// A Rollout `web` whose `workloadRef` is `reference` (a flow map's inside).
fn rollout(reference: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: web}}\nspec:\n  \
         replicas: 3\n  workloadRef: {{{reference}}}\n  strategy:\n    \
         canary: {{steps: [{{setWeight: 50}}]}}\n"
    )
}

/// A Canary `web` whose `targetRef` is `apps/v1` Deployment `web`.
const CANARY: &str = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web}\n\
                      spec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
                      analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n";

/// The reference every test makes unless it is about the reference itself.
const TO_WEB: &str = "apiVersion: apps/v1, kind: Deployment, name: web";

/// A Deployment `web` of `api` whose one container runs `image`; `extra` goes under
/// `spec` (indented by 2).
fn deployment(api: &str, image: &str, extra: &str) -> String {
    format!(
        "apiVersion: {api}\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n{extra}  \
         template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      \
         containers: [{{name: a, image: {image}}}]\n"
    )
}

/// An `extensions/v1beta1` Deployment `web` (image `web:old`), then an `apps/v1` one
/// (image `web:7`).
fn two_versions() -> String {
    format!(
        "{}---\n{}",
        deployment("extensions/v1beta1", "web:old", ""),
        deployment("apps/v1", "web:7", "")
    )
}

/// `run FILE` in `dir`, which must exit 2: its stderr.
fn run_refused(dir: &std::path::Path, file: &str) -> String {
    let out = bin().current_dir(dir).args(["run", file]).assert().code(2);
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

/// The image the imported scenario `yaml` rolls out.
fn next_image(yaml: &str) -> String {
    let s = load_str(yaml, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    s.service.versions[1].image.clone()
}

#[test]
fn the_deployment_of_the_references_api_version_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let (r, c, d) = (rollout(TO_WEB), CANARY, two_versions());
    write(
        dir.path(),
        &[
            ("r.yaml", r.as_bytes()),
            ("c.yaml", c.as_bytes()),
            ("d.yaml", d.as_bytes()),
        ],
    );
    // The first Deployment `web` is of extensions/v1beta1: the apps/v1 one is rolled out.
    for referrer in ["r.yaml", "c.yaml"] {
        let (yaml, err) = imported(dir.path(), &[referrer, "d.yaml"]);
        assert_eq!(next_image(&yaml), "web:7", "{referrer}: {err}");
    }
    // Only the extensions/v1beta1 one: not taken, and told.
    let old = deployment("extensions/v1beta1", "web:old", "");
    write(dir.path(), &[("old.yaml", old.as_bytes())]);
    let err = refused(dir.path(), &["r.yaml", "old.yaml"]);
    assert_eq!(
        err.lines().last().unwrap(),
        "error: r.yaml (Argo Rollout web): spec.workloadRef.name: workloadRef names Deployment \
         `web` (apps/v1), which is not in the files given (found Deployment `web` of \
         apiVersion extensions/v1beta1 in old.yaml, not apps/v1): give its file too: \
         `rollout-sim import r.yaml DEPLOYMENT.yaml`"
    );
    let err = refused(dir.path(), &["c.yaml", "old.yaml"]);
    assert!(
        err.contains(
            "error: c.yaml (Flagger Canary web): spec.targetRef.name: targetRef names \
             Deployment `web` (apps/v1), which is not in the files given (found Deployment \
             `web` of apiVersion extensions/v1beta1 in old.yaml, not apps/v1)"
        ),
        "{err}"
    );
}

#[test]
fn a_workload_ref_to_another_kind_or_version_is_refused_at_its_field() {
    let cases = [
        (
            "apiVersion: apps/v1, kind: StatefulSet, name: web",
            "spec.workloadRef.kind: workloadRef is a StatefulSet, which Argo Rollouts does \
             not support: Argo Rollouts takes the pod template of a Deployment or a \
             ReplicaSet (apps) or of a PodTemplate (v1)",
        ),
        (
            "apiVersion: apps/v1, kind: ReplicaSet, name: web",
            "spec.workloadRef.kind: workloadRef is a ReplicaSet: Argo Rollouts takes the pod \
             template of a Deployment or a ReplicaSet (apps) or of a PodTemplate (v1), and \
             the import reads a Deployment's only: point workloadRef at the Deployment, or \
             write the template in the Rollout",
        ),
        (
            "kind: Deployment, name: web",
            "spec.workloadRef: expected `apiVersion: apps/v1`: a workloadRef names its object \
             by apiVersion, kind and name",
        ),
        (
            "apiVersion: apps/v1beta2, kind: Deployment, name: web",
            "spec.workloadRef.apiVersion: workloadRef's Deployment is of apiVersion \
             apps/v1beta2: only apps/v1 is read",
        ),
    ];
    let d = deployment("apps/v1", "web:7", "");
    for (reference, problem) in cases {
        let r = rollout(reference);
        let docs = [
            Input {
                text: Ok(&r),
                origin: "r.yaml",
                format: Format::Yaml,
            },
            Input {
                text: Ok(&d),
                origin: "d.yaml",
                format: Format::Yaml,
            },
        ];
        let found = import_files(&docs, &Options::default()).unwrap();
        let rollout = &found[0].as_ref().unwrap().candidates[0];
        let e = rollout.outcome.as_ref().unwrap_err();
        assert_eq!(e.origin, "r.yaml (Argo Rollout web)");
        let problems: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems, [problem], "{reference}");
        // The Deployment is not the Rollout's: imported as a scenario of its own, not
        // listed as read there.
        let d = found[1].as_ref().unwrap();
        assert!(d.skipped.is_empty(), "{:?}", d.skipped);
        assert_eq!(d.candidates[0].what, "Deployment web");
    }
}

#[test]
fn problems_of_a_deployment_in_another_file_name_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "  replicas: -3\n  revisionHistoryLimit: 2\n";
    let d = deployment("apps/v1", "web:7", bad)
        .replace("image: web:7", "image: web:7, imagePulPolicy: Always");
    let r = rollout(TO_WEB);
    write(
        dir.path(),
        &[
            ("r.yaml", r.as_bytes()),
            ("c.yaml", CANARY.as_bytes()),
            ("d.yaml", d.as_bytes()),
        ],
    );
    let typo = "Deployment web (d.yaml).spec.template.spec.containers.0.imagePulPolicy: unknown \
                field `imagePulPolicy`; did you mean `imagePullPolicy`?";
    let err = refused(dir.path(), &["r.yaml", "d.yaml"]);
    assert!(
        err.contains(&format!("error: r.yaml (Argo Rollout web): {typo}")),
        "{err}"
    );
    // The Canary maps the Deployment's replicas and reports its other fields: the
    // loader's problem and the field left out name the file too.
    let err = refused(dir.path(), &["c.yaml", "d.yaml"]);
    for line in [
        format!("error: c.yaml (Flagger Canary web): {typo}"),
        "\nc.yaml (Flagger Canary web): Deployment web (d.yaml).spec.replicas: expected a \
         non-negative integer, got -3\n"
            .to_string(),
        "not simulated: c.yaml (Flagger Canary web): Deployment web (d.yaml).spec.\
         revisionHistoryLimit: old ReplicaSets kept for a rollback"
            .to_string(),
    ] {
        assert!(err.contains(&line), "{line}\nin:\n{err}");
    }
    // In the same file, the path is as it was.
    let same = format!("{CANARY}---\n{d}");
    write(dir.path(), &[("same.yaml", same.as_bytes())]);
    let err = refused(dir.path(), &["same.yaml"]);
    assert!(
        err.contains(&format!(
            "error: same.yaml (Flagger Canary web): {}",
            typo.replace(" (d.yaml)", "")
        )),
        "{err}"
    );
}

/// A Rollout `web` whose background analysis names `templates` (a flow list's inside).
fn analysed(templates: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: web}}\nspec:\n  \
         replicas: 4\n  template:\n    spec:\n      containers: [{{name: web, image: web:2}}]\n  \
         strategy:\n    canary:\n      analysis:\n        templates: [{templates}]\n      \
         steps: [{{setWeight: 50}}, {{pause: {{duration: 30s}}}}]\n"
    )
}

/// An analysis template of `kind` named `name`, `extra` under its `spec` (indented by 2),
/// with one metric `ok` of `interval` and `query`.
fn analysis_template(kind: &str, name: &str, extra: &str, interval: &str, query: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n\
         {extra}  metrics:\n  - name: ok\n    interval: {interval}\n    \
         successCondition: result[0] >= 0.95\n    provider:\n      prometheus:\n        \
         query: '{query}'\n"
    )
}

/// A query of a shape the import reads: the success rate.
const SUCCESS_RATE: &str = r#"sum(rate(req{code!~"5.."}[1m])) / sum(rate(req[1m]))"#;

/// What the import says of a query of no shape it reads, `sum(rate(x[1m]))`.
const NO_SHAPE: &str = "the prometheus query `sum(rate(x[1m]))` has no shape the simulator \
                        can measure (it recognises PromQL success- and error-rate ratios over \
                        5xx codes and histogram_quantile 0.5/0.95/0.99 latencies; see \
                        docs/import.md): write the metric with a `rollout-sim` provider in the \
                        imported scenario, or import with --drop-unknown-metrics to leave it out";

/// The loader's line counting what it says at values the import left out.
const HELD: &str = "(file): loaded back, the imported scenario has 1 more problem, at a field \
                    the import filled in or left out because of the problems above: not shown, \
                    as it may only follow from them (fix those and import again)";

/// An AnalysisTemplate (or ClusterAnalysisTemplate) named by a Rollout of another file is
/// told as a workloadRef Deployment is: under `AnalysisTemplate NAME (FILE)`, in every
/// problem, every field left out (on stderr and in the scenario) and the mapping's comment.
/// It named the Rollout's file only (`r.yaml (Argo Rollout web): AnalysisTemplate
/// rate.spec.metrics.0.provider`). A metric refused at its provider still has its other
/// fields checked in the same run (the invalid `interval: 10x`), not listed as "not
/// simulated".
#[test]
fn problems_of_an_analysis_template_in_another_file_name_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = analysed("{templateName: rate}");
    let t = analysis_template("AnalysisTemplate", "rate", "", "10x", "sum(rate(x[1m]))");
    write(
        dir.path(),
        &[("r.yaml", r.as_bytes()), ("t.yaml", t.as_bytes())],
    );
    let at = "r.yaml (Argo Rollout web): AnalysisTemplate rate (t.yaml).spec.metrics.0";
    assert_eq!(
        refused(dir.path(), &["r.yaml", "t.yaml"]),
        format!(
            "skipped: t.yaml: document 1 at line 1: AnalysisTemplate rate (read where a \
             Rollout names it)\n\
             error: {at}.provider: {NO_SHAPE}\n\
             {at}.interval: expected a duration (\"250ms\", \"10s\", \"1m30s\", a number of \
             seconds), got \"10x\"\n\
             r.yaml (Argo Rollout web): {HELD}\n"
        )
    );
    // A query the import reads: the interval alone is refused, as the loader refuses it.
    let t = analysis_template("AnalysisTemplate", "rate", "", "10x", SUCCESS_RATE);
    write(dir.path(), &[("t.yaml", t.as_bytes())]);
    let err = refused(dir.path(), &["r.yaml", "t.yaml"]);
    assert_eq!(
        err.lines().last().unwrap(),
        format!(
            "error: {at}.interval: expected a duration (\"250ms\", \"10s\", \"1m30s\", a \
             number of seconds), got \"10x\""
        )
    );
    // In the Rollout's own file, the path is as it was.
    let same = format!("{r}---\n{t}");
    write(dir.path(), &[("same.yaml", same.as_bytes())]);
    let err = refused(dir.path(), &["same.yaml"]);
    assert_eq!(
        err.lines().last().unwrap(),
        "error: same.yaml (Argo Rollout web): AnalysisTemplate rate.spec.metrics.0.interval: \
         expected a duration (\"250ms\", \"10s\", \"1m30s\", a number of seconds), got \"10x\""
    );
    // A ClusterAnalysisTemplate's field left out, on stderr and in the scenario, and the
    // comment of the metric mapped from it.
    let r = analysed("{templateName: rate, clusterScope: true}");
    let retained = "  measurementRetention: [{metricName: ok, limit: 5}]\n";
    let t = analysis_template(
        "ClusterAnalysisTemplate",
        "rate",
        retained,
        "10s",
        SUCCESS_RATE,
    );
    write(
        dir.path(),
        &[("r.yaml", r.as_bytes()), ("t.yaml", t.as_bytes())],
    );
    let (yaml, err) = imported(dir.path(), &["r.yaml", "t.yaml"]);
    let left_out = "ClusterAnalysisTemplate rate (t.yaml).spec.measurementRetention: it \
                    bounds how many measurements an AnalysisRun keeps in its status, which \
                    nothing simulated reads";
    assert!(
        err.contains(&format!(
            "not simulated: r.yaml (Argo Rollout web): {left_out}\n"
        )),
        "{err}"
    );
    assert!(yaml.contains(&format!("#   {left_out}\n")), "{yaml}");
    assert!(
        yaml.contains("# From ClusterAnalysisTemplate rate (t.yaml), metric ok (prometheus).\n"),
        "{yaml}"
    );
}

/// Two templates whose metrics share a name: the loader's problem with the second metric
/// as a whole is told at that template's metric, in its file. It was told at a path of the
/// Rollout that does not exist (`r.yaml (Argo Rollout web):
/// spec.strategy.canary.analysis.metrics.1`).
#[test]
fn a_problem_with_a_templates_metric_as_a_whole_is_told_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let r = analysed("{templateName: a}, {templateName: b}");
    let a = analysis_template("AnalysisTemplate", "a", "", "10s", SUCCESS_RATE);
    let b = analysis_template("AnalysisTemplate", "b", "", "10s", SUCCESS_RATE);
    let both = format!("{a}---\n{b}");
    write(
        dir.path(),
        &[("r.yaml", r.as_bytes()), ("t.yaml", both.as_bytes())],
    );
    let err = refused(dir.path(), &["r.yaml", "t.yaml"]);
    assert_eq!(
        err.lines().last().unwrap(),
        "error: r.yaml (Argo Rollout web): AnalysisTemplate b (t.yaml).spec.metrics.0: \
         duplicate metric name `ok`"
    );
}

#[test]
fn the_advice_for_a_missing_deployment_or_template_fits_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = deployment("apps/v1", "web:7", "");
    let r = rollout(TO_WEB);
    write(
        dir.path(),
        &[("r.yaml", r.as_bytes()), ("d.yaml", d.as_bytes())],
    );
    let missing = "error: r.yaml (Argo Rollout web): spec.workloadRef.name: workloadRef names \
                   Deployment `web` (apps/v1), which is not in the files given: ";
    let err = refused(dir.path(), &["r.yaml"]);
    assert!(
        err.contains(&format!(
            "{missing}give its file too: `rollout-sim import r.yaml DEPLOYMENT.yaml`\n"
        )),
        "{err}"
    );
    let err = run_refused(dir.path(), "r.yaml");
    assert!(
        err.contains(&format!(
            "{missing}put it in r.yaml as another YAML document (after a `---` line), or \
             import both files first, `rollout-sim import r.yaml DEPLOYMENT.yaml --out \
             scenario.yaml`, and give scenario.yaml\n"
        )),
        "{err}"
    );
    // The advice, followed with the Deployment's file, imports a scenario `run` takes.
    bin()
        .current_dir(dir.path())
        .args(["import", "r.yaml", "d.yaml", "--out", "scenario.yaml"])
        .assert()
        .success();
    let written = std::fs::read_to_string(dir.path().join("scenario.yaml")).unwrap();
    assert_eq!(next_image(&written), "web:7");
    // An analysis template, the same way.
    let with_template = r.replace(
        "steps: [{setWeight: 50}]",
        "steps: [{setWeight: 50}, {analysis: {templates: [{templateName: t}]}}]",
    );
    let both = format!("{with_template}---\n{d}");
    write(dir.path(), &[("rt.yaml", both.as_bytes())]);
    let err = run_refused(dir.path(), "rt.yaml");
    assert!(
        err.contains(
            "AnalysisTemplate `t` is not in the files given: put it in rt.yaml as another YAML \
             document (after a `---` line), or import both files first, `rollout-sim import \
             rt.yaml TEMPLATES.yaml --out scenario.yaml`, and give scenario.yaml\n"
        ),
        "{err}"
    );
}

#[test]
fn a_workload_ref_deployments_fields_besides_its_template_are_reported_not_lost() {
    // Argo Rollouts takes a workloadRef Deployment's pod template alone (argo-rollouts
    // rollout/templateref.go `Resolve`; its selector only where the Rollout has none): a
    // `minReadySeconds` or a `strategy` written there does nothing to the rollout, and its
    // `replicas` are pods of their own, which the scenario leaves out. Each is told.
    let dir = tempfile::tempdir().unwrap();
    let extra = "  replicas: 2\n  minReadySeconds: 10\n  strategy: {type: Recreate}\n  \
                 selector: {matchLabels: {app: web}}\n";
    let d = deployment("apps/v1", "web:7", extra);
    let r = rollout(TO_WEB);
    write(
        dir.path(),
        &[("r.yaml", r.as_bytes()), ("d.yaml", d.as_bytes())],
    );
    let (yaml, err) = imported(dir.path(), &["r.yaml", "d.yaml"]);
    let s = load_str(&yaml, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.service.replicas, 3, "the Rollout's replicas");
    let at = "not simulated: r.yaml (Argo Rollout web): Deployment web (d.yaml).spec.";
    let taken = "Argo Rollouts takes only the pod template of a workloadRef Deployment \
                 (rollout/templateref.go `Resolve`)";
    for line in [
        format!(
            "{at}replicas: {taken}: the Deployment's own pods, which run until \
             workloadRef.scaleDown scales them down, are not simulated; the scenario runs \
             the Rollout's spec.replicas"
        ),
        format!(
            "{at}minReadySeconds: {taken}: the Rollout's own spec.minReadySeconds (or its default) governs"
        ),
        format!("{at}strategy: {taken}: the Rollout's own spec.strategy (or its default) governs"),
    ] {
        assert!(err.contains(&line), "{line}\nin:\n{err}");
    }
    assert!(!err.contains("spec.selector"), "{err}");
    // The scenario file lists them too, and says where its pod template comes from.
    assert!(
        yaml.contains("Deployment web (d.yaml).spec.minReadySeconds"),
        "{yaml}"
    );
    assert!(
        yaml.contains("# The pod template of Deployment web (d.yaml), named by spec.workloadRef."),
        "{yaml}"
    );
    // Scaled to zero, as Argo's migration guide has it: no pods of its own, nothing told.
    let zero = deployment("apps/v1", "web:7", "  replicas: 0\n");
    write(dir.path(), &[("zero.yaml", zero.as_bytes())]);
    let (_, err) = imported(dir.path(), &["r.yaml", "zero.yaml"]);
    assert!(!err.contains("spec.replicas"), "{err}");
    // A misspelled field there is still a misspelling.
    let typo = deployment("apps/v1", "web:7", "  minReadySecond: 10\n");
    write(dir.path(), &[("typo.yaml", typo.as_bytes())]);
    let err = refused(dir.path(), &["r.yaml", "typo.yaml"]);
    assert!(
        err.contains(
            "Deployment web (typo.yaml).spec.minReadySecond: unknown field `minReadySecond`; \
             did you mean `minReadySeconds`?"
        ),
        "{err}"
    );
}

#[test]
fn two_deployments_of_the_referenced_name_are_refused_not_guessed_between() {
    // One name is one object in a namespace: which of two a cluster would hold depends on
    // the order they were applied in and on namespaces, which the import does not tell
    // apart. It used to take the first and list the second as read.
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        deployment("apps/v1", "web:a", ""),
        deployment("apps/v1", "web:b", ""),
    );
    let both = format!("{a}---\n{b}");
    let (r, c) = (rollout(TO_WEB), CANARY);
    write(
        dir.path(),
        &[
            ("r.yaml", r.as_bytes()),
            ("c.yaml", c.as_bytes()),
            ("a.yaml", a.as_bytes()),
            ("b.yaml", b.as_bytes()),
            ("both.yaml", both.as_bytes()),
        ],
    );
    let err = refused(dir.path(), &["r.yaml", "a.yaml", "b.yaml"]);
    assert!(
        err.contains(
            "error: r.yaml (Argo Rollout web): spec.workloadRef.name: workloadRef names \
             Deployment `web` (apps/v1), and the files given hold 2 of that name in namespace \
             default (a.yaml, b.yaml): which of them a cluster would hold depends on the \
             order they are applied in (the last wins); give only the one meant"
        ),
        "{err}"
    );
    let err = refused(dir.path(), &["c.yaml", "both.yaml"]);
    assert!(
        err.contains("spec.targetRef.name: targetRef names Deployment `web` (apps/v1), and the files given hold 2 of that name in namespace default (both.yaml (2))"),
        "{err}"
    );
    // One of them: taken.
    let (yaml, err) = imported(dir.path(), &["r.yaml", "b.yaml"]);
    assert_eq!(next_image(&yaml), "web:b", "{err}");
}
