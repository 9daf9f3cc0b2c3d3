//! What goes wrong when a scenario is loaded: every [`Problem`] with its field path,
//! gathered into one [`ScenarioError`] so the user fixes a file in one pass, not one
//! complaint at a time.

use std::fmt;

/// One thing wrong with a scenario, at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted field path (`service.versions.next.pull`), or `(file)` for a problem with the
    /// file as a whole (unreadable, not YAML), or `(root)` for the document itself.
    pub path: String,
    /// What is wrong and, where possible, what would be right.
    pub message: String,
    /// The other fields a check across fields read (`service.resources.cpu` for nodes too
    /// small for one task, told at `cluster.node.cpu`): a `--set` of one of them is named
    /// with the problem as a `--set` of `path` is. Not displayed.
    pub reads: Vec<String>,
}

/// The path of a problem with the file as a whole.
pub const FILE: &str = "(file)";
/// The path of a problem with the document itself (e.g. it is a list, not a map).
pub const ROOT: &str = "(root)";

impl Problem {
    /// A problem at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
            reads: Vec::new(),
        }
    }

    /// This problem of a check across fields, which also read the fields `paths`.
    #[must_use]
    pub fn reading(mut self, paths: &[&str]) -> Problem {
        self.reads.extend(paths.iter().map(|p| (*p).to_string()));
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A scenario that could not be loaded, with every problem found (never empty).
///
/// Displays as one line per problem, `{origin}: {path}: {message}`, like a compiler.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", Lines(self))]
pub struct ScenarioError {
    /// The file name, or whatever `load_str` was told the text came from.
    pub origin: String,
    /// Every problem, in the order found (roughly file order).
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    /// An error with one problem with the file as a whole.
    pub fn file(origin: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            origin: origin.into(),
            problems: vec![Problem::new(FILE, message)],
        }
    }
}

/// Formats the problem lines (thiserror needs one expression for `Display`).
struct Lines<'a>(&'a ScenarioError);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {p}", self.0.origin)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_one_line_per_problem() {
        let e = ScenarioError {
            origin: "web.yaml".into(),
            problems: vec![
                Problem::new("seed", "expected a non-negative integer, got -1"),
                Problem::new("trials", "must be at least 1"),
            ],
        };
        assert_eq!(
            e.to_string(),
            "web.yaml: seed: expected a non-negative integer, got -1\n\
             web.yaml: trials: must be at least 1"
        );
    }

    #[test]
    fn a_file_problem_uses_the_file_path() {
        let e = ScenarioError::file("x.toml", "unknown extension");
        assert_eq!(e.to_string(), "x.toml: (file): unknown extension");
    }
}
