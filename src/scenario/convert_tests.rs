use super::*;
use crate::scenario::walk;
use crate::sim::time::SECOND;
use serde_json::{Value, json};

fn parse(v: Value) -> (Scenario, Vec<String>) {
    walk::run(&v, |n| scenario(n, "dflt"))
}

#[test]
fn top_level_fields() {
    let (s, p) = parse(
        json!({"name": "w", "description": "d", "seed": 7, "trials": 10,
                              "horizon": "30m", "checks": ["duration_s.p95 < 60"]}),
    );
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(
        (s.name.as_str(), s.description.as_deref()),
        ("w", Some("d"))
    );
    assert_eq!((s.seed, s.trials, s.horizon), (7, 10, 1800 * SECOND));
    assert_eq!(s.checks, ["duration_s.p95 < 60"]);
    let (s, _) = parse(json!(null));
    assert_eq!(s.name, "dflt");
}

#[test]
fn top_level_validation() {
    let (_, p) = parse(json!({"trials": 0, "horizon": 0, "checks": ["ok", 3], "nmae": "x"}));
    assert_eq!(
        p,
        [
            "nmae: unknown field `nmae`; did you mean `name`?",
            "trials: expected a whole number from 1 to 10000000 (see \"Limits\" in the README), \
             got 0",
            "horizon: must be greater than 0",
            // A check that does not parse is told with the other fields' problems.
            "checks.0: check `ok`, column 1: unknown metric `ok` (metrics are the numeric \
             columns of trials.csv; outcomes are `outcome.NAME`)",
            "checks.1: expected a string, got 3",
        ]
    );
    let (_, p) = parse(json!("web"));
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("(root): expected a map with fields `name`, `description`"));
}

#[test]
fn actions() {
    let (s, p) = parse(json!({
        "service": {"versions": {"current": {}, "next": {}, "v3": {}}},
        "actions": [{"at": "1m", "rollout": "update", "version": "v3"},
                    {"at": 90, "rollout": "undo"}]}));
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(
        s.actions,
        [
            Action {
                at: 60 * SECOND,
                kind: ActionKind::Update(2)
            },
            Action {
                at: 90 * SECOND,
                kind: ActionKind::Undo
            },
        ]
    );
}

/// A version beside `current` and `next` runs only when an action installs it; one no
/// action names is refused (a misspelt `next` gets the suggestion), and nothing is said
/// when the actions themselves could not be read.
#[test]
fn a_version_no_action_installs_is_refused() {
    let versions = json!({"current": {}, "next": {}, "nxt": {"start": "20s"}, "v3": {}, "v4": {}});
    let (_, p) = parse(json!({
        "service": {"versions": versions},
        "actions": [{"at": "1m", "rollout": "update", "version": "v3"}]}));
    let never = |name: &str| {
        format!(
            "service.versions.{name}: no action installs version `{name}`, so it would never \
             run: only `current`, `next` and the versions of `rollout: update` actions do \
             (`actions: [{{at: 5m, rollout: update, version: {name}}}]`)"
        )
    };
    assert_eq!(p, [never("nxt") + "; did you mean `next`?", never("v4")]);
    let (_, p) = parse(json!({
        "service": {"versions": versions},
        "actions": [{"at": "1m", "rollout": "update", "version": "v5"}]}));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("actions.0.version: unknown version `v5`"),
        "{p:?}"
    );
}

#[test]
fn bad_actions() {
    let (s, p) = parse(json!({"strategy": {"kubernetes": {}}, "actions": [
        {"at": "1m", "rollout": "undo", "version": "next"},
        {"rollout": "update", "version": "nxt"},
        {"at": "1s", "rollout": "rewind"},
        {"at": "1s", "rollout": "update"},
        {"at": "1s", "rollout": "undo", "to_revision": 0},
        {"at": "1s", "scale": 3, "rollout": "pause"},
        {"at": "1s"},
        {"at": "1s", "scale": -1},
        {"at": "1s", "rollout": "pause", "to_revision": 2},
        {"at": "1s", "gate": "ajar"},
    ]}));
    assert_eq!(
        p,
        [
            "actions.0.version: only `rollout: update` takes a `version`",
            "actions.1: missing field `at`",
            "actions.1.version: unknown version `nxt`; did you mean `next`?",
            "actions.2.rollout: unknown value `rewind`; expected one of `undo`, `update`, \
             `pause`, `resume`, `restart`, `promote`, `abort`, `retry`",
            "actions.3: missing field `version`",
            "actions.4.to_revision: revisions count from 1; omit `to_revision` to go back \
             to the previous one",
            "actions.5: give exactly one of `rollout`, `scale`, `gate`, `rollback`; got rollout, scale",
            "actions.6: give exactly one of `rollout`, `scale`, `gate`, `rollback`; got none",
            "actions.7.scale: expected a non-negative integer, got -1",
            "actions.8.to_revision: only `rollout: undo` takes a `to_revision`",
            "actions.9.gate: unknown value `ajar`; expected one of `open`, `close`",
        ]
    );
    assert_eq!(s.actions.len(), 2);
}

#[test]
fn rollout_controls_and_scale() {
    let (s, p) = parse(json!({
        "strategy": {"kubernetes": {}},
        "actions": [{"at": "30s", "rollout": "pause"}, {"at": "5m", "rollout": "resume"},
                    {"at": "6m", "rollout": "restart"}, {"at": "7m", "scale": 20},
                    {"at": "8m", "rollout": "undo", "to_revision": 2}]}));
    assert!(p.is_empty(), "{p:?}");
    let kinds: Vec<ActionKind> = s.actions.into_iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            ActionKind::Pause,
            ActionKind::Resume,
            ActionKind::Restart,
            ActionKind::Scale(20),
            ActionKind::UndoTo(2)
        ]
    );
}

#[test]
fn swarm_refuses_the_kubernetes_only_controls_naming_its_own_way() {
    let (s, p) = parse(json!({"actions": [
        {"at": "1s", "rollout": "pause"},
        {"at": "1s", "rollout": "resume"},
        {"at": "1s", "rollout": "undo", "to_revision": 1},
        {"at": "1s", "rollout": "undo"},
        {"at": "1s", "rollout": "restart"},
        {"at": "1s", "scale": 4},
    ]}));
    assert_eq!(p.len(), 3, "{p:?}");
    for (i, way) in [
        (0, "failure_action: pause"),
        (1, "failure_action: pause"),
        (2, "docker service rollback"),
    ] {
        assert!(
            p[i].starts_with(&format!("actions.{i}.rollout: ")),
            "{}",
            p[i]
        );
        assert!(p[i].contains(way), "{}", p[i]);
    }
    let kinds: Vec<ActionKind> = s.actions.into_iter().map(|a| a.kind).collect();
    // `rollout: restart` is `docker service update --force`.
    assert_eq!(
        kinds,
        [ActionKind::Undo, ActionKind::Restart, ActionKind::Scale(4)]
    );
}

fn problems_of(text: &str, sets: &[&str]) -> Vec<String> {
    crate::scenario::load::tests::with(text, sets)
        .err()
        .map(|e| e.problems.iter().map(|p| p.to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn fields_of_the_other_orchestrator_are_refused_with_what_to_use() {
    for strategy in [
        "kubernetes: {}",
        "canary: {steps: [{setWeight: 50}]}",
        "blueGreen: {}",
    ] {
        let text = format!(
            "service: {{healthcheck: {{interval: 5s}}, restart: {{delay: 1s}}}}\n\
             strategy: {{{strategy}}}"
        );
        let p = problems_of(&text, &[]);
        assert_eq!(p.len(), 2, "{strategy}: {p:?}");
        assert!(
            p[0].starts_with("service.healthcheck: `healthcheck` is a Docker field")
                && p[0].contains("use `readinessProbe` / `livenessProbe`"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("service.restart: `restart` is Swarm's restart policy"),
            "{p:?}"
        );
    }
    // Written with nothing under it, a section is present with every default: refused.
    let p = problems_of("service: {healthcheck: }\nstrategy: {kubernetes: {}}", &[]);
    assert_eq!(p.len(), 1, "{p:?}");
    // Kubernetes probes with Swarm, chosen or by default.
    for strategy in ["strategy: {swarm: {}}\n", ""] {
        let text = format!(
            "{strategy}service: {{readinessProbe: {{periodSeconds: 2}}, livenessProbe: {{}}, \
             startupProbe: {{}}}}"
        );
        let p = problems_of(&text, &[]);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(
            p[0].starts_with("service.readinessProbe: `readinessProbe` is a Kubernetes probe")
                && p[0].contains("use `healthcheck`"),
            "{p:?}"
        );
        assert!(p[2].starts_with("service.startupProbe: `startupProbe` is"));
    }
    // The Docker and Swarm phases of a control plane with a kubelet.
    let p = problems_of(
        "service: {}\nstrategy: {kubernetes: {}}\ncluster: {control_plane: {profile: \
         kubernetes, next_slot: 1s, health_report: 1s, start: 1s, docker_engine: \"25.0\"}}",
        &[],
    );
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].starts_with(
        "cluster.control_plane.health_report: `health_report` is a Docker / Swarm \
         control-plane phase"
    ));
    assert!(p[1].starts_with("cluster.control_plane.next_slot: "));
    assert!(p[2].starts_with("cluster.control_plane.docker_engine: "));
    // Each on its own orchestrator is fine.
    assert!(problems_of("service: {healthcheck: {}, restart: {}}", &[]).is_empty());
    assert!(
        problems_of(
            "service: {readinessProbe: {}}\nstrategy: {flagger: {}}\ntraffic: {rps: 10}",
            &[]
        )
        .iter()
        .all(|p| !p.contains("readinessProbe")),
    );
}

/// Each strategy's orchestrator has its own user controls (`StrategyDef::CONTROLS`):
/// which of the actions a scenario may give, strategy by strategy.
#[test]
fn the_actions_a_scenario_may_give_are_its_orchestrators_controls() {
    let strategies = [
        ("swarm: {}", Controls::DockerService),
        ("kubernetes: {}", Controls::Kubectl),
        ("canary: {steps: [{setWeight: 50}]}", Controls::ArgoRollouts),
        ("blueGreen: {}", Controls::ArgoRollouts),
        ("flagger: {}", Controls::FlaggerLoadtester),
        ("daemonSet: {}", Controls::KubectlDaemonSet),
        ("statefulSet: {}", Controls::KubectlStatefulSet),
    ];
    let actions = [
        "{at: 1s, rollout: undo}",
        "{at: 1s, rollout: undo, to_revision: 1}",
        "{at: 1s, rollout: pause}",
        "{at: 1s, rollout: resume}",
        "{at: 1s, rollout: restart}",
        "{at: 1s, scale: 3}",
        "{at: 1s, rollout: promote}",
        "{at: 1s, rollout: promote, full: true}",
        "{at: 1s, rollout: abort}",
        "{at: 1s, gate: open}",
        "{at: 1s, rollback: close}",
    ];
    for (strategy, controls) in strategies {
        let probe = if strategy.starts_with("swarm") {
            ""
        } else {
            ", readinessProbe: {}"
        };
        for action in actions {
            // A DaemonSet has one pod a node, no replica count.
            let replicas = if strategy.starts_with("daemonSet") {
                "mode: global"
            } else {
                "replicas: 2"
            };
            let text = format!(
                "service: {{{replicas}{probe}}}\nstrategy: {{{strategy}}}\n\
                 traffic: {{rps: 10}}\nactions: [{action}]"
            );
            let refused = !problems_of(&text, &[])
                .iter()
                .all(|p| !p.starts_with("actions"));
            let argo = action.contains("promote") || action.contains("abort");
            let loadtester = action.contains("gate") || action.contains("rollback");
            // `kubectl rollout pause` and `kubectl argo rollouts pause` both set
            // `spec.paused`; only kubectl has `resume` (Argo unpauses with `promote`).
            let pause = action.contains("pause");
            let expected = match controls {
                Controls::Kubectl => argo || loadtester,
                Controls::DockerService => {
                    argo || loadtester
                        || ["to_revision", "pause", "resume"]
                            .iter()
                            .any(|w| action.contains(w))
                }
                Controls::ArgoRollouts => !argo && !pause,
                Controls::FlaggerLoadtester => !loadtester,
                Controls::KubectlDaemonSet => {
                    argo || loadtester
                        || ["pause", "resume", "scale"]
                            .iter()
                            .any(|w| action.contains(w))
                }
                Controls::KubectlStatefulSet => {
                    argo || loadtester || ["pause", "resume"].iter().any(|w| action.contains(w))
                }
            };
            assert_eq!(refused, expected, "{strategy} {action}");
        }
    }
}

/// `full` is `kubectl argo rollouts promote --full`: read on `rollout: promote` only, for a
/// Rollout only, each refusal at the field's path.
#[test]
fn full_is_a_promote_of_an_argo_rollout() {
    let with = |strategy: &str, action: &str| {
        format!(
            "service: {{replicas: 2, readinessProbe: {{}}}}\nstrategy: {{{strategy}}}\n\
             traffic: {{rps: 10}}\nactions: [{action}]"
        )
    };
    let canary = "canary: {steps: [{setWeight: 50}]}";
    for (full, kind) in [
        ("true", ActionKind::PromoteFull),
        ("false", ActionKind::Promote),
    ] {
        let text = with(
            canary,
            &format!("{{at: 1s, rollout: promote, full: {full}}}"),
        );
        let s = crate::scenario::load::tests::with(&text, &[]).unwrap();
        assert_eq!(s.actions[0].kind, kind);
    }
    let first = |strategy: &str, action: &str| problems_of(&with(strategy, action), &[]);
    assert_eq!(
        first(canary, "{at: 1s, rollout: abort, full: true}"),
        [
            "actions.0.full: only `rollout: promote` takes `full` (`kubectl argo rollouts promote \
          --full`)"
        ]
    );
    assert_eq!(
        first(canary, "{at: 1s, rollout: promote, full: 1}"),
        ["actions.0.full: expected true or false, got 1"]
    );
    for strategy in ["kubernetes: {}", "swarm: {}", "flagger: {}"] {
        let mut p = first(strategy, "{at: 1s, rollout: promote, full: true}");
        p.retain(|p| p.starts_with("actions"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(
                "actions.0.full: `full: true` is `kubectl argo rollouts promote --full`"
            ),
            "{p:?}"
        );
    }
}

#[test]
fn traffic_null_is_no_traffic() {
    let s = crate::scenario::load::tests::yaml("service: {}\ntraffic: null").unwrap();
    assert!(s.traffic.is_none());
    let s = crate::scenario::load::tests::yaml("service: {}\ntraffic:").unwrap();
    assert!(s.traffic.is_none());
    let s = crate::scenario::load::tests::with("service: {}\ntraffic: {rps: 5}", &["traffic=null"])
        .unwrap();
    assert!(s.traffic.is_none());
    // A map still needs its rate.
    assert_eq!(
        problems_of("service: {}\ntraffic: {tick: 1s}", &[]),
        ["traffic: missing field `rps` (or `profile`): how many requests per second"]
    );
}

#[test]
fn the_name_must_make_a_folder_and_its_staging_sibling() {
    let rule = "must be usable as a folder name (not empty, not `.` or `..`, at most 227 \
                bytes, no `/` or `\\`, no NUL or control characters such as a newline)";
    for bad in [
        "a".repeat(256),
        "a".repeat(228),
        "a\u{0}b".to_string(),
        "a\nb".to_string(),
        "tab\there".to_string(),
    ] {
        let (_, p) = parse(json!({"name": bad}));
        assert_eq!(p, [format!("name: {rule}")], "{bad:?}");
    }
    // At the limit: `.<name>.rollout-sim-tmp-<10 digits>` is 255 bytes.
    let (s, p) = parse(json!({"name": "a".repeat(227)}));
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(
        format!(".{}.rollout-sim-tmp-{}", s.name, u32::MAX).len(),
        255
    );
    let (_, p) = parse(json!({"name": "é".repeat(114)}));
    assert_eq!(p.len(), 1, "bytes, not characters: {p:?}");
    // The file's stem stands in for a missing name, and is checked as one.
    let (_, p) = walk::run(&json!({}), |n| scenario(n, &"s".repeat(240)));
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("name: not given, so the file's name gives it, \"sss"),
        "{p:?}"
    );
}

/// An Argo Rollout has no `resume` (kubectl-argo-rollouts v1.10 has no such command): the
/// refusal says that `promote` unpauses.
#[test]
fn an_argo_resume_is_refused_naming_promote() {
    let text = "service: {replicas: 2, readinessProbe: {}}\n\
                strategy: {canary: {steps: [{setWeight: 50}]}}\n\
                actions: [{at: 1s, rollout: pause}, {at: 2s, rollout: resume}]";
    let p = problems_of(text, &[]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("actions.1: Argo Rollouts has no `resume`: `rollout: promote` unpauses"),
        "{p:?}"
    );
}
