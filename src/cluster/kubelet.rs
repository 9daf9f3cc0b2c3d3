//! What the kubelet does to a pod's container: probes decide when it is started, Ready
//! (and NotReady again) and killed; a container that dies is restarted in place after the
//! CrashLoopBackOff delay; after `kubernetes/kubernetes:pkg/kubelet/prober/worker.go`
//! (`doProbe`) and `pkg/kubelet/kuberuntime/kuberuntime_manager.go` (`doBackOff`).
//!
//! The cluster follows these rules when the scenario's strategy runs on the kubelet
//! ([`super::runtime`]); on the Docker engine (Swarm) it keeps the HEALTHCHECK and terminal
//! failures.
//!
//! ## One container's plan ([`plan`])
//!
//! * startup probe (if any): probes from `start + initialDelaySeconds`; the first success
//!   marks the container started, `failureThreshold` consecutive failures kill it. Without
//!   one the container is started when its process runs;
//! * readiness probe: runs once started; `successThreshold` successes make the pod Ready,
//!   later `failureThreshold` failures NotReady again (flapping is walked lazily, one
//!   transition at a time, by [`PodState::readiness`]). **Without a readiness probe a pod
//!   is Ready as soon as it is started**, whatever the application's `ready_after`
//!   (`prober_manager.UpdatePodStatus`: `ready = !exists`);
//! * liveness probe: runs once started; `failureThreshold` failures kill the container.
//!   A hung container fails it (probes time out), as does an application that is not yet
//!   listening — the classic restart loop of a liveness probe without a startup probe.
//!
//! ## CrashLoopBackOff ([`CrashLoop`])
//!
//! `client-go:util/flowcontrol/backoff.go` with initial 10 s and max 300 s, keyed by the
//! container, as `kuberuntime_manager.go doBackOff` uses it: measured from each exit, the
//! waits are 0 for the first exit, then 10, 20, 40, 80, 160, 300, 300 … s; the entry is
//! reset when an exit comes more than `2 × max` = 600 s after the previous backoff step.
//!
//! Departure (documented): a container killed by a probe is taken out of Ready at the
//! kill decision; upstream it may stay Ready while its grace period runs.

use super::health::AppTimes;
use super::probe::{Flip, ProbeWalk, first_tick, skip_of};
use crate::scenario::{Probe, Service};
use crate::sim::KeyedRng;
use crate::sim::deferred::DeferredId;
use crate::sim::rng::Geometric;
use crate::sim::time::{NEVER, SECOND, Time};

/// The kubelet's initial container restart backoff (`backOffPeriod`).
pub const BACKOFF_INITIAL: Time = 10 * SECOND;
/// `MaxContainerBackOff`.
pub const BACKOFF_MAX: Time = 300 * SECOND;

/// The backoff entry of one container (`perItemBackoff[id]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrashLoop {
    /// `backoff`, or 0 before the container's first exit (no entry: an entry's backoff is
    /// at least [`BACKOFF_INITIAL`]). Two plain words rather than an `Option` of a pair,
    /// which takes a third: every pod keeps one.
    backoff: Time,
    /// `lastUpdate`, once there is an entry.
    last: Time,
}

impl CrashLoop {
    /// The container exited at `finished` (`FinishedAt`): when it starts again. Updates
    /// the entry as `IsInBackOffSince` + `Next` do at that start.
    ///
    /// ```
    /// use rollout_sim::cluster::kubelet::CrashLoop;
    /// let s = 1_000_000;
    /// let mut c = CrashLoop::default();
    /// let mut exit = 0;
    /// let mut waits = vec![];
    /// for _ in 0..8 {
    ///     let start = c.restart_at(exit);
    ///     waits.push((start - exit) / s);
    ///     exit = start + 5 * s; // runs 5 s, then dies again
    /// }
    /// assert_eq!(waits, [0, 10, 20, 40, 80, 160, 300, 300]);
    /// ```
    pub fn restart_at(&mut self, finished: Time) -> Time {
        // `hasExpired`: eventTime − lastUpdate > 2 × max (strict).
        if self.backoff != 0 && finished.saturating_sub(self.last) <= 2 * BACKOFF_MAX {
            let at = finished + self.backoff;
            *self = CrashLoop {
                backoff: (2 * self.backoff).min(BACKOFF_MAX),
                last: at,
            };
            at
        } else {
            *self = CrashLoop {
                backoff: BACKOFF_INITIAL,
                last: finished,
            };
            finished
        }
    }
}

/// Where the readiness worker of a pod's current container is.
#[derive(Debug, Clone, Default)]
pub enum Readiness {
    /// No readiness probe, or no container that runs one.
    #[default]
    Off,
    /// Here, positioned after its last flip.
    Walk(ProbeWalk),
    /// Lent to the engine, looking for the next flip as far as the trial gets
    /// ([`super::runtime`]); reclaimed before it is walked on.
    Deferred(DeferredId),
}

/// The kubelet's per-pod bookkeeping, indexed by task id. Kept small (72 bytes, the walk's
/// scenario constants in its [`super::probe::Seek`]): a trial whose fleet is a copy
/// copies one for every pod of the fleet ([`super::fleet`]).
#[derive(Debug, Clone, Default)]
pub struct PodState {
    /// Restart backoff of the pod's container.
    pub crash_loop: CrashLoop,
    /// The readiness worker of the current container.
    pub readiness: Readiness,
    /// When the current container dies (crash or probe kill).
    pub death_at: Time,
    /// The death is a probe kill (the container is stopped gracefully), not a crash.
    pub probe_kill: bool,
}

/// The random streams a plan draws from. A walk draws only when its probe is flaky, so
/// the startup and liveness streams need to be the probe's own only then (see
/// [`Streams::own`]).
pub struct Streams {
    /// Startup probe outcomes.
    pub startup: KeyedRng,
    /// Readiness probe outcomes.
    pub readiness: KeyedRng,
    /// Liveness probe outcomes.
    pub liveness: KeyedRng,
}

impl Streams {
    /// Whether probe `p` (if any) needs a stream of its own: only a flaky probe draws.
    /// Another is given any stream (the caller's at hand) rather than have one built.
    pub fn own(p: &Option<Probe>) -> bool {
        p.as_ref().is_some_and(|p| p.flaky > 0.0)
    }
}

/// The skip distributions of the service's probes ([`skip_of`]), computed once per
/// scenario rather than by every container's walks (each is a logarithm); a probe the
/// service does not have gets one that is never drawn from.
#[derive(Debug, Clone, Copy)]
pub struct Skips {
    /// Of the startup probe.
    pub startup: Geometric,
    /// Of the readiness probe.
    pub readiness: Geometric,
    /// Of the liveness probe.
    pub liveness: Geometric,
}

impl Skips {
    /// The skip distributions of `svc`'s probes.
    pub fn new(svc: &Service) -> Skips {
        let of = |p: &Option<Probe>| p.as_ref().map_or(Geometric::new(0.0), skip_of);
        Skips {
            startup: of(&svc.startup_probe),
            readiness: of(&svc.readiness_probe),
            liveness: of(&svc.liveness_probe),
        }
    }
}

/// One container's timeline under the kubelet.
#[derive(Debug, Clone)]
pub struct Plan {
    /// First Ready instant (`NEVER`: not before it dies).
    pub ready_at: Time,
    /// When it dies: `crash_at` or a probe kill, whichever is first.
    pub death_at: Time,
    /// The death is a probe kill.
    pub probe_kill: bool,
    /// The readiness worker, positioned after the first Ready flip.
    pub readiness: Option<ProbeWalk>,
}

/// Plan a container whose process runs from `app.run` and crashes at `crash_at`.
/// `serving` is a container that was already started and Ready before the trial.
/// `skips` are [`Skips::new`] of `svc`.
pub fn plan(
    svc: &Service,
    skips: &Skips,
    app: AppTimes,
    crash_at: Time,
    serving: bool,
    streams: Streams,
    horizon: Time,
) -> Plan {
    let run = app.run;
    let mut kill = NEVER;
    let started = match (&svc.startup_probe, serving) {
        (Some(sp), false) => {
            let first = first_tick(sp, run, run);
            let mut w = ProbeWalk::new(first, streams.startup);
            let fail = Some(sp.failure_threshold);
            match w.next_flip(sp, skips.startup, app, Some(1), fail, horizon) {
                Flip::Success(t) => t,
                Flip::Failure(t) => {
                    kill = t;
                    NEVER
                }
                Flip::Never => NEVER,
            }
        }
        _ => run,
    };
    if let (Some(lp), true) = (&svc.liveness_probe, started != NEVER) {
        let first = first_tick(lp, run, started);
        // A probe that is never flaky, of an application that answers from its first
        // tick on and never hangs, passes every time: nothing to walk (the usual case,
        // a liveness probe that starts once the startup probe passed).
        let always_passes = lp.flaky <= 0.0 && app.hang_at == NEVER && first >= app.ready_at;
        if !always_passes {
            let mut w = ProbeWalk::new(first, streams.liveness);
            let fail = Some(lp.failure_threshold);
            if let Flip::Failure(t) = w.next_flip(lp, skips.liveness, app, None, fail, horizon) {
                kill = kill.min(t);
            }
        }
    }
    let death_at = crash_at.min(kill);
    let (ready_at, readiness) = match (&svc.readiness_probe, started) {
        (_, NEVER) => (NEVER, None),
        (None, s) => (s, None),
        (Some(rp), _) if serving => (
            run,
            Some(ProbeWalk::new(
                run.saturating_add(rp.period.max(1)),
                streams.readiness,
            )),
        ),
        (Some(rp), s) => {
            let first = first_tick(rp, run, s);
            let mut w = ProbeWalk::new(first, streams.readiness);
            let success = Some(rp.success_threshold);
            match w.next_flip(rp, skips.readiness, app, success, None, horizon) {
                Flip::Success(t) => (t, Some(w)),
                _ => (NEVER, None),
            }
        }
    };
    Plan {
        ready_at,
        death_at,
        probe_kill: kill < crash_at,
        readiness,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Probe;
    use crate::sim::{Key, Purpose};
    use crate::testkit;

    const S: Time = SECOND;

    fn streams() -> Streams {
        Streams {
            startup: Key::trial(1, 0, Purpose::StartupProbe).rng(),
            readiness: Key::trial(1, 0, Purpose::Probe).rng(),
            liveness: Key::trial(1, 0, Purpose::Liveness).rng(),
        }
    }

    /// The plan of a new (not serving) pod of `svc` crashing at `crash_at`, with no horizon.
    fn plan_of(svc: &Service, app: AppTimes, crash_at: Time) -> Plan {
        plan(
            svc,
            &Skips::new(svc),
            app,
            crash_at,
            false,
            streams(),
            NEVER,
        )
    }

    fn app(ready: Time, hang: Time) -> AppTimes {
        AppTimes {
            run: 100 * S,
            ready_at: 100 * S + ready,
            hang_at: hang,
        }
    }

    #[test]
    fn without_probes_ready_when_the_process_runs() {
        let svc = testkit::kubernetes(1, S, testkit::rolling(1, 0)).service;
        let p = plan_of(&svc, app(30 * S, NEVER), NEVER);
        assert_eq!((p.ready_at, p.death_at), (100 * S, NEVER));
    }

    #[test]
    fn readiness_probe_waits_for_the_application() {
        let mut svc = testkit::kubernetes(1, S, testkit::rolling(1, 0)).service;
        svc.readiness_probe = Some(Probe {
            initial_delay: 5 * S,
            ..Probe::default()
        });
        // Probes at 105, 115, 125, 135 s; ready at 130 s: Ready at 135 s.
        let p = plan_of(&svc, app(30 * S, NEVER), NEVER);
        assert_eq!(p.ready_at, 135 * S);
    }

    #[test]
    fn liveness_without_startup_probe_kills_a_slow_starter() {
        let mut svc = testkit::kubernetes(1, S, testkit::rolling(1, 0)).service;
        svc.liveness_probe = Some(Probe::default());
        // Needs 60 s; liveness at 100, 110, 120 fails: killed at 120 s.
        let p = plan_of(&svc, app(60 * S, NEVER), NEVER);
        assert_eq!((p.death_at, p.probe_kill), (120 * S, true));
        // A startup probe with room (30 × 10 s) protects it: started at 160 s, liveness
        // from then on passes.
        svc.startup_probe = Some(Probe {
            failure_threshold: 30,
            ..Probe::default()
        });
        let p = plan_of(&svc, app(60 * S, NEVER), NEVER);
        assert_eq!((p.ready_at, p.death_at), (160 * S, NEVER));
    }

    #[test]
    fn a_hung_container_fails_liveness() {
        let mut svc = testkit::kubernetes(1, S, testkit::rolling(1, 0)).service;
        svc.liveness_probe = Some(Probe::default());
        // Hang at 125 s: probes at 130, 140, 150 time out after 1 s: killed at 151 s.
        let p = plan_of(&svc, app(0, 125 * S), NEVER);
        assert_eq!(
            (p.ready_at, p.death_at, p.probe_kill),
            (100 * S, 151 * S, true)
        );
        // A crash first wins.
        let p = plan_of(&svc, app(0, 125 * S), 110 * S);
        assert_eq!((p.death_at, p.probe_kill), (110 * S, false));
    }

    #[test]
    fn a_liveness_probe_that_always_passes_kills_nothing() {
        // Whatever the start and readiness, a walk of a never-flaky liveness probe of an
        // application that never hangs finds no failure once its first tick is at or
        // after the application answers (what `plan` skips walking).
        let p = Probe::default();
        for ready in [0, 3 * S, 10 * S, 31 * S] {
            for started in [0, 5 * S, 10 * S, 40 * S] {
                let a = app(ready, NEVER);
                let first = first_tick(&p, a.run, a.run + started);
                let mut w = ProbeWalk::new(first, streams().liveness);
                let fail = Some(p.failure_threshold);
                let flip = w.next_flip(&p, skip_of(&p), a, None, fail, NEVER);
                if first >= a.ready_at {
                    assert_eq!(flip, Flip::Never, "ready {ready} started {started}");
                }
            }
        }
    }

    #[test]
    fn a_pod_record_is_72_bytes() {
        // A kept fleet's 100 pods copy in 7,200 bytes (see `PodState`).
        assert_eq!(std::mem::size_of::<PodState>(), 72);
    }

    #[test]
    fn backoff_resets_after_ten_quiet_minutes() {
        let mut c = CrashLoop::default();
        assert_eq!(c.restart_at(0), 0);
        assert_eq!(c.restart_at(5 * S), 15 * S);
        // Exit 600 s after the last update (15 s): not expired (strict) → 20 s wait.
        assert_eq!(c.restart_at(615 * S), 635 * S);
        // Exit 601 s after the last update (635 s): expired → immediate, back to 10 s.
        assert_eq!(c.restart_at(1236 * S), 1236 * S);
        assert_eq!(c.restart_at(1240 * S), 1250 * S);
    }
}
