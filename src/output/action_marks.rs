//! The scenario's own actions (`actions:` — an undo, a scale, a pause) and its node drains
//! (`faults.node_drains`, an operator's command too) as the timeline charts mark them: a
//! dark grey vertical line at each one's instant, so a reader sees which command a step in
//! the bands follows. Named in the scenario file's words (`undo at 2m`, `scale to 20 at
//! 20s`, `update to v3 at 1m`, `drain node-2 at 40s`): every trial replays the same actions
//! and drains at the same instants, so one mark holds for all the trials drawn. (A node
//! loss is a fault, random under `node_mtbf`, and not marked.)
//!
//! ```
//! use rollout_sim::output::action_marks::action_marks;
//! # let s = rollout_sim::scenario::load_str(
//! #     "name: w\nservice: {replicas: 2, versions: {current: {image: a}, next: {image: b}}}\n\
//! #      strategy: {kubernetes: {}}\nactions: [{at: 2m, rollout: undo}]\n",
//! #     "w.yaml", rollout_sim::scenario::Format::Yaml, &[]).unwrap();
//! let marks = action_marks(&s);
//! assert_eq!((marks[0].label.as_str(), marks[0].value), ("undo at 2m", 120.0));
//! ```

use crate::plot::RefLine;
use crate::scenario::{ActionKind, Scenario, show_duration};
use crate::sim::time::{Time, as_secs};

/// One mark an action or drain, in time order (simultaneous ones in file order, the
/// actions first).
pub fn action_marks(s: &Scenario) -> Vec<RefLine> {
    let actions = s.actions.iter().map(|a| (a.at, action_text(s, &a.kind)));
    let drains = s.faults.node_drains.iter().map(|d| {
        let node = s.cluster.nodes.get(d.node as usize);
        (
            d.at,
            format!("drain {}", node.map_or("?", |n| n.name.as_str())),
        )
    });
    let mut marks: Vec<(Time, String)> = actions.chain(drains).collect();
    marks.sort_by_key(|m| m.0);
    marks
        .into_iter()
        .map(|(at, text)| RefLine {
            label: format!("{text} at {}", show_duration(at)),
            value: as_secs(at),
        })
        .collect()
}

/// What the action does, as the scenario file says it.
fn action_text(s: &Scenario, kind: &ActionKind) -> String {
    match kind {
        ActionKind::Undo => "undo".to_string(),
        ActionKind::UndoTo(r) => format!("undo to revision {r}"),
        ActionKind::Update(v) => {
            let name = s.service.versions.get(*v as usize).map(|v| v.name.as_str());
            format!("update to {}", name.unwrap_or("?"))
        }
        ActionKind::Scale(n) => format!("scale to {n}"),
        ActionKind::Pause => "pause".to_string(),
        ActionKind::Resume => "resume".to_string(),
        ActionKind::Restart => "restart".to_string(),
        ActionKind::Promote => "promote".to_string(),
        ActionKind::PromoteFull => "promote --full".to_string(),
        ActionKind::Abort => "abort".to_string(),
        ActionKind::Retry => "retry".to_string(),
        ActionKind::Gate(open) => format!("gate {}", if *open { "open" } else { "close" }),
        ActionKind::RollbackGate(open) => {
            format!("rollback {}", if *open { "open" } else { "close" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testkit::example as scenario;

    #[test]
    fn each_action_is_marked_at_its_instant_in_time_order_in_the_files_words() {
        let s = scenario(
            "k8s-rollback-midway.yaml",
            &["actions=[{at: 30s, rollout: pause}, {at: 10s, scale: 9}, \
               {at: 30s, rollout: resume}, {at: 1m, rollout: undo, to_revision: 1}, \
               {at: 1m30s, rollout: restart}]"],
        );
        let marks: Vec<(String, f64)> = action_marks(&s)
            .into_iter()
            .map(|m| (m.label, m.value))
            .collect();
        let want = [
            ("scale to 9 at 10s", 10.0),
            ("pause at 30s", 30.0),
            ("resume at 30s", 30.0),
            ("undo to revision 1 at 1m", 60.0),
            ("restart at 1m 30s", 90.0),
        ];
        let want: Vec<(String, f64)> = want.iter().map(|&(l, v)| (l.to_string(), v)).collect();
        assert_eq!(marks, want);
    }

    #[test]
    fn an_update_names_its_version_and_no_action_marks_nothing() {
        let s = scenario(
            "swarm-start-first.yaml",
            &[
                "service.versions.v3={image: web:3}",
                "actions=[{at: 45s, rollout: update, version: v3}]",
            ],
        );
        let marks = action_marks(&s);
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[0].label, "update to v3 at 45s");
        assert!(action_marks(&scenario("swarm-start-first.yaml", &[])).is_empty());
    }

    #[test]
    fn a_drain_is_marked_by_its_node_among_the_actions() {
        let s = scenario(
            "swarm-drain.yaml",
            &["actions=[{at: 1m, rollout: undo}, {at: 10s, scale: 9}]"],
        );
        let labels: Vec<(String, f64)> = action_marks(&s)
            .into_iter()
            .map(|m| (m.label, m.value))
            .collect();
        let want = [
            ("scale to 9 at 10s", 10.0),
            ("drain node-2 at 40s", 40.0),
            ("undo at 1m", 60.0),
        ];
        let want: Vec<(String, f64)> = want.iter().map(|&(l, v)| (l.to_string(), v)).collect();
        assert_eq!(labels, want);
    }

    /// The flagger-loadtester's POSTs are named as the actions are written.
    #[test]
    fn gate_posts_are_marked_in_the_files_words() {
        let s = scenario(
            "flagger-gate.yaml",
            &["actions=[{at: 5m30s, gate: open}, {at: 7m, gate: close}, {at: 8m, rollback: open}]"],
        );
        let labels: Vec<String> = action_marks(&s).into_iter().map(|m| m.label).collect();
        assert_eq!(
            labels,
            [
                "gate open at 5m 30s",
                "gate close at 7m",
                "rollback open at 8m"
            ]
        );
    }
}
