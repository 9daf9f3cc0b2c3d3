use super::*;

fn key(slot: u32, purpose: Purpose) -> Key {
    Key {
        seed: 1,
        trial: 0,
        slot,
        version: 1,
        attempt: 0,
        purpose,
    }
}

#[test]
fn golden_values_never_change() {
    // If this fails, every seeded result users have recorded changes: do not update
    // it lightly.
    let mut r = key(0, Purpose::Start).rng();
    assert_eq!([r.next_u64(), r.next_u64()], [GOLDEN_0, GOLDEN_1]);
}
const GOLDEN_0: u64 = 8_661_981_240_799_312_912;
const GOLDEN_1: u64 = 8_089_139_168_404_781_319;

#[test]
fn derived_draws_follow_the_golden_bits() {
    // unit: the top 53 bits over 2^53; below: the high word of a 128-bit product;
    // exponential: −ln(1 − unit). Computed here from the golden words, not the methods.
    let u0 = (GOLDEN_0 >> 11) as f64 / 9_007_199_254_740_992.0;
    let u1 = (GOLDEN_1 >> 11) as f64 / 9_007_199_254_740_992.0;
    let mut r = key(0, Purpose::Start).rng();
    assert_eq!([r.unit(), r.unit()], [u0, u1]);
    assert_eq!(u0, 0.469_566_943_965_164_96);
    let mut r = key(0, Purpose::Start).rng();
    let n = 1_000_003u64;
    let b = r.below(n);
    assert_eq!(b, ((GOLDEN_0 as u128 * n as u128) >> 64) as u64);
    assert_eq!(b, 469_568);
    let mut r = key(0, Purpose::Start).rng();
    assert_eq!(r.exponential(), -(1.0 - u0).ln());
    // Geometric by inversion: floor(ln(1 − u) / ln(1 − p)).
    let mut r = key(0, Purpose::Start).rng();
    let p = 0.1;
    let want = ((1.0 - u0).ln() / (1.0f64 - p).ln()).floor() as u64;
    assert_eq!(r.failures_before_success(p), want);
    assert_eq!(want, 6);
}

#[test]
fn memo_gives_the_same_streams() {
    // Interleaved seeds, trials, slots and attempts, repeated and not, in an order
    // that hits and misses the memo both ways.
    let mut keys = Vec::new();
    for seed in [0, 1, u64::MAX] {
        for trial in [0, 1, 7, 0] {
            for (slot, attempt) in [(0, 0), (0, 1), (1, 0), (0, 0), (u32::MAX, 0)] {
                for purpose in [Purpose::Start, Purpose::Probe, Purpose::Start] {
                    keys.push(Key {
                        seed,
                        trial,
                        slot,
                        version: 1,
                        attempt,
                        purpose,
                    });
                }
            }
        }
    }
    let mut streams = TrialStreams::new(0, 0);
    for k in keys.iter().chain(keys.iter().rev()) {
        let (mut a, mut b) = (k.rng(), k.rng_unmemoized());
        if (streams.seed, streams.trial) != (k.seed, k.trial) {
            streams = TrialStreams::new(k.seed, k.trial);
        }
        let mut c = streams.rng(k.slot, k.version, k.attempt, k.purpose);
        assert_eq!(
            [a.next_u64(), a.next_u64()],
            [b.next_u64(), b.next_u64()],
            "{k:?}"
        );
        let mut d = k.rng_unmemoized();
        assert_eq!([c.next_u64(), c.next_u64()], [d.next_u64(), d.next_u64()]);
    }
    // The first key of a thread is the all-zero one the memo starts with.
    let zero = Key {
        seed: 0,
        trial: 0,
        slot: 0,
        version: 0,
        attempt: 0,
        purpose: Purpose::Pull,
    };
    let fresh = std::thread::spawn(move || zero.rng().next_u64())
        .join()
        .unwrap();
    assert_eq!(fresh, zero.rng_unmemoized().next_u64());
}

#[test]
fn streams_are_independent_of_each_other() {
    let a = key(0, Purpose::Start).rng().next_u64();
    let b = key(1, Purpose::Start).rng().next_u64();
    let c = key(0, Purpose::Pull).rng().next_u64();
    assert_ne!(a, b);
    assert_ne!(a, c);
    assert_eq!(a, key(0, Purpose::Start).rng().next_u64());
}

#[test]
fn unit_is_uniform_enough() {
    let mut r = key(7, Purpose::Probe).rng();
    let n = 100_000;
    let mean = (0..n).map(|_| r.unit()).sum::<f64>() / n as f64;
    // sd of the mean is 0.289/sqrt(n) = 0.0009; 6 sd.
    assert!((mean - 0.5).abs() < 0.0055, "{mean}");
}

#[test]
fn geometric_is_the_floor_of_the_inversion_formula() {
    // The textbook form, with `floor` and the explicit bounds, on many draws of many
    // p (a p so small that 1 − p rounds to 1 included).
    let textbook = |u: f64, p: f64| {
        let n = ((1.0 - u).ln() / (1.0 - p).ln()).floor();
        if n >= u64::MAX as f64 {
            u64::MAX
        } else {
            n as u64
        }
    };
    for p in [1e-300, 1e-17, 1e-9, 0.02, 0.25, 0.5, 0.999_999] {
        let g = Geometric::new(p);
        let (mut a, mut b) = (key(1, Purpose::Probe).rng(), key(1, Purpose::Probe).rng());
        for _ in 0..20_000 {
            assert_eq!(g.sample(&mut a), textbook(b.unit(), p), "p {p}");
        }
    }
    let mut r = key(1, Purpose::Probe).rng();
    assert_eq!(Geometric::new(1.0).sample(&mut r), 0);
    assert_eq!(Geometric::new(0.0).sample(&mut r), u64::MAX);
}

#[test]
fn geometric_in_halves_is_the_sample_and_the_bound_stays_below_it() {
    // The two halves give `sample`'s values from the same draws, and the bound never
    // exceeds them: random draws, and the draws just below and above the points
    // where the sample steps (the bound's rounding is tightest there).
    for p in [1e-300, 1e-17, 1e-9, 1e-4, 0.02, 0.25, 0.5, 0.999_999] {
        let g = Geometric::new(p);
        let (mut a, mut b) = (key(2, Purpose::Probe).rng(), key(2, Purpose::Probe).rng());
        let (mut below_half, mut exact) = (0, 0);
        for _ in 0..50_000 {
            let x = g.draw(&mut b).expect("0 < p < 1 draws");
            let n = g.of_draw(x);
            assert_eq!(g.sample(&mut a), n, "p {p}");
            let low = g.at_least(x);
            assert!(low <= n, "p {p} x {x}: {low} > {n}");
            if x < 0.5 {
                below_half += 1;
                exact += usize::from(low == n);
            }
        }
        if p == 0.02 {
            // Tight where it matters: the skips of a trial's length, x < ½.
            assert!(exact * 100 > below_half * 95, "{exact} of {below_half}");
        }
        for k in 1..2_000u64 {
            // 1 − x = (1 − p)^k: the k-th step of the sample.
            let x = 1.0 - (1.0 - p).powi(k as i32);
            let x = ((x * (1u64 << 53) as f64).floor() / (1u64 << 53) as f64).min(1.0);
            for x in [x, x - f64::EPSILON / 2.0, x + f64::EPSILON / 2.0] {
                if (0.0..1.0).contains(&x) {
                    assert!(g.at_least(x) <= g.of_draw(x), "p {p} x {x}");
                }
            }
        }
    }
    let mut r = key(1, Purpose::Probe).rng();
    for p in [0.0, -1.0, 1.0, 2.0] {
        let g = Geometric::new(p);
        assert_eq!(g.draw(&mut r), None);
        assert_eq!(g.sample(&mut r), g.fixed());
    }
}

#[test]
fn geometric_has_the_right_mean() {
    let mut r = key(3, Purpose::Probe).rng();
    let p = 0.25;
    let n = 200_000;
    let mean = (0..n)
        .map(|_| r.failures_before_success(p) as f64)
        .sum::<f64>()
        / n as f64;
    // mean (1-p)/p = 3, sd sqrt(1-p)/p = 3.46, sd of mean 0.0077.
    assert!((mean - 3.0).abs() < 0.05, "{mean}");
}
