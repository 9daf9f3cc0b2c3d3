//! One object of a manifest → one scenario: mapped into a [`Draft`], rendered as
//! commented YAML, and loaded back with the scenario loader, whose problems are told at
//! the manifest's paths ([`super::load_back`]); the objects it refers to are kept for
//! [`super::TellOnce`].

use super::super::error::{Problem, ScenarioError};
use super::super::load;
use super::draft::{Draft, Referred, Src};
use super::{Imported, Options, defaults, label, load_back, once, render};
use serde_json::Value;

/// What [`import_one`] made of an object.
pub(super) struct One {
    /// The scenario, or why it cannot be one.
    pub outcome: Result<Imported, ScenarioError>,
    /// The fields left out as not simulated, which a refusal does not hold.
    pub unsupported: Vec<Problem>,
    /// The objects it refers to.
    pub referred: Vec<Referred>,
}

impl One {
    /// An object refused before it is mapped.
    pub fn refused(why: ScenarioError) -> One {
        One {
            outcome: Err(why),
            unsupported: Vec::new(),
            referred: Vec::new(),
        }
    }
}

/// Builds one scenario with `map` (which maps the fields and reports the rest with
/// [`Draft::finish`]), renders it, and loads it back to validate it. A problem found twice
/// (in an analysis template two analyses name, mapped for each) is told once.
pub(super) fn import_one(
    doc: &Value,
    origin: &str,
    what: &str,
    opts: &Options,
    map: impl FnOnce(&Src, &mut Draft),
) -> One {
    let root = Src::root(doc);
    let mut d = Draft::default();
    map(&root, &mut d);
    let set = &opts.overrides;
    let unset = d.set(set);
    let origin = label(origin, what);
    let mut header = vec![
        format!("Imported by `rollout-sim import` from {origin}."),
        "Fields marked DEFAULT are not in the manifest: measure them, or fit them with".into(),
        "`rollout-sim calibrate`, before trusting the numbers.".into(),
    ];
    if !set.is_empty() {
        header.push("Set on the command line, over the manifest and the defaults:".into());
        // One comment line each, whatever line breaks the value holds.
        header.extend(set.iter().map(|o| {
            let shown = o.to_string();
            format!(
                "  --set {}",
                shown.split_whitespace().collect::<Vec<_>>().join(" ")
            )
        }));
    }
    if !d.unsupported.is_empty() {
        header.push("Not simulated (left out of this scenario):".into());
        header.extend(d.unsupported.iter().map(|p| format!("  {p}")));
    }
    let text = render::render(&d, &header, defaults::footer(&d));
    // Loaded under a name that cannot be taken for a manifest again; loaded even when
    // mapping found problems, so the loader's are reported in the same run (`load_back`).
    let problems = load::rendered_problems(&text, "imported.yaml");
    let mut back = load_back::at_manifest_paths(&d, problems, set, unset.is_empty());
    if opts.run_with_overrides {
        back.retain(|b| b.place == load_back::Place::Manifest);
    }
    // Two scenario fields mapped from one template field (two analyses naming it) are
    // one problem of the manifest.
    let mut seen = Vec::new();
    back.retain(|b| once::first(&mut seen, &b.problem));
    // A `--set` that could not be applied left the value it was for as the manifest or a
    // default has it: what the loader says there may only follow, as after a mapping
    // problem.
    let mut errors = std::mem::take(&mut d.errors);
    errors.extend(unset);
    let mut seen = Vec::new();
    errors.retain(|p| once::first(&mut seen, p));
    let referred = std::mem::take(&mut d.referred);
    let problems = if !errors.is_empty() {
        load_back::with_mapping_errors(errors, back)
    } else {
        back.into_iter().map(|b| b.problem).collect()
    };
    if !problems.is_empty() {
        return One {
            outcome: Err(ScenarioError { origin, problems }),
            unsupported: d.unsupported,
            referred,
        };
    }
    let imported = Imported {
        origin,
        text,
        tree: Value::Object(d.tree),
        unsupported: d.unsupported,
    };
    One {
        outcome: Ok(imported),
        unsupported: Vec::new(),
        referred,
    }
}
