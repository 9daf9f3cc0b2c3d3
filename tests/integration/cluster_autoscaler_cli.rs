//! `cluster.autoscaler` through the binary: its refusals, the `nodes_added` column (empty
//! without an autoscaler, counting the nodes asked for up to the outcome), runs that do
//! not depend on `--threads`, and `rollout-sim lint`, which counts the nodes the
//! autoscaler may add as room for a surge.

use crate::cluster_autoscaler::{Pool, node_times, traced};
use crate::support::{bin, field, run_file, run_trials};

/// `text` written to `name` in a new temporary folder (kept alive by the guard).
fn write(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path.to_string_lossy().into_owned())
}

/// Each refusal exits 2 and names the field: the autoscaler's own fields, or
/// `cluster.autoscaler` with why the combination is not simulated.
#[test]
fn refusals_name_the_field() {
    let autoscaler = "{max_nodes: 4, provision: 60s}";
    let text = |nodes: &str, autoscaler: &str, service: &str, strategy: &str| {
        format!(
            "cluster: {{nodes: {nodes}, autoscaler: {autoscaler}}}\nservice: {{{service}}}\n\
             strategy: {{{strategy}}}\n"
        )
    };
    let k8s = "kubernetes: {}";
    let cases = [
        (
            text("2", autoscaler, "replicas: 2", "swarm: {}"),
            "cluster.autoscaler: Docker Swarm has no cluster autoscaler",
        ),
        (
            text("2", autoscaler, "", "daemonSet: {}"),
            "cluster.autoscaler: a DaemonSet's pods are tied to their nodes",
        ),
        (
            text("2", "{max_nodes: 1, provision: 60s}", "replicas: 2", k8s),
            "cluster.autoscaler.max_nodes: must be at least the 2 nodes of `cluster.nodes`",
        ),
        (
            text("2", "{provision: 60s}", "replicas: 2", k8s),
            "cluster.autoscaler: missing field `max_nodes`",
        ),
        (
            text("2", "{max_nodes: 4}", "replicas: 2", k8s),
            "cluster.autoscaler: missing field `provision`",
        ),
        (
            text("[{name: autoscaled-1}, {}]", autoscaler, "replicas: 2", k8s),
            "cluster.autoscaler: the nodes it adds are named `autoscaled-1` … \
             `autoscaled-2`, and `cluster.nodes` already has a node `autoscaled-1`",
        ),
    ];
    for (text, want) in cases {
        let (_dir, path) = write("a.yaml", &text);
        let out = bin().args(["run", &path, "--quiet"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}\n{stderr}");
        assert!(stderr.contains(want), "{text}\n{stderr}");
    }
    // A listed node named like one the group never reaches is fine.
    let (_dir, path) = write(
        "a.yaml",
        &text("[{name: autoscaled-3}, {}]", autoscaler, "replicas: 2", k8s),
    );
    bin()
        .args(["run", &path, "--quiet", "--trials", "2", "--out"])
        .arg(tempfile::tempdir().unwrap().path())
        .assert()
        .code(0);
}

/// Without an autoscaler every row's `nodes_added` is empty; with one that may add none
/// (`max_nodes` the nodes listed) it is 0, and the surge pods wait to the horizon. As
/// written, the example's first turn asks ⌈3 ÷ 2⌉ = 2 nodes for its three surge pods,
/// and the group adds at most 9 − 6 = 3.
#[test]
fn nodes_added_is_empty_without_an_autoscaler() {
    let example = "k8s-cluster-autoscaler.yaml";
    for (args, want) in [
        (&["--set", "cluster.autoscaler=null"][..], ""),
        (&["--set", "cluster.autoscaler.max_nodes=6"][..], "0"),
    ] {
        let t = run_trials(example, &[&["--trials", "20"], args].concat(), false);
        assert_eq!(t.rows.len(), 20);
        for row in &t.rows {
            assert_eq!(field(row, "nodes_added"), want, "{args:?}");
            assert_eq!(field(row, "outcome"), "deadline_exceeded", "{args:?}");
        }
    }
    let t = run_trials("k8s-hostport-surge.yaml", &["--trials", "20"], false);
    assert!(t.rows.iter().all(|r| field(r, "nodes_added").is_empty()));
    let t = run_trials(example, &["--trials", "100"], false);
    for row in &t.rows {
        let n: u32 = field(row, "nodes_added").parse().unwrap();
        assert!((2..=3).contains(&n), "{n}");
    }
}

/// `nodes_added` counts the nodes asked for up to the outcome: the rollout asks one
/// (completed at `requested + 70 s`); scaling to 3 at 3m, with the trial kept running by
/// `traffic.duration`, leaves one pod waiting (the other fits where the old pod was), and
/// a turn on the same grid (a whole number of intervals later, within 10 s of 3m) asks a
/// second node, seen in the trace, not in the column.
#[test]
fn nodes_added_counts_only_what_was_asked_by_the_outcome() {
    let pool = Pool {
        rest: "actions: [{at: 3m, scale: 3}]\ntraffic: {rps: 1, duration: 5m}\n",
        ..Pool::default()
    };
    let text = pool.text();
    let (_dir, path) = write("late.yaml", &text);
    let t = run_file(&path, &["--trials", "5"], true);
    let requested: Vec<(f64, String)> = (t.trace.lines())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event"] == "node" && v["state"] == "requested")
        .map(|v| (v["t"].as_f64().unwrap(), v["node"].as_str().unwrap().into()))
        .collect();
    let [(t1, n1), (t2, n2)] = &requested[..] else {
        panic!("{requested:?}");
    };
    assert_eq!((n1.as_str(), n2.as_str()), ("autoscaled-1", "autoscaled-2"));
    assert!(
        (0.0..10.0).contains(t1) && (180.0..190.0).contains(t2),
        "{t1} {t2}"
    );
    let turns = (t2 - t1) / 10.0;
    assert!((turns - turns.round()).abs() < 1e-6, "{t1} {t2}");
    let row = &t.rows[0];
    assert_eq!(field(row, "nodes_added"), "1");
    let duration: f64 = field(row, "duration_s").parse().unwrap();
    assert!((duration - (t1 + 70.0)).abs() < 1e-6, "{duration} {t1}");
    // Every trial: the column is the count of requests at or before the outcome.
    for (r, trace) in traced(&crate::yaml(&text), 20) {
        let asked = node_times(&trace, "requested");
        assert_eq!(asked.len(), 2);
        assert!(asked[0].0 <= r.duration && asked[1].0 > r.duration);
        assert_eq!(r.nodes_added, Some(1));
    }
}

/// The loop's phase and each node's provisioning come from the trial's own streams: one
/// thread or two, byte-identical rows.
#[test]
fn threads_do_not_change_the_rows() {
    let example = "k8s-cluster-autoscaler.yaml";
    let one = run_trials(example, &["--trials", "200", "--threads", "1"], false);
    let two = run_trials(example, &["--trials", "200", "--threads", "2"], false);
    assert_eq!(one.csv, two.csv);
}

/// `k8s-anti-affinity-surge` and `k8s-host-port-surge` count the nodes the autoscaler may
/// add: three pods holding three nodes alone, a surge of one and maxUnavailable 0 warn
/// unless a fourth node may come — not without the autoscaler, not with `max_nodes` at
/// the nodes listed, not when the template node carries a taint the pods do not tolerate.
#[test]
fn lint_counts_the_nodes_the_autoscaler_may_add() {
    let rules = [
        (
            "k8s-anti-affinity-surge",
            "  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
             [{topologyKey: kubernetes.io/hostname}]}}\n",
        ),
        (
            "k8s-host-port-surge",
            "  ports: [{containerPort: 80, hostPort: 8080}]\n",
        ),
    ];
    let tainted = "{cpu: '4', memory: 16Gi, taints: [{key: pool, effect: NoSchedule}]}";
    for (rule, service) in rules {
        let pool = |nodes, node| Pool {
            nodes,
            node,
            replicas: 3,
            pod: "{cpu: 100m, memory: 1Gi}",
            service,
            ..Pool::default()
        };
        let warns = |pool: Pool, args: &[&str]| {
            let (_dir, path) = write("l.yaml", &pool.text());
            let out = bin().arg("lint").arg(&path).args(args).output().unwrap();
            assert_eq!(out.status.code(), Some(0));
            String::from_utf8_lossy(&out.stdout).contains(&format!("warning[{rule}]"))
        };
        let plain = "{cpu: '4', memory: 16Gi}";
        assert!(!warns(pool("3", plain), &[]), "{rule}");
        assert!(
            warns(pool("3", plain), &["--set", "cluster.autoscaler=null"]),
            "{rule}"
        );
        assert!(
            warns(
                pool("3", plain),
                &["--set", "cluster.autoscaler.max_nodes=3"]
            ),
            "{rule}"
        );
        let untainted = "[{taints: []}, {taints: []}, {taints: []}]";
        assert!(warns(pool(untainted, tainted), &[]), "{rule}");
    }
}
