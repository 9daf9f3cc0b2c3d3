//! Importing a Deployment: every mapped field lands where the scenario format says (against
//! the Kubernetes API values written in the manifest), and unsupported fields are reported
//! at their paths. The helpers here import a manifest for every importer's tests; the
//! command itself (bad manifests, several scenarios, the files it writes) is in
//! `import_command.rs`.

use rollout_sim::scenario::import::{Found, import_str};
use rollout_sim::scenario::{
    DeploymentStrategy, Format, IntOrPercent, Probe, Scenario, Strategy, load_str,
};
use rollout_sim::sim::time::{MILLISECOND, SECOND};

/// Imports `text` (one scenario expected) and loads the written scenario back.
pub fn import(text: &str) -> (Scenario, Found) {
    let found = match import_str(text, "m.yaml", Format::Yaml) {
        Ok(f) => f,
        Err(e) => panic!("import failed:\n{e}"),
    };
    let imported = match &found.candidates[..] {
        [one] => one.outcome.clone().unwrap_or_else(|e| panic!("{e}")),
        many => panic!("{} candidates", many.len()),
    };
    let s = load_str(&imported.text, "imported.yaml", Format::Yaml, &[])
        .unwrap_or_else(|e| panic!("{e}\n{}", imported.text));
    (s, found)
}

/// The problems of a failed import, as `path: message` lines.
pub fn import_error(text: &str) -> Vec<String> {
    let e = match import_str(text, "m.yaml", Format::Yaml) {
        Err(e) => e,
        Ok(found) => match found.candidates.into_iter().find_map(|c| c.outcome.err()) {
            Some(e) => e,
            None => panic!("imported without error"),
        },
    };
    e.problems.iter().map(|p| p.to_string()).collect()
}

/// `text` with every line indented by `n` spaces: a block to splice into a manifest.
pub(crate) fn indent(text: &str, n: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(n)))
        .collect()
}

/// A Deployment whose `spec` continues with `spec` (indented by 2) and whose only
/// container continues with `container` (indented by 8).
pub(crate) fn deployment(spec: &str, container: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n{}  template:\n    \
         spec:\n      containers:\n      - name: app\n        image: web:1\n{}",
        indent(spec, 2),
        indent(container, 8)
    )
}

pub(crate) fn k8s(s: &Scenario) -> &rollout_sim::scenario::KubernetesStrategy {
    match &s.strategy {
        Strategy::Kubernetes(k) => k,
        other => panic!("not Kubernetes: {other:?}"),
    }
}

pub fn unsupported(found: &Found) -> Vec<String> {
    let imported = found.candidates[0].outcome.as_ref().unwrap();
    imported
        .unsupported
        .iter()
        .map(|p| p.path.clone())
        .collect()
}

#[test]
fn deployment_replicas_and_its_default() {
    let (s, _) = import(&deployment("replicas: 7", ""));
    assert_eq!(s.service.replicas, 7);
    assert_eq!(s.name, "web");
    // apps/v1 `SetDefaults_Deployment`: replicas 1.
    let (s, _) = import(&deployment("", ""));
    assert_eq!(s.service.replicas, 1);
}

#[test]
fn rolling_update_int_and_percent() {
    let (s, _) = import(&deployment(
        "strategy:\n  type: RollingUpdate\n  rollingUpdate: {maxSurge: 2, maxUnavailable: 0}",
        "",
    ));
    assert_eq!(
        k8s(&s).kind,
        DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Int(2),
            max_unavailable: IntOrPercent::Int(0)
        }
    );
    let (s, _) = import(&deployment(
        "strategy:\n  rollingUpdate: {maxSurge: 30%, maxUnavailable: \"10%\"}",
        "",
    ));
    assert_eq!(
        k8s(&s).kind,
        DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(30),
            max_unavailable: IntOrPercent::Percent(10)
        }
    );
    // No strategy: the API's 25% / 25%.
    let (s, _) = import(&deployment("", ""));
    assert_eq!(
        k8s(&s).kind,
        DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25)
        }
    );
}

#[test]
fn recreate_and_the_deadlines() {
    let (s, _) = import(&deployment(
        "strategy: {type: Recreate}\nminReadySeconds: 10\nprogressDeadlineSeconds: 120",
        "",
    ));
    let k = k8s(&s);
    assert_eq!(k.kind, DeploymentStrategy::Recreate);
    assert_eq!(
        (k.min_ready, k.progress_deadline),
        (10 * SECOND, Some(120 * SECOND))
    );
}

#[test]
fn invalid_int_or_string_is_refused_at_its_manifest_path() {
    let text = deployment("strategy:\n  rollingUpdate: {maxSurge: \"30\"}", "");
    assert_eq!(
        import_error(&text),
        [
            "spec.strategy.rollingUpdate.maxSurge: invalid type: string is not a percentage, got \"30\" \
             (write a count as a bare number, `30`, or a percentage with `%`, \"30%\")"
        ]
    );
    let text = deployment(
        "strategy:\n  rollingUpdate: {maxSurge: 0, maxUnavailable: 0}",
        "",
    );
    assert_eq!(
        import_error(&text),
        ["spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0"]
    );
    let text = deployment(
        "strategy:\n  type: Recreate\n  rollingUpdate: {maxSurge: 1}",
        "",
    );
    assert_eq!(
        import_error(&text),
        ["spec.strategy.rollingUpdate: may not be specified when strategy `type` is 'Recreate'"]
    );
}

#[test]
fn revision_history_limit_is_imported() {
    // It bounds the revisions `rollout: undo, to_revision` can go back to.
    let (s, found) = import(&deployment("revisionHistoryLimit: 3", ""));
    assert!(unsupported(&found).is_empty());
    match s.strategy {
        rollout_sim::scenario::Strategy::Kubernetes(k) => assert_eq!(k.revision_history_limit, 3),
        _ => panic!("a Deployment imports as kubernetes"),
    }
}

#[test]
fn requests_are_the_pods_sum_and_limits_stand_in_for_missing_ones() {
    let text = format!(
        "{}      - name: sidecar\n        image: proxy:1\n        resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}\n",
        deployment("", "resources:\n  requests: {cpu: 250m, memory: 256Mi}")
    );
    let (s, found) = import(&text);
    assert_eq!(
        (
            s.service.resources.cpu_millis,
            s.service.resources.memory_bytes
        ),
        (350, 320 << 20)
    );
    assert_eq!(
        unsupported(&found),
        ["spec.template.spec.containers.1.image"]
    );
    // `SetDefaults_Pod`: a request not given is the limit.
    let (s, found) = import(&deployment(
        "",
        "resources:\n  requests: {memory: 1Gi}\n  limits: {cpu: \"2\", memory: 2Gi}",
    ));
    assert_eq!(
        (
            s.service.resources.cpu_millis,
            s.service.resources.memory_bytes
        ),
        (2000, 1 << 30)
    );
    assert_eq!(
        unsupported(&found),
        ["spec.template.spec.containers.0.resources.limits"]
    );
}

#[test]
fn the_three_probes() {
    let (s, _) = import(&deployment(
        "",
        "readinessProbe:\n  httpGet: {path: /r, port: 80}\n  initialDelaySeconds: 3\n  periodSeconds: 4\n  \
         timeoutSeconds: 2\n  successThreshold: 2\n  failureThreshold: 5\n\
         livenessProbe:\n  tcpSocket: {port: 80}\n  periodSeconds: 20\n\
         startupProbe:\n  exec: {command: [true]}\n  failureThreshold: 30",
    ));
    assert_eq!(
        s.service.readiness_probe,
        Some(Probe {
            initial_delay: 3 * SECOND,
            period: 4 * SECOND,
            timeout: 2 * SECOND,
            success_threshold: 2,
            failure_threshold: 5,
            flaky: 0.0
        })
    );
    assert_eq!(
        s.service.liveness_probe,
        Some(Probe {
            period: 20 * SECOND,
            ..Probe::default()
        })
    );
    assert_eq!(
        s.service.startup_probe,
        Some(Probe {
            failure_threshold: 30,
            ..Probe::default()
        })
    );
    // The API server's rule: liveness probes have successThreshold 1.
    let text = deployment("", "livenessProbe: {periodSeconds: 5, successThreshold: 2}");
    assert_eq!(
        import_error(&text),
        [
            "spec.template.spec.containers.0.livenessProbe.successThreshold: must be 1 for livenessProbe (as the API server requires), got 2"
        ]
    );
}

#[test]
fn grace_period_and_pre_stop_hooks() {
    let with_hook = |hook: &str| {
        deployment("", &format!("lifecycle:\n  preStop:\n    {hook}")).replace(
            "    spec:\n      containers:",
            "    spec:\n      terminationGracePeriodSeconds: 40\n      containers:",
        )
    };
    let (s, _) = import(&with_hook("sleep: {seconds: 7}"));
    assert_eq!(
        (s.service.stop_grace_period, s.service.pre_stop),
        (Some(40 * SECOND), 7 * SECOND)
    );
    let (s, _) = import(&with_hook("exec: {command: [sleep, \"2.5\"]}"));
    assert_eq!(s.service.pre_stop, 2500 * MILLISECOND);
    let (s, _) = import(&with_hook("exec: {command: [/bin/sh, -c, \"sleep 5\"]}"));
    assert_eq!(s.service.pre_stop, 5 * SECOND);
    // A hook of unknown duration: reported, and no pre_stop invented.
    let (s, found) = import(&with_hook("httpGet: {path: /drain, port: 80}"));
    assert_eq!(s.service.pre_stop, 0);
    assert_eq!(
        unsupported(&found),
        ["spec.template.spec.containers.0.lifecycle.preStop"]
    );
}

#[test]
fn other_fields_are_reported_at_their_topmost_path() {
    let (_, found) = import(&deployment(
        "paused: false\nrevisionHistoryLimit: 2",
        "env:\n- {name: A, value: b}\nports: [{containerPort: 80}]",
    ));
    assert_eq!(
        unsupported(&found),
        ["spec.template.spec.containers.0.env",]
    );
}

/// The traffic section the footer offers, commented out, loads once uncommented, its mesh
/// retries included.
#[test]
fn the_footers_traffic_section_loads_once_uncommented() {
    let found = import_str(&deployment("replicas: 2\n", ""), "m.yaml", Format::Yaml).unwrap();
    let text = found.candidates[0].outcome.clone().unwrap().text;
    let start = text
        .find("# traffic:")
        .expect("the footer offers a traffic section");
    let uncommented: String = text[start..]
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix("# ").unwrap_or(l)))
        .collect();
    let whole = format!("{}{uncommented}", &text[..start]);
    let s =
        load_str(&whole, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}\n{whole}"));
    let t = s.traffic.expect("traffic");
    assert_eq!((t.retries.attempts, t.slo.is_some()), (2, true));
}
