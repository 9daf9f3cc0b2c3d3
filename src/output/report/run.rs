//! The report of one run: outcomes and metrics with their intervals.

use super::meanings::{metric_terms, terms};
use super::{Block, Page, PickedTrial, ReportInfo, Skeleton, capitalised, settings};
use crate::output::charts::ChartFile;
use crate::output::columns::Better;
use crate::output::human_text::{percent, value};
use crate::output::summary::{Metric, Summary};
use crate::output::sweep_charts::possible;
use crate::output::table::{TABLE_ROWS, TABLE_ROWS_IF_ANY, UNBOUNDED};
use crate::result::Outcome;
use crate::scenario::Scenario;
use crate::stats::Stat;

/// How to read the columns of the metrics table.
const COLUMN_MEANINGS: &[(&str, &str)] = &[
    ("p50", "the median trial"),
    (
        "worst 5% / worst 1%",
        "the bad tail: p95 / p99, or p05 / p01 for metrics where higher is better",
    ),
    (
        "mean (95% CI)",
        "the average over trials and the 95% confidence interval of that average, cut to the values the metric can take (none is below 0, no ratio above 100%; summary.json keeps the interval as computed)",
    ),
    (
        UNBOUNDED,
        "too few trials to bound that figure (a mean needs 2 trials, p50 6, p05 / p95 72, p01 / p99 368)",
    ),
    (
        "95% interval (outcomes)",
        "Wilson score interval of the share: where the true probability lies with 95% confidence given this many trials",
    ),
];

/// Statistic `st` of `m` in its unit; one the trials are too few to bound is marked as the
/// terminal table marks it.
pub(super) fn figure(m: &Metric, st: Stat) -> String {
    let (s, u) = (&m.stats, m.column.unit);
    match s.interval(st) {
        Some(_) => value(u, s.get(st)),
        None => format!("{} {UNBOUNDED}", value(u, s.get(st))),
    }
}

fn metric_row(label: &str, m: &Metric) -> Vec<String> {
    let s = &m.stats;
    let u = m.column.unit;
    let (w5, w1) = match m.column.better {
        Better::Higher => (Stat::P05, Stat::P01),
        Better::Lower | Better::Neither => (Stat::P95, Stat::P99),
    };
    let figure = |st: Stat| figure(m, st);
    let mean = match s.interval(Stat::Mean) {
        Some(ci) => {
            let (lo, hi) = possible(u, ci);
            format!("{} ({} – {})", value(u, s.mean), value(u, lo), value(u, hi))
        }
        None => figure(Stat::Mean),
    };
    vec![
        label.to_string(),
        m.column.better.as_str().to_string(),
        figure(Stat::P50),
        figure(w5),
        figure(w1),
        mean,
        value(u, s.min),
        value(u, s.max),
    ]
}

/// The report of one run of `s`, with a section for each trial of `picked`.
pub fn run_page(
    s: &Scenario,
    summary: &Summary,
    info: &ReportInfo,
    charts: &[ChartFile],
    picked: &[PickedTrial<'_>],
) -> Page {
    let mut intro: Vec<String> = s.description.iter().cloned().collect();
    if summary.partial {
        intro.push("Partial run: interrupted before all trials finished.".into());
    }
    let mut sections = vec![Block::Heading(2, "Outcomes".into())];
    sections.push(Block::Table(
        ["outcome", "trials", "share", "95% interval"]
            .map(String::from)
            .to_vec(),
        summary
            .outcomes
            .iter()
            .filter(|o| o.outcome == Outcome::Completed || o.count > 0)
            .map(|o| {
                vec![
                    o.outcome.as_str().to_string(),
                    o.count.to_string(),
                    percent(o.fraction),
                    format!("{} – {}", percent(o.ci95[0]), percent(o.ci95[1])),
                ]
            })
            .collect(),
        true,
    ));

    if let Some(release) = crate::output::release::Release::of(summary) {
        // The verdict a canary or blue-green review is about: is a bad release caught,
        // how soon, and is a good one left alone.
        sections.push(Block::Heading(2, "Bad-release detection".into()));
        for line in release.sentence(summary).lines() {
            sections.push(Block::Para(capitalised(line) + "."));
        }
    }

    let optional = TABLE_ROWS_IF_ANY
        .iter()
        .filter_map(|n| summary.metric(n))
        .filter(|m| m.stats.max > 0.0);
    let shown: Vec<&Metric> = TABLE_ROWS
        .iter()
        .filter_map(|n| summary.metric(n))
        .chain(optional)
        .collect();
    let mut rows = Vec::new();
    for m in &shown {
        rows.push(metric_row(m.name(), m));
        if m.name() == "duration_s" && summary.by_outcome.len() > 1 {
            for g in &summary.by_outcome {
                if let Some(gm) = g.metric("duration_s") {
                    rows.push(metric_row(&format!("… {}", g.outcome.as_str()), gm));
                }
            }
        }
    }
    sections.push(Block::Heading(2, "Metrics".into()));
    sections.push(Block::Table(
        [
            "metric",
            "better",
            "p50",
            "worst 5%",
            "worst 1%",
            "mean (95% CI)",
            "min",
            "max",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        true,
    ));
    for t in picked {
        sections.extend(super::trial::section(s, summary, &shown, t, charts));
    }
    let mut meanings = metric_terms(shown.iter().map(|m| m.name()));
    if summary.by_outcome.len() > 1 {
        meanings.push((
            "… outcome".into(),
            "duration_s over the trials that ended that way only".into(),
        ));
    }
    meanings.extend(terms(COLUMN_MEANINGS));
    if !picked.is_empty() {
        meanings.extend(terms(super::trial::TERMS));
    }
    Skeleton {
        title: format!("Rollout report: {}", s.name),
        intro,
        settings: settings(
            &[("value".into(), vec![s])],
            info,
            summary.trials,
            summary.seed,
        ),
        sections,
        terms: meanings,
        info,
        charts,
    }
    .page()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::TrialResult;

    #[test]
    fn a_run_with_a_verdict_reports_its_detection() {
        // 3 of 4 bad-release trials caught: the page says so, as the table does.
        let base = crate::output::columns::tests::sample_row();
        let rows = crate::output::columns::tests::bad_release_rows(4, 3);
        let summary = Summary::from_rows("t", 1, &rows);
        let info = ReportInfo {
            sources: vec!["t.yaml".into()],
            overrides: Vec::new(),
            variant_settings: Vec::new(),
            files: Vec::new(),
        };
        let s = crate::testkit::swarm(2, 1, Default::default());
        let md = run_page(&s, &summary, &info, &[], &[]).markdown(&[]);
        assert!(md.contains("## Bad-release detection"), "{md}");
        assert!(md.contains("A bad release is caught in 75.0% "), "{md}");
        assert!(md.contains("after 1m00.0s median"), "{md}");

        // Without a verdict, no such section.
        let plain: Vec<TrialResult> = (0..4)
            .map(|i| TrialResult {
                trial: i,
                verdict: None,
                ..base
            })
            .collect();
        let summary = Summary::from_rows("t", 1, &plain);
        let md = run_page(&s, &summary, &info, &[], &[]).markdown(&[]);
        assert!(!md.contains("Bad-release detection"));
    }
}
