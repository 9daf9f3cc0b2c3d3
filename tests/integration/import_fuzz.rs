//! `rollout-sim import` of damaged manifests: each manifest under `tests/manifests/`, with
//! a few of its values replaced by values of another shape (a map for a number, a
//! negative count, a huge one, a list, a template tag, `null`) or removed, is imported
//! or refused with problems, never a panic or a hang; what it imports loads back, and
//! a trial of it runs.
//!
//! Each case runs in a forked child with a watchdog (proptest's `timeout`), as the random
//! scenarios do. Cases: [`CASES`], or `PROPTEST_CASES` when set; the seed: [`RNG_SEED`],
//! or `PROPTEST_RNG_SEED` when set.

use crate::support::manifest;
use proptest::prelude::*;
use rollout_sim::experiment::run_trials;
use rollout_sim::scenario::import::import_str;
use rollout_sim::scenario::{Format, load_str};
use serde_json::{Value, json};

/// Cases when `PROPTEST_CASES` is not set.
const CASES: u32 = 200;

/// The seed of the case generator when `PROPTEST_RNG_SEED` is not set.
const RNG_SEED: u64 = 7;

/// Watchdog per case: far above the milliseconds a case takes, so only a hang trips it.
const WATCHDOG_MS: u32 = 60_000;

/// The manifests damaged, each a multi-document YAML file.
const MANIFESTS: [&str; 13] = [
    "rollout-canary.yaml",
    "rollout-canary-basic.yaml",
    "rollout-bluegreen.yaml",
    "rollout-bluegreen-analysis.yaml",
    "rollout-experiment.yaml",
    "argo-dry-run.yaml",
    "argo-header-mirror.yaml",
    "deployment-probes.yaml",
    "deployment-percent-surge.yaml",
    "deployment-anti-affinity.yaml",
    "flagger-canary.yaml",
    "flagger-ab.yaml",
    "compose-stack.yaml",
];

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..crate::support::proptest_config(CASES, RNG_SEED, WATCHDOG_MS)
    }
}

/// The documents of a manifest file, as trees.
fn documents(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(manifest(file)).unwrap();
    text.split("\n---")
        .map(|d| serde_saphyr::from_str::<Value>(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

/// The values a damaged field takes, by `kind`.
fn damage(kind: u8) -> Option<Value> {
    Some(match kind {
        0 => return None, // removed
        1 => Value::Null,
        2 => json!(-1),
        3 => json!(1e300),
        4 => json!(4_000_000_000u64),
        5 => json!("x"),
        6 => json!([]),
        7 => json!({}),
        8 => json!(true),
        9 => json!("{{args.missing}}"),
        10 => json!("10%"),
        11 => json!({"a": [1, {"b": null}]}),
        12 => json!(0),
        13 => json!("2.5"),
        14 => json!("-5s"),
        15 => json!("9".repeat(400)),
        // Nested 300 deep: no walk of the import may recurse on the manifest's depth.
        _ => (0..300).fold(json!(1), |v, i| {
            if i % 2 == 0 {
                json!([v])
            } else {
                json!({"k": v})
            }
        }),
    })
}

/// Every node of `tree` as a JSON pointer, the root first.
fn pointers(tree: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), tree)];
    while let Some((at, v)) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    stack.push((format!("{at}/{k}"), c));
                }
            }
            Value::Array(items) => {
                for (i, c) in items.iter().enumerate() {
                    stack.push((format!("{at}/{i}"), c));
                }
            }
            _ => {}
        }
        out.push(at);
    }
    out
}

/// `tree` with the node at `at` (not the root) set to `value`, or removed.
fn set(tree: &mut Value, at: &str, value: Option<Value>) {
    let (parent, key) = at.rsplit_once('/').expect("not the root");
    let Some(p) = tree.pointer_mut(parent) else {
        return;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    match (p, value) {
        (Value::Object(m), Some(v)) => {
            m.insert(key, v);
        }
        (Value::Object(m), None) => {
            m.shift_remove(&key);
        }
        (Value::Array(items), v) => {
            let i: usize = key.parse().unwrap();
            match v {
                Some(v) => items[i] = v,
                None => {
                    items.remove(i);
                }
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_damaged_manifest_is_imported_or_refused_never_a_panic(
        file in 0..MANIFESTS.len(),
        damages in proptest::collection::vec((any::<u32>(), any::<u32>(), 0u8..17), 1..4),
    ) {
        let mut docs = documents(MANIFESTS[file]);
        for (doc, node, kind) in damages {
            let d = doc as usize % docs.len();
            let all = pointers(&docs[d]);
            // Not the root: a document stays a map.
            let at = &all[1 + node as usize % (all.len() - 1)];
            set(&mut docs[d], at, damage(kind));
        }
        let text: Vec<String> = docs.iter().map(|d| serde_json::to_string(d).unwrap()).collect();
        let text = text.join("\n---\n");
        let Ok(found) = import_str(&text, "m.yaml", Format::Yaml) else {
            return Ok(());
        };
        for c in found.candidates {
            let Ok(imported) = c.outcome else { continue };
            let s = load_str(&imported.text, "imported.yaml", Format::Yaml, &[]);
            prop_assert!(s.is_ok(), "an import that succeeded loads back:\n{}", imported.text);
            let s = s.unwrap();
            // A trial of it runs (bounded by its horizon and event budget).
            prop_assert_eq!(run_trials(&s, 0..1).len(), 1);
        }
    }
}
