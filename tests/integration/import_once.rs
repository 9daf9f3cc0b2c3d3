//! A problem of an analysis template (or Deployment) that several analyses, Rollouts or
//! Canaries name is told once: it is one thing to fix in one file. Within a Rollout it is
//! told once; across the objects one import tells, with the first that names it, and each
//! later one says where (`TellOnce`).

use super::import_files::{refused, write};

/// An AnalysisTemplate `rate` whose one metric has `interval: 10x` (a loader problem) and
/// a misspelt `count`, `cuont` (a mapping problem).
const TEMPLATE: &str = "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\n\
                        metadata: {name: rate}\nspec:\n  metrics:\n  - name: ok\n    \
                        interval: 10x\n    cuont: 3\n    successCondition: result[0] >= 0.95\n    \
                        provider:\n      prometheus:\n        \
                        query: sum(rate(req{code!~\"5..\"}[1m])) / sum(rate(req[1m]))\n";

/// A Rollout `name` whose background analysis and second step's analysis both name `rate`.
fn rollout(name: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: {name}}}\nspec:\n  \
         replicas: 3\n  template:\n    spec:\n      containers: [{{name: a, image: web:1}}]\n  \
         strategy:\n    canary:\n      analysis: {{templates: [{{templateName: rate}}]}}\n      \
         steps:\n      - setWeight: 20\n      - analysis: {{templates: [{{templateName: rate}}]}}\n"
    )
}

const SKIPPED: &str = "skipped: t.yaml: document 1 at line 1: AnalysisTemplate rate (read where \
                       a Rollout names it)\n";

/// The template's two problems, told for `label` (`r.yaml (Argo Rollout web)`).
fn told(label: &str) -> String {
    format!(
        "{label}: AnalysisTemplate rate (t.yaml).spec.metrics.0.cuont: unknown field `cuont`; \
         did you mean `count`? (the AnalysisTemplate CRD of Argo Rollouts v1.10 has no such \
         field: `kubectl apply` refuses it, \"strict decoding error: unknown field\")\n\
         {label}: AnalysisTemplate rate (t.yaml).spec.metrics.0.interval: expected a duration \
         (\"250ms\", \"10s\", \"1m30s\", a number of seconds), got \"10x\"\n"
    )
}

#[test]
fn a_template_two_analyses_of_a_rollout_name_has_its_problems_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let r = rollout("web");
    write(
        dir.path(),
        &[("r.yaml", r.as_bytes()), ("t.yaml", TEMPLATE.as_bytes())],
    );
    // Mapped for each analysis, each problem was told twice.
    let err = refused(dir.path(), &["r.yaml", "t.yaml"]);
    assert_eq!(
        err,
        format!("{SKIPPED}error: {}", told("r.yaml (Argo Rollout web)"))
    );
}

#[test]
fn a_template_two_rollouts_name_has_its_problems_told_with_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let (web, api) = (rollout("web"), rollout("api"));
    write(
        dir.path(),
        &[
            ("r.yaml", web.as_bytes()),
            ("r2.yaml", api.as_bytes()),
            ("t.yaml", TEMPLATE.as_bytes()),
        ],
    );
    // The second Rollout is refused too (it names a template that is wrong), saying where
    // the template's problems are, rather than telling them again.
    let err = refused(dir.path(), &["r.yaml", "r2.yaml", "t.yaml", "--out", "o/"]);
    assert_eq!(
        err,
        format!(
            "{SKIPPED}error: {}r2.yaml (Argo Rollout api): \
             spec.strategy.canary.steps.1.analysis.templates.0.templateName: AnalysisTemplate \
             rate (t.yaml) has 2 problems, told above for r.yaml (Argo Rollout web): fix it \
             there\n",
            told("r.yaml (Argo Rollout web)")
        )
    );
    // `--name` picks the second alone: its problems are its own to tell.
    let err = refused(
        dir.path(),
        &["r.yaml", "r2.yaml", "t.yaml", "--name", "api"],
    );
    assert_eq!(
        err,
        format!("{SKIPPED}error: {}", told("r2.yaml (Argo Rollout api)"))
    );
}

#[test]
fn a_deployment_a_rollout_and_a_canary_name_has_its_problems_told_with_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let r = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: api}\nspec:\n  \
             replicas: 3\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
             strategy:\n    canary: {steps: [{setWeight: 50}]}\n";
    let c = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web}\nspec:\n  \
             targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
             analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n";
    let d = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    \
             spec:\n      containers: [{name: a, image: web:1, imagePulPolicy: Always}]\n";
    write(
        dir.path(),
        &[
            ("r.yaml", r.as_bytes()),
            ("c.yaml", c.as_bytes()),
            ("d.yaml", d.as_bytes()),
        ],
    );
    let err = refused(dir.path(), &["r.yaml", "c.yaml", "d.yaml", "--out", "o/"]);
    let typo = "Deployment web (d.yaml).spec.template.spec.containers.0.imagePulPolicy: unknown \
                field `imagePulPolicy`; did you mean `imagePullPolicy`?";
    assert!(
        err.contains(&format!("error: r.yaml (Argo Rollout api): {typo}")),
        "{err}"
    );
    assert_eq!(err.matches(typo).count(), 1, "{err}");
    assert!(
        err.contains(
            "c.yaml (Flagger Canary web): spec.targetRef.name: Deployment web (d.yaml) has 1 \
             problem, told above for r.yaml (Argo Rollout api): fix it there\n"
        ),
        "{err}"
    );
}
