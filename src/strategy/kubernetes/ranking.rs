//! The pod deletion order of the ReplicaSet controller as an index, so that a scale-down
//! by `diff` pods costs O(diff · log n) instead of a sort of every active pod; after
//! `kubernetes/kubernetes:pkg/controller/controller_utils.go` (`ActivePodsWithRanks.Less`)
//! as used by `pkg/controller/replicaset/replica_set.go` (`getPodsToDelete`).
//!
//! The rank of an active pod is the lexicographic key (first deleted first):
//!
//! 1. unassigned before assigned;
//! 2. phase Pending (no container ever ran) before Running;
//! 3. not Ready before Ready;
//! 4. more active pods of the Deployment on the same node first;
//! 5. Ready for a shorter time, in log₂ buckets of nanoseconds (`LogarithmicScaleDown`;
//!    0 for pods not Ready);
//! 6. more container restarts;
//! 7. newer, in log₂ buckets of the age;
//! 8. a random UID (drawn once per pod, from the pod's own stream), then the task index.
//!
//! Parts 1–4 (the *group*) change only when the pod or its node's count changes; parts 5
//! and 7 change with the clock. The index keeps a ReplicaSet's active pods in an ordered
//! set (the *tree*, [`class_sets`]) ordered by group, then by *class* — (Ready since,
//! restarts, created), most recent first — then by UID. Pods of one class share parts 5–7
//! at any instant, so a class's first pod is its best; within a group the ready bucket
//! grows along the classes, so the pods of the smallest bucket are a run of classes at the
//! start of the group, and the next pod to delete is the best first pod of those classes.
//! The set orders the classes alone and finds a class's first pod by its UID's bits, so
//! that neither a pick nor a move of a node's entries searches among the pods. In a
//! rolling update the old pods share one class (Ready and created at 0), so a pick looks
//! at one class; pods of one group that became Ready, or were created, at many different
//! times within one bucket cost one step per class. A scale-down whose picks take more
//! such steps than the trial has pods finishes with one sort of the set instead
//! ([`sorted`]): the same pods, without a walk of the set a pod.
//!
//! A change of a node's count moves its pods to another group. So that it moves one entry
//! per class rather than one per pod, the set holds only the best pod of each (node, part
//! 1–3, class) — the pods of a node, sorted (first deleted last), are listed beside —
//! which is all a pick can choose among.
//!
//! The index is brought up to date lazily, when its ReplicaSet scales down: the cluster
//! reports every task whose state, node or desired state changed since it was last keyed
//! ([`Cluster::take_edits`]); those pods are re-keyed, and so are the pods on nodes whose
//! count of active pods changed since. The cluster names the nodes whose count changed
//! ([`Cluster::take_recounted`]; most of a pod's changes move no count, so the edits are
//! not searched for them); such a node is logged only
//! when its count is found changed since the last read, so each set reads on over real
//! changes. The node of the last pod a scale-down picks is
//! *detached* meanwhile: its count is about to change (the pod stops), so rather than move
//! its class's next pod into the tree at the pick and move it again at the catch-up, its
//! entries stay out of the tree until the catch-up puts them back, keyed with its count.
//!
//! In a cluster of up to `SCAN_NODES` (32) nodes the tree holds the unassigned pods alone:
//! every node stays detached, and a pick scans the nodes' lists instead (each node's best
//! member, then its next classes while they can still win), reading each node's count from
//! the cluster, so that no count change is logged (the cluster is not asked to name the
//! recounted nodes) or copied at a catch-up. At these sizes the scan
//! (under 100 instructions a node) costs less than keeping the tree: a pick there removes
//! and inserts an entry, and every count change moves a node's entries (measured when the
//! tree was a B-tree, whose insert or remove was some 200 instructions on 40-byte keys;
//! the threshold was not measured again for [`class_sets`]). Each node's best is kept from
//! one pick to the next ([`NodeBest`]) while its list and the age buckets it was ranked by
//! stay as they were, and through a pick from a node whose pods share one class, so a
//! pick mostly walks no node's classes at all; while all the set's assigned pods share
//! one class (a rollout's old pods), the bests leave out the parts that change with the
//! clock, and hold until their lists change.

use super::rank_key::{Entry, Key, Member, leaders, log2_bucket, same_class};
use crate::cluster::{Cluster, NodeId, TaskId, TaskState};
use crate::sim::Purpose;
use crate::sim::time::{NEVER, Time};
use class_sets::ClassSets;
use node_best::NodeBest;
use std::ops::Range;

mod class_sets;
mod node_best;
mod scan;
mod sorted;
#[cfg(test)]
pub(super) use sorted::{SORT_FROM, SORTED};

/// Nodes up to which a set keeps no tree entries for its assigned pods and a pick scans
/// every node's list instead ([`SetIndex::scan`]).
const SCAN_NODES: usize = 32;

/// Whether the sets of a cluster of `nodes` nodes scan ([`SetIndex::scan`]).
fn scans(nodes: usize) -> bool {
    nodes <= SCAN_NODES
}

/// The index of one trial's Deployment: its pods by ReplicaSet (by the ReplicaSet's
/// index in the Deployment's creation-ordered list).
#[derive(Debug, Default)]
pub struct Ranking {
    /// By task index: what the index holds about the pod.
    pods: Vec<Pod>,
    /// By ReplicaSet.
    sets: Vec<SetIndex>,
    /// Nodes whose count of active pods had changed when the cluster's changes were read,
    /// in order (a node again for each later change); kept for sets with a tree of
    /// assigned pods alone. Each [`SetIndex`] reads on from its own cursor.
    node_log: Vec<NodeId>,
    /// By node: its count of active pods when the changes were last read (or 0, at the
    /// start of the trial, before any pod existed); a set made since starts from these, so
    /// that the log names every node whose count differs from the set's.
    logged_count: Vec<u32>,
    /// Scratch for [`Cluster::take_edits`].
    edits: Vec<TaskId>,
    /// Scratch for [`Cluster::take_recounted`].
    recounted: Vec<NodeId>,
    /// The pods chosen by the last [`Ranking::choose`], first deleted first.
    pub chosen: Vec<TaskId>,
    /// Scratch for [`Ranking::choose_sorted`]: the set's pods with their whole rank.
    ranked: Vec<(sorted::SortKey, TaskId)>,
}

#[derive(Debug, Clone, Copy)]
struct Pod {
    /// The ReplicaSet that owns it (`u32::MAX`: not a pod of the Deployment).
    set: u32,
    /// Tie-break of the rank (part 8), drawn when the pod is first keyed (most pods of a
    /// rollout's new ReplicaSet never are).
    uid: Option<u64>,
    /// Its node and key, if indexed (active when last keyed).
    keyed: Option<(Option<NodeId>, Member)>,
    /// In its set's `stale` list, waiting to be keyed afresh; or chosen to be deleted, and
    /// never keyed again ([`Ranking::choose`]).
    stale: bool,
}

impl Pod {
    /// Not a pod of the Deployment.
    const NONE: Pod = Pod {
        set: u32::MAX,
        uid: None,
        keyed: None,
        stale: false,
    };

    /// A new pod of set `v`, to be keyed (its UID drawn when it first is).
    fn of(v: usize) -> Pod {
        Pod {
            set: v as u32,
            uid: None,
            keyed: None,
            stale: true,
        }
    }
}

#[derive(Debug, Default)]
struct SetIndex {
    /// Unassigned pods, and the best pod of each (node, level, class).
    tree: ClassSets,
    /// Pods to key afresh (each once: see [`Pod::stale`]).
    stale: Vec<TaskId>,
    /// Position in [`Ranking::node_log`] up to which node counts were read.
    cursor: usize,
    /// By node: the count of active pods its entries in the tree are keyed with (not kept
    /// by a scanning set, whose picks read the counts from the cluster).
    node_count: Vec<u32>,
    /// By node: the set's indexed pods there, in descending order (the first deleted
    /// last, so that a pick pops it).
    on_node: Vec<Vec<Member>>,
    /// By node: its pods have no entry in the tree ([`SetIndex::detach`]).
    detached: Vec<bool>,
    /// The detached nodes, to attach again at the next catch-up.
    to_attach: Vec<NodeId>,
    /// A small cluster: every node stays detached, the tree holds the unassigned pods
    /// alone, and a pick scans the nodes' lists ([`SetIndex::scan_best`]).
    scan: bool,
    /// By node, for the scan: its best member as the last scan found it, while that still
    /// holds ([`NodeBest::STALE`]: its list changed since).
    scanned: Vec<NodeBest>,
    /// The first instant one of the nodes' kept bests may no longer hold (the least of
    /// their `until`s, 0 when a node's list changed): before it, a scan compares them
    /// without looking at any node's walk.
    scan_until: Time,
    /// The assigned pods in `on_node` (kept for the scan alone, as is `one_class`).
    listed: usize,
    /// One of them while they all share its class (parts 1–3 and 5–7); `None` from the
    /// time two classes are listed together until the lists are empty again. A rollout's
    /// old pods mostly do: the scan then ranks the nodes' bests by their counts and part 8
    /// alone, and no kept best expires with the clock ([`NodeBest::of`]).
    one_class: Option<Member>,
    /// Steps the picks of the current [`Ranking::choose`] took beyond one a pick: classes
    /// walked in the tree, or members of the lists a scan walked again (a bound). Past
    /// [`sorted::budget`], the rest of the choice is a sort ([`Ranking::choose_sorted`]).
    walked: usize,
}

impl SetIndex {
    fn reset(&mut self, nodes: usize) {
        self.tree.reset(nodes);
        self.stale.clear();
        self.cursor = 0;
        self.node_count.clear();
        self.node_count.resize(nodes, 0);
        self.on_node
            .resize_with(nodes.max(self.on_node.len()), Vec::new);
        self.on_node.iter_mut().for_each(Vec::clear);
        self.scan = scans(nodes);
        self.detached.clear();
        self.detached.resize(nodes, self.scan);
        self.to_attach.clear();
        self.scanned.clear();
        self.scanned.resize(nodes, NodeBest::STALE);
        self.scan_until = 0;
        self.listed = 0;
        self.one_class = None;
        self.walked = 0;
    }

    /// The tree entry of a pod on node `n` (`None`: unassigned).
    fn entry(&self, n: Option<NodeId>, m: Member) -> Entry {
        let count = n.map_or(0, |n| self.node_count[n as usize]);
        m.with_count(count)
    }

    fn insert(&mut self, n: Option<NodeId>, m: Member) {
        let Some(node) = n else {
            self.tree.insert(self.entry(n, m));
            return;
        };
        self.scanned[node as usize] = NodeBest::STALE;
        self.scan_until = 0;
        if self.scan {
            self.list_class(&m);
        }
        if self.detached[node as usize] {
            insert_sorted(&mut self.on_node[node as usize], m);
            return;
        }
        let list = &self.on_node[node as usize];
        // The list is in descending order: the members ranked after `m` come first.
        let at = list.partition_point(|x| m < *x);
        let leads = list.get(at).is_none_or(|x| !same_class(x, &m));
        if !leads {
            self.on_node[node as usize].insert(at, m);
            return;
        }
        if at > 0 && same_class(&list[at - 1], &m) {
            self.tree.remove(&self.entry(n, list[at - 1]));
        }
        self.tree.insert(self.entry(n, m));
        self.on_node[node as usize].insert(at, m);
    }

    fn remove(&mut self, n: Option<NodeId>, m: Member) {
        let Some(node) = n else {
            self.tree.remove(&self.entry(n, m));
            return;
        };
        let list = &mut self.on_node[node as usize];
        // A pick takes the best pod of its class, most often its node's last: a pop, no
        // search and no shift.
        let at = if list.last() == Some(&m) {
            list.pop();
            list.len()
        } else {
            let at = list.partition_point(|x| m < *x);
            debug_assert_eq!(list.get(at), Some(&m));
            list.remove(at);
            at
        };
        if self.scan {
            self.listed -= 1;
        }
        self.scanned[node as usize].removed(list, at, &m);
        self.scan_until = self.scan_until.min(self.scanned[node as usize].until);
        if self.detached[node as usize] {
            return;
        }
        let list = &self.on_node[node as usize];
        if list.get(at).is_some_and(|x| same_class(x, &m)) {
            return; // it was not its class's best
        }
        self.tree.remove(&self.entry(n, m));
        if at > 0 && same_class(&list[at - 1], &m) {
            self.tree.insert(self.entry(n, list[at - 1]));
        }
    }

    /// Node `n` now has `count` active pods: move its entries to their new group.
    fn recount_node(&mut self, n: NodeId, count: u32) {
        if self.detached[n as usize] {
            self.node_count[n as usize] = count;
            return;
        }
        let old = self.node_count[n as usize];
        for m in leaders(&self.on_node[n as usize]) {
            self.tree.relabel(&m.with_count(old), m.with_count(count));
        }
        self.node_count[n as usize] = count;
    }
}

impl SetIndex {
    /// Take node `n`'s entries out of the tree until [`SetIndex::attach`]: its pods then
    /// come and go in its list alone, and a change of its count costs nothing.
    fn detach(&mut self, n: NodeId) {
        if self.detached[n as usize] {
            return;
        }
        for m in leaders(&self.on_node[n as usize]) {
            self.tree.remove(&self.entry(Some(n), m));
        }
        self.detached[n as usize] = true;
        self.to_attach.push(n);
    }

    /// Put the entries of every detached node back, keyed with its count.
    fn attach(&mut self) {
        while let Some(n) = self.to_attach.pop() {
            self.detached[n as usize] = false;
            for m in leaders(&self.on_node[n as usize]) {
                self.tree.insert(self.entry(Some(n), m));
            }
        }
    }
}

/// Insert `m` into `list`, in descending order. A node's list is mostly short (its share
/// of the set's pods): the members ranked before `m` are then moved up one by one from
/// its end, in place, where a search and `Vec::insert` cost a bisection and a call to
/// move them; a long list takes the search.
fn insert_sorted(list: &mut Vec<Member>, m: Member) {
    /// The longest list moved up member by member.
    const SHORT: usize = 16;
    if list.len() > SHORT {
        let at = list.partition_point(|x| m < *x);
        list.insert(at, m);
        return;
    }
    list.push(m);
    let mut at = list.len() - 1;
    while at > 0 && list[at - 1] < m {
        list[at] = list[at - 1];
        at -= 1;
    }
    list[at] = m;
}

/// The pod's UID stand-in: a draw of its own stream, the same whatever else happens.
pub fn uid(cl: &Cluster, id: TaskId) -> u64 {
    let t = cl.task(id);
    cl.rng(t.slot, t.version, u32::MAX, Purpose::Controller)
        .next_u64()
}

/// The rank's parts 1–3 and the class of a pod.
fn member(cl: &Cluster, id: TaskId, uid: u64) -> Member {
    let t = cl.task(id);
    let ready = t.state == TaskState::Ready;
    let level = (t.node.is_some() as u64) << 2 | ((t.run_at != NEVER) as u64) << 1 | ready as u64;
    let since = if ready { t.since } else { 0 };
    Key::member(level, since, t.restarts, t.created, uid, id)
}

impl Ranking {
    /// Empty, for a new trial on `cl`, whose edits it tracks from now on; the nodes whose
    /// counts change only on a cluster too large to scan, where a set's tree reads them
    /// ([`Ranking::read_counts`]): a scanning set reads the counts from the cluster at
    /// each pick, so on a small cluster nothing would read the log.
    pub fn reset(&mut self, cl: &mut Cluster) {
        let nodes = cl.nodes.len();
        cl.track_edits(!scans(nodes));
        self.pods.clear();
        self.sets.iter_mut().for_each(|s| s.reset(nodes));
        self.node_log.clear();
        self.logged_count.clear();
        self.logged_count.resize(nodes, 0);
        self.chosen.clear();
    }

    /// The ReplicaSet that owns pod `id`, if it is one of the Deployment's.
    pub fn owner(&self, id: TaskId) -> Option<usize> {
        let set = self.pods.get(id as usize)?.set;
        (set != u32::MAX).then_some(set as usize)
    }

    /// Index a pod of ReplicaSet `set` just created (its UID drawn now).
    pub fn add(&mut self, cl: &Cluster, id: TaskId, set: usize) {
        if set >= self.sets.len() {
            self.add_set(cl, set);
        }
        let i = id as usize;
        if i == self.pods.len() {
            // Tasks are numbered in creation order: the new pod is most often the next.
            self.pods.push(Pod::of(set));
        } else if i > self.pods.len() {
            self.pods.resize(i, Pod::NONE);
            self.pods.push(Pod::of(set));
        } else {
            self.pods[i] = Pod::of(set);
        }
        self.sets[set].stale.push(id);
    }

    /// Index the pods `ids` of ReplicaSet `set` just created, as [`Ranking::add`] for
    /// each in order would: the serving fleet, in one pass rather than a call a pod.
    pub fn add_all(&mut self, cl: &Cluster, ids: Range<TaskId>, set: usize) {
        if ids.is_empty() {
            return; // no set index made, as `add` would make none
        }
        if (ids.start as usize) < self.pods.len() {
            ids.for_each(|id| self.add(cl, id, set));
            return;
        }
        self.add_set(cl, set);
        self.pods.resize(ids.start as usize, Pod::NONE);
        self.pods.resize(ids.end as usize, Pod::of(set));
        self.sets[set].stale.extend(ids);
    }

    /// Make sure set `v` has its index: a set new in this trial starts from the counts as
    /// last read, and reads the node log from its end. Out of line: a set is made once,
    /// and every pod's [`Ranking::add`] asks.
    #[cold]
    #[inline(never)]
    fn add_set(&mut self, cl: &Cluster, v: usize) {
        while self.sets.len() <= v {
            let mut set = SetIndex::default();
            set.reset(cl.nodes.len());
            set.node_count.copy_from_slice(&self.logged_count);
            set.cursor = self.node_log.len();
            self.sets.push(set);
        }
    }

    /// Choose the `diff` active pods of ReplicaSet `set` to delete, first deleted first,
    /// into [`Ranking::chosen`], every one ranked as things stand now. They leave the index
    /// for good: the caller stops them.
    pub fn choose(&mut self, cl: &mut Cluster, set: usize, diff: usize) {
        self.chosen.clear();
        let v = set;
        if v >= self.sets.len() {
            return;
        }
        self.catch_up(cl, v);
        let now = cl.now();
        self.sets[v].walked = 0;
        let budget = sorted::budget(self.pods.len());
        for i in 0..diff {
            if sorted::sort_now(i, self.sets[v].walked, budget) {
                self.choose_sorted(&*cl, v, diff - i, now);
                return;
            }
            let Some((id, last_of)) = self.best(cl, v, now) else {
                break;
            };
            if let Some(n) = last_of {
                // A scan's pick among pods of one class: its node's last member (every
                // node stays detached).
                let set = &mut self.sets[v];
                debug_assert!(matches!(self.pods[id as usize].keyed, Some((Some(k), m))
                        if k == n && set.on_node[n as usize].last() == Some(&m)));
                set.pop_one_class(n);
                self.pods[id as usize].keyed = None;
            } else {
                if i + 1 == diff
                    && let Some((Some(n), _)) = self.pods[id as usize].keyed
                {
                    // The last pick: its node's count is about to change (the pod stops),
                    // so its entries would be moved at the next catch-up anyway; leave
                    // them out of the tree until then rather than move its class's next
                    // pod in now.
                    self.sets[v].detach(n);
                }
                self.unindex(v, id);
            }
            // The caller stops it, and a pod told to stop is never active again: marked
            // stale without a place in a stale list, it is not keyed afresh (nor its
            // later changes read), which would only find it inactive.
            self.pods[id as usize].stale = true;
            self.chosen.push(id);
        }
    }

    /// The pod of set `v` with the smallest rank now, and its node when it is that
    /// node's last member and every pod listed shares its class (a scan's pick, taken
    /// with [`SetIndex::pop_one_class`]).
    fn best(&mut self, cl: &Cluster, v: usize, now: Time) -> Option<(TaskId, Option<NodeId>)> {
        let set = &mut self.sets[v];
        if set.scan && set.tree.is_empty() {
            // Only unassigned pods are in the tree, and they rank before every other.
            let (id, n) = set.scan_best(cl, now)?;
            return Some((id, set.one_class.is_some().then_some(n)));
        }
        // The least group, then the classes of its least ready bucket (a run at its
        // start: the bucket grows along the classes), each by its first entry.
        let tree = &self.sets[v].tree;
        let mut least = None;
        let mut best: Option<(u64, i64, u128)> = None;
        let mut walked = 0;
        for (e, class) in tree.classes() {
            let (group, bucket) = *least.get_or_insert_with(|| (e.group(), e.ready_bucket(now)));
            if e.group() != group || e.ready_bucket(now) != bucket {
                break;
            }
            walked += 1;
            let rank = (
                e.restarts_rank(),
                log2_bucket(now, e.created()),
                tree.first(class),
            );
            if best.is_none_or(|b| rank < b) {
                best = Some(rank);
            }
        }
        // Beyond the first class: a pick among one class costs a step.
        self.sets[v].walked += walked.max(1) - 1;
        best.map(|b| (b.2 as TaskId, None))
    }

    /// Bring set `v` up to date: read the cluster's edits and recounted nodes, move its pods
    /// on nodes whose count changed, then key afresh its pods that changed.
    fn catch_up(&mut self, cl: &mut Cluster, v: usize) {
        // A pod is named once until it is keyed afresh (`rekey` tells the cluster): the
        // key is read from the pod as it is then, whatever it went through meanwhile.
        cl.take_edits(&mut self.edits);
        for &id in &self.edits {
            let Some(pod) = self.pods.get_mut(id as usize) else {
                continue;
            };
            if !pod.stale && pod.set != u32::MAX {
                pod.stale = true;
                self.sets[pod.set as usize].stale.push(id);
            }
        }
        if !self.sets[v].scan {
            cl.take_recounted(&mut self.recounted);
            self.read_counts(cl, v);
        }
        let mut stale = std::mem::take(&mut self.sets[v].stale);
        for &id in &stale {
            if self.pods[id as usize].stale {
                self.rekey(cl, v, id);
            }
        }
        stale.clear();
        self.sets[v].stale = stale;
        self.sets[v].attach();
    }

    /// Log the nodes among [`Ranking::recounted`] whose count changed, and move the
    /// entries of set `v` on the nodes logged since it last read. Only a set with a tree
    /// of assigned pods needs this: a scanning set's picks read the counts from the
    /// cluster ([`SetIndex::scan_best`]).
    fn read_counts(&mut self, cl: &Cluster, v: usize) {
        for &n in &self.recounted {
            let count = cl.wanted_on_node(n);
            let logged = &mut self.logged_count[n as usize];
            if *logged != count {
                *logged = count;
                self.node_log.push(n);
            }
        }
        debug_assert!(
            (0..self.logged_count.len())
                .all(|n| self.logged_count[n] == cl.wanted_on_node(n as NodeId)),
            "every count change is logged by the cluster"
        );
        let set = &mut self.sets[v];
        for &n in &self.node_log[set.cursor..] {
            let count = cl.wanted_on_node(n);
            if set.node_count[n as usize] != count {
                set.recount_node(n, count);
            }
        }
        set.cursor = self.node_log.len();
        if self.sets.iter().all(|s| s.cursor == self.node_log.len()) {
            self.node_log.clear();
            self.sets.iter_mut().for_each(|s| s.cursor = 0);
        }
    }

    /// Take pod `id` of set `v` out of the index.
    fn unindex(&mut self, v: usize, id: TaskId) {
        if let Some((n, m)) = self.pods[id as usize].keyed.take() {
            self.sets[v].remove(n, m);
        }
    }

    /// Key pod `id` of set `v` afresh from the cluster (out of the index if not active).
    fn rekey(&mut self, cl: &mut Cluster, v: usize, id: TaskId) {
        cl.edit_read(id);
        if self.pods[id as usize].keyed.is_some() {
            self.unindex(v, id);
        }
        let pod = &mut self.pods[id as usize];
        pod.stale = false;
        let t = cl.task(id);
        if !t.is_wanted() {
            return;
        }
        let uid = *pod.uid.get_or_insert_with(|| uid(cl, id));
        let m = member(cl, id, uid);
        pod.keyed = Some((t.node, m));
        self.sets[v].insert(t.node, m);
    }
}
