//! `rollout-sim import` of Argo Rollouts: every mapped field lands where the scenario's
//! `strategy.canary` / `strategy.blueGreen` says (against the values written in the
//! manifests under `tests/manifests/`), analysis templates become inline metrics whose
//! conditions mean what they meant on the query's units, unsupported fields and steps are
//! reported with their paths, bad Rollouts exit 2, and the imported scenarios run.

use super::import::{import, import_error, unsupported};
use crate::support::{bin, manifest};
use rollout_sim::analysis::spec::{MetricSpec, Provider, Quantity, Role};
use rollout_sim::experiment::{Outcome, TrialResult, run_trials};
use rollout_sim::scenario::rollout::{CanaryScale, CanaryStep, RolloutKind, RolloutStrategy};
use rollout_sim::scenario::{Format, IntOrPercent, Scenario, Strategy, load_str};
use rollout_sim::sim::time::SECOND;
use rollout_sim::traffic::window::Reporter;

pub(super) fn read(name: &str) -> String {
    std::fs::read_to_string(manifest(name)).unwrap()
}

pub(super) fn rollout(s: &Scenario) -> &RolloutStrategy {
    match &s.strategy {
        Strategy::Canary(r) | Strategy::BlueGreen(r) => r,
        other => panic!("not an Argo strategy: {other:?}"),
    }
}

pub(super) fn measured(m: &MetricSpec) -> (Quantity, Role, u64) {
    match &m.provider {
        Provider::Measured(p) => (p.quantity, p.of, p.window),
        other => panic!("not rollout-sim: {other:?}"),
    }
}

/// A Rollout named `web` whose `strategy.canary` continues with `canary` (indented by 6),
/// followed by the documents `more`.
pub(super) fn canary(canary: &str, more: &str) -> String {
    let body: String = canary.lines().map(|l| format!("      {l}\n")).collect();
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: web}}\nspec:\n  \
         replicas: 4\n  template:\n    spec:\n      containers: [{{name: app, image: web:1}}]\n  \
         strategy:\n    canary:\n{body}{more}"
    )
}

/// An AnalysisTemplate `name` with one metric whose provider is `provider` (one line).
pub(super) fn template(name: &str, provider: &str) -> String {
    format!(
        "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {{name: {name}}}\n\
         spec:\n  metrics:\n  - name: m\n    successCondition: result[0] < 0.05\n    \
         provider: {provider}\n"
    )
}

pub(super) const ERROR_RATE: &str =
    r#"{prometheus: {query: 'sum(rate(req{code=~"5.."}[1m])) / sum(rate(req[1m]))'}}"#;

#[test]
fn the_router_canary_lands_field_by_field() {
    let (s, found) = import(&read("rollout-canary.yaml"));
    assert_eq!((s.name.as_str(), s.service.replicas), ("shop", 10));
    // The pod template, mapped as for a Deployment.
    assert_eq!(s.service.stop_grace_period, Some(45 * SECOND));
    assert_eq!(s.service.pre_stop, 5 * SECOND);
    assert_eq!(
        (
            s.service.resources.cpu_millis,
            s.service.resources.memory_bytes
        ),
        (250, 256 << 20)
    );
    assert_eq!(
        s.service.readiness_probe.as_ref().unwrap().period,
        2 * SECOND
    );
    assert_eq!(s.service.versions[1].image, "registry.example.com/shop:3.1");
    // Rollout spec fields, inside the strategy section.
    let r = rollout(&s);
    assert_eq!(
        (r.min_ready, r.progress_deadline, r.progress_deadline_abort),
        (5 * SECOND, Some(900 * SECOND), true)
    );
    let RolloutKind::Canary(c) = &r.kind else {
        panic!("not a canary")
    };
    assert_eq!(c.max_surge, IntOrPercent::Percent(20));
    assert_eq!(c.max_unavailable, IntOrPercent::Int(0));
    assert!(c.traffic_routing.is_some());
    assert_eq!(c.scale_down_delay, 60 * SECOND);
    assert_eq!(c.abort_scale_down_delay, 10 * SECOND);
    assert_eq!(
        c.steps,
        [
            CanaryStep::SetCanaryScale(CanaryScale::Replicas(2)),
            CanaryStep::SetWeight(10),
            CanaryStep::Pause(Some(120 * SECOND)),
            CanaryStep::SetCanaryScale(CanaryScale::MatchTrafficWeight),
            CanaryStep::SetWeight(30),
            CanaryStep::Analysis(0),
            CanaryStep::SetWeight(60),
            // `duration: 90`: an integer is seconds (`RolloutPause.DurationSeconds`).
            CanaryStep::Pause(Some(90 * SECOND)),
        ]
    );
    // The step analysis: template `latency`, a p99 in seconds.
    let m = &c.step_analyses[0].metrics[0];
    assert_eq!(m.name, "p99-latency");
    assert_eq!(
        (m.interval, m.initial_delay, m.count),
        (Some(30 * SECOND), 30 * SECOND, 4)
    );
    assert_eq!((m.inconclusive_limit, m.consecutive_error_limit), (1, 2));
    assert_eq!(
        measured(m),
        (Quantity::LatencyP99, Role::Canary, 60 * SECOND)
    );
    // `result[0] < 0.5` on seconds: below 500 ms passes, 500 ms does not.
    let ok = m.success.as_ref().unwrap();
    assert!(ok.eval(499.0) && !ok.eval(500.0));
    let bad = m.failure.as_ref().unwrap();
    assert!(bad.eval(1000.0) && !bad.eval(999.0));
    // The background analysis: template `success-rate`, threshold from its default arg.
    let bg = c.analysis.as_ref().unwrap();
    assert_eq!(bg.starting_step, 2);
    let m = &bg.spec.metrics[0];
    assert_eq!((m.count, m.failure_limit), (10, 2));
    assert_eq!(
        measured(m),
        (Quantity::SuccessRate, Role::Canary, 120 * SECOND)
    );
    let ok = m.success.as_ref().unwrap();
    assert!(ok.eval(0.95) && !ok.eval(0.949));
    // The analysis measures requests: a marked default rate.
    assert_eq!(
        s.traffic.as_ref().map(|t| &t.rate),
        Some(&rollout_sim::scenario::RateProfile::Constant(50.0))
    );
    assert_eq!(unsupported(&found), ["spec.revisionHistoryLimit",]);
    assert_eq!(
        found.skipped,
        [
            "document 1 at line 4: Service shop-canary",
            "document 2 at line 11: AnalysisTemplate success-rate (read where a Rollout names it)",
            "document 3 at line 34: AnalysisTemplate latency (read where a Rollout names it)",
        ]
    );
    let text = &found.candidates[0].outcome.as_ref().unwrap().text;
    for said in [
        "CHECK THIS MAPPING",
        "destination_service=~\"shop-canary.default.svc.cluster.local\"",
        "# istio {\"virtualService\"",
        "canaryService shop-canary, stableService shop-stable",
        "DEFAULT request rate",
    ] {
        assert!(text.contains(said), "{said}:\n{text}");
    }
}

#[test]
fn the_blue_green_lands_field_by_field() {
    let (s, found) = import(&read("rollout-bluegreen.yaml"));
    let r = rollout(&s);
    let RolloutKind::BlueGreen(b) = &r.kind else {
        panic!("not blue-green")
    };
    assert_eq!(b.preview_replica_count, Some(2));
    assert!(b.auto_promotion_enabled);
    assert_eq!(b.auto_promotion_seconds, 30 * SECOND);
    assert_eq!(b.scale_down_delay, 60 * SECOND);
    assert_eq!(b.abort_scale_down_delay, Some(20 * SECOND));
    assert_eq!(
        s.service.readiness_probe.as_ref().unwrap().initial_delay,
        3 * SECOND
    );
    assert_eq!(
        unsupported(&found),
        [
            "spec.revisionHistoryLimit",
            "spec.strategy.blueGreen.antiAffinity"
        ]
    );
    // No analysis, no traffic invented.
    assert!(s.traffic.is_none());
    let (s, _) = import(
        &read("rollout-bluegreen.yaml")
            .replace("autoPromotionSeconds: 30", "autoPromotionEnabled: false"),
    );
    let RolloutKind::BlueGreen(b) = &rollout(&s).kind else {
        panic!()
    };
    assert!(!b.auto_promotion_enabled);
}

#[test]
fn the_canary_without_router_lands_field_by_field() {
    let (s, found) = import(&read("rollout-canary-basic.yaml"));
    let r = rollout(&s);
    assert_eq!(r.min_ready, 10 * SECOND);
    let RolloutKind::Canary(c) = &r.kind else {
        panic!()
    };
    assert_eq!(c.traffic_routing, None);
    assert_eq!(
        (c.max_surge, c.max_unavailable),
        (IntOrPercent::Int(1), IntOrPercent::Percent(20))
    );
    assert_eq!(
        c.steps,
        [
            CanaryStep::SetWeight(20),
            CanaryStep::Pause(Some(60 * SECOND)),
            CanaryStep::SetWeight(60),
            CanaryStep::Pause(Some(30 * SECOND)),
        ]
    );
    // A limit stands in for the missing request, as the API server defaults it.
    assert_eq!(s.service.resources.cpu_millis, 1000);
    assert_eq!(
        unsupported(&found),
        ["spec.template.spec.containers.0.resources.limits"]
    );
}

/// import → the written file loads → `run` exits 0, and the trials end as the upstream
/// rules say they must with no fault in the scenario.
#[test]
fn every_rollout_manifest_imports_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "rollout-canary.yaml",
        "rollout-bluegreen.yaml",
        "rollout-canary-basic.yaml",
    ] {
        let out = dir.path().join(file);
        bin()
            .args(["import", &manifest(file), "--out"])
            .arg(&out)
            .assert()
            .success();
        bin()
            .arg("run")
            .arg(&out)
            .args(["--trials", "3", "-q", "--out"])
            .arg(dir.path().join(format!("run-{file}")))
            .assert()
            .success();
        let s = rollout_sim::scenario::load_file(&out, &[]).unwrap();
        let n = s.service.replicas;
        for t in run_trials(&s, 0..10) {
            assert_eq!(t.outcome, Outcome::Completed, "{file}: {t:?}");
            match file {
                // A router keeps the stable at N: at most 2 N pods, never fewer than N
                // available.
                "rollout-canary.yaml" => {
                    assert!(t.peak_tasks <= 2 * n && t.min_available >= n, "{t:?}")
                }
                // The preview is scaled to N before the switch: N + N at the peak.
                "rollout-bluegreen.yaml" => assert_eq!(t.peak_tasks, 2 * n),
                // Without a router: maxUnavailable 20 % of 5 = 1 (rounded down), and
                // N + maxSurge (1) pods wanted at most, plus pods still terminating.
                _ => assert!(t.min_available >= n - 1 && t.peak_tasks < 2 * n, "{t:?}"),
            }
        }
    }
}

#[test]
fn steps_and_fields_of_every_kind_land_where_the_scenario_says() {
    let text = canary(
        "dynamicStableScale: true\ntrafficRouting: {nginx: {stableIngress: web}, maxTrafficWeight: 100}\n\
         steps:\n- setCanaryScale: {weight: 50}\n- setWeight: 25\n- pause: {}\n",
        "",
    );
    let (s, found) = import(&text);
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    assert!(c.dynamic_stable_scale);
    assert_eq!(
        c.steps,
        [
            CanaryStep::SetCanaryScale(CanaryScale::Weight(50)),
            CanaryStep::SetWeight(25),
            CanaryStep::Pause(None),
        ]
    );
    assert!(unsupported(&found).is_empty(), "{:?}", unsupported(&found));
    // Defaults are Argo's when the Rollout leaves them out.
    let (s, _) = import(&canary("steps: [{setWeight: 50}]", ""));
    let r = rollout(&s);
    assert_eq!(r.progress_deadline, Some(600 * SECOND));
    let RolloutKind::Canary(c) = &r.kind else {
        panic!()
    };
    assert_eq!(c.max_surge, IntOrPercent::Percent(25));
}

#[test]
fn metric_fields_and_arguments_land_where_the_scenario_says() {
    let latency = "---\napiVersion: argoproj.io/v1alpha1\nkind: ClusterAnalysisTemplate\n\
                   metadata: {name: lat}\nspec:\n  args: [{name: svc}, {name: hash}]\n  metrics:\n  \
                   - name: p95\n    interval: 20s\n    count: 6\n    failureLimit: -1\n    consecutiveSuccessLimit: \"3\"\n    \
                   successCondition: result[0] < 250\n    provider:\n      prometheus:\n        \
                   query: histogram_quantile(0.95, sum(rate(req_duration_ms_bucket{svc=\"{{args.svc}}\",\
                   hash=\"{{args.hash}}\"}[40s])) by (le))\n";
    let text = canary(
        "steps:\n- setWeight: 10\n- analysis:\n    templates: [{templateName: lat, clusterScope: true}]\n    \
         args:\n    - {name: svc, value: web}\n    \
         - {name: hash, valueFrom: {podTemplateHashValue: Latest}}\n",
        latency,
    );
    let (s, found) = import(&text);
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    let m = &c.step_analyses[0].metrics[0];
    assert_eq!(m.interval, Some(20 * SECOND));
    assert_eq!((m.failure_limit, m.consecutive_success_limit), (-1, 3));
    // Milliseconds already: the condition is kept as written.
    assert_eq!(
        measured(m),
        (Quantity::LatencyP95, Role::Canary, 40 * SECOND)
    );
    assert_eq!(m.success.as_ref().unwrap().text(), "result[0] < 250");
    let text = &found.candidates[0].outcome.as_ref().unwrap().text;
    for said in [
        "From ClusterAnalysisTemplate lat, metric p95 (prometheus).",
        "svc=\"web\",hash=\"{{args.hash}}\"",
        "argument svc = web (substituted)",
        "argument hash from {\"podTemplateHashValue\":\"Latest\"} (not resolved outside a cluster",
    ] {
        assert!(text.contains(said), "{said}:\n{text}");
    }
}

/// A query that selects a version by an argument from `podTemplateHashValue` reads that
/// version (`Stable`: `of: stable`, `Latest`: `of: canary`), also where the template
/// gives the argument a default, which the Rollout's `valueFrom` overrides upstream
/// (`MergeArgs`); one that selects both is refused: a metric reads one version.
#[test]
fn a_pod_template_hash_argument_says_which_version_a_metric_reads() {
    let tpl = "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\n\
               spec:\n  args: [{name: h, value: default-hash}, {name: g}]\n  metrics:\n  - name: m\n    \
               successCondition: result[0] < 0.05\n    provider: {prometheus: {query: 'sum(rate(req{\
               code=~\"5..\",hash=\"{{args.h}}\"}[1m])) / sum(rate(req{hash=\"{{args.h}}\"}[1m]))'}}\n";
    let analysis = |args: &str| {
        canary(
            &format!(
                "steps:\n- setWeight: 10\n- analysis:\n    templates: [{{templateName: t}}]\n    \
                 args: [{args}]\n"
            ),
            tpl,
        )
    };
    for (hash, role) in [("Stable", Role::Stable), ("Latest", Role::Canary)] {
        let text = analysis(&format!(
            "{{name: h, valueFrom: {{podTemplateHashValue: {hash}}}}}, {{name: g, value: x}}"
        ));
        let (s, found) = import(&text);
        let RolloutKind::Canary(c) = &rollout(&s).kind else {
            panic!()
        };
        assert_eq!(measured(&c.step_analyses[0].metrics[0]).1, role, "{hash}");
        let text = &found.candidates[0].outcome.as_ref().unwrap().text;
        assert!(text.contains("hash=\"{{args.h}}\""), "{text}");
        assert!(!text.contains("default-hash"), "{text}");
    }
    let both = analysis(
        "{name: h, valueFrom: {podTemplateHashValue: Stable}}, \
         {name: g, valueFrom: {podTemplateHashValue: Latest}}",
    )
    .replace(
        "sum(rate(req{hash=\"{{args.h}}\"}",
        "sum(rate(req{hash=\"{{args.g}}\"}",
    );
    let errors = import_error(&both);
    assert!(
        errors.iter().any(|e| e.contains(
            "selects both the stable's and the canary's pods (the arguments `h`, `g` from \
             `podTemplateHashValue`)"
        )),
        "{errors:?}"
    );
}

#[test]
fn a_workload_ref_takes_the_deployments_pod_template() {
    let text = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  \
                replicas: 3\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web, \
                scaleDown: progressively}\n  strategy:\n    canary: {steps: [{setWeight: 50}]}\n\
                ---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
                replicas: 0\n  template:\n    spec:\n      terminationGracePeriodSeconds: 12\n      \
                containers: [{name: a, image: web:7, env: [{name: X, value: '1'}]}]\n";
    let (s, found) = import(text);
    assert_eq!(s.service.replicas, 3);
    assert_eq!(s.service.stop_grace_period, Some(12 * SECOND));
    assert_eq!(s.service.versions[1].image, "web:7");
    assert_eq!(
        unsupported(&found),
        [
            "spec.workloadRef.scaleDown",
            "Deployment web.spec.template.spec.containers.0.env"
        ]
    );
    assert_eq!(
        found.skipped,
        [
            "document 2 at line 9: Deployment web (the pod template of a Rollout's workloadRef, read there)"
        ]
    );
    let e = import_error(&text.replace("name: web, scaleDown", "name: api, scaleDown"));
    assert!(
        e[0].starts_with(
            "spec.workloadRef.name: workloadRef names Deployment `api` (apps/v1), which is not \
             in the files given"
        ),
        "{e:?}"
    );
}

#[test]
fn the_imported_analysis_aborts_a_bad_release() {
    // 10 % errors against the template's `result[0] >= 0.95`: the canary gets at least
    // 10 % of 50 rps over a 2-minute window, ≥ 600 requests, so a measured success rate
    // above 0.95 is more than 4 standard deviations away; the third failed measurement
    // (failureLimit 2) fails the background run, which aborts the update.
    aborts_a_bad_release("rollout-canary.yaml");
}

/// 20 trials of the manifest `file` (run as `run` reads it) with a release of 10 %
/// errors, each asserted rolled back by the rollout's own analysis.
pub(super) fn aborts_a_bad_release(file: &str) -> Vec<TrialResult> {
    let text = read(file);
    let set = ["service.versions.next.error_rate=0.1"].map(|s| s.parse().unwrap());
    let s = load_str(&text, "r.yaml", Format::Yaml, &set).unwrap();
    let trials = run_trials(&s, 0..20);
    for t in &trials {
        assert_eq!(t.outcome, Outcome::RolledBack, "{t:?}");
        let v = t.verdict.as_ref().expect("a canary has a verdict");
        assert!(v.bad && v.aborted, "{v:?}");
    }
    trials
}

#[test]
fn a_blue_green_with_pre_promotion_analysis_gets_a_marked_preview_share_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bg.yaml");
    bin()
        .args([
            "import",
            &manifest("rollout-bluegreen-analysis.yaml"),
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("# DEFAULT preview traffic"), "{text}");
    let s = rollout_sim::scenario::load_file(&out, &[]).unwrap();
    let RolloutKind::BlueGreen(bg) = &rollout(&s).kind else {
        panic!("not a blue-green")
    };
    assert_eq!(bg.preview_share, 0.05);
    // A good release passes both analyses; one failing 20 % of its requests is caught by
    // the pre-promotion run (3 windows of ~90 preview requests each, `failureLimit: 1`).
    for t in run_trials(&s, 0..10) {
        assert_eq!(t.outcome, Outcome::Completed, "{t:?}");
    }
    let bad: Vec<rollout_sim::scenario::Override> =
        vec!["service.versions.next.error_rate=0.2".parse().unwrap()];
    let s = rollout_sim::scenario::load_file(&out, &bad).unwrap();
    for t in run_trials(&s, 0..10) {
        assert_eq!(t.outcome, Outcome::RolledBack, "{t:?}");
    }
}

/// A success-rate query on Istio's `reporter="destination"` (the pods' sidecars, every
/// attempt) becomes `reporter: destination`, said in the mapping's comment; the same
/// query on `reporter="source"` keeps the client's count, the default.
#[test]
fn an_istio_destination_query_counts_the_pods_side() {
    let query = |side: &str| {
        format!(
            "{{prometheus: {{query: 'sum(rate(istio_requests_total{{reporter=\"{side}\",response_code!~\"5.*\"}}[1m])) / sum(rate(istio_requests_total{{reporter=\"{side}\"}}[1m]))'}}}}"
        )
    };
    let run = |side: &str| {
        let text = canary(
            "steps:\n- setWeight: 10\n- analysis: {templates: [{templateName: ok}]}\n",
            &template("ok", &query(side)),
        );
        let (s, found) = import(&text);
        let RolloutKind::Canary(c) = &rollout(&s).kind else {
            panic!()
        };
        let Provider::Measured(m) = &c.step_analyses[0].metrics[0].provider else {
            panic!()
        };
        let text = found.candidates[0].outcome.as_ref().unwrap().text.clone();
        (m.quantity, m.reporter, text)
    };
    let (quantity, reporter, text) = run("destination");
    assert_eq!(
        (quantity, reporter),
        (Quantity::SuccessRate, Reporter::Destination)
    );
    assert!(text.contains("reporter: destination"), "{text}");
    assert!(
        text.contains("counting every attempt the pods took"),
        "{text}"
    );
    let (_, reporter, text) = run("source");
    assert_eq!(reporter, Reporter::Source);
    assert!(!text.contains("reporter:"), "{text}");
}
