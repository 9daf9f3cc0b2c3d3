//! Comparisons end to end: paired trials against unpaired ones, the files and the verdict
//! `compare` writes, and its refusals before any work.

use crate::support::{UC, bin, scenario_path};
use rollout_sim::experiment::compare::CompareSink;
use rollout_sim::experiment::{Experiment, Recording};
use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

#[test]
fn paired_differences_vary_far_less_than_unpaired_ones() {
    let load =
        |n: &str| rollout_sim::scenario::load_file(Path::new(&scenario_path(n)), &[]).unwrap();
    for (a, b) in [
        ("swarm-stop-first.yaml", "swarm-start-first.yaml"),
        ("k8s-endpoint-lag.yaml", "k8s-prestop-fix.yaml"),
    ] {
        let (a, mut b) = (load(a), load(b));
        b.seed = a.seed;
        let e = Experiment {
            variants: vec![&a, &b],
            trials: 0..200,
            record: Recording::default(),
        };
        let mut sink = CompareSink::new(2);
        e.run(&AtomicBool::new(false), &|_| {}, &mut sink).unwrap();
        let (_, p) = sink.pairs[0]
            .iter()
            .find(|(c, _)| c.name == "duration_s")
            .unwrap();
        let (paired, unpaired) = (p.diff_std().powi(2), p.unpaired_std().powi(2));
        assert!(
            unpaired > 0.0 && paired * 4.0 < unpaired,
            "{}: {paired} vs {unpaired}",
            a.name
        );
    }
}

#[test]
fn compare_writes_its_files_and_a_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "compare",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "40",
        ])
        .args(["--set", &format!("{UC}.order=stop-first")])
        .args(["--set", &format!("{UC}.order=start-first")])
        .arg("--out")
        .arg(tmp.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("% of trials"), "{stdout}");
    assert!(stdout.contains("verdict:"), "{stdout}");
    let csv = fs::read_to_string(tmp.path().join("compare.csv")).unwrap();
    let ready = csv.lines().find(|l| l.contains(",min_ready,")).unwrap();
    // start-first keeps all 6 serving, stop-first 4: a difference of exactly +2.
    assert!(ready.contains(",4,6,2,2,2,"), "{ready}");
    assert!(ready.ends_with(",better"), "{ready}");
    // The printed table in the metrics' units: the same exact +2 (a width of 0 keeps the
    // figures as they are), and the duration difference as a duration.
    let printed = |metric: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(metric))
            .unwrap_or_else(|| panic!("no {metric} row in {stdout}"))
            .to_string()
    };
    assert!(printed("min_ready ").contains(" +2 [+2, +2] "), "{stdout}");
    let duration = printed("duration_s ");
    assert!(
        duration.contains("s [") && duration.matches('s').count() >= 5,
        "{duration}"
    );
    // Named variants with several changes each.
    bin()
        .args([
            "compare",
            &scenario_path("swarm-stop-first.yaml"),
            "--trials",
            "5",
            "-q",
        ])
        .args(["--variant", &format!("slow:{UC}.parallelism=1")])
        .args([
            "--variant",
            &format!("fast:{UC}.parallelism=3;{UC}.order=start-first"),
        ])
        .arg("--out")
        .arg(tmp.path().join("named"))
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(tmp.path().join("named/compare.json")).unwrap()).unwrap();
    assert_eq!(json["variants"], serde_json::json!(["slow", "fast"]));
    bin()
        .args(["compare", &scenario_path("swarm-stop-first.yaml")])
        .args(["--set", &format!("{UC}.order=start-first")])
        .arg("--out")
        .arg(tmp.path().join("one"))
        .assert()
        .code(2);
}

#[test]
fn compare_refuses_two_variants_of_one_name_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario_path("swarm-stop-first.yaml");
    let p = |v: u32| format!("{UC}.parallelism={v}");
    for variants in [
        vec![
            "--variant".to_string(),
            format!("a:{}", p(1)),
            "--variant".into(),
            format!("b:{}", p(2)),
            "--variant".into(),
            format!("b:{}", p(3)),
        ],
        vec!["--set".to_string(), p(1), "--set".into(), p(1)],
    ] {
        let out = bin()
            .args(["compare", &file, "--trials", "3", "-q"])
            .args(&variants)
            .arg("--out")
            .arg(tmp.path().join("cmp"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("are both named `"), "{stderr}");
        assert!(!tmp.path().join("cmp").exists());
    }
    // A variant that sets no field is the scenario itself: usually a typo.
    for empty in ["a:", "a: ; "] {
        let out = bin()
            .args(["compare", &file, "--trials", "3", "-q"])
            .args(["--variant", &format!("b:{}", p(1)), "--variant", empty])
            .arg("--out")
            .arg(tmp.path().join("cmp"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains(&format!(
                "--variant {empty:?}: `a` sets no field, so it is the scenario itself: a \
                 variant identical to the base compares nothing"
            )),
            "{stderr}"
        );
        assert!(!tmp.path().join("cmp").exists());
    }
    // The same file twice is one variant twice, also by another path.
    let other_path = format!(
        "{}/scenarios/../scenarios/swarm-stop-first.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    for second in [&file, &other_path] {
        let out = bin()
            .args(["compare", &file, second, "--trials", "3", "-q", "--out"])
            .arg(tmp.path().join("cmp"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("variants 1 and 2 are "), "{stderr}");
    }
    // A field set twice by the common --set: the last value would silently win.
    let start = format!("{UC}.order=start-first");
    let stop = format!("{UC}.order=stop-first");
    let out = bin()
        .args(["compare", &file, &scenario_path("swarm-start-first.yaml")])
        .args([
            "--set", &start, "--set", &stop, "--trials", "3", "-q", "--out",
        ])
        .arg(tmp.path().join("cmp"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("order: --set twice: `start-first`, then `stop-first`"),
        "{stderr}"
    );
    assert!(!tmp.path().join("cmp").exists());
    // A variant's own value replaces the common one.
    bin()
        .args(["compare", &file, "--set", &p(1), "--trials", "3", "-q"])
        .args(["--variant", &format!("two:{}", p(2))])
        .args(["--variant", &format!("late:{start}")])
        .arg("--out")
        .arg(tmp.path().join("cmp"))
        .assert()
        .success();
}
