//! "Did you mean": the closest valid name to a misspelt one.
//!
//! Used for unknown fields, enum values and version names. A candidate matches when it is
//! the same name in another case or convention (`stopGracePeriod` for
//! `stop_grace_period`, `update-config` for `update_config`), or within edit distance 2
//! (but never by rewriting most of a short name: `x` does not suggest `at`).

/// The best candidate for `input`, if one is close enough.
pub fn closest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let folded = fold(input);
    if let Some(c) = candidates.iter().find(|c| fold(c) == folded) {
        return Some(c);
    }
    let lower = input.to_lowercase();
    let limit = 2.min(lower.chars().count().saturating_sub(1));
    candidates
        .iter()
        .map(|c| (levenshtein(&lower, &c.to_lowercase()), *c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` or `"; expected one of `a`, `b`"`: the tail of an "unknown …"
/// message.
pub fn hint(input: &str, candidates: &[&str]) -> String {
    match closest(input, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None if candidates.is_empty() => String::new(),
        None => format!("; expected one of {}", list(candidates)),
    }
}

/// `` `a`, `b`, `c` ``.
pub fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lower case without `_` and `-`: equal for the same name in snake, kebab or camel case.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Edit distance (insertions, deletions, substitutions) over chars.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diag = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &[
        "replicas",
        "stop_grace_period",
        "readinessProbe",
        "pre_stop",
    ];

    #[test]
    fn typos_within_two_edits_are_suggested() {
        assert_eq!(closest("replcas", KEYS), Some("replicas"));
        assert_eq!(closest("Replicas", KEYS), Some("replicas"));
        assert_eq!(closest("prestop", KEYS), Some("pre_stop"));
    }

    #[test]
    fn other_naming_conventions_are_suggested() {
        assert_eq!(closest("stopGracePeriod", KEYS), Some("stop_grace_period"));
        assert_eq!(closest("readiness_probe", KEYS), Some("readinessProbe"));
        assert_eq!(
            closest("stop-grace-period", KEYS),
            Some("stop_grace_period")
        );
    }

    #[test]
    fn far_or_tiny_names_are_not() {
        assert_eq!(closest("banana", KEYS), None);
        assert_eq!(closest("x", &["at"]), None);
        assert_eq!(closest("", &["a"]), None);
    }

    #[test]
    fn hint_lists_the_valid_names_when_nothing_is_close() {
        assert_eq!(hint("replcas", KEYS), "; did you mean `replicas`?");
        assert_eq!(hint("zzz", &["a", "b"]), "; expected one of `a`, `b`");
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("µs", "us"), 1);
    }
}
