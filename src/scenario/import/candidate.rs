//! One importable thing found in a file ([`Candidate`]): its scenario or why it is
//! refused, and how messages tell it apart from another of its name.

use super::super::error::{Problem, ScenarioError};
use super::Imported;
use super::draft::Referred;
use super::one::One;

/// One importable thing found in a file: a scenario, or something refused.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its name (`metadata.name`, the compose service's name).
    pub name: String,
    /// What it is, for messages: `Deployment web`, `compose service web`.
    pub what: String,
    /// The scenario, or why it cannot be one.
    pub outcome: Result<Imported, ScenarioError>,
    /// When it cannot be one: the manifest fields the import had left out as not
    /// simulated (on success they are the scenario's [`Imported::unsupported`]). Told with
    /// its problems, which may follow from what was left out.
    pub left_out: Vec<Problem>,
    /// The namespace of a Kubernetes object (`None` for a compose service), for messages
    /// about two of one name.
    pub namespace: Option<String>,
    /// The objects it refers to, whose problems [`super::TellOnce`] tells once.
    pub(super) referred: Vec<Referred>,
}

impl Candidate {
    /// A candidate of the `outcome` of an import that left out the fields `unsupported`.
    pub(super) fn new(name: String, what: String, one: One, namespace: Option<&str>) -> Candidate {
        let left_out = if one.outcome.is_ok() {
            Vec::new()
        } else {
            one.unsupported
        };
        Candidate {
            name,
            what,
            outcome: one.outcome,
            left_out,
            namespace: namespace.map(str::to_string),
            referred: one.referred,
        }
    }

    /// What it is (`Deployment web`), with its namespace when `other`, of the same name,
    /// is a Kubernetes object in another one (`Deployment web in namespace a`).
    pub fn told_apart(&self, other: &Candidate) -> String {
        match self.namespaces_apart(other) {
            Some((ns, _)) => format!("{} in namespace {ns}", self.what),
            None => self.what.clone(),
        }
    }

    /// How to pick one of this candidate and `other`, of the same name, when they are
    /// Kubernetes objects of different namespaces: `pick one with --namespace a or
    /// --namespace b`.
    pub fn pick_namespace(&self, other: &Candidate) -> Option<String> {
        let (ns, theirs) = self.namespaces_apart(other)?;
        Some(format!(
            "pick one with `--namespace {ns}` or `--namespace {theirs}`"
        ))
    }

    /// This candidate's namespace and `other`'s, when both are Kubernetes objects and the
    /// namespaces differ.
    fn namespaces_apart<'a>(&'a self, other: &'a Candidate) -> Option<(&'a str, &'a str)> {
        match (&self.namespace, &other.namespace) {
            (Some(ns), Some(theirs)) if ns != theirs => Some((ns, theirs)),
            _ => None,
        }
    }

    /// Refuses this candidate for `why`, keeping what its import left out.
    pub(super) fn refuse(&mut self, why: ScenarioError) {
        let was = std::mem::replace(&mut self.outcome, Err(why));
        if let Ok(imported) = was {
            self.left_out = imported.unsupported;
        }
    }

    /// The manifest fields its import left out as not simulated, whether it succeeded or
    /// not.
    pub fn not_simulated(&self) -> &[Problem] {
        match &self.outcome {
            Ok(imported) => &imported.unsupported,
            Err(_) => &self.left_out,
        }
    }
}
