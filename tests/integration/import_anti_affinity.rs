//! `rollout-sim import` of a required pod anti-affinity over the workload's own pods
//! (`tests/manifests/deployment-anti-affinity.yaml`): a term whose `labelSelector` matches
//! the pod template's labels, in namespaces that hold the workload's, counts every pod of
//! the workload, old and new alike, as the scenario's `service.affinity.podAntiAffinity`
//! term does (kubernetes/kubernetes v1.30 `interpodaffinity/filtering.go`;
//! `framework/types.go` `getNamespacesFromPodAffinityTerm`: no `namespaces` and no
//! `namespaceSelector` is the pod's own namespace, `namespaceSelector: {}` every one, and
//! every namespace carries `kubernetes.io/metadata.name`). Terms over other workloads'
//! pods are left out and reported; a `matchLabelKeys` / `mismatchLabelKeys` label of the
//! revision (the Deployment's `pod-template-hash`) and Flagger's rewritten primary are
//! refused, exit 2, at the manifest's path.

use super::import::{import, import_error, unsupported};
use super::import_argo::read;
use super::import_files::{imported, refused, write};
use crate::support::{bin, field, rows};
use rollout_sim::scenario::Format;
use rollout_sim::scenario::import::import_str;
use serde_json::{Value, json};

/// The manifest, in namespace `shop`, its template labelled `app: web, tier: front`.
const MANIFEST: &str = "deployment-anti-affinity.yaml";

/// The path of the manifest's required terms.
const REQUIRED: &str =
    "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution";

/// The manifest with its first required term's selector followed by `more`, fields of
/// that term separated by `;`.
fn with_first_term(more: &str) -> String {
    let at = "                matchLabels: {app: web}\n";
    let text = read(MANIFEST);
    assert!(text.contains(at), "the manifest's first term");
    let fields: String = more
        .split(';')
        .map(|f| format!("              {}\n", f.trim()))
        .collect();
    text.replacen(at, &format!("{at}{fields}"), 1)
}

/// The imported scenario tree's `service.affinity`.
fn affinity_of(text: &str) -> Value {
    let found = import_str(text, "m.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    let imported = found.candidates[0]
        .outcome
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    imported.tree["service"]["affinity"].clone()
}

/// The scenario's `service.affinity` of one term on the hostname.
fn on_hostname() -> Value {
    json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
        [{"topologyKey": "kubernetes.io/hostname"}]}})
}

#[test]
fn a_term_over_the_own_pods_is_the_scenarios_and_the_rest_is_reported() {
    let text = read(MANIFEST);
    let (s, found) = import(&text);
    assert_eq!(
        s.service.placement.anti_affinity,
        ["kubernetes.io/hostname"]
    );
    // The term over `app: cache` counts another workload's pods; the preference only
    // scores nodes.
    assert_eq!(
        unsupported(&found),
        [
            "spec.template.spec.affinity.podAntiAffinity.\
             preferredDuringSchedulingIgnoredDuringExecution"
                .to_string(),
            format!("{REQUIRED}.1"),
        ]
    );
    let imported = found.candidates[0].outcome.as_ref().unwrap();
    assert_eq!(imported.tree["service"]["affinity"], on_hostname());
    assert!(
        imported.text.contains(&format!(
            "        # {REQUIRED}.0: its labelSelector, {{\"matchLabels\":{{\"app\":\"web\"}}}},\n        \
             # selects every pod of the workload, old and new alike.\n        \
             - topologyKey: kubernetes.io/hostname\n"
        )),
        "{}",
        imported.text
    );
    // One pod a node: room for twice the 4 replicas is 8 nodes, where resources alone
    // (8 pods of 500m on a 4-core node) would have made the 3-node minimum.
    assert_eq!(imported.tree["cluster"]["nodes"], json!(8));
}

/// As a user runs it: imported to a file, then run on as many nodes as replicas. Every
/// node holds a pod of the service, so the surge pod finds no node until an old pod has
/// exited (pending_anti_affinity in every trial) and no node ever holds two (peak_tasks
/// stays at the 4 replicas). Without the term the rollout's first step alone places 5
/// pods (4 old, one of them terminating or not, and the surge pod), none Pending.
#[test]
fn the_imported_scenario_runs_with_its_anti_affinity() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[(MANIFEST, read(MANIFEST).as_bytes())]);
    imported(dir.path(), &[MANIFEST, "--out", "web.yaml"]);
    let run = |more: &[&str]| {
        let out = bin()
            .current_dir(dir.path())
            .args([
                "run",
                "web.yaml",
                "--trials",
                "20",
                "--set",
                "cluster.nodes=4",
            ])
            .args(more)
            .args(["--out", "o"])
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        let csv = std::fs::read_to_string(dir.path().join("o/trials.csv")).unwrap();
        (stdout, rows(&csv))
    };
    let (stdout, trials) = run(&[]);
    assert!(
        stdout.contains(
            "\npending: share of trials in which a task found no node, by the last filter to \
             rule one out\n  anti_affinity  100.0%\n"
        ),
        "{stdout}"
    );
    assert_eq!(trials.len(), 20);
    for row in &trials {
        assert_eq!(field(row, "outcome"), "completed");
        assert_eq!(field(row, "pending_anti_affinity"), "1");
        assert_eq!(field(row, "peak_tasks"), "4");
    }
    let (_, trials) = run(&["--set", "service.affinity=null"]);
    for row in &trials {
        assert_eq!(field(row, "pending_anti_affinity"), "0");
        let peak: u32 = field(row, "peak_tasks").parse().unwrap();
        assert!(peak >= 5, "{row:?}");
    }
}

/// `namespaces` and `namespaceSelector` decide whether the term counts the workload's
/// pods (namespace `shop`).
#[test]
fn the_terms_namespaces_decide_whether_it_counts_the_own_pods() {
    let mapped = [
        ("namespaces: [shop]", None),
        ("namespaces: [shop, cache, shop]", Some("namespace cache")),
        (
            "namespaceSelector: {}",
            Some("every namespace (`namespaceSelector: {}`)"),
        ),
        (
            "namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, \
             operator: In, values: [shop, cache]}]}",
            Some("those its `namespaceSelector` selects"),
        ),
        // Which namespaces `team: a` selects the files do not say; `shop` is listed.
        (
            "namespaces: [shop]; namespaceSelector: {matchLabels: {team: a}}",
            Some("those its `namespaceSelector` selects"),
        ),
    ];
    for (more, also) in mapped {
        let text = with_first_term(more);
        assert_eq!(affinity_of(&text), on_hostname(), "{more}");
        let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
        let written = &found.candidates[0].outcome.as_ref().unwrap().text;
        let note = also.map(|a| {
            format!("# It also counts the pods of {a}: other workloads', which are not simulated.")
        });
        assert_eq!(
            written.contains("It also counts the pods of"),
            note.is_some(),
            "{more}: {written}"
        );
        if let Some(note) = note {
            assert!(written.contains(&note), "{more}: {written}");
        }
    }
    let others = [
        (
            "namespaces: [cache]",
            "its `namespaces`, cache, leave out the workload's own, shop",
        ),
        (
            "namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: cache}}",
            "its `namespaceSelector` does not select the workload's namespace, shop (by its \
             label `kubernetes.io/metadata.name: shop`)",
        ),
    ];
    for (more, why) in others {
        let text = with_first_term(more);
        let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
        let imported = found.candidates[0].outcome.as_ref().unwrap();
        assert_eq!(imported.tree["service"].get("affinity"), None, "{more}");
        let term = imported
            .unsupported
            .iter()
            .find(|p| p.path == format!("{REQUIRED}.0"))
            .unwrap_or_else(|| panic!("{more}: {:?}", imported.unsupported));
        assert!(
            term.message.starts_with(&format!(
                "{why}: upstream it counts only other workloads' pods, which are not \
                 simulated, so it is left out"
            )),
            "{more}: {}",
            term.message
        );
    }
    // A selector on another label of the namespace: the files do not say whether `shop`
    // has it.
    let e = import_error(&with_first_term(
        "namespaceSelector: {matchLabels: {team: a}}",
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with(&format!(
            "{REQUIRED}.0.namespaceSelector: whether it selects the workload's namespace, shop, \
             depends on labels of that namespace the files given do not say"
        )) && e[0].ends_with(
            "name shop in the term's `namespaces`, or select it by `kubernetes.io/metadata.name`"
        ),
        "{e:?}"
    );
    // Malformed, as the API server refuses them.
    let e = import_error(&with_first_term("namespaces: shop"));
    assert_eq!(
        e,
        [format!(
            "{REQUIRED}.0.namespaces: expected a list of namespace names"
        )]
    );
}

/// `matchLabelKeys` adds `key in (the pod's value)` to the selector, `mismatchLabelKeys`
/// `key notin (…)`; a key the pod lacks is ignored (the `PodAffinityTerm` fields' API
/// docs). A Deployment's pods carry `pod-template-hash`, a value each revision's; a
/// Rollout's `rollouts-pod-template-hash` instead.
#[test]
fn label_keys_of_the_revision_are_refused_and_the_others_decided() {
    for field in ["matchLabelKeys", "mismatchLabelKeys"] {
        let e = import_error(&with_first_term(&format!(
            "{field}: [zone, pod-template-hash]"
        )));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(&format!(
                "{REQUIRED}.0.{field}.1: `pod-template-hash` is a label the Deployment's pods \
                 get from their controller, its value their revision's (or their own), so \
                 `{field}` narrows the term"
            )) && e[0].ends_with(&format!(
                "Remove `{field}` to simulate that stricter rule, or remove the term to \
                 simulate the pods without it"
            )),
            "{e:?}"
        );
    }
    // A template label has one value on every pod: `in` changes nothing, `notin` leaves
    // every own pod out. A key the pods lack is ignored.
    for keys in [
        "matchLabelKeys: [tier]",
        "matchLabelKeys: [rollouts-pod-template-hash]",
        "mismatchLabelKeys: [zone]",
    ] {
        assert_eq!(affinity_of(&with_first_term(keys)), on_hostname(), "{keys}");
    }
    let text = with_first_term("mismatchLabelKeys: [tier]");
    let (s, found) = import(&text);
    assert!(s.service.placement.anti_affinity.is_empty());
    let imported = found.candidates[0].outcome.as_ref().unwrap();
    assert!(
        imported
            .unsupported
            .iter()
            .any(|p| p.path == format!("{REQUIRED}.0")
                && p.message.starts_with(
                    "its `mismatchLabelKeys` names `tier`, a label of the pod template, which \
                 every pod of the workload carries with one value: `tier notin (front)` \
                 leaves them all out: upstream it counts only other workloads' pods"
                )),
        "{:?}",
        imported.unsupported
    );
    // A misspelt key of a mapped term is refused as `kubectl apply` refuses it.
    let e = import_error(&with_first_term("matchLabelKey: [tier]"));
    assert!(
        e[0].starts_with(&format!(
            "{REQUIRED}.0.matchLabelKey: unknown field `matchLabelKey`; did you mean \
             `matchLabelKeys`?"
        )),
        "{e:?}"
    );
}

/// The command exits 2 on a refused term, naming the file, the object and the path.
#[test]
fn refusals_exit_2_at_the_manifests_path() {
    let dir = tempfile::tempdir().unwrap();
    let text = with_first_term("matchLabelKeys: [pod-template-hash]");
    write(dir.path(), &[("d.yaml", text.as_bytes())]);
    let err = refused(dir.path(), &["d.yaml", "--out", "web.yaml"]);
    assert!(
        err.contains(&format!(
            "d.yaml (Deployment web): {REQUIRED}.0.matchLabelKeys.0: `pod-template-hash` is a \
             label"
        )),
        "{err}"
    );
    assert!(!dir.path().join("web.yaml").exists());
    // `run` given the manifest imports it on the fly and refuses it the same way.
    let out = bin()
        .current_dir(dir.path())
        .args(["run", "d.yaml", "--trials", "1"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr.contains(&format!(
            "{REQUIRED}.0.matchLabelKeys.0: `pod-template-hash`"
        )),
        "{stderr}"
    );
}

/// Under Flagger the primary's copy of the term selects the primary's pods
/// (fluxcd/flagger v1.44.0 `appendPrimarySuffixToValuesIfNeeded`): refused at the target
/// Deployment's term, which the scenario's parser would refuse with `strategy.flagger`.
#[test]
fn a_flagger_targets_term_is_refused() {
    let canary = read("flagger-canary.yaml");
    let at = "    spec:\n      containers:\n";
    assert!(canary.contains(at));
    let text = canary.replacen(
        at,
        "    spec:\n      affinity:\n        podAntiAffinity:\n          \
         requiredDuringSchedulingIgnoredDuringExecution:\n          - {topologyKey: \
         kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}\n      containers:\n",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("c.yaml", text.as_bytes())]);
    let err = refused(dir.path(), &["c.yaml"]);
    assert!(
        err.contains(&format!(
            "c.yaml (Flagger Canary flagger-canary): Deployment web.{REQUIRED}.0: a required \
             pod anti-affinity over the workload's own pods is not simulated with Flagger \
             Canary flagger-canary: Flagger runs them in two Deployments and rewrites the \
             primary's copy of the term to select the primary's pods \
             (`appendPrimarySuffixToValuesIfNeeded`"
        )),
        "{err}"
    );
    assert_eq!(err.matches("error: ").count(), 1, "{err}");
    // A term over another app's pods stays left out, Flagger or not.
    let other = text.replace(
        "labelSelector: {matchLabels: {app: web}}",
        "labelSelector: {matchLabels: {app: cache}}",
    );
    let found = import_str(&other, "c.yaml", Format::Yaml).unwrap();
    let imported = found.candidates[0]
        .outcome
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        imported
            .unsupported
            .iter()
            .any(|p| p.path == format!("Deployment web.{REQUIRED}.0")),
        "{:?}",
        imported.unsupported
    );
}
