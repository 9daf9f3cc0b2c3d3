//! `rollout-sim import` of a Flagger Canary's traffic mirroring (`analysis.mirror`,
//! `mirrorWeight`) on `tests/manifests/flagger-mirror.yaml`, an Istio blue/green with a
//! success-rate check and no load test, and on the same Canary with other providers. The
//! rules are the routers' of `fluxcd/flagger` v1.44.0: Istio mirrors with
//! `mirrorPercentage` (`pkg/router/istio.go:SetRoutes`), Gateway API mirrors a blue/green
//! with no percentage (`pkg/router/gateway_api.go:SetRoutes`), Linkerd's SMI router never
//! mirrors (`pkg/router/smi.go:GetRoutes` reports no mirror), so its progressive canary
//! never leaves the mirror step (`pkg/controller/scheduler.go:runCanary`).

use super::import_flagger_load_tests::{import_to, not_simulated, run5, variant};
use crate::support::{bin, manifest};
use rollout_sim::scenario::Format;
use rollout_sim::scenario::import::import_str;
use serde_json::{Value, json};

/// The imported scenario's `strategy.flagger.analysis` of `file`.
fn analysis(file: &str) -> Value {
    let text = std::fs::read_to_string(file).unwrap();
    let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
    let one = found.candidates[0].outcome.clone().unwrap();
    one.tree["strategy"]["flagger"]["analysis"].clone()
}

/// `(outcome, failed_requests)` of each trial in `csv`.
fn outcomes(csv: &str) -> Vec<(String, String)> {
    crate::support::rows(csv)
        .iter()
        .map(|r| (r["outcome"].clone(), r["failed_requests"].clone()))
        .collect()
}

/// The success-rate check of the fixture, as copied.
fn check() -> Value {
    json!({"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"})
}

/// Istio: `mirror` and `mirrorWeight` copied as written, and the blue/green keeps its
/// check without a load test (the copies give it values); nothing is reported. It runs:
/// healthy, every trial completes; with a canary failing half its requests, every trial
/// rolls back on the mirrored copies' success rate while no user sees a failure (the
/// router drops the canary's answers to copies).
#[test]
fn an_istio_blue_green_mirrors_keeps_its_check_and_runs() {
    let file = manifest("flagger-mirror.yaml");
    assert_eq!(
        analysis(&file),
        json!({"interval": "30s", "threshold": 2, "iterations": 5, "mirror": true,
               "mirrorWeight": 50, "metrics": [check()]})
    );
    let dir = tempfile::tempdir().unwrap();
    let err = import_to(dir.path(), &file);
    assert_eq!(not_simulated(&err), Vec::<String>::new(), "{err}");

    let (code, stderr, csv) = run5(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let trials = outcomes(&csv);
    assert_eq!(trials.len(), 5, "{csv}");
    assert!(trials.iter().all(|(o, _)| o == "completed"), "{csv}");

    let (code, stderr, csv) = run5(
        dir.path(),
        &["--set", "service.versions.next.error_rate=0.5"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        outcomes(&csv),
        vec![("rolled_back".to_string(), "0".to_string()); 5],
        "{csv}"
    );
}

/// Gateway API: the blue/green is mirrored (`mirror` and the check copied) but its
/// `RequestMirror` filter has no percentage, so `mirrorWeight` is left out and reported;
/// the scenario runs.
#[test]
fn gateway_api_mirrors_the_blue_green_without_mirror_weight() {
    let dir = tempfile::tempdir().unwrap();
    let file = variant(
        "flagger-mirror.yaml",
        dir.path(),
        &[("provider: istio", "provider: gatewayapi:v1")],
    );
    assert_eq!(
        analysis(&file),
        json!({"interval": "30s", "threshold": 2, "iterations": 5, "mirror": true,
               "metrics": [check()]})
    );
    let err = import_to(dir.path(), &file);
    assert_eq!(
        not_simulated(&err),
        [
            "spec.analysis.mirrorWeight: Flagger's Gateway API router mirrors every request: \
          its RequestMirror filter has no percentage (pkg/router/gateway_api.go \
          `SetRoutes`), so the scenario copies them all"
        ],
        "{err}"
    );
    let (code, stderr, csv) = run5(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        outcomes(&csv).iter().all(|(o, _)| o == "completed"),
        "{csv}"
    );
}

/// Linkerd (SMI) never mirrors: the blue/green's `mirror` and `mirrorWeight` are left out,
/// and so are its metrics, no request reaching the canary; it runs the iterations. The
/// same Canary as a progressive canary would never leave weight 0 upstream: exit 2,
/// naming the file, the Canary and the path.
#[test]
fn linkerd_mirrors_nothing_and_its_progressive_canary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = variant(
        "flagger-mirror.yaml",
        dir.path(),
        &[("provider: istio", "provider: linkerd")],
    );
    assert_eq!(
        analysis(&file),
        json!({"interval": "30s", "threshold": 2, "iterations": 5})
    );
    let err = import_to(dir.path(), &file);
    let never = "Flagger's SMI (Linkerd) router (pkg/router/smi.go) mirrors nothing: its \
                 `SetRoutes` ignores the mirror and its `GetRoutes` never reports one \
                 (provider `linkerd`)";
    let lines = not_simulated(&err);
    assert_eq!(lines.len(), 3, "{err}");
    assert_eq!(lines[0], format!("spec.analysis.mirror: {never}"));
    assert_eq!(
        lines[1],
        "spec.analysis.mirrorWeight: read with `mirror` only, which is left out: the router \
         mirrors nothing"
    );
    assert!(
        lines[2].starts_with("spec.analysis.metrics: blue/green `iterations`"),
        "{err}"
    );
    let (code, stderr, csv) = run5(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        outcomes(&csv).iter().all(|(o, _)| o == "completed"),
        "{csv}"
    );

    let file = variant(
        "flagger-mirror.yaml",
        dir.path(),
        &[
            ("provider: istio", "provider: linkerd"),
            ("iterations: 5", "stepWeight: 20"),
        ],
    );
    let out = bin().arg("import").arg(&file).assert().code(2);
    assert!(out.get_output().stdout.is_empty());
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        err.contains(&format!(
            "error: {file} (Flagger Canary podinfo): spec.analysis.mirror: {never}. Upstream \
             the mirror step of a progressive canary (scheduler.go `runCanary`, `mirror` at \
             weight 0) moves on only once the router reports the mirror"
        )),
        "{err}"
    );
}
