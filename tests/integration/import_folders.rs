//! `rollout-sim import DIR`: a folder stands for its .json, .yaml and .yml files (not its
//! subfolders), sorted by name, each imported as if given by itself; one file given twice
//! (by two paths, or also in a folder given) is refused naming both.

use super::import_files::{
    BROKEN, BROKEN_LINE, DEPLOYMENT_BAD, DEPLOYMENT_GOOD, DEPLOYMENT_LINES, in_order, refused,
    write,
};
use crate::entries;
use crate::support::bin;
use std::fs;
use std::path::Path;

/// A Deployment named `name`.
fn deployment(name: &str) -> String {
    DEPLOYMENT_GOOD.replace("name: shop", &format!("name: {name}"))
}

/// Runs `import` with `args` in `dir`, expecting success; its stderr.
fn imported(dir: &Path, args: &[&str]) -> String {
    super::import_files::imported(dir, args).1
}

/// A folder of manifests: `zeta.yaml`, `api.yml`, `web.json`, a README and a subfolder
/// holding one more Deployment, which is not read.
fn k8s(dir: &Path) {
    fs::create_dir_all(dir.join("k8s/sub")).unwrap();
    let json = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "web:1"}]}}}}"#;
    write(
        dir,
        &[
            ("k8s/zeta.yaml", deployment("zeta").as_bytes()),
            ("k8s/api.yml", deployment("api").as_bytes()),
            ("k8s/web.json", json.as_bytes()),
            ("k8s/README.md", b"# manifests\n"),
            ("k8s/sub/deep.yaml", deployment("deep").as_bytes()),
        ],
    );
}

#[test]
fn a_folder_imports_its_manifests_in_name_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    k8s(dir);
    imported(dir, &["k8s/", "--out", "out/"]);
    assert_eq!(
        entries(&dir.join("out")),
        ["api.yaml", "web.yaml", "zeta.yaml"]
    );
    let api = fs::read_to_string(dir.join("out/api.yaml")).unwrap();
    assert!(
        api.contains("from k8s/api.yml (Deployment api)"),
        "the file inside the folder is named:\n{api}"
    );
    // The order is the names', whatever the folder's: told where it shows.
    let err = refused(dir, &["k8s"]);
    assert_eq!(
        err,
        "error: 3 scenarios found (api, web, zeta): pick one with --name NAME, or give --out \
         DIR for one file each\n"
    );
}

/// A manifest's extension is matched in any case, as a file given by name is read:
/// `WEB.YAML`, `api.Yml` and `db.JSON` in a folder are imported (kubectl would skip them,
/// but `import WEB.YAML` reads it, and a folder stands for the files it would read).
#[test]
fn a_folder_reads_extensions_in_any_case() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let json = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "db"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "db:1"}]}}}}"#;
    fs::create_dir(dir.join("k8s")).unwrap();
    write(
        dir,
        &[
            ("k8s/WEB.YAML", deployment("web").as_bytes()),
            ("k8s/api.Yml", deployment("api").as_bytes()),
            ("k8s/db.JSON", json.as_bytes()),
        ],
    );
    let told = imported(dir, &["k8s", "--out", "out/"]);
    assert_eq!(
        entries(&dir.join("out")),
        ["api.yaml", "db.yaml", "web.yaml"]
    );
    in_order(
        &told,
        &[
            "wrote out/web.yaml from k8s/WEB.YAML (Deployment web)",
            "wrote out/api.yaml from k8s/api.Yml (Deployment api)",
            "wrote out/db.yaml from k8s/db.JSON (Deployment db)",
        ],
    );
}

#[test]
fn a_folder_mixes_with_files_as_if_its_files_were_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    k8s(dir);
    write(dir, &[("shop.yaml", DEPLOYMENT_GOOD.as_bytes())]);
    imported(dir, &["shop.yaml", "k8s", "--out", "out"]);
    assert_eq!(
        entries(&dir.join("out")),
        ["api.yaml", "shop.yaml", "web.yaml", "zeta.yaml"]
    );
    // One name in the folder and in a file: the file inside the folder is named.
    write(dir, &[("api.yaml", deployment("api").as_bytes())]);
    let err = refused(dir, &["api.yaml", "k8s/", "--out", "out2/"]);
    assert_eq!(
        err,
        "error: two scenarios are named `api` (api.yaml (Deployment api) and k8s/api.yml \
         (Deployment api)): import the files one at a time\n"
    );
    // A file of the folder is an input: --out may not replace it.
    // (Told alone: `--force` would not lift it, so it is not offered.)
    let err = refused(dir, &["k8s", "--name", "api", "--out", "k8s/api.yml"]);
    assert_eq!(
        err,
        "error: --out k8s/api.yml: that is an input of this command (a file to import: \
         k8s/api.yml); writing there would replace it: name another file\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("k8s/api.yml")).unwrap(),
        deployment("api")
    );
    assert!(!dir.join("out2").exists());
}

#[test]
fn a_folder_with_no_manifest_is_a_problem_told_in_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir_all(dir.join("empty/sub.yaml")).unwrap();
    write(
        dir,
        &[
            ("empty/notes.txt", b"none here\n"),
            ("shop.yaml", DEPLOYMENT_GOOD.as_bytes()),
            ("broken.yaml", BROKEN.as_bytes()),
        ],
    );
    let no_manifest = "empty/: no .json, .yaml or .yml file in this folder (its subfolders are \
                       not read, as `kubectl apply -f` without -R reads none)";
    assert_eq!(refused(dir, &["empty/"]), format!("error: {no_manifest}\n"));
    // Beside good files nothing is written; beside bad ones, in file order.
    assert_eq!(
        refused(dir, &["shop.yaml", "empty/", "--out", "shop-out.yaml"]),
        format!("error: {no_manifest}\n")
    );
    assert!(!dir.join("shop-out.yaml").exists());
    let err = refused(dir, &["empty/", "broken.yaml"]);
    in_order(&err, &[no_manifest, &format!("broken.yaml: {BROKEN_LINE}")]);
}

#[test]
fn a_bad_file_in_a_folder_is_told_with_the_others_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("k8s")).unwrap();
    write(
        dir,
        &[
            ("k8s/a-shop.yaml", DEPLOYMENT_GOOD.as_bytes()),
            ("k8s/b-broken.yaml", BROKEN.as_bytes()),
            ("k8s/c-api.yaml", DEPLOYMENT_BAD.as_bytes()),
            ("k8s/d-latin1.yml", b"services: {caf\xe9: {}}\n"),
        ],
    );
    let err = refused(dir, &["missing-before.yaml", "k8s", "--out", "out/"]);
    let api = DEPLOYMENT_LINES.map(|l| format!("k8s/c-api.yaml{}", &l["api.yaml".len()..]));
    in_order(
        &err,
        &[
            "missing-before.yaml: (file): cannot read `missing-before.yaml`",
            &format!("k8s/b-broken.yaml: {BROKEN_LINE}"),
            &api[0],
            &api[1],
            "k8s/d-latin1.yml: (file): not UTF-8 text",
        ],
    );
    assert!(!err.contains("shop"), "{err}");
    assert!(!dir.join("out").exists());
}

#[test]
fn one_file_given_twice_is_refused_naming_both_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    k8s(dir);
    write(
        dir,
        &[
            ("shop.yaml", DEPLOYMENT_GOOD.as_bytes()),
            ("broken.yaml", BROKEN.as_bytes()),
        ],
    );
    let twice =
        |a: &str, b: &str| format!("error: {a} and {b} are the same file: give each file once\n");
    for (a, b) in [("shop.yaml", "shop.yaml"), ("shop.yaml", "./shop.yaml")] {
        assert_eq!(refused(dir, &[a, b, "--out", "out/"]), twice(a, b));
    }
    assert_eq!(
        refused(dir, &["k8s", "k8s/api.yml", "--out", "out/"]),
        twice("k8s/api.yml (in the folder k8s)", "k8s/api.yml")
    );
    assert_eq!(
        refused(dir, &["k8s/", "./k8s", "--out", "out/"]),
        "error: k8s/ and ./k8s are the same folder: give each folder once\n"
    );
    // Read once, so its problems are told once, in the first one's place, with the rest.
    let err = refused(dir, &["broken.yaml", "shop.yaml", "./broken.yaml"]);
    in_order(
        &err,
        &[
            &format!("broken.yaml: {BROKEN_LINE}"),
            "broken.yaml and ./broken.yaml are the same file: give each file once",
        ],
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("shop.yaml", dir.join("link.yaml")).unwrap();
        assert_eq!(
            refused(dir, &["link.yaml", "shop.yaml"]),
            twice("link.yaml", "shop.yaml")
        );
    }
    assert!(!dir.join("out").exists());
}

/// A scenario written into a folder of manifests given would break `kubectl apply -f` on
/// that folder (a scenario has no `apiVersion` or `kind`): refused before anything is
/// written, `--force` or not, whether `--out` names the folder or a file in it; an input
/// that `--out` would replace is told as an input alone.
#[test]
fn a_scenario_is_never_written_into_a_folder_of_manifests_given() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    k8s(dir);
    let told = |out: &str, name: &str| {
        format!(
            "--out {out}: the scenario `{name}` would be written to k8s/{name}.yaml, in k8s, a \
             folder of manifests given to this import: `kubectl apply -f k8s` would then read \
             it as a manifest and fail: choose another --out"
        )
    };
    // `zeta` would replace its own manifest, k8s/zeta.yaml: told as an input.
    let err = refused(dir, &["k8s", "--out", "k8s", "--force"]);
    let zeta = "--out k8s: the scenario `zeta` would be written to k8s/zeta.yaml, which is an \
                input of this command (a file to import: k8s/zeta.yaml), and would replace it: \
                choose another --out folder";
    let expected = [zeta.to_string(), told("k8s", "api"), told("k8s", "web")];
    assert_eq!(err, format!("error: {}\n", expected.join("\n")));
    let err = refused(dir, &["k8s", "--name", "web", "--out", "k8s/web.yaml"]);
    assert_eq!(err, format!("error: {}\n", told("k8s/web.yaml", "web")));
    assert_eq!(
        entries(&dir.join("k8s")),
        ["README.md", "api.yml", "sub", "web.json", "zeta.yaml"]
    );
}

/// A successful import into files ends by naming each file written and where its scenario
/// came from, as `run` ends with its results' folder.
#[test]
fn an_import_names_the_files_it_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    k8s(dir);
    let err = imported(dir, &["k8s", "--out", "out/"]);
    in_order(
        &err,
        &[
            "wrote out/api.yaml from k8s/api.yml (Deployment api)",
            "wrote out/web.yaml from k8s/web.json (Deployment web)",
            "wrote out/zeta.yaml from k8s/zeta.yaml (Deployment zeta)",
        ],
    );
    assert!(err.ends_with("(Deployment zeta)\n"), "{err}");
}

/// A file named only an extension (`.yaml`) in a folder is read by no command (`import`,
/// `check`, `lint`): a hidden file with no name is a tool's leftover more likely than a
/// manifest or a scenario. `import` says so, since `kubectl apply -f DIR` would read it.
/// Named on the command line, it is read by every command, `run` too (it was "unknown file
/// type" to all but `import`).
#[test]
fn a_file_named_only_an_extension_is_read_when_named_not_in_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("k8s")).unwrap();
    fs::create_dir(dir.join("s")).unwrap();
    write(
        dir,
        &[
            ("k8s/.yaml", deployment("hidden").as_bytes()),
            ("k8s/api.yml", deployment("api").as_bytes()),
        ],
    );
    let told = imported(dir, &["k8s", "--out", "out/"]);
    assert_eq!(
        told,
        "skipped: k8s/.yaml: in a folder, a file named only an extension is not read \
         (`kubectl apply -f k8s` reads it): give it by name to import it\nwrote out/api.yaml \
         from k8s/api.yml (Deployment api)\n"
    );
    assert_eq!(entries(&dir.join("out")), ["api.yaml"]);
    imported(dir, &["k8s/.yaml", "--out", "out/"]);
    assert_eq!(entries(&dir.join("out")), ["api.yaml", "hidden.yaml"]);
    // A folder holding nothing else says why it has no manifest.
    fs::remove_file(dir.join("k8s/api.yml")).unwrap();
    assert_eq!(
        refused(dir, &["k8s"]),
        "error: k8s: no .json, .yaml or .yml file in this folder (its subfolders are not \
         read, as `kubectl apply -f` without -R reads none); k8s/.yaml is passed over, its \
         name being only an extension: give it by name to import it\n"
    );

    // A folder of scenarios: `.yaml` would fail its check, were it read.
    let scenario = "service: {replicas: 2}\ntrials: 5\nchecks: [\"outcome.completed.rate >= 1\"]\n";
    write(
        dir,
        &[
            ("s/.yaml", b"checks: [\"outcome.completed.rate >= 2\"]\n"),
            ("s/web.yaml", scenario.as_bytes()),
        ],
    );
    for command in ["check", "lint"] {
        let out = bin()
            .current_dir(dir)
            .args([command, "s"])
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout);
        assert!(stdout.contains("s/web.yaml"), "{command}: {stdout}");
        assert!(!stdout.contains("s/.yaml"), "{command}: {stdout}");
    }
    fs::write(dir.join("s/.yaml"), scenario).unwrap();
    for command in ["check", "lint"] {
        bin()
            .current_dir(dir)
            .args([command, "s/.yaml"])
            .assert()
            .success()
            .stdout(predicates::str::contains("s/.yaml"));
    }
    bin()
        .current_dir(dir)
        .args(["run", "s/.yaml", "--out", "run", "--quiet"])
        .assert()
        .success();
    assert!(dir.join("run/summary.json").exists());
}
