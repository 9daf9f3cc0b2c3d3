use super::*;
use crate::scenario::walk::Ctx;
use crate::sim::time::MILLISECOND;
use serde_json::json;
use std::path::Path;

fn parse_in(dir: &Path, v: Value) -> Result<Dist, Vec<String>> {
    let ctx = Ctx::new(dir);
    let d = Node::root(&v, &ctx).child("d", &v).dist();
    let problems: Vec<String> = ctx.into_problems().iter().map(|p| p.to_string()).collect();
    match d {
        Some(d) if problems.is_empty() => Ok(d),
        _ => Err(problems),
    }
}

fn parse(v: Value) -> Result<Dist, Vec<String>> {
    parse_in(Path::new("."), v)
}

fn err(v: Value) -> String {
    parse(v.clone()).expect_err(&v.to_string()).join("\n")
}

#[test]
fn durations_and_never() {
    assert!(matches!(parse(json!("250ms")), Ok(Dist::Constant(250_000))));
    assert!(matches!(parse(json!(2)), Ok(Dist::Constant(2_000_000))));
    assert!(matches!(
        parse(json!({"constant": "1s"})),
        Ok(Dist::Constant(SECOND))
    ));
    assert!(matches!(parse(json!("never")), Ok(Dist::Never)));
}

#[test]
fn a_bad_latency_says_what_would_do() {
    assert_eq!(
        err(json!("fast")),
        r#"d: expected a duration ("250ms", "10s", "1m30s", a number of seconds) or a distribution ({lognormal: {median, p99}}, …), got "fast""#
    );
    assert!(err(json!({})).starts_with("d: expected a duration"));
    assert_eq!(err(json!(-1)), "d: durations cannot be negative, got -1");
}

#[test]
fn uniform() {
    let d = parse(json!({"uniform": {"min": "1s", "max": "2s"}})).unwrap();
    assert!(matches!(
        d,
        Dist::Uniform {
            min: SECOND,
            max: 2_000_000
        }
    ));
    assert_eq!(
        err(json!({"uniform": {"min": "3s", "max": "2s"}})),
        "d.uniform: min (3s) must not exceed max (2s)"
    );
    assert_eq!(
        err(json!({"uniform": {"min": "x"}})),
        "d.uniform.min: expected a duration (\"250ms\", \"10s\", \"1m30s\", a number of seconds), got \"x\"\n\
         d.uniform: missing field `max`"
    );
}

#[test]
fn normal_and_exponential() {
    let Ok(Dist::Normal(n)) = parse(json!({"normal": {"mean": "2s", "stddev": "500ms"}})) else {
        panic!()
    };
    assert_eq!((n.mean(), n.std_dev()), (2.0, 0.5));
    assert!(matches!(
        parse(json!({"exponential": {"mean": "20ms"}})),
        Ok(Dist::Exponential(_))
    ));
    assert_eq!(
        err(json!({"exponential": {"mean": 0}})),
        "d.exponential.mean: must be greater than 0"
    );
}

#[test]
fn lognormal_both_forms() {
    assert!(matches!(
        parse(json!({"lognormal": {"median": "2s", "p99": "15s"}})),
        Ok(Dist::LogNormal(_))
    ));
    assert!(matches!(
        parse(json!({"lognormal": {"mu": 0.5, "sigma": 1}})),
        Ok(Dist::LogNormal(_))
    ));
    assert_eq!(
        err(json!({"lognormal": {"median": "2s", "p99": "1s"}})),
        "d.lognormal: p99 (1s) must be at least the median (2s)"
    );
    assert_eq!(
        err(json!({"lognormal": {"median": 0, "p99": "1s"}})),
        "d.lognormal.median: must be greater than 0"
    );
    assert_eq!(
        err(json!({"lognormal": {"median": "1s", "sigma": 1}})),
        "d.lognormal: give either {median, p99} or {mu, sigma}, not both"
    );
    assert_eq!(
        err(json!({"lognormal": {"mu": 1, "sigma": -1}})),
        "d.lognormal.sigma: must not be negative, got -1"
    );
    assert_eq!(
        err(json!({"lognormal": {"medain": "1s", "p99": "2s"}})),
        "d.lognormal.medain: unknown field `medain`; did you mean `median`?\n\
         d.lognormal: missing field `median`"
    );
}

#[test]
fn parameters_whose_draws_are_never_are_refused() {
    // ln(584,000 years in s) is about 30.5: a median of e^700 s is no duration.
    let e = err(json!({"lognormal": {"mu": 700, "sigma": 0}}));
    assert!(
        e.starts_with("d.lognormal: mu and sigma are in log-seconds"),
        "{e}"
    );
    assert!(
        e.contains("mu 700 and sigma 0 put the median at 1.01e304 s"),
        "{e}"
    );
    let e = err(json!({"lognormal": {"mu": 1, "sigma": 1e10}}));
    assert!(e.contains("p99 at inf s"), "{e}");
    assert!(parse(json!({"lognormal": {"mu": 25, "sigma": 2}})).is_ok());
    let e = err(json!({"weibull": {"shape": 1e-300, "scale": "1s"}}));
    assert!(
        e.starts_with("d.weibull: shape 1e-300 and scale 1 s put the p99"),
        "{e}"
    );
    assert!(parse(json!({"weibull": {"shape": 0.1, "scale": "1s"}})).is_ok());
    let e = err(json!({"gamma": {"shape": 1e300, "scale": "1s"}}));
    assert!(e.contains("mean (shape × scale) at 1e300 s"), "{e}");
}

#[test]
fn gamma_and_weibull_keep_their_argument_order() {
    let Ok(Dist::Gamma(_)) = parse(json!({"gamma": {"shape": 2, "scale": "1s"}})) else {
        panic!()
    };
    let Ok(Dist::Weibull(_)) = parse(json!({"weibull": {"shape": 1.5, "scale": "3s"}})) else {
        panic!()
    };
    assert_eq!(
        err(json!({"weibull": {"shape": 0, "scale": "3s"}})),
        "d.weibull.shape: must be greater than 0, got 0"
    );
    assert_eq!(
        err(json!({"gamma": {"shape": 1}})),
        "d.gamma: missing field `scale`"
    );
}

#[test]
fn empirical_samples() {
    let Ok(Dist::Empirical(v)) = parse(json!({"empirical": {"samples": ["1s", 2, "500ms"]}}))
    else {
        panic!()
    };
    assert_eq!(v, [SECOND, 2 * SECOND, 500 * MILLISECOND]);
    assert_eq!(
        err(json!({"empirical": {"samples": []}})),
        "d.empirical: an empirical distribution needs at least one sample"
    );
    assert!(
        err(json!({"empirical": {"samples": [1, "x"]}}))
            .starts_with("d.empirical.samples.1: expected a duration")
    );
    assert_eq!(
        err(json!({"empirical": {}})),
        "d.empirical: missing field `samples` (or `file` and `column`)"
    );
}

#[test]
fn empirical_file_is_read_relative_to_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pulls.csv"),
        "node,pull_s\na,1.5\nb,\nc,2\n",
    )
    .unwrap();
    let d = parse_in(
        dir.path(),
        json!({"empirical": {"file": "pulls.csv", "column": "pull_s"}}),
    );
    let Ok(Dist::Empirical(v)) = d else {
        panic!("{d:?}")
    };
    assert_eq!(v, [1_500_000, 2 * SECOND]);

    let e = parse_in(
        dir.path(),
        json!({"empirical": {"file": "pulls.csv", "column": "pull"}}),
    )
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("d.empirical.column: no column `pull` in `"),
        "{e:?}"
    );
    assert!(
        e[0].ends_with("pulls.csv`; did you mean `pull_s`?"),
        "{e:?}"
    );

    std::fs::write(dir.path().join("bad.csv"), "t\n1\nslow\n").unwrap();
    let e = parse_in(
        dir.path(),
        json!({"empirical": {"file": "bad.csv", "column": "t"}}),
    )
    .unwrap_err();
    assert!(
        e[0].ends_with("bad.csv` line 3: expected a number of seconds, got \"slow\""),
        "{e:?}"
    );

    let e = parse_in(
        dir.path(),
        json!({"empirical": {"file": "nope.csv", "column": "t"}}),
    )
    .unwrap_err();
    assert!(e[0].starts_with("d.empirical.file: cannot read `"), "{e:?}");
}

#[test]
fn mixture_weights_are_normalised_and_cumulative() {
    let d = parse(json!({"mixture": [
        {"weight": 1, "dist": "1s"},
        {"weight": 3, "dist": {"uniform": {"min": 0, "max": 1}}},
    ]}));
    let Ok(Dist::Mixture(parts)) = d else {
        panic!("{d:?}")
    };
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].0, 0.25);
    assert_eq!(parts[1].0, 1.0);
    assert_eq!(
        err(json!({"mixture": [{"weight": 0, "dist": "1s"}, {"weight": 1}]})),
        "d.mixture.0.weight: must be greater than 0, got 0\nd.mixture.1: missing field `dist`"
    );
    assert_eq!(
        err(json!({"mixture": []})),
        "d.mixture: a mixture needs at least one component"
    );
}

#[test]
fn one_kind_only_and_typos_suggested() {
    assert_eq!(
        err(json!({"uniform": {"min": 0, "max": 1}, "constant": 1})),
        "d: a distribution has exactly one kind, got `uniform`, `constant`"
    );
    assert_eq!(
        err(json!({"lognormla": {"median": 1, "p99": 2}})),
        "d.lognormla: unknown field `lognormla`; did you mean `lognormal`?"
    );
}
