//! `rollout-sim import` of a Flagger Canary's A/B testing (`analysis.match`) on
//! `tests/manifests/flagger-ab.yaml`, the flagger docs' Istio A/B test (an `x-canary`
//! regex or the canary cookie, 10 iterations, a success-rate check, no load test), and on
//! the same Canary with other providers. The rules are `fluxcd/flagger` v1.44.0's: Istio
//! sends the conditions' requests by the weights and every other one to the primary
//! (`pkg/router/istio.go:SetRoutes`), `runAB` gives the canary weight 100 of them at each
//! iteration (`pkg/controller/scheduler.go`), Linkerd's SMI router never reads `match`
//! (`pkg/router/smi.go:SetRoutes`), and the `kubernetes` provider drops it
//! (`scheduler.go:advanceCanary`).

use super::import_flagger_load_tests::{import_to, not_simulated, run5, variant};
use crate::support::{bin, manifest};
use rollout_sim::scenario::Format;
use rollout_sim::scenario::import::import_str;
use serde_json::{Value, json};
use std::path::Path;

/// The imported scenario's `strategy.flagger.analysis` of `file`, and the text written to
/// `dir/imported.yaml`.
fn written(file: &str, dir: &Path) -> (Value, String) {
    let found = import_str(
        &std::fs::read_to_string(file).unwrap(),
        "m.yaml",
        Format::Yaml,
    )
    .unwrap();
    let tree = found.candidates[0].outcome.clone().unwrap().tree;
    let text = std::fs::read_to_string(dir.join("imported.yaml")).unwrap();
    (tree["strategy"]["flagger"]["analysis"].clone(), text)
}

/// `(outcome, failed_requests)` of each trial in `csv` (`None` without traffic).
fn outcomes(csv: &str) -> Vec<(String, Option<u64>)> {
    crate::support::rows(csv)
        .iter()
        .map(|r| (r["outcome"].clone(), r["failed_requests"].parse().ok()))
        .collect()
}

/// The fixture's conditions, as copied.
fn conditions() -> Value {
    json!([{"headers": {"x-canary": {"regex": ".*insider.*"}}},
           {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}}])
}

/// The fixture's success-rate check, as copied.
fn check() -> Value {
    json!({"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"})
}

/// Istio: `match` copied as written with the marked DEFAULT `matchShare` 0.1, and the
/// check kept without a load test (the conditions' requests reach the canary); nothing is
/// reported. It runs: healthy, every trial completes after its 10 iterations; with a
/// canary failing half its requests every trial rolls back, and the users of the matched
/// share see its failures (unlike mirrored copies): with `matchShare` 0.5 about five times
/// as many as with 0.1 on the same seeds (asserted: over three times, the share of the
/// failing canary's requests being five times larger).
#[test]
fn an_istio_ab_test_copies_its_conditions_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = manifest("flagger-ab.yaml");
    let err = import_to(dir.path(), &file);
    let out = dir.path().join("imported.yaml");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            format!(
                "skipped: {file}: document 1 at line 8: Deployment podinfo (the target of a \
                 Flagger Canary, read there)"
            ),
            format!(
                "wrote {} from {file} (Flagger Canary podinfo)",
                out.display()
            ),
        ],
        "{err}"
    );
    let (analysis, text) = written(&file, dir.path());
    assert_eq!(
        analysis,
        json!({"interval": "30s", "threshold": 2, "iterations": 10, "match": conditions(),
               "matchShare": 0.1, "metrics": [check()]})
    );
    assert!(
        text.contains(
            "      # DEFAULT share of the users' requests the `match` conditions select, not in\n\
             \x20     # the manifest: the simulator cannot read headers, cookies or queries, and the\n\
             \x20     # manifest cannot tell how many requests carry them; set yours (above 0, at most 1).\n\
             \x20     matchShare: 0.1\n"
        ),
        "{text}"
    );

    let (code, stderr, csv) = run5(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let trials = outcomes(&csv);
    assert_eq!(trials.len(), 5, "{csv}");
    assert!(trials.iter().all(|(o, _)| o == "completed"), "{csv}");

    let failing = "service.versions.next.error_rate=0.5";
    let (code, stderr, csv) = run5(dir.path(), &["--set", failing]);
    assert_eq!(code, Some(0), "{stderr}");
    let tenth = outcomes(&csv);
    assert!(
        tenth
            .iter()
            .all(|(o, f)| o == "rolled_back" && f.unwrap() > 0),
        "{csv}"
    );
    let (code, stderr, csv) = run5(
        dir.path(),
        &[
            "--set",
            failing,
            "--set",
            "strategy.flagger.analysis.matchShare=0.5",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let half = outcomes(&csv);
    assert!(half.iter().all(|(o, _)| o == "rolled_back"), "{csv}");
    let total = |t: &[(String, Option<u64>)]| t.iter().map(|(_, f)| f.unwrap()).sum::<u64>();
    assert!(total(&half) > 3 * total(&tenth), "{half:?} {tenth:?}");
}

/// `uri` in a condition: the CRD prunes it, so it is reported and not copied; the rest
/// imports as before.
#[test]
fn a_pruned_uri_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = variant(
        "flagger-ab.yaml",
        dir.path(),
        &[(
            "      - headers:\n          x-canary:",
            "      - uri:\n          prefix: /api\n        headers:\n          x-canary:",
        )],
    );
    let err = import_to(dir.path(), &file);
    assert_eq!(
        not_simulated(&err),
        [
            "spec.analysis.match.0.uri: the Canary CRD's `match` item has only `headers`, \
             `queryParams` and `sourceLabels`: the API server prunes `uri` (a field of \
             Istio's HTTPMatchRequest, which kubectl's strict field validation refuses), so \
             Flagger never routes by it"
        ],
        "{err}"
    );
    assert_eq!(written(&file, dir.path()).0["match"], conditions());
}

/// `kubernetes`: `match` left out (`advanceCanary` drops it), and with it the check, no
/// request reaching a blue/green canary; the iterations run.
#[test]
fn the_kubernetes_provider_leaves_match_out() {
    let dir = tempfile::tempdir().unwrap();
    let file = variant(
        "flagger-ab.yaml",
        dir.path(),
        &[("provider: istio", "provider: kubernetes")],
    );
    let err = import_to(dir.path(), &file);
    let lines = not_simulated(&err);
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(
        lines[0],
        "spec.analysis.match: the `kubernetes` provider has no router: scheduler.go \
         `advanceCanary` drops `match` with the warning \"A/B testing is not supported when \
         using the kubernetes provider\", and the canary runs as a blue/green (provider \
         `kubernetes`)"
    );
    assert!(
        lines[1].starts_with("spec.analysis.metrics: blue/green `iterations`"),
        "{err}"
    );
    let (analysis, text) = written(&file, dir.path());
    assert_eq!(
        analysis,
        json!({"interval": "30s", "threshold": 2, "iterations": 10})
    );
    assert!(
        text.lines().any(|l| l.trim() == "provider: kubernetes"),
        "{text}"
    );
    let (code, stderr, csv) = run5(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        outcomes(&csv).iter().all(|(o, _)| o == "completed"),
        "{csv}"
    );
}

/// Linkerd's SMI router never reads `match`, so `runAB` would send every request to the
/// canary: exit 2, naming the file, the Canary and the path, nothing written.
#[test]
fn an_ab_test_on_linkerd_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = variant(
        "flagger-ab.yaml",
        dir.path(),
        &[("provider: istio", "provider: linkerd")],
    );
    let out = bin().arg("import").arg(&file).assert().code(2);
    assert!(out.get_output().stdout.is_empty());
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        err.contains(&format!(
            "error: {file} (Flagger Canary podinfo): spec.analysis.match: Flagger's SMI \
             (Linkerd) router (pkg/router/smi.go) never reads `match`: its `SetRoutes` writes \
             the weights for every request, and scheduler.go `runAB` gives the canary weight \
             100 at each iteration"
        )),
        "{err}"
    );
}
