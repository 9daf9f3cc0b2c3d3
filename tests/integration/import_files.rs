//! `rollout-sim import` of several files: every file's problems (unreadable, not YAML, not
//! mappable, refused once loaded back) and the `--out` refusals are told in one run, in
//! file order, exit 2, nothing written; a file alone is reported as it always was.

use crate::support::bin;
use rollout_sim::scenario::import::{Input, Options, import_files};
use rollout_sim::scenario::{Format, ScenarioError};
use std::path::Path;

/// Runs `import` with `args` in `dir`, expecting exit 2; its stderr.
pub fn refused(dir: &Path, args: &[&str]) -> String {
    let out = bin()
        .current_dir(dir)
        .arg("import")
        .args(args)
        .assert()
        .code(2);
    assert!(out.get_output().stdout.is_empty());
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

/// Runs `import` with `args` in `dir`, expecting success; its stdout and stderr.
pub fn imported(dir: &Path, args: &[&str]) -> (String, String) {
    let out = bin()
        .current_dir(dir)
        .arg("import")
        .args(args)
        .assert()
        .success();
    let out = out.get_output();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that `text` holds every one of `lines`, in that order, each once.
pub fn in_order(text: &str, lines: &[&str]) {
    let mut from = 0;
    for line in lines {
        assert_eq!(text.matches(line).count(), 1, "`{line}` once in:\n{text}");
        let at = text[from..]
            .find(line)
            .unwrap_or_else(|| panic!("`{line}` after the previous ones in:\n{text}"));
        from += at + line.len();
    }
}

pub const BROKEN: &str = "services:\n  web: [1, 2\n";

/// A compose service with two values the mapping refuses.
const COMPOSE_BAD: &str = "services:\n  web:\n    image: web:2\n    deploy:\n      replicas: \
                           -3\n      update_config: {parallelism: x}\n";

/// A Deployment with a value the mapping refuses (`minReadySeconds: "2s"`) and one the
/// scenario loader refuses once loaded back (`replicas: -3`).
pub const DEPLOYMENT_BAD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n\
                              spec:\n  replicas: -3\n  minReadySeconds: \"2s\"\n  template:\n    spec:\n      \
                              containers: [{name: app, image: api:1}]\n";

pub const DEPLOYMENT_GOOD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\n\
                               spec:\n  replicas: 2\n  template:\n    spec:\n      \
                               containers: [{name: app, image: shop:1}]\n";

pub const BROKEN_LINE: &str = "(file): invalid YAML: unclosed bracket '[' at line 2, column 8";
const COMPOSE_LINES: [&str; 2] = [
    "compose.yaml (compose service web): services.web.deploy.replicas: expected a \
     non-negative integer, got -3",
    "compose.yaml (compose service web): services.web.deploy.update_config.parallelism: \
     expected a non-negative integer, got \"x\"",
];
/// The mapping's problem, then the loader's.
pub const DEPLOYMENT_LINES: [&str; 2] = [
    "api.yaml (Deployment api): spec.minReadySeconds: expected an integer, as the API server \
     requires (an int32 field; seconds are whole), got \"2s\"",
    "api.yaml (Deployment api): spec.replicas: expected a non-negative integer, got -3",
];

pub fn write(dir: &Path, files: &[(&str, &[u8])]) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Two bad files of different kinds, and the other ways a file can be bad, in one run:
/// every problem, in the order the files were given, and nothing written.
#[test]
fn every_problem_of_every_file_is_told_in_one_run_in_file_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        &[
            ("broken.yaml", BROKEN.as_bytes()),
            ("compose.yaml", COMPOSE_BAD.as_bytes()),
        ],
    );
    // The YAML error is not the only one told, whichever comes first.
    for files in [
        ["broken.yaml", "compose.yaml"],
        ["compose.yaml", "broken.yaml"],
    ] {
        let err = refused(dir, &[files[0], files[1], "--out", "out/"]);
        let broken = format!("broken.yaml: {BROKEN_LINE}");
        let mut lines: Vec<&str> = COMPOSE_LINES.to_vec();
        if files[0] == "broken.yaml" {
            lines.insert(0, &broken);
        } else {
            lines.push(&broken);
        }
        in_order(&err, &lines);
        assert!(err.starts_with("error: "), "{err}");
        assert_eq!(err.lines().count(), 3, "{err}");
        assert!(!dir.join("out").exists());
    }
    // Every kind of bad file at once, and a good one, whose scenario is not written either.
    write(
        dir,
        &[
            ("api.yaml", DEPLOYMENT_BAD.as_bytes()),
            ("shop.yaml", DEPLOYMENT_GOOD.as_bytes()),
            ("latin1.yaml", b"services: {caf\xe9: {}}\n"),
        ],
    );
    std::fs::create_dir(dir.join("folder")).unwrap();
    let err = refused(
        dir,
        &[
            "missing.yaml",
            "compose.yaml",
            "shop.yaml",
            "latin1.yaml",
            "broken.yaml",
            "folder",
            "api.yaml",
            "--out",
            "out/",
        ],
    );
    let broken = format!("broken.yaml: {BROKEN_LINE}");
    in_order(
        &err,
        &[
            "missing.yaml: (file): cannot read `missing.yaml`",
            COMPOSE_LINES[0],
            COMPOSE_LINES[1],
            "latin1.yaml: (file): not UTF-8 text",
            &broken,
            "folder: no .json, .yaml or .yml file in this folder",
            DEPLOYMENT_LINES[0],
            DEPLOYMENT_LINES[1],
        ],
    );
    assert!(!err.contains("shop"), "{err}");
    assert!(!dir.join("out").exists());
}

/// A file alone is reported as before: its problems, and nothing else.
#[test]
fn one_bad_file_alone_is_reported_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        &[
            ("broken.yaml", BROKEN.as_bytes()),
            ("compose.yaml", COMPOSE_BAD.as_bytes()),
        ],
    );
    assert_eq!(
        refused(dir, &["broken.yaml"]),
        format!("error: broken.yaml: {BROKEN_LINE}\n")
    );
    assert_eq!(
        refused(dir, &["compose.yaml", "--out", "web.yaml"]),
        format!("error: {}\n{}\n", COMPOSE_LINES[0], COMPOSE_LINES[1])
    );
    assert_eq!(
        refused(dir, &["missing.yaml"]),
        "error: missing.yaml: (file): cannot read `missing.yaml`: No such file or directory \
         (os error 2)\n"
    );
    assert!(!dir.join("web.yaml").exists());
}

/// What is wrong with `--out` is told in the same run as the manifests' problems, as far
/// as it can be known before they are fixed.
#[test]
fn out_refusals_are_told_with_the_manifests_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let stack = format!(
        "{COMPOSE_BAD}  cache:\n    image: redis:7\n    deploy: {{update_config: {{delay: 1d}}}}\n  api:\n    image: api:1\n"
    );
    write(
        dir,
        &[
            ("stack.yaml", stack.as_bytes()),
            ("shop.yaml", DEPLOYMENT_GOOD.as_bytes()),
            ("api.yaml", DEPLOYMENT_BAD.as_bytes()),
            ("broken.yaml", BROKEN.as_bytes()),
        ],
    );
    // Several scenarios (two of them refused) into a file name, or with no --out at all.
    let err = refused(dir, &["stack.yaml", "--out", "stack-out.yaml"]);
    in_order(
        &err,
        &[
            "stack.yaml (compose service web): services.web.deploy.update_config.parallelism",
            "stack.yaml (compose service cache): services.cache.deploy.update_config.delay",
            "--out stack-out.yaml: 3 scenarios found (web, cache, api), one file each: name a \
             folder",
        ],
    );
    let err = refused(dir, &["stack.yaml"]);
    in_order(
        &err,
        &[
            "stack.yaml (compose service cache): services.cache.deploy.update_config.delay",
            "3 scenarios found (web, cache, api): pick one with --name NAME",
        ],
    );
    // Several scenarios into a file that is there, named like a folder.
    std::fs::write(dir.join("notes"), "keep\n").unwrap();
    let err = refused(dir, &["stack.yaml", "--out", "notes"]);
    in_order(
        &err,
        &[
            "stack.yaml (compose service cache): services.cache.deploy.update_config.delay",
            "--out notes: a file, not a folder",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes")).unwrap(),
        "keep\n"
    );
    // A hand-edited file the good manifest's scenario would replace.
    std::fs::create_dir(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/shop.yaml"), "# tuned by hand\n").unwrap();
    let err = refused(dir, &["shop.yaml", "api.yaml", "--out", "out"]);
    in_order(
        &err,
        &[
            DEPLOYMENT_LINES[0],
            DEPLOYMENT_LINES[1],
            "--out: out/shop.yaml already exists with other content",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out/shop.yaml")).unwrap(),
        "# tuned by hand\n"
    );
    assert!(!dir.join("out/api.yaml").exists());
    // An input as --out, beside a file that is not YAML (so how many scenarios there are
    // is not known).
    let err = refused(dir, &["broken.yaml", "shop.yaml", "--out", "shop.yaml"]);
    in_order(
        &err,
        &[
            &format!("broken.yaml: {BROKEN_LINE}"),
            "--out shop.yaml: that is an input of this command (a file to import: shop.yaml)",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("shop.yaml")).unwrap(),
        DEPLOYMENT_GOOD
    );
}

/// A file refused as an input of the import is not also said to be replaceable with
/// `--force`: the input refusal stands with `--force`, so that hint would mislead. A
/// file that is no input, beside it, keeps its hint.
#[test]
fn an_input_refused_as_out_gets_no_force_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, &[("shop.yaml", DEPLOYMENT_GOOD.as_bytes())]);
    let input = "error: --out shop.yaml: that is an input of this command (a file to import: \
                 shop.yaml); writing there would replace it: name another file\n";
    assert_eq!(refused(dir, &["shop.yaml", "--out", "shop.yaml"]), input);
    assert_eq!(
        refused(dir, &["shop.yaml", "--out", "shop.yaml", "--force"]),
        input
    );
    // Into a folder: the Deployment `shop` would go to ./shop.yaml, its own input; the
    // hand-edited api.yaml is no input, and --force would replace it.
    write(
        dir,
        &[
            ("api.yaml", b"# tuned by hand\n"),
            (
                "k8s-api.yaml",
                DEPLOYMENT_GOOD.replace("shop", "api").as_bytes(),
            ),
        ],
    );
    assert_eq!(
        refused(dir, &["shop.yaml", "k8s-api.yaml", "--out", "./"]),
        "error: --out ./: the scenario `shop` would be written to ./shop.yaml, which is an \
         input of this command (a file to import: shop.yaml), and would replace it: choose \
         another --out folder\n--out: ./api.yaml already exists with other content and would \
         be replaced: move it away, choose another --out, or pass --force to replace it\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("shop.yaml")).unwrap(),
        DEPLOYMENT_GOOD
    );
}

/// What a file that could not be read may hold is not claimed missing: a Rollout's
/// template is said to be perhaps there, and neither "nothing to import" nor a `--name`
/// found nowhere is told beside it.
#[test]
fn what_an_unread_file_may_hold_is_not_claimed_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\n\
                   spec:\n  template:\n    spec:\n      containers: [{name: app, image: web:2}]\n  \
                   strategy:\n    canary:\n      steps:\n      - setWeight: 10\n      - \
                   analysis: {templates: [{templateName: rate}]}\n";
    write(
        dir,
        &[
            ("rollout.yaml", rollout.as_bytes()),
            ("templates.yaml", BROKEN.as_bytes()),
            (
                "config.yaml",
                b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            ),
        ],
    );
    let err = refused(dir, &["rollout.yaml", "templates.yaml"]);
    in_order(
        &err,
        &[
            "rollout.yaml (Argo Rollout web): spec.strategy.canary.steps.1.analysis.templates.0.\
             templateName: AnalysisTemplate `rate` is not in the files given (templates.yaml \
             could not be read, and may hold it)",
            &format!("templates.yaml: {BROKEN_LINE}"),
        ],
    );
    // The document skipped is told, as an import that succeeds tells it.
    let skipped = "skipped: config.yaml: document 1 at line 1: ConfigMap c\n";
    let err = refused(dir, &["config.yaml", "templates.yaml"]);
    assert_eq!(
        err,
        format!("{skipped}error: templates.yaml: {BROKEN_LINE}\n")
    );
    let err = refused(dir, &["config.yaml", "templates.yaml", "--name", "web"]);
    assert_eq!(
        err,
        format!("{skipped}error: templates.yaml: {BROKEN_LINE}\n")
    );
}

/// Two scenarios of one name in different files are told beside the problems of either,
/// and without a count of the scenarios (`--name` would pick both).
#[test]
fn one_name_in_two_files_is_told_with_their_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        &[
            ("shop.yaml", DEPLOYMENT_GOOD.as_bytes()),
            (
                "stack.yaml",
                b"services:\n  shop:\n    image: shop:2\n    deploy: {replicas: -3}\n",
            ),
        ],
    );
    for out in [&[][..], &["--out", "out/"][..]] {
        let err = refused(dir, &[&["shop.yaml", "stack.yaml"][..], out].concat());
        assert_eq!(
            err,
            "error: stack.yaml (compose service shop): services.shop.deploy.replicas: expected \
             a non-negative integer, got -3\n\
             two scenarios are named `shop` (shop.yaml (Deployment shop) and stack.yaml \
             (compose service shop)): import the files one at a time\n"
        );
        assert!(!dir.join("out").exists());
    }
}

/// The library's side: every file is imported whatever the others' problems, one result a
/// file; "nothing to import" only when every file was read.
#[test]
fn import_files_gives_every_file_its_own_result() {
    let input = |origin, text| Input {
        text,
        origin,
        format: Format::Yaml,
    };
    let gone = ScenarioError::file("gone.yaml", "cannot read `gone.yaml`");
    let config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    let files = import_files(
        &[
            input("gone.yaml", Err(&gone)),
            input("broken.yaml", Ok(BROKEN)),
            input("shop.yaml", Ok(DEPLOYMENT_GOOD)),
        ],
        &Options::default(),
    )
    .unwrap();
    assert_eq!(files[0].as_ref().unwrap_err(), &gone);
    assert_eq!(
        files[1].as_ref().unwrap_err().to_string(),
        format!("broken.yaml: {BROKEN_LINE}")
    );
    let shop = &files[2].as_ref().unwrap().candidates[0];
    assert_eq!(shop.name, "shop");
    assert!(shop.outcome.is_ok());
    // Nothing importable in the files read: not an error while a file is unread…
    let files = import_files(
        &[
            input("c.yaml", Ok(config)),
            input("broken.yaml", Ok(BROKEN)),
        ],
        &Options::default(),
    )
    .unwrap();
    assert!(files[0].as_ref().unwrap().candidates.is_empty());
    // …and one once every file is.
    let nothing = import_files(&[input("c.yaml", Ok(config))], &Options::default()).unwrap_err();
    assert!(
        nothing.to_string().contains("nothing to import"),
        "{nothing}"
    );
}
