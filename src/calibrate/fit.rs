//! Fitting a distribution to one phase's samples.
//!
//! Candidates: a constant (every sample equal), a uniform over the observed range, and a
//! log-normal by maximum likelihood (mean and standard deviation of the log-samples),
//! written as `{lognormal: {median, p99}}`. With fewer than 5 samples, or a zero among
//! them, the uniform is taken (a log-normal from a handful of points is noise); otherwise
//! whichever of the uniform and the log-normal is closer to the samples in the
//! Kolmogorov–Smirnov distance.

use crate::scenario::distribution::Z99;
use crate::sim::time::{SECOND, Time, from_secs_f64};
use serde_json::{Value, json};

/// Fewer samples than this get a uniform over their range.
const MIN_FOR_LOGNORMAL: usize = 5;

/// A fitted distribution, in the scenario's own terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fitted {
    /// Every sample was this.
    Constant(Time),
    /// Uniform over the observed range.
    Uniform {
        /// Smallest sample.
        min: Time,
        /// Largest sample.
        max: Time,
    },
    /// Log-normal with this median and 99th percentile.
    LogNormal {
        /// `exp(mu)`.
        median: Time,
        /// `exp(mu + 2.326 sigma)`.
        p99: Time,
    },
}

impl Fitted {
    /// Its median.
    pub fn median(&self) -> Time {
        match *self {
            Fitted::Constant(t) => t,
            Fitted::Uniform { min, max } => min + (max - min) / 2,
            Fitted::LogNormal { median, .. } => median,
        }
    }

    /// Its mean, in microseconds (a log-normal's is `median·exp(σ²/2)`).
    pub fn mean(&self) -> f64 {
        match *self {
            Fitted::Constant(t) => t as f64,
            Fitted::Uniform { min, max } => (min as f64 + max as f64) / 2.0,
            Fitted::LogNormal { median, p99 } => {
                let sigma = (p99 as f64 / median as f64).ln() / Z99;
                median as f64 * (sigma * sigma / 2.0).exp()
            }
        }
    }

    /// As a scenario file writes it: `"200ms"`, `{uniform: {min, max}}`, `{lognormal:
    /// {median, p99}}`.
    pub fn to_value(&self) -> Value {
        match *self {
            Fitted::Constant(t) => Value::from(duration(t)),
            Fitted::Uniform { min, max } => {
                json!({"uniform": {"min": duration(min), "max": duration(max)}})
            }
            Fitted::LogNormal { median, p99 } => {
                json!({"lognormal": {"median": duration(median), "p99": duration(p99)}})
            }
        }
    }
}

/// A duration as scenario files write it: `0s`, `35.5ms`, `1.172s`.
pub fn duration(t: Time) -> String {
    let trim = |s: String| s.trim_end_matches('0').trim_end_matches('.').to_string();
    if t == 0 {
        "0s".into()
    } else if t < SECOND {
        format!("{}ms", trim(format!("{:.3}", t as f64 / 1000.0)))
    } else {
        format!("{}s", trim(format!("{:.3}", t as f64 / SECOND as f64)))
    }
}

/// The fit for `samples` (`None` if there are none).
pub fn fit(samples: &[Time]) -> Option<Fitted> {
    let (&min, &max) = (samples.iter().min()?, samples.iter().max()?);
    if min == max {
        return Some(Fitted::Constant(min));
    }
    let uniform = Fitted::Uniform { min, max };
    if samples.len() < MIN_FOR_LOGNORMAL || min == 0 {
        return Some(uniform);
    }
    let logs: Vec<f64> = samples.iter().map(|&t| secs(t).ln()).collect();
    let n = logs.len() as f64;
    let mu = logs.iter().sum::<f64>() / n;
    let sigma = (logs.iter().map(|l| (l - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let lognormal = Fitted::LogNormal {
        median: from_secs_f64(mu.exp()),
        p99: from_secs_f64((mu + Z99 * sigma).exp()),
    };
    let ks_uniform = ks(samples, |x| {
        ((x - secs(min)) / (secs(max) - secs(min))).clamp(0.0, 1.0)
    });
    let ks_lognormal = ks(samples, |x| normal_cdf((x.ln() - mu) / sigma));
    Some(if ks_lognormal < ks_uniform {
        lognormal
    } else {
        uniform
    })
}

fn secs(t: Time) -> f64 {
    t as f64 / SECOND as f64
}

/// The Kolmogorov–Smirnov distance between the samples and a CDF (in seconds).
fn ks(samples: &[Time], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut v: Vec<f64> = samples.iter().map(|&t| secs(t)).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    v.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// The standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, error below 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Dist;
    use crate::sim::{Key, Purpose};

    fn draws(d: &Dist, n: u64) -> Vec<Time> {
        (0..n)
            .map(|i| d.sample(&mut Key::trial(1, i, Purpose::ControlPlane).rng()))
            .collect()
    }

    #[test]
    fn durations_read_back() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(200_000), "200ms");
        assert_eq!(duration(35_500), "35.5ms");
        assert_eq!(duration(1_172_000), "1.172s");
        assert_eq!(duration(2 * SECOND), "2s");
        for t in [1, 35_500, 999_999, 1_172_000, 61_000_000] {
            let parsed = crate::scenario::load_str(
                &format!(
                    "service: {{}}\ncluster: {{control_plane: {{create: {}}}}}",
                    duration(t)
                ),
                "t.yaml",
                crate::scenario::Format::Yaml,
                &[],
            )
            .unwrap();
            let Dist::Constant(got) = parsed
                .cluster
                .control_plane
                .phase(crate::scenario::Phase::Create)
            else {
                panic!()
            };
            assert!(got.abs_diff(t) <= 500, "{t} → {} → {got}", duration(t));
        }
    }

    #[test]
    fn constant_and_few_samples() {
        assert_eq!(fit(&[]), None);
        assert_eq!(fit(&[5, 5, 5]), Some(Fitted::Constant(5)));
        assert_eq!(fit(&[3, 9, 5]), Some(Fitted::Uniform { min: 3, max: 9 }));
    }

    #[test]
    fn the_family_that_fits_wins() {
        let ln = Dist::lognormal_from_quantiles(1_160_000, 1_350_000).unwrap();
        let Some(Fitted::LogNormal { median, p99 }) = fit(&draws(&ln, 400)) else {
            panic!()
        };
        assert!(median.abs_diff(1_160_000) < 15_000, "{median}");
        assert!(p99.abs_diff(1_350_000) < 60_000, "{p99}");
        let u = Dist::Uniform {
            min: 30_000,
            max: 100_000,
        };
        let f = fit(&draws(&u, 400)).unwrap();
        assert!(matches!(f, Fitted::Uniform { .. }), "{f:?}");
        assert!(f.median().abs_diff(65_000) < 3_000);
    }

    #[test]
    fn normal_cdf_is_accurate() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(Z99) - 0.99).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
    }
}
