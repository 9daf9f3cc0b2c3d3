//! Argo Rollouts' canary replica arithmetic, as pure functions on ReplicaSet counts.
//!
//! Ported from `argoproj/argo-rollouts:utils/replicaset/canary.go` (v1.2 and later, the
//! version after PR #1759 "fix!: improve basic canary approximation accuracy and honor
//! maxSurge", merge commit `0f93f9b8`, checked against the tree at `v1.10.0-rc1`):
//!
//! * [`approximate_weighted_counts`] — `approximateWeightedCanaryStableReplicaCounts`: the
//!   (canary, stable) pair whose canary share is closest to the weight, the canary
//!   `ceil` or `floor` of `w × N / 100` pods out of a total of N or (with surge) N + 1;
//!   neither side 0 for a weight strictly between 0 and 100 unless N = 1 without surge;
//!   ties round the canary up; no option at all leaves the stable at N.
//! * [`basic_canary_counts`] — `CalculateReplicaCountsForBasicCanary`: one reconcile's
//!   (new, stable) specs without a traffic router, scaling up stable first within
//!   `N + maxSurge`, draining older ReplicaSets first, and scaling down only as far as
//!   `N − maxUnavailable` available pods allow.
//! * [`traffic_routed_counts`] — `CalculateReplicaCountsForTrafficRoutedCanary`: with a
//!   router the canary is `ceil(weight × N / 100)` (or the `setCanaryScale` target) and the
//!   stable stays at N, unless `dynamicStableScale` ([`dynamic_stable_scale`]).
//! * [`progress_threshold_met`] — `ReplicaProgressThresholdMet`: whether a ReplicaSet has
//!   the pods available a step waits for; [`carries`], the same for the router's stable
//!   share and the promotion, which a full count also meets.
//! * [`desired_weight_on_abort`] — `GetDesiredCanaryWeight`: the weight an aborted
//!   `dynamicStableScale` canary's ReplicaSets are sized for as it steps back.
//! * [`abort_traffic_weight`] — `calculateDesiredWeightOnAbortOrStableRollback`
//!   (`rollout/trafficrouting.go`): the router's weight meanwhile.
//!
//! Weights are out of `maxTrafficWeight` (100 unless a router sets another total, as
//! NGINX's `canary-weight-total` does); the router-less approximation always uses 100,
//! since `maxTrafficWeight` lives in `trafficRouting`. Arithmetic is in `i64`/`f64` where Go uses `int32`/`float64`, so
//! the floating-point ties (`frac == 0.5`) fall exactly where upstream's do.

use crate::scenario::rollout::ProgressThreshold;

/// `spec.replicas` and `status.availableReplicas` of one ReplicaSet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RsState {
    /// `spec.replicas`.
    pub spec: u32,
    /// `status.availableReplicas`.
    pub available: u32,
}

/// The router's maximum weight (`maxTrafficWeight`, default 100).
pub const MAX_WEIGHT: u32 = 100;

/// `trafficWeightToReplicas`: `ceil(weight × n / 100)`.
pub fn weight_to_replicas(n: u32, weight: u32) -> u32 {
    weight_to_replicas_of(n, weight, MAX_WEIGHT)
}

/// `trafficWeightToReplicas` with the router's `maxTrafficWeight`: `ceil(weight × n / max)`.
pub fn weight_to_replicas_of(n: u32, weight: u32, max: u32) -> u32 {
    (u64::from(n) * u64::from(weight)).div_ceil(u64::from(max.max(1))) as u32
}

/// `floorCeilingTied`: the fractional part of `total × (w / 100)` is exactly one half
/// (in upstream's order of operations, so a product like 25 × 0.14 = 3.5000000000000004
/// is not a tie there either).
fn tied(weight: u32, total: u32) -> bool {
    let x = f64::from(total) * (f64::from(weight) / f64::from(MAX_WEIGHT));
    x - x.trunc() == 0.5
}

/// `weightDelta`: how far `canary / total` is from the weight, in percentage points.
fn delta(weight: u32, canary: u32, total: u32) -> f64 {
    let actual = f64::from(canary) * f64::from(MAX_WEIGHT) / f64::from(total);
    (actual - f64::from(weight)).abs()
}

/// `approximateWeightedCanaryStableReplicaCounts(N, w, 100, surge)`: `(canary, stable)`.
pub fn approximate_weighted_counts(n: u32, weight: u32, surge: u32) -> (u32, u32) {
    if n == 0 {
        return (0, 0);
    }
    // Both counts are rounded over N, also for the options over N + 1 pods (upstream
    // computes them once, from `specReplicas`): one pod of surge makes room for the
    // stable, the canary count stays that of N.
    let ceil = (u64::from(n) * u64::from(weight)).div_ceil(100) as u32;
    let floor = (u64::from(n) * u64::from(weight) / 100) as u32;
    let zero_allowed = weight == MAX_WEIGHT || weight == 0 || (n == 1 && surge == 0);
    let mut options: [(u32, u32); 4] = [(0, 0); 4];
    let mut k = 0;
    let mut push = |c: u32, t: u32| {
        options[k] = (c, t);
        k += 1;
    };
    if ceil < n || zero_allowed {
        push(ceil, n);
    }
    if !tied(weight, n) && (floor != 0 || zero_allowed) {
        push(floor, n);
    }
    if surge > 0 {
        push(ceil, n + 1);
        if !tied(weight, n + 1) && (floor != 0 || zero_allowed) {
            push(floor, n + 1);
        }
    }
    let Some(&first) = options[..k].first() else {
        // No option (ceil = N, floor tied or 0, no surge): upstream's "should not get
        // here" keeps the stable at N and the canary at 0.
        return (0, n);
    };
    // On equal deltas the earlier option wins (strict `<`).
    let mut best = first;
    for &o in &options[1..k] {
        if delta(weight, o.0, o.1) < delta(weight, best.0, best.1) {
            best = o;
        }
    }
    (best.0, best.1 - best.0)
}

/// `GetReplicasForScaleDown`: the replicas of `rs` counted as removable.
fn replicas_for_scale_down(rs: Option<RsState>, ignore_availability: bool) -> i64 {
    match rs {
        None => 0,
        Some(r) if r.spec < r.available || ignore_availability => i64::from(r.spec),
        Some(r) => i64::from(r.available),
    }
}

/// `calculateScaleDownReplicaCount`.
fn scale_down_count(drain: Option<RsState>, desired: i64, scale_down: i64, count: i64) -> i64 {
    match drain {
        Some(r) if i64::from(r.spec) > desired => desired.max(i64::from(r.spec) - scale_down),
        _ => count,
    }
}

/// `adjustReplicaWithinLimits`: `(drain count, adjust count)` kept within
/// `max_total` pods and, as far as available pods allow, `min_available`.
fn adjust_within_limits(
    drain: Option<RsState>,
    adjust: Option<RsState>,
    mut drain_count: i64,
    mut adjust_count: i64,
    max_total: i64,
    min_available: i64,
) -> (i64, i64) {
    adjust_count = adjust_count.min(max_total - drain_count);
    let mut extra = 0;
    let mut available = 0;
    if let Some(a) = adjust {
        extra = (i64::from(a.available) - adjust_count).max(0);
        available += i64::from(a.available).min(adjust_count);
    }
    if let Some(d) = drain {
        available += i64::from(d.available).min(drain_count);
    }
    if available < min_available {
        adjust_count += extra.min(min_available - available);
    }
    drain_count = drain_count.min(max_total - adjust_count);
    (drain_count, adjust_count)
}

/// `CalculateReplicaCountsForBasicCanary`: `(new, stable)` specs after one reconcile.
///
/// `surge` and `unavailable` are the resolved fenceposts; `stable: None` (or the new
/// ReplicaSet being the stable one, which the caller passes as `None`) means a plain
/// rollout to the new ReplicaSet.
pub fn basic_canary_counts(
    n: u32,
    weight: u32,
    surge: u32,
    unavailable: u32,
    new: Option<RsState>,
    stable: Option<RsState>,
    older: &[RsState],
) -> (u32, u32) {
    let (dn, ds) = approximate_weighted_counts(n, weight, surge);
    let (mut dn, mut ds) = (i64::from(dn), i64::from(ds));
    let spec = |r: Option<RsState>| r.map_or(0, |r| i64::from(r.spec));
    let mut new_count = spec(new);
    let mut stable_count = spec(stable);
    if stable.is_none() {
        dn = i64::from(n);
        ds = 0;
    }
    let max_total = i64::from(n) + i64::from(surge);
    let older_spec: i64 = older.iter().map(|r| i64::from(r.spec)).sum();
    let mut scale_up = max_total - (older_spec + spec(new) + spec(stable));
    if scale_up > 0 {
        if let Some(s) = stable
            && i64::from(s.spec) < ds
        {
            stable_count = ds.min(i64::from(s.spec) + scale_up);
            scale_up -= stable_count - i64::from(s.spec);
        }
        if let Some(r) = new
            && i64::from(r.spec) < dn
            && scale_up > 0
        {
            new_count = dn.min(i64::from(r.spec) + scale_up);
        }
    }
    let out = |a: i64, b: i64| (a.max(0) as u32, b.max(0) as u32);
    if older_spec > 0 {
        // Older ReplicaSets are scaled down first.
        return out(new_count, stable_count);
    }
    let min_available = i64::from(n) - i64::from(unavailable.min(n));
    let increasing = new.is_none_or(|r| dn >= i64::from(r.spec));
    let to_scale_down =
        replicas_for_scale_down(new, !increasing) + replicas_for_scale_down(stable, increasing);
    if to_scale_down <= min_available {
        return out(new_count, stable_count);
    }
    let scale_down = to_scale_down - min_available;
    if !increasing {
        new_count = scale_down_count(new, dn, scale_down, new_count);
        let (a, b) = adjust_within_limits(
            new,
            stable,
            new_count,
            stable_count,
            max_total,
            min_available,
        );
        (new_count, stable_count) = (a, b);
    } else {
        stable_count = scale_down_count(stable, ds, scale_down, stable_count);
        let (a, b) = adjust_within_limits(
            stable,
            new,
            stable_count,
            new_count,
            max_total,
            min_available,
        );
        (stable_count, new_count) = (a, b);
    }
    out(new_count, stable_count)
}

/// What the canary ReplicaSet is scaled to with a router, before `dynamicStableScale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanaryTarget {
    /// From the current weight: `ceil(weight × N / 100)`.
    Weight(u32),
    /// `setCanaryScale: {replicas}`.
    Replicas(u32),
    /// `setCanaryScale: {weight}` (may exceed 100).
    ScaleWeight(u32),
}

/// `CalculateReplicaCountsForTrafficRoutedCanary` without `dynamicStableScale`:
/// `(canary, stable)`, the stable kept at N.
pub fn traffic_routed_counts(n: u32, target: CanaryTarget, max: u32) -> (u32, u32) {
    let canary = match target {
        CanaryTarget::Weight(w) | CanaryTarget::ScaleWeight(w) => weight_to_replicas_of(n, w, max),
        CanaryTarget::Replicas(r) => r,
    };
    (canary, n)
}

/// `ReplicaProgressThresholdMet` (`utils/replicaset/canary.go`): whether `rs` has enough
/// pods available for a step that wants `desired` of them ([`ProgressThreshold::met`]).
/// Without a threshold, `allDesiredAreAvailable`: its spec and its available count both
/// at `desired`.
pub fn progress_threshold_met(
    threshold: Option<ProgressThreshold>,
    rs: RsState,
    desired: u32,
) -> bool {
    match threshold {
        Some(t) => t.met(rs.available, desired),
        None => rs.spec == desired && rs.available == desired,
    }
}

/// The test `checkReplicasAvailable` (the router's stable share) and `shouldFullPromote`
/// (the promotion) make of `rs`: every pod of `desired` available, or the threshold met.
pub fn carries(threshold: Option<ProgressThreshold>, rs: RsState, desired: u32) -> bool {
    rs.available >= desired || progress_threshold_met(threshold, rs, desired)
}

/// `CheckMinPodsPerReplicaSet`: with a router, a non-zero count is raised to
/// `minPodsPerReplicaSet` (capped at N, "to prevent reconciliation loop"); 0 stays 0.
pub fn check_min_pods(n: u32, min_pods: Option<u32>, count: u32) -> u32 {
    match min_pods {
        Some(m) if count > 0 => count.max(m.min(n)),
        _ => count,
    }
}

/// The weights the router holds now (`status.canary.weights`), in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActualWeights {
    /// Canary weight.
    pub canary: u32,
    /// Stable weight.
    pub stable: u32,
}

/// `CalculateReplicaCountsForTrafficRoutedCanary` with `dynamicStableScale: true`:
/// `(canary, stable)` where the stable follows the higher of the desired and the actual
/// stable weight (it shrinks only after traffic left it) and, on abort, the canary the
/// higher of the desired and the actual canary weight (it shrinks only after traffic
/// returned to stable).
///
/// The desired weight is the one `GetCanaryReplicasOrWeight` returns with the target: the
/// current weight (on abort [`desired_weight_on_abort`]) for [`CanaryTarget::Weight`], the
/// `setCanaryScale` weight for [`CanaryTarget::ScaleWeight`], and 0 for
/// [`CanaryTarget::Replicas`], so an explicit canary count asks for a full stable, whatever
/// the traffic weight.
pub fn dynamic_stable_scale(
    n: u32,
    target: CanaryTarget,
    actual: Option<ActualWeights>,
    aborted: bool,
    max: u32,
) -> (u32, u32) {
    let (mut canary, _) = traffic_routed_counts(n, target, max);
    let desired_weight = match target {
        CanaryTarget::Weight(w) | CanaryTarget::ScaleWeight(w) => w,
        CanaryTarget::Replicas(_) => 0,
    };
    let mut stable = weight_to_replicas_of(n, max - desired_weight.min(max), max);
    if let Some(a) = actual {
        stable = stable.max(weight_to_replicas_of(n, a.stable, max));
        if aborted {
            canary = canary.max(weight_to_replicas_of(n, a.canary, max));
        }
    }
    (canary, stable)
}

/// The state an aborted `dynamicStableScale` canary steps its weight back from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortState {
    /// Available pods of the stable ReplicaSet.
    pub stable_available: u32,
    /// Available pods of the canary ReplicaSet.
    pub canary_available: u32,
    /// `abortScaleDownDelaySeconds` was written with a non-zero value.
    pub explicit_abort_delay: bool,
}

/// `GetDesiredCanaryWeight` on abort: walking the `setWeight` values from the last, the
/// first whose replica count is below what the stable cannot yet carry (`N − stable
/// available`, or the larger of that and the canary's available pods unless an abort
/// delay is set explicitly), else 0. `None` (no ReplicaSets known) gives 0.
///
/// This is the weight the replica counts are sized for ([`dynamic_stable_scale`]); it may
/// exceed the weight the router holds (a canary with more available pods than its
/// traffic), and upstream does not cap it there: the router's weight is
/// [`abort_traffic_weight`].
pub fn desired_weight_on_abort(
    n: u32,
    set_weights: &[u32],
    state: Option<AbortState>,
    max: u32,
) -> u32 {
    let Some(s) = state else {
        return 0;
    };
    let uncovered = n.saturating_sub(s.stable_available);
    let limit = if s.explicit_abort_delay {
        uncovered
    } else {
        uncovered.max(s.canary_available)
    };
    set_weights
        .iter()
        .rev()
        .copied()
        .find(|&w| weight_to_replicas_of(n, w, max) < limit)
        .unwrap_or(0)
}

/// `calculateDesiredWeightOnAbortOrStableRollback` (argo-rollouts 9f8d111
/// `rollout/trafficrouting.go`): the canary weight an aborted `dynamicStableScale`
/// canary's router is set to, from `desired` ([`desired_weight_on_abort`]) and the weight
/// it holds now (`status.canary.weights`, `current`). With nothing to step back to
/// (`desired` 0) the weight is what the stable's available pods cannot carry yet,
/// `max − ⌊max × available / N⌋`, so traffic leaves the canary pod by pod as the stable
/// comes back; otherwise it stays at `current` while the stable is below `max − desired`,
/// then drops to `desired`. Never above `current`.
pub fn abort_traffic_weight(
    n: u32,
    desired: u32,
    stable_available: u32,
    current: u32,
    max: u32,
) -> u32 {
    if n == 0 {
        return 0;
    }
    let stable_weight = (u64::from(max) * u64::from(stable_available) / u64::from(n)) as u32;
    if desired == 0 {
        return max.saturating_sub(stable_weight).min(current);
    }
    if stable_weight < max.saturating_sub(desired) {
        return current;
    }
    desired.min(current)
}

#[cfg(test)]
mod abort_tests;
#[cfg(test)]
mod basic_tests;
#[cfg(test)]
mod progress_threshold_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod traffic_routed_tests;
