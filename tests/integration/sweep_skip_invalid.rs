//! `sweep --skip-invalid` and `report --sweep … --skip-invalid`: a grid point the
//! scenario's rules refuse (the API server's `maxSurge` and `maxUnavailable` both 0) is
//! left out and listed; the other points are exactly those of a grid without it. Without
//! the flag the sweep is refused, saying the flag exists.

use crate::support::{bin, scenario_path};
use crate::sweep::csv_rows;
use std::fs;
use std::path::Path;

const SURGE: &str = "strategy.kubernetes.strategy.rollingUpdate.maxSurge";
const UNAVAILABLE: &str = "strategy.kubernetes.strategy.rollingUpdate.maxUnavailable";

fn sweep(out: &Path, surges: &str, unavailables: &str, extra: &[&str]) -> std::process::Output {
    bin()
        .args(["sweep", &scenario_path("k8s-rolling-default.yaml")])
        .args(["--trials", "30", "-q"])
        .args(["--set", &format!("{SURGE}={surges}")])
        .args(["--set", &format!("{UNAVAILABLE}={unavailables}")])
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn an_invalid_point_is_left_out_and_the_others_run_as_in_a_grid_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (skip, plain) = (tmp.path().join("skip"), tmp.path().join("plain"));
    let r = sweep(&skip, "0,1", "0,1", &["--skip-invalid", "--plot"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    // The same points in a grid that has no invalid one: 0 × 1, then 1 × {0, 1}.
    let rows = csv_rows(&skip);
    let r = sweep(&plain, "0", "1", &[]);
    assert!(r.status.success());
    let zero = csv_rows(&plain);
    let r = sweep(&plain, "1", "0,1", &[]);
    assert!(r.status.success());
    let one = csv_rows(&plain);
    assert_eq!(rows[0], zero[0]);
    assert_eq!(rows[1..], [&zero[1..], &one[1..]].concat());
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(skip.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["points"].as_array().unwrap().len(), 3);
    let left_out = json["left_out"].as_array().unwrap();
    assert_eq!(left_out.len(), 1);
    assert_eq!(left_out[0]["parameters"][SURGE], 0);
    assert_eq!(left_out[0]["parameters"][UNAVAILABLE], 0);
    assert!(
        left_out[0]["error"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{UNAVAILABLE}: may not be 0 when maxSurge is 0")),
        "{left_out:?}"
    );
    // The heatmap keeps the grid's shape: the left-out cell reads `invalid`.
    let svg = fs::read_to_string(skip.join("sweep-heatmap.svg")).unwrap();
    assert_eq!(svg.lines().filter(|l| l.trim() == "invalid").count(), 1);
    assert!(svg.contains("3 points (1 left out as invalid) × 30 trials"));
    // The table says which point was left out, and why.
    let r = bin()
        .args(["sweep", &scenario_path("k8s-rolling-default.yaml")])
        .args(["--trials", "30", "--skip-invalid"])
        .args(["--set", &format!("{SURGE}=0,1")])
        .args(["--set", &format!("{UNAVAILABLE}=0,1")])
        .arg("--out")
        .arg(&skip)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&r.stdout);
    // Headed by the paths' last segments, as the report's Points table is.
    assert!(
        table.starts_with(
            "    maxSurge  maxUnavailable  duration_s.p95  min_ready.min  peak_tasks.max  \
             outcome.completed.rate\n"
        ),
        "{table}"
    );
    assert!(
        table.contains(
            "3 points (1 left out as invalid) × 30 trials, seed 7 (the same trials at every \
             point)"
        ),
        "{table}"
    );
    assert!(
        table.contains(&format!(
            "left out as invalid (--skip-invalid), 1 point:\n  {SURGE}=0, {UNAVAILABLE}=0: "
        )),
        "{table}"
    );
}

#[test]
fn without_the_flag_an_invalid_point_refuses_the_sweep_and_names_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = sweep(&out, "0,1", "0,1", &[]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "sweep point {SURGE}=0, {UNAVAILABLE}=0: {}: {UNAVAILABLE}: may not be 0 when \
             maxSurge is 0",
            scenario_path("k8s-rolling-default.yaml")
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "(other points load, sweep point {SURGE}=0, {UNAVAILABLE}=1 for one: \
             --skip-invalid runs the grid without"
        )),
        "{stderr}"
    );
    assert!(!out.exists());
    // A grid of no valid point is refused with the flag too, and without the hint: no
    // point would run.
    for extra in [&[][..], &["--skip-invalid"][..]] {
        let r = sweep(&out, "0", "0", extra);
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{stderr}");
        assert!(!stderr.contains("other points load"), "{stderr}");
        assert_eq!(
            stderr.contains("every point of the grid is invalid"),
            !extra.is_empty(),
            "{stderr}"
        );
        assert!(!out.exists());
    }
}

#[test]
fn a_sweep_report_lists_the_points_it_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    bin()
        .args(["report", &scenario_path("k8s-rolling-default.yaml")])
        .args(["--trials", "30", "-q", "--skip-invalid"])
        .args(["--sweep", &format!("{SURGE}=0,1")])
        .args(["--sweep", &format!("{UNAVAILABLE}=0,1")])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains(
            "Left out as invalid (--skip-invalid), 1 point: the scenario's rules refuse it."
        ),
        "{md}"
    );
    assert!(
        md.contains("3 points (1 left out as invalid) × 30 trials, seed 7"),
        "{md}"
    );
    // `--skip-invalid` goes with a sweep.
    let r = bin()
        .args(["report", &scenario_path("k8s-rolling-default.yaml")])
        .args(["--skip-invalid", "--out"])
        .arg(tmp.path().join("none"))
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--sweep"));
}
