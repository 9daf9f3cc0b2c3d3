//! Importing a StatefulSet (apps/v1): its replicas land in `service.replicas`, its update
//! settings in `strategy.statefulSet` with the values written, the API server's defaults
//! where none are (kubernetes/kubernetes v1.30 `pkg/apis/apps/v1/defaults.go`,
//! `SetDefaults_StatefulSet`), and what its validation or the simulator refuses is refused
//! at its manifest path; the pod template maps as a Deployment's. Its network identity and
//! storage (`serviceName`, `volumeClaimTemplates`, …) are reported as not simulated.

use super::import::{import, import_error, indent, unsupported};
use super::import_files::{imported, refused};
use crate::support::{bin, field, rows};
use crate::trial;
use rollout_sim::experiment::Outcome;
use rollout_sim::scenario::import::import_str;
use rollout_sim::scenario::{
    Format, IntOrPercent, PodManagement, Probe, Scenario, ServiceMode, StatefulSetStrategy,
    Strategy, load_str,
};
use rollout_sim::sim::time::SECOND;
use serde_json::json;

/// A StatefulSet `db` whose `spec` continues with `spec` (indented by 2) and whose only
/// container continues with `container` (indented by 8).
fn stateful_set(spec: &str, container: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: data}}\n\
         spec:\n  selector: {{matchLabels: {{app: db}}}}\n{}  template:\n    metadata: \
         {{labels: {{app: db}}}}\n    spec:\n      containers:\n      - name: db\n        \
         image: postgres:16.3\n{}",
        indent(spec, 2),
        indent(container, 8)
    )
}

fn sts(s: &Scenario) -> StatefulSetStrategy {
    match &s.strategy {
        Strategy::StatefulSet(d) => *d,
        other => panic!("not a StatefulSet: {other:?}"),
    }
}

/// The imported scenario's text and tree, one scenario expected.
fn written(text: &str) -> (String, serde_json::Value) {
    let found = import_str(text, "m.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    let one = found.candidates[0].outcome.clone().unwrap();
    (one.text, one.tree)
}

/// The not-simulated lines of the one scenario imported from `text`.
fn notes(text: &str) -> Vec<String> {
    let (_, found) = import(text);
    let imported = found.candidates[0].outcome.as_ref().unwrap();
    imported.unsupported.iter().map(|p| p.to_string()).collect()
}

#[test]
fn every_mapped_field_lands_with_its_value() {
    let text = stateful_set(
        "replicas: 5\npodManagementPolicy: Parallel\nupdateStrategy:\n  type: RollingUpdate\n  \
         rollingUpdate: {partition: 2, maxUnavailable: 2}\nminReadySeconds: 10",
        "ports: [{name: pg, containerPort: 5432}]\n\
         resources: {requests: {cpu: 500m, memory: 1Gi}}\n\
         readinessProbe: {exec: {command: [pg_isready]}, initialDelaySeconds: 2, \
         periodSeconds: 3, failureThreshold: 4}\n\
         lifecycle: {preStop: {sleep: {seconds: 7}}}",
    )
    .replace(
        "    spec:\n      containers:",
        "    spec:\n      terminationGracePeriodSeconds: 40\n      containers:",
    );
    let (s, found) = import(&text);
    assert_eq!(found.candidates[0].what, "StatefulSet db");
    assert_eq!(
        (s.name.as_str(), s.description.as_deref()),
        ("db", Some("Imported from StatefulSet db"))
    );
    assert_eq!(
        sts(&s),
        StatefulSetStrategy {
            pod_management: PodManagement::Parallel,
            partition: 2,
            max_unavailable: Some(IntOrPercent::Int(2)),
            min_ready: 10 * SECOND,
        }
    );
    // Sized by its replicas, as a Deployment, not one a node as a DaemonSet.
    assert_eq!(
        (s.service.mode, s.service.replicas),
        (ServiceMode::Replicated, 5)
    );
    assert_eq!(
        (
            s.service.resources.cpu_millis,
            s.service.resources.memory_bytes
        ),
        (500, 1 << 30)
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
        ("postgres:16.3", "postgres:16.3")
    );
    // A port with no hostPort binds nothing.
    assert!(s.service.ports.is_empty());
    assert!(unsupported(&found).is_empty(), "{:?}", unsupported(&found));
    let (_, tree) = written(&text);
    assert_eq!(
        tree["strategy"],
        json!({"statefulSet": {"podManagementPolicy": "Parallel",
            "updateStrategy": {"type": "RollingUpdate",
                "rollingUpdate": {"partition": 2, "maxUnavailable": 2}},
            "minReadySeconds": 10}})
    );
    assert_eq!(tree["service"]["replicas"], json!(5));
}

/// No `replicas` and no update settings: the API server's 1 replica, marked as such, and
/// nothing written but the strategy's name, whose parser gives `SetDefaults_StatefulSet`'s
/// OrderedReady, RollingUpdate, partition 0 (and no maxUnavailable: one pod at a time).
#[test]
fn absent_fields_get_the_api_servers_defaults() {
    let text = stateful_set("", "");
    let (s, found) = import(&text);
    assert_eq!(sts(&s), StatefulSetStrategy::default());
    assert_eq!((s.service.replicas, sts(&s).unavailable_limit(1)), (1, 1));
    assert!(unsupported(&found).is_empty());
    let (scenario, tree) = written(&text);
    assert_eq!(tree["strategy"], json!({"statefulSet": {}}));
    assert!(
        scenario
            .contains("  # spec.replicas is not given: Kubernetes' default, 1\n  replicas: 1\n"),
        "{scenario}"
    );
}

/// What `kubectl get sts -o yaml` prints: every defaulted field, and `status`. The mapped
/// ones are written as they are; `revisionHistoryLimit: 10` and the `Retain` claim policy
/// are read as absent, so no "not simulated" line.
#[test]
fn what_kubectl_get_prints_imports_silently() {
    let text = stateful_set(
        "replicas: 3\nserviceName: \"\"\npodManagementPolicy: OrderedReady\nupdateStrategy:\n  \
         type: RollingUpdate\n  rollingUpdate: {partition: 0}\nrevisionHistoryLimit: 10\n\
         persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Retain}",
        "imagePullPolicy: IfNotPresent\nterminationMessagePath: /dev/termination-log\n\
         terminationMessagePolicy: File\nresources: {}",
    ) + "status: {replicas: 3, readyReplicas: 3, currentRevision: db-5d8f, updateRevision: \
         db-5d8f}\n";
    let (s, found) = import(&text);
    assert_eq!(sts(&s), StatefulSetStrategy::default());
    assert_eq!(s.service.replicas, 3);
    assert!(unsupported(&found).is_empty(), "{:?}", unsupported(&found));
}

#[test]
fn on_delete_is_refused_at_its_manifest_path() {
    assert_eq!(
        import_error(&stateful_set("updateStrategy: {type: OnDelete}", "")),
        [
            "spec.updateStrategy.type: `OnDelete` replaces a pod only when someone deletes it, \
             which nothing in a scenario does: not simulated; use `RollingUpdate`"
        ]
    );
}

/// `ValidateStatefulSetSpec`: `maxUnavailable` at least 1 (or over 0%); `partition` an
/// int32, so a string is refused as the API server's decoding refuses it.
#[test]
fn invalid_update_values_are_refused_at_their_paths() {
    assert_eq!(
        import_error(&stateful_set(
            "updateStrategy:\n  rollingUpdate: {maxUnavailable: 0}",
            ""
        )),
        [
            "spec.updateStrategy.rollingUpdate.maxUnavailable: must be an integer of at least 1 \
             or a percentage over 0% and at most 100%"
        ]
    );
    let e = import_error(&stateful_set(
        "updateStrategy:\n  rollingUpdate: {partition: \"2\"}",
        "",
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with(
            "spec.updateStrategy.rollingUpdate.partition: expected an integer, as the API \
             server requires"
        ),
        "{e:?}"
    );
    let e = import_error(&stateful_set("podManagementPolicy: Ordered", ""));
    assert!(
        e[0].starts_with("spec.podManagementPolicy:") && e[0].contains("OrderedReady"),
        "{e:?}"
    );
}

/// The pods' network identity and storage are not simulated: each is told with why.
#[test]
fn identity_and_storage_fields_are_reported_as_not_simulated() {
    let text = stateful_set(
        "serviceName: db-headless\nrevisionHistoryLimit: 3\n\
         persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}\n\
         volumeClaimTemplates:\n- metadata: {name: data}\n  spec: {accessModes: \
         [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}",
        "",
    );
    assert_eq!(
        notes(&text),
        [
            "spec.revisionHistoryLimit: the revisions kept for `kubectl rollout undo \
             --to-revision`: not a scenario field for a StatefulSet, whose history the \
             simulator keeps up to the API server's default of 10, so an undo to a revision \
             only this limit keeps (or drops) differs",
            "spec.serviceName: the headless Service that gives each pod its DNS name \
             (`NAME-0.SERVICE`): not simulated; the pods' ordinals are, their DNS records are \
             not",
            "spec.volumeClaimTemplates: each pod's PersistentVolumeClaims: volumes are not \
             simulated, so the detach and attach a replacement pod may wait for (its old \
             pod's volume, on another node) is not timed; add it to the next version's \
             `start` if it matters",
            "spec.persistentVolumeClaimRetentionPolicy: what becomes of the pods' \
             PersistentVolumeClaims when the StatefulSet is deleted or scaled down: volumes \
             are not simulated",
        ]
    );
}

/// `ordinals.start` names the pods and is what a `partition` counts from; the scenario
/// numbers pods from 0, so a partition beside it is shifted, updating the same pods
/// (upstream ordinals 3..7 with partition 5 update pods 5, 6, 7: here 2, 3, 4).
#[test]
fn a_start_ordinal_is_reported_and_shifts_the_partition() {
    let text = stateful_set(
        "replicas: 5\nordinals: {start: 3}\nupdateStrategy:\n  rollingUpdate: {partition: 5}",
        "",
    );
    let (s, _) = import(&text);
    assert_eq!(sts(&s).partition, 2);
    assert_eq!(
        notes(&text),
        [
            "spec.ordinals.start: the first pod ordinal (3): not simulated, the scenario numbers its \
             pods from 0; its partition 5 is read as 2, which updates the same pods"
        ]
    );
    let (scenario, _) = written(&text);
    assert!(
        scenario.contains(
            "        # the manifest's partition 5, counted from its ordinals.start 3: the \
             scenario numbers pods from 0\n        partition: 2\n"
        ),
        "{scenario}"
    );
    // A partition below the start updates every pod, as upstream.
    let (s, _) = import(&text.replace("partition: 5", "partition: 1"));
    assert_eq!(sts(&s).partition, 0);
    // Without a partition it is only told; a start of 0 changes nothing.
    assert_eq!(
        notes(&stateful_set("ordinals: {start: 1}", "")),
        [
            "spec.ordinals.start: the first pod ordinal (1): not simulated, the scenario numbers its \
             pods from 0"
        ]
    );
    assert!(notes(&stateful_set("ordinals: {start: 0}", "")).is_empty());
}

/// The manifest's field names are checked against the Kubernetes API's StatefulSet types:
/// a misspelling is refused with the closest name, and a Deployment's field the
/// StatefulSet lacks (`strategy`) is refused too, as `kubectl apply` refuses both.
#[test]
fn a_misspelt_field_is_refused_with_did_you_mean() {
    let kubectl = "(the Kubernetes API has no such field: `kubectl apply` refuses it, \
                   \"strict decoding error: unknown field\")";
    assert_eq!(
        import_error(&stateful_set(
            "updateStrategy:\n  rollingUpdate: {partiton: 1}",
            ""
        )),
        [format!(
            "spec.updateStrategy.rollingUpdate.partiton: unknown field `partiton`; did you \
             mean `partition`? {kubectl}"
        )]
    );
    assert_eq!(
        import_error(&stateful_set("serviceNam: db", "")),
        [format!(
            "spec.serviceNam: unknown field `serviceNam`; did you mean `serviceName`? {kubectl}"
        )]
    );
    // Inside a field that is only reported, a misspelling is still one.
    assert_eq!(
        import_error(&stateful_set("ordinals: {start: 0, strat: 1}", "")),
        [format!(
            "spec.ordinals.strat: unknown field `strat`; did you mean `start`? {kubectl}"
        )]
    );
    assert_eq!(
        import_error(&stateful_set(
            "persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScald: Delete}",
            ""
        )),
        [format!(
            "spec.persistentVolumeClaimRetentionPolicy.whenScald: unknown field `whenScald`; \
             did you mean `whenScaled`? {kubectl}"
        )]
    );
    let e = import_error(&stateful_set("strategy: {type: RollingUpdate}", ""));
    assert!(
        e[0].starts_with("spec.strategy: unknown field `strategy`") && e[0].ends_with(kubectl),
        "{e:?}"
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
                          replicas: 4\n  template:\n    spec:\n      containers: [{name: app, \
                          image: web:1}]\n";

/// Beside a Deployment in one file, and in a list as `kubectl get sts,deploy -o yaml`
/// prints them: each is a scenario, the StatefulSet's a `strategy.statefulSet`, and `--out
/// DIR` writes one file each. One of a retired apiVersion is skipped as such.
#[test]
fn a_stateful_set_and_a_deployment_in_one_file_both_import() {
    let sts_text = stateful_set("replicas: 3", "");
    let two = format!("{sts_text}---\n{DEPLOYMENT}");
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        [sts_text.as_str(), DEPLOYMENT]
            .iter()
            .map(|doc| format!("- {}", indent(doc, 2).trim_start()))
            .collect::<String>()
    );
    for text in [&two, &list] {
        let found = import_str(text, "m.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
        let whats: Vec<&str> = found.candidates.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(whats, ["StatefulSet db", "Deployment web"], "{text}");
        let loaded: Vec<Scenario> = found
            .candidates
            .iter()
            .map(|c| {
                let i = c.outcome.as_ref().unwrap_or_else(|e| panic!("{e}"));
                load_str(&i.text, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        assert!(matches!(loaded[0].strategy, Strategy::StatefulSet(_)));
        assert!(matches!(loaded[1].strategy, Strategy::Kubernetes(_)));
        assert_eq!(
            (loaded[0].service.replicas, loaded[1].service.replicas),
            (3, 4)
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("all.yaml"), &two).unwrap();
    let (_, err) = imported(tmp.path(), &["all.yaml", "--out", "out"]);
    assert_eq!(
        err,
        "wrote out/db.yaml from all.yaml (StatefulSet db)\nwrote out/web.yaml from all.yaml \
         (Deployment web)\n"
    );
    std::fs::write(
        tmp.path().join("old.yaml"),
        sts_text.replace("apps/v1", "apps/v1beta1"),
    )
    .unwrap();
    assert_eq!(
        refused(tmp.path(), &["old.yaml"]),
        "error: old.yaml: (file): nothing to import (a Deployment, DaemonSet or StatefulSet of \
         apps/v1, an Argo Rollout, a Flagger Canary or a compose service): found document 1 at \
         line 1: StatefulSet db (apiVersion apps/v1beta1: only apps/v1 is read)\n"
    );
}

/// An Argo Rollout's `workloadRef` or a Flagger Canary's `targetRef` naming a StatefulSet
/// is refused as before (neither controller rolls one out), though the StatefulSet itself
/// now imports as its own scenario.
#[test]
fn a_reference_naming_a_stateful_set_stays_refused() {
    let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: db-rollout, \
                   namespace: data}\nspec:\n  replicas: 3\n  workloadRef: {apiVersion: apps/v1, \
                   kind: StatefulSet, name: db}\n  strategy: {canary: {steps: [{setWeight: \
                   50}]}}\n";
    let canary = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: db-canary, \
                  namespace: data}\nspec:\n  targetRef: {apiVersion: apps/v1, kind: StatefulSet, \
                  name: db}\n  analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n";
    for (referrer, why) in [
        (
            rollout,
            "spec.workloadRef.kind: workloadRef is a StatefulSet, which Argo Rollouts",
        ),
        (
            canary,
            "spec.targetRef.kind: targetRef is a StatefulSet: the simulator runs Flagger's loop",
        ),
    ] {
        let text = format!("{referrer}---\n{}", stateful_set("", ""));
        let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
        let e = found.candidates[0].outcome.as_ref().unwrap_err();
        assert!(e.problems[0].to_string().starts_with(why), "{e}");
        assert_eq!(found.candidates[1].what, "StatefulSet db");
        assert!(found.candidates[1].outcome.is_ok());
    }
}

/// A partitioned rollout imports and runs in the library: it completes once the pods at
/// and above the partition are updated (`partitioned roll out complete`).
#[test]
fn a_partitioned_stateful_set_imports_and_runs() {
    let (s, _) = import(&stateful_set(
        "replicas: 4\nupdateStrategy:\n  rollingUpdate: {partition: 2}",
        "resources: {requests: {cpu: \"1\", memory: 1Gi}}",
    ));
    assert_eq!((sts(&s).partition, s.service.replicas), (2, 4));
    assert_eq!(trial(&s).outcome, Outcome::Completed);
}

/// As a user would: import a database StatefulSet to a file, then `run` it; every trial
/// completes.
#[test]
fn an_imported_stateful_set_runs_to_completion() {
    let text = stateful_set(
        "replicas: 3\nserviceName: db-headless\npodManagementPolicy: OrderedReady\n\
         updateStrategy:\n  type: RollingUpdate\n  rollingUpdate: {partition: 0}\n\
         minReadySeconds: 5\nvolumeClaimTemplates:\n- metadata: {name: data}\n  spec: \
         {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}",
        "ports: [{name: pg, containerPort: 5432}]\n\
         readinessProbe: {exec: {command: [pg_isready]}, periodSeconds: 5}\n\
         resources: {requests: {cpu: 500m, memory: 1Gi}}",
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("db.yaml"), &text).unwrap();
    let (_, err) = imported(dir, &["db.yaml", "--out", "db-scenario.yaml"]);
    assert!(
        err.contains("not simulated: db.yaml (StatefulSet db): spec.serviceName:"),
        "{err}"
    );
    let out = bin()
        .current_dir(dir)
        .args(["run", "db-scenario.yaml", "--trials", "5", "--quiet"])
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
