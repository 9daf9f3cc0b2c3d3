//! The ordered set of a ReplicaSet's ranked entries that [`super`] (the pod ranking) picks from:
//! its entries by *class* (parts 1–7 of the rank: the group and the class of
//! [`super::super::rank_key`]), the classes in rank order, and each class's entries by UID.
//!
//! It replaces a `BTreeSet` of the entries. A pick, and a change of a node's count (its
//! entries move to another group), insert and remove entries many times a pod; in a
//! B-tree of every entry each of those is a search of O(log n) nodes of 40-byte keys
//! that mostly share their first words (a rollout's old pods share a class). Here only
//! the classes are ordered (a `BTreeMap` of few keys: a rollout's old pods make one class
//! per node count present, a dozen or so however large the fleet), and the entries of a
//! class are found by the top bits of their UID, which is random: a class's entries are
//! a bitset over *slots* (the UID's top bits), with one summary bit per 64-slot word, and
//! each slot lists the entries whose UID falls in it (about one: the slots outnumber the
//! nodes, and a class holds at most one entry per node, besides unassigned pods). An
//! insertion or removal is a look-up among the classes and a few bit operations; a
//! class's first entry is the first set slot (one summary word per 4,096 slots), then
//! the least in its list. Slot order is UID order, so the first entry is the least of
//! the class, as in the tree.

use super::super::rank_key::{Entry, Key};
use std::collections::BTreeMap;

/// Slots per node of the cluster, so that a slot seldom holds two entries of a class.
const SLOTS_PER_NODE: usize = 2;

/// The set; see the module's comment.
#[derive(Debug, Default)]
pub(super) struct ClassSets {
    /// The classes present ([`Key::class_start`]), in rank order, each with its id.
    classes: BTreeMap<Key, u32>,
    /// By class id: its entries.
    len_of: Vec<u32>,
    /// Class ids not in use (their bits all clear).
    free: Vec<u32>,
    /// By class id, `stride` words each: the summary words, then one bit per slot.
    bits: Vec<u64>,
    /// Summary words per class.
    summary_words: usize,
    /// Words per class.
    stride: usize,
    /// A UID's slot is `uid >> shift`.
    shift: u32,
    /// By slot: the entries whose UID falls in it, as (class id, part 8).
    slots: Vec<Vec<(u32, u128)>>,
    /// Entries in the set.
    len: usize,
}

impl ClassSets {
    /// Empty, for a cluster of `nodes` nodes (keeps the buffers).
    pub(super) fn reset(&mut self, nodes: usize) {
        let slots = (nodes * SLOTS_PER_NODE).next_power_of_two().max(64);
        if self.len > 0 || slots != self.slots.len() {
            self.slots.resize_with(slots, Vec::new);
            self.slots.iter_mut().for_each(Vec::clear);
            self.bits.clear();
            self.len_of.clear();
            self.free.clear();
            self.classes.clear();
            self.len = 0;
        }
        let words = slots / 64;
        self.summary_words = words.div_ceil(64);
        self.stride = self.summary_words + words;
        self.shift = 64 - slots.trailing_zeros();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot of an entry's part 8 (the UID is its top 64 bits).
    fn slot(&self, lo: u128) -> usize {
        ((lo >> 32) as u64 >> self.shift) as usize
    }

    /// Add `e` (not in the set).
    pub(super) fn insert(&mut self, e: Entry) {
        let id = match self.classes.get(&e.class_start()) {
            Some(&id) => id,
            None => self.new_class(e.class_start()),
        };
        let lo = e.lo();
        let slot = self.slot(lo);
        let words = &mut self.bits[id as usize * self.stride..][..self.stride];
        words[self.summary_words + slot / 64] |= 1 << (slot % 64);
        words[slot / 4096] |= 1 << (slot / 64 % 64);
        debug_assert!(
            !self.slots[slot].contains(&(id, lo)),
            "{e:?} is not in the set"
        );
        self.slots[slot].push((id, lo));
        self.len_of[id as usize] += 1;
        self.len += 1;
    }

    /// Remove `e` (in the set).
    pub(super) fn remove(&mut self, e: &Entry) {
        let head = e.class_start();
        let id = self.classes[&head];
        let lo = e.lo();
        let slot = self.slot(lo);
        let list = &mut self.slots[slot];
        let at = list.iter().position(|&x| x == (id, lo));
        list.swap_remove(at.expect("the entry is in the set"));
        if !list.iter().any(|&(c, _)| c == id) {
            let words = &mut self.bits[id as usize * self.stride..][..self.stride];
            let word = &mut words[self.summary_words + slot / 64];
            *word &= !(1 << (slot % 64));
            if *word == 0 {
                words[slot / 4096] &= !(1 << (slot / 64 % 64));
            }
        }
        self.len -= 1;
        self.len_of[id as usize] -= 1;
        if self.len_of[id as usize] == 0 {
            self.classes.remove(&head);
            self.free.push(id);
        }
    }

    /// Replace `from` (in the set) with `to`, an entry of the same pod in another class
    /// (its node's count changed): the same slot, so its item there is relabelled. Out
    /// of line: inlined at its one call, it left the ranking's small-cluster scan (in the
    /// same function after inlining) with worse code.
    #[inline(never)]
    pub(super) fn relabel(&mut self, from: &Entry, to: Entry) {
        let (head, lo) = (from.class_start(), from.lo());
        debug_assert_eq!(lo, to.lo(), "the same pod");
        let a = self.classes[&head];
        let b = match self.classes.get(&to.class_start()) {
            Some(&id) => id,
            None => self.new_class(to.class_start()),
        };
        let slot = self.slot(lo);
        let list = &mut self.slots[slot];
        let item = list.iter_mut().find(|x| **x == (a, lo));
        item.expect("the entry is in the set").0 = b;
        let others = list.iter().any(|&(c, _)| c == a);
        let (sw, stride) = (self.summary_words, self.stride);
        let words = &mut self.bits[b as usize * stride..][..stride];
        words[sw + slot / 64] |= 1 << (slot % 64);
        words[slot / 4096] |= 1 << (slot / 64 % 64);
        if !others {
            let words = &mut self.bits[a as usize * stride..][..stride];
            let word = &mut words[sw + slot / 64];
            *word &= !(1 << (slot % 64));
            if *word == 0 {
                words[slot / 4096] &= !(1 << (slot / 64 % 64));
            }
        }
        self.len_of[b as usize] += 1;
        self.len_of[a as usize] -= 1;
        if self.len_of[a as usize] == 0 {
            self.classes.remove(&head);
            self.free.push(a);
        }
    }

    /// An id for a class new to the set, its bits clear.
    #[cold]
    #[inline(never)]
    fn new_class(&mut self, head: Key) -> u32 {
        let id = self.free.pop().unwrap_or_else(|| {
            self.len_of.push(0);
            self.bits.resize(self.bits.len() + self.stride, 0);
            self.len_of.len() as u32 - 1
        });
        self.classes.insert(head, id);
        id
    }

    /// Part 8 of the first entry of class `id` (from [`ClassSets::classes`]): the least
    /// in its first slot.
    pub(super) fn first(&self, id: u32) -> u128 {
        let words = &self.bits[id as usize * self.stride..][..self.stride];
        let (summary, slots) = words.split_at(self.summary_words);
        let s = summary
            .iter()
            .position(|&w| w != 0)
            .expect("a class has entries");
        let w = s * 64 + summary[s].trailing_zeros() as usize;
        let slot = w * 64 + slots[w].trailing_zeros() as usize;
        let mine = self.slots[slot].iter().filter(|&&(c, _)| c == id);
        mine.map(|&(_, lo)| lo)
            .min()
            .expect("a set slot has entries")
    }

    /// The classes in rank order, each as its [`Key::class_start`] and its id for
    /// [`ClassSets::first`].
    pub(super) fn classes(&self) -> impl Iterator<Item = (&Key, u32)> + '_ {
        self.classes.iter().map(|(k, &id)| (k, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Purpose;
    use std::collections::BTreeSet;

    /// Random inserts and removes, against a `BTreeSet` of the same entries: the same
    /// classes in the same order, each with the same first entry.
    #[test]
    fn classes_and_their_first_entries_are_the_trees() {
        let mut rng = crate::sim::Key::trial(11, 0, Purpose::Controller).rng();
        let mut sets = ClassSets::default();
        for round in 0..60 {
            let nodes = [1, 5, 40, 300][round % 4];
            sets.reset(nodes);
            let mut tree = BTreeSet::new();
            let mut present: Vec<(Key, Entry)> = Vec::new();
            for _ in 0..2_000 {
                if present.is_empty() || rng.below(5) < 3 {
                    // Few classes, UIDs sometimes near each other (a shared slot).
                    let uid = match rng.below(3) {
                        0 => rng.below(8) << 60 | rng.below(4),
                        _ => rng.next_u64(),
                    };
                    let level = 4 + rng.below(4);
                    let since = rng.below(3);
                    let m = Key::member(
                        level,
                        since,
                        rng.below(2) as u32,
                        0,
                        uid,
                        rng.below(50) as u32,
                    );
                    let e = m.with_count(rng.below(4) as u32);
                    if tree.insert(e) {
                        sets.insert(e);
                        present.push((m, e));
                    }
                } else if rng.below(2) == 0 {
                    let (_, e) = present.swap_remove(rng.below(present.len() as u64) as usize);
                    tree.remove(&e);
                    sets.remove(&e);
                } else {
                    // A node's count changed: the entry moves to another group.
                    let at = rng.below(present.len() as u64) as usize;
                    let (m, e) = present[at];
                    let moved = m.with_count(rng.below(4) as u32);
                    if tree.insert(moved) {
                        tree.remove(&e);
                        sets.relabel(&e, moved);
                        present[at] = (m, moved);
                    }
                }
                assert_eq!(sets.len(), tree.len());
                assert_eq!(sets.is_empty(), tree.is_empty());
                // The tree's classes: the first entry of each run of one class.
                let mut want = Vec::new();
                let mut last: Option<Entry> = None;
                for &e in &tree {
                    if last.is_none_or(|l| l.class_start() != e.class_start()) {
                        want.push((e.class_start(), e.lo()));
                    }
                    last = Some(e);
                }
                let got: Vec<(Key, u128)> =
                    sets.classes().map(|(k, id)| (*k, sets.first(id))).collect();
                assert_eq!(got, want);
            }
        }
    }
}
