//! The charts of a comparison: every variant's duration CDF on one axis, and per variant
//! after the baseline the paired difference of every metric with its 95% interval.
//!
//! The differences are `compare.csv`'s (the same [`Paired`] accumulators); the durations
//! are collected by [`DurationsSink`], the one thing the comparison does not otherwise keep.

use super::charts::{ChartFile, file};
use crate::experiment::compare::{Paired, verdict};
use crate::experiment::{Sink, Trial};
use crate::output::Column;
use crate::output::human_text::{counted, signed};
use crate::plot::compare::{CdfOverlay, PairedDifference, PairedDifferences};
use crate::plot::distribution::DurationGroup;
use crate::plot::{Heading, PlotError};
use crate::sim::time::as_secs;
use std::collections::HashSet;
use std::io;

/// Every variant's `duration_s`, trial by trial: `0[v]` for variant `v`. Kept only for
/// `--plot` (8 bytes a trial a variant).
#[derive(Debug, Clone, Default)]
pub struct DurationsSink(pub Vec<Vec<f64>>);

impl DurationsSink {
    /// For `variants` variants.
    pub fn new(variants: usize) -> DurationsSink {
        DurationsSink(vec![Vec::new(); variants])
    }
}

impl Sink for DurationsSink {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        for (d, t) in self.0.iter_mut().zip(trials) {
            d.push(as_secs(t.result.duration));
        }
        Ok(())
    }
}

/// The rows of variant B against the baseline A: every metric with pairs and a non-zero
/// baseline mean (a relative difference needs one), in column order.
pub fn differences(heading: Heading, pairs: &[(&'static Column, Paired)]) -> PairedDifferences {
    PairedDifferences {
        heading,
        rows: pairs
            .iter()
            // Equal on every trial: the report's table leaves it out too (a row of `0
            // (none)` says nothing the table's "equal on every trial" line does not).
            .filter(|(_, p)| p.n > 0 && (p.lower > 0 || p.higher > 0))
            .filter(|(_, p)| p.mean_a() != 0.0 && p.mean_a().is_finite())
            .map(|(c, p)| {
                let a = p.mean_a();
                let [lo, hi] = p.ci95();
                let d = p.mean_diff();
                PairedDifference {
                    metric: c.name.to_string(),
                    // In the metric's unit: seconds as a duration (`-2.6s`), not `-2.6468`.
                    text: format!("{} ({})", signed(c.unit, d), verdict(c, p)),
                    relative: [d / a, lo / a, hi / a],
                }
            })
            .collect(),
    }
}

/// The comparison's charts: `compare-duration-cdf`, then `compare-differences` for a
/// single B (`compare-differences-NAME` for each B when there are several).
pub fn compare_charts(
    names: &[String],
    seed: u64,
    durations: &DurationsSink,
    pairs: &[Vec<(&'static Column, Paired)>],
) -> Result<Vec<ChartFile>, PlotError> {
    let trials = durations.0.first().map_or(0, Vec::len);
    let subtitle = |what: &str| {
        format!(
            "{what} · {} each · seed {seed} (the same trials)",
            counted(trials, "trial")
        )
    };
    let mut out = vec![file(
        "compare-duration-cdf",
        "Rollout duration of each variant",
        "Share of trials (y) whose rollout ended within a duration (x), one line per variant, \
         every variant on the same trials: a line to the left is faster at that share."
            .to_string(),
        &CdfOverlay {
            heading: Heading {
                title: "Rollout duration, cumulative share of trials".into(),
                subtitle: subtitle(
                    &names
                        .iter()
                        .map(|n| shortened(n))
                        .collect::<Vec<_>>()
                        .join(" vs "),
                ),
            },
            groups: names
                .iter()
                .zip(&durations.0)
                .enumerate()
                .map(|(i, (n, d))| DurationGroup {
                    label: n.clone(),
                    color: i,
                    values: d.clone(),
                })
                .collect(),
        },
    )?];
    let stems = difference_stems(names.get(1..).unwrap_or_default());
    for ((b, per), stem) in names.iter().skip(1).zip(pairs).zip(stems) {
        out.push(file(
            &stem,
            &format!("{b} against {}", names[0]),
            format!(
                "Per metric, the mean over trials of {b} − {a} relative to {a}'s mean (dot), \
                 with the paired 95% interval (bar) as compare.csv gives it; the text is the \
                 difference in the metric's unit and the verdict. Metrics equal on every trial \
                 are left out, as are those whose {a} mean is 0 (no relative difference). The axis reaches ±100% at most: a \
                 value past it (a metric whose {a} mean is near 0) is drawn at the axis' end, \
                 its bar ending in an arrowhead, and its text adds the relative estimate.",
                a = names[0]
            ),
            &differences(
                Heading {
                    // No-break spaces: a wrapped title breaks before `A = `, not after `A`.
                    title: format!(
                        "Paired differences of the means: B\u{a0}=\u{a0}{}, A\u{a0}=\u{a0}{}",
                        shortened(b),
                        shortened(&names[0])
                    ),
                    // The title names B and A.
                    subtitle: subtitle("B − A"),
                },
                per,
            ),
        )?);
    }
    Ok(out)
}

/// Most characters of a variant name in a chart's heading: two such names and the
/// differences' title (`Paired differences of the means: B = …, A = …`) fit on the two
/// lines a title may take at its full size.
const NAME_IN_HEADING: usize = 60;

/// `name` for a chart's heading: whole when it has at most [`NAME_IN_HEADING`] characters,
/// else its start and its end around `…` (`checkout-service-start-first-r…e-parallelism-and-
/// short-delay`), where names that differ in a word near either end keep it. The legend and
/// the report give it whole.
fn shortened(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= NAME_IN_HEADING {
        return name.to_string();
    }
    let keep = NAME_IN_HEADING - 1;
    let tail = keep / 2;
    let head = keep - tail;
    let start: String = chars[..head].iter().collect();
    let end: String = chars[chars.len() - tail..].iter().collect();
    format!("{start}…{end}")
}

/// The file stem of each B's differences chart: `compare-differences` for a single B,
/// else `compare-differences-NAME` ([`file_tags`]).
fn difference_stems(bs: &[String]) -> Vec<String> {
    if bs.len() == 1 {
        return vec!["compare-differences".to_string()];
    }
    file_tags(bs)
        .into_iter()
        .map(|tag| format!("compare-differences-{tag}"))
        .collect()
}

/// Each variant name as part of a file name ([`file_safe`]). Two names it maps alike
/// (`x/y` and `x_y`), or alike but for case (one file on macOS and Windows), would write
/// one file over the other and link the report to it twice: a later one gets `-2`, `-3`,
/// … until its tag is its own.
pub fn file_tags(names: &[String]) -> Vec<String> {
    let mut taken = HashSet::new();
    names
        .iter()
        .map(|name| {
            let base = file_safe(name);
            let mut tag = base.clone();
            for k in 2.. {
                if taken.insert(tag.to_ascii_lowercase()) {
                    break;
                }
                tag = format!("{base}-{k}");
            }
            tag
        })
        .collect()
}

/// A variant name as part of a file name: letters, digits, `-`, `_` and `.` kept, anything
/// else `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::column;

    #[test]
    fn a_difference_row_is_relative_to_the_baseline_mean() {
        let col = column("duration_s").unwrap();
        let mut p = Paired::default();
        // B is A + 10 s on every trial: mean difference 10, interval exactly [10, 10].
        for a in [40.0, 50.0, 60.0] {
            p.push(a, a + 10.0);
        }
        let d = differences(Heading::default(), &[(col, p)]);
        assert_eq!(d.rows.len(), 1);
        let r = &d.rows[0];
        assert_eq!(r.metric, "duration_s");
        assert!(r.text.starts_with("+10.0s ("), "{}", r.text);
        for x in r.relative {
            assert!((x - 0.2).abs() < 1e-12, "{x}");
        }
        // A zero baseline mean has no relative difference: left out.
        let mut z = Paired::default();
        z.push(0.0, 1.0);
        assert!(differences(Heading::default(), &[(col, z)]).rows.is_empty());
        // Equal on every trial (the report's table leaves it out, and says so): left out,
        // a constant included.
        let (mut same, mut constant) = (Paired::default(), Paired::default());
        for a in [40.0, 50.0] {
            same.push(a, a);
            constant.push(3.0, 3.0);
        }
        let rows = differences(Heading::default(), &[(col, same), (col, constant)]).rows;
        assert!(rows.is_empty(), "{}", rows.len());
    }

    #[test]
    fn long_variant_names_are_shortened_in_the_headings_only() {
        // A `--set` variant's name is short enough to stay whole.
        let set = "strategy.swarm.update_config.order=start-first";
        assert_eq!(shortened(set), set);
        // `--variant` names of some length stay whole too.
        let named = "aggressive-rollout-with-short-delay-and-high-parallelism";
        assert_eq!(shortened(named), named);
        // Files named at length: their start and end kept, what tells them apart with it.
        let a = "checkout-service-stop-first-rollout-with-conservative-parallelism-and-monitoring";
        let b = "checkout-service-start-first-rollout-with-aggressive-parallelism-and-short-delay";
        let s = shortened(b);
        assert_eq!(s.chars().count(), NAME_IN_HEADING);
        assert!(s.starts_with("checkout-service-start-first") && s.ends_with("and-short-delay"));
        let names = [a.to_string(), b.to_string()];
        let durations = DurationsSink(vec![vec![60.0, 61.0], vec![50.0, 52.0]]);
        let col = column("duration_s").unwrap();
        let mut p = Paired::default();
        p.push(60.0, 50.0);
        p.push(61.0, 52.0);
        let charts = compare_charts(&names, 7, &durations, &[vec![(col, p)]]).unwrap();
        let diff = charts
            .iter()
            .find(|c| c.stem == "compare-differences")
            .unwrap();
        // The chart's heading shortens both names; the report's title gives both whole.
        assert!(!diff.svg.contains(a) && !diff.svg.contains(b));
        assert!(diff.svg.contains('…'));
        assert_eq!(diff.title, format!("{b} against {a}"));
        // The CDF's legend still names each variant whole.
        let cdf = &charts[0];
        assert!(cdf.svg.contains(a) && cdf.svg.contains(b));
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_safe("fast start/first"), "fast_start_first");
    }

    #[test]
    fn every_b_gets_a_chart_file_of_its_own() {
        // `x/y` and `x_y` are one file name once `/` is replaced, `X_Y` one more on a
        // case-insensitive file system: three Bs, three files, each titled with its B.
        let names: Vec<String> = ["base", "x/y", "x_y", "X_Y"].map(String::from).into();
        let durations = DurationsSink(vec![vec![60.0, 61.0]; names.len()]);
        let col = column("duration_s").unwrap();
        let mut p = Paired::default();
        p.push(60.0, 50.0);
        p.push(61.0, 52.0);
        let pairs = vec![vec![(col, p)]; names.len() - 1];
        let charts = compare_charts(&names, 7, &durations, &pairs).unwrap();
        let files: Vec<(String, String)> = charts[1..]
            .iter()
            .map(|c| (c.stem.clone(), c.title.clone()))
            .collect();
        assert_eq!(
            files,
            [
                ("compare-differences-x_y", "x/y against base"),
                ("compare-differences-x_y-2", "x_y against base"),
                ("compare-differences-X_Y-3", "X_Y against base"),
            ]
            .map(|(s, t)| (s.to_string(), t.to_string()))
        );
        // A single B keeps the plain name.
        let two = &names[..2];
        let durations = DurationsSink(durations.0[..2].to_vec());
        let charts = compare_charts(two, 7, &durations, &pairs[..1]).unwrap();
        assert_eq!(charts[1].stem, "compare-differences");
    }
}
