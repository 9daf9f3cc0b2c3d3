//! `service.ports`: the ports the service's tasks publish, written in the terms of the
//! orchestrator that runs them, and read once the strategy is known.
//!
//! - Swarm (a compose file's `ports:`): compose's long syntax `{target, published,
//!   protocol, mode}` (`mode: ingress` by default, as `docker stack deploy` publishes).
//!   The short syntax (`"8080:80"`, always ingress mode) is refused with the long form
//!   to write: `rollout-sim import` reads it from a compose file.
//! - A strategy on the kubelet (a container's `ports:`): `{containerPort, hostPort,
//!   protocol}`.
//!
//! What a port changes in a rollout:
//!
//! - one the task binds on its node — a Swarm port published in host mode
//!   (`published` given), a Kubernetes `hostPort` — lets a node hold one task of the
//!   service at a time: the scheduler's `HostPortFilter` (moby/swarmkit v2.1.2
//!   `manager/scheduler/filter.go`) or `NodePorts` filter (kubernetes v1.30
//!   `pkg/scheduler/framework/plugins/nodeports`) sees the port in use by a task placed
//!   there until that task has exited (swarmkit `nodeinfo.go` `removeTask` when the task
//!   is seen past RUNNING; kube-scheduler's cache until the pod is deleted), exactly when
//!   its cpu and memory are given back;
//! - a Swarm port in ingress mode attaches the task to the `ingress` network, which gives
//!   it a service binding (Docker's 2 s gossip wait before a stop), as `networks:
//!   [ingress]` does.
//!
//! A host-mode port without `published` (the engine picks a free one) and a Kubernetes
//! port without `hostPort` bind nothing the scheduler checks, as upstream. Every task of
//! the service has the same ports, so which ports and protocols they are does not change
//! who conflicts with whom: one binding port is as good as many. A port changed by the
//! update itself (new tasks on another port) is not modelled: both versions publish
//! these.

use super::model::Scenario;
use super::port::{Port, Protocol, PublishMode};
use super::walk::{Node, Obj};
use crate::cluster::runtime::RuntimeKind;
use serde_json::Value;

/// Fields of a Swarm port (compose's long syntax).
pub const SWARM_PORT_FIELDS: &[&str] = &["target", "published", "protocol", "mode"];

/// Fields of a Kubernetes container port.
pub const KUBERNETES_PORT_FIELDS: &[&str] = &["containerPort", "hostPort", "protocol"];

/// Every field a port may have under one strategy or another (the schema's `port`).
pub const PORT_FIELDS: &[&str] = &[
    "target",
    "published",
    "protocol",
    "mode",
    "containerPort",
    "hostPort",
];

/// The port fields a strategy on `runtime` may not give: the other orchestrator's.
pub fn foreign_port_fields(runtime: RuntimeKind) -> impl Iterator<Item = &'static str> {
    let (theirs, ours) = match runtime {
        RuntimeKind::Docker => (KUBERNETES_PORT_FIELDS, SWARM_PORT_FIELDS),
        RuntimeKind::Kubelet => (SWARM_PORT_FIELDS, KUBERNETES_PORT_FIELDS),
    };
    theirs.iter().copied().filter(|f| !ours.contains(f))
}

/// `protocol` values, in compose's spelling and the Kubernetes API's.
pub const PROTOCOLS: &[&str] = &["tcp", "udp", "sctp", "TCP", "UDP", "SCTP"];

/// `mode` values.
pub const MODES: &[(&str, PublishMode)] = &[
    ("ingress", PublishMode::Ingress),
    ("host", PublishMode::Host),
];

/// Reads `service.ports` of the scenario's top level `root` into `s`, in the terms of the
/// runtime of its strategy.
pub(super) fn settle(root: &Obj, s: &mut Scenario) {
    let Some(list) = root
        .get("service")
        .and_then(|service| {
            service
                .value()
                .get("ports")
                .map(|v| service.child("ports", v))
        })
        .filter(|n| !n.value().is_null())
    else {
        return;
    };
    let Some(items) = list.list() else {
        return;
    };
    let runtime = s.strategy.runtime();
    s.service.ports = items
        .iter()
        .filter_map(|item| match runtime {
            RuntimeKind::Docker => swarm_port(item),
            RuntimeKind::Kubelet => kubernetes_port(item),
        })
        .collect();
}

/// A compose port in the long syntax.
fn swarm_port(n: &Node) -> Option<Port> {
    if let Value::String(text) = n.value() {
        return n.fail(format!(
            "`{text}` is compose's short syntax: write the long one, `{{target: 80, \
             published: 8080}}` (ingress mode, as the short syntax publishes) or `{{target: \
             80, published: 8080, mode: host}}` (on the task's node)"
        ));
    }
    if let Some(k) = foreign_key(n, KUBERNETES_PORT_FIELDS, SWARM_PORT_FIELDS) {
        return n.child(k, &Value::Null).fail(format!(
            "`{k}` is a Kubernetes container port's field; with a Swarm strategy write \
             compose's `{{target: 80, published: 8080, mode: host}}`"
        ));
    }
    let o = n.object(SWARM_PORT_FIELDS)?;
    let target = o.required("target", port_number);
    let published = o.opt("published", port_number);
    let protocol = o.or("protocol", Protocol::Tcp, protocol);
    let mode = o.choice("mode", PublishMode::Ingress, MODES);
    Some(Port {
        target: target?,
        published,
        protocol,
        mode,
    })
}

/// A Kubernetes container port.
fn kubernetes_port(n: &Node) -> Option<Port> {
    if let Some(k) = foreign_key(n, SWARM_PORT_FIELDS, KUBERNETES_PORT_FIELDS) {
        return n.child(k, &Value::Null).fail(format!(
            "`{k}` is a compose port's field; with a Kubernetes strategy write a container \
             port, `{{containerPort: 80, hostPort: 8080}}`"
        ));
    }
    if n.value().is_string() {
        return n.expected(
            "a container port `{containerPort: 80, hostPort: 8080}` (the short syntax \
             `\"8080:80\"` is compose's)",
        );
    }
    let o = n.object(KUBERNETES_PORT_FIELDS)?;
    let target = o.required("containerPort", port_integer);
    let published = o.opt("hostPort", port_integer);
    let protocol = o.or("protocol", Protocol::Tcp, protocol);
    Some(Port {
        target: target?,
        published,
        protocol,
        mode: PublishMode::Host,
    })
}

/// The first key of the map `n` that belongs to the other dialect (`theirs`) and not to
/// this one (`ours`).
fn foreign_key<'a>(n: &Node, theirs: &[&'a str], ours: &[&str]) -> Option<&'a str> {
    let map = n.value().as_object()?;
    theirs
        .iter()
        .copied()
        .find(|k| map.contains_key(*k) && !ours.contains(k))
}

/// A port number from 1 to 65535; compose also writes it as a string (`"8080"`).
fn port_number(n: &Node) -> Option<u16> {
    if let Value::String(s) = n.value() {
        return match s.trim().parse::<u16>() {
            Ok(p) if p > 0 => Some(p),
            _ => n.fail(format!(
                "expected a port number from 1 to 65535, got \"{s}\""
            )),
        };
    }
    port_integer(n)
}

/// A port number from 1 to 65535, an integer (the Kubernetes API's `int32`).
fn port_integer(n: &Node) -> Option<u16> {
    n.u32_in(1..=65535, |got| {
        format!("expected a port number from 1 to 65535, got {got}")
    })
    .map(|p| p as u16)
}

/// `tcp`, `udp` or `sctp`, in lower case (compose's) or upper (the Kubernetes API's).
fn protocol(n: &Node) -> Option<Protocol> {
    match n.value().as_str() {
        Some("tcp" | "TCP") => Some(Protocol::Tcp),
        Some("udp" | "UDP") => Some(Protocol::Udp),
        Some("sctp" | "SCTP") => Some(Protocol::Sctp),
        Some(s) => n.fail(format!(
            "unknown protocol `{s}`: expected `tcp`, `udp` or `sctp`"
        )),
        None => n.expected("`tcp`, `udp` or `sctp`"),
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::load::tests::{lines, with, yaml};
    use crate::scenario::{Port, Protocol, PublishMode};

    const SWARM: &str =
        "cluster: {nodes: 2}\nservice: {replicas: 2, ports: PORTS}\nstrategy: {swarm: {}}\n";
    const KUBE: &str =
        "cluster: {nodes: 2}\nservice: {replicas: 2, ports: PORTS}\nstrategy: {kubernetes: {}}\n";

    fn ports(template: &str, ports: &str) -> Result<Vec<Port>, Vec<String>> {
        yaml(&template.replace("PORTS", ports))
            .map(|s| s.service.ports)
            .map_err(|e| {
                lines(e)
                    .into_iter()
                    .map(|l| l.trim_start_matches("scenarios/web.yaml: ").to_string())
                    .collect()
            })
    }

    fn port(target: u16, published: Option<u16>, protocol: Protocol, mode: PublishMode) -> Port {
        Port {
            target,
            published,
            protocol,
            mode,
        }
    }

    #[test]
    fn compose_long_syntax() {
        let got = ports(
            SWARM,
            "[{target: 80, published: 8080, mode: host}, {target: 53, published: '53', protocol: udp}, \
             {target: 443}]",
        )
        .unwrap();
        use {Protocol::*, PublishMode::*};
        assert_eq!(
            got,
            [
                port(80, Some(8080), Tcp, Host),
                port(53, Some(53), Udp, Ingress),
                port(443, None, Tcp, Ingress),
            ]
        );
        assert!(got[0].binds_node());
        assert!(!got[1].binds_node(), "ingress mode binds no node port");
        // Host mode without a published port: the engine picks a free one.
        let got = ports(SWARM, "[{target: 80, mode: host}]").unwrap();
        assert!(!got[0].binds_node());
    }

    #[test]
    fn kubernetes_container_ports() {
        let got = ports(
            KUBE,
            "[{containerPort: 80, hostPort: 8080}, {containerPort: 9090, protocol: UDP}]",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                port(80, Some(8080), Protocol::Tcp, PublishMode::Host),
                port(9090, None, Protocol::Udp, PublishMode::Host),
            ]
        );
        assert!(got[0].binds_node());
        assert!(!got[1].binds_node(), "no hostPort: nothing on the node");
    }

    #[test]
    fn each_dialect_refuses_the_other_and_bad_values() {
        let e = ports(SWARM, "[{containerPort: 80, hostPort: 8080}]").unwrap_err();
        assert!(
            e[0].starts_with("service.ports.0.containerPort: `containerPort` is a Kubernetes"),
            "{e:?}"
        );
        let e = ports(KUBE, "[{target: 80, published: 8080, mode: host}]").unwrap_err();
        assert!(
            e[0].starts_with("service.ports.0.target: `target` is a compose port's field"),
            "{e:?}"
        );
        let e = ports(KUBE, "[{containerPort: '80'}]").unwrap_err();
        assert_eq!(
            e,
            [r#"service.ports.0.containerPort: expected a non-negative integer, got "80""#]
        );
        let e = ports(KUBE, "['8080:80']").unwrap_err();
        assert!(e[0].contains("short syntax"), "{e:?}");
        // Each spelling the schema lists, no other.
        let e = ports(KUBE, "[{containerPort: 80, protocol: Tcp}]").unwrap_err();
        assert_eq!(
            e,
            ["service.ports.0.protocol: unknown protocol `Tcp`: expected `tcp`, `udp` or `sctp`"]
        );
        let e = ports(
            SWARM,
            "[{target: 0}, {published: 8080}, {target: 80, mode: hots}, '8080:80', \
             {target: 80, protocol: icmp}, 70000, {target: 80, published: '80a'}]",
        )
        .unwrap_err();
        assert_eq!(
            e,
            [
                "service.ports.0.target: expected a port number from 1 to 65535, got 0",
                "service.ports.1: missing field `target`",
                "service.ports.2.mode: unknown value `hots`; did you mean `host`?",
                "service.ports.3: `8080:80` is compose's short syntax: write the long one, \
                 `{target: 80, published: 8080}` (ingress mode, as the short syntax \
                 publishes) or `{target: 80, published: 8080, mode: host}` (on the task's \
                 node)",
                "service.ports.4.protocol: unknown protocol `icmp`: expected `tcp`, `udp` or `sctp`",
                "service.ports.5: expected a map with fields `target`, `published`, `protocol`, \
                 `mode`, got 70000",
                "service.ports.6.published: expected a port number from 1 to 65535, got \"80a\"",
            ]
        );
    }

    /// An ingress-mode port attaches the task to `ingress`: Docker's gossip wait before a
    /// stop, as `networks: [ingress]` gives it.
    #[test]
    fn an_ingress_port_gives_a_service_binding() {
        let s = with(
            SWARM
                .replace("PORTS", "[{target: 80, published: 8080}]")
                .as_str(),
            &[],
        )
        .unwrap();
        assert!(s.service.has_service_binding());
        let s = with(
            SWARM
                .replace("PORTS", "[{target: 80, published: 8080, mode: host}]")
                .as_str(),
            &[],
        )
        .unwrap();
        assert!(
            !s.service.has_service_binding(),
            "host mode attaches no network"
        );
    }
}
