//! The live tasks of each slot, in creation order, without a heap allocation per slot.
//!
//! A slot nearly always holds one task, two during its update, rarely more (tasks told to
//! stop linger while they terminate). With a `Vec` per slot, reading a slot took two
//! dependent loads into different places (the list's header, then its buffer), each a
//! cache miss once a 10,000-replica trial no longer fits the core's cache, and copying the
//! fleet's slots took an allocation's worth of work per slot. Here a slot's list lives
//! inline in one array (16 bytes a slot, four to a cache line) until it outgrows
//! [`INLINE`]; then it moves to a spill list of its own for the rest of the trial.

use super::TaskId;
use crate::sim::prefetch::prefetch;

/// How many tasks a slot holds inline.
const INLINE: usize = 3;

/// One slot's list: the first `len` of `ids`, or, when `len` is [`SPILLED`], the spill
/// list `ids[0]`. (A plain struct rather than an enum: a length the reader sees is at most
/// [`INLINE`] needs no bounds check.)
#[derive(Debug, Clone, Copy)]
struct List {
    len: u32,
    ids: [TaskId; INLINE],
}

/// [`List::len`] of a list moved to the spill lists.
const SPILLED: u32 = u32::MAX;

const EMPTY: List = List {
    len: 0,
    ids: [0; INLINE],
};

/// The live tasks of every slot (see the module's comment).
#[derive(Debug, Default)]
pub(super) struct SlotLists {
    lists: Vec<List>,
    spill: Vec<Vec<TaskId>>,
}

impl Clone for SlotLists {
    fn clone(&self) -> SlotLists {
        SlotLists {
            lists: self.lists.clone(),
            spill: self.spill.clone(),
        }
    }

    /// Keeps `self`'s buffers (the fleet's copy, [`super::fleet`]): the derived one would
    /// allocate.
    fn clone_from(&mut self, from: &SlotLists) {
        self.lists.clone_from(&from.lists);
        self.spill.clone_from(&from.spill);
    }
}

impl SlotLists {
    /// Every list empty. The array is emptied, not filled with empty lists: slots beyond
    /// it read as empty, a trial's first tasks are created slot by slot (each push grows
    /// it by one) or copied in with the fleet ([`super::fleet`]), and a large fleet's
    /// array is then written once a trial instead of twice.
    pub(super) fn reset(&mut self) {
        self.lists.clear();
        self.spill.clear();
    }

    /// The tasks of `slot`, in creation order.
    #[inline(always)]
    pub(super) fn get(&self, slot: u32) -> &[TaskId] {
        match self.lists.get(slot as usize) {
            Some(l) if l.len as usize <= INLINE => &l.ids[..l.len as usize],
            Some(l) => &self.spill[l.ids[0] as usize],
            None => &[],
        }
    }

    /// Ask for `slot`'s list ahead of a read ([`crate::sim::prefetch`]).
    #[inline]
    pub(super) fn prefetch(&self, slot: u32) {
        if let Some(l) = self.lists.get(slot as usize) {
            prefetch(l);
        }
    }

    /// Append `id` (newer than every task of the slot) to `slot`'s list.
    #[inline]
    pub(super) fn push(&mut self, slot: u32, id: TaskId) {
        if slot as usize >= self.lists.len() {
            // The slot's first task this trial (slots nearly always come in order).
            self.lists.resize(slot as usize, EMPTY);
            let mut ids = [0; INLINE];
            ids[0] = id;
            self.lists.push(List { len: 1, ids });
            return;
        }
        let l = &mut self.lists[slot as usize];
        match l.len as usize {
            n if n < INLINE => {
                l.ids[n] = id;
                l.len += 1;
            }
            INLINE => {
                let mut spilled = l.ids.to_vec();
                spilled.push(id);
                *l = List {
                    len: SPILLED,
                    ids: [self.spill.len() as TaskId; INLINE],
                };
                self.spill.push(spilled);
            }
            _ => self.spill[l.ids[0] as usize].push(id),
        }
    }

    /// Take `id` out of `slot`'s list (if there), keeping the others' order.
    #[inline]
    pub(super) fn remove(&mut self, slot: u32, id: TaskId) {
        let l = &mut self.lists[slot as usize];
        if l.len as usize <= INLINE {
            if let Some(i) = l.ids[..l.len as usize].iter().position(|&x| x == id) {
                // The later ones move up by hand rather than by a call to `memmove`; the
                // whole array's rest moves (what lies beyond the list is never read), so
                // the loop's bound is a constant.
                for j in i + 1..INLINE {
                    l.ids[j - 1] = l.ids[j];
                }
                l.len -= 1;
            }
        } else {
            let live = &mut self.spill[l.ids[0] as usize];
            if let Some(i) = live.iter().position(|&x| x == id) {
                live.remove(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_creation_order_inline_and_spilled() {
        let mut s = SlotLists::default();
        s.reset();
        assert_eq!(s.get(0), &[] as &[TaskId]);
        assert_eq!(s.get(7), &[] as &[TaskId]);
        for id in [1, 4, 6] {
            s.push(1, id);
        }
        assert_eq!(s.get(1), &[1, 4, 6]);
        s.remove(1, 4);
        assert_eq!(s.get(1), &[1, 6]);
        s.remove(1, 9); // not there
        for id in [8, 9, 11] {
            s.push(1, id);
        }
        assert_eq!(s.get(1), &[1, 6, 8, 9, 11]);
        s.remove(1, 1);
        s.remove(1, 9);
        assert_eq!(s.get(1), &[6, 8, 11]);
        s.push(5, 12); // beyond the slots pushed to so far
        assert_eq!(s.get(5), &[12]);
        assert_eq!(s.get(0), &[] as &[TaskId]);
        let copy = s.clone();
        s.reset();
        assert_eq!(s.get(1), &[] as &[TaskId]);
        assert_eq!(copy.get(1), &[6, 8, 11]);
    }
}
