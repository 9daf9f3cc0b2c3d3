//! What `kubectl get … -o yaml|json` prints, imported: a `kind: List` (or a typed list,
//! `DeploymentList`, as the API serves it) is read as its items, in the order kubectl's
//! resource builder visits them (kubernetes/cli-runtime `pkg/resource/visitor.go`,
//! `FlattenListVisitor.Visit`), each item named by its place (`document 1 at line 1,
//! items.2`); and `--namespace` (`-n`) picks the objects of one namespace, as `kubectl -A`
//! output holds objects of one name in several.

use super::import_files::{imported, refused, write};
use crate::support::manifest;
use rollout_sim::scenario::{Format, load_str};
use serde_json::{Value, json};

/// A Deployment `name` in namespace `ns` running `image`, as `kubectl get -o yaml` prints
/// an item (the fields the server fills in, and `status`).
fn deployment(name: &str, ns: &str, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "generation": 1,
            "labels": {"app": name},
            "name": name,
            "namespace": ns,
            "resourceVersion": "1234",
            "uid": "0b7b5c8e-4c1e-4a59-9c34-1e0f7a1d2c3b"
        },
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 3,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                "type": "RollingUpdate"
            },
            "template": {
                "metadata": {"creationTimestamp": null, "labels": {"app": name}},
                "spec": {"containers": [{"image": image, "name": "app"}]}
            }
        },
        "status": {"availableReplicas": 3, "observedGeneration": 1, "replicas": 3}
    })
}

/// What `kubectl get … -o json` prints for `items`.
fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

/// `value` as `kubectl get -o json` prints it (JSON is YAML: a `.yaml` file of it is read
/// as YAML).
fn yaml(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap() + "\n"
}

/// What `kubectl get deploy -o yaml` prints for one Deployment (kubectl v1.30).
const KUBECTL_YAML: &str = r#"apiVersion: v1
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    annotations:
      deployment.kubernetes.io/revision: "1"
    creationTimestamp: "2024-05-01T10:00:00Z"
    generation: 1
    labels:
      app: web
    name: web
    namespace: default
    resourceVersion: "1234"
    uid: 0b7b5c8e-4c1e-4a59-9c34-1e0f7a1d2c3b
  spec:
    progressDeadlineSeconds: 600
    replicas: 3
    revisionHistoryLimit: 10
    selector:
      matchLabels:
        app: web
    strategy:
      rollingUpdate:
        maxSurge: 25%
        maxUnavailable: 25%
      type: RollingUpdate
    template:
      metadata:
        creationTimestamp: null
        labels:
          app: web
      spec:
        containers:
        - image: nginx:1.27
          imagePullPolicy: IfNotPresent
          name: nginx
          resources: {}
          terminationMessagePath: /dev/termination-log
          terminationMessagePolicy: File
        dnsPolicy: ClusterFirst
        restartPolicy: Always
        schedulerName: default-scheduler
        securityContext: {}
        terminationGracePeriodSeconds: 30
  status:
    availableReplicas: 3
    observedGeneration: 1
    readyReplicas: 3
    replicas: 3
    updatedReplicas: 3
kind: List
metadata:
  resourceVersion: ""
"#;

/// What `import file` says, `file` holding `text` in `dir`, when it is refused.
fn refused_alone(dir: &std::path::Path, file: &str, text: &str) -> String {
    write(dir, &[(file, text.as_bytes())]);
    refused(dir, &[file])
}

/// The name, replicas and next image of the imported scenario `yaml`.
fn scenario(yaml: &str) -> (String, u32, String) {
    let s = load_str(yaml, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    let image = s.service.versions[1].image.clone();
    (s.name, s.service.replicas, image)
}

#[test]
fn a_kubectl_list_in_yaml_imports_as_its_deployment_would() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("list.yaml", KUBECTL_YAML.as_bytes())]);
    let (from_list, err) = imported(dir.path(), &["list.yaml"]);
    assert_eq!(
        scenario(&from_list),
        ("web".into(), 3, "nginx:1.27".into()),
        "{err}"
    );
    // The same scenario as the Deployment's own document gives, told as the same fields.
    let item: Vec<&str> = KUBECTL_YAML
        .lines()
        .skip(2)
        .take_while(|l| *l != "kind: List")
        .collect();
    let one: String = item.iter().map(|l| format!("{}\n", &l[2..])).collect();
    let other = tempfile::tempdir().unwrap();
    write(other.path(), &[("list.yaml", one.as_bytes())]);
    let (alone, alone_err) = imported(other.path(), &["list.yaml"]);
    assert_eq!(from_list, alone);
    assert_eq!(err, alone_err);
}

#[test]
fn a_kubectl_list_in_json_of_every_namespace_imports_each_item() {
    let dir = tempfile::tempdir().unwrap();
    let items = vec![
        deployment("api", "shop", "api:2"),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "shop"}}),
        deployment("web", "default", "web:7"),
    ];
    let printed = serde_json::to_string_pretty(&list(items)).unwrap();
    write(dir.path(), &[("all.json", printed.as_bytes())]);
    let (out, err) = imported(dir.path(), &["all.json", "--out", "o/"]);
    assert_eq!(out, "");
    let read = |name: &str| std::fs::read_to_string(dir.path().join("o").join(name)).unwrap();
    assert_eq!(
        scenario(&read("api.yaml")),
        ("api".into(), 3, "api:2".into())
    );
    assert_eq!(
        scenario(&read("web.yaml")),
        ("web".into(), 3, "web:7".into())
    );
    assert!(
        err.contains("skipped: all.json: document 1 at line 1, items.1: Service api\n"),
        "{err}"
    );
}

#[test]
fn a_typed_list_as_the_api_serves_it_gives_its_items_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    // `kubectl get --raw /apis/apps/v1/deployments`: the items have no kind or apiVersion.
    let mut item = deployment("api", "shop", "api:2");
    let m = item.as_object_mut().unwrap();
    m.remove("kind");
    m.remove("apiVersion");
    let raw = json!({"kind": "DeploymentList", "apiVersion": "apps/v1",
                     "metadata": {"resourceVersion": "42"}, "items": [item]});
    write(dir.path(), &[("raw.json", raw.to_string().as_bytes())]);
    let (out, err) = imported(dir.path(), &["raw.json"]);
    assert_eq!(scenario(&out), ("api".into(), 3, "api:2".into()), "{err}");
    // An item that says what it is keeps it.
    let raw = json!({"kind": "DeploymentList", "apiVersion": "apps/v1",
                     "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]});
    let err = refused_alone(dir.path(), "cm.json", &raw.to_string());
    assert!(
        err.contains("found document 1 at line 1, items.0: ConfigMap c\n"),
        "{err}"
    );
}

#[test]
fn a_rollout_and_its_templates_in_a_list_import_as_in_documents() {
    let text = std::fs::read_to_string(manifest("rollout-canary.yaml")).unwrap();
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).unwrap();
    assert_eq!(docs.len(), 4);
    let (plain, listed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(plain.path(), &[("r.yaml", text.as_bytes())]);
    write(
        listed.path(),
        &[("r.yaml", yaml(&list(docs.clone())).as_bytes())],
    );
    let (want, _) = imported(plain.path(), &["r.yaml"]);
    let (got, err) = imported(listed.path(), &["r.yaml"]);
    assert_eq!(got, want, "{err}");
    // The templates as a List in a file of their own, the Rollout in another.
    let (templates, rest): (Vec<Value>, Vec<Value>) = docs
        .into_iter()
        .partition(|d| d["kind"] == "AnalysisTemplate");
    let rest: Vec<String> = rest.iter().map(yaml).collect();
    assert_eq!(rest.len(), 2);
    write(
        listed.path(),
        &[
            ("r.yaml", rest.join("---\n").as_bytes()),
            ("t.json", list(templates).to_string().as_bytes()),
        ],
    );
    let (got, err) = imported(listed.path(), &["r.yaml", "t.json"]);
    // Only now from another file, the templates are named with it.
    assert_eq!(got.replace(" (t.json), metric", ", metric"), want, "{err}");
    assert!(
        err.contains("skipped: t.json: document 1 at line 1, items.1: AnalysisTemplate latency"),
        "{err}"
    );
}

#[test]
fn a_list_of_lists_is_read_breadth_first_as_kubectl_visits_it() {
    let dir = tempfile::tempdir().unwrap();
    let nested = list(vec![
        deployment("a", "default", "a:1"),
        list(vec![
            deployment("b", "default", "b:1"),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"}}),
        ]),
        deployment("c", "default", "c:1"),
    ]);
    let text = format!("# kubectl get deploy -o yaml\n---\n{}", yaml(&nested));
    write(dir.path(), &[("n.yaml", text.as_bytes())]);
    let (_, err) = imported(dir.path(), &["n.yaml", "--out", "o/"]);
    super::import_files::in_order(
        &err,
        &[
            "skipped: n.yaml: document 1 at line 2, items.1.items.1: Service b\n",
            "wrote o/a.yaml from n.yaml (Deployment a)\n",
            "wrote o/c.yaml from n.yaml (Deployment c)\n",
            "wrote o/b.yaml from n.yaml (Deployment b)\n",
        ],
    );
}

#[test]
fn items_are_named_by_their_place_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = deployment("web", "default", "web:1");
    bad["spec"]["replicas"] = json!("three");
    let text = format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: x}}\n---\n{}",
        yaml(&list(vec![
            deployment("web", "default", "web:1"),
            bad.clone()
        ]))
    );
    write(dir.path(), &[("l.yaml", text.as_bytes())]);
    let err = refused(dir.path(), &["l.yaml"]);
    assert!(
        err.contains(
            "l.yaml (Deployment web): metadata.name: `web` names two scenarios of l.yaml: \
             document 2 at line 4, items.0 (Deployment web) and document 2 at line 4, items.1 \
             (Deployment web), counted from 1 as `---` separates them"
        ),
        "{err}"
    );
    // A field of an item is told at its path in the object, as for a document.
    let err = refused_alone(dir.path(), "b.yaml", &yaml(&list(vec![bad])));
    assert!(
        err.contains("b.yaml (Deployment web): spec.replicas: "),
        "{err}"
    );
    // So is a value found before the items are read, with its line in the file.
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: \
                Deployment\n  metadata: {name: web}\n  spec:\n    replicas: .nan\n";
    assert_eq!(
        refused_alone(dir.path(), "n.yaml", text),
        "error: n.yaml (Deployment web): spec.replicas: `.nan` (line 8, column 15) is not a \
         finite number (not a number, or an infinity): give a finite value of the field's \
         type\n"
    );
}

#[test]
fn bad_items_are_refused_naming_the_file_place_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: List\nitems:\n- web\n- [1]\n- apiVersion: v1\n  \
                kind: List\n  items: 3\n";
    let err = refused_alone(dir.path(), "bad.yaml", text);
    assert_eq!(
        err,
        "error: bad.yaml: items.0: document 1 at line 1 (List): an item of a list is a \
         Kubernetes object (a map with apiVersion and kind), got \"web\"\n\
         bad.yaml: items.1: document 1 at line 1 (List): an item of a list is a Kubernetes \
         object (a map with apiVersion and kind), got a list\n\
         bad.yaml: items.2.items: document 1 at line 1 (List): a list's `items` is a \
         sequence of Kubernetes objects, got 3\n"
    );
    let text = r#"{"apiVersion": "v1", "kind": "List", "items": "x"}"#;
    let err = refused_alone(dir.path(), "s.json", text);
    assert_eq!(
        err,
        "error: s.json: items: document 1 at line 1 (List): a list's `items` is a sequence \
         of Kubernetes objects, got \"x\"\n"
    );
}

#[test]
fn an_empty_list_is_nothing_to_import_told_as_such() {
    let dir = tempfile::tempdir().unwrap();
    // `kubectl get deploy -o yaml` where there is none.
    let text = "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
    let err = refused_alone(dir.path(), "none.yaml", text);
    assert_eq!(
        err,
        "error: none.yaml: (file): nothing to import (a Deployment, DaemonSet or StatefulSet of \
         apps/v1, an Argo Rollout, a Flagger Canary or a compose service): found document 1 at line 1: an \
         empty List (no items)\n"
    );
}

#[test]
fn namespace_picks_one_of_two_deployments_of_one_name() {
    let dir = tempfile::tempdir().unwrap();
    let all = list(vec![
        deployment("web", "a", "web:a"),
        deployment("web", "b", "web:b"),
    ]);
    let (a, b) = (
        list(vec![deployment("web", "a", "web:a")]),
        deployment("web", "b", "web:b"),
    );
    write(
        dir.path(),
        &[
            ("all.yaml", yaml(&all).as_bytes()),
            ("a.yaml", yaml(&a).as_bytes()),
            ("b.yaml", yaml(&b).as_bytes()),
        ],
    );
    let err = refused(dir.path(), &["all.yaml"]);
    assert!(
        err.contains(
            "by its name, not its namespace: pick one with `--namespace a` or `--namespace b`\n"
        ),
        "{err}"
    );
    for (args, image) in [
        (&["all.yaml", "--namespace", "b"][..], "web:b"),
        (&["all.yaml", "-n", "a"], "web:a"),
        (&["a.yaml", "b.yaml", "-n", "b"], "web:b"),
        (&["a.yaml", "b.yaml", "-n", "a", "--name", "web"], "web:a"),
    ] {
        let (out, err) = imported(dir.path(), args);
        assert_eq!(
            scenario(&out),
            ("web".into(), 3, image.into()),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn namespace_without_a_match_names_the_namespaces_that_hold_some() {
    let dir = tempfile::tempdir().unwrap();
    let all = list(vec![
        deployment("web", "b", "web:b"),
        deployment("api", "a", "api:a"),
        deployment("web", "a", "web:a"),
    ]);
    let compose = std::fs::read_to_string(manifest("compose-stack.yaml")).unwrap();
    write(
        dir.path(),
        &[
            ("all.yaml", yaml(&all).as_bytes()),
            ("stack.yml", compose.as_bytes()),
        ],
    );
    let err = refused(dir.path(), &["all.yaml", "-n", "prod"]);
    assert_eq!(
        err,
        "error: --namespace prod: no Deployment, DaemonSet, StatefulSet, Rollout or Canary in namespace prod (the \
         files hold them in namespaces a, b)\n"
    );
    // A compose file has no namespace: its services are skipped, and told so.
    let err = refused(dir.path(), &["stack.yml", "-n", "prod"]);
    assert!(
        err.contains(
            "skipped: stack.yml: document 1 at line 2: compose service web (a compose file \
             has no namespace; --namespace prod picks Kubernetes objects)\n"
        ),
        "{err}"
    );
    assert!(
        err.ends_with(
            "error: --namespace prod: no Deployment, DaemonSet, StatefulSet, Rollout or Canary in namespace prod \
             (compose services have no namespace: import them without --namespace)\n"
        ),
        "{err}"
    );
    let (out, err) = imported(dir.path(), &["stack.yml", "all.yaml", "-n", "b"]);
    assert_eq!(scenario(&out), ("web".into(), 3, "web:b".into()), "{err}");
    // With --name: the namespaces that hold that name.
    let err = refused(dir.path(), &["all.yaml", "-n", "b", "--name", "api"]);
    assert_eq!(
        err,
        "error: --name api: no such Deployment, DaemonSet, StatefulSet, Rollout or Canary in namespace b (found \
         Deployment web); `api` is in namespace a, not b\n"
    );
}

#[test]
fn a_manifest_run_directly_with_one_name_in_two_namespaces_says_to_pick_a_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let all = list(vec![
        deployment("web", "a", "web:a"),
        deployment("web", "b", "web:b"),
    ]);
    write(dir.path(), &[("all.yaml", yaml(&all).as_bytes())]);
    let out = crate::support::bin()
        .current_dir(dir.path())
        .args(["run", "all.yaml", "--trials", "2"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(
        err,
        "error: all.yaml: (file): the manifest holds 2 (Deployment web in namespace a, \
         Deployment web in namespace b): write one scenario with `rollout-sim import all.yaml \
         --namespace NS --name NAME --out NAME.yaml` and give that\n"
    );
    // One of them, and only then, is a manifest `run` reads directly.
    let one = list(vec![deployment("web", "b", "web:b")]);
    write(dir.path(), &[("one.yaml", yaml(&one).as_bytes())]);
    crate::support::bin()
        .current_dir(dir.path())
        .args(["run", "one.yaml", "--trials", "2", "--quiet"])
        .assert()
        .success();
}

#[test]
fn an_empty_namespace_is_refused_as_no_namespace() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("a.yaml", yaml(&deployment("web", "a", "web:a")).as_bytes())],
    );
    let err = refused(dir.path(), &["a.yaml", "-n", ""]);
    assert!(
        err.contains("a value is required for '--namespace <NS>' but none was supplied"),
        "{err}"
    );
}
