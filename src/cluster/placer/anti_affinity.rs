//! Kubernetes' required pod anti-affinity (`affinity.podAntiAffinity.
//! requiredDuringSchedulingIgnoredDuringExecution`), as the `InterPodAffinity` filter reads
//! it (kubernetes/kubernetes v1.30 `pkg/scheduler/framework/plugins/interpodaffinity/
//! filtering.go`).
//!
//! Each term selects the service's own pods (its app label, carried by every version's
//! pods), so the pod being placed matches its own terms and every existing pod's: the two
//! checks of the filter (`satisfyPodAntiAffinity` on the incoming pod's terms,
//! `satisfyExistingPodsAntiAffinity` on those of the pods in place) are one. A node fails
//! a term when it carries the term's `topologyKey` and some node with the same value of
//! that key holds a pod of the service. Every pod the scheduler's cache holds counts: the
//! `NodeInfo`'s pods, terminating ones included, until their deletion is final (unlike
//! `PodTopologySpread`, which skips pods being deleted), and whatever node they are on,
//! down, tainted or out of the pod's node affinity. A node without the key passes the
//! term (`updateWithAntiAffinityTerms` counts only nodes with the label, and the filter
//! looks only at the node's own value).
//!
//! Terms whose every domain is one node, as `kubernetes.io/hostname`'s are, amount to "no
//! pod of the service on the node": the node index holds that as a room of one task
//! ([`AntiAffinity::per_node`]). The other terms count pods per domain at each placement.

use super::spread::{NO_DOMAIN, domains};
use crate::cluster::node::Node;

/// The required anti-affinity terms of the service, resolved against the nodes.
#[derive(Debug, Clone, Default)]
pub(super) struct AntiAffinity {
    /// A term's domains are single nodes, each node carrying the key with a value of its
    /// own: a node holding a task of the service fails it.
    pub(super) per_node: bool,
    /// The other terms (distinct keys): per node its domain ([`NO_DOMAIN`] without the
    /// label), and the number of domains.
    terms: Vec<(Vec<u32>, usize)>,
    /// Scratch: per term and domain, the tasks of the service holding resources on its
    /// nodes (as of the last [`AntiAffinity::count`]).
    counts: Vec<u32>,
}

impl AntiAffinity {
    /// The terms whose topology keys are `keys`, over `nodes` nodes whose labels
    /// `label(node, key)` gives.
    pub(super) fn new<'a>(
        keys: &[String],
        nodes: usize,
        label: impl Fn(usize, &str) -> Option<&'a str>,
    ) -> AntiAffinity {
        let mut out = AntiAffinity::default();
        let mut seen: Vec<&str> = Vec::new();
        for key in keys {
            // Two terms on one key say the same: upstream a pod failing one fails both.
            if seen.contains(&key.as_str()) {
                continue;
            }
            seen.push(key);
            let (domain, count) = domains(nodes, |i| label(i, key).map(|v| vec![v]));
            if count == nodes && !domain.contains(&NO_DOMAIN) {
                out.per_node = true;
            } else {
                out.terms.push((domain, count));
            }
        }
        out
    }

    /// Whether placing a task means counting per domain (a term over domains wider than
    /// a node, or over some nodes only).
    pub(super) fn scans(&self) -> bool {
        !self.terms.is_empty()
    }

    /// Count the service's tasks per domain of each scanned term: every task holding
    /// resources (`Node::tasks`: terminating ones too).
    pub(super) fn count(&mut self, nodes: &[Node]) {
        if self.terms.is_empty() {
            return;
        }
        self.counts.clear();
        for (domain, count) in &self.terms {
            let base = self.counts.len();
            self.counts.resize(base + count, 0);
            for (n, &d) in nodes.iter().zip(domain) {
                if d != NO_DOMAIN {
                    self.counts[base + d as usize] += n.tasks;
                }
            }
        }
    }

    /// Whether a term keeps a task of the service off node `i` (the scanned terms as of
    /// the last [`AntiAffinity::count`]).
    pub(super) fn blocks(&self, nodes: &[Node], i: usize) -> bool {
        if self.per_node && nodes[i].tasks > 0 {
            return true;
        }
        let mut base = 0;
        self.terms.iter().any(|(domain, count)| {
            let d = domain[i];
            let held = d != NO_DOMAIN && self.counts[base + d as usize] > 0;
            base += count;
            held
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::NodeSpec;

    fn nodes(tasks: &[u32]) -> Vec<Node> {
        tasks
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let spec = NodeSpec {
                    name: format!("node-{i}"),
                    cpu_millis: 4_000,
                    memory_bytes: 8 << 30,
                };
                let mut n = Node::new(&spec, 2, &[]);
                n.tasks = t;
                n
            })
            .collect()
    }

    /// Zones a, a, b and a node without the label: a pod in zone a (on node 1) keeps the
    /// next off both zone-a nodes, not off zone b nor off the unlabelled node, which no
    /// term reaches (`satisfyPodAntiAffinity` looks up the node's own value only).
    #[test]
    fn a_zone_term_keeps_pods_off_the_zone_of_a_pod() {
        let zones = [Some("a"), Some("a"), Some("b"), None];
        let mut aa = AntiAffinity::new(&["zone".to_string()], 4, |i, _| zones[i]);
        assert!(!aa.per_node && aa.scans());
        let ns = nodes(&[0, 1, 0, 3]);
        aa.count(&ns);
        let blocked: Vec<bool> = (0..4).map(|i| aa.blocks(&ns, i)).collect();
        assert_eq!(blocked, [true, true, false, false]);
    }

    /// A key every node carries with a value of its own (a hostname) is the index's one
    /// task a node; a key two nodes share is not.
    #[test]
    fn single_node_domains_are_per_node() {
        let names = ["n0", "n1", "n2"];
        let aa = AntiAffinity::new(&["host".to_string()], 3, |i, _| Some(names[i]));
        assert!(aa.per_node && !aa.scans());
        let ns = nodes(&[2, 0, 1]);
        let blocked: Vec<bool> = (0..3).map(|i| aa.blocks(&ns, i)).collect();
        assert_eq!(blocked, [true, false, true]);
        let shared = ["n0", "n0", "n2"];
        let aa = AntiAffinity::new(&["host".to_string()], 3, |i, _| Some(shared[i]));
        assert!(!aa.per_node && aa.scans());
    }

    /// A term given twice is one term.
    #[test]
    fn a_repeated_key_is_one_term() {
        let zones = [Some("a"), Some("a"), Some("b")];
        let aa = AntiAffinity::new(&["zone".into(), "zone".into()], 3, |i, _| zones[i]);
        assert_eq!(aa.terms.len(), 1);
    }
}
