//! `rollout-sim import --set PATH=VALUE`: the overrides `run` takes, applied to each
//! imported scenario before it is checked and written. A manifest whose placement needs
//! labelled nodes (the default pool has none) could not be imported at all before.

use super::import_files::refused;
use crate::support::bin;
use crate::trial;
use rollout_sim::experiment::Outcome;
use rollout_sim::scenario::load_file;

/// A Deployment of 3 pods that `placement` (lines of the pod spec) keeps off unlabelled
/// nodes, each pod requesting a core.
fn deployment(placement: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 3\n  \
         template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n{placement}      \
         containers:\n      - name: app\n        image: web:1\n        resources: {{requests: \
         {{cpu: \"1\"}}}}\n"
    )
}

const NODE_SELECTOR: &str = "      nodeSelector: {disk: ssd}\n";
const AFFINITY: &str = "      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
                        {nodeSelectorTerms: [{matchExpressions: [{key: disk, operator: In, values: \
                        [ssd]}]}]}}}\n";
const SPREAD: &str = "      topologySpreadConstraints: [{maxSkew: 1, topologyKey: disk, \
                      whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}]\n";

const NODES: &str = "cluster.nodes=[{labels: {disk: ssd}}, {labels: {disk: ssd}}]";

/// What `import` says of such a manifest without nodes: the problem, and how to fix it
/// with `--set` (the manifest has no place for nodes).
const REFUSED: &str = "error: deploy.yaml (Deployment web): service: the starting fleet does not \
                       fit the nodes its placement allows: 3 tasks of `current`, but 0 of the 3 \
                       nodes pass the service's node selector, affinity, tolerations or \
                       constraints and they hold 0, so 3 would be Pending before the rollout \
                       starts. Label more nodes, loosen the placement, or lower \
                       `service.replicas` (see docs/placement.md) (in the imported scenario, \
                       whose node pool, latencies and control plane are DEFAULTs: give yours \
                       with `import --set PATH=VALUE`, e.g. `--set 'cluster.nodes=[…]'`)\n";

/// Each way a pod asks for labelled nodes is refused on the default pool, and imports
/// with `--set cluster.nodes=[…]`: the written scenario holds the nodes (the DEFAULT note
/// above the pool gone, the `--set` listed at the top), loads, and its trial completes.
#[test]
fn a_manifest_whose_placement_needs_labels_imports_with_set_nodes() {
    for placement in [NODE_SELECTOR, AFFINITY, SPREAD] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("deploy.yaml"), deployment(placement)).unwrap();
        let told = refused(dir, &["deploy.yaml", "--out", "web.yaml"]);
        if placement == SPREAD {
            // No node has the `topologyKey`: the same refusal, which says so.
            assert_eq!(
                told,
                REFUSED.replace(
                    "constraints and",
                    "constraints (and carry every spread constraint's topologyKey) and"
                )
            );
        } else {
            assert_eq!(told, REFUSED);
        }
        assert!(!dir.join("web.yaml").exists());

        let out = bin()
            .current_dir(dir)
            .args(["import", "deploy.yaml", "--out", "web.yaml", "--set", NODES])
            .assert()
            .success();
        assert_eq!(
            String::from_utf8_lossy(&out.get_output().stderr),
            "wrote web.yaml from deploy.yaml (Deployment web)\n"
        );
        let text = std::fs::read_to_string(dir.join("web.yaml")).unwrap();
        assert!(
            text.contains(&format!(
                "# Set on the command line, over the manifest and the defaults:\n#   --set \
                 {NODES}\n"
            )),
            "{text}"
        );
        assert!(!text.contains("DEFAULT node pool"), "{text}");
        let s = load_file(&dir.join("web.yaml"), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.cluster.nodes.len(), 2);
        assert!((0..2).all(|i| s.cluster.attrs(i).labels["disk"] == "ssd"));
        assert_eq!(trial(&s).outcome, Outcome::Completed);
    }
}

/// The default pool is sized after the overrides, as `run deploy.yaml --set` sizes it:
/// 20 replicas of a core get room for 40 on 4-core nodes, not the 3 nodes 3 replicas get.
#[test]
fn the_default_pool_is_sized_for_the_service_the_overrides_leave() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("deploy.yaml"), deployment("")).unwrap();
    bin()
        .current_dir(dir)
        .args(["import", "deploy.yaml", "--out", "web.yaml"])
        .args(["--set", "service.replicas=20"])
        .assert()
        .success();
    let s = load_file(&dir.join("web.yaml"), &[]).unwrap();
    assert_eq!((s.service.replicas, s.cluster.nodes.len()), (20, 10));
}

/// A `--set` that cannot be applied, names a field the scenario lacks, gives a bad value or
/// is given twice is refused, naming the `--set`, beside the manifest's own problems at
/// their manifest paths; nothing is written, and a file already there is kept as it was.
#[test]
fn a_bad_set_is_refused_with_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("deploy.yaml"), deployment(NODE_SELECTOR)).unwrap();
    std::fs::write(dir.join("web.yaml"), "kept").unwrap();
    let web = "error: deploy.yaml (Deployment web)";
    let cases: [(&[&str], String); 4] = [
        (
            &["cluster.nodes=[{labels: {disk: ssd}}"],
            format!(
                "{web}: cluster.nodes: --set: cannot read \"[{{labels: {{disk: ssd}}}}\" as \
                 YAML: unclosed bracket '[' at line 1, column 1\ndeploy.yaml (Deployment web): \
                 (file): loaded back, the imported scenario has 1 more problem, at a field the \
                 import filled in or left out because of the problems above: not shown, as it \
                 may only follow from them (fix those and import again)\n"
            ),
        ),
        (
            &[NODES, "servce.replicas=2"],
            format!(
                "{web}: servce: unknown field `servce`; did you mean `service`? (from --set \
                 servce.replicas=2)\n"
            ),
        ),
        (
            &["cluster.nodes=[{labels: {disk: ssd}, cpu: 0}]"],
            format!(
                "{web}: cluster.nodes.0.cpu: a node's cpu must be greater than 0: it is what \
                 the node offers the tasks (`service.resources` is what each task reserves) \
                 (from --set cluster.nodes=[{{labels: {{disk: ssd}}, cpu: 0}}])\n"
            ),
        ),
        (
            &[NODES, "cluster.nodes=[]"],
            format!(
                "{web}: cluster.nodes: --set twice: `[{{labels: {{disk: ssd}}}}, {{labels: \
                 {{disk: ssd}}}}]`, then `[]`; the last would silently win. Give each field \
                 once\ndeploy.yaml (Deployment web): cluster.nodes: a cluster needs at least one \
                 node (from --set {NODES}, --set cluster.nodes=[])\n"
            ),
        ),
    ];
    for (sets, expected) in cases {
        let mut args = vec!["deploy.yaml", "--out", "web.yaml"];
        for set in sets {
            args.extend(["--set", set]);
        }
        assert_eq!(refused(dir, &args), expected, "{sets:?}");
        assert_eq!(std::fs::read(dir.join("web.yaml")).unwrap(), b"kept");
    }
}

/// The manifest's own problems stay at their manifest paths beside a `--set`'s.
#[test]
fn a_manifest_problem_keeps_its_manifest_path_beside_a_set() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let bad = deployment(NODE_SELECTOR).replace("replicas: 3", "replicas: -3");
    std::fs::write(dir.join("deploy.yaml"), bad).unwrap();
    assert_eq!(
        refused(
            dir,
            &[
                "deploy.yaml",
                "--set",
                "cluster.nodes=[{labels: {disk: ssd}, cpu: 0}]"
            ]
        ),
        "error: deploy.yaml (Deployment web): spec.replicas: expected a non-negative integer, \
         got -3\ndeploy.yaml (Deployment web): cluster.nodes.0.cpu: a node's cpu must be \
         greater than 0: it is what the node offers the tasks (`service.resources` is what \
         each task reserves) (from --set cluster.nodes=[{labels: {disk: ssd}, cpu: 0}])\n"
    );
}

/// A `--set` of the nodes that leaves none the placement allows: the refusal is at
/// `service` (the placement), but the `--set` broke it, so it is named, not the advice to
/// give nodes with `--set` (they were given).
#[test]
fn a_set_that_breaks_the_fleet_check_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("deploy.yaml"), deployment(NODE_SELECTOR)).unwrap();
    let set = "cluster.nodes=[{labels: {disk: hdd}}]";
    assert_eq!(
        refused(dir, &["deploy.yaml", "--out", "web.yaml", "--set", set]),
        format!(
            "error: deploy.yaml (Deployment web): service: the starting fleet does not fit the \
             nodes its placement allows: 3 tasks of `current`, but 0 of the 1 nodes pass the \
             service's node selector, affinity, tolerations or constraints and they hold 0, so \
             3 would be Pending before the rollout starts. Label more nodes, loosen the \
             placement, or lower `service.replicas` (see docs/placement.md) (from --set {set})\n"
        )
    );
    assert!(!dir.join("web.yaml").exists());
}

/// `--set name=NAME` names the file an `--out` folder gets, as it names the scenario (and
/// so `run`'s output folder): `--out imported/` writes `imported/NAME.yaml`, not the
/// manifest's name. An `--out` file is written where it says. Two scenarios that one
/// `--set name` would write to one file are refused, nothing written.
#[test]
fn set_name_names_the_file_written_into_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("deploy.yaml"), deployment("")).unwrap();
    let out = bin()
        .current_dir(dir)
        .args([
            "import",
            "deploy.yaml",
            "--out",
            "imported/",
            "--set",
            "name=api",
        ])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "wrote imported/api.yaml from deploy.yaml (Deployment web)\n"
    );
    assert_eq!(crate::entries(&dir.join("imported")), ["api.yaml"]);
    let s = load_file(&dir.join("imported/api.yaml"), &[]).unwrap();
    assert_eq!(s.name, "api");
    // Again, unchanged: its own output is no file of other text.
    bin()
        .current_dir(dir)
        .args([
            "import",
            "deploy.yaml",
            "--out",
            "imported",
            "--set",
            "name=api",
        ])
        .assert()
        .success();
    // An explicit file keeps its path.
    bin()
        .current_dir(dir)
        .args([
            "import",
            "deploy.yaml",
            "--out",
            "web.yaml",
            "--set",
            "name=api",
        ])
        .assert()
        .success();
    assert_eq!(load_file(&dir.join("web.yaml"), &[]).unwrap().name, "api");

    std::fs::write(
        dir.join("stack.yml"),
        "services:\n  a: {image: a}\n  b: {image: b}\n",
    )
    .unwrap();
    assert_eq!(
        refused(dir, &["stack.yml", "--out", "st/", "--set", "name=x"]),
        "error: --out st/: 2 scenarios would be named `x` (stack.yml (compose service a), \
         stack.yml (compose service b)) and written to one file, st/x.yaml: a `--set \
         name=…` names every scenario imported; pick one with --name NAME\n"
    );
    assert!(!dir.join("st").exists());
    bin()
        .current_dir(dir)
        .args(["import", "stack.yml", "--out", "st/", "--name", "b"])
        .args(["--set", "name=x"])
        .assert()
        .success();
    assert_eq!(crate::entries(&dir.join("st")), ["x.yaml"]);
}
