//! Placement: which node a task goes to.
//!
//! Spread, as Swarm's scheduler and Kubernetes' default scoring both lean to: the node with
//! the fewest tasks of the service first, then the most free cpu, then the most free
//! memory, then the lowest index (so placement is deterministic). A task that fits nowhere
//! stays Pending until capacity frees.

use super::node::Node;
use super::task::NodeId;
use crate::scenario::Resources;

/// The node to place a task with requests `r` on, or `None` if none fits.
///
/// ```
/// use rollout_sim::cluster::{node::Node, scheduler::pick_node};
/// use rollout_sim::scenario::{NodeSpec, Resources};
/// let spec = NodeSpec { name: "n".into(), cpu_millis: 1000, memory_bytes: 1 << 30 };
/// let mut nodes = vec![Node::new(&spec, 2, &[0]), Node::new(&spec, 2, &[0])];
/// nodes[0].tasks = 1;
/// let r = Resources { cpu_millis: 500, memory_bytes: 0 };
/// assert_eq!(pick_node(&nodes, r), Some(1));
/// ```
pub fn pick_node(nodes: &[Node], r: Resources) -> Option<NodeId> {
    let mut best: Option<(usize, &Node)> = None;
    for (i, n) in nodes.iter().enumerate() {
        if !n.fits(r) {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, b)) => {
                (
                    n.tasks,
                    std::cmp::Reverse(n.cpu_free()),
                    std::cmp::Reverse(n.memory_free()),
                ) < (
                    b.tasks,
                    std::cmp::Reverse(b.cpu_free()),
                    std::cmp::Reverse(b.memory_free()),
                )
            }
        };
        if better {
            best = Some((i, n));
        }
    }
    best.map(|(i, _)| i as NodeId)
}
