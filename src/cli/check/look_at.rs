//! The hint `check` prints under a verdict that did not pass (or a metric that regressed):
//! the trial to look at, why, and the `rollout-sim report` command line that shows it.

use crate::check::LookAt;
use crate::scenario::{Override, Scenario};
use std::path::Path;

/// What `check` says of a trial to look at: which, why, and the command line that shows it
/// by itself (`report` of the same file, overrides, seed and trials), on a second line.
pub(super) fn look_at_text(file: &Path, set: &[Override], s: &Scenario, l: &LookAt) -> String {
    let mut cmd = vec![
        "rollout-sim".to_string(),
        "report".into(),
        shell_word(&file.display().to_string()),
    ];
    for o in set {
        cmd.push("--set".into());
        cmd.push(shell_word(&o.to_string()));
    }
    cmd.extend([
        "--seed".into(),
        s.seed.to_string(),
        "--trials".into(),
        s.trials.to_string(),
        "--trial".into(),
        l.pick.to_string(),
    ]);
    format!("look at trial {}, {}:\n{}", l.trial, l.why, cmd.join(" "))
}

/// A hint's two lines as printed under its verdict line, each indented below it.
pub(super) fn under_verdict(hint: &str) -> String {
    format!("    {}\n", hint.replace('\n', "\n      "))
}

/// `s` as one word of a POSIX shell: as it is when it holds no character the shell reads,
/// else in single quotes.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./=:,@%+".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
