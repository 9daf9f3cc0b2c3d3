//! Separating the engine's latency from the application's in one phase's samples
//! (`calibrate --scenario`).
//!
//! Each sample is `X = E + A`: the engine's part `E` (what is fitted) plus the
//! application's part `A`, independent of it, whose mean `μ` and variance `σ²` the
//! scenario gives ([`super::app`]). The rules, in order:
//!
//! 1. **Exact.** Samples whose `A` is a constant (`σ² = 0`: nothing, a cached image, a
//!    constant `start`) give `E = X − μ` exactly. If there are at least 5 of them (or
//!    nothing else), the phase is fitted on those residuals as without a scenario, and the
//!    samples with a random `A` are left out: they would only add noise.
//! 2. **Moments.** Otherwise every sample is used through its residual `R = X − μ`. For
//!    independent parts means and variances add, so `mean(R)` estimates `E`'s mean
//!    without bias and `var(R) − mean(σ²)` its variance. Nothing finer is claimed: a
//!    deconvolution of the shape from a few hundred samples is not trustworthy.
//!    - The estimate's standard error is `se = sd(R)/√n`. **The phase cannot be separated**
//!      when the 95% interval is wider than half the estimate, `1.96·se > mean(R)/2`
//!      (i.e. `mean(R) < 3.92·se`): the engine's part is small against the application's
//!      spread. It is then written as the constant `max(0, mean(R))` with a warning.
//!    - Otherwise the engine's spread counts only if the variance left is significant,
//!      `var(R) − mean(σ²) > 2·se(var(R))` with `se(var) = √((m₄ − s⁴)/n)` from the
//!      residuals' fourth central moment: then a log-normal with that mean and variance,
//!      else the constant `mean(R)`.

use super::app::Moments;
use super::fit::{self, Fitted};
use crate::output::human_text::counted;
use crate::scenario::distribution::Z99;
use crate::sim::time::{SECOND, Time, from_secs_f64};

/// Exact residuals needed before samples with a random part are dropped.
const ENOUGH_EXACT: usize = 5;
/// `mean < SEPARABLE·se` cannot be separated (95% half-width above half the estimate).
const SEPARABLE: f64 = 2.0 * 1.96;

/// The engine's part of one phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Separated {
    /// The fit (`None` without samples).
    pub fitted: Option<Fitted>,
    /// How it was obtained, for the output's comment.
    pub how: String,
    /// Set when the engine's part cannot be told from the application's.
    pub warning: Option<String>,
}

/// The engine's part of `samples` (each a latency and the application's part in it).
pub fn separate(samples: &[(Time, Moments)]) -> Separated {
    let exact: Vec<Time> = samples
        .iter()
        .filter(|(_, a)| a.var == 0.0)
        .map(|&(x, a)| residual(x, a.mean))
        .collect();
    if exact.len() >= ENOUGH_EXACT || exact.len() == samples.len() {
        let random = samples.len() - exact.len();
        let how = if samples.iter().all(|(_, a)| a.mean == 0.0) {
            "engine only".to_string()
        } else if random == 0 {
            "application's constant part subtracted".to_string()
        } else {
            format!(
                "exact residuals; {} with a random application part left out",
                counted(random, "sample")
            )
        };
        return Separated {
            fitted: fit::fit(&exact),
            how,
            warning: None,
        };
    }
    by_moments(samples)
}

fn by_moments(samples: &[(Time, Moments)]) -> Separated {
    let n = samples.len() as f64;
    let r: Vec<f64> = samples.iter().map(|&(x, a)| x as f64 - a.mean).collect();
    let mean = r.iter().sum::<f64>() / n;
    let central = |k: i32| r.iter().map(|v| (v - mean).powi(k)).sum::<f64>();
    let var = central(2) / (n - 1.0).max(1.0);
    let app_var = samples.iter().map(|(_, a)| a.var).sum::<f64>() / n;
    let se = (var / n).sqrt();
    let secs = |us: f64| us / SECOND as f64;
    let estimate = format!(
        "engine mean {:.3} s ± {:.3} s (95%), from {} minus the application's mean",
        secs(mean),
        secs(1.96 * se),
        counted(samples.len(), "sample")
    );
    if samples.len() < 2 || mean < SEPARABLE * se {
        return Separated {
            fitted: Some(Fitted::Constant(from_secs_f64(secs(mean.max(0.0))))),
            how: estimate.clone(),
            warning: Some(format!(
                "cannot be separated from the application's own latency (its sd {:.3} s): \
                 {estimate}; written as the constant max(0, mean). Record with a constant \
                 application part (cached image, constant start) or more rollouts",
                secs(app_var.sqrt())
            )),
        };
    }
    let engine_var = var - app_var;
    let se_var = ((central(4) / n - var * var).max(0.0) / n).sqrt();
    let fitted = if engine_var > 2.0 * se_var {
        lognormal_by_moments(mean, engine_var)
    } else {
        Fitted::Constant(from_secs_f64(secs(mean)))
    };
    Separated {
        fitted: Some(fitted),
        how: estimate,
        warning: None,
    }
}

/// The log-normal with mean `m` and variance `v` (µs, µs²).
fn lognormal_by_moments(m: f64, v: f64) -> Fitted {
    let sigma2 = (1.0 + v / (m * m)).ln();
    let mu = (m / SECOND as f64).ln() - sigma2 / 2.0;
    Fitted::LogNormal {
        median: from_secs_f64(mu.exp()),
        p99: from_secs_f64((mu + Z99 * sigma2.sqrt()).exp()),
    }
}

/// `x − mean`, rounded, never negative.
fn residual(x: Time, mean: f64) -> Time {
    (x as f64 - mean).round().max(0.0) as Time
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Dist;
    use crate::sim::{Key, Purpose};

    fn draws(d: &Dist, n: u64, seed: u64) -> Vec<Time> {
        (0..n)
            .map(|i| d.sample(&mut Key::trial(seed, i, Purpose::Start).rng()))
            .collect()
    }

    #[test]
    fn constant_parts_subtract_exactly() {
        let a = Moments {
            mean: 1e6,
            var: 0.0,
        };
        let s: Vec<_> = [1_200_000, 1_300_000, 1_250_000]
            .iter()
            .map(|&x| (x, a))
            .collect();
        let r = separate(&s);
        assert_eq!(
            r.fitted,
            Some(Fitted::Uniform {
                min: 200_000,
                max: 300_000
            })
        );
        assert_eq!(r.warning, None);
    }

    #[test]
    fn a_random_part_leaves_the_engine_mean() {
        // E = 0.43 s constant, A uniform on [0.5 s, 2 s] (mean 1.25 s, sd 0.433 s), n = 600:
        // se = 0.433/√600 = 0.018 s; separable (0.43 > 3.92·0.018), spread not significant.
        let u = Dist::Uniform {
            min: 500_000,
            max: 2 * SECOND,
        };
        let a = Moments {
            mean: 1.25e6,
            var: 0.433e6 * 0.433e6,
        };
        let s: Vec<_> = draws(&u, 600, 1)
            .into_iter()
            .map(|x| (x + 430_000, a))
            .collect();
        let r = separate(&s);
        assert_eq!(r.warning, None, "{r:?}");
        let Some(Fitted::Constant(m)) = r.fitted else {
            panic!("{r:?}")
        };
        assert!(m.abs_diff(430_000) < 3 * 18_000, "{m}");
        // E = 0: cannot be separated, written as about 0, with a warning.
        let s: Vec<_> = draws(&u, 600, 2).into_iter().map(|x| (x, a)).collect();
        let r = separate(&s);
        assert!(r.warning.is_some());
        let Some(Fitted::Constant(m)) = r.fitted else {
            panic!("{r:?}")
        };
        assert!(m < 3 * 18_000, "{m}");
    }

    #[test]
    fn a_significant_engine_spread_is_kept() {
        // E log-normal (median 1 s, p99 3 s: sd ≈ 0.55 s), A uniform [0, 0.2 s].
        let e = Dist::lognormal_from_quantiles(SECOND, 3 * SECOND).unwrap();
        let u = Dist::Uniform {
            min: 0,
            max: 200_000,
        };
        let a = Moments {
            mean: 100_000.0,
            var: 200_000f64.powi(2) / 12.0,
        };
        let s: Vec<_> = draws(&e, 2000, 3)
            .into_iter()
            .zip(draws(&u, 2000, 4))
            .map(|(x, y)| (x + y, a))
            .collect();
        let r = separate(&s);
        let Some(Fitted::LogNormal { median, p99 }) = r.fitted else {
            panic!("{r:?}")
        };
        assert!(median.abs_diff(SECOND) < 60_000, "{median}");
        assert!(p99.abs_diff(3 * SECOND) < 400_000, "{p99}");
    }
}
