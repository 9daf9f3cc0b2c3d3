//! The rest of a scale-down chosen by one sort, when picking pod by pod from the index
//! walks too far.
//!
//! A pick costs a step per class of the least (group, ready bucket) run
//! ([`Ranking::best`]): one while a set's pods share a class (a rollout's old pods), but
//! as many as the set has pods when they became Ready, or were created, at different
//! instants within one bucket, the pods of a ReplicaSet scaled up one by one over
//! minutes. A ReplicaSet of such pods scaled down at once (an Argo Rollout aborted or
//! promoted, Flagger's canary scaled to zero) then costs a walk of the set a pod, the
//! square of the set; a sort of every pod of the set costs its size times a logarithm.
//! So the picks count their steps, and once they have taken as many as the trial has
//! pods, the pods still to choose are the first of the set's remaining pods sorted by the
//! whole rank (`ActivePodsWithRanks.Less`'s order, as the index ranks them). The two
//! orders are one, so the switch changes which work is done, not what is chosen: the
//! test oracle checks both against a full sort of the active pods.

use super::super::rank_key::log2_bucket;
use super::Ranking;
use crate::cluster::{Cluster, TaskId};
use crate::sim::time::Time;

/// The whole rank of an indexed pod, in the order [`Ranking::best`] compares it: the group
/// (parts 1–4), the ready bucket (part 5), the restarts (6), the created bucket (7) and
/// part 8 (UID, then task index).
pub(super) type SortKey = (u64, i64, u64, i64, u128);

/// Steps of the picks after which the rest of a choice is sorted, in a trial of `pods`
/// tasks: a sort gathers the set's pods from the whole trial's (one pass over `pods`),
/// which then costs about as much as the steps taken.
pub(super) fn budget(pods: usize) -> usize {
    pods + 32
}

/// Whether to sort the rest of a choice before pick `i`, the picks having `walked` steps
/// beyond one a pick.
#[inline]
pub(super) fn sort_now(i: usize, walked: usize, budget: usize) -> bool {
    #[cfg(test)]
    if let Some(at) = SORT_FROM.with(std::cell::Cell::get) {
        return i >= at;
    }
    let _ = i;
    walked > budget
}

#[cfg(test)]
thread_local! {
    /// Tests: sort from this pick on, whatever the steps (`None`: by the budget).
    pub(crate) static SORT_FROM: std::cell::Cell<Option<usize>> =
        const { std::cell::Cell::new(None) };
    /// Tests: choices finished by a sort on this thread.
    pub(crate) static SORTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl Ranking {
    /// Choose the next `k` pods of set `v` to delete by sorting the indexed ones, and take
    /// them out of the index as [`Ranking::choose`]'s picks do.
    pub(super) fn choose_sorted(&mut self, cl: &Cluster, v: usize, k: usize, now: Time) {
        #[cfg(test)]
        SORTED.with(|c| c.set(c.get() + 1));
        // The counts are those the picks rank by: the catch-up read them, and nothing
        // stops before the choice is made.
        let counts = cl.wanted_per_node();
        let mut ranked = std::mem::take(&mut self.ranked);
        ranked.clear();
        for (id, pod) in self.pods.iter().enumerate() {
            if pod.set != v as u32 {
                continue;
            }
            let Some((node, m)) = pod.keyed else {
                continue;
            };
            let e = m.with_count(node.map_or(0, |n| counts[n as usize]));
            let ready = e.ready_bucket(now);
            let created = log2_bucket(now, e.created());
            let key = (e.group(), ready, e.restarts_rank(), created, e.lo());
            ranked.push((key, id as TaskId));
        }
        if k < ranked.len() {
            ranked.select_nth_unstable(k);
            ranked.truncate(k);
        }
        // Part 8 holds the task index: no two keys are equal.
        ranked.sort_unstable();
        for &(_, id) in &ranked {
            self.unindex(v, id);
            self.pods[id as usize].stale = true;
            self.chosen.push(id);
        }
        self.ranked = ranked;
    }
}
