//! `rollout-sim calibrate`: fit a `control_plane` to recorded rollouts, so the simulator
//! predicts a team's own cluster rather than Docker 20.10 on a 2-vCPU test machine.
//!
//! Pipeline: [`timeline`] reads each recorded rollout (CSV, or a `run --trace` JSON Lines
//! file); [`samples`] pairs its events into per-phase latency samples; [`contention`]
//! estimates how much parallel starts on a node slow each other; [`fit`] turns each
//! phase's samples into a distribution. [`Calibration`] renders the result as a
//! `control_plane` map in YAML (with a comment per phase: samples, median, range) or JSON.
//!
//! Worked example: a stop-first slot recorded as `prepared` at 0.23 s (created 0.03 s),
//! old task `terminating` at 1.19 s and `stopped` at 1.20 s, new task `running` at
//! 1.63 s gives `create` 0.2 s, `stop_signal` 1.16 s and `start_after_stop` 0.43 s.

pub mod contention;
pub mod fit;
pub mod samples;
pub mod timeline;

use crate::scenario::Phase;
use crate::scenario::control_plane::SLOWDOWN_FIELD;
use crate::sim::time::Time;
use contention::Slowdown;
use fit::{Fitted, duration};
use samples::Samples;
use serde_json::{Map, Value};
pub use timeline::{Timeline, TimelineError};

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
}

/// Fit a control plane to `timelines`; `delay` is the update config's `delay` during the
/// recording (a worker's hand-off is measured net of it).
pub fn calibrate(timelines: &[Timeline], delay: Time) -> Calibration {
    let mut s = Samples::default();
    for tl in timelines {
        s.add(tl, delay);
    }
    let slowdown = contention::estimate(&s.starts);
    if slowdown.is_some() {
        // The phases are solo work; the slowdown accounts for the shared starts.
        let c = contention::overlaps(&s.starts);
        for phase in [Phase::Start, Phase::StartAfterStop] {
            s.phases[phase as usize] = s
                .starts
                .iter()
                .zip(&c)
                .filter(|(st, c)| st.phase == phase && contention::is_alone(**c))
                .map(|(st, _)| st.started - st.gate)
                .collect();
        }
    }
    let mut phases = Vec::new();
    let mut missing = Vec::new();
    for phase in Phase::ALL {
        let mut v = s.of(phase).to_vec();
        let Some(fitted) = fit::fit(&v) else {
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
        });
    }
    Calibration {
        sources: timelines.iter().map(|t| t.source.clone()).collect(),
        phases,
        missing,
        slowdown,
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
        m
    }

    /// One line of JSON, e.g. for `--set cluster.control_plane="$(…)"`.
    pub fn to_json(&self) -> String {
        Value::Object(self.to_map()).to_string() + "\n"
    }

    /// A YAML map, one phase a line, each with a comment on its samples.
    pub fn to_yaml(&self) -> String {
        let mut out = format!(
            "# control_plane fitted by `rollout-sim calibrate` from {}\n\
             # per phase: samples, observed median [min, max]\n",
            self.sources.join(", ")
        );
        for p in &self.phases {
            let line = format!("{}: {}", p.phase.name(), flow(&p.fitted.to_value()));
            out += &format!(
                "{line:<57} # {}: {} sample{}, {} [{}, {}]\n",
                p.phase.meaning(),
                p.samples,
                if p.samples == 1 { "" } else { "s" },
                duration(p.median),
                duration(p.min),
                duration(p.max)
            );
        }
        match self.slowdown {
            Some(s) => {
                out += &format!(
                    "{:<57} # {} starts alone, {} sharing a node\n",
                    format!("{SLOWDOWN_FIELD}: {}", round2(s.value)),
                    s.alone,
                    s.shared
                )
            }
            None => {
                out += &format!(
                    "# {SLOWDOWN_FIELD}: not estimated (needs the node of every start and \
                     at least 3 starts alone and 3 sharing a node)\n"
                )
            }
        }
        for phase in &self.missing {
            out += &format!(
                "# {}: no samples, left at 0 ({})\n",
                phase.name(),
                phase.meaning()
            );
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
