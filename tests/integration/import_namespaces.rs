//! Namespaces told apart, as upstream tells them: a Rollout's `AnalysisTemplate`s and
//! `workloadRef` are looked up in the Rollout's namespace (argo-rollouts
//! `rollout/controller.go` `getReferencedAnalysisTemplatesFromRef`, `rollout/templateref.go`
//! `Resolve`), a `ClusterAnalysisTemplate` in none, a Canary's target in the Canary's
//! (flagger `pkg/canary/deployment_controller.go`); an object without
//! `metadata.namespace` is in `default`, where `kubectl apply` puts it without a
//! kubeconfig namespace. Two objects of one name in different namespaces are named with
//! them, and `--namespace` offered to pick one; two in one namespace are refused, as before.

use super::import_files::{imported, refused, write};
use rollout_sim::scenario::{Format, load_str};

/// A Deployment `web` in namespace `ns` (none when empty) running `image`.
fn deployment(ns: &str, image: &str) -> String {
    let ns = if ns.is_empty() {
        String::new()
    } else {
        format!(", namespace: {ns}")
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web{ns}}}\nspec:\n  \
         replicas: 2\n  template:\n    spec:\n      containers: [{{name: a, image: {image}}}]\n"
    )
}

/// An AnalysisTemplate `rate` in namespace `ns` whose one metric counts `count` times.
fn template(kind: &str, ns: &str, count: u32) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: {kind}\nmetadata: {{name: rate, namespace: \
         {ns}}}\nspec:\n  metrics:\n  - name: ok\n    interval: 1m\n    count: {count}\n    \
         successCondition: result[0] >= 0.95\n    provider:\n      prometheus:\n        \
         query: sum(rate(req{{code!~\"5..\"}}[1m])) / sum(rate(req[1m]))\n"
    )
}

/// A Rollout `api` in namespace `ns` whose pod template is Deployment `web`'s, analysed by
/// `rate` (`clusterScope: true` when `cluster`).
fn rollout(ns: &str, cluster: bool) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: api, namespace: \
         {ns}}}\nspec:\n  replicas: 3\n  \
         workloadRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  strategy:\n    \
         canary:\n      analysis: {{templates: [{{templateName: rate, clusterScope: \
         {cluster}}}]}}\n      steps: [{{setWeight: 20}}]\n"
    )
}

/// The next image and the analysis's count of the imported scenario `yaml`.
fn image_and_count(yaml: &str) -> (String, serde_json::Value) {
    let s = load_str(yaml, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    let tree: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
    let count = tree["strategy"]["canary"]["analysis"]["metrics"][0]["count"].clone();
    (s.service.versions[1].image.clone(), count)
}

#[test]
fn a_rollouts_references_are_looked_up_in_its_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let t = format!(
        "{}---\n{}",
        template("AnalysisTemplate", "a", 1),
        template("AnalysisTemplate", "b", 2)
    );
    let d = format!(
        "{}---\n{}",
        deployment("a", "web:a"),
        deployment("b", "web:b")
    );
    let (ra, rb) = (rollout("a", false), rollout("b", false));
    write(
        dir.path(),
        &[
            ("t.yaml", t.as_bytes()),
            ("d.yaml", d.as_bytes()),
            ("ra.yaml", ra.as_bytes()),
            ("rb.yaml", rb.as_bytes()),
        ],
    );
    // Both were refused as two of one name.
    let (yaml, err) = imported(
        dir.path(),
        &["rb.yaml", "d.yaml", "t.yaml", "--name", "api"],
    );
    assert_eq!(image_and_count(&yaml), ("web:b".into(), 2.into()), "{err}");
    // The Deployment of the Rollout's namespace is read there; the other one is a
    // scenario of its own, not skipped as the Rollout's.
    assert!(
        err.contains(
            "skipped: d.yaml: document 2 at line 9: Deployment web (the pod template of a \
             Rollout's workloadRef, read there)"
        ),
        "{err}"
    );
    assert!(
        !err.contains("document 1 at line 1: Deployment web"),
        "{err}"
    );
    // Its problems name the namespace, which another object of its name does not share.
    assert!(
        yaml.contains("# The pod template of Deployment web (d.yaml, namespace b)"),
        "{yaml}"
    );
    let (yaml, err) = imported(
        dir.path(),
        &["ra.yaml", "d.yaml", "t.yaml", "--name", "api"],
    );
    assert_eq!(image_and_count(&yaml), ("web:a".into(), 1.into()), "{err}");
}

#[test]
fn a_cluster_analysis_template_has_no_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let (r, d) = (rollout("b", true), deployment("b", "web:b"));
    let t = template("ClusterAnalysisTemplate", "a", 4);
    write(
        dir.path(),
        &[
            ("r.yaml", r.as_bytes()),
            ("d.yaml", d.as_bytes()),
            ("t.yaml", t.as_bytes()),
        ],
    );
    let (yaml, err) = imported(dir.path(), &["r.yaml", "d.yaml", "t.yaml"]);
    assert_eq!(image_and_count(&yaml), ("web:b".into(), 4.into()), "{err}");
}

#[test]
fn a_reference_found_only_in_another_namespace_is_refused_saying_where() {
    let dir = tempfile::tempdir().unwrap();
    let (r, d) = (rollout("b", false), deployment("", "web:1"));
    let t = template("AnalysisTemplate", "a", 1);
    write(
        dir.path(),
        &[
            ("r.yaml", r.as_bytes()),
            ("d.yaml", d.as_bytes()),
            ("t.yaml", t.as_bytes()),
        ],
    );
    let err = refused(dir.path(), &["r.yaml", "d.yaml", "t.yaml"]);
    assert!(
        err.contains(
            "r.yaml (Argo Rollout api): spec.workloadRef.name: workloadRef names Deployment \
             `web` (apps/v1), which is not in the files given in namespace b (found it in \
             namespace default, in d.yaml; upstream looks it up in the namespace of the \
             object naming it):"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "r.yaml (Argo Rollout api): spec.strategy.canary.analysis.templates.0.templateName: \
             AnalysisTemplate `rate` is not in the files given in namespace b (found it in \
             namespace a, in t.yaml; upstream looks it up in the namespace of the object \
             naming it):"
        ),
        "{err}"
    );
    // The advice says how to put it in the Rollout's namespace before how to give a file.
    assert!(
        err.contains(
            "if Deployment `web` is applied in namespace b (`kubectl apply -n b` puts an \
             object without `metadata.namespace` there), write `namespace: b` under its \
             `metadata` in d.yaml; otherwise give its file too: `rollout-sim import r.yaml \
             DEPLOYMENT.yaml`"
        ),
        "{err}"
    );
    assert!(
        err.contains("write `namespace: b` under its `metadata` in t.yaml; otherwise"),
        "{err}"
    );
}

#[test]
fn a_canarys_target_is_looked_up_in_its_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let canary = |ns: &str| {
        format!(
            "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {{name: canary{ns}}}\n\
             spec:\n  targetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n  \
             analysis: {{interval: 1m, threshold: 5, stepWeight: 10}}\n"
        )
    };
    let (c, cp) = (canary(""), canary(", namespace: prod"));
    let d = format!(
        "{}---\n{}",
        deployment("prod", "web:prod"),
        deployment("default", "web:default")
    );
    write(
        dir.path(),
        &[
            ("c.yaml", c.as_bytes()),
            ("cp.yaml", cp.as_bytes()),
            ("d.yaml", d.as_bytes()),
        ],
    );
    // Without a namespace, the Canary is in `default`, as `namespace: default` is.
    let next = |yaml: &str| {
        let s = load_str(yaml, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
        s.service.versions[1].image.clone()
    };
    let (yaml, err) = imported(dir.path(), &["c.yaml", "d.yaml", "--name", "canary"]);
    assert_eq!(next(&yaml), "web:default", "{err}");
    let (yaml, err) = imported(dir.path(), &["cp.yaml", "d.yaml", "--name", "canary"]);
    assert_eq!(next(&yaml), "web:prod", "{err}");
}

#[test]
fn two_objects_of_one_name_are_named_with_their_namespaces() {
    let dir = tempfile::tempdir().unwrap();
    let d = format!(
        "{}---\n{}",
        deployment("a", "web:a"),
        deployment("b", "web:b")
    );
    let (a, b) = (deployment("a", "web:a"), deployment("b", "web:b"));
    write(
        dir.path(),
        &[
            ("d.yaml", d.as_bytes()),
            ("a.yaml", a.as_bytes()),
            ("b.yaml", b.as_bytes()),
        ],
    );
    let err = refused(dir.path(), &["d.yaml", "--out", "o/"]);
    assert!(
        err.contains(
            "error: d.yaml (Deployment web): metadata.name: `web` names two scenarios of d.yaml: \
             document 1 at line 1 (Deployment web in namespace a) and document 2 at line 9 \
             (Deployment web in namespace b), counted from 1 as `---` separates them, empty \
             ones included. A scenario is picked (`--name`) and written (`--out DIR`) by its \
             name, not its namespace: pick one with `--namespace a` or `--namespace b`\n"
        ),
        "{err}"
    );
    let err = refused(dir.path(), &["a.yaml", "b.yaml", "--out", "o/"]);
    assert_eq!(
        err,
        "error: two scenarios are named `web` (a.yaml (Deployment web in namespace a) and \
         b.yaml (Deployment web in namespace b)): import the files one at a time, or pick \
         one with `--namespace a` or `--namespace b`\n"
    );
}
