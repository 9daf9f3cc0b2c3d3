//! Pinned random draws, end to end: every distribution kind a scenario accepts, read from
//! YAML and sampled from the simulator's keyed streams, and the traffic meter's Poisson
//! counts, as exact values.
//!
//! The raw stream is SplitMix64 written in this crate (pinned in `sim::rng`), but the
//! normal, lognormal, exponential, gamma, weibull, Poisson, Beta and Binomial samplers come
//! from `rand_distr`, whose algorithms (ziggurat tables, rejection loops, how many bits a float
//! takes) may change between versions. These tests fail on any such change, so a `rand` /
//! `rand_distr` bump that would change users' seeded results is caught. If one fails after a
//! dependency bump, the bump changes results: keep the old version, or update the values in
//! a commit that says so.
//!
//! The kinds that do not go through `rand_distr` (constant, uniform, empirical, the
//! mixture's choice) are also checked against a computation by hand from the raw stream,
//! and the two lognormal forms against each other.

use super::yaml;
use rand_distr::Distribution;
use rollout_sim::scenario::{Arrivals, Dist, Scenario};
use rollout_sim::sim::{Key, KeyedRng, Purpose, SECOND, Time};
use rollout_sim::traffic::meter::{Cause, Meter, Outcome};

/// One version per distribution kind, its `start` the distribution under test (after the
/// `current` and `next` every scenario has).
const KINDS: &str = r#"
name: pinned-draws
seed: 1
cluster: {nodes: 1, node: {cpu: "4", memory: 8Gi}}
service:
  replicas: 1
  versions:
    current: {}
    next: {}
    constant: {image: app:constant, start: {constant: 2.5s}}
    uniform: {image: app:uniform, start: {uniform: {min: 1s, max: 4s}}}
    normal: {image: app:normal, start: {normal: {mean: 1s, stddev: 2s}}}
    lognormal_quantiles: {image: app:lq, start: {lognormal: {median: 3s, p99: 20s}}}
    lognormal_params: {image: app:lp, start: {lognormal: {mu: 1.0986122886681098, sigma: 0.8154928186172793}}}
    exponential: {image: app:exponential, start: {exponential: {mean: 2s}}}
    gamma: {image: app:gamma, start: {gamma: {shape: 2.5, scale: 1s}}}
    gamma_small_shape: {image: app:gamma-small, start: {gamma: {shape: 0.5, scale: 2s}}}
    weibull: {image: app:weibull, start: {weibull: {shape: 1.5, scale: 2s}}}
    empirical: {image: app:empirical, start: {empirical: {samples: [1s, 2s, 5s, 8s, 13s]}}}
    mixture: {image: app:mixture, start: {mixture: [{weight: 3, dist: 1s}, {weight: 1, dist: {lognormal: {median: 10s, p99: 30s}}}]}}
strategy: {swarm: {update_config: {parallelism: 1}}}
# A version runs only when an action installs it (none of these trials is run).
actions:
  - {at: 1m, rollout: update, version: constant}
  - {at: 2m, rollout: update, version: uniform}
  - {at: 3m, rollout: update, version: normal}
  - {at: 4m, rollout: update, version: lognormal_quantiles}
  - {at: 5m, rollout: update, version: lognormal_params}
  - {at: 6m, rollout: update, version: exponential}
  - {at: 7m, rollout: update, version: gamma}
  - {at: 8m, rollout: update, version: gamma_small_shape}
  - {at: 9m, rollout: update, version: weibull}
  - {at: 10m, rollout: update, version: empirical}
  - {at: 11m, rollout: update, version: mixture}
"#;

/// Draws per kind: slots 0.. of version `v`, as the simulator keys a task's start time.
const DRAWS: u32 = 5;

fn key(slot: u32, version: u8) -> Key {
    Key {
        seed: 1,
        trial: 0,
        slot,
        version,
        attempt: 0,
        purpose: Purpose::Start,
    }
}

fn scenario() -> Scenario {
    yaml(KINDS)
}

/// The `start` distribution of the version named `name`, and its index.
fn start(s: &Scenario, name: &str) -> (u8, Dist) {
    let (i, v) = s
        .service
        .versions
        .iter()
        .enumerate()
        .find(|(_, v)| v.name == name)
        .unwrap_or_else(|| panic!("no version {name}"));
    (i as u8, v.start.clone())
}

/// `DRAWS` draws of the version's `start`, each from its own slot's stream.
fn times(name: &str) -> Vec<Time> {
    let s = scenario();
    let (v, d) = start(&s, name);
    (0..DRAWS).map(|k| d.sample(&mut key(k, v).rng())).collect()
}

/// `DRAWS` raw `f64` draws (seconds) of a `rand_distr` kind, before rounding to time.
fn seconds(name: &str) -> Vec<f64> {
    let s = scenario();
    let (v, d) = start(&s, name);
    (0..DRAWS)
        .map(|k| {
            let rng = &mut key(k, v).rng();
            match &d {
                Dist::Normal(x) => x.sample(rng),
                Dist::LogNormal(x) => x.sample(rng),
                Dist::Exponential(x) => x.sample(rng),
                Dist::Gamma(x) => x.sample(rng),
                Dist::Weibull(x) => x.sample(rng),
                other => panic!("{name} is not a rand_distr kind: {other:?}"),
            }
        })
        .collect()
}

/// Lemire's multiply-shift, as the simulator's integer draws are documented to be.
fn below(rng: &mut KeyedRng, n: u64) -> u64 {
    ((rng.next_u64() as u128 * n as u128) >> 64) as u64
}

#[test]
fn constant_uniform_and_empirical_are_pinned_and_follow_the_raw_stream() {
    assert_eq!(times("constant"), vec![2_500_000; DRAWS as usize]);

    let (v, _) = start(&scenario(), "uniform");
    let by_hand: Vec<Time> = (0..DRAWS)
        .map(|k| SECOND + below(&mut key(k, v).rng(), 3 * SECOND + 1))
        .collect();
    assert_eq!(times("uniform"), by_hand);
    assert_eq!(times("uniform"), UNIFORM);

    let samples = [1, 2, 5, 8, 13].map(|s| s * SECOND);
    let (v, _) = start(&scenario(), "empirical");
    let by_hand: Vec<Time> = (0..DRAWS)
        .map(|k| samples[below(&mut key(k, v).rng(), 5) as usize])
        .collect();
    assert_eq!(times("empirical"), by_hand);
    assert_eq!(times("empirical"), EMPIRICAL);
}

#[test]
fn rand_distr_kinds_are_pinned_to_the_bit_and_as_simulated_times() {
    for (name, drawn, simulated) in RAND_DISTR_KINDS {
        assert_eq!(seconds(name), drawn, "{name}: seconds as drawn");
        assert_eq!(times(name), simulated, "{name}: simulated times");
        // Rounded to the microsecond, negatives (the normal's) truncated at 0.
        let rounded = drawn.map(|x| (x.max(0.0) * SECOND as f64).round() as Time);
        assert_eq!(rounded, simulated, "{name}");
    }
    // Mean 1 s, sd 2 s: 31 % of normal draws are negative; the pins include one.
    assert!(NORMAL_SECONDS[0] < 0.0 && NORMAL[0] == 0);
}

#[test]
fn both_lognormal_forms_draw_the_same_values() {
    // mu = ln 3, sigma = (ln 20 − ln 3) / z(0.99): the {median: 3s, p99: 20s} form, whose
    // parameters the `lognormal_params` version gives directly (to the last digit, so the
    // two samplers are the same and so are their draws).
    let mu = 3f64.ln();
    let sigma = (20f64.ln() - mu) / 2.326_347_874_040_841;
    assert!((mu - 1.098_612_288_668_109_8).abs() < 1e-15, "{mu}");
    assert!((sigma - 0.815_492_818_617_279_3).abs() < 1e-15, "{sigma}");
    let s = scenario();
    let (v, quantiles) = start(&s, "lognormal_quantiles");
    let (_, params) = start(&s, "lognormal_params");
    for k in 0..DRAWS {
        // The same stream for both, so only the parameters could make them differ.
        let a = quantiles.sample(&mut key(k, v).rng());
        let b = params.sample(&mut key(k, v).rng());
        assert_eq!(a, b, "slot {k}");
    }
}

#[test]
fn mixture_picks_by_the_first_unit_draw_and_is_pinned() {
    // Weights 3 : 1 → cumulative 0.75, 1. One stream: a unit draw picks the component,
    // which then draws from the same stream.
    let (v, _) = start(&scenario(), "mixture");
    let tail = Dist::lognormal_from_quantiles(10 * SECOND, 30 * SECOND).unwrap();
    let by_hand: Vec<Time> = (0..DRAWS)
        .map(|k| {
            let mut rng = key(k, v).rng();
            if rng.unit() < 0.75 {
                SECOND
            } else {
                tail.sample(&mut rng)
            }
        })
        .collect();
    assert_eq!(times("mixture"), by_hand);
    assert_eq!(times("mixture"), MIXTURE);
    assert!(
        MIXTURE.contains(&SECOND) && MIXTURE.iter().any(|&t| t != SECOND),
        "the pinned draws visit both components"
    );
}

#[test]
fn poisson_counts_of_the_traffic_meter_are_pinned() {
    // One cell per bucket with these means: rand_distr switches algorithm at mean 12.
    let means = [0.5, 3.0, 11.5, 40.0, 1_000.0, 250_000.0];
    let mut m = Meter::default();
    m.reset(1);
    for (b, &x) in means.iter().enumerate() {
        m.add(b, Some(0), Outcome::Ok, Cause::Other, x);
    }
    // Each (bucket, version, outcome) cell has its own stream, keyed by the trial too.
    let ok = |trial| -> Vec<u64> {
        let counts = m.draw(Arrivals::Poisson, 1, trial, means.len());
        counts
            .buckets
            .iter()
            .map(|r| r[Outcome::Ok as usize])
            .collect()
    };
    assert_eq!(ok(0), POISSON);
    assert_eq!(ok(1), POISSON_TRIAL_1);
}

/// The measurement windows' samplers: Beta (where a window's quantile falls among its
/// requests' latencies) and Binomial (the traffic meter's split of a cell between
/// versions; the window's requests over the proxy's latency buckets), on the streams the
/// windows key them by, across the small- and large-count algorithms.
#[test]
fn window_beta_and_binomial_draws_are_pinned() {
    let stream = |attempt| {
        Key {
            seed: 1,
            trial: 0,
            slot: 600,
            version: 1,
            attempt,
            purpose: Purpose::LatencyBuckets,
        }
        .rng()
    };
    let beta: Vec<f64> = [(1.0, 1.0), (99.0, 2.0), (9_900.0, 101.0)]
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            rand_distr::Beta::new(a, b)
                .unwrap()
                .sample(&mut stream(i as u32))
        })
        .collect();
    assert_eq!(beta, BETA);
    let binomial: Vec<u64> = [(10, 0.3), (1_000, 0.3), (100_000, 0.01), (50, 0.97)]
        .iter()
        .enumerate()
        .map(|(i, &(n, p))| {
            rand_distr::Binomial::new(n, p)
                .unwrap()
                .sample(&mut stream(10 + i as u32))
        })
        .collect();
    assert_eq!(binomial, BINOMIAL);
}

// The pinned values: rand 0.10.4 / rand_distr 0.6.0 (Cargo.lock), seed 1, trial 0,
// slots 0..5 of each version's `start` stream. Times in µs, seconds as drawn.
/// `(version, draws in seconds, the same as simulated times)` of the `rand_distr` kinds.
const RAND_DISTR_KINDS: [(&str, [f64; 5], [Time; 5]); 6] = [
    ("normal", NORMAL_SECONDS, NORMAL),
    ("lognormal_quantiles", LOGNORMAL_SECONDS, LOGNORMAL),
    ("exponential", EXPONENTIAL_SECONDS, EXPONENTIAL),
    ("gamma", GAMMA_SECONDS, GAMMA),
    ("gamma_small_shape", GAMMA_SMALL_SECONDS, GAMMA_SMALL),
    ("weibull", WEIBULL_SECONDS, WEIBULL),
];
const UNIFORM: [Time; 5] = [1_839_288, 1_370_955, 2_461_363, 2_562_453, 2_388_969];
const EMPIRICAL: [Time; 5] = [5_000_000, 1_000_000, 13_000_000, 1_000_000, 2_000_000];
const NORMAL: [Time; 5] = [0, 3_433_328, 2_102_473, 1_643_359, 3_214_200];
const LOGNORMAL: [Time; 5] = [4_332_454, 2_219_758, 7_051_720, 1_004_483, 2_479_479];
const EXPONENTIAL: [Time; 5] = [151_833, 422_179, 1_103_226, 6_135_640, 742_872];
const GAMMA: [Time; 5] = [1_069_899, 3_550_871, 3_970_064, 3_287_660, 3_749_894];
const GAMMA_SMALL: [Time; 5] = [182_411, 1_225_939, 169_979, 108_772, 405_693];
const WEIBULL: [Time; 5] = [3_055_320, 1_169_797, 783_547, 3_085_065, 1_815_263];
const MIXTURE: [Time; 5] = [9_977_805, 1_000_000, 1_000_000, 1_000_000, 1_000_000];
const NORMAL_SECONDS: [f64; 5] = [
    -1.6135698945990495,
    3.4333279709382016,
    2.102472833057343,
    1.6433591065459827,
    3.2142004648301605,
];
const LOGNORMAL_SECONDS: [f64; 5] = [
    4.332454150927833,
    2.2197576758297433,
    7.051719907523591,
    1.0044833343738304,
    2.479478853124482,
];
const EXPONENTIAL_SECONDS: [f64; 5] = [
    0.15183292666284914,
    0.42217891107595407,
    1.1032263780619223,
    6.13564010126927,
    0.7428720358625723,
];
const GAMMA_SECONDS: [f64; 5] = [
    1.0698990914209623,
    3.5508706102566463,
    3.9700640574818595,
    3.287659945665691,
    3.749894034439228,
];
const GAMMA_SMALL_SECONDS: [f64; 5] = [
    0.18241081652486724,
    1.2259390522950946,
    0.16997900754966735,
    0.10877209257428196,
    0.4056931187501348,
];
const WEIBULL_SECONDS: [f64; 5] = [
    3.0553203991475044,
    1.1697969366015724,
    0.7835470606620977,
    3.0850652824036358,
    1.8152629648846637,
];
const POISSON: [u64; 6] = [0, 3, 9, 41, 1_060, 250_156];
const POISSON_TRIAL_1: [u64; 6] = [1, 6, 11, 36, 1_009, 250_603];
const BETA: [f64; 3] = [0.10973432872652743, 0.9777864181611606, 0.9901133922647957];
const BINOMIAL: [u64; 4] = [3, 293, 1_033, 47];
