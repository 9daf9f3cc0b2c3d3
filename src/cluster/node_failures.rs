//! swarmkit's scheduler puts last a node where the service's tasks keep failing
//! (moby/swarmkit `manager/scheduler/scheduler.go` `maxFailures`, `monitorFailures`,
//! `updateTask` → `NodeInfo.taskFailed`; `scheduleTaskGroup`'s `nodeLess`;
//! `manager/scheduler/nodeinfo.go` `countRecentFailures`, at 3e72cb64).
//!
//! A task that turns FAILED or REJECTED on a node is recorded there under its service's
//! `SpecVersion`. A task being placed reads the failures of its own `SpecVersion` within
//! the last 5 minutes (one exactly 5 minutes old still counts); when either of two nodes
//! has at least 5, the one with fewer goes first, whatever their task counts. Below 5 on
//! both, the usual spread order decides. So the rank of a node is its count if at least 5,
//! else 0, before the usual key.
//!
//! Only Swarm records failures (its controller, when the failure reaches the manager).
//! Nothing here runs per event unless a failure was recorded: a placement then looks at
//! the failures of the node it picked, and ranks every node only if that one has 5.

use super::task::NodeId;
use crate::sim::time::{MINUTE, Time};
use std::collections::VecDeque;

/// `maxFailures`: recent failures that put a node last.
pub const MAX_FAILURES: u32 = 5;

/// `monitorFailures`: how long a failure counts.
pub const MONITOR_FAILURES: Time = 5 * MINUTE;

/// The failures of one `SpecVersion` on one node: (instant, failures so far including
/// that instant's), oldest first, so a count over a window is two look-ups whatever the
/// number of failures (a restart loop with no delay fails millions of times in one
/// instant, which is one entry).
#[derive(Debug)]
struct Log {
    key: u32,
    /// Failures so far before the first entry.
    base: u64,
    entries: VecDeque<(Time, u64)>,
}

impl Log {
    fn total(&self) -> u64 {
        self.entries.back().map_or(self.base, |e| e.1)
    }
}

/// Recent failures per node, per `SpecVersion`.
#[derive(Debug, Default)]
pub struct NodeFailures {
    per_node: Vec<Vec<Log>>,
    /// Whether any failure was recorded this trial.
    any: bool,
}

impl NodeFailures {
    /// None recorded (a new trial).
    pub fn clear(&mut self) {
        if self.any {
            self.per_node.iter_mut().for_each(Vec::clear);
            self.any = false;
        }
    }

    /// Whether any failure was recorded this trial.
    #[inline]
    pub fn any(&self) -> bool {
        self.any
    }

    /// `taskFailed`: a task of `SpecVersion` `key` failed on `node` at `now`. Failures
    /// of `key` 5 minutes old or more are dropped first, as `taskFailed` drops them.
    pub fn record(&mut self, node: NodeId, key: u32, now: Time) {
        let n = node as usize;
        if n >= self.per_node.len() {
            self.per_node.resize_with(n + 1, Vec::new);
        }
        let logs = &mut self.per_node[n];
        let i = match logs.iter().position(|l| l.key == key) {
            Some(i) => i,
            None => {
                logs.push(Log {
                    key,
                    base: 0,
                    entries: VecDeque::new(),
                });
                logs.len() - 1
            }
        };
        let log = &mut logs[i];
        while let Some(&(at, cum)) = log.entries.front() {
            if now - at < MONITOR_FAILURES {
                break;
            }
            log.base = cum;
            log.entries.pop_front();
        }
        let total = log.total() + 1;
        match log.entries.back_mut() {
            Some(last) if last.0 == now => last.1 = total,
            _ => log.entries.push_back((now, total)),
        }
        self.any = true;
    }

    /// `countRecentFailures`: failures of `SpecVersion` `key` on `node` at most
    /// [`MONITOR_FAILURES`] before `now`.
    pub fn count(&self, node: NodeId, key: u32, now: Time) -> u32 {
        let Some(log) = self
            .per_node
            .get(node as usize)
            .and_then(|logs| logs.iter().find(|l| l.key == key))
        else {
            return 0;
        };
        let old = log
            .entries
            .partition_point(|&(at, _)| now - at > MONITOR_FAILURES);
        let before = if old == 0 {
            log.base
        } else {
            log.entries[old - 1].1
        };
        (log.total() - before).min(u64::from(u32::MAX)) as u32
    }

    /// Node `node`'s place before the usual key in `nodeLess`: its recent failures if at
    /// least [`MAX_FAILURES`], else 0.
    pub fn rank(&self, node: NodeId, key: u32, now: Time) -> u32 {
        let f = self.count(node, key, now);
        if f >= MAX_FAILURES { f } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;

    #[test]
    fn failures_count_per_spec_version_for_five_minutes() {
        let mut f = NodeFailures::default();
        for i in 0..5 {
            f.record(1, 7, i * SECOND);
        }
        f.record(1, 8, 5 * SECOND);
        assert_eq!(f.count(1, 7, 4 * SECOND), 5);
        assert_eq!(f.rank(1, 7, 4 * SECOND), 5);
        assert_eq!(f.rank(1, 8, 5 * SECOND), 0);
        assert_eq!(f.count(0, 7, 4 * SECOND), 0);
        // The first is exactly 5 minutes old at 300 s: it still counts (`>` drops it).
        assert_eq!(f.count(1, 7, MONITOR_FAILURES), 5);
        assert_eq!(f.rank(1, 7, MONITOR_FAILURES + 1), 0);
        // Many in one instant are one entry, counted in full.
        for _ in 0..1000 {
            f.record(0, 7, 10 * SECOND);
        }
        assert_eq!(f.count(0, 7, 10 * SECOND), 1000);
        assert_eq!(f.per_node[0][0].entries.len(), 1);
        // A record drops its key's failures 5 minutes old or more.
        f.record(1, 7, MONITOR_FAILURES + 3 * SECOND);
        assert_eq!(f.count(1, 7, MONITOR_FAILURES + 3 * SECOND), 2);
    }
}
