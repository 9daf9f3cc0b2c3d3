//! A set of `(level, rank)` pairs that answers "the smallest pair" in O(1): the placement
//! index's node order ([`super::scheduler::NodeIndex`]: level = the node's task count,
//! rank = its capacity rank).
//!
//! A balanced tree does it in O(log nodes) with a cache miss per level of the tree, and a
//! rollout changes the index two or three times per task (placement, a Swarm task told
//! to stop, release: each a move from one level to the next, [`LevelSets::relevel`]),
//! which made the tree the part of a large trial that grew faster than the fleet. Here each level is a bitset over the ranks with one summary bit
//! per 64-rank word, so an insertion or removal sets or clears two bits, and the smallest
//! rank of a level is two `trailing_zeros` after a scan of the summary (one word per 4,096
//! ranks). The lowest non-empty level is kept as a cursor: an insertion may lower it, and
//! a removal that empties it moves it up past the empty levels. Levels are task counts,
//! which move by one per change, so the cursor's moves add up to the changes (amortised
//! O(1)); only a node coming back empty after a loss can drop it further.

/// The set; see the module's comment.
#[derive(Debug, Clone, Default)]
pub struct LevelSets {
    /// 64-bit words per level (ranks / 64, rounded up).
    words: usize,
    /// Summary words per level (words / 64, rounded up).
    summary_words: usize,
    /// Level `l`'s bits are `bits[l * words..][..words]`.
    bits: Vec<u64>,
    /// Level `l`'s summary: bit `w` set when word `w` of the level is not zero.
    summary: Vec<u64>,
    /// Pairs per level.
    count: Vec<u32>,
    /// The lowest level with a pair, when the set is not empty.
    low: usize,
    /// Pairs in the set.
    len: usize,
}

impl LevelSets {
    /// Empty, for ranks `0..ranks` (keeps the buffers).
    pub fn reset(&mut self, ranks: usize) {
        self.words = ranks.div_ceil(64);
        self.summary_words = self.words.div_ceil(64);
        let levels = self.count.len();
        self.bits.clear();
        self.bits.resize(levels * self.words, 0);
        self.summary.clear();
        self.summary.resize(levels * self.summary_words, 0);
        self.count.fill(0);
        self.low = 0;
        self.len = 0;
    }

    /// Make room for levels up to `l` (kept across resets: a scenario's trials reach the
    /// same levels). Out of line: the first trial's only.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, l: usize) {
        self.count.resize(l + 1, 0);
        self.bits.resize((l + 1) * self.words, 0);
        self.summary.resize((l + 1) * self.summary_words, 0);
    }

    /// Add `(level, rank)` (not in the set).
    #[inline]
    pub fn insert(&mut self, level: u32, rank: u32) {
        let l = level as usize;
        if l >= self.count.len() {
            self.grow(l);
        }
        let (w, bit) = (rank as usize / 64, rank % 64);
        let word = &mut self.bits[l * self.words + w];
        debug_assert!(*word & 1 << bit == 0, "({level}, {rank}) is not in the set");
        *word |= 1 << bit;
        self.summary[l * self.summary_words + w / 64] |= 1 << (w % 64);
        self.count[l] += 1;
        self.low = if self.len == 0 { l } else { self.low.min(l) };
        self.len += 1;
    }

    /// Remove `(level, rank)` (in the set).
    #[inline]
    pub fn remove(&mut self, level: u32, rank: u32) {
        let l = level as usize;
        let (w, bit) = (rank as usize / 64, rank % 64);
        let word = &mut self.bits[l * self.words + w];
        debug_assert!(*word & 1 << bit != 0, "({level}, {rank}) is in the set");
        *word &= !(1 << bit);
        if *word == 0 {
            self.summary[l * self.summary_words + w / 64] &= !(1 << (w % 64));
        }
        self.count[l] -= 1;
        self.len -= 1;
        if self.len > 0 {
            while self.count[self.low] == 0 {
                self.low += 1;
            }
        }
    }

    /// Move `(from, rank)` (in the set) to `(to, rank)` (not in it; `from != to`): one
    /// removal and one insertion, without the set's size changing between them.
    #[inline]
    pub fn relevel(&mut self, from: u32, to: u32, rank: u32) {
        let (from, l) = (from as usize, to as usize);
        if l >= self.count.len() {
            self.grow(l);
        }
        let (w, bit) = (rank as usize / 64, rank % 64);
        let (s, summary_bit) = (w / 64, 1 << (w % 64));
        let word = &mut self.bits[from * self.words + w];
        debug_assert!(*word & 1 << bit != 0, "({from}, {rank}) is in the set");
        *word &= !(1 << bit);
        if *word == 0 {
            self.summary[from * self.summary_words + s] &= !summary_bit;
        }
        self.count[from] -= 1;
        let word = &mut self.bits[l * self.words + w];
        debug_assert!(*word & 1 << bit == 0, "({to}, {rank}) is not in the set");
        *word |= 1 << bit;
        self.summary[l * self.summary_words + s] |= summary_bit;
        self.count[l] += 1;
        if l < self.low {
            self.low = l;
        } else {
            // The pair is at `l` now, so the cursor stops there at the latest.
            while self.count[self.low] == 0 {
                self.low += 1;
            }
        }
    }

    /// The smallest pair: lowest level, then lowest rank.
    #[inline]
    pub fn first(&self) -> Option<(u32, u32)> {
        if self.len == 0 {
            return None;
        }
        let l = self.low;
        let summary = &self.summary[l * self.summary_words..][..self.summary_words];
        let (s, &sw) = summary.iter().enumerate().find(|&(_, &sw)| sw != 0)?;
        let w = s * 64 + sw.trailing_zeros() as usize;
        let word = self.bits[l * self.words + w];
        let rank = w * 64 + word.trailing_zeros() as usize;
        Some((l as u32, rank as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Key, Purpose};
    use std::collections::BTreeSet;

    /// Against an ordered set of the same pairs, over random histories of insertions and
    /// removals, on rank counts around the word and summary boundaries.
    #[test]
    fn first_is_the_ordered_sets_first() {
        let mut rng = Key::trial(11, 0, Purpose::Controller).rng();
        let mut sets = LevelSets::default();
        for ranks in [1usize, 63, 64, 65, 4_096, 4_097, 9_000] {
            sets.reset(ranks);
            let mut model = BTreeSet::new();
            for _ in 0..20_000 {
                assert_eq!(sets.first(), model.first().copied());
                let pair = (rng.below(12) as u32, rng.below(ranks as u64) as u32);
                let to = rng.below(12) as u32;
                if model.insert(pair) {
                    sets.insert(pair.0, pair.1);
                } else if to != pair.0 && !model.contains(&(to, pair.1)) {
                    // Moved to another level, as a node's count changes.
                    model.remove(&pair);
                    model.insert((to, pair.1));
                    sets.relevel(pair.0, to, pair.1);
                } else {
                    model.remove(&pair);
                    sets.remove(pair.0, pair.1);
                }
                // Empty the lowest level now and then, so the cursor moves both ways.
                if rng.below(200) == 0
                    && let Some(&(low, _)) = model.first()
                {
                    let at_low: Vec<_> = model.iter().filter(|p| p.0 == low).copied().collect();
                    for p in at_low {
                        model.remove(&p);
                        sets.remove(p.0, p.1);
                    }
                }
            }
            assert!(!model.is_empty());
        }
        // Reset empties it, whatever it held.
        sets.reset(10);
        assert_eq!(sets.first(), None);
        sets.insert(3, 9);
        sets.insert(3, 2);
        assert_eq!(sets.first(), Some((3, 2)));
    }
}
