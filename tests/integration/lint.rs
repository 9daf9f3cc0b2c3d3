//! `rollout-sim lint`: every rule fires on a scenario with its problem and stays quiet
//! on the same scenario without it.

use super::yaml;
use assert_cmd::Command;
use predicates::prelude::*;
use rollout_sim::check::lint::{Warning, lint};
use rollout_sim::scenario::load_file;
use std::path::{Path, PathBuf};

/// Start-up is a constant 1 s + 2 s, so its median is exactly 3 s. Two nodes of one
/// core fit four 500m tasks: room for 2 replicas + 1 start-first worker.
const SWARM: &str = "name: s
service:
  replicas: 2
  resources: {cpu: 500m, memory: 64Mi}
  versions:
    current: {image: a}
    next: {image: b, start: 1s, ready_after: 2s}
cluster: {nodes: 2, node: {cpu: '1', memory: 1Gi}}
strategy: {swarm: {update_config: {parallelism: 1, delay: 0s, monitor: 30s, failure_action: rollback, order: start-first}}}
";

/// Start-up 3 s; readiness probed every second; a preStop sleep longer than the 2 s
/// endpoint lag; a percent surge; a deadline far above the rollout's duration.
const K8S: &str = "name: k
service:
  replicas: 4
  pre_stop: 5s
  versions:
    current: {image: a}
    next: {image: b, start: 1s, ready_after: 2s}
  readinessProbe: {periodSeconds: 1}
strategy:
  kubernetes:
    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
    progressDeadlineSeconds: 600
traffic: {rps: 50, endpoint_propagation: 2s}
";

fn rules(text: &str) -> Vec<&'static str> {
    lint(&yaml(text), Some(1))
        .into_iter()
        .map(|w| w.rule)
        .collect()
}

/// `base` with `from` replaced by `to` (which must occur).
fn with(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "{from}");
    base.replace(from, to)
}

#[test]
fn clean_scenarios_are_quiet() {
    assert_eq!(rules(SWARM), Vec::<&str>::new());
    assert_eq!(rules(K8S), Vec::<&str>::new());
}

#[test]
fn swarm_rules_fire() {
    assert_eq!(
        rules(&with(SWARM, "monitor: 30s", "monitor: 2s")),
        ["swarm-monitor-short"]
    );
    // Exactly at the 3 s start-up the monitor is long enough.
    assert_eq!(
        rules(&with(SWARM, "monitor: 30s", "monitor: 3s")),
        Vec::<&str>::new()
    );
    assert_eq!(
        rules(&with(SWARM, "delay: 0s", "delay: 30s")),
        ["swarm-delay-ge-monitor"]
    );
    assert_eq!(
        rules(&with(SWARM, "nodes: 2", "nodes: 1")),
        ["swarm-start-first-no-room"]
    );
    assert_eq!(
        rules(&with(
            SWARM,
            "nodes: 2, node: {cpu: '1'",
            "nodes: 1, node: {cpu: '1.5'"
        )),
        Vec::<&str>::new(),
        "one node of 1.5 cores fits 3 tasks: enough"
    );
    assert_eq!(
        rules(&with(
            SWARM,
            "failure_action: rollback",
            "failure_action: pause"
        )),
        ["swarm-pause-mixed-fleet"]
    );
}

#[test]
fn kubernetes_rules_fire() {
    assert_eq!(
        rules(&with(K8S, "maxSurge: 25%", "maxSurge: 25")),
        ["k8s-max-surge-count"]
    );
    assert_eq!(
        rules(&with(K8S, "maxSurge: 25%", "maxSurge: 4")),
        Vec::<&str>::new()
    );
    // Every new pod needs 3 s to become ready, with no progress in between: a 2 s
    // deadline is exceeded by rollouts that then finish.
    assert_eq!(
        rules(&with(
            K8S,
            "progressDeadlineSeconds: 600",
            "progressDeadlineSeconds: 2"
        )),
        ["k8s-deadline-below-p95"]
    );
    assert_eq!(
        rules(&with(K8S, "periodSeconds: 1", "periodSeconds: 10")),
        ["readiness-period-long"]
    );
    assert_eq!(
        rules(&with(K8S, "pre_stop: 5s", "pre_stop: 0s")),
        ["no-prestop-with-endpoint-lag"]
    );
}

/// A task that takes requests before its application answers: no readiness (or
/// startup) probe on the kubelet, no HEALTHCHECK on the Docker engine, with traffic and a
/// `ready_after` of the new version.
#[test]
fn a_task_in_rotation_before_its_app_answers_warns() {
    let no_probe = with(K8S, "  readinessProbe: {periodSeconds: 1}\n", "");
    assert_eq!(rules(&no_probe), ["no-readiness-check"]);
    let w = of_rule(&no_probe, "no-readiness-check");
    assert!(
        w[0].message
            .contains("`next`'s app answers a median 2.0s later"),
        "{w:?}"
    );
    // A startup probe holds Ready back too; no traffic, no request to refuse; an app
    // that answers at once loses none.
    let startup = with(
        K8S,
        "readinessProbe: {periodSeconds: 1}",
        "startupProbe: {periodSeconds: 1}",
    );
    assert_eq!(rules(&startup), Vec::<&str>::new());
    let no_traffic = with(
        &no_probe,
        "traffic: {rps: 50, endpoint_propagation: 2s}\n",
        "",
    );
    assert_eq!(rules(&no_traffic), Vec::<&str>::new());
    let at_once = with(&no_probe, "ready_after: 2s", "ready_after: 0s");
    assert_eq!(rules(&at_once), Vec::<&str>::new());
    // Swarm: the HEALTHCHECK decides.
    let swarm = format!("{SWARM}traffic: {{rps: 10}}\n");
    assert_eq!(rules(&swarm), ["no-readiness-check"]);
    assert!(
        of_rule(&swarm, "no-readiness-check")[0]
            .message
            .starts_with("no HEALTHCHECK")
    );
    let healthy = with(
        &swarm,
        "  replicas: 2\n",
        "  replicas: 2\n  healthcheck: {interval: 1s, retries: 3}\n",
    );
    assert_eq!(rules(&healthy), Vec::<&str>::new());
}

#[test]
fn no_prestop_is_fine_when_the_kubelet_acts_after_the_endpoints_drop_the_pod() {
    // The endpoints drop a deleted pod 2 s after the deletion; the kubelet sends SIGTERM
    // `stop_signal` after it. Requests are refused only while the drop is later.
    let with_signal = |signal: &str| {
        let text = with(K8S, "pre_stop: 5s", "pre_stop: 0s")
            + &format!(
                "cluster: {{control_plane: {{profile: kubernetes, stop_signal: {signal}}}}}\n"
            );
        lint(&yaml(&text), Some(1))
    };
    assert!(with_signal("3s").is_empty());
    let w = with_signal("500ms");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].rule, "no-prestop-with-endpoint-lag");
    assert_eq!(
        w[0].fix,
        "add a preStop sleep of at least 1.5s (the lag less the kubelet's)"
    );
}

#[test]
fn deny_warnings_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, with(SWARM, "delay: 0s", "delay: 30s")).unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, SWARM).unwrap();
    let bin = || Command::cargo_bin("rollout-sim").unwrap();
    bin()
        .arg("lint")
        .arg(&bad)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[swarm-delay-ge-monitor]"))
        .stdout(predicate::str::contains("  fix: "))
        .stdout(predicate::str::contains("  why: swarmkit"));
    bin()
        .args(["lint", "--deny", "warnings"])
        .arg(&bad)
        .assert()
        .code(1);
    bin()
        .args(["lint", "--deny", "warnings"])
        .arg(&good)
        .assert()
        .code(0);
    bin()
        .arg("lint")
        .arg(dir.path().join("missing.yaml"))
        .assert()
        .code(2);
}

/// The README puts the editors' schema beside the scenarios (`$schema=./…`): a folder
/// input skips `*.schema.json` instead of refusing it as a scenario with no `service`.
#[test]
fn a_folder_input_skips_the_json_schema_beside_the_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.yaml"), SWARM).unwrap();
    let bin = || Command::cargo_bin("rollout-sim").unwrap();
    bin()
        .args(["schema", "--out"])
        .arg(dir.path().join("rollout-sim.schema.json"))
        .assert()
        .code(0);
    bin()
        .args(["lint", "--deny", "warnings"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::is_empty());
    bin()
        .args([
            "check",
            "--trials",
            "5",
            "--check",
            "outcome.completed.rate > 0",
        ])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("good.yaml"))
        .stdout(predicate::str::contains("schema").not());
    // A folder holding only the schema has no scenario to take.
    std::fs::remove_file(dir.path().join("good.yaml")).unwrap();
    bin()
        .arg("lint")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("*.schema.json skipped"));
}

/// Every path's problem is told in one run, each in its place, whether it is a folder
/// with no scenario or a file (before, the first such folder stopped the command and hid
/// the rest); nothing is run.
#[test]
fn every_folder_and_file_problem_is_told_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("empty")).unwrap();
    std::fs::write(dir.join("empty/notes.txt"), "no scenario\n").unwrap();
    std::fs::create_dir(dir.join("also-empty")).unwrap();
    std::fs::write(dir.join("good.yaml"), SWARM).unwrap();
    let empty = |d: &str| {
        format!(
            "{d}: no scenario file (*.yaml, *.yml, *.json; *.schema.json skipped) in this folder"
        )
    };
    let expected = format!(
        "error: {}\nmissing.yaml: (file): cannot read `missing.yaml`: No such file or directory \
         (os error 2)\n{}\n",
        empty("empty"),
        empty("also-empty/")
    );
    let paths = ["empty", "good.yaml", "missing.yaml", "also-empty/"];
    refused_by_lint_and_check(dir, &paths, &expected);
}

/// `lint` and `check` given `paths` in `dir` both exit 2 before any work, printing
/// nothing but `expected` on stderr.
fn refused_by_lint_and_check(dir: &Path, paths: &[&str], expected: &str) {
    for command in [
        &["lint"][..],
        &["check", "--check", "outcome.completed.rate > 0"],
    ] {
        Command::cargo_bin("rollout-sim")
            .unwrap()
            .current_dir(dir)
            .args(command)
            .args(paths)
            .assert()
            .code(2)
            .stdout("")
            .stderr(expected.to_string());
    }
}

/// A scenario given twice, by another spelling or inside a folder also given, is refused
/// with both spellings, as `compare` and `import` refuse it, rather than run and reported
/// twice; nothing is run.
#[test]
fn a_scenario_given_twice_is_refused_with_both_spellings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("s")).unwrap();
    std::fs::write(dir.join("s/good.yaml"), SWARM).unwrap();
    let expected = "error: s/good.yaml and ./s/good.yaml are the same file: give each file \
                    once\ns/good.yaml and s/good.yaml (in the folder s) are the same file: \
                    give each file once\ns and s/ are the same folder: give each folder once\n";
    refused_by_lint_and_check(dir, &["s/good.yaml", "./s/good.yaml", "s", "s/"], expected);
}

/// A shipped scenario's path.
fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// The warnings of rule `rule` for a shipped scenario.
fn shipped_warnings(name: &str, rule: &str) -> Vec<Warning> {
    let s = load_file(&shipped(name), &[]).unwrap_or_else(|e| panic!("{e}"));
    lint(&s, Some(1))
        .into_iter()
        .filter(|w| w.rule == rule)
        .collect()
}

/// `progressDeadlineSeconds` limits a stretch without progress, not the rollout: a
/// rollout paused for longer than the deadline (the pause does not count) and 7 minutes
/// long in all, with a 2-minute deadline that no trial exceeds, is not warned about.
#[test]
fn the_deadline_rule_is_quiet_on_a_paused_rollout_that_never_exceeds_it() {
    assert!(shipped_warnings("k8s-pause-manual-check.yaml", "k8s-deadline-below-p95").is_empty());
    Command::cargo_bin("rollout-sim")
        .unwrap()
        .arg("lint")
        .arg(shipped("k8s-pause-manual-check.yaml"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("k8s-deadline-below-p95").not());
}

/// Stuck rollouts exceed the deadline and never finish: the warning says so and points at
/// why the pods never become available, and does not advise a longer deadline (which
/// would only hide the stall for longer).
#[test]
fn the_deadline_rule_tells_a_stuck_rollout_from_a_short_deadline() {
    for (name, clue) in [
        ("k8s-crashloop-deadline.yaml", "restarts > 0"),
        ("k8s-affinity-pending.yaml", "pending_resources"),
    ] {
        let w = shipped_warnings(name, "k8s-deadline-below-p95");
        assert_eq!(w.len(), 1, "{name}: {w:?}");
        let w = &w[0];
        assert!(
            w.message
                .contains("exceeded in 200 of 200 simulated trials")
                && w.message.contains("200 have not finished at the horizon")
                && !w.message.contains("then finish"),
            "{name}: {}",
            w.message
        );
        assert!(
            w.fix.starts_with("keep the deadline") && !w.fix.contains("raise"),
            "{name}: {}",
            w.fix
        );
        assert!(w.fix.contains(clue), "{name}: {}", w.fix);
    }
    // The same through the command line, with the file named.
    Command::cargo_bin("rollout-sim")
        .unwrap()
        .arg("lint")
        .arg(shipped("k8s-crashloop-deadline.yaml"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "k8s-crashloop-deadline.yaml: warning[k8s-deadline-below-p95]: strategy.kubernetes.progressDeadlineSeconds 5m00.0s is exceeded",
        ));
}

/// A deadline shorter than a rollout's normal stretches without progress: every trial
/// exceeds it and then finishes, and the fix names the shortest deadline none exceeds
/// (each new pod is 3 s from creation to Ready, with no progress in between).
#[test]
fn the_deadline_rule_measures_the_deadline_slow_rollouts_need() {
    let s = yaml(&with(
        K8S,
        "progressDeadlineSeconds: 600",
        "progressDeadlineSeconds: 2",
    ));
    let w = lint(&s, Some(1));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message.contains("200 then finish") && !w[0].message.contains("horizon"),
        "{}",
        w[0].message
    );
    assert!(
        w[0].fix
            .starts_with("raise progressDeadlineSeconds to at least 3.0s"),
        "{}",
        w[0].fix
    );
    // At the deadline the fix names, no trial exceeds it.
    assert_eq!(
        rules(&with(
            K8S,
            "progressDeadlineSeconds: 600",
            "progressDeadlineSeconds: 3"
        )),
        Vec::<&str>::new()
    );
}

/// Three workers (the manager excluded by `node.role!=manager`) at most 2 tasks each hold
/// 6 tasks; start-first needs 7. Raw cpu and memory (4 nodes of 16 tasks) would fit 64.
#[test]
fn start_first_room_counts_constraints_and_max_replicas_per_node() {
    let w = shipped_warnings(
        "swarm-max-replicas-start-first.yaml",
        "swarm-start-first-no-room",
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message.contains(
            "needs room for 7 tasks (6 replicas + 1 updating at once) but the nodes take 6"
        ) && w[0].message.contains("service.placement.constraints")
            && w[0]
                .message
                .contains("service.placement.max_replicas_per_node 2"),
        "{}",
        w[0].message
    );
    assert!(
        w[0].fix
            .contains("service.placement.max_replicas_per_node above 2"),
        "{}",
        w[0].fix
    );
    Command::cargo_bin("rollout-sim")
        .unwrap()
        .args(["lint", "--deny", "warnings"])
        .arg(shipped("swarm-max-replicas-start-first.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "swarm-max-replicas-start-first.yaml: warning[swarm-start-first-no-room]",
        ));

    // A small cluster with the same kinds of limits and room to spare: quiet. A manager
    // and two workers of one core (two 500m tasks each); 2 replicas + 1 worker = 3 fit on
    // the workers at max 2 per node.
    let room = "name: s
service:
  replicas: 2
  resources: {cpu: 500m, memory: 64Mi}
  placement: {constraints: [node.role!=manager], max_replicas_per_node: 2}
  versions:
    current: {image: a}
    next: {image: b, start: 1s, ready_after: 2s}
cluster:
  node: {cpu: '1', memory: 1Gi}
  nodes: [{name: m, role: manager}, {name: w1}, {name: w2}]
strategy: {swarm: {update_config: {parallelism: 1, delay: 0s, monitor: 30s, failure_action: rollback, order: start-first}}}
";
    assert_eq!(rules(room), Vec::<&str>::new());
    // One worker left: the manager's core is not room (only 2 tasks fit on the worker).
    assert_eq!(
        rules(&with(room, ", {name: w2}", "")),
        ["swarm-start-first-no-room"]
    );
    // A limit of 1 per node: 2 workers take 2 tasks, 3 needed.
    assert_eq!(
        rules(&with(
            room,
            "max_replicas_per_node: 2",
            "max_replicas_per_node: 1"
        )),
        ["swarm-start-first-no-room"]
    );
    // Without the constraint the manager's room counts: 3 nodes at 1 each take 3.
    assert_eq!(
        rules(&with(
            &with(room, "max_replicas_per_node: 2", "max_replicas_per_node: 1"),
            "constraints: [node.role!=manager], ",
            ""
        )),
        Vec::<&str>::new()
    );
}

/// The warnings of rule `rule` for `text`.
fn of_rule(text: &str, rule: &str) -> Vec<Warning> {
    lint(&yaml(text), Some(1))
        .into_iter()
        .filter(|w| w.rule == rule)
        .collect()
}

/// A preStop sleep at least as long as the grace period, on any strategy whose pods run
/// on the kubelet: the hook uses the grace period up, the app never drains. Just below it,
/// and on Swarm (whose engine has no preStop hook), quiet.
#[test]
fn a_prestop_that_uses_up_the_grace_period_warns_on_the_kubelet() {
    const RULE: &str = "prestop-ge-grace-period";
    // The default grace period, 30 s.
    assert_eq!(rules(&with(K8S, "pre_stop: 5s", "pre_stop: 30s")), [RULE]);
    assert_eq!(
        rules(&with(K8S, "pre_stop: 5s", "pre_stop: 29s")),
        Vec::<&str>::new()
    );
    let w = of_rule(&with(K8S, "pre_stop: 5s", "pre_stop: 40s"), RULE);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message.starts_with(
            "service.pre_stop 40.0s is at least the grace period \
             (service.terminationGracePeriodSeconds / stop_grace_period 30.0s, the Kubernetes default)"
        ) && w[0].message.contains("kills the container together")
            && w[0].message.contains("and SIGKILL 2s later"),
        "{}",
        w[0].message
    );
    assert_eq!(
        w[0].fix,
        "make service.terminationGracePeriodSeconds exceed pre_stop by the app's shutdown time: \
         at least 41 (pre_stop 40.0s + the time the app takes to exit after SIGTERM \
         (versions.*.shutdown, 0s here)), or shorten pre_stop"
    );
    assert!(
        w[0].why.starts_with(
            "kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer"
        ) && w[0].why.contains("minimumGracePeriodInSeconds"),
        "{}",
        w[0].why
    );
    // A written grace period, and the app's shutdown in the fix.
    let long = with(
        &with(
            K8S,
            "pre_stop: 5s",
            "pre_stop: 20s\n  terminationGracePeriodSeconds: 20",
        ),
        "ready_after: 2s}",
        "ready_after: 2s, shutdown: 8s}",
    );
    let w = of_rule(&long, RULE);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message.contains("stop_grace_period 20.0s):")
            && w[0]
                .message
                .contains("(the 8.0s median shutdown of versions.next is cut short)"),
        "{}",
        w[0].message
    );
    assert!(
        w[0].fix
            .contains("at least 28 (pre_stop 20.0s + the 8.0s median shutdown of versions.next)"),
        "{}",
        w[0].fix
    );
    // At that grace period, quiet.
    assert!(
        of_rule(
            &with(
                &long,
                "terminationGracePeriodSeconds: 20",
                "terminationGracePeriodSeconds: 28"
            ),
            RULE
        )
        .is_empty()
    );
    // Every strategy on the kubelet.
    for strategy in [
        "strategy: {canary: {steps: [{setWeight: 50}]}}\n",
        "strategy: {blueGreen: {autoPromotionSeconds: 60}}\n",
        "strategy: {flagger: {analysis: {interval: 1m, threshold: 5, maxWeight: 50, stepWeight: 10}}}\n",
    ] {
        let k8s = K8S.split("strategy:").next().unwrap();
        let text = format!(
            "{}{strategy}traffic: {{rps: 50, endpoint_propagation: 2s}}\n",
            with(k8s, "pre_stop: 5s", "pre_stop: 30s")
        );
        assert_eq!(of_rule(&text, RULE).len(), 1, "{strategy}");
    }
    // Swarm: Docker runs no preStop hook; not this rule's business.
    assert_eq!(
        rules(&with(
            SWARM,
            "replicas: 2",
            "replicas: 2\n  pre_stop: 20s\n  stop_grace_period: 10s"
        )),
        Vec::<&str>::new()
    );
}

/// A release naming the image already running: upstream changes nothing, the simulator
/// rolls it out. Quiet when the images differ, and when only the versions' names match
/// their images (no `image` given: each version's image is its own name).
#[test]
fn a_next_version_with_the_current_image_warns() {
    const RULE: &str = "next-same-image";
    let same = SWARM.replace("next: {image: b,", "next: {image: a,");
    let found = of_rule(&same, RULE);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .message
            .starts_with("versions `current` and `next` both run image `a`"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].fix.contains("rollout: restart"),
        "{}",
        found[0].fix
    );
    assert!(of_rule(SWARM, RULE).is_empty());
    let unnamed = SWARM
        .replace("current: {image: a}", "current: {}")
        .replace("next: {image: b, ", "next: {");
    assert!(!unnamed.contains("image"), "{unnamed}");
    assert!(of_rule(&unnamed, RULE).is_empty());
}

/// [`K8S`]'s service as an Argo canary behind a router, with a step analysis of two
/// metrics, the second in dry-run mode.
fn argo() -> String {
    with(
        K8S,
        "  kubernetes:
    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
    progressDeadlineSeconds: 600
",
        "  canary:
    trafficRouting: {}
    steps:
      - setWeight: 25
      - analysis:
          dryRun: [{metricName: strict}]
          metrics:
            - {name: error-rate, provider: {rollout-sim: {metric: error_rate}}}
            - {name: error-rate-strict, provider: {rollout-sim: {metric: error_rate}}}
",
    )
}

/// `argo-analysis-all-dry-run`: quiet while one metric is enforced, fires once every
/// metric of the analysis is in dry-run mode (`assessRunStatus` leaves them all out of
/// the run's phase, which then only ends Successful).
#[test]
fn an_analysis_of_dry_run_metrics_only_gates_nothing() {
    let fired = |text: &str| {
        rules(text)
            .into_iter()
            .filter(|r| *r == "argo-analysis-all-dry-run")
            .count()
    };
    assert_eq!(fired(&argo()), 0);
    assert_eq!(
        fired(&with(&argo(), "metricName: strict", "metricName: error")),
        1
    );
}

/// `argo-metric-window-gap`: a metric measured every minute over the last 30 s leaves half
/// the requests unseen; a window of the interval, the default window, a longer one and a
/// metric measured once are quiet. A judge's window counts as well.
#[test]
fn a_window_shorter_than_the_interval_is_named() {
    let metric = |fields: &str| {
        with(
            &argo(),
            "{name: error-rate, provider: {rollout-sim: {metric: error_rate}}}",
            &format!("{{name: error-rate, {fields}}}"),
        )
    };
    let fired = |fields: &str| of_rule(&metric(fields), "argo-metric-window-gap");
    let measured = |interval: &str, window: &str| {
        format!("{interval}provider: {{rollout-sim: {{metric: error_rate{window}}}}}")
    };
    let gap = fired(&measured("interval: 1m, count: 3, ", ", window: 30s"));
    assert_eq!(gap.len(), 1);
    assert!(
        gap[0].message.starts_with(
            "`error-rate` (canary.steps[1].analysis) reads the last 30.0s of requests but \
             measures every 1m00.0s"
        ),
        "{}",
        gap[0].message
    );
    for quiet in [
        measured("interval: 1m, count: 3, ", ", window: 1m"),
        measured("interval: 1m, count: 3, ", ""),
        measured("interval: 1m, count: 3, ", ", window: 5m"),
        measured("", ", window: 30s"),
    ] {
        assert!(fired(&quiet).is_empty(), "{quiet}");
    }
    let judge = |window: &str| {
        format!(
            "interval: 1m, count: 3, provider: {{judge: {{algorithm: mann-whitney, window: {window}, \
             step: 10s, threshold: {{pass: 95, marginal: 75}}, \
             metrics: [{{metric: error_rate, direction: increase}}]}}}}"
        )
    };
    assert_eq!(fired(&judge("30s")).len(), 1);
    assert!(fired(&judge("1m")).is_empty());
}

/// `argo-progress-threshold-out-of-reach`: a `Pods` threshold above the canary pods a step
/// wants (25 % of 4 is 1), or a `Percent` above 100, holds that step for ever; a Percent
/// of 100 or less, or a count every step reaches, is quiet.
#[test]
fn a_progress_threshold_no_step_can_meet_is_named() {
    let fired = |threshold: &str| {
        let text = with(
            &argo(),
            "    trafficRouting: {}\n",
            &format!("    trafficRouting: {{}}\n    replicaProgressThreshold: {threshold}\n"),
        );
        of_rule(&text, "argo-progress-threshold-out-of-reach").len()
    };
    assert_eq!(fired("{type: Pods, value: 2}"), 1);
    assert_eq!(fired("{type: Percent, value: 101}"), 1);
    assert_eq!(fired("{type: Pods, value: 1}"), 0);
    assert_eq!(fired("{type: Percent, value: 100}"), 0);
}

/// `argo-experiment-never-ends`: an `experiment` step with neither `duration` nor a
/// `requiredForCompletion` analysis never completes; either one is quiet.
#[test]
fn an_experiment_that_never_ends_is_named() {
    let fired = |experiment: &str| {
        let text = with(
            &argo(),
            "    steps:\n",
            &format!("    steps:\n      - experiment: {experiment}\n"),
        );
        of_rule(&text, "argo-experiment-never-ends").len()
    };
    assert_eq!(fired("{templates: [{name: c, specRef: canary}]}"), 1);
    assert_eq!(
        fired("{duration: 5m, templates: [{name: c, specRef: canary}]}"),
        0
    );
    assert_eq!(
        fired(
            "{templates: [{name: c, specRef: canary}], analyses: [{name: a, requiredForCompletion: true, metrics: [{name: r, provider: {rollout-sim: {metric: ready_ratio, of: canary}}}]}]}"
        ),
        0
    );
}

/// A retry policy that retries nothing simulated (only conditions such as gRPC statuses
/// or HTTP/2 refused streams), and one that retries the app's errors before an analysis
/// that counts them: the analysis sees the requests' last attempts only.
#[test]
fn retries_of_nothing_and_errors_retried_before_an_analysis_warn() {
    let retries = |on: &str| {
        format!("traffic: {{rps: 50, endpoint_propagation: 2s, retries: {{attempts: 2{on}}}}}\n")
    };
    let plain = "traffic: {rps: 50, endpoint_propagation: 2s}\n";
    let k8s = |on: &str| with(K8S, plain, &retries(on));
    assert_eq!(rules(&k8s("")), Vec::<&str>::new());
    assert_eq!(
        rules(&k8s(", retryOn: \"refused-stream,unavailable,cancelled\"")),
        ["retries-of-nothing"]
    );
    // A Deployment has no analysis: errors retried warn nobody.
    assert_eq!(rules(&k8s(", retryOn: 5xx")), Vec::<&str>::new());

    let canary =
        std::fs::read_to_string(super::support::scenario_path("canary-analysis.yaml")).unwrap();
    let base = rules(&canary);
    let five = with(
        &canary,
        "traffic:\n",
        "traffic:\n  retries: {attempts: 2, retryOn: 5xx}\n",
    );
    let mut expected = base.clone();
    expected.insert(0, "retried-errors-unseen");
    assert_eq!(rules(&five), expected);
    let w = lint(&yaml(&five), Some(1));
    let w = w
        .iter()
        .find(|w| w.rule == "retried-errors-unseen")
        .unwrap();
    assert!(w.message.contains("shows about e^3 there"), "{w:?}");
    assert!(
        w.message.contains(
            "`error-rate` (canary.analysis), `error-rate-strict` (canary.analysis) count each"
        ),
        "{w:?}"
    );
    // 503s and refusals retried (Istio's default): the app's errors reach the analysis.
    let default = with(
        &canary,
        "traffic:\n",
        "traffic:\n  retries: {attempts: 2}\n",
    );
    assert_eq!(rules(&default), base);
    // The metrics count the pods' side: every attempt, the errors seen.
    let pods = five.replace("window: 1m}", "window: 1m, reporter: destination}");
    assert_ne!(pods, five);
    assert_eq!(rules(&pods), base);
    // Flagger's built-in checks count the canary pods' side (Istio's reporter="destination").
    let flagger =
        std::fs::read_to_string(super::support::scenario_path("flagger-canary.yaml")).unwrap();
    let flagger_five = with(
        &flagger,
        "traffic:\n",
        "traffic:\n  retries: {attempts: 2, retryOn: 5xx}\n",
    );
    assert_eq!(rules(&flagger_five), rules(&flagger));
}

/// A PodDisruptionBudget with no disruption to spare at full strength: every Ready pod's
/// eviction is refused. One disruption to spare, quiet.
#[test]
fn a_budget_that_allows_no_eviction_warns() {
    const RULE: &str = "pdb-allows-no-eviction";
    let budget = |b: &str| {
        with(
            K8S,
            "pre_stop: 5s",
            &format!("pre_stop: 5s\n  podDisruptionBudget: {b}"),
        )
    };
    // 90 % of 4 replicas rounds up to all 4.
    for stuck in [
        "{minAvailable: 100%}",
        "{minAvailable: 90%}",
        "{maxUnavailable: 0}",
        "{minAvailable: 4}",
    ] {
        let w = of_rule(&budget(stuck), RULE);
        assert_eq!(w.len(), 1, "{stuck}: {w:?}");
        assert!(w[0].why.contains("checkAndDecrement"), "{}", w[0].why);
        // 75 % of 4 rounds up to 3: one to spare; 76 % to 4.
        assert!(
            w[0].fix.ends_with("minAvailable: 3 (or at most 75%)"),
            "{}",
            w[0].fix
        );
    }
    // 10 % of 4 rounds up to 1.
    for fine in [
        "{maxUnavailable: 1}",
        "{minAvailable: 75%}",
        "{maxUnavailable: 10%}",
    ] {
        assert!(of_rule(&budget(fine), RULE).is_empty(), "{fine}");
    }
}

/// A Swarm drain under a failure ratio one failed task exceeds: the drain's shutdowns of
/// the update's recent tasks count as failures. Quiet with `continue`, a ratio a node's
/// share of the tasks does not exceed, or no drain.
#[test]
fn a_swarm_drain_that_one_failure_stops_warns() {
    const RULE: &str = "swarm-drain-fails-update";
    let example = crate::support::scenario_path("swarm-drain.yaml");
    let lint = |sets: &[&str]| {
        let mut args = vec!["lint".to_string(), example.clone()];
        for s in sets {
            args.push("--set".into());
            args.push(s.to_string());
        }
        let out = crate::support::bin().args(&args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    let out = lint(&[]);
    assert!(out.contains(RULE), "{out}");
    assert!(out.contains("one is enough to pause the update"), "{out}");
    // 12 tasks on 4 nodes: 3 a node.
    assert!(
        out.contains("max_failure_ratio to at least 0.25 (a node's 3 of 12 tasks)"),
        "{out}"
    );
    let rollback = lint(&["strategy.swarm.update_config.failure_action=rollback"]);
    assert!(
        rollback.contains("one is enough to roll the update back"),
        "{rollback}"
    );
    for quiet in [
        "strategy.swarm.update_config.failure_action=continue",
        "strategy.swarm.update_config.max_failure_ratio=0.1",
        "faults.node_drains=[]",
    ] {
        assert!(!lint(&[quiet]).contains(RULE), "{quiet}");
    }
}

/// A Swarm node lost and never back: a worker waiting for its task there waits for good.
/// Quiet when every loss comes back, or on Kubernetes (its Deployment controller reads
/// the pods' states, which the node controller changes).
#[test]
fn a_swarm_node_lost_for_good_warns() {
    const RULE: &str = "swarm-node-lost-for-good";
    let example = crate::support::scenario_path("swarm-node-loss.yaml");
    let lint = |path: &str, sets: &[&str]| {
        let mut args = vec!["lint".to_string(), path.to_string()];
        for s in sets {
            args.push("--set".into());
            args.push(s.to_string());
        }
        let out = crate::support::bin().args(&args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    assert!(
        !lint(&example, &[]).contains(RULE),
        "the example's node comes back"
    );
    for never in [
        "faults.node_failures=[{at: 15s, node: node-2}]",
        "faults.node_mtbf=1h",
    ] {
        let out = lint(&example, &[never]);
        assert!(out.contains(RULE), "{never}: {out}");
        assert!(out.contains("the trial ends `timeout`"), "{out}");
    }
    let back = lint(
        &example,
        &["faults.node_mtbf=1h", "faults.node_recovery=5m"],
    );
    assert!(!back.contains(RULE), "{back}");
    let k8s = crate::support::scenario_path("k8s-node-loss.yaml");
    let out = lint(&k8s, &["faults.node_failures=[{at: 15s, node: 1}]"]);
    assert!(!out.contains(RULE), "{out}");
}
