//! Control-plane latencies end to end: the docker-20.10 profile against issue 5's measured
//! table, the two measured quirks, `ideal` as the textbook, and `calibrate` round trips.
//!
//! Statistical assertions use fixed seeds and bounds several standard errors wide.

use crate::yaml;
use rollout_sim::calibrate::samples::Samples;
use rollout_sim::calibrate::{Timeline, calibrate};
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::experiment::{Outcome, TrialResult, run_trials};
use rollout_sim::output::trace_jsonl;
use rollout_sim::scenario::{Phase, Scenario, load_file};
use rollout_sim::sim::time::{SECOND, Time};
use rollout_sim::trial::Workspace;
use std::path::Path;

/// The setup: 6 replicas of a tiny cached image, instant start, one node.
fn setup(control_plane: &str, update: &str, extra: &str) -> Scenario {
    yaml(&format!(
        "name: cp
seed: 11
horizon: 10m
cluster: {{nodes: 1, image_cached: [current, next], control_plane: {control_plane}}}
service:
  replicas: 6
  resources: {{cpu: 100m, memory: 64Mi}}
  versions:
    current: {{image: tiny:1}}
    next: {{image: tiny:2}}
{extra}
strategy:
  swarm:
    update_config: {update}
"
    ))
}

fn traces(s: &Scenario, trials: std::ops::Range<u64>) -> Vec<Timeline> {
    let mut ws = Workspace::new(s);
    trials
        .map(|k| {
            let (_, records) = ws.run_traced(k);
            let text = String::from_utf8(trace_jsonl(s, &records)).unwrap();
            Timeline::parse(&text, &format!("trial {k}")).unwrap()
        })
        .collect()
}

fn samples(timelines: &[Timeline]) -> Samples {
    let mut s = Samples::default();
    for tl in timelines {
        s.add(tl, 0);
    }
    s
}

fn median(v: &[Time]) -> f64 {
    assert!(!v.is_empty(), "no samples");
    let mut v = v.to_vec();
    v.sort_unstable();
    v[v.len() / 2] as f64 / SECOND as f64
}

fn near(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: simulated {got:.3} s, table {want} s (± {tolerance})"
    );
}

/// Per new task of `version`: first `running`/`ready` − creation ("slot picked → new
/// container started"), and `ready` − `running` where both exist.
fn new_task_spans(tl: &Timeline, version: &str) -> (Vec<Time>, Vec<Time>) {
    let (mut picked_to_started, mut running_to_ready) = (Vec::new(), Vec::new());
    for (i, info) in tl.tasks.iter().enumerate() {
        let ev: Vec<_> = tl.events.iter().filter(|e| e.task == i).collect();
        if info.version != version || ev[0].state == TaskState::Ready {
            continue;
        }
        let at = |s: TaskState| ev.iter().find(|e| e.state == s).map(|e| e.t);
        let started = ev
            .iter()
            .find(|e| matches!(e.state, TaskState::Running | TaskState::Ready))
            .map(|e| e.t);
        if let Some(s) = started {
            picked_to_started.push(s - ev[0].t);
        }
        if let (Some(r), Some(h)) = (at(TaskState::Running), at(TaskState::Ready)) {
            running_to_ready.push(h - r);
        }
    }
    (picked_to_started, running_to_ready)
}

fn durations(rows: &[TrialResult]) -> Vec<f64> {
    let mut d: Vec<f64> = rows.iter().map(|r| r.duration as f64 / 1e6).collect();
    d.sort_by(f64::total_cmp);
    d
}

fn load_example(sets: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/swarm-docker-20.10.yaml");
    let sets: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
    load_file(&path, &sets).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn docker_20_10_stop_first_takes_about_15_seconds_not_the_textbook_5() {
    let rows = run_trials(&load_example(&[]), 0..1000);
    assert!(rows.iter().all(|r| r.outcome == Outcome::Completed));
    let d = durations(&rows);
    let (p01, p50, p99) = (d[10], d[500], d[990]);
    assert!((14.6..=15.4).contains(&p50), "p50 {p50}");
    assert!(p01 > 13.5 && p99 < 16.5, "p01 {p01}, p99 {p99}");
    // `ideal`: the textbook, exactly the 5 s final window, every trial.
    let rows = run_trials(&load_example(&["cluster.control_plane=ideal"]), 0..100);
    assert!(rows.iter().all(|r| r.duration == 5 * SECOND));
}

#[test]
fn stop_first_phase_medians_reproduce_the_table() {
    let tl = traces(
        &setup("docker-20.10", "{parallelism: 1, order: stop-first}", ""),
        0..30,
    );
    let s = samples(&tl);
    near("picked -> created", median(s.of(Phase::Create)), 0.2, 0.0);
    near("stop signal", median(s.of(Phase::StopSignal)), 1.17, 0.03);
    near(
        "exited -> started (P=1)",
        median(s.of(Phase::StartAfterStop)),
        0.43,
        0.02,
    );
    let spans: Vec<Time> = tl
        .iter()
        .flat_map(|t| new_task_spans(t, "next").0)
        .collect();
    // The table's 1.63 s includes the old task's own exit (+ 0.03 s for its instant app).
    near("picked -> started (P=1)", median(&spans), 1.63, 0.06);
    near(
        "RUNNING -> next slot",
        median(s.of(Phase::NextSlot)),
        0.065,
        0.015,
    );
    assert!(
        s.of(Phase::NextSlot)
            .iter()
            .all(|&t| (30_000..=100_000).contains(&t))
    );
    assert!(
        s.of(Phase::UpdateStart)
            .iter()
            .all(|&t| (20_000..=50_000).contains(&t))
    );
}

#[test]
fn parallel_starts_on_one_node_are_slowed_as_measured() {
    let tl = traces(
        &setup("docker-20.10", "{parallelism: 2, order: stop-first}", ""),
        0..40,
    );
    let s = samples(&tl);
    near(
        "exited -> started (P=2)",
        median(s.of(Phase::StartAfterStop)),
        0.61,
        0.03,
    );
    let spans: Vec<Time> = tl
        .iter()
        .flat_map(|t| new_task_spans(t, "next").0)
        .collect();
    near("picked -> started (P=2)", median(&spans), 1.82, 0.08);
    // Spread over six nodes, the two workers' starts rarely share an engine.
    let mut s6 = setup("docker-20.10", "{parallelism: 2, order: stop-first}", "");
    s6.cluster.nodes = (0..6)
        .map(|i| rollout_sim::scenario::NodeSpec {
            name: format!("n{i}"),
            cpu_millis: 1000,
            memory_bytes: 1 << 30,
        })
        .collect();
    let s = samples(&traces(&s6, 0..20));
    near(
        "exited -> started, own nodes",
        median(s.of(Phase::StartAfterStop)),
        0.43,
        0.02,
    );
}

#[test]
fn start_first_phase_medians_reproduce_the_table() {
    let tl = traces(
        &setup("docker-20.10", "{parallelism: 1, order: start-first}", ""),
        0..30,
    );
    let s = samples(&tl);
    near(
        "stop signal after RUNNING",
        median(s.of(Phase::StopSignal)),
        1.15,
        0.03,
    );
    let spans: Vec<Time> = tl
        .iter()
        .flat_map(|t| new_task_spans(t, "next").0)
        .collect();
    near("picked -> started", median(&spans), 0.62, 0.04);
}

#[test]
fn a_healthcheck_becomes_healthy_as_measured() {
    // Ready file at 3 s, probe interval 1 s: healthy 3.19 s after the container started.
    let hc = "  healthcheck: {interval: 1s}";
    let mut s = setup("docker-20.10", "{parallelism: 1}", hc);
    s.service.versions[1].ready_after = rollout_sim::scenario::Dist::Constant(3 * SECOND);
    let tl = traces(&s, 0..20);
    let health: Vec<Time> = tl
        .iter()
        .flat_map(|t| new_task_spans(t, "next").1)
        .collect();
    near("started -> healthy", median(&health), 3.19, 0.02);
    assert!(health.iter().all(|&t| (3_050_000..=3_400_000).contains(&t)));
}

/// A real 6-replica Docker 20.10 rollout (issue 9): start-first, parallelism 2, delay 3 s,
/// HEALTHCHECK every 1 s with a 30 s start period, the application ready 3 s after it
/// started (issue 5's ready file). Measured: 26.4 s. Docker 20.10 has no `start_interval`
/// (Engine API 1.44, Docker 25.0), so its probes inside the start period run every second;
/// applying today's 5 s default start interval predicted 32.3 s.
#[test]
fn docker_20_10_probes_every_interval_inside_the_start_period() {
    const MEASURED: f64 = 26.4;
    let hc = "  healthcheck: {interval: 1s, start_period: 30s}";
    let update = "{parallelism: 2, delay: 3s, order: start-first}";
    let mut s = setup("docker-20.10", update, hc);
    s.service.versions[1].ready_after = rollout_sim::scenario::Dist::Constant(3 * SECOND);
    let rows = run_trials(&s, 0..1000);
    assert!(rows.iter().all(|r| r.outcome == Outcome::Completed));
    let d = durations(&rows);
    let (p01, p50, p99) = (d[10], d[500], d[990]);
    // ±0.4 s: the model's own p01–p99 band is about ±0.4 s wide here (three batches of
    // random engine phases), and one measured run may fall anywhere inside it.
    near("6-replica rollout", p50, MEASURED, 0.4);
    assert!(p01 <= MEASURED && MEASURED <= p99, "{p01} .. {p99}");
    // The same draws on an engine with start_interval (5 s by default): each of the three
    // batches waits for the probe at 5 s instead of 3 s, so every trial is 6 s longer.
    s.cluster.control_plane.docker_engine =
        Some(rollout_sim::scenario::control_plane::DockerEngine::START_INTERVAL_SINCE);
    let later = run_trials(&s, 0..1000);
    for (a, b) in rows.iter().zip(&later) {
        assert_eq!(b.duration - a.duration, 6 * SECOND, "trial {}", a.trial);
    }
}

#[test]
fn start_interval_on_docker_20_10_is_refused() {
    let text = "cluster: {control_plane: docker-20.10}\n\
                service:\n  healthcheck: {interval: 1s, start_period: 30s, start_interval: 1s}\n";
    let fmt = rollout_sim::scenario::Format::Yaml;
    let err = rollout_sim::scenario::load_str(text, "t.yaml", fmt, &[]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("service.healthcheck.start_interval: the engine of cluster.control_plane, Docker 20.10, has no HEALTHCHECK start_interval"),
        "{msg}"
    );
    // Saying which engine runs the cluster lifts the refusal.
    let text = text.replace(
        "docker-20.10",
        "{profile: docker-20.10, docker_engine: \"25.0\"}",
    );
    assert!(rollout_sim::scenario::load_str(&text, "t.yaml", fmt, &[]).is_ok());
}

#[test]
fn a_restart_replacement_comes_after_the_delay_and_the_same_overheads() {
    // Every new task dies 2 s after it started; `continue` keeps the update going.
    let mut s = setup(
        "docker-20.10",
        "{parallelism: 1, failure_action: continue}",
        "  restart: {delay: 5s}",
    );
    s.service.versions[1].crash_after = rollout_sim::scenario::Dist::Constant(2 * SECOND);
    let tl = traces(&s, 0..20);
    let seen = samples(&tl);
    assert!(seen.of(Phase::FailureReport).len() >= 20);
    assert!(
        seen.of(Phase::FailureReport)
            .iter()
            .all(|&t| (60_000..=190_000).contains(&t))
    );
    // Failure → replacement started: 5 s + the report + its start (measured 5.3–5.5 s;
    // the model's median is about 5.55 s, see docs/control-plane.md).
    let mut gaps = Vec::new();
    for t in &tl {
        for (i, _) in t.tasks.iter().enumerate() {
            let Some(failed) = t
                .events
                .iter()
                .find(|e| e.task == i && e.state == TaskState::Failed)
            else {
                continue;
            };
            let slot = &t.tasks[i].slot;
            let replacement = t
                .tasks
                .iter()
                .enumerate()
                .filter(|(j, info)| *j != i && &info.slot == slot)
                .filter_map(|(j, _)| t.events.iter().find(|e| e.task == j).map(|e| (j, e.t)))
                .filter(|&(_, created)| created >= failed.t)
                .min_by_key(|&(_, created)| created);
            if let Some((j, _)) = replacement
                && let Some(started) = t.events.iter().find(|e| {
                    e.task == j && matches!(e.state, TaskState::Running | TaskState::Ready)
                })
            {
                gaps.push(started.t - failed.t);
            }
        }
    }
    assert!(gaps.len() >= 20);
    near("failure -> replacement started", median(&gaps), 5.55, 0.1);
    assert!(gaps.iter().all(|&g| (5_200_000..=6_000_000).contains(&g)));
}

/// Distinct slots in which a `next` task was created.
fn slots_touched(trace: &[TraceRecord]) -> usize {
    let mut slots: Vec<u32> = trace
        .iter()
        .filter_map(|r| match *r {
            TraceRecord::Task {
                slot, version: 1, ..
            } => Some(slot),
            _ => None,
        })
        .collect();
    slots.sort_unstable();
    slots.dedup();
    slots.len()
}

/// Most containers running at once (started and not yet exited), at the end of each
/// instant.
fn peak_running(trace: &[TraceRecord]) -> (usize, Time) {
    let mut state: Vec<Option<TaskState>> = Vec::new();
    let running = |s: &Option<TaskState>| {
        matches!(
            s,
            Some(TaskState::Running | TaskState::Ready | TaskState::Terminating)
        )
    };
    let mut peak = (0, 0);
    let tasks: Vec<(Time, u32, TaskState)> = trace
        .iter()
        .filter_map(|r| match *r {
            TraceRecord::Task { t, task, state, .. } => Some((t, task, state)),
            _ => None,
        })
        .collect();
    for (i, &(t, task, st)) in tasks.iter().enumerate() {
        if state.len() <= task as usize {
            state.resize(task as usize + 1, None);
        }
        state[task as usize] = Some(st);
        let instant_over = tasks.get(i + 1).is_none_or(|n| n.0 > t);
        let n = state.iter().filter(|s| running(s)).count();
        if instant_over && n > peak.0 {
            peak = (n, t);
        }
    }
    peak
}

/// Stop-first, parallelism 1, delay 0; every new task's process exits as it starts.
fn early_crash(control_plane: &str, action: &str) -> Scenario {
    let mut s = setup(
        control_plane,
        &format!("{{parallelism: 1, delay: 0s, failure_action: {action}}}"),
        "",
    );
    s.service.versions[1].crash_probability = 1.0;
    // The old version takes a second to shut down after SIGTERM.
    s.service.versions[0].shutdown = rollout_sim::scenario::Dist::Constant(SECOND);
    s
}

#[test]
fn quirk_an_early_crash_touches_two_slots_before_the_failure_is_seen() {
    let n = 200;
    let s = early_crash("docker-20.10", "pause");
    let mut ws = Workspace::new(&s);
    let mut two = 0;
    for k in 0..n {
        let (r, trace) = ws.run_traced(k);
        assert_eq!(r.outcome, Outcome::Paused);
        let touched = slots_touched(&trace);
        assert!((1..=2).contains(&touched));
        two += (touched == 2) as u32;
    }
    // RUNNING is seen 30–100 ms before the next slot; the failure 60–190 ms after it.
    assert!(two as f64 / n as f64 > 0.8, "{two} of {n}");
    // The textbook: the start fails before RUNNING, one slot only.
    let s = early_crash("ideal", "pause");
    let mut ws = Workspace::new(&s);
    for k in 0..50 {
        let (r, trace) = ws.run_traced(k);
        assert_eq!(slots_touched(&trace), 1);
        assert_eq!(r.outcome, Outcome::Paused);
    }
}

#[test]
fn quirk_seven_containers_run_briefly_during_the_automatic_rollback() {
    let n = 200;
    let s = early_crash("docker-20.10", "rollback");
    let mut ws = Workspace::new(&s);
    let mut seven = 0;
    for k in 0..n {
        let (r, trace) = ws.run_traced(k);
        assert_eq!(r.outcome, Outcome::RolledBack);
        // Reservations: a held new task next to its old one already makes 7.
        assert!(r.peak_tasks >= 7);
        let (peak, at) = peak_running(&trace);
        assert!(peak <= 7, "trial {k}: {peak}");
        if peak == 7 && slots_touched(&trace) == 2 {
            seven += 1;
            // The seventh is the in-flight slot's rollback task, of the old version, next
            // to that slot's old container still waiting for its stop signal.
            let rollback_at = trace
                .iter()
                .find_map(|r| match r {
                    TraceRecord::Update { t, state, .. } if *state == "rollback_started" => {
                        Some(*t)
                    }
                    _ => None,
                })
                .unwrap();
            assert!(at > rollback_at);
        }
    }
    assert!(seven as f64 / n as f64 > 0.7, "{seven} of {n}");
    // Peak running containers with `ideal`: never more than the replicas.
    let s = early_crash("ideal", "rollback");
    let mut ws = Workspace::new(&s);
    for k in 0..50 {
        let (r, trace) = ws.run_traced(k);
        assert_eq!(r.outcome, Outcome::RolledBack);
        assert_eq!(peak_running(&trace).0, 6);
    }
}

#[test]
fn a_manual_rollback_waits_for_the_update_start_too() {
    let mut s = setup("docker-20.10", "{parallelism: 1}", "");
    s.actions = vec![rollout_sim::scenario::Action {
        at: 3 * SECOND,
        kind: rollout_sim::scenario::ActionKind::Undo,
    }];
    let rows = run_trials(&s, 0..50);
    assert!(rows.iter().all(|r| r.outcome == Outcome::RolledBack));
    // Ideal: exact (two slots redone from 3 s, then the 5 s window, as the unit test).
    s.cluster.control_plane = rollout_sim::scenario::ControlPlane::ideal();
    assert!(
        run_trials(&s, 0..5)
            .iter()
            .all(|r| r.duration == 8 * SECOND)
    );
}

#[test]
fn the_kubernetes_profile_slows_pod_starts() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/k8s-surge-one.yaml");
    let ideal = load_file(&path, &[]).unwrap();
    let set = ["cluster.control_plane=kubernetes".parse().unwrap()];
    let k8s = load_file(&path, &set).unwrap();
    let (a, b) = (run_trials(&ideal, 0..200), run_trials(&k8s, 0..200));
    let (da, db) = (durations(&a), durations(&b));
    assert!(b.iter().all(|r| r.outcome == Outcome::Completed));
    // Ten pods one at a time, each ≈1.7 s slower to start (create ≈1 s, start ≈0.7 s).
    let slower = db[100] - da[100];
    assert!((10.0..=25.0).contains(&slower), "{slower}");
}

/// A control plane unlike any profile, for round trips.
const KNOWN: &str = "{create: 500ms, start: {lognormal: {median: 800ms, p99: 1.5s}},
  start_after_stop: {lognormal: {median: 700ms, p99: 1.2s}},
  stop_signal: {lognormal: {median: 2s, p99: 3s}}, next_slot: {uniform: {min: 100ms, max: 300ms}},
  failure_report: {uniform: {min: 200ms, max: 400ms}}, update_start: {uniform: {min: 50ms, max: 150ms}},
  parallel_start_slowdown: 0.5}";

fn known_timelines() -> Vec<Timeline> {
    let mut crash = setup(KNOWN, "{parallelism: 1, failure_action: continue}", "");
    crash.service.versions[1].crash_after = rollout_sim::scenario::Dist::Constant(2 * SECOND);
    let mut all = Vec::new();
    for s in [
        setup(KNOWN, "{parallelism: 1, order: stop-first}", ""),
        setup(KNOWN, "{parallelism: 2, order: stop-first}", ""),
        setup(KNOWN, "{parallelism: 1, order: start-first}", ""),
        crash,
    ] {
        all.extend(traces(&s, 0..12));
    }
    all
}

#[test]
fn calibrate_recovers_a_known_control_plane_from_traces() {
    let c = calibrate(&known_timelines(), 0);
    let fitted = |p: Phase| {
        let f = c
            .phase(p)
            .unwrap_or_else(|| panic!("{} not fitted", p.name()));
        f.fitted.median() as f64 / SECOND as f64
    };
    near("create", fitted(Phase::Create), 0.5, 0.0);
    near("start", fitted(Phase::Start), 0.8, 0.08);
    near("start_after_stop", fitted(Phase::StartAfterStop), 0.7, 0.05);
    near("stop_signal", fitted(Phase::StopSignal), 2.0, 0.1);
    near("next_slot", fitted(Phase::NextSlot), 0.2, 0.03);
    near("failure_report", fitted(Phase::FailureReport), 0.3, 0.03);
    near("update_start", fitted(Phase::UpdateStart), 0.1, 0.03);
    let slowdown = c.slowdown.expect("P=1 and P=2 starts on one node").value;
    assert!((slowdown - 0.5).abs() < 0.12, "slowdown {slowdown}");
    assert!(c.phase(Phase::HealthReport).is_none());

    // The fit is a control plane the simulator takes, and it predicts durations like the
    // original's.
    let fitted_cp = c.to_json();
    let update = "{parallelism: 1, order: stop-first}";
    let original = durations(&run_trials(&setup(KNOWN, update, ""), 0..400));
    let refit = durations(&run_trials(&setup(&fitted_cp, update, ""), 0..400));
    let (a, b) = (original[200], refit[200]);
    assert!((a - b).abs() / a < 0.03, "p50 {a} vs {b}");
}
