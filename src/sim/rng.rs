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
    /// How a measurement window's served requests fall into the mesh proxy's latency
    /// buckets.
    LatencyBuckets = 20,
    /// How a measurement window's load-test requests split over their outcomes.
    LoadTest = 21,
    /// How many of a measurement window's mirrored requests (copies of the users') fall
    /// on each outcome.
    Mirror = 22,
    /// How many attempts a measurement window's pods took that failed and were retried
    /// elsewhere (the destination's count, [`crate::traffic::window::Reporter`]).
    RetriedAttempts = 23,
    /// The cluster autoscaler: its loop's phase, each new node's provisioning time.
    Autoscaler = 24,
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
#[path = "rng_tests.rs"]
mod tests;
