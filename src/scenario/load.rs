//! Loading a scenario: file text → generic tree → `--set` overrides → typed [`Scenario`].
//!
//! The format follows the extension (`.yaml`/`.yml` or `.json`). YAML is read with
//! `serde-saphyr` into a `serde_json::Value` (JSON by a reader that refuses
//! duplicate keys as YAML does), so both formats share one tree and one converter. Each
//! stage collects problems rather than stopping at the first: one run shows everything
//! wrong with a file. A scenario needs a `service` (`service: {}` takes every default);
//! once every field is valid, the checks that combine fields run ([`super::limits`],
//! and whether the starting fleet fits and the control plane suits the strategy).
//! The file itself is read only if it is a regular file of at most
//! [`MAX_SCENARIO_BYTES`].
//!
//! ```
//! use rollout_sim::scenario::{Format, Override, load_str};
//!
//! let set: Override = "service.replicas=6".parse().unwrap();
//! let s = load_str("name: web\nservice: {replicas: 3}", "web.yaml", Format::Yaml, &[set]).unwrap();
//! assert_eq!((s.name.as_str(), s.service.replicas, s.trials), ("web", 6, 1000));
//! ```

use super::convert;
use super::error::{FILE, Problem, ScenarioError};
use super::feasibility;
use super::json::{self, JsonError};
use super::limits::{self, MAX_SCENARIO_BYTES};
use super::model::Scenario;
use super::overrides::{Override, SetBy};
use super::user_file;
use super::walk::{Ctx, Node};
use serde_json::Value;
use std::path::Path;

/// The syntax of a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
}

impl Format {
    /// The format a file's extension names, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Reads, overrides and validates the scenario file at `path`.
pub fn load_file(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let origin = path.display().to_string();
    let format = Format::from_path(path).ok_or_else(|| {
        ScenarioError::file(
            &origin,
            "unknown file type: a scenario file ends in .yaml, .yml or .json",
        )
    })?;
    let bytes =
        user_file::read(path, MAX_SCENARIO_BYTES).map_err(|m| ScenarioError::file(&origin, m))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| ScenarioError::file(&origin, format!("not UTF-8 text: {e}")))?;
    load_str(&text, &origin, format, overrides)
}

/// Overrides and validates scenario `text`. `origin` names it in messages, gives the
/// default `name` (its file stem) and the directory relative files are read from (its
/// parent).
pub fn load_str(
    text: &str,
    origin: &str,
    format: Format,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    // A Kubernetes manifest or compose file is imported on the fly (`--set` then applies
    // to the imported scenario).
    let (tree, imported) = match super::import::scenario_tree(text, origin, format) {
        Some(tree) => (tree?, true),
        None => (
            parse(text, format).map_err(|p| ScenarioError {
                origin: origin.to_string(),
                problems: vec![p],
            })?,
            false,
        ),
    };
    let (scenario, mut problems) = convert_tree(&tree, origin, overrides, imported);
    if problems.is_empty() && !scenario.sweep.is_empty() {
        problems.extend(check_sweep(&tree, origin, overrides, &scenario.sweep));
    }
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(ScenarioError {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// `tree` with `overrides` applied, converted and checked: the scenario (with defaults
/// where the file is wrong) and every problem found. An `imported` tree's default node
/// pool is sized for the service the overrides leave.
fn convert_tree(
    tree: &Value,
    origin: &str,
    overrides: &[Override],
    imported: bool,
) -> (Scenario, Vec<Problem>) {
    let mut tree = tree.clone();
    let mut problems: Vec<Problem> = overrides
        .iter()
        .filter_map(|o| o.apply(&mut tree).err())
        .collect();
    if imported && !overrides.is_empty() {
        super::import::resize_pool(&mut tree, overrides.iter().map(|o| o.path.as_str()));
    }

    let origin_path = Path::new(origin);
    let base_dir = origin_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let default_name = origin_path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("scenario");
    let ctx = Ctx::new(base_dir);
    let root = Node::root(&tree, &ctx);
    let scenario = convert::scenario(&root, default_name);
    convert::require_service(&root);
    let mut found = ctx.into_problems();
    // Checks across fields only make sense once every field is valid: a wrong field's
    // default would stand in for it and draw complaints about a value nobody wrote.
    if problems.is_empty() && found.is_empty() {
        found.extend(limits::check(&scenario));
        found.extend(feasibility::check(&scenario));
    }
    problems.extend(found.into_iter().map(|p| blame_overrides(p, overrides)));
    (scenario, problems)
}

/// Every value of every swept field, checked as `--set PATH=VALUE` on the file without
/// its `sweep` block: problems are reported under `sweep.PATH`.
fn check_sweep(
    tree: &Value,
    origin: &str,
    overrides: &[Override],
    axes: &[super::SweepAxis],
) -> Vec<Problem> {
    let mut base = tree.clone();
    if let Value::Object(map) = &mut base {
        map.remove("sweep");
    }
    let mut problems = Vec::new();
    for axis in axes {
        for v in &axis.values {
            let mut with = overrides.to_vec();
            with.push(Override {
                path: axis.path.clone(),
                value: v.text.clone(),
                set_by: SetBy::Sweep,
            });
            // An imported tree has no `sweep` block: only a scenario file gets here.
            let (_, found) = convert_tree(&base, origin, &with, false);
            problems.extend(found.into_iter().map(|p| {
                Problem::new(
                    format!("sweep.{}", axis.path),
                    format!("value {}: {}: {}", v.shown, p.path, p.message),
                )
            }));
        }
    }
    problems
}

/// The generic tree of `text`, or a one-line problem with the line and column.
fn parse(text: &str, format: Format) -> Result<Value, Problem> {
    let syntax = match format {
        Format::Yaml => serde_saphyr::from_str_with_options(
            text,
            serde_saphyr::options! { with_snippet: false },
        )
        .map_err(|e| {
            // saphyr's advice is addressed to programmers, not to scenario authors.
            let m = e
                .to_string()
                .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
                .replace(
                    "; use from_str_multiple or from_str_multiple_with_options",
                    " (a scenario is one document)",
                );
            format!("invalid YAML: {m}")
        }),
        Format::Json => match json::parse(text) {
            Ok(tree) => Ok(tree),
            Err(JsonError::Syntax(m)) => Err(format!("invalid JSON: {m}")),
            Err(JsonError::Duplicate { path, line, column }) => {
                return Err(Problem::new(
                    path,
                    format!(
                        "given twice (again at line {line} column {column}); each field \
                         may be given once"
                    ),
                ));
            }
        },
    };
    syntax.map_err(|m| Problem::new(FILE, m))
}

/// Says which `--set` a problem comes from, when the user might not see it in the file.
/// A swept value is not named: the sweep reports which of its values a problem is from.
fn blame_overrides(mut p: Problem, overrides: &[Override]) -> Problem {
    let blamed: Vec<String> = overrides
        .iter()
        .filter(|o| o.set_by == SetBy::Set && o.touches(&p.path))
        .map(|o| format!("--set {o}"))
        .collect();
    if !blamed.is_empty() {
        p.message = format!("{} (from {})", p.message, blamed.join(", "));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Dist;
    use crate::scenario::model::*;
    use crate::sim::time::{MILLISECOND, SECOND};

    fn yaml(text: &str) -> Result<Scenario, ScenarioError> {
        load_str(text, "scenarios/web.yaml", Format::Yaml, &[])
    }

    fn with(text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
        let sets: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        load_str(text, "scenarios/web.yaml", Format::Yaml, &sets)
    }

    fn lines(e: ScenarioError) -> Vec<String> {
        e.to_string().lines().map(str::to_string).collect()
    }

    /// The full scenario example of the README, less what is not modelled yet.
    const CONTRACT_EXAMPLE: &str = r#"
name: web-rolling-update
description: optional free text
seed: 42
trials: 1000
horizon: 2h
cluster:
  nodes: 3
  node: {cpu: "4", memory: 8Gi}
  image_cached: [current]
  control_plane: ideal
service:
  replicas: 6
  resources: {cpu: 500m, memory: 512Mi}
  stop_grace_period: 10s
  pre_stop: 0s
  versions:
    current: {image: app:v1}
    next:
      image: app:v2
      pull: {lognormal: {median: 2s, p99: 15s}}
      start: 1s
      ready_after: {lognormal: {median: 4s, p99: 20s}}
      crash_probability: 0.0
      crash_after: never
      hang_after: never
      shutdown: 500ms
      error_rate: 0.0
      service_time: {exponential: {mean: 20ms}}
      capacity_rps: 100
  healthcheck: {interval: 30s, timeout: 30s, retries: 3, start_period: 0s, start_interval: 5s,
                flaky: 0.0}
  readinessProbe: {initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1,
                   successThreshold: 1, failureThreshold: 3, flaky: 0.0}
  restart: {delay: 5s}
strategy:
  swarm:
    update_config: {parallelism: 1, delay: 0s, failure_action: pause, monitor: 5s,
                    max_failure_ratio: 0, order: stop-first}
actions:
  - {at: 30s, rollout: undo}
traffic:
  rps: 200
  arrivals: poisson
  balancer: round-robin
  endpoint_propagation: 1s
  tick: 100ms
faults: {}
checks:
  - "availability.p01 >= 0.999"
  - "duration_s.p95 <= 600"
"#;

    #[test]
    fn the_contract_example_loads() {
        let s = yaml(CONTRACT_EXAMPLE).unwrap();
        assert_eq!(s.name, "web-rolling-update");
        assert_eq!(s.description.as_deref(), Some("optional free text"));
        assert_eq!((s.seed, s.trials, s.horizon), (42, 1000, 7200 * SECOND));
        assert_eq!(s.cluster.nodes.len(), 3);
        assert_eq!(s.cluster.nodes[2].name, "node-3");
        assert_eq!(s.cluster.nodes[0].cpu_millis, 4000);
        assert_eq!(s.cluster.nodes[0].memory_bytes, 8 << 30);
        assert_eq!(s.cluster.image_cached, [CURRENT]);
        assert_eq!(s.service.replicas, 6);
        assert_eq!(
            s.service.resources,
            Resources {
                cpu_millis: 500,
                memory_bytes: 512 << 20
            }
        );
        assert_eq!(s.service.stop_grace_period, Some(10 * SECOND));
        let next = &s.service.versions[NEXT as usize];
        assert_eq!(
            (next.name.as_str(), next.image.as_str()),
            ("next", "app:v2")
        );
        assert!(matches!(next.pull, Dist::LogNormal(_)));
        assert!(matches!(next.start, Dist::Constant(t) if t == SECOND));
        assert!(next.crash_after.is_never() && next.hang_after.is_never());
        assert!(matches!(next.shutdown, Dist::Constant(t) if t == 500 * MILLISECOND));
        assert!(matches!(next.service_time, Dist::Exponential(_)));
        assert_eq!(next.capacity_rps, Some(100.0));
        assert_eq!(s.service.healthcheck, Some(HealthCheck::default()));
        assert_eq!(s.service.readiness_probe, Some(Probe::default()));
        assert_eq!(s.service.liveness_probe, None);
        assert!(matches!(&s.strategy, Strategy::Swarm(w) if w.update == UpdateConfig::default()));
        assert_eq!(
            s.actions,
            [Action {
                at: 30 * SECOND,
                kind: ActionKind::Undo
            }]
        );
        assert_eq!(s.checks.len(), 2);
    }

    #[test]
    fn an_empty_file_or_one_without_service_is_refused() {
        for text in ["", "{}", "# nothing\n"] {
            assert_eq!(
                lines(yaml(text).unwrap_err()),
                [
                    "scenarios/web.yaml: (root): the scenario is empty; a scenario needs at least \
                  the service being rolled out, e.g. `service: {replicas: 3, versions: \
                  {current: {image: app:v1}, next: {image: app:v2}}}` (`service: {}` takes \
                  every default)"
                ]
            );
        }
        let e = yaml("name: web\ntrials: 10").unwrap_err();
        assert!(
            e.to_string().starts_with(
                "scenarios/web.yaml: (root): missing field `service`; a scenario needs"
            ),
            "{e}"
        );
        let e = load_str("[]", "x.json", Format::Json, &[]).unwrap_err();
        assert_eq!(
            e.problems.len(),
            1,
            "a root that is not a map is one problem: {e}"
        );
        // An empty file completed by `--set` is a scenario.
        assert_eq!(
            with("", &["service.replicas=2"]).unwrap().service.replicas,
            2
        );
    }

    #[test]
    fn a_bare_service_has_every_default() {
        for text in [
            "service:",
            "service: {}",
            "# nothing\nservice:\n",
            "name: web\nservice: {}",
        ] {
            let s = yaml(text).unwrap();
            assert_eq!(s.name, "web", "the file stem");
            assert_eq!((s.seed, s.trials, s.horizon), (1, 1000, 7200 * SECOND));
            assert_eq!(s.cluster.nodes.len(), 1);
            let n = &s.cluster.nodes[0];
            assert_eq!(
                (n.name.as_str(), n.cpu_millis, n.memory_bytes),
                ("node-1", 4000, 8 << 30)
            );
            assert_eq!(s.cluster.image_cached, [CURRENT]);
            let v = &s.service;
            assert_eq!(
                (v.replicas, v.resources, v.pre_stop),
                (1, Resources::default(), 0)
            );
            assert_eq!(v.stop_grace_period, None);
            assert_eq!(s.stop_grace_period(), 10 * SECOND, "Swarm's default");
            assert_eq!(v.healthcheck, None);
            assert_eq!(
                (&v.readiness_probe, &v.liveness_probe, &v.startup_probe),
                (&None, &None, &None)
            );
            assert_eq!(v.restart, RestartPolicy::default());
            assert_eq!(v.restart.delay, 5 * SECOND);
            let names: Vec<&str> = v.versions.iter().map(|v| v.name.as_str()).collect();
            assert_eq!(names, ["current", "next"]);
            for ver in &v.versions {
                assert_eq!(ver.image, ver.name);
                assert!(ver.pull.is_zero() && ver.start.is_zero());
                assert!(ver.ready_after.is_zero() && ver.shutdown.is_zero());
                assert!(ver.crash_after.is_never() && ver.hang_after.is_never());
                assert_eq!(
                    (ver.crash_probability, ver.error_rate, ver.capacity_rps),
                    (0.0, 0.0, None)
                );
                assert!(matches!(ver.service_time, Dist::Constant(t) if t == 10 * MILLISECOND));
            }
            let Strategy::Swarm(w) = &s.strategy else {
                panic!()
            };
            let u = &w.update;
            assert_eq!((u.parallelism, u.delay, u.monitor), (1, 0, 5 * SECOND));
            assert_eq!(
                (u.failure_action, u.order),
                (FailureAction::Pause, Order::StopFirst)
            );
            assert_eq!(w.rollback, UpdateConfig::default());
            assert!(s.actions.is_empty() && s.checks.is_empty());
        }
    }

    #[test]
    fn sections_with_nothing_under_them_take_every_default() {
        let s =
            yaml("service:\n  healthcheck:\n  livenessProbe:\nstrategy:\n  kubernetes:\n").unwrap();
        assert_eq!(s.service.healthcheck, Some(HealthCheck::default()));
        assert_eq!(s.service.liveness_probe, Some(Probe::default()));
        let Strategy::Kubernetes(k) = &s.strategy else {
            panic!()
        };
        assert_eq!(
            k.kind,
            DeploymentStrategy::RollingUpdate {
                max_surge: IntOrPercent::Percent(25),
                max_unavailable: IntOrPercent::Percent(25)
            }
        );
        assert_eq!(k.progress_deadline, Some(600 * SECOND));
        assert_eq!(s.stop_grace_period(), 30 * SECOND, "Kubernetes' default");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = yaml(
            "seed: -1\ntrials: 0\nservice:\n  replcas: 3\n  versions:\n    next:\n      pull: fast\nstrategy: {swarm: {update_config: {order: first}}}\n",
        )
        .unwrap_err();
        assert_eq!(
            lines(e),
            [
                "scenarios/web.yaml: service.replcas: unknown field `replcas`; did you mean `replicas`?",
                "scenarios/web.yaml: service.versions: missing version `current` (what runs before the rollout; `current: {}` takes every default)",
                r#"scenarios/web.yaml: service.versions.next.pull: expected a duration ("250ms", "10s", "1m30s", a number of seconds) or a distribution ({lognormal: {median, p99}}, …), got "fast""#,
                "scenarios/web.yaml: seed: expected a non-negative integer, got -1",
                "scenarios/web.yaml: trials: must be at least 1",
                "scenarios/web.yaml: strategy.swarm.update_config.order: unknown value `first`; expected one of `stop-first`, `start-first`",
            ]
        );
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let e = yaml("service:\n  replicas: [1,\n").unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].path, "(file)");
        assert!(e.problems[0].message.starts_with("invalid YAML: "), "{e}");
        assert!(e.problems[0].message.contains("line "), "{e}");
        let e = yaml("a: 1\na: 2\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenarios/web.yaml: (file): invalid YAML: duplicate mapping key: a at line 2, column 1"
        );
        let e = load_str("{\"seed\": }", "x.json", Format::Json, &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.json: (file): invalid JSON: expected value at line 1 column 10"
        );
        let e = yaml("[1, 2]").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("scenarios/web.yaml: (root): expected a map with fields `name`"),
            "{e}"
        );
    }

    #[test]
    fn json_works_the_same() {
        let s = load_str(
            r#"{"name": "j", "service": {"replicas": 2, "versions": {"current": {}, "next": {"start": 1.5}}}}"#,
            "j.json",
            Format::Json,
            &[],
        )
        .unwrap();
        assert_eq!((s.name.as_str(), s.service.replicas), ("j", 2));
        assert!(matches!(
            s.service.versions[1].start,
            Dist::Constant(1_500_000)
        ));
    }

    #[test]
    fn load_file_reads_and_picks_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("canary.YML");
        std::fs::write(&p, "seed: 5\nservice: {}\n").unwrap();
        let s = load_file(&p, &[]).unwrap();
        assert_eq!((s.name.as_str(), s.seed), ("canary", 5));

        let p = dir.path().join("s.json");
        std::fs::write(&p, r#"{"seed": 6, "service": {}}"#).unwrap();
        assert_eq!(load_file(&p, &[]).unwrap().seed, 6);

        let e = load_file(&dir.path().join("s.toml"), &[]).unwrap_err();
        assert_eq!(
            e.problems[0].message,
            "unknown file type: a scenario file ends in .yaml, .yml or .json"
        );
        let e = load_file(&dir.path().join("missing.yaml"), &[]).unwrap_err();
        assert_eq!(e.problems[0].path, "(file)");
        assert!(e.problems[0].message.starts_with("cannot read `"), "{e}");
    }

    #[test]
    fn empirical_files_are_relative_to_the_scenario() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/pull.csv"), "seconds\n1\n3\n").unwrap();
        let p = dir.path().join("s.yaml");
        std::fs::write(
            &p,
            "service: {versions: {current: {}, next: {pull: {empirical: {file: data/pull.csv, column: seconds}}}}}",
        )
        .unwrap();
        let s = load_file(&p, &[]).unwrap();
        assert!(
            matches!(&s.service.versions[1].pull, Dist::Empirical(v) if v == &[SECOND, 3 * SECOND])
        );
    }

    #[test]
    fn overrides_set_values_of_every_kind() {
        let s = with(
            CONTRACT_EXAMPLE,
            &[
                "strategy.swarm.update_config.parallelism=4",
                "service.versions.next.pull={uniform: {min: 1s, max: 2s}}",
                "service.resources.cpu=0.25",
                "cluster.image_cached=[current, next]",
                "seed=9",
            ],
        )
        .unwrap();
        let Strategy::Swarm(w) = &s.strategy else {
            panic!()
        };
        assert_eq!(w.update.parallelism, 4);
        assert!(matches!(
            s.service.versions[1].pull,
            Dist::Uniform {
                min: SECOND,
                max: 2_000_000
            }
        ));
        assert_eq!(s.service.resources.cpu_millis, 250);
        assert_eq!(s.cluster.image_cached, [CURRENT, NEXT]);
        assert_eq!(s.seed, 9);
    }

    #[test]
    fn overrides_reach_into_lists() {
        let text = "service: {}\ncluster: {nodes: [{name: a}, {name: b, cpu: 1}]}";
        let s = with(
            text,
            &["cluster.nodes.1.cpu=2", "cluster.nodes.0.memory=1Gi"],
        )
        .unwrap();
        assert_eq!(s.cluster.nodes[1].cpu_millis, 2000);
        assert_eq!(s.cluster.nodes[0].memory_bytes, 1 << 30);
        let e = with(text, &["cluster.nodes.5.cpu=2"]).unwrap_err();
        assert_eq!(
            lines(e),
            [
                "scenarios/web.yaml: cluster.nodes.5.cpu: --set: `cluster.nodes` has 2 items, numbered from 0: there is no item 5"
            ]
        );
    }

    #[test]
    fn an_override_outside_the_schema_is_an_unknown_field() {
        let e = with(
            "service: {}",
            &["strategy.swarm.update_config.paralelism=4"],
        )
        .unwrap_err();
        assert_eq!(
            lines(e),
            [
                "scenarios/web.yaml: strategy.swarm.update_config.paralelism: unknown field `paralelism`; did you mean `parallelism`? (from --set strategy.swarm.update_config.paralelism=4)"
            ]
        );
        let e = with("service: {}", &["service.foo.bar=1"]).unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert!(
            e.problems[0]
                .message
                .ends_with("(from --set service.foo.bar=1)"),
            "{e}"
        );
    }

    #[test]
    fn a_kubernetes_override_on_a_swarm_scenario_names_the_conflict() {
        let e = with(CONTRACT_EXAMPLE, &["strategy.kubernetes.minReadySeconds=5"]).unwrap_err();
        assert_eq!(
            lines(e),
            [
                "scenarios/web.yaml: strategy: give exactly one of `swarm`, `kubernetes`, `canary`, `blueGreen`, `flagger`; got both (from --set strategy.kubernetes.minReadySeconds=5)"
            ]
        );
        // Without a strategy in the file, the same override chooses Kubernetes.
        let s = with("service: {}", &["strategy.kubernetes.minReadySeconds=5"]).unwrap();
        assert!(matches!(&s.strategy, Strategy::Kubernetes(k) if k.min_ready == 5 * SECOND));
    }

    #[test]
    fn control_plane_profiles_and_errors() {
        assert!(yaml("service: {}\ncluster: {control_plane: ideal}").is_ok());
        let s = yaml("service: {}\ncluster: {control_plane: docker-20.10}").unwrap();
        assert_eq!(s.cluster.control_plane.profile, "docker-20.10");
        assert_eq!(
            lines(
                yaml("service: {}\ncluster: {control_plane: {stop_signal: 1s, strat: 1s}}")
                    .unwrap_err()
            ),
            [
                "scenarios/web.yaml: cluster.control_plane.strat: unknown field `strat`; did you mean `start`?"
            ]
        );
    }

    #[test]
    fn default_name_comes_from_the_origin() {
        let s = load_str("service: {}", "a/b/c.d.yaml", Format::Yaml, &[]).unwrap();
        assert_eq!(s.name, "c.d");
        let s = load_str("service: {}", "", Format::Yaml, &[]).unwrap();
        assert_eq!(s.name, "scenario");
        let e = yaml("name: a/b\nservice: {}").unwrap_err();
        assert_eq!(
            lines(e),
            [
                "scenarios/web.yaml: name: must be usable as a folder name (not empty, no `/` or `\\`)"
            ]
        );
    }

    mod no_panic {
        use super::CONTRACT_EXAMPLE;
        use crate::scenario::{Format, Override, SetBy, load_str};
        use proptest::prelude::*;
        use serde_json::Value;

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                "[a-z0-9.%]{0,8}".prop_map(Value::from),
                prop_oneof![
                    Just("never"),
                    Just("1s"),
                    Just("25%"),
                    Just("-1"),
                    Just("1.5s"),
                    Just("500m"),
                    Just("8Gi"),
                    Just("current"),
                    Just("next"),
                    Just("ideal"),
                ]
                .prop_map(Value::from),
            ];
            leaf.prop_recursive(4, 32, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                    prop::collection::vec((key(), inner), 0..4)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        /// Keys that exist somewhere in the schema, so random trees get past the first level.
        fn key() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                "name",
                "seed",
                "trials",
                "horizon",
                "cluster",
                "nodes",
                "node",
                "cpu",
                "memory",
                "image_cached",
                "service",
                "replicas",
                "versions",
                "current",
                "next",
                "pull",
                "uniform",
                "min",
                "max",
                "mixture",
                "weight",
                "dist",
                "lognormal",
                "median",
                "p99",
                "strategy",
                "swarm",
                "kubernetes",
                "rollingUpdate",
                "maxSurge",
                "maxUnavailable",
                "actions",
                "at",
                "rollout",
                "version",
                "healthcheck",
                "readinessProbe",
                "successThreshold",
                "empirical",
                "samples",
                "zzz",
            ])
            .prop_map(str::to_string)
        }

        /// Paths whose values are fuzzed through `--set`.
        fn path() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                "seed",
                "trials",
                "horizon",
                "cluster.nodes",
                "cluster.node.cpu",
                "cluster.node.memory",
                "cluster.image_cached",
                "cluster.control_plane",
                "service.replicas",
                "service.resources.cpu",
                "service.resources.memory",
                "service.stop_grace_period",
                "service.terminationGracePeriodSeconds",
                "service.versions.next.pull",
                "service.versions.next.crash_probability",
                "service.versions.next.capacity_rps",
                "service.versions.other",
                "service.healthcheck",
                "service.livenessProbe.successThreshold",
                "service.restart.condition",
                "strategy",
                "strategy.swarm.update_config",
                "strategy.kubernetes.strategy",
                "strategy.kubernetes.progressDeadlineSeconds",
                "strategy.kubernetes.strategy.rollingUpdate.maxSurge",
                "actions",
                "checks",
                "cluster.nodes.0",
                "actions.0.version",
            ])
            .prop_map(str::to_string)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            #[test]
            fn arbitrary_text_never_panics(text in any::<String>()) {
                let _ = load_str(&text, "x.yaml", Format::Yaml, &[]);
                let _ = load_str(&text, "x.json", Format::Json, &[]);
            }

            #[test]
            fn arbitrary_trees_never_panic(tree in json_value()) {
                let text = serde_json::to_string(&tree).unwrap();
                let _ = load_str(&text, "x.json", Format::Json, &[]);
            }

            #[test]
            fn arbitrary_overrides_never_panic(
                sets in prop::collection::vec((path(), json_value()), 1..4)
            ) {
                let sets: Vec<Override> = sets
                    .into_iter()
                    .map(|(path, v)| Override {
                        path,
                        value: serde_json::to_string(&v).unwrap(),
                        set_by: SetBy::Set,
                    })
                    .collect();
                let _ = load_str(CONTRACT_EXAMPLE, "x.yaml", Format::Yaml, &sets);
            }

            #[test]
            fn arbitrary_override_text_never_panics(arg in "[a-z.0-9]{0,20}=.{0,20}") {
                if let Ok(o) = arg.parse::<Override>() {
                    let _ = load_str("", "x.yaml", Format::Yaml, &[o]);
                }
            }
        }
    }
}
