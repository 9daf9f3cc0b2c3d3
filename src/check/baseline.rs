//! Baselines: did a change make a rollout worse than a stored run of the same scenario?
//!
//! A baseline folder holds `trials.csv`, `summary.json` and `baseline.json` (the tool
//! version and a fingerprint of the scenario's settings). For every metric with a
//! direction ([`Better::Lower`] or [`Better::Higher`]) the mean of the new run is compared
//! with the baseline's:
//!
//! - **paired** (common random numbers) when the folder has `trials.csv` written with the
//!   same seed: trial `i` of both runs saw the same random draws, so the mean of the
//!   per-trial differences `newᵢ − baseᵢ` has a narrow 95% t interval
//!   ([`crate::stats::paired::paired`]);
//! - **unpaired** otherwise: the difference of the two means, its 95% half-width
//!   `√(h_new² + h_base²)` from each mean's own 95% interval half-width `h` (normal
//!   approximation of two independent means).
//!
//! **Regression rule**: a metric regressed when the whole 95% interval of the difference
//! lies on the worse side of `tolerance × |baseline mean|`: for lower-is-better metrics its
//! lower end is above `+tolerance·|base|`, for higher-is-better ones its upper end is below
//! `−tolerance·|base|`. Improvements, changes smaller than the tolerance and changes the
//! noise cannot tell apart all pass.
//!
//! A shard folder (`run --shard K/N`), or a shard's `summary.json` given alone, is no
//! baseline unless it holds exactly the trials the check runs ([`Baseline::check_trials`]):
//! its merged folder is.

use crate::output::columns::{Better, COLUMNS, Column};
use crate::output::human_text;
use crate::output::shard::{ShardManifest, fingerprint, trial_range};
use crate::output::{Summary, read_trials_csv};
use crate::result::TrialResult;
use crate::scenario::Scenario;
use crate::stats::Stat;
use crate::stats::paired::paired;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The content of `baseline.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineInfo {
    /// rollout-sim's version that wrote the baseline.
    pub version: String,
    /// Fingerprint of the scenario's settings, its seed left out (see [`settings_hash`]).
    pub scenario_hash: String,
    /// The scenario's name.
    pub scenario: String,
    /// The run's seed.
    pub seed: u64,
    /// The run's trials.
    pub trials: u64,
}

impl BaselineInfo {
    /// Its file name inside a baseline folder.
    pub const FILE: &'static str = "baseline.json";

    /// The record of a run of `scenario`.
    pub fn of(scenario: &Scenario) -> Self {
        BaselineInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_hash: settings_hash(scenario),
            scenario: scenario.name.clone(),
            seed: scenario.seed,
            trials: scenario.trials,
        }
    }
}

/// The fingerprint `merge` uses for shards, of the scenario with its seed set to 0: a rerun
/// with another seed has the same settings, so the same hash.
pub fn settings_hash(scenario: &Scenario) -> String {
    let mut s = scenario.clone();
    s.seed = 0;
    fingerprint(&s)
}

/// One metric of the stored run as `summary.json` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
struct StoredMetric {
    mean: f64,
    ci95: [f64; 2],
}

/// The part of `summary.json` a comparison needs.
#[derive(Debug, Clone, Deserialize)]
struct StoredSummary {
    seed: u64,
    metrics: BTreeMap<String, StoredMetric>,
    /// A shard's summary says which slice it holds, so that a `summary.json` copied away
    /// from its `shard.json` is still known for one.
    #[serde(default)]
    shard: Option<ShardManifest>,
}

/// A stored run, read before any trial.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Where it was read from (for messages).
    pub origin: PathBuf,
    summary: StoredSummary,
    /// The per-trial rows, when the folder has `trials.csv`.
    rows: Option<Vec<TrialResult>>,
    /// `baseline.json`, when present.
    pub info: Option<BaselineInfo>,
    /// `shard.json` (or the summary's own `shard`), when the folder is one shard of a run
    /// (`run --shard K/N`).
    pub shard: Option<ShardManifest>,
}

/// A JSON file of a baseline folder that may be absent (`baseline.json`, `shard.json`):
/// `None` without it; an error naming it, and `expected`, when it is there but unreadable.
fn read_beside<T: serde::de::DeserializeOwned>(
    path: &Path,
    expected: &str,
) -> anyhow::Result<Option<T>> {
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = read_regular(path)?;
    let value = serde_json::from_slice(&bytes)
        .with_context(|| format!("--baseline {}: {expected}", path.display()))?;
    Ok(Some(value))
}

/// The bytes of the regular file `path` of a baseline. A FIFO would block `open` for good
/// and a device never end: only a regular file is opened. A baseline's `trials.csv` has
/// one row per trial of a run, so no size is refused short of what memory holds.
fn read_regular(path: &Path) -> anyhow::Result<Vec<u8>> {
    crate::scenario::user_file::read(path, 1 << 40).map_err(|e| anyhow::anyhow!("--baseline: {e}"))
}

impl Baseline {
    /// Reads a baseline folder or a `summary.json` (then `trials.csv` and `baseline.json`
    /// are looked for beside it).
    pub fn read(path: &Path) -> anyhow::Result<Baseline> {
        let (dir, summary_path) = if path.is_dir() {
            (path.to_path_buf(), path.join("summary.json"))
        } else {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            (dir.to_path_buf(), path.to_path_buf())
        };
        let text = read_regular(&summary_path)?;
        let summary: StoredSummary = serde_json::from_slice(&text).with_context(|| {
            format!(
                "--baseline {}: expected a summary.json written by rollout-sim (with `seed` and `metrics.NAME.mean`/`ci95`)",
                summary_path.display()
            )
        })?;
        let csv = dir.join("trials.csv");
        let rows = if path.is_dir() && csv.is_file() {
            let bytes = read_regular(&csv)?;
            Some(read_trials_csv(&bytes).with_context(|| format!("--baseline {}", csv.display()))?)
        } else {
            None
        };
        let info = read_beside(
            &dir.join(BaselineInfo::FILE),
            "expected version, scenario_hash, scenario, seed, trials",
        )?;
        let shard = read_beside(
            &dir.join(ShardManifest::FILE),
            "not a shard manifest written by `run --shard K/N`",
        )?
        .or_else(|| summary.shard.clone());
        Ok(Baseline {
            origin: path.to_path_buf(),
            summary,
            rows,
            info,
            shard,
        })
    }

    /// Refuses a baseline that is one shard of a run, unless it holds exactly the trials
    /// a run of `trials` trials runs (`0..trials`: shard 1/1, say). Any other slice holds
    /// other trials than the run compared with it, or only some of them: paired, the
    /// comparison would cover the trials both have (none, for a slice past the run's
    /// last trial, and then nothing is compared at all); unpaired, a third of the trials
    /// against all of them. Its merged folder is the baseline that was meant.
    pub fn check_trials(&self, trials: u64) -> anyhow::Result<()> {
        let Some(shard) = &self.shard else {
            return Ok(());
        };
        anyhow::ensure!(
            shard.range() == (0..trials),
            "--baseline {}: this is one shard of a run, not the run: {}, seed {}; the check \
             runs {}, so they would compare other trials, or only some. Merge the shards \
             first (`rollout-sim merge DIR… --out DIR`) and give the merged folder as \
             --baseline",
            self.origin.display(),
            shard.describe(),
            shard.seed,
            trial_range(0..trials)
        );
        Ok(())
    }

    /// Warning lines when the baseline was written by another version or for other
    /// settings (the comparison still runs).
    pub fn warnings(&self, scenario: &Scenario) -> Vec<String> {
        let Some(info) = &self.info else {
            return vec![format!(
                "warning: {} has no {}: the tool version and scenario settings of the baseline are unknown",
                self.origin.display(),
                BaselineInfo::FILE
            )];
        };
        let now = BaselineInfo::of(scenario);
        let mut out = Vec::new();
        if info.version != now.version {
            out.push(format!(
                "warning: the baseline was written by rollout-sim {} (this is {}): differences may come from the tool",
                info.version, now.version
            ));
        }
        if info.scenario_hash != now.scenario_hash {
            out.push(format!(
                "warning: the scenario's settings differ from the baseline's (hash {} now, {} in the baseline)",
                now.scenario_hash, info.scenario_hash
            ));
        }
        out
    }
}

/// Warning lines for the metrics with a direction that only one of the two runs measured
/// (`availability` once `traffic` is gone, `p99_latency_ms` when no request was served):
/// [`compare`] can only compare what both have, and a metric left out silently would let
/// its regression pass unseen.
pub fn uncompared(base: &Baseline, summary: &Summary) -> Vec<String> {
    let (mut only_base, mut only_now) = (Vec::new(), Vec::new());
    for c in COLUMNS
        .iter()
        .filter(|c| c.is_metric() && c.better != Better::Neither)
    {
        let stored = base.summary.metrics.contains_key(c.name);
        match (stored, summary.metric(c.name).is_some()) {
            (true, false) => only_base.push(c.name),
            (false, true) => only_now.push(c.name),
            _ => {}
        }
    }
    [
        (
            only_base,
            "the baseline has values, no trial of this run has one",
        ),
        (only_now, "this run has values, the baseline has none"),
    ]
    .into_iter()
    .filter(|(names, _)| !names.is_empty())
    .map(|(names, why)| format!("warning: not compared, {why}: {}", names.join(", ")))
    .collect()
}

/// The comparison of one metric.
#[derive(Debug, Clone)]
pub struct MetricComparison {
    /// Which metric.
    pub column: &'static Column,
    /// Baseline mean.
    pub base_mean: f64,
    /// Mean of the new run.
    pub new_mean: f64,
    /// 95% interval of `new − base` (`None`: too few values to tell).
    pub diff_ci95: Option<(f64, f64)>,
    /// Paired by trial index (common random numbers) or from the two summaries.
    pub paired: bool,
    /// The regression rule holds.
    pub regressed: bool,
    /// Paired: the trial that moved furthest the worse way from the baseline, with its new
    /// and its baseline value (`None` unpaired, or when no trial got worse).
    pub most_worsened: Option<(u64, f64, f64)>,
}

impl MetricComparison {
    /// One report line, every figure in the metric's unit as the run's table prints it
    /// (`1m04.6s -> 1m50.7s`, `4Gi -> 3.5Gi`): raw means at four decimals read
    /// `4294967296.0000 -> 3758096384.0000` for memory and seconds with no unit.
    pub fn line(&self, tolerance: f64) -> String {
        let unit = self.column.unit;
        let rel = if self.base_mean != 0.0 {
            format!(
                " ({:+.1}%)",
                100.0 * (self.new_mean - self.base_mean) / self.base_mean.abs()
            )
        } else {
            String::new()
        };
        // Both intervals are symmetric about their estimate (paired: the mean per-trial
        // difference, which is not `new − base` when a trial has a value on one side only).
        let difference = match self.diff_ci95 {
            Some((lo, hi)) => {
                let d = (lo + hi) / 2.0;
                let [d, lo, hi] = human_text::signed_at(unit, hi - lo, [d, lo, hi]);
                format!("{d} [95%: {lo}, {hi}]")
            }
            None => {
                let d = self.new_mean - self.base_mean;
                format!("{} [95%: no interval]", human_text::signed(unit, d))
            }
        };
        format!(
            "{:<12} baseline {}.mean {} -> {}{rel}, difference {difference}, {}, {} is better, tolerance {}%",
            if self.regressed { "REGRESSED" } else { "pass" },
            self.column.name,
            human_text::value(unit, self.base_mean),
            human_text::value(unit, self.new_mean),
            if self.paired { "paired" } else { "unpaired" },
            self.column.better.as_str(),
            100.0 * tolerance
        )
    }
}

/// Whether the interval of `new − base` lies wholly on the worse side of
/// `tolerance·|base|`.
pub fn regressed(
    better: Better,
    base_mean: f64,
    diff_ci95: Option<(f64, f64)>,
    tolerance: f64,
) -> bool {
    let margin = tolerance * base_mean.abs();
    match (better, diff_ci95) {
        (_, None) | (Better::Neither, _) => false,
        (Better::Lower, Some((lo, _))) => lo > margin,
        (Better::Higher, Some((_, hi))) => hi < -margin,
    }
}

/// Compares the new run (`rows`, summarised in `summary`, seed `seed`) with `base`, metric
/// by metric, for the metrics with a direction measured in both.
pub fn compare(
    base: &Baseline,
    seed: u64,
    rows: &[TrialResult],
    summary: &Summary,
    tolerance: f64,
) -> Vec<MetricComparison> {
    let paired_rows = base.rows.as_ref().filter(|_| base.summary.seed == seed);
    COLUMNS
        .iter()
        .filter(|c| c.is_metric() && c.better != Better::Neither)
        .filter_map(|column| {
            let stored = base.summary.metrics.get(column.name)?;
            let now = summary.metric(column.name)?;
            let mut new_mean = now.stats.get(Stat::Mean);
            let mut base_mean = stored.mean;
            let mut most_worsened = None;
            let (diff_ci95, is_paired) = match paired_rows {
                Some(base_rows) => {
                    let trials = common_trials(column, rows, base_rows);
                    most_worsened = worst(column.better, &trials);
                    let pairs: Vec<(f64, f64)> = trials.iter().map(|&(_, a, b)| (a, b)).collect();
                    // Runs of different lengths pair only the trials both have: their
                    // means are shown (and set the tolerance), else "+2.8%" stood beside
                    // a difference of exactly 0.
                    if rows.len() != base_rows.len() && !pairs.is_empty() {
                        let mean = |f: fn(&(f64, f64)) -> f64| {
                            pairs.iter().map(f).sum::<f64>() / pairs.len() as f64
                        };
                        (new_mean, base_mean) = (mean(|p| p.0), mean(|p| p.1));
                    }
                    (paired(pairs).and_then(|p| p.mean_diff_ci95), true)
                }
                None => {
                    let half = |(lo, hi): (f64, f64)| (hi - lo) / 2.0;
                    let h = now.stats.interval(Stat::Mean).map(|ci| {
                        let hb = half((stored.ci95[0], stored.ci95[1]));
                        (half(ci).powi(2) + hb * hb).sqrt()
                    });
                    let d = new_mean - stored.mean;
                    (h.map(|h| (d - h, d + h)), false)
                }
            };
            Some(MetricComparison {
                column,
                base_mean,
                new_mean,
                diff_ci95,
                paired: is_paired,
                regressed: regressed(column.better, base_mean, diff_ci95, tolerance),
                most_worsened,
            })
        })
        .collect()
}

/// `(trial, new, base)` values of `column` for the trial indices both runs have, both
/// finite (the pairs [`paired`] keeps).
fn common_trials(
    column: &Column,
    rows: &[TrialResult],
    base_rows: &[TrialResult],
) -> Vec<(u64, f64, f64)> {
    let base: BTreeMap<u64, &TrialResult> = base_rows.iter().map(|r| (r.trial, r)).collect();
    let value = |r: &TrialResult| column.cell(r).as_f64().unwrap_or(f64::NAN);
    rows.iter()
        .filter_map(|r| base.get(&r.trial).map(|b| (r.trial, value(r), value(b))))
        .filter(|(_, a, b)| a.is_finite() && b.is_finite())
        .collect()
}

/// The trial of `trials` (`(trial, new, base)`, in trial order) whose value moved furthest
/// the worse way (up where lower is better, down where higher is), the first of equals;
/// `None` when none got worse.
fn worst(better: Better, trials: &[(u64, f64, f64)]) -> Option<(u64, f64, f64)> {
    let worse_by = |&(_, new, base): &(u64, f64, f64)| match better {
        Better::Lower => new - base,
        Better::Higher => base - new,
        Better::Neither => 0.0,
    };
    trials
        .iter()
        .filter(|t| worse_by(t) > 0.0)
        .fold(None, |best: Option<&(u64, f64, f64)>, t| match best {
            Some(b) if worse_by(b) >= worse_by(t) => Some(b),
            _ => Some(t),
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule by hand: base mean 100, tolerance 5% → margin 5.
    #[test]
    fn the_rule_needs_the_whole_interval_beyond_the_tolerance() {
        let r = |b, ci| regressed(b, 100.0, Some(ci), 0.05);
        assert!(r(Better::Lower, (5.1, 9.0)));
        assert!(!r(Better::Lower, (4.9, 9.0)), "straddles the margin");
        assert!(!r(Better::Lower, (-9.0, -5.1)), "an improvement");
        assert!(r(Better::Higher, (-9.0, -5.1)));
        assert!(!r(Better::Higher, (-9.0, -4.9)));
        assert!(!r(Better::Higher, (5.1, 9.0)), "an improvement");
        assert!(!regressed(Better::Lower, 100.0, None, 0.05));
        assert!(!r(Better::Neither, (50.0, 60.0)));
        // A negative baseline mean uses its magnitude.
        assert!(regressed(Better::Lower, -100.0, Some((5.1, 6.0)), 0.05));
    }

    /// The trial that got worse by most, the first of equals; none when none got worse.
    #[test]
    fn the_most_worsened_trial_is_the_largest_move_the_worse_way() {
        let trials = [
            (0, 10.0, 9.0),
            (1, 12.0, 9.0),
            (2, 5.0, 9.0),
            (3, 13.0, 10.0),
        ];
        assert_eq!(worst(Better::Lower, &trials), Some((1, 12.0, 9.0)));
        assert_eq!(worst(Better::Higher, &trials), Some((2, 5.0, 9.0)));
        assert_eq!(worst(Better::Lower, &[(0, 1.0, 2.0)]), None);
        assert_eq!(worst(Better::Neither, &trials), None);
    }
}
