//! The trials a run's report shows one by one (`report FILE --trial K|OUTCOME`): checked
//! before any work, found among the run's rows once it is over, then each run again,
//! recorded (its trace and its timeline; a trial is a function of the seed and its index),
//! and drawn; in a comparison (`--compare`, `--variant`), under every variant. Their
//! sections are written from [`crate::output::report::PickedTrial`] and
//! [`crate::output::report::PairedTrial`].

use super::picks::Picks;
use super::sweep::SweepPlan;
use crate::cluster::TraceRecord;
use crate::experiment::{FirstOfEachOutcome, Outcome, TrialPick, run_timelines, with_threads};
use crate::output::charts::{ChartFile, Drawn, TrialMarks, timeline_charts};
use crate::output::human_text::counted;
use crate::output::report::Paired;
use crate::output::{Summary, timeline_bands, timeline_tick, timeline_trial_csv, trace_jsonl};
use crate::result::TrialResult;
use crate::scenario::Scenario;
use crate::trial::Workspace;
use anyhow::{anyhow, ensure};
use std::sync::atomic::AtomicBool;

/// Trials a report shows by themselves, at most: each is a section with two charts.
pub const MAX_SHOWN: usize = 8;

/// Refuse, before any work, picks a run of `trials` trials cannot satisfy: too many, or a
/// trial number past the run's last.
pub fn check(picks: &[TrialPick], trials: u64) -> anyhow::Result<()> {
    ensure!(
        picks.len() <= MAX_SHOWN,
        "--trial is given {} times: a report shows at most {MAX_SHOWN} trials by themselves",
        picks.len()
    );
    for p in picks {
        if let TrialPick::Index(k) = *p {
            ensure!(
                k < trials,
                "--trial {k}: the run has {trials} trials, numbered 0 to {}; pick one of \
                 them, or an outcome for the first trial that ended so",
                trials.saturating_sub(1)
            );
        }
    }
    Ok(())
}

/// Points of a sweep a trial is shown at, at most: each point adds its section and its
/// charts, so a larger grid would bury the trial; `--variant` picks points to compare.
pub const MAX_SHOWN_POINTS: usize = 8;

/// Refuses, before any trial runs, `picks` a sweep's report cannot show at every point of
/// `plan`: more than [`MAX_SHOWN_POINTS`] points, or a swept seed (trial K is then another
/// trial at each point); then [`check`]s them against its trials.
pub fn check_points(picks: &[TrialPick], plan: &SweepPlan) -> anyhow::Result<()> {
    let points = plan.points.len();
    ensure!(
        points <= MAX_SHOWN_POINTS,
        "--trial with --sweep shows the trial at every point of the grid, at most \
         {MAX_SHOWN_POINTS}, and this grid runs {points}: sweep fewer values, or compare the \
         points to look at with --variant 'NAME:PATH=V;…' and --trial"
    );
    ensure!(
        !plan.grid.axes.iter().any(|a| a.path == "seed"),
        "--trial with a swept `seed`: each point runs the trials of its own seed, so trial K \
         is a different trial at every point; sweep other fields, or show a trial of one \
         seed with `report FILE --seed S --trial K`"
    );
    check(picks, plan.points[0].trials)
}

/// One trial shown, with what was recorded of it.
#[derive(Debug)]
pub struct ShownTrial {
    /// Its index.
    pub trial: u64,
    /// `Some`: picked by this outcome.
    pub by_outcome: Option<Outcome>,
    /// Its trace.
    pub records: Vec<TraceRecord>,
    /// Its two files: `trial-K.trace.jsonl` and `trial-K.timeline.csv`, with their bytes.
    pub files: [(String, Vec<u8>); 2],
    /// Its timeline charts, their stems prefixed with `trial-K-`.
    pub charts: Vec<ChartFile>,
}

impl ShownTrial {
    /// Its two files with what each holds, for a report's list of files; `under`: the
    /// variant of a comparison it ran under.
    pub fn listed(&self, under: Option<&str>) -> [(String, String); 2] {
        let k = self.trial;
        let of = match under {
            Some(v) => format!("trial {k}'s under {v}"),
            None => format!("trial {k}'s"),
        };
        [
            (
                self.files[0].0.clone(),
                format!(
                    "{of} trace, one event a line (as `run --trace FILE --trace-trial {k}` \
                     writes it)"
                ),
            ),
            (
                self.files[1].0.clone(),
                format!(
                    "{of} tasks ready per version (and traffic) every tick (as `run \
                     --timeline-trial {k}` writes timeline.csv)"
                ),
            ),
        ]
    }
}

/// Find each pick among `rows` (every trial of the run, in order; `found` holds the first
/// of each outcome among them and keeps the picks made, to note), run it again recorded,
/// and draw its timeline charts; a trial picked twice is shown once. `None` when a signal
/// stopped the timeline; refused when no trial ended as an outcome asked.
pub fn record(
    s: &Scenario,
    summary: &Summary,
    rows: &[TrialResult],
    picks: &[TrialPick],
    found: &mut Picks,
    threads: Option<usize>,
    stop: &AtomicBool,
) -> anyhow::Result<Option<Vec<ShownTrial>>> {
    let mut chosen: Vec<(u64, Option<Outcome>)> = Vec::new();
    for p in picks {
        let (k, by) = match *p {
            TrialPick::Index(k) => (k, None),
            TrialPick::FirstEnded(o) => (found.first("--trial", o, rows.len() as u64)?.0, Some(o)),
        };
        if !chosen.iter().any(|&(c, _)| c == k) {
            chosen.push((k, by));
        }
    }
    let mut shown = Vec::with_capacity(chosen.len());
    for (k, by_outcome) in chosen {
        let row = &rows[k as usize];
        let (result, records) = Workspace::new(s).run_traced(k);
        // A trial is a function of the seed and its index: the same row as in the run.
        ensure!(
            result.outcome == row.outcome && result.duration == row.duration,
            "internal error: trial {k} ended {} when run again for --trial, {} in the run",
            result.outcome.as_str(),
            row.outcome.as_str()
        );
        let tick = timeline_tick(s, row.duration);
        let Some(series) = with_threads(threads, || run_timelines(s, k..k + 1, tick, stop)) else {
            return Ok(None);
        };
        let bands = timeline_bands(s, &series);
        let marks = TrialMarks::of(s, &records);
        let mut charts = timeline_charts(s, summary, &bands, Drawn::Trial(k, Some(row)), &marks)
            .map_err(|e| anyhow!(e))?;
        for c in &mut charts {
            c.stem = format!("trial-{k}-{}", c.stem);
        }
        shown.push(ShownTrial {
            trial: k,
            by_outcome,
            files: [
                (format!("trial-{k}.trace.jsonl"), trace_jsonl(s, &records)),
                (
                    format!("trial-{k}.timeline.csv"),
                    timeline_trial_csv(s, &series[0]),
                ),
            ],
            records,
            charts,
        });
    }
    Ok(Some(shown))
}

/// One trial of a comparison, recorded under each variant (or of a sweep, at each point).
#[derive(Debug)]
pub struct PairedShown {
    /// Under variants or at points.
    pub of: Paired,
    /// Its index.
    pub trial: u64,
    /// `(outcome, v)` for each outcome it was picked by, as the lowest trial that ended
    /// so under a variant, `v` the first variant under which it did.
    pub by_outcome: Vec<(Outcome, usize)>,
    /// Under each variant, the baseline first; file names and chart stems carry the
    /// variant's tag (`trial-K-TAG.trace.jsonl`, `trial-K-TAG-rollout-timeline`).
    pub under: Vec<ShownTrial>,
}

impl PairedShown {
    /// What is said on stderr of a trial picked by its outcomes (`names`: the
    /// variants'), one line each.
    pub fn notes(&self, names: &[String]) -> impl Iterator<Item = String> {
        self.by_outcome.iter().map(move |&(o, v)| {
            format!(
                "note: --trial {o} is trial {}, the first of the {} that ended {o} ({} {})",
                self.trial,
                self.of.whole(),
                self.of.under(),
                names[v],
                o = o.as_str()
            )
        })
    }
}

/// The trials a comparison's report shows under every variant (`of`: or a sweep's, at
/// every point): `rows[v]` are variant `v`'s rows, in trial order; an outcome picks the
/// lowest trial that ended so under any variant. `tags` are the variants' names as parts
/// of file names. `None` when a signal stopped a timeline.
#[allow(clippy::too_many_arguments)]
pub fn record_paired(
    of: Paired,
    scenarios: &[Scenario],
    names: &[String],
    tags: &[String],
    rows: &[Vec<TrialResult>],
    picks: &[TrialPick],
    threads: Option<usize>,
    stop: &AtomicBool,
) -> anyhow::Result<Option<Vec<PairedShown>>> {
    let ends: Vec<FirstOfEachOutcome> = rows.iter().map(|r| FirstOfEachOutcome::of(r)).collect();
    let mut chosen: Vec<(u64, Vec<(Outcome, usize)>)> = Vec::new();
    for p in picks {
        let (k, by) = match *p {
            TrialPick::Index(k) => (k, None),
            TrialPick::FirstEnded(o) => {
                let first = (ends.iter().enumerate())
                    .filter_map(|(v, e)| Some((e.first(o)?.0, v)))
                    .min();
                let Some((k, v)) = first else {
                    let tallies: Vec<String> = (names.iter().zip(&ends))
                        .map(|(n, e)| format!("{n}: {}", e.tally()))
                        .collect();
                    anyhow::bail!(
                        "--trial {o}: none of the {}'s {} ended {o} {} any {} ({}), so there \
                         is no such trial to show; nothing was written. Pick an outcome some \
                         trial had, or a trial by its number",
                        of.whole(),
                        counted(rows[0].len() as u64, "trial"),
                        of.under(),
                        of.each(),
                        tallies.join("; "),
                        o = o.as_str()
                    );
                };
                (k, Some((o, v)))
            }
        };
        // Two picks of one trial show it once, saying each outcome it was picked by.
        match chosen.iter_mut().find(|(c, _)| *c == k) {
            Some((_, picked_by)) => picked_by.extend(by),
            None => chosen.push((k, by.into_iter().collect())),
        }
    }
    let summaries: Vec<Summary> = match chosen.is_empty() {
        true => Vec::new(),
        false => (scenarios.iter().zip(rows))
            .map(|(s, r)| Summary::from_rows(&s.name, s.seed, r))
            .collect(),
    };
    let mut shown = Vec::with_capacity(chosen.len());
    for (k, by_outcome) in chosen {
        let mut under = Vec::with_capacity(scenarios.len());
        for (v, s) in scenarios.iter().enumerate() {
            let one = [TrialPick::Index(k)];
            let mut none = Picks::default();
            let summary = &summaries[v];
            // The charts' subtitles name the scenario: say which variant (or point) of it
            // ran (a `--variant` of one file leaves every variant the file's name).
            let named;
            let s = match s.name == names[v] {
                true => s,
                false => {
                    named = Scenario {
                        name: format!("{}, {} {}", s.name, of.each(), names[v]),
                        ..s.clone()
                    };
                    &named
                }
            };
            let Some(mut t) = record(s, summary, &rows[v], &one, &mut none, threads, stop)? else {
                return Ok(None);
            };
            let Some(mut t) = t.pop() else {
                anyhow::bail!(
                    "internal error: trial {k} was not recorded under {}",
                    names[v]
                );
            };
            let tag = &tags[v];
            t.files[0].0 = format!("trial-{k}-{tag}.trace.jsonl");
            t.files[1].0 = format!("trial-{k}-{tag}.timeline.csv");
            for c in &mut t.charts {
                let what = c
                    .stem
                    .trim_start_matches(&format!("trial-{k}-"))
                    .to_string();
                c.stem = format!("trial-{k}-{tag}-{what}");
                c.title = format!("{} {} {}", c.title, of.under(), names[v]);
            }
            under.push(t);
        }
        shown.push(PairedShown {
            of,
            trial: k,
            by_outcome,
            under,
        });
    }
    Ok(Some(shown))
}
