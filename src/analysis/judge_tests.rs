//! The judge against Kayenta's rules (`MannWhitneyClassifier.scala`,
//! `WeightedSumScorer.scala`, `ScorerSuite.scala`) and the traps the issue names.

use super::*;
use crate::analysis::spec::Quantity;
use crate::sim::time::SECOND;
use crate::traffic::window::{Reporter, WindowStats};
use rand_distr::Distribution;

/// Windows from two scripts of (requests, failed), in the order the judge asks.
struct Series {
    canary: Vec<(u64, u64)>,
    stable: Vec<(u64, u64)>,
}

impl Measure for Series {
    fn window(&mut self, role: Role, _reporter: Reporter, from: Time, to: Time) -> WindowStats {
        let side = match role {
            Role::Canary => &mut self.canary,
            Role::Stable => &mut self.stable,
        };
        let (requests, failed) = side.remove(0);
        WindowStats {
            requests,
            failed,
            ..WindowStats::empty(from, to)
        }
    }

    fn latency_buckets(&mut self, _: Role, _: Time, _: Time, _: &[f64]) -> Vec<u64> {
        unreachable!("Argo Rollouts' analysis reads no latency buckets")
    }
}

fn error_metric(direction: Direction) -> JudgeMetric {
    JudgeMetric {
        quantity: Quantity::ErrorRate,
        direction,
        nan_strategy: NanStrategy::Remove,
        critical: false,
        must_have_data: false,
        effect: EffectMeasure::MeanRatio,
        allowed_increase: 1.0,
        allowed_decrease: 1.0,
        critical_increase: 1.0,
        critical_decrease: 1.0,
        reporter: Reporter::Source,
    }
}

/// Ten 30 s points over 5 minutes, pass 95, marginal 75.
fn judge_spec(metrics: Vec<JudgeMetric>) -> JudgeSpec {
    JudgeSpec {
        window: 300 * SECOND,
        step: 30 * SECOND,
        metrics,
        pass: 95,
        marginal: 75,
    }
}

fn run(spec: &JudgeSpec, canary: Vec<(u64, u64)>, stable: Vec<(u64, u64)>) -> Verdict {
    judge(spec, 600 * SECOND, &mut Series { canary, stable })
}

/// The trap: a canary with errors while the stable version has none at all. The
/// control's mean is 0, so the mean ratio is NaN — which must not excuse the canary.
#[test]
fn a_failing_canary_against_a_spotless_stable_fails() {
    let spec = judge_spec(vec![error_metric(Direction::Increase)]);
    let noisy = [9, 11, 10, 8, 12, 10, 9, 11, 10, 13]
        .map(|f| (200, f))
        .to_vec();
    let v = run(&spec, noisy, vec![(200, 0); 10]);
    assert_eq!(v.metrics[0].class, Class::High);
    assert_eq!((v.score, v.phase(&spec)), (0.0, Phase::Failed));
    // Constant on both sides (5 % every point, 0 % every point): the tie-breaking noise
    // of a zero control is zero, and the canary still fails.
    let v = run(&spec, vec![(200, 10); 10], vec![(200, 0); 10]);
    assert_eq!(v.metrics[0].class, Class::High);
    assert_eq!(v.phase(&spec), Phase::Failed);
}

/// No requests at all on either side: no data, Inconclusive — never a pass.
#[test]
fn windows_without_requests_are_inconclusive() {
    let spec = judge_spec(vec![error_metric(Direction::Either)]);
    for (canary, stable) in [
        (vec![(0, 0); 10], vec![(200, 0); 10]),
        (vec![(200, 30); 10], vec![(0, 0); 10]),
        (vec![(0, 0); 10], vec![(0, 0); 10]),
    ] {
        let v = run(&spec, canary, stable);
        assert_eq!(v.metrics[0].class, Class::Nodata);
        assert!(v.too_little_data);
        assert_eq!(v.phase(&spec), Phase::Inconclusive);
    }
    // `mustHaveData`: no data counts against the score (NodataFailMetric).
    let mut m = error_metric(Direction::Either);
    m.must_have_data = true;
    let spec = judge_spec(vec![m]);
    let v = run(&spec, vec![(0, 0); 10], vec![(200, 0); 10]);
    assert_eq!(v.metrics[0].class, Class::NodataFailMetric);
    assert_eq!((v.score, v.phase(&spec)), (0.0, Phase::Failed));
    // A critical metric without data fails the canary (`criticalFailures`).
    let mut m = error_metric(Direction::Either);
    m.critical = true;
    let spec = judge_spec(vec![m]);
    let v = run(&spec, vec![(0, 0); 10], vec![(200, 0); 10]);
    assert!(v.critical_failure);
    assert_eq!(v.phase(&spec), Phase::Failed);
}

/// Binomial error counts: `points` windows of `n` requests failing with probability `p`.
fn binomial_points(n: u64, p: f64, points: usize, rng: &mut KeyedRng) -> Vec<(u64, u64)> {
    let b = rand_distr::Binomial::new(n, p).unwrap();
    (0..points).map(|_| (n, b.sample(rng))).collect()
}

/// Same distribution on both sides: the judge passes. At 98% confidence a false High or
/// Low is rare (≈ 2% at most before the ±25% dead band); over 200 fixed seeds at least
/// 95% must pass (a binomial 5-sigma margin below the expected ≥ 98%).
#[test]
fn equal_distributions_pass() {
    let spec = judge_spec(vec![error_metric(Direction::Either)]);
    let mut passed = 0;
    for seed in 0..200 {
        let mut rng = Key::trial(seed, 0, Purpose::Controller).rng();
        let canary = binomial_points(1000, 0.01, 10, &mut rng);
        let stable = binomial_points(1000, 0.01, 10, &mut rng);
        if run(&spec, canary, stable).phase(&spec) == Phase::Successful {
            passed += 1;
        }
    }
    assert!(passed >= 190, "{passed} of 200");
}

/// A canary at 3% errors against a stable at 1% (10 points of 1000 requests: means 30 and
/// 10, standard deviations 5.4 and 3.1) fails in every one of 200 fixed seeds but a
/// handful; in the `decrease` direction the same increase passes.
#[test]
fn a_shifted_canary_fails() {
    let up = judge_spec(vec![error_metric(Direction::Increase)]);
    let down = judge_spec(vec![error_metric(Direction::Decrease)]);
    let (mut failed, mut passed_down) = (0, 0);
    for seed in 0..200 {
        let mut rng = Key::trial(seed, 1, Purpose::Controller).rng();
        let canary = binomial_points(1000, 0.03, 10, &mut rng);
        let stable = binomial_points(1000, 0.01, 10, &mut rng);
        if run(&up, canary.clone(), stable.clone()).phase(&up) == Phase::Failed {
            failed += 1;
        }
        if run(&down, canary, stable).phase(&down) == Phase::Successful {
            passed_down += 1;
        }
    }
    assert!(failed >= 196, "{failed} of 200");
    assert_eq!(passed_down, 200);
}

/// The effect-size gate: an increase smaller than `allowedIncrease` (mean ratio) passes.
#[test]
fn allowed_increase_gates_high() {
    let mut m = error_metric(Direction::Increase);
    m.allowed_increase = 4.0;
    let spec = judge_spec(vec![m]);
    // Ratio of means 3: significant, but under the allowed ×4.
    let v = run(&spec, vec![(1000, 30); 10], vec![(1000, 10); 10]);
    assert_eq!(v.metrics[0].class, Class::Pass);
    let mut m = error_metric(Direction::Increase);
    m.allowed_increase = 2.0;
    let spec = judge_spec(vec![m]);
    let v = run(&spec, vec![(1000, 30); 10], vec![(1000, 10); 10]);
    assert_eq!(v.metrics[0].class, Class::High);
}

fn class(class: Class) -> Classification {
    Classification {
        class,
        critical: false,
    }
}

/// `ScorerSuite.scala`: one Pass ⇒ 100; 1 of 3 Pass ⇒ 33.33; a critical failure ⇒ 0;
/// only Nodata ⇒ 0 (here: too little data); Nodata is excluded from the fraction.
#[test]
fn scores_follow_the_weighted_sum_scorer() {
    assert_eq!(score(vec![class(Class::Pass)]).score, 100.0);
    let third = score(vec![
        class(Class::Pass),
        class(Class::High),
        class(Class::Low),
    ]);
    assert_eq!(third.score, 33.33);
    let critical = score(vec![
        class(Class::Pass),
        Classification {
            class: Class::High,
            critical: true,
        },
    ]);
    assert_eq!((critical.score, critical.critical_failure), (0.0, true));
    let nodata = score(vec![class(Class::Nodata)]);
    assert_eq!((nodata.score, nodata.too_little_data), (0.0, true));
    // 1 Nodata of 3: below the 50 % rule; excluded from the fraction: 1 / 2.
    let some = score(vec![
        class(Class::Pass),
        class(Class::High),
        class(Class::Nodata),
    ]);
    assert_eq!((some.score, some.too_little_data), (50.0, false));
}

/// Argo's Kayenta provider: `int(score) >= pass` ⇒ Successful, `>= marginal` ⇒
/// Inconclusive, else Failed.
#[test]
fn score_to_phase_truncates_like_argo() {
    let spec = judge_spec(vec![error_metric(Direction::Either)]);
    let at = |s: f64| {
        Verdict {
            score: s,
            metrics: vec![],
            too_little_data: false,
            critical_failure: false,
        }
        .phase(&spec)
    };
    assert_eq!(at(95.0), Phase::Successful);
    assert_eq!(at(94.99), Phase::Inconclusive);
    assert_eq!(at(75.0), Phase::Inconclusive);
    assert_eq!(at(74.9), Phase::Failed);
}

/// A canary whose pods fail 5 % of their attempts while the proxy's retries hide them
/// from the client: 1,000 attempts a step, 50 failed, against no failure of the client's
/// count and of the stable version's either way.
struct Retried;

impl Measure for Retried {
    fn window(&mut self, role: Role, reporter: Reporter, from: Time, to: Time) -> WindowStats {
        let failed = match (role, reporter) {
            (Role::Canary, Reporter::Destination) => 50,
            _ => 0,
        };
        WindowStats {
            requests: 1000,
            failed,
            ..WindowStats::empty(from, to)
        }
    }

    fn latency_buckets(&mut self, _: Role, _: Time, _: Time, _: &[f64]) -> Vec<u64> {
        unreachable!("Argo Rollouts' analysis reads no latency buckets")
    }
}

/// A judged metric reads the count its `reporter` says, each side alike: the pods' count
/// shows the canary's 5 % (High, score 0), the client's nothing (identical samples,
/// Pass); one judge may read both.
#[test]
fn each_judged_metric_reads_its_reporters_count() {
    let pods = JudgeMetric {
        reporter: Reporter::Destination,
        ..error_metric(Direction::Increase)
    };
    let client = error_metric(Direction::Increase);
    let v = judge(&judge_spec(vec![pods.clone()]), 300 * SECOND, &mut Retried);
    assert_eq!((v.score, v.metrics[0].class), (0.0, Class::High));
    let v = judge(
        &judge_spec(vec![client.clone()]),
        300 * SECOND,
        &mut Retried,
    );
    assert_eq!((v.score, v.metrics[0].class), (100.0, Class::Pass));
    let v = judge(&judge_spec(vec![client, pods]), 300 * SECOND, &mut Retried);
    assert_eq!(
        v.metrics.iter().map(|m| m.class).collect::<Vec<_>>(),
        [Class::Pass, Class::High]
    );
}
