//! Which manifest fields a Deployment import refuses, reports or maps, against the
//! Kubernetes API's own field names (kubernetes/api v0.36.3 `apps/v1`, `core/v1` json tags):
//! a key the API does not have is a misspelling, refused with a "did you mean" as
//! `kubectl apply` (strict field validation) refuses it; a real field the simulator does
//! not model is left out and reported, or refused when leaving it out changes where the
//! workload's own pods go (a required pod affinity); and documents are numbered as a reader
//! counts them, empty ones included.

use super::import::{import, import_error, unsupported};
use crate::import::indent;
use assert_cmd::Command;
use rollout_sim::scenario::Format;
use rollout_sim::scenario::import::import_str;

/// A Deployment `web` (labels `app: web`) whose pod spec continues with `pod` (indented
/// by 6), its one container after it.
fn with_pod(spec: &str, pod: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n{}  template:\n    \
         metadata: {{labels: {{app: web}}}}\n    spec:\n{}      containers:\n      - name: app\n        \
         image: web:1\n        imagePullPolicy: Always\n",
        indent(spec, 2),
        indent(pod, 6)
    )
}

#[test]
fn misspelt_deployment_fields_are_unknown_with_a_suggestion() {
    let text = with_pod(
        "minReadySecond: 5\nstrategy:\n  rollingUpdate: {maxSurge: 1, maxUnavailabe: 0}",
        "terminationGracePeriodSecond: 30",
    )
    .replace(
        "imagePullPolicy: Always\n",
        "imagePullPolicy: Always\n        readinessProbe: {periodSecond: 5, periodSeconds: 5}\n\
         \x20       lifecycle: {preStop: {slep: {seconds: 5}}}\n",
    );
    let kubectl = "(the Kubernetes API has no such field: `kubectl apply` refuses it, \
                   \"strict decoding error: unknown field\")";
    let mut e = import_error(&text);
    e.sort();
    assert_eq!(
        e,
        [
            format!(
                "spec.minReadySecond: unknown field `minReadySecond`; did you mean \
                 `minReadySeconds`? {kubectl}"
            ),
            format!(
                "spec.strategy.rollingUpdate.maxUnavailabe: unknown field `maxUnavailabe`; did \
                 you mean `maxUnavailable`? {kubectl}"
            ),
            format!(
                "spec.template.spec.containers.0.lifecycle.preStop.slep: unknown field `slep`; \
                 did you mean `sleep`? {kubectl}"
            ),
            format!(
                "spec.template.spec.containers.0.readinessProbe.periodSecond: unknown field \
                 `periodSecond`; did you mean `periodSeconds`? {kubectl}"
            ),
            format!(
                "spec.template.spec.terminationGracePeriodSecond: unknown field \
                 `terminationGracePeriodSecond`; did you mean `terminationGracePeriodSeconds`? \
                 {kubectl}"
            ),
        ]
    );
    // `import` and `run` refuse it, as `run` refuses an unknown scenario field.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.yaml"), &text).unwrap();
    for args in [
        &["import", "d.yaml"][..],
        &["run", "d.yaml", "--trials", "1"],
    ] {
        let out = Command::cargo_bin("rollout-sim")
            .unwrap()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains(
                "d.yaml (Deployment web): spec.strategy.rollingUpdate.maxUnavailabe: \
                 unknown field `maxUnavailabe`; did you mean `maxUnavailable`?"
            ),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn real_fields_that_are_not_simulated_stay_reported() {
    // `dnsPolicy: Default` is not the server's default (`ClusterFirst`, read as absent), and
    // `status` is what a `kubectl get` observed, not a field: see import_server_output.rs.
    let text = with_pod("revisionHistoryLimit: 2", "dnsPolicy: Default").replace(
        "imagePullPolicy: Always\n",
        "imagePullPolicy: Always\n        lifecycle: {stopSignal: SIGTERM}\n",
    ) + "status: {replicas: 3}\n";
    let (_, found) = import(&text);
    assert_eq!(
        unsupported(&found),
        [
            "spec.template.spec.dnsPolicy",
            "spec.template.spec.containers.0.imagePullPolicy",
            "spec.template.spec.containers.0.lifecycle",
        ]
    );
}

/// `affinity` beyond the required node affinity: real Kubernetes fields (`core/v1`
/// `Affinity`, `NodeAffinity`, `PodAffinity`, `PodAntiAffinity`), never "unknown".
#[test]
fn affinity_fields_are_real_and_not_simulated_or_refused_with_what_to_do() {
    let required_node = "requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: \
                         [{matchExpressions: [{key: zone, operator: DoesNotExist}]}]}";
    let preferred = "preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, \
                     podAffinityTerm: {topologyKey: zone, labelSelector: {matchLabels: {app: web}}}}]";
    let text = with_pod(
        "",
        &format!(
            "affinity:\n  nodeAffinity:\n    {required_node}\n    \
             preferredDuringSchedulingIgnoredDuringExecution: [{{weight: 1, preference: \
             {{matchExpressions: [{{key: disk, operator: In, values: [ssd]}}]}}}}]\n  \
             podAntiAffinity:\n    {preferred}\n  podAffinity:\n    \
             requiredDuringSchedulingIgnoredDuringExecution:\n    - {{topologyKey: zone, \
             labelSelector: {{matchLabels: {{app: cache}}}}}}"
        ),
    );
    let (s, found) = import(&text);
    assert!(
        s.service.placement.required_terms.is_some(),
        "the required node affinity is kept"
    );
    let at = "spec.template.spec.affinity";
    assert_eq!(
        unsupported(&found),
        [
            format!("{at}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution"),
            format!("{at}.podAffinity.requiredDuringSchedulingIgnoredDuringExecution.0"),
            format!("{at}.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution"),
            "spec.template.spec.containers.0.imagePullPolicy".to_string(),
        ]
    );
    // A required anti-affinity over the workload's own pods is the scenario's (see
    // import_anti_affinity.rs); a required affinity over them is refused.
    let own = with_pod(
        "",
        "affinity:\n  podAntiAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n    \
         - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}",
    );
    let (s, _) = import(&own);
    assert_eq!(
        s.service.placement.anti_affinity,
        ["kubernetes.io/hostname"]
    );
    let together = own.replace("podAntiAffinity", "podAffinity");
    let e = import_error(&together);
    assert!(
        e[0].contains(
            "a required pod affinity whose `labelSelector` matches the pod template's own labels"
        ),
        "{e:?}"
    );
    // No selector: an anti-affinity avoids nothing; an affinity is never satisfied.
    let none = with_pod(
        "",
        "affinity:\n  podAntiAffinity:\n    requiredDuringSchedulingIgnoredDuringExecution:\n    \
         - {topologyKey: zone}",
    );
    let (_, found) = import(&none);
    assert_eq!(
        unsupported(&found),
        [
            "spec.template.spec.affinity.podAntiAffinity.\
             requiredDuringSchedulingIgnoredDuringExecution.0",
            "spec.template.spec.containers.0.imagePullPolicy"
        ]
    );
    let e = import_error(&none.replace("podAntiAffinity", "podAffinity"));
    assert!(
        e[0].contains("with no `labelSelector` matches no pod"),
        "{e:?}"
    );
    // A misspelt key is still unknown, with the real one suggested.
    let e = import_error(&with_pod("", "affinity: {podAntiAfinity: {}}"));
    assert!(
        e[0].starts_with(
            "spec.template.spec.affinity.podAntiAfinity: unknown field `podAntiAfinity`; did \
             you mean `podAntiAffinity`?"
        ),
        "{e:?}"
    );
}

/// Documents are counted as a reader counts the `---` separators, empty ones included, and
/// the line each begins at is given. (kubectl skips empty documents too, and names objects
/// rather than numbers in its messages.)
#[test]
fn documents_are_numbered_with_empty_ones_and_their_lines() {
    let pod = "  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: \
               [{name: web, image: nginx}]\n";
    let text = format!(
        "---\n# only a comment\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\n\
         ---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n{pod}\
         --- ~\n...\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n{pod}"
    );
    // By hand: `---` at lines 1 (empty), 3 (the Service), 7 (empty), 8 (a Deployment),
    // 17 (`~`, empty), 19 (the second Deployment).
    let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
    assert_eq!(found.skipped, ["document 2 at line 3: Service web"]);
    let e = found.candidates[1].outcome.as_ref().unwrap_err();
    assert!(
        e.problems[0].message.contains(
            "document 4 at line 8 (Deployment web) and document 6 at line 19 (Deployment web)"
        ),
        "{e}"
    );
}
