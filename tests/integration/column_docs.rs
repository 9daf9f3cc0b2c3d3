//! The README promises a one-line definition of every `trials.csv` column, in the file's
//! order, with its direction; `docs/outputs.md` holds each column's full definition. Both
//! tables are checked against the columns the program writes (`output::columns::COLUMNS`),
//! so a column added to the code without its documentation, or a direction that changed,
//! fails here.

use rollout_sim::output::columns::{Better, COLUMNS};

/// The `(name, better)` cells of the first Markdown table under the line that starts with
/// `after`, in `text`.
fn column_rows(text: &str, after: &str) -> Vec<(String, String)> {
    let start = text
        .lines()
        .position(|l| l.starts_with(after))
        .unwrap_or_else(|| panic!("no line starting with {after:?}"));
    text.lines()
        .skip(start)
        .skip_while(|l| !l.starts_with("| column | better |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2].to_string())
        })
        .collect()
}

fn expected() -> Vec<(String, &'static str)> {
    COLUMNS
        .iter()
        .map(|c| {
            let better = match c.better {
                Better::Higher => "higher",
                Better::Lower => "lower",
                // The table leaves a column with no direction blank or shows `–`.
                Better::Neither => "",
            };
            (c.name.to_string(), better)
        })
        .collect()
}

fn check(file: &str, after: &str) {
    let text = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let rows = column_rows(&text, after);
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    let want = expected();
    let want_names: Vec<&str> = want.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names, want_names,
        "{file}: the trials.csv table's columns, in order"
    );
    for ((name, better), (_, want)) in rows.iter().zip(&want) {
        let shown = if better == "–" || better == "-" {
            ""
        } else {
            better.as_str()
        };
        assert_eq!(shown, *want, "{file}: `{name}`'s direction");
    }
}

#[test]
fn the_readme_defines_every_trials_csv_column_in_order_with_its_direction() {
    check("README.md", "`trials.csv` columns, in this order");
}

#[test]
fn docs_outputs_defines_every_trials_csv_column_in_order_with_its_direction() {
    check("docs/outputs.md", "## trials.csv");
}
