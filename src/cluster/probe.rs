//! Kubelet probe timing (startup, readiness, liveness), computed rather than ticked;
//! after `kubernetes/kubernetes:pkg/kubelet/prober/worker.go` (`run`, `doProbe`).
//!
//! A probe worker probes on a fixed period. A result changes only after
//! `failureThreshold` consecutive failures or `successThreshold` consecutive successes
//! (`resultRun`). Outcomes of one probe at tick `t`, given the application's own timeline
//! ([`AppTimes`]):
//!
//! * before `ready_at` the application refuses: a failure, observed at `t`;
//! * from `hang_at` on it answers nothing: a failure observed at `t + timeoutSeconds`;
//! * in between it passes, except that a `flaky` probe fails with that probability.
//!
//! A [`ProbeWalk`] walks the ticks of one probe of one container and returns only the
//! instants where the result flips, jumping over runs of identical outcomes (deterministic
//! regions arithmetically, flaky passes by geometric skips), so the cost is proportional
//! to the number of flaky failures, not of ticks.
//!
//! Tick placement (a documented simplification of the worker's ticker, whose phase is set
//! when the pod is added to the kubelet and is jittered): the first probe is at
//! `max(process start + initialDelaySeconds, started)` — the worker probes at once and
//! `prober_manager.UpdatePodStatus` triggers a readiness probe as soon as a started
//! container has no result; `int(secondsSince(startedAt)) < initialDelaySeconds` lets the
//! probe at exactly `start + initialDelay` through — then every `periodSeconds`. A probe
//! that times out is observed `timeoutSeconds` after its tick. The next probe is at the
//! next tick when the timeout is shorter than the period; otherwise it starts as soon as
//! the hung one returns: `run` probes synchronously (`doProbe` waits out the timeout) and
//! then reads a `time.Ticker`, whose channel keeps one tick and drops the others, so
//! consecutive hung probes are `timeoutSeconds` apart, not `periodSeconds`.

use super::health::AppTimes;
use crate::scenario::Probe;
use crate::sim::KeyedRng;
use crate::sim::rng::Geometric;
use crate::sim::time::{NEVER, Time};

/// What a probe result flipped to, and when it was observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flip {
    /// `successThreshold` consecutive successes, observed at this instant.
    Success(Time),
    /// `failureThreshold` consecutive failures, observed at this instant.
    Failure(Time),
    /// Neither happens before the horizon.
    Never,
}

/// The state of one probe worker of one container.
#[derive(Debug, Clone)]
pub struct ProbeWalk {
    /// Next tick.
    t: Time,
    succ: u32,
    fail: u32,
    rng: KeyedRng,
    /// The uniform of a skip drawn but not yet taken ([`NO_DRAW`]: none). A walk that
    /// draws a skip whose lower bound ([`Geometric::at_least`]) already lies past the
    /// instant it walks to pauses there, `t` at the bound, without the skip's logarithm:
    /// most such skips end after the trial has.
    drawn: f64,
}

/// [`ProbeWalk::drawn`] when no skip is pending (a draw is in `[0, 1)`).
const NO_DRAW: f64 = -1.0;

impl ProbeWalk {
    /// A worker whose first probe is at `first`, drawing from `rng`.
    pub fn new(first: Time, rng: KeyedRng) -> ProbeWalk {
        ProbeWalk {
            t: first,
            succ: 0,
            fail: 0,
            rng,
            drawn: NO_DRAW,
        }
    }

    /// Probe until `success` consecutive successes or `failure` consecutive failures
    /// (either may be `None`: that result is not looked for) and return the first flip.
    /// Streaks carry over between calls, as the worker's `resultRun` does. `skip` is
    /// [`skip_of`] `p`.
    ///
    /// Inlined: a container's plan ([`super::kubelet::plan`]) walks its startup and
    /// readiness probes with thresholds it names as constants, and the walk inlined there
    /// is specialised to them.
    #[inline(always)]
    pub fn next_flip(
        &mut self,
        p: &Probe,
        skip: Geometric,
        app: AppTimes,
        success: Option<u32>,
        failure: Option<u32>,
        horizon: Time,
    ) -> Flip {
        let seek = Seek::new(p, skip, success, failure, horizon);
        self.resume(&seek, app, NEVER)
            .expect("a walk without a pause ends")
    }

    /// No probe counted yet: a walk as [`ProbeWalk::new`] made it, if its stream was not
    /// drawn from either (the caller knows).
    pub fn is_fresh(&self) -> bool {
        self.succ == 0 && self.fail == 0 && self.drawn < 0.0
    }

    /// The first tick not yet probed or known to pass: every flip still to come is at or
    /// after it.
    pub fn next_tick(&self) -> Time {
        self.t
    }

    /// The first instant a flip of the walk `seek` directs can be observed, for a walk
    /// paused by [`ProbeWalk::resume`]: [`ProbeWalk::next_tick`], or, paused on a skip,
    /// `failureThreshold − 1` periods after it, since the skip's flaky failure at the
    /// tick it ends on (or a hung probe's, later) begins the streak that flips
    /// (not before the bound's tick either way). Waiting for this rather than the tick
    /// keeps the engine from walking the walk only to take the skip's logarithm.
    pub fn flips_from(&self, seek: &Seek) -> Time {
        if self.drawn < 0.0 {
            return self.t;
        }
        let streak = seek.failure.saturating_sub(1) as Time;
        self.t.saturating_add(streak.saturating_mul(seek.period))
    }

    /// [`ProbeWalk::next_flip`] in steps: probe every tick up to `until` (inclusive) and
    /// return the flip, or `None` when none came by then (the walk pauses at the next
    /// tick, after `until`, or a little later, once a streak it looks for is over, or on
    /// a skip to a flaky failure whose bound lies after `until`: see
    /// [`ProbeWalk::flips_from`] for when the walk can next flip). Walking
    /// in steps finds what one walk finds: the walk stops only between ticks, where its
    /// state is all it carries.
    ///
    /// Inlined into each caller (three: [`ProbeWalk::next_flip`], the readiness worker's
    /// first walk after a flip and the engine's deferred walk): a call spent some 50
    /// instructions saving registers and spilling the seek, about half of what a typical
    /// walk (one pass, then a skip drawn and put aside) does.
    #[inline(always)]
    pub fn resume(&mut self, seek: &Seek, app: AppTimes, until: Time) -> Option<Flip> {
        let (succ_thr, fail_thr, horizon) = (seek.success, seek.failure, seek.horizon);
        let (period, timeout, flaky) = (seek.period, seek.timeout, seek.flaky);
        loop {
            let t = self.t;
            if t >= horizon || t == NEVER {
                return Some(Flip::Never);
            }
            // Pause only between streaks: finishing one takes at most a threshold of ticks.
            let in_streak = fail_thr != 0 && self.fail > 0 || succ_thr != 0 && self.succ > 0;
            if t > until && !in_streak {
                return None;
            }
            if t >= app.hang_at {
                // Every probe from here on times out. The worker probes synchronously, so
                // a probe that waits out a timeout longer than the period holds the next
                // one back until it returns (the ticker keeps one tick, which fires at
                // once): hung probes are `max(period, timeout)` apart.
                if fail_thr == 0 {
                    return Some(Flip::Never);
                }
                let spacing = period.max(timeout);
                let need = fail_thr.saturating_sub(self.fail).max(1) as Time;
                let tick = t + (need - 1) * spacing;
                self.t = tick + spacing;
                self.fail = 0;
                self.succ = 0;
                return Some(Flip::Failure(tick + timeout));
            }
            let answers_from = app.ready_at.min(app.hang_at);
            if t < answers_from {
                // Refused until the application listens (or hangs first).
                let k = (answers_from - t).div_ceil(period);
                if fail_thr != 0 {
                    let need = fail_thr.saturating_sub(self.fail).max(1) as Time;
                    if need <= k {
                        let tick = t + (need - 1) * period;
                        self.t = tick + period;
                        self.fail = 0;
                        self.succ = 0;
                        return Some(Flip::Failure(tick));
                    }
                }
                self.fail = self.fail.saturating_add(k.min(u32::MAX as Time) as u32);
                self.succ = 0;
                self.t = t.saturating_add(k.saturating_mul(period));
                continue;
            }
            // The application answers: every probe passes unless flaky.
            let first_hung_tick = if app.hang_at == NEVER {
                NEVER
            } else {
                t + (app.hang_at - t).div_ceil(period) * period
            };
            if flaky <= 0.0 {
                if succ_thr != 0 {
                    let need = succ_thr.saturating_sub(self.succ).max(1) as Time;
                    let tick = t.saturating_add((need - 1).saturating_mul(period));
                    if tick < app.hang_at {
                        self.t = tick + period;
                        self.succ = 0;
                        self.fail = 0;
                        return Some(Flip::Success(tick));
                    }
                }
                self.fail = 0;
                self.succ = 0;
                self.t = first_hung_tick;
                continue;
            }
            let forced = succ_thr == 0 && self.fail == 0;
            if forced {
                // Skip the passes before the next flaky failure.
                // `None`: paused on the skip's bound.
                let (t, passes) = self.take_skip(seek, t, app.hang_at, until)?;
                let tick = passes
                    .checked_mul(period)
                    .and_then(|d| t.checked_add(d))
                    .unwrap_or(NEVER);
                if tick >= app.hang_at {
                    self.t = first_hung_tick;
                    continue;
                }
                self.t = tick;
            }
            let tick = self.t;
            self.t = tick + period;
            if forced || self.rng.chance(flaky) {
                self.fail += 1;
                self.succ = 0;
                if fail_thr != 0 && self.fail >= fail_thr {
                    self.fail = 0;
                    return Some(Flip::Failure(tick));
                }
            } else {
                self.succ += 1;
                self.fail = 0;
                if succ_thr != 0 && self.succ >= succ_thr {
                    self.succ = 0;
                    return Some(Flip::Success(tick));
                }
            }
        }
    }
    /// The skip to the next flaky failure of a walk at tick `t`: where it is counted from
    /// and its passes, or `None` when the walk pauses on the skip's bound instead (see
    /// [`ProbeWalk::drawn`]). Inlined: the readiness walks of a flaky probe take a skip
    /// at nearly every call (every pod's first walk after it turns Ready, and every
    /// deferred walk resumed), and a call spent some 30 instructions saving and
    /// restoring registers and passing its answer through memory; a walk that never
    /// takes one (a success sought, a probe that is never flaky) loses nothing by it.
    #[inline(always)]
    fn take_skip(
        &mut self,
        seek: &Seek,
        t: Time,
        hang_at: Time,
        until: Time,
    ) -> Option<(Time, u64)> {
        let (skip, period, horizon) = (&seek.skip, seek.period, seek.horizon);
        let (t, passes) = if self.drawn >= 0.0 {
            // Paused on this skip's bound: take it from where it was drawn.
            let x = std::mem::replace(&mut self.drawn, NO_DRAW);
            (t - skip.at_least(x) * period, skip.of_draw(x))
        } else {
            match skip.draw(&mut self.rng) {
                None => (t, skip.fixed()),
                Some(x) => {
                    // Every flip lies at or after the bound's tick: pause there
                    // when it lies past `until` (a tick at or after the hang or
                    // the horizon is not left for later: the walk ends there).
                    let low = skip.at_least(x).checked_mul(period);
                    if let Some(at) = low.and_then(|d| t.checked_add(d))
                        && at > until
                        && at < hang_at
                        && at < horizon
                    {
                        self.t = at;
                        self.drawn = x;
                        return None;
                    }
                    (t, skip.of_draw(x))
                }
            }
        };
        Some((t, passes))
    }
}

/// What a walk looks for: the probe (the parts a walk reads), the flips sought and where
/// the walk gives up.
#[derive(Debug, Clone)]
pub struct Seek {
    /// `periodSeconds` (at least 1 µs).
    period: Time,
    /// `timeoutSeconds`.
    timeout: Time,
    /// Probability that a probe of a healthy process fails anyway.
    flaky: f64,
    /// Consecutive successes that flip the result (0: not looked for; a threshold is at
    /// least 1). A plain number rather than an `Option`: every step of a walk tests it.
    success: u32,
    /// Consecutive failures that flip the result (0: not looked for).
    failure: u32,
    /// No tick at or after it is probed.
    horizon: Time,
    /// Passes before a flaky failure ([`skip_of`] the probe). A constant of the scenario:
    /// kept here rather than by each walk, so that a pod's record stays small.
    skip: Geometric,
}

impl Seek {
    /// Look for `success` successes or `failure` failures of `p` (whose skip distribution
    /// is `skip`, [`skip_of`] `p`) before `horizon`.
    pub fn new(
        p: &Probe,
        skip: Geometric,
        success: Option<u32>,
        failure: Option<u32>,
        horizon: Time,
    ) -> Seek {
        Seek {
            period: p.period.max(1),
            timeout: p.timeout,
            flaky: p.flaky,
            success: success.map_or(0, |s| s.max(1)),
            failure: failure.map_or(0, |f| f.max(1)),
            horizon,
            skip,
        }
    }

    /// The same, giving up at `end` too if that is sooner.
    #[inline]
    pub fn ending_by(mut self, end: Time) -> Seek {
        self.horizon = self.horizon.min(end);
        self
    }
}

/// The distribution of the passes before a flaky failure of probe `p` (a logarithm:
/// computed once per scenario, see [`super::kubelet::Skips`]). A probe that is never
/// flaky has `p = 0`'s, which a walk never draws from.
pub fn skip_of(p: &Probe) -> Geometric {
    Geometric::new(p.flaky.max(0.0))
}

/// The first tick of a probe: `max(run + initialDelaySeconds, started)`.
pub fn first_tick(p: &Probe, run: Time, started: Time) -> Time {
    run.saturating_add(p.initial_delay).max(started)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;
    use crate::sim::{Key, Purpose};

    const S: Time = SECOND;

    fn rng(i: u64) -> KeyedRng {
        Key::trial(3, i, Purpose::Probe).rng()
    }

    fn app(ready: Time, hang: Time) -> AppTimes {
        AppTimes {
            run: 0,
            ready_at: ready,
            hang_at: hang,
        }
    }

    fn probe(period: u64, succ: u32, fail: u32) -> Probe {
        Probe {
            period: period * S,
            success_threshold: succ,
            failure_threshold: fail,
            ..Probe::default()
        }
    }

    #[test]
    fn readiness_passes_at_the_first_tick_after_ready() {
        // Ticks at 0, 10, 20 …; ready at 14 s: the tick at 20 s passes.
        let p = probe(10, 1, 3);
        let mut w = ProbeWalk::new(0, rng(0));
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(14 * S, NEVER), Some(1), None, NEVER),
            Flip::Success(20 * S)
        );
        // successThreshold 2: the ticks at 20 and 30 s.
        let mut w = ProbeWalk::new(0, rng(0));
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(14 * S, NEVER), Some(2), None, NEVER),
            Flip::Success(30 * S)
        );
        // Ready from the start: the immediate first probe passes.
        let mut w = ProbeWalk::new(0, rng(0));
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(0, NEVER), Some(1), None, NEVER),
            Flip::Success(0)
        );
    }

    #[test]
    fn liveness_before_ready_counts_failures() {
        // An application that needs 60 s, liveness every 10 s, failureThreshold 3: probes
        // at 0, 10, 20 fail: the container is killed at 20 s (the classic restart loop).
        let p = probe(10, 1, 3);
        let mut w = ProbeWalk::new(0, rng(0));
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(60 * S, NEVER), None, Some(3), NEVER),
            Flip::Failure(20 * S)
        );
        // Ready at 15 s: only two failures before; it never fails afterwards.
        let mut w = ProbeWalk::new(0, rng(0));
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(15 * S, NEVER), None, Some(3), NEVER),
            Flip::Never
        );
    }

    #[test]
    fn a_hang_fails_after_threshold_timed_out_probes() {
        // Hang at 35 s: ticks 40, 50, 60 time out (1 s each): failure observed at 61 s.
        let p = probe(10, 1, 3);
        let mut w = ProbeWalk::new(0, rng(0));
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(0, 35 * S), None, Some(3), NEVER),
            Flip::Failure(61 * S)
        );
        // A readiness probe looking for success after the hang never finds it.
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(0, 35 * S), Some(1), None, NEVER),
            Flip::Never
        );
    }

    #[test]
    fn hung_probes_are_a_timeout_apart_when_it_exceeds_the_period() {
        // kubernetes/kubernetes pkg/kubelet/prober/worker.go `run`: `doProbe` blocks until
        // the probe returns, then the loop reads the ticker, which holds one tick. With
        // periodSeconds 2 and timeoutSeconds 5, a container that hangs at 35 s is probed at
        // 36 s (grid tick), 41 s and 46 s (each as soon as the previous one timed out): the
        // third failure is seen at 51 s, not at 36 + 2 × 2 + 5 = 45 s.
        let p = Probe {
            timeout: 5 * S,
            ..probe(2, 1, 3)
        };
        let mut w = ProbeWalk::new(0, rng(0));
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(0, 35 * S), None, Some(3), NEVER),
            Flip::Failure(51 * S)
        );
        // A timeout equal to the period changes nothing: ticks 36, 41, 46 at period 5 too.
        let p = Probe {
            timeout: 5 * S,
            ..probe(5, 1, 3)
        };
        let mut w = ProbeWalk::new(S, rng(0));
        assert_eq!(
            w.next_flip(&p, skip_of(&p), app(0, 35 * S), None, Some(3), NEVER),
            Flip::Failure(51 * S)
        );
    }

    #[test]
    fn flaky_readiness_flaps_and_recovers() {
        // p = 0.5, failureThreshold 3: a NotReady flip comes soon; then Ready again.
        let mut p = probe(1, 1, 3);
        p.flaky = 0.5;
        let mut flips = 0;
        for i in 0..500 {
            let mut w = ProbeWalk::new(0, rng(i));
            let a = app(0, NEVER);
            let Flip::Failure(t1) = w.next_flip(&p, skip_of(&p), a, None, Some(3), 3600 * S) else {
                panic!("no failure within the hour")
            };
            let Flip::Success(t2) = w.next_flip(&p, skip_of(&p), a, Some(1), None, 3600 * S) else {
                panic!("no recovery")
            };
            assert!(t2 > t1);
            flips += 1;
        }
        assert_eq!(flips, 500);
    }

    #[test]
    fn flaky_failure_runs_have_the_geometric_rate() {
        // P(first three probes all fail) = 1/8 at p = 0.5.
        let mut p = probe(1, 1, 3);
        p.flaky = 0.5;
        let n = 8000;
        let early = (0..n)
            .filter(|&i| {
                let mut w = ProbeWalk::new(0, rng(i));
                w.next_flip(&p, skip_of(&p), app(0, NEVER), None, Some(3), NEVER)
                    == Flip::Failure(2 * S)
            })
            .count();
        // Binomial(8000, 1/8): mean 1000, sd 29.6.
        assert!((850..1150).contains(&early), "{early}");
    }

    #[test]
    fn a_walk_in_steps_finds_the_flips_of_one_walk() {
        // Alternate failure and success walks, with flakiness, a late start and a hang:
        // pausing at arbitrary instants changes nothing, and a pause is never past a flip.
        let mut p = probe(2, 2, 3);
        let horizon = 3600 * S;
        for i in 0..300 {
            // Thresholds of 1 to 3, so a paused skip's promise is checked at each.
            p.failure_threshold = 1 + (i as u32 / 3) % 3;
            p.flaky = [0.02, 0.2, 0.6][i as usize % 3];
            let a = app(7 * S, if i % 4 == 0 { 900 * S } else { NEVER });
            let mut whole = ProbeWalk::new(S, rng(i));
            let mut steps = ProbeWalk::new(S, rng(i));
            let mut pauses = Key::trial(9, i, Purpose::Controller).rng();
            let mut until = 0;
            for k in 0..40 {
                let (succ, fail) = if k % 2 == 0 {
                    (None, Some(p.failure_threshold))
                } else {
                    (Some(2), None)
                };
                let want = whole.next_flip(&p, skip_of(&p), a, succ, fail, horizon);
                let seek = Seek::new(&p, skip_of(&p), succ, fail, horizon);
                let mut promised = 0;
                let got = loop {
                    if let Some(f) = steps.resume(&seek, a, until) {
                        break f;
                    }
                    assert!(steps.next_tick() > until);
                    promised = steps.flips_from(&seek);
                    assert!(promised >= steps.next_tick());
                    until += pauses.below(20 * S);
                };
                assert_eq!(got, want, "walk {i}, flip {k}");
                if let Flip::Success(at) | Flip::Failure(at) = got {
                    assert!(
                        at >= promised,
                        "walk {i}, flip {k}: before its pause's promise"
                    );
                }
                if got == Flip::Never {
                    break;
                }
            }
        }
    }

    #[test]
    fn first_tick_honours_initial_delay_and_start() {
        let p = Probe {
            initial_delay: 5 * S,
            ..Probe::default()
        };
        assert_eq!(first_tick(&p, 10 * S, 0), 15 * S);
        assert_eq!(first_tick(&p, 10 * S, 30 * S), 30 * S);
    }
}
