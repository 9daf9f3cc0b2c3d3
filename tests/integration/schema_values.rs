//! The schema's durations, quantities and required fields against the parser: a value's
//! syntax is accepted by the schema's `pattern` exactly when the parser reads it (a table
//! of values, then random strings), and a field is `required` exactly where the parser
//! says it is missing.

use super::schema::{csv_dir, every_field, keys, load};
use super::schema_validator::{errors, tree};
use proptest::prelude::*;
use rollout_sim::scenario::{Format, load_str};
use serde_json::{Value, json};

/// Where a value of each kind is put to be read: a field with no rule beyond its syntax
/// (a range or a fit is told apart below, as not about the syntax).
const KINDS: [(&str, &str); 3] = [
    ("duration", "service.pre_stop"),
    ("cpu", "service.resources.cpu"),
    ("memory", "service.resources.memory"),
];

/// The parser's problems that are about the magnitude of a well-written value, which a
/// pattern does not express: the parser's alone.
const MAGNITUDE: [&str; 3] = [
    "duration too large",
    "quantity too large",
    "too many digits",
];

/// A scenario giving `value` at `path`, on nodes large enough for any request.
fn scenario(path: &str, value: &Value) -> Value {
    let mut s = json!({"service": {"replicas": 0, "resources": {}},
                       "cluster": {"node": {"cpu": "1000000", "memory": "8Ei"}}});
    let keys: Vec<&str> = path.split('.').collect();
    s[keys[0]][keys[1]] = json!({});
    if keys.len() == 2 {
        s[keys[0]][keys[1]] = value.clone();
    } else {
        s[keys[0]][keys[1]][keys[2]] = value.clone();
    }
    s
}

/// Whether the parser reads `value` at `path` as well written (it may still refuse its
/// magnitude), and whether the schema does.
fn both(path: &str, value: &Value) -> (bool, bool) {
    let s = scenario(path, value);
    let text = serde_json::to_string(&s).unwrap();
    let parser = match load_str(&text, "s.json", Format::Json, &[]) {
        Ok(_) => true,
        Err(e) => !e
            .problems
            .iter()
            .any(|p| p.path == path && !MAGNITUDE.iter().any(|m| p.message.starts_with(m))),
    };
    (parser, errors(&s).is_empty())
}

fn agree(kind: &str, path: &str, value: &Value) {
    let (parser, schema) = both(path, value);
    assert_eq!(
        parser,
        schema,
        "{kind} {value}: the parser {} it, the schema {} it",
        if parser { "reads" } else { "refuses" },
        if schema { "accepts" } else { "refuses" },
    );
}

/// Good and bad values of each kind, with the parser's and the schema's verdicts compared
/// (what the right verdict is, is stated in the tables: the grammar of docs, README and
/// `humantime`'s units).
#[test]
fn durations_and_quantities_agree_with_the_parser() {
    let durations_good = [
        "250ms",
        "10s",
        "1m30s",
        "2h",
        "1.5s",
        ".25s",
        "5.s",
        "1m0.5s",
        "0.5h 10m",
        "1h 5m",
        " 0s ",
        "5 s",
        "5",
        "0.25",
        "+5",
        "1e3",
        "1.e2",
        "500ns",
        "1.5µs",
        "3us",
        "2d",
        "1w",
        "1.001w",
        "2 weeks",
        "1M",
        "1y",
        "3 yrs",
        "10millis",
        "1nanos",
        "1day",
        "4 hours",
        "1\u{2003}s",
        "\u{85}5s\u{85}",
    ];
    let durations_bad = [
        "",
        "s",
        "fast",
        "1.2.3s",
        "5 parsecs",
        "inf",
        "NaN",
        "+inf",
        "10s5",
        "-5s",
        "-5",
        "1 0s",
        "1 .5s",
        "+5s",
        "1e3s",
        "1_000s",
        ".s",
        ".",
        "5sx",
        "5 5s",
        "1μs",
        "1 S",
        "\u{feff}5s",
        "never",
    ];
    let cpu_good = [
        "500m", "2", "0.5", "+1", "1.", ".5", "1e3", "1E3", "1E", "1Ei", "2Ki", "1e3m", "1k",
        " 250m ", "100n", "3u",
    ];
    let cpu_bad = [
        "", "m", "1.2.3", "1e", "1e+", "1 m", "-1", "1mi", "1Kb", "1x", ".", "1E-",
    ];
    let memory_good = ["512Mi", "8Gi", "1G", "1048576", "1.5Gi", "1e6", "1E", "2k"];
    let memory_bad = ["500m", "1n", "3u", "512MB", "1GiB", "1gi", "", "Mi"];
    let cases: [(&str, &[&str], bool); 6] = [
        ("duration", &durations_good, true),
        ("duration", &durations_bad, false),
        ("cpu", &cpu_good, true),
        ("cpu", &cpu_bad, false),
        ("memory", &memory_good, true),
        ("memory", &memory_bad, false),
    ];
    for (kind, values, good) in cases {
        let path = KINDS.iter().find(|(k, _)| *k == kind).unwrap().1;
        for value in values {
            let v = json!(value);
            assert_eq!(both(path, &v), (good, good), "{kind} {v}");
        }
    }
    // Numbers: not negative, whatever their form.
    for (_, path) in KINDS {
        for v in [json!(0), json!(5), json!(0.25), json!(1e20)] {
            agree("number", path, &v);
        }
        assert_eq!(both(path, &json!(-1)), (false, false), "{path} -1");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    /// Random strings over the characters of both grammars: the schema and the parser
    /// agree on every one.
    #[test]
    fn random_strings_agree(value in "[0-9 .+eEsmhdwyMunµkKGiTPB-]{0,7}") {
        for (kind, path) in KINDS {
            agree(kind, path, &json!(value));
        }
    }
}

/// Removing a field from scenarios that give every field: the parser says it is missing
/// exactly where the schema marks it `required`.
#[test]
fn required_fields_are_the_parsers() {
    let dir = csv_dir();
    let mut required = 0;
    for text in every_field() {
        let t = tree(&text);
        for (path, key) in keys(&t) {
            let parent = path[..path.len() - 1].join(".");
            let mut without = t.clone();
            let mut at = &mut without;
            for k in &path[..path.len() - 1] {
                at = match at {
                    Value::Array(items) => &mut items[k.parse::<usize>().unwrap()],
                    other => &mut other[k.as_str()],
                };
            }
            at.as_object_mut().unwrap().remove(&key);
            let text = serde_json::to_string(&without).unwrap();
            let parser = load(dir.path(), &text).err().unwrap_or_default();
            let missing = [
                format!("{parent}: missing field `{key}`"),
                format!("{parent}: missing version `{key}`"),
            ];
            let parser_missing = missing.iter().any(|m| parser.contains(m.as_str()));
            let at = if parent.is_empty() {
                String::new()
            } else {
                format!(".{parent}")
            };
            // A missing field inside an `anyOf` (a section that may be `null`) shows as the
            // `anyOf` failing: what must hold is that the schema then refuses, and that
            // whatever the schema refuses the parser refuses too.
            let schema = errors(&without);
            let schema_missing = schema
                .iter()
                .any(|e| e.starts_with(&format!("{at}: missing \"{key}\"")));
            let without_path = path.join(".");
            if parser_missing {
                assert!(
                    !schema.is_empty(),
                    "without {without_path}: the schema took it"
                );
            }
            if schema_missing {
                assert!(
                    parser_missing,
                    "without {without_path}: the parser says {parser:?}"
                );
            }
            if !schema.is_empty() {
                assert!(
                    !parser.is_empty(),
                    "without {without_path}: the parser took it, the schema says {schema:?}"
                );
            }
            required += usize::from(parser_missing);
        }
    }
    assert!(required >= 25, "{required} required fields checked");
}

/// `never` where the parser takes it (a distribution, a node's `recover_after`, a progress
/// deadline), trimmed as it reads it, and nowhere else.
#[test]
fn never_is_a_value_only_where_the_parser_takes_it() {
    let dir = csv_dir();
    for (text, taken) in [
        (
            "service: {versions: {current: {}, next: {crash_after: ' never'}}}",
            true,
        ),
        (
            "service: {}\ncluster: {nodes: 2}\nfaults: {node_failures: [{at: 1m, node: 0, recover_after: never}]}",
            true,
        ),
        (
            "service: {}\nstrategy: {kubernetes: {progressDeadlineSeconds: ' never '}}",
            true,
        ),
        (
            "service: {}\nstrategy: {canary: {progressDeadlineSeconds: never}}",
            true,
        ),
        ("service: {}\nhorizon: never", false),
        ("service: {pre_stop: never}", false),
        (
            "service: {}\nstrategy: {flagger: {progressDeadlineSeconds: never, analysis: {interval: 1m, threshold: 1, iterations: 2}}}",
            false,
        ),
    ] {
        let parser = load(dir.path(), text);
        assert_eq!(parser.is_ok(), taken, "the parser on {text}: {parser:?}");
        assert_eq!(
            errors(&tree(text)).is_empty(),
            taken,
            "the schema on {text}"
        );
    }
}
