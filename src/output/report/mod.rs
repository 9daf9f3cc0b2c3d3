//! `report.md` and `report.html`: a run's, a sweep's or a comparison's results, settings
//! and charts, to attach to a pull request.
//!
//! Every report is one [`Page`] built from the same skeleton ([`Skeleton::page`]): title,
//! settings, the mode's own sections ([`run`], [`sweep`], [`compare`]), the charts, what
//! the numbers mean, the files. The Markdown and the HTML are both written from that one
//! list of [`Block`]s, so they say the same thing: the Markdown links the PNG files beside
//! it, the HTML holds every chart inline as SVG and needs no other file, no script and no
//! network (it opens offline, from an e-mail or an artefact store). The HTML follows the
//! reader's light or dark scheme; charts keep their white background in both.

mod compare;
mod meanings;
mod render;
mod run;
mod sweep;
mod trial;

pub use compare::compare_page;
pub use run::run_page;
pub use sweep::sweep_page;
pub use trial::{Paired, PairedTrial, PickedTrial, VariantTrial};

use crate::output::charts::{ChartFile, strategy_label};
use crate::output::human_text::duration;
use crate::output::limit_lines::{replica_steps, steps_text};
use crate::scenario::{Scenario, ServiceMode};
use crate::sim::time::as_secs;

/// What the report says about where its numbers come from, besides the scenarios.
#[derive(Debug, Clone, Default)]
pub struct ReportInfo {
    /// The scenario files as given on the command line (one per compared variant).
    pub sources: Vec<String>,
    /// `--set` overrides as typed.
    pub overrides: Vec<String>,
    /// A comparison's variants' own settings (`--variant`), one per variant; empty when
    /// each variant is a file of its own.
    pub variant_settings: Vec<String>,
    /// Files written beside the report, with what each holds.
    pub files: Vec<(String, String)>,
}

/// A piece of a report.
#[derive(Debug, Clone)]
enum Block {
    /// A heading of level 1 to 4.
    Heading(u8, String),
    Para(String),
    /// Header, then rows; the first column is a label, the others are right-aligned
    /// numbers when `numeric` (else left-aligned text).
    Table(Vec<String>, Vec<Vec<String>>, bool),
    /// `term: definition` pairs.
    List(Vec<(String, String)>),
    /// The chart at this index of the charts given.
    Chart(usize),
    /// Links to every level-2 heading of the page, in order.
    Contents,
}

/// A whole report, ready to be written as Markdown or HTML.
#[derive(Debug, Clone)]
pub struct Page {
    title: String,
    blocks: Vec<Block>,
}

/// The parts a report mode supplies; [`Skeleton::page`] puts them in the order every report
/// shares.
struct Skeleton<'a> {
    /// `Rollout report: web`.
    title: String,
    /// Paragraphs under the title (the scenario's description, a warning).
    intro: Vec<String>,
    /// The settings table ([`settings`]).
    settings: Block,
    /// The mode's own sections (tables with intervals; a picked trial's charts).
    sections: Vec<Block>,
    /// What each number shown means.
    terms: Vec<(String, String)>,
    info: &'a ReportInfo,
    charts: &'a [ChartFile],
}

impl Skeleton<'_> {
    fn page(self) -> Page {
        let mut b = vec![Block::Heading(1, self.title.clone())];
        b.extend(self.intro.into_iter().map(Block::Para));
        b.push(Block::Contents);
        b.push(Block::Heading(2, "Settings".into()));
        b.push(self.settings);
        // A chart a section shows (a picked trial's) is not shown again among the charts.
        let placed: Vec<usize> = self
            .sections
            .iter()
            .filter_map(|b| match b {
                Block::Chart(i) => Some(*i),
                _ => None,
            })
            .collect();
        b.extend(self.sections);
        let rest: Vec<(usize, &ChartFile)> = (self.charts.iter().enumerate())
            .filter(|(i, _)| !placed.contains(i))
            .collect();
        if !rest.is_empty() {
            b.push(Block::Heading(2, "Charts".into()));
            for (i, c) in rest {
                b.push(Block::Heading(3, c.title.clone()));
                b.push(Block::Chart(i));
                b.push(Block::Para(c.caption.clone()));
            }
        }
        b.push(Block::Heading(2, "What the numbers mean".into()));
        b.push(Block::List(self.terms));
        if !self.info.files.is_empty() {
            b.push(Block::Heading(2, "Files".into()));
            b.push(Block::List(self.info.files.clone()));
        }
        Page {
            title: self.title,
            blocks: b,
        }
    }
}

/// The settings that matter of one scenario, as `(setting, value)` rows.
fn scenario_settings(s: &Scenario) -> Vec<(&'static str, String)> {
    // The versions the rollout installs in turn; an Argo experiment template's pods (a
    // copy of one of them) are listed after, not as a step of the chain.
    let named = |copies: bool| -> Vec<String> {
        s.service
            .versions
            .iter()
            .filter(|v| v.template_of.is_some() == copies)
            .map(|v| format!("{} ({})", v.name, v.image))
            .collect()
    };
    let mut versions = named(false).join(" → ");
    let copies = named(true);
    if !copies.is_empty() {
        versions.push_str(&format!("; experiment templates: {}", copies.join(", ")));
    }
    vec![
        // The terminal header's strategy part, checks, load tests and routing included.
        (
            "strategy",
            format!("{}{}", strategy_label(s), s.strategy.header_extra()),
        ),
        ("replicas", replicas_text(s)),
        ("versions", versions),
        ("nodes", nodes_text(s)),
        (
            "traffic",
            s.traffic.as_ref().map_or("not modelled".into(), |t| {
                let retries = match (t.retries.attempts, t.retries.on.describe()) {
                    (0, _) => String::new(),
                    (n, Some(on)) => format!(", {n} retries of {on}"),
                    (n, None) => format!(", {n} retries, of no failure simulated"),
                };
                format!("modelled, tick {}{retries}", duration(as_secs(t.tick)))
            }),
        ),
        ("horizon", duration(as_secs(s.horizon))),
    ]
}

/// The replica count and its `scale` steps; a global service's or a DaemonSet's says
/// it is one task a node (its count is the nodes the placement allows).
fn replicas_text(s: &Scenario) -> String {
    let steps = steps_text(&replica_steps(s));
    match s.service.mode {
        ServiceMode::Global => format!("{steps}, one a node"),
        ServiceMode::Replicated => steps,
    }
}

/// The nodes listed and, with a cluster autoscaler, how far and how often it grows them.
fn nodes_text(s: &Scenario) -> String {
    let listed = s.cluster.nodes.len();
    match &s.cluster.autoscaler {
        None => listed.to_string(),
        Some(a) => format!(
            "{listed}, cluster autoscaler up to {} (a loop every {})",
            a.max_nodes,
            duration(as_secs(a.scan_interval))
        ),
    }
}

/// The settings table: one value column per entry of `columns` (`(header, scenarios)`).
/// A column of several scenarios (a sweep's points) shows a setting's value when they all
/// share it, else `varied` (the swept parameters say how). Then the scenario files, the
/// trials, seed and tool version, and the `--set` overrides.
fn settings(
    columns: &[(String, Vec<&Scenario>)],
    info: &ReportInfo,
    trials: u64,
    seed: u64,
) -> Block {
    let per_column: Vec<Vec<(&str, String)>> = columns
        .iter()
        .map(|(_, group)| {
            let mut rows = scenario_settings(group[0]);
            for other in &group[1..] {
                for (row, (_, v)) in rows.iter_mut().zip(scenario_settings(other)) {
                    if row.1 != v {
                        row.1 = "varied (see the swept parameters)".into();
                    }
                }
            }
            rows
        })
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    if !info.sources.is_empty() {
        let mut r = vec!["scenario file".to_string()];
        let sources = info.sources.iter().cycle().take(columns.len());
        r.extend(sources.cloned());
        rows.push(r);
    }
    if !info.variant_settings.is_empty() {
        let mut r = vec!["variant settings (--variant)".to_string()];
        r.extend(info.variant_settings.iter().cloned());
        rows.push(r);
    }
    for (i, (label, _)) in per_column[0].iter().enumerate() {
        let mut r = vec![label.to_string()];
        r.extend(per_column.iter().map(|c| c[i].1.clone()));
        rows.push(r);
    }
    // The same in every column: every variant runs the baseline's trials and seed.
    let same = |label: &str, v: String| {
        let mut r = vec![label.to_string()];
        r.resize(columns.len() + 1, v);
        r
    };
    rows.push(same("trials", trials.to_string()));
    rows.push(same("seed", seed.to_string()));
    rows.push(same(
        "tool",
        format!("rollout-sim {}", env!("CARGO_PKG_VERSION")),
    ));
    if !info.overrides.is_empty() {
        rows.push(same("overrides (--set)", info.overrides.join(", ")));
    }
    let header = std::iter::once("setting".to_string())
        .chain(columns.iter().map(|(h, _)| h.clone()))
        .collect();
    Block::Table(header, rows, false)
}

/// `s` with its first letter upper-case.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

#[cfg(test)]
mod tests {
    use super::scenario_settings;
    use crate::scenario::{Format, load_str};

    #[test]
    fn experiment_templates_are_listed_after_the_versions_installed_in_turn() {
        let yaml = "service: {replicas: 2, versions: {current: {image: 'a:1'}, next: {image: 'a:2'}}}
strategy: {canary: {steps: [{experiment: {duration: 1m, templates: [{name: base, specRef: stable}]}}]}}";
        let s = load_str(yaml, "e.yaml", Format::Yaml, &[]).unwrap();
        let rows = scenario_settings(&s);
        let versions = &rows.iter().find(|(k, _)| *k == "versions").unwrap().1;
        assert_eq!(
            versions,
            "current (a:1) → next (a:2); experiment templates: exp0-base (a:1)"
        );
    }

    /// A DaemonSet's (or a Swarm global service's) count is its nodes, one pod each.
    #[test]
    fn a_workload_of_one_pod_a_node_says_so() {
        let replicas = |yaml: &str| {
            let s = load_str(yaml, "d.yaml", Format::Yaml, &[]).unwrap();
            let rows = scenario_settings(&s);
            rows.iter()
                .find(|(k, _)| *k == "replicas")
                .unwrap()
                .1
                .clone()
        };
        let versions = "versions: {current: {}, next: {}}";
        assert_eq!(
            replicas(&format!(
                "cluster: {{nodes: 4}}\nservice: {{{versions}}}\nstrategy: {{daemonSet: {{}}}}"
            )),
            "4, one a node"
        );
        assert_eq!(
            replicas(&format!("service: {{replicas: 3, {versions}}}")),
            "3"
        );
    }
}
