//! `strategy.blueGreen`'s parser: its fields, and the pre- and post-promotion analyses
//! checked against the requests the preview and the previous pods receive. Apart from the
//! canary's parser: the two share only the Rollout's spec fields and the rule that an
//! analysis waited for must end, which stay in the parent module with the types.

use super::super::walk::{Node, Obj};
use super::{BlueGreen, DEFAULT_SCALE_DOWN_DELAY, RolloutKind, RolloutStrategy, bounded, rollout};
use crate::analysis::{self, Role};

/// Fields of `strategy.blueGreen`.
pub const BLUE_GREEN_FIELDS: &[&str] = &[
    "previewReplicaCount",
    "autoPromotionEnabled",
    "autoPromotionSeconds",
    "scaleDownDelaySeconds",
    "abortScaleDownDelaySeconds",
    "minReadySeconds",
    "progressDeadlineSeconds",
    "progressDeadlineAbort",
    "prePromotionAnalysis",
    "postPromotionAnalysis",
    "previewTraffic",
];
/// Fields of `blueGreen.previewTraffic`.
pub const PREVIEW_TRAFFIC_FIELDS: &[&str] = &["share"];

/// `strategy.blueGreen`.
pub fn blue_green(o: &Obj) -> RolloutStrategy {
    let preview_share = o
        .section("previewTraffic", PREVIEW_TRAFFIC_FIELDS)
        .probability("share", 0.0);
    // `null` is no run, as `canary.analysis: null` and `traffic: null`: a block with a
    // required field (`metrics`) has no defaults to be present with (Argo: a nil pointer).
    let pre = o.get("prePromotionAnalysis").and_then(|n| {
        let spec = analysis::parse(&n)?;
        bounded(&n, &spec);
        // Before the switch the active Service sends every request to the stable pods:
        // the preview's only requests are `previewTraffic.share`.
        if preview_share == 0.0
            && let Some(m) = spec.reads_requests_of(Role::Canary)
        {
            n.problem(format!(
                "metric `{}` needs the preview's requests (a rate, a latency or a judge), but \
                 the preview Service gets none; set `previewTraffic.share` (the share of requests it receives) or \
                 measure `ready_ratio`",
                m.name
            ));
        }
        Some(spec)
    });
    let post = o.get("postPromotionAnalysis").and_then(|n| {
        let spec = analysis::parse(&n)?;
        bounded(&n, &spec);
        // After the switch the previous pods are idle until promotion or abort.
        if let Some(m) = spec.reads_requests_of(Role::Stable) {
            n.problem(format!(
                "metric `{}` needs the previous version's requests (`of: stable`, or a judge), \
                 but after the active switch it gets none; measure `of: canary` (the new active pods)",
                m.name
            ));
        }
        Some(spec)
    });
    let abort = o.duration("abortScaleDownDelaySeconds", DEFAULT_SCALE_DOWN_DELAY);
    let kind = RolloutKind::BlueGreen(BlueGreen {
        preview_replica_count: o.opt("previewReplicaCount", Node::u32),
        auto_promotion_enabled: o.bool("autoPromotionEnabled", true),
        auto_promotion_seconds: o.duration("autoPromotionSeconds", 0),
        scale_down_delay: o.duration("scaleDownDelaySeconds", DEFAULT_SCALE_DOWN_DELAY),
        abort_scale_down_delay: (abort > 0).then_some(abort),
        pre_promotion_analysis: pre,
        post_promotion_analysis: post,
        preview_share,
    });
    rollout(o, kind)
}
