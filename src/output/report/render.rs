//! A [`Page`] written as Markdown (charts linked as the PNG files beside it) or as one
//! self-contained HTML file (charts inline as SVG, no script, no external reference).

use super::{Block, Page};
use crate::output::charts::ChartFile;

impl Page {
    /// The level-2 headings, each with its anchor ([`anchors`]).
    fn sections(&self) -> Vec<(&str, String)> {
        let texts: Vec<&str> = (self.blocks.iter())
            .filter_map(|b| match b {
                Block::Heading(2, text) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let slugs = anchors(&texts);
        texts.into_iter().zip(slugs).collect()
    }

    /// `report.md`: charts linked as the PNG files beside it.
    pub fn markdown(&self, charts: &[ChartFile]) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            match b {
                Block::Contents => {
                    for (text, slug) in self.sections() {
                        out.push_str(&format!("- [{}](#{slug})\n", md(text)));
                    }
                    out.push('\n');
                }
                Block::Heading(level, text) => {
                    out.push_str(&format!("{} {}\n\n", "#".repeat(*level as usize), md(text)));
                }
                Block::Para(text) => out.push_str(&format!("{}\n\n", md(text))),
                Block::Table(header, rows, numeric) => {
                    let line = |cells: &[String]| {
                        format!(
                            "| {} |\n",
                            cells.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
                        )
                    };
                    out.push_str(&line(header));
                    let align: Vec<&str> = (0..header.len())
                        .map(|i| if i == 0 || !numeric { "---" } else { "--:" })
                        .collect();
                    out.push_str(&format!("| {} |\n", align.join(" | ")));
                    for r in rows {
                        out.push_str(&line(r));
                    }
                    out.push('\n');
                }
                Block::List(items) => {
                    for (term, def) in items {
                        out.push_str(&format!("- **{}**: {}\n", md(term), md(def)));
                    }
                    out.push('\n');
                }
                Block::Chart(i) => {
                    let c = &charts[*i];
                    out.push_str(&format!("![{}]({}.png)\n\n", md(&c.title), c.stem));
                }
            }
        }
        out
    }

    /// `report.html`: one file, every chart inline as SVG, no script, no external
    /// reference.
    pub fn html(&self, charts: &[ChartFile]) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
            html(&self.title)
        );
        let mut pending_chart: Option<usize> = None;
        let sections = self.sections();
        let mut next_section = sections.iter();
        for b in &self.blocks {
            if let (Some(i), false) = (pending_chart, matches!(b, Block::Para(_))) {
                out.push_str(&figure(&charts[i], None));
                pending_chart = None;
            }
            match b {
                Block::Contents => {
                    out.push_str("<nav><ul class=\"contents\">\n");
                    for (text, slug) in &sections {
                        out.push_str(&format!(
                            "<li><a href=\"#{slug}\">{}</a></li>\n",
                            html(text)
                        ));
                    }
                    out.push_str("</ul></nav>\n");
                }
                Block::Heading(2, text) => {
                    let slug = next_section.next().map_or("", |(_, slug)| slug.as_str());
                    out.push_str(&format!("<h2 id=\"{slug}\">{}</h2>\n", html(text)));
                }
                Block::Heading(level, text) => {
                    out.push_str(&format!("<h{level}>{}</h{level}>\n", html(text)));
                }
                Block::Para(text) => match pending_chart.take() {
                    // A chart's caption goes inside its figure.
                    Some(i) => out.push_str(&figure(&charts[i], Some(text))),
                    None => out.push_str(&format!("<p>{}</p>\n", html(text))),
                },
                Block::Table(header, rows, numeric) => {
                    // Wide tables (a sweep's many columns) scroll inside their box instead
                    // of widening the page.
                    out.push_str(if *numeric {
                        "<div class=\"scroll\"><table>\n<tr>"
                    } else {
                        "<div class=\"scroll\"><table class=\"text\">\n<tr>"
                    });
                    for h in header {
                        out.push_str(&format!("<th>{}</th>", html(h)));
                    }
                    out.push_str("</tr>\n");
                    for r in rows {
                        out.push_str("<tr>");
                        for c in r {
                            out.push_str(&format!("<td>{}</td>", html(c)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</table></div>\n");
                }
                Block::List(items) => {
                    out.push_str("<dl>\n");
                    for (term, def) in items {
                        out.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", html(term), html(def)));
                    }
                    out.push_str("</dl>\n");
                }
                Block::Chart(i) => pending_chart = Some(*i),
            }
        }
        if let Some(i) = pending_chart {
            out.push_str(&figure(&charts[i], None));
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// The anchor of each heading, as GitHub writes them for a Markdown file's headings (so the
/// Markdown's links work where it is read, and the HTML's ids are the same): lower case,
/// letters, digits, `-` and `_` kept, spaces as `-`, anything else dropped; a repeated one
/// gets `-1`, `-2`, … .
fn anchors(headings: &[&str]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    headings
        .iter()
        .map(|h| {
            let base: String = (h.to_lowercase().chars())
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect();
            let repeats = seen.iter().filter(|s| **s == base).count();
            seen.push(base.clone());
            match repeats {
                0 => base,
                n => format!("{base}-{n}"),
            }
        })
        .collect()
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
       max-width: 74rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--rule); padding: 0.25rem 0.6rem; }
th { background: var(--head); text-align: left; }
td { text-align: right; white-space: nowrap; } td:first-child { text-align: left; }
table.text td { text-align: left; white-space: normal; }
figure { margin: 1rem 0 2rem; }
figure svg { max-width: 100%; height: auto; background: #fff; border-radius: 4px; }
figcaption, .muted { color: var(--muted); }
dt { font-weight: 600; } dd { margin: 0 0 0.5rem 1.5rem; }
ul.contents { columns: 2; padding-left: 1.2rem; }
a { color: inherit; }
";

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

#[cfg(test)]
mod tests {
    use super::anchors;

    /// The anchors GitHub (github-slugger) gives the same headings.
    #[test]
    fn anchors_as_github_writes_them() {
        assert_eq!(
            anchors(&[
                "Settings",
                "Trial 5: the first that ended rolled_back",
                "swarm-start-first (B) against swarm-stop-first (A)",
                "Settings",
                "What the numbers mean",
            ]),
            [
                "settings",
                "trial-5-the-first-that-ended-rolled_back",
                "swarm-start-first-b-against-swarm-stop-first-a",
                "settings-1",
                "what-the-numbers-mean",
            ]
        );
    }
}
