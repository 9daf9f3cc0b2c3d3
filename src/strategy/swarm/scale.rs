//! `docker service scale`: the replicated orchestrator's reconcile of the slot set, after
//! `moby/swarmkit:manager/orchestrator/replicated/services.go` (`reconcile`, `addTasks`)
//! and `manager/controlapi/service.go` (`UpdateService`) at 3e72cb64.
//!
//! A scale is a service update that changes only `Replicas`: the API server stores the
//! old spec as `PreviousSpec` (so a later `docker service rollback` restores the old
//! count, and the image it had then) and clears `UpdateStatus`. The orchestrator then:
//!
//! * scale-up: gives the missing slots fresh tasks of the current spec at once — the
//!   lowest slot numbers not in use (`addTasks`), no rolling update;
//! * scale-down: keeps slots by their task's copy index on its node (the first copy on
//!   each node before the second, …, running tasks counted first) so the nodes with the
//!   most copies lose tasks first; a slot with two tasks (mid-update) or a task on no node
//!   (Pending) has no index and goes first; the other slots' tasks are told to stop
//!   (desired REMOVE). Upstream lists the slots from a Go map and sorts with the unstable
//!   `sort.Sort`, so ties fall in no set order; here they fall by slot number;
//! * the updater (`Supervisor.Update`): the spec differs, so the running updater is
//!   cancelled and a new run starts over the kept slots: the slots still dirty (not on
//!   the spec's image) are updated, with `update_config`, as a fresh `UPDATING` run — a
//!   paused update goes on, and a rollback in progress goes on as an update. A scale to
//!   the count in force writes a spec equal to the running updater's, so that updater
//!   goes on and no run starts (`reflect.DeepEqual` in `Supervisor.Update`); its status
//!   writes then find `UpdateStatus` cleared and do nothing (`completeUpdate`,
//!   `pauseUpdate`, `rollbackUpdate`), so no outcome is recorded.
//!
//! Simplification: when no slot is dirty, upstream's new run finds nothing to do and,
//! `UpdateStatus` being cleared, never reports `update completed`. Here an update still
//! in its final monitor window is completed at the scale, and a finished one keeps its
//! outcome and time.

use super::{Swarm, UpdateState};
use crate::cluster::{Cluster, StartGate, TaskState};

impl Swarm<'_> {
    /// `docker service scale SERVICE=n`.
    pub(super) fn scale(&mut self, cl: &mut Cluster, n: u32) {
        self.write_spec(self.spec);
        self.set_replicas(cl, n);
        let finished = matches!(
            self.state,
            UpdateState::Completed | UpdateState::RollbackCompleted | UpdateState::None
        );
        if finished && !self.has_dirty_slot(cl) {
            self.cancel_run();
            return;
        }
        self.request_run(cl, false);
    }

    /// The orchestrator's reconcile of the slot set to `n` slots.
    pub(super) fn set_replicas(&mut self, cl: &mut Cluster, n: u32) {
        let have = self.slots.len() as u32;
        if n > have {
            let mut slot = 0;
            for _ in have..n {
                while self.slots.binary_search(&slot).is_ok() {
                    slot += 1;
                }
                let at = self.slots.binary_search(&slot).unwrap_err();
                self.slots.insert(at, slot);
                self.new_task(cl, slot, StartGate::Now);
            }
        } else if n < have {
            let order = self.keep_order(cl);
            let mut removed: Vec<_> = order[n as usize..]
                .iter()
                .flat_map(|&slot| cl.slot(slot).to_vec())
                .filter(|&t| cl.task(t).is_wanted())
                .collect();
            // Upstream marks them all REMOVE in one batch, so the scheduler never places
            // one: stop those on no node before the room the others free could take them.
            removed.sort_by_key(|&t| cl.task(t).node.is_some());
            for t in removed {
                cl.stop_task(t);
            }
            let mut kept = order[..n as usize].to_vec();
            kept.sort_unstable();
            self.slots = kept;
        }
        self.replicas = n;
    }

    /// The slots in the order scale-down keeps them: by the copy index of their task on
    /// its node, counted over running slots first (then by slot number); a slot with
    /// several tasks (mid-update) or with a task on no node has no index (upstream -1)
    /// and sorts after every other (`slotsByIndex.Less`), so it is removed first.
    fn keep_order(&self, cl: &Cluster) -> Vec<u32> {
        let wanted = |slot: u32| -> Vec<u32> {
            cl.slot(slot)
                .iter()
                .copied()
                .filter(|&t| cl.task(t).is_wanted())
                .collect()
        };
        let mut by_running: Vec<(bool, u32)> = self
            .slots
            .iter()
            .map(|&s| {
                let w = wanted(s);
                let running = w.len() == 1 && cl.task(w[0]).state == TaskState::Ready;
                (!running, s)
            })
            .collect();
        by_running.sort_unstable();
        let mut per_node = vec![0u32; cl.nodes.len()];
        let mut indexed: Vec<(u32, u32)> = by_running
            .into_iter()
            .map(|(_, s)| {
                let w = wanted(s);
                let index = match (w.len(), w.first().and_then(|&t| cl.task(t).node)) {
                    (1, Some(node)) => {
                        per_node[node as usize] += 1;
                        per_node[node as usize]
                    }
                    _ => u32::MAX,
                };
                (index, s)
            })
            .collect();
        // Stable: ties keep the running-first, slot-number order.
        indexed.sort_by_key(|&(index, _)| index);
        indexed.into_iter().map(|(_, s)| s).collect()
    }

    /// A kept slot the updater would update ([`Swarm::slot_dirty`]).
    fn has_dirty_slot(&self, cl: &Cluster) -> bool {
        self.slots.iter().any(|&slot| self.slot_dirty(cl, slot))
    }
}
