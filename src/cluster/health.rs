//! Docker HEALTHCHECK timing, computed rather than ticked.
//!
//! `moby/moby:daemon/health.go` probes one `interval` after the container starts (or
//! `start_interval` while the state is still `starting` inside `start_period`), then again
//! one interval after each probe *finishes*. `start_interval` exists from Docker 25.0
//! (Engine API 1.44, moby/moby#40894); on an older engine (Docker 20.10's `monitor` resets
//! one timer to `Interval` after every probe) every gap is `interval`, start period or not.
//! The engine release comes from `cluster.control_plane` ([`DockerEngine`]). The first success makes the container
//! healthy; `retries` consecutive failures make it unhealthy, except that failures of a
//! probe that *started* inside `start_period` do not count while the state is `starting`.
//!
//! A simulator does not need an event per probe: given when the application is truly
//! ready and when it hangs, the probe instants are arithmetic, so [`docker_health`] walks
//! them directly, jumping over runs of identical outcomes. Flaky probes (each probe of a
//! healthy process fails with probability `flaky`) are drawn from the task's own stream,
//! skipping ahead geometrically, so the cost is proportional to the number of flaky
//! failures, not to the number of probes.
//!
//! Probe duration: a probe of a process that answers (or refuses at once because it is
//! not listening yet) takes no time; a probe of a hung process takes `timeout`.

use crate::scenario::HealthCheck;
use crate::scenario::control_plane::DockerEngine;
use crate::sim::KeyedRng;
use crate::sim::rng::Geometric;
use crate::sim::time::{NEVER, Time};

/// When the container turns healthy and when (if ever) it turns unhealthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthTimes {
    /// First healthy instant, `NEVER` if it never is.
    pub healthy_at: Time,
    /// Instant it becomes unhealthy (before or after being healthy), `NEVER` if it never does.
    pub unhealthy_at: Time,
}

/// The application's own timeline, in absolute times.
#[derive(Debug, Clone, Copy)]
pub struct AppTimes {
    /// Process start (`State.StartedAt`).
    pub run: Time,
    /// From here on probes of the application pass.
    pub ready_at: Time,
    /// From here on the application answers nothing (probes time out).
    pub hang_at: Time,
}

/// Walk the probes of one container until it is healthy and then until it is unhealthy
/// (or `horizon`). `healthy_already` skips the first phase for tasks that were already
/// healthy before the trial began; `engine` is the Docker release (`None`: today's).
pub fn docker_health(
    hc: &HealthCheck,
    engine: Option<DockerEngine>,
    app: AppTimes,
    healthy_already: bool,
    rng: &mut KeyedRng,
    horizon: Time,
) -> HealthTimes {
    walk(hc, engine, app, healthy_already, Some(rng), horizon)
}

/// [`docker_health`] with the flaky probes' stream built by `rng` only if it can be drawn
/// from: a check that is never flaky (`flaky` 0) draws nothing, and building a stream is a
/// keyed hash per container.
pub fn docker_health_lazy(
    hc: &HealthCheck,
    engine: Option<DockerEngine>,
    app: AppTimes,
    healthy_already: bool,
    rng: impl FnOnce() -> KeyedRng,
    horizon: Time,
) -> HealthTimes {
    let mut stream;
    let rng = if hc.flaky <= 0.0 {
        None
    } else {
        stream = rng();
        Some(&mut stream)
    };
    walk(hc, engine, app, healthy_already, rng, horizon)
}

/// [`docker_health`]; `rng` is `None` only when `flaky` is at most 0, when no probe
/// draws from it. Inlined into the start of every container's process.
#[inline]
fn walk(
    hc: &HealthCheck,
    engine: Option<DockerEngine>,
    app: AppTimes,
    healthy_already: bool,
    mut rng: Option<&mut KeyedRng>,
    horizon: Time,
) -> HealthTimes {
    let retries = hc.retries.max(1);
    let healthy_at = if healthy_already {
        app.run
    } else {
        let start_gap = if DockerEngine::has_start_interval(engine) {
            hc.start_interval
        } else {
            hc.interval
        };
        match until_healthy(hc, start_gap, app, retries, rng.as_deref_mut(), horizon) {
            Ok(t) => t,
            Err(unhealthy_at) => {
                return HealthTimes {
                    healthy_at: NEVER,
                    unhealthy_at,
                };
            }
        }
    };
    let unhealthy_at = until_unhealthy(hc, app, healthy_at, retries, rng, horizon);
    HealthTimes {
        healthy_at,
        unhealthy_at,
    }
}

/// Phase one, state `starting`: `Ok(healthy instant)` or `Err(unhealthy instant)`.
/// `start_gap` is the gap after a probe that ends inside the start period.
///
/// Inlined for its common case, answered without the walk: probes that never flake (no
/// stream), a process that never hangs and is ready by the end of the start period. No
/// failure before it is ready counts then, so the walk's first jump lands on the answer:
/// the first probe at or after `ready_at` (or the first probe, if it is ready by then),
/// unless that is past the horizon. A jump that would wrap round takes the walk.
#[inline(always)]
fn until_healthy(
    hc: &HealthCheck,
    start_gap: Time,
    app: AppTimes,
    retries: u32,
    rng: Option<&mut KeyedRng>,
    horizon: Time,
) -> Result<Time, Time> {
    let start_period_end = app.run.saturating_add(hc.start_period);
    if rng.is_none() && app.hang_at == NEVER && app.ready_at <= start_period_end {
        let gap = if app.run < start_period_end {
            start_gap
        } else {
            hc.interval
        };
        let mut t = app.run + gap;
        if t < app.ready_at {
            t += (app.ready_at - t).div_ceil(start_gap) * start_gap;
        }
        if t >= app.ready_at {
            return if t >= horizon { Err(NEVER) } else { Ok(t) };
        }
    }
    walk_until_healthy(hc, start_gap, app, retries, rng, horizon)
}

/// [`until_healthy`] by walking the probes.
fn walk_until_healthy(
    hc: &HealthCheck,
    start_gap: Time,
    app: AppTimes,
    retries: u32,
    mut rng: Option<&mut KeyedRng>,
    horizon: Time,
) -> Result<Time, Time> {
    let start_period_end = app.run.saturating_add(hc.start_period);
    let in_start_period = |t: Time| t < start_period_end;
    // The interval chosen after a probe that finished at `t` while still starting.
    let next_gap = |t: Time| {
        if in_start_period(t) {
            start_gap
        } else {
            hc.interval
        }
    };
    let mut t = app.run + next_gap(app.run);
    let mut streak = 0u32;
    loop {
        if t >= horizon {
            return Err(NEVER);
        }
        // Jump over the uncounted failures inside the start period before the app is up.
        let target = app.ready_at.min(app.hang_at).min(start_period_end);
        if t < target && in_start_period(t) {
            let k = (target - t).div_ceil(start_gap);
            t += k * start_gap;
            continue;
        }
        let hung = t >= app.hang_at;
        let answers = t >= app.ready_at && !hung;
        // `chance` draws nothing at a `flaky` of 0 or less, when there is no stream.
        if answers && !rng.as_deref_mut().is_some_and(|r| r.chance(hc.flaky)) {
            return Ok(t);
        }
        let done = if hung { t + hc.timeout } else { t };
        if !in_start_period(t) {
            streak += 1;
            if streak >= retries {
                return Err(done);
            }
        }
        t = done + next_gap(done);
    }
}

/// Phase two, state `healthy`: the instant of the `retries`-th consecutive failure.
fn until_unhealthy(
    hc: &HealthCheck,
    app: AppTimes,
    healthy_at: Time,
    retries: u32,
    rng: Option<&mut KeyedRng>,
    horizon: Time,
) -> Time {
    let hung_from = |t: Time, streak: u32| {
        // Every probe from `t` on times out; `retries - streak` more failures are needed.
        let more = (retries - streak) as Time;
        t + (more - 1) * (hc.timeout + hc.interval) + hc.timeout
    };
    let first_tick_at_or_after = |from: Time, at: Time| {
        if at <= from {
            from
        } else {
            from + (at - from).div_ceil(hc.interval) * hc.interval
        }
    };
    let mut t = healthy_at + hc.interval;
    if hc.flaky <= 0.0 {
        if app.hang_at == NEVER {
            return NEVER;
        }
        return hung_from(first_tick_at_or_after(t, app.hang_at), 0);
    }
    let rng = rng.expect("a flaky check has a stream");
    let passes_before_flaky = Geometric::new(hc.flaky);
    let mut streak = 0u32;
    loop {
        if t >= app.hang_at {
            return hung_from(t, streak);
        }
        if t >= horizon {
            return NEVER;
        }
        if streak == 0 {
            // Passing probes until the next flaky failure.
            let passes = passes_before_flaky.sample(rng);
            let next = passes
                .checked_mul(hc.interval)
                .and_then(|d| t.checked_add(d))
                .unwrap_or(NEVER);
            if next >= app.hang_at {
                t = first_tick_at_or_after(t, app.hang_at);
                continue;
            }
            t = next;
            streak = 1;
        } else if rng.chance(hc.flaky) {
            streak += 1;
        } else {
            streak = 0;
            t += hc.interval;
            continue;
        }
        if streak >= retries {
            return t;
        }
        t += hc.interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;
    use crate::sim::{Key, Purpose};

    fn rng() -> KeyedRng {
        Key::trial(1, 0, Purpose::Probe).rng()
    }

    fn hc(interval: u64, start_period: u64, start_interval: u64) -> HealthCheck {
        HealthCheck {
            interval: interval * SECOND,
            start_period: start_period * SECOND,
            start_interval: start_interval * SECOND,
            ..HealthCheck::default()
        }
    }

    fn app(run: u64, ready_ms: u64, hang: Time) -> AppTimes {
        AppTimes {
            run: run * SECOND,
            ready_at: run * SECOND + ready_ms * 1000,
            hang_at: hang,
        }
    }

    #[test]
    fn the_inline_answer_is_the_walks() {
        // Ready before, at, between and after probes, inside and past the start period,
        // with the horizon before, at and after the answer; never hung, never flaky.
        let s = SECOND;
        for (interval, start_period, start_gap) in [(s, 120 * s, s), (30 * s, 10 * s, 5 * s)] {
            let c = hc(interval / s, start_period / s, start_gap / s);
            for run in [0, 7 * s, 1_000 * s + 1] {
                for ready in [0, 1, s / 2, s, 5 * s - 1, 5 * s, 9 * s + 3, 10 * s, 150 * s] {
                    let a = AppTimes {
                        run,
                        ready_at: run + ready,
                        hang_at: NEVER,
                    };
                    for horizon in [run, run + 4 * s, run + 10 * s, run + 200 * s, NEVER] {
                        assert_eq!(
                            until_healthy(&c, start_gap, a, 3, None, horizon),
                            walk_until_healthy(&c, start_gap, a, 3, None, horizon),
                            "{c:?} {a:?} horizon {horizon}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn default_interval_means_thirty_seconds_starting() {
        // The first probe comes one `defaultProbeInterval` (30 s) after start
        // (moby/moby `daemon/health.go`), and the executor's `controller.Start`
        // (`daemon/cluster/executor/container/controller.go`) holds the task in STARTING
        // until healthy: ≥ 30 s in STARTING.
        let h = docker_health(
            &HealthCheck::default(),
            None,
            app(10, 1_000, NEVER),
            false,
            &mut rng(),
            NEVER,
        );
        assert_eq!(
            h,
            HealthTimes {
                healthy_at: 40 * SECOND,
                unhealthy_at: NEVER
            }
        );
    }

    #[test]
    fn start_interval_applies_inside_the_start_period() {
        // Ready 3.5 s after start, probes every second during a 2 min start period.
        let h = docker_health(
            &hc(1, 120, 1),
            None,
            app(0, 3_500, NEVER),
            false,
            &mut rng(),
            NEVER,
        );
        assert_eq!(h.healthy_at, 4 * SECOND);
        // Without a start period the interval is used from the start.
        let h = docker_health(
            &hc(10, 0, 1),
            None,
            app(0, 3_500, NEVER),
            false,
            &mut rng(),
            NEVER,
        );
        assert_eq!(h.healthy_at, 10 * SECOND);
    }

    #[test]
    fn docker_before_25_probes_every_interval_inside_the_start_period() {
        // moby/moby v20.10 `daemon/health.go`: one timer, reset to `Interval` after every
        // probe; `StartInterval` only exists from API 1.44 (Docker 25.0).
        let old = Some(DockerEngine::V20_10);
        let new = Some(DockerEngine::START_INTERVAL_SINCE);
        // Ready 3.5 s after start, interval 1 s, start interval 5 s, 2 min start period.
        let c = hc(1, 120, 5);
        let ready = app(0, 3_500, NEVER);
        let at = |e| docker_health(&c, e, ready, false, &mut rng(), NEVER).healthy_at;
        assert_eq!(at(old), 4 * SECOND, "probes at 1, 2, 3, 4 s");
        assert_eq!(at(new), 5 * SECOND, "probes at 5 s");
        assert_eq!(
            at(None),
            5 * SECOND,
            "not tied to a release: today's semantics"
        );
        // Never ready, interval 30 s, start interval 5 s, start period 10 s: on 20.10 the
        // first probe is at 30 s, outside the period, so 30, 60, 90 count.
        let never = AppTimes {
            run: 0,
            ready_at: NEVER,
            hang_at: NEVER,
        };
        let c = hc(30, 10, 5);
        let h = docker_health(&c, old, never, false, &mut rng(), NEVER);
        assert_eq!(h.unhealthy_at, 90 * SECOND);
        let h = docker_health(&c, new, never, false, &mut rng(), NEVER);
        assert_eq!(h.unhealthy_at, 70 * SECOND, "5 (uncounted), 10, 40, 70");
    }

    #[test]
    fn never_ready_is_unhealthy_after_retries_counted_failures() {
        // No start period: probes at 30, 60, 90 fail and count: unhealthy at 90 s.
        let never = AppTimes {
            run: 0,
            ready_at: NEVER,
            hang_at: NEVER,
        };
        let h = docker_health(
            &HealthCheck::default(),
            None,
            never,
            false,
            &mut rng(),
            NEVER,
        );
        assert_eq!(
            h,
            HealthTimes {
                healthy_at: NEVER,
                unhealthy_at: 90 * SECOND
            }
        );
        // A 10 s start period with 5 s start interval: probes at 5 (uncounted), 10, 40, 70.
        let h = docker_health(&hc(30, 10, 5), None, never, false, &mut rng(), NEVER);
        assert_eq!(h.unhealthy_at, 70 * SECOND);
    }

    #[test]
    fn flaky_failures_outside_the_start_period_count_before_healthy() {
        // No start period, p = 0.5: the first three probes all fail with probability 1/8.
        let mut c = hc(1, 0, 1);
        c.flaky = 0.5;
        let n = 8000;
        let unhealthy = (0..n)
            .filter(|&i| {
                let mut r = Key::trial(2, i, Purpose::Probe).rng();
                docker_health(&c, None, app(0, 0, NEVER), false, &mut r, NEVER).healthy_at == NEVER
            })
            .count();
        // Binomial(8000, 1/8): mean 1000, sd 29.6.
        assert!((850..1150).contains(&unhealthy), "{unhealthy}");
    }

    #[test]
    fn a_hang_after_healthy_fails_retries_timed_out_probes() {
        // Healthy at 30 s; hang at 45 s; probes at 60 (times out at 90), 120 (150), 180 (210).
        let a = AppTimes {
            run: 0,
            ready_at: 0,
            hang_at: 45 * SECOND,
        };
        let h = docker_health(&HealthCheck::default(), None, a, false, &mut rng(), NEVER);
        assert_eq!(
            h,
            HealthTimes {
                healthy_at: 30 * SECOND,
                unhealthy_at: 210 * SECOND
            }
        );
    }

    #[test]
    fn flaky_probes_delay_health_and_eventually_fail_a_healthy_task() {
        // A long start period so failures before the first success do not count.
        let mut c = hc(1, 600, 1);
        c.flaky = 0.5;
        let mut later = 0;
        let mut failed = 0;
        for i in 0..2000 {
            let mut r = Key::trial(1, i, Purpose::Probe).rng();
            let h = docker_health(&c, None, app(0, 0, NEVER), false, &mut r, 3600 * SECOND);
            assert!(h.healthy_at >= SECOND && h.healthy_at < NEVER);
            later += (h.healthy_at > SECOND) as u32;
            failed += (h.unhealthy_at < NEVER) as u32;
        }
        // Half the first probes fail; a run of 3 failures at p=0.5 comes within the hour.
        assert!((900..1100).contains(&later), "{later}");
        assert_eq!(failed, 2000);
    }
}
