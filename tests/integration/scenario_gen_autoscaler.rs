//! `cluster.autoscaler` for [`crate::scenario_gen::scenario`]: Kubernetes'
//! cluster-autoscaler on a third of the scenarios of the families it is simulated with
//! (Deployments, StatefulSets, Argo Rollouts, Flagger; not Swarm nor a DaemonSet, which
//! the loader refuses it for), with a `max_nodes` of the nodes listed plus 0 to 40, a
//! provisioning time that is constant (0 too), log-normal or long (past most horizons), a
//! `scan_interval` left out (10 s), of seconds, or of milliseconds (down to 1 ms: a turn
//! of the loop every millisecond while pods wait), and `image_cached`.
//!
//! The loader refuses it with a topology spread constraint or a pod anti-affinity on a
//! key other than `kubernetes.io/hostname`, so those go before the starting fleet is
//! sized ([`crate::scenario_gen_placement::Placement::for_cluster_autoscaler`]); half the
//! time `cluster.node`, the shape of every node added, carries the labels and taints of
//! the first node, so the nodes added are sometimes ones the pods may not use.

use crate::scenario_gen::{ms, positive_duration};
use crate::scenario_gen_placement::Placement;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// One generated `cluster.autoscaler`, before the nodes it counts from are known.
#[derive(Debug, Clone)]
pub struct Autoscaler {
    /// `max_nodes` less the nodes listed.
    extra: u32,
    provision: Value,
    /// Null: left out (10 s).
    scan_interval: Value,
    /// Null: left out (none).
    image_cached: Value,
    /// `cluster.node` carries the first node's labels and taints.
    template_marks: bool,
}

/// The time from a scale-up to the node Ready: constant (sometimes 0: Ready at the
/// scale-up's instant), log-normal around the large clouds' minute or two, or long, up
/// to two hours, past most horizons (a node asked for and never Ready in the trial).
fn provision() -> BoxedStrategy<Value> {
    let lognormal =
        |median: u64, f: u64| json!({"lognormal": {"median": ms(median), "p99": ms(median * f)}});
    prop_oneof![
        3 => (1u64..600_000).prop_map(|c| json!({"constant": ms(c)})),
        1 => Just(json!("0s")),
        3 => (5_000u64..180_000, 1u64..5).prop_map(move |(m, f)| lognormal(m, f)),
        1 => (600_000u64..7_200_000).prop_map(|c| json!({"constant": ms(c)})),
        1 => (600_000u64..3_600_000, 1u64..4).prop_map(move |(m, f)| lognormal(m, f)),
    ]
    .boxed()
}

/// `cluster.autoscaler`, or (two times in three) none.
pub fn autoscaler() -> BoxedStrategy<Option<Autoscaler>> {
    let some = (
        prop_oneof![6 => 0u32..8, 1 => 8u32..41],
        provision(),
        prop_oneof![
            2 => Just(Value::Null),
            3 => positive_duration(1_000, 60_000),
            1 => positive_duration(10, 1_000),
            1 => positive_duration(1, 10),
        ],
        prop_oneof![
            2 => Just(Value::Null),
            1 => Just(json!([])),
            1 => Just(json!(["next"])),
            1 => Just(json!(["current", "next"])),
        ],
        any::<bool>(),
    )
        .prop_map(
            |(extra, provision, scan_interval, image_cached, template_marks)| Autoscaler {
                extra,
                provision,
                scan_interval,
                image_cached,
                template_marks,
            },
        );
    prop_oneof![2 => Just(None), 1 => some.prop_map(Some)].boxed()
}

impl Autoscaler {
    /// Keep the placement to what the autoscaler is simulated with, before the starting
    /// fleet is sized to the nodes it allows.
    pub fn fit_placement(&self, p: &mut Placement) {
        p.for_cluster_autoscaler(self.template_marks);
    }

    /// Write `cluster.autoscaler` into `cluster`, whose `listed` nodes it counts from.
    pub fn apply(&self, cluster: &mut Value, listed: u64) {
        let mut m = Map::new();
        m.insert("max_nodes".into(), json!(listed + u64::from(self.extra)));
        m.insert("provision".into(), self.provision.clone());
        crate::scenario_gen::put(&mut m, "scan_interval", self.scan_interval.clone());
        crate::scenario_gen::put(&mut m, "image_cached", self.image_cached.clone());
        cluster["autoscaler"] = Value::Object(m);
    }
}
