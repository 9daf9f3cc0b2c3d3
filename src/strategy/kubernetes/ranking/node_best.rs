//! A node's best member as the pod ranking's small-cluster scan keeps it between picks
//! ([`super::SetIndex::scan_best`]).

use super::super::rank_key::{Member, leaders, log2_bucket, log2_bucket_end, same_class};
use crate::sim::time::{NEVER, Time};

/// A node's best member for the scan, without its node's count. The count is the same
/// for every pod of the node, so the node's best does not depend on it, and the count
/// changes more often than anything else the rank reads: the scan puts the cluster's
/// count into the kept rank as it compares. The best itself holds until the node's list
/// changes or the clock reaches `until`, where the age bucket of a member it ranked
/// changes (never, while the set's pods share one class). Between two picks most nodes'
/// lists stay as they were and the buckets (log₂ of the ages) seldom move, so a pick
/// walks few nodes' classes again; the node of the pod picked before keeps its best too
/// when its pods share one class ([`NodeBest::removed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NodeBest {
    /// The node's least group without the node's count (its best member's group, as in
    /// a [`Member`]: part 4 zero) in the high word, parts 5–7 packed in the low one (see
    /// [`NodeBest::of`]). `u128::MAX` for a node without pods, which never wins.
    pub(super) rank: u128,
    /// Part 8.
    pub(super) lo: u128,
    /// The first instant it may no longer hold (0: [`NodeBest::STALE`]).
    pub(super) until: Time,
}

impl NodeBest {
    /// Walked again at the next scan, whenever it comes.
    pub(super) const STALE: NodeBest = NodeBest {
        rank: u128::MAX,
        lo: u128::MAX,
        until: 0,
    };

    /// The best member of a node's `list` at `now`: the node's least group, then the
    /// least rest of the rank among the classes in it, walked from the best. When every
    /// pod the set lists shares one class (`one_class`), the node's last member is its
    /// best, and parts 5–7, the same on every node at any instant, are left out (0): such
    /// a best holds whatever the clock, until the list changes.
    pub(super) fn of(list: &[Member], now: Time, one_class: bool) -> NodeBest {
        let Some(last) = list.last() else {
            return NodeBest {
                until: NEVER,
                ..NodeBest::STALE
            };
        };
        if one_class {
            return NodeBest {
                rank: u128::from(last.group()) << 64,
                lo: last.lo(),
                until: NEVER,
            };
        }
        let group = last.group();
        let ready = group >> 32 & 1 == 1;
        // Parts 5–7 packed into one word (ready and created buckets, each + 1 in 0..=64,
        // around the 32 bits of restarts), then part 8.
        let mut best = (u64::MAX, u128::MAX);
        let mut until = NEVER;
        for m in leaders(list) {
            // A node's classes come in rank order, and (group, bucket) never falls along
            // them: past the best's, nothing on this node can win. Nor can it later while
            // the buckets of the classes walked stay: the others' only grow.
            if m.group() != group {
                break;
            }
            // Every member of the group shares its Ready part (3): the bucket's end is
            // an instant that matters only when it is Ready.
            if ready {
                until = until.min(log2_bucket_end(now, m.since()));
            }
            let bucket = m.ready_bucket(now);
            if (bucket + 1) as u64 > best.0 >> 48 {
                break;
            }
            let created = log2_bucket(now, m.created());
            until = until.min(log2_bucket_end(now, m.created()));
            let head = ((bucket + 1) as u64) << 48 | m.restarts_rank() << 8 | (created + 1) as u64;
            best = best.min((head, m.lo()));
        }
        NodeBest {
            rank: u128::from(group) << 64 | u128::from(best.0),
            lo: best.1,
            until,
        }
    }

    /// Member `m` was taken from its node's list at `at`, leaving `list`. When `m` was
    /// the last and every pod left shares its class (a rollout's old pods mostly do), `m`
    /// was the node's best, and the next one takes its place: ranked the same but for
    /// part 8, by the same buckets. Otherwise the node is walked again at the next scan.
    pub(super) fn removed(&mut self, list: &[Member], at: usize, m: &Member) {
        match (list.first(), list.last()) {
            (Some(first), Some(last)) if at == list.len() && same_class(first, m) => {
                // Not walked since its list last changed: nothing is kept to update.
                if self.until != NodeBest::STALE.until {
                    self.lo = last.lo();
                }
            }
            _ => *self = NodeBest::STALE,
        }
    }

    /// [`NodeBest::rank`] on a node holding `count` active pods: part 4, complemented,
    /// into the group's low half (a node without pods still never wins).
    pub(super) fn rank_with(&self, count: u32) -> u128 {
        self.rank | u128::from(!count) << 64
    }
}
