//! The application's own share of a recorded latency, from its scenario (`calibrate
//! --scenario`).
//!
//! A timeline shows when a task was `prepared`, `running` and `ready`, but some of those
//! spans are the application's, not the engine's: a `create` sample of the first task of
//! an uncached image on a node includes the image pull; every `start` / `start_after_stop`
//! sample includes the version's own `start` (container started → process runs); a
//! HEALTHCHECK's `running → ready` includes the wait until the application answers and a
//! probe sees it. The scenario gives those parts as distributions, and [`AppModel`] turns
//! each into its mean and variance ([`Moments`]), which is all the subtraction in
//! [`super::separate`] needs.
//!
//! Moments come from 20,000 keyed draws (fixed streams, so a calibration is reproducible):
//! exact for constants, within 1% of the standard deviation for the others, and general
//! (mixtures, empirical samples, the HEALTHCHECK walk) where closed forms are not. The
//! HEALTHCHECK wait is simulated with the scenario's `healthcheck`, the version's
//! `ready_after` and `hang_after`, and the engine release of its control plane (which
//! decides whether `start_interval` exists), through the simulator's own probe walk.

use crate::cluster::health::{AppTimes, docker_health};
use crate::cluster::runtime::RuntimeKind;
use crate::scenario::control_plane::DockerEngine;
use crate::scenario::{Dist, Scenario, Version};
use crate::sim::time::NEVER;
use crate::sim::{Key, KeyedRng, Purpose};

/// Draws per moment estimate.
const DRAWS: u64 = 20_000;

/// Mean and variance of a latency, in microseconds and microseconds².
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    /// Mean (µs).
    pub mean: f64,
    /// Variance (µs²); 0 for a constant.
    pub var: f64,
}

impl Moments {
    /// Nothing: the sample is the engine's alone.
    pub const ZERO: Moments = Moments {
        mean: 0.0,
        var: 0.0,
    };

    /// The moments of `draw(rng_i)` over the fixed streams; `None` if no draw is finite
    /// (`never`). Infinite draws (`NEVER`) are left out: such a task shows no event.
    fn of(
        purpose: Purpose,
        mut draw: impl FnMut(&mut KeyedRng, &mut KeyedRng) -> u64,
    ) -> Option<Self> {
        let (mut n, mut sum, mut sum2) = (0u64, 0.0, 0.0);
        let mut first: Option<u64> = None;
        let mut constant = true;
        for i in 0..DRAWS {
            let mut a = Key::trial(0, i, purpose).rng();
            let mut b = Key::trial(1, i, purpose).rng();
            let v = draw(&mut a, &mut b);
            if v == NEVER {
                continue;
            }
            constant &= *first.get_or_insert(v) == v;
            n += 1;
            sum += v as f64;
            sum2 += (v as f64) * (v as f64);
        }
        if n == 0 {
            return None;
        }
        let mean = sum / n as f64;
        let var = if constant {
            0.0
        } else {
            (sum2 / n as f64 - mean * mean).max(0.0) * n as f64 / (n - 1).max(1) as f64
        };
        Some(Moments { mean, var })
    }

    fn of_dist(d: &Dist, purpose: Purpose) -> Option<Self> {
        Moments::of(purpose, |rng, _| d.sample(rng))
    }
}

/// One version's parts.
#[derive(Debug, Clone)]
struct VersionParts {
    name: String,
    image: String,
    cached: bool,
    pull: Option<Moments>,
    start: Option<Moments>,
    /// `None`: no Docker HEALTHCHECK (or never healthy).
    health: Option<Moments>,
}

/// What a sample may hold besides the engine's latency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Nothing: the engine's alone.
    Nothing,
    /// A whole image pull of this version, if the scenario does not cache it.
    Pull(String),
    /// Perhaps part of a pull another task started (or the node is unknown): separable
    /// only if the scenario caches the version.
    MaybePull(String),
    /// The version's `start`.
    Start(String),
    /// The HEALTHCHECK wait of the version (running → a probe passes).
    Health(String),
}

/// The scenario's application parts, by version.
#[derive(Debug, Clone)]
pub struct AppModel {
    /// Where the scenario came from, for messages.
    pub source: String,
    versions: Vec<VersionParts>,
    /// Swarm with a Docker HEALTHCHECK: `health_report` can be separated.
    pub docker_health: bool,
    /// Swarm: the `update_config.delay` in force (the hand-off is measured net of it).
    pub delay: Option<crate::sim::time::Time>,
    /// The Docker Engine release of the scenario's control plane, carried into the fit so
    /// it keeps that engine's HEALTHCHECK fields.
    pub docker_engine: Option<DockerEngine>,
}

/// Why a sample's application part is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    /// The timeline names a version the scenario does not have.
    Version(String),
    /// The part cannot be told (a shared pull, a `never` distribution, no HEALTHCHECK).
    Part,
}

impl AppModel {
    /// The parts of every version of `s`; `source` names the scenario file.
    pub fn new(s: &Scenario, source: &str) -> AppModel {
        let docker_health =
            s.strategy.runtime() == RuntimeKind::Docker && s.service.healthcheck.is_some();
        let versions = s
            .service
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| VersionParts {
                name: v.name.clone(),
                image: v.image.clone(),
                cached: s.cluster.image_cached.iter().any(|&c| c as usize == i),
                pull: Moments::of_dist(&v.pull, Purpose::Pull),
                start: Moments::of_dist(&v.start, Purpose::Start),
                health: docker_health.then(|| health_wait(s, v)).flatten(),
            })
            .collect();
        let delay = s.strategy.hand_off_delay();
        AppModel {
            source: source.to_string(),
            versions,
            docker_health,
            delay,
            docker_engine: s.cluster.control_plane.docker_engine,
        }
    }

    /// The version a timeline calls `name` (its scenario name, else its image).
    fn version(&self, name: &str) -> Result<&VersionParts, Unknown> {
        self.versions
            .iter()
            .find(|v| v.name == name)
            .or_else(|| self.versions.iter().find(|v| v.image == name))
            .ok_or_else(|| Unknown::Version(name.to_string()))
    }

    /// The versions' names, for messages.
    pub fn version_names(&self) -> Vec<&str> {
        self.versions.iter().map(|v| v.name.as_str()).collect()
    }

    /// The moments of `part`.
    pub fn moments(&self, part: &Part) -> Result<Moments, Unknown> {
        let known = |m: Option<Moments>| m.ok_or(Unknown::Part);
        match part {
            Part::Nothing => Ok(Moments::ZERO),
            Part::Pull(v) => {
                let v = self.version(v)?;
                if v.cached {
                    Ok(Moments::ZERO)
                } else {
                    known(v.pull)
                }
            }
            Part::MaybePull(v) => {
                let v = self.version(v)?;
                if v.cached {
                    Ok(Moments::ZERO)
                } else {
                    Err(Unknown::Part)
                }
            }
            Part::Start(v) => known(self.version(v)?.start),
            Part::Health(v) => known(self.version(v)?.health),
        }
    }
}

/// Running → healthy for version `v` under the scenario's HEALTHCHECK and engine.
fn health_wait(s: &Scenario, v: &Version) -> Option<Moments> {
    let hc = s.service.healthcheck.as_ref()?;
    let engine = s.cluster.control_plane.docker_engine;
    Moments::of(Purpose::ReadyAfter, |a, b| {
        let app = AppTimes {
            run: 0,
            ready_at: v.ready_after.sample(a),
            hang_at: v.hang_after.sample(a),
        };
        docker_health(hc, engine, app, false, b, s.horizon).healthy_at
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;

    #[test]
    fn moments_match_closed_forms() {
        let c = Moments::of_dist(&Dist::Constant(3 * SECOND), Purpose::Start).unwrap();
        assert_eq!(
            c,
            Moments {
                mean: 3e6,
                var: 0.0
            }
        );
        // Uniform on [0.5 s, 2 s]: mean 1.25 s, sd 1.5/√12 = 0.433 s.
        let u = Dist::Uniform {
            min: 500_000,
            max: 2 * SECOND,
        };
        let m = Moments::of_dist(&u, Purpose::Start).unwrap();
        assert!((m.mean - 1.25e6).abs() < 0.433e6 * 0.03, "{m:?}");
        assert!((m.var.sqrt() - 0.433e6).abs() < 0.433e6 * 0.03, "{m:?}");
        assert_eq!(Moments::of_dist(&Dist::Never, Purpose::Pull), None);
    }

    #[test]
    fn the_healthcheck_wait_is_the_probe_after_ready() {
        // Ready at 3 s, probes every second (Docker 20.10, no start interval): healthy at
        // 3 s exactly; with today's 5 s start interval inside a 30 s start period, at 5 s.
        let text = "cluster: {control_plane: docker-20.10}\nservice:\n  versions:\n    \
                    current: {}\n    next: {ready_after: 3s}\n  healthcheck: {interval: 1s, start_period: 30s}\n";
        let s =
            crate::scenario::load_str(text, "t.yaml", crate::scenario::Format::Yaml, &[]).unwrap();
        let app = AppModel::new(&s, "t.yaml");
        assert!(app.docker_health);
        let m = app.moments(&Part::Health("next".into())).unwrap();
        assert_eq!(
            m,
            Moments {
                mean: 3e6,
                var: 0.0
            }
        );
        let s = crate::scenario::load_str(
            &text.replace("docker-20.10", "ideal"),
            "t.yaml",
            crate::scenario::Format::Yaml,
            &[],
        )
        .unwrap();
        let m = AppModel::new(&s, "t.yaml")
            .moments(&Part::Health("next".into()))
            .unwrap();
        assert_eq!(m.mean, 5e6);
        // The default `current` is cached: its pulls are nothing; `next`'s are not known
        // when shared; unknown versions are named.
        assert_eq!(
            app.moments(&Part::MaybePull("current".into())),
            Ok(Moments::ZERO)
        );
        assert_eq!(
            app.moments(&Part::MaybePull("next".into())),
            Err(Unknown::Part)
        );
        assert_eq!(
            app.moments(&Part::Start("v9".into())),
            Err(Unknown::Version("v9".into()))
        );
    }
}
