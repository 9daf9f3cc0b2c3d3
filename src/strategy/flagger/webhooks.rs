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
//! `rollout` webhooks (the type of a webhook that names none) are called at every
//! analysis before the metric checks (`scheduler.go:runAnalysis`); one that fails counts a
//! failed check. To a gate endpoint they read the gate as the others do; to any other
//! path (Go's `ServeMux` sends it to `/`, `HandleNewTask`) they hand the loadtester a
//! command to run, answered 202 at once: a `hey` load test ([`super::hey`]) against the
//! canary, which the task runner starts unless the same command is still running
//! (`pkg/loadtester/runner.go:runAll`). `pre-rollout` webhooks reach the same endpoints at
//! the analysis' first tick, where no check runs (`scheduler_hooks.go:runPreRolloutHooks`).
//!
//! Where each type is asked (`pkg/controller/scheduler_hooks.go`, `scheduler.go`) is in
//! [`super::tick`]. Webhooks of other types, or to other URLs, are refused with what is
//! modelled.

use super::hey::{self, LoadTest};
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
    /// `rollout` (or no `type`): called at every analysis, before the metric checks; a
    /// failure is a failed check.
    Rollout,
    /// `pre-rollout`: called at the first tick of the analysis instead of the checks; a
    /// failure is a failed check, and the first tick is run again at the next interval.
    PreRollout,
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
    ("", Some(HookType::Rollout)),
    ("rollout", Some(HookType::Rollout)),
    ("pre-rollout", Some(HookType::PreRollout)),
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
     `confirm-traffic-increase`, `confirm-promotion`, `rollback`, `pre-rollout` and \
     `rollout` to a flagger-loadtester endpoint: `/gate/approve`, `/gate/halt`, \
     `/gate/check` or `/rollback/check`, and `pre-rollout` or `rollout` load tests (a \
     `hey` command in `metadata.cmd`) to its task runner";

/// The loadtester endpoint a webhook calls.
#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    /// `/gate/approve`: always 200.
    Approve,
    /// `/gate/halt`: always 403.
    Halt,
    /// `/gate/check`: the gate.
    GateCheck,
    /// `/rollback/check`: the rollback gate.
    RollbackCheck,
    /// `/` (any other path): the task runner, handed this load test; answers 202.
    LoadTest(LoadTest),
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
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// `name`, for the trace.
    pub name: String,
    /// `type`.
    pub kind: HookType,
    /// The endpoint of `url`.
    pub endpoint: Endpoint,
}

impl Webhook {
    /// Whether the call answers 2xx with the loadtester's gates as they are (the task
    /// runner accepts a command with 202, which Flagger reads as a pass).
    pub fn passes(&self, gates: Gates) -> bool {
        match self.endpoint {
            Endpoint::Approve | Endpoint::LoadTest(_) => true,
            Endpoint::Halt => false,
            Endpoint::GateCheck => gates.gate,
            Endpoint::RollbackCheck => gates.rollback,
        }
    }

    /// The load test this webhook starts, if it calls the task runner.
    pub fn load_test(&self) -> Option<&LoadTest> {
        match &self.endpoint {
            Endpoint::LoadTest(t) => Some(t),
            _ => None,
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
    ENDPOINTS
        .iter()
        .find(|(k, _)| *k == path)
        .map(|(_, e)| e.clone())
}

/// `url`'s endpoint ([`endpoint_of`]), or why it is refused; a `rollout` hook to another
/// path hands the task runner `metadata`'s command (`load`).
fn endpoint(n: &Node, kind: HookType, load: impl FnOnce() -> Option<LoadTest>) -> Option<Endpoint> {
    let url = n.string()?;
    match endpoint_of(&url) {
        Some(e) => Some(e),
        None if to_task_runner(kind, &url) => load().map(Endpoint::LoadTest),
        None => n.fail(format!(
            "must be a flagger-loadtester gate URL, `http://<loadtester host>` followed by \
             `/gate/approve`, `/gate/halt`, `/gate/check` or `/rollback/check` \
             (pkg/loadtester/server.go), got \"{url}\"; {MODELLED}"
        )),
    }
}

/// Whether a hook of `kind` to `url` hands the loadtester's task runner a command: a
/// `rollout` or `pre-rollout` hook to an http(s) URL that is no gate path (Go's
/// `ServeMux` sends it to `/`).
fn to_task_runner(kind: HookType, url: &str) -> bool {
    matches!(kind, HookType::Rollout | HookType::PreRollout)
        && (url.starts_with("http://") || url.starts_with("https://"))
        && endpoint_of(url).is_none()
}

/// `metadata` of a webhook calling the task runner: `cmd`, run as a shell command (the
/// default `type: cmd`, `task_shell.go`), parsed as a `hey` load test. `logCmdOutput`
/// only logs.
fn load_test(o: &crate::scenario::walk::Obj) -> Option<LoadTest> {
    let Some(m) = o.get("metadata") else {
        return o.node().fail(
            "a `rollout` or `pre-rollout` webhook to the loadtester's task runner needs \
             `metadata.cmd`, the \
             command it runs (HandleNewTask: \"metadata not found in payload\" is a 400, a \
             failed check); the simulated one is a `hey` load test of the canary",
        );
    };
    let m = m.map()?;
    if let Some(t) = m.get("type") {
        let s = t.string()?;
        if s != "cmd" {
            return t.fail(format!(
                "the loadtester's `{s}` tasks are not simulated; only `cmd` (the default) \
                 running a `hey` load test is"
            ));
        }
    }
    m.opt("logCmdOutput", |n| {
        let s = n.string()?;
        n.check(
            (),
            matches!(
                s.as_str(),
                "true"
                    | "false"
                    | "1"
                    | "0"
                    | "t"
                    | "f"
                    | "TRUE"
                    | "FALSE"
                    | "True"
                    | "False"
                    | "T"
                    | "F"
            ),
            "must be a Go boolean string (\"true\" or \"false\")",
        )
    });
    for (key, v) in m.entries() {
        if !matches!(key, "cmd" | "type" | "logCmdOutput") {
            v.string();
        }
    }
    let cmd = m.required("cmd", Node::string)?;
    match hey::parse(&cmd) {
        Ok(t) => Some(t),
        Err(why) => m.get("cmd")?.fail(format!("the command {why}")),
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
    // No `type` is `rollout` (`runAnalysis` calls `Type == ""` hooks).
    let kind = kind.unwrap_or(HookType::Rollout);
    let endpoint = o.required("url", |n| endpoint(n, kind, || load_test(&o)));
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
    // A hook to the task runner had its `metadata` read as the command's (`load_test`).
    let to_runner = o
        .get("url")
        .and_then(|u| u.value().as_str().map(|u| to_task_runner(kind, u)))
        .unwrap_or(false);
    if !to_runner {
        o.opt("metadata", |m| {
            let m = m.map()?;
            for (_, v) in m.entries() {
                v.string();
            }
            Some(())
        });
    }
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
