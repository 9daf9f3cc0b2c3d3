//! The walk of a `--set` path (or a sweep axis) through the field type table: the type at
//! its end, and where a path the schema does not know was likely meant to go. Apart from
//! the schema builder: these answer about one path, for the parser's messages and charts.

use super::{Ty, types};
use Ty::*;

/// The type of the field at `path` (the keys of a `--set` path, item numbers included),
/// as far as the schema tells: `None` for a path it does not know or that goes inside a
/// value it does not describe field by field (a distribution, labels).
pub fn type_at(path: &[String]) -> Option<Ty> {
    Some(walk(path)?.1)
}

/// The walk of `path` through the schema: whether each key was found by its name (a
/// section's field, or a list's item number) rather than taken as any key of a map, and
/// the type at its end.
fn walk(path: &[String]) -> Option<(Vec<bool>, Ty)> {
    let types = types();
    let mut ty = Section("scenario");
    let mut named = Vec::with_capacity(path.len());
    let mut rest = path;
    while let Some((key, tail)) = rest.split_first() {
        let numbered = key.parse::<usize>().is_ok();
        ty = match ty {
            Section(section) => types.iter().find(|(s, f, _)| *s == section && f == key)?.2,
            ListOf(item) if numbered => Section(item),
            Strings if numbered => Str,
            Durations if numbered => Duration,
            Counts if numbered => Count,
            MapOf(item) => {
                named.push(false);
                rest = tail;
                ty = Section(item);
                continue;
            }
            AnyOf(alternatives) => {
                // The alternative a further key can enter: an item number a list, a
                // name a section.
                let fits = |t: &Ty| match t {
                    ListOf(_) | Strings | Durations | Counts => numbered,
                    Section(_) | MapOf(_) => !numbered,
                    _ => false,
                };
                ty = *alternatives.iter().find(|t| fits(t))?;
                continue;
            }
            _ => return None,
        };
        named.push(true);
        rest = tail;
    }
    Some((named, ty))
}

/// Where a path the schema does not know was likely meant to go: the known paths made by
/// inserting one section field the user left out (`strategy.swarm.parallelism` →
/// `strategy.swarm.update_config.parallelism`), each key from the inserted one on found by
/// its name (so any unknown key is not "inside" a map of names). At most three, in schema
/// order.
pub fn with_a_key_left_out(path: &[String]) -> Vec<Vec<String>> {
    if walk(path).is_some() {
        return Vec::new();
    }
    let types = types();
    let mut out = Vec::new();
    for at in 0..path.len() {
        let Some((_, Section(section))) = walk(&path[..at]) else {
            continue;
        };
        for (_, field, _) in types.iter().filter(|(s, ..)| *s == section) {
            let mut candidate = path[..at].to_vec();
            candidate.push(field.to_string());
            candidate.extend_from_slice(&path[at..]);
            if walk(&candidate).is_some_and(|(named, _)| named[at..].iter().all(|n| *n)) {
                out.push(candidate);
            }
        }
    }
    out.truncate(3);
    out
}
