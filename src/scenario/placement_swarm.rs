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
    if value.is_empty() {
        return n.fail(format!("`{text}`: the value after the operator is empty"));
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
}
