//! `calibrate --scenario`: the application's own pull, start and HEALTHCHECK wait are
//! subtracted, so a trace of an `ideal` run calibrates to zero and a trace of a
//! `docker-20.10` run gives that profile back.
//!
//! The application: pull log-normal (median 2 s, p99 8 s), `start` uniform on [0.5 s, 2 s]
//! (sd 1.5/√12 = 0.433 s), ready uniform on [1 s, 4 s] with probes every second, so the
//! HEALTHCHECK wait is the next whole second, 2, 3 or 4 s with equal odds (sd √(2/3) =
//! 0.816 s). Bounds: a phase whose samples carry no random application part is recovered
//! exactly; the others by their mean, within 3 standard errors `3·sd/√n`, `sd` the
//! application's (plus 0.1 s for the engine's own spread) and `n` the phase's samples.

use crate::yaml;
use rollout_sim::calibrate::app::AppModel;
use rollout_sim::calibrate::{Calibration, Timeline, calibrate, calibrate_against};
use rollout_sim::output::trace_jsonl;
use rollout_sim::scenario::control_plane::DockerEngine;
use rollout_sim::scenario::{Format, Override, Phase, Scenario, load_str};
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

const START_SD: f64 = 0.433;
const HEALTH_SD: f64 = 0.816;

fn scenario(control_plane: &str, healthcheck: &str) -> Scenario {
    yaml(&format!(
        "name: app
seed: 5
horizon: 30m
cluster: {{nodes: 3, node: {{cpu: '2', memory: 4Gi}}, control_plane: {control_plane}}}
service:
  replicas: 6
  resources: {{cpu: 100m, memory: 64Mi}}
  versions:
    current: {{image: web:1}}
    next:
      image: web:2
      pull: {{lognormal: {{median: 2s, p99: 8s}}}}
      start: {{uniform: {{min: 500ms, max: 2s}}}}
      ready_after: {{uniform: {{min: 1s, max: 4s}}}}
  healthcheck: {healthcheck}
strategy:
  swarm:
    update_config: {{parallelism: 1, order: stop-first}}
"
    ))
}

/// Trials `0..n` traced (the `run --trace` format) and read back.
fn traces(s: &Scenario, n: u64) -> Vec<Timeline> {
    let mut ws = Workspace::new(s);
    (0..n)
        .map(|k| {
            let (_, records) = ws.run_traced(k);
            let text = String::from_utf8(trace_jsonl(s, &records)).unwrap();
            Timeline::parse(&text, &format!("trial {k}")).unwrap()
        })
        .collect()
}

/// The fitted mean of `phase` (seconds) and its sample count.
fn mean(c: &Calibration, phase: Phase) -> (f64, usize) {
    let p = c
        .phase(phase)
        .unwrap_or_else(|| panic!("{} not fitted", phase.name()));
    (p.fitted.mean() / SECOND as f64, p.samples)
}

/// `|fitted mean − want| ≤ 3·sd/√n`, `sd` = the application's and the engine's 0.1 s.
fn within_3_se(c: &Calibration, phase: Phase, want: f64, app_sd: f64) {
    let (got, n) = mean(c, phase);
    let bound = 3.0 * (app_sd * app_sd + 0.01).sqrt() / (n as f64).sqrt();
    assert!(
        (got - want).abs() <= bound,
        "{}: {got:.3} s vs {want:.3} s (± {bound:.3}, n = {n})",
        phase.name()
    );
}

/// A log-normal's mean from its median and p99 (seconds): `median·exp(σ²/2)`.
fn lognormal_mean(median: f64, p99: f64) -> f64 {
    let sigma = (p99 / median).ln() / 2.326_347_874;
    median * (sigma * sigma / 2.0).exp()
}

#[test]
fn an_ideal_trace_calibrates_to_zero_against_its_scenario() {
    let s = scenario(
        "ideal",
        "{interval: 1s, start_period: 30s, start_interval: 1s}",
    );
    let tl = traces(&s, 100);
    // Without the scenario the pull is a `create` of seconds and the app's start a
    // `start` of about 1.25 s (issue 9).
    let naive = calibrate(&tl, 0);
    assert!(naive.phase(Phase::Create).unwrap().max > 4 * SECOND);
    assert!(mean(&naive, Phase::StartAfterStop).0 > 1.0);

    let c = calibrate_against(&tl, 0, &AppModel::new(&s, "app.yaml")).unwrap();
    for phase in [
        Phase::UpdateStart,
        Phase::Create,
        Phase::StopSignal,
        Phase::NextSlot,
    ] {
        assert_eq!(mean(&c, phase).0, 0.0, "{}", phase.name());
    }
    within_3_se(&c, Phase::Start, 0.0, START_SD);
    within_3_se(&c, Phase::StartAfterStop, 0.0, START_SD);
    within_3_se(&c, Phase::HealthReport, 0.0, HEALTH_SD);
    // An engine part of zero under a random application part cannot be told apart: said.
    for phase in [Phase::Start, Phase::StartAfterStop, Phase::HealthReport] {
        let prefix = format!("{}: cannot be separated", phase.name());
        assert!(
            c.warnings.iter().any(|w| w.starts_with(&prefix)),
            "{prefix}: {:?}",
            c.warnings
        );
    }
}

#[test]
fn a_docker_20_10_trace_gives_the_profile_back() {
    // Docker 20.10 has no start_interval: probes every second from the start.
    let s = scenario("docker-20.10", "{interval: 1s, start_period: 30s}");
    let tl = traces(&s, 100);
    let c = calibrate_against(&tl, 0, &AppModel::new(&s, "app.yaml")).unwrap();
    // Samples without a random application part: the profile's own values.
    let p = |phase| c.phase(phase).unwrap();
    assert_eq!(
        p(Phase::Create).fitted.mean(),
        200_000.0,
        "a constant 200 ms"
    );
    let stop = p(Phase::StopSignal).median as f64 / SECOND as f64;
    assert!((stop - 1.16).abs() < 0.03, "stop_signal median {stop}");
    let next = p(Phase::NextSlot);
    assert!(next.min >= 30_000 && next.max <= 100_000, "{next:?}");
    let update = p(Phase::UpdateStart);
    assert!(update.min >= 20_000 && update.max <= 50_000, "{update:?}");
    // Under the application's random start and HEALTHCHECK wait: the profile's means.
    within_3_se(&c, Phase::Start, lognormal_mean(0.42, 0.66), START_SD);
    within_3_se(
        &c,
        Phase::StartAfterStop,
        lognormal_mean(0.43, 0.52),
        START_SD,
    );
    within_3_se(
        &c,
        Phase::HealthReport,
        lognormal_mean(0.19, 0.30),
        HEALTH_SD,
    );
    assert!(
        c.warnings
            .iter()
            .all(|w| !w.contains("cannot be separated")),
        "{:?}",
        c.warnings
    );
    // The fit is a control plane the simulator takes, on the same engine release.
    let set: Override = format!("cluster.control_plane={}", c.to_json().trim())
        .parse()
        .unwrap();
    let refit = load_str("name: x\nservice: {}", "t.yaml", Format::Yaml, &[set]).unwrap();
    assert_eq!(
        refit.cluster.control_plane.docker_engine,
        Some(DockerEngine::V20_10)
    );
}

#[test]
fn a_timeline_version_the_scenario_lacks_is_named() {
    let s = scenario("ideal", "{interval: 1s}");
    let mut tl = traces(&s, 1);
    tl[0].tasks[0].version = "v7".into();
    let e = calibrate_against(&tl, 0, &AppModel::new(&s, "app.yaml")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "trial 0: version `v7` is neither a version name nor an image of the scenario \
         app.yaml (its versions: current, next); name the timeline's versions as the \
         scenario does"
    );
    // Images name versions too.
    tl[0].tasks[0].version = "web:2".into();
    assert!(calibrate_against(&tl, 0, &AppModel::new(&s, "app.yaml")).is_ok());
}

#[test]
fn the_command_line_subtracts_and_refuses_what_does_not_match() {
    use assert_cmd::Command;
    use predicates::prelude::*;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let csv = root.join("scenarios/timelines/swarm-stop-first-docker-20.10.csv");
    let bin = || Command::cargo_bin("rollout-sim").expect("the binary is built");
    // The example timeline's own scenario: a cached image and an instant start, so every
    // phase is the engine's alone, and the engine's release is carried into the fit.
    bin()
        .arg("calibrate")
        .arg(&csv)
        .arg("--scenario")
        .arg(root.join("scenarios/swarm-docker-20.10.yaml"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("create: 200ms")
                .and(predicate::str::contains("#   create: engine only"))
                .and(predicate::str::contains("docker_engine: \"20.10\"")),
        );
    // A timeline whose versions the scenario does not name: exit 2, nothing on stdout.
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("recorded.csv");
    std::fs::write(
        &recorded,
        "t,task,slot,version,state\n0,a,1,v1,ready\n0.1,b,1,v2,pulling\n0.3,b,1,v2,prepared\n",
    )
    .unwrap();
    bin()
        .arg("calibrate")
        .arg(&recorded)
        .arg("--scenario")
        .arg(root.join("scenarios/swarm-docker-20.10.yaml"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "version `v1` is neither a version name nor an image",
        ));
    // A scenario that does not load: exit 2, its own message.
    bin()
        .arg("calibrate")
        .arg(&csv)
        .arg("--scenario")
        .arg(dir.path().join("missing.yaml"))
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn without_a_delay_the_command_line_warns_that_next_slot_is_net_of_it() {
    use assert_cmd::Command;
    let csv = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/timelines/swarm-stop-first-docker-20.10.csv"
    );
    let run = |extra: &[&str]| {
        let out = Command::cargo_bin("rollout-sim")
            .expect("the binary is built")
            .arg("calibrate")
            .arg(csv)
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let bare = run(&[]);
    assert!(bare.contains("next_slot (median "), "{bare}");
    assert!(bare.contains("pass --delay D"), "{bare}");
    // Told the delay (even 0s), it has nothing to warn about.
    assert!(!run(&["--delay", "0s"]).contains("--delay D"));
}
