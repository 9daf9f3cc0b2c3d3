//! A pod template (`spec.template` of a Deployment, a DaemonSet or an Argo Rollout) → the
//! scenario's `service`: what the importers share.
//!
//! | manifest (under `template.spec`) | scenario |
//! |---|---|
//! | `terminationGracePeriodSeconds` | `service.terminationGracePeriodSeconds` |
//! | every container's `resources.requests` (summed: the pod's request) | `service.resources` |
//! | the first container's `readinessProbe`, `livenessProbe`, `startupProbe` timings | `service.*Probe` |
//! | the first container's `lifecycle.preStop` `sleep` (or `exec` `sleep N`) | `service.pre_stop` |
//! | the first container's `image` | `service.versions.*.image` |
//! | `nodeSelector`, `tolerations`, `affinity.nodeAffinity`'s required terms | the same names under `service` (checked there; see docs/placement.md) |
//! | `affinity.podAntiAffinity`'s required terms over the workload's own pods | `service.affinity.podAntiAffinity`, each term's `topologyKey` (see [`affinity`]) |
//! | the rest of `affinity` (preferences, pod affinity, anti-affinity over other pods) | left out and reported, or refused where it decides where the workload's own pods go (see [`affinity`]) |
//! | `topologySpreadConstraints` | `service.topologySpreadConstraints`, those whose `labelSelector` matches the template's own labels (see [`spread`]) |
//! | the containers' `ports` with a `hostPort` (or `hostNetwork: true`) | `service.ports` (see [`super::host_ports`]) |
//!
//! A request left out where a limit is given is the limit, as the API server defaults it
//! (`k8s.io/kubernetes` `pkg/apis/core/v1/defaults.go`, `SetDefaults_Pod`).

use super::super::health::PROBE_FIELDS;
use super::super::quantity;
use super::affinity;
use super::api_fields;
use super::draft::{Draft, Src};
use super::render;
use super::server_defaults;
use super::spread;
use super::units;
use serde_json::Value;

/// The probes a container may have, by their field names (the scenario uses the same).
const PROBES: [&str; 3] = ["readinessProbe", "livenessProbe", "startupProbe"];

/// The ways a probe checks a container; which one changes nothing simulated.
const HANDLERS: [&str; 4] = ["httpGet", "tcpSocket", "exec", "grpc"];

/// The workload whose pod template is mapped: what its scheduling rules need to tell the
/// workload's own pods from other workloads'.
#[derive(Debug, Clone, Copy)]
pub struct Workload<'a> {
    /// Its kind, as messages name it (`Deployment`, `Rollout`).
    pub kind: &'a str,
    /// The kind whose controller creates the pods, and so gives them its labels
    /// ([`super::selector::controller_labels`]): `kind`, but `Rollout` for a Rollout's
    /// `workloadRef` Deployment.
    pub controller: &'a str,
    /// Its namespace ([`super::library::namespace_of`]); a `workloadRef` or `targetRef`
    /// Deployment's is the referrer's, where it was looked up.
    pub namespace: &'a str,
    /// The Flagger Canary whose target it is (`Flagger Canary web`): Flagger runs the
    /// template's pods in two Deployments, the primary's selecting its own pods by another
    /// label value.
    pub flagger: Option<&'a str>,
}

impl<'a> Workload<'a> {
    /// A workload of `kind` in `namespace`, run by its own controller.
    pub fn new(kind: &'a str, namespace: &'a str) -> Workload<'a> {
        Workload {
            kind,
            controller: kind,
            namespace,
            flagger: None,
        }
    }
}

/// Maps `owner.template` (`owner` is the Deployment's, DaemonSet's or Rollout's `spec`)
/// into `d`; `of` is that workload (its kind names it in the message when there is no
/// pod template).
pub fn template(owner: &Src, of: Workload, d: &mut Draft) {
    let template = owner.get("template");
    let metadata = template.as_ref().and_then(|t| t.get("metadata"));
    if let Some(m) = &metadata {
        d.read(m);
    }
    let labels = metadata.as_ref().and_then(|m| m.get("labels"));
    match template.as_ref().and_then(|t| t.get("spec")) {
        Some(pod_spec) => pod(&pod_spec, labels.as_ref(), of, d),
        None => d.error(
            owner,
            format!("a {} needs `template.spec`, the pod it runs", of.kind),
        ),
    }
}

fn pod(spec: &Src, labels: Option<&Src>, of: Workload, d: &mut Draft) {
    let containers = spec
        .get("containers")
        .map(|c| c.items())
        .unwrap_or_default();
    let Some(first) = containers.first() else {
        return d.error(
            spec,
            "the pod template has no containers (`containers:` needs at least one)",
        );
    };
    if let Some(g) = spec.get("terminationGracePeriodSeconds") {
        d.map_integer("service.terminationGracePeriodSeconds", &g);
    }
    for key in ["nodeSelector", "tolerations"] {
        if let Some(v) = spec.get(key) {
            d.copy_tree(&format!("service.{key}"), &v);
        }
    }
    if let Some(a) = spec.get("affinity") {
        affinity::affinity(&a, labels, of, d);
    }
    if let Some(list) = spec.get("topologySpreadConstraints") {
        spread::constraints(&list, labels, d);
    }
    if let Some(init) = spec.get("initContainers") {
        d.unsupported(
            &init,
            "init containers run before the app starts; add their time to \
             the versions' `start`",
        );
    }
    requests(&containers, d);
    super::host_ports::kubernetes(spec, &containers, d);
    server_defaults::pod(spec, &containers, d);
    match first.get("image") {
        Some(image) => {
            // `map` copies scalars only: the written scenario stays shallow.
            d.map("service.versions.current.image", &image);
            if d.errors.is_empty() {
                d.map("service.versions.next.image", &image);
            }
        }
        None => d.error(first, "a container needs an `image`"),
    }
    for c in &containers {
        if let Some(n) = c.get("name") {
            d.read(&n);
        }
    }
    for key in PROBES {
        if let Some(p) = first.get(key) {
            probe(&p, key, d);
        }
    }
    for other in &containers[1..] {
        for key in PROBES {
            if let Some(p) = other.get(key) {
                d.unsupported(
                    &p,
                    "the scenario has one container, the first; a probe on \
                     another container is left out",
                );
            }
        }
    }
    if let Some(hook) = first.get("lifecycle").and_then(|l| l.get("preStop")) {
        pre_stop(&hook, d);
    }
}

/// The pod's request: the sum of its containers' (what the scheduler fits on a node,
/// `k8s.io/component-helpers` `resource.PodRequests`, with no init containers or overhead).
fn requests(containers: &[Src], d: &mut Draft) {
    type Parse = fn(&Value) -> Result<u64, quantity::QuantityError>;
    type Show = fn(u64) -> Value;
    let kinds: [(&str, Parse, Show); 2] = [
        ("cpu", quantity::cpu_millis, units::cpu_text),
        ("memory", quantity::memory_bytes, units::memory_text),
    ];
    for (kind, parse, show) in kinds {
        let mut total: Option<(u64, Src)> = None;
        for c in containers {
            let resources = c.get("resources");
            let given = |section: &str| {
                resources
                    .as_ref()
                    .and_then(|r| r.get(section))
                    .and_then(|s| s.get(kind))
            };
            let Some(q) = given("requests").or_else(|| given("limits")) else {
                continue;
            };
            d.read(&q);
            match parse(q.value) {
                Ok(v) => {
                    let (sum, at) = total.take().unwrap_or((0, q.clone()));
                    total = Some((sum.saturating_add(v), at));
                }
                Err(e) => d.error(&q, format!("{e}, got {}", q.value)),
            }
        }
        if let Some((sum, at)) = total {
            d.derived(&format!("service.resources.{kind}"), show(sum), &at);
        }
    }
    for c in containers {
        if let Some(limits) = c.get("resources").and_then(|r| r.get("limits")) {
            d.unsupported(
                &limits,
                "limits (throttling, OOM kills) play no part; a limit only \
                 stands in for a request that is not given, as the API server defaults it",
            );
        }
    }
}

fn probe(p: &Src, key: &str, d: &mut Draft) {
    let to = format!("service.{key}");
    d.section(&to, p);
    for field in PROBE_FIELDS.iter().filter(|f| **f != "flaky") {
        if let Some(v) = p.get(field) {
            d.map_integer(&format!("{to}.{field}"), &v);
        }
    }
    for handler in HANDLERS {
        if let Some(h) = p.get(handler) {
            d.read(&h);
            d.comment(
                &to,
                &format!(
                    "{handler} {}: when it starts passing is the versions' `ready_after`",
                    render::compact(h.value)
                ),
            );
        }
    }
}

/// `preStop: {sleep: {seconds: N}}` or `preStop: {exec: {command: [.., "sleep N"]}}`:
/// how long the pod goes on serving after it is told to stop. Any other hook takes a time
/// the manifest does not say.
fn pre_stop(hook: &Src, d: &mut Draft) {
    let seconds = hook.get("sleep").and_then(|s| s.get("seconds"));
    if let Some(s) = seconds {
        return match s.value.as_u64() {
            Some(_) => d.derived("service.pre_stop", s.value.clone(), &s),
            None => d.error(
                &s,
                format!("expected a whole number of seconds, got {}", s.value),
            ),
        };
    }
    let exec = hook.get("exec").and_then(|e| e.get("command"));
    if let Some(cmd) = exec {
        let words: Option<Vec<&str>> = cmd.items().iter().map(|w| w.str()).collect();
        if let Some(secs) = words.and_then(|w| units::sleep_command(&w)) {
            return d.derived("service.pre_stop", units::seconds_text(secs), &cmd);
        }
    }
    // A key no handler has (`slep`) is left for `Draft::finish` to refuse as misspelt.
    let real = |(k, _): &(&str, Src)| api_fields::LIFECYCLE_HANDLER.child(k).is_some();
    if hook.entries().iter().all(real) {
        d.unsupported(
            hook,
            "only a `sleep` preStop hook (or `exec` of `sleep N`) has a known \
             duration; set service.pre_stop to how long this one takes",
        );
    }
}
