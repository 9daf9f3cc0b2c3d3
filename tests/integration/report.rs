//! Helpers shared by the `report_*` modules: the binary run with no font installed, the
//! example scenarios' paths, and checks of the folders `report` and `--plot` write.

use crate::entries;
use assert_cmd::Command;
use std::fs;
use std::path::Path;

pub fn bin() -> Command {
    let mut c = crate::support::bin();
    // No font configuration and no font directory: the charts must use the embedded font.
    c.env("FONTCONFIG_FILE", "/nonexistent/fonts.conf")
        .env("FONTCONFIG_PATH", "/nonexistent")
        .env("XDG_DATA_HOME", "/nonexistent");
    c
}

/// `dir/report.html` holds no address, script or file reference, and every chart of
/// `charts` inline, as its SVG file has it (and no other chart). Returns the HTML.
pub fn assert_self_contained(dir: &Path, charts: &[&str]) -> String {
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    for banned in ["http", "//", "<script", "<link", "src=", "url(", "<img"] {
        assert!(!html.contains(banned), "report.html holds {banned:?}");
    }
    assert_eq!(html.matches("<svg").count(), charts.len());
    for c in charts {
        let svg = fs::read_to_string(dir.join(format!("{c}.svg"))).unwrap();
        let body_start = svg.find('>').unwrap() + 1;
        assert!(html.contains(&svg[body_start..]), "{c} is not inline");
        let png = fs::read(dir.join(format!("{c}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{c}");
    }
    // Light and dark: the page follows the reader's scheme.
    assert!(html.contains("prefers-color-scheme: dark"));
    html
}

/// Every file of `a` is in `b` with the same bytes, and no other.
pub fn assert_same_files(a: &Path, b: &Path) {
    assert_eq!(entries(a), entries(b));
    for f in entries(a) {
        assert_eq!(
            fs::read(a.join(&f)).unwrap(),
            fs::read(b.join(&f)).unwrap(),
            "{f} differs"
        );
    }
}

/// The cells of the Markdown table row of `md` that starts with `first`.
pub fn md_row<'a>(md: &'a str, first: &str) -> Vec<&'a str> {
    let line = md
        .lines()
        .find(|l| l.starts_with(&format!("| {first} |")))
        .unwrap_or_else(|| panic!("no row {first} in {md}"));
    line.trim_matches('|').split(" | ").map(str::trim).collect()
}
