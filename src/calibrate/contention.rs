//! Estimating `parallel_start_slowdown` from the container starts of a timeline.
//!
//! The simulator shares a node's engine between the starts in progress on it: with `k` of
//! them, each advances at `1 / (1 + s·(k − 1))` of its solo speed. Given the recorded
//! start intervals, a start that took `[gate, started]` therefore did
//! `∫ dt / (1 + s·(k(t) − 1))` of solo work, where `k(t)` counts the recorded starts in
//! progress on its node. The solo work `w` is the median of the starts that overlapped
//! nothing (per phase: `start` and `start_after_stop` differ); `s` is the value at which
//! the starts that overlapped others (for at least half their length, on average) imply a
//! median work of `w`, found by bisection (the implied work falls as `s` grows). It needs
//! at least three starts of each kind and the node of every start (the `node` column).

use super::samples::StartSample;
use crate::scenario::Phase;
use crate::sim::time::Time;

/// Starts below this extra concurrency count as alone.
const ALONE: f64 = 0.05;
/// Starts from this extra concurrency on count as shared.
const SHARED: f64 = 0.5;
/// Fewest starts of each kind for an estimate.
const MIN_SAMPLES: usize = 3;

/// The estimate and what it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slowdown {
    /// The estimated `parallel_start_slowdown` (at least 0).
    pub value: f64,
    /// Starts that overlapped nothing.
    pub alone: usize,
    /// Starts that overlapped others.
    pub shared: usize,
}

/// Time-average number of *other* starts in progress on the same node during each start.
pub fn overlaps(starts: &[StartSample]) -> Vec<f64> {
    starts
        .iter()
        .map(|a| {
            let d = a.started.saturating_sub(a.gate);
            if d == 0 || a.node == usize::MAX {
                return 0.0;
            }
            let shared: Time = starts
                .iter()
                .filter(|b| !std::ptr::eq(*b, a) && b.node == a.node && b.timeline == a.timeline)
                .map(|b| a.started.min(b.started).saturating_sub(a.gate.max(b.gate)))
                .sum();
            shared as f64 / d as f64
        })
        .collect()
}

/// Largest slowdown the bisection considers.
const MAX_SLOWDOWN: f64 = 10.0;

/// Solo work (µs) that start `a` did between its gate and its start, with slowdown `s`
/// and the recorded starts `all` sharing its node.
fn implied_work(a: &StartSample, all: &[StartSample], s: f64) -> f64 {
    let same = |b: &&StartSample| b.node == a.node && b.timeline == a.timeline;
    let mut points = vec![a.gate, a.started];
    for b in all.iter().filter(same) {
        points.extend([b.gate, b.started].map(|t| t.clamp(a.gate, a.started)));
    }
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .map(|w| {
            // Starts in progress over (w[0], w[1]), `a` itself included (integer midpoint
            // test: 2·gate ≤ w0 + w1 < 2·started).
            let mid2 = w[0] + w[1];
            let k = all
                .iter()
                .filter(same)
                .filter(|b| 2 * b.gate <= mid2 && mid2 < 2 * b.started)
                .count();
            (w[1] - w[0]) as f64 / (1.0 + s * k.saturating_sub(1) as f64)
        })
        .sum()
}

/// The estimate, or `None` if the starts do not tell (too few alone or shared, or no node
/// known).
pub fn estimate(starts: &[StartSample]) -> Option<Slowdown> {
    if starts.iter().any(|s| s.node == usize::MAX) {
        return None;
    }
    let c = overlaps(starts);
    let solo = |phase: Phase| {
        let mut v: Vec<Time> = starts
            .iter()
            .zip(&c)
            .filter(|(s, c)| s.phase == phase && **c < ALONE)
            .map(|(s, _)| s.started - s.gate)
            .collect();
        v.sort_unstable();
        (v.len() >= MIN_SAMPLES).then(|| v[v.len() / 2] as f64)
    };
    let solos = [
        (Phase::Start, solo(Phase::Start)),
        (Phase::StartAfterStop, solo(Phase::StartAfterStop)),
    ];
    let alone = c.iter().filter(|&&c| c < ALONE).count();
    let shared: Vec<(&StartSample, f64)> = starts
        .iter()
        .zip(&c)
        .filter(|(_, c)| **c >= SHARED)
        .filter_map(|(st, _)| Some((st, solos.iter().find(|(p, _)| *p == st.phase)?.1?)))
        .collect();
    if alone < MIN_SAMPLES || shared.len() < MIN_SAMPLES {
        return None;
    }
    // The median of the implied work relative to the solo work, minus one: falls with `s`.
    let excess = |s: f64| {
        let mut r: Vec<f64> = shared
            .iter()
            .map(|(st, w)| implied_work(st, starts, s) / w)
            .collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2] - 1.0
    };
    let value = if excess(0.0) <= 0.0 {
        0.0
    } else if excess(MAX_SLOWDOWN) > 0.0 {
        MAX_SLOWDOWN
    } else {
        let (mut lo, mut hi) = (0.0, MAX_SLOWDOWN);
        for _ in 0..50 {
            let mid = (lo + hi) / 2.0;
            if excess(mid) > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    };
    Some(Slowdown {
        value,
        alone,
        shared: shared.len(),
    })
}

/// `true` if the start overlapped nothing: its duration is solo work.
pub fn is_alone(overlap: f64) -> bool {
    overlap < ALONE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(node: usize, gate: Time, started: Time) -> StartSample {
        StartSample {
            phase: Phase::StartAfterStop,
            timeline: 0,
            node,
            gate,
            started,
            version: "v2".into(),
        }
    }

    #[test]
    fn overlap_is_a_time_average() {
        let s = [start(0, 0, 100), start(0, 50, 150), start(1, 0, 100)];
        assert_eq!(overlaps(&s), [0.5, 0.5, 0.0]);
    }

    #[test]
    fn implied_work_follows_the_sharing() {
        // Slowdown 1: task 1 alone for 100, then shared with task 2 for 200 (100 of work),
        // then alone for 200.
        let s = [start(0, 0, 500), start(0, 100, 300)];
        assert_eq!(implied_work(&s[0], &s, 1.0), 400.0);
        assert_eq!(implied_work(&s[1], &s, 1.0), 100.0);
        assert_eq!(implied_work(&s[0], &s, 0.0), 500.0);
    }

    #[test]
    fn pairs_against_solos() {
        // Solo starts of 430; pairs that started together took 611 (slowdown 0.42).
        let mut s = Vec::new();
        for i in 0..4 {
            s.push(start(0, i * 10_000, i * 10_000 + 430));
        }
        for i in 0..4 {
            let g = 100_000 + i * 10_000;
            s.push(start(0, g, g + 611));
            s.push(start(0, g, g + 611));
        }
        let e = estimate(&s).unwrap();
        assert_eq!((e.alone, e.shared), (4, 8));
        assert!((e.value - 0.42).abs() < 0.01, "{e:?}");
        // Without a node, or without pairs, there is no estimate.
        let mut unknown = s.clone();
        unknown[0].node = usize::MAX;
        assert_eq!(estimate(&unknown), None);
        assert_eq!(estimate(&s[..4]), None);
    }
}
