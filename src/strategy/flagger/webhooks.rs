//! `analysis.webhooks` served by the flagger-loadtester: the gates Flagger asks before it
//! goes on, after `fluxcd/flagger@15bd6ad` (v1.44.0).
//!
//! Flagger calls a webhook with a POST and reads any status above 202 as "no"
//! (`pkg/controller/webhook.go:callWebhook`). The loadtester's gate endpoints
//! (`pkg/loadtester/server.go:ListenAndServe`) answer at once: `/gate/approve` always 200,
//! `/gate/halt` always 403, `/gate/check` 200 while the canary's gate is open and
//! `/rollback/check` 200 while its rollback gate is open. Both gates are closed until a
//! POST to `/gate/open` or `/rollback/open` (`pkg/loadtester/gate.go:isOpen` stores
//! `false` for a name it has not seen) and stay as last set: the scenario's
//! `{gate: open|close}` and `{rollback: open|close}` actions. The gate is keyed by the
//! Canary's name alone, so every `/gate/check` hook of a Canary, whatever its type, reads
//! the one gate.
//!
//! Where each type is asked (`pkg/controller/scheduler_hooks.go`, `scheduler.go`) is in
//! [`super::tick`]. Webhooks of other types, or to other URLs, are refused with what is
//! modelled.

use crate::scenario::walk::Node;

/// Fields of one `analysis.webhooks[]` item (`CanaryWebhook`).
pub const WEBHOOK_FIELDS: &[&str] = &[
    "name",
    "type",
    "url",
    "timeout",
    "retries",
    "muteAlert",
    "disableTLS",
    "metadata",
];

/// The hook types simulated (`HookType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookType {
    /// `confirm-rollout`: asked before the canary is scaled up.
    ConfirmRollout,
    /// `confirm-traffic-increase`: asked before each weight step.
    ConfirmTrafficIncrease,
    /// `confirm-promotion`: asked before the canary's spec is copied to the primary.
    ConfirmPromotion,
    /// `rollback`: a 200 rolls the canary back.
    Rollback,
}

/// `type` values (the CRD's enum) and what is simulated of each.
const TYPES: &[(&str, Option<HookType>)] = &[
    ("confirm-rollout", Some(HookType::ConfirmRollout)),
    (
        "confirm-traffic-increase",
        Some(HookType::ConfirmTrafficIncrease),
    ),
    ("confirm-promotion", Some(HookType::ConfirmPromotion)),
    ("rollback", Some(HookType::Rollback)),
    ("", None),
    ("rollout", None),
    ("pre-rollout", None),
    ("post-rollout", None),
    ("event", None),
];

/// The simulated `type` values, for the schema.
pub fn hook_types() -> Vec<&'static str> {
    TYPES
        .iter()
        .filter(|(_, t)| t.is_some())
        .map(|(k, _)| *k)
        .collect()
}

/// Whether a webhook of `type` `kind` is simulated (at a loadtester gate endpoint).
pub fn is_simulated_type(kind: &str) -> bool {
    TYPES.iter().any(|(k, t)| *k == kind && t.is_some())
}

/// What is modelled, for the refusals.
const MODELLED: &str = "the simulated webhooks are `confirm-rollout`, \
     `confirm-traffic-increase`, `confirm-promotion` and `rollback` to a flagger-loadtester \
     endpoint: `/gate/approve`, `/gate/halt`, `/gate/check` or `/rollback/check`";

/// The loadtester endpoint a webhook calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/gate/approve`: always 200.
    Approve,
    /// `/gate/halt`: always 403.
    Halt,
    /// `/gate/check`: the gate.
    GateCheck,
    /// `/rollback/check`: the rollback gate.
    RollbackCheck,
}

const ENDPOINTS: &[(&str, Endpoint)] = &[
    ("/gate/approve", Endpoint::Approve),
    ("/gate/halt", Endpoint::Halt),
    ("/gate/check", Endpoint::GateCheck),
    ("/rollback/check", Endpoint::RollbackCheck),
];

/// The loadtester's `GateStorage` for the one Canary: both closed at first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gates {
    /// `<name>.<namespace>`: set by `/gate/open`, `/gate/close`.
    pub gate: bool,
    /// `rollback.<name>.<namespace>`: set by `/rollback/open`, `/rollback/close`.
    pub rollback: bool,
}

/// One simulated webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// `name`, for the trace.
    pub name: String,
    /// `type`.
    pub kind: HookType,
    /// The endpoint of `url`.
    pub endpoint: Endpoint,
}

impl Webhook {
    /// Whether the call answers 2xx with the loadtester's gates as they are.
    pub fn passes(&self, gates: Gates) -> bool {
        match self.endpoint {
            Endpoint::Approve => true,
            Endpoint::Halt => false,
            Endpoint::GateCheck => gates.gate,
            Endpoint::RollbackCheck => gates.rollback,
        }
    }
}

/// `runConfirm*Hooks`: every hook of `kind` in order; the first that fails stops, and its
/// index is returned (`None`: all passed, or none of that type).
pub fn first_closed(hooks: &[Webhook], kind: HookType, gates: Gates) -> Option<usize> {
    hooks
        .iter()
        .position(|h| h.kind == kind && !h.passes(gates))
}

/// `runRollbackHooks`: the index of the first `rollback` hook that answers 200 (a failing
/// one is "not signaling a rollback" and the next is asked).
pub fn rollback_signalled(hooks: &[Webhook], gates: Gates) -> Option<usize> {
    hooks
        .iter()
        .position(|h| h.kind == HookType::Rollback && h.passes(gates))
}

/// The loadtester endpoint of a webhook URL: `http(s)://host[:port]` and one of the gate
/// paths (Go's `http.ServeMux` matches the path exactly; anything else reaches `/`, the
/// task runner). The host is taken to be a flagger-loadtester's Service.
///
/// ```
/// use rollout_sim::strategy::flagger::webhooks::{Endpoint, endpoint_of};
/// let url = "http://flagger-loadtester.test/gate/check";
/// assert_eq!(endpoint_of(url), Some(Endpoint::GateCheck));
/// assert_eq!(endpoint_of("http://flagger-loadtester.test/"), None);
/// ```
pub fn endpoint_of(url: &str) -> Option<Endpoint> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let path = rest.find('/').map_or("", |i| &rest[i..]);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    ENDPOINTS.iter().find(|(k, _)| *k == path).map(|(_, e)| *e)
}

/// `url`'s endpoint ([`endpoint_of`]), or why it is refused.
fn endpoint(n: &Node) -> Option<Endpoint> {
    let url = n.string()?;
    match endpoint_of(&url) {
        Some(e) => Some(e),
        None => n.fail(format!(
            "must be a flagger-loadtester gate URL, `http://<loadtester host>` followed by \
             `/gate/approve`, `/gate/halt`, `/gate/check` or `/rollback/check` \
             (pkg/loadtester/server.go), got \"{url}\"; {MODELLED}"
        )),
    }
}

/// One `webhooks[]` item; `None` after recording why it is refused.
fn webhook(n: &Node) -> Option<Webhook> {
    let o = n.object(WEBHOOK_FIELDS)?;
    let name = o.required("name", Node::string);
    let kind = match o.get("type") {
        None => None,
        Some(t) => {
            let s = t.string()?;
            match TYPES.iter().find(|(k, _)| *k == s) {
                Some((_, Some(k))) => Some(*k),
                Some((_, None)) => {
                    return t.fail(format!("`{s}` webhooks are not simulated; {MODELLED}"));
                }
                None => {
                    let names: Vec<String> =
                        TYPES.iter().map(|(k, _)| format!("\"{k}\"")).collect();
                    return t.fail(format!(
                        "must be one of the CRD's types {}, got \"{s}\"",
                        names.join(", ")
                    ));
                }
            }
        }
    };
    let Some(kind) = kind else {
        // No `type` is `rollout` (`runAnalysis` calls `Type == ""` hooks).
        return o.node().fail(format!(
            "no `type` is a `rollout` webhook (a load test or check run with the analysis), \
             which is not simulated; {MODELLED}"
        ));
    };
    let endpoint = o.required("url", endpoint);
    // The gate endpoints answer at once and never fail, so `timeout` and `retries` never
    // come into play; `muteAlert` only mutes alerts, `disableTLS` only TLS, and the gate
    // endpoints read only the Canary's name from the payload, not `metadata`. They are
    // checked against the CRD and otherwise change nothing.
    o.opt("timeout", |t| {
        let s = t.string()?;
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let ok = digits > 0 && matches!(s.as_bytes().get(digits), Some(b'm' | b's'));
        t.check(
            s.clone(),
            ok,
            "must match the CRD's pattern `^[0-9]+(m|s)` (e.g. \"30s\")",
        )
    });
    o.opt("retries", Node::u32);
    o.opt("muteAlert", Node::bool);
    o.opt("disableTLS", Node::bool);
    o.opt("metadata", |m| {
        let m = m.map()?;
        for (_, v) in m.entries() {
            v.string();
        }
        Some(())
    });
    Some(Webhook {
        name: name?,
        kind,
        endpoint: endpoint?,
    })
}

/// Read `analysis.webhooks`.
pub fn parse(n: &Node) -> Vec<Webhook> {
    n.list()
        .map(|items| items.iter().filter_map(webhook).collect())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "webhooks_tests.rs"]
mod tests;
