//! `matchShare`, the simulator field beside a routing `match` that the simulator cannot
//! evaluate (Flagger's A/B `analysis.match`, an Argo Rollouts route step's `match`): the
//! share of the users' requests the conditions select.

use super::walk::Node;

/// A `matchShare` value: above 0 and at most 1. `unread` names what the conditions read
/// that the simulator cannot ("headers, cookies or queries"), for the message.
///
/// ```text
/// matchShare: 0.05   # 5 % of the users' requests carry the header
/// ```
pub fn parse(n: &Node, unread: &str) -> Option<f64> {
    let p = n.f64()?;
    n.check(
        p,
        p > 0.0 && p <= 1.0,
        &format!(
            "must be above 0 and at most 1: the share of the users' requests the `match` \
             conditions select (the simulator cannot read {unread})"
        ),
    )
}
