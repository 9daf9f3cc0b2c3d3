//! proptest strategies for random valid placement, for [`crate::scenario_gen::scenario`]:
//! node labels, Kubernetes taints and Swarm roles, and the service's own fields of each
//! orchestrator (`nodeSelector`, required node affinity with every operator, tolerations,
//! `topologySpreadConstraints`, a required pod anti-affinity on `kubernetes.io/hostname`
//! and on `zone`; Swarm `placement.constraints`, `max_replicas_per_node` and spread
//! `preferences`).
//!
//! The loader refuses a starting fleet that does not fit the nodes its placement allows,
//! so the generator works out which nodes those are, with the upstream rules as
//! `docs/placement.md` states them ([`Placement::allows`]): it keeps at least one node
//! allowed (or drops the restriction), raises `max_replicas_per_node` to what the allowed
//! nodes need, lowers the replicas to the pod anti-affinity's domains on the allowed nodes
//! or drops its terms (the widest first) until there are enough, and the requests are
//! then fitted to the allowed nodes alone, one task a domain
//! ([`Placement::anti_affinity_domains`]). Where its rules and the simulator's disagree,
//! the loader refuses the scenario and the case fails: the generator is a second reading
//! of those rules.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Label keys and their values; `tier` holds integers, for `Gt` and `Lt`.
const LABELS: [(&str, &[&str]); 3] = [
    ("zone", &["a", "b", "c"]),
    ("disk", &["ssd", "hdd"]),
    ("tier", &["1", "2", "3"]),
];

/// The label every node of a Kubernetes strategy carries, with its own name: a pod
/// anti-affinity on it holds one pod a node.
const HOSTNAME: &str = "kubernetes.io/hostname";

/// The pod anti-affinity terms' keys the generator picks from: each key alone, both in
/// either order, and one key twice (one term, as upstream).
const ANTI_AFFINITY_KEYS: &[&[&str]] = &[
    &[HOSTNAME],
    &["zone"],
    &["zone", HOSTNAME],
    &[HOSTNAME, "zone"],
    &[HOSTNAME, HOSTNAME],
];

/// What one node carries: a value (or none) per [`LABELS`] key, a taint, a Swarm role.
#[derive(Debug, Clone)]
pub struct NodeMarks {
    labels: [Option<&'static str>; 3],
    /// `dedicated=VALUE:EFFECT`.
    taint: Option<(&'static str, &'static str)>,
    manager: bool,
}

impl NodeMarks {
    /// Write the marks into a node's (or the template's) map.
    fn write(&self, kubelet: bool, node: &mut Value) {
        let mut labels = Map::new();
        for (k, v) in LABELS.iter().zip(self.labels) {
            if let Some(v) = v {
                labels.insert(k.0.to_string(), json!(v));
            }
        }
        node["labels"] = Value::Object(labels);
        if kubelet {
            if let Some((value, effect)) = self.taint {
                node["taints"] = json!([{"key": "dedicated", "value": value, "effect": effect}]);
            }
        } else if self.manager {
            node["role"] = json!("manager");
        }
    }
}

fn node_marks() -> impl Strategy<Value = NodeMarks> {
    let label = |values: &'static [&'static str]| prop_oneof![1 => Just(None), 3 => prop::sample::select(values).prop_map(Some)];
    (
        (label(LABELS[0].1), label(LABELS[1].1), label(LABELS[2].1)),
        prop_oneof![
            3 => Just(None),
            1 => (
                prop::sample::select(&["db", "web"][..]),
                prop::sample::select(&["NoSchedule", "NoExecute", "PreferNoSchedule"][..])
            )
                .prop_map(Some),
        ],
        prop::bool::weighted(0.25),
    )
        .prop_map(|((zone, disk, tier), taint, manager)| NodeMarks {
            labels: [zone, disk, tier],
            taint,
            manager,
        })
}

/// One required-affinity expression: key index, operator, values.
#[derive(Debug, Clone)]
struct Expression {
    key: usize,
    op: &'static str,
    values: Vec<&'static str>,
}

fn expression() -> impl Strategy<Value = Expression> {
    (0usize..3, 0usize..6, prop::collection::vec(0usize..3, 1..3)).prop_map(|(key, op, picks)| {
        let all = LABELS[key].1;
        let op = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"][op];
        // Gt / Lt take one integer, and compare the integer values of `tier`.
        let key = if matches!(op, "Gt" | "Lt") { 2 } else { key };
        let values = match op {
            "Exists" | "DoesNotExist" => Vec::new(),
            "Gt" | "Lt" => vec![["0", "1", "2", "3"][picks[0] % 4]],
            _ => picks.iter().map(|&i| all[i % all.len()]).collect(),
        };
        Expression { key, op, values }
    })
}

/// A toleration of the `dedicated` taint: `Some(value)` with `Equal`, `None` with `Exists`;
/// and an effect, or none (any effect).
#[derive(Debug, Clone)]
struct Toleration {
    value: Option<&'static str>,
    effect: Option<&'static str>,
}

fn toleration() -> impl Strategy<Value = Toleration> {
    (
        prop::option::of(prop::sample::select(&["db", "web"][..])),
        prop::option::of(prop::sample::select(&["NoSchedule", "NoExecute"][..])),
    )
        .prop_map(|(value, effect)| Toleration { value, effect })
}

/// The placement of one generated scenario: what the nodes carry and what the service asks.
#[derive(Debug, Clone)]
pub struct Placement {
    /// By node index (cycled when the cluster has more nodes).
    marks: Vec<NodeMarks>,
    node_selector: Option<(usize, &'static str)>,
    /// Terms ORed, each a list of expressions ANDed.
    affinity: Vec<Vec<Expression>>,
    tolerations: Vec<Toleration>,
    spread: Option<u32>,
    /// The `topologyKey` of each required pod anti-affinity term, in order: [`HOSTNAME`]
    /// or `zone` (`LABELS[0]`), sometimes one twice.
    anti_affinity: Vec<&'static str>,
    /// Where the anti-affinity leaves fewer domains than replicas: lower the replicas to
    /// the domains (else the terms go).
    fewer_replicas: bool,
    /// Swarm: constraints as (key index or `None` for the role, `==`, value).
    constraints: Vec<(Option<usize>, bool, &'static str)>,
    max_replicas_per_node: u32,
    preference: bool,
    /// What `cluster.node` carries (with `cluster.autoscaler`, the nodes it adds): the
    /// listed nodes inherit its labels they lack, and its taints when they have none.
    template: Option<NodeMarks>,
}

/// Placement, or (a third of the time) none.
pub fn placement() -> BoxedStrategy<Option<Placement>> {
    let constraint =
        (prop::option::of(0usize..3), any::<bool>(), 0usize..3).prop_map(|(key, equal, v)| {
            let value = match key {
                Some(k) => LABELS[k].1[v % LABELS[k].1.len()],
                None => ["manager", "worker"][v % 2],
            };
            (key, equal, value)
        });
    let anti_affinity = (
        prop_oneof![
            2 => Just(Vec::new()),
            1 => prop::sample::select(ANTI_AFFINITY_KEYS).prop_map(<[&str]>::to_vec),
        ],
        any::<bool>(),
    );
    let some = (
        prop::collection::vec(node_marks(), 1..5),
        (
            prop::option::of((0usize..3, 0usize..3)),
            prop_oneof![
                Just(Vec::new()),
                prop::collection::vec(prop::collection::vec(expression(), 1..3), 1..3)
            ],
            prop::collection::vec(toleration(), 0..3),
            prop::option::of(1u32..4),
            anti_affinity,
        ),
        (
            prop::collection::vec(constraint, 0..3),
            prop_oneof![2 => Just(0u32), 1 => 1u32..4],
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                marks,
                (selector, affinity, tolerations, spread, (anti_affinity, fewer_replicas)),
                (constraints, max, preference),
            )| {
                Placement {
                    marks,
                    node_selector: selector.map(|(k, v)| (k, LABELS[k].1[v % LABELS[k].1.len()])),
                    affinity,
                    tolerations,
                    spread,
                    anti_affinity,
                    fewer_replicas,
                    constraints,
                    max_replicas_per_node: max,
                    preference,
                    template: None,
                }
            },
        );
    prop_oneof![1 => Just(None), 2 => some.prop_map(Some)].boxed()
}

impl Placement {
    fn marks_of(&self, node: usize) -> &NodeMarks {
        &self.marks[node % self.marks.len()]
    }

    /// Whether the service may run on `node` (named `name`), by the upstream filters that
    /// depend on the node alone (`docs/placement.md`).
    fn allows(&self, kubelet: bool, node: usize) -> bool {
        let m = self.marks_of(node);
        if kubelet {
            let selector = self
                .node_selector
                .is_none_or(|(k, v)| m.labels[k] == Some(v));
            let affinity = self.affinity.is_empty()
                || self.affinity.iter().any(|term| {
                    term.iter().all(|e| {
                        let label = m.labels[e.key];
                        let int = |s: &str| s.parse::<i64>().ok();
                        match e.op {
                            "In" => label.is_some_and(|l| e.values.contains(&l)),
                            "NotIn" => label.is_none_or(|l| !e.values.contains(&l)),
                            "Exists" => label.is_some(),
                            "DoesNotExist" => label.is_none(),
                            op => match (label.and_then(int), int(e.values[0])) {
                                (Some(l), Some(v)) => {
                                    (op == "Gt" && l > v) || (op == "Lt" && l < v)
                                }
                                _ => false,
                            },
                        }
                    })
                });
            let tolerated = match m.taint {
                None | Some((_, "PreferNoSchedule")) => true,
                Some((value, effect)) => self.tolerations.iter().any(|t| {
                    t.effect.is_none_or(|e| e == effect) && t.value.is_none_or(|v| v == value)
                }),
            };
            // `PodTopologySpread` fails a node without the constraint's key, whatever the
            // counts (`topologyKey: zone`, `LABELS[0]`).
            let keyed = self.spread.is_none() || m.labels[0].is_some();
            selector && affinity && tolerated && keyed
        } else {
            self.constraints.iter().all(|&(key, equal, value)| {
                let have = match key {
                    Some(k) => m.labels[k].unwrap_or(""),
                    None if m.manager => "manager",
                    None => "worker",
                };
                // Values compare case-insensitively (swarmkit `constraint.Match`).
                have.eq_ignore_ascii_case(value) == equal
            })
        }
    }

    /// The nodes a DaemonSet runs a pod on (`NodeShouldRunDaemonPod`: the nodeSelector,
    /// the required node affinity and the taints, not the spread constraints, which a node
    /// without their key fails at scheduling, leaving its pod Pending).
    pub fn daemon_nodes(&self, nodes: usize) -> Vec<usize> {
        let mut sized = self.clone();
        sized.spread = None;
        (0..nodes).filter(|&i| sized.allows(true, i)).collect()
    }

    /// Make the placement (of a kubelet family or Swarm) possible on `nodes` nodes: at
    /// least one node allowed, and room for `replicas` under `max_replicas_per_node` (the
    /// pod anti-affinity: [`Placement::fit_anti_affinity`]).
    /// Returns the allowed nodes' indices and the per-node limit (0: none).
    pub fn make_possible(
        &mut self,
        kubelet: bool,
        nodes: usize,
        replicas: u32,
    ) -> (Vec<usize>, u32) {
        let allowed = |p: &Placement| -> Vec<usize> {
            (0..nodes).filter(|&i| p.allows(kubelet, i)).collect()
        };
        // Nothing allowed: drop the service's restrictions one at a time, the ones that
        // rule out most first, until some node is allowed (the node marks stay).
        let relax: [fn(&mut Placement); 5] = [
            |p| p.affinity.clear(),
            |p| p.spread = None,
            |p| p.node_selector = None,
            |p| {
                p.tolerations.push(Toleration {
                    value: None,
                    effect: None,
                })
            },
            |p| p.constraints.clear(),
        ];
        let mut ok = allowed(self);
        for step in relax {
            if !ok.is_empty() {
                break;
            }
            step(self);
            ok = allowed(self);
        }
        if !kubelet && self.max_replicas_per_node > 0 {
            let need = replicas.div_ceil(ok.len() as u32).max(1);
            self.max_replicas_per_node = self.max_replicas_per_node.max(need);
        }
        let limit = if kubelet {
            0
        } else {
            self.max_replicas_per_node
        };
        (ok, limit)
    }

    /// Keep what `cluster.autoscaler` is simulated with: no spread constraint, a pod
    /// anti-affinity on [`HOSTNAME`] alone. With `template`, `cluster.node` (the nodes it
    /// adds) carries node 0's marks, which the listed nodes inherit
    /// (`docs/placement.md`): an entry's labels merge over the template's, and its taints
    /// replace them.
    pub fn for_cluster_autoscaler(&mut self, template: bool) {
        self.spread = None;
        self.anti_affinity.retain(|&k| k == HOSTNAME);
        if !template {
            return;
        }
        let t = self.marks_of(0).clone();
        for m in &mut self.marks {
            for (label, inherited) in m.labels.iter_mut().zip(t.labels) {
                *label = label.or(inherited);
            }
            m.taint = m.taint.or(t.taint);
        }
        self.template = Some(t);
    }

    /// Drop the pod anti-affinity (for a family that refuses it or has no such field).
    pub fn without_pod_anti_affinity(&mut self) {
        self.anti_affinity.clear();
    }

    /// The replicas, at most `replicas`, whose starting fleet the pod anti-affinity lets
    /// the `allowed` nodes hold (one task a domain; at the start every pod is on an
    /// allowed node): fewer replicas, or (as drawn) the same with terms dropped, the
    /// widest first, until there are enough domains.
    pub fn fit_anti_affinity(&mut self, allowed: &[usize], replicas: u32) -> u32 {
        if self.fewer_replicas {
            return replicas.min(self.anti_affinity_room(allowed));
        }
        while self.anti_affinity_room(allowed) < replicas {
            let widest = if self.anti_affinity.contains(&"zone") {
                "zone"
            } else {
                HOSTNAME
            };
            self.anti_affinity.retain(|&k| k != widest);
        }
        replicas
    }

    /// Per node of `nodes`, the domain its tasks share under the pod anti-affinity, which
    /// holds one task a domain; `None`: no term reaches the node (no term, or only `zone`
    /// on a node without the label, which `InterPodAffinity` lets pass), so only its
    /// room limits it. With both keys a zone is one domain, and a node without a zone one
    /// of its own.
    pub fn anti_affinity_domains(&self, nodes: &[usize]) -> Vec<Option<usize>> {
        let zones = LABELS[0].1;
        let by_zone = self.anti_affinity.contains(&"zone");
        let by_host = self.anti_affinity.contains(&HOSTNAME);
        nodes
            .iter()
            .map(|&i| {
                let zone = self.marks_of(i).labels[0].filter(|_| by_zone);
                match zone.and_then(|z| zones.iter().position(|&v| v == z)) {
                    Some(z) => Some(z),
                    None => by_host.then_some(zones.len() + i),
                }
            })
            .collect()
    }

    /// How many tasks the pod anti-affinity lets `nodes` hold, whatever their room (a
    /// node no term reaches: no limit).
    fn anti_affinity_room(&self, nodes: &[usize]) -> u32 {
        if self.anti_affinity.is_empty() {
            return u32::MAX;
        }
        let mut domains = self.anti_affinity_domains(nodes);
        if domains.contains(&None) {
            return u32::MAX;
        }
        domains.sort_unstable();
        domains.dedup();
        domains.len() as u32
    }

    /// Write the node marks into `cluster` (its `nodes` made a list when a count) and the
    /// service's fields into `service`.
    pub fn apply(&self, kubelet: bool, cluster: &mut Value, service: &mut Map<String, Value>) {
        let count = match &cluster["nodes"] {
            Value::Array(a) => a.len(),
            n => n.as_u64().unwrap_or(1) as usize,
        };
        let mut list = match cluster["nodes"].take() {
            Value::Array(a) => a,
            _ => (0..count)
                .map(|i| json!({"name": format!("n{i}")}))
                .collect(),
        };
        for (i, node) in list.iter_mut().enumerate() {
            self.marks_of(i).write(kubelet, node);
        }
        cluster["nodes"] = Value::Array(list);
        if let Some(t) = &self.template {
            t.write(kubelet, &mut cluster["node"]);
        }
        if kubelet {
            if let Some((k, v)) = self.node_selector {
                service.insert("nodeSelector".into(), json!({LABELS[k].0: v}));
            }
            let mut affinity = Map::new();
            if !self.affinity.is_empty() {
                let terms: Vec<Value> = self
                    .affinity
                    .iter()
                    .map(|term| {
                        let exprs: Vec<Value> = term
                            .iter()
                            .map(|e| {
                                let mut x = json!({"key": LABELS[e.key].0, "operator": e.op});
                                if !e.values.is_empty() {
                                    x["values"] = json!(e.values);
                                }
                                x
                            })
                            .collect();
                        json!({"matchExpressions": exprs})
                    })
                    .collect();
                affinity.insert(
                    "nodeAffinity".into(),
                    json!({"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}),
                );
            }
            if !self.anti_affinity.is_empty() {
                let terms: Vec<Value> = (self.anti_affinity.iter())
                    .map(|k| json!({"topologyKey": k}))
                    .collect();
                affinity.insert(
                    "podAntiAffinity".into(),
                    json!({"requiredDuringSchedulingIgnoredDuringExecution": terms}),
                );
            }
            if !affinity.is_empty() {
                service.insert("affinity".into(), Value::Object(affinity));
            }
            if !self.tolerations.is_empty() {
                let list: Vec<Value> = self
                    .tolerations
                    .iter()
                    .map(|t| {
                        let mut x = match t.value {
                            Some(v) => json!({"key": "dedicated", "operator": "Equal", "value": v}),
                            None => json!({"operator": "Exists"}),
                        };
                        if let Some(e) = t.effect {
                            x["effect"] = json!(e);
                        }
                        x
                    })
                    .collect();
                service.insert("tolerations".into(), Value::Array(list));
            }
            if let Some(skew) = self.spread {
                service.insert(
                    "topologySpreadConstraints".into(),
                    json!([{"maxSkew": skew, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]),
                );
            }
        } else {
            let mut p = Map::new();
            if !self.constraints.is_empty() {
                let list: Vec<String> = self
                    .constraints
                    .iter()
                    .map(|&(key, equal, value)| {
                        let lhs = key.map_or("node.role".to_string(), |k| {
                            format!("node.labels.{}", LABELS[k].0)
                        });
                        format!("{lhs}{}{value}", if equal { "==" } else { "!=" })
                    })
                    .collect();
                p.insert("constraints".into(), json!(list));
            }
            if self.max_replicas_per_node > 0 {
                p.insert(
                    "max_replicas_per_node".into(),
                    json!(self.max_replicas_per_node),
                );
            }
            if self.preference {
                p.insert(
                    "preferences".into(),
                    json!([{"spread": "node.labels.zone"}]),
                );
            }
            if !p.is_empty() {
                service.insert("placement".into(), Value::Object(p));
            }
        }
    }
}
