//! `report.md` and `report.html`: a run's summary, settings and charts, to attach to a
//! pull request.
//!
//! Both are written from one list of [`Block`]s, so they say the same thing: the Markdown
//! links the PNG files beside it, the HTML holds every chart inline as SVG and needs no
//! other file, no script and no network (it opens offline, from an e-mail or an artefact
//! store). The HTML follows the reader's light or dark scheme; charts keep their white
//! background in both.

use crate::output::charts::{ChartFile, strategy_label};
use crate::output::columns::Better;
use crate::output::summary::{Metric, Summary};
use crate::output::table::{TABLE_ROWS, TABLE_ROWS_IF_ANY, duration, percent, value};
use crate::result::Outcome;
use crate::scenario::Scenario;
use crate::sim::time::as_secs;

/// What the report says about where its numbers come from, besides the scenario.
#[derive(Debug, Clone, Default)]
pub struct ReportInfo {
    /// The scenario's file as given on the command line.
    pub source: String,
    /// `--set` overrides as typed.
    pub overrides: Vec<String>,
    /// Files written beside the report, with what each holds.
    pub files: Vec<(String, String)>,
}

/// A piece of the report.
#[derive(Debug, Clone)]
enum Block {
    /// A heading of level 1 to 3.
    Heading(u8, String),
    Para(String),
    /// Header, then rows; the first column is a label, the others are right-aligned
    /// numbers when `numeric` (else left-aligned text).
    Table(Vec<String>, Vec<Vec<String>>, bool),
    /// `term: definition` pairs.
    List(Vec<(String, String)>),
    /// The chart at this index of the charts given.
    Chart(usize),
}

/// What each metric of the tables measures (the `trials.csv` column of the same name).
const MEANINGS: &[(&str, &str)] = &[
    (
        "duration_s",
        "time from the rollout's start to its outcome (Swarm: update completed, final monitor window included; Kubernetes: every replica updated and available, no old pod left)",
    ),
    (
        "min_ready",
        "fewest tasks serving at any instant (Swarm: RUNNING, healthy when there is a HEALTHCHECK; Kubernetes: Ready)",
    ),
    (
        "min_available",
        "fewest tasks available at any instant (Kubernetes: Ready for minReadySeconds); equal to min_ready for Swarm",
    ),
    (
        "peak_tasks",
        "most tasks holding node resources at once, new ones still pulling and old ones terminating included (what the scheduler reserved)",
    ),
    (
        "peak_running_tasks",
        "most tasks with a started container at once (the room the rollout ran in)",
    ),
    (
        "peak_cpu",
        "most cpu requested at once by the tasks holding node resources, cores",
    ),
    (
        "peak_memory",
        "most memory requested at once by the tasks holding node resources",
    ),
    (
        "restarts",
        "containers restarted after dying on their own, any version",
    ),
    (
        "requests",
        "requests sent during the measured window (the rollout, or traffic.duration)",
    ),
    (
        "failed_requests",
        "requests not served successfully: refused + timed out + errored + dropped",
    ),
    ("availability", "1 − failed_requests / requests"),
    (
        "p95_latency_ms",
        "95th percentile latency of the served requests",
    ),
    (
        "p99_latency_ms",
        "99th percentile latency of the served requests",
    ),
    (
        "refused_requests",
        "refused or reset: no endpoint in rotation, a task not yet listening, stopping or dead",
    ),
    (
        "timed_out_requests",
        "sent to a hung process or a lost node, never answered",
    ),
    ("errored_requests", "answered with an error (error_rate)"),
    (
        "dropped_requests",
        "dropped by a full endpoint queue (capacity_rps and traffic.queue_limit)",
    ),
    (
        "bad_version_requests",
        "requests failed because of a version's own misbehaviour (errors, hangs, crashes while in rotation)",
    ),
    (
        "slo_violation_s",
        "seconds in traffic.slo windows whose availability was below target",
    ),
];

/// How to read the columns of the metrics table.
const COLUMN_MEANINGS: &[(&str, &str)] = &[
    ("p50", "the median trial"),
    (
        "worst 5% / worst 1%",
        "the bad tail: p95 / p99, or p05 / p01 for metrics where higher is better",
    ),
    (
        "mean (95% CI)",
        "the average over trials and the 95% confidence interval of that average",
    ),
    (
        "95% interval (outcomes)",
        "Wilson score interval of the share: where the true probability lies with 95% confidence given this many trials",
    ),
];

fn metric_row(label: &str, m: &Metric) -> Vec<String> {
    let s = &m.stats;
    let u = m.column.unit;
    let (w5, w1) = match m.column.better {
        Better::Higher => (s.p05, s.p01),
        Better::Lower | Better::Neither => (s.p95, s.p99),
    };
    vec![
        label.to_string(),
        m.column.better.as_str().to_string(),
        value(u, s.p50),
        value(u, w5),
        value(u, w1),
        format!(
            "{} ({} – {})",
            value(u, s.mean),
            value(u, s.ci95[0]),
            value(u, s.ci95[1])
        ),
        value(u, s.min),
        value(u, s.max),
    ]
}

fn blocks(s: &Scenario, summary: &Summary, info: &ReportInfo, charts: &[ChartFile]) -> Vec<Block> {
    let mut out = vec![Block::Heading(1, format!("Rollout report: {}", s.name))];
    if let Some(d) = &s.description {
        out.push(Block::Para(d.clone()));
    }
    if summary.partial {
        out.push(Block::Para(
            "Partial run: interrupted before all trials finished.".into(),
        ));
    }
    let versions: Vec<String> = s
        .service
        .versions
        .iter()
        .map(|v| format!("{} ({})", v.name, v.image))
        .collect();
    let mut settings = vec![
        vec!["scenario".into(), info.source.clone()],
        vec!["strategy".into(), strategy_label(s)],
        vec!["replicas".into(), s.service.replicas.to_string()],
        vec!["versions".into(), versions.join(" → ")],
        vec!["nodes".into(), s.cluster.nodes.len().to_string()],
        vec![
            "traffic".into(),
            s.traffic.as_ref().map_or("not modelled".into(), |t| {
                format!("modelled, tick {}", duration(as_secs(t.tick)))
            }),
        ],
        vec!["horizon".into(), duration(as_secs(s.horizon))],
        vec!["trials".into(), summary.trials.to_string()],
        vec!["seed".into(), summary.seed.to_string()],
        vec![
            "tool".into(),
            format!("rollout-sim {}", env!("CARGO_PKG_VERSION")),
        ],
    ];
    if !info.overrides.is_empty() {
        settings.push(vec!["overrides".into(), info.overrides.join(", ")]);
    }
    out.push(Block::Heading(2, "Settings".into()));
    out.push(Block::Table(
        vec!["setting".into(), "value".into()],
        settings,
        false,
    ));

    out.push(Block::Heading(2, "Outcomes".into()));
    out.push(Block::Table(
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
    out.push(Block::Heading(2, "Metrics".into()));
    out.push(Block::Table(
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
    out.push(Block::Heading(2, "Charts".into()));
    for (i, c) in charts.iter().enumerate() {
        out.push(Block::Heading(3, c.title.clone()));
        out.push(Block::Chart(i));
        out.push(Block::Para(c.caption.clone()));
    }
    out.push(Block::Heading(2, "What the numbers mean".into()));
    let mut terms: Vec<(String, String)> = shown
        .iter()
        .filter_map(|m| MEANINGS.iter().find(|(n, _)| *n == m.name()))
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect();
    if summary.by_outcome.len() > 1 {
        terms.push((
            "… outcome".into(),
            "duration_s over the trials that ended that way only".into(),
        ));
    }
    terms.extend(
        COLUMN_MEANINGS
            .iter()
            .map(|(n, d)| (n.to_string(), d.to_string())),
    );
    out.push(Block::List(terms));
    if !info.files.is_empty() {
        out.push(Block::Heading(2, "Files".into()));
        out.push(Block::List(info.files.clone()));
    }
    out
}

/// `report.md`: charts linked as the PNG files beside it.
pub fn report_md(
    s: &Scenario,
    summary: &Summary,
    info: &ReportInfo,
    charts: &[ChartFile],
) -> String {
    let mut out = String::new();
    for b in blocks(s, summary, info, charts) {
        match b {
            Block::Heading(level, text) => {
                out.push_str(&format!("{} {}\n\n", "#".repeat(level as usize), md(&text)));
            }
            Block::Para(text) => out.push_str(&format!("{}\n\n", md(&text))),
            Block::Table(header, rows, numeric) => {
                let line = |cells: &[String]| {
                    format!(
                        "| {} |\n",
                        cells.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
                    )
                };
                out.push_str(&line(&header));
                let align: Vec<&str> = (0..header.len())
                    .map(|i| if i == 0 || !numeric { "---" } else { "--:" })
                    .collect();
                out.push_str(&format!("| {} |\n", align.join(" | ")));
                for r in &rows {
                    out.push_str(&line(r));
                }
                out.push('\n');
            }
            Block::List(items) => {
                for (term, def) in items {
                    out.push_str(&format!("- **{}**: {}\n", md(&term), md(&def)));
                }
                out.push('\n');
            }
            Block::Chart(i) => {
                let c = &charts[i];
                out.push_str(&format!("![{}]({}.png)\n\n", md(&c.title), c.stem));
            }
        }
    }
    out
}

/// Escapes what Markdown would read as markup in a table cell or a line.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Escapes text for HTML.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "\
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #ffffff; --muted: #555; --rule: #d0d0d0; --head: #f2f2f2; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e8; --bg: #16181c; --muted: #aaa; --rule: #444; --head: #23262b; }
}
body { font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg);
       max-width: 66rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--rule); padding: 0.25rem 0.6rem; }
th { background: var(--head); text-align: left; }
td { text-align: right; white-space: nowrap; } td:first-child { text-align: left; }
table.text td { text-align: left; white-space: normal; }
figure { margin: 1rem 0 2rem; }
figure svg { max-width: 100%; height: auto; background: #fff; border-radius: 4px; }
figcaption, .muted { color: var(--muted); }
dt { font-weight: 600; } dd { margin: 0 0 0.5rem 1.5rem; }
";

/// `report.html`: one file, every chart inline as SVG, no script, no external reference.
pub fn report_html(
    s: &Scenario,
    summary: &Summary,
    info: &ReportInfo,
    charts: &[ChartFile],
) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Rollout report: {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        html(&s.name)
    );
    let mut pending_chart: Option<usize> = None;
    for b in blocks(s, summary, info, charts) {
        if let (Some(i), false) = (pending_chart, matches!(b, Block::Para(_))) {
            out.push_str(&figure(&charts[i], None));
            pending_chart = None;
        }
        match b {
            Block::Heading(level, text) => {
                out.push_str(&format!("<h{level}>{}</h{level}>\n", html(&text)));
            }
            Block::Para(text) => match pending_chart.take() {
                // A chart's caption goes inside its figure.
                Some(i) => out.push_str(&figure(&charts[i], Some(&text))),
                None => out.push_str(&format!("<p>{}</p>\n", html(&text))),
            },
            Block::Table(header, rows, numeric) => {
                out.push_str(if numeric {
                    "<table>\n<tr>"
                } else {
                    "<table class=\"text\">\n<tr>"
                });
                for h in &header {
                    out.push_str(&format!("<th>{}</th>", html(h)));
                }
                out.push_str("</tr>\n");
                for r in &rows {
                    out.push_str("<tr>");
                    for c in r {
                        out.push_str(&format!("<td>{}</td>", html(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
            Block::List(items) => {
                out.push_str("<dl>\n");
                for (term, def) in items {
                    out.push_str(&format!(
                        "<dt>{}</dt><dd>{}</dd>\n",
                        html(&term),
                        html(&def)
                    ));
                }
                out.push_str("</dl>\n");
            }
            Block::Chart(i) => pending_chart = Some(i),
        }
    }
    if let Some(i) = pending_chart {
        out.push_str(&figure(&charts[i], None));
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// A chart inline, its caption under it.
fn figure(c: &ChartFile, caption: Option<&str>) -> String {
    // Inside HTML an `<svg>` element is SVG by the parser's rules: the namespace attribute
    // (a URL) and any XML declaration are not needed, and the page names no address at all.
    let svg = c.svg.find("<svg").map_or(c.svg.as_str(), |at| &c.svg[at..]);
    let svg = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    let mut out = format!(
        "<figure role=\"img\" aria-label=\"{}\">\n{}\n",
        html(&c.title),
        svg.trim_end()
    );
    if let Some(text) = caption {
        out.push_str(&format!("<figcaption>{}</figcaption>\n", html(text)));
    }
    out.push_str("</figure>\n");
    out
}
