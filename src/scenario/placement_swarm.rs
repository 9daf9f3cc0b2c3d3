//! Reading Swarm's `service.placement` (compose `deploy.placement`): `constraints` parsed
//! as moby/swarmkit `manager/constraint/constraint.go` `Parse` does (v2.1.2), and the
//! labels `preferences: [{spread: …}]` spread over.

use super::placement::{PREFERENCE_FIELDS, SwarmConstraint, SwarmKey};
use super::walk::Node;

pub(super) fn constraints(n: &Node) -> Option<Vec<SwarmConstraint>> {
    Some(n.list()?.iter().filter_map(swarm_constraint).collect())
}

/// `node.labels.zone==a`: split at the first of `==`, `!=` the text contains, in that
/// order (swarmkit `constraint.Parse`), then the key is resolved.
fn swarm_constraint(n: &Node) -> Option<SwarmConstraint> {
    let text = n.string()?;
    let Some((equal, key, value)) = [("==", true), ("!=", false)]
        .iter()
        .find_map(|&(op, eq)| text.split_once(op).map(|(k, v)| (eq, k.trim(), v.trim())))
    else {
        return n.fail(format!(
            "`{text}`: expected `KEY==VALUE` or `KEY!=VALUE`, e.g. `node.labels.zone==a`"
        ));
    };
    // swarmkit checks the key's characters, then the value's, before it looks at what the
    // key names.
    if let Some(why) = key_refused(key) {
        return n.fail(format!(
            "`{text}`: swarmkit refuses the key `{key}` (`key '{key}' is invalid`): a key is \
             2 or more letters, digits, `-`, `_` and `.`, the first a letter or `_`; {why} \
             (moby/swarmkit manager/constraint/constraint.go `Parse`, pattern \
             `{KEY_PATTERN}`)"
        ));
    }
    if value.is_empty() {
        return n.fail(format!("`{text}`: the value after the operator is empty"));
    }
    if let Some(bad) = refused(value, value_char) {
        return n.fail(format!(
            "`{text}`: swarmkit refuses the value `{value}` (`value '{value}' is invalid`): \
             a value is letters, digits, whitespace and `: - _ . * ( ) ? + [ ] \\ ^ $ | /`; \
             not {bad} (moby/swarmkit manager/constraint/constraint.go `Parse`, pattern \
             `{VALUE_PATTERN}`)"
        ));
    }
    let key = swarm_key(key).or_else(|| {
        n.fail(format!(
            "`{text}`: the key must be `node.hostname`, `node.role` or `node.labels.<label>`, \
             got `{key}`"
        ))
    })?;
    if key == SwarmKey::Role
        && !["manager", "worker"]
            .iter()
            .any(|r| r.eq_ignore_ascii_case(value))
    {
        return n.fail(format!("`{text}`: `node.role` is `manager` or `worker`"));
    }
    Some(SwarmConstraint {
        key,
        equal,
        value: value.to_string(),
    })
}

/// swarmkit's `alphaNumeric`, which a constraint's key must match.
const KEY_PATTERN: &str = r"^(?i)[a-z_][a-z0-9\-_.]+$";
/// swarmkit's `valuePattern`, which a constraint's value must match.
const VALUE_PATTERN: &str = r"^(?i)[a-z0-9:\-_\s\.\*\(\)\?\+\[\]\\\^\$\|\/]+$";

/// A letter of `(?i)[a-z]` in Go's `regexp`, which folds case over Unicode's orbits:
/// `ſ` (U+017F) is an `s` and `K` (U+212A, the Kelvin sign) a `k`.
fn letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '\u{17F}' || c == '\u{212A}'
}

/// A character [`KEY_PATTERN`] takes after the first.
fn key_char(c: char) -> bool {
    letter(c) || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
}

/// Why [`KEY_PATTERN`] refuses `key`, if it does.
fn key_refused(key: &str) -> Option<String> {
    if let Some(bad) = refused(key, key_char) {
        return Some(format!("not {bad}"));
    }
    match key.chars().next() {
        None => Some("it is empty".into()),
        Some(c) if !letter(c) && c != '_' => Some(format!("it starts with `{c}`")),
        Some(_) if key.chars().count() < 2 => Some("it is 1 character".into()),
        Some(_) => None,
    }
}

/// A character [`VALUE_PATTERN`] takes (`\s` in Go's `regexp` is `[\t\n\f\r ]`).
fn value_char(c: char) -> bool {
    letter(c)
        || c.is_ascii_digit()
        || matches!(
            c,
            ':' | '-'
                | '_'
                | '.'
                | '*'
                | '('
                | ')'
                | '?'
                | '+'
                | '['
                | ']'
                | '\\'
                | '^'
                | '$'
                | '|'
                | '/'
                | '\t'
                | '\n'
                | '\x0C'
                | '\r'
                | ' '
        )
}

/// The characters of `text` that `ok` refuses, each once, in backticks (`None`: none).
fn refused(text: &str, ok: fn(char) -> bool) -> Option<String> {
    let mut bad: Vec<char> = Vec::new();
    for c in text.chars().filter(|&c| !ok(c)) {
        if !bad.contains(&c) {
            bad.push(c);
        }
    }
    (!bad.is_empty()).then(|| {
        bad.iter()
            .map(|c| format!("`{}`", c.escape_debug()))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The key of a constraint or a spread descriptor; its prefix is case-insensitive and a
/// label's name case-sensitive, as in swarmkit `constraint.NodeMatches`.
fn swarm_key(key: &str) -> Option<SwarmKey> {
    const LABELS: &str = "node.labels.";
    if key.eq_ignore_ascii_case("node.hostname") {
        Some(SwarmKey::Hostname)
    } else if key.eq_ignore_ascii_case("node.role") {
        Some(SwarmKey::Role)
    } else if key.len() > LABELS.len()
        && key.is_char_boundary(LABELS.len())
        && key[..LABELS.len()].eq_ignore_ascii_case(LABELS)
    {
        Some(SwarmKey::Label(key[LABELS.len()..].to_string()))
    } else {
        None
    }
}

pub(super) fn preferences(n: &Node) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(PREFERENCE_FIELDS) else {
            continue;
        };
        let Some(spread) = o.required("spread", Node::string) else {
            continue;
        };
        match swarm_key(&spread) {
            Some(SwarmKey::Label(label)) => out.push(label),
            _ => o
                .get("spread")
                .unwrap_or_else(|| item.clone())
                .problem(format!(
                    "swarmkit spreads over node labels only: expected `node.labels.<label>`, got \
                 `{spread}`"
                )),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::scenario::placement::tests::parse;
    use crate::scenario::placement::{SwarmConstraint, SwarmKey};
    use serde_json::json;

    #[test]
    fn swarm_fields() {
        let (p, problems) = parse(json!({"placement": {
            "constraints": ["node.labels.zone==a", "node.role != manager",
                            "NODE.HOSTNAME==node-1", "node.labels.Disk!=hdd"],
            "max_replicas_per_node": 2,
            "preferences": [{"spread": "node.labels.zone"}]}}));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            p.constraints,
            [
                SwarmConstraint {
                    key: SwarmKey::Label("zone".into()),
                    equal: true,
                    value: "a".into()
                },
                SwarmConstraint {
                    key: SwarmKey::Role,
                    equal: false,
                    value: "manager".into()
                },
                SwarmConstraint {
                    key: SwarmKey::Hostname,
                    equal: true,
                    value: "node-1".into()
                },
                SwarmConstraint {
                    key: SwarmKey::Label("Disk".into()),
                    equal: false,
                    value: "hdd".into()
                },
            ]
        );
        assert_eq!(
            (p.max_replicas_per_node, p.preferences),
            (2, vec!["zone".to_string()])
        );
    }

    #[test]
    fn bad_swarm_constraints() {
        let (_, p) = parse(json!({"placement": {
            "constraints": ["node.labels.zone=a", "node.ip==10.0.0.1", "node.role==boss",
                            "node.labels.zone=="],
            "preferences": [{"spread": "node.hostname"}]}}));
        assert_eq!(
            p,
            [
                "placement.constraints.0: `node.labels.zone=a`: expected `KEY==VALUE` or \
                 `KEY!=VALUE`, e.g. `node.labels.zone==a`",
                "placement.constraints.1: `node.ip==10.0.0.1`: the key must be \
                 `node.hostname`, `node.role` or `node.labels.<label>`, got `node.ip`",
                "placement.constraints.2: `node.role==boss`: `node.role` is `manager` or `worker`",
                "placement.constraints.3: `node.labels.zone==`: the value after the operator is empty",
                "placement.preferences.0.spread: swarmkit spreads over node labels only: \
                 expected `node.labels.<label>`, got `node.hostname`",
            ]
        );
    }

    /// swarmkit's `alphaNumeric` key and `valuePattern` value (`constraint.Parse`), key
    /// first: `node.labels.zone==a>b` is refused (`>` is no operator swarmkit has, and may
    /// become one), with the characters the pattern does not take.
    #[test]
    fn keys_and_values_swarmkit_refuses() {
        let (_, p) = parse(json!({"placement": {
            "constraints": ["node.labels.zone==a>b", "node.labels.topology.kubernetes.io/zone==a",
                            "node.labels.zone==a==b", "node.labels.zone!=é ~ é",
                            "n==a", "node.labels.ZONE/x==a>b"]}}));
        let value = "a value is letters, digits, whitespace and `: - _ . * ( ) ? + [ ] \\ ^ $ \
                     | /`";
        let key = "a key is 2 or more letters, digits, `-`, `_` and `.`, the first a letter \
                   or `_`";
        let values = r"(moby/swarmkit manager/constraint/constraint.go `Parse`, pattern `^(?i)[a-z0-9:\-_\s\.\*\(\)\?\+\[\]\\\^\$\|\/]+$`)";
        let keys = r"(moby/swarmkit manager/constraint/constraint.go `Parse`, pattern `^(?i)[a-z_][a-z0-9\-_.]+$`)";
        assert_eq!(
            p,
            [
                format!(
                    "placement.constraints.0: `node.labels.zone==a>b`: swarmkit refuses the \
                     value `a>b` (`value 'a>b' is invalid`): {value}; not `>` {values}"
                ),
                format!(
                    "placement.constraints.1: `node.labels.topology.kubernetes.io/zone==a`: \
                     swarmkit refuses the key `node.labels.topology.kubernetes.io/zone` (`key \
                     'node.labels.topology.kubernetes.io/zone' is invalid`): {key}; not `/` \
                     {keys}"
                ),
                format!(
                    "placement.constraints.2: `node.labels.zone==a==b`: swarmkit refuses the \
                     value `a==b` (`value 'a==b' is invalid`): {value}; not `=` {values}"
                ),
                format!(
                    "placement.constraints.3: `node.labels.zone!=é ~ é`: swarmkit refuses the \
                     value `é ~ é` (`value 'é ~ é' is invalid`): {value}; not `é`, `~` {values}"
                ),
                format!(
                    "placement.constraints.4: `n==a`: swarmkit refuses the key `n` (`key 'n' is \
                     invalid`): {key}; it is 1 character {keys}"
                ),
                // The key is checked first, as swarmkit does.
                format!(
                    "placement.constraints.5: `node.labels.ZONE/x==a>b`: swarmkit refuses the \
                     key `node.labels.ZONE/x` (`key 'node.labels.ZONE/x' is invalid`): {key}; \
                     not `/` {keys}"
                ),
            ]
        );
        // What the patterns take: inner whitespace, the regexp-like characters, and the
        // two letters Go's case folding adds (`ſ` is an `s`, `K` a `k`).
        let (c, p) = parse(json!({"placement": {
            "constraints": ["node.labels.zone==eu west-1", "node.labels.x_y-z.w==a:b/(c|d)*?+[e]\\^$",
                            "node.labels.zone!=ſK", "_x.y.node.labels==a"]}}));
        assert_eq!(
            p,
            [
                "placement.constraints.3: `_x.y.node.labels==a`: the key must be `node.hostname`, \
              `node.role` or `node.labels.<label>`, got `_x.y.node.labels`"
            ]
        );
        assert_eq!(
            c.constraints
                .iter()
                .map(|c| c.value.as_str())
                .collect::<Vec<_>>(),
            ["eu west-1", "a:b/(c|d)*?+[e]\\^$", "ſK"]
        );
    }
}
