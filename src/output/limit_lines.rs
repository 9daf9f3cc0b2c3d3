//! The strategy's limits on tasks as the `rollout-timeline` chart draws them: desired
//! replicas, the most tasks the strategy lets run, the fewest it keeps serving, each a
//! dashed line that steps where the user's `scale` actions change the replica count.
//!
//! Each strategy's registry entry gives its limits for a replica count (Swarm: the
//! `parallelism` ceiling or floor; Kubernetes RollingUpdate: `maxSurge` and
//! `maxUnavailable`, whose percentages resolve against the count in force, as the
//! Deployment controller resolves them on every sync). Faults and failed health checks can
//! still take the fleet below the lower limit: the lines are what the strategy aims for.

use crate::plot::timeline::LimitLine;
use crate::scenario::{ActionKind, Scenario, ServiceMode};
use crate::sim::time::{Time, as_secs};
use crate::strategy::registry::Controls;

/// The replica count the scenario asks for over time: `(from, count)`, the first at 0, one
/// more wherever an action changes it. A `scale` sets it. On Swarm a scale is a service
/// update, so the spec before it becomes `PreviousSpec`, and `rollout: undo` (`docker
/// service rollback`) swaps the two specs back, count included (swarmkit
/// `manager/controlapi/service.go` `UpdateService`, `PreviousSpec`); a Kubernetes undo
/// restores a pod template, which holds no replica count. A rollback a failed update starts
/// by itself is not drawn: it happens in some trials only.
pub fn replica_steps(s: &Scenario) -> Vec<(Time, u32)> {
    let swarm = s.strategy.controls() == Controls::DockerService;
    let mut actions: Vec<_> = s.actions.iter().collect();
    // Simultaneous actions keep their file order, as the trial replays them.
    actions.sort_by_key(|a| a.at);
    let mut steps = vec![(0, s.service.replicas)];
    let (mut now, mut previous) = (s.service.replicas, None);
    for a in actions {
        match a.kind {
            ActionKind::Scale(n) => (now, previous) = (n, Some(now)),
            ActionKind::Update(_) if swarm => previous = Some(now),
            ActionKind::Undo if swarm => {
                if let Some(back) = previous {
                    (now, previous) = (back, Some(now));
                }
            }
            _ => {}
        }
        match steps.last_mut() {
            Some(last) if last.1 == now => {}
            Some(last) if last.0 == a.at => last.1 = now,
            _ => steps.push((a.at, now)),
        }
    }
    steps
}

/// The limit lines: `replicas`, then the strategy's own, each over [`replica_steps`].
pub fn limit_lines(s: &Scenario) -> Vec<LimitLine> {
    let steps = replica_steps(s);
    // A global service's count is its nodes' (one task a node, no scale).
    let count = match s.service.mode {
        ServiceMode::Replicated => "replicas",
        ServiceMode::Global => "nodes (one task a node)",
    };
    // Every limit at each count, by its label.
    let at = |n: u32| std::iter::once((count, n)).chain(s.strategy.limits(n));
    at(steps[0].1)
        .map(|(label, _)| {
            let values: Vec<(Time, u32)> = steps
                .iter()
                .filter_map(|&(t, n)| Some((t, at(n).find(|l| l.0 == label)?.1)))
                .collect();
            line(label, &values)
        })
        .collect()
}

/// One line from its values over time: consecutive equal values merged, the label
/// `"max tasks (replicas + surge) = 13 → 25 at 20s"`.
fn line(label: &str, values: &[(Time, u32)]) -> LimitLine {
    let mut steps: Vec<(Time, u32)> = Vec::new();
    for &(t, v) in values {
        if steps.last().is_none_or(|l| l.1 != v) {
            steps.push((t, v));
        }
    }
    LimitLine {
        label: format!("{label} = {}", steps_text(&steps)),
        steps: steps
            .iter()
            .map(|&(t, v)| (as_secs(t), f64::from(v)))
            .collect(),
    }
}

/// A count over time as the chart's legend and the report's settings table write it:
/// `"10"`, or `"10 → 20 at 20s"` where it steps.
pub fn steps_text(steps: &[(Time, u32)]) -> String {
    let mut text = steps.first().map_or(String::new(), |s| s.1.to_string());
    for &(t, v) in steps.iter().skip(1) {
        text += &format!(" → {v} at {}", crate::scenario::show_duration(t));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;
    use crate::testkit::example as scenario;

    #[test]
    fn kubernetes_limits_step_at_the_scale_resolved_at_the_new_count() {
        // 10 → 20 replicas at 20s under maxSurge / maxUnavailable 25%: the Deployment
        // controller rounds the surge up and the unavailable down
        // (`deploymentutil.ResolveFenceposts`): 3 and 2 of 10, 5 and 5 of 20.
        let s = scenario("k8s-autoscale-mid-rollout.yaml", &[]);
        assert_eq!(replica_steps(&s), [(0, 10), (20 * SECOND, 20)]);
        let lines = limit_lines(&s);
        let steps: Vec<_> = lines.iter().map(|l| l.steps.clone()).collect();
        assert_eq!(
            steps,
            [
                vec![(0.0, 10.0), (20.0, 20.0)],
                vec![(0.0, 13.0), (20.0, 25.0)],
                vec![(0.0, 8.0), (20.0, 15.0)],
            ]
        );
        assert_eq!(lines[0].label, "replicas = 10 → 20 at 20s");
    }

    #[test]
    fn a_global_services_count_is_its_nodes() {
        let s = scenario("swarm-global.yaml", &[]);
        let lines = limit_lines(&s);
        assert_eq!(lines[0].label, "nodes (one task a node) = 6");
        assert_eq!(lines[1].label, "parallelism floor = 5");
    }

    #[test]
    fn a_swarm_undo_after_a_scale_swaps_the_previous_count_back() {
        // swarmkit: a scale is a service update (PreviousSpec = the spec before it), and
        // `docker service rollback` swaps Spec and PreviousSpec: 6 → 9 → 6. The stop-first
        // floor is replicas − parallelism (2).
        let s = scenario(
            "swarm-stop-first.yaml",
            &["actions=[{at: 10s, scale: 9}, {at: 30s, rollout: undo}]"],
        );
        assert_eq!(
            replica_steps(&s),
            [(0, 6), (10 * SECOND, 9), (30 * SECOND, 6)]
        );
        let lines = limit_lines(&s);
        assert_eq!(lines[1].steps, [(0.0, 4.0), (10.0, 7.0), (30.0, 4.0)]);
    }

    #[test]
    fn without_a_scale_every_line_is_flat_and_a_kubernetes_undo_keeps_the_count() {
        let s = scenario("k8s-rolling-default.yaml", &[]);
        assert!(limit_lines(&s).iter().all(|l| l.steps.len() == 1));
        // A Kubernetes undo restores a template, which holds no replica count.
        let s = scenario(
            "k8s-rolling-default.yaml",
            &["actions=[{at: 10s, scale: 9}, {at: 30s, rollout: undo}]"],
        );
        assert_eq!(replica_steps(&s), [(0, 10), (10 * SECOND, 9)]);
    }
}
