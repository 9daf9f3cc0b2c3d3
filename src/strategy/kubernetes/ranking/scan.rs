//! The pod ranking's small-cluster scan ([`super`]): a set on a cluster of up to
//! `SCAN_NODES` nodes keeps no tree entries for its assigned pods, and a pick compares
//! the nodes' kept bests ([`NodeBest`]) with the cluster's counts instead.

use super::super::rank_key::{Member, same_class};
use super::SetIndex;
use super::node_best::NodeBest;
use crate::cluster::{Cluster, NodeId, TaskId};
use crate::sim::time::{NEVER, Time};

impl SetIndex {
    /// The pod with the smallest rank now among the assigned ones: the least of the
    /// nodes' best members, each with its node's count in `cl` ([`super::Ranking::best`] finds
    /// the same in the tree: the least group, then the least ready bucket in it, then the
    /// least rest of the rank). A node's best is walked again only when it may have
    /// changed.
    pub(super) fn scan_best(&mut self, cl: &Cluster, now: Time) -> Option<(TaskId, NodeId)> {
        let one_class = self.one_class.is_some();
        if now >= self.scan_until {
            self.scan_until = NEVER;
            for (n, scanned) in self.scanned.iter_mut().enumerate() {
                if now >= scanned.until {
                    *scanned = NodeBest::of(&self.on_node[n], now, one_class);
                    // At most the list's classes walked (none with one class).
                    self.walked += (!one_class as usize) * self.on_node[n].len();
                }
                self.scan_until = self.scan_until.min(scanned.until);
            }
        }
        debug_assert_eq!(
            self.on_node.iter().map(Vec::len).sum::<usize>(),
            self.listed,
            "every listed pod is counted"
        );
        let shared = |c: Member| self.on_node.iter().flatten().all(|m| same_class(m, &c));
        debug_assert!(
            self.one_class.is_none_or(shared),
            "the listed pods share one class while `one_class` says so"
        );
        let counts = cl.wanted_per_node();
        debug_assert_eq!(counts.len(), self.scanned.len());
        for (n, scanned) in self.scanned.iter().enumerate() {
            debug_assert_eq!(
                (scanned.rank, scanned.lo),
                {
                    let fresh = NodeBest::of(&self.on_node[n], now, one_class);
                    (fresh.rank, fresh.lo)
                },
                "a node's best holds until its list or a bucket changes"
            );
            debug_assert!(
                !one_class || {
                    let walked = NodeBest::of(&self.on_node[n], now, false);
                    (walked.rank >> 64, walked.lo) == (scanned.rank >> 64, scanned.lo)
                },
                "with one class listed, a node's best is its last member"
            );
        }
        if one_class {
            let best = self.one_class_best(counts);
            debug_assert_eq!(best, self.ranked_best(counts), "one class, the same pick");
            return best;
        }
        self.ranked_best(counts)
    }

    /// The least of the nodes' kept bests, each ranked with its node's count in `counts`.
    fn ranked_best(&self, counts: &[u32]) -> Option<(TaskId, NodeId)> {
        let mut best = (u128::MAX, u128::MAX, 0);
        for ((n, scanned), &count) in self.scanned.iter().enumerate().zip(counts) {
            let rank = scanned.rank_with(count);
            if rank < best.0 || rank == best.0 && scanned.lo < best.1 {
                best = (rank, scanned.lo, n);
            }
        }
        (best.0 != u128::MAX).then_some((best.1 as TaskId, best.2 as NodeId))
    }

    /// [`SetIndex::ranked_best`] while the listed pods share one class: the kept bests of
    /// the nodes with pods then share their rank but for the node's count (part 4: more
    /// pods first) and part 8, so a node with fewer pods than the best so far is passed
    /// over on its count alone, with one compare of 32 bits rather than two of 128. Part 8
    /// holds 96 bits: `u128::MAX` marks a node without pods ([`NodeBest::of`]).
    fn one_class_best(&self, counts: &[u32]) -> Option<(TaskId, NodeId)> {
        let (mut most, mut lo, mut node) = (0, u128::MAX, 0);
        for ((n, scanned), &count) in self.scanned.iter().enumerate().zip(counts) {
            if count < most {
                continue;
            }
            // Of as many pods, the least part 8 (a node without pods is never less);
            // of more, any node with pods.
            let wins = if count == most {
                scanned.lo < lo
            } else {
                scanned.lo != u128::MAX
            };
            if wins {
                (most, lo, node) = (count, scanned.lo, n);
            }
        }
        (lo != u128::MAX).then_some((lo as TaskId, node as NodeId))
    }

    /// Take the last member of node `n`'s list, its best while the listed pods share one
    /// class ([`SetIndex::one_class`]): what [`SetIndex::remove`] does for it, without
    /// finding it in the list or comparing the classes (every pod left shares its class,
    /// so the node's kept best moves to the next one).
    pub(super) fn pop_one_class(&mut self, n: NodeId) {
        debug_assert!(self.scan && self.one_class.is_some());
        let list = &mut self.on_node[n as usize];
        list.pop();
        self.listed -= 1;
        let scanned = &mut self.scanned[n as usize];
        match list.last() {
            // Not walked since its list last changed: nothing is kept to update.
            Some(last) if scanned.until != NodeBest::STALE.until => scanned.lo = last.lo(),
            Some(_) => {}
            None => {
                *scanned = NodeBest::STALE;
                self.scan_until = 0;
            }
        }
    }

    /// Member `m` is listed on its node: whether the lists still share one class (kept
    /// for the scan alone).
    pub(super) fn list_class(&mut self, m: &Member) {
        if self.listed == 0 {
            self.one_class = Some(*m);
        } else if self.one_class.is_some_and(|c| !same_class(&c, m)) {
            // The kept bests left parts 5–7 out: every node is ranked afresh.
            self.one_class = None;
            self.scanned.fill(NodeBest::STALE);
        }
        self.listed += 1;
    }
}
