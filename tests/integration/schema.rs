//! `rollout-sim schema` against the parser: every shipped scenario validates, every field
//! the parser accepts is in the schema, and a misspelt field is refused by both (the
//! validator: `schema_validator.rs`; values and required fields: `schema_values.rs`).

use super::schema_validator::{errors, tree};
use rollout_sim::scenario::import::import_str;
use rollout_sim::scenario::{Format, load_str, schema::schema};
use serde_json::Value;
use std::path::Path;

#[test]
fn every_shipped_scenario_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                errors(&tree(&text)),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
            n += 1;
        }
    }
    assert!(n >= 10, "{n} scenarios");
    // And what `import` writes.
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifests");
    for file in [
        "deployment-probes.yaml",
        "compose-stack.yaml",
        "deployment-recreate.yaml",
        "deployment-anti-affinity.yaml",
    ] {
        let text = std::fs::read_to_string(manifests.join(file)).unwrap();
        let found = import_str(&text, file, Format::Yaml).unwrap();
        for c in found.candidates {
            let imported = c.outcome.unwrap();
            assert_eq!(
                errors(&tree(&imported.text)),
                Vec::<String>::new(),
                "{}",
                c.what
            );
        }
    }
}

/// An Argo Rollout (canary and blue-green) and a Deployment whose pod templates carry the
/// Kubernetes placement fields import into scenarios the schema and the parser both
/// accept: the strategies that run on the kubelet take the same `service` fields.
#[test]
fn imported_placement_fields_validate_for_every_kubelet_strategy() {
    let pod = "  template:\n    spec:\n      nodeSelector: {disk: ssd}\n\
               \x20     affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:\n\
               \x20       {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]}}}\n\
               \x20     tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]\n\
               \x20     topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n\
               \x20     containers:\n      - name: app\n        image: web:1\n";
    let manifests = [
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 0\n{pod}"
        ),
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: web}}\nspec:\n\
             \x20 replicas: 0\n  strategy: {{canary: {{steps: [{{setWeight: 50}}]}}}}\n{pod}"
        ),
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: web}}\nspec:\n\
             \x20 replicas: 0\n  strategy: {{blueGreen: {{activeService: web}}}}\n{pod}"
        ),
    ];
    for text in manifests {
        let found = import_str(&text, "m.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
        let imported = found.candidates[0]
            .outcome
            .clone()
            .unwrap_or_else(|e| panic!("{e}"));
        let t = tree(&imported.text);
        assert!(
            t["service"]["nodeSelector"].is_object(),
            "{}",
            imported.text
        );
        assert_eq!(errors(&t), Vec::<String>::new(), "{}", imported.text);
        load_str(&imported.text, "i.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Scenarios that between them give every field of every section (the parser accepts each).
pub(super) fn every_field() -> Vec<String> {
    let a = r#"
name: a
description: d
seed: 3
trials: 10
horizon: 1h
sweep: {service.replicas: [2, 4]}
cluster:
  nodes: [{name: n1, cpu: "4", memory: 8Gi, labels: {zone: a}, role: manager}, {name: n2}]
  node: {cpu: 2, memory: 4Gi, labels: {disk: ssd}, role: worker}
  image_cached: [current]
  control_plane: {profile: ideal, update_start: {constant: 1s}, create: {uniform: {min: 1s, max: 2s}},
                  start: {normal: {mean: 1s, stddev: 100ms}}, start_after_stop: {exponential: {mean: 1s}},
                  stop_signal: {gamma: {shape: 2, scale: 1s}}, health_report: {weibull: {shape: 2, scale: 1s}},
                  next_slot: {empirical: {samples: [1, 2]}},
                  failure_report: {mixture: [{weight: 1, dist: 1s}, {weight: 2, dist: 2s}]},
                  parallel_start_slowdown: 0.2, docker_engine: "25.0"}
service:
  replicas: 4
  mode: replicated
  resources: {cpu: 500m, memory: 512Mi}
  stop_grace_period: 10s
  pre_stop: 1s
  networks: [backend]
  ports: [{target: 80, published: 8080, protocol: tcp, mode: ingress}]
  placement: {constraints: [node.labels.zone==a], max_replicas_per_node: 4,
              preferences: [{spread: node.labels.zone}]}
  versions:
    current: {image: a:1}
    next: {image: a:2, pull: {lognormal: {median: 2s, p99: 10s}}, start: 1s, ready_after: 2s,
           crash_probability: 0.1, crash_after: never, hang_after: never, shutdown: 1s,
           error_rate: 0.01, service_time: 10ms, capacity_rps: 100}
  healthcheck: {interval: 5s, timeout: 2s, retries: 3, start_period: 10s, start_interval: 1s, flaky: 0.01}
  restart: {condition: on-failure, delay: 5s, max_attempts: 3}
strategy:
  swarm:
    update_config: {parallelism: 2, delay: 1s, failure_action: rollback, monitor: 5s,
                    max_failure_ratio: 0.1, order: start-first}
    rollback_config: {parallelism: 1}
actions: [{at: 1m, rollout: update, version: next}]
checks: ["duration_s.p95 <= 600"]
traffic: {rps: 100, arrivals: poisson, balancer: random, endpoint_propagation: 1s, tick: 1s,
          queue_limit: 10, duration: 10m, slo: {availability: 0.99, window: 10s},
          retries: {attempts: 2, retryOn: "5xx,connect-failure"}}
faults: {node_failures: [{at: 1m, node: n1, recover_after: 1m}], node_mtbf: 24h, node_recovery: 5m,
         pull_failure_probability: {next: 0.1}}
"#;
    let b = r#"
cluster:
  node: {labels: {zone: a, cores: "8"}, taints: [{key: k, value: v, effect: NoSchedule}]}
service:
  nodeSelector: {zone: a}
  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [
    {matchExpressions: [{key: cores, operator: Gt, values: ["4"]}]}]}},
    podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: rack}]}}
  tolerations: [{key: k, operator: Equal, value: v, effect: NoSchedule}]
  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]
  terminationGracePeriodSeconds: 30
  versions:
    current: {}
    next: {start: {lognormal: {mu: 0.5, sigma: 0.2}}}
  readinessProbe: {initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 1, successThreshold: 2,
                   failureThreshold: 3, flaky: 0}
  livenessProbe: {periodSeconds: 5}
  startupProbe: {failureThreshold: 30}
  podDisruptionBudget: {minAvailable: 50%, unhealthyPodEvictionPolicy: AlwaysAllow}
  ports: [{containerPort: 80, hostPort: 8080, protocol: TCP}]
strategy:
  kubernetes:
    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 25%}}
    minReadySeconds: 5
    progressDeadlineSeconds: 600
    autoRollback: true
    revisionHistoryLimit: 3
actions: [{at: 1m, scale: 4}, {at: 2m, rollout: undo, to_revision: 1}]
traffic: {profile: {diurnal: {rps: 100, amplitude: 0.5, period: 1h, peak_at: 10m}}}
faults: {node_not_ready_after: 40s, eviction_after: 5m, node_drains: [{at: 30s, node: 0, maintenance: 5m}]}
"#;
    let c = "service: {}\ntraffic: {profile: {step: [{at: 0, rps: 10}]}}\n";
    let d = "service:\n  versions:\n    current: {}\n    next: {start: {empirical: {file: t.csv, column: s}}}\n\
             traffic: {profile: {file: rate.csv}}\n";
    let e = r#"
service: {}
actions: [{at: 10m, rollout: promote}, {at: 20m, rollout: promote, full: true}]
strategy:
  canary:
    steps: [{setWeight: 20}, {pause: {duration: 1m}}, {setCanaryScale: {replicas: 2}},
            {setCanaryScale: {weight: 50}}, {setCanaryScale: {matchTrafficWeight: true}}, {pause: {}}]
    maxSurge: 1
    maxUnavailable: 0
    trafficRouting: {headerRoute: {share: 0.1}}
    abortScaleDownDelaySeconds: 10
    dynamicStableScale: true
    minReadySeconds: 5
    progressDeadlineSeconds: 300
    progressDeadlineAbort: true
"#;
    let f = r#"
service: {}
strategy:
  canary:
    trafficRouting:
      maxTrafficWeight: 1000
      managedRoutes: [{name: beta}, {name: copy}]
    scaleDownDelaySeconds: 10
    minPodsPerReplicaSet: 2
    replicaProgressThreshold: {type: Percent, value: 90}
    steps:
      - setWeight: 100
      - setHeaderRoute:
          name: beta
          match: [{headerName: x-beta, headerValue: {exact: "1"}},
                  {headerName: x-beta, headerValue: {prefix: "t"}}]
          matchShare: 0.1
      - setMirrorRoute:
          name: copy
          percentage: 50
          match: [{method: {exact: GET}, path: {regex: "/api/.*"}, headers: {x-test: {exact: "1"}}}]
          matchShare: 0.2
      - setHeaderRoute: {name: beta}
      - experiment:
          duration: 5m
          scaleDownDelaySeconds: 10
          templates:
            - {name: baseline, specRef: stable, replicas: 1, weight: 5}
            - {name: canary, specRef: canary, weight: 5}
          analyses:
            - name: compare
              requiredForCompletion: true
              dryRun: [{metricName: errors}]
              metrics: [{name: errors, provider: {rollout-sim: {metric: error_rate}}}]
traffic: {rps: 10}
"#;
    let g = r#"
service: {}
strategy:
  blueGreen: {previewReplicaCount: 1, autoPromotionEnabled: false, autoPromotionSeconds: 10,
              scaleDownDelaySeconds: 5, abortScaleDownDelaySeconds: 0, minReadySeconds: 1,
              progressDeadlineSeconds: 60, progressDeadlineAbort: true,
              previewTraffic: {share: 0.1},
              prePromotionAnalysis: {metrics: [{name: p,
                provider: {rollout-sim: {metric: error_rate}}}]},
              postPromotionAnalysis: {metrics: [{name: q,
                provider: {rollout-sim: {metric: ready_ratio}}}]}}
traffic: {rps: 10}
"#;
    let h = r#"
service: {}
traffic: {rps: 10}
strategy:
  canary:
    steps:
      - setWeight: 20
      - analysis:
          metrics:
            - name: judged
              interval: 1m
              count: 2
              initialDelay: 10s
              failureLimit: 0
              inconclusiveLimit: 1
              consecutiveErrorLimit: 2
              consecutiveSuccessLimit: 1
              provider:
                judge:
                  algorithm: mann-whitney
                  window: 2m
                  step: 1m
                  threshold: {pass: 90, marginal: 50}
                  metrics:
                    - metric: error_rate
                      direction: increase
                      nanStrategy: remove
                      critical: true
                      mustHaveData: true
                      reporter: destination
                      effectSize: {measure: meanRatio, allowedIncrease: 1.1, allowedDecrease: 0.9,
                                   criticalIncrease: 2, criticalDecrease: 0.5}
    analysis:
      startingStep: 1
      dryRun: [{metricName: "^err"}]
      metrics:
        - name: errors
          successCondition: result < 0.05
          failureCondition: result >= 0.1
          provider: {rollout-sim: {metric: error_rate, of: canary, window: 1m, reporter: destination}}
"#;
    let i = r#"
service: {podDisruptionBudget: {maxUnavailable: 1, selects: primary}}
traffic: {rps: 10}
strategy:
  flagger:
    progressDeadlineSeconds: 300
    skipAnalysis: false
    suspend: false
    analysis:
      interval: 30s
      threshold: 3
      maxWeight: 40
      stepWeight: 10
      stepWeightPromotion: 20
      primaryReadyThreshold: 100
      canaryReadyThreshold: 75
      metrics:
        - name: request-success-rate
          interval: 1m
          thresholdRange: {min: 99, max: 100}
        - name: request-duration
          threshold: 500
      webhooks:
        - name: ask
          type: confirm-promotion
          url: http://flagger-loadtester.test/gate/check
          timeout: 15s
          retries: 1
          muteAlert: false
          disableTLS: false
          metadata: {note: gate}
        - {name: undo, type: rollback, url: http://flagger-loadtester.test/rollback/check}
actions: [{at: 1m, gate: open}, {at: 2m, rollback: close}]
"#;
    let j = r#"
service: {}
strategy:
  flagger:
    analysis:
      interval: 1m
      threshold: 1
      stepWeights: [5, 20, 50]
      match:
        - headers: {x-a: {exact: a}, x-b: {prefix: b}, x-c: {suffix: c}, x-d: {regex: d}}
          queryParams: {q: {exact: a}, r: {prefix: b}, s: {regex: c}}
          sourceLabels: {app: web}
      matchShare: 0.25
"#;
    let k = r#"
service: {}
strategy:
  flagger:
    analysis: {interval: 1m, threshold: 1, iterations: 3, mirror: true, mirrorWeight: 50}
"#;
    let l = r#"
service: {mode: global, readinessProbe: {}}
strategy:
  daemonSet:
    updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: "10%"}}
    minReadySeconds: 5
"#;
    let m = r#"
service: {replicas: 4, readinessProbe: {}}
strategy:
  statefulSet:
    podManagementPolicy: Parallel
    updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1, maxUnavailable: "50%"}}
    minReadySeconds: 5
"#;
    let n = r#"
cluster:
  nodes: 2
  autoscaler: {max_nodes: 4, provision: 90s, scan_interval: 10s, image_cached: [current]}
service: {}
strategy: {kubernetes: {}}
"#;
    [a, b, c, d, e, f, g, h, i, j, k, l, m, n]
        .map(str::to_string)
        .to_vec()
}

/// Loads `text` as a scenario in `dir` (where the CSV files are).
pub(super) fn load(dir: &Path, text: &str) -> Result<(), String> {
    let origin = dir.join("s.yaml");
    load_str(text, origin.to_str().unwrap(), Format::Yaml, &[])
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub(super) fn csv_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "s\n1\n2\n").unwrap();
    std::fs::write(dir.path().join("rate.csv"), "t,rps\n0,10\n").unwrap();
    dir
}

/// Every key path of a tree (an explicit stack), as (path, parent path, key).
pub(super) fn keys(v: &Value) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<(Vec<String>, &Value)> = vec![(Vec::new(), v)];
    while let Some((path, v)) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let mut p = path.clone();
                    p.push(k.clone());
                    out.push((p.clone(), k.clone()));
                    stack.push((p, x));
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(i.to_string());
                    stack.push((p, x));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_field_the_parser_accepts_is_in_the_schema() {
    let dir = csv_dir();
    let mut used: Vec<String> = Vec::new();
    for text in every_field() {
        load(dir.path(), &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let t = tree(&text);
        assert_eq!(errors(&t), Vec::<String>::new(), "{text}");
        used.extend(keys(&t).into_iter().map(|(_, k)| k));
    }
    // The scenarios above give every property the schema has: so every field the parser
    // reads (the schema's properties come from its field lists) was accepted by both.
    let s = schema();
    let mut sections: Vec<&Value> = vec![&s];
    sections.extend(s["$defs"].as_object().unwrap().values());
    for section in sections {
        for name in section["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.keys())
        {
            assert!(used.contains(name), "no test scenario gives `{name}`");
        }
    }
}

#[test]
fn a_misspelt_field_is_refused_by_both() {
    let dir = csv_dir();
    let mut checked = 0;
    for text in every_field() {
        let t = tree(&text);
        for (path, _) in keys(&t) {
            // Keys of maps with free keys (version names, a webhook's `metadata`) are
            // names, not fields; a sweep's keys are field paths, which only the parser
            // checks (as `--set` paths).
            let parent = path[..path.len() - 1].join(".");
            if parent == "service.versions"
                || parent == "faults.pull_failure_probability"
                || parent.ends_with("labels")
                || parent.ends_with("metadata")
                || parent == "service.nodeSelector"
                || parent.ends_with(".headers")
                || parent.ends_with(".queryParams")
                || parent.ends_with(".sourceLabels")
                || parent == "sweep"
            {
                continue;
            }
            let mut bad = t.clone();
            let mut at = &mut bad;
            for k in &path[..path.len() - 1] {
                at = match at {
                    Value::Array(items) => &mut items[k.parse::<usize>().unwrap()],
                    other => &mut other[k.as_str()],
                };
            }
            let map = at.as_object_mut().unwrap();
            let key = path.last().unwrap();
            let value = map.remove(key).unwrap();
            map.insert(format!("{key}x"), value);
            let text = serde_json::to_string(&bad).unwrap();
            assert!(
                load(dir.path(), &text).is_err(),
                "the parser took {}x",
                path.join(".")
            );
            assert!(
                !errors(&bad).is_empty(),
                "the schema took {}x",
                path.join(".")
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked}");
    // Types too, not only names.
    for bad in [
        "service: {replicas: -1}",
        "service: {replicas: \"3\"}",
        "strategy: {swarm: {}, kubernetes: {}}",
        "strategy: {swarm: {update_config: {order: start_first}}}",
        "service: {restart: {condition: on_failure}}",
        "cluster: {control_plane: docker-20.1}",
        "service: {versions: {next: {pull: {lognormal: {median: 1s}, uniform: {min: 1, max: 2}}}}}",
    ] {
        assert!(!errors(&tree(bad)).is_empty(), "the schema took {bad}");
        assert!(load(dir.path(), bad).is_err(), "the parser took {bad}");
    }
}

/// Which orchestrator's fields go with the strategy: the schema refuses the other one's, as
/// the parser does, for every strategy (Argo Rollouts and Flagger are placed by
/// kube-scheduler, as a Deployment is) and for none (Swarm, the default).
#[test]
fn the_other_orchestrators_fields_are_refused_by_both() {
    let dir = csv_dir();
    let swarm = ["", "strategy: {swarm: {}}\n"];
    let kubelet = [
        "strategy: {kubernetes: {}}\n",
        "strategy: {canary: {steps: [{setWeight: 50}]}}\n",
        "strategy: {blueGreen: {}}\n",
        "strategy: {flagger: {analysis: {interval: 1m, threshold: 1, stepWeights: [50]}}}\n",
    ];
    let kubernetes_fields = [
        "service: {nodeSelector: {disk: ssd}}",
        "service: {affinity: {}}",
        "service: {tolerations: []}",
        "service: {topologySpreadConstraints: []}",
        "service: {readinessProbe: {}}",
        "service: {livenessProbe: null}",
        "service: {startupProbe: {}}",
        "service: {}\ncluster: {node: {taints: []}}",
        "service: {}\ncluster: {nodes: [{name: a}, {name: b, taints: []}]}",
        "service: {}\nfaults: {node_not_ready_after: 40s}",
        "service: {}\nfaults: {eviction_after: 5m}",
        "service: {ports: [{containerPort: 80, hostPort: 8080}]}",
    ];
    let swarm_fields = [
        "service: {placement: {}}",
        "service: {networks: [ingress]}",
        "service: {healthcheck: null}",
        "service: {restart: {}}",
        "service: {}\ncluster: {node: {role: worker}}",
        "service: {}\ncluster: {nodes: [{name: a, role: manager}]}",
        "service: {}\ncluster: {control_plane: {update_start: 1s}}",
        "service: {}\ncluster: {control_plane: {docker_engine: \"25.0\"}}",
        "service: {ports: [{target: 80, published: 8080, mode: host}]}",
    ];
    let mut checked = 0;
    for (strategies, refused) in [
        (&swarm[..], &kubernetes_fields[..]),
        (&kubelet[..], &swarm_fields[..]),
    ] {
        for strategy in strategies {
            for field in refused.iter() {
                let text = format!("{strategy}{field}\n");
                assert!(load(dir.path(), &text).is_err(), "the parser took {text}");
                assert!(!errors(&tree(&text)).is_empty(), "the schema took {text}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 12 + 4 * 9);
    // With their own strategy the schema takes them, and a placement section written
    // `null` with any strategy (the parser takes it as absent).
    for (strategies, fields) in [
        (&kubelet[..], &kubernetes_fields[..]),
        (&swarm[..], &swarm_fields[..]),
    ] {
        for strategy in strategies {
            for field in fields.iter() {
                let text = format!("{strategy}{field}\n");
                assert_eq!(errors(&tree(&text)), Vec::<String>::new(), "{text}");
            }
        }
    }
    for text in [
        "service: {affinity: null}\n",
        "strategy: {canary: {}}\nservice: {placement: null}\n",
    ] {
        load(dir.path(), text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(errors(&tree(text)), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn schema_command_prints_the_schema() {
    let out = assert_cmd::Command::cargo_bin("rollout-sim")
        .unwrap()
        .arg("schema")
        .assert()
        .success();
    let printed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(printed, schema());
}
