//! `strategy.canary`'s parser: the canary's fields, its `steps` (weights, pauses, scales,
//! analyses, header and mirror routes, experiments) and its background analysis, checked
//! as Argo Rollouts' validation checks them. Apart from the types (`super`) because the
//! steps' rules alone are most of the strategy's parsing.

use super::super::experiment_step::{self, ExperimentStep};
use super::super::managed_routes;
use super::super::model::IntOrPercent;
use super::super::strategy::int_or_percent;
use super::super::walk::{Node, Obj};
use super::{
    Background, Canary, CanaryScale, CanaryStep, DEFAULT_SCALE_DOWN_DELAY, MAX_TRAFFIC_WEIGHT,
    ProgressThreshold, RolloutKind, RolloutStrategy, TrafficRouting, bounded, rollout,
};
use crate::analysis::{self, AnalysisSpec};

/// Fields of `strategy.canary`.
pub const CANARY_FIELDS: &[&str] = &[
    "steps",
    "maxSurge",
    "maxUnavailable",
    "trafficRouting",
    "scaleDownDelaySeconds",
    "abortScaleDownDelaySeconds",
    "dynamicStableScale",
    "minPodsPerReplicaSet",
    "replicaProgressThreshold",
    "minReadySeconds",
    "progressDeadlineSeconds",
    "progressDeadlineAbort",
    "analysis",
];
/// Fields of one `steps[]` item: exactly one.
pub const STEP_FIELDS: &[&str] = &[
    "setWeight",
    "pause",
    "setCanaryScale",
    "analysis",
    "setHeaderRoute",
    "setMirrorRoute",
    "experiment",
];
/// Fields of `canary.analysis` (background analysis): the analysis block's own fields
/// (`metrics`, inline in place of Argo's template references) and `startingStep`.
pub const BACKGROUND_FIELDS: &[&str] = &["metrics", "dryRun", "startingStep"];
/// Fields of `pause`.
pub const PAUSE_FIELDS: &[&str] = &["duration"];
/// Fields of `setCanaryScale`: exactly one.
pub const SCALE_FIELDS: &[&str] = &["replicas", "weight", "matchTrafficWeight"];
/// Fields of `replicaProgressThreshold`: both required.
pub const PROGRESS_THRESHOLD_FIELDS: &[&str] = &["type", "value"];
/// The values of `replicaProgressThreshold.type` (`ProgressType`): `Pod` is how Argo
/// Rollouts' specification page spells `Pods`, and upstream reads every type but
/// `Percent` as a count of pods.
pub const PROGRESS_TYPES: &[(&str, bool)] = &[("Percent", true), ("Pods", false), ("Pod", false)];
/// Fields of `trafficRouting`.
pub const ROUTING_FIELDS: &[&str] = &["headerRoute", "maxTrafficWeight", "managedRoutes"];
/// Fields of `trafficRouting.headerRoute`.
pub const HEADER_ROUTE_FIELDS: &[&str] = &["share"];

/// `strategy.canary`.
pub fn canary(o: &Obj) -> RolloutStrategy {
    // `trafficRouting: null` (the key with nothing under it) is no router, as absent: the
    // API server prunes a null that the CRD does not mark nullable
    // (`k8s.io/apiextensions-apiserver` `PruneNonNullableNullsWithoutDefaults`), and Go
    // reads one into a nil `*RolloutTrafficRouting` anyway: a basic canary. `{}` is the
    // simulator's router.
    let routing = o.get("trafficRouting").map(|n| {
        let r = n.object_or_empty(ROUTING_FIELDS);
        let h = r.section("headerRoute", HEADER_ROUTE_FIELDS);
        TrafficRouting {
            header_share: h.probability("share", 0.0),
            max_weight: r
                .opt("maxTrafficWeight", |n| {
                    let v = n.u32()?;
                    n.check(v, v >= 1, "must be at least 1")
                })
                .unwrap_or(MAX_TRAFFIC_WEIGHT),
        }
    });
    let managed = o.get("trafficRouting").and_then(|n| {
        let r = n.value().as_object()?;
        let list = n.child("managedRoutes", r.get("managedRoutes")?);
        if list.value().is_null() {
            return None;
        }
        let names = managed_routes::managed_routes(&list)?;
        if routing.is_some_and(|r| r.header_share > 0.0) {
            list.problem(
                "cannot be combined with `headerRoute.share`, which stands for a header route \
                 present for the whole update: write that route as a `setHeaderRoute` step \
                 with its `matchShare` instead",
            );
        }
        Some(names)
    });
    let routed = routing.is_some();
    let max_weight = routing.map_or(MAX_TRAFFIC_WEIGHT, |r| r.max_weight);
    let router_only = |field: &str| {
        if !routed && let Some(n) = o.get(field) {
            n.problem("requires `trafficRouting` (Argo Rollouts validation)");
        }
    };
    router_only("scaleDownDelaySeconds");
    router_only("abortScaleDownDelaySeconds");
    router_only("dynamicStableScale");
    let min_pods = o.opt("minPodsPerReplicaSet", Node::u32);
    if let (false, Some(n)) = (routed, o.get("minPodsPerReplicaSet")) {
        // `CheckMinPodsPerReplicaSet` ignores it without a router: refused, not ignored.
        n.problem(
            "has an effect only with `trafficRouting` (argo-rollouts CheckMinPodsPerReplicaSet)",
        );
    }
    let threshold = o.get("replicaProgressThreshold").and_then(|n| {
        let t = n.object(PROGRESS_THRESHOLD_FIELDS)?;
        let percent = t.required("type", |n| n.choice(PROGRESS_TYPES));
        // The CRD's description: "Value must also be greater than 0". Upstream does not
        // enforce it: 0 would complete every step with no pod available, and a negative
        // value is read as no threshold.
        let value = t.required("value", |n| {
            n.u32_in(1..=u32::MAX, |got| {
                format!(
                    "must be greater than 0 (0 lets a step complete with no canary pod \
                     available; leave the field out to wait for every pod), got {got}"
                )
            })
        });
        let (percent, value) = (percent?, value?);
        Some(if percent {
            ProgressThreshold::Percent(value)
        } else {
            ProgressThreshold::Pods(value)
        })
    });
    let mut step_analyses = Vec::new();
    let mut experiments = Vec::new();
    let steps: Vec<CanaryStep> = o
        .opt("steps", |n| {
            Some(
                n.list()?
                    .iter()
                    .filter_map(|s| {
                        step(
                            s,
                            routed,
                            max_weight,
                            managed.as_deref(),
                            &mut step_analyses,
                            &mut experiments,
                        )
                    })
                    .collect(),
            )
        })
        .unwrap_or_default();
    experiment_weights_fit(o, &steps, &experiments, max_weight);
    let background = o.get("analysis").and_then(|n| {
        let b = n.object(BACKGROUND_FIELDS)?;
        // A run that would start after the last step never runs before promotion.
        let last = steps.len().saturating_sub(1) as u32;
        let starting_step = b.or("startingStep", 0, |n| {
            n.u32_in(0..=last, |got| {
                format!(
                    "must be less than the number of steps ({}), got {got}",
                    steps.len()
                )
            })
        }) as usize;
        Some(Background {
            starting_step,
            spec: analysis::spec::metrics_of(&b)?,
        })
    });
    let surge = o.opt("maxSurge", int_or_percent);
    let unavailable = o.opt("maxUnavailable", int_or_percent);
    let zero = |v| matches!(v, Some(IntOrPercent::Int(0) | IntOrPercent::Percent(0)));
    if zero(surge)
        && zero(unavailable)
        && let Some(n) = o.get("maxUnavailable")
    {
        n.problem("may not be 0 when maxSurge is 0");
    }
    let dynamic = o.bool("dynamicStableScale", false);
    if dynamic && let Some(n) = o.get("scaleDownDelaySeconds") {
        n.problem("cannot be set with `dynamicStableScale` (Argo Rollouts validation)");
    }
    let abort_delay = o.duration("abortScaleDownDelaySeconds", DEFAULT_SCALE_DOWN_DELAY);
    let kind = RolloutKind::Canary(Canary {
        steps,
        max_surge: surge.unwrap_or(IntOrPercent::Percent(25)),
        max_unavailable: unavailable.unwrap_or(IntOrPercent::Percent(25)),
        traffic_routing: routing,
        scale_down_delay: o.duration("scaleDownDelaySeconds", DEFAULT_SCALE_DOWN_DELAY),
        abort_scale_down_delay: abort_delay,
        abort_delay_explicit: o.get("abortScaleDownDelaySeconds").is_some() && abort_delay > 0,
        dynamic_stable_scale: dynamic,
        min_pods_per_replica_set: min_pods,
        replica_progress_threshold: threshold,
        analysis: background,
        step_analyses,
        experiments,
        managed_routes: managed.unwrap_or_default(),
    });
    rollout(o, kind)
}

fn step(
    n: &Node,
    routed: bool,
    max_weight: u32,
    routes: Option<&[String]>,
    analyses: &mut Vec<AnalysisSpec>,
    experiments: &mut Vec<ExperimentStep>,
) -> Option<CanaryStep> {
    let o = n.object(STEP_FIELDS)?;
    // A field written null is not set, as upstream reads it (pruned by the API server, a
    // nil pointer in Go): `- pause:` with nothing under it is an empty step, which Argo
    // Rollouts refuses (`validation.go`: `InvalidStepMessage`), not a pause until promoted.
    let given: Vec<&str> = STEP_FIELDS.iter().copied().filter(|f| o.has(f)).collect();
    if given.len() != 1 {
        if given.is_empty()
            && let Some((field, null)) = STEP_FIELDS.iter().find_map(|&f| Some((f, o.raw(f)?)))
        {
            let pause = if field == "pause" {
                "; a pause until promoted is `pause: {}`"
            } else {
                ""
            };
            return null.fail(format!(
                "is null (written with nothing under it), which Argo Rollouts reads as not \
                 set, leaving the step with none of `{}`, which it refuses{pause}",
                STEP_FIELDS.join("`, `")
            ));
        }
        return n.fail(format!(
            "give exactly one of `{}`; got {}",
            STEP_FIELDS.join("`, `"),
            if given.is_empty() {
                "none".to_string()
            } else {
                given.join(", ")
            }
        ));
    }
    if let Some(w) = o.get("setWeight") {
        return w
            .u32_in(0..=max_weight, |got| {
                format!("must be between 0 and {max_weight} (`maxTrafficWeight`), got {got}")
            })
            .map(CanaryStep::SetWeight);
    }
    if let Some(p) = o.get("pause") {
        let p = p.object_or_empty(PAUSE_FIELDS);
        return Some(CanaryStep::Pause(p.opt("duration", Node::duration)));
    }
    if let Some(a) = o.get("analysis") {
        let spec = analysis::parse(&a)?;
        bounded(&a, &spec);
        analyses.push(spec);
        return Some(CanaryStep::Analysis(analyses.len() - 1));
    }
    if let Some(e) = o.get("experiment") {
        experiments.push(experiment_step::parse(&e, routed)?);
        return Some(CanaryStep::Experiment(experiments.len() - 1));
    }
    for (field, mirror) in [("setHeaderRoute", false), ("setMirrorRoute", true)] {
        let Some(r) = o.get(field) else { continue };
        if !routed {
            // `InvalidSetHeaderRouteTrafficPolicy` / `InvalidSetMirrorRouteTrafficPolicy`.
            return r.fail("requires `trafficRouting` (Argo Rollouts validation)");
        }
        let route = managed_routes::route_step(&r, mirror, routes)?;
        return Some(if mirror {
            CanaryStep::SetMirrorRoute(route)
        } else {
            CanaryStep::SetHeaderRoute(route)
        });
    }
    let node = o.get("setCanaryScale")?;
    if !routed {
        return node.fail("requires `trafficRouting` (Argo Rollouts validation)");
    }
    let s = node.object(SCALE_FIELDS)?;
    let scale = match (
        s.get("replicas"),
        s.get("weight"),
        s.get("matchTrafficWeight"),
    ) {
        (Some(r), None, None) => CanaryScale::Replicas(r.u32()?),
        (None, Some(w), None) => CanaryScale::Weight(w.u32()?),
        (None, None, Some(m)) => {
            if !m.bool()? {
                return m.fail("only `true` has an effect; remove the step otherwise");
            }
            CanaryScale::MatchTrafficWeight
        }
        _ => return node.fail("give exactly one of `replicas`, `weight`, `matchTrafficWeight`"),
    };
    Some(CanaryStep::SetCanaryScale(scale))
}

/// Behind a router the stable gets `maxTrafficWeight` − the canary's weight − a running
/// experiment's templates' weights (istio `processRoutes`): more than the maximum at an
/// `experiment` step leaves the stable a negative weight, which no router takes.
fn experiment_weights_fit(o: &Obj, steps: &[CanaryStep], experiments: &[ExperimentStep], max: u32) {
    let Some(list) = o.get("steps").and_then(|n| n.list()) else {
        return;
    };
    // A step that did not read is reported already: the indices no longer match.
    if list.len() != steps.len() {
        return;
    }
    let mut weight = 0;
    for (i, step) in steps.iter().enumerate() {
        match step {
            CanaryStep::SetWeight(w) => weight = *w,
            CanaryStep::Experiment(e) => {
                let taken = experiments[*e].weight();
                if taken > 0 && weight + taken > max {
                    list[i].problem(format!(
                        "the templates' weights ({taken}) and the canary's weight at this step \
                         ({weight}) add up to more than `maxTrafficWeight` ({max}): the stable \
                         would get a negative weight"
                    ));
                }
            }
            _ => {}
        }
    }
}
