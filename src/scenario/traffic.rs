//! `traffic`: the requests sent to the service while it rolls out.
//!
//! ```yaml
//! traffic:
//!   rps: 200                      # or profile: {step: […]} | {diurnal: {…}} | {file: …}
//!   arrivals: poisson             # or constant
//!   balancer: round-robin         # or random | least-request
//!   endpoint_propagation: 1s      # a distribution
//!   tick: 1s                      # bucket width of the counts and the timeline
//!   queue_limit: 100              # per endpoint, beyond the request in service
//!   duration: 10m                 # default: until the rollout's outcome
//!   slo: 0.999                    # or {availability: 0.999, window: 10s}
//!   retries: {attempts: 2}        # a proxy retries failed attempts elsewhere (retries.rs)
//! ```
//!
//! Profiles: `{step: [{at: D, rps: R}, …]}` (each rate holds from its `at` until the next;
//! before the first, the first), `{diurnal: {rps: MEAN, amplitude: 0..1, period: D,
//! peak_at: D}}`, and `{file: PATH}`, a CSV with a header and columns `t` (or `time`,
//! seconds or a duration) and `rps`, read as a step function like `step`.

use super::duration;
use super::limits::{self, MAX_QUEUE_LIMIT, MAX_SAMPLES};
use super::model::{Arrivals, Balancer, RateProfile, Slo, Traffic};
use super::user_file::Csv;
use super::walk::{Node, Obj, number};
use crate::sim::time::{SECOND, Time};
use serde_json::Value;

/// Fields of `traffic`.
pub const FIELDS: &[&str] = &[
    "rps",
    "profile",
    "arrivals",
    "balancer",
    "endpoint_propagation",
    "tick",
    "queue_limit",
    "duration",
    "slo",
    "retries",
];

/// More than any service sees; keeps a typo from asking for 10¹⁸ requests.
const MAX_RPS: f64 = 1e9;

/// Fields of `profile` (exactly one is given).
pub const PROFILE_FIELDS: &[&str] = &["step", "diurnal", "file"];
/// Fields of each `profile.step` item.
pub const STEP_FIELDS: &[&str] = &["at", "rps"];
/// Fields of `profile.diurnal`.
pub const DIURNAL_FIELDS: &[&str] = &["rps", "amplitude", "period", "peak_at"];
/// Fields of `slo` written as a map.
pub const SLO_FIELDS: &[&str] = &["availability", "window"];
/// `arrivals` values.
pub const ARRIVALS: &[(&str, Arrivals)] = &[
    ("poisson", Arrivals::Poisson),
    ("constant", Arrivals::Constant),
];
/// `balancer` values.
pub const BALANCERS: &[(&str, Balancer)] = &[
    ("round-robin", Balancer::RoundRobin),
    ("random", Balancer::Random),
    ("least-request", Balancer::LeastRequest),
];

/// The traffic section.
pub fn traffic(o: &Obj) -> Traffic {
    let rate = match (o.get("rps"), o.get("profile")) {
        (Some(_), Some(p)) => {
            p.problem("give either `rps` or `profile`, not both");
            RateProfile::Constant(0.0)
        }
        (Some(r), None) => rps(&r).map_or(RateProfile::Constant(0.0), RateProfile::Constant),
        (None, Some(p)) => profile(&p).unwrap_or(RateProfile::Constant(0.0)),
        (None, None) => {
            o.node()
                .problem("missing field `rps` (or `profile`): how many requests per second");
            RateProfile::Constant(0.0)
        }
    };
    let tick = o.positive_duration("tick", SECOND);
    let slo = o.opt("slo", |n| slo(n, tick));
    Traffic {
        rate,
        arrivals: o.choice("arrivals", Arrivals::Poisson, ARRIVALS),
        balancer: o.choice("balancer", Balancer::RoundRobin, BALANCERS),
        endpoint_propagation: o.dist("endpoint_propagation", super::Dist::Constant(SECOND)),
        tick,
        queue_limit: o.or("queue_limit", 100, |n| {
            n.u32_in(0..=MAX_QUEUE_LIMIT, |got| {
                limits::too_large(MAX_QUEUE_LIMIT.into(), got)
            })
        }),
        duration: o.opt("duration", Node::positive_duration),
        slo,
        retries: o
            .opt("retries", super::retries::retries)
            .unwrap_or_default(),
    }
}

fn rps(n: &Node) -> Option<f64> {
    let r = n.f64()?;
    n.check(
        r,
        (0.0..=MAX_RPS).contains(&r),
        &format!(
            "must be between 0 and {MAX_RPS:e} requests per second, got {}",
            number(r)
        ),
    )
}

fn profile(n: &Node) -> Option<RateProfile> {
    let o = n.object(PROFILE_FIELDS)?;
    let given: Vec<(&str, Node)> = o.entries().filter(|(_, v)| !v.value().is_null()).collect();
    match given.as_slice() {
        [("step", s)] => steps(s),
        [("diurnal", d)] => diurnal(d),
        [("file", f)] => file(f),
        [] => n.fail("expected one of `step`, `diurnal`, `file`"),
        _ => n.fail("give exactly one of `step`, `diurnal`, `file`"),
    }
}

fn steps(n: &Node) -> Option<RateProfile> {
    let items = n.list()?;
    if items.is_empty() {
        return n.fail("a step profile needs at least one step");
    }
    if items.len() > MAX_SAMPLES {
        return n.fail(limits::too_many(MAX_SAMPLES, items.len(), "steps"));
    }
    let parsed: Vec<Option<(Time, f64)>> = items
        .iter()
        .map(|item| {
            let o = item.object(STEP_FIELDS)?;
            let at = o.required("at", Node::duration);
            let r = o.required("rps", rps);
            Some((at?, r?))
        })
        .collect();
    let steps: Vec<(Time, f64)> = parsed.into_iter().collect::<Option<_>>()?;
    ordered(n, steps)
}

fn ordered(n: &Node, steps: Vec<(Time, f64)>) -> Option<RateProfile> {
    if steps.windows(2).any(|w| w[0].0 >= w[1].0) {
        return n.fail("steps must be in strictly increasing order of time");
    }
    Some(RateProfile::Steps(steps))
}

fn diurnal(n: &Node) -> Option<RateProfile> {
    let o = n.object(DIURNAL_FIELDS)?;
    let mean = o.required("rps", rps);
    let amplitude = o.or("amplitude", 0.5, Node::probability);
    let period = o.positive_duration("period", 24 * 3600 * SECOND);
    let peak_at = o.duration("peak_at", 0);
    Some(RateProfile::Diurnal {
        mean: mean?,
        amplitude,
        period,
        peak_at,
    })
}

/// A CSV of `t,rps` rows, relative to the scenario's directory.
fn file(n: &Node) -> Option<RateProfile> {
    let name = n.string()?;
    let mut csv = Csv::open(n, &name)?;
    let shown = csv.shown.clone();
    let col = |names: &[&str]| csv.headers.iter().position(|h| names.contains(&h));
    let (Some(t_col), Some(r_col)) = (col(&["t", "time"]), col(&["rps"])) else {
        return n.fail(format!(
            "`{shown}` needs a header with columns `t` (or `time`) and `rps`"
        ));
    };
    let mut steps = Vec::new();
    csv.rows(n, |record, line| {
        let t = duration::parse(record.get(t_col).unwrap_or(""));
        let r: Result<f64, _> = record.get(r_col).unwrap_or("").parse();
        match (t, r) {
            (Ok(t), Ok(r)) if (0.0..=MAX_RPS).contains(&r) => steps.push((t, r)),
            _ => {
                let row: Vec<&str> = record.iter().collect();
                return n.fail(format!(
                    "`{shown}` line {line}: expected a time and a rate of at least 0, got `{}`",
                    row.join(",")
                ));
            }
        }
        Some(())
    })?;
    if steps.is_empty() {
        return n.fail(format!("`{shown}` has no rows"));
    }
    ordered(n, steps)
}

fn slo(n: &Node, tick: Time) -> Option<Slo> {
    let (availability, window) = match n.value() {
        Value::Number(_) => (slo_target(n), 10 * SECOND),
        _ => {
            let o = n.object(SLO_FIELDS)?;
            let a = o.required("availability", slo_target);
            (a, o.positive_duration("window", 10 * SECOND))
        }
    };
    if window % tick != 0 {
        n.problem(format!(
            "the window ({}) must be a whole number of ticks ({})",
            duration::show(window),
            duration::show(tick)
        ));
    }
    Some(Slo {
        availability: availability?,
        window,
    })
}

fn slo_target(n: &Node) -> Option<f64> {
    let a = n.f64()?;
    n.check(
        a,
        a > 0.0 && a <= 1.0,
        &format!(
            "must be a fraction of requests served, above 0 and at most 1, got {}",
            number(a)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> (Traffic, Vec<String>) {
        walk::run(&v, |n| traffic(&n.object_or_empty(FIELDS)))
    }

    #[test]
    fn defaults() {
        let (t, p) = parse(json!({"rps": 200}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(t.rate, RateProfile::Constant(200.0));
        assert_eq!(
            (t.arrivals, t.balancer, t.tick, t.queue_limit, t.duration),
            (Arrivals::Poisson, Balancer::RoundRobin, SECOND, 100, None)
        );
        assert!(t.slo.is_none());
    }

    #[test]
    fn profiles_and_slo() {
        let (t, p) = parse(
            json!({"profile": {"step": [{"at": 0, "rps": 10}, {"at": "1m", "rps": 30}]},
                                  "slo": {"availability": 0.999, "window": "30s"},
                                  "arrivals": "constant", "balancer": "least-request"}),
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            t.rate,
            RateProfile::Steps(vec![(0, 10.0), (60 * SECOND, 30.0)])
        );
        assert_eq!(
            t.slo,
            Some(Slo {
                availability: 0.999,
                window: 30 * SECOND
            })
        );
        let (t, p) =
            parse(json!({"profile": {"diurnal": {"rps": 100, "period": "1h"}}, "slo": 0.99}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            t.rate,
            RateProfile::Diurnal {
                mean: 100.0,
                amplitude: 0.5,
                period: 3600 * SECOND,
                peak_at: 0
            }
        );
        assert_eq!(t.slo.unwrap().window, 10 * SECOND);
    }

    #[test]
    fn problems_name_the_field() {
        let (_, p) = parse(
            json!({"rps": -1, "balancer": "rr", "slo": 1.5, "tick": "300ms",
                                  "profile": {"step": []}}),
        );
        assert!(
            p.iter()
                .any(|m| m == "profile: give either `rps` or `profile`, not both")
        );
        assert!(
            p.iter()
                .any(|m| m.starts_with("balancer: unknown value `rr`"))
        );
        assert!(p.iter().any(|m| m.starts_with("slo: must be a fraction")));
        assert!(p.iter().any(|m| {
            m.starts_with("slo: the window (10s) must be a whole number of ticks (300ms)")
        }));
        let (_, p) = parse(json!({}));
        assert_eq!(
            p,
            ["(root): missing field `rps` (or `profile`): how many requests per second"]
        );
        // An astronomical value is echoed as written, not as 301 digits.
        let (_, p) = parse(json!({"rps": 1e300, "slo": {"availability": -1e-300}}));
        assert_eq!(
            p,
            [
                "rps: must be between 0 and 1e9 requests per second, got 1e300",
                "slo.availability: must be a fraction of requests served, above 0 and at most \
                 1, got -1e-300"
            ]
        );
        let (_, p) =
            parse(json!({"profile": {"step": [{"at": 5, "rps": 1}, {"at": 5, "rps": 2}]}}));
        assert_eq!(
            p,
            ["profile.step: steps must be in strictly increasing order of time"]
        );
    }

    #[test]
    fn rate_file_is_a_step_function() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rate.csv"), "t,rps\n0,100\n60,250\n2m,50\n").unwrap();
        let ctx = walk::Ctx::new(dir.path());
        let v = json!({"profile": {"file": "rate.csv"}});
        let t = traffic(&Node::root(&v, &ctx).object_or_empty(FIELDS));
        assert!(ctx.into_problems().is_empty());
        assert_eq!(
            t.rate,
            RateProfile::Steps(vec![(0, 100.0), (60 * SECOND, 250.0), (120 * SECOND, 50.0)])
        );
    }
}
