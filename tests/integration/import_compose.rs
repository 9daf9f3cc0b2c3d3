//! `rollout-sim import` of compose / stack files: each mapped field lands where the
//! scenario format says, against the values the compose specification gives them.

use super::import::{import, import_error, unsupported};
use rollout_sim::scenario::{
    FailureAction, HealthCheck, Order, RestartCondition, Scenario, Strategy,
};
use rollout_sim::sim::time::SECOND;

fn swarm(s: &Scenario) -> &rollout_sim::scenario::SwarmStrategy {
    match &s.strategy {
        Strategy::Swarm(w) => w,
        other => panic!("not Swarm: {other:?}"),
    }
}

const COMPOSE: &str = r#"
x-defaults: &defaults
  restart_policy: {condition: on-failure, delay: 3s, max_attempts: 4, window: 1m}
services:
  web:
    image: shop:2
    x-note: ignored by Docker
    stop_grace_period: 1m30s
    ports: ["80:80"]
    healthcheck:
      test: [CMD, curl, -f, http://localhost/]
      interval: 5s
      timeout: 2s
      retries: 4
      start_period: 20s
      start_interval: 1s
    deploy:
      <<: *defaults
      replicas: 5
      update_config: {parallelism: 2, delay: 10s, failure_action: rollback, monitor: 15s,
                      max_failure_ratio: 0.2, order: start-first}
      rollback_config: {parallelism: 3, failure_action: continue}
      resources:
        reservations: {cpus: "0.25", memory: 300m}
"#;

#[test]
fn compose_service_fields() {
    let (s, found) = import(COMPOSE);
    assert_eq!(s.name, "web");
    assert_eq!(s.service.replicas, 5);
    let w = swarm(&s);
    assert_eq!(
        (w.update.parallelism, w.update.delay, w.update.monitor),
        (2, 10 * SECOND, 15 * SECOND)
    );
    assert_eq!(
        (
            w.update.failure_action,
            w.update.order,
            w.update.max_failure_ratio
        ),
        (FailureAction::Rollback, Order::StartFirst, 0.2)
    );
    assert_eq!(
        (w.rollback.parallelism, w.rollback.failure_action),
        (3, FailureAction::Continue)
    );
    // Through the merge key.
    assert_eq!(
        (
            s.service.restart.condition,
            s.service.restart.delay,
            s.service.restart.max_attempts
        ),
        (RestartCondition::OnFailure, 3 * SECOND, 4)
    );
    // Docker's units: cpus in cores, `300m` is 300 MiB (not millibytes).
    assert_eq!(
        (
            s.service.resources.cpu_millis,
            s.service.resources.memory_bytes
        ),
        (250, 300 << 20)
    );
    assert_eq!(
        s.service.healthcheck,
        Some(HealthCheck {
            interval: 5 * SECOND,
            timeout: 2 * SECOND,
            retries: 4,
            start_period: 20 * SECOND,
            start_interval: SECOND,
            flaky: 0.0
        })
    );
    assert_eq!(s.service.stop_grace_period, Some(90 * SECOND));
    // No `networks:`: the stack's `default`; a port in ingress mode: `ingress`.
    assert_eq!(s.service.networks, ["default", "ingress"]);
    assert_eq!(
        unsupported(&found),
        ["services.web.deploy.restart_policy.window"]
    );
}

#[test]
fn compose_healthcheck_disabled_and_networks() {
    let text = "services:\n  db:\n    image: pg:16\n    networks: [back]\n    \
                healthcheck: {disable: true}\n    deploy: {replicas: 1}\n";
    let (s, found) = import(text);
    assert_eq!(s.service.healthcheck, None);
    assert_eq!(s.service.networks, ["back"]);
    assert!(unsupported(&found).is_empty());
    let text = "services:\n  db:\n    image: pg:16\n    healthcheck: {test: [NONE]}\n    \
                ports: [{target: 5432, published: 5432, mode: host}]\n";
    let (s, _) = import(text);
    assert_eq!(s.service.healthcheck, None);
    assert_eq!(
        s.service.networks,
        ["default"],
        "host-mode ports skip ingress"
    );
    // The compose specification refuses unknown keys in these sections; so does import.
    let text = "services:\n  a:\n    deploy: {update_config: {paralelism: 2, x-why: ok}}\n";
    assert_eq!(
        import_error(text),
        [
            "services.a.deploy.update_config.paralelism: unknown field `paralelism`; did you mean `parallelism`?"
        ]
    );
    let text = "services:\n  a:\n    image: a:1\n    deploy: {mode: global-job}\n";
    assert_eq!(
        import_error(text),
        [
            "services.a.deploy.mode: only `replicated` and `global` services are simulated (a job runs to completion, it is not rolled out), got \"global-job\""
        ]
    );
}

#[test]
fn a_global_service_imports_with_a_task_on_every_default_node() {
    let text = "services:\n  agent:\n    image: agent:1\n    deploy: {mode: global, \
                resources: {reservations: {cpus: '3', memory: 64M}}}\n";
    let (s, found) = import(text);
    let yaml = &found.candidates[0].outcome.as_ref().unwrap().text;
    assert_eq!(s.service.mode, rollout_sim::scenario::ServiceMode::Global);
    // The default pool: three nodes, each with room for a start-first task beside the old.
    assert_eq!((s.cluster.nodes.len(), s.service.replicas), (3, 3));
    assert!(
        s.cluster.nodes.iter().all(|n| n.cpu_millis >= 6000),
        "{yaml}"
    );
    assert!(
        yaml.contains("a global service runs one task on each node"),
        "{yaml}"
    );
    // docker/cli convertDeployMode refuses replicas on a global service.
    let text = "services:\n  a:\n    image: a:1\n    deploy: {mode: global, replicas: 2}\n";
    assert_eq!(
        import_error(text),
        [
            "services.a.deploy.replicas: replicas can only be used with replicated mode (docker stack deploy refuses it): a global service runs one task on every node"
        ]
    );
}

#[test]
fn a_deploy_key_out_of_the_specification_gets_a_did_you_mean() {
    let text = "services:\n  a:\n    image: a:1\n    deploy: {update_confg: {parallelism: 2}, \
                x-team: ok}\n";
    assert_eq!(
        import_error(text),
        [
            "services.a.deploy.update_confg: unknown field `update_confg`; did you mean \
             `update_config`?"
        ]
    );
}

#[test]
fn compose_durations_are_gos() {
    // Docker reads them with Go's time.ParseDuration: no d, w or y, no bare numbers.
    for (field, value) in [
        ("deploy: {update_config: {delay: 1d}}", "\"1d\""),
        ("deploy: {update_config: {monitor: 1w}}", "\"1w\""),
        ("deploy: {restart_policy: {delay: 1y}}", "\"1y\""),
        ("healthcheck: {interval: 2 m}", "\"2 m\""),
        ("stop_grace_period: 30", "30"),
    ] {
        let text = format!("services:\n  a:\n    image: a:1\n    {field}\n");
        let e = import_error(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains(&format!(": invalid duration {value}: Docker reads")),
            "{e:?}"
        );
    }
    let e = import_error("services:\n  a:\n    deploy: {update_config: {delay: 1d}}\n");
    assert!(e[0].contains("write `24h` for a day"), "{e:?}");
    let (s, _) = import(
        "services:\n  a:\n    image: a:1\n    stop_grace_period: 1.5m\n    \
         deploy: {update_config: {delay: 1h2m3s, monitor: 500ms}}\n",
    );
    assert_eq!(swarm(&s).update.delay, 3723 * SECOND);
    assert_eq!(s.service.stop_grace_period, Some(90 * SECOND));
}

#[test]
fn an_empty_key_is_named_and_reported() {
    let text = "services:\n  web:\n    image: a\n    \"\": 3\n\"\": 1\n";
    let (_, found) = import(text);
    assert_eq!(unsupported(&found), ["services.web.\"\"", "\"\""]);
}

#[test]
fn two_services_of_one_name_in_one_file_name_the_file_and_documents() {
    let text = "services:\n  web: {image: a:1}\n---\nservices:\n  web: {image: a:2}\n";
    assert_eq!(
        import_error(text),
        [
            "services.web: `web` names two scenarios of m.yaml: document 1 at line 1 (compose \
             service web) and document 2 at line 3 (compose service web), counted from 1 as \
             `---` separates them, empty ones included. A scenario is picked (`--name`) and \
             written (`--out DIR`) by its name: rename one, or put them in separate files"
        ]
    );
}
