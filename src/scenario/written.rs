//! What the user wrote at a field of a YAML or JSON scenario, for messages that must quote
//! it.
//!
//! The generic tree keeps values, not their text: `01`, `1` and `1.0` are one number
//! there, and a JSON or YAML integer past 2⁶⁴ is the nearest float
//! (`18446744073709551616` is `1.8446744073709552e19`). JSON is YAML's flow syntax, so
//! a JSON file is read again the same way. A message that asks the user to quote a value (`tier: "01"`) needs the text, so
//! the file is read again, on demand, into a tree that keeps only where each value is
//! written (`serde_saphyr::Spanned`: its byte offset and length in the text), and the value
//! at a field path is cut out of the text.

use super::format::{find, yaml_options};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML node, with where each of its children is written.
enum Shape {
    Scalar,
    Map(Vec<(String, Spanned<Shape>)>),
    List(Vec<Spanned<Shape>>),
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_none<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Scalar)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        Shape::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Shape::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        // Keys are read as the generic tree reads them (a string), so paths agree.
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Shape::Map(entries))
    }
}

/// A node's children with their keys (item numbers).
fn children(node: &Spanned<Shape>) -> Vec<(String, &Spanned<Shape>)> {
    match &node.value {
        Shape::Map(entries) => entries.iter().map(|(k, c)| (k.clone(), c)).collect(),
        Shape::List(items) => items
            .iter()
            .enumerate()
            .map(|(i, c)| (i.to_string(), c))
            .collect(),
        Shape::Scalar => Vec::new(),
    }
}

/// The text of the value at the dotted field `path` (list items by number, as problems
/// name them) in the YAML `text`: `01` for `tier: 01`. `None` when the text cannot be
/// read or has no such field. The first such field in document order is taken (a key
/// holding dots could make two paths alike).
pub fn at(text: &str, path: &str) -> Option<String> {
    let root: Spanned<Shape> =
        serde_saphyr::from_str_with_options(text, yaml_options(false)).ok()?;
    let (_, node) = find(&root, children, |_, here| here == path)?;
    // Where the value is defined: an alias's anchored value, not the `*name`.
    let span = node.defined.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    text.get(start..start.checked_add(len)?).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::at;

    #[test]
    fn the_value_is_cut_out_of_the_text_as_written() {
        let text = "cluster:\n  nodes:\n    - labels: {tier: 01, ssd: true}\n    - labels:\n        \
                    zone: 0x1F\n        \"a.b/c\": 1.50\nx: &n 007\ny: *n\n";
        assert_eq!(
            at(text, "cluster.nodes.0.labels.tier").as_deref(),
            Some("01")
        );
        assert_eq!(
            at(text, "cluster.nodes.0.labels.ssd").as_deref(),
            Some("true")
        );
        assert_eq!(
            at(text, "cluster.nodes.1.labels.zone").as_deref(),
            Some("0x1F")
        );
        assert_eq!(
            at(text, "cluster.nodes.1.labels.a.b/c").as_deref(),
            Some("1.50")
        );
        assert_eq!(at(text, "y").as_deref(), Some("007"));
        assert_eq!(at(text, "cluster.nodes.2"), None);
        assert_eq!(at("a: [1,", "a"), None);
    }

    #[test]
    fn a_json_value_is_cut_out_as_written() {
        // With and without a space after the colon, indented by spaces or tabs.
        let text = "{\"seed\":18446744073709551616,\n\t\"cluster\": {\"nodes\": [{\"labels\": \
                    {\"tier\": 1.50}}]}}";
        assert_eq!(at(text, "seed").as_deref(), Some("18446744073709551616"));
        assert_eq!(
            at(text, "cluster.nodes.0.labels.tier").as_deref(),
            Some("1.50")
        );
    }
}
