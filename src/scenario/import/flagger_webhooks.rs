//! A Flagger Canary's `spec.analysis.webhooks` → `strategy.flagger.analysis.webhooks`.
//!
//! A webhook is copied as written when the scenario's own reader of it
//! ([`webhooks::parse`], `src/strategy/flagger/webhooks.rs`) accepts it: the
//! flagger-loadtester's gates (`fluxcd/flagger` v1.44.0 `pkg/loadtester/server.go`) and
//! `rollout` or `pre-rollout` load tests, a `hey` command the loadtester's task runner starts
//! (`pkg/loadtester/task_shell.go`, [`crate::strategy::flagger::hey`]). Asking that reader,
//! not a list of rules of its own, keeps the import from copying a webhook `run` refuses
//! or leaving out one it runs. What it refuses is left out and reported with its reason
//! and what leaving it out changes: `rollout` webhooks are called at every analysis
//! (`pkg/controller/scheduler.go:runAnalysis`), so a load test left out leaves the canary
//! only its weight's share of the users' requests, and a blue/green none.

use super::draft::{Draft, Src};
use super::flagger_fields::{CANARY, WEBHOOK};
use crate::scenario::walk::{self, Ctx, Node};
use crate::sim::time::as_secs;
use crate::strategy::flagger::webhooks::{self, Endpoint, HookType, Webhook};
use serde_json::{Map, Value, json};
use std::path::Path;

/// What a webhook of each `type` the CRD has does upstream, and what leaving it out
/// changes; `None` for a `type` the CRD lacks.
fn webhook_effect(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "confirm-rollout" | "confirm-promotion" | "confirm-traffic-increase" => (
            "a gate Flagger waits at until it answers 200",
            "the simulated canary goes on at once; only the flagger-loadtester's \
             `/gate/approve`, `/gate/halt`, `/gate/check` and `/rollback/check` are simulated",
        ),
        "pre-rollout" => (
            "run at the analysis' first tick: an acceptance test or a load test",
            "the analysis starts without it, and no answer of the webhook fails a check",
        ),
        "post-rollout" | "event" => (
            "called around the analysis",
            "the simulated canary goes on without it",
        ),
        "rollback" => (
            "a manual rollback trigger",
            "only the failed checks roll back here; only the flagger-loadtester's \
             `/rollback/check` and `/gate/*` endpoints are simulated",
        ),
        // `rollout`, and the type of a webhook that gives none (`runAnalysis` calls
        // `Type == ""` hooks too).
        "rollout" | "" => (
            "run at every check: a load tester or an acceptance test",
            "the canary's checks see only its weight's share of the users' requests, and \
             no answer of the webhook fails a check",
        ),
        _ => return None,
    })
}

/// What leaving out a `rollout` webhook changes for a blue/green (`iterations`) with
/// `metrics` and no load test copied: the users' requests all reach the primary.
const BLUE_GREEN_UNTESTED: &str = "a blue/green canary gets none of the users' requests, so \
     without a load test its checks would have no values and fail every time: the scenario \
     is refused with `iterations`, `metrics` and no load test, so the metrics are left out \
     too and the iterations run without checks";

/// The hook the scenario's reader makes of webhook `w`, or the first thing it refuses
/// as (the field under the webhook, why).
fn simulated(w: &Src) -> Result<Webhook, (String, String)> {
    // Only what decides whether and how a hook is simulated: `name` only names it in the
    // trace, `timeout`, `retries`, `muteAlert` and `disableTLS` change nothing simulated,
    // and a gate endpoint reads no `metadata`. A bad value of those is an error the
    // scenario's parser tells at its manifest path once copied, not a reason to leave
    // the hook out.
    let mut probe = Map::new();
    probe.insert("name".into(), json!("webhook"));
    let gate = w
        .get("url")
        .and_then(|u| u.str().and_then(webhooks::endpoint_of))
        .is_some();
    for key in ["type", "url", "metadata"] {
        if let Some(v) = w.get(key).filter(|_| !(gate && key == "metadata")) {
            probe.insert(key.into(), v.value.clone());
        }
    }
    let list = json!([probe]);
    let ctx = Ctx::new(Path::new("."));
    let hook = webhooks::parse(&Node::root(&list, &ctx)).pop();
    match ctx.into_problems().into_iter().next() {
        None => hook.ok_or_else(|| (String::new(), "is refused".to_string())),
        Some(p) => {
            let field = p.path.strip_prefix('0').unwrap_or(&p.path);
            Err((field.trim_start_matches('.').to_string(), p.message))
        }
    }
}

/// `analysis.webhooks` → `{to}.webhooks`: those the simulator runs, copied; the rest
/// reported. `blue_green_metrics`: the analysis has `iterations` and `metrics`. Whether a
/// load test was copied.
pub fn webhooks(list: &Src, to: &str, blue_green_metrics: bool, d: &mut Draft) -> bool {
    let mut out = Vec::new();
    let mut left_out = Vec::new();
    let mut reads_gate = false;
    let mut load_tested = false;
    for w in list.items() {
        d.known_names(&w, CANARY.at(WEBHOOK));
        if !w.value.is_object() {
            d.error(&w, "expected a map (a webhook: `name`, `type`, `url`, …)");
            continue;
        }
        // A `type` that is no string, or that the CRD lacks, is copied for the scenario's
        // parser to refuse at its path, as the API server refuses it.
        let kind = match w.get("type") {
            None => Some("rollout"),
            Some(t) => t.str().filter(|k| webhook_effect(k).is_some()),
        };
        let accepted = match kind {
            None => Ok(None),
            Some(kind) => simulated(&w).map(Some).map_err(|why| (kind, why)),
        };
        let hook = match accepted {
            Ok(hook) => hook,
            Err(refused) => {
                left_out.push((w, refused));
                continue;
            }
        };
        let at = format!("{to}.webhooks.{}", out.len());
        let mut copied = Map::new();
        for (key, v) in w.entries() {
            let Some(ty) = WEBHOOK.child(key) else {
                continue;
            };
            d.read(&v);
            d.trace(&format!("{at}.{key}"), &v);
            copied.insert(key.to_string(), ty.pruned(v.value));
        }
        d.trace(&at, &w);
        out.push(Value::Object(copied));
        match hook.as_ref().map(|h| &h.endpoint) {
            Some(Endpoint::GateCheck | Endpoint::RollbackCheck) => reads_gate = true,
            Some(Endpoint::LoadTest(t)) => {
                load_tested = true;
                let name = w.get("name").and_then(|n| n.str()).unwrap_or("a webhook");
                let when = match hook.as_ref().map(|h| h.kind) {
                    Some(HookType::PreRollout) => "at the analysis' first tick",
                    _ => "at each analysis",
                };
                d.comment(
                    &format!("{to}.webhooks"),
                    &format!(
                        "{name}: a load test of {} requests a second to the canary's pods for \
                         {}s, started by the flagger-loadtester {when} unless still running; \
                         the checks count its requests, the users' columns do not",
                        walk::number(t.rps),
                        walk::number(as_secs(t.duration))
                    ),
                );
            }
            _ => {}
        }
    }
    // Told once every hook is read: a load test copied from another hook gives a
    // blue/green canary its requests.
    for (w, (kind, (field, why))) in left_out {
        let (what, effect) = webhook_effect(kind).unwrap_or(("", ""));
        let shown = if kind.is_empty() { "rollout" } else { kind };
        let message = if matches!(kind, "rollout" | "" | "pre-rollout") {
            let effect = if blue_green_metrics && !load_tested && kind != "pre-rollout" {
                BLUE_GREEN_UNTESTED
            } else {
                effect
            };
            let field = if field.is_empty() {
                String::new()
            } else {
                format!("{field}: ")
            };
            format!(
                "a `{shown}` webhook ({what}) is not simulated: {field}{why}. Left out, {effect}"
            )
        } else {
            // The type alone, or a url that is no loadtester gate: the effect says both.
            format!("a `{shown}` webhook ({what}) is not simulated: {effect}")
        };
        d.unsupported(&w, &message);
    }
    d.read(list);
    if !out.is_empty() {
        d.put(&format!("{to}.webhooks"), Value::Array(out));
    }
    if reads_gate {
        d.comment(
            &format!("{to}.webhooks"),
            "the flagger-loadtester's gates start closed: open them with \
             `actions: [{at: T, gate: open}]` (POST /gate/open) or `{rollback: open}`",
        );
    }
    load_tested
}

#[cfg(test)]
#[path = "flagger_webhooks_tests.rs"]
mod tests;
