//! Where two bands overlap, exactly as they are drawn.
//!
//! A band is drawn as a polygon: its low edge and its high edge, each a straight line from
//! one point to the next. Where two bands overlap is the intersection of the two polygons.
//! At every instant that is one interval (the higher of the lows to the lower of the highs),
//! so the intersection is a band again, but with corners of its own: its edges bend where an
//! edge of one band crosses the same edge of the other, and it begins and ends where an edge
//! of one crosses the opposite edge of the other, between the points the bands have. Taking
//! that interval at the points alone misses every crossing between them: the shade stops
//! short of where the bands meet, shows as a spike one point wide, or is missing where two
//! bands cross between two points.
//!
//! The result is in the bands' own form, so it can be intersected with a third band.

/// A band at one instant: `(t, low, high)`.
pub(super) type Cut = (f64, f64, f64);

/// The intersection of bands `a` and `b`, each given by its cuts in increasing time with
/// straight edges between them: the runs, in time order, where it has an area, each in the
/// same form (every corner a cut; a run begins and ends where its low and high meet, or
/// where a band ends). Bands that only touch (along an edge, or at a point) give no run.
/// Cuts out of time order or not finite make no sense of the result, but never a panic.
pub(super) fn intersection(a: &[Cut], b: &[Cut]) -> Vec<Vec<Cut>> {
    let cuts = corners(a, b);
    let mut runs: Vec<Vec<Cut>> = Vec::new();
    let mut run: Vec<Cut> = Vec::new();
    for pair in cuts.windows(2) {
        let (g0, g1) = (gap(pair[0]), gap(pair[1]));
        // The gap is straight between two corners, so it is ≥ 0 all along when it is at
        // both ends.
        if g0 >= 0.0 && g1 >= 0.0 && (g0 > 0.0 || g1 > 0.0) {
            if run.is_empty() {
                run.push(pair[0]);
            }
            run.push(pair[1]);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// How far a cut's high is above its low (negative: the two bands miss each other).
fn gap(c: Cut) -> f64 {
    c.2 - c.1
}

/// The cut `(t, higher low, lower high)` of the two bands at every corner of their
/// intersection, over the time both cover: the bands' own points, where one's low crosses
/// the other's low (or high the other's high), and where the higher low crosses the lower
/// high. Between two corners everything is straight.
fn corners(a: &[Cut], b: &[Cut]) -> Vec<Cut> {
    let (Some(a0), Some(an), Some(b0), Some(bn)) = (a.first(), a.last(), b.first(), b.last())
    else {
        return Vec::new();
    };
    let (from, to) = (a0.0.max(b0.0), an.0.min(bn.0));
    // Not `from < to` (a NaN compares as neither): no time both cover, or one instant.
    if from.partial_cmp(&to) != Some(std::cmp::Ordering::Less) {
        return Vec::new();
    }
    let mut times: Vec<f64> = a
        .iter()
        .chain(b)
        .map(|c| c.0)
        .filter(|t| (from..=to).contains(t))
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut out = Vec::with_capacity(times.len() * 2);
    for (i, w) in times.windows(2).enumerate() {
        let (t0, t1) = (w[0], w[1]);
        let (p0, p1) = ((at(a, t0), at(b, t0)), (at(a, t1), at(b, t1)));
        // A fraction `s` of the way from t0 to t1, exact at both ends.
        let cut = |s: f64| -> Cut {
            let lerp = |x: f64, y: f64| if s == 1.0 { y } else { x + (y - x) * s };
            let ((la, ha), (lb, hb)) = (
                (lerp(p0.0.0, p1.0.0), lerp(p0.0.1, p1.0.1)),
                (lerp(p0.1.0, p1.1.0), lerp(p0.1.1, p1.1.1)),
            );
            (lerp(t0, t1), la.max(lb), ha.min(hb))
        };
        let mut bends = vec![0.0, 1.0];
        bends.extend(crossing(p0.0.0 - p0.1.0, p1.0.0 - p1.1.0));
        bends.extend(crossing(p0.0.1 - p0.1.1, p1.0.1 - p1.1.1));
        bends.sort_by(f64::total_cmp);
        if i == 0 {
            out.push(cut(0.0));
        }
        for s in bends.windows(2) {
            let (c0, c1) = (cut(s[0]), cut(s[1]));
            if let Some(z) = crossing(gap(c0), gap(c1)) {
                // Low meets high: one value, so the run starts or ends on a point.
                let (t, lo, hi) = cut(s[0] + (s[1] - s[0]) * z);
                let mid = (lo + hi) / 2.0;
                out.push((t, mid, mid));
            }
            if s[1] > s[0] {
                out.push(c1);
            }
        }
    }
    out
}

/// Where, as a fraction of the way, a straight difference going from `d0` to `d1` changes
/// sign; `None` unless it does strictly inside.
fn crossing(d0: f64, d1: f64) -> Option<f64> {
    ((d0 < 0.0 && d1 > 0.0) || (d0 > 0.0 && d1 < 0.0)).then(|| d0 / (d0 - d1))
}

/// A band's `(low, high)` at `t`, on the straight edges between its cuts; `t` within the
/// band's time.
fn at(band: &[Cut], t: f64) -> (f64, f64) {
    let i = band.partition_point(|c| c.0 < t).min(band.len() - 1);
    let (t1, l1, h1) = band[i];
    if i == 0 || t1 == t {
        return (l1, h1);
    }
    let (t0, l0, h0) = band[i - 1];
    let s = (t - t0) / (t1 - t0);
    (l0 + (l1 - l0) * s, h0 + (h1 - h0) * s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `got` is `want` but for rounding.
    fn same(got: &[Vec<Cut>], want: &[Vec<Cut>]) {
        let close = |x: f64, y: f64| (x - y).abs() < 1e-12;
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.len(), w.len(), "{got:?}");
            for (g, w) in g.iter().zip(w) {
                assert!(
                    close(g.0, w.0) && close(g.1, w.1) && close(g.2, w.2),
                    "{got:?}"
                );
            }
        }
    }

    #[test]
    fn bands_crossing_between_two_points_overlap_in_a_diamond() {
        // a rises from [0, 1] to [2, 3], b falls from [2, 3] to [0, 1]: at both points they
        // miss each other, between them they overlap from t = 0.25 (a's high meets b's
        // low at 1.5) to t = 0.75 (a's low meets b's high at 1.5), widest at t = 0.5, [1, 2].
        let a = [(0.0, 0.0, 1.0), (1.0, 2.0, 3.0)];
        let b = [(0.0, 2.0, 3.0), (1.0, 0.0, 1.0)];
        let diamond = vec![vec![(0.25, 1.5, 1.5), (0.5, 1.0, 2.0), (0.75, 1.5, 1.5)]];
        assert_eq!(intersection(&a, &b), diamond);
        assert_eq!(intersection(&b, &a), diamond);
    }

    #[test]
    fn an_overlap_starts_where_the_edges_cross_not_at_the_next_point() {
        // b's low falls from 3 to 1 through a's high, 2, halfway: the overlap is a triangle
        // from t = 0.5, not a spike at t = 1.
        let a = [(0.0, 0.0, 2.0), (1.0, 0.0, 2.0)];
        let b = [(0.0, 3.0, 4.0), (1.0, 1.0, 2.0)];
        assert_eq!(
            intersection(&a, &b),
            vec![vec![(0.5, 2.0, 2.0), (1.0, 1.0, 2.0)]]
        );
        // And ends where they cross again: b back to [3, 4] at t = 2.
        let a = [(0.0, 0.0, 2.0), (2.0, 0.0, 2.0)];
        let b = [(0.0, 3.0, 4.0), (1.0, 1.0, 2.0), (2.0, 3.0, 4.0)];
        assert_eq!(
            intersection(&a, &b),
            vec![vec![(0.5, 2.0, 2.0), (1.0, 1.0, 2.0), (1.5, 2.0, 2.0)]]
        );
    }

    #[test]
    fn the_overlap_bends_where_two_lows_or_two_highs_cross() {
        // Lows 0 → 2 and 2 → 0 cross at t = 0.5 (at 1); highs 5 and 4 do not cross.
        let a = [(0.0, 0.0, 5.0), (1.0, 2.0, 5.0)];
        let b = [(0.0, 2.0, 4.0), (1.0, 0.0, 4.0)];
        assert_eq!(
            intersection(&a, &b),
            vec![vec![(0.0, 2.0, 4.0), (0.5, 1.0, 4.0), (1.0, 2.0, 4.0)]]
        );
    }

    #[test]
    fn bands_that_only_touch_do_not_overlap() {
        // Along an edge: a's high is b's low.
        let a = [(0.0, 0.0, 1.0), (2.0, 0.0, 1.0)];
        let b = [(0.0, 1.0, 2.0), (2.0, 1.0, 2.0)];
        assert!(intersection(&a, &b).is_empty());
        // At a point: b's low comes down to a's high at t = 1 only.
        let b = [(0.0, 2.0, 3.0), (1.0, 1.0, 2.0), (2.0, 2.0, 3.0)];
        assert!(intersection(&a, &b).is_empty());
        // At one instant: b begins where a ends.
        let b = [(2.0, 0.0, 1.0), (3.0, 0.0, 1.0)];
        assert!(intersection(&a, &b).is_empty());
    }

    #[test]
    fn a_band_inside_another_is_the_overlap() {
        let outer = [(0.0, 0.0, 10.0), (4.0, 0.0, 10.0)];
        let inner = [(0.0, 2.0, 3.0), (1.0, 3.0, 5.0), (4.0, 1.0, 2.0)];
        assert_eq!(intersection(&outer, &inner), vec![inner.to_vec()]);
        assert_eq!(intersection(&inner, &outer), vec![inner.to_vec()]);
        // A zero-height band inside another has no area.
        let line = [(0.0, 5.0, 5.0), (4.0, 5.0, 5.0)];
        assert!(intersection(&outer, &line).is_empty());
    }

    #[test]
    fn bands_apart_do_not_overlap() {
        let a = [(0.0, 0.0, 1.0), (1.0, 0.5, 1.5)];
        let above = [(0.0, 2.0, 3.0), (1.0, 2.0, 3.0)];
        assert!(intersection(&a, &above).is_empty());
        // Side by side in time.
        let later = [(2.0, 0.0, 1.0), (3.0, 0.0, 1.0)];
        assert!(intersection(&a, &later).is_empty());
    }

    #[test]
    fn bands_sampled_at_other_times_meet_over_the_time_both_cover() {
        // a over [0, 2], b over [1, 3]; a's high 2 → 4 read at t = 1 is 3.
        let a = [(0.0, 0.0, 2.0), (2.0, 0.0, 4.0)];
        let b = [(1.0, 1.0, 5.0), (3.0, 1.0, 5.0)];
        assert_eq!(
            intersection(&a, &b),
            vec![vec![(1.0, 1.0, 3.0), (2.0, 1.0, 4.0)]]
        );
    }

    #[test]
    fn an_overlap_that_stops_and_starts_again_is_two_runs() {
        let a = [(0.0, 0.0, 2.0), (4.0, 0.0, 2.0)];
        let b = [
            (0.0, 1.0, 3.0),
            (1.0, 1.0, 3.0),
            (2.0, 5.0, 6.0),
            (3.0, 1.0, 3.0),
            (4.0, 1.0, 3.0),
        ];
        // b's low leaves a's high 2 a quarter of the way to t = 2 (1 → 5), comes back three
        // quarters of the way to t = 3.
        assert_eq!(
            intersection(&a, &b),
            vec![
                vec![(0.0, 1.0, 2.0), (1.0, 1.0, 2.0), (1.25, 2.0, 2.0)],
                vec![(2.75, 2.0, 2.0), (3.0, 1.0, 2.0), (4.0, 1.0, 2.0)],
            ]
        );
    }

    #[test]
    fn the_overlap_of_an_overlap_is_the_overlap_of_the_three() {
        let a = [(0.0, 0.0, 4.0), (2.0, 0.0, 4.0)];
        let b = [(0.0, 2.0, 6.0), (2.0, 2.0, 6.0)];
        let c = [(0.0, 3.0, 3.5), (2.0, 5.0, 5.5)];
        // a ∩ b is [2, 4]; c's band leaves it when its low passes 4, at t = 1.
        let ab = intersection(&a, &b);
        assert_eq!(ab, vec![vec![(0.0, 2.0, 4.0), (2.0, 2.0, 4.0)]]);
        same(
            &intersection(&ab[0], &c),
            &[vec![(0.0, 3.0, 3.5), (0.5, 3.5, 4.0), (1.0, 4.0, 4.0)]],
        );
    }

    #[test]
    fn degenerate_cuts_give_nothing_and_never_panic() {
        let a = [(0.0, 0.0, 1.0), (1.0, 0.0, 1.0)];
        for b in [
            vec![],
            vec![(0.5, 0.0, 1.0)],
            vec![(0.0, f64::NAN, 1.0), (1.0, f64::NAN, 1.0)],
            vec![(f64::NAN, 0.0, 1.0), (1.0, 0.0, 1.0)],
            vec![(1.0, 0.0, 1.0), (0.0, 0.0, 1.0)],
            vec![(0.0, 0.0, 1.0), (0.0, 0.0, 1.0)],
            vec![(0.0, 0.5, f64::INFINITY), (1.0, 0.5, f64::INFINITY)],
        ] {
            let _ = intersection(&a, &b);
            let _ = intersection(&b, &a);
        }
        assert!(intersection(&a, &[]).is_empty());
        assert!(intersection(&a, &[(0.5, 0.0, 1.0)]).is_empty());
    }
}
