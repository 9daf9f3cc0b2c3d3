//! Reading the Kubernetes placement fields of `service` (`affinity.nodeAffinity`'s
//! required terms, `tolerations`, `topologySpreadConstraints`), validated as the API
//! server validates them (`ValidateNodeSelectorRequirement`, `validateTolerations`,
//! `validateTopologySpreadConstraints`, kubernetes v1.30).

use super::placement::{
    EFFECTS, EXPRESSION_FIELDS, OPERATORS, POD_AFFINITY_TERM_FIELDS, Requirement, SPREAD_FIELDS,
    SelectorOp, SpreadConstraint, TERM_FIELDS, TOLERATION_FIELDS, Toleration,
};
use super::placement_nodes::{label_value, non_empty};
use super::walk::Node;

pub(super) fn terms(n: &Node) -> Option<Vec<Vec<Requirement>>> {
    let items = n.list()?;
    if items.is_empty() {
        // The API server refuses an empty list (`nodeSelectorTerms: Required value`).
        return n
            .fail("must have at least one term (terms are ORed; an empty list matches no node)");
    }
    let mut out = Vec::new();
    for item in items {
        let Some(t) = item.object(TERM_FIELDS) else {
            continue;
        };
        out.push(t.or("matchExpressions", Vec::new(), |m| {
            Some(m.list()?.iter().filter_map(requirement).collect())
        }));
    }
    Some(out)
}

/// One `matchExpressions` entry, checked as `ValidateNodeSelectorRequirement` does.
fn requirement(n: &Node) -> Option<Requirement> {
    let o = n.object(EXPRESSION_FIELDS)?;
    let key = o.required("key", non_empty);
    let op = o.required("operator", |v| v.choice(OPERATORS));
    let ctx = o.node().ctx();
    let before = ctx.problem_count();
    let values: Vec<String> = o.or("values", Vec::new(), |v| {
        Some(v.list()?.iter().filter_map(label_value).collect())
    });
    let op = op?;
    let at = || o.get("values").unwrap_or_else(|| o.node().clone());
    // A value refused above is left out of `values`: their count would mislead.
    let values_read = ctx.problem_count() == before;
    match op {
        _ if !values_read => {}
        SelectorOp::In | SelectorOp::NotIn if values.is_empty() => {
            at().problem("`In` and `NotIn` need at least one value")
        }
        SelectorOp::Exists | SelectorOp::DoesNotExist if !values.is_empty() => {
            at().problem("`Exists` and `DoesNotExist` take no values")
        }
        SelectorOp::Gt | SelectorOp::Lt
            if values.len() != 1 || values[0].parse::<i64>().is_err() =>
        {
            at().problem("`Gt` and `Lt` need exactly one value, an integer (e.g. [\"4\"])")
        }
        _ => {}
    }
    Some(Requirement {
        key: key?,
        op,
        values,
    })
}

pub(super) fn tolerations(n: &Node) -> Option<Vec<Toleration>> {
    let mut out = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(TOLERATION_FIELDS) else {
            continue;
        };
        let key = o.or("key", String::new(), Node::string);
        let exists = o.choice("operator", false, &[("Equal", false), ("Exists", true)]);
        let value = o.or("value", String::new(), label_value);
        let effect = o.opt("effect", |e| e.choice(EFFECTS));
        if exists && !value.is_empty() {
            o.get("value")
                .unwrap_or_else(|| item.clone())
                .problem("must be empty when `operator` is `Exists`");
        }
        if key.is_empty() && !exists {
            item.problem("an empty `key` needs `operator: Exists` (it tolerates every taint)");
        }
        out.push(Toleration {
            key,
            exists,
            value,
            effect,
        });
    }
    Some(out)
}

pub(super) fn spread_constraints(n: &Node) -> Option<Vec<SpreadConstraint>> {
    let mut out: Vec<SpreadConstraint> = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(SPREAD_FIELDS) else {
            continue;
        };
        let max_skew = o.required("maxSkew", |m| {
            let v = m.u32()?;
            m.check(v, v >= 1, &format!("must be at least 1, got {v}"))
        });
        let key = o.required("topologyKey", non_empty);
        o.required("whenUnsatisfiable", |w| {
            let hard = w.choice(&[("DoNotSchedule", true), ("ScheduleAnyway", false)])?;
            w.check(
                (),
                hard,
                "`ScheduleAnyway` only ranks nodes in the scheduler's scoring \
                 (podtopologyspread/scoring.go), which is not modelled; use `DoNotSchedule` \
                 (a filter) or leave the constraint out",
            )
        });
        if let (Some(max_skew), Some(topology_key)) = (max_skew, key) {
            if out.iter().any(|c| c.topology_key == topology_key) {
                // The API server refuses a duplicate {topologyKey, whenUnsatisfiable} pair.
                item.problem(format!(
                    "a second constraint on `{topology_key}` with DoNotSchedule"
                ));
                continue;
            }
            out.push(SpreadConstraint {
                max_skew,
                topology_key,
            });
        }
    }
    Some(out)
}

/// The terms of `podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution`: each
/// one's `topologyKey`, which the API server requires (`validatePodAffinityTerm`: "can not
/// be empty"). An empty list is no term, as upstream.
pub(super) fn anti_affinity_terms(n: &Node) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for item in n.list()? {
        let Some(o) = item.object(POD_AFFINITY_TERM_FIELDS) else {
            continue;
        };
        if let Some(key) = o.required("topologyKey", non_empty) {
            out.push(key);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::scenario::placement::SelectorOp;
    use crate::scenario::placement::tests::parse;
    use serde_json::json;

    #[test]
    fn kubernetes_fields() {
        let (p, problems) = parse(json!({
            "nodeSelector": {"disk": "ssd"},
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "zone", "operator": "In", "values": ["a", "b"]},
                    {"key": "cores", "operator": "Gt", "values": ["4"]}]}]}}},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "db",
                             "effect": "NoSchedule"}, {"operator": "Exists"}],
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                           "whenUnsatisfiable": "DoNotSchedule"}]}));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(p.node_selector["disk"], "ssd");
        let terms = p.required_terms.unwrap();
        assert_eq!(terms.len(), 1);
        assert_eq!(terms[0][1].op, SelectorOp::Gt);
        assert_eq!(p.tolerations.len(), 2);
        assert!(p.tolerations[1].exists && p.tolerations[1].key.is_empty());
        assert_eq!(p.spread[0].max_skew, 1);
    }

    /// The API server's validation rules (`ValidateNodeSelectorRequirement`,
    /// `validateTolerations`, `validateTopologySpreadConstraints`, kubernetes v1.30).
    #[test]
    fn kubernetes_values_are_validated() {
        let (_, p) = parse(json!({
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [
                    {"key": "zone", "operator": "In"},
                    {"key": "zone", "operator": "Exists", "values": ["a"]},
                    {"key": "n", "operator": "Lt", "values": ["x"]},
                    {"key": "n", "operator": "Greater", "values": ["1"]}]}]}}},
            "tolerations": [{"operator": "Exists", "value": "v", "key": "k"}, {"value": "v"}],
            "topologySpreadConstraints": [
                {"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"},
                {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"}]}));
        let at = "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.\
                  nodeSelectorTerms.0.matchExpressions";
        assert_eq!(
            p[0],
            format!("{at}.0: `In` and `NotIn` need at least one value")
        );
        assert_eq!(
            p[1],
            format!("{at}.1.values: `Exists` and `DoesNotExist` take no values")
        );
        assert!(p[2].starts_with(&format!("{at}.2.values: `Gt` and `Lt` need exactly one")));
        assert!(p[3].starts_with(&format!("{at}.3.operator: unknown value `Greater`")));
        assert_eq!(
            p[4],
            "tolerations.0.value: must be empty when `operator` is `Exists`"
        );
        assert!(p[5].starts_with("tolerations.1: an empty `key` needs `operator: Exists`"));
        assert_eq!(
            p[6],
            "topologySpreadConstraints.0.maxSkew: must be at least 1, got 0"
        );
        assert!(p[7].starts_with(
            "topologySpreadConstraints.1.whenUnsatisfiable: `ScheduleAnyway` only ranks"
        ));
        assert_eq!(p.len(), 8, "{p:?}");
    }
}
