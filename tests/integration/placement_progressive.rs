//! Placement of progressive delivery's pods: a canary's node selector, a blue-green
//! preview under topology spread and taints, an imported Rollout's placement linted and run.

use super::placement::{SPREAD, place, three_zones};
use super::placement_fields::ROLLOUT_KIND;
use crate::yaml;
use rollout_sim::cluster::placer::PendingReason;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::scenario::Scenario;
use rollout_sim::trial::Workspace;

/// The node names of the tasks a trace placed, by version (0: `current`, 1: `next`).
fn placed_on(s: &Scenario, trace: &[TraceRecord], version: u32) -> Vec<String> {
    let mut names: Vec<String> = trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                node: Some(n),
                version: v,
                ..
            } if u32::from(v) == version => Some(s.cluster.nodes[n as usize].name.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// An Argo canary with a `nodeSelector` goes through kube-scheduler's `NodeAffinity`
/// filter: of four roomy nodes, two labelled `disk: ssd`, every pod of both ReplicaSets
/// (the stable fleet and each canary pod) lands on those two, and the rollout completes.
/// Under Swarm's treatment (the bug this pins) the field was refused outright.
#[test]
fn a_canary_with_a_node_selector_places_its_pods_only_on_labelled_nodes() {
    let s = yaml(
        "cluster:\n  node: {cpu: \"8\", memory: 16Gi}\n  nodes:\n\
         \x20   - {name: hdd-1, labels: {disk: hdd}}\n\
         \x20   - {name: ssd-1, labels: {disk: ssd}}\n\
         \x20   - {name: hdd-2}\n\
         \x20   - {name: ssd-2, labels: {disk: ssd}}\n\
         service:\n  replicas: 6\n  resources: {cpu: 500m, memory: 256Mi}\n\
         \x20 nodeSelector: {disk: ssd}\n\
         \x20 versions:\n    current: {image: web:1}\n    next: {image: web:2, start: 1s, ready_after: 2s}\n\
         strategy:\n  canary:\n    steps: [{setWeight: 50}, {pause: {duration: 10s}}]\n",
    );
    for trial in 0..5 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!(r.outcome.as_str(), "completed", "trial {trial}");
        assert_eq!(
            placed_on(&s, &trace, 0),
            ["ssd-1", "ssd-2"],
            "trial {trial}"
        );
        assert_eq!(
            placed_on(&s, &trace, 1),
            ["ssd-1", "ssd-2"],
            "trial {trial}"
        );
        assert_eq!(r.pending.get(PendingReason::Affinity), Some(false));
    }
    // Without the selector the same fleet spreads over all four nodes (fewest tasks first).
    let mut anywhere = s.clone();
    anywhere.service.placement = Default::default();
    let (_, trace) = Workspace::new(&anywhere).run_traced(0);
    assert_eq!(placed_on(&anywhere, &trace, 0).len(), 4);
}

/// A blue-green preview ReplicaSet under kube-scheduler's `TaintToleration` and
/// `PodTopologySpread` filters. Zones a and b have a roomy node each; zone c a node with
/// room for one pod and a big node tainted `gpu:NoSchedule`. The active fleet is one pod a
/// zone. The preview (full size, beside the active pods) puts one pod in a, one in b; the
/// third may go to neither (2 + 1 − 1 > maxSkew 1), nor to the full node c (resources),
/// nor to the tainted node: Pending for `spread` (the last filter to rule a node out) until
/// the progress deadline, the tainted node never used. With a toleration of the taint the
/// active fleet starts on the big node and the preview fits: the rollout completes.
#[test]
fn a_blue_green_preview_honours_topology_spread_and_taints() {
    let text = "horizon: 30m\ncluster:\n  node: {cpu: \"4\", memory: 8Gi}\n  nodes:\n\
         \x20   - {name: a, labels: {zone: a}}\n\
         \x20   - {name: b, labels: {zone: b}}\n\
         \x20   - {name: c, cpu: \"1\", labels: {zone: c}}\n\
         \x20   - {name: gpu, cpu: \"8\", labels: {zone: c}, taints: [{key: gpu, effect: NoSchedule}]}\n\
         service:\n  replicas: 3\n  resources: {cpu: \"1\", memory: 1Gi}\n\
         \x20 versions:\n    current: {image: web:1}\n    next: {image: web:2, start: 1s, ready_after: 2s}\n\
         \x20 topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n\
         strategy:\n  blueGreen: {}\n";
    let s = yaml(text);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome.as_str(), "deadline_exceeded");
    assert_eq!(placed_on(&s, &trace, 0), ["a", "b", "c"]);
    assert_eq!(placed_on(&s, &trace, 1), ["a", "b"]);
    assert_eq!(r.pending.get(PendingReason::Spread), Some(true));
    assert_eq!(r.pending.get(PendingReason::Taint), Some(false));
    assert_eq!(r.pending.get(PendingReason::MaxReplicasPerNode), None);
    let reasons: Vec<_> = trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                state: TaskState::Pending,
                reason: Some(reason),
                ..
            } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, [PendingReason::Spread]);
    let tolerated = yaml(&text.replace(
        "  topologySpreadConstraints",
        "  tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]\n  topologySpreadConstraints",
    ));
    let (r, trace) = Workspace::new(&tolerated).run_traced(0);
    assert_eq!(r.outcome.as_str(), "completed");
    assert!(placed_on(&tolerated, &trace, 0).contains(&"gpu".to_string()));
    assert_eq!(r.pending.get(PendingReason::Spread), Some(false));
    // The Placer alone, as `max_skew_on_three_zones` does for a Deployment: the same
    // answers for a blue-green service (kube-scheduler's rules, not Swarm's).
    let bg = "blueGreen: {}";
    let (chosen, failure) = place(&three_zones("1", SPREAD, bg), 9);
    assert_eq!(chosen, [0, 1, 2, 0, 1]);
    assert_eq!(failure, Some(PendingReason::Spread));
}

/// As a user runs it: `rollout-sim import` of an Argo Rollout whose pod template has a
/// `nodeSelector` and a toleration writes them under `service`, `rollout-sim lint`
/// accepts the written file, and `run` on labelled nodes places every pod on them and
/// fills the Kubernetes `pending_*` columns (`pending_max_replicas_per_node` empty).
#[test]
fn an_imported_rollout_with_a_node_selector_lints_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("rollout.yaml");
    std::fs::write(
        &manifest,
        format!(
            "{ROLLOUT_KIND}\nmetadata: {{name: search}}\nspec:\n  replicas: 0\n\
             \x20 strategy: {{canary: {{steps: [{{setWeight: 50}}, {{pause: {{duration: 10s}}}}]}}}}\n\
             \x20 template:\n    spec:\n      nodeSelector: {{disk: ssd}}\n\
             \x20     tolerations: [{{key: dedicated, operator: Exists, effect: NoSchedule}}]\n\
             \x20     containers:\n      - name: search\n        image: search:2.4\n\
             \x20       resources: {{requests: {{cpu: 500m, memory: 256Mi}}}}\n"
        ),
    )
    .unwrap();
    let scenario = dir.path().join("search.yaml");
    let bin = || assert_cmd::Command::cargo_bin("rollout-sim").unwrap();
    bin()
        .arg("import")
        .arg(&manifest)
        .arg("--out")
        .arg(&scenario)
        .assert()
        .success();
    let text = std::fs::read_to_string(&scenario).unwrap();
    assert!(
        text.contains("  nodeSelector:\n    disk: ssd\n") && text.contains("  tolerations:\n"),
        "{text}"
    );
    bin().arg("lint").arg(&scenario).assert().success();
    let out = dir.path().join("out");
    let trace = out.join("trace.jsonl");
    bin()
        .arg("run")
        .arg(&scenario)
        .args([
            "--trials",
            "3",
            "-q",
            "--set",
            "service.replicas=4",
            "--set",
        ])
        .arg(
            "cluster.nodes=[{name: n1, labels: {disk: ssd}}, {name: n2}, \
             {name: n3, labels: {disk: ssd}, taints: [{key: dedicated, effect: NoSchedule}]}]",
        )
        .arg("--out")
        .arg(&out)
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success();
    let lines = std::fs::read_to_string(&trace).unwrap();
    let mut nodes: Vec<&str> = lines
        .lines()
        .filter_map(|l| l.split(r#""node":""#).nth(1)?.split('"').next())
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    assert_eq!(nodes, ["n1", "n3"], "{lines}");
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let mut rows = csv.lines().map(|l| l.split(',').collect::<Vec<_>>());
    let header = rows.next().unwrap();
    for row in rows {
        let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(cell("outcome"), "completed");
        assert_eq!(cell("pending_taint"), "0");
        assert_eq!(cell("pending_spread"), "0");
        assert_eq!(cell("pending_max_replicas_per_node"), "");
    }
}
