//! Sweeps: the Cartesian grid over swept fields, the best point under constraints, and
//! the Pareto front.
//!
//! Every point runs the same trial indices on the same seed (see
//! [`Experiment`](crate::experiment::Experiment)), so the differences between points are
//! the parameters' effect, not luck.

use super::objective::Objective;
use crate::check::Assertion;
use crate::output::Summary;
use crate::scenario::{Override, SetBy, SweepAxis, SweepValue};

/// The grid: every combination of one value per axis, the last axis changing fastest.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The swept fields.
    pub axes: Vec<SweepAxis>,
}

impl Grid {
    /// Number of points (1 for no axis: the scenario as written).
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Whether the grid has no point (an axis without values).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `i`'s value of every axis.
    pub fn point(&self, mut i: usize) -> Vec<&SweepValue> {
        let mut out = vec![&self.axes[0].values[0]; self.axes.len()];
        for (k, axis) in self.axes.iter().enumerate().rev() {
            out[k] = &axis.values[i % axis.values.len()];
            i /= axis.values.len();
        }
        out
    }

    /// Point `i` as `--set` overrides.
    pub fn overrides(&self, i: usize) -> Vec<Override> {
        self.axes
            .iter()
            .zip(self.point(i))
            .map(|(a, v)| Override {
                path: a.path.clone(),
                value: v.text.clone(),
                set_by: SetBy::Sweep,
            })
            .collect()
    }
}

/// `V1,V2,…` of `--set PATH=V1,V2,…`, split at the commas outside brackets and quotes (so
/// a value may be a YAML map: `{uniform: {min: 1s, max: 2s}}`).
pub fn split_values(text: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quote) = (Vec::new(), String::new(), 0i32, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// The point that meets every constraint with the best objective (the first in grid
/// order on a tie), or `None` when no point meets them.
pub fn best(points: &[Summary], objective: &Objective, constraints: &[Assertion]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, s) in points.iter().enumerate() {
        if !constraints.iter().all(|c| c.holds(s)) {
            continue;
        }
        let Some(x) = objective.metric.of(s) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((_, b)) if objective.maximize => x > b,
            Some((_, b)) => x < b,
        };
        if better {
            best = Some((i, x));
        }
    }
    best.map(|(i, _)| i)
}

/// The axes of the Pareto front: rollout time (`duration_s.p95`, lower), service kept
/// (`availability.p01`, higher, when every point has traffic; else `min_ready.min`,
/// higher) and surge cost (`peak_tasks.max`, lower).
pub fn front_axes(points: &[Summary]) -> Vec<Objective> {
    let parse = |s: &str| s.parse::<Objective>().expect("a known metric");
    let availability = parse("max:availability.p01");
    let service = if points.iter().all(|p| availability.metric.of(p).is_some()) {
        availability
    } else {
        parse("max:min_ready.min")
    };
    vec![parse("duration_s.p95"), service, parse("peak_tasks.max")]
}

/// The points no other point beats on every axis of `axes` and strictly on one, in grid
/// order.
pub fn pareto(points: &[Summary], axes: &[Objective]) -> Vec<usize> {
    let score = |s: &Summary| -> Option<Vec<f64>> {
        axes.iter()
            .map(|a| a.metric.of(s).map(|x| if a.maximize { -x } else { x }))
            .collect()
    };
    let scores: Vec<Option<Vec<f64>>> = points.iter().map(score).collect();
    let dominates = |a: &[f64], b: &[f64]| {
        a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
    };
    (0..points.len())
        .filter(|&i| {
            let Some(me) = &scores[i] else { return false };
            !scores.iter().flatten().any(|other| dominates(other, me))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas_only() {
        assert_eq!(split_values("1, 2,4"), ["1", "2", "4"]);
        assert_eq!(
            split_values("{uniform: {min: 1s, max: 2s}},3s"),
            ["{uniform: {min: 1s, max: 2s}}", "3s"]
        );
        assert_eq!(split_values("'a,b',c"), ["'a,b'", "c"]);
    }

    #[test]
    fn the_grid_is_the_cartesian_product_last_axis_fastest() {
        let axis = |p: &str, v: &[&str]| SweepAxis {
            path: p.into(),
            values: v.iter().map(|x| SweepValue::text(x)).collect(),
        };
        let g = Grid {
            axes: vec![axis("a", &["1", "2"]), axis("b", &["x", "y", "z"])],
        };
        assert_eq!(g.len(), 6);
        let shown: Vec<String> = (0..6)
            .map(|i| {
                g.point(i)
                    .iter()
                    .map(|v| v.shown.as_str())
                    .collect::<Vec<_>>()
                    .join("")
            })
            .collect();
        assert_eq!(shown, ["1x", "1y", "1z", "2x", "2y", "2z"]);
    }
}
