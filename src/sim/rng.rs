//! Keyed random streams.
//!
//! Every random draw in a trial comes from its own stream, named by a [`Key`]: the
//! scenario seed, the trial, the task slot, the version, the attempt and the purpose of the
//! draw. A stream's values never depend on what else happened in the trial or in what
//! order, so two strategies run with the same seed see the same startup time for slot 3 of
//! version `next` (common random numbers): comparisons are paired and far less noisy.
//!
//! The generator is SplitMix64 (Steele, Lea & Flood 2014) seeded by a hash of the key. It
//! is written here rather than taken from `rand` so its values can never change with a
//! dependency bump; `tests` pins golden values. It implements `rand::Rng` so `rand_distr`
//! samplers can use it.

use std::convert::Infallible;

/// What a draw is for. Part of the stream key, so adding a purpose never shifts the
/// values of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Purpose {
    /// Image pull duration.
    Pull = 1,
    /// Container start duration.
    Start = 2,
    /// Time from process start until the application is truly ready.
    ReadyAfter = 3,
    /// Whether the start fails (crash on start).
    CrashOnStart = 4,
    /// Time from process start until the container dies.
    CrashAfter = 5,
    /// Time from process start until the application hangs.
    HangAfter = 6,
    /// Time from SIGTERM until the process exits.
    Shutdown = 7,
    /// Flaky health check / probe outcomes.
    Probe = 8,
    /// The order in which the Swarm updater visits slots (a Go map iteration).
    SlotOrder = 9,
    /// Scheduler tie-breaks and other controller choices.
    Controller = 10,
    /// Liveness probe outcomes (separate from readiness so they are independent).
    Liveness = 11,
    /// Startup probe outcomes.
    StartupProbe = 12,
    /// Image pull failures.
    PullFailure = 13,
    /// Traffic: arrivals and per-request outcomes.
    Traffic = 14,
    /// Faults: node losses and the like.
    Fault = 15,
    /// Control-plane overheads.
    ControlPlane = 16,
    /// The balancer's lag behind an endpoint change.
    EndpointPropagation = 17,
    /// The latency tables of the request model (independent of the trial).
    Latency = 18,
    /// The proxies' lag behind a write of the router's configuration.
    RouterPropagation = 19,
}

/// The name of one random stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// Scenario seed.
    pub seed: u64,
    /// Trial index.
    pub trial: u64,
    /// Task slot (Swarm slot, or the pod's ordinal within its ReplicaSet).
    pub slot: u32,
    /// Version index.
    pub version: u8,
    /// Attempt: the how-many-th task or container of this (slot, version).
    pub attempt: u32,
    /// What the draw is for.
    pub purpose: Purpose,
}

impl Key {
    /// A stream for a trial-wide purpose (no slot or version).
    pub fn trial(seed: u64, trial: u64, purpose: Purpose) -> Key {
        Key {
            seed,
            trial,
            slot: u32::MAX,
            version: u8::MAX,
            attempt: 0,
            purpose,
        }
    }

    /// The stream's generator: the key's fields folded in by four chained mixes (seed,
    /// trial, slot and attempt, version and purpose).
    ///
    /// A trial draws a few hundred streams, most of them for the same trial and many for
    /// the same task (a starting process draws ready, hang, crash and probe streams of
    /// one slot and attempt), so the first two or three mixes repeat. [`Prefixes`]
    /// remembers the last ones per thread; the value is the same either way
    /// (`memo_gives_the_same_streams` checks it), only fewer multiplications are done.
    #[inline]
    pub fn rng(self) -> KeyedRng {
        PREFIXES.with(|memo| self.rng_memo(memo))
    }

    #[inline]
    fn rng_memo(self, memo: &std::cell::Cell<Prefixes>) -> KeyedRng {
        let task = (self.slot as u64) << 32 | self.attempt as u64;
        let mut p = memo.get();
        let h = p.task_hash(self.seed, self.trial, task);
        memo.set(p);
        KeyedRng {
            state: mix(h ^ ((self.version as u64) << 8 | self.purpose as u64)),
        }
    }

    /// [`Key::rng`] without the memo: the definition it must agree with.
    pub fn rng_unmemoized(self) -> KeyedRng {
        let mut h = mix(self.seed ^ SEED_SALT);
        h = mix(h ^ self.trial);
        h = mix(h ^ ((self.slot as u64) << 32 | self.attempt as u64));
        h = mix(h ^ ((self.version as u64) << 8 | self.purpose as u64));
        KeyedRng { state: h }
    }
}

const SEED_SALT: u64 = 0x243f_6a88_85a3_08d3;

/// The last (seed, trial) and (…, slot, attempt) prefixes of a key and their hashes: the
/// first three mixes of [`Key::rng`], kept per thread because consecutive keys share them.
#[derive(Clone, Copy)]
struct Prefixes {
    seed: u64,
    trial: u64,
    /// `mix(mix(seed ^ SEED_SALT) ^ trial)`.
    trial_hash: u64,
    /// `slot << 32 | attempt`.
    task: u64,
    /// `mix(trial_hash ^ task)`.
    task_hash: u64,
}

impl Prefixes {
    /// The hashes of the all-zero key (computed at compile time), so the memo always
    /// holds a true entry and needs no "empty" flag.
    const ZERO: Prefixes = {
        // seed 0, trial 0: `x ^ 0` is `x`.
        let trial_hash = mix(mix(SEED_SALT));
        Prefixes {
            seed: 0,
            trial: 0,
            trial_hash,
            task: 0,
            task_hash: mix(trial_hash),
        }
    };

    /// `mix(mix(mix(seed ^ SEED_SALT) ^ trial) ^ task)`, from the memo when it can be.
    #[inline]
    fn task_hash(&mut self, seed: u64, trial: u64, task: u64) -> u64 {
        if self.seed != seed || self.trial != trial {
            *self = Prefixes {
                seed,
                trial,
                trial_hash: mix(mix(seed ^ SEED_SALT) ^ trial),
                task: !task, // forces the task hash below
                task_hash: 0,
            };
        }
        if self.task != task {
            self.task = task;
            self.task_hash = mix(self.trial_hash ^ task);
        }
        self.task_hash
    }
}

/// The streams of one trial (one seed and trial index), for a caller that draws many of
/// them (the cluster of a trial): the (seed, trial) prefix hashed once when the trial
/// begins, and the last (slot, attempt) prefix with its hash, since consecutive streams
/// often share it. A stream is then one or two mixes, with no thread-local look-up and no
/// test of the seed and trial. The values are [`Key::rng`]'s.
#[derive(Clone)]
pub struct TrialStreams {
    seed: u64,
    trial: u64,
    /// `mix(mix(seed ^ SEED_SALT) ^ trial)`.
    trial_hash: u64,
    /// The last `slot << 32 | attempt` and `mix(trial_hash ^ it)` (always a true pair).
    task: std::cell::Cell<(u64, u64)>,
}

impl TrialStreams {
    /// The streams of trial `trial` under `seed`.
    pub fn new(seed: u64, trial: u64) -> TrialStreams {
        let trial_hash = mix(mix(seed ^ SEED_SALT) ^ trial);
        TrialStreams {
            seed,
            trial,
            trial_hash,
            task: std::cell::Cell::new((0, mix(trial_hash))),
        }
    }

    /// The trial these are the streams of.
    pub fn trial(&self) -> u64 {
        self.trial
    }

    /// The stream of the key (this seed and trial, `slot`, `version`, `attempt`,
    /// `purpose`): [`Key::rng`] of it.
    #[inline]
    pub fn rng(&self, slot: u32, version: u8, attempt: u32, purpose: Purpose) -> KeyedRng {
        let task = (slot as u64) << 32 | attempt as u64;
        let (last, last_hash) = self.task.get();
        let h = if last == task {
            last_hash
        } else {
            let h = mix(self.trial_hash ^ task);
            self.task.set((task, h));
            h
        };
        KeyedRng {
            state: mix(h ^ ((version as u64) << 8 | purpose as u64)),
        }
    }
}

impl std::fmt::Debug for TrialStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrialStreams")
            .field("seed", &self.seed)
            .field("trial", &self.trial)
            .finish_non_exhaustive()
    }
}

thread_local! {
    static PREFIXES: std::cell::Cell<Prefixes> = const { std::cell::Cell::new(Prefixes::ZERO) };
}

/// SplitMix64's output function: a strong 64-bit bijective mixer.
#[inline]
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A SplitMix64 generator for one keyed stream.
#[derive(Debug, Clone)]
pub struct KeyedRng {
    state: u64,
}

impl KeyedRng {
    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.state)
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponential draw with mean 1.
    #[inline]
    pub fn exponential(&mut self) -> f64 {
        -(1.0 - self.unit()).ln()
    }

    /// `true` with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// A uniform integer in `0..n` (`n > 0`), by Lemire's multiply-shift (bias below 2^-32
    /// for the small `n` used here).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// How many independent trials with success probability `p` fail before the first
    /// success (geometric, support 0, 1, …). `p >= 1` gives 0; `p <= 0` gives `u64::MAX`.
    #[inline]
    pub fn failures_before_success(&mut self, p: f64) -> u64 {
        Geometric::new(p).sample(self)
    }
}

/// The geometric distribution of [`KeyedRng::failures_before_success`] with its
/// `ln(1 − p)` computed once: a probe walk draws it once per flaky failure, dozens of
/// times per container, and the logarithm was a sixth of a Kubernetes trial.
///
/// A sample can also be taken in two halves: the uniform drawn now ([`Geometric::draw`]),
/// its value later ([`Geometric::of_draw`]), with a lower bound in between that takes no
/// logarithm ([`Geometric::at_least`]). A readiness walk uses the bound to put a skip
/// that ends after the trial's end aside without its logarithm; most are never needed.
#[derive(Debug, Clone, Copy)]
pub struct Geometric {
    ln_q: f64,
    /// `1 / −ln(1 − p)`, shrunk by a relative `2⁻⁴⁰` so that the bound stays below the
    /// sample whatever the rounding ([`Geometric::at_least`]); 0 when `ln(1 − p)` is 0 or
    /// not a number. Negative when `p` decides the sample without a draw: [`ONE`] for a
    /// `p` of 1 or more, [`NONE`] for a `p` of 0 or less (so that a walk's copy of the
    /// distribution is two words, not three).
    inv_scaled: f64,
}

/// [`Geometric::inv_scaled`] of a `p` of 1 or more: every sample is 0.
const ONE: f64 = -1.0;
/// [`Geometric::inv_scaled`] of a `p` of 0 or less: every sample is `u64::MAX`.
const NONE: f64 = -2.0;

impl Geometric {
    /// Success probability `p`.
    pub fn new(p: f64) -> Geometric {
        let ln_q = (1.0 - p).ln();
        let inv_scaled = if p >= 1.0 {
            ONE
        } else if p <= 0.0 {
            NONE
        } else if ln_q < 0.0 && ln_q.is_finite() {
            (1.0 / -ln_q) * (1.0 - 1.0 / (1u64 << 40) as f64)
        } else {
            0.0
        };
        Geometric { ln_q, inv_scaled }
    }

    /// Failures before the first success, by inversion: `⌊ln(1 − u) / ln(1 − p)⌋`.
    #[inline]
    pub fn sample(&self, rng: &mut KeyedRng) -> u64 {
        match self.draw(rng) {
            Some(x) => self.of_draw(x),
            None => self.fixed(),
        }
    }

    /// The first half of [`Geometric::sample`]: the uniform it draws, or `None` when `p`
    /// decides the sample without drawing (it is then [`Geometric::fixed`]).
    #[inline]
    pub fn draw(&self, rng: &mut KeyedRng) -> Option<f64> {
        if self.inv_scaled < 0.0 {
            return None;
        }
        Some(rng.unit())
    }

    /// The sample when `p` is 1 or more (0) or 0 or less (never a success: `u64::MAX`).
    #[inline]
    pub fn fixed(&self) -> u64 {
        if self.inv_scaled == ONE { 0 } else { u64::MAX }
    }

    /// The second half of [`Geometric::sample`]: the sample of the uniform `x` drawn.
    #[inline]
    pub fn of_draw(&self, x: f64) -> u64 {
        let u = 1.0 - x; // (0, 1], exactly: `x` is a multiple of 2⁻⁵³
        // The quotient is ≥ 0 (or NaN, when 1 − p rounds to 1 and u = 1); `as` truncates,
        // which is the floor here, sends NaN to 0 and saturates at u64::MAX.
        (u.ln() / self.ln_q) as u64
    }

    /// A lower bound of [`Geometric::of_draw`]`(x)` that takes no logarithm, exact for
    /// most `x` below ½ (the skips that end soonest). With `s = x / (2 − x)`,
    /// `−ln(1 − x) = 2 artanh s = 2 (s + s³/3 + s⁵/5 + …)`, every term positive: the first
    /// three fall short by less than `2 s⁷ / 7` (under 10⁻⁵ passes at 2 % and `x` ≤ 0.3).
    /// Rounding: the sum is within a few units in the last place of its value, as are
    /// glibc's logarithm and the quotient of the sample, all far inside the `2⁻⁴⁰`
    /// [`Geometric::inv_scaled`] takes off, so the bound never passes the sample.
    #[inline]
    pub fn at_least(&self, x: f64) -> u64 {
        let s = x / (2.0 - x);
        let s2 = s * s;
        let neg_ln = 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0)));
        (neg_ln * self.inv_scaled) as u64
    }
}

impl rand::TryRng for KeyedRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_u64() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
}
