//! Helpers shared by the statistics tests.

use crate::sim::rng::{Key, KeyedRng, Purpose};

/// `1, 2, …, 10`.
pub fn one_to_ten() -> Vec<f64> {
    (1..=10).map(f64::from).collect()
}

/// Equal to within 1e-12, relative for large values.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// An independent stream for repetition `rep` of a simulation seeded by `seed`.
pub fn stream(seed: u64, rep: u64) -> KeyedRng {
    Key::trial(seed, rep, Purpose::Controller).rng()
}

/// A standard normal draw by the Box–Muller transform (one of the pair is discarded).
pub fn normal(rng: &mut KeyedRng) -> f64 {
    let u1 = 1.0 - rng.unit(); // (0, 1]: ln is finite
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
