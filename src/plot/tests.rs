//! Every chart renders (PNG and SVG), also from degenerate data, and the same data gives
//! the same bytes.
//!
//! To look at what the tests draw: `CHARTS_DUMP=/tmp/dir cargo test --lib plot` writes
//! every PNG rendered here into that folder, numbered.

use super::distribution::{DurationDistribution, DurationGroup};
use super::outcomes::{OutcomeBar, OutcomeBars};
use super::timeline::{BandSeries, LimitLine, RolloutTimeline, TrafficTimeline};
use super::*;

pub(crate) fn heading() -> Heading {
    Heading {
        title: "A chart".into(),
        subtitle: "web · Swarm start-first, parallelism 2 · 100 trials".into(),
    }
}

fn band(label: &str, color: usize, f: impl Fn(f64) -> Option<[f64; 3]>, n: usize) -> BandSeries {
    BandSeries {
        label: label.into(),
        color,
        points: (0..n).map(|i| (i as f64, f(i as f64))).collect(),
    }
}

pub(crate) fn rollout(n: usize) -> RolloutTimeline {
    RolloutTimeline {
        heading: heading(),
        series: vec![
            band(
                "ready: v1",
                0,
                |t| Some([6.0 - t / 10.0, 6.0 - t / 12.0, 6.0]),
                n,
            ),
            band("ready: v2", 1, |t| Some([t / 12.0, t / 10.0, t / 8.0]), n),
        ],
        limits: vec![
            LimitLine::flat("replicas = 6".into(), 6.0),
            LimitLine::flat("max tasks = 8".into(), 8.0),
        ],
        ends: vec![RefLine {
            label: "median end".into(),
            value: n as f64 * 0.8,
        }],
        actions: vec![RefLine {
            label: "undo at 4s".into(),
            value: n as f64 * 0.4,
        }],
        nodes: vec![],
    }
}

fn traffic(n: usize) -> TrafficTimeline {
    TrafficTimeline {
        heading: heading(),
        rates: vec![
            band("ok", 2, |t| (t > 0.0).then_some([240.0, 250.0, 260.0]), n),
            band("failed", 4, |t| (t > 0.0).then_some([0.0, 0.0, 3.0]), n),
        ],
        latency: vec![band(
            "p99",
            3,
            |t| (t > 0.0 && t < 30.0).then_some([40.0, 50.0, 80.0]),
            n,
        )],
        ends: vec![],
        actions: vec![],
        nodes: vec![],
        measurements: vec![],
    }
}

fn durations(groups: Vec<Vec<f64>>) -> DurationDistribution {
    DurationDistribution {
        heading: heading(),
        groups: groups
            .into_iter()
            .enumerate()
            .map(|(i, values)| DurationGroup {
                label: format!("outcome {i}"),
                color: i,
                values,
            })
            .collect(),
        marks: vec![RefLine {
            label: "p50".into(),
            value: 1.0,
        }],
    }
}

fn outcomes(counts: &[u64]) -> OutcomeBars {
    let n: u64 = counts.iter().sum();
    OutcomeBars {
        heading: heading(),
        bars: counts
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let f = if n == 0 { 0.0 } else { c as f64 / n as f64 };
                OutcomeBar {
                    label: format!("o{i}"),
                    color: i,
                    count: c,
                    fraction: f,
                    ci95: [f * 0.9, (f * 1.1).min(1.0)],
                }
            })
            .collect(),
    }
}

/// Renders both ways, checks the formats' signatures, returns the bytes.
pub(crate) fn renders(c: &impl Chart) -> (Vec<u8>, String) {
    let p = png(c).expect("png");
    if let Ok(dir) = std::env::var("CHARTS_DUMP") {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let _ = std::fs::write(
            format!("{dir}/{}.png", N.fetch_add(1, Ordering::SeqCst)),
            &p,
        );
    }
    assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
    let s = svg(c).expect("svg");
    assert!(
        s.starts_with("<svg") && s.trim_end().ends_with("</svg>"),
        "{s:.200}"
    );
    (p, s)
}

#[test]
fn every_chart_renders_from_ordinary_and_degenerate_data() {
    for n in [0, 1, 2, 60] {
        renders(&rollout(n));
        renders(&traffic(n));
    }
    renders(&RolloutTimeline::default());
    renders(&TrafficTimeline::default());
    for groups in [
        vec![],
        vec![vec![]],
        vec![vec![0.0]],
        vec![vec![0.0; 50]],
        vec![vec![42.0; 7], vec![42.0]],
        vec![
            (0..500).map(|i| 30.0 + f64::from(i % 37)).collect(),
            vec![5.0, 9.0],
        ],
        vec![vec![f64::NAN, 3.0]],
    ] {
        renders(&durations(groups));
    }
    for counts in [&[][..], &[0, 0, 0][..], &[1][..], &[980, 20, 0, 0, 0][..]] {
        renders(&outcomes(counts));
    }
}

#[test]
fn same_data_same_bytes() {
    let c = rollout(60);
    assert_eq!(renders(&c), renders(&c.clone()));
    let d = durations(vec![(0..300).map(f64::from).collect()]);
    assert_eq!(renders(&d), renders(&d.clone()));
}

#[test]
fn different_data_different_pixels() {
    // The bytes follow the data: a test of determinism alone would pass for a blank image.
    assert_ne!(png(&rollout(60)).unwrap(), png(&rollout(61)).unwrap());
    assert_ne!(
        png(&outcomes(&[5, 5])).unwrap(),
        png(&outcomes(&[9, 1])).unwrap()
    );
}

#[test]
fn svg_text_names_the_embedded_family_and_carries_the_labels() {
    let (_, s) = renders(&rollout(10));
    assert!(s.contains("font-family=\"sans-serif\""));
    for label in ["A chart", "ready: v1", "replicas = 6", "tasks ready"] {
        assert!(s.contains(label), "{label} missing");
    }
}

/// One `<text>` element of an SVG: where, how big, what colour, what it says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SvgText {
    pub x: f64,
    pub y: f64,
    /// `font-size` as written (plotters writes the pixel size ÷ 1.24).
    pub size: f64,
    pub fill: String,
    /// `text-anchor`: where `x` is on the text (`start`, `middle`, `end`).
    pub anchor: String,
    pub text: String,
}

/// Every `<text>` element of an SVG written by plotters, in document order.
pub(crate) fn svg_texts(svg: &str) -> Vec<SvgText> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let from = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[from..from + tag[from..].find('"')?].to_string())
    };
    let num = |tag: &str, name: &str| attr(tag, name).and_then(|v| v.parse().ok());
    svg.split("<text")
        .skip(1)
        .filter_map(|part| {
            let (tag, rest) = part.split_once('>')?;
            let (body, _) = rest.split_once("</text>")?;
            Some(SvgText {
                x: num(tag, "x")?,
                y: num(tag, "y")?,
                size: num(tag, "font-size")?,
                fill: attr(tag, "fill")?,
                anchor: attr(tag, "text-anchor").unwrap_or_else(|| "start".into()),
                text: body.trim().to_string(),
            })
        })
        .collect()
}

#[test]
fn a_long_title_keeps_its_size_and_wraps_whole() {
    use super::compare::{PairedDifference, PairedDifferences};
    let short = PairedDifferences {
        heading: heading(),
        rows: vec![PairedDifference {
            metric: "duration_s".into(),
            text: "-2.7s (better)".into(),
            relative: [-0.05, -0.06, -0.04],
        }],
    };
    let title = "Paired differences of the means: \
                 B = aggressive-rollout-with-short-delay-and-high-paral…, \
                 A = conservative-rollout-with-long-delay-and-para…";
    let long = PairedDifferences {
        heading: Heading {
            title: title.into(),
            subtitle: "B − A · 200 trials each · seed 7 (the same trials)".into(),
        },
        ..short.clone()
    };
    let size_of = |c: &PairedDifferences| {
        let (_, s) = renders(c);
        svg_texts(&s)
            .into_iter()
            .find(|t| (t.x, t.y) == (10.0, 8.0))
            .map(|t| t.size)
            .expect("the title's first line")
    };
    let (_, s) = renders(&long);
    let lines: Vec<SvgText> = svg_texts(&s)
        .into_iter()
        .filter(|t| t.fill == "#000000" && t.x == 10.0 && t.y < 60.0)
        .collect();
    // The title's size, as a short title's; on lines one below the other, nothing lost.
    assert!(lines.len() >= 2, "{lines:?}");
    for l in &lines {
        assert_eq!(l.size, size_of(&short), "{l:?}");
    }
    assert!(lines.windows(2).all(|w| w[1].y > w[0].y), "{lines:?}");
    let joined: String = lines.iter().map(|l| l.text.replace(' ', "")).collect();
    assert_eq!(joined, title.replace(' ', ""));
    // The subtitle under the title's last line, at its own size.
    let sub = svg_texts(&s)
        .into_iter()
        .find(|t| t.text.starts_with("B − A"))
        .expect("subtitle");
    assert!(sub.y > lines.last().unwrap().y, "{sub:?}");
    assert!(sub.size < lines[0].size && sub.size > 10.0, "{sub:?}");
}

#[test]
fn overlapping_bands_show_only_colours_the_legend_names() {
    // v1's band [6 − t/10, 6] and v2's [t/12, t/8] overlap from t ≈ 27 s on.
    let (_, svg) = renders(&rollout(60));
    let attr = |tag: &str, name: &str| -> String {
        let from = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[from..from + tag[from..].find('"').unwrap()].to_string()
    };
    let tags = |element: &str| -> Vec<String> {
        svg.split(&format!("<{element} "))
            .skip(1)
            .map(|t| format!(" {}", &t[..t.find('>').unwrap()]))
            .collect()
    };
    // The legend's patches: a band's shade, or an overlap's.
    let swatches: Vec<String> = tags("rect")
        .iter()
        .filter(|t| attr(t, "width") == "20" && attr(t, "height") == "12")
        .map(|t| attr(t, "fill"))
        .collect();
    let fills: Vec<(String, String)> = tags("polygon")
        .iter()
        .map(|t| (attr(t, "opacity"), attr(t, "fill")))
        .collect();
    assert!(fills.len() >= 3, "two bands and their overlap: {fills:?}");
    for (opacity, fill) in &fills {
        // Opaque: no blend of two fills, a colour no swatch has.
        assert_eq!(opacity, "1", "{fill}");
        assert!(
            swatches.contains(fill),
            "{fill} is in no legend entry: {swatches:?}"
        );
    }
    // The overlap is drawn, and named.
    assert!(fills.iter().any(|f| f.1 == hex(layout::OVERLAP)));
    assert!(svg.contains("\nbands overlap\n"), "{swatches:?}");
    // Bands that never meet add no entry.
    let (_, apart) = renders(&rollout(20));
    assert!(!apart.contains("bands overlap"));
}

/// Every `<polygon>` of an SVG written by plotters, in document order (the last one drawn
/// over a point is the colour seen there): its fill and its corners, pixels.
fn svg_polygons(svg: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    svg.split("<polygon ")
        .skip(1)
        .filter_map(|part| {
            let tag = &part[..part.find('>')?];
            let attr = |name: &str| {
                let from = tag.find(&format!("{name}=\""))? + name.len() + 2;
                Some(&tag[from..from + tag[from..].find('"')?])
            };
            let corners = attr("points")?
                .split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            Some((attr("fill")?.to_string(), corners))
        })
        .collect()
}

/// The area of a polygon, square pixels (shoelace; 0 for a line).
fn polygon_area(corners: &[(f64, f64)]) -> f64 {
    let n = corners.len();
    let twice: f64 = (0..n)
        .map(|i| {
            let ((x0, y0), (x1, y1)) = (corners[i], corners[(i + 1) % n]);
            x0 * y1 - x1 * y0
        })
        .sum();
    twice.abs() / 2.0
}

/// The fill seen at pixel `p`: that of the last polygon drawn over it.
fn fill_at(polygons: &[(String, Vec<(f64, f64)>)], (x, y): (f64, f64)) -> Option<String> {
    let inside = |c: &[(f64, f64)]| {
        let n = c.len();
        (0..n)
            .filter(|&i| {
                let ((x0, y0), (x1, y1)) = (c[i], c[(i + n - 1) % n]);
                (y0 > y) != (y1 > y) && x < x0 + (x1 - x0) * (y - y0) / (y1 - y0)
            })
            .count()
            % 2
            == 1
    };
    polygons
        .iter()
        .rev()
        .find(|(_, c)| inside(c))
        .map(|(f, _)| f.clone())
}

/// `#RRGGBB` as plotters writes a fill.
fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// A chart of bands with the given `(low, high)` at t = 0, 1, 2, …
fn banded(bands: &[(&str, &[(f64, f64)])]) -> RolloutTimeline {
    RolloutTimeline {
        heading: heading(),
        series: bands
            .iter()
            .enumerate()
            .map(|(i, (label, cuts))| BandSeries {
                label: label.to_string(),
                color: i,
                points: cuts
                    .iter()
                    .enumerate()
                    .map(|(t, &(lo, hi))| (t as f64, Some([lo, (lo + hi) / 2.0, hi])))
                    .collect(),
            })
            .collect(),
        ..RolloutTimeline::default()
    }
}

#[test]
fn the_overlap_shade_covers_where_bands_cross_between_samples() {
    // (chart, the overlap's area as a share of v1's band's)
    let cases = [
        // v1 and v2 swap places every second: apart at every sample, overlapping in a
        // diamond between two (a quarter of v1's band).
        (
            banded(&[
                (
                    "v1",
                    &[(0.0, 1.0), (2.0, 3.0), (0.0, 1.0), (2.0, 3.0), (0.0, 1.0)],
                ),
                (
                    "v2",
                    &[(2.0, 3.0), (0.0, 1.0), (2.0, 3.0), (0.0, 1.0), (2.0, 3.0)],
                ),
            ]),
            0.25,
        ),
        // v2 dips into v1 at one sample only: a triangle from t = 0.5 to 1.5, height 1
        // (0.5 of v1's 4), not a spike at t = 1.
        (
            banded(&[
                ("v1", &[(0.0, 2.0), (0.0, 2.0), (0.0, 2.0)]),
                ("v2", &[(3.0, 4.0), (1.0, 2.0), (3.0, 4.0)]),
            ]),
            0.125,
        ),
    ];
    for (chart, share) in cases {
        let (_, svg) = renders(&chart);
        let polygons = svg_polygons(&svg);
        let v1 = hex(layout::tint(color(0)));
        let bands = [v1.clone(), hex(layout::tint(color(1)))];
        let area = |keep: &dyn Fn(&str) -> bool| -> f64 {
            polygons
                .iter()
                .filter(|(f, _)| keep(f))
                .map(|(_, c)| polygon_area(c))
                .sum()
        };
        let overlap = area(&|f| !bands.iter().any(|b| b == f));
        let ratio = overlap / area(&|f| f == v1);
        assert!((ratio - share).abs() < share * 0.05, "{ratio} ≠ {share}");
    }
}

#[test]
fn where_three_bands_overlap_the_shade_says_so() {
    // a [0, 4], b [2, 6], c [3, 8]: a and b overlap on [2, 3], all three on [3, 4], b and
    // c on [4, 6]; a and c nowhere but where b is too.
    let flat = |lo, hi| [(lo, hi); 11];
    let chart = banded(&[
        ("a", &flat(0.0, 4.0)),
        ("b", &flat(2.0, 6.0)),
        ("c", &flat(3.0, 8.0)),
    ]);
    let (_, svg) = renders(&chart);
    let polygons = svg_polygons(&svg);
    // Pixels of (t, value) from a's band, a rectangle from (0, 0) to (10, 4).
    let a_band = &polygons
        .iter()
        .find(|(f, _)| *f == hex(layout::tint(color(0))))
        .expect("a's band")
        .1;
    let (xs, ys): (Vec<f64>, Vec<f64>) = a_band.iter().copied().unzip();
    let (x0, x1) = (
        xs.iter().copied().fold(f64::MAX, f64::min),
        xs.iter().copied().fold(f64::MIN, f64::max),
    );
    let (top, bottom) = (
        ys.iter().copied().fold(f64::MAX, f64::min),
        ys.iter().copied().fold(f64::MIN, f64::max),
    );
    let seen = |t: f64, v: f64| {
        fill_at(
            &polygons,
            (x0 + (x1 - x0) * t / 10.0, bottom + (top - bottom) * v / 4.0),
        )
    };
    let overlap = hex(layout::OVERLAP);
    for v in [2.5, 3.5, 5.0] {
        assert_eq!(seen(5.0, v), Some(overlap.clone()), "at {v}");
    }
    assert_eq!(seen(5.0, 1.0), Some(hex(layout::tint(color(0)))));
    assert_eq!(seen(5.0, 7.0), Some(hex(layout::tint(color(2)))));
    // One legend entry, true wherever the shade is.
    let texts: Vec<String> = svg_texts(&svg).into_iter().map(|t| t.text).collect();
    let entries: Vec<&String> = texts.iter().filter(|t| t.contains("overlap")).collect();
    assert_eq!(entries, ["bands overlap"], "{texts:?}");
}

#[test]
fn the_overlap_shade_is_darker_than_every_band() {
    // Lighter or as light as a band's tint, an overlap would read as that band.
    let luma =
        |c: RGBColor| 0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2);
    for c in PALETTE {
        assert!(luma(layout::OVERLAP) + 8.0 < luma(layout::tint(c)), "{c:?}");
    }
}

/// A limit that changes at 20s is held until then, rises there (a vertical segment at
/// 20s), and runs on at its new value to the axis' end; a step past the axis is left out.
#[test]
fn a_limit_line_steps_where_its_value_changes() {
    let l = LimitLine {
        label: "replicas = 10 → 20 at 20s".into(),
        steps: vec![(0.0, 10.0), (20.0, 20.0), (500.0, 5.0)],
    };
    assert_eq!(
        l.path(60.0),
        [(0.0, 10.0), (20.0, 10.0), (20.0, 20.0), (60.0, 20.0)]
    );
    assert_eq!(
        LimitLine::flat("x".into(), 6.0).path(60.0),
        [(0.0, 6.0), (60.0, 6.0)]
    );
}

#[test]
fn an_action_is_a_grey_vertical_line_named_in_the_legend_unless_past_the_axis() {
    // Two actions: one at 3 s, one after the last sample (the axis ends at 9 s): one mark
    // drawn, from the axis' foot to its top; the legend names both, in one entry.
    let mut c = rollout(10);
    c.actions = vec![
        RefLine {
            label: "scale to 9 at 3s".into(),
            value: 3.0,
        },
        RefLine {
            label: "undo at 16m40s".into(),
            value: 1000.0,
        },
    ];
    let (_, svg) = renders(&c);
    let grey: Vec<&str> = svg
        .split('<')
        .filter(|e| e.contains("stroke=\"#464646\""))
        .collect();
    // The legend's swatch and the one mark.
    assert_eq!(grey.len(), 2, "{grey:?}");
    let mark = grey
        .iter()
        .map(|e| {
            let from = e.find("points=\"").unwrap() + 8;
            let pts = &e[from..from + e[from..].find('"').unwrap()];
            pts.split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse::<f64>().unwrap(), y.parse::<f64>().unwrap())
                })
                .collect::<Vec<_>>()
        })
        .find(|p| p.len() == 2 && p[0].0 == p[1].0)
        .expect("a vertical grey line");
    assert!(
        (mark[0].1 - mark[1].1).abs() > 200.0,
        "spans the plot: {mark:?}"
    );
    let texts: Vec<String> = svg_texts(&svg).into_iter().map(|t| t.text).collect();
    assert!(
        texts.contains(&"actions: scale to 9 at 3s; undo at 16m40s".to_string()),
        "{texts:?}"
    );
}

/// The nodes a cluster autoscaler added in the trial drawn: teal vertical lines apart from
/// the actions' grey, named together in one legend entry.
#[test]
fn a_node_added_is_a_teal_vertical_line_named_in_the_legend() {
    let mut c = rollout(10);
    c.nodes = vec![
        RefLine {
            label: "autoscaled-2 added at 2s".into(),
            value: 2.0,
        },
        RefLine {
            label: "autoscaled-1 added at 5s".into(),
            value: 5.0,
        },
    ];
    let (_, svg) = renders(&c);
    let teal = svg
        .split('<')
        .filter(|e| e.contains("stroke=\"#006E6E\""))
        .count();
    // The legend's swatch and the two marks.
    assert_eq!(teal, 3, "{svg}");
    let texts: Vec<String> = svg_texts(&svg).into_iter().map(|t| t.text).collect();
    assert!(
        texts.contains(&"nodes: autoscaled-2 added at 2s; autoscaled-1 added at 5s".to_string()),
        "{texts:?}"
    );
}
