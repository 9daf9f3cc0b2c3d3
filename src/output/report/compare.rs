//! The report of a comparison: per variant after the baseline, every metric's paired
//! difference with its 95% interval, which variant is better, and the verdict.

use super::meanings::{metric_terms, terms};
use super::{Block, Page, PairedTrial, ReportInfo, Skeleton, settings};
use crate::experiment::compare::verdict;
use crate::output::charts::ChartFile;
use crate::output::compare::CompareReport;
use crate::output::human_text::{percent, signed_interval, value};
use crate::scenario::Scenario;

/// How to read the comparison tables.
const COMPARE_MEANINGS: &[(&str, &str)] = &[
    (
        "A, B",
        "A is the baseline (the first scenario), B the variant compared with it; both ran the same trials on the same seed (common random numbers)",
    ),
    (
        "mean A, mean B",
        "the metric's average over the trials of each",
    ),
    (
        "B − A [paired 95% CI]",
        "the mean of the per-trial differences B − A, and its 95% confidence interval (Student t over the paired differences), at one precision; a difference of two shares is in percentage points (pp), not relative to A",
    ),
    (
        "B lower / B higher",
        "the share of trials where B's value was below / above A's on the same trial",
    ),
    (
        "verdict",
        "better or worse when the paired interval excludes 0 (in the metric's good direction), lower or higher for a metric with no good direction, none when the interval holds 0",
    ),
];

/// The report of a comparison whose variant `v` ran `scenarios[v]`, with a section for
/// each trial of `paired` (shown under every variant).
pub fn compare_page(
    r: &CompareReport<'_>,
    scenarios: &[Scenario],
    info: &ReportInfo,
    charts: &[ChartFile],
    paired: &[PairedTrial<'_>],
) -> Page {
    let (a, mut sections, mut shown) = (&r.names[0], Vec::new(), Vec::new());
    for (v, per) in r.pairs.iter().enumerate() {
        let b = &r.names[v + 1];
        sections.push(Block::Heading(2, format!("{b} (B) against {a} (A)")));
        if let Some(h) = r.headline(v) {
            sections.push(Block::Para(format!("{h}.")));
        }
        let (mut rows, mut same) = (Vec::new(), Vec::new());
        for (col, p) in per.iter().filter(|(_, p)| p.n > 0) {
            if p.lower == 0 && p.higher == 0 {
                same.push(col.name);
                continue;
            }
            if !shown.contains(&col.name) {
                shown.push(col.name);
            }
            let u = col.unit;
            let [lo, hi] = p.ci95();
            rows.push(vec![
                col.name.to_string(),
                col.better.as_str().to_string(),
                value(u, p.mean_a()),
                value(u, p.mean_b()),
                signed_interval(u, p.mean_diff(), lo, hi),
                percent(p.lower_share().0),
                percent(p.higher_share().0),
                verdict(col, p).to_string(),
            ]);
        }
        sections.push(Block::Table(
            [
                "metric",
                "better",
                "mean A",
                "mean B",
                "B − A [paired 95% CI]",
                "B lower",
                "B higher",
                "verdict",
            ]
            .map(String::from)
            .to_vec(),
            rows,
            true,
        ));
        sections.push(Block::Para(format!("{}.", r.verdict_line(v))));
        if !same.is_empty() {
            sections.push(Block::Para(format!(
                "Equal on every trial, left out: {}.",
                same.join(", ")
            )));
        }
    }
    if !paired.is_empty() {
        // The duration first, then what differs on some trial.
        let mut names = vec!["duration_s"];
        names.extend(shown.iter().copied().filter(|n| *n != "duration_s"));
        for p in paired {
            sections.extend(super::trial::paired_section(p, &names, charts));
        }
        if !shown.contains(&"duration_s") {
            shown.insert(0, "duration_s");
        }
    }
    let mut meanings = metric_terms(shown);
    meanings.extend(terms(COMPARE_MEANINGS));
    let columns: Vec<(String, Vec<&Scenario>)> = r
        .names
        .iter()
        .zip(scenarios)
        .enumerate()
        .map(|(i, (n, s))| {
            let role = if i == 0 { "A" } else { "B" };
            (format!("{n} ({role})"), vec![s])
        })
        .collect();
    Skeleton {
        title: format!("Comparison report: {}", r.names.join(" vs ")),
        intro: Vec::new(),
        settings: settings(&columns, info, r.trials, r.seed),
        sections,
        terms: meanings,
        info,
        charts,
    }
    .page()
}
