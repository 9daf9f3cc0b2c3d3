//! `rollout-sim import` as a command, and manifests given where a scenario is expected:
//! bad and odd manifests exit 2 with a clear message and never panic, several scenarios
//! need a name or a folder, `--set` applies to the imported scenario, problems are
//! reported together, and every test manifest imports and runs.

use super::import::{deployment, import, import_error, k8s};
use crate::support::{bin, manifest};
use rollout_sim::scenario::{DeploymentStrategy, Format, IntOrPercent, load_str};
use rollout_sim::sim::time::SECOND;

#[test]
fn bad_manifests_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("notyaml.yaml", "a: [1, 2\n", "(file): invalid YAML"),
        (
            "nodeploy.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            "nothing to import (a Deployment, DaemonSet or StatefulSet of apps/v1, an Argo Rollout, a Flagger Canary or a compose service): found document 1 at line 1: ConfigMap c",
        ),
        // A compose file whose services are none (or only `x-` extensions) holds a
        // document: it is the services that are missing.
        (
            "noservices.yaml",
            "services: {}\n",
            "noservices.yaml: (file): nothing to import (a Deployment, DaemonSet or StatefulSet of apps/v1, an Argo Rollout, a Flagger Canary or a compose service): found document 1 at line 1: a compose file with no service under `services:`",
        ),
        (
            "extensions.yaml",
            "services:\n  x-common: {image: a}\n",
            "found document 1 at line 1: a compose file with no service under `services:`",
        ),
        (
            "comments.yaml",
            "# nothing here yet\n",
            "nothing to import (a Deployment, DaemonSet or StatefulSet of apps/v1, an Argo Rollout, a Flagger Canary or a compose service): the file holds no documents",
        ),
        (
            "nocontainers.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec: {containers: []}\n",
            "(Deployment d): spec.template.spec: the pod template has no containers",
        ),
        (
            "surge.yaml",
            &deployment("strategy:\n  rollingUpdate: {maxSurge: \"30\"}", ""),
            "(Deployment web): spec.strategy.rollingUpdate.maxSurge: invalid type: string is not a percentage, got \"30\"",
        ),
        ("list.yaml", "- 1\n- 2\n", "neither a Kubernetes object"),
        (
            "paused.yaml",
            &deployment("paused: true", ""),
            "(Deployment web): spec.paused: a paused Deployment does not roll out",
        ),
        // A number the reader cannot hold is named like any other bad value, in the
        // document it is in (here the second).
        (
            "nan.yaml",
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n---\n{}",
                deployment("minReadySeconds: .nan", "")
            ),
            "(Deployment web): spec.minReadySeconds: `.nan` (line ",
        ),
        (
            "inf.yaml",
            "services:\n  web:\n    image: web:2\n    deploy: {replicas: -.inf}\n",
            "inf.yaml: services.web.deploy.replicas: `-.inf` (line 4, column 24) is not a finite number",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = bin().arg("import").arg(&path).assert().code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn several_scenarios_need_a_name_or_a_directory() {
    let stack = manifest("compose-stack.yaml");
    let out = bin().args(["import", &stack]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("3 scenarios found (web, api, cache): pick one with --name NAME"),
        "{err}"
    );
    let out = bin()
        .args(["import", &stack, "--name", "api"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("name: api\n"), "{text}");
    let out = bin()
        .args(["import", &stack, "--name", "nope"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains(
            "--name nope: no such Deployment, DaemonSet, StatefulSet, Rollout, Canary or compose service (found "
        ),
        "{err}"
    );
    // A misspelt name is answered with the nearest one.
    let out = bin()
        .args(["import", &stack, "--name", "wbe"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("--name wbe: no such Deployment, DaemonSet, StatefulSet, Rollout, Canary or compose service; did you mean `web`? (found "),
        "{err}"
    );
}

/// import → the written file loads → `run` accepts it unchanged, for every test manifest
/// that holds something simulated.
#[test]
fn every_test_manifest_imports_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    for file in [
        "deployment-probes.yaml",
        "deployment-percent-surge.yaml",
        "deployment-recreate.yaml",
        "compose-stack.yaml",
    ] {
        // An existing directory takes `<name>.yaml` even for one scenario.
        let out = dir.path().join(file.trim_end_matches(".yaml"));
        std::fs::create_dir(&out).unwrap();
        bin()
            .args(["import", &manifest(file), "--out"])
            .arg(&out)
            .assert()
            .success();
        for entry in std::fs::read_dir(&out).unwrap() {
            written.push(entry.unwrap().path());
        }
    }
    let mut names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "api.yaml",
            "api.yaml",
            "cache.yaml",
            "web.yaml",
            "web.yaml",
            "worker.yaml"
        ]
    );
    assert_eq!(written.len(), 6);
    for path in &written {
        rollout_sim::scenario::load_file(path, &[]).unwrap_or_else(|e| panic!("{e}"));
        bin()
            .arg("run")
            .arg(path)
            .args(["--trials", "5", "-q", "--out"])
            .arg(dir.path().join("runs").join(path.file_name().unwrap()))
            .assert()
            .success();
    }
}

#[test]
fn run_takes_a_manifest_with_set_applied_to_the_imported_scenario() {
    let text = std::fs::read_to_string(manifest("deployment-percent-surge.yaml")).unwrap();
    let set = [
        "service.replicas=9",
        "strategy.kubernetes.minReadySeconds=3",
    ]
    .map(|s| s.parse().unwrap());
    let s = load_str(&text, "surge.yaml", Format::Yaml, &set).unwrap();
    assert_eq!((s.name.as_str(), s.service.replicas), ("api", 9));
    assert_eq!(k8s(&s).min_ready, 3 * SECOND);
    assert_eq!(
        k8s(&s).kind,
        DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(30),
            max_unavailable: IntOrPercent::Percent(10)
        }
    );
    // A file with several: refused with the way out.
    let stack = std::fs::read_to_string(manifest("compose-stack.yaml")).unwrap();
    let e = load_str(&stack, "stack.yaml", Format::Yaml, &[]).unwrap_err();
    assert!(
        e.to_string()
            .contains("holds 3 (compose service web, compose service api, compose service cache)"),
        "{e}"
    );
    // A scenario with `services:` misspelt is still a scenario.
    let e = load_str(
        "services: {a: {}}\ntrials: 3\n",
        "s.yaml",
        Format::Yaml,
        &[],
    )
    .unwrap_err();
    assert!(e.to_string().contains("did you mean `service`?"), "{e}");
}

#[test]
fn a_set_on_a_manifest_sizes_its_default_node_pool_after_the_set() {
    let text = std::fs::read_to_string(manifest("deployment-recreate.yaml")).unwrap();
    // Tasks of 2 cpu and 2Gi: two per default node (4 cpu, 8Gi); room for twice the replicas.
    let pool = |sets: &[&str]| {
        let sets: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
        let c = load_str(&text, "m.yaml", Format::Yaml, &sets)
            .unwrap_or_else(|e| panic!("{sets:?}: {e}"))
            .cluster;
        (c.nodes.len(), c.nodes[0].cpu_millis)
    };
    assert_eq!(pool(&[]), (3, 4_000));
    assert_eq!(pool(&["service.replicas=20"]), (20, 4_000));
    // A task larger than the default node grows the node, as the import does.
    assert_eq!(pool(&["service.resources.cpu=8"]), (3, 8_000));
    // What the user sets of the pool is theirs; the rest follows it (16 cpu and the
    // default 8Gi hold four tasks).
    assert_eq!(
        pool(&["service.replicas=20", "cluster.node.cpu=16"]),
        (10, 16_000)
    );
    assert_eq!(pool(&["service.replicas=4", "cluster.nodes=4"]), (4, 4_000));
    let refused = ["service.replicas=20", "cluster.nodes=3"].map(|s| s.parse().unwrap());
    assert!(load_str(&text, "m.yaml", Format::Yaml, &refused).is_err());
    // As a user runs it.
    let dir = tempfile::tempdir().unwrap();
    bin()
        .args(["run", &manifest("deployment-recreate.yaml")])
        .args([
            "--set",
            "service.replicas=20",
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
fn several_scenarios_into_an_out_file_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["x.yaml", "x.yml", "x.json"] {
        let out = dir.path().join(name);
        bin()
            .args(["import", &manifest("compose-stack.yaml"), "--out"])
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "3 scenarios found (web, api, cache)",
            ));
        assert!(!out.exists(), "{name}");
    }
}

#[test]
fn odd_manifests_are_errors_never_panics() {
    let odd = [
        "services: {web: }",
        "services: {web: 3}",
        "services: {web: {image: {a: [{b: [1]}]}}}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{image: [[[1]]]}]}}}",
        "services: {web: {deploy: {replicas: many}}}",
        "services: {web: {deploy: {resources: {reservations: {cpus: lots, memory: 2x}}}}}",
        "services: {web: {healthcheck: {interval: []}, networks: 3, ports: 80}}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: 3}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: 1",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: 1}}}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [1, {}]}}}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  strategy: {rollingUpdate: 5}\n  template: {spec: {containers: [{image: a, resources: {requests: {cpu: -1}}}]}}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: {a: 1}\n  template: {spec: {containers: [{image: a, lifecycle: {preStop: {sleep: {seconds: x}}}}]}}",
        "---\n---\n",
        "kind: Deployment",
    ];
    for text in odd {
        let problems = import_error(text);
        assert!(!problems.is_empty(), "{text}");
        // The same through the loader: an error, not a panic.
        assert!(
            load_str(text, "m.yaml", Format::Yaml, &[]).is_err(),
            "{text}"
        );
    }
}

/// Values the import cannot map and values the scenario loader refuses are reported in
/// one run, each at its manifest path: one round of fixes, not two. What the loader finds
/// at fields the import filled in itself is not shown beside mapping problems (it may only
/// follow from the values left out), and a last line says so.
#[test]
fn mapping_and_load_back_problems_are_reported_together() {
    let int = "expected an integer, as the API server requires (an int32 field; seconds are \
               whole), got";
    let text = deployment(
        "replicas: -3\nminReadySeconds: \"2s\"\nstrategy:\n  rollingUpdate: {maxSurge: \"30\"}",
        "readinessProbe: {periodSeconds: 2.5}",
    );
    let all = [
        format!("spec.minReadySeconds: {int} \"2s\""),
        format!("spec.template.spec.containers.0.readinessProbe.periodSeconds: {int} 2.5"),
        "spec.replicas: expected a non-negative integer, got -3".to_string(),
        "spec.strategy.rollingUpdate.maxSurge: invalid type: string is not a percentage, got \
         \"30\" (write a count as a bare number, `30`, or a percentage with `%`, \"30%\")"
            .to_string(),
    ];
    assert_eq!(import_error(&text), all);
    // The command prints them all, and `run` given the manifest too.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.yaml");
    std::fs::write(&file, &text).unwrap();
    for command in ["import", "run"] {
        let out = bin().arg(command).arg(&file).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        for line in &all {
            assert!(stderr.contains(line), "{command}: {line}\n{stderr}");
        }
    }
    // A pod template without containers leaves the service out: the replicas the manifest
    // gives are still checked, what the import filled in is not.
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
                replicas: -3\n  template:\n    spec: {containers: []}\n";
    assert_eq!(
        import_error(text),
        [
            "spec.template.spec: the pod template has no containers (`containers:` needs at \
             least one)",
            "spec.replicas: expected a non-negative integer, got -3",
        ]
    );
    // No `spec` at all: nothing the manifest says is left to check, and the scenario the
    // import filled in has a problem of its own, counted, not shown.
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";
    assert_eq!(
        import_error(text),
        [
            "(root): a Deployment needs a `spec` with its pod template",
            "(file): loaded back, the imported scenario has 1 more problem, at a field the \
             import filled in or left out because of the problems above: not shown, as it may \
             only follow from them (fix those and import again)",
        ]
    );
}

#[test]
fn integer_fields_are_integers_as_the_api_server_requires() {
    for (spec, container, path, got) in [
        (
            "minReadySeconds: \"2s\"",
            "",
            "spec.minReadySeconds",
            "\"2s\"",
        ),
        ("minReadySeconds: 2.5", "", "spec.minReadySeconds", "2.5"),
        (
            "progressDeadlineSeconds: \"600\"",
            "",
            "spec.progressDeadlineSeconds",
            "\"600\"",
        ),
        (
            "",
            "readinessProbe: {periodSeconds: 2.5}",
            "spec.template.spec.containers.0.readinessProbe.periodSeconds",
            "2.5",
        ),
        (
            "",
            "livenessProbe: {timeoutSeconds: \"5\"}",
            "spec.template.spec.containers.0.livenessProbe.timeoutSeconds",
            "\"5\"",
        ),
    ] {
        let e = import_error(&deployment(spec, container));
        assert_eq!(
            e,
            [format!(
                "{path}: expected an integer, as the API server requires (an int32 field; \
                 seconds are whole), got {got}"
            )]
        );
    }
    let (s, _) = import(&deployment(
        "minReadySeconds: 2",
        "readinessProbe: {periodSeconds: 3}",
    ));
    assert_eq!(k8s(&s).min_ready, 2 * SECOND);
}

/// An import never replaces a file holding other text (a hand-edited scenario of the same
/// name) unless `--force`; writing the same text again is allowed, and `--out DIR/` names
/// a folder before it exists.
#[test]
fn an_import_never_replaces_a_file_it_did_not_write_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = format!("{}/new/", tmp.path().display());
    let import = |extra: &[&str]| {
        let mut cmd = bin();
        cmd.args(["import", &manifest("compose-stack.yaml"), "--out", &folder])
            .args(extra);
        cmd.assert()
    };
    import(&[]).success();
    let web = tmp.path().join("new/web.yaml");
    let imported = std::fs::read_to_string(&web).unwrap();
    import(&[]).success(); // the same text again
    std::fs::write(&web, format!("{imported}# tuned by hand\n")).unwrap();
    let api_before = std::fs::read(tmp.path().join("new/api.yaml")).unwrap();
    std::fs::remove_file(tmp.path().join("new/api.yaml")).unwrap();
    let out = import(&[]).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("web.yaml already exists with other content"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    // Nothing was written: the hand edit stays, the removed file is not back.
    assert!(
        std::fs::read_to_string(&web)
            .unwrap()
            .ends_with("# tuned by hand\n")
    );
    assert!(!tmp.path().join("new/api.yaml").exists());
    import(&["--force"]).success();
    assert_eq!(std::fs::read_to_string(&web).unwrap(), imported);
    assert_eq!(
        std::fs::read(tmp.path().join("new/api.yaml")).unwrap(),
        api_before
    );
    // One scenario into a folder named with a trailing slash.
    let one = format!("{}/one/", tmp.path().display());
    bin()
        .args(["import", &manifest("deployment-probes.yaml"), "--out", &one])
        .assert()
        .success();
    assert!(tmp.path().join("one/web.yaml").is_file());
}

/// An import that fails still tells what it skipped and what it left out, before its
/// problems, as one that succeeds tells them: a `--name` whose Deployment is of another
/// apiVersion, or a problem that may follow from a field left out, is explained. A manifest
/// given to `run` tells what it left out too. Nothing is written, nothing on stdout.
#[test]
fn a_failed_import_still_tells_what_it_skipped_and_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("k8s.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n\
         apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: api}\n---\n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: -3\n  \
         template:\n    spec:\n      containers:\n      - name: app\n        image: web:1\n        \
         env: [{name: A, value: b}]\n",
    )
    .unwrap();
    let stderr = |args: &[&str]| {
        let out = bin().current_dir(dir).args(args).assert().code(2);
        assert!(out.get_output().stdout.is_empty());
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    let skipped = "skipped: k8s.yaml: document 1 at line 1: Service web\nskipped: k8s.yaml: document 2 at line 4: \
                   Deployment api (apiVersion extensions/v1beta1: only apps/v1 is read)\n";
    let left_out = "not simulated: k8s.yaml (Deployment web): spec.template.spec.containers.0.env: \
                    no scenario field says this\n";
    let refused = "error: k8s.yaml (Deployment web): spec.replicas: expected a non-negative \
                   integer, got -3\n";
    assert_eq!(
        stderr(&["import", "k8s.yaml", "--out", "web.yaml"]),
        format!("{skipped}{left_out}{refused}")
    );
    assert_eq!(
        stderr(&["import", "k8s.yaml", "--name", "api", "--out", "web.yaml"]),
        format!(
            "{skipped}error: --name api: no such Deployment, DaemonSet, StatefulSet, Rollout, Canary or \
             compose service (found Deployment web)\n"
        )
    );
    assert!(!dir.join("web.yaml").exists());
    assert_eq!(
        stderr(&["run", "k8s.yaml", "--out", "out"]),
        format!("{left_out}{refused}")
    );
    assert!(!dir.join("out").exists());
}
