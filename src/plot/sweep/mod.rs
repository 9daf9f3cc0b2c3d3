//! Charts of a sweep (one run per grid point): a heatmap over two parameters, lines with
//! interval bars over one, and every point's duration against availability, the sweep's
//! Pareto front ringed.
//!
//! They take plain data, one entry per grid point, so the sweep command only has to fill
//! them; nothing here knows how the grid was run.
//!
//! One file a chart: [`heatmap`], [`lines`] (interval lines), [`pareto`].

mod heatmap;
mod lines;
mod pareto;

pub use heatmap::Heatmap;
pub use lines::{IntervalLines, IntervalSeries};
pub use pareto::{Pareto, ParetoPoint, two_axis_front};

#[cfg(test)]
mod tests;
