//! A Kayenta-style judge: each metric of the canary is classified against the stable
//! version by a Mann-Whitney test, the score is the share of passing metrics, and the
//! score becomes a measurement phase as Argo's Kayenta provider makes it.
//!
//! Sources, `spinnaker/kayenta@a69573b` (v2.46.0), `kayenta-judge/src/main/scala/com/netflix/kayenta/judge/`:
//! `NetflixACAJudge.scala` (defaults; the classifier runs with tolerance 0.25 and 98%
//! confidence), `classifiers/metric/MannWhitneyClassifier.scala` (`classify`, `compare`),
//! `stats/EffectSizes.scala` (`meanRatio`, `cles`), `scorers/WeightedSumScorer.scala`
//! (score, critical failures, the 50% no-data rule); and
//! `argoproj/argo-rollouts:metricproviders/kayenta/kayenta.go:evaluateResult` (score ≥
//! pass ⇒ Successful, ≥ marginal ⇒ Inconclusive, else Failed; the score truncated to an
//! integer).
//!
//! **Samples.** A judgement at `t` splits `[t − window, t)` into `window / step`
//! sub-windows; each gives one point per metric and side (the canary's and the stable
//! version's error rate, p99, … over that sub-window), like a metric series queried at
//! `step` resolution. A sub-window without requests gives NaN (removed by default).
//!
//! **One departure from Kayenta**, on purpose: when 50% or more of the metrics have no
//! data (`Nodata`), Kayenta forces the score to 0, which Argo turns into Failed — a
//! rollout would be aborted for lack of traffic. Here that judgement is **Inconclusive**
//! (the rollout pauses): no data is neither a pass nor evidence of a bad release. A
//! critical metric without data still fails the canary, as in Kayenta.

use super::mannwhitney::{Z_98, shift, u_statistic};
use super::run::{Measure, Phase};
use super::spec::{Direction, EffectMeasure, JudgeMetric, JudgeSpec, NanStrategy, Role};
use crate::sim::time::Time;
use crate::sim::{Key, KeyedRng, Purpose};
use crate::traffic::window::Reporter;

/// `NetflixACAJudge.scala`: `new MannWhitneyClassifier(tolerance = 0.25, …)`.
pub const TOLERANCE: f64 = 0.25;
/// `WeightedSumScorer.NODATA_THRESHOLD`, percent.
pub const NODATA_THRESHOLD: f64 = 50.0;

/// A metric's classification (`MetricClassificationLabel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Within tolerance.
    Pass,
    /// The canary is higher.
    High,
    /// The canary is lower.
    Low,
    /// A side had no data.
    Nodata,
    /// A side had no data and `mustHaveData` is set.
    NodataFailMetric,
}

/// One metric's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    /// The label.
    pub class: Class,
    /// A critical metric that did not pass: the score is 0.
    pub critical: bool,
}

/// A whole judgement.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// 0–100, rounded to 2 decimals (`WeightedSumScorer.calculateSummaryScore`).
    pub score: f64,
    /// Per metric, in spec order.
    pub metrics: Vec<Classification>,
    /// 50% or more of the metrics had no data.
    pub too_little_data: bool,
    /// A critical metric did not pass.
    pub critical_failure: bool,
}

impl Verdict {
    /// The measurement's phase under `spec`'s thresholds.
    pub fn phase(&self, spec: &JudgeSpec) -> Phase {
        if self.too_little_data && !self.critical_failure {
            return Phase::Inconclusive;
        }
        // Argo's Kayenta provider compares `int(score)`.
        let score = self.score.trunc() as u32;
        if score >= spec.pass {
            Phase::Successful
        } else if score >= spec.marginal {
            Phase::Inconclusive
        } else {
            Phase::Failed
        }
    }
}

/// Judges the canary against the stable version over `[now − window, now)`.
pub fn judge(spec: &JudgeSpec, now: Time, source: &mut dyn Measure) -> Verdict {
    let points = (spec.window / spec.step) as usize;
    let mut canary = vec![Vec::with_capacity(points); spec.metrics.len()];
    let mut stable = vec![Vec::with_capacity(points); spec.metrics.len()];
    for p in (0..points as u64).rev() {
        let to = now.saturating_sub(p * spec.step);
        let from = to.saturating_sub(spec.step);
        if to == from {
            continue;
        }
        // Both sides' windows as each count the metrics read.
        let read = [Reporter::Source, Reporter::Destination].map(|r| {
            spec.metrics
                .iter()
                .any(|m| m.reporter == r)
                .then(|| [Role::Canary, Role::Stable].map(|role| source.window(role, r, from, to)))
        });
        for (k, m) in spec.metrics.iter().enumerate() {
            let slot = match m.reporter {
                Reporter::Source => 0,
                Reporter::Destination => 1,
            };
            let value = |side: usize| {
                let w = read[slot].as_ref().map(|w| &w[side]);
                w.and_then(|w| m.quantity.of(w)).unwrap_or(f64::NAN)
            };
            canary[k].push(value(0));
            stable[k].push(value(1));
        }
    }
    let metrics: Vec<Classification> = spec
        .metrics
        .iter()
        .zip(canary.iter().zip(&stable))
        .map(|(m, (c, s))| classify(m, s, c))
        .collect();
    score(metrics)
}

/// The score of classified metrics (`WeightedSumScorer.score`, one group).
pub fn score(metrics: Vec<Classification>) -> Verdict {
    let count = |c: Class| metrics.iter().filter(|m| m.class == c).count() as f64;
    let pass = count(Class::Pass);
    let scorable = pass + count(Class::High) + count(Class::Low) + count(Class::NodataFailMetric);
    let critical_failure = metrics.iter().any(|m| m.critical && m.class != Class::Pass);
    let nodata = count(Class::Nodata) / metrics.len().max(1) as f64 * 100.0;
    let too_little_data = nodata >= NODATA_THRESHOLD;
    // A group with nothing scorable counts as 100.
    let group = if scorable == 0.0 {
        100.0
    } else {
        pass / scorable * 100.0
    };
    let score = if critical_failure || too_little_data {
        0.0
    } else {
        (group * 100.0).round() / 100.0
    };
    Verdict {
        score,
        metrics,
        too_little_data,
        critical_failure,
    }
}

/// `MannWhitneyClassifier.classify`: `control` is the stable version's points,
/// `experiment` the canary's, NaN where a sub-window had no requests.
pub fn classify(m: &JudgeMetric, control: &[f64], experiment: &[f64]) -> Classification {
    let clean = |v: &[f64]| -> Vec<f64> {
        match m.nan_strategy {
            NanStrategy::Remove => v.iter().copied().filter(|x| !x.is_nan()).collect(),
            NanStrategy::Replace => v
                .iter()
                .map(|&x| if x.is_nan() { 0.0 } else { x })
                .collect(),
        }
    };
    let (mut control, mut experiment) = (clean(control), clean(experiment));
    let plain = |class| Classification {
        class,
        critical: false,
    };
    if control.is_empty() || experiment.is_empty() {
        return match m.nan_strategy {
            NanStrategy::Remove if m.must_have_data && !m.critical => {
                plain(Class::NodataFailMetric)
            }
            NanStrategy::Remove => Classification {
                class: Class::Nodata,
                critical: m.critical,
            },
            NanStrategy::Replace => plain(Class::Pass),
        };
    }
    let sorted = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s
    };
    if sorted(&control) == sorted(&experiment) {
        return plain(Class::Pass);
    }
    let constant = |v: &[f64]| v.iter().all(|&x| x == v[0]);
    if constant(&control) && constant(&experiment) {
        if control[0] == experiment[0] {
            return plain(Class::Pass);
        }
        // Both constant with different values: break the ties with noise of relative
        // size 1e-5 (`addGaussianNoise`), from a fixed stream so judgements repeat.
        let mut rng = Key::trial(0, 0, Purpose::Controller).rng();
        add_noise(&mut experiment, &mut rng);
        add_noise(&mut control, &mut rng);
    }
    let Ok(s) = shift(&experiment, &control, Z_98) else {
        // Every value tied: excluded by the checks above.
        return plain(Class::Pass);
    };
    let effect = match m.effect {
        EffectMeasure::MeanRatio => mean_ratio(&control, &experiment),
        EffectMeasure::Cles => {
            u_statistic(&experiment, &control) / (experiment.len() * control.len()) as f64
        }
    };
    let bound = TOLERANCE * s.estimate.abs();
    let increase = matches!(m.direction, Direction::Increase | Direction::Either);
    let decrease = matches!(m.direction, Direction::Decrease | Direction::Either);
    let high = increase && s.lower > bound && (effect.is_nan() || effect >= m.allowed_increase);
    let low = decrease && s.upper < -bound && (effect.is_nan() || effect <= m.allowed_decrease);
    let class = if high {
        Class::High
    } else if low {
        Class::Low
    } else {
        Class::Pass
    };
    let critical = m.critical
        && match class {
            Class::High => effect.is_nan() || effect >= m.critical_increase,
            Class::Low => effect.is_nan() || effect <= m.critical_decrease,
            _ => false,
        };
    Classification { class, critical }
}

/// `EffectSizes.meanRatio`: mean(experiment) / mean(control), NaN if either is 0.
fn mean_ratio(control: &[f64], experiment: &[f64]) -> f64 {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (c, e) = (mean(control), mean(experiment));
    if c == 0.0 || e == 0.0 {
        f64::NAN
    } else {
        e / c
    }
}

/// Gaussian noise with standard deviation `value × 1e-5` (Box-Muller).
fn add_noise(v: &mut [f64], rng: &mut KeyedRng) {
    let sd = v[0] * 1e-5;
    for x in v.iter_mut() {
        let (u1, u2) = (1.0 - rng.unit(), rng.unit());
        *x += sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    }
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
