//! A workload's own `spec.selector` against its pod template's labels, as the API server
//! validates them (kubernetes/kubernetes `pkg/apis/apps/validation/validation.go`;
//! argoproj/argo-rollouts `pkg/apis/rollouts/validation/validation.go`): a selector that
//! selects the template's pods imports, an empty one or one that misses them is refused
//! where the API server reports it, since such a workload cannot exist.

use super::import::{import, import_error};

/// A `kind` workload (Deployment, DaemonSet, StatefulSet or Argo Rollout) with `selector`
/// (one line, or empty for none) and template labels `labels` (a flow map, or empty for
/// no `metadata`).
fn workload(kind: &str, selector: &str, labels: &str) -> String {
    let (api, strategy) = match kind {
        "Rollout" => (
            "argoproj.io/v1alpha1",
            "  strategy: {canary: {steps: [{setWeight: 50}]}}\n",
        ),
        _ => ("apps/v1", ""),
    };
    let replicas = if kind == "DaemonSet" {
        ""
    } else {
        "  replicas: 3\n"
    };
    let selector = if selector.is_empty() {
        String::new()
    } else {
        format!("  selector: {selector}\n")
    };
    let metadata = if labels.is_empty() {
        String::new()
    } else {
        format!("    metadata: {{labels: {labels}}}\n")
    };
    format!(
        "apiVersion: {api}\nkind: {kind}\nmetadata: {{name: web}}\nspec:\n{replicas}{selector}\
         {strategy}  template:\n{metadata}    spec:\n      containers: [{{name: a, image: web:2}}]\n"
    )
}

const KINDS: [(&str, &str); 4] = [
    ("Deployment", "deployment"),
    ("DaemonSet", "daemonset"),
    ("StatefulSet", "statefulset"),
    // Argo Rollouts' validation says "deployment" for a Rollout too.
    ("Rollout", "deployment"),
];

#[test]
fn a_selector_of_the_templates_own_pods_imports() {
    for (kind, _) in KINDS {
        for (selector, labels) in [
            ("{matchLabels: {app: web}}", "{app: web, tier: front}"),
            (
                "{matchExpressions: [{key: app, operator: In, values: [web, api]}]}",
                "{app: web}",
            ),
            (
                "{matchLabels: {app: web}, matchExpressions: [{key: canary, operator: \
                 DoesNotExist}]}",
                "{app: web}",
            ),
            // No selector at all: nothing to check (the API server requires one).
            ("", ""),
        ] {
            let text = workload(kind, selector, labels);
            let (s, _) = import(&text);
            assert_eq!(
                s.service.versions[s.service.versions.len() - 1].image,
                "web:2"
            );
        }
    }
}

#[test]
fn a_selector_that_misses_the_templates_pods_is_refused_at_the_labels() {
    for (kind, word) in KINDS {
        let mismatch = format!(
            "spec.template.metadata.labels: `selector` does not match template `labels` (the \
             API server refuses it): the {word} would not own the pods it creates; label the \
             template's pods with what spec.selector selects"
        );
        let e = import_error(&workload(kind, "{matchLabels: {app: web}}", "{app: api}"));
        assert_eq!(e, std::slice::from_ref(&mismatch), "{kind}");
        // One label of two missing is a mismatch too; so is an expression it fails.
        let e = import_error(&workload(
            kind,
            "{matchLabels: {app: web, tier: front}}",
            "{app: web}",
        ));
        assert_eq!(e, std::slice::from_ref(&mismatch), "{kind}");
        let e = import_error(&workload(
            kind,
            "{matchExpressions: [{key: app, operator: NotIn, values: [web]}]}",
            "{app: web}",
        ));
        assert_eq!(e, [mismatch], "{kind}");
        // A template with no labels: reported at the template, which has none to give.
        let e = import_error(&workload(kind, "{matchLabels: {app: web}}", ""));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("spec.template: `selector` does not match template `labels`"),
            "{kind}: {e:?}"
        );
    }
}

#[test]
fn an_empty_or_malformed_selector_is_refused_at_the_selector() {
    for (kind, word) in KINDS {
        for empty in ["{}", "{matchLabels: {}}", "{matchExpressions: []}"] {
            let e = import_error(&workload(kind, empty, "{app: web}"));
            assert_eq!(
                e,
                [format!(
                    "spec.selector: empty selector is invalid for {word} (the API server \
                     refuses it): select the template's pods, e.g. `matchLabels: {{app: <its \
                     label>}}`"
                )],
                "{kind}"
            );
        }
        let e = import_error(&workload(kind, "{matchLabels: [app]}", "{app: web}"));
        assert_eq!(
            e,
            ["spec.selector.matchLabels: expected a map of label keys to values"],
            "{kind}"
        );
        let e = import_error(&workload(
            kind,
            "{matchExpressions: [{key: app, operator: Matches, values: [web]}]}",
            "{app: web}",
        ));
        assert_eq!(
            e,
            [
                "spec.selector.matchExpressions.0: operator `Matches`: expected In, NotIn, \
              Exists or DoesNotExist"
            ],
            "{kind}"
        );
    }
}

#[test]
fn a_workload_refs_selectors_select_the_deployments_template() {
    // The Rollout's own selector, and the Deployment's, both pick the referenced
    // template's pods.
    let text = |rollout_selector: &str, deployment_selector: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: web}}\nspec:\n  \
             replicas: 3\n{rollout_selector}  workloadRef: {{apiVersion: apps/v1, kind: \
             Deployment, name: web}}\n  strategy:\n    canary: {{steps: [{{setWeight: 50}}]}}\n\
             ---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  \
             replicas: 0\n{deployment_selector}  template:\n    metadata: {{labels: {{app: \
             web}}}}\n    spec:\n      containers: [{{name: a, image: web:7}}]\n"
        )
    };
    let web = "  selector: {matchLabels: {app: web}}\n";
    let api = "  selector: {matchLabels: {app: api}}\n";
    let (s, _) = import(&text(web, web));
    assert_eq!(s.service.replicas, 3);
    for (rollout, deployment, at) in [
        (api, web, "spec.template.metadata.labels"),
        (web, api, "spec.template.metadata.labels"),
    ] {
        let e = import_error(&text(rollout, deployment));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains(&format!(
                "{at}: `selector` does not match template `labels`"
            )),
            "{e:?}"
        );
    }
}
