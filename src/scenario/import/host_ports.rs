//! The ports a manifest's tasks bind on their node → `service.ports`: what decides that
//! a node holds one task of the service (swarmkit `HostPortFilter`, kube-scheduler
//! `NodePorts`).
//!
//! | manifest | scenario |
//! |---|---|
//! | a pod's containers' `ports` with a `hostPort` (every container's: the scheduler checks them all) | `service.ports` `{containerPort, hostPort, protocol}` |
//! | the same with `hostNetwork: true` and no `hostPort` | `hostPort` = `containerPort`, as the API server defaults it (`pkg/apis/core/v1/defaults.go`, `SetDefaults_Pod`) |
//! | compose `ports` in the long syntax with `mode: host` and a `published` port | `service.ports` `{target, published, protocol, mode: host}` |
//!
//! A container port without a host port binds nothing on the node, and a compose port in
//! ingress mode only attaches the task to the `ingress` network (which the compose
//! importer writes in `service.networks`): both are read and change nothing else.

use super::draft::{Draft, Src};
use serde_json::{Map, Value, json};

/// The scenario field the ports go to.
const TO: &str = "service.ports";

/// The host ports of a pod `spec`'s `containers`.
pub fn kubernetes(spec: &Src, containers: &[Src], d: &mut Draft) {
    let host_network = spec.get("hostNetwork");
    if let Some(h) = &host_network {
        d.read(h);
    }
    let host_network = host_network.is_some_and(|h| h.value == &Value::Bool(true));
    let mut out: Vec<Value> = Vec::new();
    for c in containers {
        let Some(ports) = c.get("ports") else {
            continue;
        };
        // Field by field: a misspelt key is left unread, and refused by its type.
        for p in ports.items() {
            for key in ["name", "hostIP", "protocol"] {
                if let Some(v) = p.get(key) {
                    d.read(&v);
                }
            }
            let Some(target) = p.get("containerPort").and_then(|v| d.integer(&v)) else {
                continue;
            };
            let host = match p.get("hostPort") {
                Some(h) => d.integer(&h),
                None if host_network => Some(target.clone()),
                None => None,
            };
            let Some(host) = host.filter(|h| h.as_u64() != Some(0)) else {
                continue;
            };
            let mut port = Map::new();
            port.insert("containerPort".into(), target);
            port.insert("hostPort".into(), host);
            if let Some(protocol) = p.get("protocol") {
                port.insert("protocol".into(), protocol.value.clone());
            }
            d.trace(&format!("{TO}.{}", out.len()), &p);
            out.push(Value::Object(port));
        }
    }
    put(out, d, "kube-scheduler's NodePorts filter");
}

/// The host-mode published ports of a compose service `svc`.
pub fn compose(svc: &Src, d: &mut Draft) {
    let Some(ports) = svc.get("ports") else {
        return;
    };
    d.read(&ports);
    let mut out: Vec<Value> = Vec::new();
    for p in ports.items() {
        let Value::Object(m) = p.value else {
            continue; // the short syntax publishes in ingress mode
        };
        if m.get("mode").and_then(Value::as_str) != Some("host") {
            continue;
        }
        let Some(published) = m.get("published").filter(|v| !v.is_null()) else {
            continue; // the engine picks a free port: nothing to conflict with
        };
        if published.as_str().is_some_and(|s| s.contains('-')) {
            d.error(
                &p,
                "a range of published ports is not simulated: publish one port (every task \
                 of the service binds the same ports, so one tells the same conflicts)",
            );
            continue;
        }
        let mut port = Map::new();
        for key in ["target", "published", "protocol"] {
            if let Some(v) = m.get(key) {
                port.insert(key.into(), v.clone());
            }
        }
        port.insert("mode".into(), json!("host"));
        d.trace(&format!("{TO}.{}", out.len()), &p);
        out.push(Value::Object(port));
    }
    put(out, d, "swarmkit's HostPortFilter");
}

/// Writes the binding ports `out`, with the comment naming `filter`.
fn put(out: Vec<Value>, d: &mut Draft, filter: &str) {
    if out.is_empty() {
        return;
    }
    d.put(TO, Value::Array(out));
    d.comment(
        TO,
        &format!(
            "ports bound on the node: a node holds one task of the service at a time \
             ({filter}), so a surge or start-first needs a node without one"
        ),
    );
}
