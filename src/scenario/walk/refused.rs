//! Fields that exist upstream but are refused here with a reason: the walk knows them (so
//! a refused field gets its reason, not "unknown field" and a suggestion), and each one
//! present is a problem at its path.

use super::Node;

/// Report every refused key of `n`'s map, with its reason (nothing for a value that is
/// not a map: the walk of its fields says what is wrong).
pub fn refuse(n: &Node, refused: &[(&str, &str)]) {
    if let serde_json::Value::Object(map) = n.value() {
        for (key, why) in refused {
            if let Some(v) = map.get(*key) {
                n.child(key, v).problem(*why);
            }
        }
    }
}

/// The walk's field list: the read fields and the refused ones.
pub fn with_refused(read: &[&'static str], refused: &[(&'static str, &str)]) -> Vec<&'static str> {
    read.iter()
        .copied()
        .chain(refused.iter().map(|(k, _)| *k))
        .collect()
}
