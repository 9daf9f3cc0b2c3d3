//! A pod's deletion rank as the index compares it: the parts of
//! `ActivePodsWithRanks.Less` (`kubernetes/kubernetes:pkg/controller/controller_utils.go`)
//! packed into five words, the *class* (the parts that change with the clock) and the runs
//! of a node's list the index keeps in its tree. The index that orders pods by these keys
//! is [`super::ranking`].

use crate::cluster::TaskId;
use crate::sim::time::{NEVER, Time};
use std::cmp::Ordering;

/// A rank, packed into five words compared in order, so that the tree compares words
/// instead of walking a nested tuple (most of the index's cost is comparisons and moves of
/// keys). Each part is stored so that ascending order is "deleted first": a part ranked by
/// "more first" or "most recent first" is stored complemented.
///
/// * `group`: parts 1–4: the *level* (parts 1–3, bits 32–34) and the node's active pods
///   (complemented, bits 0–31; 0 in a [`Member`]), so that keys of different groups,
///   most pairs the tree compares, differ in the first word;
/// * `since`: Ready since, complemented;
/// * `tail`: the 192 bits of restarts (complemented, 32 bits), created (complemented, 64),
///   the UID (64) and the task index (32), in that order from the top of `tail[0]`.
///
/// No part is cut (5 words hold the 291 bits), so the order is the parts' tuple order
/// (tested); 40 bytes rather than the 48 of three `u128`s.
///
/// The *class* is `since` with restarts and created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Key {
    group: u64,
    since: u64,
    tail: [u64; 3],
}

/// Lexicographic on (`group`, `since`, `tail`), as the derived order would be, written as
/// one test of inequality per word so that a word that decides costs one ordered compare
/// (the derived one builds an `Ordering` per part; the tree and the node lists compare
/// keys more than they do anything else).
impl Ord for Key {
    #[inline]
    fn cmp(&self, other: &Key) -> Ordering {
        if self.group != other.group {
            self.group.cmp(&other.group)
        } else if self.since != other.since {
            self.since.cmp(&other.since)
        } else if self.tail[0] != other.tail[0] {
            self.tail[0].cmp(&other.tail[0])
        } else if self.tail[1] != other.tail[1] {
            self.tail[1].cmp(&other.tail[1])
        } else {
            self.tail[2].cmp(&other.tail[2])
        }
    }
}

impl PartialOrd for Key {
    #[inline]
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }

    #[inline]
    fn lt(&self, other: &Key) -> bool {
        if self.group != other.group {
            self.group < other.group
        } else if self.since != other.since {
            self.since < other.since
        } else if self.tail[0] != other.tail[0] {
            self.tail[0] < other.tail[0]
        } else if self.tail[1] != other.tail[1] {
            self.tail[1] < other.tail[1]
        } else {
            self.tail[2] < other.tail[2]
        }
    }
}

impl Key {
    /// A pod's [`Member`]: `level` holds parts 1–3 (assigned, Running, Ready as bits 2,
    /// 1, 0, so that unassigned, Pending and not Ready rank first), then parts 5–8 as
    /// they are (not yet bucketed).
    pub(super) fn member(
        level: u64,
        since: Time,
        restarts: u32,
        created: Time,
        uid: u64,
        id: TaskId,
    ) -> Member {
        let (restarts, created) = (!restarts as u64, !created);
        Key {
            group: level << 32,
            since: !since,
            tail: [
                restarts << 32 | created >> 32,
                created << 32 | uid >> 32,
                uid << 32 | id as u64,
            ],
        }
    }

    /// This member's entry on a node with `count` active pods (part 4).
    pub(super) fn with_count(self, count: u32) -> Entry {
        Key {
            group: self.group | !count as u64,
            ..self
        }
    }

    /// The group: parts 1–4.
    pub(super) fn group(&self) -> u64 {
        self.group
    }

    /// Part 3: Ready.
    pub(super) fn ready(&self) -> bool {
        (self.group >> 32) & 1 == 1
    }

    /// Ready since (0 when not Ready).
    pub(super) fn since(&self) -> Time {
        !self.since
    }

    /// Part 5 at `now`: the log₂ bucket of the time Ready ([`log2_bucket`]), 0 when not
    /// Ready (`LogarithmicScaleDown` ranks a pod not Ready by no time at all).
    #[inline]
    pub(super) fn ready_bucket(&self, now: Time) -> i64 {
        if self.ready() {
            log2_bucket(now, self.since())
        } else {
            0
        }
    }

    /// Restarts, complemented (ascending: more restarts first).
    pub(super) fn restarts_rank(&self) -> u64 {
        self.tail[0] >> 32
    }

    pub(super) fn created(&self) -> Time {
        !(self.tail[0] << 32 | self.tail[1] >> 32)
    }

    /// Part 8: the UID (bits 32–95) and the task index (bits 0–31).
    pub(super) fn lo(&self) -> u128 {
        (self.tail[1] as u32 as u128) << 64 | self.tail[2] as u128
    }

    /// The least key of this key's class (part 8 zero): the class as a key.
    pub(super) fn class_start(&self) -> Key {
        Key {
            tail: [self.tail[0], self.tail[1] & !(u32::MAX as u64), 0],
            ..*self
        }
    }
}

/// One pod in the set's tree: its whole rank.
pub(super) type Entry = Key;
/// One pod in its node's list: its rank without part 4.
pub(super) type Member = Key;

/// Same level and class: the same parts 1–7 on one node.
pub(super) fn same_class(a: &Member, b: &Member) -> bool {
    a.group == b.group
        && a.since == b.since
        && a.tail[0] == b.tail[0]
        && a.tail[1] >> 32 == b.tail[1] >> 32
}

/// The best member of each class in a node's list (in descending order: the last of each
/// class's run), from the end: the members the tree holds. A class is a run of the list;
/// its start is found by bisection. The pods of a node mostly share one class (a rollout's
/// old pods do), so a run that reaches the start of the list is seen from its first
/// member, without the bisection.
pub(super) fn leaders(list: &[Member]) -> impl Iterator<Item = Member> + '_ {
    let mut rest = list;
    std::iter::from_fn(move || {
        let &m = rest.last()?;
        rest = match rest.first() {
            Some(first) if same_class(first, &m) => &[],
            _ => &rest[..rest.partition_point(|x| !same_class(x, &m))],
        };
        Some(m)
    })
}

/// `logarithmicRankDiff`'s rank: `floor(log2(now − t))` of the age in nanoseconds, −1 for
/// an age of 0.
pub fn log2_bucket(now: Time, t: Time) -> i64 {
    let ns = now.saturating_sub(t).saturating_mul(1000);
    if ns == 0 {
        -1
    } else {
        63 - ns.leading_zeros() as i64
    }
}

/// The first instant after `now` at which [`log2_bucket`]`(·, t)` differs from its value
/// at `now` (it only grows with the clock): the age reaches the next power of two in
/// nanoseconds. `NEVER` from the last bucket on.
pub fn log2_bucket_end(now: Time, t: Time) -> Time {
    let next = (log2_bucket(now, t) + 1) as u32;
    1u64.checked_shl(next)
        .map_or(NEVER, |ns| t.saturating_add(ns.div_ceil(1000)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Purpose;

    /// A pod's parts as [`Key::member`] takes them, with its node's count.
    type Parts = (u64, u32, Time, u32, Time, u64, TaskId);

    fn key(p: Parts) -> Entry {
        let (level, count, since, restarts, created, uid, id) = p;
        Key::member(level, since, restarts, created, uid, id).with_count(count)
    }

    /// Random parts, few values per part and each part's extremes, so that ties are
    /// common and every bit of a packed word is exercised.
    fn parts(rng: &mut crate::sim::KeyedRng) -> Parts {
        let mut pick = |values: &[u64]| values[rng.below(values.len() as u64) as usize];
        let times = [
            0,
            1,
            1 << 31,
            1 << 32,
            (1 << 32) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        let small = [0, 1, 2, u32::MAX as u64 - 1, u32::MAX as u64];
        (
            pick(&[0, 1, 2, 3, 4, 5, 6, 7]),
            pick(&small) as u32,
            pick(&times),
            pick(&small) as u32,
            pick(&times),
            pick(&times),
            pick(&small) as u32,
        )
    }

    #[test]
    fn keys_order_as_the_tuple_of_their_parts() {
        use std::cmp::Reverse;
        let mut rng = crate::sim::Key::trial(7, 0, Purpose::Controller).rng();
        // The rank's tuple: "more" and "most recent" parts reversed.
        let tuple = |p: Parts| {
            let (level, count, since, restarts, created, uid, id) = p;
            (
                level,
                Reverse(count),
                Reverse(since),
                Reverse(restarts),
                Reverse(created),
                uid,
                id,
            )
        };
        for _ in 0..50_000 {
            let (pa, pb) = (parts(&mut rng), parts(&mut rng));
            let (a, b) = (key(pa), key(pb));
            let want = tuple(pa).cmp(&tuple(pb));
            assert_eq!(a.cmp(&b), want, "{pa:?} {pb:?}");
            assert_eq!(a.partial_cmp(&b), Some(want));
            assert_eq!(a < b, want.is_lt());
            assert_eq!(a == b, want.is_eq());
            // Nothing is lost: every part reads back.
            let (level, count, since, restarts, created, uid, id) = pa;
            assert_eq!(a.group(), level << 32 | !count as u64);
            assert_eq!(a.ready(), level & 1 == 1);
            assert_eq!(a.since(), since);
            assert_eq!(a.restarts_rank(), !restarts as u64);
            assert_eq!(a.created(), created);
            assert_eq!(a.lo(), (uid as u128) << 32 | id as u128);
            // The class's start is before every key of the class and after the classes
            // before it.
            let start = a.class_start();
            assert!(start <= a && same_class(&a, &start));
            let same = (pa.0, pa.1, pa.2, pa.3, pa.4) == (pb.0, pb.1, pb.2, pb.3, pb.4);
            assert_eq!(same_class(&a, &b), same);
            assert_eq!(start == b.class_start(), same);
            assert_eq!(start <= b, same || a < b);
        }
    }

    #[test]
    fn leaders_are_the_best_member_of_each_class() {
        let mut rng = crate::sim::Key::trial(8, 0, Purpose::Controller).rng();
        for _ in 0..500 {
            let mut list: Vec<Member> = (0..rng.below(12))
                .map(|_| {
                    let since = rng.below(3);
                    let restarts = rng.below(2) as u32;
                    Key::member(4, since, restarts, 0, rng.below(100), 0)
                })
                .collect();
            // Ascending, the first member of each class is its best.
            list.sort();
            let want: Vec<Member> = (0..list.len())
                .filter(|&i| i == 0 || !same_class(&list[i - 1], &list[i]))
                .map(|i| list[i])
                .collect();
            // The node lists are in descending order; leaders come from the end.
            list.reverse();
            assert_eq!(leaders(&list).collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn log_buckets_group_ages_by_powers_of_two() {
        assert_eq!(log2_bucket(5, 5), -1);
        // 1 µs = 1000 ns → floor(log2(1000)) = 9.
        assert_eq!(log2_bucket(1, 0), 9);
        // 2^29 ns ≈ 0.54 s, 2^30 ns ≈ 1.07 s: 1 s and 1.05 s share a bucket, 1.1 s does not.
        assert_eq!(log2_bucket(1_000_000, 0), 29);
        assert_eq!(log2_bucket(1_050_000, 0), 29);
        assert_eq!(log2_bucket(1_100_000, 0), 30);
    }

    #[test]
    fn a_bucket_ends_where_the_next_power_of_two_begins() {
        for t in [0, 1, 7, 1_000_003] {
            for now in (t..t + 5_000).chain([t + 1_073_741, t + 1_073_742, t + 40_000_000]) {
                let (b, end) = (log2_bucket(now, t), log2_bucket_end(now, t));
                assert!(end > now);
                assert_eq!(log2_bucket(end - 1, t), b, "{now} {t}");
                assert_ne!(log2_bucket(end, t), b, "{now} {t}");
            }
        }
        // Before `t`, and in the last bucket.
        assert_eq!(log2_bucket_end(3, 5), 6);
        assert_eq!(log2_bucket_end(u64::MAX, 0), NEVER);
    }
}
