//! A canary's `experiment` step (`RolloutExperimentStep`, argo-rollouts 9f8d111
//! `pkg/apis/rollouts/v1alpha1/types.go`): ReplicaSets started beside the Rollout's from
//! the stable or the canary pod template, kept for a `duration`, with AnalysisRuns reading
//! them. The step completes when the Experiment is Successful (`rollout/experiment.go`
//! `reconcileExperiments`, `experiments/experiment.go`).
//!
//! Each template's pods run as a version of their own, named `exp<step>-<template>`
//! (`exp2-baseline`; the Experiment a `retry` starts again for the step runs them as
//! `exp2-baseline-1`, then `-2`, as upstream names that Experiment after the first with a
//! collision counter), which copies the version its `specRef` names (`current` for
//! `stable`, `next` for `canary`): same image, same behaviour. So the traffic router can
//! give them their own `weight`, analyses read their requests alone, and the timeline shows
//! them apart, as the Experiment's own Service and pod-template hash keep them apart
//! upstream. A request they serve counts as served by the version they copy
//! (`next_requests`, `bad_release_requests`).
//!
//! Analyses are written inline (`metrics`, `dryRun`), as the canary's other analyses, in
//! place of Argo's `templateName` (`rollout-sim import` turns one into the other). A
//! metric's `of: canary` reads the experiment's first template with `specRef: canary`,
//! `of: stable` its first with `specRef: stable`.

use super::model::{ActionKind, CURRENT, NEXT, Scenario, Strategy, Version, VersionId};
use super::rollout::{CanaryStep, RolloutKind};
use super::walk::{Node, Obj};
use crate::analysis::{self, AnalysisSpec, Role};
use crate::sim::time::{SECOND, Time};
use serde_json::Value;

/// Fields of `experiment`.
pub const EXPERIMENT_FIELDS: &[&str] =
    &["duration", "templates", "analyses", "scaleDownDelaySeconds"];
/// Fields of one `templates[]` item.
pub const TEMPLATE_FIELDS: &[&str] = &["name", "specRef", "replicas", "weight"];
/// Fields of one `analyses[]` item: a name, `requiredForCompletion`, and the inline
/// analysis (`metrics`, `dryRun`).
pub const EXPERIMENT_ANALYSIS_FIELDS: &[&str] =
    &["name", "requiredForCompletion", "metrics", "dryRun"];
/// `specRef` values: the pod template a template copies.
pub const SPEC_REFS: &[(&str, VersionId)] = &[("stable", CURRENT), ("canary", NEXT)];

/// `DefaultScaleDownDelaySeconds` (`utils/defaults/defaults.go`), which an Experiment's
/// `scaleDownDelaySeconds` defaults to (`GetExperimentScaleDownDelaySecondsOrDefault`).
pub const DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY: Time = 30 * SECOND;

/// The most templates one experiment may have (each is a version, and a scenario has at
/// most 255).
pub const MAX_TEMPLATES: usize = 16;

/// One `experiment` step.
///
/// ```
/// use rollout_sim::scenario::{load_str, Format, Strategy, NEXT};
/// use rollout_sim::scenario::rollout::RolloutKind;
/// let yaml = "service: {replicas: 4}
/// strategy: {canary: {trafficRouting: {}, steps: [{experiment: {duration: 10m,
///   templates: [{name: base, specRef: stable, weight: 5}, {name: can, specRef: canary, weight: 5}]}}]}}";
/// let s = load_str(yaml, "e.yaml", Format::Yaml, &[]).unwrap();
/// let Strategy::Canary(r) = &s.strategy else { unreachable!() };
/// let RolloutKind::Canary(c) = &r.kind else { unreachable!() };
/// let e = &c.experiments[0];
/// assert_eq!(e.weight(), 10);
/// assert_eq!(e.templates[1].replicas, 1);
/// // The canary template's pods run as a copy of `next`.
/// assert_eq!(s.service.release(e.templates[1].version(0)), NEXT);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentStep {
    /// `duration`: how long the Experiment runs once every template is available;
    /// `None`: until its required analyses are Successful.
    pub duration: Option<Time>,
    /// `templates`, at least one.
    pub templates: Vec<ExperimentTemplate>,
    /// `analyses`.
    pub analyses: Vec<ExperimentAnalysis>,
    /// `scaleDownDelaySeconds` (default 30 s): how long the templates' pods stay up once
    /// the Experiment is over.
    pub scale_down_delay: Time,
}

/// One `templates[]` item.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentTemplate {
    /// `name`, unique in the experiment.
    pub name: String,
    /// The version whose pod template `specRef` copies: `current` (`stable`) or `next`
    /// (`canary`).
    pub spec_ref: VersionId,
    /// `replicas` (default 1).
    pub replicas: u32,
    /// `weight`: the share of requests the router sends to its pods (router only).
    pub weight: Option<u32>,
    /// The versions its pods run as (set when the scenario is loaded): one for each
    /// Experiment the step may create, the first and one after each `retry` action.
    pub versions: Vec<VersionId>,
}

/// One `analyses[]` item.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentAnalysis {
    /// `name`, unique in the experiment.
    pub name: String,
    /// `requiredForCompletion`: the Experiment ends Successful once every such analysis
    /// is, without waiting for `duration`.
    pub required_for_completion: bool,
    /// Its metrics.
    pub spec: AnalysisSpec,
}

impl ExperimentTemplate {
    /// The version its pods run as in the step's `instance`-th Experiment (0: the first;
    /// one more after each `retry`).
    pub fn version(&self, instance: usize) -> VersionId {
        self.versions[instance]
    }
}

impl ExperimentStep {
    /// The template a role's metrics read: the first with that `specRef`.
    pub fn template_of(&self, role: Role) -> Option<&ExperimentTemplate> {
        self.templates
            .iter()
            .find(|t| t.spec_ref == role_version(role))
    }

    /// Whether some analysis is `requiredForCompletion` (`HasRequiredAnalysisRuns`).
    pub fn has_required(&self) -> bool {
        self.analyses.iter().any(|a| a.required_for_completion)
    }

    /// The sum of the templates' weights (`calculateWeightDestinationsFromExperiment`).
    pub fn weight(&self) -> u32 {
        self.templates.iter().filter_map(|t| t.weight).sum()
    }
}

/// The `experiment` of a step. `routed`: the canary has a traffic router (the templates'
/// weights against its `maxTrafficWeight` are checked with the steps, which know the
/// canary's weight at the step).
pub fn parse(n: &Node, routed: bool) -> Option<ExperimentStep> {
    let o = n.object(EXPERIMENT_FIELDS)?;
    let duration = o.opt("duration", Node::duration);
    let scale_down_delay = o.duration("scaleDownDelaySeconds", DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY);
    let templates = o.required("templates", |n| templates(n, routed))?;
    let analyses = o
        .opt("analyses", |n| analyses(n, &templates, routed))
        .unwrap_or_default();
    Some(ExperimentStep {
        duration,
        templates,
        analyses,
        scale_down_delay,
    })
}

fn templates(n: &Node, routed: bool) -> Option<Vec<ExperimentTemplate>> {
    let list = n.list()?;
    if list.is_empty() {
        return n.fail("needs at least one template (`{name: canary, specRef: canary}`)");
    }
    if list.len() > MAX_TEMPLATES {
        return n.fail(format!(
            "has {} templates; at most {MAX_TEMPLATES} are simulated",
            list.len()
        ));
    }
    let mut out: Vec<ExperimentTemplate> = Vec::new();
    for item in &list {
        let Some(t) = item.object(TEMPLATE_FIELDS) else {
            continue;
        };
        let name = t.required("name", name);
        let spec_ref = t.required("specRef", |n| n.choice(SPEC_REFS));
        let replicas = t.u32("replicas", 1);
        let weight = t.opt("weight", Node::u32);
        if !routed && let Some(w) = t.get("weight") {
            // `InvalidCanaryExperimentTemplateWeightWithoutTrafficRouting`.
            w.problem(
                "requires `trafficRouting`: Experiment template weight cannot be set unless \
                 TrafficRouting is enabled (Argo Rollouts validation)",
            );
        }
        let (Some(name), Some(spec_ref)) = (name, spec_ref) else {
            continue;
        };
        if out.iter().any(|o| o.name == name) {
            // `VerifyExperimentSpec`: `ExperimentTemplateNameRepeatedMessage`.
            item.problem(format!(
                "template name `{name}` is used twice; names must be unique"
            ));
            continue;
        }
        out.push(ExperimentTemplate {
            name,
            spec_ref,
            replicas,
            weight,
            versions: Vec::new(),
        });
    }
    Some(out)
}

fn name(n: &Node) -> Option<String> {
    let s = n.string()?;
    let ok =
        !s.is_empty() && s.len() <= 63 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    n.check(
        s,
        ok,
        "must be a name of 1 to 63 letters, digits or `-` (it names the template's ReplicaSet \
         and the timeline's version)",
    )
}

fn analyses(
    n: &Node,
    templates: &[ExperimentTemplate],
    routed: bool,
) -> Option<Vec<ExperimentAnalysis>> {
    let mut out: Vec<ExperimentAnalysis> = Vec::new();
    for item in n.list()? {
        let Some(a) = item.object(EXPERIMENT_ANALYSIS_FIELDS) else {
            continue;
        };
        let name = a.required("name", name);
        let required = a.bool("requiredForCompletion", false);
        let Some(spec) = analysis::spec::metrics_of(&a) else {
            continue;
        };
        for (role, spec_ref) in [(Role::Canary, "canary"), (Role::Stable, "stable")] {
            if templates.iter().any(|t| t.spec_ref == role_version(role)) {
                continue;
            }
            if let Some(m) = spec.reads_role(role) {
                item.problem(format!(
                    "metric `{}` reads the experiment's {spec_ref} pods, but no template has \
                     `specRef: {spec_ref}`; add one, or measure the other role",
                    m.name
                ));
            }
        }
        // Behind a router a template without `weight` gets no requests: every window of
        // a rate or a latency of its pods would be empty, an Error.
        for role in [Role::Canary, Role::Stable] {
            let unrouted = templates
                .iter()
                .find(|t| t.spec_ref == role_version(role))
                .filter(|t| routed && t.weight.is_none());
            if let (Some(t), Some(m)) = (unrouted, spec.reads_requests_of(role)) {
                item.problem(format!(
                    "metric `{}` needs the requests of template `{}`, but behind the router \
                     it gets none without a `weight`; give the template a `weight`, or \
                     measure `ready_ratio`",
                    m.name, t.name
                ));
            }
        }
        if required && let Some(m) = spec.metrics.iter().find(|m| m.effective_count().is_none()) {
            item.problem(format!(
                "metric `{}` runs indefinitely (`interval` without `count`), so this \
                 `requiredForCompletion` analysis could never complete; give it a `count`",
                m.name
            ));
        }
        let Some(name) = name else { continue };
        if out.iter().any(|o| o.name == name) {
            item.problem(format!(
                "analysis name `{name}` is used twice; names must be unique"
            ));
            continue;
        }
        out.push(ExperimentAnalysis {
            name,
            required_for_completion: required,
            spec,
        });
    }
    Some(out)
}

fn role_version(role: Role) -> VersionId {
    match role {
        Role::Canary => NEXT,
        Role::Stable => CURRENT,
    }
}

/// Give the pods of each Argo Rollouts `experiment` template a version of their own, a
/// copy of the version its `specRef` names, named `exp<step>-<template>` (see the
/// module).
pub fn add_versions(o: &Obj, s: &mut Scenario) {
    let Strategy::Canary(r) = &mut s.strategy else {
        return;
    };
    let RolloutKind::Canary(c) = &mut r.kind else {
        return;
    };
    if c.experiments.is_empty() {
        return;
    }
    // A `retry` starts the rollout over from step 0: a step's Experiment is created again
    // beside the last one's pods, still scaling down.
    let instances = 1 + s
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Retry)
        .count();
    for (i, step) in c.steps.iter().enumerate() {
        let CanaryStep::Experiment(e) = step else {
            continue;
        };
        for k in 0..instances {
            for t in &mut c.experiments[*e].templates {
                let name = match k {
                    0 => format!("exp{i}-{}", t.name),
                    k => format!("exp{i}-{}-{k}", t.name),
                };
                let versions = &mut s.service.versions;
                if versions.iter().any(|v| v.name == name) {
                    o.node().child("service", &Value::Null).problem(format!(
                        "version `{name}` has the name the pods of experiment template `{}` of \
                     `strategy.canary.steps[{i}]` run as; rename the version",
                        t.name
                    ));
                    return;
                }
                let Some(id) = VersionId::try_from(versions.len())
                    .ok()
                    .filter(|&id| id < VersionId::MAX)
                else {
                    o.node().child("strategy", &Value::Null).problem(format!(
                        "the experiment templates' pods need a version each, and at most {} \
                     versions are supported (see \"Limits\" in the README)",
                        VersionId::MAX
                    ));
                    return;
                };
                let copy = Version {
                    name,
                    template_of: Some(t.spec_ref),
                    ..versions[usize::from(t.spec_ref)].clone()
                };
                versions.push(copy);
                t.versions.push(id);
            }
        }
    }
}
