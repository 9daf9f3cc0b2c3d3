//! `rollout-sim import` of Argo Rollouts, what it refuses or reports: fields and steps not
//! simulated are named with their paths, an unrecognised query exits 2 unless dropped,
//! templates may come from another file, bad Rollouts exit 2 with a clear message, every
//! command takes a Rollout manifest (with `--set`), and odd input is an error, never a
//! panic. What lands where is in `import_argo.rs`.

use super::import::{import, import_error, unsupported};
use super::import_argo::{ERROR_RATE, canary, measured, read, rollout, template};
use super::import_files::imported;
use crate::support::{bin, manifest};
use rollout_sim::analysis::spec::Quantity;
use rollout_sim::scenario::rollout::{CanaryStep, ProgressThreshold, RolloutKind};
use rollout_sim::scenario::{Format, IntOrPercent, load_str};
use rollout_sim::sim::time::SECOND;

#[test]
fn steps_and_fields_not_simulated_are_reported_with_their_path() {
    let text = canary(
        "trafficRouting: {istio: {virtualService: {name: web}}}\n\
         analysis: {templates: [{templateName: t}], startingStep: 3, dryRun: [{metricName: m}]}\n\
         minPodsPerReplicaSet: 2\n\
         steps:\n- setWeight: 10\n- plugin: {name: argoproj-labs/sample}\n\
         - experiment: {duration: 1m, templates: [{name: c, specRef: canary}]}\n\
         - setWeight: 40\n- pause: {duration: 1m}\n",
        &template("t", ERROR_RATE).replace(
            "spec:\n",
            "spec:\n  measurementRetention: [{metricName: m, limit: 5}]\n",
        ),
    );
    let (s, found) = import(&text);
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    // The plugin step left out (the experiment is imported: `import_argo_experiment.rs`):
    // the background run still starts at the manifest's step 3 (`setWeight: 40`), now the
    // third step.
    assert_eq!(
        c.steps,
        [
            CanaryStep::SetWeight(10),
            CanaryStep::Experiment(0),
            CanaryStep::SetWeight(40),
            CanaryStep::Pause(Some(60 * SECOND)),
        ]
    );
    assert_eq!(c.analysis.as_ref().unwrap().starting_step, 2);
    // `dryRun` is imported (`import_argo_dry_run.rs`); `measurementRetention`, which only
    // bounds the measurements an AnalysisRun keeps, is reported.
    assert_eq!(c.analysis.as_ref().unwrap().spec.dry_run, [true]);
    assert_eq!(
        unsupported(&found),
        [
            "spec.strategy.canary.steps.1.plugin",
            "AnalysisTemplate t.spec.measurementRetention",
        ]
    );
    // Behind a router `minPodsPerReplicaSet` is the scenario's own field.
    assert_eq!(c.min_pods_per_replica_set, Some(2));
}

/// `minPodsPerReplicaSet` without a router and a negative `replicaProgressThreshold` are
/// read by Argo Rollouts as nothing (`CheckMinPodsPerReplicaSet`,
/// `ReplicaProgressThresholdMet`): reported, not refused; a threshold is copied.
#[test]
fn progress_fields_upstream_ignores_are_reported_and_a_threshold_copied() {
    let text = canary(
        "minPodsPerReplicaSet: 2\n\
         replicaProgressThreshold: {type: Pods, value: -1}\n\
         steps:\n- setWeight: 10\n",
        "",
    );
    let (s, found) = import(&text);
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    assert_eq!(c.replica_progress_threshold, None);
    assert_eq!(
        unsupported(&found),
        [
            "spec.strategy.canary.minPodsPerReplicaSet",
            "spec.strategy.canary.replicaProgressThreshold",
        ]
    );
    let text = canary(
        "replicaProgressThreshold: {type: Percent, value: 90}\nsteps:\n- setWeight: 10\n",
        "",
    );
    let (s, found) = import(&text);
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    assert_eq!(
        c.replica_progress_threshold,
        Some(ProgressThreshold::Percent(90))
    );
    assert!(unsupported(&found).is_empty(), "{found:?}");
}

#[test]
fn an_unrecognised_query_exits_2_unless_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.yaml");
    let text = canary(
        "steps:\n- setWeight: 10\n- analysis: {templates: [{templateName: t}, {templateName: w}]}\n",
        &format!(
            "{}{}",
            template("t", ERROR_RATE),
            template("w", "{web: {url: 'http://x/health', jsonPath: '{$.ok}'}}")
                .replace("name: m", "name: web-ok")
        ),
    );
    std::fs::write(&path, &text).unwrap();
    let out = bin().arg("import").arg(&path).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("(Argo Rollout web)")
            && err.contains("AnalysisTemplate w.spec.metrics.0.provider: a `web` provider has no shape the simulator can measure")
            && err.contains("--drop-unknown-metrics"),
        "{err}"
    );
    assert!(out.get_output().stdout.is_empty());
    let (yaml, err) = imported(dir.path(), &["r.yaml", "--drop-unknown-metrics"]);
    let dropped: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("not simulated: "))
        .collect();
    assert_eq!(dropped.len(), 1, "{err}");
    assert!(
        dropped[0]
            .contains("(Argo Rollout web): AnalysisTemplate w.spec.metrics.0: a `web` provider")
            && dropped[0].ends_with("metric `web-ok` left out"),
        "{err}"
    );
    let s = load_str(&yaml, "i.yaml", Format::Yaml, &[]).unwrap();
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    assert_eq!(c.step_analyses[0].metrics.len(), 1);
    assert_eq!(
        measured(&c.step_analyses[0].metrics[0]).0,
        Quantity::ErrorRate
    );
}

#[test]
fn templates_may_be_in_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let rollout = dir.path().join("rollout.yaml");
    let templates = dir.path().join("templates.yaml");
    std::fs::write(
        &rollout,
        canary(
            "steps:\n- setWeight: 10\n- analysis: {templates: [{templateName: t}]}\n",
            "",
        ),
    )
    .unwrap();
    std::fs::write(
        &templates,
        template("t", ERROR_RATE).trim_start_matches("---\n"),
    )
    .unwrap();
    let out = bin().arg("import").arg(&rollout).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("spec.strategy.canary.steps.1.analysis.templates.0.templateName: AnalysisTemplate `t` is not in the files given"),
        "{err}"
    );
    let out = bin()
        .arg("import")
        .arg(&rollout)
        .arg(&templates)
        .assert()
        .success();
    let yaml = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(yaml.contains("metric: error_rate"), "{yaml}");
}

#[test]
fn bad_rollouts_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let with_template = |steps: &str| canary(steps, &template("t", ERROR_RATE));
    let cases = [
        (
            "missing-template.yaml",
            canary("analysis: {templates: [{templateName: nope}]}\nsteps: [{setWeight: 5}]", ""),
            "(Argo Rollout web): spec.strategy.canary.analysis.templates.0.templateName: AnalysisTemplate `nope` is not in the files given".to_string(),
        ),
        (
            "cluster-template.yaml",
            with_template("analysis: {templates: [{templateName: t, clusterScope: true}]}"),
            "ClusterAnalysisTemplate `t` is not in the files given".to_string(),
        ),
        (
            "surge.yaml",
            canary("maxSurge: \"30\"", ""),
            "spec.strategy.canary.maxSurge: invalid type: string is not a percentage, got \"30\"".to_string(),
        ),
        (
            "no-containers.yaml",
            canary("steps: []", "").replace("containers: [{name: app, image: web:1}]", "containers: []"),
            "spec.template.spec: the pod template has no containers".to_string(),
        ),
        (
            "unknown-step.yaml",
            canary("steps: [{setWieght: 10}]", ""),
            "spec.strategy.canary.steps.0.setWieght: unknown canary step `setWieght`: Argo Rollouts steps are setWeight, pause".to_string(),
        ),
        (
            "two-kinds.yaml",
            canary("steps: [{setWeight: 10, pause: {}}]", ""),
            "spec.strategy.canary.steps.0: give exactly one of".to_string(),
        ),
        (
            "weight.yaml",
            canary("steps: [{setWeight: 120}]", ""),
            "spec.strategy.canary.steps.0.setWeight: must be between 0 and 100".to_string(),
        ),
        (
            "no-strategy.yaml",
            canary("{}", "").replace("    canary:\n      {}\n", "    {}\n"),
            "a Rollout needs `strategy.canary` or `strategy.blueGreen`".to_string(),
        ),
        (
            "arg.yaml",
            canary(
                "steps: [{analysis: {templates: [{templateName: t}]}}]",
                &template("t", ERROR_RATE).replace("< 0.05", "< {{args.limit}}"),
            ),
            "AnalysisTemplate t.spec.metrics.0.successCondition: \"result[0] < {{args.limit}}\" uses a template argument with no value".to_string(),
        ),
        (
            "count.yaml",
            canary(
                "steps: [{analysis: {templates: [{templateName: t}]}}]",
                &template("t", ERROR_RATE).replace("    provider", "    count: many\n    provider"),
            ),
            "AnalysisTemplate t.spec.metrics.0.count: expected an integer (or a string of one), got \"many\"".to_string(),
        ),
        (
            "paused.yaml",
            canary("steps: []", "").replace("  replicas: 4\n", "  replicas: 4\n  paused: true\n"),
            "spec.paused: a paused Rollout does not roll out".to_string(),
        ),
        (
            "max-weight.yaml",
            canary("trafficRouting: {nginx: {stableIngress: w}, maxTrafficWeight: 1000}", ""),
            "spec.strategy.canary.trafficRouting.maxTrafficWeight: the scenario's weights are percentages".to_string(),
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let out = bin().arg("import").arg(&path).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(&expected), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        // `run` refuses the manifest the same way, before any trial.
        let out = bin()
            .arg("run")
            .arg(&path)
            .args(["--trials", "1", "-q", "--out"])
            .arg(dir.path().join("out"))
            .assert()
            .code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(&expected), "run {name}: {err}");
    }
}

#[test]
fn commands_take_a_rollout_manifest_with_set() {
    let text = read("rollout-canary-basic.yaml");
    let set = ["service.replicas=8", "strategy.canary.maxSurge=2"].map(|s| s.parse().unwrap());
    let s = load_str(&text, "r.yaml", Format::Yaml, &set).unwrap();
    assert_eq!(s.service.replicas, 8);
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    assert_eq!(c.max_surge, IntOrPercent::Int(2));
    let dir = tempfile::tempdir().unwrap();
    let m = manifest("rollout-canary-basic.yaml");
    let runs: [&[&str]; 4] = [
        &[
            "run",
            &m,
            "--set",
            "service.replicas=6",
            "--trials",
            "3",
            "-q",
            "--out",
        ],
        &[
            "sweep",
            &m,
            "--set",
            "service.replicas=4,6",
            "--trials",
            "3",
            "-q",
            "--out",
        ],
        &[
            "compare",
            &m,
            "--set",
            "strategy.canary.maxSurge=1",
            "--set",
            "strategy.canary.maxSurge=2",
            "--trials",
            "3",
            "-q",
            "--out",
        ],
        &["report", &m, "--trials", "3", "-q", "--out"],
    ];
    for (i, args) in runs.iter().enumerate() {
        bin()
            .args(*args)
            .arg(dir.path().join(i.to_string()))
            .assert()
            .success();
    }
    bin()
        .args([
            "check",
            &m,
            "--trials",
            "3",
            "--check",
            "duration_s.p50 < 1h",
        ])
        .assert()
        .success();
}

#[test]
fn odd_rollouts_are_errors_never_panics() {
    let head = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n";
    let odd = [
        "spec: 1",
        "spec: {strategy: {canary: {steps: 5}}, template: {spec: {containers: [{image: a}]}}}",
        "spec: {strategy: {canary: {steps: [1, [2], {}]}}, template: {spec: {containers: [{image: a}]}}}",
        "spec: {strategy: {canary: {analysis: {templates: 3}}}, template: {spec: {containers: [{image: a}]}}}",
        "spec: {strategy: {canary: {analysis: {templates: [{}], args: [1]}}}, template: {spec: {containers: [{image: a}]}}}",
        "spec: {strategy: {canary: {}, blueGreen: {}}, template: {spec: {containers: [{image: a}]}}}",
        "spec: {strategy: {blueGreen: {prePromotionAnalysis: {}}}, template: {spec: {containers: [{image: a}]}}}",
        "spec: {workloadRef: {kind: StatefulSet, name: a}, strategy: {canary: {}}}",
        "spec: {strategy: {canary: {trafficRouting: 7}}, template: {spec: {containers: [{image: a}]}}}",
    ];
    for body in odd {
        let text = format!("{head}{body}\n");
        assert!(!import_error(&text).is_empty(), "{text}");
        assert!(
            load_str(&text, "m.yaml", Format::Yaml, &[]).is_err(),
            "{text}"
        );
    }
}

#[test]
fn two_analysis_templates_of_the_name_a_rollout_gives_are_refused_not_guessed_between() {
    // Which of two templates of one name in one namespace a cluster would hold depends on
    // the order they were applied in; the import took the first without a word.
    let text = canary(
        "analysis: {templates: [{templateName: t}]}\nsteps:\n- setWeight: 50\n",
        &format!(
            "{}{}",
            template("t", ERROR_RATE),
            template("t", ERROR_RATE).replace("< 0.05", "< 0.01")
        ),
    );
    assert_eq!(
        import_error(&text),
        [
            "spec.strategy.canary.analysis.templates.0.templateName: the files given hold 2 \
          AnalysisTemplates named `t` in namespace default (m.yaml (2)): which of them a \
          cluster would hold depends on the order they are applied in (the last wins); give \
          only the one meant"
        ]
    );
}
