//! Where to put the text beside scattered points so no two labels overlap.
//!
//! Two settings of a sweep often land a pixel apart (the same rollout time and service at
//! two error rates), and labels all put at the same corner of their points then print on
//! top of each other. [`place`] tries a few positions around each point, nearest first, and
//! keeps the first whose box meets no label already placed. It is greedy and deterministic
//! (points in the order given, positions in a fixed order): the same points always get the
//! same labels, so the chart's bytes stay reproducible.
//!
//! Labels end to end and lines drawn on the plot (a trade-off line, the leader lines of
//! labels already placed) are avoided too, but only between the positions of one ring: a
//! label sits next to its point on a line (which its backdrop then hides) rather than
//! farther away without one.

/// A rectangle in pixels; `right` and `bottom` are exclusive, so boxes that only touch do
/// not overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PixelBox {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl PixelBox {
    /// The area two boxes share, pixels² (0 when they only touch or are apart).
    fn overlap(&self, o: &PixelBox) -> i64 {
        let w = i64::from(self.right.min(o.right)) - i64::from(self.left.max(o.left));
        let h = i64::from(self.bottom.min(o.bottom)) - i64::from(self.top.max(o.top));
        w.max(0) * h.max(0)
    }

    /// The box with [`APART`] pixels more on its left and right, one above and below: the
    /// room a label keeps from another so that two do not read as one.
    fn around(&self) -> PixelBox {
        PixelBox {
            left: self.left.saturating_sub(APART),
            top: self.top.saturating_sub(1),
            right: self.right.saturating_add(APART),
            bottom: self.bottom.saturating_add(1),
        }
    }

    /// Whether `self` lies wholly inside `o`.
    fn inside(&self, o: &PixelBox) -> bool {
        self.left >= o.left && self.top >= o.top && self.right <= o.right && self.bottom <= o.bottom
    }

    /// Whether the segment from `a` to `b` passes through the box (Liang–Barsky clipping).
    fn crossed_by(&self, (a, b): Segment) -> bool {
        let (x0, y0) = (f64::from(a.0), f64::from(a.1));
        let (dx, dy) = (f64::from(b.0) - x0, f64::from(b.1) - y0);
        let (left, top) = (f64::from(self.left), f64::from(self.top));
        let (right, bottom) = (f64::from(self.right - 1), f64::from(self.bottom - 1));
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, x0 - left),
            (dx, right - x0),
            (-dy, y0 - top),
            (dy, bottom - y0),
        ] {
            if p == 0.0 {
                // Parallel to this edge: inside its half-plane or never.
                if q < 0.0 {
                    return false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
                if t0 > t1 {
                    return false;
                }
            }
        }
        true
    }

    /// The point of the box nearest to `(x, y)`: where a leader line from the point meets it.
    pub(super) fn nearest(&self, (x, y): (i32, i32)) -> (i32, i32) {
        (
            x.clamp(self.left, (self.right - 1).max(self.left)),
            y.clamp(self.top, (self.bottom - 1).max(self.top)),
        )
    }
}

/// A straight line on the plot, from one pixel to another.
pub(super) type Segment = ((i32, i32), (i32, i32));

/// A point to label: its centre, the radius of its marker and its label's size, pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Mark {
    pub at: (i32, i32),
    pub radius: i32,
    pub size: (i32, i32),
}

/// Farthest a coordinate is taken from the origin, and largest radius or label side,
/// pixels: far beyond any chart, small enough that no sum below can overflow (a value
/// mapped from an extreme number saturates at `i32::MAX`).
const FAR: i32 = 1 << 24;
const LARGE: i32 = 1 << 16;

impl Mark {
    /// `self` with every number cut to [`FAR`] and [`LARGE`].
    fn sane(&self) -> Mark {
        let side = |v: i32| v.clamp(0, LARGE);
        Mark {
            at: (self.at.0.clamp(-FAR, FAR), self.at.1.clamp(-FAR, FAR)),
            radius: side(self.radius),
            size: (side(self.size.0), side(self.size.1)),
        }
    }

    /// How far box `b` is from the marker's edge, pixels (negative when over it).
    fn gap_to(&self, b: &PixelBox) -> f64 {
        let (nx, ny) = b.nearest(self.at);
        let (dx, dy) = (f64::from(nx - self.at.0), f64::from(ny - self.at.1));
        dx.hypot(dy) - f64::from(self.radius)
    }

    /// The marker's own bounding box (other labels should not cover it).
    fn marker(&self) -> PixelBox {
        let (x, y) = self.at;
        PixelBox {
            left: x - self.radius,
            top: y - self.radius,
            right: x + self.radius + 1,
            bottom: y + self.radius + 1,
        }
    }
}

/// Pixels between a marker's edge and its label.
const GAP: i32 = 3;

/// Pixels a label keeps, where it can, from the ends of another on its line.
const APART: i32 = 6;

/// Rings of positions tried around a point, each a label's height plus [`GAP`] further out.
const RINGS: i32 = 5;

/// Directions from the point, in the order tried: above right first (where a single label
/// reads best, clear of the axis below), then the other corners, then the sides.
const DIRECTIONS: [(i32, i32); 8] = [
    (1, -1),
    (1, 1),
    (-1, -1),
    (-1, 1),
    (1, 0),
    (-1, 0),
    (0, -1),
    (0, 1),
];

/// Label `m`'s box (`m` [`Mark::sane`]) at ring `ring`, in direction `(dx, dy)`.
fn candidate(m: &Mark, ring: i32, (dx, dy): (i32, i32)) -> PixelBox {
    let (x, y) = m.at;
    let (w, h) = m.size;
    let d = m.radius + GAP + ring * (h + GAP);
    let left = match dx {
        1 => x + d,
        -1 => x - d - w,
        _ => x - w / 2,
    };
    let top = match dy {
        -1 => y - d - h,
        1 => y + d,
        _ => y - h / 2,
    };
    PixelBox {
        left,
        top,
        right: left + w,
        bottom: top + h,
    }
}

/// The line tying label box `b` to mark `m`'s marker, when `b` sits beyond the first ring
/// (pushed out by other labels, it may stand nearer another point than its own); `None`
/// when it is right beside the marker.
pub(super) fn leader(m: &Mark, b: &PixelBox) -> Option<Segment> {
    let m = m.sane();
    let edge = b.nearest(m.at);
    let far = (edge.0 - m.at.0).abs().max((edge.1 - m.at.1).abs());
    // The first ring's boxes are `radius + GAP` away (one pixel more to a box's exclusive
    // edge), the second's a label's height further: half a height tells them apart.
    (far > m.radius + GAP + m.size.1 / 2).then_some((m.at, edge))
}

/// Where a label goes, and the line that ties it to its point when it needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Label {
    /// The text's box.
    pub text: PixelBox,
    /// From the point to the box: the label was pushed out ([`leader`]), or it stands
    /// nearer another point's marker than its own and would name the wrong one.
    pub leader: Option<Segment>,
}

/// A box for each mark's label, in the marks' order, inside `bounds` when it can be.
///
/// Each label takes the first position (nearest ring first, [`DIRECTIONS`] order within a
/// ring) that overlaps no label placed before it, lies inside `bounds`, is nearer its own
/// marker than any other (a label beside two points would name the wrong one as well) and
/// covers no other marker, in that order of importance: a label may leave the plot or sit
/// ambiguously before it hides another label. Only when every position meets a label does
/// it take the one that overlaps least. Then it keeps [`APART`] pixels from the ends of the
/// labels beside it where it can (two labels end to end read as one), takes the nearest
/// ring left, and in it a position crossed by the fewest of `lines` and of the leader
/// lines of the labels placed before it. O(n² · positions).
pub(super) fn place(marks: &[Mark], bounds: PixelBox, lines: &[Segment]) -> Vec<Label> {
    let marks: Vec<Mark> = marks.iter().map(Mark::sane).collect();
    let mut placed: Vec<Label> = Vec::with_capacity(marks.len());
    let mut lines: Vec<Segment> = lines.to_vec();
    for (i, m) in marks.iter().enumerate() {
        let others = || marks.iter().enumerate().filter(|&(j, _)| j != i);
        let nearer_another = |b: &PixelBox| {
            let own = m.gap_to(b);
            others().any(|(_, o)| o.gap_to(b) < own)
        };
        let cost = |(ring, b): &(i32, PixelBox)| {
            let on_labels: i64 = placed.iter().map(|p| p.text.overlap(b)).sum();
            let close: i64 = placed.iter().map(|p| p.text.overlap(&b.around())).sum();
            let on_markers = others().any(|(_, o)| o.marker().overlap(b) > 0);
            let on_lines = lines.iter().filter(|&&l| b.crossed_by(l)).count();
            (
                on_labels,
                !b.inside(&bounds),
                nearer_another(b),
                on_markers,
                close,
                *ring,
                on_lines,
            )
        };
        let best = (0..RINGS)
            .flat_map(|ring| DIRECTIONS.iter().map(move |&d| (ring, d)))
            .map(|(ring, d)| (ring, candidate(m, ring, d)))
            // The first of the cheapest: `min_by_key` keeps the earliest of equal costs.
            .min_by_key(cost)
            .map_or_else(|| candidate(m, 0, DIRECTIONS[0]), |(_, b)| b);
        let tie =
            leader(m, &best).or_else(|| nearer_another(&best).then(|| (m.at, best.nearest(m.at))));
        lines.extend(tie);
        placed.push(Label {
            text: best,
            leader: tie,
        });
    }
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: PixelBox = PixelBox {
        left: 0,
        top: 0,
        right: 600,
        bottom: 400,
    };

    fn mark(x: i32, y: i32, radius: i32, w: i32) -> Mark {
        Mark {
            at: (x, y),
            radius,
            size: (w, 14),
        }
    }

    /// The labels' boxes alone.
    fn texts(marks: &[Mark], bounds: PixelBox, lines: &[Segment]) -> Vec<PixelBox> {
        place(marks, bounds, lines).iter().map(|l| l.text).collect()
    }

    fn assert_apart(boxes: &[PixelBox]) {
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert_eq!(a.overlap(b), 0, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn a_lone_label_sits_above_right_of_its_point() {
        let b = texts(&[mark(100, 100, 5, 60)], BOUNDS, &[]);
        assert_eq!(
            b,
            [PixelBox {
                left: 108,
                top: 78,
                right: 168,
                bottom: 92
            }]
        );
    }

    #[test]
    fn labels_of_close_points_never_overlap() {
        // The sweep's case: two settings a pixel apart, then tight clusters up to eight
        // points on one pixel, with markers of several sizes.
        assert_apart(&texts(
            &[mark(300, 200, 4, 70), mark(301, 201, 4, 70)],
            BOUNDS,
            &[],
        ));
        for n in 2..=8 {
            let marks: Vec<Mark> = (0..n)
                .map(|k| mark(300 + k % 3, 200 - k % 2, 4 + 2 * (k % 4), 60 + 7 * k))
                .collect();
            let boxes = texts(&marks, BOUNDS, &[]);
            assert_eq!(boxes.len(), marks.len());
            assert_apart(&boxes);
            assert!(boxes.iter().all(|b| b.inside(&BOUNDS)), "{boxes:?}");
        }
    }

    #[test]
    fn a_label_pushed_aside_stays_nearer_its_own_point() {
        // Two points side by side: the second's usual corner is taken by the first's label,
        // and its mirror corner would sit over the first point.
        let marks = [mark(100, 380, 16, 40), mark(124, 380, 16, 40)];
        let boxes = texts(&marks, BOUNDS, &[]);
        assert_apart(&boxes);
        for (i, b) in boxes.iter().enumerate() {
            let other = &marks[1 - i];
            assert!(marks[i].gap_to(b) <= other.gap_to(b), "{i}: {b:?}");
        }
    }

    #[test]
    fn labels_stay_inside_the_plot_when_they_can() {
        // A point at the right edge: its label goes to the left.
        let b = texts(&[mark(595, 200, 4, 80)], BOUNDS, &[])[0];
        assert!(b.inside(&BOUNDS) && b.right <= 595, "{b:?}");
    }

    #[test]
    fn degenerate_input_gives_a_box_per_mark_and_no_panic() {
        assert!(texts(&[], BOUNDS, &[]).is_empty());
        let empty = PixelBox {
            left: 0,
            top: 0,
            right: 0,
            bottom: 0,
        };
        let m = Mark {
            at: (i32::MIN / 4, i32::MAX / 4),
            radius: 0,
            size: (-5, 0),
        };
        assert_eq!(texts(&[m, m], empty, &[]).len(), 2);
    }

    #[test]
    fn only_a_label_pushed_out_or_nearer_another_point_gets_a_leader_line() {
        let marks = [mark(300, 200, 4, 70), mark(300, 200, 4, 70)];
        let labels = place(&marks, BOUNDS, &[]);
        assert_eq!(
            labels.iter().map(|l| l.leader).collect::<Vec<_>>(),
            [None, None]
        );
        // Room only right of the second point: the first's label stands nearer the second
        // point, and a line says whose it is.
        let marks = [mark(100, 100, 4, 40), mark(112, 100, 4, 40)];
        let room = PixelBox {
            left: 118,
            ..BOUNDS
        };
        let labels = place(&marks, room, &[]);
        assert!(labels[0].text.inside(&room), "{labels:?}");
        let tie = labels[0].leader.expect("tied to its point");
        assert_eq!(tie, ((100, 100), labels[0].text.nearest((100, 100))));
        assert_eq!(labels[1].leader, None);
        for ring in 0..RINGS {
            for d in DIRECTIONS {
                let b = candidate(&marks[0], ring, d);
                assert_eq!(leader(&marks[0], &b).is_some(), ring > 0, "{ring} {d:?}");
            }
        }
    }

    #[test]
    fn a_label_turns_off_a_line_but_is_not_pushed_away_by_one() {
        // A dashed line rising through the point's usual corner (above right): the label
        // takes another corner of the same ring.
        let m = mark(100, 100, 5, 60);
        let line = ((100, 100), (200, 40));
        let b = texts(&[m], BOUNDS, &[line])[0];
        assert!(!b.crossed_by(line), "{b:?}");
        assert_eq!(leader(&m, &b), None, "still beside its point: {b:?}");
        // Lines through every corner and side: it stays in the first ring, crossed.
        let star: Vec<Segment> = DIRECTIONS
            .iter()
            .map(|&(dx, dy)| ((100, 100), (100 + 200 * dx, 100 + 200 * dy)))
            .collect();
        let b = texts(&[m], BOUNDS, &star)[0];
        assert_eq!(b, candidate(&m, 0, DIRECTIONS[0]));
    }

    #[test]
    fn a_leader_line_is_avoided_by_the_labels_after_it() {
        // Nine points on one pixel: the last labels are pushed out, tied by leader lines.
        // A point below them would put its label above right, where one of those lines
        // runs: it takes another position of the same ring.
        let mut marks: Vec<Mark> = (0..9).map(|_| mark(300, 200, 4, 70)).collect();
        let c = mark(287, 241, 3, 30);
        marks.push(c);
        let labels = place(&marks, BOUNDS, &[]);
        let boxes: Vec<PixelBox> = labels.iter().map(|l| l.text).collect();
        let leaders: Vec<Segment> = labels[..9].iter().filter_map(|l| l.leader).collect();
        let usual = candidate(&c, 0, DIRECTIONS[0]);
        assert!(leaders.iter().any(|&l| usual.crossed_by(l)));
        assert!(
            boxes[..9].iter().all(|b| b.overlap(&usual) == 0),
            "free but for the line"
        );
        assert!(
            leaders.iter().all(|&l| !boxes[9].crossed_by(l)),
            "{:?}",
            boxes[9]
        );
        assert_eq!(labels[9].leader, None, "still beside its point");
    }

    #[test]
    fn a_segment_crosses_a_box_only_through_it() {
        let b = PixelBox {
            left: 10,
            top: 10,
            right: 20,
            bottom: 20,
        };
        assert!(b.crossed_by(((0, 15), (30, 15))));
        assert!(b.crossed_by(((15, 15), (15, 16))), "wholly inside");
        assert!(b.crossed_by(((0, 0), (30, 30))), "diagonal");
        assert!(!b.crossed_by(((0, 0), (30, 5))), "above");
        assert!(!b.crossed_by(((0, 15), (9, 15))), "stops short");
        assert!(!b.crossed_by(((0, 15), (15, 0))), "passes the corner");
        assert!(!b.crossed_by(((5, 5), (5, 5))), "a point outside");
    }

    #[test]
    fn the_nearest_point_of_a_box_is_on_it() {
        let b = PixelBox {
            left: 10,
            top: 10,
            right: 20,
            bottom: 20,
        };
        assert_eq!(b.nearest((0, 15)), (10, 15));
        assert_eq!(b.nearest((30, 30)), (19, 19));
        assert_eq!(b.nearest((15, 15)), (15, 15));
    }
}
