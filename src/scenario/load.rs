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
//! The stages live beside this file: `format.rs` reads the text into the tree
//! ([`Format`]), `load_tree.rs` applies the overrides, converts and checks the tree (and
//! every value of a sweep), and [`super::import`] reads manifests on the fly.
//!
//! ```
//! use rollout_sim::scenario::{Format, Override, load_str};
//!
//! let set: Override = "service.replicas=6".parse().unwrap();
//! let s = load_str("name: web\nservice: {replicas: 3}", "web.yaml", Format::Yaml, &[set]).unwrap();
//! assert_eq!((s.name.as_str(), s.service.replicas, s.trials), ("web", 6, 1000));
//! ```

use super::error::ScenarioError;
use super::format::parse;
use super::limits::MAX_SCENARIO_BYTES;
use super::load_tree::{Read, check_sweep, convert_tree};
use super::model::Scenario;
use super::overrides::Override;
use super::user_file;
use std::path::Path;

pub use super::format::Format;

/// Reads, overrides and validates the scenario file at `path`.
pub fn load_file(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let origin = path.display().to_string();
    let meta = std::fs::metadata(path);
    // What the path is comes before its name: a folder (`run outputs/web`, the results
    // of a run) or a device (`/dev/null`) is no file of the wrong type.
    if let Ok(meta) = &meta
        && !meta.is_file()
    {
        let message = if meta.is_dir() {
            format!(
                "`{origin}` is a folder, not a scenario file: give a file ending in .yaml, \
                 .yml or .json"
            )
        } else {
            format!(
                "`{origin}` is {}, not a regular file: a scenario file ending in .yaml, .yml \
                 or .json is read",
                user_file::kind(&meta.file_type())
            )
        };
        return Err(ScenarioError::file(&origin, message));
    }
    let Some(format) = Format::from_path(path) else {
        // A path with no extension that leads nowhere is told missing (`check typo/`
        // names a missing folder, `run scenarios/web` a missing file), not a file of the
        // wrong type.
        let message = match meta {
            Err(e) if path.extension().is_none() => format!("cannot read `{origin}`: {e}"),
            _ => "unknown file type: a scenario file ends in .yaml, .yml or .json".into(),
        };
        return Err(ScenarioError::file(&origin, message));
    };
    let bytes =
        user_file::read(path, MAX_SCENARIO_BYTES).map_err(|m| ScenarioError::file(&origin, m))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| ScenarioError::file(&origin, format!("not UTF-8 text: {e}")))?;
    // A byte-order mark is no part of the text: YAML readers skip it, JSON's would not.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    load_str(text, &origin, format, overrides)
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
    let (tree, read) = match super::import::scenario_tree(text, origin, format) {
        Some(tree) => (tree?, Read::Manifest),
        None => (
            parse(text, format).map_err(|p| ScenarioError {
                origin: origin.to_string(),
                problems: vec![p],
            })?,
            Read::Text(text),
        ),
    };
    // The results a command wrote, given where their scenario is expected (`report
    // outputs/web/summary.json`): one problem saying so, not one per key they hold.
    if let serde_json::Value::Object(map) = &tree
        && let Some(r) = crate::output::replaceable::results_of(map)
    {
        return Err(ScenarioError::file(
            origin,
            format!(
                "not a scenario: this is the {} an earlier {} of the scenario `{}` wrote \
                 (seed {}, {} trials); give the scenario file it was made from",
                r.file,
                r.command(),
                r.scenario,
                r.seed,
                r.trials
            ),
        ));
    }
    let (scenario, mut problems) = convert_tree(&tree, origin, overrides, read);
    if problems.is_empty() && !scenario.sweep.is_empty() {
        problems.extend(check_sweep(&tree, origin, overrides, read, &scenario.sweep));
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

/// The problems of the scenario `text` (YAML) an import rendered, as [`load_str`] finds
/// them in a file (named `origin`), but quoting no value as the text writes it: the text
/// writes the manifest's values as the tree holds them (`1.0` for a manifest's `01`).
pub(super) fn rendered_problems(text: &str, origin: &str) -> Vec<super::error::Problem> {
    match parse(text, Format::Yaml) {
        Ok(tree) => convert_tree(&tree, origin, &[], Read::Unquoted).1,
        Err(problem) => vec![problem],
    }
}

#[cfg(test)]
#[path = "load_no_panic.rs"]
mod no_panic;

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::scenario::Dist;
    use crate::scenario::model::*;
    use crate::sim::time::{MILLISECOND, SECOND};

    pub(in crate::scenario) fn yaml(text: &str) -> Result<Scenario, ScenarioError> {
        load_str(text, "scenarios/web.yaml", Format::Yaml, &[])
    }

    pub(in crate::scenario) fn with(text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
        let sets: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        load_str(text, "scenarios/web.yaml", Format::Yaml, &sets)
    }

    pub(in crate::scenario) fn lines(e: ScenarioError) -> Vec<String> {
        e.to_string().lines().map(str::to_string).collect()
    }

    /// The full scenario example of the README, less what is not modelled yet.
    pub(in crate::scenario) const CONTRACT_EXAMPLE: &str = r#"
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
        assert_eq!(s.service.readiness_probe, None, "a Kubernetes field");
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
        let s = yaml("service:\n  healthcheck:\nstrategy:\n  swarm:\n").unwrap();
        assert_eq!(s.service.healthcheck, Some(HealthCheck::default()));
        // A Pod's probe is not a section of ours: written null it is none, as Kubernetes
        // reads JSON null into a nil `*Probe`; `{}` is every default.
        let s = yaml("service:\n  livenessProbe:\nstrategy:\n  kubernetes:\n").unwrap();
        assert_eq!(s.service.liveness_probe, None);
        let s = yaml("service:\n  livenessProbe: {}\nstrategy:\n  kubernetes:\n").unwrap();
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
                "scenarios/web.yaml: trials: expected a whole number from 1 to 10000000 (see \
                 \"Limits\" in the README), got 0",
                "scenarios/web.yaml: strategy.swarm.update_config.order: unknown value `first`; expected one of `stop-first`, `start-first`",
            ]
        );
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

    /// A path with no extension that leads nowhere is missing: `check typo/` or `run
    /// scenarios/web` names no file of the wrong type, and saying "unknown file type" would
    /// send the user after the extension rather than the path.
    #[test]
    fn a_missing_path_without_an_extension_is_told_missing() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["typo", "typo/"] {
            let e = load_file(&dir.path().join(name), &[]).unwrap_err();
            assert_eq!(e.problems[0].path, "(file)");
            let m = &e.problems[0].message;
            assert!(m.starts_with("cannot read `"), "{name}: {m}");
        }
        // A folder or a device is told as such, whatever its name.
        for (path, said) in [
            (
                dir.path().to_path_buf(),
                "is a folder, not a scenario file: give a file ending",
            ),
            (dir.path().join("."), "is a folder, not a scenario file"),
        ] {
            let e = load_file(&path, &[]).unwrap_err();
            assert!(e.problems[0].message.contains(said), "{e}");
        }
        std::fs::create_dir(dir.path().join("web.yaml")).unwrap();
        let e = load_file(&dir.path().join("web.yaml"), &[]).unwrap_err();
        assert!(
            e.problems[0]
                .message
                .contains("is a folder, not a scenario file"),
            "{e}"
        );
        #[cfg(unix)]
        {
            let e = load_file(Path::new("/dev/null"), &[]).unwrap_err();
            assert_eq!(
                e.problems[0].message,
                "`/dev/null` is a device, not a regular file: a scenario file ending in .yaml, \
                 .yml or .json is read"
            );
        }
        // A file that is there keeps the message about its extension.
        let p = dir.path().join("notes.txt");
        std::fs::write(&p, "").unwrap();
        let e = load_file(&p, &[]).unwrap_err();
        assert!(
            e.problems[0].message.starts_with("unknown file type"),
            "{e}"
        );
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
}
