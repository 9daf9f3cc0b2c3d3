//! Files the run must not wait on, read whole or trust: devices, FIFOs, files over the
//! size cap, nesting past the limit, duplicate keys, a byte order mark.

use super::{Case, assert_has, bin};
use std::fs;
use std::path::Path;

#[test]
fn devices_are_not_read() {
    let c = Case::new(
        "zero.yaml",
        "service: {versions: {current: {}, next: {pull: {empirical: {file: /dev/zero, column: t}}}}}\n",
    );
    assert_has(
        &c.refused(&[]),
        &[
            "zero.yaml: service.versions.next.pull.empirical.file: `/dev/zero` is a device, not a regular file",
        ],
    );
    let c = Case::new(
        "zero.yaml",
        "service: {}\ntraffic: {profile: {file: /dev/zero}}\n",
    );
    assert_has(
        &c.refused(&[]),
        &["zero.yaml: traffic.profile.file: `/dev/zero` is a device"],
    );
}

/// `mkfifo`, where the system has one (no test without it).
fn fifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_fifo_without_a_writer_is_refused_not_waited_on() {
    let c = Case::new(
        "s.yaml",
        "service: {versions: {current: {}, next: {pull: {empirical: {file: pipe.csv, column: t}}}}}\n",
    );
    if !fifo(&c.dir.path().join("pipe.csv")) {
        return;
    }
    assert_has(
        &c.refused(&[]),
        &[
            "s.yaml: service.versions.next.pull.empirical.file: `",
            "pipe.csv` is a FIFO (named pipe), not a regular file",
        ],
    );
    // The scenario file itself.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fifo.yaml");
    assert!(fifo(&file));
    let out = bin().arg("run").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("fifo.yaml: (file): `"), "{stderr}");
    assert!(stderr.contains("is a FIFO"), "{stderr}");
}

#[test]
fn files_over_the_size_cap_are_refused_before_reading() {
    // Sparse files: the size is what counts, and no disk is used.
    let c = Case::new(
        "s.yaml",
        "service: {}\ntraffic: {profile: {file: big.csv}}\n",
    );
    let big = fs::File::create(c.dir.path().join("big.csv")).unwrap();
    big.set_len((64 << 20) + 1).unwrap();
    assert_has(
        &c.refused(&[]),
        &[
            "s.yaml: traffic.profile.file: `",
            "big.csv` is 67108865 bytes or more; files of at most 64 MiB are read",
        ],
    );
    let c = Case::new("huge.yaml", "");
    fs::File::options()
        .write(true)
        .open(&c.file)
        .unwrap()
        .set_len((4 << 20) + 1)
        .unwrap();
    assert_has(
        &c.refused(&[]),
        &["huge.yaml: (file): `", "files of at most 4 MiB are read"],
    );
}

#[test]
fn json_duplicate_keys_are_refused_with_the_field_path() {
    let c = Case::new(
        "s.json",
        r#"{"service": {"replicas": 2, "versions": {"current": {}, "next": {}, "next": {"start": 1}}}}"#,
    );
    assert_has(
        &c.refused(&[]),
        &["s.json: service.versions.next: given twice (again at line 1 column"],
    );
}

#[test]
fn calibrate_reads_only_regular_files() {
    let out = bin().args(["calibrate", "/dev/zero"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_has(&stderr, &["`/dev/zero` is a device, not a regular file"]);
}

/// Maps and lists nested too deep are refused at the same depth, in the same words, by
/// every reader: a YAML or JSON scenario, a `--set` value, a manifest to import (YAML or
/// JSON) and a `--trace` record to calibrate from.
#[test]
fn nesting_is_refused_in_one_wording_by_every_reader() {
    let lists = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    // 64 levels are read; the 65th opens at the column given.
    let limit = |line: usize, column: usize| {
        format!(
            "maps and lists nested deeper than 64 levels at line {line}, column {column} \
             (see \"Limits\" in the README; a scenario nests a few)"
        )
    };
    let ok = Case::new(
        "ok.json",
        &format!("{{\"service\": {{}}, \"x\": {}}}", lists(63)),
    );
    assert_has(&ok.refused(&[]), &["ok.json: x: unknown field `x`"]);
    let json = Case::new(
        "deep.json",
        &format!("{{\"service\": {{}}, \"x\": {}}}", lists(64)),
    );
    assert_has(
        &json.refused(&[]),
        &[&format!(
            "deep.json: (file): invalid JSON: {}",
            limit(1, 85)
        )],
    );
    let yaml = Case::new("deep.yaml", &format!("service: {{}}\nx: {}\n", lists(64)));
    assert_has(
        &yaml.refused(&[]),
        &[&format!(
            "deep.yaml: (file): invalid YAML: {}",
            limit(2, 67)
        )],
    );
    let set = format!("service.versions={}", lists(70));
    assert_has(&ok.refused(&["--set", &set]), &[&limit(1, 65)]);
    let manifest = format!(
        "{{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {{\"name\": \
         \"web\"}}, \"spec\": {}}}",
        lists(64)
    );
    let m = Case::new("deploy.json", &manifest);
    let out = bin().arg("import").arg(&m.file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_has(
        &String::from_utf8_lossy(&out.stderr),
        &[&format!(
            "deploy.json: (file): invalid JSON: {}",
            limit(1, 149)
        )],
    );
    let trace = Case::new("trace.jsonl", &format!("{{\"x\": {}}}\n", lists(70)));
    let out = bin().arg("calibrate").arg(&trace.file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_has(
        &String::from_utf8_lossy(&out.stderr),
        &[&format!("line 1: not a JSON object: {}", limit(1, 70))],
    );
}

/// A byte-order mark (as some Windows editors write) is read past in JSON as in YAML.
#[test]
fn a_byte_order_mark_is_no_part_of_a_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("bom.json", "\u{feff}{\"service\": {\"replicas\": 2}}"),
        ("bom.yaml", "\u{feff}service: {replicas: 2}\n"),
    ] {
        let file = tmp.path().join(name);
        std::fs::write(&file, text).unwrap();
        bin().arg("lint").arg(&file).assert().success();
    }
}
