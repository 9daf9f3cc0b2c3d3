//! The second stage of an import: the rendered scenario loaded back with the scenario
//! loader, and its problems told at the manifest's paths.
//!
//! The scenario is loaded back even when mapping found values it could not map (those are
//! left out, their defaults in their place), so one run reports the values the loader
//! refuses too: a user fixes a manifest in one round, not one stage at a time. Beside
//! mapping problems, a loader problem is shown only when it is about a value the manifest
//! gives that no mapping problem is about: the loader checks it as `run` would, whatever
//! was left out elsewhere. A problem at a field the import filled in itself (a default,
//! the node pool, a whole-scenario check) or at a field a mapping problem is about (or
//! above or below one) may only follow from what was left out: such problems are counted
//! in one last line, not shown.

use super::super::error::{FILE, Problem, ROOT};
use super::draft::Draft;

/// A problem of the scenario loaded back, told where the user can fix it.
#[derive(Debug)]
pub struct LoadedBack {
    /// At the manifest path it comes from, or at the scenario path (marked `(in the
    /// imported scenario)`) when the import filled that field in.
    pub problem: Problem,
    /// Whether `problem` is at a manifest path: a value the manifest gives.
    pub in_manifest: bool,
}

/// The loader's `problems` with the imported scenario of `d`, at the manifest paths they
/// come from ([`Draft::origin`]); whole-scenario problems (`(file)`) stay as they are.
pub fn at_manifest_paths(d: &Draft, problems: Vec<Problem>) -> Vec<LoadedBack> {
    problems
        .into_iter()
        .map(|p| match d.origin(&p.path) {
            Some(path) => LoadedBack {
                problem: Problem::new(path, p.message),
                in_manifest: true,
            },
            None if p.path == FILE => LoadedBack {
                problem: p,
                in_manifest: false,
            },
            None => LoadedBack {
                problem: Problem::new(
                    p.path.clone(),
                    format!("{} (in the imported scenario)", p.message),
                ),
                in_manifest: false,
            },
        })
        .collect()
}

/// Every problem of an import whose mapping found `errors` (not empty) and whose scenario,
/// loaded back, has `back`: the errors, then the problems of `back` at manifest values no
/// error is about, then a line counting the rest (see the module's doc for why they are
/// not shown).
pub fn with_mapping_errors(errors: Vec<Problem>, back: Vec<LoadedBack>) -> Vec<Problem> {
    let (shown, held): (Vec<LoadedBack>, Vec<LoadedBack>) = back
        .into_iter()
        .partition(|b| b.in_manifest && !errors.iter().any(|e| overlap(&e.path, &b.problem.path)));
    let mut problems = errors;
    problems.extend(shown.into_iter().map(|b| b.problem));
    if !held.is_empty() {
        let (more, they) = match held.len() {
            1 => ("1 more problem, at a field".to_string(), "it"),
            n => (format!("{n} more problems, at fields"), "they"),
        };
        problems.push(Problem::new(
            FILE,
            format!(
                "loaded back, the imported scenario has {more} the import filled in or left \
                 out because of the problems above: not shown, as {they} may only follow from \
                 them (fix those and import again)"
            ),
        ));
    }
    problems
}

/// Whether two manifest paths are about the same value: equal, one inside the other, or
/// one of them the document itself.
fn overlap(a: &str, b: &str) -> bool {
    let inside = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('.'))
    };
    a == b || a == ROOT || b == ROOT || inside(a, b) || inside(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn back(path: &str, in_manifest: bool) -> LoadedBack {
        LoadedBack {
            problem: Problem::new(path, "bad"),
            in_manifest,
        }
    }

    fn lines(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(Problem::to_string).collect()
    }

    #[test]
    fn loader_problems_at_other_manifest_values_are_shown_the_rest_counted() {
        let errors = vec![Problem::new("spec.strategy.rollingUpdate.maxSurge", "no")];
        let got = with_mapping_errors(
            errors,
            vec![
                back("spec.replicas", true),
                // The section the error is in, and a value inside it: the same value.
                back("spec.strategy.rollingUpdate", true),
                back("spec.strategy.rollingUpdate.maxSurge.x", true),
                // A sibling is another value, checked as written.
                back("spec.strategy.rollingUpdate.maxSurgeX", true),
                back("cluster.nodes", false),
            ],
        );
        assert_eq!(
            lines(&got),
            [
                "spec.strategy.rollingUpdate.maxSurge: no",
                "spec.replicas: bad",
                "spec.strategy.rollingUpdate.maxSurgeX: bad",
                "(file): loaded back, the imported scenario has 3 more problems, at fields the \
                 import filled in or left out because of the problems above: not shown, as \
                 they may only follow from them (fix those and import again)",
            ]
        );
        // An error about the document itself leaves nothing the loader says to show.
        let got = with_mapping_errors(
            vec![Problem::new(ROOT, "no spec")],
            vec![back("spec.replicas", true)],
        );
        assert_eq!(got.len(), 2);
        assert!(
            got[1].message.contains("1 more problem, at a field"),
            "{got:?}"
        );
        assert!(
            got[1].message.contains("as it may only follow from them"),
            "{got:?}"
        );
    }
}
