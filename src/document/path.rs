//! Dotted paths (`_createdBy.username`) into documents.

use super::Value;

/// What a dotted path reaches in a document.
#[derive(Debug, Default, PartialEq)]
pub struct Reached<'a> {
    /// The values at the end of the path.
    pub values: Vec<&'a Value>,
    /// Whether some branch of the walk found nothing: a missing field, a path that
    /// continues through a scalar, an empty array, or an array element that is not a
    /// document. MongoDB's `{path: null}` matches then (`null_query_semantics.js`).
    pub missing: bool,
}

/// The values a dotted path reaches, following MongoDB: stepping into an array
/// steps into each of its elements (an array index is also accepted).
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    reach(doc, path).values
}

/// Adds the top-level field of a dotted path to `fields`, unless it is there already.
pub fn add_top_level(fields: &mut Vec<String>, path: &str) {
    let top = path.split('.').next().unwrap_or(path);
    if !fields.iter().any(|f| f == top) {
        fields.push(top.to_owned());
    }
}

/// The values a dotted path reaches, and whether some branch of it is missing.
pub fn reach<'a>(doc: &'a Value, path: &str) -> Reached<'a> {
    let mut reached = Reached::default();
    walk(doc, path, &mut reached);
    reached
}

fn walk<'a>(value: &'a Value, path: &str, reached: &mut Reached<'a>) {
    let (first, rest) = match path.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    let step = |child: &'a Value, reached: &mut Reached<'a>| match rest {
        Some(rest) => walk(child, rest, reached),
        None => reached.values.push(child),
    };
    match value {
        Value::Object(map) => match map.get(first) {
            Some(child) => step(child, reached),
            None => reached.missing = true,
        },
        Value::Array(items) => {
            let index = first.parse::<usize>().ok();
            if let Some(item) = index.and_then(|i| items.get(i)) {
                step(item, reached);
            } else if index.is_some() || items.is_empty() {
                reached.missing = true;
            }
            for item in items {
                match item {
                    Value::Object(_) => walk(item, path, reached),
                    // An element that is not a document has no field named `first`.
                    _ if index.is_none() => reached.missing = true,
                    _ => {}
                }
            }
        }
        _ => reached.missing = true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_is_seen_through_arrays_as_mongodb_sees_it() {
        // (document's `a`, path, values reached, missing somewhere) — from MongoDB's
        // null_query_semantics.js: `{"a.b": null}` matches exactly when missing or a null is reached.
        let rows = [
            (None, "a.b", vec![], true),
            (Some(json!({})), "a.b", vec![], true),
            (Some(json!(null)), "a.b", vec![], true),
            (Some(json!(4)), "a.b", vec![], true),
            (Some(json!({"b": null})), "a.b", vec![json!(null)], false),
            (Some(json!({"b": "hi"})), "a.b", vec![json!("hi")], false),
            (Some(json!([])), "a.b", vec![], true),
            (Some(json!([[]])), "a.b", vec![], true),
            (Some(json!([1, "s", 4])), "a.b", vec![], true),
            (Some(json!([{"b": 3}, {}])), "a.b", vec![json!(3)], true),
            (Some(json!([{"b": 1}, {"b": "s"}])), "a.b", vec![json!(1), json!("s")], false),
            (Some(json!([{"b": null}, {"b": 3}])), "a.b", vec![json!(null), json!(3)], false),
            (None, "a", vec![], true),
            (Some(json!([])), "a", vec![json!([])], false),
            (Some(json!([7])), "a.0", vec![json!(7)], false),
            (Some(json!([7])), "a.1", vec![], true),
        ];
        for (a, path, values, missing) in rows {
            let doc = Value::from_extended_json(a.map_or(json!({}), |a| json!({"a": a}))).unwrap();
            let reached = reach(&doc, path);
            let got: Vec<_> = reached.values.iter().map(|v| v.to_wire()).collect();
            assert_eq!((got, reached.missing), (values, missing), "{doc:?} {path}");
        }
    }
}
