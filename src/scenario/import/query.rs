//! What an analysis metric's query measures, when it has one of the common PromQL shapes.
//!
//! The simulator cannot run Prometheus, Datadog or a web hook: it measures its own
//! quantities (`error_rate`, `success_rate`, `latency_p50|p95|p99`, see
//! `crate::analysis::spec::Quantity`). A query is read as one of them when it is
//!
//! | shape | quantity |
//! |---|---|
//! | `A / B` whose numerator excludes 5xx codes (`code!~"5.."`, `!~"5.*"`, `!="5xx"`) | `success_rate` |
//! | `A / B` whose numerator keeps only 5xx codes (`code=~"5.."`, `=~"5.*"`, `="5xx"`) | `error_rate` |
//! | `histogram_quantile(0.5 \| 0.95 \| 0.99, …_seconds_bucket …)` | `latency_p50 \| p95 \| p99`, seconds |
//! | the same over `…_milliseconds_bucket` or `…_ms_bucket` | the same, milliseconds |
//!
//! The simulator's latencies are milliseconds; a query in seconds gets its conditions'
//! `result` divided by 1000 (see [`Recognised::per_ms`]). A query whose every selector
//! counts the pods' side of the requests (Istio's `reporter="destination"`, Linkerd's
//! `direction="inbound"`) is read as `reporter: destination` (every attempt a pod took,
//! see [`Recognised::destination`]); anything else as the client's count, the default.
//! The window is the query's range selector (`[5m]`) when every range in it is the same.
//! Anything else is not recognised: guessing a quantity would invent what the analysis
//! watches.

/// A query read as a simulated quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognised {
    /// The scenario's metric name (`success_rate`, …).
    pub metric: &'static str,
    /// The range selector, when the query has one (`"5m"`).
    pub window: Option<String>,
    /// How many of the query's units a millisecond is: `Some(1000.0)` for a latency in
    /// seconds (conditions then compare `result / 1000`), `None` when the units agree.
    pub per_ms: Option<f64>,
    /// How the query was read, for the "check this mapping" note.
    pub reading: String,
    /// Whether the query counts the pods' side (every attempt): each of its reporter or
    /// direction labels selects it, and it has one at least.
    pub destination: bool,
}

/// Reads a PromQL `query`; `None` if it has none of the shapes above.
pub fn recognise(query: &str) -> Option<Recognised> {
    let q: String = query.split_whitespace().collect::<Vec<_>>().join(" ");
    let window = range(&q);
    let destination = destination(&q);
    if let Some(r) = quantile(&q) {
        return Some(Recognised {
            window,
            destination,
            ..r
        });
    }
    let (numerator, _) = split_ratio(&q)?;
    let compact: String = numerator.chars().filter(|c| !c.is_whitespace()).collect();
    let excludes = [
        "!~\"5..\"",
        "!~\"5.*\"",
        "!~\"5xx\"",
        "!=\"5xx\"",
        "!~'5..'",
        "!~'5.*'",
    ];
    let keeps = [
        "=~\"5..\"",
        "=~\"5.*\"",
        "=~\"5xx\"",
        "=\"5xx\"",
        "=~'5..'",
        "=~'5.*'",
    ];
    let has = |set: &[&str]| {
        set.iter().any(|m| {
            compact
                .match_indices(m)
                .any(|(i, _)| !(m.starts_with('=') && compact[..i].ends_with(['!', '='])))
        })
    };
    let (metric, reading) = if has(&excludes) {
        (
            "success_rate",
            "a ratio whose numerator excludes 5xx responses: the success rate",
        )
    } else if has(&keeps) {
        (
            "error_rate",
            "a ratio whose numerator keeps only 5xx responses: the error rate",
        )
    } else {
        return None;
    };
    Some(Recognised {
        metric,
        window,
        per_ms: None,
        reading: reading.to_string(),
        destination,
    })
}

/// Whether every label of `q` saying whose side counted the requests says the pods':
/// Istio's `reporter` (`destination` against `source`) and Linkerd's `direction`
/// (`inbound` against `outbound`).
fn destination(q: &str) -> bool {
    let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    let mut sides = Vec::new();
    for (label, pods) in [("reporter=", "destination"), ("direction=", "inbound")] {
        for (i, _) in compact.match_indices(label) {
            // A longer label name ending so (`myreporter=`) is another label; a regex
            // (`reporter=~`) is not read as one side (`reporter!=` never matches here).
            let before = compact[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let value = compact[i + label.len()..].trim_start_matches(['"', '\'']);
            sides.push(value.starts_with(pods) && !compact[i + label.len()..].starts_with('~'));
        }
    }
    !sides.is_empty() && sides.iter().all(|&pods| pods)
}

/// `histogram_quantile(φ, …)` with φ 0.5, 0.95 or 0.99 over a histogram whose unit the
/// metric name says.
fn quantile(q: &str) -> Option<Recognised> {
    let start = q.find("histogram_quantile(")? + "histogram_quantile(".len();
    let rest = &q[start..];
    let phi: f64 = rest[..rest.find(',')?].trim().parse().ok()?;
    let metric = [
        (0.5, "latency_p50"),
        (0.95, "latency_p95"),
        (0.99, "latency_p99"),
    ]
    .iter()
    .find(|(p, _)| (p - phi).abs() < 1e-9)?
    .1;
    let (unit, per_ms) = if rest.contains("_seconds_bucket") {
        ("seconds", Some(1000.0))
    } else if rest.contains("_milliseconds_bucket") || rest.contains("_ms_bucket") {
        ("milliseconds", None)
    } else {
        return None;
    };
    Some(Recognised {
        metric,
        window: None,
        per_ms,
        reading: format!("the {phi} quantile of a latency histogram in {unit}"),
        destination: false,
    })
}

/// The numerator and denominator of `A / B`, split at the one `/` outside parentheses,
/// brackets, braces and quotes.
fn split_ratio(q: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut at = None;
    for (i, c) in q.char_indices() {
        match (quote, c) {
            (Some(open), _) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, '/') if depth == 0 => {
                if at.is_some() {
                    return None;
                }
                at = Some(i);
            }
            _ => {}
        }
    }
    let i = at?;
    Some((&q[..i], &q[i + 1..]))
}

/// The range of the query's range selectors (`[5m]`), when they all agree; subqueries
/// (`[1h:1m]`) and templated ranges are not read.
fn range(q: &str) -> Option<String> {
    let mut found: Option<&str> = None;
    for (i, _) in q.match_indices('[') {
        let inner = &q[i + 1..i + 1 + q[i + 1..].find(']')?];
        let valid = !inner.is_empty()
            && inner.starts_with(|c: char| c.is_ascii_digit())
            && inner.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid {
            return None;
        }
        match found {
            Some(f) if f != inner => return None,
            _ => found = Some(inner),
        }
    }
    found.map(str::to_string)
}

/// `condition` with every `result` (or `result[0]`) divided by `per_ms`: a condition
/// written for seconds, evaluated on milliseconds.
pub fn rescale(condition: &str, per_ms: f64) -> String {
    let mut out = String::with_capacity(condition.len() + 16);
    let mut rest = condition;
    while let Some(i) = rest.find("result") {
        let before = rest[..i].chars().next_back();
        let after_at = i + "result".len();
        let after = rest[after_at..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        out.push_str(&rest[..i]);
        if word(before) || word(after) {
            out.push_str("result");
            rest = &rest[after_at..];
            continue;
        }
        let tail = &rest[after_at..];
        let index_len = tail.strip_prefix("[0]").map_or(0, |_| "[0]".len());
        out.push_str(&format!("(result / {per_ms})"));
        rest = &tail[index_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_error_ratios() {
        let s = recognise(
            r#"sum(irate(istio_requests_total{reporter="source",destination_service=~"shop",response_code!~"5.*"}[5m]))
               / sum(irate(istio_requests_total{reporter="source",destination_service=~"shop"}[5m]))"#,
        )
        .unwrap();
        assert_eq!(
            (s.metric, s.window.as_deref()),
            ("success_rate", Some("5m"))
        );
        let e = recognise(
            r#"sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))"#,
        )
        .unwrap();
        assert_eq!((e.metric, e.window.as_deref()), ("error_rate", Some("1m")));
        // The 5xx matcher must be in the numerator.
        assert_eq!(
            recognise(r#"sum(rate(x[1m])) / sum(rate(x{code!~"5.."}[1m]))"#),
            None
        );
        // Different ranges: no single window.
        let w = recognise(r#"sum(rate(x{code=~"5.."}[1m])) / sum(rate(x[5m]))"#).unwrap();
        assert_eq!(w.window, None);
        assert_eq!(recognise("sum(rate(x[1m]))"), None);
        assert_eq!(recognise("up{job=\"shop\"}"), None);
    }

    /// Istio's `reporter="destination"` and Linkerd's `direction="inbound"` count the pods'
    /// side; `source`, `outbound`, a regex or a mix of sides do not.
    #[test]
    fn the_pods_side_is_read_from_the_reporter_label() {
        let ratio = |sel: &str, sel2: &str| {
            recognise(&format!(
                r#"sum(rate(istio_requests_total{{{sel}, response_code!~"5.*"}}[1m])) / sum(rate(istio_requests_total{{{sel2}}}[1m]))"#
            ))
            .unwrap()
            .destination
        };
        let dest = r#"reporter="destination""#;
        assert!(ratio(dest, dest));
        assert!(ratio("reporter = 'destination'", dest));
        assert!(ratio(r#"direction="inbound""#, r#"direction="inbound""#));
        assert!(!ratio(r#"reporter="source""#, r#"reporter="source""#));
        assert!(!ratio(dest, r#"reporter="source""#));
        assert!(!ratio(r#"reporter=~"destination|source""#, dest));
        assert!(!ratio(r#"direction="outbound""#, r#"direction="outbound""#));
        assert!(!ratio(r#"app="a""#, r#"app="a""#));
        assert!(!ratio(r#"myreporter="destination""#, r#"app="a""#));
        let p99 = recognise(
            r#"histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[1m])) by (le))"#,
        )
        .unwrap();
        assert!(p99.destination);
    }

    #[test]
    fn quantiles_with_their_units() {
        let p = recognise(
            "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{app=\"a\"}[2m])) by (le))",
        )
        .unwrap();
        assert_eq!(
            (p.metric, p.window.as_deref(), p.per_ms),
            ("latency_p99", Some("2m"), Some(1000.0))
        );
        let m =
            recognise("histogram_quantile(0.95, sum(rate(req_duration_ms_bucket[1m])) by (le))")
                .unwrap();
        assert_eq!((m.metric, m.per_ms), ("latency_p95", None));
        let h = recognise("histogram_quantile(0.5, sum(rate(d_milliseconds_bucket[1m])) by (le))")
            .unwrap();
        assert_eq!(h.metric, "latency_p50");
        // Other quantiles, or a histogram whose unit the name does not say.
        assert_eq!(
            recognise("histogram_quantile(0.9, sum(rate(d_seconds_bucket[1m])) by (le))"),
            None
        );
        assert_eq!(
            recognise("histogram_quantile(0.99, sum(rate(d_bucket[1m])) by (le))"),
            None
        );
    }

    #[test]
    fn conditions_are_rescaled_to_milliseconds() {
        assert_eq!(
            rescale("result[0] <= 0.5", 1000.0),
            "(result / 1000) <= 0.5"
        );
        assert_eq!(
            rescale("result < 0.3 && result > 0", 1000.0),
            "(result / 1000) < 0.3 && (result / 1000) > 0"
        );
        assert_eq!(rescale("results < 1", 1000.0), "results < 1");
        // The rewritten condition means the same on milliseconds.
        let c = crate::analysis::condition::Condition::parse(&rescale("result[0] <= 0.5", 1000.0))
            .unwrap();
        assert!(c.eval(500.0) && !c.eval(501.0));
    }
}
