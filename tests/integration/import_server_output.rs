//! A Deployment as the API server returns it (`kubectl get deploy web -o yaml`): the
//! values its defaulting filled in (kubernetes/kubernetes `pkg/apis/core/v1/defaults.go`,
//! `SetDefaults_Container`, `SetDefaults_PodSpec`; `pkg/apis/apps/v1/defaults.go`,
//! `SetDefaults_Deployment`) and its `status` are read as absent, so the "not simulated"
//! lines left are those of fields the user set.

use super::import_files::{imported, write};

/// What `kubectl get deploy web -o yaml` prints for a Deployment applied with
/// `env` (not simulated: the one field every import reports), `ports: [{containerPort:
/// 80}]` and a readiness probe, the rest left to the server.
const SERVER: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: "2"
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"env":[{"name":"MODE","value":"edge"}],"image":"nginx:1.27","name":"nginx","ports":[{"containerPort":80}],"readinessProbe":{"httpGet":{"path":"/","port":80}}}]}}}}
  creationTimestamp: "2026-11-30T09:12:44Z"
  generation: 2
  labels:
    app: web
  name: web
  namespace: default
  resourceVersion: "48213"
  uid: 6f0f3c1e-2b7d-4f43-9a51-3c8e7d2b1a90
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
      - env:
        - name: MODE
          value: edge
        image: nginx:1.27
        imagePullPolicy: IfNotPresent
        name: nginx
        ports:
        - containerPort: 80
          protocol: TCP
        readinessProbe:
          failureThreshold: 3
          httpGet:
            path: /
            port: 80
            scheme: HTTP
          periodSeconds: 10
          successThreshold: 1
          timeoutSeconds: 1
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
  conditions:
  - lastTransitionTime: "2026-11-30T09:12:50Z"
    lastUpdateTime: "2026-11-30T09:12:50Z"
    message: Deployment has minimum availability.
    reason: MinimumReplicasAvailable
    status: "True"
    type: Available
  - lastTransitionTime: "2026-11-30T09:12:44Z"
    lastUpdateTime: "2026-12-01T14:03:10Z"
    message: ReplicaSet "web-7d4b9c8f6d" has successfully progressed.
    reason: NewReplicaSetAvailable
    status: "True"
    type: Progressing
  observedGeneration: 2
  readyReplicas: 3
  replicas: 3
  updatedReplicas: 3
"#;

/// The lines of `SERVER` the server wrote that the import reads as absent (the metadata
/// it keeps, the defaulted fields, the empty `resources`); `status` is the rest of the file.
const FILLED_IN: [&str; 15] = [
    "    deployment.kubernetes.io/revision:",
    "    kubectl.kubernetes.io/last-applied-configuration:",
    "      {\"apiVersion\"",
    "  creationTimestamp:",
    "  generation:",
    "  resourceVersion:",
    "  uid:",
    "        imagePullPolicy: IfNotPresent",
    "        resources: {}",
    "        terminationMessagePath:",
    "        terminationMessagePolicy:",
    "      dnsPolicy: ClusterFirst",
    "      restartPolicy: Always",
    "      schedulerName: default-scheduler",
    "      securityContext: {}",
];

/// `SERVER` without what the server filled in: what the user applied, with the values
/// the import maps (the strategy, a probe's timings, the grace period) kept as written.
fn applied() -> String {
    let mut out = String::new();
    for line in SERVER.lines().take_while(|l| *l != "status:") {
        if line == "  annotations:" || FILLED_IN.iter().any(|f| line.starts_with(f)) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The manifest paths `import` reports as not simulated for `text` (the file
/// `kget.yaml`), and its stdout and stderr.
fn notes(text: &str) -> (Vec<String>, String, String) {
    notes_of(text, "Deployment web")
}

/// [`notes`] of the scenario imported from the object `what` (`Argo Rollout web`).
fn notes_of(text: &str, what: &str) -> (Vec<String>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("kget.yaml", text.as_bytes())]);
    let (out, err) = imported(dir.path(), &["kget.yaml"]);
    let head = format!("not simulated: kget.yaml ({what}): ");
    let paths = err
        .lines()
        .filter_map(|l| l.strip_prefix(head.as_str()))
        .map(|l| l.split(':').next().unwrap_or(l).to_string())
        .collect();
    (paths, out, err)
}

/// Reported by every import of `SERVER`: the simulator has no environment.
const ENV: &str = "spec.template.spec.containers.0.env";

#[test]
fn what_the_server_filled_in_is_read_as_absent() {
    let (paths, out, err) = notes(SERVER);
    assert_eq!(paths, [ENV], "{err}");
    assert!(out.contains(&format!("#   {ENV}: ")), "{out}");
    assert!(!out.contains("status"), "{out}");
    // The same scenario, and the same lines, as the manifest without them.
    let bare = applied();
    assert!(!bare.contains("dnsPolicy") && bare.contains("protocol: TCP"));
    let (bare_paths, bare_out, bare_err) = notes(&bare);
    assert_eq!(bare_paths, paths);
    assert_eq!(bare_out, out);
    assert_eq!(bare_err, err);
}

#[test]
fn a_value_the_user_set_keeps_its_note() {
    let set = SERVER
        .replace("imagePullPolicy: IfNotPresent", "imagePullPolicy: Always")
        .replace("restartPolicy: Always", "restartPolicy: Never")
        .replace("dnsPolicy: ClusterFirst", "dnsPolicy: Default")
        .replace(
            "schedulerName: default-scheduler",
            "schedulerName: bin-packer",
        )
        .replace(
            "securityContext: {}",
            "securityContext: {runAsNonRoot: true}",
        )
        .replace(
            "terminationMessagePolicy: File",
            "terminationMessagePolicy: FallbackToLogsOnError",
        );
    let (paths, _, err) = notes(&set);
    let at = |f: &str| format!("spec.template.spec.{f}");
    assert_eq!(
        paths,
        [
            ENV.to_string(),
            at("containers.0.imagePullPolicy"),
            at("containers.0.terminationMessagePolicy"),
            at("dnsPolicy"),
            at("restartPolicy"),
            at("schedulerName"),
            at("securityContext"),
        ],
        "{err}"
    );
    assert!(
        err.contains(
            "not simulated: kget.yaml (Deployment web): \
             spec.template.spec.containers.0.imagePullPolicy: no scenario field says this\n"
        ),
        "{err}"
    );
}

#[test]
fn always_is_the_default_of_an_untagged_or_latest_image() {
    let pull = "spec.template.spec.containers.0.imagePullPolicy";
    for (image, policy, noted) in [
        ("nginx", "Always", false),
        ("nginx:latest", "Always", false),
        ("registry.local:5000/web", "Always", false),
        (
            "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
            "IfNotPresent",
            false,
        ),
        ("nginx", "IfNotPresent", true),
        ("registry.local:5000/web:2", "Always", true),
    ] {
        let text = SERVER
            .replace(
                "        image: nginx:1.27",
                &format!("        image: {image}"),
            )
            .replace(
                "imagePullPolicy: IfNotPresent",
                &format!("imagePullPolicy: {policy}"),
            );
        let (paths, _, err) = notes(&text);
        let want: Vec<&str> = if noted { vec![ENV, pull] } else { vec![ENV] };
        assert_eq!(paths, want, "{image} {policy}: {err}");
    }
}

/// The Deployment a Canary's `targetRef` or a Rollout's `workloadRef` names, as the server
/// returns it: its defaulted `strategy`, `revisionHistoryLimit` and
/// `progressDeadlineSeconds` (`SetDefaults_Deployment`) are not fields the user set there,
/// and a Canary's or Rollout's `status` is what `kubectl get` observed.
#[test]
fn a_referred_deployment_and_the_status_of_a_canary_or_rollout_are_read_as_absent() {
    let canary = "---\napiVersion: flagger.app/v1beta1\nkind: Canary\n\
                  metadata: {name: web, namespace: default}\nspec:\n  \
                  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
                  analysis: {interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10}\n\
                  status: {phase: Succeeded, canaryWeight: 0, failedChecks: 0}\n";
    let (paths, _, err) = notes_of(&format!("{SERVER}{canary}"), "Flagger Canary web");
    assert_eq!(paths, [format!("Deployment web.{ENV}")], "{err}");
    let rollout = "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\n\
                   metadata: {name: web, namespace: default}\nspec:\n  replicas: 3\n  \
                   workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  \
                   strategy:\n    canary:\n      steps: [{setWeight: 20}, {pause: {duration: 1m}}]\n\
                   status: {phase: Healthy, currentPodHash: 7d4b9c8f6d}\n";
    let (paths, _, err) = notes_of(&format!("{SERVER}{rollout}"), "Argo Rollout web");
    // The Deployment's own `replicas` (its pods) is the user's, and stays noted.
    assert_eq!(
        paths,
        [
            "Deployment web.spec.replicas".to_string(),
            format!("Deployment web.{ENV}")
        ],
        "{err}"
    );
    // A value the user chose there keeps its note.
    let own = SERVER.replace("revisionHistoryLimit: 10", "revisionHistoryLimit: 3");
    let (paths, _, err) = notes_of(&format!("{own}{canary}"), "Flagger Canary web");
    assert_eq!(
        paths,
        [
            "Deployment web.spec.revisionHistoryLimit".to_string(),
            format!("Deployment web.{ENV}")
        ],
        "{err}"
    );
}
