//! `rollout-sim import` of an Argo Rollouts canary's `experiment` step: the step's fields
//! land where the scenario's `experiment` says, each analysis's AnalysisTemplate becomes
//! inline metrics reading the template its query selects
//! (`{{templates.NAME.podTemplateHash}}`), the step's `dryRun` joins each analysis's, what
//! changes nothing simulated is reported, a query the scenario cannot say is refused (or
//! left out), and the imported step runs as the scenario's own.

use super::import::{import, import_error, unsupported};
use super::import_argo::{aborts_a_bad_release, canary, measured, read, rollout};
use super::import_files::imported;
use rollout_sim::analysis::spec::{Quantity, Role};

use rollout_sim::scenario::rollout::{CanaryStep, RolloutKind};
use rollout_sim::scenario::{CURRENT, Format, NEXT, load_str};
use rollout_sim::sim::time::SECOND;

#[test]
fn the_experiment_step_lands_field_by_field() {
    let (s, found) = import(&read("rollout-experiment.yaml"));
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    assert_eq!(
        c.steps,
        [
            CanaryStep::Experiment(0),
            CanaryStep::SetWeight(20),
            CanaryStep::Pause(Some(300 * SECOND)),
            CanaryStep::SetWeight(50),
            CanaryStep::Pause(Some(300 * SECOND)),
        ]
    );
    let e = &c.experiments[0];
    assert_eq!(
        (e.duration, e.scale_down_delay),
        (Some(600 * SECOND), 60 * SECOND)
    );
    let templates: Vec<_> = e
        .templates
        .iter()
        .map(|t| (t.name.as_str(), t.spec_ref, t.replicas, t.weight))
        .collect();
    assert_eq!(
        templates,
        [
            ("baseline", CURRENT, 2, Some(5)),
            ("canary", NEXT, 2, Some(5))
        ]
    );
    // One AnalysisTemplate, two analyses: each reads the template its `hash` argument
    // names; the template's dryRun rule joins each run.
    let analyses: Vec<_> = e
        .analyses
        .iter()
        .map(|a| {
            let m = &a.spec.metrics;
            (
                a.name.as_str(),
                a.required_for_completion,
                m.len(),
                measured(&m[0]),
                measured(&m[1]).2,
                a.spec.dry_run.clone(),
            )
        })
        .collect();
    assert_eq!(
        analyses,
        [
            (
                "canary-errors",
                false,
                2,
                (Quantity::ErrorRate, Role::Canary, 60 * SECOND),
                300 * SECOND,
                vec![false, true]
            ),
            (
                "baseline-errors",
                false,
                2,
                (Quantity::ErrorRate, Role::Stable, 60 * SECOND),
                300 * SECOND,
                vec![false, true]
            ),
        ]
    );
    assert_eq!(
        unsupported(&found),
        [
            "spec.strategy.canary.steps.0.experiment.templates.0.metadata",
            "spec.strategy.canary.steps.0.experiment.templates.1.service",
            "spec.strategy.canary.steps.0.experiment.analysisRunMetadata",
        ]
    );
    let text = &found.candidates[0].outcome.as_ref().unwrap().text;
    for said in [
        "# argument hash = {{templates.canary.podTemplateHash}} (substituted)",
        "it is measured on the requests of the experiment's `canary` pods (`of: canary`) over \
         the last 1m.",
        "it is measured on the requests of the experiment's `baseline` pods (`of: stable`)",
        "# The experiment step's dryRun rules, then its templates', joined",
    ] {
        assert!(text.contains(said), "{said}:\n{text}");
    }
}

/// The imported step runs as the scenario's own: a release with 10 % errors fails the
/// canary template's analysis (5 % of 50 rps, 150 requests a minute, against `< 0.01`;
/// failureLimit 1: the second failed measurement fails the run) while the Rollout's own
/// canary has no weight, and the update is aborted.
#[test]
fn the_imported_experiment_aborts_a_bad_release() {
    for t in aborts_a_bad_release("rollout-experiment.yaml") {
        // Aborted within the experiment's first minutes, before its 10-minute duration
        // and so before `setWeight: 20`.
        assert!(t.duration < 600 * SECOND, "{t:?}");
    }
}

/// A step whose analysis `a` reads the AnalysisTemplate `t` with the argument `arg`
/// (one line of `{name, value}` or `{name, valueFrom}`).
fn step_with(arg: &str) -> String {
    canary(
        "trafficRouting: {istio: {}}\nsteps:\n- experiment:\n    duration: 5m\n    \
         templates:\n    - {name: base, specRef: stable, weight: 5}\n    \
         - {name: new, specRef: canary, weight: 5}\n    - {name: new2, specRef: canary}\n    \
         analyses:\n    - name: a\n      templateName: t\n      args: [",
        "",
    )
    .replace("args: [\n", &format!("args: [{arg}]\n"))
        + "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\n\
           spec:\n  args: [{name: h}]\n  metrics:\n  - name: m\n    successCondition: result[0] \
           < 0.05\n    provider: {prometheus: {query: 'sum(rate(req{code=~\"5..\",hash=\"{{args.h}}\"}\
           [1m])) / sum(rate(req{hash=\"{{args.h}}\"}[1m]))'}}\n"
}

#[test]
fn a_query_the_scenario_cannot_say_is_refused_and_a_template_typo_is_an_error() {
    let cases = [
        (
            "{name: h, value: abc123}",
            "selects no template of the experiment",
        ),
        (
            "{name: h, valueFrom: {podTemplateHashValue: Latest}}",
            "selects the Rollout's own canary pods (the argument `h` from \
             `podTemplateHashValue`), not an experiment template's",
        ),
        (
            "{name: h, value: '{{templates.new2.podTemplateHash}}'}",
            "reads the template `new2`, the second with `specRef: canary`: the scenario's \
             `of: canary` reads the first one's pods (`new`)",
        ),
        (
            "{name: h, value: '{{templates.nwe.podTemplateHash}}'}",
            "names the template `nwe`, which the step does not have (its templates: base, new, \
             new2); did you mean `new`?",
        ),
    ];
    for (arg, said) in cases {
        let errors = import_error(&step_with(arg));
        assert!(
            errors.iter().any(|e| e
                .starts_with("AnalysisTemplate t.spec.metrics.0.provider: the prometheus query")
                && e.contains(said)),
            "{said}: {errors:?}"
        );
    }
    // The one template a query names: the canary's first.
    let (s, _) = import(&step_with(
        "{name: h, value: '{{templates.new.replicaset.name}}'}",
    ));
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    let m = &c.experiments[0].analyses[0].spec.metrics[0];
    assert_eq!(measured(m).1, Role::Canary);
}

/// With `--drop-unknown-metrics` a metric the scenario cannot say is left out, and an
/// analysis left with no metric is left out and reported: the experiment runs without it.
#[test]
fn an_analysis_with_no_metric_left_is_left_out_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let text = step_with("{name: h, valueFrom: {podTemplateHashValue: Stable}}");
    std::fs::write(dir.path().join("r.yaml"), &text).unwrap();
    let (yaml, err) = imported(dir.path(), &["r.yaml", "--drop-unknown-metrics"]);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("not simulated: "))
        .collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].contains("AnalysisTemplate t.spec.metrics.0: ")
            && lines[0].contains("selects the Rollout's own stable pods"),
        "{err}"
    );
    assert!(
        lines[1].contains(
            "spec.strategy.canary.steps.0.experiment.analyses.0: none of its template's \
             metrics is imported"
        ),
        "{err}"
    );
    let s = load_str(&yaml, "i.yaml", Format::Yaml, &[]).unwrap();
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!()
    };
    assert!(c.experiments[0].analyses.is_empty());
    assert_eq!(c.experiments[0].templates.len(), 3);
}

/// The step's fields are Argo's: a misspelt one is refused with the closest name, and a
/// value the scenario refuses points back at the manifest's field.
#[test]
fn a_misspelt_or_bad_experiment_field_is_refused_at_its_path() {
    let text = step_with("{name: h, value: '{{templates.new.podTemplateHash}}'}");
    let errors = import_error(&text.replace("specRef: stable", "specRf: stable"));
    assert!(
        errors.iter().any(|e| e.starts_with(
            "spec.strategy.canary.steps.0.experiment.templates.0.specRf: unknown field `specRf`; \
             did you mean `specRef`?"
        )),
        "{errors:?}"
    );
    let errors = import_error(&text.replace("weight: 5}", "weight: '5'}"));
    assert!(
        errors.iter().any(|e| e.starts_with(
            "spec.strategy.canary.steps.0.experiment.templates.0.weight: expected an integer"
        )),
        "{errors:?}"
    );
    // Weights need a router, as Argo's validation says: told at the manifest's weight.
    let errors = import_error(&text.replace("      trafficRouting: {istio: {}}\n", ""));
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("spec.strategy.canary.steps.0.experiment.templates.0.weight")),
        "{errors:?}"
    );
}
