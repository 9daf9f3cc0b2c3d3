//! The scenario generator ([`crate::scenario_gen`]) reaches what it claims to: each
//! placement field and the cluster autoscaler's, in a few hundred scenarios a family,
//! every one of which loads, and their trials reach the behaviours those fields are for
//! (tasks waiting for a node for each reason, nodes added).

use crate::scenario_gen::{Family, scenario};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use rollout_sim::cluster::placer::PendingReason;
use rollout_sim::scenario::distribution::Dist;
use rollout_sim::scenario::{Format, load_str};
use rollout_sim::trial::Workspace;

/// `n` scenarios of `family` from the generator's seed `seed`, as their JSON text.
fn generated(family: Family, seed: u64, n: usize) -> Vec<String> {
    let config = Config {
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = scenario(family);
    (0..n)
        .map(|_| {
            let tree = strategy
                .new_tree(&mut runner)
                .expect("a scenario")
                .current();
            serde_json::to_string_pretty(&tree).expect("a tree serializes")
        })
        .collect()
}

/// Every placement field is generated, every generated scenario loads (its starting
/// fleet fits the nodes its placement allows), and in their first trials tasks wait
/// for a node for the reasons placement gives.
#[test]
fn the_generator_reaches_every_placement_field() {
    let fields = [
        (Family::Kubernetes, "\"nodeSelector\""),
        (Family::Kubernetes, "\"affinity\""),
        (Family::Kubernetes, "\"NotIn\""),
        (Family::Kubernetes, "\"Gt\""),
        (Family::Kubernetes, "\"DoesNotExist\""),
        (Family::Kubernetes, "\"tolerations\""),
        (Family::Kubernetes, "\"taints\""),
        (Family::Kubernetes, "\"topologySpreadConstraints\""),
        (Family::Kubernetes, "\"podAntiAffinity\""),
        (
            Family::Kubernetes,
            "\"topologyKey\": \"kubernetes.io/hostname\"",
        ),
        (Family::Swarm, "\"constraints\""),
        (Family::Swarm, "node.role"),
        (Family::Swarm, "\"max_replicas_per_node\""),
        (Family::Swarm, "\"preferences\""),
        (Family::Swarm, "\"role\": \"manager\""),
    ];
    for family in [Family::Kubernetes, Family::Swarm] {
        let texts = generated(family, 20261202, 300);
        let mut waited = std::collections::BTreeSet::new();
        for text in &texts {
            match load_str(text, "random.json", Format::Json, &[]) {
                Ok(s) => {
                    let pending = Workspace::new(&s).run(0).pending;
                    for r in PendingReason::ALL {
                        if pending.get(r) == Some(true) {
                            waited.insert(r.as_str());
                        }
                    }
                }
                // The empirical file is not there: only that refusal is expected.
                Err(e) => assert!(e.to_string().contains("latency.csv"), "{e}\n{text}"),
            }
        }
        // Not `taint`: a task waits for it only when every node up fails that filter
        // or an earlier one, and the generator keeps a node the taints allow.
        let filters: &[&str] = match family {
            Family::Swarm => &["affinity", "max_replicas_per_node"],
            _ => &["affinity", "spread", "anti_affinity"],
        };
        for f in filters {
            assert!(
                waited.contains(f),
                "{family:?}: no task waited for `{f}`: {waited:?}"
            );
        }
        // Each field in at least 1 % of the scenarios: reached, and not by a fluke of
        // the draws (which move whenever another part of the generator draws more).
        for (f, field) in fields.iter().filter(|(f, _)| *f == family) {
            let n = texts.iter().filter(|t| t.contains(field)).count();
            assert!(n >= 3, "{f:?}: {field} in {n} of 300 scenarios");
        }
    }
}

/// `cluster.autoscaler` is generated for a share of each family it is simulated with and
/// never for Swarm or a DaemonSet (the loader refuses it there); every such scenario
/// loads; each kind of provisioning time is drawn, `cluster.node` sometimes carries a
/// taint, and Deployments' trials do add nodes.
#[test]
fn the_generator_reaches_the_cluster_autoscaler() {
    use Family::*;
    let mut tainted = 0;
    for family in [
        Kubernetes,
        StatefulSet,
        Canary,
        BlueGreen,
        Flagger,
        Swarm,
        DaemonSet,
    ] {
        let texts = generated(family, 20261208, 300);
        let origin = crate::random_scenarios::scenario_dir().join("random.json");
        let origin = origin.display().to_string();
        let loaded: Vec<_> = (texts.iter())
            .filter(|t| t.contains("\"autoscaler\""))
            .map(|text| match load_str(text, &origin, Format::Json, &[]) {
                Ok(s) => s,
                Err(e) => panic!("{e}\n{text}"),
            })
            .collect();
        if matches!(family, Swarm | DaemonSet) {
            assert!(loaded.is_empty(), "{family:?} with an autoscaler");
            continue;
        }
        // A third of the scenarios, in expectation 100 of 300: 50 is far below any fluke.
        assert!(
            loaded.len() >= 50,
            "{family:?}: {} autoscalers",
            loaded.len()
        );
        let autoscalers = || loaded.iter().filter_map(|s| s.cluster.autoscaler.as_ref());
        tainted += autoscalers().filter(|a| !a.attrs.taints.is_empty()).count();
        if family != Kubernetes {
            continue;
        }
        let count = |f: &dyn Fn(&Dist) -> bool| autoscalers().filter(|a| f(&a.provision)).count();
        assert!(
            count(&|d| matches!(d, Dist::Constant(0))) >= 1,
            "provision 0"
        );
        assert!(count(&|d| matches!(d, Dist::Constant(c) if *c > 0)) >= 3);
        assert!(count(&|d| matches!(d, Dist::LogNormal(_))) >= 3);
        let labelled = autoscalers().filter(|a| !a.attrs.labels.is_empty()).count();
        assert!(labelled >= 3, "{labelled} templates with labels");
        let added: u32 = loaded
            .iter()
            .filter_map(|s| Workspace::new(s).run(0).nodes_added)
            .sum();
        assert!(added >= 3, "{added} nodes added in the first trials");
    }
    // About one template in twelve (with placement, two scenarios in three, half carry
    // the first node's marks, and a quarter of marks a taint) of some 450: 30 here.
    assert!(tainted >= 5, "{tainted} templates with a taint");
}
