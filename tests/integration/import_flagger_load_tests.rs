//! `rollout-sim import` of a Flagger Canary's load test: a `rollout` webhook to the
//! flagger-loadtester's task runner with a paced `hey` against `<app>-canary` is copied
//! (the scenario runs it: `src/strategy/flagger/webhooks.rs`, `hey.rs`), so the blue/green
//! of Flagger's tutorial (`tests/manifests/flagger-blue-green.yaml`, from `fluxcd/flagger`
//! v1.44.0 `docs/gitbook/tutorials/kubernetes-blue-green.md`) keeps its metrics and runs;
//! a load test the simulator refuses is left out saying why.

use crate::support::{bin, manifest};
use rollout_sim::scenario::Format;
use rollout_sim::scenario::import::import_str;
use serde_json::json;
use std::path::Path;

/// Imports `file` to `dir/imported.yaml`; its stderr.
pub(super) fn import_to(dir: &Path, file: &str) -> String {
    let out = bin()
        .arg("import")
        .arg(file)
        .arg("--out")
        .arg(dir.join("imported.yaml"))
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

/// `run --trials 5` of `dir/imported.yaml` with `more`: its exit code, stderr and
/// `trials.csv` (empty when it did not run).
pub(super) fn run5(dir: &Path, more: &[&str]) -> (Option<i32>, String, String) {
    let out_dir = dir.join("out");
    let out = bin()
        .arg("run")
        .arg(dir.join("imported.yaml"))
        .args(["--trials", "5", "-q", "--out"])
        .arg(&out_dir)
        .args(more)
        .output()
        .unwrap();
    let csv = std::fs::read_to_string(out_dir.join("trials.csv")).unwrap_or_default();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        csv,
    )
}

/// The fixture `tests/manifests/NAME` with each `from` replaced by its `to`, written to
/// `dir/m.yaml`; its path.
pub(super) fn variant(name: &str, dir: &Path, edits: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(manifest(name)).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let file = dir.join("m.yaml");
    std::fs::write(&file, text).unwrap();
    file.to_string_lossy().into_owned()
}

/// The `not simulated:` lines of an import's stderr, without their file and Canary
/// (`podinfo`).
pub(super) fn not_simulated(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("not simulated: "))
        .map(|l| {
            l.split_once("(Flagger Canary podinfo): ")
                .unwrap()
                .1
                .to_string()
        })
        .collect()
}

/// The tutorial's blue/green (10 iterations, the two built-in checks, a `pre-rollout`
/// bash smoke test and the `hey` load test) imports with the load test and the metrics,
/// and runs: every trial completes. Without the load test `run` refuses the same
/// scenario, which is why the import copies it.
#[test]
fn the_blue_green_tutorial_keeps_its_load_test_and_metrics_and_runs() {
    let file = manifest("flagger-blue-green.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let found = import_str(&text, "flagger-blue-green.yaml", Format::Yaml).unwrap();
    let one = found.candidates[0].outcome.clone().unwrap();
    let analysis = &one.tree["strategy"]["flagger"]["analysis"];
    assert_eq!(
        analysis["webhooks"],
        json!([{"name": "load-test", "url": "http://flagger-loadtester.test/", "timeout": "5s",
                "metadata": {"type": "cmd",
                             "cmd": "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/"}}])
    );
    assert_eq!(analysis["iterations"], json!(10));
    // Its `spec.provider: kubernetes` (no router, pkg/router/nop.go) is the scenario's.
    assert_eq!(
        one.tree["strategy"]["flagger"]["provider"],
        json!("kubernetes")
    );
    assert_eq!(
        analysis["metrics"][0]["name"],
        json!("request-success-rate")
    );
    assert_eq!(analysis["metrics"][1]["name"], json!("request-duration"));
    // A load test reads no gate: nothing to open.
    assert!(!one.text.contains("gates start closed"), "{}", one.text);

    let dir = tempfile::tempdir().unwrap();
    let err = import_to(dir.path(), &file);
    assert!(
        err.contains(
            "spec.analysis.webhooks.0: a `pre-rollout` webhook (run at the analysis' first \
             tick: an acceptance test or a load test) is not simulated: metadata.type: the \
             loadtester's `bash` tasks are not simulated"
        ),
        "{err}"
    );
    assert!(!err.contains("spec.analysis.webhooks.1"), "{err}");
    assert!(!err.contains("spec.analysis.metrics"), "{err}");
    let (code, stderr, csv) = run5(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let trials: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(trials.len(), 5, "{csv}");
    assert!(trials.iter().all(|t| t.contains(",completed,")), "{csv}");
    // The same scenario without its load test: a blue/green's checks would see no request.
    let (code, stderr, _) = run5(
        dir.path(),
        &["--set", "strategy.flagger.analysis.webhooks=[]"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("blue/green `iterations` keep every request on the primary"),
        "{stderr}"
    );
}

/// The tutorial's Canary made progressive (`stepWeight: 20`, `maxWeight: 60`,
/// `stepWeightPromotion: 50`) on the same `kubernetes` provider: Flagger's scheduler.go
/// `advanceCanary` runs it as 10 iterations (its "Progressive traffic is not supported when
/// using the kubernetes provider" warning) and `runPromotionTrafficShift` never reads
/// `stepWeightPromotion`, so the import writes `provider: kubernetes` and `iterations: 10`,
/// reports the three fields, keeps the load test and the metrics, and a good release
/// completes.
#[test]
fn a_progressive_kubernetes_canary_imports_as_10_iterations_and_runs() {
    let text = std::fs::read_to_string(manifest("flagger-blue-green.yaml"))
        .unwrap()
        .replace(
            "    iterations: 10\n",
            "    stepWeight: 20\n    maxWeight: 60\n    stepWeightPromotion: 50\n",
        );
    assert!(text.contains("stepWeight: 20"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bg.yaml");
    std::fs::write(&file, &text).unwrap();
    let err = import_to(dir.path(), file.to_str().unwrap());
    let progressive = "the `kubernetes` provider has no router to shift traffic \
                       (pkg/router/nop.go): Flagger's scheduler.go `advanceCanary` warns \
                       \"Progressive traffic is not supported when using the kubernetes \
                       provider\" and \"Setting canaryAnalysis.iterations: 10\", and runs the \
                       canary as a blue/green of 10 iterations, which the scenario does \
                       (`iterations: 10`)";
    let lines: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("not simulated: "))
        .filter_map(|l| l.split_once("(Flagger Canary podinfo): "))
        .map(|(_, l)| l)
        // The fixture's other reports (its ports, the bash smoke test) are the tutorial's.
        .filter(|l| l.starts_with("spec.analysis.") && !l.starts_with("spec.analysis.webhooks"))
        .collect();
    assert_eq!(
        lines,
        [
            "spec.analysis.stepWeightPromotion: the `kubernetes` provider has no traffic to \
             shift back: Flagger's scheduler.go `runPromotionTrafficShift` finalises the \
             promotion at once for it and never reads `stepWeightPromotion`"
                .to_string(),
            format!("spec.analysis.stepWeight: {progressive}"),
            format!("spec.analysis.maxWeight: {progressive}"),
        ],
        "{err}"
    );
    let found = import_str(&text, "bg.yaml", Format::Yaml).unwrap();
    let one = found.candidates[0].outcome.clone().unwrap();
    let flagger = &one.tree["strategy"]["flagger"];
    assert_eq!(flagger["provider"], json!("kubernetes"));
    assert_eq!(flagger["analysis"]["iterations"], json!(10));
    for gone in ["stepWeight", "maxWeight", "stepWeightPromotion"] {
        assert!(flagger["analysis"].get(gone).is_none(), "{gone}");
    }
    assert_eq!(
        flagger["analysis"]["metrics"].as_array().map(Vec::len),
        Some(2)
    );
    // The scenario's "Not simulated" lines say the same.
    assert!(
        one.text
            .contains(&format!("#   spec.analysis.stepWeight: {progressive}\n")),
        "{}",
        one.text
    );
    let (code, stderr, csv) = run5(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let trials: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(trials.len(), 5, "{csv}");
    assert!(trials.iter().all(|t| t.contains(",completed,")), "{csv}");
}

/// A load test the simulator refuses (no `-q`: hey then sends as fast as the canary
/// answers) is left out with the parser's reason and what that changes for a blue/green;
/// its metrics are left out with it, and the scenario runs the iterations.
#[test]
fn an_unpaced_load_test_is_left_out_saying_why_and_the_blue_green_still_runs() {
    let text = std::fs::read_to_string(manifest("flagger-blue-green.yaml"))
        .unwrap()
        .replace("hey -z 1m -q 10 -c 2", "hey -z 1m -c 2");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bg.yaml");
    std::fs::write(&file, text).unwrap();
    let err = import_to(dir.path(), file.to_str().unwrap());
    assert!(
        err.contains(
            "spec.analysis.webhooks.1: a `rollout` webhook (run at every check: a load tester \
             or an acceptance test) is not simulated: metadata.cmd: the command has no `-q`"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "Left out, a blue/green canary gets none of the users' requests, so without a \
             load test its checks would have no values and fail every time: the scenario is \
             refused with `iterations`, `metrics` and no load test"
        ),
        "{err}"
    );
    assert!(err.contains("spec.analysis.metrics: blue/green"), "{err}");
    let (code, stderr, csv) = run5(dir.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(csv.lines().count(), 6, "{csv}");
}

/// A webhook `type` the CRD lacks is no reason to leave a hook out: copied, the scenario's
/// parser refuses it at its manifest path, as the API server refuses the Canary.
#[test]
fn a_webhook_type_the_crd_lacks_exits_2_at_its_path() {
    let text = std::fs::read_to_string(manifest("flagger-blue-green.yaml"))
        .unwrap()
        .replace("type: pre-rollout", "type: pre-rollot");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bg.yaml");
    std::fs::write(&file, text).unwrap();
    let out = bin().arg("import").arg(&file).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        err.contains("spec.analysis.webhooks.0.type: must be one of the CRD's types")
            && err.contains("got \"pre-rollot\""),
        "{err}"
    );
}
