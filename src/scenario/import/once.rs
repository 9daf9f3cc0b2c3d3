//! Each problem told once. An analysis template two analyses of a Rollout name is mapped
//! for each, and one that two Rollouts name (or a Deployment that a Rollout's
//! `workloadRef` and a Canary's `targetRef` both name) is mapped for each of them: its
//! problems are found as many times, yet each is one thing to fix, in one file. Within an
//! object, a problem found twice is told once ([`first`]); across the objects an import
//! tells, [`TellOnce`] tells a referred object's problems with the first object that
//! names it, and each later one says where they were told.

use super::super::error::{Problem, ScenarioError};
use super::Candidate;
use super::draft::Referred;

/// Whether `p` is the first of its path and message in `seen`, which it is then added to.
pub fn first(seen: &mut Vec<(String, String)>, p: &Problem) -> bool {
    if seen
        .iter()
        .any(|(path, m)| *path == p.path && *m == p.message)
    {
        return false;
    }
    seen.push((p.path.clone(), p.message.clone()));
    true
}

/// One problem of a referred object, told: which object ([`Referred::id`]), its path
/// below the object's root, its message, and the label of the error it was told in
/// (`r.yaml (Argo Rollout web)`).
#[derive(Debug)]
struct Told {
    id: usize,
    below: String,
    message: String,
    with: String,
}

/// The errors of the candidates an import tells, in the order told, each problem of an
/// object they refer to told with the first of them only.
#[derive(Debug, Default)]
pub struct TellOnce {
    told: Vec<Told>,
}

impl TellOnce {
    /// The error of the refused candidate `c` (`None` if it imports), without the
    /// problems of the objects it refers to that an error told before held: for each such
    /// object one problem instead, at the path that names it, saying where they were
    /// told (`spec.strategy.canary.analysis.templates.0.templateName: AnalysisTemplate
    /// rate (t.yaml) has 1 problem, told above for r.yaml (Argo Rollout web)`). The
    /// candidate stays refused: what it refers to is wrong.
    pub fn error(&mut self, c: &Candidate) -> Option<ScenarioError> {
        let Err(e) = &c.outcome else {
            return None;
        };
        // Each referred object told before: it, how many of its problems, told with what.
        let mut elsewhere: Vec<(&Referred, usize, String)> = Vec::new();
        let mut problems = Vec::new();
        for p in &e.problems {
            let Some((r, below)) = c
                .referred
                .iter()
                .find_map(|r| under(&p.path, &r.root).map(|below| (r, below)))
            else {
                problems.push(p.clone());
                continue;
            };
            let before = self
                .told
                .iter()
                .find(|t| t.id == r.id && t.below == below && t.message == p.message);
            match before {
                Some(t) => match elsewhere
                    .iter_mut()
                    .find(|(o, _, with)| o.id == r.id && *with == t.with)
                {
                    Some((_, n, _)) => *n += 1,
                    None => elsewhere.push((r, 1, t.with.clone())),
                },
                None => {
                    self.told.push(Told {
                        id: r.id,
                        below: below.to_string(),
                        message: p.message.clone(),
                        with: e.origin.clone(),
                    });
                    problems.push(p.clone());
                }
            }
        }
        let pointers: Vec<Problem> = elsewhere
            .iter()
            .map(|(r, n, with)| {
                let count = if *n == 1 {
                    "1 problem".to_string()
                } else {
                    format!("{n} problems")
                };
                Problem::new(
                    r.at.clone(),
                    format!(
                        "{} has {count}, told above for {with}: fix it there",
                        r.shown
                    ),
                )
            })
            .collect();
        // Where this object names them, before its own problems.
        let problems = pointers.into_iter().chain(problems).collect();
        Some(ScenarioError {
            origin: e.origin.clone(),
            problems,
        })
    }
}

/// The part of `path` below `root` (empty for `root` itself), if it is there.
fn under<'p>(path: &'p str, root: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(root)?;
    if rest.is_empty() {
        return Some(rest);
    }
    rest.strip_prefix('.')
}
