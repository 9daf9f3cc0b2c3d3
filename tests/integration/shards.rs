//! Shards and merges end to end: a shard says which trials it holds, and three shards
//! merge into the single run byte for byte.

use crate::support::{bin, scenario_path};
use std::fs;

/// A shard's printed summary says it is one: which slice, which trials, of how many.
#[test]
fn a_shard_run_says_which_trials_it_ran() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "run",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "50",
        ])
        .args(["--shard", "2/3", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    // ⌊50·1/3⌋ = 16 to ⌊50·2/3⌋ = 33, exclusive.
    assert_eq!(
        lines[1],
        "swarm-stop-first: shard 2/3, trials 16 to 32 (17 of 50 trials), seed 7"
    );
    let last = lines.last().unwrap();
    assert!(last.starts_with("17 trials of shard 2/3 in "), "{last}");
}

/// A shard's summary.json (and so its `--format json`, which prints the file's bytes, as
/// `sweep` and `compare` do theirs) says it is one: its `shard` is the folder's shard.json,
/// so a script can tell a slice's summary from a whole run's, which has no `shard`.
#[test]
fn a_shard_summary_json_says_which_trials_it_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &str| {
        let o = bin()
            .args(["run", &scenario_path("swarm-stop-first.yaml")])
            .args(["--trials", "50", "--format", "json"])
            .args(extra)
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
            .success();
        let printed = o.get_output().stdout.clone();
        let written = fs::read(tmp.path().join(out).join("summary.json")).unwrap();
        assert!(printed == written, "{}", String::from_utf8_lossy(&printed));
        serde_json::from_slice::<serde_json::Value>(&printed).unwrap()
    };
    let shard = run(&["--shard", "2/3"], "s2");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("s2/shard.json")).unwrap()).unwrap();
    assert_eq!(shard["shard"], manifest);
    // ⌊50·1/3⌋ = 16 to ⌊50·2/3⌋ = 33, exclusive: 17 of the run's 50 trials.
    assert_eq!(shard["trials"], 17);
    assert_eq!(shard["shard"]["shard"], serde_json::json!([2, 3]));
    assert_eq!(
        (&shard["shard"]["first_trial"], &shard["shard"]["end_trial"]),
        (&16.into(), &33.into())
    );
    assert_eq!(shard["shard"]["trials"], 50);
    let whole = run(&[], "whole");
    assert!(whole.get("shard").is_none(), "{whole}");
}

#[test]
fn three_shards_merge_into_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("k8s-endpoint-lag.yaml");
    let run = |extra: &[&str], out: &str| {
        bin()
            .args(["run", &file, "--trials", "50", "-q"])
            .args(extra)
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
            .success();
    };
    run(&[], "single");
    for k in 1..=3 {
        run(&["--shard", &format!("{k}/3")], &format!("s{k}"));
    }
    run(&["--shard", "2/3", "--seed", "9"], "foreign");
    // Another scenario's shard (its own seed, 7): named as another scenario, not as a seed.
    bin()
        .args(["run", &scenario_path("swarm-stop-first.yaml")])
        .args(["--trials", "50", "-q", "--shard", "2/3", "--out"])
        .arg(tmp.path().join("other"))
        .assert()
        .success();
    let merge = |dirs: &[&str], out: &str| {
        let mut cmd = bin();
        cmd.arg("merge");
        for d in dirs {
            cmd.arg(tmp.path().join(d));
        }
        cmd.arg("--out").arg(tmp.path().join(out)).assert()
    };
    merge(&["s3", "s1", "s2"], "merged").success();
    for f in ["trials.csv", "summary.json"] {
        assert_eq!(
            fs::read(tmp.path().join("single").join(f)).unwrap(),
            fs::read(tmp.path().join("merged").join(f)).unwrap(),
            "{f}"
        );
    }
    let mut files: Vec<String> = fs::read_dir(tmp.path().join("merged"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["summary.json", "trials.csv"]);
    for (dirs, why) in [
        (&["s1", "s2"][..], "missing"),
        (&["s1", "foreign", "s3"][..], "not a shard of the same run"),
        // The seed is named, not hidden behind the fingerprint it changes.
        (&["s1", "foreign", "s3"][..], ": seed 9 ≠ 11"),
        (
            &["s1", "other", "s3"][..],
            ": scenario swarm-stop-first ≠ k8s-endpoint-lag",
        ),
        (&["s1", "s2", "s2", "s3"][..], "given twice"),
        (&["s1", "single"][..], "shard.json"),
    ] {
        let out = merge(dirs, "bad").code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(why), "{dirs:?}: {stderr}");
        assert!(!tmp.path().join("bad").exists());
    }
    // A row whose seed cell is not its shard's seed: an edited file, or a shard of another
    // seed given the manifest of this one. Refused at the row, with the seed expected.
    let copy = |from: &str, to: &str| {
        fs::create_dir_all(tmp.path().join(to)).unwrap();
        for f in ["trials.csv", "summary.json", "shard.json"] {
            fs::copy(tmp.path().join(from).join(f), tmp.path().join(to).join(f)).unwrap();
        }
    };
    copy("s2", "edited");
    let csv_path = tmp.path().join("edited/trials.csv");
    let csv = fs::read_to_string(&csv_path).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    assert!(lines[4].starts_with("19,11,"), "{}", lines[4]);
    lines[4] = lines[4].replacen("19,11,", "19,12,", 1);
    fs::write(&csv_path, lines.join("\n") + "\n").unwrap();
    // A row missing (trial 19, line 5): the row that stands there instead is named, and
    // the slice as inclusive trial numbers (16 to 32 of 50 in 3 shards).
    copy("s2", "short");
    let short = tmp.path().join("short/trials.csv");
    let mut rows: Vec<String> = csv.lines().map(str::to_string).collect();
    rows.remove(4);
    fs::write(&short, rows.join("\n") + "\n").unwrap();
    // The last row dropped, and a row past the slice added.
    copy("s2", "cut");
    let cut = tmp.path().join("cut/trials.csv");
    let all: Vec<&str> = csv.lines().collect();
    fs::write(&cut, all[..all.len() - 1].join("\n") + "\n").unwrap();
    copy("s2", "long");
    let s3 = fs::read_to_string(tmp.path().join("s3/trials.csv")).unwrap();
    let extra = s3.lines().nth(1).unwrap();
    fs::write(
        tmp.path().join("long/trials.csv"),
        format!("{csv}{extra}\n"),
    )
    .unwrap();
    copy("foreign", "relabelled");
    fs::copy(
        tmp.path().join("s2/shard.json"),
        tmp.path().join("relabelled/shard.json"),
    )
    .unwrap();
    for (dirs, why) in [
        (
            &["s1", "edited", "s3"][..],
            "edited/trials.csv, line 5: trial 19 has seed 12, expected 11, the seed of ",
        ),
        (
            &["s1", "relabelled", "s3"][..],
            "relabelled/trials.csv, line 2: trial 16 has seed 9, expected 11",
        ),
        (
            &["s1", "short", "s3"][..],
            "short/trials.csv, line 5: trial 20, expected trial 19: shard 2/3 holds \
             trials 16 to 32, each once and in order",
        ),
        (
            &["s1", "cut", "s3"][..],
            "cut/trials.csv: ends before trial 32: ",
        ),
        (
            &["s1", "long", "s3"][..],
            "long/trials.csv, line 19: trial 33, past the slice's end: ",
        ),
    ] {
        let out = merge(dirs, "bad").code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(why), "{dirs:?}: {stderr}");
        assert!(!tmp.path().join("bad").exists());
    }
    // Merging into a shard's own folder replaced that shard: refused, the shard kept.
    let out = merge(&["s1", "s2", "s3"], "s1").code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("is that folder"), "{stderr}");
    assert!(tmp.path().join("s1").join("shard.json").is_file());
}
