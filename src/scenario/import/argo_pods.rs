//! Whose pods an imported analysis metric reads: the scenario's `of` (`canary`,
//! `stable`), from the query of the AnalysisTemplate it comes from.
//!
//! A Rollout's own analyses select a version's pods by an argument from
//! `valueFrom: {podTemplateHashValue: Stable|Latest}` (the stable's or the new
//! ReplicaSet's pod-template hash, [`super::argo_args`]): a query that writes such an
//! argument reads that version (`of: stable`, `of: canary`); one that writes none reads
//! the canary, as the import has always written it (the "CHECK THIS MAPPING" note says
//! so); one that writes both is refused (or left out with `--drop-unknown-metrics`): a
//! metric measures one version's requests.
//!
//! An experiment step's analysis selects a template's pods by the arguments the
//! Experiment resolves, `{{templates.NAME.podTemplateHash}}` and
//! `{{templates.NAME.replicaset.name}}` (`argoproj/argo-rollouts` 9f8d111,
//! `utils/template/template.go`, `ResolveExperimentArgsValue`; tags trimmed of spaces, as
//! its `resolve` trims them), passed to the template's `{{args.…}}`. Once those are
//! substituted, the query names the template it reads; the scenario's `of: canary` reads
//! the step's first `specRef: canary` template, `of: stable` its first `specRef: stable`
//! one. A query that names no template (or the Rollout's own pods by a
//! `podTemplateHashValue` argument), two of them, or a second template of one `specRef`
//! measures what the scenario cannot say, and is refused (or left out); one that names a
//! template the step does not have is an error, as upstream fails to create the run
//! ("failed to resolve {{…}}").

use super::super::suggest;
use super::argo_args::tags;

/// Whose pods a run's metrics read.
#[derive(Debug, Clone, Copy)]
pub enum Pods<'t> {
    /// A Rollout's analysis: the version a `podTemplateHashValue` argument selects, else
    /// the canary.
    Rollout,
    /// An experiment step's analysis: the one template of the step's (`name`,
    /// `specRef`) that the query selects.
    Experiment(&'t [(String, String)]),
}

/// Whose requests a metric measures: the scenario's `of`, and for an experiment's
/// analysis, the template the query selects.
#[derive(Debug, Clone, PartialEq)]
pub struct Of {
    /// The scenario's `of`: `canary` or `stable`.
    pub role: &'static str,
    /// The experiment template read, for an experiment's analysis.
    pub template: Option<String>,
}

impl Of {
    /// The requests the metric is measured on, for the "check this mapping" note.
    pub fn requests(&self) -> String {
        match &self.template {
            None => format!("the simulated {}'s requests", self.role),
            Some(t) => format!(
                "the requests of the experiment's `{t}` pods (`of: {}`)",
                self.role
            ),
        }
    }
}

/// Why a query's pods cannot be told.
#[derive(Debug, Clone, PartialEq)]
pub enum Whose {
    /// It reads pods the scenario cannot name: the metric is refused, or left out.
    Unmeasured(String),
    /// It names a template the step does not have: an error, as upstream.
    Invalid(String),
}

/// The pods the (substituted) `query` reads, under `pods`; `hashes` are the arguments
/// from `podTemplateHashValue`, each with the role whose hash it is.
pub fn whose(query: &str, pods: Pods, hashes: &[(String, &'static str)]) -> Result<Of, Whose> {
    let tags = tags(query);
    // The arguments the query writes that select a version of the Rollout.
    let mut versions: Vec<(&str, &'static str)> = Vec::new();
    for (_, tag) in &tags {
        let hash = tag
            .strip_prefix("args.")
            .and_then(|n| hashes.iter().find(|(h, _)| h == n));
        if let Some((name, role)) = hash
            && !versions.iter().any(|(_, r)| r == role)
        {
            versions.push((name, role));
        }
    }
    let named = || {
        versions
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let templates = match pods {
        Pods::Rollout => {
            return match versions[..] {
                [] => Ok(Of {
                    role: "canary",
                    template: None,
                }),
                [(_, role)] => Ok(Of {
                    role,
                    template: None,
                }),
                _ => Err(Whose::Unmeasured(format!(
                    "selects both the stable's and the canary's pods (the arguments {} from \
                     `podTemplateHashValue`): the simulator measures one version's requests a \
                     metric",
                    named()
                ))),
            };
        }
        Pods::Experiment(templates) => templates,
    };
    if let Some((_, role)) = versions.first() {
        return Err(Whose::Unmeasured(format!(
            "selects the Rollout's own {role} pods (the argument {} from \
             `podTemplateHashValue`), not an experiment template's: the simulator measures an \
             experiment's analysis on one template's pods",
            named()
        )));
    }
    let mut read: Vec<&str> = Vec::new();
    for name in template_names(&tags) {
        if !templates.iter().any(|(t, _)| t == name) {
            let names: Vec<&str> = templates.iter().map(|(t, _)| t.as_str()).collect();
            let hint = suggest::closest(name, &names)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(Whose::Invalid(format!(
                "names the template `{name}`, which the step does not have (its templates: \
                 {}){hint}: the Experiment fails to create the run (\"failed to resolve\")",
                names.join(", ")
            )));
        }
        if !read.contains(&name) {
            read.push(name);
        }
    }
    let [name] = read[..] else {
        let why = if read.is_empty() {
            "selects no template of the experiment (no `{{templates.NAME.podTemplateHash}}` \
             or `.replicaset.name` once its arguments are substituted; an argument from \
             `valueFrom` selects the Rollout's own pods): the simulator measures an \
             experiment's analysis on one template's pods"
                .to_string()
        } else {
            format!(
                "reads the pods of the templates {} together: the simulator measures one \
                 template's pods a metric",
                read.join(" and ")
            )
        };
        return Err(Whose::Unmeasured(why));
    };
    let spec_ref = templates
        .iter()
        .find(|(t, _)| t == name)
        .map_or("", |(_, r)| r.as_str());
    let role = match spec_ref {
        "canary" => "canary",
        "stable" => "stable",
        other => {
            return Err(Whose::Invalid(format!(
                "reads the template `{name}`, whose specRef `{other}` is neither `stable` nor \
                 `canary`"
            )));
        }
    };
    let first = templates
        .iter()
        .find(|(_, r)| r == spec_ref)
        .map(|(t, _)| t);
    if first.is_some_and(|f| f != name) {
        return Err(Whose::Unmeasured(format!(
            "reads the template `{name}`, the second with `specRef: {role}`: the scenario's \
             `of: {role}` reads the first one's pods (`{}`)",
            first.map_or("", String::as_str)
        )));
    }
    Ok(Of {
        role,
        template: Some(name.to_string()),
    })
}

/// The template names of the `{{templates.NAME.podTemplateHash}}` and
/// `{{templates.NAME.replicaset.name}}` tags among `tags`, in order.
fn template_names<'q>(tags: &[(std::ops::Range<usize>, &'q str)]) -> Vec<&'q str> {
    tags.iter()
        .filter_map(|(_, tag)| {
            let t = tag.strip_prefix("templates.")?;
            t.strip_suffix(".podTemplateHash")
                .or_else(|| t.strip_suffix(".replicaset.name"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates() -> Vec<(String, String)> {
        [("base", "stable"), ("can", "canary"), ("can2", "canary")]
            .map(|(n, r)| (n.to_string(), r.to_string()))
            .to_vec()
    }

    fn of(q: &str) -> Result<Of, Whose> {
        whose(q, Pods::Experiment(&templates()), &[])
    }

    #[test]
    fn a_query_naming_one_first_template_reads_its_role() {
        let stable = of(r#"x{rs="{{templates.base.replicaset.name}}"}"#).unwrap();
        assert_eq!(
            (stable.role, stable.template.as_deref()),
            ("stable", Some("base"))
        );
        // Named twice, one template.
        let canary = of("{{templates.can.podTemplateHash}} {{ templates.can.podTemplateHash }}");
        assert_eq!(canary.unwrap().role, "canary");
        // A Rollout's analysis reads the version its hash argument names, else the canary.
        let hashes = [("s".to_string(), "stable"), ("c".to_string(), "canary")];
        let rollout = |q: &str| whose(q, Pods::Rollout, &hashes);
        assert_eq!(rollout("x{{args.other}}").unwrap().role, "canary");
        assert_eq!(rollout("x{h=\"{{ args.s }}\"}").unwrap().role, "stable");
        assert!(matches!(
            rollout("{{args.s}}/{{args.c}}"),
            Err(Whose::Unmeasured(_))
        ));
        // In an experiment, a hash argument selects the Rollout's pods, no template's.
        let e = whose("{{args.c}}", Pods::Experiment(&templates()), &hashes);
        assert!(matches!(e, Err(Whose::Unmeasured(w)) if w.contains("Rollout's own canary")));
    }

    #[test]
    fn a_query_the_scenario_cannot_say_is_unmeasured_and_a_typo_invalid() {
        let unmeasured = |r: Result<Of, Whose>| matches!(r, Err(Whose::Unmeasured(_)));
        assert!(unmeasured(of(r#"x{hash="{{args.h}}"}"#)));
        assert!(unmeasured(of(
            "{{templates.base.podTemplateHash}}/{{templates.can.podTemplateHash}}"
        )));
        let Err(Whose::Unmeasured(second)) = of("{{templates.can2.podTemplateHash}}") else {
            panic!()
        };
        assert!(
            second.contains("reads the first one's pods (`can`)"),
            "{second}"
        );
        let Err(Whose::Invalid(typo)) = of("{{templates.cann.podTemplateHash}}") else {
            panic!()
        };
        assert!(typo.contains("did you mean `can`?"), "{typo}");
        // Other tags (`experiment.availableAt`) select no pods.
        let none = tags("{{experiment.availableAt}} {{templates.a.b}}");
        assert_eq!(template_names(&none), [""; 0]);
    }
}
