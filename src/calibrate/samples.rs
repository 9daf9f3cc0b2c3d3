//! Phase samples read off a timeline: which pairs of events measure which phase.
//!
//! Tasks are paired by slot, as Swarm pairs an old task with its replacement; a task is
//! *new* if it was first seen before it ran (not part of the fleet at the start). The
//! rules, per phase:
//!
//! | phase | sample |
//! |---|---|
//! | `update_start` | the first `updating` rollout event (seconds since the command) |
//! | `create` | new task: `prepared` − placed (first `pulling`, else `prepared`) |
//! | `start_after_stop` | new task whose slot-mate exited (`stopped`) after the new one was prepared and before it started: started − that exit |
//! | `start` | any other new task: started − `prepared` (restart replacements are skipped: their start waits for the restart delay) |
//! | `stop_signal` | a serving task's `terminating` − the decision: the first slot-mate created after it was serving; its `ready`, if that came first (start-first), else its creation (stop-first) |
//! | `next_slot` | a new task's creation − `delay` − the `ready` of the earliest unmatched new task of the same version (workers hand off first come, first served) |
//! | `failure_report` | a new task `failed` → the next task created in its slot (the restart replacement), within 5 s |
//!
//! "Started" is the first `running` or `ready`. `health_report` is not read directly: it
//! needs the application's own readiness, which a timeline does not show; the spans
//! `ready − running` of new tasks are kept in [`Samples::health`] for `calibrate
//! --scenario`. A restart replacement is the first task created in a slot after a failure
//! there.
//!
//! Each sample also records what the application may have added to it ([`Part`]): a
//! `create` sample of the first task of its version on its node may include the image
//! pull, one placed before the image was seen on the node (or on an unknown node) perhaps
//! part of another task's pull, one placed after the image was seen there (a task of that
//! version prepared or running on the node) nothing; `start` and `start_after_stop`
//! samples include the version's `start`. Without a scenario the parts are not used.

use super::app::Part;
use super::timeline::Timeline;
use crate::cluster::TaskState;
use crate::scenario::Phase;
use crate::sim::time::{SECOND, Time};
use std::collections::HashMap;

/// A failure is paired with a replacement created at most this long after it.
const REPLACEMENT_WINDOW: Time = 5 * SECOND;

/// One container start: for the contention estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct StartSample {
    /// `Start` or `StartAfterStop`.
    pub phase: Phase,
    /// Which timeline it came from (starts of different recordings never overlap).
    pub timeline: usize,
    /// Node (interned per timeline), `usize::MAX` if unknown.
    pub node: usize,
    /// When the start could begin.
    pub gate: Time,
    /// When the container had started.
    pub started: Time,
    /// The task's version (its `start` is part of the span).
    pub version: String,
}

/// Every sample found, per phase.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// Latencies by [`Phase`] index.
    pub phases: [Vec<Time>; 8],
    /// What the application may have added to each of them, in the same order.
    pub parts: [Vec<Part>; 8],
    /// `ready − running` of new tasks, with their version: a HEALTHCHECK's wait plus
    /// `health_report`.
    pub health: Vec<(Time, String)>,
    /// The container starts behind the `start` and `start_after_stop` samples.
    pub starts: Vec<StartSample>,
    /// Timelines added so far.
    timelines: usize,
}

impl Samples {
    /// The samples of `phase`.
    pub fn of(&self, phase: Phase) -> &[Time] {
        &self.phases[phase as usize]
    }

    /// What the application may have added to each sample of `phase`.
    pub fn parts_of(&self, phase: Phase) -> &[Part] {
        &self.parts[phase as usize]
    }

    fn push(&mut self, phase: Phase, v: Time) {
        self.push_with(phase, v, Part::Nothing);
    }

    fn push_with(&mut self, phase: Phase, v: Time, part: Part) {
        self.phases[phase as usize].push(v);
        self.parts[phase as usize].push(part);
    }

    /// Add the samples of one timeline; `delay` is the update config's `delay`.
    pub fn add(&mut self, tl: &Timeline, delay: Time) {
        let view = View::new(tl);
        if let Some(&(t, _)) = tl.updates.iter().find(|(_, s)| s == "updating") {
            self.push(Phase::UpdateStart, t);
        }
        for (i, task) in view.tasks.iter().enumerate() {
            if task.new {
                self.add_new_task(&view, i);
            }
            self.add_stop_signal(&view, i);
        }
        self.add_next_slot(&view, delay);
        self.timelines += 1;
    }

    fn add_new_task(&mut self, view: &View, i: usize) {
        let task = &view.tasks[i];
        if let Some(prepared) = task.prepared {
            let part = view.pull_part(i);
            self.push_with(
                Phase::Create,
                prepared - task.placed.unwrap_or(prepared),
                part,
            );
        }
        if let (Some(r), Some(h)) = (task.started, task.ready)
            && h >= r
        {
            self.health.push((h - r, task.version.to_string()));
        }
        if let Some(failed) = task.failed {
            let next = view
                .mates(i)
                .filter(|&j| view.tasks[j].first >= failed)
                .map(|j| view.tasks[j].first)
                .min();
            if let Some(c) = next.filter(|&c| c - failed <= REPLACEMENT_WINDOW) {
                self.push(Phase::FailureReport, c - failed);
            }
        }
        let (Some(prepared), Some(started)) = (task.prepared, task.started) else {
            return;
        };
        if view.is_replacement(i) || started < prepared {
            return;
        }
        let exit = view
            .mates(i)
            .filter_map(|j| view.tasks[j].stopped)
            .filter(|&e| task.first <= e && e <= started)
            .max();
        let (phase, gate) = match exit {
            Some(e) if e >= prepared => (Phase::StartAfterStop, e),
            _ => (Phase::Start, prepared),
        };
        let version = task.version.to_string();
        self.push_with(phase, started - gate, Part::Start(version.clone()));
        self.starts.push(StartSample {
            phase,
            timeline: self.timelines,
            node: task.node,
            gate,
            started,
            version,
        });
    }

    fn add_stop_signal(&mut self, view: &View, i: usize) {
        let task = &view.tasks[i];
        let (Some(signal), Some(serving)) = (task.terminating, task.ready) else {
            return;
        };
        let successor = view
            .mates(i)
            .filter(|&j| (serving..=signal).contains(&view.tasks[j].first))
            .min_by_key(|&j| view.tasks[j].first);
        let Some(j) = successor else {
            return;
        };
        let next = &view.tasks[j];
        let decision = match next.ready {
            Some(r) if r <= signal => r,
            _ => next.first,
        };
        self.push(Phase::StopSignal, signal - decision);
    }

    fn add_next_slot(&mut self, view: &View, delay: Time) {
        // Per version: the ready times of new tasks (each frees a worker) and the creation
        // times of new tasks the workers took, matched first come, first served.
        let mut by_version: HashMap<&str, (Vec<Time>, Vec<Time>)> = HashMap::new();
        for (i, t) in view.tasks.iter().enumerate() {
            if !t.new || view.is_replacement(i) {
                continue;
            }
            let entry = by_version.entry(t.version).or_default();
            if let Some(r) = t.ready {
                entry.0.push(r);
            }
            entry.1.push(t.first);
        }
        let mut versions: Vec<_> = by_version.into_iter().collect();
        versions.sort_by(|a, b| a.0.cmp(b.0));
        for (_, (mut freed, mut taken)) in versions {
            freed.sort_unstable();
            taken.sort_unstable();
            let mut next_freed = 0;
            for c in taken {
                let Some(picked) = c.checked_sub(delay) else {
                    continue;
                };
                if next_freed < freed.len() && freed[next_freed] <= picked {
                    self.push(Phase::NextSlot, picked - freed[next_freed]);
                    next_freed += 1;
                }
            }
        }
    }
}

/// What one task did, as first seen.
#[derive(Debug, Clone)]
struct TaskView<'a> {
    slot: usize,
    version: &'a str,
    node: usize,
    first: Time,
    new: bool,
    placed: Option<Time>,
    prepared: Option<Time>,
    started: Option<Time>,
    ready: Option<Time>,
    terminating: Option<Time>,
    stopped: Option<Time>,
    failed: Option<Time>,
}

/// The tasks of a timeline and their slots.
struct View<'a> {
    tasks: Vec<TaskView<'a>>,
    /// Task indices by slot.
    slots: Vec<Vec<usize>>,
}

impl<'a> View<'a> {
    fn new(tl: &'a Timeline) -> View<'a> {
        let mut slot_ids: HashMap<&str, usize> = HashMap::new();
        let mut node_ids: HashMap<&str, usize> = HashMap::new();
        let mut tasks: Vec<Option<TaskView>> = vec![None; tl.tasks.len()];
        for e in &tl.events {
            let info = &tl.tasks[e.task];
            let v = tasks[e.task].get_or_insert_with(|| {
                let n = slot_ids.len();
                let slot = *slot_ids.entry(info.slot.as_str()).or_insert(n);
                let n = node_ids.len();
                let node = info
                    .node
                    .as_deref()
                    .map_or(usize::MAX, |name| *node_ids.entry(name).or_insert(n));
                TaskView {
                    slot,
                    version: &info.version,
                    node,
                    first: e.t,
                    new: matches!(
                        e.state,
                        TaskState::Pending
                            | TaskState::Pulling
                            | TaskState::Prepared
                            | TaskState::Starting
                    ),
                    placed: None,
                    prepared: None,
                    started: None,
                    ready: None,
                    terminating: None,
                    stopped: None,
                    failed: None,
                }
            });
            let slot = match e.state {
                TaskState::Pulling => &mut v.placed,
                TaskState::Prepared => &mut v.prepared,
                TaskState::Running => &mut v.started,
                TaskState::Ready => {
                    v.started.get_or_insert(e.t);
                    &mut v.ready
                }
                TaskState::Terminating => &mut v.terminating,
                TaskState::Stopped => &mut v.stopped,
                TaskState::Failed => &mut v.failed,
                _ => continue,
            };
            slot.get_or_insert(e.t);
        }
        let tasks: Vec<TaskView> = tasks.into_iter().flatten().collect();
        let mut slots = vec![Vec::new(); slot_ids.len()];
        for (i, t) in tasks.iter().enumerate() {
            slots[t.slot].push(i);
        }
        View { tasks, slots }
    }

    /// The other tasks of task `i`'s slot.
    fn mates(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.slots[self.tasks[i].slot]
            .iter()
            .copied()
            .filter(move |&j| j != i)
    }

    /// What task `i`'s `create` sample may hold of an image pull (see the module docs).
    fn pull_part(&self, i: usize) -> Part {
        let t = &self.tasks[i];
        let version = t.version.to_string();
        let placed = t.placed.or(t.prepared).unwrap_or(t.first);
        if t.node == usize::MAX {
            return Part::MaybePull(version);
        }
        let same = || {
            self.tasks
                .iter()
                .enumerate()
                .filter(|(j, u)| *j != i && u.node == t.node && u.version == t.version)
        };
        // The image was on the node by then: a task of the version was prepared or ran there.
        let seen = same()
            .filter_map(|(_, u)| {
                if u.new {
                    u.prepared.or(u.started)
                } else {
                    Some(u.first)
                }
            })
            .any(|at| at <= placed);
        if seen {
            return Part::Nothing;
        }
        // Placed with no task of the version placed on the node before it (ties wait for
        // the same pull from the same instant): the whole pull.
        let first =
            same().all(|(_, u)| !u.new || u.placed.or(u.prepared).unwrap_or(u.first) >= placed);
        if first {
            Part::Pull(version)
        } else {
            Part::MaybePull(version)
        }
    }

    /// The first task created in its slot after a failure there.
    fn is_replacement(&self, i: usize) -> bool {
        let first = self.tasks[i].first;
        let Some(failed) = self
            .mates(i)
            .filter_map(|j| self.tasks[j].failed)
            .filter(|&f| f <= first)
            .max()
        else {
            return false;
        };
        !self
            .mates(i)
            .any(|j| failed < self.tasks[j].first && self.tasks[j].first < first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(csv: &str) -> Samples {
        let tl = Timeline::parse(csv, "t.csv").unwrap();
        let mut s = Samples::default();
        s.add(&tl, 0);
        s
    }

    #[test]
    fn a_stop_first_slot() {
        // Old task 0 serves from t=0; new task 1 is created at 0.03, prepared at 0.23; the
        // old one gets SIGTERM at 1.19 and exits at 1.2; the new one runs at 1.63; task 2 is
        // taken by the worker at 1.7.
        let s = samples(
            "t,task,slot,version,state\n\
             0,0,1,v1,ready\n\
             0.03,,,,updating\n\
             0.03,1,1,v2,pending\n0.03,1,1,v2,pulling\n0.23,1,1,v2,prepared\n\
             1.19,0,1,v1,terminating\n1.2,0,1,v1,stopped\n\
             1.2,1,1,v2,starting\n1.63,1,1,v2,running\n1.63,1,1,v2,ready\n\
             1.7,2,2,v2,pending\n",
        );
        assert_eq!(s.of(Phase::UpdateStart), [30_000]);
        assert_eq!(s.of(Phase::Create), [200_000]);
        assert_eq!(s.of(Phase::StopSignal), [1_160_000]);
        assert_eq!(s.of(Phase::StartAfterStop), [430_000]);
        assert!(s.of(Phase::Start).is_empty());
        assert_eq!(s.of(Phase::NextSlot), [70_000]);
    }

    #[test]
    fn a_start_first_slot_and_a_failure() {
        let s = samples(
            "t,task,slot,version,state\n\
             0,0,1,v1,ready\n\
             0,1,1,v2,pulling\n0.2,1,1,v2,prepared\n0.2,1,1,v2,starting\n0.62,1,1,v2,ready\n\
             1.77,0,1,v1,terminating\n1.8,0,1,v1,stopped\n\
             0,2,2,v2,pulling\n0.2,2,2,v2,prepared\n0.65,2,2,v2,ready\n0.7,2,2,v2,failed\n\
             0.82,3,2,v2,pending\n0.82,3,2,v2,pulling\n1.02,3,2,v2,prepared\n6.2,3,2,v2,ready\n",
        );
        assert_eq!(s.of(Phase::StopSignal), [1_150_000]);
        assert_eq!(
            s.of(Phase::Start),
            [420_000, 450_000],
            "task 3 is a replacement"
        );
        assert_eq!(s.of(Phase::FailureReport), [120_000]);
        assert!(s.of(Phase::StartAfterStop).is_empty());
    }
}
