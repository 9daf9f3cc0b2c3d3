//! What the cluster counts for its readers: the wanted tasks per owner and per node
//! (the ReplicaSet's status, the pod ranking, placement that depends on where the
//! service's other tasks are), kept as tasks change rather than recounted, and the record
//! of which tasks and nodes changed since a reader last looked (the pod ranking's lazy
//! catch-up).

use super::{Cluster, NodeId, OwnerId, Share, TaskId};

impl Cluster<'_> {
    /// Wanted tasks (live, not told to stop) and how many of them are Ready and
    /// available, for tasks counted in group `owner` ([`super::Task::owner`]: a
    /// ReplicaSet's pods).
    pub fn wanted_of(&self, owner: OwnerId) -> (u32, u32, u32) {
        let (w, v) = (&self.wanted, owner as usize);
        let get = |c: &Vec<u32>| c.get(v).copied().unwrap_or(0);
        (get(&w.wanted), get(&w.ready), get(&w.available))
    }

    /// How many times the wanted counts ([`Cluster::wanted_of`], [`Cluster::wanted_on_node`])
    /// have changed on this cluster (never reset; a fleet copied in at the start of a trial
    /// sets them uncounted): a reader that finds the same number again, in the same trial
    /// and after its fleet, reads the same counts.
    pub fn wanted_changes(&self) -> u64 {
        self.wanted_changes
    }

    /// Wanted tasks placed on `node`, every version.
    pub fn wanted_on_node(&self, node: NodeId) -> u32 {
        self.wanted.on_node[node as usize]
    }

    /// [`Cluster::wanted_on_node`] of every node, by node: for a reader that walks them
    /// all (the pod ranking's scan), one slice rather than a look-up each.
    pub fn wanted_per_node(&self) -> &[u32] {
        &self.wanted.on_node
    }

    /// Record, from now on, which tasks change state, node or desired state (see
    /// [`Cluster::take_edits`]), and, when `recounted`, which nodes' wanted counts change
    /// (see [`Cluster::take_recounted`]; a reader that reads the counts themselves when it
    /// needs them has the cluster log nothing for it).
    pub fn track_edits(&mut self, recounted: bool) {
        self.edits.get_or_insert_with(Vec::new);
        if recounted {
            self.recounted.get_or_insert_with(Vec::new);
        } else {
            self.recounted = None;
        }
        // A change must now record its edit: `records` says so.
        self.watch();
    }

    /// The tasks whose state, node or desired state changed since the last call, each
    /// named once until [`Cluster::edit_read`] says it was read, leaving `buf` (cleared)
    /// in their place; nothing unless [`Cluster::track_edits`] was called.
    pub fn take_edits(&mut self, buf: &mut Vec<TaskId>) {
        buf.clear();
        if let Some(e) = self.edits.as_mut() {
            std::mem::swap(e, buf);
        }
    }

    /// The nodes whose count of wanted tasks ([`Cluster::wanted_on_node`]) may have changed
    /// since the last call (with repeats): those it changed on, or every node at the first
    /// call of a trial; leaves `buf` (cleared) in their place; nothing unless
    /// [`Cluster::track_edits`] was called to log them.
    pub fn take_recounted(&mut self, buf: &mut Vec<NodeId>) {
        buf.clear();
        if let Some(r) = self.recounted.as_mut() {
            std::mem::swap(r, buf);
            if std::mem::take(&mut self.recount_all) {
                buf.clear();
                buf.extend(0..self.nodes.len() as NodeId);
            }
        }
    }

    /// Task `id`'s share of the wanted counts as they are kept: nothing when they are not
    /// ([`Cluster::counts_wanted`]).
    #[inline(always)]
    pub(super) fn share(&self, id: TaskId) -> Share {
        if self.counts_wanted {
            self.tasks[id as usize].share()
        } else {
            Share::default()
        }
    }

    /// Fold a change of task `id`, whose share was `old`, into the wanted counts (when
    /// kept) and the edits. Inlined (into `set_state` and so into its callers): a small
    /// check that mostly finds nothing moved.
    #[inline(always)]
    pub(super) fn recount(&mut self, id: TaskId, old: Share) {
        if self.counts_wanted {
            let t = &self.tasks[id as usize];
            let new = t.share();
            if new != old {
                self.share_changed(t.owner as usize, old, new);
            }
        }
        self.edited(id);
    }

    /// Task `id` changed state, node or desired state: name it in the edits, when tracked,
    /// unless they name it already and it has not been read since. Its reader keys a pod
    /// afresh from the pod as it is when it gets to it, so a second mention until then
    /// would be read for nothing (a new pod changes state half a dozen times before its
    /// ReplicaSet ever scales down, most never do).
    #[inline(always)]
    pub(super) fn edited(&mut self, id: TaskId) {
        if let Some(e) = self.edits.as_mut() {
            let t = &mut self.tasks[id as usize];
            if !t.in_edits {
                t.in_edits = true;
                e.push(id);
            }
        }
    }

    /// The reader of the edits has read task `id` as it is now: name it again at its next
    /// change.
    pub fn edit_read(&mut self, id: TaskId) {
        self.tasks[id as usize].in_edits = false;
    }

    /// A task counted in group `owner` moved from share `old` to share `new` (they differ).
    #[inline(never)]
    pub(super) fn share_changed(&mut self, owner: usize, old: Share, new: Share) {
        self.wanted.change(owner, old, new);
        self.wanted_changes += 1;
        let (was, is) = (old.node(), new.node());
        if was != is {
            if let Some(r) = self.recounted.as_mut() {
                r.extend(was);
                r.extend(is);
            }
            if self.placer.limits_per_node() {
                self.node_count_changed(was, is);
            }
        }
    }

    /// The wanted tasks on these nodes changed: the per-node limit may open or close them.
    fn node_count_changed(&mut self, old: Option<NodeId>, new: Option<NodeId>) {
        let r = self.scenario.service.resources;
        for n in [old, new].into_iter().flatten() {
            let count = self.wanted.on_node[n as usize];
            self.placer.wanted_changed(&self.nodes, n, count, r);
        }
    }
}
