//! `import --name NAME` and `--namespace NS`: what is told when they pick nothing.
//! kubectl's `-n NS` picks the objects of one namespace, and `kubectl get deploy -A -o
//! yaml` prints those of every namespace in one file, two of one name among them: with
//! `--namespace` such a file is imported one namespace at a time. A compose file has no
//! namespace, so `--namespace` skips its services (told as skipped) rather than guess one.

use crate::scenario::import::Elsewhere;

/// What `--name` and `--namespace` pick (`None`: everything).
pub struct Picks<'a> {
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

impl Picks<'_> {
    /// The problem of these picks when they pick nothing of the candidates `seen` (name,
    /// what: those in the namespace picked) and the objects `elsewhere` left out as of
    /// another namespace: a namespace holding none is told first, as then no name can
    /// match.
    pub fn nothing(&self, seen: &[(String, String)], elsewhere: &[Elsewhere]) -> Option<String> {
        if let Some(ns) = self.namespace
            && seen.is_empty()
        {
            return Some(nothing_in(ns, elsewhere));
        }
        let name = self.name?;
        let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
        let whats: Vec<&str> = seen.iter().map(|(_, w)| w.as_str()).collect();
        let hint = crate::scenario::suggest::closest(name, &names)
            .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
        let kinds = match self.namespace {
            Some(ns) => {
                format!("Deployment, DaemonSet, StatefulSet, Rollout or Canary in namespace {ns}")
            }
            None => {
                "Deployment, DaemonSet, StatefulSet, Rollout, Canary or compose service".to_string()
            }
        };
        Some(format!(
            "--name {name}: no such {kinds}{hint} (found {}){}",
            whats.join(", "),
            name_elsewhere(name, self.namespace, elsewhere)
        ))
    }
}

/// The namespaces of the objects `elsewhere` named `name` (of any name when `None`), each
/// once, sorted.
fn namespaces<'e>(elsewhere: &'e [Elsewhere], name: Option<&str>) -> Vec<&'e str> {
    let mut out: Vec<&str> = elsewhere
        .iter()
        .filter(|e| name.is_none_or(|n| e.name == n))
        .filter_map(|e| e.namespace.as_deref())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// `namespace a` or `namespaces a, b`.
fn listed(namespaces: &[&str]) -> String {
    let word = if namespaces.len() == 1 {
        "namespace"
    } else {
        "namespaces"
    };
    format!("{word} {}", namespaces.join(", "))
}

/// The problem of `--namespace ns` when no Deployment, DaemonSet, StatefulSet, Rollout or
/// Canary of the files given is in `ns`: the namespaces that hold some (`elsewhere`, what
/// it left out), and that compose services have none.
fn nothing_in(ns: &str, elsewhere: &[Elsewhere]) -> String {
    let held = namespaces(elsewhere, None);
    let compose = elsewhere.iter().any(|e| e.namespace.is_none());
    let mut found = Vec::new();
    if !held.is_empty() {
        found.push(format!("the files hold them in {}", listed(&held)));
    }
    if compose {
        found.push(
            "compose services have no namespace: import them without --namespace".to_string(),
        );
    }
    format!(
        "--namespace {ns}: no Deployment, DaemonSet, StatefulSet, Rollout or Canary in \
         namespace {ns} ({})",
        found.join("; ")
    )
}

/// What a `--name name` found in none of the namespace `picked` adds: the namespaces
/// holding an object of that name (`; \`web\` is in namespaces a, b`), or nothing.
fn name_elsewhere(name: &str, picked: Option<&str>, elsewhere: &[Elsewhere]) -> String {
    let Some(picked) = picked else {
        return String::new();
    };
    let held = namespaces(elsewhere, Some(name));
    if held.is_empty() {
        return String::new();
    }
    format!("; `{name}` is in {}, not {picked}", listed(&held))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elsewhere(name: &str, namespace: Option<&str>) -> Elsewhere {
        Elsewhere {
            name: name.to_string(),
            namespace: namespace.map(str::to_string),
        }
    }

    #[test]
    fn nothing_in_lists_each_namespace_once_sorted_and_tells_compose_apart() {
        let left = [
            elsewhere("web", Some("b")),
            elsewhere("api", Some("a")),
            elsewhere("web", Some("a")),
            elsewhere("db", None),
        ];
        assert_eq!(
            nothing_in("prod", &left),
            "--namespace prod: no Deployment, DaemonSet, StatefulSet, Rollout or Canary in \
             namespace prod (the files hold them in namespaces a, b; compose services have no \
             namespace: import them without --namespace)"
        );
        assert_eq!(
            nothing_in("prod", &left[3..]),
            "--namespace prod: no Deployment, DaemonSet, StatefulSet, Rollout or Canary in \
             namespace prod (compose services have no namespace: import them without \
             --namespace)"
        );
    }

    #[test]
    fn name_elsewhere_names_the_namespaces_of_that_name_only() {
        let left = [elsewhere("web", Some("b")), elsewhere("api", Some("a"))];
        assert_eq!(
            name_elsewhere("web", Some("prod"), &left),
            "; `web` is in namespace b, not prod"
        );
        assert_eq!(name_elsewhere("db", Some("prod"), &left), "");
        assert_eq!(name_elsewhere("web", None, &left), "");
    }
}
