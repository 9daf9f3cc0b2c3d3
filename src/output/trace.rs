//! The `--trace` file: JSON Lines, one event a line, in simulated-time order.
//!
//! ```text
//! {"t":0,"event":"task","task":0,"slot":0,"version":"current","node":"node-1","state":"ready"}
//! {"t":3,"event":"task","task":9,"slot":0,"version":"next","node":null,"state":"pending","reason":"affinity"}
//! {"t":0,"event":"update","state":"updating"}
//! {"t":0,"event":"scale","new":3,"old":8}
//! {"t":20,"event":"node","node":"node-2","state":"lost"}
//! {"t":70,"event":"node","node":"node-2","state":"not_ready"}
//! ```

use crate::cluster::TraceRecord;
use crate::scenario::Scenario;
use crate::sim::time::as_secs;
use serde_json::{Value, json};

/// The trace of one trial as JSON Lines bytes.
pub fn trace_jsonl(scenario: &Scenario, records: &[TraceRecord]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() * 96);
    for r in records {
        let line = match r {
            TraceRecord::Task {
                t,
                task,
                slot,
                version,
                node,
                state,
                reason,
            } => {
                let mut v = json!({
                    "t": as_secs(*t),
                    "event": "task",
                    "task": task,
                    "slot": slot,
                    "version": scenario.service.versions[*version as usize].name,
                    "node": node.map(|n| Value::from(scenario.cluster.node_spec(n as usize).name.as_str())),
                    "state": state.as_str(),
                });
                if let Some(r) = reason {
                    // Why no node took the task (placement filters, see docs/placement.md).
                    v["reason"] = Value::from(r.as_str());
                }
                v
            }
            TraceRecord::Scale { t, new, old } => {
                json!({"t": as_secs(*t), "event": "scale", "new": new, "old": old})
            }
            TraceRecord::Node { t, node, state } => json!({
                "t": as_secs(*t),
                "event": "node",
                "node": scenario.cluster.node_spec(*node as usize).name,
                "state": state,
            }),
            TraceRecord::Update { t, state, message } => {
                let mut v = json!({"t": as_secs(*t), "event": "update", "state": state});
                if let Some(m) = message {
                    v["message"] = Value::from(m.as_str());
                }
                v
            }
            TraceRecord::Measurement(m) => {
                let mut v = json!({
                    "t": as_secs(m.t),
                    "event": "measurement",
                    "analysis": m.analysis,
                });
                if let Some(step) = m.step {
                    v["step"] = Value::from(step);
                }
                if let Some(name) = &m.name {
                    v["name"] = Value::from(name.as_str());
                }
                v["metric"] = Value::from(m.metric.as_str());
                v["value"] = m.value.map_or(Value::Null, Value::from);
                v["phase"] = Value::from(m.phase);
                if let Some((requests, failed)) = m.window {
                    v["requests"] = Value::from(requests);
                    v["failed"] = Value::from(failed);
                }
                if m.dry_run {
                    v["dry_run"] = Value::from(true);
                }
                v
            }
        };
        serde_json::to_writer(&mut out, &line).expect("writing JSON to memory cannot fail");
        out.push(b'\n');
    }
    out
}
