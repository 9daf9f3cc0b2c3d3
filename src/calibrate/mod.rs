//! `rollout-sim calibrate`: fit a `control_plane` to recorded rollouts, so the simulator
//! predicts a team's own cluster rather than Docker 20.10 on a 2-vCPU test machine.
//!
//! Pipeline: [`timeline`] reads each recorded rollout (CSV, or a `run --trace` JSON Lines
//! file); [`samples`] pairs its events into per-phase latency samples; [`contention`]
//! estimates how much parallel starts on a node slow each other; [`fit`] turns each
//! phase's samples into a distribution. [`Calibration`] renders the result as a
//! `control_plane` map in YAML (with a comment per phase: samples, median, range) or JSON.
//!
//! With a scenario ([`calibrate_against`], `calibrate --scenario`), [`app`] gives the
//! mean and variance of what the application adds to each sample (pull, `start`, the
//! HEALTHCHECK wait) and [`separate`] fits only the engine's part, warning when that part
//! cannot be told from the application's spread. `health_report` is fitted only then.
//!
//! Worked example: a stop-first slot recorded as `prepared` at 0.23 s (created 0.03 s),
//! old task `terminating` at 1.19 s and `stopped` at 1.20 s, new task `running` at
//! 1.63 s gives `create` 0.2 s, `stop_signal` 1.16 s and `start_after_stop` 0.43 s.

pub mod app;
pub mod contention;
pub mod fit;
pub mod samples;
pub mod separate;
pub mod timeline;

use crate::output::human_text::counted;
use crate::scenario::Phase;
use crate::scenario::control_plane::{DockerEngine, ENGINE_FIELD, SLOWDOWN_FIELD};
use crate::sim::time::Time;
use app::{AppModel, Moments, Part, Unknown};
use contention::Slowdown;
use fit::{Fitted, duration};
use samples::{Samples, StartSample};
use serde_json::{Map, Value};
use thiserror::Error;
pub use timeline::{Timeline, TimelineError};

/// A timeline that does not match the scenario it is calibrated against.
#[derive(Debug, Error)]
#[error(
    "{timeline}: version `{version}` is neither a version name nor an image of the scenario \
     {scenario} (its versions: {known}); name the timeline's versions as the scenario does"
)]
pub struct UnknownVersion {
    /// The timeline's source.
    pub timeline: String,
    /// The version it names.
    pub version: String,
    /// The scenario's source.
    pub scenario: String,
    /// The scenario's version names.
    pub known: String,
}

/// One phase's fit and what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseFit {
    /// Which phase.
    pub phase: Phase,
    /// The fitted distribution.
    pub fitted: Fitted,
    /// Number of samples.
    pub samples: usize,
    /// Their median.
    pub median: Time,
    /// The smallest.
    pub min: Time,
    /// The largest.
    pub max: Time,
    /// With a scenario: how the engine's part was separated.
    pub how: Option<String>,
}

/// A fitted control plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The timelines it was fitted to.
    pub sources: Vec<String>,
    /// Phases with samples, in [`Phase::ALL`] order.
    pub phases: Vec<PhaseFit>,
    /// Phases without samples (left zero).
    pub missing: Vec<Phase>,
    /// The start contention, if the starts tell.
    pub slowdown: Option<Slowdown>,
    /// The scenario whose application parts were subtracted, if any.
    pub scenario: Option<String>,
    /// Phases whose engine part could not be separated, samples left out, and the like.
    pub warnings: Vec<String>,
    /// The engine release of the scenario calibrated against, written as `docker_engine`.
    pub docker_engine: Option<DockerEngine>,
}

/// Fit a control plane to `timelines`; `delay` is the update config's `delay` during the
/// recording (a worker's hand-off is measured net of it). Every recorded latency counts as
/// the engine's: record with cached images and an application that starts at once, or use
/// [`calibrate_against`].
pub fn calibrate(timelines: &[Timeline], delay: Time) -> Calibration {
    let s = collect(timelines, delay);
    let mut warnings = Vec::new();
    let (slowdown, starts) = contention_of(&s.starts, None, &mut warnings);
    let mut fits = Vec::new();
    for phase in Phase::ALL {
        let v = phase_samples(&s, phase, slowdown.is_some().then_some(&starts[..]));
        let v: Vec<Time> = v.into_iter().map(|(t, _)| t).collect();
        fits.push((phase, fit::fit(&v), v, None));
    }
    assemble(timelines, fits, slowdown, None, warnings)
}

/// [`calibrate`], fitting only what the engine adds to the application's own latencies,
/// which `app` gives (see [`separate`] for the rules and the warnings).
pub fn calibrate_against(
    timelines: &[Timeline],
    delay: Time,
    app: &AppModel,
) -> Result<Calibration, UnknownVersion> {
    for tl in timelines {
        for task in &tl.tasks {
            if let Err(Unknown::Version(version)) = app.moments(&Part::Start(task.version.clone()))
            {
                return Err(UnknownVersion {
                    timeline: tl.source.clone(),
                    version,
                    scenario: app.source.clone(),
                    known: app.version_names().join(", "),
                });
            }
        }
    }
    let s = collect(timelines, delay);
    let mut warnings = Vec::new();
    let (slowdown, starts) = contention_of(&s.starts, Some(app), &mut warnings);
    let mut fits = Vec::new();
    for phase in Phase::ALL {
        let raw = if phase == Phase::HealthReport {
            if !app.docker_health {
                continue; // no Docker HEALTHCHECK: the phase does not occur
            }
            s.health
                .iter()
                .map(|(t, v)| (*t, Part::Health(v.clone())))
                .collect()
        } else {
            phase_samples(&s, phase, slowdown.is_some().then_some(&starts[..]))
        };
        let mut kept: Vec<(Time, Moments)> = Vec::with_capacity(raw.len());
        let mut left_out = 0;
        for (t, part) in raw {
            match app.moments(&part) {
                Ok(m) => kept.push((t, m)),
                Err(_) => left_out += 1,
            }
        }
        if left_out > 0 {
            let why = if phase == Phase::Create {
                "a pull shared with another task or on an unrecorded node, of an image the \
                 scenario does not cache"
            } else {
                "the scenario gives it no finite latency (`never`)"
            };
            warnings.push(format!(
                "{}: {} left out: the application's part is unknown ({why})",
                phase.name(),
                counted(left_out, "sample")
            ));
        }
        let sep = separate::separate(&kept);
        if let Some(w) = sep.warning {
            warnings.push(format!("{}: {w}", phase.name()));
        }
        let v = kept.iter().map(|(t, _)| *t).collect();
        fits.push((phase, sep.fitted, v, Some(sep.how)));
    }
    let mut c = assemble(
        timelines,
        fits,
        slowdown,
        Some(app.source.clone()),
        warnings,
    );
    c.docker_engine = app.docker_engine;
    Ok(c)
}

fn collect(timelines: &[Timeline], delay: Time) -> Samples {
    let mut s = Samples::default();
    for tl in timelines {
        s.add(tl, delay);
    }
    s
}

/// The start contention, and the starts it was estimated on. With a scenario, the starts
/// include the application's `start`: a constant one is cut off each start's end; a random
/// one makes the overlaps unknowable, and no slowdown is estimated.
fn contention_of(
    starts: &[StartSample],
    app: Option<&AppModel>,
    warnings: &mut Vec<String>,
) -> (Option<Slowdown>, Vec<StartSample>) {
    let mut starts = starts.to_vec();
    if let Some(app) = app {
        for st in &mut starts {
            let m = app
                .moments(&Part::Start(st.version.clone()))
                .unwrap_or(Moments {
                    mean: 0.0,
                    var: f64::INFINITY,
                });
            if m.var > 0.0 {
                warnings.push(format!(
                    "{SLOWDOWN_FIELD}: not estimated: the recorded starts include the \
                     application's random `start` (version `{}`), which hides how they overlap",
                    st.version
                ));
                return (None, Vec::new());
            }
            st.started = st.started.saturating_sub(m.mean as Time).max(st.gate);
        }
    }
    (contention::estimate(&starts), starts)
}

/// The samples of `phase` with their application parts; with a slowdown, the start phases
/// are the starts that ran alone (solo work), net of any constant application part.
fn phase_samples(s: &Samples, phase: Phase, alone: Option<&[StartSample]>) -> Vec<(Time, Part)> {
    match alone {
        Some(starts) if matches!(phase, Phase::Start | Phase::StartAfterStop) => {
            let c = contention::overlaps(starts);
            starts
                .iter()
                .zip(&c)
                .filter(|(st, c)| st.phase == phase && contention::is_alone(**c))
                .map(|(st, _)| (st.started - st.gate, Part::Nothing))
                .collect()
        }
        _ => s
            .of(phase)
            .iter()
            .copied()
            .zip(s.parts_of(phase).iter().cloned())
            .collect(),
    }
}

type PhaseResult = (Phase, Option<Fitted>, Vec<Time>, Option<String>);

fn assemble(
    timelines: &[Timeline],
    fits: Vec<PhaseResult>,
    slowdown: Option<Slowdown>,
    scenario: Option<String>,
    warnings: Vec<String>,
) -> Calibration {
    let mut phases = Vec::new();
    let mut missing = Vec::new();
    for (phase, fitted, mut v, how) in fits {
        let Some(fitted) = fitted else {
            missing.push(phase);
            continue;
        };
        v.sort_unstable();
        phases.push(PhaseFit {
            phase,
            fitted,
            samples: v.len(),
            median: v[v.len() / 2],
            min: v[0],
            max: v[v.len() - 1],
            how,
        });
    }
    Calibration {
        sources: timelines.iter().map(|t| t.source.clone()).collect(),
        phases,
        missing,
        slowdown,
        scenario,
        warnings,
        docker_engine: None,
    }
}

impl Calibration {
    /// The fit of `phase`, if it had samples.
    pub fn phase(&self, phase: Phase) -> Option<&PhaseFit> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    /// The `control_plane` map as JSON values (phases without samples left out).
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for p in &self.phases {
            m.insert(p.phase.name().into(), p.fitted.to_value());
        }
        if let Some(s) = self.slowdown {
            m.insert(SLOWDOWN_FIELD.into(), Value::from(round2(s.value)));
        }
        if let Some(e) = self.docker_engine {
            m.insert(ENGINE_FIELD.into(), Value::from(e.to_string()));
        }
        m
    }

    /// One line of JSON, e.g. for `--set cluster.control_plane="$(…)"`.
    pub fn to_json(&self) -> String {
        Value::Object(self.to_map()).to_string() + "\n"
    }

    /// A YAML map, one phase a line, each with a comment on its samples.
    pub fn to_yaml(&self) -> String {
        let mut out = format!(
            "# control_plane fitted by `rollout-sim calibrate` from {}\n",
            self.sources.join(", ")
        );
        match &self.scenario {
            Some(s) => {
                out += &format!(
                    "# only what the engine adds: the application's pull, start and \
                     HEALTHCHECK wait from {s} subtracted\n\
                     # per phase: samples, observed median [min, max] (before subtracting)\n"
                )
            }
            None => out += "# per phase: samples, observed median [min, max]\n",
        }
        for p in &self.phases {
            let line = format!("{}: {}", p.phase.name(), flow(&p.fitted.to_value()));
            out += &format!(
                "{line:<57} # {}: {}, {} [{}, {}]\n",
                p.phase.meaning(),
                counted(p.samples, "sample"),
                duration(p.median),
                duration(p.min),
                duration(p.max)
            );
            if let Some(how) = &p.how {
                out += &format!("#   {}: {how}\n", p.phase.name());
            }
        }
        match self.slowdown {
            Some(s) => {
                out += &format!(
                    "{:<57} # {} alone, {} sharing a node\n",
                    format!("{SLOWDOWN_FIELD}: {}", round2(s.value)),
                    counted(s.alone, "start"),
                    counted(s.shared, "start")
                )
            }
            None => {
                out += &format!(
                    "# {SLOWDOWN_FIELD}: not estimated (needs the node of every start and \
                     at least 3 starts alone and 3 sharing a node)\n"
                )
            }
        }
        if let Some(e) = self.docker_engine {
            out += &format!(
                "{:<57} # the scenario's engine: decides the HEALTHCHECK fields\n",
                format!("{ENGINE_FIELD}: \"{e}\"")
            );
        }
        for phase in &self.missing {
            out += &format!(
                "# {}: no samples, left at 0 ({})\n",
                phase.name(),
                phase.meaning()
            );
        }
        for w in &self.warnings {
            out += &format!("# warning: {w}\n");
        }
        out
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A JSON value as a YAML flow value (`{uniform: {min: 1s, max: 2s}}`); the scalars here
/// are durations and numbers, plain in YAML.
fn flow(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}: {}", flow(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOT: &str = "t,task,slot,version,state,node\n\
         0,0,1,v1,ready,n\n\
         0.03,,,,updating,\n\
         0.03,1,1,v2,pending,\n0.03,1,1,v2,pulling,n\n0.23,1,1,v2,prepared,n\n\
         1.19,0,1,v1,terminating,n\n1.2,0,1,v1,stopped,n\n\
         1.2,1,1,v2,starting,n\n1.63,1,1,v2,running,n\n1.63,1,1,v2,ready,n\n";

    #[test]
    fn yaml_and_json_read_back_as_a_control_plane() {
        let tl = Timeline::parse(SLOT, "slot.csv").unwrap();
        let c = calibrate(&[tl], 0);
        assert_eq!(
            c.phase(Phase::StopSignal).unwrap().fitted,
            Fitted::Constant(1_160_000)
        );
        let yaml = c.to_yaml();
        assert!(yaml.contains("stop_signal: 1.16s"), "{yaml}");
        assert!(yaml.contains("# next_slot: no samples"), "{yaml}");
        let indented: String = yaml.lines().map(|l| format!("    {l}\n")).collect();
        let text = format!("service: {{}}\ncluster:\n  control_plane:\n{indented}");
        let s = crate::scenario::load_str(&text, "t.yaml", crate::scenario::Format::Yaml, &[])
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let cp = &s.cluster.control_plane;
        assert!(matches!(
            cp.phase(Phase::Create),
            crate::scenario::Dist::Constant(200_000)
        ));
        let json = c.to_json();
        let set: crate::scenario::Override = format!("cluster.control_plane={}", json.trim())
            .parse()
            .unwrap();
        let s = crate::scenario::load_str(
            "service: {}",
            "t.yaml",
            crate::scenario::Format::Yaml,
            &[set],
        )
        .unwrap();
        assert!(matches!(
            s.cluster.control_plane.phase(Phase::StartAfterStop),
            crate::scenario::Dist::Constant(430_000)
        ));
    }
}
