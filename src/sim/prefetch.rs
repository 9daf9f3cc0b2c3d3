//! A hint that memory will be read soon, for the records a large fleet's next event or
//! next slot will touch.
//!
//! At 100 replicas a trial's tasks, slots and queue fit the level-1 cache; at 10,000 they
//! are megabytes, and an event spends most of its time waiting for its task's record and,
//! in a Swarm update, for the slot's old tasks, read in the slot order the updater
//! shuffled. Those reads are known an event or a few slots ahead (the queue's next entry,
//! the run's list of dirty slots), so asking for them then lets the wait overlap the work
//! in between. A hint changes no value and no order: output is the same with or without
//! it (the golden tests), only the time differs.
//!
//! Below a few hundred replicas a trial's records fit the level-1 cache and a hint only
//! costs its instructions (+4 % instructions a 100-replica Swarm trial, measured without
//! the build's profile), so the cluster asks only when [`pays`].

/// Ask the processor to bring the cache line holding `value` into its level-1 cache.
///
/// ```
/// let tasks = vec![0u64; 1000];
/// rollout_sim::sim::prefetch::prefetch(&tasks[500]);
/// assert_eq!(tasks[500], 0);
/// ```
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and cannot fault; the address
    // comes from a live reference; SSE, which the instruction needs, is part of the x86_64
    // baseline.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// The level-1 data cache assumed: 32 KiB, that of most x86-64 cores of the last decade
/// (the AMD EPYC this was measured on has 32 KiB a core).
const LEVEL_1_BYTES: usize = 32 * 1024;

/// Whether prefetching pays for a fleet of `replicas`, each record `record_bytes`: when a
/// rolling update's records (the old task and the new one of each slot) overflow the
/// level-1 cache.
///
/// ```
/// use rollout_sim::sim::prefetch::pays;
/// assert!(!pays(100, 96)); // 19 KB
/// assert!(pays(1_000, 96)); // 192 KB
/// ```
pub fn pays(replicas: u32, record_bytes: usize) -> bool {
    2 * replicas as usize * record_bytes > LEVEL_1_BYTES
}
