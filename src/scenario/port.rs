//! A port the service's tasks publish ([`Port`]), its protocol and Swarm's publish mode:
//! what `service.ports` reads ([`super::ports`]) and the scheduler asks whether a task
//! binds a port of its node.

/// A port the service's tasks publish: compose's long syntax (`{target, published,
/// protocol, mode}`) under Swarm, a container port (`{containerPort, hostPort,
/// protocol}`) on the kubelet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    /// The port in the container (compose `target`, Kubernetes `containerPort`).
    pub target: u16,
    /// Compose `published` (on the node in host mode, on the routing mesh in ingress
    /// mode), Kubernetes `hostPort`; `None` when not given (Swarm then picks one in
    /// ingress mode, the engine a free one in host mode; Kubernetes publishes none).
    pub published: Option<u16>,
    /// `tcp` (the default), `udp` or `sctp`.
    pub protocol: Protocol,
    /// Swarm's publish mode; a Kubernetes port is [`PublishMode::Host`].
    pub mode: PublishMode,
}

impl Port {
    /// Whether the task binds this port on its node, so that no other task of the
    /// service can run there until it has exited: swarmkit's `HostPortFilter` checks
    /// host-mode ports with a published port (`PublishedPort != 0`), kube-scheduler's
    /// `NodePorts` the ports with a `hostPort`.
    ///
    /// ```
    /// use rollout_sim::scenario::{Port, Protocol, PublishMode};
    /// let host = Port { target: 80, published: Some(8080), protocol: Protocol::Tcp, mode: PublishMode::Host };
    /// assert!(host.binds_node());
    /// assert!(!Port { mode: PublishMode::Ingress, ..host }.binds_node()); // the routing mesh's
    /// assert!(!Port { published: None, ..host }.binds_node()); // the engine picks a free one
    /// ```
    pub fn binds_node(&self) -> bool {
        self.mode == PublishMode::Host && self.published.is_some()
    }

    /// `8080/tcp`: the port on the node (or the container's when none is published).
    pub fn host_text(&self) -> String {
        format!(
            "{}/{}",
            self.published.unwrap_or(self.target),
            self.protocol.as_str()
        )
    }
}

/// A port's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `tcp` (compose) / `TCP` (Kubernetes), the default.
    Tcp,
    /// `udp` / `UDP`.
    Udp,
    /// `sctp` / `SCTP`.
    Sctp,
}

impl Protocol {
    /// The compose spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

/// How a Swarm port is published (compose `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishMode {
    /// `ingress` (the default): on every node through the routing mesh, the task attached
    /// to the `ingress` network.
    Ingress,
    /// `host`: on the node the task runs on.
    Host,
}
