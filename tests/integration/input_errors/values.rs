//! Field values that cannot mean a rollout, or would make it too large to run.

use super::{Case, assert_has, bin};
use crate::support::scenario_path;
use std::fs;
use std::time::Duration;

#[test]
fn an_empty_file_or_one_without_service_is_refused() {
    let c = Case::new("empty.yaml", "");
    assert_has(
        &c.refused(&[]),
        &[
            "empty.yaml: (root): the scenario is empty",
            "e.g. `service: {replicas: 3",
        ],
    );
    let c = Case::new("noservice.yaml", "name: web\ntrials: 10\n");
    assert_has(
        &c.refused(&[]),
        &["noservice.yaml: (root): missing field `service`"],
    );
}

#[test]
fn a_starting_fleet_that_does_not_fit_is_refused() {
    // 6 tasks of 500m on 2 nodes of 1 cpu: room for 4, 2 Pending before the rollout.
    let c = Case::new(
        "small.yaml",
        "cluster: {nodes: 2, node: {cpu: 1}}\nservice: {replicas: 6, resources: {cpu: 500m}}\n",
    );
    assert_has(
        &c.refused(&[]),
        &[
            "small.yaml: service.replicas: the starting fleet does not fit the cluster",
            "the 2 nodes hold 4 (cpu runs out), so 2 would be Pending",
            "Add nodes (`cluster.nodes`)",
        ],
    );
    // Only the starting fleet is checked: a start-first surge on a full node is a rollout
    // the simulator reports (it stays Pending), not an input error.
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args([
            "run",
            &scenario_path("swarm-cluster-too-small.yaml"),
            "--trials",
            "3",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
}

#[test]
fn a_control_plane_of_the_other_orchestrator_is_refused() {
    let c = Case::new(
        "k8s.yaml",
        "cluster: {control_plane: docker-20.10}\nservice: {}\nstrategy: {kubernetes: {}}\n",
    );
    assert_has(
        &c.refused(&[]),
        &[
            "k8s.yaml: cluster.control_plane: the `docker-20.10` profile",
            "use `kubernetes` (kubelet), `ideal`",
        ],
    );
}

#[test]
fn sizes_over_their_limits_are_refused_up_front() {
    let c = Case::new("s.yaml", "service: {replicas: 3}\n");
    assert_has(
        &c.refused(&["--trials", "1000000000000"]),
        &[
            "invalid value '1000000000000' for '--trials <N>'",
            "expected a whole number from 1 to 10000000 (see \"Limits\" in the README)",
        ],
    );
    let c = Case::new("s.yaml", "service: {replicas: 1000000000}\n");
    assert_has(
        &c.refused(&[]),
        &["s.yaml: service.replicas: must be at most 100000 (see \"Limits\" in the README)"],
    );
    let c = Case::new(
        "s.yaml",
        "horizon: 10m\nservice: {replicas: 2}\ntraffic: {rps: 10, tick: 1us}\n",
    );
    assert_has(
        &c.refused(&[]),
        &["s.yaml: traffic.tick: 1us over `horizon` (10m) makes 600000000 buckets"],
    );
    // A queue of 2^31 places would tabulate 2^31 queue lengths per latency table.
    let c = Case::new(
        "s.yaml",
        "service: {replicas: 2}\ntraffic: {rps: 10, queue_limit: 2147483648}\n",
    );
    assert_has(
        &c.refused(&[]),
        &[
            "s.yaml: traffic.queue_limit: must be at most 1000000 (see \"Limits\" in the README), got 2147483648",
        ],
    );
}

/// A count below its range is told with the range, in the file as on the command line:
/// `trials: -5` said "expected a non-negative integer", and its fix `0` then met "must be
/// at least 1"; `cluster.nodes: -2` likewise.
#[test]
fn a_negative_count_names_the_range_it_must_lie_in() {
    let expected = "expected a whole number from 1 to 10000000 (see \"Limits\" in the README)";
    for trials in ["-5", "0"] {
        let c = Case::new("s.yaml", &format!("trials: {trials}\nservice: {{}}\n"));
        assert_has(
            &c.refused(&[]),
            &[&format!("s.yaml: trials: {expected}, got {trials}")],
        );
        let c = Case::new("s.yaml", "service: {}\n");
        assert_has(
            &c.refused(&["--trials", trials]),
            &[&format!("for '--trials <N>': {expected}")],
        );
    }
    let c = Case::new("s.yaml", "cluster: {nodes: -2}\nservice: {}\n");
    assert_has(
        &c.refused(&[]),
        &["s.yaml: cluster.nodes: must be between 1 and 10000, got -2"],
    );
}

#[test]
fn an_empty_set_value_is_refused_not_read_as_the_default() {
    let c = Case::new("s.yaml", "service: {replicas: 3}\n");
    assert_has(
        &c.refused(&["--set", "service.replicas="]),
        &[
            "'--set <PATH=VALUE>': `service.replicas=` has no value",
            "give `PATH=null`",
        ],
    );
}

#[test]
fn a_strategy_set_to_null_is_one_error_at_its_path() {
    // Swarm's defaults stand in for a strategy naming no controller; its rules refused
    // this Kubernetes scenario's `tolerations` as a second error nobody caused.
    let c = Case::new(
        "k8s.yaml",
        "service: {tolerations: []}\nstrategy: {kubernetes: {}}\n",
    );
    let stderr = c.refused(&["--set", "strategy=null"]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_has(
        &stderr,
        &[
            "k8s.yaml: strategy: give exactly one of `swarm`, `kubernetes`,",
            "got none (from --set strategy=null)",
        ],
    );
}

#[test]
fn node_lifecycle_fields_of_kubernetes_are_refused_on_swarm() {
    for field in ["node_not_ready_after", "eviction_after"] {
        let c = Case::new(
            "swarm.yaml",
            &format!("service: {{}}\nstrategy: {{swarm: {{}}}}\nfaults: {{{field}: 10s}}\n"),
        );
        assert_has(
            &c.refused(&[]),
            &[
                &format!("swarm.yaml: faults.{field}: a Kubernetes node-lifecycle field"),
                "remove it for a Swarm strategy",
            ],
        );
    }
    // Both are accepted where they mean something.
    let k8s = Case::new(
        "k8s.yaml",
        "service: {}\nstrategy: {kubernetes: {}}\nfaults: {eviction_after: 10s}\n",
    );
    bin()
        .arg("run")
        .arg(&k8s.file)
        .args(["--trials", "2", "-q", "--out"])
        .arg(k8s.out())
        .assert()
        .success();
}

/// Rows from which no latency can be measured (one state per task) give no profile of
/// zeros, which would read as the `ideal` control plane: exit 2, nothing written.
#[test]
fn calibrate_refuses_a_recording_that_measures_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = tmp.path().join("rows.csv");
    std::fs::write(
        &rows,
        "t,task,slot,version,state,node\n0,a,1,current,ready,n1\n0,b,2,current,ready,n2\n",
    )
    .unwrap();
    let profile = tmp.path().join("profile.yaml");
    let out = bin()
        .arg("calibrate")
        .arg(&rows)
        .arg("--out")
        .arg(&profile)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_has(&stderr, &["rows.csv: no latency could be measured"]);
    assert!(!profile.exists());
}

#[test]
fn kubernetes_only_rollout_controls_are_refused_for_swarm_naming_the_swarm_way() {
    // Swarm has no `spec.paused` and one previous spec, not a revision history
    // (swarmkit updater, docker CLI): each is exit 2 at its field.
    for (action, way) in [
        ("{at: 30s, rollout: pause}", "failure_action: pause"),
        ("{at: 5m, rollout: resume}", "failure_action: pause"),
        (
            "{at: 1m, rollout: undo, to_revision: 1}",
            "docker service rollback",
        ),
    ] {
        let text =
            format!("service: {{replicas: 3}}\nstrategy: {{swarm: {{}}}}\nactions: [{action}]\n");
        let case = Case::new("swarm.yaml", &text);
        let stderr = case.refused(&[]);
        assert_has(&stderr, &["swarm.yaml", "actions.0.rollout", way]);
    }
    // `scale` is Swarm's too (`docker service scale`).
    let case = Case::new(
        "scale.yaml",
        "service: {replicas: 3}\nstrategy: {swarm: {}}\nactions: [{at: 1s, scale: 5}]\ntrials: 2\n",
    );
    bin()
        .arg("run")
        .arg(&case.file)
        .arg("--out")
        .arg(case.out())
        .arg("--quiet")
        .assert()
        .success();
}

/// A sweep runs every trial at every point and a comparison at every variant: the trials
/// in all are held to the single run's limit, refused up front naming --trials and the
/// grid (10,000 points × 10,000,000 trials used to start, memory growing without end).
#[test]
fn sweeps_and_comparisons_over_the_trials_budget_are_refused_up_front() {
    let hundred = |path: &str| {
        let values: Vec<String> = (1..=100).map(|v| v.to_string()).collect();
        format!("{path}={}", values.join(","))
    };
    let file = scenario_path("swarm-start-first.yaml");
    let other = scenario_path("swarm-stop-first.yaml");
    let grid = [
        "--set",
        &hundred("strategy.swarm.update_config.parallelism"),
        "--set",
        &hundred("seed"),
    ]
    .map(String::from);
    let sweep_args: Vec<&str> = grid.iter().map(String::as_str).collect();
    let report_args: Vec<String> = grid
        .iter()
        .map(|a| {
            if a == "--set" {
                "--sweep".into()
            } else {
                a.clone()
            }
        })
        .collect();
    let report_args: Vec<&str> = report_args.iter().map(String::as_str).collect();
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "sweep",
            &sweep_args,
            "--trials 10000000 × 10000 grid points = 100000000000 trials: at most 10000000",
        ),
        (
            "report",
            &report_args,
            "--trials 10000000 × 10000 grid points = 100000000000 trials",
        ),
        (
            "compare",
            &[&other],
            "--trials 10000000 × 2 variants = 20000000 trials",
        ),
        (
            "report",
            &["--compare", &other],
            "--trials 10000000 × 2 variants",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for (command, args, want) in cases {
        let o = bin()
            .timeout(Duration::from_secs(60))
            .args([command, &file])
            .args(args)
            .args(["--trials", "10000000", "-q", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{command} {args:?}: {err}");
        assert_has(&err, &[want, "see \"Limits\" in the README"]);
        assert!(!out.exists(), "nothing is written");
    }
    // The scenario's own `trials` count too, named with its file.
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains("\ntrials: 1000\n"));
    let case = Case::new(
        "big.yaml",
        &text.replace("\ntrials: 1000\n", "\ntrials: 1001\n"),
    );
    let o = bin()
        .arg("sweep")
        .arg(&case.file)
        .args(&sweep_args)
        .args(["-q", "--out"])
        .arg(case.out())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let want = format!(
        "trials: 1001 (of {}) × 10000 grid points",
        case.file.display()
    );
    assert_has(&err, &[&want]);
    assert!(!case.out().exists());
}

#[test]
fn a_tiny_diurnal_period_is_refused_before_any_work() {
    // Once: the load re-evaluated every microsecond for 5 minutes, a trial of minutes.
    let c = Case::new(
        "diurnal.yaml",
        "horizon: 10m\nservice: {}\n\
         traffic: {duration: 5m, profile: {diurnal: {rps: 10, period: 1us}}}\n",
    );
    assert_has(
        &c.refused(&["--trials", "1"]),
        &[
            "diurnal.yaml: traffic.profile.diurnal.period: 1us: the load is re-evaluated \
             every period / 96 (1us), 300000000 times over `traffic.duration` (5m)",
            "at most 1000000 load steps are simulated per trial (see \"Limits\" in the \
             README): use a period of at least 28ms 800us",
        ],
    );
}

#[test]
fn a_field_of_the_other_orchestrator_is_refused() {
    let c = Case::new(
        "k8s.yaml",
        "service: {healthcheck: {interval: 5s}}\nstrategy: {kubernetes: {}}\n",
    );
    assert_has(
        &c.refused(&[]),
        &[
            "k8s.yaml: service.healthcheck: `healthcheck` is a Docker field",
            "with a Kubernetes strategy use `readinessProbe` / `livenessProbe`",
        ],
    );
    let c = Case::new("swarm.yaml", "service: {livenessProbe: {}}\n");
    assert_has(
        &c.refused(&[]),
        &["swarm.yaml: service.livenessProbe: `livenessProbe` is a Kubernetes probe"],
    );
    let c = Case::new("web.yaml", "service: {restart: {delay: 1s}}\n");
    assert_has(
        &c.refused(&["--set", "strategy.blueGreen={}"]),
        &["web.yaml: service.restart: `restart` is Swarm's restart policy"],
    );
}

#[test]
fn traffic_null_takes_the_default_no_traffic() {
    let c = Case::new("web.yaml", "service: {}\ntraffic: null\n");
    bin()
        .arg("run")
        .arg(&c.file)
        .args(["--trials", "2", "-q", "--out"])
        .arg(c.out())
        .assert()
        .success();
    let c = Case::new("web.yaml", "service: {}\ntraffic: {rps: 10}\n");
    bin()
        .arg("run")
        .arg(&c.file)
        .args(["--trials", "2", "-q", "--set", "traffic=null", "--out"])
        .arg(c.out())
        .assert()
        .success();
}

#[test]
fn a_name_that_cannot_be_a_folder_is_refused_at_load() {
    let rule =
        "name: must be usable as a folder name (not empty, not `.` or `..`, at most 227 bytes";
    for name in [
        "a".repeat(256),
        "a".repeat(228),
        "\"a\\nb\"".into(),
        "\"a\\0b\"".into(),
    ] {
        let c = Case::new("web.yaml", &format!("name: {name}\nservice: {{}}\n"));
        let stderr = c.refused(&[]);
        assert_has(&stderr, &[&format!("web.yaml: {rule}")]);
        assert!(!stderr.contains("--out"), "{stderr}");
    }
}

#[test]
fn messages_name_the_field_and_what_it_takes() {
    let c = Case::new("web.yaml", "service: {resources: {cpu: 500m}}\n");
    assert_has(
        &c.refused(&[
            "--set",
            "cluster.nodes=[{name: \"\", cpu: \"4\", memory: 8Gi}]",
        ]),
        &["web.yaml: cluster.nodes.0.name: expected a node name such as `node-1`"],
    );
    assert_has(
        &c.refused(&["--set", "actions.0={at: 1s, scale: 3}"]),
        &[
            "web.yaml: actions.0: --set: `actions` is not in the scenario (or is null), so it \
           has no item 0: to add the first item, give the whole list, e.g. `--set \
           'actions=[{at: 1s, scale: 3}]'`",
        ],
    );
    assert_has(
        &c.refused(&["--set", "cluster.node.cpu=0"]),
        &["web.yaml: cluster.node.cpu: a node's cpu must be greater than 0"],
    );
    assert_has(
        &c.refused(&["--set", "cluster.node.cpu=100m"]),
        &["web.yaml: cluster.node.cpu: too small: each node offers 100m cpu"],
    );
    assert_has(
        &c.refused(&["--set", "horizon=.nan"]),
        &["web.yaml: horizon: --set: \".nan\" is not a finite number: expected a duration"],
    );
    let c = Case::new("null.yaml", "service: {}\nnull: 3\n");
    assert_has(
        &c.refused(&[]),
        &["null.yaml: (file): invalid YAML: unknown field `null` at line 2, column 1"],
    );
    let deep = format!("service: {{}}\nx: {}{}\n", "[".repeat(70), "]".repeat(70));
    let c = Case::new("deep.yaml", &deep);
    let stderr = c.refused(&[]);
    assert_has(&stderr, &["maps and lists nested deeper than 64 levels"]);
    assert!(!stderr.contains("Depth {"), "{stderr}");
}

/// A misspelt check is told with the file's other problems, by `run`, `check` and `lint`
/// alike, in one run: before, the field error came first and the check's on the next run.
#[test]
fn a_bad_check_is_told_with_the_fields_problems() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    fs::write(
        &file,
        "service: {replicas: x}\nchecks: [duraton_s.p95 < 1]\n",
    )
    .unwrap();
    for command in ["run", "check", "lint"] {
        let out = bin()
            .current_dir(dir.path())
            .args([command, "bad.yaml"])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert_has(
            &stderr,
            &[
                "bad.yaml: service.replicas: expected a non-negative integer, got \"x\"",
                "bad.yaml: checks.0: check `duraton_s.p95 < 1`, column 1: unknown metric \
                 `duraton_s`; did you mean `duration_s`?",
            ],
        );
        assert!(
            !dir.path().join("outputs").exists(),
            "{command} wrote outputs"
        );
    }
}

/// A check across fields (tasks that fit no node, a fleet the nodes cannot hold, a
/// control plane of the other orchestrator, probes over too long a horizon) is told at one
/// field, but a `--set` of another field it read may be what broke it: that `--set` is
/// named, as one of the field itself is, so the user sees which of their flags to change.
#[test]
fn a_set_that_breaks_a_check_across_fields_is_named() {
    let c = Case::new(
        "web.yaml",
        "cluster: {nodes: 3, node: {cpu: 2, memory: 4Gi}}\n\
         service: {replicas: 3, resources: {cpu: 1}, readinessProbe: {periodSeconds: 1}}\n\
         strategy: {kubernetes: {}}\n",
    );
    let cases: [(&str, &str); 4] = [
        (
            "service.resources.cpu=64",
            "web.yaml: cluster.node.cpu: too small: each node offers 2 cpu, less than one task \
             reserves (`service.resources.cpu`: 64), so the starting fleet does not fit: not \
             one task anywhere. Give the nodes more cpu or reserve less (from --set \
             service.resources.cpu=64)",
        ),
        (
            "service.resources={cpu: 1, memory: 8Gi}",
            "web.yaml: cluster.node.memory: too small: each node offers 4Gi memory, less than \
             one task reserves (`service.resources.memory`: 8Gi), so the starting fleet does \
             not fit: not one task anywhere. Give the nodes more memory or reserve less (from \
             --set service.resources={cpu: 1, memory: 8Gi})",
        ),
        (
            "cluster.nodes=1",
            "web.yaml: service.replicas: the starting fleet does not fit the cluster: 3 tasks \
             of `current`, each reserving 1 cpu and 0 memory, but the 1 node holds 2 (cpu \
             runs out), so 1 would be Pending before the rollout starts. Add nodes \
             (`cluster.nodes`), give them more room (`cluster.node`), or lower \
             `service.resources` or `service.replicas` (from --set cluster.nodes=1)",
        ),
        (
            "horizon=200d",
            "web.yaml: service.readinessProbe.periodSeconds: 1s over 6months 17days 8h 38m 24s \
             makes 17280000 probes per container",
        ),
    ];
    for (set, expected) in cases {
        let stderr = c.refused(&["--set", set]);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert_has(&stderr, &[expected, &format!("(from --set {set})")]);
    }
    // A profile measured on Docker, fine for this Swarm service, not for the Kubernetes
    // Deployment a `--set` makes of it.
    let swarm = Case::new(
        "swarm.yaml",
        "cluster: {control_plane: docker-20.10}\nservice: {}\n",
    );
    let set = "strategy={kubernetes: {}}";
    assert_has(
        &swarm.refused(&["--set", set]),
        &[
            "swarm.yaml: cluster.control_plane: the `docker-20.10` profile was measured on \
             another orchestrator",
            &format!("(from --set {set})"),
        ],
    );
    // `check` validates the same way, before any trial.
    let out = bin()
        .arg("check")
        .arg(&c.file)
        .args(["--check", "duration_s.p95 <= 10m"])
        .args(["--set", "service.resources.cpu=64"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_has(
        &String::from_utf8_lossy(&out.stderr),
        &[
            "cluster.node.cpu: too small",
            "(from --set service.resources.cpu=64)",
        ],
    );
}

/// A traffic profile's bad row is quoted, so a rate of `-5` or a time of `soon` is seen
/// without opening the file at the line.
#[test]
fn a_bad_traffic_profile_row_is_quoted() {
    let c = Case::new(
        "s.yaml",
        "service: {}\ntraffic: {profile: {file: rates.csv}}\n",
    );
    fs::write(c.dir.path().join("rates.csv"), "t,rps\n0s,10\n30s,-5\n").unwrap();
    assert_has(
        &c.refused(&[]),
        &["rates.csv` line 3: expected a time and a rate of at least 0, got `30s,-5`"],
    );
}
