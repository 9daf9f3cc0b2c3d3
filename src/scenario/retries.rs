//! `traffic.retries`: a proxy's retry policy, written as Istio's `HTTPRetry`.
//!
//! ```yaml
//! traffic:
//!   retries: {attempts: 2}                              # Istio's default retryOn
//!   retries: {attempts: 3, retryOn: "5xx"}              # also the app's own errors
//!   retries: {attempts: 1, retryOn: "connect-failure"}  # NGINX's proxy_next_upstream error
//! ```
//!
//! `retryOn` is checked as Istio's validation checks it (`istio/istio`
//! `pkg/config/validation/validation.go` `validateHTTPRetry`: a comma-separated list, each
//! item a condition of `supportedRetryOnPolicies` or an HTTP status code, no spaces) and
//! read as `ConvertPolicy` and `parseRetryOn` (`pilot/pkg/networking/core/route/retry/
//! retry.go`) hand it to Envoy: status codes become `retriable_status_codes` (replacing
//! the default 503), and without `retryOn` the default policy applies
//! ([`RetryOn::ISTIO_DEFAULT`]). Each condition then retries what Envoy retries for it
//! (`envoyproxy/envoy` `source/common/router/retry_state_impl.cc`): a refused connection
//! is a reset (`wouldRetryFromReset`: `reset`, `reset-before-request`, `5xx`,
//! `gateway-error`, `connect-failure`), a queue's 503 and an error the application
//! answers (a 500 here) are responses (`wouldRetryFromHeaders`: `5xx` any 5xx,
//! `gateway-error` 502–504, `retriable-status-codes` the listed codes). The other
//! conditions match failures the simulator does not produce (409s, HTTP/2 refused
//! streams, rate limits, gRPC statuses), so they retry nothing here.

use super::model::{Retries, RetryOn};
use super::suggest;
use super::walk::{Node, refuse, with_refused};

/// Fields of `retries`.
pub const FIELDS: &[&str] = &["attempts", "retryOn"];
/// Fields of Istio's `HTTPRetry` refused here, with the reason.
const REFUSED: &[(&str, &str)] = &[(
    "perTryTimeout",
    "a request that times out is not retried here (Istio's default has no per-try \
     timeout); remove it",
)];
/// More retries than any proxy is configured with; keeps a typo from looping.
pub const MAX_RETRIES: u32 = 10;

const NONE: RetryOn = RetryOn {
    refused: false,
    dropped: false,
    errored: false,
};
const REFUSED_ONLY: RetryOn = RetryOn {
    refused: true,
    ..NONE
};

/// The conditions Istio accepts in `retryOn` (`supportedRetryOnPolicies`), with what each
/// retries here.
pub const CONDITIONS: &[(&str, RetryOn)] = &[
    (
        "5xx",
        RetryOn {
            refused: true,
            dropped: true,
            errored: true,
        },
    ),
    (
        "gateway-error",
        RetryOn {
            refused: true,
            dropped: true,
            errored: false,
        },
    ),
    ("reset", REFUSED_ONLY),
    ("reset-before-request", REFUSED_ONLY),
    ("connect-failure", REFUSED_ONLY),
    ("retriable-4xx", NONE),
    ("refused-stream", NONE),
    // What it retries is the status codes listed beside it.
    ("retriable-status-codes", NONE),
    ("retriable-headers", NONE),
    ("envoy-ratelimited", NONE),
    ("http3-post-connect-failure", NONE),
    ("cancelled", NONE),
    ("deadline-exceeded", NONE),
    ("internal", NONE),
    ("resource-exhausted", NONE),
    ("unavailable", NONE),
];

/// The status codes Go's `http.StatusText` names (`net/http/status.go`), which Istio
/// takes as retriable status codes in `retryOn`.
const STATUS_CODES: &[u16] = &[
    100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
    305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415,
    416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
    506, 507, 508, 510, 511,
];

/// `retries: {attempts: N, retryOn: "…"}`.
pub fn retries(n: &Node) -> Option<Retries> {
    refuse(n, REFUSED);
    let o = n.object(&with_refused(FIELDS, REFUSED))?;
    let attempts = o.required("attempts", |n| {
        n.u32_in(0..=MAX_RETRIES, |got| {
            format!("must be at most {MAX_RETRIES} retries, got {got}")
        })
    })?;
    // An empty `retryOn` is unset for Istio (`ConvertPolicy` reads it only when not "").
    let Some(n) = o.get("retryOn").filter(|n| n.value().as_str() != Some("")) else {
        return Some(Retries {
            attempts,
            on: RetryOn::ISTIO_DEFAULT,
        });
    };
    let on = retry_on(&n);
    if attempts == 0 {
        // Istio's validation refuses a policy that retries nothing.
        return o
            .node()
            .fail("`retryOn` is given with `attempts: 0`, which disables retries");
    }
    Some(Retries { attempts, on: on? })
}

/// A `retryOn` list: what its conditions and status codes retry.
fn retry_on(n: &Node) -> Option<RetryOn> {
    let Some(text) = n.value().as_str() else {
        return n.expected(
            "a comma-separated string of retry conditions, such as \"5xx,connect-failure\"",
        );
    };
    let mut on = NONE;
    let mut ok = true;
    for item in text.split(',') {
        if let Some((_, c)) = CONDITIONS.iter().find(|(name, _)| *name == item) {
            on.refused |= c.refused;
            on.dropped |= c.dropped;
            on.errored |= c.errored;
        } else if let Some(code) = status_code(item) {
            on.dropped |= code == 503;
            on.errored |= code == 500;
        } else {
            ok = false;
            let names: Vec<&str> = CONDITIONS.iter().map(|(name, _)| *name).collect();
            let why = if item.trim() != item {
                "; Istio's validation splits at commas only, so remove the spaces".to_string()
            } else if item.is_empty() {
                "; an empty item (two commas, or one at an end)".to_string()
            } else {
                suggest::hint(item, &names)
            };
            n.problem(format!(
                "`{item}` is not a retry condition or an HTTP status code{why}"
            ));
        }
    }
    ok.then_some(on)
}

/// `item` as Go's `strconv.Atoi` reads it, if `http.StatusText` names that code.
fn status_code(item: &str) -> Option<u16> {
    let code: i64 = item.parse().ok()?;
    STATUS_CODES.iter().copied().find(|&c| i64::from(c) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_read_as_atoi_reads_them() {
        assert_eq!(status_code("503"), Some(503));
        assert_eq!(status_code("+503"), Some(503));
        assert_eq!(status_code("0500"), Some(500));
        assert_eq!(status_code("306"), None);
        assert_eq!(status_code("599"), None);
        assert_eq!(status_code("5xx"), None);
    }
}
