//! Placement fields as each scheduler reads them: every strategy takes its scheduler's
//! fields and refuses the other's, and the importers carry placement over from manifests.

use rollout_sim::cluster::placer::PendingReason;
use rollout_sim::scenario::{Format, Override, load_str};

/// Each orchestrator's fields with the other's strategy are refused, naming the right one.
#[test]
fn foreign_fields_are_refused() {
    let err = |text: &str| {
        load_str(text, "s.yaml", Format::Yaml, &[])
            .unwrap_err()
            .to_string()
    };
    let e = err("service: {nodeSelector: {zone: a}}\nstrategy: {swarm: {}}\n");
    assert!(
        e.contains(
            "service.nodeSelector: `nodeSelector` is a Kubernetes Pod field; for a \
                    Swarm strategy use `placement: {constraints: [node.labels.KEY==VALUE]}`"
        ),
        "{e}"
    );
    let e = err("service: {placement: {max_replicas_per_node: 1}}\nstrategy: {kubernetes: {}}\n");
    assert!(
        e.contains("service.placement: `placement` is Swarm's"),
        "{e}"
    );
    let e = err(
        "cluster: {nodes: [{taints: [{key: a, effect: NoSchedule}]}]}\nservice: {}\n\
         strategy: {swarm: {}}\n",
    );
    assert!(
        e.contains("cluster.nodes.0.taints: taints are Kubernetes'"),
        "{e}"
    );
    let e = err("cluster: {node: {role: manager}}\nservice: {}\nstrategy: {kubernetes: {}}\n");
    assert!(
        e.contains("cluster.node.role: `role` is Swarm's node role"),
        "{e}"
    );
}

/// Which scheduler places a strategy's tasks comes from its registry entry, and it decides
/// everything placement does: every strategy on the kubelet (a Deployment, an Argo Rollout,
/// Flagger's Deployments: README "Argo Rollouts", "Flagger") takes the Kubernetes Pod fields
/// and node taints and refuses Swarm's `placement` and node `role`; Swarm the reverse. Its
/// trials fill the `pending_*` columns of that scheduler's filters (Kubernetes: `taint`,
/// `spread`; Swarm: `max_replicas_per_node`) and leave the other's empty.
#[test]
fn every_strategy_takes_its_schedulers_placement_fields() {
    use rollout_sim::cluster::placer::Scheduler;
    use rollout_sim::cluster::runtime::RuntimeKind;
    use rollout_sim::strategy::registry::KEYS;
    let expected = |key: &str| match key {
        "swarm" => Scheduler::Swarm,
        "kubernetes" | "canary" | "blueGreen" | "flagger" | "daemonSet" | "statefulSet" => {
            Scheduler::Kubernetes
        }
        other => panic!("say which scheduler places `{other}`'s tasks"),
    };
    let cluster = "cluster:\n  node: {cpu: \"4\", memory: 8Gi}\n  nodes:\n\
                   \x20   - {name: a, labels: {zone: a, disk: ssd}}\n\
                   \x20   - {name: b, labels: {zone: b, disk: ssd}}\n";
    let kubernetes_fields = "  nodeSelector: {disk: ssd}\n\
         \x20 affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:\n\
         \x20   {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: Exists}]}]}}}\n\
         \x20 tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]\n\
         \x20 topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n";
    let swarm_fields = "  placement: {constraints: [node.labels.disk==ssd], max_replicas_per_node: 2, \
         preferences: [{spread: node.labels.zone}]}\n";
    for &key in KEYS {
        // A DaemonSet has no replica count: one pod on each of the two nodes.
        let service = if key == "daemonSet" {
            "service:\n  mode: global\n"
        } else {
            "service:\n  replicas: 2\n"
        };
        let strategy = format!("strategy:\n  {}\n", minimal_strategy(key));
        let load = |text: String| load_str(&text, "s.yaml", Format::Yaml, &[]);
        let plain = load(format!("{cluster}{service}{strategy}")).unwrap();
        let scheduler = plain.strategy.scheduler();
        assert_eq!(scheduler, expected(key), "{key}");
        assert_eq!(
            scheduler == Scheduler::Kubernetes,
            plain.strategy.runtime() == RuntimeKind::Kubelet,
            "{key}: the scheduler follows the runtime"
        );
        let kubernetes = scheduler == Scheduler::Kubernetes;
        let with_k8s = load(format!("{cluster}{service}{kubernetes_fields}{strategy}"));
        let with_swarm = load(format!("{cluster}{service}{swarm_fields}{strategy}"));
        let taint = cluster.replace(
            "disk: ssd}}\n",
            "disk: ssd}, taints: [{key: gpu, effect: NoSchedule}]}\n",
        );
        // Both nodes tainted: the starting fleet needs the toleration to run anywhere (a
        // DaemonSet, sized by the nodes it tolerates, to have a pod at all).
        let tolerating = "  tolerations: [{key: gpu, operator: Exists}]\n";
        let with_taints = load(format!("{taint}{service}{tolerating}{strategy}"));
        let role = cluster.replace("{name: a,", "{name: a, role: manager,");
        let with_role = load(format!("{role}{service}{strategy}"));
        assert_eq!(with_k8s.is_ok(), kubernetes, "{key}: {:?}", with_k8s.err());
        assert_eq!(
            with_taints.is_ok(),
            kubernetes,
            "{key}: {:?}",
            with_taints.err()
        );
        assert_eq!(
            with_swarm.is_ok(),
            !kubernetes,
            "{key}: {:?}",
            with_swarm.err()
        );
        assert_eq!(
            with_role.is_ok(),
            !kubernetes,
            "{key}: {:?}",
            with_role.err()
        );
        let (accepted, refused) = if kubernetes {
            (with_k8s, with_swarm)
        } else {
            (with_swarm, with_k8s)
        };
        let e = refused.unwrap_err().to_string();
        let named = if kubernetes {
            "service.placement: `placement` is Swarm's"
        } else {
            "service.nodeSelector: `nodeSelector` is a Kubernetes Pod field"
        };
        assert!(e.contains(named), "{key}: {e}");
        let s = accepted.unwrap();
        let p = &s.service.placement;
        if kubernetes {
            assert_eq!(
                (p.node_selector.len(), p.tolerations.len(), p.spread.len()),
                (1, 1, 1)
            );
            assert!(p.required_terms.is_some());
        } else {
            assert_eq!((p.constraints.len(), p.max_replicas_per_node), (1, 2));
        }
        // The trial's `pending_*` columns: this scheduler's filters only.
        let r = crate::trial(&s);
        assert_eq!(
            r.pending.get(PendingReason::Resources),
            Some(false),
            "{key}"
        );
        assert_eq!(r.pending.get(PendingReason::Affinity), Some(false), "{key}");
        assert_eq!(r.pending.get(PendingReason::NodeDown), Some(false), "{key}");
        let k8s_only = kubernetes.then_some(false);
        let swarm_only = (!kubernetes).then_some(false);
        assert_eq!(r.pending.get(PendingReason::Taint), k8s_only, "{key}");
        assert_eq!(r.pending.get(PendingReason::Spread), k8s_only, "{key}");
        assert_eq!(
            r.pending.get(PendingReason::MaxReplicasPerNode),
            swarm_only,
            "{key}"
        );
    }
}

/// A minimal section of every registered strategy, for scenarios written once per
/// strategy (a strategy registered without one here fails the tests that use this).
fn minimal_strategy(key: &str) -> &'static str {
    match key {
        "swarm" => "swarm: {}",
        "kubernetes" => "kubernetes: {}",
        "canary" => "canary: {steps: [{setWeight: 50}]}",
        "blueGreen" => "blueGreen: {}",
        "flagger" => "flagger: {analysis: {interval: 10s, threshold: 1, stepWeight: 50}}",
        "daemonSet" => "daemonSet: {}",
        "statefulSet" => "statefulSet: {}",
        other => panic!("no minimal section for strategy `{other}`: add one"),
    }
}

/// A Deployment's spread constraints are decided by their `labelSelector` against the pod
/// template's labels (upstream, a constraint counts only the pods its selector matches):
/// one that matches the template's labels is the scenario's constraint; one that matches
/// none of them, or has no selector (which matches no pod), counts only pods that are not
/// simulated and is left out and reported; per-revision `matchLabelKeys`, `minDomains` and
/// a non-default policy are reported; a selector the API server refuses is an error.
#[test]
fn import_keeps_the_spread_constraints_that_count_the_workloads_pods() {
    let manifest = |constraints: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 0\n  \
             template:\n    metadata: {{labels: {{app: web, tier: front}}}}\n    spec:\n      \
             topologySpreadConstraints:\n{constraints}      containers:\n      - name: app\n        \
             image: web:1\n"
        )
    };
    let item = |key: &str, rest: &str| {
        format!(
            "      - {{maxSkew: 1, topologyKey: {key}, whenUnsatisfiable: DoNotSchedule{rest}}}\n"
        )
    };
    let text = manifest(
        &[
            item("zone", ", labelSelector: {matchLabels: {app: web}}, matchLabelKeys: [pod-template-hash]"),
            item("host", ", labelSelector: {matchLabels: {app: other}}"),
            item("rack", ""),
            item(
                "region",
                ", labelSelector: {matchExpressions: [{key: tier, operator: In, values: [front]}]}, \
                 minDomains: 3, nodeTaintsPolicy: Honor, nodeAffinityPolicy: Honor",
            ),
            item("row", ", labelSelector: {}"),
        ]
        .concat(),
    );
    let (s, found) = super::import::import(&text);
    let keys: Vec<&str> = s
        .service
        .placement
        .spread
        .iter()
        .map(|c| c.topology_key.as_str())
        .collect();
    assert_eq!(keys, ["zone", "region", "row"]);
    let at = "spec.template.spec.topologySpreadConstraints";
    assert_eq!(
        super::import::unsupported(&found),
        [
            format!("{at}.0.matchLabelKeys"),
            format!("{at}.1"),
            format!("{at}.2"),
            format!("{at}.3.minDomains"),
            format!("{at}.3.nodeTaintsPolicy"),
        ]
    );
    // An error of the scenario's own parser still names the manifest's item, though the
    // items before it were left out.
    let bad = manifest(
        &[
            item("host", ""),
            item("zone", ", labelSelector: {}, maxSkew: 0"),
        ]
        .concat(),
    );
    let problems = super::import::import_error(
        &bad.replace("maxSkew: 1, topologyKey: zone", "topologyKey: zone"),
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{at}.1.maxSkew"))),
        "{problems:?}"
    );
    let bad = manifest(&item(
        "zone",
        ", labelSelector: {matchExpressions: [{key: app, operator: Gt, values: [\"1\"]}]}",
    ));
    let problems = super::import::import_error(&bad);
    assert!(
        problems.iter().any(
            |p| p.starts_with(&format!("{at}.0.labelSelector.matchExpressions.0"))
                && p.contains("expected In, NotIn, Exists or DoesNotExist")
        ),
        "{problems:?}"
    );
    // A selector's value and a template label the selector reads are strings: YAML's `01`
    // is a number, which the API server refuses, not a label that happens not to match.
    let bad = manifest(&item(
        "zone",
        ", labelSelector: {matchExpressions: [{key: tier, operator: In, values: [01]}]}",
    ));
    let problems = super::import::import_error(&bad);
    assert!(
        problems.iter().any(|p| p
            .starts_with(&format!("{at}.0.labelSelector.matchExpressions.0.values.0"))
            && p.contains("expected a string")),
        "{problems:?}"
    );
    let bad = manifest(&item(
        "zone",
        ", labelSelector: {matchLabels: {tier: \"01\"}}",
    ))
    .replace("app: web, tier: front", "app: web, tier: 01");
    let problems = super::import::import_error(&bad);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("spec.template.metadata.labels.tier")
                && p.contains("expected a string")),
        "{problems:?}"
    );
}

/// A spread constraint's `labelSelector` of the wrong shape is refused where it stands,
/// as the API server refuses it: before, a `matchLabels` list or a `matchExpressions` map
/// was read as no terms, a selector of every pod, so the constraint was silently kept.
#[test]
fn import_refuses_a_spread_selector_of_the_wrong_shape() {
    let at = "spec.template.spec.topologySpreadConstraints.0.labelSelector";
    for (selector, path, message) in [
        (
            "{matchLabels: [app]}",
            "matchLabels",
            "expected a map of label keys to values",
        ),
        (
            "{matchExpressions: {key: app, operator: Exists}}",
            "matchExpressions",
            "expected a list of expressions",
        ),
        (
            "{matchExpressions: [app]}",
            "matchExpressions.0",
            "expected a map (key, operator, values)",
        ),
        (
            "{matchExpressions: [{key: app, operator: In, value: [web]}]}",
            "matchExpressions.0.value",
            "unknown field: an expression has key, operator and values",
        ),
        (
            "{matchExpressions: [{key: app, operator: In, values: web}]}",
            "matchExpressions.0.values",
            "expected a list of strings",
        ),
    ] {
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: 2\n  \
             template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      \
             topologySpreadConstraints: [{{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: \
             DoNotSchedule, labelSelector: {selector}}}]\n      containers: [{{name: app, image: web:1}}]\n"
        );
        assert_eq!(
            super::import::import_error(&text),
            [format!("{at}.{path}: {message}")],
            "{selector}"
        );
    }
}

/// A manifest run directly (`run deploy.yaml --set …`) is checked with the user's
/// overrides: a `nodeSelector` the default node pool cannot satisfy is refused as for any
/// scenario, and a `--set cluster.nodes=[…]` giving the labels makes it run. (Before, the
/// import refused it before the overrides applied, so nothing could make it run.)
#[test]
fn a_manifest_run_directly_takes_the_nodes_its_placement_needs_from_set() {
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  \
                    replicas: 3\n  template:\n    spec:\n      nodeSelector: {disk: ssd}\n      \
                    containers:\n      - name: app\n        image: web:1\n";
    let load = |sets: &[&str]| {
        let sets: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        load_str(manifest, "deploy.yaml", Format::Yaml, &sets)
    };
    let refused = load(&[]).expect_err("no default node has the label");
    assert!(
        refused.to_string().contains(
            "deploy.yaml: service: the starting fleet does not fit the nodes its placement allows"
        ),
        "{refused}"
    );
    let s = load(&["cluster.nodes=[{labels: {disk: ssd}}, {labels: {disk: ssd}}]"])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.cluster.nodes.len(), 2);
    assert_eq!(s.service.placement.node_selector["disk"], "ssd");
}

pub const ROLLOUT_KIND: &str = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout";

/// `rollout-sim import` carries the pod's placement fields (of a Deployment or an Argo
/// Rollout) and compose's `deploy.placement` over under the same names, and the scenario
/// parser checks them.
#[test]
fn importers_carry_placement_over() {
    // No replicas: no node of the default cluster needs to match.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n\
         \x20 replicas: 0\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      nodeSelector: {disk: ssd}\n\
         \x20     affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution:\n\
         \x20       {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]}}}\n\
         \x20     tolerations: [{key: dedicated, operator: Exists, effect: NoSchedule}]\n\
         \x20     topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule,\n\
         \x20       labelSelector: {matchLabels: {app: web}}}]\n\
         \x20     containers:\n      - name: app\n        image: web:1\n";
    let (s, found) = super::import::import(deployment);
    let p = &s.service.placement;
    assert_eq!(p.node_selector["disk"], "ssd");
    assert_eq!(p.required_terms.as_ref().map(Vec::len), Some(1));
    assert_eq!((p.tolerations.len(), p.spread.len()), (1, 1));
    assert!(super::import::unsupported(&found).is_empty());
    let deployment_placement = p.clone();
    // An Argo Rollout's pod template, canary or blue-green: the same fields, checked as
    // Kubernetes' (its pods run on the kubelet and kube-scheduler places them).
    for strategy in [
        "canary: {steps: [{setWeight: 50}]}",
        "blueGreen: {activeService: web}",
    ] {
        let rollout = deployment
            .replace("apiVersion: apps/v1\nkind: Deployment", ROLLOUT_KIND)
            .replace(
                "  template:",
                &format!("  strategy: {{{strategy}}}\n  template:"),
            );
        let (s, found) = super::import::import(&rollout);
        assert_eq!(s.strategy.key(), strategy.split(':').next().unwrap());
        assert_eq!(s.service.placement, deployment_placement);
        assert!(super::import::unsupported(&found).is_empty());
    }
    let compose = "services:\n  web:\n    image: shop:2\n    deploy:\n      replicas: 0\n\
         \x20     placement:\n        constraints: [node.role!=manager, node.labels.zone==a]\n\
         \x20       max_replicas_per_node: 1\n        preferences: [{spread: node.labels.zone}]\n";
    let (s, _) = super::import::import(compose);
    let p = &s.service.placement;
    assert_eq!(
        (
            p.constraints.len(),
            p.max_replicas_per_node,
            p.preferences.len()
        ),
        (2, 1, 1)
    );
    // A bad value is reported by the scenario parser, at the manifest's path.
    let bad = compose.replace("node.role!=manager", "node.role=manager");
    let problems = super::import::import_error(&bad);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("placement.constraints.0")
                && p.contains("expected `KEY==VALUE` or `KEY!=VALUE`")),
        "{problems:?}"
    );
    // A value swarmkit's `valuePattern` refuses (`docker stack deploy` would fail), at
    // the manifest's path too.
    let bad = compose.replace("node.labels.zone==a", "node.labels.zone==a>b");
    let problems = super::import::import_error(&bad);
    assert!(
        problems.iter().any(|p| p.contains(
            "services.web.deploy.placement.constraints.1: `node.labels.zone==a>b`: swarmkit \
             refuses the value `a>b` (`value 'a>b' is invalid`)"
        ) && p
            .contains("; not `>` (moby/swarmkit manager/constraint/constraint.go `Parse`")),
        "{problems:?}"
    );
}
