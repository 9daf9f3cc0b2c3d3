//! Latency distributions: what a scenario says a duration looks like, and how to draw
//! from it.
//!
//! Every latency in a scenario (pull, start, ready_after, shutdown, …) is a [`Dist`].
//! Draws take a [`KeyedRng`] so the value for a given (trial, slot, version, attempt,
//! purpose) never depends on event order. Results are integer [`Time`]; `never` is
//! [`NEVER`].

use crate::sim::KeyedRng;
use crate::sim::time::{NEVER, SECOND, Time, from_secs_f64};
use rand_distr::Distribution;

/// A latency distribution, validated and ready to sample.
///
/// `repr(u8)`: the variant is a byte of its own rather than a niche in a variant's fields
/// (the `Gamma` parameters' own tag), so [`Dist::draw`]'s test for a constant, made for
/// every latency of every task, is one compare instead of the discriminant's arithmetic.
#[derive(Debug, Clone)]
#[repr(u8)]
pub enum Dist {
    /// Always this long.
    Constant(Time),
    /// Uniform between `min` and `max` (inclusive of `min`).
    Uniform {
        /// Lower bound.
        min: Time,
        /// Upper bound.
        max: Time,
    },
    /// Normal, truncated at 0 (negative draws become 0).
    Normal(rand_distr::Normal<f64>),
    /// Log-normal, parameters in log-seconds.
    LogNormal(rand_distr::LogNormal<f64>),
    /// Exponential with the given rate per second.
    Exponential(rand_distr::Exp<f64>),
    /// Gamma with shape and scale in seconds.
    Gamma(rand_distr::Gamma<f64>),
    /// Weibull with scale in seconds and shape.
    Weibull(rand_distr::Weibull<f64>),
    /// One of these samples, each equally likely.
    Empirical(Vec<Time>),
    /// A weighted mixture: cumulative weights (summing to 1) and their components.
    Mixture(Vec<(f64, Dist)>),
    /// Never happens.
    Never,
}

/// The standard normal quantile at 0.99, for `lognormal: {median, p99}`.
pub const Z99: f64 = 2.326_347_874_040_841;

impl Dist {
    /// Zero: the default for most latencies.
    pub const ZERO: Dist = Dist::Constant(0);

    /// A log-normal with the given median and 99th percentile (both > 0, p99 >= median).
    pub fn lognormal_from_quantiles(median: Time, p99: Time) -> Option<Dist> {
        if median == 0 || p99 < median {
            return None;
        }
        let mu = (median as f64 / SECOND as f64).ln();
        let sigma = ((p99 as f64 / SECOND as f64).ln() - mu) / Z99;
        rand_distr::LogNormal::new(mu, sigma)
            .ok()
            .map(Dist::LogNormal)
    }

    /// Draw one value.
    pub fn sample(&self, rng: &mut KeyedRng) -> Time {
        match self {
            Dist::Constant(t) => *t,
            Dist::Uniform { min, max } => uniform(*min, *max, rng),
            Dist::LogNormal(d) => lognormal(d, rng),
            Dist::Never => NEVER,
            _ => self.sample_rest(rng),
        }
    }

    /// [`Dist::sample`] of the other families, out of line: the families the scenarios
    /// use most then take a small function (a lognormal draw paid a fifth of its
    /// instructions for the frame of this one).
    #[inline(never)]
    fn sample_rest(&self, rng: &mut KeyedRng) -> Time {
        match self {
            Dist::Constant(_) | Dist::Uniform { .. } | Dist::LogNormal(_) | Dist::Never => {
                unreachable!("drawn by `sample`")
            }
            Dist::Normal(d) => from_secs_f64(d.sample(rng)),
            Dist::Exponential(d) => from_secs_f64(d.sample(rng)),
            Dist::Gamma(d) => from_secs_f64(d.sample(rng)),
            Dist::Weibull(d) => from_secs_f64(d.sample(rng)),
            Dist::Empirical(v) => v[rng.below(v.len() as u64) as usize],
            Dist::Mixture(parts) => {
                let u = rng.unit();
                let (_, d) = parts
                    .iter()
                    .find(|(c, _)| u < *c)
                    .unwrap_or(&parts[parts.len() - 1]);
                d.sample(rng)
            }
        }
    }

    /// Draw one value from the stream `rng` builds, building it only if the draw is
    /// random: a constant or `never` latency (the default of most of them) costs no key
    /// hashing. The value is [`Dist::sample`]'s.
    ///
    /// Uniform and log-normal draws, the random latencies the scenarios use most, are
    /// taken here too: through `sample` each paid a call and a second match on the
    /// variant (a uniform draw is a dozen instructions of its own). Always inline: with
    /// the uniform arm the inliner left it out of line, where each call (its caller's
    /// stream hashed inside) cost more than the savings together (a Swarm trial +2.9 %).
    #[inline(always)]
    pub fn draw(&self, rng: impl FnOnce() -> KeyedRng) -> Time {
        match self {
            Dist::Constant(t) => *t,
            Dist::Never => NEVER,
            Dist::Uniform { min, max } => uniform(*min, *max, &mut rng()),
            Dist::LogNormal(d) => lognormal(d, &mut rng()),
            _ => self.sample(&mut rng()),
        }
    }

    /// The value of every draw, when it is fixed (a constant or `never`, which take
    /// nothing from their stream): a value worked out from it may be kept rather than
    /// drawn again.
    pub fn fixed(&self) -> Option<Time> {
        match self {
            Dist::Constant(t) => Some(*t),
            Dist::Never => Some(NEVER),
            _ => None,
        }
    }

    /// `true` if every draw is exactly zero (lets the model skip a state without an event).
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Constant(0))
    }

    /// `true` if it never happens.
    pub fn is_never(&self) -> bool {
        matches!(self, Dist::Never)
    }
}

/// A uniform draw between `min` and `max` (inclusive of `min`).
#[inline(always)]
fn uniform(min: Time, max: Time, rng: &mut KeyedRng) -> Time {
    if max <= min {
        min
    } else {
        min + rng.below(max - min + 1)
    }
}

/// A log-normal draw, in whole time units.
#[inline(always)]
fn lognormal(d: &rand_distr::LogNormal<f64>, rng: &mut KeyedRng) -> Time {
    from_secs_f64(d.sample(rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Key, Purpose};

    fn rng(i: u32) -> KeyedRng {
        Key {
            seed: 9,
            trial: 0,
            slot: i,
            version: 0,
            attempt: 0,
            purpose: Purpose::Start,
        }
        .rng()
    }

    fn quantile(mut v: Vec<Time>, q: f64) -> f64 {
        v.sort_unstable();
        v[((v.len() - 1) as f64 * q) as usize] as f64 / SECOND as f64
    }

    #[test]
    fn lognormal_quantiles_match_the_parameters() {
        let d = Dist::lognormal_from_quantiles(3 * SECOND, 20 * SECOND).unwrap();
        let v: Vec<Time> = (0..50_000).map(|i| d.sample(&mut rng(i))).collect();
        let (p50, p99) = (quantile(v.clone(), 0.5), quantile(v, 0.99));
        assert!((p50 - 3.0).abs() < 0.1, "p50 {p50}");
        assert!((p99 - 20.0).abs() < 1.5, "p99 {p99}");
    }

    #[test]
    fn uniform_stays_in_bounds_and_constant_is_exact() {
        let d = Dist::Uniform {
            min: SECOND,
            max: 4 * SECOND,
        };
        for i in 0..1000 {
            let x = d.sample(&mut rng(i));
            assert!((SECOND..=4 * SECOND).contains(&x));
        }
        assert_eq!(Dist::Constant(7).sample(&mut rng(0)), 7);
        assert_eq!(Dist::Never.sample(&mut rng(0)), NEVER);
        // `draw` gives `sample`'s value and builds no stream when none is needed.
        assert_eq!(Dist::Constant(7).draw(|| unreachable!()), 7);
        assert_eq!(Dist::Never.draw(|| unreachable!()), NEVER);
        assert_eq!(d.draw(|| rng(3)), d.sample(&mut rng(3)));
        // `fixed` is every draw's value exactly when the draw needs no stream.
        assert_eq!(Dist::Constant(7).fixed(), Some(7));
        assert_eq!(Dist::Never.fixed(), Some(NEVER));
        assert_eq!(d.fixed(), None);
    }

    #[test]
    fn mixture_picks_components_by_weight() {
        let d = Dist::Mixture(vec![(0.25, Dist::Constant(1)), (1.0, Dist::Constant(2))]);
        let ones = (0..40_000).filter(|&i| d.sample(&mut rng(i)) == 1).count();
        assert!((ones as f64 / 40_000.0 - 0.25).abs() < 0.01, "{ones}");
    }
}
