//! Test oracle: the pod deletion order computed the direct way — a key for every active
//! pod of the ReplicaSet, the colocation counts recounted over every task, a full sort —
//! checked against [`super::ranking`] at every scale-down of every test that runs a
//! Deployment, together with the cluster's running counts of wanted tasks.

use super::ranking::{log2_bucket, uid};
use crate::cluster::{Cluster, TaskId, TaskState};
use crate::scenario::VersionId;
use crate::sim::time::NEVER;
use std::cmp::Reverse;

type RankKey = (u8, u8, u8, Reverse<u32>, i64, Reverse<u32>, i64, u64);

/// The first `diff` active pods of `version` in the deletion order, by sorting them all.
pub fn sorted_choice(cl: &Cluster, version: VersionId, diff: usize) -> Vec<TaskId> {
    let now = cl.now;
    let mut per_node = vec![0u32; cl.nodes.len()];
    for t in &cl.tasks {
        if let (true, Some(n)) = (t.is_wanted(), t.node) {
            per_node[n as usize] += 1;
        }
    }
    let mut keys: Vec<(RankKey, TaskId)> = Vec::new();
    for (id, t) in cl.tasks.iter().enumerate() {
        if t.version != version || !t.is_wanted() {
            continue;
        }
        let ready = t.state == TaskState::Ready;
        let key: RankKey = (
            t.node.is_some() as u8,
            if t.run_at == NEVER { 0 } else { 2 },
            ready as u8,
            Reverse(t.node.map_or(0, |n| per_node[n as usize])),
            if ready { log2_bucket(now, t.since) } else { 0 },
            Reverse(t.restarts),
            log2_bucket(now, t.created),
            uid(cl, id as TaskId),
        );
        keys.push((key, id as TaskId));
    }
    keys.sort_unstable();
    keys.iter().take(diff).map(|&(_, p)| p).collect()
}

/// Panic unless `chosen` is the sorted choice and the running counts match a recount.
pub fn check(cl: &Cluster, version: VersionId, diff: usize, chosen: &[TaskId]) {
    assert_eq!(
        chosen,
        sorted_choice(cl, version, diff).as_slice(),
        "deletion order at t={} of version {version}",
        cl.now
    );
    let versions = cl.scenario.service.versions.len() as VersionId;
    for v in 0..versions {
        let mut want = (0, 0, 0);
        for t in cl.tasks.iter().filter(|t| t.version == v && t.is_wanted()) {
            want.0 += 1;
            want.1 += (t.state == TaskState::Ready) as u32;
            want.2 += t.available as u32;
        }
        assert_eq!(
            cl.wanted_of(v),
            want,
            "counts of version {v} at t={}",
            cl.now
        );
    }
    for n in 0..cl.nodes.len() as u32 {
        let count = cl
            .tasks
            .iter()
            .filter(|t| t.is_wanted() && t.node == Some(n))
            .count() as u32;
        assert_eq!(cl.wanted_on_node(n), count, "node {n} at t={}", cl.now);
    }
}
