//! The second stage of an import: the rendered scenario loaded back with the scenario
//! loader, and its problems told at the manifest's paths.
//!
//! The scenario is loaded back even when mapping found values it could not map (those are
//! left out, their defaults in their place), so one run reports the values the loader
//! refuses too: a user fixes a manifest in one round, not one stage at a time. Beside
//! mapping problems, a loader problem is shown only when it is about a value the manifest
//! gives that no mapping problem is about, or about a value an `import --set` gives (told
//! with that `--set`): the loader checks it as `run` would, whatever was left out
//! elsewhere. A problem at a field the import filled in itself (a default,
//! the node pool, a whole-scenario check) or at a field a mapping problem is about (or
//! above or below one) may only follow from what was left out: such problems are counted
//! in one last line, not shown.

use super::super::error::{FILE, Problem, ROOT};
use super::super::load_tree::blame_overrides;
use super::super::overrides::Override;
use super::draft::Draft;

/// A problem of the scenario loaded back, told where the user can fix it.
#[derive(Debug)]
pub struct LoadedBack {
    /// At the manifest path it comes from, at the scenario path with the `--set` it may
    /// come from, or at the scenario path (marked `(in the imported scenario)`) when the
    /// import filled that field in.
    pub problem: Problem,
    /// Where it is fixed.
    pub place: Place,
}

/// Where a problem of the scenario loaded back is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A value the manifest gives.
    Manifest,
    /// A value an `import --set` gives (or could not give: its own problem).
    Set,
    /// A field the import filled in itself, or a whole-scenario check.
    Import,
}

/// What a problem at a field the import filled in (or of the scenario as a whole) adds:
/// the manifest cannot fix it, a `--set` can (a `nodeSelector` needs labelled nodes, and
/// the DEFAULT pool has none).
const IN_IMPORTED: &str = "(in the imported scenario, whose node pool, latencies and control \
                           plane are DEFAULTs: give yours with `import --set PATH=VALUE`, \
                           e.g. `--set 'cluster.nodes=[…]'`)";

/// The loader's `problems` with the imported scenario of `d`: blamed on the `overrides`
/// (`import --set`) that touch their paths, else at the manifest paths they come from
/// ([`Draft::origin`]); whole-scenario problems (`(file)`) stay as they are. A check
/// across fields blames a `--set` of a field it read only when `all_applied`: one that
/// could not be applied left that field as it was, and what the check says follows from
/// its own problem.
pub fn at_manifest_paths(
    d: &Draft,
    problems: Vec<Problem>,
    overrides: &[Override],
    all_applied: bool,
) -> Vec<LoadedBack> {
    problems
        .into_iter()
        .map(|mut p| {
            if !all_applied {
                p.reads.clear();
            }
            if overrides.iter().any(|o| o.caused(&p)) {
                return LoadedBack {
                    problem: blame_overrides(p, overrides),
                    place: Place::Set,
                };
            }
            match d.origin(&p.path) {
                Some(path) => LoadedBack {
                    problem: Problem::new(path, p.message),
                    place: Place::Manifest,
                },
                None if p.path == FILE => LoadedBack {
                    problem: p,
                    place: Place::Import,
                },
                None => LoadedBack {
                    problem: Problem::new(p.path.clone(), format!("{} {IN_IMPORTED}", p.message)),
                    place: Place::Import,
                },
            }
        })
        .collect()
}

/// Every problem of an import whose mapping found `errors` (not empty) and whose scenario,
/// loaded back, has `back`: the errors, then the problems of `back` at manifest values no
/// error is about and those of `--set`s (the user's own values, whatever the manifest's
/// problems), then a line counting the rest (see the module's doc for why they are not
/// shown).
pub fn with_mapping_errors(errors: Vec<Problem>, back: Vec<LoadedBack>) -> Vec<Problem> {
    let (shown, held): (Vec<LoadedBack>, Vec<LoadedBack>) =
        back.into_iter().partition(|b| match b.place {
            Place::Manifest => !errors.iter().any(|e| overlap(&e.path, &b.problem.path)),
            Place::Set => true,
            Place::Import => false,
        });
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
            place: if in_manifest {
                Place::Manifest
            } else {
                Place::Import
            },
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
