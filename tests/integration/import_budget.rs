//! `rollout-sim import` of a PodDisruptionBudget (`policy/v1`): the one budget of the
//! workload's namespace whose `spec.selector` selects its pods (as the Eviction API finds
//! a pod's budgets: kubernetes/kubernetes `pkg/registry/core/pod/storage/eviction.go`,
//! `getPodDisruptionBudgets`) becomes `service.podDisruptionBudget`, its values copied and
//! checked with the API server's rules (`pkg/apis/policy/validation/validation.go`,
//! `ValidatePodDisruptionBudgetSpec`); under Flagger `selects` says whether it selects the
//! primary's pods (`app: <value>-primary`, fluxcd/flagger v1.44.0 `util.go`
//! `makePrimaryLabels`) or the target's. Several budgets over one pod are refused (the
//! Eviction API's HTTP 500), and a budget that selects none of the pods is listed as
//! skipped, saying so. The manifests are `tests/manifests/deployment-pdb.yaml`,
//! `flagger-pdb.yaml` and `rollout-pdb.yaml`.

use super::import_argo::read;
use super::import_files::{imported, refused, write};
use crate::support::{bin, field, manifest, rows};
use rollout_sim::cluster::node_drain::{DrainResult, EVICTION_RETRY};
use rollout_sim::scenario::import::{Found, import_str};
use rollout_sim::scenario::{Format, load_str};
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;
use serde_json::{Value, json};
use std::path::Path;

const S: u64 = SECOND;

/// The one scenario imported from `text` (file `m.yaml`), its YAML, and what the import
/// found.
fn one(text: &str) -> (Value, String, Found) {
    let found = import_str(text, "m.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    let [c] = &found.candidates[..] else {
        panic!("{} candidates", found.candidates.len())
    };
    let imported = c.outcome.clone().unwrap_or_else(|e| panic!("{e}"));
    (imported.tree, imported.text, found)
}

/// `tests/manifests/NAME` copied into `dir` under its own name, to import it from there
/// (messages then name it as given).
fn copy(dir: &Path, names: &[&str]) {
    for name in names {
        write(dir, &[(name, read(name).as_bytes())]);
    }
}

/// The fleet of `tests/integration/node_drain.rs` `drained` (6 replicas on 3 nodes, the
/// rollout never touching an old pod, node 1 drained at 20 s, a pod exiting 2 s after its
/// SIGTERM and a replacement Ready 3 s after it is created), given to an imported
/// Deployment of 6 replicas with `maxSurge: 1, maxUnavailable: 0`: the manifest says
/// none of it.
const DRAINED: [&str; 6] = [
    "horizon=10m",
    "cluster={nodes: 3, image_cached: [current]}",
    "service.resources={cpu: 500m}",
    "service.readinessProbe={periodSeconds: 1}",
    "service.versions={current: {shutdown: 2s, ready_after: 3s}, next: {pull: 20m}}",
    "faults={node_drains: [{at: 20s, node: 1}]}",
];

/// The scenario `text` loaded with [`DRAINED`] and `more`, and its trial 0's drains.
fn drains(text: &str, more: &[&str]) -> (Option<DrainResult>, u32) {
    let set: Vec<_> = DRAINED
        .iter()
        .chain(more)
        .map(|s| s.parse().unwrap())
        .collect();
    let s = load_str(text, "i.yaml", Format::Yaml, &set).unwrap_or_else(|e| panic!("{e}"));
    let r = Workspace::new(&s).run(0);
    (r.drains, r.min_ready)
}

#[test]
fn a_deployments_budget_is_copied_and_runs() {
    let (tree, text, found) = one(&read("deployment-pdb.yaml"));
    // Its `matchExpressions` (`tier In [front, edge]`) select the template's `tier: front`.
    assert_eq!(
        tree["service"]["podDisruptionBudget"],
        json!({"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow"})
    );
    let comment = "  # PodDisruptionBudget web: its spec.selector, \
                   {\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"front\",\"edge\"]}]},\n  \
                   # selects every pod of the workload.\n";
    assert!(text.contains(comment), "{text}");
    assert_eq!(
        found.skipped,
        [
            "document 2 at line 21: PodDisruptionBudget web (read as the \
             service.podDisruptionBudget of Deployment web)",
            "document 3 at line 31: PodDisruptionBudget api (not read: selects no pod of \
             Deployment web (namespace default))",
        ]
    );
    assert!(found.candidates[0].not_simulated().is_empty());
    // Run as imported: `node_drain.rs`'s closed form for `maxUnavailable: 1`, 6 expected,
    // 5 to stay healthy: the first eviction goes at 20 s, the second at the retry 5 s
    // later (the first one's replacement Ready by then), its pod gone 2 s after.
    let (drained, min_ready) = drains(&text, &[]);
    assert_eq!(EVICTION_RETRY, 5 * S);
    assert_eq!(
        drained,
        Some(DrainResult {
            longest: 5 * S + 2 * S,
            unfinished: 0
        })
    );
    assert_eq!(min_ready, 5);
    // Without it both pods go at once, gone 2 s later, two short meanwhile.
    let (drained, min_ready) = drains(&text, &["service.podDisruptionBudget=null"]);
    assert_eq!(drained.map(|d| d.longest), Some(2 * S));
    assert_eq!(min_ready, 4);
    // `run` given the manifest imports it on the fly, budget and all.
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.args([
        "run",
        &manifest("deployment-pdb.yaml"),
        "--trials",
        "1",
        "--quiet",
    ]);
    for set in DRAINED {
        cmd.args(["--set", set]);
    }
    let out = cmd.arg("--out").arg(dir.path().join("o")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("o/trials.csv")).unwrap();
    let row = &rows(&csv)[0];
    assert_eq!((field(row, "drain_s"), field(row, "min_ready")), ("7", "5"));
}

#[test]
fn a_flagger_budget_selects_the_primary_or_the_canary() {
    let canary = read("flagger-canary.yaml");
    let budgets = read("flagger-pdb.yaml");
    let (primary, target) = budgets
        .split_once("\n---\n")
        .expect("two budgets, `---` between");
    for (budget, selects, want) in [
        (
            primary,
            "primary",
            json!({"maxUnavailable": 1, "selects": "primary"}),
        ),
        (
            target,
            "canary",
            json!({"minAvailable": "100%", "selects": "canary"}),
        ),
    ] {
        let (tree, text, found) = one(&format!("{canary}\n---\n{budget}\n"));
        assert_eq!(tree["service"]["podDisruptionBudget"], want, "{selects}");
        let read_as = "PodDisruptionBudget web-";
        let note = found
            .skipped
            .iter()
            .find(|s| s.contains(read_as))
            .unwrap_or_else(|| panic!("{:?}", found.skipped));
        assert!(
            note.ends_with(
                "(read as the service.podDisruptionBudget of Flagger Canary flagger-canary)"
            ),
            "{note}"
        );
        let s = load_str(&text, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
        let b = s.service.disruption_budget.expect("the budget");
        assert_eq!(
            format!("{:?}", b.selects).to_lowercase(),
            format!("some({selects})")
        );
    }
    // Both, each over one Deployment's pods: no pod has two, but the scenario has one.
    let dir = tempfile::tempdir().unwrap();
    copy(dir.path(), &["flagger-canary.yaml", "flagger-pdb.yaml"]);
    let err = refused(dir.path(), &["flagger-canary.yaml", "flagger-pdb.yaml"]);
    assert!(
        err.contains(
            "error: flagger-canary.yaml (Flagger Canary flagger-canary): PodDisruptionBudget \
             web-canary (flagger-pdb.yaml).spec.selector: PodDisruptionBudget web-primary \
             (flagger-pdb.yaml) and PodDisruptionBudget web-canary (flagger-pdb.yaml) select \
             the pods of Flagger Canary flagger-canary, one the primary's and one the \
             canary's: upstream each answers for its own pods, and the simulator runs one \
             budget (`selects: primary` or `selects: canary`); import with one of them, \
             leaving the other out of the files given"
        ),
        "{err}"
    );
}

#[test]
fn a_flagger_budget_over_both_deployments_or_neither() {
    let canary = read("flagger-canary.yaml");
    let budget = |selector: &str| {
        format!(
            "{canary}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\n\
             metadata: {{name: pdb}}\nspec: {{maxUnavailable: 1, selector: {selector}}}\n"
        )
    };
    // `{}`: every pod of the namespace, the primary's and the target's.
    let found = import_str(&budget("{}"), "m.yaml", Format::Yaml).unwrap();
    let err = found.candidates[0].outcome.clone().unwrap_err().to_string();
    assert!(
        err.contains(
            "PodDisruptionBudget pdb.spec.selector: selects the pods of both of Flagger's \
             Deployments for Flagger Canary flagger-canary, the primary's (`app: web-primary`) \
             and the canary's (`app: web`): its selector names no label that tells them apart"
        ),
        "{err}"
    );
    // Another app's label: skipped, saying which labels it would have to select.
    let (tree, _, found) = one(&budget("{matchLabels: {app: api}}"));
    assert_eq!(tree["service"].get("podDisruptionBudget"), None);
    assert!(
        found.skipped.iter().any(|s| s.ends_with(
            "PodDisruptionBudget pdb (not read: selects no pod of Flagger Canary \
             flagger-canary (neither its primary's, `app: web-primary`, nor its target's) \
             (namespace default))"
        )),
        "{:?}",
        found.skipped
    );
}

#[test]
fn an_argo_rollouts_budget_selects_its_pods() {
    let text = format!(
        "{}\n---\n{}",
        read("rollout-canary-basic.yaml"),
        read("rollout-pdb.yaml")
    );
    let (tree, text, found) = one(&text);
    assert_eq!(
        tree["service"]["podDisruptionBudget"],
        json!({"minAvailable": "75%"})
    );
    assert!(
        found.skipped.iter().any(|s| s.ends_with(
            "PodDisruptionBudget search (read as the service.podDisruptionBudget of Argo \
             Rollout search)"
        )),
        "{:?}",
        found.skipped
    );
    assert!(load_str(&text, "i.yaml", Format::Yaml, &[]).is_ok());
}

/// `deployment-pdb.yaml` with its budget `web`'s `maxUnavailable: 1` replaced by `with`.
fn deployment_budget(with: &str) -> String {
    let text = read("deployment-pdb.yaml");
    assert!(text.contains("  maxUnavailable: 1\n"));
    text.replacen("  maxUnavailable: 1\n", with, 1)
}

#[test]
fn what_the_api_server_refuses_is_refused_at_the_budgets_path() {
    for (with, want) in [
        (
            "  maxUnavailable: 1\n  minAvailable: 5\n",
            "PodDisruptionBudget web.spec: minAvailable and maxUnavailable cannot be both set: \
             give one",
        ),
        (
            "  maxUnavailable: 101%\n",
            "PodDisruptionBudget web.spec.maxUnavailable: must not be greater than 100%",
        ),
        (
            "  minAvailable: -1\n",
            "PodDisruptionBudget web.spec.minAvailable: expected a non-negative integer, got -1",
        ),
        (
            "  maxUnavailable: 1\n  unhealthyPodEvictionPolicy: Always\n",
            "PodDisruptionBudget web.spec.unhealthyPodEvictionPolicy: unknown value `Always`; \
             expected one of `IfHealthyBudget`, `AlwaysAllow`",
        ),
        (
            "  maxUnavailable: 1\n  maxUnavialable: 2\n",
            "PodDisruptionBudget web.spec.maxUnavialable: unknown field `maxUnavialable`; did \
             you mean `maxUnavailable`?",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let text = deployment_budget(with);
        // The manifest's own policy, replaced rather than given twice.
        let text = if with.contains("Policy") {
            text.replacen("  unhealthyPodEvictionPolicy: AlwaysAllow\n", "", 1)
        } else {
            text
        };
        write(dir.path(), &[("d.yaml", text.as_bytes())]);
        let err = refused(dir.path(), &["d.yaml"]);
        let want = format!("error: d.yaml (Deployment web): {want}");
        assert!(err.contains(&want), "{with}: {err}");
    }
}

#[test]
fn two_budgets_over_one_pod_are_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    copy(dir.path(), &["deployment-pdb.yaml"]);
    let second = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: all}\n\
                  spec: {minAvailable: 1, selector: {}}\n";
    write(dir.path(), &[("more.yaml", second.as_bytes())]);
    let err = refused(dir.path(), &["deployment-pdb.yaml", "more.yaml"]);
    assert!(
        err.contains(
            "error: deployment-pdb.yaml (Deployment web): PodDisruptionBudget all (more.yaml)\
             .spec.selector: PodDisruptionBudget web and PodDisruptionBudget all (more.yaml) \
             both select the pods of Deployment web: the Eviction API refuses to evict a pod \
             more than one budget selects (HTTP 500, \"This pod has more than one \
             PodDisruptionBudget, which the eviction subresource does not support.\")"
        ),
        "{err}"
    );
    // Neither is listed as read.
    assert!(!err.contains("read as"), "{err}");
    assert!(
        err.contains(
            "PodDisruptionBudget all (not read: another budget selects pods of Deployment web \
             too, which the import refuses (see the error))"
        ),
        "{err}"
    );
}

#[test]
fn a_budget_no_workload_reads_is_skipped_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let daemon_set = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\n\
                      spec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    \
                      metadata: {labels: {app: agent}}\n    \
                      spec: {containers: [{name: a, image: agent:2}]}\n---\n\
                      apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: agent}\n\
                      spec: {maxUnavailable: 1, selector: {matchLabels: {app: agent}}}\n---\n\
                      apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\n\
                      metadata: {name: old}\nspec: {maxUnavailable: 1, selector: {}}\n---\n\
                      apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: none}\n\
                      spec: {maxUnavailable: 1}\n";
    let compose = "services:\n  web:\n    image: web:2\n";
    write(
        dir.path(),
        &[
            ("ds.yaml", daemon_set.as_bytes()),
            ("stack.yml", compose.as_bytes()),
        ],
    );
    let (_, err) = imported(dir.path(), &["ds.yaml", "stack.yml", "--out", "out/"]);
    for line in [
        "skipped: ds.yaml: document 2 at line 9: PodDisruptionBudget agent (selects the pods of \
         DaemonSet agent, for which no budget is simulated: `kubectl drain \
         --ignore-daemonsets` leaves a DaemonSet's pods in place and asks no budget)",
        "skipped: ds.yaml: document 3 at line 14: PodDisruptionBudget old (apiVersion \
         policy/v1beta1: only policy/v1 is read)",
        "skipped: ds.yaml: document 4 at line 19: PodDisruptionBudget none (no spec.selector: \
         a budget without one selects no pod)",
    ] {
        assert!(err.contains(line), "{line}\n{err}");
    }
    // Beside a compose file alone: Swarm has no budgets.
    let budget = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n\
                  spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n";
    write(dir.path(), &[("pdb.yaml", budget.as_bytes())]);
    let (_, err) = imported(dir.path(), &["stack.yml", "pdb.yaml"]);
    let line = "skipped: pdb.yaml: document 1 at line 1: PodDisruptionBudget web (not read: no \
                Deployment, StatefulSet, Rollout or Canary of namespace default is in the files \
                given; a compose service runs on Swarm, which has no PodDisruptionBudget)";
    assert!(err.contains(line), "{err}");
}

#[test]
fn a_budget_selecting_by_a_controllers_label_is_refused() {
    let with = "  maxUnavailable: 1\n  selector:\n    matchLabels: {tier: front, \
                pod-template-hash: 5d8f7c}\n";
    // The manifest's own selector follows the replaced line: drop it.
    let text = deployment_budget(with).replacen(
        "  selector:\n    matchExpressions:\n      - {key: tier, operator: In, values: [front, edge]}\n",
        "",
        1,
    );
    let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
    let err = found.candidates[0].outcome.clone().unwrap_err().to_string();
    assert!(
        err.contains(
            "PodDisruptionBudget web.spec.selector.matchLabels.pod-template-hash: selects by \
             `pod-template-hash`, a label the controller gives the pods"
        ),
        "{err}"
    );
}
