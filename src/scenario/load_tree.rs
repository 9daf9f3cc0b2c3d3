//! From the generic tree to a checked [`Scenario`]: `--set` overrides applied (an
//! imported tree's node pool resized for them), the tree converted with the defaults its
//! origin gives (name, directory of relative files), the checks across fields, each
//! problem blamed on the `--set` it comes from, and every value of a sweep checked.

use super::convert;
use super::error::Problem;
use super::feasibility;
use super::limits;
use super::model::Scenario;
use super::overrides::{Override, SetBy};
use super::walk::{Ctx, Node};
use serde_json::Value;
use std::path::Path;

/// A `--set` of a field an earlier `--set` already set: the last value would silently win
/// (`compare a.yaml b.yaml --set order=start-first --set order=stop-first` compared two
/// stop-first rollouts).
fn repeated_sets(overrides: &[Override]) -> Vec<Problem> {
    let user = |o: &&Override| o.set_by == SetBy::Set;
    overrides
        .iter()
        .enumerate()
        .filter(|(_, o)| user(o))
        .filter_map(|(i, o)| {
            let first = overrides[..i]
                .iter()
                .filter(user)
                .find(|e| e.path == o.path)?;
            Some(Problem::new(
                o.path.clone(),
                format!(
                    "--set twice: `{}`, then `{}`; the last would silently win. Give each \
                     field once",
                    first.value, o.value
                ),
            ))
        })
        .collect()
}

/// What a tree was read from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Read<'t> {
    /// This YAML or JSON text (JSON is YAML's flow syntax, which [`super::written`] reads
    /// too): a message may quote a value as it is written there, such as a number past
    /// 2⁶⁴, which the tree holds as the nearest float.
    Text(&'t str),
    /// A scenario the import rendered (its values are the manifest's as the tree holds
    /// them, not as the manifest writes them): nothing is quoted.
    Unquoted,
    /// A manifest imported on the fly: its default node pool is sized after `--set`, and
    /// its fields are not the text's.
    Manifest,
}

/// `tree` (`read` from its file) with `overrides` applied, converted and checked: the
/// scenario (with defaults where the file is wrong) and every problem found. An imported
/// tree's default node pool is sized for the service the overrides leave.
pub(super) fn convert_tree(
    tree: &Value,
    origin: &str,
    overrides: &[Override],
    read: Read,
) -> (Scenario, Vec<Problem>) {
    let mut tree = tree.clone();
    let mut problems = apply_overrides(&mut tree, overrides, matches!(read, Read::Manifest));

    let origin_path = Path::new(origin);
    let base_dir = origin_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The name before its extension, as `Format::from_path` reads it: a file named only
    // `.yaml` has none (the default then, rather than a hidden `outputs/.yaml`).
    let default_name = origin_path
        .file_name()
        .and_then(|s| s.to_str())
        .map(|n| n.rsplit_once('.').map_or(n, |(stem, _)| stem))
        .filter(|s| !s.is_empty())
        .unwrap_or("scenario");
    let ctx = match read {
        Read::Text(text) => Ctx::new(base_dir).with_text(text, overrides),
        Read::Unquoted | Read::Manifest => Ctx::new(base_dir),
    };
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

/// Applies `overrides` to `tree`: the problems of those that cannot be applied and of a
/// field set twice. An `imported` tree's default node pool is sized again for the service
/// they leave (see [`super::import::resize_pool`]). `run` applies them on load, `import
/// --set` before it writes the scenario.
pub(super) fn apply_overrides(
    tree: &mut Value,
    overrides: &[Override],
    imported: bool,
) -> Vec<Problem> {
    let mut problems: Vec<Problem> = overrides
        .iter()
        .filter_map(|o| o.apply(tree).err())
        .collect();
    problems.extend(repeated_sets(overrides));
    if imported && !overrides.is_empty() {
        super::import::resize_pool(tree, overrides);
    }
    problems
}

/// Every value of every swept field, checked as `--set PATH=VALUE` on the file (`read`
/// as it was) without its `sweep` block: problems are reported under `sweep.PATH`.
pub(super) fn check_sweep(
    tree: &Value,
    origin: &str,
    overrides: &[Override],
    read: Read,
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
            let (_, found) = convert_tree(&base, origin, &with, read);
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

/// Says which `--set` a problem comes from, when the user might not see it in the file.
/// A swept value is not named: the sweep reports which of its values a problem is from.
pub(super) fn blame_overrides(mut p: Problem, overrides: &[Override]) -> Problem {
    // An unknown field of a path typed on the command line is most often a section left
    // out: say where the field is.
    if p.message.starts_with("unknown field") {
        let mut meant: Vec<String> = Vec::new();
        for path in overrides
            .iter()
            .filter(|o| o.caused(&p))
            .flat_map(|o| o.meant())
        {
            if !meant.contains(&path) {
                meant.push(path);
            }
        }
        if !meant.is_empty() {
            let at: Vec<String> = meant.iter().map(|m| format!("`{m}`")).collect();
            p.message = format!(
                "{} (the schema has the field at {})",
                p.message,
                at.join(" or ")
            );
        }
    }
    let blamed: Vec<&Override> = overrides
        .iter()
        .filter(|o| o.set_by == SetBy::Set && o.caused(&p))
        .collect();
    // A value read otherwise than written (an integer past 64 bits, read as a float) is
    // echoed as the user wrote it: `got 18446744073709551616`, not `got 1.84e19`.
    for o in &blamed {
        if let Some((shown, typed)) = o.respelled().filter(|_| o.path.replace('"', "") == p.path)
            && let Some(at) = p.message.rfind(&format!("got {shown}"))
        {
            let end = at + "got ".len() + shown.len();
            p.message.replace_range(at + "got ".len()..end, typed);
        }
    }
    let blamed: Vec<String> = blamed.iter().map(|o| format!("--set {o}")).collect();
    if !blamed.is_empty() {
        p.message = format!("{} (from {})", p.message, blamed.join(", "));
    }
    p
}

#[cfg(test)]
mod tests {
    use crate::scenario::Dist;
    use crate::scenario::load::tests::{CONTRACT_EXAMPLE, lines, with, yaml};
    use crate::scenario::load::{Format, load_file, load_str};
    use crate::scenario::model::*;
    use crate::sim::time::SECOND;

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

    /// `--set seed=18446744073709551616` is 2⁶⁴, one past u64: YAML reads it as a float,
    /// `1.8446744073709552e19`, which is not what the user typed. Every such value is
    /// echoed as typed, also one the float cannot tell apart from 2⁶⁴ (…617) and one
    /// whose float prints otherwise (10²⁰ as twenty-one digits).
    #[test]
    fn an_integer_past_64_bits_is_echoed_as_typed() {
        for typed in [
            "18446744073709551616",
            "18446744073709551617",
            "100000000000000000000",
        ] {
            let e = with("service: {}", &[&format!("seed={typed}")]).unwrap_err();
            assert_eq!(
                lines(e),
                [format!(
                    "scenarios/web.yaml: seed: expected a whole number from 0 to 18446744073709551615, got {typed} (from --set seed={typed})"
                )]
            );
        }
        // A limit of the field's own, and a value that fits, as before.
        let e = with("service: {}", &["service.replicas=99999999999999999999"]).unwrap_err();
        assert!(lines(e)[0].contains("got 99999999999999999999 (from --set"));
        let e = with("service: {}", &["seed=1e30"]).unwrap_err();
        assert!(lines(e)[0].contains("got 1e30 (from --set seed=1e30)"));
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
    fn an_override_with_a_section_left_out_says_where_the_field_is() {
        let e = with("service: {}", &["strategy.swarm.parallelism=4"]).unwrap_err();
        assert_eq!(
            lines(e),
            [
                "scenarios/web.yaml: strategy.swarm.parallelism: unknown field `parallelism`; expected one of `update_config`, `rollback_config` (the schema has the field at `strategy.swarm.update_config.parallelism` or `strategy.swarm.rollback_config.parallelism`) (from --set strategy.swarm.parallelism=4)"
            ]
        );
        // The Deployment's `spec.strategy.rollingUpdate`, with `strategy` left out.
        let e = with(
            "service: {}\nstrategy: {kubernetes: {}}",
            &["strategy.kubernetes.rollingUpdate.maxSurge=2"],
        )
        .unwrap_err();
        assert!(lines(e)[0].contains(
            "(the schema has the field at `strategy.kubernetes.strategy.rollingUpdate.maxSurge`)"
        ),);
        // A name no section has is not placed: not even as a version's name under
        // `service.versions`, which takes any name.
        let e = with("service: {}", &["service.foo=1"]).unwrap_err();
        assert!(!lines(e)[0].contains("the schema has"));
    }

    #[test]
    fn a_kubernetes_override_on_a_swarm_scenario_names_the_conflict() {
        let e = with(CONTRACT_EXAMPLE, &["strategy.kubernetes.minReadySeconds=5"]).unwrap_err();
        assert_eq!(
            lines(e),
            [
                "scenarios/web.yaml: strategy: give exactly one of `swarm`, `kubernetes`, `canary`, `blueGreen`, `flagger`, `daemonSet`, `statefulSet`; got both (from --set strategy.kubernetes.minReadySeconds=5)"
            ]
        );
        // Without a strategy in the file, the same override chooses Kubernetes.
        let s = with("service: {}", &["strategy.kubernetes.minReadySeconds=5"]).unwrap();
        assert!(matches!(&s.strategy, Strategy::Kubernetes(k) if k.min_ready == 5 * SECOND));
    }
    #[test]
    fn a_strategy_choosing_no_controller_is_one_problem() {
        // Fields, an action and a fault only a Kubernetes strategy takes: with no
        // controller chosen, Swarm's defaults stood in and refused each of them too.
        let k8s = "service: {tolerations: [], readinessProbe: {}}\n\
                   strategy: {kubernetes: {}}\n\
                   actions: [{at: 1m, rollout: pause}]\n\
                   faults: {eviction_after: 10s}\n";
        assert!(with(k8s, &[]).is_ok());
        let controllers =
            "`swarm`, `kubernetes`, `canary`, `blueGreen`, `flagger`, `daemonSet`, `statefulSet`";
        for (set, got) in [
            ("strategy=null", "none"),
            ("strategy={}", "none"),
            ("strategy.swarm=null", "both"),
        ] {
            assert_eq!(
                lines(with(k8s, &[set]).unwrap_err()),
                [format!(
                    "scenarios/web.yaml: strategy: give exactly one of {controllers}; got {got} (from --set {set})"
                )]
            );
        }
        assert_eq!(
            lines(with(k8s, &["strategy=3"]).unwrap_err()),
            [format!(
                "scenarios/web.yaml: strategy: expected a map with fields {controllers}, got 3 (from --set strategy=3)"
            )]
        );
        // A whole section set to null is that section with every default, as `service:`
        // with nothing under it is.
        let s = with(
            k8s,
            &["service=null", "cluster=null", "strategy.kubernetes=null"],
        )
        .unwrap();
        assert_eq!(s.service.replicas, 1);
        assert!(matches!(s.strategy, Strategy::Kubernetes(_)));
        let s = with("service: {replicas: 3}", &["strategy.swarm=null"]).unwrap();
        assert!(matches!(s.strategy, Strategy::Swarm(_)));
    }

    #[test]
    fn default_name_comes_from_the_origin() {
        let s = load_str("service: {}", "a/b/c.d.yaml", Format::Yaml, &[]).unwrap();
        assert_eq!(s.name, "c.d");
        let s = load_str("service: {}", "", Format::Yaml, &[]).unwrap();
        assert_eq!(s.name, "scenario");
        // A file named only an extension (read when named) has no name of its own: its
        // runs went to the hidden folder `outputs/.yaml`.
        let s = load_str("service: {}", "s/.yaml", Format::Yaml, &[]).unwrap();
        assert_eq!(s.name, "scenario");
        let e = yaml("name: a/b\nservice: {}").unwrap_err();
        assert_eq!(
            lines(e),
            [
                "scenarios/web.yaml: name: must be usable as a folder name (not empty, not `.` \
                 or `..`, at most 227 bytes, no `/` or `\\`, no NUL or control characters such \
                 as a newline)"
            ]
        );
    }
}
