//! `cluster.control_plane`: the latencies the container engine and the orchestrator add on
//! their own, per task and per slot, on top of what the application does.
//!
//! The upstream rules give exact timelines only for an instantaneous control plane; on a
//! small, fast image a real engine's own overheads are most of a rollout's duration. A
//! control plane is a set of [`Phase`] latencies (each a [`Dist`]) plus one contention
//! factor, [`ControlPlane::parallel_start_slowdown`]. Where each phase enters the model is
//! documented on [`Phase`] and in `docs/control-plane.md`.
//!
//! Written forms:
//!
//! | written | meaning |
//! |---|---|
//! | `ideal` (the default) | every phase zero: the textbook semantics, closed-form results stay exact |
//! | `docker-20.10` | [`ControlPlane::docker_20_10`], measured on Docker Engine 20.10.24 |
//! | `kubernetes` | [`ControlPlane::kubernetes`], kubelet latencies from upstream constants and SLOs |
//! | `{stop_signal: 1.17s, start_after_stop: {uniform: {min: 380ms, max: 830ms}}, …}` | the given phases, every other one zero |
//! | `{profile: docker-20.10, stop_signal: 2s}` | a profile with some phases replaced |
//!
//! A phase takes any distribution except `never` (a phase that never ends would hang every
//! slot without saying why).
//!
//! **Engine release.** A control plane also says which Docker Engine release runs the
//! containers ([`ControlPlane::docker_engine`]), because the release decides which
//! HEALTHCHECK fields exist: `start_interval` arrived with Engine API 1.44, Docker 25.0
//! (moby/moby#40894; `docker run --health-start-interval` is documented "API 1.44+"). On an
//! older engine probes inside `start_period` run every `interval`. `docker-20.10` is Docker
//! 20.10; `ideal`, `kubernetes` and a map without `profile` are not tied to a release and
//! use today's semantics (start_interval applies); a map may set `docker_engine: "20.10"`.

use super::distribution::Dist;
use super::suggest;
use super::walk::{Node, describe, number};
use crate::sim::time::{MILLISECOND, Time};
use serde_json::Value;

/// One control-plane latency, named in the user's terms. The order is fixed: it keys the
/// random streams (see `cluster::control_plane`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Phase {
    /// Swarm: the update command (or rollback) → the updater starts its run
    /// (`UpdateStatus.StartedAt`).
    UpdateStart = 0,
    /// A task is created (the updater picked its slot) → its container is created, after
    /// any image pull. The task is `pulling` (Swarm's PREPARING) meanwhile.
    Create = 1,
    /// The container may start and nothing held it back (start-first, restart
    /// replacements after their delay, Kubernetes pods) → the container has started.
    Start = 2,
    /// Swarm stop-first: the old container exited → the held new container has started.
    StartAfterStop = 3,
    /// The decision to stop a running task → the engine acts on it: the task leaves
    /// rotation and, after any gossip delay, gets SIGTERM.
    StopSignal = 4,
    /// A HEALTHCHECK probe passed → the task is RUNNING (the probe's exec and the health
    /// event). Docker only.
    HealthReport = 5,
    /// Swarm: a slot's task is RUNNING → the same worker picks its next slot (added to
    /// `delay`).
    NextSlot = 6,
    /// Swarm: a container exited on its own → the updater and the restart supervisor act.
    FailureReport = 7,
}

impl Phase {
    /// Every phase, in stream-key order.
    pub const ALL: [Phase; 8] = [
        Phase::UpdateStart,
        Phase::Create,
        Phase::Start,
        Phase::StartAfterStop,
        Phase::StopSignal,
        Phase::HealthReport,
        Phase::NextSlot,
        Phase::FailureReport,
    ];

    /// The field name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Phase::UpdateStart => "update_start",
            Phase::Create => "create",
            Phase::Start => "start",
            Phase::StartAfterStop => "start_after_stop",
            Phase::StopSignal => "stop_signal",
            Phase::HealthReport => "health_report",
            Phase::NextSlot => "next_slot",
            Phase::FailureReport => "failure_report",
        }
    }

    /// One line saying what the phase measures (for `calibrate` output).
    pub fn meaning(self) -> &'static str {
        match self {
            Phase::UpdateStart => "update command -> the updater starts",
            Phase::Create => "task created -> container created",
            Phase::Start => "container may start -> started (nothing held it)",
            Phase::StartAfterStop => "old container exited -> new container started",
            Phase::StopSignal => "decision to stop -> the engine acts (SIGTERM)",
            Phase::HealthReport => "passing HEALTHCHECK probe -> task RUNNING",
            Phase::NextSlot => "task RUNNING -> the worker picks its next slot",
            Phase::FailureReport => "container exited on its own -> the updater acts",
        }
    }

    /// The phase named `name`, if any.
    pub fn from_name(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The profile names `control_plane` accepts as a string (and as `profile:`).
pub const PROFILES: &[&str] = &["ideal", "docker-20.10", "kubernetes"];

/// The name of the contention factor's field.
pub const SLOWDOWN_FIELD: &str = "parallel_start_slowdown";

/// The name of the engine release's field.
pub const ENGINE_FIELD: &str = "docker_engine";

/// A Docker Engine release, `major.minor` (`20.10`, `25.0`): it decides which HEALTHCHECK
/// fields the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DockerEngine {
    /// `20` in 20.10.
    pub major: u32,
    /// `10` in 20.10.
    pub minor: u32,
}

impl DockerEngine {
    /// Docker 20.10 (Engine API 1.41), the release the `docker-20.10` profile was measured on.
    pub const V20_10: DockerEngine = DockerEngine {
        major: 20,
        minor: 10,
    };
    /// The first release with HEALTHCHECK `start_interval`: Docker 25.0, Engine API 1.44
    /// (moby/moby#40894, `api/types/container.HealthConfig.StartInterval`).
    pub const START_INTERVAL_SINCE: DockerEngine = DockerEngine {
        major: 25,
        minor: 0,
    };

    /// `"20.10"` or `"20.10.24"` (the patch level changes no HEALTHCHECK field).
    pub fn parse(s: &str) -> Option<DockerEngine> {
        let mut parts = s.trim().trim_start_matches('v').split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        match parts.next() {
            Some(patch) if patch.parse::<u32>().is_err() => return None,
            _ => {}
        }
        parts
            .next()
            .is_none()
            .then_some(DockerEngine { major, minor })
    }

    /// Whether `engine` (`None`: not tied to a release, today's semantics) applies
    /// HEALTHCHECK `start_interval` inside `start_period`.
    pub fn has_start_interval(engine: Option<DockerEngine>) -> bool {
        engine.is_none_or(|e| e >= DockerEngine::START_INTERVAL_SINCE)
    }
}

impl std::fmt::Display for DockerEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The control plane of a scenario: one latency per [`Phase`] and the start contention.
#[derive(Debug, Clone)]
pub struct ControlPlane {
    /// The profile it was built from (`ideal`, `docker-20.10`, `kubernetes`), for display.
    pub profile: &'static str,
    phases: [Dist; 8],
    /// Container starts on one node slow each other down: with `k` starts in progress on a
    /// node, each proceeds at `1 / (1 + slowdown·(k − 1))` of its solo speed (processor
    /// sharing). Docker 20.10: 0.43 s alone, 0.61 s with parallelism 2 (see
    /// [`ControlPlane::docker_20_10`]).
    pub parallel_start_slowdown: f64,
    /// The Docker Engine release, which decides the HEALTHCHECK fields that exist; `None`:
    /// not tied to one, today's semantics (see the module docs).
    pub docker_engine: Option<DockerEngine>,
}

impl Default for ControlPlane {
    fn default() -> Self {
        ControlPlane::ideal()
    }
}

impl ControlPlane {
    /// Every phase zero, no contention: the textbook semantics.
    pub fn ideal() -> ControlPlane {
        ControlPlane {
            profile: "ideal",
            phases: std::array::from_fn(|_| Dist::ZERO),
            parallel_start_slowdown: 0.0,
            docker_engine: None,
        }
    }

    /// Docker Engine 20.10.24 with containerd 1.6 on Debian 12, 2 vCPUs, a 2 MB image
    /// already present, 6 replicas, 3 repetitions (issue 5's table).
    ///
    /// Fitting rule: a phase measured as a median with a range is a log-normal with that
    /// median whose 95th percentile is the top of the range (18 slots ≈ the 95th
    /// percentile's sample size), written as its p99; a phase given only as a range is
    /// uniform over it; a phase given as one figure is a constant. `start` is derived:
    /// start-first's "slot picked → container started" (0.62 s, 0.44–0.78) minus `create`.
    /// Stop-first's (1.17 s, 1.16–1.29) and start-first's (1.15 s, 1.12–1.22) stop signals
    /// share one phase with median 1.16 s. Parallel starts: two starts that begin together
    /// take 0.61 / 0.43 = 1.42× as long at slowdown 0.42, but two workers drift apart and
    /// their starts overlap only partly, so the slowdown that reproduces the measured 0.61 s
    /// median with parallelism 2 is 0.55 (simulated median 0.606 s).
    pub fn docker_20_10() -> ControlPlane {
        let ms = |v: Time| v * MILLISECOND;
        let mut cp = ControlPlane {
            profile: "docker-20.10",
            ..ControlPlane::ideal()
        };
        cp.set(Phase::UpdateStart, uniform(ms(20), ms(50)));
        cp.set(Phase::Create, Dist::Constant(ms(200)));
        cp.set(Phase::Start, lognormal(ms(420), ms(660)));
        cp.set(Phase::StartAfterStop, lognormal(ms(430), ms(520)));
        cp.set(Phase::StopSignal, lognormal(ms(1160), ms(1350)));
        cp.set(Phase::HealthReport, lognormal(ms(190), ms(300)));
        cp.set(Phase::NextSlot, uniform(ms(30), ms(100)));
        cp.set(Phase::FailureReport, uniform(ms(60), ms(190)));
        cp.parallel_start_slowdown = 0.55;
        cp.docker_engine = Some(DockerEngine::V20_10);
        cp
    }

    /// Kubelet and controller latencies for a Kubernetes Deployment. The sourced parts:
    /// the kubelet sees a container's start on its next PLEG relist, every second
    /// (`genericPlegRelistPeriod`, `pkg/kubelet/kubelet.go`), and the pod-startup SLO bounds
    /// creation → started at 5 s p99 (`sig-scalability/slos/pod_startup_latency.md`).
    /// The medians are assumptions (see `docs/control-plane.md`); the Swarm-only phases
    /// are zero.
    pub fn kubernetes() -> ControlPlane {
        let ms = |v: Time| v * MILLISECOND;
        let mut cp = ControlPlane {
            profile: "kubernetes",
            ..ControlPlane::ideal()
        };
        cp.set(Phase::Create, lognormal(ms(1000), ms(3000)));
        // Container start (≈200 ms, assumed) plus the wait for the next relist (0–1 s).
        cp.set(Phase::Start, uniform(ms(200), ms(1200)));
        cp.set(Phase::StopSignal, lognormal(ms(50), ms(200)));
        cp
    }

    /// The profile called `name` (one of [`PROFILES`]).
    pub fn profile(name: &str) -> Option<ControlPlane> {
        match name {
            "ideal" => Some(ControlPlane::ideal()),
            "docker-20.10" => Some(ControlPlane::docker_20_10()),
            "kubernetes" => Some(ControlPlane::kubernetes()),
            _ => None,
        }
    }

    /// The latency of `phase`.
    #[inline]
    pub fn phase(&self, phase: Phase) -> &Dist {
        &self.phases[phase as usize]
    }

    /// Replace the latency of `phase`.
    pub fn set(&mut self, phase: Phase, dist: Dist) {
        self.phases[phase as usize] = dist;
    }

    /// `true` if every phase is zero and starts do not contend: nothing changes the
    /// textbook timeline.
    pub fn is_ideal(&self) -> bool {
        self.phases.iter().all(Dist::is_zero) && self.parallel_start_slowdown == 0.0
    }
}

fn uniform(min: Time, max: Time) -> Dist {
    Dist::Uniform { min, max }
}

fn lognormal(median: Time, p99: Time) -> Dist {
    Dist::lognormal_from_quantiles(median, p99).expect("built-in profiles have valid quantiles")
}

/// What `control_plane` accepts, for "expected …, got …".
const EXPECTED: &str = "`ideal`, `docker-20.10`, `kubernetes`, or a map of phases \
                        ({stop_signal: 1.17s, …}, optionally with `profile` and `docker_engine`)";

/// Fields of a `control_plane` map.
/// Fields of `control_plane` written as a map.
pub fn fields() -> Vec<&'static str> {
    let mut f = vec!["profile"];
    f.extend(Phase::ALL.iter().map(|p| p.name()));
    f.push(SLOWDOWN_FIELD);
    f.push(ENGINE_FIELD);
    f
}

impl Node<'_> {
    /// `cluster.control_plane` (see the module docs).
    pub fn control_plane(&self) -> Option<ControlPlane> {
        match self.value() {
            Value::String(name) => self.profile_named(name),
            Value::Object(_) => self.control_plane_map(),
            _ => self.expected(EXPECTED),
        }
    }

    fn profile_named(&self, name: &str) -> Option<ControlPlane> {
        ControlPlane::profile(name).or_else(|| {
            self.fail(format!(
                "unknown control plane `{name}`{}",
                suggest::hint(name, PROFILES)
            ))
        })
    }

    fn control_plane_map(&self) -> Option<ControlPlane> {
        let o = self.object(&fields())?;
        let mut cp = match o.get("profile") {
            None => ControlPlane::ideal(),
            Some(p) => match p.value() {
                Value::String(name) => p.profile_named(name)?,
                v => {
                    return p.fail(format!(
                        "expected one of {}, got {}",
                        suggest::list(PROFILES),
                        describe(v)
                    ));
                }
            },
        };
        let mut ok = true;
        for phase in Phase::ALL {
            let Some(n) = o.get(phase.name()) else {
                continue;
            };
            match n.dist() {
                Some(Dist::Never) => {
                    n.problem("a control-plane phase cannot be `never`; give a duration or a distribution");
                    ok = false;
                }
                Some(d) => cp.set(phase, d),
                None => ok = false,
            }
        }
        if let Some(n) = o.get(SLOWDOWN_FIELD) {
            match n.f64() {
                Some(f) if f >= 0.0 => cp.parallel_start_slowdown = f,
                Some(f) => {
                    n.problem(format!("must not be negative, got {}", number(f)));
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(n) = o.get(ENGINE_FIELD) {
            match n.docker_engine() {
                Some(e) => cp.docker_engine = Some(e),
                None => ok = false,
            }
        }
        ok.then_some(cp)
    }

    /// `docker_engine: "20.10"`: a string, since YAML reads `20.10` as the number 20.1.
    fn docker_engine(&self) -> Option<DockerEngine> {
        match self.value() {
            Value::String(s) => DockerEngine::parse(s).or_else(|| {
                self.fail(format!(
                    "expected a Docker Engine release such as \"20.10\" or \"25.0\", got {s:?}"
                ))
            }),
            Value::Number(_) => self.fail(format!(
                "write the release as a string, e.g. \"20.10\" (YAML reads {} as a number and \
                 drops trailing zeros)",
                self.value()
            )),
            v => self.fail(format!(
                "expected a Docker Engine release such as \"20.10\", got {}",
                describe(v)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use crate::sim::time::SECOND;
    use serde_json::json;

    fn parse(v: Value) -> (Option<ControlPlane>, Vec<String>) {
        walk::run(&v, |n| n.child("control_plane", &v).control_plane())
    }

    /// The sample median of 4001 keyed draws.
    fn median(d: &Dist) -> f64 {
        let mut v: Vec<Time> = (0..4001)
            .map(|i| {
                d.sample(&mut crate::sim::Key::trial(3, i, crate::sim::Purpose::ControlPlane).rng())
            })
            .collect();
        v.sort_unstable();
        v[2000] as f64 / SECOND as f64
    }

    #[test]
    fn names_and_profiles() {
        let (cp, p) = parse(json!("docker-20.10"));
        assert!(p.is_empty(), "{p:?}");
        let cp = cp.unwrap();
        assert_eq!(cp.profile, "docker-20.10");
        assert!(!cp.is_ideal());
        assert!(ControlPlane::ideal().is_ideal());
        assert!(!ControlPlane::kubernetes().is_ideal());
        for phase in Phase::ALL {
            assert_eq!(Phase::from_name(phase.name()), Some(phase));
        }
        let (_, p) = parse(json!("docker-20.1"));
        assert_eq!(
            p,
            ["control_plane: unknown control plane `docker-20.1`; did you mean `docker-20.10`?"]
        );
        let (_, p) = parse(json!(3));
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("control_plane: expected `ideal`, `docker-20.10`"));
    }

    #[test]
    fn the_docker_profile_keeps_the_measured_medians() {
        let cp = ControlPlane::docker_20_10();
        let close = |phase: Phase, want: f64| {
            let got = median(cp.phase(phase));
            assert!(
                (got - want).abs() < 0.02,
                "{}: {got} vs {want}",
                phase.name()
            );
        };
        close(Phase::Create, 0.2);
        close(Phase::Start, 0.42);
        close(Phase::StartAfterStop, 0.43);
        close(Phase::StopSignal, 1.16);
        close(Phase::HealthReport, 0.19);
        close(Phase::NextSlot, 0.065);
        close(Phase::FailureReport, 0.125);
        close(Phase::UpdateStart, 0.035);
    }

    #[test]
    fn a_map_of_phases_over_a_profile() {
        let (cp, p) = parse(json!({"stop_signal": "1.17s",
                                   "start_after_stop": {"uniform": {"min": "380ms", "max": "830ms"}}}));
        assert!(p.is_empty(), "{p:?}");
        let cp = cp.unwrap();
        assert!(matches!(
            cp.phase(Phase::StopSignal),
            Dist::Constant(1_170_000)
        ));
        assert!(matches!(
            cp.phase(Phase::StartAfterStop),
            Dist::Uniform {
                min: 380_000,
                max: 830_000
            }
        ));
        assert!(cp.phase(Phase::Create).is_zero(), "unnamed phases are zero");
        assert_eq!(cp.profile, "ideal");

        let (cp, p) = parse(json!({"profile": "docker-20.10", "stop_signal": "2s",
                                   "parallel_start_slowdown": 0}));
        assert!(p.is_empty(), "{p:?}");
        let cp = cp.unwrap();
        assert!(matches!(
            cp.phase(Phase::StopSignal),
            Dist::Constant(2_000_000)
        ));
        assert!(matches!(cp.phase(Phase::Create), Dist::Constant(200_000)));
        assert_eq!(cp.parallel_start_slowdown, 0.0);
    }

    #[test]
    fn the_engine_release_decides_start_interval() {
        assert_eq!(
            ControlPlane::docker_20_10().docker_engine,
            Some(DockerEngine::V20_10)
        );
        for cp in [ControlPlane::ideal(), ControlPlane::kubernetes()] {
            assert_eq!(cp.docker_engine, None);
            assert!(DockerEngine::has_start_interval(cp.docker_engine));
        }
        let has = |s: &str| DockerEngine::has_start_interval(DockerEngine::parse(s));
        assert!(!has("20.10") && !has("20.10.24") && !has("24.0.7") && !has("23.0"));
        assert!(has("25.0") && has("25.0.3") && has("27.3") && has("v28.1.1"));
        for bad in ["20", "twenty.ten", "20.10.x", "20.10.24.1", ""] {
            assert_eq!(DockerEngine::parse(bad), None, "{bad}");
        }
        // A map inherits its profile's release and may set its own.
        let (cp, p) = parse(json!({"profile": "docker-20.10", "stop_signal": "2s"}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(cp.unwrap().docker_engine, Some(DockerEngine::V20_10));
        let (cp, p) = parse(json!({"profile": "docker-20.10", "docker_engine": "25.0"}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            cp.unwrap().docker_engine,
            Some(DockerEngine::START_INTERVAL_SINCE)
        );
        let (cp, _) = parse(json!({"stop_signal": "1s"}));
        assert_eq!(cp.unwrap().docker_engine, None);
        let (_, p) = parse(json!({"docker_engine": 20.1}));
        assert_eq!(
            p,
            [
                "control_plane.docker_engine: write the release as a string, e.g. \"20.10\" (YAML reads 20.1 as a number and drops trailing zeros)"
            ]
        );
        let (_, p) = parse(json!({"docker_engine": "latest"}));
        assert_eq!(
            p,
            [
                "control_plane.docker_engine: expected a Docker Engine release such as \"20.10\" or \"25.0\", got \"latest\""
            ]
        );
    }

    #[test]
    fn bad_maps_name_the_field() {
        let (cp, p) = parse(json!({"stop_signl": "1s", "create": "never",
                                   "start": "soon", "parallel_start_slowdown": -1,
                                   "profile": "dockr"}));
        assert!(cp.is_none());
        assert_eq!(
            p,
            [
                "control_plane.stop_signl: unknown field `stop_signl`; did you mean `stop_signal`?",
                "control_plane.profile: unknown control plane `dockr`; expected one of `ideal`, `docker-20.10`, `kubernetes`",
            ]
        );
        let (_, p) = parse(json!({"create": "never", "start": "soon",
                                  "parallel_start_slowdown": -1}));
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(
            p[0],
            "control_plane.create: a control-plane phase cannot be `never`; give a duration or a distribution"
        );
        assert!(p[1].starts_with("control_plane.start: expected a duration"));
        assert_eq!(
            p[2],
            "control_plane.parallel_start_slowdown: must not be negative, got -1"
        );
        let (_, p) = parse(json!({"profile": 1}));
        assert_eq!(
            p,
            ["control_plane.profile: expected one of `ideal`, `docker-20.10`, `kubernetes`, got 1"]
        );
    }
}
