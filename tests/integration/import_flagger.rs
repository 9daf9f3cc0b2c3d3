//! `rollout-sim import` of Flagger `Canary`s: the Canary's analysis lands under
//! `strategy.flagger` field for field and its target Deployment becomes the `service`
//! (against the values written in `tests/manifests/flagger-canary.yaml`, the manifests of
//! `scenarios/flagger-canary.yaml`), absent fields run with Flagger v1.44.0's defaults
//! (`pkg/apis/flagger/v1beta1/canary.go`), what is not simulated is listed with its path,
//! and misspelt fields and missing targets exit 2.

use super::import_argo::read;
use super::import_files::{imported as import_in, refused as refused_in, write};
use crate::support::{bin, manifest};
use rollout_sim::experiment::{Outcome, run_trials};
use rollout_sim::scenario::import::{Found, import_str};
use rollout_sim::scenario::{Format, load_str};
use rollout_sim::sim::time::SECOND;
use serde_json::{Value, json};

/// What `run` needs beside the manifests to be `scenarios/flagger-canary.yaml`: its
/// versions' latencies and error rates, node pool and horizon (a manifest says none of
/// them), as `--set` arguments.
const AS_THE_EXAMPLE: [&str; 3] = [
    "horizon=1h",
    r#"cluster={nodes: 4, node: {cpu: "4", memory: 8Gi}}"#,
    "service.versions={current: {image: web:1.0, shutdown: 1s, error_rate: 0.001}, \
     next: {image: web:1.1, pull: {lognormal: {median: 3s, p99: 15s}}, \
     start: {uniform: {min: 1s, max: 3s}}, ready_after: {lognormal: {median: 4s, p99: 20s}}, \
     shutdown: 1s, error_rate: 0.05}}",
];

/// `--set A --set B …` of [`AS_THE_EXAMPLE`].
fn as_the_example() -> Vec<String> {
    AS_THE_EXAMPLE
        .iter()
        .flat_map(|s| ["--set".to_string(), s.to_string()])
        .collect()
}

/// The one scenario imported from `text`, and what the import found.
pub(super) fn imported(text: &str) -> (Value, String, Found) {
    let found = import_str(text, "m.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    let one = match &found.candidates[..] {
        [one] => one.outcome.clone().unwrap_or_else(|e| panic!("{e}")),
        many => panic!("{} candidates", many.len()),
    };
    (one.tree, one.text, found)
}

/// `(path, why)` of every field the import left out.
pub(super) fn left_out(found: &Found) -> Vec<(String, String)> {
    found.candidates[0]
        .not_simulated()
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect()
}

/// A Deployment `web` of 4 replicas, then a Canary `web` whose `spec` continues with
/// `spec` (indented by 2).
fn canary(spec: &str) -> String {
    let spec: String = spec.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 4\n  \
         template:\n    spec:\n      containers: [{{name: app, image: web:2}}]\n---\n\
         apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {{name: web}}\nspec:\n  \
         targetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}\n{spec}"
    )
}

/// The stderr of an import of `text` that exits 2.
fn refused(text: &str, more: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    std::fs::write(&path, text).unwrap();
    let out = bin().arg("import").arg(&path).args(more).assert().code(2);
    assert!(out.get_output().stdout.is_empty());
    String::from_utf8_lossy(&out.get_output().stderr).replace(&*path.to_string_lossy(), "m.yaml")
}

#[test]
fn the_canary_and_its_deployment_land_field_by_field() {
    let (tree, _, found) = imported(&read("flagger-canary.yaml"));
    assert_eq!(found.candidates[0].name, "flagger-canary");
    assert_eq!(found.candidates[0].what, "Flagger Canary flagger-canary");
    assert_eq!(
        found.skipped,
        ["document 1 at line 5: Deployment web (the target of a Flagger Canary, read there)"]
    );
    assert_eq!(tree["name"], json!("flagger-canary"));
    // The Canary's fields, under the same names.
    assert_eq!(
        tree["strategy"],
        json!({"flagger": {
            "progressDeadlineSeconds": 600,
            "analysis": {
                "interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10,
                "metrics": [
                    {"name": "request-success-rate", "thresholdRange": {"min": 99}, "interval": "1m"},
                    {"name": "request-duration", "thresholdRange": {"max": 500}, "interval": "1m"}
                ],
                // The load test the simulator runs (a paced hey against web-canary).
                "webhooks": [
                    {"name": "load-test", "url": "http://flagger-loadtester.test/",
                     "timeout": "5s",
                     "metadata": {"cmd": "hey -z 1m -q 10 -c 2 http://web-canary.test:80/"}}
                ]
            }
        }})
    );
    // The Deployment's: replicas, requests, the readiness probe's timings, the image.
    let service = &tree["service"];
    assert_eq!(service["replicas"], json!(10));
    assert_eq!(
        service["resources"],
        json!({"cpu": "250m", "memory": "256Mi"})
    );
    assert_eq!(
        service["readinessProbe"],
        json!({"periodSeconds": 2, "failureThreshold": 3})
    );
    assert_eq!(service["versions"]["next"]["image"], json!("web:1.1"));
    // The checks measure requests: the Rollout import's marked default rate.
    assert_eq!(tree["traffic"], json!({"rps": 50}));
    let paths: Vec<String> = left_out(&found).into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["spec.service",]);
}

/// The example rebuilt as manifests, with what a manifest cannot say given by `--set`,
/// runs trial for trial as the hand-written scenario: imported then run, and run directly.
/// The manifest's load test is imported too, which the hand-written scenario lacks: its
/// requests are not the users', so no column of these trials moves (the bad release
/// fails its checks with or without them).
#[test]
fn the_imported_example_runs_as_the_hand_written_one() {
    let dir = tempfile::tempdir().unwrap();
    let example = format!(
        "{}/scenarios/flagger-canary.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = |scenario: &str, out: &str| {
        bin()
            .args(["run", scenario, "--trials", "20", "--seed", "13", "-q"])
            .args(as_the_example())
            .arg("--out")
            .arg(dir.path().join(out))
            .assert()
            .success();
        std::fs::read_to_string(dir.path().join(out).join("trials.csv")).unwrap()
    };
    let imported = dir.path().join("imported.yaml");
    bin()
        .args(["import", &manifest("flagger-canary.yaml")])
        .args(as_the_example())
        .arg("--out")
        .arg(&imported)
        .assert()
        .success();
    let hand = run(&example, "hand");
    assert_eq!(run(imported.to_str().unwrap(), "imported"), hand);
    assert_eq!(run(&manifest("flagger-canary.yaml"), "manifest"), hand);
    // Every trial of the bad release rolls back at 7 minutes (2 + threshold 5 ticks).
    assert!(
        hand.lines()
            .skip(1)
            .all(|l| l.contains(",rolled_back,420,")),
        "{hand}"
    );
}

/// Fields the Canary leaves out are left out of the scenario too, where Flagger's default
/// (`canary.go`: `GetProgressDeadlineSeconds` 600, `GetMetricInterval` "1m", the ready
/// thresholds 100; `scheduler.go:maxWeight` 100) is the scenario's own: the trials are
/// those of the same scenario with the defaults written out.
#[test]
fn absent_fields_run_with_flaggers_defaults() {
    let text = canary(
        "analysis:\n  interval: 30s\n  threshold: 2\n  stepWeight: 25\n  metrics:\n  \
         - {name: request-success-rate, thresholdRange: {min: 99}}\n",
    );
    let (tree, yaml, _) = imported(&text);
    // Its Deployment in the same file, the comment names it alone.
    let from = "# The pod template of Deployment web, named by spec.targetRef.\n";
    assert!(yaml.contains(from), "{yaml}");
    assert_eq!(
        tree["strategy"],
        json!({"flagger": {"analysis": {
            "interval": "30s", "threshold": 2, "stepWeight": 25,
            "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}}]}}})
    );
    // A good release whose pods are ready within a tick, so the timing is Flagger's alone.
    let release = "service.versions.next={image: web:2, pull: 1s, start: 1s, ready_after: 2s, \
                   shutdown: 1s}";
    let explicit = "strategy.flagger={progressDeadlineSeconds: 600, analysis: {interval: 30s, \
                    threshold: 2, stepWeight: 25, maxWeight: 100, primaryReadyThreshold: 100, \
                    canaryReadyThreshold: 100, metrics: [{name: request-success-rate, \
                    thresholdRange: {min: 99}, interval: 1m}]}}";
    let load = |set: &[&str]| {
        let set: Vec<_> = set.iter().map(|s| s.parse().unwrap()).collect();
        load_str(&yaml, "i.yaml", Format::Yaml, &set).unwrap()
    };
    let as_imported = run_trials(&load(&[release]), 0..12);
    assert_eq!(as_imported, run_trials(&load(&[release, explicit]), 0..12));
    // maxWeight 100 in steps of 25: checks at ticks 2 … 5, promotion at tick 5, traffic
    // to the primary at 6, completed at tick 7 (M/s + 3), 7 × 30 s (a maxWeight of 50
    // would complete at 5 ticks).
    for t in &as_imported {
        assert_eq!(t.outcome, Outcome::Completed, "{t:?}");
        assert_eq!(t.duration, 210 * SECOND, "{t:?}");
    }
}

#[test]
fn a_misspelt_canary_field_exits_2_with_did_you_mean() {
    let err = refused(
        &canary("analysis:\n  interval: 1m\n  threshold: 5\n  stepWieght: 10\n"),
        &[],
    );
    assert!(
        err.contains("m.yaml (Flagger Canary web)")
            && err.contains(
                "spec.analysis.stepWieght: unknown field `stepWieght`; did you mean \
                 `stepWeight`? (the Canary CRD of Flagger v1.44 has no such field"
            ),
        "{err}"
    );
    let err = refused(
        &canary(
            "analysis:\n  interval: 1m\n  threshold: 5\n  stepWeight: 10\n  webhooks:\n  \
             - {name: gate, url: 'http://x/', tiemout: 5s}\n",
        ),
        &[],
    );
    assert!(
        err.contains(
            "spec.analysis.webhooks.0.tiemout: unknown field `tiemout`; did you mean `timeout`?"
        ),
        "{err}"
    );
}

/// Webhooks to the flagger-loadtester's gate endpoints are translated as written (the
/// scenario runs them, `strategy::flagger::webhooks`), with a comment that the gates start
/// closed; a load test the simulator refuses beside them (unpaced, against the Service
/// `web` rather than `web-canary`) is listed as left out with the reason. The scenario
/// loads, and with the gate never opened every trial waits at `confirm-rollout` until the
/// horizon.
#[test]
fn loadtester_gate_webhooks_are_translated() {
    let (tree, text, found) = imported(&canary(
        "analysis:\n  interval: 1m\n  threshold: 5\n  stepWeight: 10\n  webhooks:\n  \
         - {name: ask, type: confirm-rollout, url: 'http://flagger-loadtester.test/gate/check', \
         timeout: 30s, muteAlert: true}\n  \
         - {name: load, url: 'http://flagger-loadtester.test/', metadata: {cmd: 'hey -z 1m http://web'}}\n  \
         - {name: undo, type: rollback, url: 'http://flagger-loadtester.test/rollback/check'}\n",
    ));
    assert_eq!(
        tree["strategy"]["flagger"]["analysis"]["webhooks"],
        json!([
            {"name": "ask", "type": "confirm-rollout",
             "url": "http://flagger-loadtester.test/gate/check", "timeout": "30s", "muteAlert": true},
            {"name": "undo", "type": "rollback",
             "url": "http://flagger-loadtester.test/rollback/check"},
        ])
    );
    assert!(text.contains("gates start closed"), "{text}");
    let out = left_out(&found);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].0, "spec.analysis.webhooks.1");
    assert!(out[0].1.starts_with("a `rollout` webhook"), "{}", out[0].1);
    assert!(
        out[0].1.contains(
            "metadata.cmd: the command targets \"http://web\"; only a load test of the \
             canary's own Service"
        ),
        "{}",
        out[0].1
    );
    let s = load_str(
        &text,
        "i.yaml",
        Format::Yaml,
        &["horizon=20m".parse().unwrap()],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for r in run_trials(&s, 0..3) {
        assert_eq!(r.outcome, Outcome::Paused);
    }
}

#[test]
fn webhooks_and_other_unsimulated_fields_are_listed() {
    let (tree, _, found) = imported(&canary(
        "skipAnalysis: false\nautoscalerRef: {apiVersion: autoscaling/v2, kind: \
         HorizontalPodAutoscaler, name: web}\nanalysis:\n  interval: 1m\n  threshold: 5\n  \
         stepWeight: 10\n  mirror: false\n  alerts: [{name: on-call, providerRef: {name: slack}}]\n  \
         webhooks:\n  - {name: gate, type: confirm-promotion, url: 'http://x/'}\n",
    ));
    assert_eq!(
        left_out(&found),
        [
            (
                "spec.autoscalerRef".to_string(),
                "an autoscaler changes the replicas during the analysis; the scenario keeps \
                 the Deployment's `replicas`"
                    .to_string()
            ),
            (
                "spec.analysis.webhooks.0".to_string(),
                "a `confirm-promotion` webhook (a gate Flagger waits at until it answers 200) \
                 is not simulated: the simulated canary goes on at once; only the \
                 flagger-loadtester's `/gate/approve`, `/gate/halt`, `/gate/check` and \
                 `/rollback/check` are simulated"
                    .to_string()
            ),
            (
                "spec.analysis.alerts".to_string(),
                "alerts only notify (Slack, Teams, …); nothing simulated waits for them"
                    .to_string()
            ),
        ]
    );
    // No metric: no traffic is invented.
    assert!(tree.get("traffic").is_none());
}

#[test]
fn a_missing_or_foreign_target_exits_2_naming_its_path() {
    let analysis = "analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n";
    let alone = canary(analysis);
    let alone = &alone[alone.find("---\n").unwrap() + 4..];
    let err = refused(alone, &[]);
    assert!(
        err.contains("m.yaml (Flagger Canary web)")
            && err.contains(
                "spec.targetRef.name: targetRef names Deployment `web` (apps/v1), which is not \
                 in the files given: give its file too: `rollout-sim import m.yaml \
                 DEPLOYMENT.yaml`"
            ),
        "{err}"
    );
    let daemon_set = alone.replace("kind: Deployment", "kind: DaemonSet");
    let err = refused(&daemon_set, &[]);
    assert!(
        err.contains(
            "spec.targetRef.kind: targetRef is a DaemonSet: the simulator runs Flagger's loop \
             on a Deployment (apps/v1) only"
        ),
        "{err}"
    );
}

#[test]
fn custom_metrics_exit_2_unless_dropped_and_blue_green_metrics_are_left_out() {
    let text = canary(
        "analysis:\n  interval: 1m\n  threshold: 5\n  stepWeight: 10\n  metrics:\n  \
         - {name: request-success-rate, thresholdRange: {min: 99}}\n  \
         - {name: error-rate, templateRef: {name: errors}, thresholdRange: {max: 1}}\n",
    );
    let err = refused(&text, &[]);
    assert!(
        err.contains("spec.analysis.metrics.1.templateRef: a custom metric")
            && err.contains("--drop-unknown-metrics"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.yaml"), &text).unwrap();
    let (yaml, err) = import_in(dir.path(), &["m.yaml", "--drop-unknown-metrics"]);
    assert!(
        err.contains("(Flagger Canary web): spec.analysis.metrics.1: a custom metric")
            && err.contains("metric `error-rate` left out"),
        "{err}"
    );
    assert!(load_str(&yaml, "i.yaml", Format::Yaml, &[]).is_ok());
    // Blue/green: no request reaches the canary without a load tester, so the scenario
    // refuses metrics there; the import leaves them out and says so.
    let (tree, _, found) = imported(&canary(
        "analysis:\n  interval: 1m\n  threshold: 5\n  iterations: 3\n  metrics:\n  \
         - {name: request-success-rate, thresholdRange: {min: 99}}\n",
    ));
    assert_eq!(
        tree["strategy"],
        json!({"flagger": {"analysis": {"interval": "1m", "threshold": 5, "iterations": 3}}})
    );
    assert_eq!(left_out(&found)[0].0, "spec.analysis.metrics");
}

/// A Flagger `MetricTemplate` given beside the Canary is listed as skipped saying why: the
/// import never reads one, since it refuses (or, with `--drop-unknown-metrics`, leaves
/// out) the Canary metric whose `templateRef` names it. It was listed with no reason. A
/// misspelt field of that metric is refused with or without the option.
#[test]
fn a_metric_template_is_skipped_saying_its_metric_is_refused_or_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let metric = "{name: error-rate, templateRef: {name: errors}, thresholdRange: {max: 1}}";
    let m = canary(&format!(
        "analysis:\n  interval: 1m\n  threshold: 5\n  stepWeight: 10\n  metrics:\n  \
         - {metric}\n"
    ));
    let mt = "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata: {name: errors}\n\
              spec:\n  provider: {type: prometheus, address: 'http://prometheus:9090'}\n  \
              query: sum(rate(errors[1m]))\n";
    write(
        dir.path(),
        &[("m.yaml", m.as_bytes()), ("mt.yaml", mt.as_bytes())],
    );
    let skipped = "skipped: m.yaml: document 1 at line 1: Deployment web (the target of a \
                   Flagger Canary, read there)\n\
                   skipped: mt.yaml: document 1 at line 1: MetricTemplate errors (not read: a \
                   Canary metric with a templateRef is refused at that metric, or left out \
                   with --drop-unknown-metrics)\n";
    let custom = "a custom metric (`query`, a MetricTemplate) is measured by a metrics server \
                  the simulator does not have";
    let at = "m.yaml (Flagger Canary web): spec.analysis.metrics.0";
    let (_, err) = import_in(dir.path(), &["--drop-unknown-metrics", "m.yaml", "mt.yaml"]);
    assert_eq!(
        err,
        format!("{skipped}not simulated: {at}: {custom}: metric `error-rate` left out\n")
    );
    assert_eq!(
        refused_in(dir.path(), &["m.yaml", "mt.yaml"]),
        format!(
            "{skipped}error: {at}.templateRef: {custom}: replace it with a built-in check in \
             the imported scenario, or import with --drop-unknown-metrics to leave it out\n"
        )
    );
    // A misspelt field of that metric: refused, dropped or not, and told with what
    // becomes of the metric in the same run, as the Argo import tells an analysis metric's
    // (`unmeasured`): the misspelling alone was told, and the refusal of the custom metric
    // only once it was fixed.
    let m = m.replace("templateRef:", "intervall: 1m, templateRef:");
    write(dir.path(), &[("m.yaml", m.as_bytes())]);
    let typo = format!(
        "{at}.intervall: unknown field `intervall`; did you mean `interval`? (the Canary CRD \
         of Flagger v1.44 has no such field: `kubectl apply` refuses it, \"strict decoding \
         error: unknown field\")\n"
    );
    assert_eq!(
        refused_in(dir.path(), &["--drop-unknown-metrics", "m.yaml", "mt.yaml"]),
        format!(
            "{}not simulated: {at}: {custom}: metric `error-rate` left out\n{}error: {typo}",
            &skipped[..skipped.find("skipped: mt.yaml").unwrap()],
            &skipped[skipped.find("skipped: mt.yaml").unwrap()..]
        )
    );
    assert_eq!(
        refused_in(dir.path(), &["m.yaml", "mt.yaml"]),
        format!(
            "{skipped}error: {at}.templateRef: {custom}: replace it with a built-in check in \
             the imported scenario, or import with --drop-unknown-metrics to leave it out\n\
             {typo}"
        )
    );
}

/// A misspelt field of a built-in check is refused, and the check's other fields are
/// still checked in the same run (the metric mapped without the misspelt key, as the API
/// server prunes it): only the misspelling was told.
#[test]
fn a_misspelt_field_of_a_builtin_check_is_told_with_its_other_problems() {
    let metric = "{name: request-success-rate, thresholdRange: {min: 99, mxa: 3}, \
                  intervall: 1m, interval: 10x}";
    let m = canary(&format!(
        "analysis:\n  interval: 1m\n  threshold: 5\n  stepWeight: 10\n  metrics:\n  \
         - {metric}\n"
    ));
    let err = refused(&m, &[]);
    let at = "m.yaml (Flagger Canary web): spec.analysis.metrics.0";
    for line in [
        format!("{at}.thresholdRange.mxa: unknown field `mxa`"),
        format!("{at}.intervall: unknown field `intervall`; did you mean `interval`?"),
        format!("{at}.interval: must match the CRD's pattern `^[0-9]+(m|s)`"),
    ] {
        assert_eq!(err.matches(&line).count(), 1, "{line}\n{err}");
    }
    assert!(!err.contains("more problem"), "{err}");
}

/// `skipAnalysis: true` is copied, and the imported scenario runs it: the canary is
/// scaled up at tick 0, promoted at the first tick it is ready, and the trial ends with
/// the primary's rollout; no check runs, so nothing is rolled back.
#[test]
fn skip_analysis_is_copied_and_runs() {
    let (tree, text, found) = imported(&canary(
        "skipAnalysis: true\nanalysis:\n  interval: 30s\n  threshold: 5\n  stepWeight: 10\n  \
         metrics: [{name: request-success-rate, thresholdRange: {min: 99}, interval: 1m}]\n",
    ));
    assert_eq!(tree["strategy"]["flagger"]["skipAnalysis"], json!(true));
    assert_eq!(left_out(&found), Vec::<(String, String)>::new());
    let s = load_str(&text, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    for r in run_trials(&s, 0..3) {
        assert_eq!(r.outcome, Outcome::Completed);
        // Promoted at tick 1 (30 s) or later; the primary's rollout takes a while after.
        assert!(r.duration > 30 * SECOND, "{}", r.duration);
    }
}
