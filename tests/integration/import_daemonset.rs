//! Importing a DaemonSet (apps/v1): its update settings land in `strategy.daemonSet` with
//! the values written, the API server's defaults where none are (kubernetes/kubernetes
//! v1.30 `pkg/apis/apps/v1/defaults.go`, `SetDefaults_DaemonSet`), and what its validation
//! refuses (`pkg/apis/apps/validation/validation.go`, `ValidateRollingUpdateDaemonSet`) is
//! refused at its manifest path; the pod template maps as a Deployment's. Its size is the
//! node count, which no manifest says: the default pool is marked and asks for the user's.

use super::import::{import, import_error, indent, unsupported};
use super::import_files::{imported, refused};
use crate::support::{bin, field, rows};
use crate::trial;
use rollout_sim::experiment::Outcome;
use rollout_sim::scenario::import::import_str;
use rollout_sim::scenario::{
    DaemonSetStrategy, Format, IntOrPercent, Probe, Scenario, ServiceMode, Strategy, load_file,
    load_str,
};
use rollout_sim::sim::time::SECOND;
use serde_json::json;

/// A DaemonSet `agent` whose `spec` continues with `spec` (indented by 2) and whose only
/// container continues with `container` (indented by 8).
fn daemon_set(spec: &str, container: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent, namespace: kube-system}}\n\
         spec:\n  selector: {{matchLabels: {{app: agent}}}}\n{}  template:\n    metadata: \
         {{labels: {{app: agent}}}}\n    spec:\n      containers:\n      - name: agent\n        \
         image: agent:2\n{}",
        indent(spec, 2),
        indent(container, 8)
    )
}

fn ds(s: &Scenario) -> DaemonSetStrategy {
    match &s.strategy {
        Strategy::DaemonSet(d) => *d,
        other => panic!("not a DaemonSet: {other:?}"),
    }
}

/// The imported scenario's text and tree, one scenario expected.
fn written(text: &str) -> (String, serde_json::Value) {
    let found = import_str(text, "m.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    let one = found.candidates[0].outcome.clone().unwrap();
    (one.text, one.tree)
}

#[test]
fn every_mapped_field_lands_with_its_value() {
    let text = daemon_set(
        "updateStrategy:\n  type: RollingUpdate\n  rollingUpdate: {maxUnavailable: 20%}\n\
         minReadySeconds: 5",
        "ports: [{containerPort: 2020, hostPort: 2020}]\n\
         resources: {requests: {cpu: 250m, memory: 64Mi}}\n\
         readinessProbe: {httpGet: {path: /ready, port: 2020}, initialDelaySeconds: 2, \
         periodSeconds: 3, failureThreshold: 4}\n\
         lifecycle: {preStop: {sleep: {seconds: 7}}}",
    )
    .replace(
        "    spec:\n      containers:",
        "    spec:\n      terminationGracePeriodSeconds: 40\n      nodeSelector: \
         {kubernetes.io/os: linux}\n      tolerations: [{operator: Exists}]\n      containers:",
    );
    let (s, found) = import(&text);
    assert_eq!(found.candidates[0].what, "DaemonSet agent");
    assert_eq!(
        (s.name.as_str(), s.description.as_deref()),
        ("agent", Some("Imported from DaemonSet agent"))
    );
    assert_eq!(
        ds(&s),
        DaemonSetStrategy {
            max_unavailable: IntOrPercent::Percent(20),
            max_surge: IntOrPercent::Int(0),
            min_ready: 5 * SECOND,
        }
    );
    // One pod on each of the 3 default nodes, which the kubelet's labels let it on.
    assert_eq!(
        (s.service.mode, s.service.replicas),
        (ServiceMode::Global, 3)
    );
    assert_eq!(
        (
            s.service.resources.cpu_millis,
            s.service.resources.memory_bytes
        ),
        (250, 64 << 20)
    );
    assert_eq!(
        (s.service.stop_grace_period, s.service.pre_stop),
        (Some(40 * SECOND), 7 * SECOND)
    );
    assert_eq!(
        s.service.readiness_probe,
        Some(Probe {
            initial_delay: 2 * SECOND,
            period: 3 * SECOND,
            failure_threshold: 4,
            ..Probe::default()
        })
    );
    assert_eq!(
        (
            s.service.versions[0].image.as_str(),
            s.service.versions[1].image.as_str()
        ),
        ("agent:2", "agent:2")
    );
    let p = &s.service.placement;
    assert_eq!(
        (
            p.node_selector["kubernetes.io/os"].as_str(),
            p.tolerations.len()
        ),
        ("linux", 1)
    );
    assert_eq!(
        s.service
            .ports
            .iter()
            .map(|p| (p.target, p.published))
            .collect::<Vec<_>>(),
        [(2020, Some(2020))]
    );
    assert!(unsupported(&found).is_empty(), "{:?}", unsupported(&found));
    let (_, tree) = written(&text);
    assert_eq!(
        tree["strategy"],
        json!({"daemonSet": {"updateStrategy": {"type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "20%"}}, "minReadySeconds": 5}})
    );
    assert!(tree["service"].get("replicas").is_none(), "{tree}");
}

/// No `updateStrategy`: nothing is written but the strategy's name, and the scenario's
/// parser gives `SetDefaults_DaemonSet`'s RollingUpdate, maxUnavailable 1, maxSurge 0.
#[test]
fn no_update_strategy_gets_the_api_servers_defaults() {
    let text = daemon_set("", "");
    let (s, found) = import(&text);
    assert_eq!(ds(&s), DaemonSetStrategy::default());
    assert_eq!(
        (ds(&s).max_unavailable, ds(&s).max_surge, ds(&s).min_ready),
        (IntOrPercent::Int(1), IntOrPercent::Int(0), 0)
    );
    assert!(unsupported(&found).is_empty());
    assert_eq!(written(&text).1["strategy"], json!({"daemonSet": {}}));
}

/// A surge starts the new pod beside the old one on its node: the default node has room
/// for two pods of 3 cores.
#[test]
fn a_surge_daemon_set_imports_with_room_for_two_pods_a_node() {
    let (s, _) = import(&daemon_set(
        "updateStrategy:\n  rollingUpdate: {maxSurge: 1, maxUnavailable: 0}",
        "resources: {requests: {cpu: \"3\", memory: 5Gi}}",
    ));
    assert_eq!(
        (ds(&s).max_surge, ds(&s).max_unavailable),
        (IntOrPercent::Int(1), IntOrPercent::Int(0))
    );
    assert_eq!(s.cluster.nodes.len(), 3);
    assert!(
        s.cluster
            .nodes
            .iter()
            .all(|n| (n.cpu_millis, n.memory_bytes) == (6_000, 10 << 30))
    );
    assert_eq!(trial(&s).outcome, Outcome::Completed);
}

#[test]
fn on_delete_is_refused_at_its_manifest_path() {
    assert_eq!(
        import_error(&daemon_set("updateStrategy: {type: OnDelete}", "")),
        [
            "spec.updateStrategy.type: `OnDelete` replaces a pod only when someone deletes it, \
             which nothing in a scenario does: not simulated; use `RollingUpdate`"
        ]
    );
}

/// `ValidateRollingUpdateDaemonSet`: exactly one of the two non-zero, and `maxUnavailable`
/// defaults to 1.
#[test]
fn max_surge_alone_is_refused_at_its_path() {
    assert_eq!(
        import_error(&daemon_set(
            "updateStrategy:\n  rollingUpdate: {maxSurge: 1}",
            ""
        )),
        [
            "spec.updateStrategy.rollingUpdate.maxSurge: may not be set when maxUnavailable is \
             non-zero (it defaults to 1): add `maxUnavailable: 0` to surge"
        ]
    );
    assert_eq!(
        import_error(&daemon_set(
            "updateStrategy:\n  rollingUpdate: {maxUnavailable: 0}",
            ""
        )),
        ["spec.updateStrategy.rollingUpdate.maxUnavailable: cannot be 0 when maxSurge is 0"]
    );
}

/// The API server's 10 is what `kubectl get ds -o yaml` prints when none was written: read
/// as absent. Another value bounds `--to-revision`, whose history the simulator keeps to 10.
#[test]
fn revision_history_limit_ten_is_silent_and_another_reported() {
    let (_, found) = import(&daemon_set("revisionHistoryLimit: 10", ""));
    assert!(unsupported(&found).is_empty());
    let (_, found) = import(&daemon_set("revisionHistoryLimit: 3", ""));
    let imported = found.candidates[0].outcome.as_ref().unwrap();
    let told: Vec<String> = imported.unsupported.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        told,
        [
            "spec.revisionHistoryLimit: the revisions kept for `kubectl rollout undo \
             --to-revision`: not a scenario field for a DaemonSet, whose history the \
             simulator keeps up to the API server's default of 10, so an undo to a revision \
             only this limit keeps (or drops) differs"
        ]
    );
}

/// The manifest's field names are checked against the Kubernetes API's DaemonSet types:
/// a misspelling is refused with the closest name, and a Deployment's field the
/// DaemonSet lacks (`replicas`) is refused too, as `kubectl apply` refuses both.
#[test]
fn a_misspelt_field_is_refused_with_did_you_mean() {
    let kubectl = "(the Kubernetes API has no such field: `kubectl apply` refuses it, \
                   \"strict decoding error: unknown field\")";
    assert_eq!(
        import_error(&daemon_set(
            "updateStrategy:\n  rollingUpdate: {maxUnavailabe: 1}",
            ""
        )),
        [format!(
            "spec.updateStrategy.rollingUpdate.maxUnavailabe: unknown field `maxUnavailabe`; \
             did you mean `maxUnavailable`? {kubectl}"
        )]
    );
    assert_eq!(
        import_error(&daemon_set("replicas: 3", "")),
        [format!(
            "spec.replicas: unknown field `replicas`; expected one of `selector`, `template`, \
             `updateStrategy`, `minReadySeconds`, `revisionHistoryLimit` {kubectl}"
        )]
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
                          replicas: 4\n  template:\n    spec:\n      containers: [{name: app, \
                          image: web:1}]\n";

/// Beside a Deployment in one file, and in a list as `kubectl get ds,deploy -o yaml`
/// prints them: each is a scenario, the DaemonSet's a `strategy.daemonSet`, and `--out
/// DIR` writes one file each.
#[test]
fn a_daemon_set_and_a_deployment_in_one_file_both_import() {
    let ds_text = daemon_set("", "");
    let two = format!("{ds_text}---\n{DEPLOYMENT}");
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        [ds_text.as_str(), DEPLOYMENT]
            .iter()
            .map(|doc| format!("- {}", indent(doc, 2).trim_start()))
            .collect::<String>()
    );
    for text in [&two, &list] {
        let found = import_str(text, "m.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
        let whats: Vec<&str> = found.candidates.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(whats, ["DaemonSet agent", "Deployment web"], "{text}");
        let loaded: Vec<Scenario> = found
            .candidates
            .iter()
            .map(|c| {
                let i = c.outcome.as_ref().unwrap_or_else(|e| panic!("{e}"));
                load_str(&i.text, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        assert!(matches!(loaded[0].strategy, Strategy::DaemonSet(_)));
        assert!(matches!(loaded[1].strategy, Strategy::Kubernetes(_)));
        assert_eq!(
            (loaded[0].service.mode, loaded[1].service.replicas),
            (ServiceMode::Global, 4)
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("all.yaml"), &two).unwrap();
    let (_, err) = imported(tmp.path(), &["all.yaml", "--out", "out"]);
    assert_eq!(
        err,
        "wrote out/agent.yaml from all.yaml (DaemonSet agent)\nwrote out/web.yaml from \
         all.yaml (Deployment web)\n"
    );
    // A DaemonSet of a retired apiVersion is skipped as such, and named in what is read.
    std::fs::write(
        tmp.path().join("old.yaml"),
        ds_text.replace("apps/v1", "extensions/v1beta1"),
    )
    .unwrap();
    assert_eq!(
        refused(tmp.path(), &["old.yaml"]),
        "error: old.yaml: (file): nothing to import (a Deployment, DaemonSet or StatefulSet of \
         apps/v1, an Argo Rollout, a Flagger Canary or a compose service): found document 1 at \
         line 1: DaemonSet agent (apiVersion extensions/v1beta1: only apps/v1 is read)\n"
    );
}

/// An Argo Rollout's `workloadRef` naming a DaemonSet is refused as before, though the
/// DaemonSet itself now imports.
#[test]
fn a_workload_ref_naming_a_daemon_set_stays_refused() {
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: agent-rollout}}\n\
         spec:\n  replicas: 3\n  workloadRef: {{apiVersion: apps/v1, kind: DaemonSet, name: \
         agent}}\n  strategy: {{canary: {{steps: [{{setWeight: 50}}]}}}}\n---\n{}",
        daemon_set("", "")
    );
    let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
    let e = found.candidates[0].outcome.as_ref().unwrap_err();
    assert!(
        e.problems[0]
            .to_string()
            .starts_with("spec.workloadRef.kind: workloadRef is a DaemonSet, which Argo Rollouts"),
        "{e}"
    );
    assert_eq!(found.candidates[1].what, "DaemonSet agent");
    assert!(found.candidates[1].outcome.is_ok());
}

/// The pool is a marked DEFAULT of three nodes, labelled as kubelets label theirs, with a
/// note asking for the user's node count; `--set cluster.nodes=N` gives it, the note goes,
/// the labels stay, and the DaemonSet runs one pod on each of the N nodes.
#[test]
fn the_default_pool_is_marked_and_asks_for_the_node_count() {
    let text = daemon_set("", "").replace(
        "    spec:\n      containers:",
        "    spec:\n      nodeSelector: {kubernetes.io/os: linux}\n      containers:",
    );
    let (scenario, _) = written(&text);
    assert!(
        scenario.contains(
            "cluster:\n  # DEFAULT node pool, not in the manifest: a DaemonSet runs one pod on \
             every node\n  # its nodeSelector, affinity and tolerations allow, so its size (and \
             how long its\n  # rollout takes) is your node count: set it with `--set \
             cluster.nodes=N`.\n  nodes: 3\n"
        ),
        "{scenario}"
    );
    assert!(
        scenario.contains(
            "    labels:\n      kubernetes.io/os: linux\n      kubernetes.io/arch: amd64\n"
        ),
        "{scenario}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("ds.yaml"), &text).unwrap();
    imported(
        dir,
        &["ds.yaml", "--out", "agent.yaml", "--set", "cluster.nodes=7"],
    );
    let written = std::fs::read_to_string(dir.join("agent.yaml")).unwrap();
    assert!(!written.contains("DEFAULT node pool"), "{written}");
    let s = load_file(&dir.join("agent.yaml"), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.cluster.nodes.len(), s.service.replicas), (7, 7));
    assert!((0..7).all(|i| s.cluster.attrs(i).labels["kubernetes.io/arch"] == "amd64"));
}

/// As a user would: import a node-exporter DaemonSet to a file, then `run` it; every
/// trial completes, with one pod on each default node.
#[test]
fn an_imported_daemon_set_runs_to_completion() {
    let text = daemon_set(
        "updateStrategy:\n  type: RollingUpdate\n  rollingUpdate: {maxUnavailable: 1}",
        "ports: [{name: metrics, containerPort: 9100, hostPort: 9100}]\n\
         readinessProbe: {httpGet: {path: /, port: 9100}, periodSeconds: 5}\n\
         resources: {requests: {cpu: 100m, memory: 180Mi}}",
    )
    .replace(
        "    spec:\n      containers:",
        "    spec:\n      hostNetwork: true\n      nodeSelector: {kubernetes.io/os: linux}\n      \
         tolerations: [{operator: Exists}]\n      containers:",
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("ne.yaml"), &text).unwrap();
    imported(dir, &["ne.yaml", "--out", "ne-scenario.yaml"]);
    let out = bin()
        .current_dir(dir)
        .args(["run", "ne-scenario.yaml", "--trials", "5", "--quiet"])
        .args(["--out", "results"])
        .assert()
        .success();
    assert!(out.get_output().stderr.is_empty());
    let csv = std::fs::read_to_string(dir.join("results/trials.csv")).unwrap();
    let rows = rows(&csv);
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter().all(|r| field(r, "outcome") == "completed"),
        "{csv}"
    );
}
